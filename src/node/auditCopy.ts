// The breach guard's own copy of the audit log, as it read it, so that a log cut short, replaced or
// deleted from outside can be put back whole (the records not yet committed included, which git cannot
// give back). It lives in the git directory beside the grant store (`.git/protected-files/`, refused to
// agents like the grants), owner-only, one per manifest folder. It is written only as the guard reads
// the log, at the offset it read: appending to the log costs the same append here, never a copy of the
// whole log, and nothing runs while the log does not change. A running sha256 of what was read is kept
// in memory: a copy whose bytes no longer hash to it (changed from outside, a write that failed) is no
// copy, and the log is then not restored (said, as before).
import { constants, promises as fs } from 'node:fs';
import type { Hash } from 'node:crypto';
import { dirname } from 'node:path';
import { nodeCrypto } from '../core/nodeCrypto';
import { locateGrantStore } from './grantStore';
import { openRegularFile } from './regularFile';

/** The largest log put back from the copy (read whole to be verified, then written atomically). */
export const MAX_RESTORED_LOG = 256 * 1024 * 1024;

export class AuditLogCopy {
  private handle: fs.FileHandle | undefined;
  private hash: Hash | undefined;
  /** Bytes of the log the copy holds, all read in order from its start. */
  private size = 0;
  /** False once a byte read was not copied: nothing is restored from it until the log is read from its start again. */
  private whole = true;
  /** The reason the copy could not be kept (said once by the engine). */
  failure: string | undefined;

  constructor(readonly path: string | undefined) {}

  /** The copy of `folder`'s log: `<git dir>/protected-files/folder-<id>.audit.jsonl`; none outside git. */
  static of(folder: string): AuditLogCopy {
    const store = locateGrantStore(folder);
    return new AuditLogCopy(store ? store.path.replace(/\.json$/, '.audit.jsonl') : undefined);
  }

  /** The log is read again from its start: the copy starts again, empty. */
  restart(): void {
    this.size = 0;
    this.hash = undefined;
    this.whole = true;
  }

  /** Bytes the guard could not copy (it read them while it stood by): nothing is restored until a restart. */
  skip(): void {
    this.whole = false;
  }

  /** Whether bytes read were not copied (read while standing by), where a copy can be kept. */
  get partial(): boolean {
    return this.path !== undefined && !this.whole && this.failure === undefined;
  }

  /** `bytes`, read from the log at `offset`, copied at the same offset. */
  async add(offset: number, bytes: Uint8Array): Promise<void> {
    if (!this.path || !this.whole || this.failure !== undefined) return;
    if (offset !== this.size) {
      this.whole = false;
      return;
    }
    try {
      if (offset === 0 || !this.handle) {
        await this.handle?.close().catch(() => undefined);
        this.handle = undefined;
        if (offset !== 0) {
          this.whole = false;
          return;
        }
        // The git directory itself is never made (`.git` moved away: git would see a broken repository).
        try {
          await fs.mkdir(dirname(this.path), { mode: 0o700 });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.skip();
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        // Never through a link put at its name; whatever was there before is replaced by this read.
        await fs.unlink(this.path).catch(() => undefined);
        this.handle = await fs.open(this.path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
        this.hash = nodeCrypto().createHash('sha256');
      }
      for (let at = 0; at < bytes.length;) at += (await this.handle.write(bytes, at, bytes.length - at, offset + at)).bytesWritten;
      this.hash?.update(bytes);
      this.size += bytes.length;
    } catch (err) {
      this.failure = String(err);
      await this.handle?.close().catch(() => undefined);
      this.handle = undefined;
    }
  }

  /**
   * The bytes read so far, from the copy, if it holds them unchanged (its first `size` bytes hash to
   * what was read); else undefined with the reason.
   */
  async kept(): Promise<{ bytes: Buffer } | { why: string }> {
    if (!this.path) return { why: 'the folder is in no git checkout, where the guard keeps its copy' };
    if (this.failure !== undefined) return { why: `the guard could not keep its copy (${this.failure})` };
    if (!this.whole || !this.hash) return { why: 'the guard did not read the whole log itself' };
    if (this.size > MAX_RESTORED_LOG) return { why: `the log was larger than ${MAX_RESTORED_LOG / 1024 / 1024} MB` };
    const expected = this.hash.copy().digest();
    let handle: fs.FileHandle;
    try {
      handle = await openRegularFile(this.path, constants.O_RDONLY);
    } catch (err) {
      return { why: `its copy is gone (${String(err)})` };
    }
    try {
      const bytes = Buffer.alloc(this.size);
      let at = 0;
      while (at < bytes.length) {
        const { bytesRead } = await handle.read(bytes, at, bytes.length - at, at);
        if (bytesRead === 0) break;
        at += bytesRead;
      }
      if (at < bytes.length || !nodeCrypto().createHash('sha256').update(bytes).digest().equals(expected)) {
        return { why: 'its copy was changed from outside' };
      }
      return { bytes };
    } finally {
      await handle.close();
    }
  }

  async close(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }
}
