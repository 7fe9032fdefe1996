import { constants, promises as fs } from 'node:fs';

// Not on Windows, where opening a pipe by path does not wait for a writer.
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

/**
 * The bytes of the regular file at `path` (links followed), or undefined where there is none: missing,
 * a folder, a named pipe, a device. Opened without blocking and checked on the open handle, so a
 * protected file swapped for a pipe (whose open waits for a writer, holding one of the few worker
 * threads for good) or a link to /dev/zero (which never ends) cannot hang or exhaust the reader, and
 * nothing can be swapped in between a check and the read.
 */
export async function readRegularFile(path: string): Promise<Buffer | undefined> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(path, constants.O_RDONLY | O_NONBLOCK);
    if (!(await handle.stat()).isFile()) return undefined;
    return await handle.readFile();
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
