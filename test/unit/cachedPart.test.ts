// loadCachedPart (src/node/cachedPart.ts): the command-line parts compiled with V8's code cache kept
// beside them. Each load runs in a fresh Node (this file, run again), as the CLI does: the cache is
// written as that process exits and read by the next one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MAX_CACHES_PER_PART, PART_WRAPPER_END, PART_WRAPPER_START, cacheUse, changedTooRecently, loadCachedPart, optionsTag, readCodeCache, sourceIdentity, writeCodeCache } from '../../src/node/cachedPart';
import { noteCodePath, noteOneOffRun } from '../../src/core/codePath';

/** How the child loads the part: the ways it notes before and after loading it, and whether the part has a cache per command. */
interface Run {
  before?: string[];
  after?: string[];
  perCommand?: boolean;
  /** The run notes work of its own that later runs will not do (noteOneOffRun), after loading the part. */
  oneOff?: boolean;
}

if (process.env.PF_CACHED_PART_CHILD) {
  const [dir, name, run] = JSON.parse(process.env.PF_CACHED_PART_CHILD) as [string, string, Run];
  for (const way of run.before ?? []) noteCodePath(way);
  const exports = loadCachedPart(dir, name, undefined, run.perCommand) as { report(): unknown };
  for (const way of run.after ?? []) noteCodePath(way);
  if (run.oneOff) noteOneOffRun();
  process.stdout.write(JSON.stringify({ use: cacheUse.get(path.join(dir, name)), report: exports.report() }));
  process.exit(0); // 'exit' runs the cache's writer, as at the end of a command
}

interface Loaded {
  use: 'none' | 'rejected' | 'used';
  report: { answer: string; helper: string; dirname: string; filename: string; line: number };
}

/** Node's options for the child: on its command line, and NODE_OPTIONS (none unless given, whatever this process has). */
interface NodeStart {
  execArgv?: string[];
  nodeOptions?: string;
}

