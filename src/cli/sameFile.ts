// Other names of the file a `check` target is: where its symlinks lead (also a dangling one,
// through which a write creates the file it points at), and, for a file with more than one hard
// link, the protected file that shares its inode. Only stats, except for the hard-link case,
// which lists the repository's files once (one git process) and stats the protected ones.
import { lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { runGit } from '../node/gitChanges';

/** As many hops as Linux follows before ELOOP. */
const MAX_LINK_HOPS = 40;
/** At most this many protected files are stat'ed to find a hard link's twin; beyond, the check refuses. */
export const MAX_HARD_LINK_CANDIDATES = 5000;

/**
 * `absolute`, then each path its symlinks lead to, the last one perhaps missing (a write through
 * a dangling link creates it), each also with its existing folders resolved to real paths.
 */
export function linkChain(absolute: string): string[] {
  return linkChains()(absolute);
}

/**
 * linkChain with what it learns kept, for one decision about many paths (a patch naming thousands of
 * files, each with every leading folder taken off): each path's chain, and each folder's real path,
 * looked up once. Not for longer than one decision: links change.
 */
export function linkChains(): (absolute: string) => string[] {
  const chains = new Map<string, string[]>();
  const reals = new Map<string, string | null>();
  /** `path` with its deepest existing folder resolved through symlinks; `missing`: lstat found nothing there. */
  const realFolders = (path: string, missing: boolean): string | undefined => {
    const rest: string[] = missing ? [basename(path)] : [];
    for (let dir = missing ? dirname(path) : path; ; dir = dirname(dir)) {
      let real = reals.get(dir);
      if (real === undefined) {
        try {
          real = realpathSync.native(dir);
        } catch {
          real = null;
        }
        reals.set(dir, real);
      }
      if (real !== null) return join(real, ...rest.reverse());
      if (dirname(dir) === dir) return undefined;
      rest.push(basename(dir));
    }
  };
  return (absolute) => {
    const known = chains.get(absolute);
    if (known) return known;
    const out = [absolute];
    let at = absolute;
    let missing = false;
    // In a folder already found missing, nothing is there to look at (a patch's names with each
    // number of leading folders taken off are mostly such).
    if (reals.get(dirname(at)) === null) missing = true;
    for (let hop = 0; hop < MAX_LINK_HOPS && !missing; hop++) {
      let target: string;
      try {
        if (!lstatSync(at).isSymbolicLink()) break;
        target = readlinkSync(at);
      } catch {
        missing = true; // a plain new file, or the end of a dangling link
        break;
      }
      at = resolve(dirname(at), target);
      out.push(at);
    }
    const real = out.map((p, k) => realFolders(p, missing && k === out.length - 1)).filter((p): p is string => p !== undefined);
    const chain = [...new Set([...out, ...real])];
    chains.set(absolute, chain);
    return chain;
  };
}

export type HardLinkAnswer =
  | { kind: 'none' }
  | { kind: 'twin'; rel: string }
  /** More protected files than MAX_HARD_LINK_CANDIDATES: cannot tell cheaply, so the caller refuses. */
  | { kind: 'too-many' };

/**
 * For a regular file with more than one hard link: the protected file (tracked by git, under
 * `root`) with the same device and inode. `isProtected` takes `/`-separated paths relative to root.
 */
export async function hardLinkTwin(
  root: string, absolute: string, isProtected: (rel: string) => boolean, env: NodeJS.ProcessEnv,
): Promise<HardLinkAnswer> {
  return (await hardLinkTwins(root, [absolute], isProtected, env)).get(absolute) ?? { kind: 'none' };
}

/**
 * `dev:ino` of the file at `absolute` (through symbolic links) when it is a regular file with other
 * hard links, else undefined (also when nothing is there): writing it writes every other name of it.
 */
export function sharedInode(absolute: string): string | undefined {
  try {
    const st = statSync(absolute);
    return st.isFile() && st.nlink >= 2 ? `${st.dev}:${st.ino}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * hardLinkTwin for several files at once: a stat each, and only where one of them is a regular file
 * with other hard links, one git process to list the repository and a stat per protected file.
 */
export async function hardLinkTwins(
  root: string, absolutes: readonly string[], isProtected: (rel: string) => boolean, env: NodeJS.ProcessEnv,
): Promise<Map<string, HardLinkAnswer>> {
  const out = new Map<string, HardLinkAnswer>();
  const linked = new Map<string, string>(); // absolute -> dev:ino
  for (const absolute of absolutes) {
    const inode = sharedInode(absolute);
    if (inode !== undefined) linked.set(absolute, inode);
  }
  if (linked.size === 0) return out;
  // Paths relative to root (git prints them relative to the folder it runs in).
  const listed = await runGit(['ls-files', '-z', '--cached'], root, env).catch(() => undefined);
  if (listed?.code !== 0) return out;
  const wanted = new Set(linked.values());
  const found = new Map<string, string>(); // dev:ino -> rel
  let checked = 0;
  for (const rel of new Set(listed.stdout.toString('utf8').split('\0'))) {
    if (rel === '' || !isProtected(rel)) continue;
    if (++checked > MAX_HARD_LINK_CANDIDATES) {
      for (const [absolute, key] of linked) out.set(absolute, found.has(key) ? { kind: 'twin', rel: found.get(key)! } : { kind: 'too-many' });
      return out;
    }
    try {
      const other = statSync(join(root, ...rel.split('/')));
      const key = `${other.dev}:${other.ino}`;
      if (wanted.has(key) && !found.has(key)) found.set(key, rel);
    } catch {
      // deleted in the work tree
    }
    if (found.size === wanted.size) break;
  }
  for (const [absolute, key] of linked) {
    const rel = found.get(key);
    if (rel !== undefined) out.set(absolute, { kind: 'twin', rel });
  }
  return out;
}
