// A cache file beside a command-line part (its V8 code cache, a parsed manifest), written so that a
// crash or a second process mid-write never leaves half of one: to a temporary file of its own, then
// renamed into place. Never throws: a cache that cannot be written is made again next time.
import { closeSync, openSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';

/**
 * Writes what `make` returns to `file`, atomically; nothing when it returns undefined. `make` runs
 * only once the temporary file could be created: a read-only install (a global package) pays nothing
 * for making a cache it cannot keep. True when the file is in place.
 */
export function writeCacheFile(file: string, make: () => Buffer | undefined): boolean {
  const temporary = `${file}.${process.pid}.tmp`;
  let fd: number;
  try {
    fd = openSync(temporary, 'wx', 0o644); // never through a file or link already there
  } catch {
    return false;
  }
  try {
    const data = make();
    if (data === undefined) throw new Error('nothing to keep');
    writeFileSync(fd, data);
    closeSync(fd);
    renameSync(temporary, file);
    return true;
  } catch {
    try {
      closeSync(fd);
    } catch {
      // closed already
    }
    try {
      unlinkSync(temporary);
    } catch {
      // nothing left behind
    }
    return false;
  }
}
