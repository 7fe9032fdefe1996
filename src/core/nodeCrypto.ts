// node:crypto, loaded on first use. Loading it (and the stream modules it pulls in) costs a few
// milliseconds of every process that imports a module using it, and the agents' hooks (`check`,
// `hook`) import such modules but answer most tool calls without hashing or signing anything:
// a manifest parses, a path classifies and an absent grant store reads without it.
import type * as Crypto from 'node:crypto';

let loaded: typeof Crypto | undefined;

/** The node:crypto module, required the first time it is asked for. */
export function nodeCrypto(): typeof Crypto {
  // A plain require: esbuild leaves it in place, so the module loads here and not with the bundle.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('node:crypto') as typeof Crypto);
}
