// The command-line tool's only window on the process: tests and sub-commands get this port
// instead of touching process.stdout/stdin directly. Also the few helpers every sub-command
// shares: errors with a hint, finding the workspace, reading its manifest.
import { existsSync, fstatSync, read, readSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { MANIFEST_PATH } from '../core/layout';
import type { ManifestProblem } from '../core/manifest';
import { manifestText } from '../core/manifestText';
import { readRegularFileStrictSync } from '../node/regularFile';

/** What a CLI command may use of its process: where it runs, its output streams, its input. */
export interface CliIo {
  /** The directory the command was started from. */
  cwd: string;
  stdout(s: string): void;
  stderr(s: string): void;
  /**
   * The whole of standard input (empty when it is a TTY or closed). With `maxBytes`, rejects with an
   * InputTooLargeError as soon as more arrives, without waiting for the rest.
   */
  stdin(maxBytes?: number): Promise<string>;
  /**
   * stdin() as bytes, read without holding the main thread (a pipe is drained by Node's thread pool
   * while the caller goes on); the same promise on every call, so a caller may start it early.
   * Rejects, and reads no further, past STDIN_BYTES_LIMIT.
   */
  stdinBytes(): Promise<Buffer>;
  /** Whether standard input is an interactive terminal. */
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
}

/** Exit codes shared by every command. */
export const EXIT_OK = 0;
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;

/**
 * An error the user can act on: one sentence saying what is wrong, and what to do. Printed as
 * `protected-files: <message>` and `  <hint>`; `exitCode` 2 (usage, manifest, git) by default.
 */
export class CliError extends Error {
  constructor(message: string, readonly hint?: string, readonly exitCode: number = EXIT_USAGE) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * Whether `err` is a CliError, also one thrown in another of the CLI's bundles (dist/cli.js and the
 * parts it loads each have their own copy of the class, so instanceof alone would miss it).
 */
export function isCliError(err: unknown): err is CliError {
  return err instanceof CliError || (err instanceof Error && err.name === 'CliError' && typeof (err as Partial<CliError>).exitCode === 'number');
}

/**
 * What strict parseArgs answers for the command lines hooks run (`check <path>`, `verify --staged`,
 * `pre-push <remote> <url>`): arguments that do not start with `-`, where positionals are allowed,
 * and `--name` for a boolean option without a default. Anything else is left to parseArgs (undefined
 * here), whose first call compiles Node's own argument parser: ~0.3 ms of every agent's `check` and
 * every commit's `verify`.
 */
export function plainArgs(args: readonly string[], config: Omit<ParseArgsConfig, 'args' | 'strict'>): { values: Record<string, boolean>; positionals: string[] } | undefined {
  const options = config.options ?? {};
  for (const name in options) if (options[name].default !== undefined) return undefined;
  const values: Record<string, boolean> = Object.create(null) as Record<string, boolean>;
  const positionals: string[] = [];
  for (const arg of args) {
    if (!arg.startsWith('-')) {
      if (config.allowPositionals !== true) return undefined;
      positionals.push(arg);
      continue;
    }
    const name = arg.slice(2);
    const option = arg.startsWith('--') && Object.hasOwn(options, name) ? options[name] : undefined;
    if (option?.type !== 'boolean' || option.multiple === true) return undefined;
    values[name] = true;
  }
  return { values, positionals };
}

/**
 * `parseArgs` for a sub-command, always strict: a bad argument becomes a CliError with the first line of
 * node's message and a pointer to the command's help.
 */
export function parseCommandArgs<T extends Omit<ParseArgsConfig, 'args' | 'strict'>>(
  command: string, args: string[], config: T, exitCode: number = EXIT_USAGE,
): ReturnType<typeof parseArgs<T & { args: string[]; strict: true }>> {
  const plain = plainArgs(args, config);
  if (plain) return plain as ReturnType<typeof parseArgs<T & { args: string[]; strict: true }>>;
  try {
    return parseArgs({ ...config, args, strict: true as const });
  } catch (e) {
    // node's message quotes the argument, which may be a code typed in the wrong place: never echo it.
    const code = (e as NodeJS.ErrnoException).code;
    const message = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? `${command} got an option it does not know.`
      : code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' ? `${command} got an argument it does not take.`
      : code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? `${command} got an option without its value, or with one it does not take.`
      : `${command}: the arguments could not be read.`;
    throw new CliError(message, `See protected-files ${command} --help.`, exitCode);
  }
}

/**
 * The most of a hook payload `check` and `hook` read from stdin: a bigger one is refused rather than
 * read (a Write tool's payload carries the whole file).
 */
export const MAX_HOOK_PAYLOAD = 32 * 1024 * 1024;

/**
 * `io` with its standard input already being read (`stdin`, to MAX_HOOK_PAYLOAD): the agents' hook is
 * read before the guard's part loads, to name the part's code cache (src/cli/hookWay.ts). Everything
 * else is `io`'s own, asked for only when used (isTTY builds process.stdin).
 */
export function withStdin(io: CliIo, stdin: Promise<string>): CliIo {
  return Object.assign(Object.create(io) as CliIo, { stdin: () => stdin });
}

/** The real process as a CliIo. */
export function processIo(): CliIo {
  let bytes: Promise<Buffer> | undefined;
  return {
    cwd: process.cwd(),
    stdout: (s) => writeOut(1, s),
    stderr: (s) => writeOut(2, s),
    stdin: async (maxBytes) => (await readStdin(maxBytes)).toString('utf8'),
    stdinBytes: () => {
      if (!bytes) {
        readingAside = true;
        bytes = readStdinAside();
        void bytes.then(() => { readingAside = false; }, () => { readingAside = false; });
      }
      return bytes;
    },
    // Asked for only when a command needs it: process.stdin is built on first use, with the stream modules.
    get isTTY(): boolean {
      return process.stdin.isTTY === true;
    },
    env: process.env,
  };
}

/** Whether standard input is being read in the background (stdinBytes) and the read has not ended. */
let readingAside = false;

/**
 * Ends the process with `code` once a command that waits for all its work has returned: at once
 * when everything it wrote went out with plain writes and nothing reads standard input in the
 * background. A process that ends by itself tears its whole environment down first (~0.7 ms of every
 * agent tool call and commit); process.exit skips that, and still runs the exit listeners (the part's
 * code cache). Otherwise (output queued on a stream, where its writes are not synchronous; a pipe
 * still being drained) the process ends as before, once those are done.
 */
export function exitWhenWritten(code: number): void {
  process.exitCode = code;
  if (streamed.size === 0 && !readingAside) process.exit(code);
}

/** Descriptors whose writes go through process.stdout/stderr, after a plain write could not take them. */
const streamed = new Set<1 | 2>();
/** Descriptors whose reader is gone (EPIPE: `protected-files log | head`): what is left to write is dropped. */
const gone = new Set<1 | 2>();

/**
 * Writes to standard output or error with plain writes: process.stdout and process.stderr are built
 * on first use, with the stream modules (milliseconds of every agent tool call, whose answer is a
 * line or two). Whatever a plain write cannot take (a non-blocking descriptor that is full), and
 * everything after it on that descriptor, goes through the stream as before, in order. A reader that
 * went away ends the output quietly, as it does for other command-line tools, not with a stack trace.
 */
function writeOut(fd: 1 | 2, text: string): void {
  if (gone.has(fd)) return;
  let rest = Buffer.from(text, 'utf8');
  if (!streamed.has(fd)) {
    try {
      while (rest.length > 0) rest = rest.subarray(writeSync(fd, rest));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EPIPE') {
        gone.add(fd);
        return;
      }
      streamed.add(fd);
      (fd === 1 ? process.stdout : process.stderr).on('error', (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EPIPE') throw e;
        gone.add(fd);
      });
    }
  }
  (fd === 1 ? process.stdout : process.stderr).write(rest);
}

