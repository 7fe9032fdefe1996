// Loads a part of the command-line tool (dist/cli-verify.js, dist/cli-guard.js, ...) with V8's
// code cache, kept beside it. Every agent tool call and every commit starts a fresh Node, which
// compiles each function of the part it runs on first call: the cache, taken once the command has
// run, holds those compiled functions, and the next start skips compiling them (about 7 ms of an
// agent's hook and of the commit gate, issue 8).
//
// The cache holds what the run that made it compiled: a run that goes another way through the part
// (an agent's Bash call after the Edit that made it; src/node/codePath.ts) has it made again as it
// exits, covering both. The guard's part has a cache per command, so that `check` and `hook` each
// deserialize only their own functions. A run that did work the next will not (the first to parse a
// workspace's manifest, which it keeps beside the part: codePath.ts's noteOneOffRun) makes no cache:
// the next run, which reads the parse back, makes it without the parser's functions in it.
//
// Node 22 has module.enableCompileCache; Node 20 (our lowest) does not, and Node's cache is taken
// before the module runs, so it holds the top level only. vm.Script's cachedData is in every Node
// we support.
//
// Trust: the cache is bytecode, so it lives in the part's own folder, writable by whoever can
// replace the part itself, never in a user cache folder an agent could write to. V8 checks its
// own version, its flags and the source's length, not the source: the cache names the very file it
// was made from (its device, inode, size, modification and change times, as read through the
// descriptor the source was read from), and is offered to V8 only for that file unchanged. A part
// upgraded or edited in place gets a new change time from the kernel, which no one can set back; on
// a file system whose times are coarse (whole seconds), no cache is made of a file changed in the
// last two seconds, so that a rewrite within the same tick cannot go unseen. (It held a copy of the
// source, compared byte for byte, until the copy's reading was found to cost ~0.6 ms of every agent
// tool call.) It is written to a temporary file and renamed into place, and its lengths are checked,
// so a crash mid-write leaves no torn cache. Anything else wrong (missing, another V8, a folder that
// cannot be written, a pipe or a link in its place) means compiling as without one. What is not
// checked: V8's data itself, which a release V8 does not checksum; bytes changed inside it (a disk
// fault, or an edit by someone who could as well edit the part) stop Node with a V8 error, refusing
// the tool call or the commit, until the cache file is deleted. A checksum here would cost loading
// zlib or node:crypto (1.5 to 2.5 ms), a third of the gain, on every agent tool call.
import { isAscii } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync, readdirSync } from 'node:fs';
import type { Stats } from 'node:fs';
import type * as NodeModule from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { codePathsTaken, isCodePath, isOneOffRun, onCodePath } from '../core/codePath';
import { fnv1a32 } from '../core/fnv';
import { notePart } from './partRegistry';
import { readBounded } from './boundedRead';
import { writeCacheFile } from './cacheFile';

const MAGIC = 'protected-files code cache 3';

/** The ways through a part that a cache was made after (src/node/codePath.ts): at most this many, each a plain word. */
const MAX_CODE_PATHS = 16;

/**
 * The wrapper Node puts around a CommonJS module, on the part's first line so that line numbers stay
 * the file's own. The build writes the parts already wrapped (scripts/build.mjs): V8 then compiles
 * the text as read, instead of a copy of it joined to the wrapper (~0.4 ms of an agent's hook).
 */
export const PART_WRAPPER_START = '(function (exports, require, module, __filename, __dirname) { ';
export const PART_WRAPPER_END = '\n})';
const WRAPPED = Buffer.from(PART_WRAPPER_START, 'latin1');

/**
 * Which file a cache was made from: device, inode, size, and modification and change times (ms with
 * their fraction), as fstat gave them for the descriptor its source was read through. One word.
 */
