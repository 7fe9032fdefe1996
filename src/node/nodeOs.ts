// node:os, loaded on first use, like node:crypto (src/core/nodeCrypto.ts): an agent's hook asks for
// the home folder on most tool calls and for nothing else of it, and loading the module is a share of
// every call's start-up (a module the bare `node -e 0` it is measured against never loads).
import type * as Os from 'node:os';

let loaded: typeof Os | undefined;

/** The node:os module, required the first time it is asked for. */
export function nodeOs(): typeof Os {
  // A plain require: esbuild leaves it in place, so the module loads here and not with the bundle.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('node:os') as typeof Os);
}

/**
 * os.homedir(), from HOME where that is what it answers (on POSIX systems libuv takes HOME when it is
 * set and not empty, else the user's password entry); on Windows, and without HOME, os.homedir().
 */
export function homeDirectory(): string {
  const home = process.platform === 'win32' ? undefined : process.env.HOME;
  return home ? home : nodeOs().homedir();
}
