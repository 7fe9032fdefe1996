// dist/hook.js: `protected-files hook` alone, in a bundle of its own, for the agents' launcher
// (.protection/hooks/guard.sh): agents wait for it on every tool call, and Node compiles this
// small file faster than the whole CLI. Same arguments as `protected-files hook`.
import { runHook } from './hookCommand';
import { processIo } from './io';

const args = process.argv.slice(2);
void runHook(args[0] === 'hook' ? args.slice(1) : args, processIo()).then(
  (code) => { process.exitCode = code; },
  () => { process.exitCode = 2; }, // runHook refuses on every error it sees; this is the last net
);
