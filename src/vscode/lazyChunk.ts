import { lazyModule } from '../node/lazyModule';
import type * as LazyEntry from './lazyEntry';
import { logChannel, reportError } from './logger';

/**
 * The code loaded on first use (lazyEntry.ts; dist/lazy.js in the bundles, where scripts/build.mjs
 * redirects this require). `what` names the command or view that needs it: a package without the file
 * fails with an error that says so, never silently.
 */
export const loadLazy: (what: string) => typeof LazyEntry = lazyModule(
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  () => require('./lazyEntry') as typeof LazyEntry,
  // Its copy of logger.ts writes to the one output channel.
  (m) => m.adoptLog(logChannel()),
);

const reported = new Set<string>();

/**
 * loadLazy for a view's provider, which has no command boundary to report at: the workbench would only
 * leave the view empty, so a failure is shown (once for each `what`) before it is thrown.
 */
export function loadLazyReported(what: string): typeof LazyEntry {
  try {
    return loadLazy(what);
  } catch (err) {
    if (!reported.has(what)) {
      reported.add(what);
      reportError(`Could not show ${what}`, err);
    }
    throw err;
  }
}
