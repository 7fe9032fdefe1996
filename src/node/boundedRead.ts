// One small file read whole, where what is in its place may have been put there by anyone who can
// write the folder: a code cache beside a CLI part, the commit gate's list of logs found whole.
import { closeSync, constants, openSync, readSync } from 'node:fs';

// Opened without following a link and without waiting for a writer (a named pipe in the file's
// place reads as empty); read to at most a bound, so that nothing endless (a pipe with a writer that
// does not stop, a device) is read for ever. Cheaper than asking fstat first (~0.15 ms of every hook
// call: fstat builds Node's Stats object, which nothing else of a hook call needs that early).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * The bytes of `path` if it ends within `max` bytes, else undefined (also for anything unreadable).
 * `follow`: through a symbolic link, for a file its program reads through links too (a package.json).
 */
export function readBounded(path: string, max: number, follow = false): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, follow ? OPEN_FLAGS : OPEN_FLAGS | NO_FOLLOW);
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.allocUnsafe(max + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) return buffer.subarray(0, length);
      length += n;
      if (length > max) return undefined;
    }
  } catch {
    return undefined; // a folder, a pipe with nothing yet (EAGAIN)…
  } finally {
    closeSync(fd);
  }
}

