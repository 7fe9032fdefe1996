// Workspace-relative paths: the one spelling every part of the core agrees on.
// `/`-separated, no leading `./`, no empty or `.` segments, `..` resolved where it can be.
import { braceExpand } from './minimatchModule';

/**
 * True when `p` is already in normal form: no backslash, no empty, `.` or `..` segment (a single
 * leading `/` is allowed). A character loop, because the matcher calls it for every new path and a
 * regular expression with alternatives costs several times more.
 */
export function isNormalRelPath(p: string): boolean {
  const n = p.length;
  let start = 0;
  for (let i = 0; i <= n; i++) {
    const c = i === n ? 47 : p.charCodeAt(i);
    if (c === 92 /* \\ */) {
      return false;
    }
    if (c !== 47 /* / */) {
      continue;
    }
    const length = i - start;
    if (length === 0 && i !== 0) {
      return false;
    }
    if (length === 1 && p.charCodeAt(start) === 46 /* . */) {
      return false;
    }
    if (length === 2 && p.charCodeAt(start) === 46 && p.charCodeAt(start + 1) === 46) {
      return false;
    }
    start = i + 1;
  }
  return true;
}

/**
 * Turns `.\\src\\a.ts`, `./src//a.ts` or `src/lib/../a.ts` into `src/a.ts`.
 * Backslashes count as separators (Windows input). A leading `/` is kept, so an absolute path
 * never passes for a relative one; `..` that climbs above the start is kept (`../x`).
 */
export function normalizeRelPath(input: string): string {
  if (isNormalRelPath(input)) {
    return input;
  }
  const slashed = input.replace(/\\/g, '/');
  const absolute = slashed.startsWith('/');
  const out: string[] = [];
  for (const segment of slashed.split('/')) {
    if (segment === '' || segment === '.') {
      continue;
    }
    if (segment === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') {
        out.pop();
      } else if (!absolute) {
        out.push('..');
      }
      continue;
    }
    out.push(segment);
  }
  return (absolute ? '/' : '') + out.join('/');
}

const ASCII = /^[\x00-\x7f]*$/;

/** Whether `text` is ASCII only: no Unicode normal form, and no lower case but ASCII's, differs from it. */
export function isAscii(text: string): boolean {
  return ASCII.test(text);
}

/** True for `/x`, `\\x`, `\\\\server\\share` and drive paths (`C:\\x`, `c:x`). */
export function isAbsolutePath(pattern: string): boolean {
  return pattern.startsWith('/') || pattern.startsWith('\\') || /^[A-Za-z]:/.test(pattern);
}

/** True when a relative path (already normalized) climbs out of its folder. */
export function climbsOut(relPath: string): boolean {
  return relPath === '..' || relPath.startsWith('../');
}

/** A pattern of plain characters and no braces, not starting with `/`. */
const PLAIN_RELATIVE = /^[A-Za-z0-9._*-][A-Za-z0-9._*/-]*$/;

/**
 * True when a manifest glob would reach outside the workspace folder: an absolute path
 * (`/etc/*`, `C:\\x`, `\\\\server`) or a pattern whose normalized form starts with `..`
 * (`../x`, `a/../../x`). Each alternative of a brace set counts (`{src,../x}/*`).
 */
export function escapesFolder(pattern: string): boolean {
  // Letters, digits, `.`, `_`, `-`, `*` and `/`, without `..` or a leading `/`: inside, answered
  // without the checks below (an agent's hook reads every glob of the manifest on every call).
  if (PLAIN_RELATIVE.test(pattern) && !pattern.includes('..')) {
    return false;
  }
  if (isAbsolutePath(pattern) || climbsOut(normalizeRelPath(pattern))) {
    return true;
  }
  if (!pattern.includes('{')) {
    return false;
  }
  return braceExpand(pattern).some((alt) => isAbsolutePath(alt) || climbsOut(normalizeRelPath(alt)));
}

/** True when `relPath` names something inside the folder (not the folder itself, not outside it). */
export function isInsideFolder(relPath: string): boolean {
  const normal = normalizeRelPath(relPath);
  return normal !== '' && !isAbsolutePath(normal) && !climbsOut(normal);
}

/** The folder of a folder-relative path (`''` for a file at the top). */
export function dirOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

/** Paths as a collection: an array or a set of them, or a map keyed by them. */
export type PathKeys = Iterable<string> | ReadonlySet<string> | ReadonlyMap<string, unknown>;

/**
 * Calls `fn` with each path of `keys`. A map or a set is walked with its own forEach: a for…of loop that
 * runs once (never optimized) allocates a result object per step, 20,000 of them for an inventory.
 */
export function forEachPath(keys: PathKeys, fn: (rel: string) => void): void {
  if (keys instanceof Map) keys.forEach((_value, rel: string) => fn(rel));
  else if (keys instanceof Set) keys.forEach((rel: string) => fn(rel));
  else if (Array.isArray(keys)) for (let i = 0; i < keys.length; i++) fn(keys[i] as string);
  else for (const rel of keys as Iterable<string>) fn(rel);
}

/**
 * dirOf for a run of paths that mostly come folder by folder (an inventory's keys): a path in the same
 * folder as the one before gets that folder's string again, not a new one (20,000 paths, 200 strings).
 */
export function dirOfEach(): (rel: string) => string {
  let last: string | undefined;
  return (rel) => {
    const slash = rel.lastIndexOf('/');
    if (last !== undefined && slash === last.length && rel.startsWith(last)) return last;
    return (last = slash < 0 ? '' : rel.slice(0, slash));
  };
}
