// Which way through a command-line part this process went (`check`, `hook-files`, `hook-shell`…), for
// the part's V8 code cache (src/node/cachedPart.ts): the cache holds the functions compiled by the run
// that made it, so a cache made by an agent's Edit call left a Bash call compiling the shell guard on
// every run. A run that goes a way the cache has not seen yet has the cache made again as it exits,
// with every function compiled so far: after one run of each way, every way starts from the cache.
//
// The dispatcher and the parts are separate bundles, each with its own copy of this module: the
// ways are kept on the global object under a registered symbol, so all copies share them.
const REGISTRY = Symbol.for('protected-files.code-paths');

interface Registry {
  /** The ways noted so far, in the order noted. */
  ways: Set<string>;
  /** Told of each way the first time it is noted (the loader of the parts). */
  listeners: ((path: string) => void)[];
  /** Set by noteOneOffRun. */
  oneOff?: boolean;
}

function registry(): Registry {
  return ((globalThis as { [REGISTRY]?: Registry })[REGISTRY] ??= { ways: new Set(), listeners: [] });
}

/**
 * A way's name: 1 to 32 of `a-z`, `0-9` and `-`, starting with a letter (it goes into a cache's
 * header and file name). A loop rather than a regular expression: compiling one costs more than the
 * rest of this in a fresh process.
 */
export function isCodePath(path: string): boolean {
  if (path.length === 0 || path.length > 32) return false;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    const letter = c >= 0x61 && c <= 0x7a;
    if (!(letter || (i > 0 && ((c >= 0x30 && c <= 0x39) || c === 0x2d)))) return false;
  }
  return true;
}

/** Records that this run took `path` (see isCodePath; anything else is ignored). */
export function noteCodePath(path: string): void {
  if (!isCodePath(path)) return;
  const { ways, listeners } = registry();
  if (ways.has(path)) return;
  ways.add(path);
  for (const listener of listeners) listener(path);
}

/** The ways this process has noted so far, in the order noted. */
export function codePathsTaken(): ReadonlySet<string> {
  return registry().ways;
}

/** Calls `listener` with each way noted from now on, the first time it is noted. */
export function onCodePath(listener: (path: string) => void): void {
  registry().listeners.push(listener);
}

/**
 * Records that this run did work that the runs after it will not, and whose code a part's cache
 * should not hold: it parsed a workspace's manifest and kept the parse beside the part
 * (src/node/manifestCache.ts), which the next run reads back instead. A cache made as such a run
 * exits would hold the parser's compiled functions too, which every later run would deserialize for
 * nothing (~1 ms of an agent's Edit, issue 8): the loader leaves the cache to the next run.
 */
export function noteOneOffRun(): void {
  registry().oneOff = true;
}

/** Whether this run noted work of its own that later runs will not do (noteOneOffRun). */
export function isOneOffRun(): boolean {
  return registry().oneOff === true;
}
