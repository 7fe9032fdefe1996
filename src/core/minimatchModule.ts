// minimatch, loaded on first use. A manifest of plain paths and folders (`src/booking/**`) is
// matched without it (matcher.ts indexes those shapes itself), a glob without braces needs no
// expansion, and a shell command without a glob needs no pattern: so an agent's hook, which starts a
// fresh Node on every tool call, and the extension's activation, for most manifests, never run its
// top level (its classes, brace-expansion's tables) nor have its code in V8's code cache (issue 8).
import type * as Minimatch from 'minimatch';
import { noteCodePath } from './codePath';
import { expandPlainBraces } from './plainGlob';

let loaded: typeof Minimatch | undefined;

/** The minimatch module, required the first time it is asked for. */
export function minimatchModule(): typeof Minimatch {
  if (loaded === undefined) {
    try {
      // The extension's bundles take it from dist/minimatch.js (scripts/build.mjs); the command-line
      // parts have it inside, in a function of its own that runs on this first call.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = require('minimatch') as typeof Minimatch;
    } catch (err) {
      throw new Error(`Protected Files could not load its glob matcher, minimatch (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); reinstall Protected Files.`);
    }
    // A way of its own through the command line's parts (src/core/codePath.ts): a code cache made by
    // runs that never loaded minimatch (a manifest of paths and folders, an Edit) lacks its functions,
    // which every later run that needs them (a manifest with patterns, a shell command that deletes)
    // would compile again (~2.4 ms of an agent's hook, with the matcher's own: see 'patterns').
    noteCodePath('glob');
  }
  return loaded;
}

/**
 * minimatch's `braceExpand`: a pattern without a `{` is its only alternative (minimatch answers so
 * without expanding, for a pattern it accepts: a string of at most 64 KiB), and a plain one's sets
 * are expanded here as minimatch would (src/core/plainGlob.ts).
 */
export function braceExpand(pattern: string, options?: Minimatch.MinimatchOptions): string[] {
  if (!pattern.includes('{') && pattern.length <= 64 * 1024) return [pattern];
  const plain = options?.nobrace ? undefined : expandPlainBraces(pattern, options?.braceExpandMax);
  return plain ?? minimatchModule().braceExpand(pattern, options);
}

/** Whether minimatch has been loaded in this process (for tests). */
export function minimatchLoaded(): boolean {
  return loaded !== undefined;
}
