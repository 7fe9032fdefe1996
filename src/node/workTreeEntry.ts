// What stands at a path of the work tree, read as git would store it and never through a link: a
// file's bytes, a symbolic link's target, or the news that it is something git cannot hold (a named
// pipe, a socket, a device), which is never opened.
import { constants, promises as fs } from 'node:fs';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { kindOf, openRegularFile } from './regularFile';

export type WorkTreeEntry =
  /** Nothing there, or not as a file: git sees the path deleted. */
  | { kind: 'missing' }
  | { kind: 'file'; bytes: Buffer }
  /** A symbolic link: its target as git stores it (the bytes of readlink), never what it points to. */
  | { kind: 'link'; target: Buffer }
  /** A named pipe, a socket or a device ("a named pipe"…), never opened. */
  | { kind: 'special'; what: string }
  /** One of the path's folders is a symbolic link (`dir`, relative): the path leads elsewhere, and is not read. */
  | { kind: 'linked-folder'; dir: string };

/**
 * The entry at `rel` (slash-separated) below `root`. Each folder of the path is looked at without
 * following it, so nothing outside the work tree is read by way of a linked folder; the file itself is
 * opened without following a link and without waiting (see openRegularFile), so a link or a pipe put
 * there since it was looked at is refused (an error), not read. A folder in the file's place is
 * `missing`, as git sees it. Throws fs's other errors (EACCES…).
 */
export async function readWorkTreeEntry(root: string, rel: string): Promise<WorkTreeEntry> {
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    const dir = parts.slice(0, i).join('/');
    const stat = await lstatOrUndefined(join(root, ...parts.slice(0, i)));
    if (!stat || (!stat.isDirectory() && !stat.isSymbolicLink())) return { kind: 'missing' };
    if (stat.isSymbolicLink()) return { kind: 'linked-folder', dir };
  }
  const path = join(root, ...parts);
  const stat = await lstatOrUndefined(path);
  if (!stat || stat.isDirectory()) return { kind: 'missing' };
  if (stat.isSymbolicLink()) return { kind: 'link', target: await fs.readlink(path, { encoding: 'buffer' }) };
  if (!stat.isFile()) return { kind: 'special', what: kindOf(stat) };
  const handle = await openRegularFile(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    return { kind: 'file', bytes: await handle.readFile() };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}
