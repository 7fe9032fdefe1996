// Loads a part of the command-line tool (dist/cli-verify.js, dist/cli-guard.js, ...) with V8's
// code cache, kept beside it. Every agent tool call and every commit starts a fresh Node, which
// compiles each function of the part it runs on first call: the cache, taken once the command has
// run, holds those compiled functions, and the next start skips compiling them (about 7 ms of an
// agent's hook and of the commit gate, issue 8).
//
// Node 22 has module.enableCompileCache; Node 20 (our lowest) does not, and Node's cache is taken
// before the module runs, so it holds the top level only. vm.Script's cachedData is in every Node
// we support.
//
// Trust: the cache is bytecode, so it lives in the part's own folder, writable by whoever can
// replace the part itself, never in a user cache folder an agent could write to. V8 checks its
// own version, its flags and the source's length, not the source: the cache file holds a copy of
// the source it was made from, compared byte for byte before V8 sees the cache (a part upgraded in
// place to a file of the same length must not run the old part's code). It is written to a
// temporary file and renamed into place, and its lengths are checked, so a crash mid-write leaves
// no torn cache. Anything else wrong (missing, another V8, a folder that cannot be written, a pipe
// in its place) means compiling as without one. What is not checked: V8's data itself, which a
// release V8 does not checksum; bytes changed inside it (a disk fault, or an edit by someone who
// could as well edit the part) stop Node with a V8 error, refusing the tool call or the commit,
// until the cache file is deleted. A checksum here would cost loading zlib or node:crypto
// (1.5 to 2.5 ms), a third of the gain, on every agent tool call.
import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import type * as NodeModule from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { readRegularFileSync } from './regularFile';

const MAGIC = 'protected-files code cache 1';

/** The header line: what made the cache, and the lengths of the source copy and of V8's data after it. */
function cacheHeader(source: Buffer, data: number): string {
  return `${MAGIC} ${process.versions.v8} ${process.arch} ${source.length} ${data}\n`;
}

/** V8's data starts on an 8-byte boundary of the file (V8 copies data that is not aligned before reading it). */
const dataOffset = (sourceEnd: number): number => (sourceEnd + 7) & ~7;

/** The cached data for `source` in `cacheFile`, or undefined when it is missing or was made from anything else. */
export function readCodeCache(cacheFile: string, source: Buffer): Buffer | undefined {
  // Never waits on a named pipe or a device put in the cache's place.
  const file = readRegularFileSync(cacheFile);
  if (!file) return undefined;
  const newline = file.indexOf(0x0a);
  if (newline < 0 || newline > 200) return undefined;
  const header = file.subarray(0, newline + 1).toString('latin1');
  const dataLength = Number(header.slice(header.lastIndexOf(' ', header.length - 2) + 1, -1));
  if (!Number.isSafeInteger(dataLength) || header !== cacheHeader(source, dataLength)) return undefined;
  const sourceStart = newline + 1;
  const sourceEnd = sourceStart + source.length;
  const dataStart = dataOffset(sourceEnd);
  if (file.length !== dataStart + dataLength) return undefined;
  if (!file.subarray(sourceStart, sourceEnd).equals(source)) return undefined;
  return file.subarray(dataStart);
}

/**
 * Writes the cache for `source` next to it, atomically; never throws. `makeData` runs only once the
 * temporary file could be created: a read-only install (a global package) has no cache and pays
 * nothing for it at each exit.
 */
export function writeCodeCache(cacheFile: string, source: Buffer, makeData: () => Buffer): void {
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  let fd: number;
  try {
    fd = openSync(temporary, 'wx', 0o644); // never through a file or link already there
  } catch {
    return;
  }
  try {
    const data = makeData();
    const header = Buffer.from(cacheHeader(source, data.length), 'latin1');
    const sourceEnd = header.length + source.length;
    writeFileSync(fd, Buffer.concat([header, source, Buffer.alloc(dataOffset(sourceEnd) - sourceEnd), data]));
    closeSync(fd);
    renameSync(temporary, cacheFile);
  } catch {
    try {
      closeSync(fd);
    } catch {
      // closed already
    }
    try {
      unlinkSync(temporary);
    } catch {
      // nothing left behind
    }
  }
}

/** How each part loaded in this process used its cache (for tests and benchmarks): none, rejected by V8, or used. */
export const cacheUse = new Map<string, 'none' | 'rejected' | 'used'>();

type ModuleFunction = (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;

/**
 * Runs the CommonJS file `name` of `dir` as require() would (its own module object, require,
 * __filename and __dirname) and returns its exports, compiled with the cache `<name>.<V8>-<arch>.v8cache` when
 * it holds this very file; when it does not, the cache is taken as the process exits. `partRequire`:
 * the require of a module in `dir` (the dispatcher passes its own: the parts sit beside it), which
 * the part's requires go through; without it one is made for the part, with node:module, whose first
 * require from a script costs Node ~0.2 ms (it builds the module's ES-module facade).
 */
export function loadCachedPart(dir: string, name: string, partRequire?: NodeJS.Require): unknown {
  const filename = join(dir, name);
  const source = readFileSync(filename);
  // One cache per V8 and architecture: the extension's Node (VS Code's, for the agents' hooks) and the
  // terminal's may run the same part, and would otherwise replace each other's cache on every run.
  const cacheFile = `${filename}.${process.versions.v8}-${process.arch}.v8cache`;
  const cachedData = readCodeCache(cacheFile, source);
  // One line, like Node's own wrapper, so line numbers in stack traces stay the file's own.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source.toString('utf8')}\n})`, { filename, cachedData });
  const module = { exports: {} as unknown };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const requireFor = partRequire ?? (require('node:module') as typeof NodeModule).createRequire(filename);
  (script.runInThisContext() as ModuleFunction).call(module.exports, module.exports, requireFor, module, filename, dir);
  const use = cachedData === undefined ? 'none' : script.cachedDataRejected === true ? 'rejected' : 'used';
  cacheUse.set(filename, use);
  if (use !== 'used') {
    // After the command: the functions it compiled are then in the cache too.
    process.once('exit', () => writeCodeCache(cacheFile, source, () => script.createCachedData()));
  }
  return module.exports;
}
