// Which way through the guard an agent's hook payload goes, guessed before the guard's part loads by
// the hook's launcher (src/cli/hookMain.ts) and the dispatcher's `hook` (src/cli/main.ts). Loads
// nothing the launcher does not already have.
import { noteCodePath } from '../core/codePath';
import { MAX_HOOK_PAYLOAD, withStdin } from './io';
import type { CliIo } from './io';

/**
 * A guess at the way through the guard that a payload takes (src/core/codePath.ts): a shell command,
 * or files. Named before the part loads, it picks the part's code cache of that way, so that an Edit
 * does not deserialize the shell guard's compiled functions (~0.5 ms) once a Bash call has been made.
 * The guard reads the payload itself to decide the call: a wrong guess only has that cache made again
 * with both ways.
 */
export function guessHookWay(payload: string): 'hook-shell' | 'hook-files' {
  return payload.includes('"command"') || payload.includes('"cmd"') || payload.includes('"commandLine"') ? 'hook-shell' : 'hook-files';
}

/**
 * `io` with the hook's payload already read, to the bound the guard reads, and its way noted (the
 * part's code cache of that way then loads); `io` itself for `--help`, which answers without reading
 * anything. A payload past the bound is refused by the guard from this same read.
 */
export async function readHookPayload(args: readonly string[], io: CliIo): Promise<CliIo> {
  if (args.includes('-h') || args.includes('--help')) return io;
  const stdin = io.stdin(MAX_HOOK_PAYLOAD);
  noteCodePath(guessHookWay(await stdin.catch(() => '')));
  return withStdin(io, stdin);
}
