// Approved contents, addressed by their sha256, under `.protection/backups/approved/`, so that a
// breach can be rolled back to exactly what the last change record approved, even after a restart.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../core/audit';
import { atomicWriteFile } from './atomicWrite';
import { BACKUPS_DIR, ensureBackupsDir } from './backups';
import { readRegularFile } from './regularFile';

export const APPROVED_DIR = `${BACKUPS_DIR}/approved`;

export class ApprovedStore {
  private readonly dir: string;

  constructor(readonly folderPath: string) {
    this.dir = join(folderPath, ...APPROVED_DIR.split('/'));
  }

  /** Keeps a copy of approved content; returns its hash. Writing the same content twice is a no-op. */
  async put(content: Uint8Array): Promise<string> {
    const hash = sha256(content);
    const path = join(this.dir, hash);
    // Kept already, and intact; whatever else is at its name (other bytes, a named pipe) is replaced.
    if ((await this.get(hash)) !== undefined) return hash;
    await ensureBackupsDir(this.folderPath);
    await fs.mkdir(this.dir, { recursive: true });
    await atomicWriteFile(path, content);
    return hash;
  }

  /** The content with this hash, verified, or undefined. */
  async get(hash: string): Promise<Uint8Array | undefined> {
    if (!/^[0-9a-f]{64}$/.test(hash)) return undefined;
    // A named pipe or a device in place of a copy is no copy (never waited on, never read without end).
    const bytes = await readRegularFile(join(this.dir, hash));
    return bytes && sha256(bytes) === hash ? bytes : undefined;
  }
}
