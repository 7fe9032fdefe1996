// Approved contents, addressed by their sha256, under `.protection/backups/approved/`, so that a
// breach can be rolled back to exactly what the last change record approved, even after a restart.
//
// A second copy of each is kept in the git directory (`.git/protected-files/approved/`, beside the
// grant store): `rm -rf .protection/backups` before writing a locked file would otherwise leave the
// guard nothing to restore but git HEAD, and an approved change not yet committed would be lost under
// HEAD's version. Both are content-addressed and verified on every read, so a copy swapped for other
// bytes is no copy; one found only in the git directory is put back in the folder.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../core/audit';
import { atomicWriteFile } from './atomicWrite';
import { BACKUPS_DIR, ensureBackupsDir } from './backups';
import { findGitDir } from './grantStore';
import { readRegularFile } from './regularFile';

export const APPROVED_DIR = `${BACKUPS_DIR}/approved`;

export class ApprovedStore {
  private readonly dir: string;
  /** The copy in the git directory; undefined outside a git checkout. */
  private readonly mirror: string | undefined;
  private readonly gitDir: string | undefined;

  constructor(readonly folderPath: string) {
    this.dir = join(folderPath, ...APPROVED_DIR.split('/'));
    const git = findGitDir(folderPath);
    this.gitDir = git?.gitDir;
    this.mirror = git ? join(git.gitDir, 'protected-files', 'approved') : undefined;
  }

  /** Keeps a copy of approved content (in both places); returns its hash. Writing the same content twice is a no-op. */
  async put(content: Uint8Array): Promise<string> {
    const hash = sha256(content);
    // Kept already, and intact; whatever else is at its name (other bytes, a named pipe) is replaced.
    if ((await verified(join(this.dir, hash), hash)) === undefined) await this.putHere(hash, content);
    await this.putMirror(hash, content);
    return hash;
  }

  /** The content with this hash, verified, or undefined. */
  async get(hash: string): Promise<Uint8Array | undefined> {
    if (!/^[0-9a-f]{64}$/.test(hash)) return undefined;
    const here = await verified(join(this.dir, hash), hash);
    if (here) return here;
    const kept = this.mirror ? await verified(join(this.mirror, hash), hash) : undefined;
    if (kept) {
      // Deleted or spoilt in the folder: put back (best effort; the content is returned either way).
      await this.putHere(hash, kept).catch(() => undefined);
    }
    return kept;
  }

  /** The folder's copy, written whatever is at its name. */
  private async putHere(hash: string, content: Uint8Array): Promise<void> {
    await ensureBackupsDir(this.folderPath);
    await fs.mkdir(this.dir, { recursive: true });
    await atomicWriteFile(join(this.dir, hash), content);
  }

  /** The copy in the git directory: best effort (a read-only git directory keeps the folder's copy only). */
  private async putMirror(hash: string, content: Uint8Array): Promise<void> {
    if (!this.mirror) return;
    try {
      if ((await verified(join(this.mirror, hash), hash)) !== undefined) return;
      // Made inside a git directory that is there, never the git directory itself: one deleted or
      // moved away while the guard runs must not come back as a `.git` holding only this.
      if (!(await fs.stat(this.gitDir!)).isDirectory()) return;
      await fs.mkdir(this.mirror, { recursive: true, mode: 0o700 });
      await atomicWriteFile(join(this.mirror, hash), content);
    } catch {
      // the folder's copy stands
    }
  }
}

/** The bytes at `path` if they are a regular file whose sha256 is `hash`. */
async function verified(path: string, hash: string): Promise<Uint8Array | undefined> {
  // A named pipe or a device in place of a copy is no copy (never waited on, never read without end).
  const bytes = await readRegularFile(path);
  return bytes && sha256(bytes) === hash ? bytes : undefined;
}
