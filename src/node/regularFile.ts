import { closeSync, constants, fstatSync, openSync, promises as fs, readFileSync } from 'node:fs';
import type { Stats } from 'node:fs';

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
function kindOf(stat: Stats): string {
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

/** readRegularFileStrict, synchronously (the agents' hook answers in one go). */
export function readRegularFileStrictSync(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | O_NONBLOCK);
  } catch (err) {
    throw openError(path, err);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new NotRegularFileError(path, kindOf(stat));
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

/** readRegularFile, synchronously. */
export function readRegularFileSync(path: string): Buffer | undefined {
  try {
    return readRegularFileStrictSync(path);
  } catch {
    return undefined;
  }
}
