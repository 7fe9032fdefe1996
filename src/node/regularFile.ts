import { closeSync, constants, fstatSync, openSync, promises as fs, readFileSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { nodeCrypto } from '../core/nodeCrypto';

// Not on Windows, where opening a pipe by path does not wait for a writer.
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

/**
 * A path that holds something other than a regular file (links followed): a folder, a named
 * pipe, a socket, a device. What must be a file and is not is never read: opening a named pipe
 * waits for a writer (for good, holding a thread) and a device such as /dev/zero never ends.
 */
export class NotRegularFileError extends Error {
  readonly code = 'ENOTREGULAR';

  constructor(readonly path: string, readonly what: string) {
    super(`${path} is ${what}, not a regular file`);
    this.name = 'NotRegularFileError';
  }
}

/** What `stat` describes, for messages: "a folder", "a named pipe"… */
export function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** An error of opening `path` as the caller sees it: ENXIO (a socket, or a pipe opened to write) is "not a regular file". */
function openError(path: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENXIO') return new NotRegularFileError(path, 'a socket or a named pipe');
  if (code === 'EISDIR') return new NotRegularFileError(path, 'a folder');
  return err;
}

/**
 * Opens the regular file at `path` with `flags` (numeric, from fs.constants) and never waits on
 * what is not one: opened without blocking, then checked on the open handle, so nothing can be
 * swapped in between a check and the use. Throws fs's errors (ENOENT…) and NotRegularFileError.
 */
export async function openRegularFile(path: string, flags: number, mode?: number): Promise<fs.FileHandle> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, flags | O_NONBLOCK, mode);
  } catch (err) {
    throw openError(path, err);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new NotRegularFileError(path, kindOf(stat));
    return handle;
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}

