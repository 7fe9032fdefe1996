import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderRecord, sealRecord, verifyChain } from '../../src/core/audit';
import type { AuditBody, AuditRecord } from '../../src/core/audit';
import { AuditStore, ISSUED_TOKENS } from '../../src/node/auditStore';

// The cross-process test starts this very bundle again as a child process in "writer" mode
// (the store is bundled into this file, so the child needs nothing else).
const WRITER_ENV = 'PF_AUDIT_STORE_WRITER';

interface WriterSpec {
  folder: string;
  writer: string;
  count: number;
  startAt: number;
  /** Length of each record's reason (default: growing with i); long ones keep the lock held longer. */
  reasonLength?: number;
}

function body(detail: string, extra: Partial<AuditBody> = {}): AuditBody {
  return { event: 'change', at: new Date().toISOString(), actor: { name: 'Ann', email: 'ann@example.com' }, file: 'src/a.ts', detail, ...extra };
}

async function runWriter(spec: WriterSpec): Promise<void> {
  const store = new AuditStore(spec.folder);
  // Both writers start at the same moment so their appends really contend for the lock.
  while (Date.now() < spec.startAt) await new Promise((r) => setTimeout(r, 1));
  for (let i = 0; i < spec.count; i++) {
    await store.append(body(`${spec.writer}-${i}`, { reason: 'x'.repeat(spec.reasonLength ?? i * 37) }));
    // A short pause lets the other writer in between, so the two really alternate on the lock.
    await new Promise((r) => setTimeout(r, Math.random() * 3));
  }
}

function startWriter(spec: WriterSpec): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, [WRITER_ENV]: JSON.stringify(spec) };
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  return spawn(process.execPath, [__filename], { env, stdio: ['ignore', 'ignore', 'pipe'] });
}