/**
 * Standard input to its end. A pipe, socket or file (what the agents' hooks and git give) is read
 * with plain reads: building process.stdin loads the stream modules, milliseconds of every tool
 * call an agent makes. Anything else (a terminal, /dev/null), and a non-blocking descriptor once it
 * would block, goes through process.stdin as before.
 */
async function readStdin(max = Infinity): Promise<Buffer> {
  const chunks: Buffer[] = [];
  if (plainStdin()) {
    let length = 0;
    try {
      for (;;) {
        const buffer = Buffer.allocUnsafe(64 * 1024);
        const n = readSync(0, buffer, 0, buffer.length, null);
        if (n === 0) return Buffer.concat(chunks);
        chunks.push(buffer.subarray(0, n));
        if ((length += n) > max) throw new InputTooLargeError(max);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      // Non-blocking and nothing there yet: the rest comes through the stream.
    }
  }
  return readAll(process.stdin, chunks, max);
}

/** Whether standard input is a pipe, socket or file, which plain reads take (see readStdin). */
function plainStdin(): boolean {
  try {
    const st = fstatSync(0);
    return st.isFIFO() || st.isSocket() || st.isFile();
  } catch {
    return false; // no descriptor 0: the stream says so
  }
}

/**
 * The most of standard input stdinBytes() takes: what `verify --git-output` reads is a diff of about
 * 150 bytes per staged path, so this is well over a million paths; `yes |` or `/dev/zero` piped in
 * would otherwise grow the process until it is killed.
 */
export const STDIN_BYTES_LIMIT = 256 * 1024 * 1024;

/**
 * readStdin with reads in Node's thread pool: a writer that fills the pipe's buffer (64 KiB) is
 * drained while this process goes on, instead of waiting until the reader gets to it.
 */
async function readStdinAside(): Promise<Buffer> {
  if (!plainStdin()) return readAll(process.stdin, [], STDIN_BYTES_LIMIT);
  const chunks: Buffer[] = [];
  let length = 0;
  for (;;) {
    const buffer = Buffer.allocUnsafe(64 * 1024);
    const n = await new Promise<number | undefined>((resolve, reject) => {
      read(0, buffer, 0, buffer.length, null, (err, count) => {
        if (!err) resolve(count);
        else if (err.code === 'EAGAIN') resolve(undefined);
        else reject(err);
      });
    });
    if (n === undefined) return readAll(process.stdin, chunks, STDIN_BYTES_LIMIT); // non-blocking and nothing there yet
    if (n === 0) return Buffer.concat(chunks);
    chunks.push(buffer.subarray(0, n));
    if ((length += n) > STDIN_BYTES_LIMIT) throw new InputTooLargeError(STDIN_BYTES_LIMIT);
  }
}

/** Standard input went past the most a command reads; the rest was not read. */
export class InputTooLargeError extends Error {
  readonly code = 'PF_INPUT_TOO_LARGE';
  constructor(readonly limit: number) {
    super(`Standard input is larger than ${limit} bytes.`);
  }
}

/**
 * Whether `err` is an InputTooLargeError. By its code, not instanceof: the dispatcher that reads
 * stdin and the command that asked are separate bundles (dist/cli.js and a part), each with a copy
 * of this class.
 */
export function isInputTooLarge(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'PF_INPUT_TOO_LARGE';
}

async function readAll(stream: NodeJS.ReadStream, chunks: Buffer[] = [], max = Infinity): Promise<Buffer> {
  if (stream.isTTY) return Buffer.alloc(0);
  let length = chunks.reduce((sum, c) => sum + c.length, 0);
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    chunks.push(bytes);
    if ((length += bytes.length) > max) throw new InputTooLargeError(max);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads one line from the terminal without echoing it (a `*` per character). Ctrl+C and Ctrl+D
 * on an empty line cancel. Only for a TTY: piped input is read with `CliIo.stdin()`.
 */
export function readSecretFromTty(prompt: string, out: (s: string) => void): Promise<string> {
  const input = process.stdin;
  return new Promise((resolve, reject) => {
    let value = '';
    const wasRaw = input.isRaw;
    const finish = (err?: Error): void => {
      input.setRawMode(wasRaw);
      input.pause();
      input.removeListener('data', onData);
      out('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || (ch === '\u0004' && value === '')) return finish(new CliError('Cancelled; nothing was hashed.'));
        if (ch === '\u007f' || ch === '\b') {
          if (value.length > 0) {
            value = [...value].slice(0, -1).join('');
            out('\b \b');
          }
          continue;
        }
        if (ch < ' ') continue; // other control keys
        value += ch;
        out('*');
      }
    };
    out(prompt);
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
  });
}

/** The nearest folder at or above `start` that holds `.protection/manifest.jsonc`. */
export function findWorkspaceRoot(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, ...MANIFEST_PATH.split('/')))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** `.protection/manifest.jsonc:4:12 error: …` lines (1-based, as editors and compilers print them). */
export function formatProblems(problems: readonly ManifestProblem[], where = MANIFEST_PATH): string {
  return problems.map((p) => `  ${where}:${p.line + 1}:${p.column + 1} ${p.severity}: ${p.message}\n`).join('');
}

/**
 * The work tree's manifest text, or undefined when the file does not exist. Throws
 * NotRegularFileError when something else is there (a named pipe would hold every hook call).
 */
export async function readWorkTreeManifest(root: string): Promise<string | undefined> {
  const bytes = readWorkTreeManifestBytes(root);
  return bytes && manifestText(bytes);
}

/** The bytes of the work tree's manifest, or undefined when there is none; throws NotRegularFileError as readWorkTreeManifest. */
export function readWorkTreeManifestBytes(root: string): Buffer | undefined {
  try {
    // A synchronous read of a small file: fs.promises would load its own modules for one read on every hook call.
    return readRegularFileStrictSync(join(root, ...MANIFEST_PATH.split('/')));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Globs are matched as the editor matches them on this platform. */
export function caseInsensitiveFs(): boolean {
  return process.platform === 'win32' || process.platform === 'darwin';
}

/** The message for a CliError or anything else thrown, as printed on stderr. */
export function errorText(err: unknown): string {
  if (isCliError(err)) return `protected-files: ${err.message}\n${err.hint ? `  ${err.hint}\n` : ''}`;
  const e = err as { message?: string; hint?: string };
  if (e && typeof e.message === 'string') return `protected-files: ${e.message}\n${e.hint ? `  ${e.hint}\n` : ''}`;
  return `protected-files: ${String(err)}\n`;
}
