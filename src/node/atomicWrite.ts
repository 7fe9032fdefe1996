// Readers (the editor, a watcher, git) see either the old file or the new one, never half of
// it: write a temp file next to the target, flush it, then rename it over the target.
import { nodeCrypto } from '../core/nodeCrypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const RENAME_RETRIES = 5;

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Where to write: through a symlink to its target, so a link stays a link; or, with `replaceLink`,
 * at `path` itself, so that the rename replaces a link (or a pipe) standing there and nothing it
 * points to is ever written. The mode kept is a regular file's only.
 */
async function resolveTarget(path: string, replaceLink: boolean): Promise<{ target: string; mode: number | undefined }> {
  try {
    const target = replaceLink ? path : await fs.realpath(path);
    const stat = await fs.lstat(target);
    return { target, mode: stat.isFile() ? stat.mode & 0o7777 : undefined };
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return { target: path, mode: undefined };
    throw err;
  }
}

/** Windows refuses to rename over a file another process has open for a moment (antivirus, indexer). */
async function rename(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.rename(from, to);
      return;
    } catch (err) {
      const transient = process.platform === 'win32' && ['EPERM', 'EACCES', 'EBUSY'].includes(errorCode(err) ?? '');
      if (!transient || attempt >= RENAME_RETRIES) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
    }
  }
}

/**
 * Replaces `path` with `data` atomically: a temp file `.<name>.<pid>.<random>.tmp` in the same
 * folder, fsync, the existing file's permission bits (owner and group are not kept), rename.
 * The temp file is removed when anything fails. The folder must exist. `replaceLink`: a link at
 * `path` is replaced by the file rather than written through (the breach guard's restore).
 */
export async function atomicWriteFile(path: string, data: string | Uint8Array, options: { mode?: number; replaceLink?: boolean } = {}): Promise<void> {
  const resolved = await resolveTarget(path, options.replaceLink === true);
  const target = resolved.target;
  // A mode given by the caller wins (owner-only files must never be readable, even for a moment).
  const mode = options.mode ?? resolved.mode;
  const temp = tempSibling(target);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(temp, 'wx', mode ?? 0o666);
    await handle.writeFile(data);
    // open() applies the umask; the old file's mode must survive exactly.
    if (mode !== undefined) await handle.chmod(mode);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, target);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fs.unlink(temp).catch(() => undefined);
    throw err;
  }
}

/**
 * Replaces `path` with a symbolic link to `target` atomically: the link is made at a temp name
 * beside it (`.<name>.<pid>.<random>.tmp`), then renamed over whatever file or link is at `path`.
 * For a file git tracks as a link, which the breach guard writes back as one.
 */
export async function atomicWriteLink(path: string, target: Uint8Array): Promise<void> {
  const temp = tempSibling(path);
  try {
    await fs.symlink(Buffer.from(target), temp);
    await rename(temp, path);
  } catch (err) {
    await fs.unlink(temp).catch(() => undefined);
    throw err;
  }
}

/** A temp name beside `path`: `.<name>.<pid>.<random>.tmp` (the breach guard never judges such a name). */
function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${nodeCrypto().randomBytes(6).toString('hex')}.tmp`);
}
