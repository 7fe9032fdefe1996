// dist/hook.js: `protected-files hook` alone, for the agents' launcher (.protection/hooks/guard.sh):
// agents wait for it on every tool call, so it starts the guard directly, without the dispatcher.
// The guard's code is dist/cli-guard.js, which dist/cli.js loads for `hook` and `check` too (one
// copy in the package; scripts/build.mjs redirects this require). Same arguments as `protected-files hook`.
import { noteCodePath } from '../core/codePath';
import { exitWhenWritten, processIo } from './io';
import type * as HookCommand from './hookCommand';
import { readHookPayload } from './hookWay';

// Before the part loads: the guard's part keeps one code cache per command and, for the hook, per way
// (src/node/cachedPart.ts, src/cli/hookWay.ts).
noteCodePath('hook');
const args = process.argv.slice(2);
void readHookPayload(args, processIo()).then((io) => {
  // A plain require: esbuild keeps it as require('./cli-guard.js') in dist/hook.js.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runHook } = require('./hookCommand') as typeof HookCommand;
  return runHook(args[0] === 'hook' ? args.slice(1) : args, io);
}).then(
  exitWhenWritten,
  () => exitWhenWritten(2), // runHook refuses on every error it sees; this is the last net
);
