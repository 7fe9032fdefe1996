// `protected-files hash-code`: turns an unlock code into the manifest entry (scrypt-derived Ed25519 public key).
// The code comes from a no-echo prompt or from stdin and is never printed, not even in errors.
import { promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { codeWeakness, makeCodeKey, newOneTimeCode } from '../core/codes';
import { MANIFEST_PATH } from '../core/manifest';
import { CliError, EXIT_OK, readSecretFromTty } from './io';
import type { CliIo } from './io';

export const HASH_CODE_HELP = `Usage: protected-files hash-code [--owner <who>]
       printf '%s' "$CODE" | protected-files hash-code [--owner <who>]
       protected-files hash-code --one-time <n> [--owner <who>] [--codes-file <path>]

Reads an unlock code (typed at a prompt that does not echo it, twice; or piped on stdin, one
line) and prints its entry for "unlockCodes" of a component in ${MANIFEST_PATH}:
ed25519$N$r$p$salt$public-key[$owner]. scrypt turns the code into an Ed25519 key; the
manifest keeps only the public key, so approvals made with the code are signed and
protected-files verify can check them. --owner names who holds the code (an email): where a
tier needs two approvals, two codes of the same owner count once.
Weak codes (short, one repeated character, a simple sequence, a common word) are refused.
The code itself is never printed.

--one-time <n> makes n random one-time codes (1-50) instead: each opens one grant only, so
a code handed to an agent in a chat (where it stays in the transcript) is useless after.
Their entries go to stdout; the codes themselves to the terminal, or, when stderr is not a
terminal, into --codes-file (created, owner-only; it must not exist yet).

Exit codes: 0 printed, 2 weak or missing code, or bad arguments.
`;

export async function runHashCode(args: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        help: { type: 'boolean', short: 'h' }, owner: { type: 'string' }, 'one-time': { type: 'string' }, 'codes-file': { type: 'string' },
      },
      strict: true, allowPositionals: false,
    }));
  } catch (e) {
    // parseArgs quotes the offending argument, which might be the code typed in the wrong place.
    void e;
    throw new CliError('hash-code takes only --owner, --one-time and --codes-file: type the code at the prompt or pipe it on stdin.', 'See protected-files hash-code --help.');
  }
  if (values.help) {
    io.stdout(HASH_CODE_HELP);
    return EXIT_OK;
  }
  const owner = values.owner;
  if (owner !== undefined && (owner === '' || /[$\u0000-\u001f]/.test(owner) || owner.trim() !== owner || owner.length > 200)) {
    throw new CliError('--owner is a name or email without "$", control characters or surrounding spaces.', 'See protected-files hash-code --help.');
  }
  if (values['one-time'] !== undefined) return oneTimeCodes(values['one-time'], owner, values['codes-file'], io);
  if (values['codes-file'] !== undefined) throw new CliError('--codes-file goes with --one-time.', 'See protected-files hash-code --help.');
  const code = io.isTTY ? await promptTwice(io) : oneLine(await io.stdin());
  const weakness = codeWeakness(code);
  if (weakness) throw new CliError(`Refused: ${weakness}`, 'Choose a longer code that is hard to guess, such as three or four unrelated words.');
  io.stdout(`${await makeCodeKey(code, owner !== undefined ? { owner } : {})}\n`);
  if (io.isTTY) io.stderr(`Add this entry to "unlockCodes" of a component in ${MANIFEST_PATH}; share the code itself only with the people who may unlock.\n`);
  return EXIT_OK;
}

async function oneTimeCodes(count: string, owner: string | undefined, codesFile: string | undefined, io: CliIo): Promise<number> {
  if (!/^[1-9][0-9]?$/.test(count) || Number(count) > 50) throw new CliError('--one-time needs a number of codes from 1 to 50.', 'See protected-files hash-code --help.');
  const toTerminal = codesFile === undefined && process.stderr.isTTY === true;
  if (!toTerminal && codesFile === undefined) {
    throw new CliError('One-time codes are shown only on a terminal; here, name a file for them with --codes-file <path>.', 'The file is created owner-only and must not exist yet.');
  }
  const codes = Array.from({ length: Number(count) }, () => newOneTimeCode());
  const entries: string[] = [];
  for (const code of codes) entries.push(await makeCodeKey(code, { once: true, ...(owner !== undefined ? { owner } : {}) }));
  if (codesFile !== undefined) {
    const path = resolve(io.cwd, codesFile);
    try {
      await fs.writeFile(path, `${codes.join('\n')}\n`, { flag: 'wx', mode: 0o600 });
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === 'EEXIST' ? 'it exists already' : (err as Error).message;
      throw new CliError(`Could not create ${codesFile}: ${why}. No codes were made.`);
    }
    io.stderr(`${codes.length} one-time code(s) written to ${codesFile} (owner-only). Hand each out once; delete the file when done.\n`);
  } else {
    io.stderr(`One-time codes (shown once, each opens one grant):\n${codes.map((c) => `  ${c}`).join('\n')}\n`);
  }
  io.stdout(`${entries.join('\n')}\n`);
  io.stderr(`Add the ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} printed on stdout to "unlockCodes" of a component in ${MANIFEST_PATH}.\n`);
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