/** The bytes of the regular file at `path`; throws fs's errors (ENOENT…) and NotRegularFileError. */
export async function readRegularFileStrict(path: string): Promise<Buffer> {
  const handle = await openRegularFile(path, constants.O_RDONLY);
  try {
    return await handle.readFile();
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * How a synchronous read may refuse more: `noFollow`, a link at `path` (its last segment) is not
 * followed (ELOOP); `maxBytes`, a larger file is not read (EFBIG).
 */
export interface RegularReadOptions {
  noFollow?: boolean;
  maxBytes?: number;
}

/** readRegularFileStrict, synchronously (the agents' hook answers in one go). */
export function readRegularFileStrictSync(path: string, options: RegularReadOptions = {}): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | O_NONBLOCK | (options.noFollow ? constants.O_NOFOLLOW ?? 0 : 0));
  } catch (err) {
    throw openError(path, err);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new NotRegularFileError(path, kindOf(stat));
    if (options.maxBytes !== undefined && stat.size > options.maxBytes) {
      throw Object.assign(new Error(`${path} is larger than ${options.maxBytes} bytes`), { code: 'EFBIG' });
    }
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The text (UTF-8) of the regular file at `path`, or undefined when nothing is there (ENOENT); throws
 * NotRegularFileError and fs's other errors: for files whose absence is an answer but a swap is not
 * (a manifest, an audit log, a file a generator merges into).
 */
export async function readRegularText(path: string): Promise<string | undefined> {
  try {
    return (await readRegularFileStrict(path)).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The bytes of the regular file at `path`, or undefined where there is none: missing, unreadable,
 * a folder, a named pipe, a device (see readRegularFileStrict). For files whose absence is an
 * answer: a lock, a lease, a grant state, an approved copy, a protected file the guard compares.
 */
export async function readRegularFile(path: string): Promise<Buffer | undefined> {
  try {
    return await readRegularFileStrict(path);
  } catch {
    return undefined;
  }
}

/** readRegularFile, synchronously; `options` as readRegularFileStrictSync's. */
export function readRegularFileSync(path: string, options?: RegularReadOptions): Buffer | undefined {
  try {
    return readRegularFileStrictSync(path, options);
  } catch {
    return undefined;
  }
}

/** What one read of a file found: its sha256 and size and, when small enough to hold, its bytes. */
export interface FileVersion {
  hash: string;
  size: number;
  /** Undefined for a file larger than the reader's bound: it was hashed in chunks, never held whole. */
  bytes?: Buffer;
  /** Names the file has (hard links); more than one means another name can change it unseen. */
  links?: number;
  /**
   * What stands at the path instead of a regular file, as a phrase (`a symbolic link to /tmp/x in place
   * of the file`, `a folder in place of the file`…), read with `noFollow` only; `hash` then names that
   * thing (the same link seen twice is one version).
   */
  notFile?: string;
  /** What is there is a folder, or stands in place of one of the path's folders: nothing that was ever this file. */
  folder?: boolean;
  /** A symbolic link that git tracks at this path: `bytes` are its target (the breach guard's reading). */
  link?: boolean;
}

/** How readRegularVersion may refuse more. */
export interface VersionReadOptions {
  /**
   * A link at `path` (its last segment) is not followed, and neither is anything but a regular file
   * read: the answer names what is there (`notFile`) rather than undefined.
   */
  noFollow?: boolean;
}

/** Bytes read at a time where a file is hashed or copied without being held whole. */
const CHUNK_BYTES = 1 << 20;

/**
 * Reads `handle` from its start to its end in chunks, into sha256 and into `onChunk` (given a
 * view of a reused buffer: copy what is kept). Memory stays one chunk whatever the file's size,
 * and the event loop gets a turn between chunks.
 */
export async function streamHandle(handle: fs.FileHandle, onChunk?: (chunk: Buffer) => void | Promise<void>): Promise<{ hash: string; size: number }> {
  const hash = nodeCrypto().createHash('sha256');
  // A small file in one read (and the read that finds its end), a large one a chunk at a time.
  const length = Math.min(CHUNK_BYTES, Math.max(16 * 1024, (await handle.stat()).size + 1));
  const buffer = Buffer.allocUnsafe(length);
  let size = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, length, size);
    if (bytesRead === 0) break;
    const chunk = buffer.subarray(0, bytesRead);
    hash.update(chunk);
    await onChunk?.(chunk);
    size += bytesRead;
  }
  return { hash: hash.digest('hex'), size };
}

/**
 * The version of the regular file at `path`: its bytes only while it has at most `maxBytes`
 * (counted as read, so a file growing meanwhile is bounded too), else just its hash and size;
 * undefined where readRegularFile answers undefined. What the breach guard reads a locked file
 * with: an agent's multi-gigabyte write costs it one chunk of memory, not the file.
 */
export async function readRegularVersion(path: string, maxBytes: number, options: VersionReadOptions = {}): Promise<FileVersion | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await openRegularFile(path, constants.O_RDONLY | (options.noFollow ? constants.O_NOFOLLOW ?? 0 : 0));
  } catch (err) {
    return options.noFollow && (err as NodeJS.ErrnoException).code !== 'ENOENT' ? notFileVersion(path) : undefined;
  }
  try {
    let held: Buffer[] | undefined = [];
    let count = 0;
    const links = (await handle.stat()).nlink;
    const { hash, size } = await streamHandle(handle, (chunk) => {
      count += chunk.length;
      if (held && count <= maxBytes) held.push(Buffer.from(chunk));
      else held = undefined;
    });
    return held ? { hash, size, links, bytes: Buffer.concat(held, size) } : { hash, size, links };
  } catch {
    return undefined;
  } finally {
    await handle.close().catch(() => undefined);
  }
}


/** What stands at `path` in place of a regular file (lstat: a link is not followed), as a version; undefined where nothing is. */
async function notFileVersion(path: string): Promise<FileVersion | undefined> {
  let stat: Stats;
  try {
    stat = await fs.lstat(path);
  } catch {
    return undefined;
  }
  if (stat.isFile()) return undefined; // unreadable: as before, nothing to compare
  const what = `${stat.isSymbolicLink() ? `a symbolic link to ${await fs.readlink(path).catch(() => '?')}` : kindOf(stat)} in place of the file`;
  return { hash: nodeCrypto().createHash('sha256').update(`not a file: ${what}`).digest('hex'), size: 0, notFile: what, ...(stat.isDirectory() ? { folder: true } : {}) };
}
