// Which way through the guard an agent's hook payload goes, guessed by the hook's launcher
// (src/cli/hookMain.ts) before the guard's part loads. A leaf module: the launcher loads nothing else.

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
