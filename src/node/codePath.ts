// Which way through a command-line part this process went (`check`, `hook-files`, `hook-shell`…), for
// the part's V8 code cache (src/node/cachedPart.ts): the cache holds the functions compiled by the run
// that made it, so a cache made by an agent's Edit call left a Bash call compiling the shell guard on
// every run. A run that goes a way the cache has not seen yet has the cache made again as it exits,
// with every function compiled so far: after one run of each way, every way starts from the cache.
//
// The dispatcher and the parts are separate bundles, each with its own copy of this module: the
// ways are kept on the global object under a registered symbol, so all copies share them.
const PATHS = Symbol.for('protected-files.code-paths');

type Global = { [PATHS]?: Set<string> };

/** Records that this run took `path` (lower-case letters, digits and dashes). */
export function noteCodePath(path: string): void {
  ((globalThis as Global)[PATHS] ??= new Set()).add(path);
}

/** The ways this process has noted so far. */
export function codePathsTaken(): readonly string[] {
  return [...((globalThis as Global)[PATHS] ?? [])];
}
