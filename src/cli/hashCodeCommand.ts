// `protected-files hash-code`: turns an unlock code into the scrypt hash the manifest stores.
// The code comes from a no-echo prompt or from stdin and is never printed, not even in errors.
import { parseArgs } from 'node:util';
import { codeWeakness, hashCode } from '../core/codes';
import { MANIFEST_PATH } from '../core/manifest';
import { CliError, EXIT_OK, readSecretFromTty } from './io';
import type { CliIo } from './io';

export const HASH_CODE_HELP = `Usage: protected-files hash-code
       printf '%s' "$CODE" | protected-files hash-code

Reads an unlock code (typed at a prompt that does not echo it, twice; or piped on stdin, one
line) and prints its hash for "unlockCodes" of a component in ${MANIFEST_PATH}.
Weak codes (short, one repeated character, a simple sequence, a common word) are refused.
The code itself is never printed. In VS Code, Protected Files: Set Unlock Code… does the same
and writes the manifest for you.

Exit codes: 0 printed, 2 weak or missing code, or bad arguments.
`;

export async function runHashCode(args: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (e) {
    // parseArgs quotes the offending argument, which might be the code typed in the wrong place.
    void e;
    throw new CliError('hash-code takes no arguments: type the code at the prompt or pipe it on stdin.', 'See protected-files hash-code --help.');
  }
  if (values.help) {
    io.stdout(HASH_CODE_HELP);
    return EXIT_OK;
  }
  const code = io.isTTY ? await promptTwice(io) : oneLine(await io.stdin());
  const weakness = codeWeakness(code);
  if (weakness) throw new CliError(`Refused: ${weakness}`, 'Choose a longer code that is hard to guess, such as three or four unrelated words.');
  io.stdout(`${await hashCode(code)}\n`);
  if (io.isTTY) io.stderr(`Add this hash to "unlockCodes" of a component in ${MANIFEST_PATH}; share the code itself only with the people who may unlock.\n`);
  return EXIT_OK;
}

async function promptTwice(io: CliIo): Promise<string> {
  const first = await readSecretFromTty('Unlock code: ', io.stderr);
  if (first === '') throw new CliError('No code was typed; nothing was hashed.');
  const second = await readSecretFromTty('Repeat it: ', io.stderr);
  if (first !== second) throw new CliError('The two codes differ; nothing was hashed.', 'Run hash-code again.');
  return first;
}

/** Piped input: one line; the newline that `echo` adds is not part of the code. */
function oneLine(text: string): string {
  const code = text.replace(/\r?\n$/, '');
  if (code === '') throw new CliError('No code on stdin; nothing was hashed.', "Pipe it in (printf '%s' \"$CODE\" | protected-files hash-code) or run hash-code in a terminal to be prompted.");
  if (/[\r\n]/.test(code)) throw new CliError('stdin has more than one line; a code is one line.', 'Pipe only the code.');
  return code;
}
