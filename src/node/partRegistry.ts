// Which file each command-line part was loaded from, as src/node/cachedPart.ts names it (device,
// inode, size, times): a part keeps what it derives from its own code beside it (a parsed manifest:
// src/node/manifestCache.ts) under that name, so that nothing a part of another build made is used.
// The loader and the parts are separate bundles, each with its own copy of this module: the names
// are kept on the global object under a registered symbol, so all copies share them.
const REGISTRY = Symbol.for('protected-files.parts');

function registry(): Map<string, string> {
  return ((globalThis as { [REGISTRY]?: Map<string, string> })[REGISTRY] ??= new Map());
}

/** Records that the part at `filename` was loaded from the file whose sourceIdentity is `identity`. */
export function notePart(filename: string, identity: string): void {
  registry().set(filename, identity);
}

/** The identity of the part at `filename`, if this process loaded it with loadCachedPart. */
export function partIdentity(filename: string): string | undefined {
  return registry().get(filename);
}