function spawnWriter(spec: WriterSpec): Promise<void> {
  const child = startWriter(spec);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${spec.writer} exited ${code}: ${stderr}`))));
  });
}

const writerSpec = process.env[WRITER_ENV];
if (writerSpec) {
  runWriter(JSON.parse(writerSpec) as WriterSpec).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(String(err instanceof Error ? err.stack : err));
      process.exit(1);
    },
  );
} else {
  defineTests();
}

function defineTests(): void {
  const root = mkdtempSync(join(tmpdir(), 'pf-auditstore-'));
  let counter = 0;
  const newFolder = (): string => {
    const dir = join(root, `f${++counter}`);
    mkdirSync(dir);
    return dir;
  };
  after(() => rmSync(root, { recursive: true, force: true }));

  describe('AuditStore', () => {
    test('paths, and a missing log reads as empty', async () => {
      const folder = newFolder();
      const store = new AuditStore(folder);
      assert.equal(store.path, join(folder, '.protection', 'audit.jsonl'));
      assert.equal(store.lockPath, join(folder, '.protection', 'audit.jsonl.lock'));
      assert.deepEqual(await store.readAll(), { records: [], problems: [] });
      assert.equal(await store.last(), undefined);
    });

    test('append creates .protection, chains records and releases the lock', async () => {
      const folder = newFolder();
      const store = new AuditStore(folder);
      const a = await store.append(body('one'));
      const b = await store.append(body('two'));
      assert.equal(a.seq, 1);
      assert.equal(b.prev, a.hash);
      assert.equal(readFileSync(store.path, 'utf8'), `${renderRecord(a)}\n${renderRecord(b)}\n`);
      assert.equal(existsSync(store.lockPath), false);
      const { records, problems } = await store.readAll();
      assert.deepEqual(records, [a, b]);
      assert.deepEqual(problems, []);
      assert.deepEqual(await store.last(), b);
    });

    test('appends from one process through two store objects do not fork the chain', async () => {
      const folder = newFolder();
      const s1 = new AuditStore(folder);
      const s2 = new AuditStore(folder);
      await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? s1 : s2).append(body(`p-${i}`))));
      const { records, problems } = await s1.readAll();
      assert.deepEqual(problems, []);
      assert.equal(records.length, 30);
      assert.deepEqual(verifyChain(records), { ok: true });
    });

    test('appends made at once in one process queue in front of the lock: written in the order made, one chain', async () => {
      const folder = newFolder();
      const store = new AuditStore(folder);
      const made = await Promise.all(Array.from({ length: 200 }, (_, i) => store.append(body(`q-${i}`))));
      const { records, problems } = await store.readAll();
      assert.deepEqual(problems, []);
      assert.deepEqual(records, made, 'each append resolves with the record written for it');
      assert.deepEqual(records.map((r) => r.detail), Array.from({ length: 200 }, (_, i) => `q-${i}`));
      assert.deepEqual(verifyChain(records), { ok: true });
      assert.equal(existsSync(store.lockPath), false);
    });

    test('a body that cannot be sealed is refused alone; the appends queued with it are written', async () => {
      const folder = newFolder();
      const store = new AuditStore(folder);
      const unsealable = body('bad', { reason: 1n as unknown as string });
      const results = await Promise.allSettled([store.append(body('a')), store.append(body('b')), store.append(unsealable), store.append(body('c'))]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      const { records, problems } = await store.readAll();
      assert.deepEqual(problems, []);
      assert.deepEqual(records.map((r) => r.detail), ['a', 'b', 'c']);
      assert.deepEqual(verifyChain(records), { ok: true });
    });

    test('two processes appending 50 records each: 100 records, whole lines, one valid chain', async () => {
      const folder = newFolder();
      const startAt = Date.now() + 700;
      await Promise.all(['A', 'B'].map((writer) => spawnWriter({ folder, writer, count: 50, startAt })));
      const text = readFileSync(join(folder, '.protection', 'audit.jsonl'), 'utf8');
      assert.ok(text.endsWith('\n'));
      const lines = text.slice(0, -1).split('\n');
      assert.equal(lines.length, 100);
      for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), line.slice(0, 80));
      const { records, problems } = await new AuditStore(folder).readAll();
      assert.deepEqual(problems, []);
      assert.equal(records.length, 100);
      assert.deepEqual(verifyChain(records), { ok: true });
      assert.deepEqual(records.map((r) => r.seq), Array.from({ length: 100 }, (_, i) => i + 1));
      for (const writer of ['A', 'B']) {
        const mine = records.filter((r) => r.detail?.startsWith(`${writer}-`)).map((r) => r.detail);
        assert.deepEqual(mine, Array.from({ length: 50 }, (_, i) => `${writer}-${i}`));
      }
      assert.equal(existsSync(join(folder, '.protection', 'audit.jsonl.lock')), false);
    });

    test('a stale lock (older than 10 s) is broken', async () => {
      const folder = newFolder();
      const store = new AuditStore(folder);
      mkdirSync(join(folder, '.protection'));
      writeFileSync(store.lockPath, JSON.stringify({ pid: 999999, host: 'crashed', at: '2020-01-01T00:00:00.000Z', token: 'dead' }));
      const old = new Date(Date.now() - 60_000);
      utimesSync(store.lockPath, old, old);
      const started = Date.now();
      const record = await store.append(body('after crash'));
      assert.ok(Date.now() - started < 4_000, 'should not wait for the lock timeout');
      assert.equal(record.seq, 1);
      assert.equal(existsSync(store.lockPath), false);
      assert.deepEqual(readdirSync(join(folder, '.protection')).sort(), ['audit.jsonl']);
    });

    test('a fresh lock held by someone else makes append wait, then fail without writing', async () => {
      const folder = newFolder();
      const store = new AuditStore(folder, { lockTimeoutMs: 300 });
      mkdirSync(join(folder, '.protection'));
      writeFileSync(store.lockPath, JSON.stringify({ pid: 4242, host: 'elsewhere', at: new Date().toISOString(), token: 'live' }));
      await assert.rejects(store.append(body('blocked')), /locked by process 4242 on elsewhere.*not written/);
      assert.equal(existsSync(store.path), false);
      assert.equal(existsSync(store.lockPath), true, 'someone else’s lock is left alone');
    });

    test('kill -9 of a writer holding the lock mid-append: the next append goes through at once, no record lost', async () => {
      // The child appends 256 KiB records without pause, so it holds the lock most of the time; it
      // is killed the moment its lock is seen (up to 10 tries, in case it let go in between).
      const folder = newFolder();
      const store = new AuditStore(folder);
      let caught = false;
      for (let attempt = 0; attempt < 10 && !caught; attempt++) {
        const child = startWriter({ folder, writer: `victim${attempt}`, count: 1_000_000, startAt: 0, reasonLength: 256 * 1024 });
        const exited = new Promise((resolve) => child.on('exit', resolve));
        const deadline = Date.now() + 10_000;
        while (Date.now() < deadline) {
          const lock = existsSync(store.lockPath) ? readFileSync(store.lockPath, 'utf8') : '';
          if (lock.includes(`"pid":${child.pid}`)) {
            child.kill('SIGKILL');
            break;
          }
          await new Promise((r) => setTimeout(r, 1));
        }
        child.kill('SIGKILL');
        await exited;
        caught = existsSync(store.lockPath) && readFileSync(store.lockPath, 'utf8').includes(`"pid":${child.pid}`);
      }
      assert.ok(caught, 'never caught the writer holding the lock');
      const before = (await store.readAll()).records.length;
      const started = Date.now();
      const record = await store.append(body('after kill -9'));
      assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms: the dead holder was not seen at once`);
      const { records } = await store.readAll();
      assert.equal(records.length, before + 1);
      assert.deepEqual(records[records.length - 1], record);
      assert.deepEqual(verifyChain(records), { ok: true });
      assert.equal(existsSync(store.lockPath), false);
    });

    const lockCases: [string, string, number, number][] = [
      // name, lock text, mtime offset from now (ms), most the append may wait (ms)
      ['a dead process on this host', JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), at: new Date().toISOString(), token: 'dead' }), 0, 2_000],
      ['this process\'s pid with a token it never took (a reused pid)', JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString(), token: 'old' }), 0, 2_000],
      ['a lock dated an hour in the future, from another host', JSON.stringify({ pid: 4242, host: 'elsewhere', at: new Date(Date.now() + 3_600_000).toISOString(), token: 'future' }), 3_600_000, 2_000],
      ['a lock dated a year in the future, on this host, dead holder', JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), at: '2099-01-01T00:00:00.000Z', token: 'future' }), 365 * 86_400_000, 2_000],
      ['a fresh lock from another host (waited for until stale)', JSON.stringify({ pid: 4242, host: 'elsewhere', at: new Date().toISOString(), token: 'far' }), 0, 4_000],
      ['garbage', '\u0000\u00ff not a lock {{{', 0, 3_000],
      ['an empty lock', '', 0, 3_000],
      ['a pid that would signal every process', JSON.stringify({ pid: -1, host: hostname(), at: '', token: 'x' }), 0, 3_000],
      ['a pid that would signal the process group', JSON.stringify({ pid: 0, host: hostname(), at: '', token: 'x' }), 0, 3_000],
    ];
    for (const [name, text, offset, most] of lockCases) {
      test(`a lock no live process holds is broken and the record written: ${name}`, async () => {
        const folder = newFolder();
        // Only a holder on another host has to be waited for until the lock is stale: 1.5 s here
        // (10 s by default) so that it fits in a test; every other case is decided well before 10 s.
        const store = new AuditStore(folder, name.includes('waited for') ? { staleLockMs: 1_500 } : {});
        mkdirSync(join(folder, '.protection'));
        writeFileSync(store.lockPath, text);
        const when = new Date(Date.now() + offset);
        utimesSync(store.lockPath, when, when);
        const started = Date.now();
        await store.append(body(name));
        const waited = Date.now() - started;
        assert.ok(waited < most, `waited ${waited} ms`);
        assert.equal((await store.readAll()).records.length, 1);
        assert.equal(existsSync(store.lockPath), false);
        assert.deepEqual(readdirSync(join(folder, '.protection')).sort(), ['audit.jsonl']);
      });
    }

    test('a fresh lock of a live process on this host is waited for, not broken', async () => {
      const folder = newFolder();
      const store = new AuditStore(folder, { lockTimeoutMs: 400, staleLockMs: 10_000 });
      mkdirSync(join(folder, '.protection'));
      const live = JSON.stringify({ pid: process.ppid, host: hostname(), at: new Date().toISOString(), token: 'live' });
      writeFileSync(store.lockPath, live);
      await assert.rejects(store.append(body('blocked')), /locked by process .* not written/);
      assert.equal(readFileSync(store.lockPath, 'utf8'), live, 'the live lock is left alone');
      // Released a moment later: the record is written, not lost.
      setTimeout(() => rmSync(store.lockPath), 200);
      const waiting = new AuditStore(folder, { staleLockMs: 10_000 });
      await waiting.append(body('after release'));
      assert.equal((await store.readAll()).records.length, 1);
    });

    test('a lock of this process taken by another copy of the module (dist/lazy.js) is waited for, not broken', async () => {
      const folder = newFolder();
      const store = new AuditStore(folder, { lockTimeoutMs: 400, staleLockMs: 10_000 });
      mkdirSync(join(folder, '.protection'));
      // What the other copy's lock() does: its token goes into the process's one set, then into the file.
      const tokens = (globalThis as { [ISSUED_TOKENS]?: Set<string> })[ISSUED_TOKENS];
      assert.ok(tokens, 'the set of tokens is the process\'s, on globalThis');
      tokens.add('othercopy000000a');
      const mine = JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString(), token: 'othercopy000000a' });
      writeFileSync(store.lockPath, mine);
      await assert.rejects(store.append(body('blocked')), /locked by process .* not written/);
      assert.equal(readFileSync(store.lockPath, 'utf8'), mine, 'the other copy\'s lock is left alone');
    });

    test('by default append waits longer than a lock takes to go stale, so a crashed holder never costs a record', () => {
      const store = new AuditStore(newFolder());
      const { lockTimeoutMs, staleLockMs } = store as unknown as { lockTimeoutMs: number; staleLockMs: number };
      assert.ok(lockTimeoutMs > staleLockMs + 5_000, `${lockTimeoutMs} vs ${staleLockMs}`);
    });

    test('append waits for a lock that is released in time', async () => {
      const folder = newFolder();
      const store = new AuditStore(folder);
      mkdirSync(join(folder, '.protection'));
      writeFileSync(store.lockPath, '{}');
      setTimeout(() => rmSync(store.lockPath), 200);
      const started = Date.now();
      await store.append(body('waited'));
      assert.ok(Date.now() - started >= 150);
      assert.equal((await store.readAll()).records.length, 1);
    });

    test('the tail is found in a long log with long lines', async () => {
      const folder = newFolder();
      const store = new AuditStore(folder);
      mkdirSync(join(folder, '.protection'));
      const records: AuditRecord[] = [];
      for (let i = 0; i < 300; i++) records.push(sealRecord(body(`r${i}`, { reason: 'why '.repeat(i % 3 === 0 ? 40_000 : 20) }), records[records.length - 1]));
      writeFileSync(store.path, records.map(renderRecord).join('\n') + '\n');
      assert.deepEqual(await store.last(), records[299]);
      // A last line longer than the 64 KiB read chunk.
      const long = await store.append(body('long', { reason: 'z'.repeat(200_000) }));
      assert.equal(long.prev, records[299].hash);
      const next = await store.append(body('after long'));
      assert.equal(next.prev, long.hash);
      assert.equal(next.seq, 302);
      assert.deepEqual(verifyChain((await store.readAll()).records), { ok: true });
    });

    test('junk lines at the end, one longer than a record can be: passed over unread, the next record chains to the last record before them', async () => {
      const folder = newFolder();
      const store = new AuditStore(folder);
      const a = await store.append(body('one'));
      appendFileSync(store.path, `${'\0'.repeat(3 << 20)}\nnot a record\n`);
      const b = await store.append(body('two'));
      assert.equal(b.prev, a.hash);
      assert.equal(b.seq, 2);
      assert.equal(b.detail, 'two', 'no note: the tail was readable');
    });

    test('no record in the last TAIL_SCAN_LIMIT bytes: the record is written all the same, starting a new chain, and says why', async () => {
      const folder = newFolder();
      const store = new AuditStore(folder);
      await store.append(body('one'));
      truncateSync(store.path, statSync(store.path).size + (257 << 20));
      appendFileSync(store.path, '\n');
      const b = await store.append(body('two', { detail: 'modified outside the editor while locked' }));
      assert.equal(b.prev, 'GENESIS');
      assert.equal(b.seq, 1);
      assert.equal(b.detail, "modified outside the editor while locked; the audit log's last 256 MB hold no record, so this record starts a new chain");
      const c = await store.append(body('three'));
      assert.equal(c.prev, b.hash, 'and the next one chains to it');
    });

    test('a torn last line: the next record starts on its own line and chains to the last valid one', async () => {
      const folder = newFolder();
      const store = new AuditStore(folder);
      const a = await store.append(body('one'));
      appendFileSync(store.path, '{"seq":2,"at":"2026-');
      const b = await store.append(body('two'));
      assert.equal(b.prev, a.hash);
      assert.equal(b.seq, 2);
      const { records, problems } = await store.readAll();
      assert.deepEqual(records, [a, b]);
      assert.deepEqual(problems.map((p) => p.line), [2]);
      assert.deepEqual(verifyChain(records), { ok: true });
    });

    test('CRLF line endings (a checkout with autocrlf) are read', async () => {
      const folder = newFolder();
      const store = new AuditStore(folder);
      mkdirSync(join(folder, '.protection'));
      const a = sealRecord(body('one'), undefined);
      writeFileSync(store.path, `${renderRecord(a)}\r\n`);
      assert.deepEqual(await store.last(), a);
      const b = await store.append(body('two'));
      assert.equal(b.prev, a.hash);
      assert.deepEqual(verifyChain((await store.readAll()).records), { ok: true });
    });

    test('named pipes: a pipe as the lock is judged unreadable and broken; a pipe as the log refuses append, last and readAll at once, naming it', { skip: process.platform === 'win32' ? 'no mkfifo' : false }, async () => {
      const folder = newFolder();
      const store = new AuditStore(folder, { lockTimeoutMs: 3_000 });
      mkdirSync(join(folder, '.protection'));
      execFileSync('mkfifo', [store.lockPath]);
      const old = new Date(Date.now() - 60_000);
      utimesSync(store.lockPath, old, old);
      const hung = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 8_000).unref());
      const record = await Promise.race([store.append(body('past a pipe as the lock')), hung]);
      assert.notEqual(record, 'hung');
      assert.equal((await store.readAll()).records.length, 1);
      assert.equal(existsSync(store.lockPath), false, 'the pipe was broken as a stale lock');

      rmSync(store.path);
      execFileSync('mkfifo', [store.path]);
      const refusal = (p: Promise<unknown>): Promise<string> => p.then(() => 'done', (err: Error) => err.message);
      const answers = await Promise.race([Promise.all([refusal(store.append(body('into a pipe'))), refusal(store.last()), refusal(store.readAll())]), hung]);
      assert.notEqual(answers, 'hung');
      for (const message of answers as string[]) assert.match(message, /audit\.jsonl is a named pipe, not a regular file/);
      assert.equal(existsSync(store.lockPath), false, 'the lock is released after the refused append');
    });
  });
}
