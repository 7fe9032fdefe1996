// Approved contents, addressed by their sha256, under `.protection/backups/approved/`, so that a
// breach can be rolled back to exactly what the last change record approved, even after a restart.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../core/audit';
import { atomicWriteFile } from './atomicWrite';
import { BACKUPS_DIR, ensureBackupsDir } from './backups';

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
    try {
      await fs.access(path);
      return hash;
    } catch {
      // not there yet
    }
    await ensureBackupsDir(this.folderPath);
    await fs.mkdir(this.dir, { recursive: true });
    await atomicWriteFile(path, content);
    return hash;
  }

  /** The content with this hash, verified, or undefined. */
  async get(hash: string): Promise<Uint8Array | undefined> {
    if (!/^[0-9a-f]{64}$/.test(hash)) return undefined;
    try {
      const bytes = await fs.readFile(join(this.dir, hash));
      return sha256(bytes) === hash ? bytes : undefined;
    } catch {
      return undefined;
    }
  }
}
