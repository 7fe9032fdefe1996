// dist/hook.js: `protected-files hook` alone, for the agents' launcher (.protection/hooks/guard.sh):
// agents wait for it on every tool call, so it starts the guard directly, without the dispatcher.
// The guard's code is dist/cli-guard.js, which dist/cli.js loads for `hook` and `check` too (one
// copy in the package; scripts/build.mjs redirects this require). Same arguments as `protected-files hook`.
import { noteCodePath } from '../core/codePath';
import { MAX_HOOK_PAYLOAD, exitWhenWritten, processIo, withStdin } from './io';
import type * as HookCommand from './hookCommand';
import { guessHookWay } from './hookWay';

// Before the part loads: the guard's part keeps one code cache per command (src/node/cachedPart.ts).
noteCodePath('hook');
// The payload is read first (to the bound the guard reads; a bigger one is refused by the guard as
// before, from this same read), so that its way can name the code cache.
const args = process.argv.slice(2);
// `--help` answers without reading anything, as before.
const help = args.includes('-h') || args.includes('--help');
const io = processIo();
const stdin = help ? Promise.resolve('') : io.stdin(MAX_HOOK_PAYLOAD);
void stdin.then(guessHookWay, () => 'hook-files').then((way) => {
  noteCodePath(way);
  // A plain require: esbuild keeps it as require('./cli-guard.js') in dist/hook.js.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runHook } = require('./hookCommand') as typeof HookCommand;
  return runHook(args[0] === 'hook' ? args.slice(1) : args, withStdin(io, stdin));
}).then(
  exitWhenWritten,
  () => exitWhenWritten(2), // runHook refuses on every error it sees; this is the last net
);