function load(dir: string, name = 'part.js', run: Run = {}, start: NodeStart = {}): Loaded {
  const env: NodeJS.ProcessEnv = { ...process.env, PF_CACHED_PART_CHILD: JSON.stringify([dir, name, run]) };
  delete env.NODE_OPTIONS;
  if (start.nodeOptions !== undefined) env.NODE_OPTIONS = start.nodeOptions;
  const r = spawnSync(process.execPath, [...(start.execArgv ?? []), __filename], { env, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.signal, null, `the load did not return (killed by ${r.signal})`);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Loaded;
}

/** A part as the build writes one: CommonJS, requiring Node's modules and a file beside it. */
function partSource(answer: string): string {
  return [
    '"use strict";',
    "const { basename } = require('node:path');",
    "const helper = require('./helper.js');",
    'function answer() { return ' + JSON.stringify(answer) + '; }',
    'function line() { return Number(new Error().stack.split("\\n")[1].match(/:(\\d+):\\d+\\)?$/)[1]); }',
    'module.exports.report = () => ({ answer: answer(), helper: helper.name, dirname: __dirname, filename: basename(__filename), line: line() });',
    '',
  ].join('\n');
}

describe('loadCachedPart: a CLI part with its V8 code cache', () => {
  let root: string;
  let n = 0;
  const fresh = (answer = 'forty-two'): string => {
    const dir = path.join(root, `pkg${n++}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'part.js'), partSource(answer));
    fs.writeFileSync(path.join(dir, 'helper.js'), "module.exports.name = 'helper beside the part';\n");
    return dir;
  };
  const cacheName = `part.js.${process.versions.v8}-${process.arch}.v8cache`;
  const cacheOf = (dir: string): string => path.join(dir, cacheName);
  /** The cache of the part in `dir` as the loader reads it: for that very file, as it is now. */
  const readCacheOf = (cacheFile: string, dir: string, name = 'part.js'): ReturnType<typeof readCodeCache> => {
    const file = path.join(dir, name);
    return readCodeCache(cacheFile, sourceIdentity(fs.statSync(file)), fs.statSync(file).size);
  };

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-cached-part-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test('runs the part as require would: its exports, its own require, __dirname, __filename, line numbers', () => {
    const dir = fresh();
    const first = load(dir);
    assert.deepEqual(first.report, { answer: 'forty-two', helper: 'helper beside the part', dirname: dir, filename: 'part.js', line: 5 });
    // The same from the cache.
    assert.deepEqual(load(dir).report, first.report);
  });

  test('the first run writes the cache as it exits; the next run compiles from it', () => {
    const dir = fresh();
    assert.equal(fs.existsSync(cacheOf(dir)), false);
    assert.equal(load(dir).use, 'none');
    const cache = fs.readFileSync(cacheOf(dir));
    assert.match(cache.subarray(0, 200).toString('latin1'), new RegExp(`^protected-files code cache 3 ${process.versions.v8.replace(/[.-]/g, '\\$&')} ${process.arch} \\d+:\\d+:\\d+:[\\d.]+:[\\d.]+ - \\d+\\n`));
    assert.equal(load(dir).use, 'used');
    assert.equal(load(dir).use, 'used');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['helper.js', 'part.js', cacheName], 'no temporary file is left');
  });

  test('a run that goes a way the cache has not seen takes it again, with both ways; a way seen before changes nothing', () => {
    const dir = fresh();
    const header = (): string => fs.readFileSync(cacheOf(dir)).subarray(0, 200).toString('latin1').split('\n')[0];
    assert.equal(load(dir, 'part.js', { after: ['hook-files'] }).use, 'none');
    assert.match(header(), / hook-files \d+$/);
    assert.equal(load(dir, 'part.js', { after: ['hook-shell'] }).use, 'used');
    assert.match(header(), / hook-files,hook-shell \d+$/, 'made again, listing both');
    const made = fs.statSync(cacheOf(dir)).mtimeMs;
    const bytes = fs.readFileSync(cacheOf(dir));
    for (const after of [['hook-files'], ['hook-shell', 'hook-files'], [], ['Not A Way', 'x y']]) {
      assert.equal(load(dir, 'part.js', { after }).use, 'used', String(after));
    }
    assert.equal(fs.statSync(cacheOf(dir)).mtimeMs, made, 'ways already covered (or not words) do not make it again');
    assert.ok(fs.readFileSync(cacheOf(dir)).equals(bytes));
    assert.deepEqual(fs.readdirSync(dir).sort(), ['helper.js', 'part.js', cacheName], 'no temporary file is left');
  });

  test('a run that did work the next will not (it kept a parse beside the part) makes no cache: the next run makes it', () => {
    const dir = fresh();
    assert.equal(load(dir, 'part.js', { after: ['hook-files'], oneOff: true }).use, 'none');
    assert.equal(fs.existsSync(cacheOf(dir)), false, 'not made by the one-off run');
    assert.equal(load(dir, 'part.js', { after: ['hook-files'] }).use, 'none');
    assert.ok(readCacheOf(cacheOf(dir), dir), 'made by the next');
    const made = fs.statSync(cacheOf(dir));
    // A new way taken by a one-off run: left to the next run of that way too.
    assert.equal(load(dir, 'part.js', { after: ['hook-shell'], oneOff: true }).use, 'used');
    assert.equal(fs.statSync(cacheOf(dir)).ino, made.ino, 'not made again by the one-off run');
    assert.deepEqual(readCacheOf(cacheOf(dir), dir)?.paths, ['hook-files']);
    assert.equal(load(dir, 'part.js', { after: ['hook-shell'] }).use, 'used');
    assert.deepEqual(readCacheOf(cacheOf(dir), dir)?.paths, ['hook-files', 'hook-shell']);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['helper.js', 'part.js', cacheName], 'no temporary file is left');
  });

  test('at most 16 ways: a full cache is not made again on every run', () => {
    const dir = fresh();
    const ways = Array.from({ length: 16 }, (_, i) => `way-${String(i).padStart(2, '0')}`);
    load(dir, 'part.js', { after: ways });
    assert.equal(readCacheOf(cacheOf(dir), dir)?.paths.length, 16);
    const made = fs.statSync(cacheOf(dir)).mtimeMs;
    for (let i = 0; i < 2; i++) assert.equal(load(dir, 'part.js', { after: ['way-16'] }).use, 'used');
    assert.equal(fs.statSync(cacheOf(dir)).mtimeMs, made);
  });

  test('a part with a cache per command: the ways noted before it loads name its cache', () => {
    const dir = fresh();
    const cacheFor = (command: string): string => path.join(dir, `part.js.${process.versions.v8}-${process.arch}.${command}.v8cache`);
    assert.equal(load(dir, 'part.js', { before: ['check'], perCommand: true }).use, 'none');
    assert.equal(load(dir, 'part.js', { before: ['hook'], after: ['hook-files'], perCommand: true }).use, 'none', 'not the cache of check');
    assert.equal(load(dir, 'part.js', { before: ['check'], perCommand: true }).use, 'used');
    assert.equal(load(dir, 'part.js', { before: ['hook'], after: ['hook-files'], perCommand: true }).use, 'used');
    assert.deepEqual(fs.readdirSync(dir).sort(), [cacheFor('check'), cacheFor('hook'), path.join(dir, 'helper.js'), path.join(dir, 'part.js')].map((f) => path.basename(f)).sort());
    assert.deepEqual(readCacheOf(cacheFor('hook'), dir)?.paths, ['hook', 'hook-files']);
    // A way that is not a word never reaches a file name.
    assert.equal(load(dir, 'part.js', { before: ['../../escape'], perCommand: true }).use, 'none');
    assert.equal(fs.existsSync(cacheOf(dir)), true, 'the part\'s plain cache, named by no way');
    assert.deepEqual(fs.readdirSync(path.dirname(dir)).filter((f) => f.includes('escape')), []);
  });

  test('Node started with other options (NODE_OPTIONS, V8 flags on its command line) keeps a cache of its own: neither replaces the other\'s', () => {
    const dir = fresh();
    const bigHeap = { nodeOptions: '--max-old-space-size=3000' };
    const stack = { execArgv: ['--stack-size=900'] };
    const cacheFor = (start: NodeStart): string => {
      const tag = optionsTag(start.execArgv ?? [], start.nodeOptions);
      return path.join(dir, `part.js.${process.versions.v8}-${process.arch}${tag ? `-${tag}` : ''}.v8cache`);
    };
    assert.equal(load(dir).use, 'none');
    // V8 rejects a cache made under other flags: before each had its own, every run in turn
    // rejected the other's and wrote its own in its place.
    assert.equal(load(dir, 'part.js', {}, bigHeap).use, 'none');
    assert.equal(load(dir, 'part.js', {}, stack).use, 'none');
    const made = [cacheOf(dir), cacheFor(bigHeap), cacheFor(stack)].map((f) => fs.statSync(f).mtimeMs);
    for (let i = 0; i < 2; i++) {
      assert.equal(load(dir).use, 'used');
      assert.equal(load(dir, 'part.js', {}, bigHeap).use, 'used');
      assert.equal(load(dir, 'part.js', {}, stack).use, 'used');
    }
    assert.deepEqual([cacheOf(dir), cacheFor(bigHeap), cacheFor(stack)].map((f) => fs.statSync(f).mtimeMs), made, 'none written again');
    assert.equal(new Set([cacheOf(dir), cacheFor(bigHeap), cacheFor(stack)]).size, 3);
    assert.deepEqual(load(dir, 'part.js', {}, bigHeap).report, load(dir).report);
  });

  test(`at most ${MAX_CACHES_PER_PART} caches of a part: Node started with ever new options does not fill its folder`, () => {
    const dir = fresh();
    for (let i = 0; i < MAX_CACHES_PER_PART + 4; i++) assert.equal(load(dir, 'part.js', {}, { nodeOptions: `--max-old-space-size=${2000 + i}` }).use, 'none');
    const caches = (): string[] => fs.readdirSync(dir).filter((f) => f.endsWith('.v8cache'));
    assert.equal(caches().length, MAX_CACHES_PER_PART);
    // Those made are still used and kept up to date (a new way is added to one).
    assert.equal(load(dir, 'part.js', { after: ['hook-shell'] }, { nodeOptions: '--max-old-space-size=2000' }).use, 'used');
    assert.equal(load(dir, 'part.js', {}, { nodeOptions: '--max-old-space-size=2000' }).use, 'used');
    assert.equal(caches().length, MAX_CACHES_PER_PART);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });

  test('optionsTag: none for a plain start; another word for other options, the same for the same', () => {
    assert.equal(optionsTag([], undefined), '');
    assert.equal(optionsTag([], '  '), '');
    const tags = [optionsTag(['--stack-size=900'], undefined), optionsTag([], '--stack-size=900'), optionsTag([], '--max-old-space-size=3000'), optionsTag(['--a', '--b'], ''), optionsTag(['--a --b'], '')];
    for (const t of tags) assert.match(t, /^o[0-9a-f]{8}$/);
    assert.equal(new Set(tags).size, tags.length);
    assert.equal(optionsTag([], '--max-old-space-size=3000'), optionsTag([], ' --max-old-space-size=3000 '));
  });

  test('a part with text beyond ASCII answers the same, compiled and from its cache (ASCII parts are read as Latin-1)', () => {
    const dir = fresh('naïve — “quoted” … ✓');
    const first = load(dir);
    assert.equal(first.report.answer, 'naïve — “quoted” … ✓');
    assert.equal(first.report.line, 5);
    const cached = load(dir);
    assert.equal(cached.use, 'used');
    assert.deepEqual(cached.report, first.report);
  });

  test('a part replaced by another of the same length never runs the old code from the cache', () => {
    // V8 checks only the length of the source: the cache names the file it was made from, change time included.
    const dir = fresh('old answer');
    load(dir);
    load(dir);
    const replacement = partSource('new answer');
    assert.equal(replacement.length, partSource('old answer').length);
    fs.writeFileSync(path.join(dir, 'part.js'), replacement);
    const after = load(dir);
    assert.equal(after.report.answer, 'new answer');
    assert.equal(after.use, 'none', 'the old cache is not even offered to V8');
    assert.equal(load(dir).use, 'used', 'and the cache is made again for the new part');
    assert.equal(load(dir).report.answer, 'new answer');
  });

  test('a part touched, or written again with the same bytes, is compiled again: the cache is for that file unchanged', () => {
    const dir = fresh();
    load(dir);
    assert.equal(load(dir).use, 'used');
    const part = path.join(dir, 'part.js');
    const st = fs.statSync(part);
    fs.utimesSync(part, st.atime, st.mtime); // the same times again: only the change time moves
    assert.equal(load(dir).use, 'none');
    assert.equal(load(dir).use, 'used');
    fs.writeFileSync(part, fs.readFileSync(part));
    assert.equal(load(dir).use, 'none');
    // A copy of the folder (another inode) does not take the original's cache either.
    const copy = `${dir}-copy`;
    fs.cpSync(dir, copy, { recursive: true, preserveTimestamps: true });
    assert.equal(load(copy).use, 'none');
    assert.equal(load(copy).report.answer, 'forty-two');
  });

  test('a part written inside its wrapper, as the build writes them, runs as require would, from source and from its cache', () => {
    const dir = fresh();
    const part = path.join(dir, 'part.js');
    const plain = fs.readFileSync(part, 'latin1');
    fs.writeFileSync(part, `${PART_WRAPPER_START}${plain}${PART_WRAPPER_END}`, 'latin1');
    const first = load(dir);
    assert.deepEqual(first.report, { answer: 'forty-two', helper: 'helper beside the part', dirname: dir, filename: 'part.js', line: 5 });
    const cached = load(dir);
    assert.equal(cached.use, 'used');
    assert.deepEqual(cached.report, first.report);
    // The cache holds V8's data (with the strings the code uses) and names the file; no copy of the
    // source to read on every start.
    const cache = fs.readFileSync(cacheOf(dir));
    assert.equal(cache.includes(Buffer.from('function line()')), false);
    assert.equal(cache.includes(Buffer.from("require('./helper.js')")), false);
  });

  test('changedTooRecently: no cache of a part changed in the last two seconds on a file system with coarse times', () => {
    const now = 1_800_000_000_000;
    assert.equal(changedTooRecently(now - 1000, now), true, 'whole milliseconds, a second ago');
    assert.equal(changedTooRecently(now - 1999, now), true);
    assert.equal(changedTooRecently(now - 2000, now), false, 'the tick is past');
    assert.equal(changedTooRecently(now - 1000.25, now), false, 'a fraction of a millisecond: the file system keeps nanoseconds');
    assert.equal(changedTooRecently(now - 5, now), true);
  });

  test('a torn, foreign or garbage cache is compiled around and replaced', () => {
    const dir = fresh();
    load(dir);
    const good = fs.readFileSync(cacheOf(dir));
    const header = good.subarray(0, good.indexOf(0x0a) + 1).toString('latin1');
    const spoilt: [string, Buffer][] = [
      ['cut short mid-write', good.subarray(0, good.length - 1000)],
      ['empty', Buffer.alloc(0)],
      ['random bytes', Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256))],
      ['another V8', Buffer.concat([Buffer.from(header.replace(process.versions.v8, '1.0.0.0'), 'latin1'), good.subarray(header.length)])],
      ['a header that lies about the length', Buffer.concat([Buffer.from(header.replace(/ \d+\n$/, ' 12\n'), 'latin1'), good.subarray(header.length)])],
      ['a header whose ways are not words', Buffer.concat([Buffer.from(header.replace(/ - (\d+)\n$/, ' ../x,Y $1\n'), 'latin1'), good.subarray(header.length)])],
      ['a header without its ways', Buffer.concat([Buffer.from(header.replace(/ - (\d+)\n$/, ' $1\n'), 'latin1'), good.subarray(header.length)])],
      ['a header naming another file (another inode)', Buffer.concat([Buffer.from(header.replace(/ (\d+):(\d+):/, (_, dev: string, ino: string) => ` ${dev}:${Number(ino) + 1}:`), 'latin1'), good.subarray(header.length)])],
    ];
    for (const [what, bytes] of spoilt) {
      fs.writeFileSync(cacheOf(dir), bytes);
      const loaded = load(dir);
      assert.equal(loaded.report.answer, 'forty-two', what);
      assert.notEqual(loaded.use, 'used', `${what}: not used`);
      assert.equal(load(dir).use, 'used', `${what}: the cache is made again`);
    }
  });

  test('a cache that cannot be written (its path taken by a folder) or read (a named pipe) changes nothing', () => {
    const dir = fresh();
    fs.mkdirSync(cacheOf(dir));
    assert.equal(load(dir).report.answer, 'forty-two');
    assert.equal(load(dir).use, 'none');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['helper.js', 'part.js', cacheName], 'the temporary file is removed');
    assert.ok(fs.statSync(cacheOf(dir)).isDirectory());

    const piped = fresh();
    execFileSync('mkfifo', [cacheOf(piped)]);
    const loaded = load(piped); // would wait for a writer for ever if the cache were read with readFileSync
    assert.equal(loaded.report.answer, 'forty-two');
    assert.equal(loaded.use, 'none');
  });

  test('a link in the place of the cache is not followed; a pipe that never ends is read to a bound, then compiled around', () => {
    const dir = fresh();
    load(dir);
    const elsewhere = path.join(root, `cache-elsewhere${n++}`);
    fs.renameSync(cacheOf(dir), elsewhere);
    fs.symlinkSync(elsewhere, cacheOf(dir));
    assert.equal(load(dir).use, 'none', 'a valid cache behind a link is not used');

    const piped = fresh();
    execFileSync('mkfifo', [cacheOf(piped)]);
    // A writer that does not stop: without the bound, the read would fill memory for ever.
    const writer = spawn('sh', ['-c', `exec yes cache > '${cacheOf(piped)}'`], { stdio: 'ignore' });
    try {
      const loaded = load(piped);
      assert.equal(loaded.report.answer, 'forty-two');
      assert.equal(loaded.use, 'none');
    } finally {
      writer.kill('SIGKILL');
    }
  });

  test('writeCodeCache: where nothing can be written, the data is never even made; a link at the temporary path is not followed', () => {
    const dir = fresh();
    let made = 0;
    const makeData = (): Buffer => {
      made++;
      return Buffer.from('data');
    };
    const identity = sourceIdentity(fs.statSync(path.join(dir, 'part.js')));
    writeCodeCache(path.join(dir, 'no-such-folder', 'part.js.v8cache'), identity, makeData);
    assert.equal(made, 0, 'a read-only install pays nothing at exit');

    const target = path.join(root, `elsewhere${n++}`);
    fs.writeFileSync(target, 'not to be touched\n');
    const cacheFile = path.join(dir, 'linked.v8cache');
    fs.symlinkSync(target, `${cacheFile}.${process.pid}.tmp`);
    writeCodeCache(cacheFile, identity, makeData);
    assert.equal(made, 0);
    assert.equal(fs.readFileSync(target, 'utf8'), 'not to be touched\n');
    assert.equal(fs.existsSync(cacheFile), false);

    writeCodeCache(path.join(dir, 'written.v8cache'), identity, makeData);
    assert.equal(made, 1);
    assert.deepEqual(readCodeCache(path.join(dir, 'written.v8cache'), identity, 100), { data: Buffer.from('data'), paths: [] });
  });

  test('readCodeCache: only the file the cache was made from gets the data back', () => {
    const dir = fresh();
    load(dir);
    const st = fs.statSync(path.join(dir, 'part.js'));
    assert.ok(readCodeCache(cacheOf(dir), sourceIdentity(st), st.size)?.data.length);
    for (const other of [{ ...st, ino: st.ino + 1 }, { ...st, dev: st.dev + 1 }, { ...st, size: st.size + 1 }, { ...st, mtimeMs: st.mtimeMs + 1 }, { ...st, ctimeMs: st.ctimeMs + 0.001 }]) {
      assert.equal(readCodeCache(cacheOf(dir), sourceIdentity(other), st.size), undefined);
    }
    assert.equal(readCodeCache(path.join(dir, 'missing.v8cache'), sourceIdentity(st), st.size), undefined);
  });
});