export function sourceIdentity(st: Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'>): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

/**
 * Whether a cache must not be made yet of a source last changed at `ctimeMs`: a file system that keeps
 * whole milliseconds or coarser (FAT's two seconds, HFS+'s one) may give a rewrite in the same tick the
 * same change time, so the cache waits until that tick is past. Times with a fraction of a millisecond
 * come from a file system that keeps nanoseconds, where any later change shows.
 */
export function changedTooRecently(ctimeMs: number, now = Date.now()): boolean {
  return Number.isInteger(ctimeMs) && now - ctimeMs < 2000;
}

/** The header line: what made the cache, the file it was made from, the ways it covers, and the length of V8's data after it. */
function cacheHeader(identity: string, data: number, paths: readonly string[]): string {
  return `${MAGIC} ${process.versions.v8} ${process.arch} ${identity} ${paths.length > 0 ? paths.join(',') : '-'} ${data}\n`;
}

/** Caches of one part kept at most (for every command, way and set of Node's options): past it, a new one is not written. */
export const MAX_CACHES_PER_PART = 16;

/**
 * A word for the options Node was started with (on its command line and in NODE_OPTIONS), '' for
 * none. V8 takes a cache only under the flags it was made with (it checks their hash), so an agent's
 * hook started with NODE_OPTIONS=--max-old-space-size=… and a terminal or another agent without it
 * would reject and replace each other's cache on every run, each run compiling the whole part again
 * (~40 ms) and writing it: each set of options has a cache of its own. Node's options that V8 does
 * not see (--require…) make one too: they cannot be told apart from here, and it costs only a file.
 */
export function optionsTag(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS): string {
  const text = `${execArgv.join('\0')}\0\0${nodeOptions?.trim() ?? ''}`;
  if (text === '\0\0') return '';
  // A name, not a check: V8 checks the flags, and the cache names its source file.
  return `o${fnv1a32(text).toString(16).padStart(8, '0')}`;
}

/** V8's data starts on an 8-byte boundary of the file (V8 copies data that is not aligned before reading it). */
const dataOffset = (headerEnd: number): number => (headerEnd + 7) & ~7;

/** A cache as read: V8's data, and the ways through the part that the run which made it took. */
export interface CodeCache {
  data: Buffer;
  paths: string[];
}

/**
 * The cached data in `cacheFile` for the source whose sourceIdentity is `identity` (at most
 * `sourceLength` bytes), or undefined when it is missing or was made from anything else.
 */
export function readCodeCache(cacheFile: string, identity: string, sourceLength: number): CodeCache | undefined {
  // Never waits on a named pipe or reads a device put in the cache's place: V8's data is about twice
  // the source at most, so anything past four times it (and a megabyte) is not a cache of it.
  const file = readBounded(cacheFile, sourceLength * 4 + (1 << 20));
  if (!file) return undefined;
  const newline = file.indexOf(0x0a);
  if (newline < 0 || newline > 300 + MAX_CODE_PATHS * 33) return undefined;
  const header = file.subarray(0, newline + 1).toString('latin1');
  const fields = header.slice(0, -1).split(' ');
  const dataLength = Number(fields[fields.length - 1]);
  const listed = fields[fields.length - 2] ?? '';
  const paths = listed === '-' ? [] : listed.split(',');
  if (!Number.isSafeInteger(dataLength) || paths.length > MAX_CODE_PATHS || !paths.every(isCodePath)) return undefined;
  if (header !== cacheHeader(identity, dataLength, paths)) return undefined;
  const dataStart = dataOffset(newline + 1);
  if (file.length !== dataStart + dataLength) return undefined;
  return { data: file.subarray(dataStart), paths };
}

/**
 * Writes the cache of the source whose sourceIdentity is `identity` next to it, atomically; never
 * throws. `makeData` runs only once the temporary file could be created: a read-only install (a
 * global package) has no cache and pays nothing for it at each exit.
 */
export function writeCodeCache(cacheFile: string, identity: string, makeData: () => Buffer, paths: readonly string[] = []): void {
  writeCacheFile(cacheFile, () => {
    const data = makeData();
    const header = Buffer.from(cacheHeader(identity, data.length, paths), 'latin1');
    return Buffer.concat([header, Buffer.alloc(dataOffset(header.length) - header.length), data]);
  });
}

/** The whole of the file `filename` and what fstat said of it, read through one descriptor. */
function readWithStats(filename: string): { source: Buffer; stats: Stats } {
  const fd = openSync(filename, 'r');
  try {
    const stats = fstatSync(fd);
    let source = Buffer.allocUnsafe(stats.size + 1); // one byte more: a file that grew is read to its end
    let length = 0;
    for (;;) {
      if (length === source.length) source = Buffer.concat([source, Buffer.allocUnsafe(source.length)]);
      const n = readSync(fd, source, length, source.length - length, null);
      if (n === 0) return { source: source.subarray(0, length), stats };
      length += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** The number of caches of the part `name` in `dir` (0 when it cannot be listed). */
function cachesOf(dir: string, name: string): number {
  try {
    return readdirSync(dir).filter((f) => f.startsWith(`${name}.`) && f.endsWith('.v8cache')).length;
  } catch {
    return 0;
  }
}

/** How each part loaded in this process used its cache (for tests and benchmarks): none, rejected by V8, or used. */
export const cacheUse = new Map<string, 'none' | 'rejected' | 'used'>();

type ModuleFunction = (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;

/**
 * Runs the CommonJS file `name` of `dir` as require() would (its own module object, require,
 * __filename and __dirname) and returns its exports, compiled with the cache `<name>.<V8>-<arch>.v8cache` when
 * it holds this very file. The cache is taken as the process exits when there was none, and again
 * when this run went a way through the part (noteCodePath) that the run which made it did not: it
 * then holds the functions of both. `partRequire`: the require of a module in `dir` (the dispatcher
 * passes its own: the parts sit beside it), which the part's requires go through; without it one is
 * made for the part, with node:module, whose first require from a script costs Node ~0.2 ms (it
 * builds the module's ES-module facade). `cachePerCommand`: a cache of its own for each command (the
 * ways noted before the part loads): for a part shared by commands that run often, each on its own.
 */
export function loadCachedPart(dir: string, name: string, partRequire?: NodeJS.Require, cachePerCommand = false): unknown {
  const filename = join(dir, name);
  const { source, stats } = readWithStats(filename);
  const identity = sourceIdentity(stats);
  notePart(filename, identity);
  // One cache per V8, architecture and set of Node's options (optionsTag): the extension's Node (VS
  // Code's, for the agents' hooks) and the terminal's, or a Node started with NODE_OPTIONS and one
  // without, may run the same part, and would otherwise replace each other's cache on every run.
  // `cachePerCommand`: one per command too, named by the ways noted before the part loads (the
  // command), so that `check` does not make every agent's hook deserialize its functions.
  const command = cachePerCommand ? [...codePathsTaken()].sort().join('+') : '';
  const options = optionsTag();
  const cacheFile = `${filename}.${process.versions.v8}-${process.arch}${options ? `-${options}` : ''}${command ? `.${command}` : ''}.v8cache`;
  const cached = readCodeCache(cacheFile, identity, source.length);
  // An ASCII part (the build keeps the hooks' part so) is the same text read as Latin-1, which Node
  // copies byte for byte: a third of the time of decoding UTF-8 (~0.1 ms of every hook call).
  const text = isAscii(source) ? source.toString('latin1') : source.toString('utf8');
  // A part the build wrapped is compiled as it is; any other gets the wrapper on its first line, like
  // Node's own, so line numbers in stack traces stay the file's own.
  const wrapped = source.length >= WRAPPED.length && source.subarray(0, WRAPPED.length).equals(WRAPPED) && text.endsWith(PART_WRAPPER_END);
  const script = new Script(wrapped ? text : `${PART_WRAPPER_START}${text}${PART_WRAPPER_END}`, { filename, cachedData: cached?.data });
  const module = { exports: {} as unknown };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const requireFor = partRequire ?? (require('node:module') as typeof NodeModule).createRequire(filename);
  (script.runInThisContext() as ModuleFunction).call(module.exports, module.exports, requireFor, module, filename, dir);
  const use = cached === undefined ? 'none' : script.cachedDataRejected === true ? 'rejected' : 'used';
  cacheUse.set(filename, use);
  // After the command, as the process exits, the cache is taken (the functions it compiled are then
  // in it too): when there was none, and when this run goes a way the cache does not cover. Nothing
  // is registered for a run that the cache covers (an exit listener costs ~0.1 ms of every hook call).
  const covered = use === 'used' ? cached!.paths : [];
  let writing = false;
  const take = (): void => {
    if (writing) return;
    writing = true;
    process.once('exit', () => {
      // A run that did work the next one will not (it parsed a manifest and kept the parse): its
      // compiled functions would be deserialized by every later run for nothing. The next run makes it.
      if (isOneOffRun()) return;
      const paths = [...new Set([...covered, ...codePathsTaken()])].sort();
      // Never past the bound for a cache in use: a run that cannot add its way does not rewrite it.
      if (use === 'used' && paths.length > MAX_CODE_PATHS) return;
      // Bounded: Node started with ever new options must not fill the part's folder with caches.
      if (cached === undefined && cachesOf(dir, name) >= MAX_CACHES_PER_PART) return;
      // A part just changed on a file system with coarse times: not yet (see changedTooRecently).
      if (changedTooRecently(stats.ctimeMs)) return;
      writeCodeCache(cacheFile, identity, () => script.createCachedData(), paths.slice(0, MAX_CODE_PATHS));
    });
  };
  const isNew = (path: string): boolean => !covered.includes(path);
  if (use !== 'used' || [...codePathsTaken()].some(isNew)) take();
  else onCodePath((path) => {
    if (isNew(path)) take();
  });
  return module.exports;
}
