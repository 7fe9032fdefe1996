// One small file read whole, where what is in its place may have been put there by anyone who can
// write the folder: a code cache beside a CLI part, the commit gate's list of logs found whole.
import { closeSync, constants, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

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

/** A package.json larger than this is not read for its scripts. */
const MAX_PACKAGE_BYTES = 1024 * 1024;

/** An .npmrc or .yarnrc larger than this is taken to set anything. */
const MAX_NPMRC_BYTES = 256 * 1024;

/**
 * The package.json a package manager started in `dir` reads its scripts from, for the shell guard
 * (ShellPorts.readPackage): the one in `dir`, else in the nearest folder above that has one, read
 * through links as the package managers read it. `up`: folders above `dir`; `text` undefined when
 * something is there that cannot be read (a folder, a file too large). Undefined when there is none.
 * `otherShell`: an .npmrc or .yarnrc beside it or in `home` sets `script-shell` (npm, pnpm and yarn 1
 * then run the scripts with that program, `python3 -c …`), or cannot be read.
 */
export function nearestPackage(dir: string, home?: string): { up: number; text: string | undefined; otherShell: boolean } | undefined {
  for (let at = resolve(dir), up = 0; ; up++) {
    const path = join(at, 'package.json');
    const bytes = readBounded(path, MAX_PACKAGE_BYTES, true);
    const otherShell = (): boolean => [at, ...(home ? [home] : [])].some((d) => setsScriptShell(join(d, '.npmrc')) || setsScriptShell(join(d, '.yarnrc')));
    // A named pipe in its place reads as empty now and as anything later: only a regular file is read.
    if (bytes) return { up, text: statSync(path, { throwIfNoEntry: false })?.isFile() ? bytes.toString('utf8') : undefined, otherShell: otherShell() };
    if (existsSync(path)) return { up, text: undefined, otherShell: otherShell() };
    if (dirname(at) === at) return undefined;
    at = dirname(at);
  }
}

/** Whether the .npmrc (`script-shell=…`) or .yarnrc (`script-shell "…"`) at `path` sets the scripts' shell, or is there and cannot be read. */
function setsScriptShell(path: string): boolean {
  const bytes = readBounded(path, MAX_NPMRC_BYTES, true);
  if (!bytes) return existsSync(path);
  return /^[ \t]*["']?script-shell["']?[ \t=:]/im.test(bytes.toString('utf8'));
}
