// The breach guard and the audit log (split from cliWatch.test.ts, which a run must finish within the
// runner's 120 s a file): a log cut short, replaced or deleted from outside is put back from the guard's
// copy, git's own replacements are told apart, the guard's own records are looked for; and what an
// unlock leaves that git cannot hold as a file (links, pipes), and git stash pop with the log conflicted.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, lstatSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../../src/core/audit';
import type { AuditRecord } from '../../src/core/audit';
import { parseManifest } from '../../src/core/manifest';
import { ProtectionMatcher } from '../../src/core/matcher';
import { BreachEngine } from '../../src/node/breachEngine';
import { locateGrantStore } from '../../src/node/grantStore';
import { AuditRecorder } from '../../src/node/recorder';
import type { Repo } from './cliHarness';
import { auditRecords } from './grantsHarness';
import { APPROVED, T1, T1B, T2, WATCH_MANIFEST, sleep, waitFor, watchSuite, Watcher, whileWatching } from './watchHarness';

const { box, repo, sh } = watchSuite('watch-log');

describe('breach guard: git stash pop that leaves the audit log conflicted', () => {
  test('the popped approved change stays as git wrote it (the guard put it back to HEAD\'s version)', async () => {
    const r = repo();
    await whileWatching(box, r, async (w) => {
      // The log committed (tracked), as in any repository that has recorded a change.
      assert.equal(r.cli(['unlock', 'MIGRATIONS', '--reason', 'A first change, committed']).code, 0);
      r.write(T2, 'create table bookings (id bigint);\n');
      assert.equal(r.cli(['record']).code, 0);
      r.commitAll('a first recorded change');
      await sleep(600);
      assert.equal(r.cli(['unlock', 'BOOKING_FLOW', '--reason', 'The change that is stashed']).code, 0);
      r.write(T1, 'export const price = 150; // stashed\n');
      assert.equal(r.cli(['record']).code, 0);
      await sleep(600);
      r.git('stash');
      await sleep(800);
      assert.equal(r.read(T1), APPROVED, `stashed: ${w.out}`);
      assert.equal(r.cli(['unlock', 'MIGRATIONS', '--reason', 'Another change, committed']).code, 0);
      r.write(T2, 'create table bookings (id bigint, at date);\n');
      assert.equal(r.cli(['record']).code, 0);
      r.commitAll('another recorded change');
      await sleep(800);
      w.out = '';
      const pop = spawnSync('git', ['stash', 'pop'], { cwd: r.dir, env: box.env, encoding: 'utf8' });
      assert.match(r.git('ls-files', '-u', '--', '.protection/audit.jsonl'), /audit\.jsonl/, `the log is conflicted: ${pop.stdout}${pop.stderr} ${r.git('status', '--short')}`);
      await sleep(2_500);
      assert.equal(r.read(T1), 'export const price = 150; // stashed\n', w.out);
    });
  });
});

describe('breach guard: what an unlock leaves that git cannot hold as a file', () => {
  test('a link (to a file outside) or a named pipe put at a locked path under an unlock: approved neither as what it leads to nor as a deletion, and judged once the unlock ends', { skip: process.platform === 'win32' ? 'no mkfifo' : false }, async () => {
    const r = repo();
    const secret = join(r.dir, '..', `secret-${process.pid}.txt`);
    writeFileSync(secret, 'aws_secret_access_key = do-not-copy\n');
    const matcher = new ProtectionMatcher(parseManifest(WATCH_MANIFEST).manifest!);
    let unlocked = true;
    const grant = { target: { kind: 'component' as const, name: 'BOOKING_FLOW' }, reason: 'Rework the booking flow', grantedAt: Date.now(), expiresAt: Date.now() + 60_000 };
    const logged: string[] = [];
    const engine = new BreachEngine({
      root: r.dir, recorder: new AuditRecorder(r.dir), env: box.env,
      policy: { classify: (rel) => matcher.classify(rel), grantFor: () => unlocked ? grant : undefined, manifest: () => parseManifest(WATCH_MANIFEST).manifest },
      log: (_level, message) => logged.push(message),
    });
    try {
      engine.watchDirs([join(r.dir, 'src', 'booking')]);
      await engine.scanAtStart();
      rmSync(join(r.dir, T1));
      execFileSync('ln', ['-s', secret, join(r.dir, T1)]);
      rmSync(join(r.dir, T1B));
      execFileSync('mkfifo', [join(r.dir, T1B)]);
      await engine.reconcile(T1, grant);
      await engine.reconcile(T1B, grant);
      assert.deepEqual(auditRecords(r).filter((x) => x.event === 'change' || x.event === 'delete'), [], 'nothing approved');
      assert.ok(logged.some((m) => m.includes(`${T1} is a symbolic link`)), logged.join('\n'));
      assert.ok(logged.some((m) => m.includes(`${T1B} is a named pipe`)), logged.join('\n'));
      const approvedDir = join(r.dir, '.protection', 'backups', 'approved');
      const secretHash = sha256(readFileSync(secret));
      assert.ok(!existsSync(join(approvedDir, secretHash)), 'the outside file is never copied');
      unlocked = false;
      await waitFor('both put back once locked', () => !lstatSync(join(r.dir, T1)).isSymbolicLink() && lstatSync(join(r.dir, T1B)).isFile(), 10_000);
      assert.equal(r.read(T1), APPROVED);
    } finally {
      engine.dispose();
      rmSync(secret, { force: true });
    }
  });
});

describe('breach guard: a link left under an unlock that protected-files relock ends', () => {
  test('judged once the relock is read from the log: the link gives way to a file', async () => {
    const r = repo();
    const secret = join(r.dir, '..', `secret-relock-${process.pid}.txt`);
    writeFileSync(secret, 'not to be approved\n');
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      assert.equal(r.cli(['unlock', 'BOOKING_FLOW', '--reason', 'Rework the booking flow']).code, 0);
      rmSync(join(r.dir, T1));
      execFileSync('ln', ['-s', secret, join(r.dir, T1)]);
      await sleep(400);
      r.cli(['relock', 'BOOKING_FLOW']);
      await waitFor(`${T1} a file again`, () => !lstatSync(join(r.dir, T1)).isSymbolicLink(), 10_000);
      assert.equal(readFileSync(secret, 'utf8'), 'not to be approved\n', 'nothing written through the link');
    } finally {
      await w.stop();
      rmSync(secret, { force: true });
    }
  });
});

describe('breach guard: an untracked link at a protected path found at start', () => {
  test('is not adopted through the link: the file outside is never copied into the approved store', async () => {
    const r = repo();
    const secret = join(r.dir, '..', `secret-adopt-${process.pid}.txt`);
    writeFileSync(secret, 'aws_secret_access_key = do-not-copy\n');
    try {
      execFileSync('ln', ['-s', secret, join(r.dir, 'src', 'booking', 'new.ts')]);
      r.cli(['watch', '--once']);
      const secretHash = sha256(readFileSync(secret));
      for (const dir of [join(r.dir, '.protection', 'backups', 'approved'), join(r.dir, '.git', 'protected-files', 'approved')]) {
        assert.ok(!existsSync(join(dir, secretHash)), `not copied into ${dir}`);
      }
    } finally {
      rmSync(secret, { force: true });
    }
  });
});

describe('protected-files watch: the audit log cut short from outside', () => {
  const LOG = '.protection/audit.jsonl';
  const cutShort = /audit\.jsonl was (deleted or emptied|cut short or replaced) from outside/;
  /** A repository whose HEAD has a log, with one approved change committed and one not yet: the log's bytes. */
  async function withUncommittedRecord(r: Repo): Promise<Buffer> {
    assert.equal(r.cli(['unlock', 'BOOKING_FLOW', '--reason', 'Raise the price for 2027']).code, 0);
    r.write(T1, 'export const price = 110;\n');
    assert.equal(r.cli(['record']).code, 0);
    r.commitAll('approved change');
    assert.equal(r.cli(['unlock', 'BOOKING_FLOW', '--reason', 'Raise the price again']).code, 0);
    r.write(T1, 'export const price = 120;\n');
    assert.equal(r.cli(['record']).code, 0);
    await sleep(600);
    return readFileSync(join(r.dir, LOG));
  }
  const logNow = (r: Repo): Buffer => existsSync(join(r.dir, LOG)) && lstatSync(join(r.dir, LOG)).isFile() ? readFileSync(join(r.dir, LOG)) : Buffer.alloc(0);
  /** The log holds `before` again, then one breach record of the log itself (the chain unbroken: verify reads it). */
  async function putBack(r: Repo, before: Buffer): Promise<AuditRecord> {
    await waitFor('the log put back, with its breach', () => {
      const now = logNow(r);
      return now.length > before.length && now.subarray(0, before.length).equals(before) && auditRecords(r).at(-1)?.file === LOG;
    });
    const last = auditRecords(r).at(-1);
    assert.ok(last && last.event === 'breach' && /put back from the guard's copy/.test(last.detail ?? ''), JSON.stringify(last));
    const log = r.cli(['log', '--verify']);
    assert.equal(log.code, 0, log.stdout + log.stderr);
    return last;
  }

  test('emptied, deleted, replaced or cut short: put back as the guard read it (the record not yet committed included), the loss recorded; what stood there kept', async () => {
    const r = repo();
    await whileWatching(box, r, async (w) => {
      let before = await withUncommittedRecord(r);
      const cuts = [
        ': > .protection/audit.jsonl',
        'rm .protection/audit.jsonl',
        `head -c 200 .protection/audit.jsonl > .x.tmp && mv .x.tmp .protection/audit.jsonl`,
        `printf '%s\\n' '{"seq":1,"event":"note","forged":true}' > .protection/audit.jsonl`,
      ];
      for (const cut of cuts) {
        w.out = '';
        sh(r, cut);
        await w.saw(cutShort);
        const breach = await putBack(r, before);
        assert.match(w.out, /put back as the guard last read it/);
        if (cut.includes('forged')) {
          assert.ok(breach.backup, 'what stood there is kept');
          assert.match(readFileSync(join(r.dir, breach.backup), 'utf8'), /"forged":true/);
        }
        before = logNow(r);
        // A later write is judged against the approved change, not HEAD's version.
        sh(r, `printf 'export const price = 0; // agent\\n' > ${T1}`);
        await waitFor(`${T1} back to the approved change`, () => r.read(T1) === 'export const price = 120;\n');
        await sleep(400);
        before = logNow(r);
      }
      // git's own work is not a loss: the log put back to HEAD's drops the uncommitted records, as git does.
      w.out = '';
      r.git('checkout', '--', LOG);
      await sleep(1_500);
      assert.doesNotMatch(w.out, /from outside/);
      assert.equal(logNow(r).toString('utf8').trimEnd(), r.git('show', `HEAD:${LOG}`).trimEnd(), 'git\'s version stands');
    });
  });

  test('a script that cuts the log as soon as the breach record appears does not take the record with it', async () => {
    const r = repo();
    await whileWatching(box, r, async (w) => {
      await withUncommittedRecord(r);
      // Waits for the guard's breach record, then empties the log 50 ms later (the log's own debounce is 200 ms).
      sh(r, `(until grep -q '"event":"breach"' ${LOG}; do sleep 0.005; done; sleep 0.05; : > ${LOG}) >/dev/null 2>&1 &
        printf 'export const price = 0; // agent\\n' > ${T1}`);
      await w.saw(cutShort);
      await waitFor('the log put back with the breach of the file', () => auditRecords(r).some((x) => x.event === 'breach' && x.file === T1) && auditRecords(r).at(-1)?.file === LOG);
    });
  });

  test('a folder put in the log\'s place: moved aside and the log put back once (no loop); Ctrl+C still stops the guard', async () => {
    const r = repo();
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      const before = await withUncommittedRecord(r);
      sh(r, `rm ${LOG} && mkdir ${LOG} && echo x > ${LOG}/f`);
      await putBack(r, before);
      assert.ok(lstatSync(join(r.dir, LOG)).isFile());
      const count = (): number => (w.out.match(/put back as the guard last read it/g) ?? []).length;
      await sleep(1_500);
      const puts = count();
      await sleep(1_500);
      assert.equal(count(), puts, `no loop: ${w.out.slice(-2_000)}`);
      assert.ok(puts <= 2, w.out.slice(-2_000));
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });

  test('a script that cuts the log back as each record is written, at once: the guard writes its record again and says so', async () => {
    const r = repo();
    await whileWatching(box, r, async (w) => {
      await withUncommittedRecord(r);
      // Polls the log's size and cuts it back to the size before the first append it sees (no delay), once.
      const cutter = `import os, time
p = ${JSON.stringify(join(r.dir, LOG))}
n = os.path.getsize(p)
end = time.time() + 20
while time.time() < end:
    m = os.path.getsize(p)
    if m > n:
        os.truncate(p, n)
        break
    time.sleep(0.0005)
`;
      writeFileSync(join(r.dir, '..', `cutter-${process.pid}.py`), cutter);
      sh(r, `(python3 ../cutter-${process.pid}.py >/dev/null 2>&1 &) ; sleep 0.3; printf 'export const price = 0; // agent\\n' > ${T1}`);
      await waitFor('the breach of the file in the log', () => auditRecords(r).some((x) => x.event === 'breach' && x.file === T1), 15_000);
      assert.match(w.out, /was removed from \.protection\/audit\.jsonl as soon as it was written: written again|put back as the guard last read it/);
    });
  });

  test('HEAD\'s log written over it (git\'s way, without git): read as git\'s, and the records not committed kept in the backups, said', async () => {
    const r = repo();
    await whileWatching(box, r, async (w) => {
      await withUncommittedRecord(r);
      w.out = '';
      sh(r, `git show HEAD:${LOG} > ../head-log-${process.pid} && cat ../head-log-${process.pid} > ${LOG}`);
      await w.saw(/put back to another version by git \(reset, checkout, stash\): it no longer holds \d+ bytes of records read before, kept in (\S+)\./);
      const backup = /kept in (\S+)\./.exec(w.out)![1];
      assert.match(readFileSync(join(r.dir, backup), 'utf8'), /Raise the price again/, 'the record not committed is kept');
    });
  });

  test('rewritten under an unlock of the log itself (the repair of a stray line): not put back', async () => {
    const r = repo();
    await whileWatching(box, r, async (w) => {
      await withUncommittedRecord(r);
      const good = logNow(r);
      appendFileSync(join(r.dir, LOG), 'oops stray line\n');
      await sleep(600);
      const unlock = r.cli(['unlock', LOG, '--reason', 'Remove a stray line from the log']);
      assert.equal(unlock.code, 0, unlock.stdout + unlock.stderr);
      await sleep(600);
      const withUnlock = logNow(r);
      // Everything but the stray line, as an owner repairing it would write it.
      const repaired = withUnlock.toString('utf8').split('\n').filter((l) => l !== 'oops stray line').join('\n');
      w.out = '';
      writeFileSync(join(r.dir, LOG), repaired);
      await sleep(1_500);
      assert.doesNotMatch(w.out, /put back as the guard last read it/);
      assert.doesNotMatch(logNow(r).toString('utf8'), /oops stray line/);
      assert.ok(good.length > 0);
    });
  });

  test('a commit made right after the cut (HEAD moved) does not pass it off as git\'s: put back', async () => {
    const r = repo();
    await whileWatching(box, r, async (w) => {
      const before = await withUncommittedRecord(r);
      sh(r, ': > .protection/audit.jsonl && git commit -q --allow-empty --no-verify -m "nothing to see"');
      await w.saw(cutShort);
      await putBack(r, before);
    });
  });

  test('not put back from a copy changed from outside: said, the loss recorded, the approvals kept', async () => {
    const r = repo();
    await whileWatching(box, r, async (w) => {
      await withUncommittedRecord(r);
      const store = locateGrantStore(r.dir);
      assert.ok(store);
      const copy = store.path.replace(/\.json$/, '.audit.jsonl');
      assert.ok(existsSync(copy), 'the guard keeps its copy beside the grants');
      assert.equal(statSync(copy).mode & 0o077, 0, 'owner-only');
      assert.ok(readFileSync(copy).equals(logNow(r)), 'the copy holds the log as read');
      // A script that forges the copy, then empties the log, hoping its copy is put back.
      writeFileSync(copy, readFileSync(copy, 'utf8').replace('Raise the price again', 'Raise the price AGAIN'));
      sh(r, ': > .protection/audit.jsonl');
      await w.saw(/not restored: its copy was changed from outside/);
      await waitFor('the loss recorded', () => auditRecords(r).some((x) => x.event === 'breach' && x.file === LOG));
      assert.doesNotMatch(logNow(r).toString('utf8'), /AGAIN/);
      sh(r, `printf 'export const price = 0; // agent\\n' > ${T1}`);
      await waitFor(`${T1} back to the approved change`, () => r.read(T1) === 'export const price = 120;\n');
    });
  });

  test('a window that read the log while it stood by, then took over, keeps a copy from then and puts the log back (the editor\'s way)', async () => {
    const r = repo();
    const before = await withUncommittedRecord(r);
    const matcher = new ProtectionMatcher(parseManifest(WATCH_MANIFEST).manifest!);
    const logged: string[] = [];
    const engine = new BreachEngine({
      root: r.dir, recorder: new AuditRecorder(r.dir), env: box.env,
      policy: { classify: (rel) => matcher.classify(rel), grantFor: () => undefined, manifest: () => parseManifest(WATCH_MANIFEST).manifest },
      log: (_level, message) => logged.push(message),
    });
    try {
      engine.active = false;
      await engine.followLog();
      const copy = locateGrantStore(r.dir)!.path.replace(/\.json$/, '.audit.jsonl');
      assert.ok(!existsSync(copy), 'a window standing by keeps no copy');
      engine.active = true;
      await engine.scanAtStart();
      assert.ok(readFileSync(copy).equals(before), 'the guard copies what it had read');
      writeFileSync(join(r.dir, LOG), '');
      await engine.followLog();
      await putBack(r, before);
      assert.ok(logged.some((m) => /put back as the guard last read it/.test(m)), logged.join('\n'));
    } finally {
      engine.dispose();
    }
  });

  test('not passed off as git\'s: the cut with git checkout --orphan, or with a git index.lock held past the wait', async () => {
    const r = repo();
    const before = await withUncommittedRecord(r);
    const matcher = new ProtectionMatcher(parseManifest(WATCH_MANIFEST).manifest!);
    const engine = new BreachEngine({
      root: r.dir, recorder: new AuditRecorder(r.dir), env: box.env, gitWait: { quietMs: 50, maxMs: 400 },
      policy: { classify: (rel) => matcher.classify(rel), grantFor: () => undefined, manifest: () => parseManifest(WATCH_MANIFEST).manifest },
      log: () => undefined,
    });
    try {
      await engine.scanAtStart();
      sh(r, `rm ${LOG} && git checkout -q --orphan pf-orphan`);
      await sleep(300); // git quiet again, as the guard waits for it
      await engine.followLog();
      await putBack(r, before);
      await engine.followLog(); // its own breach record read (into its copy), as the guard does right after writing it
      const now = logNow(r);
      // A lock made long ago and kept (touch .git/index.lock), then the cut.
      const lock = join(r.dir, '.git', 'index.lock');
      writeFileSync(lock, '');
      utimesSync(lock, new Date(Date.now() - 10_000), new Date(Date.now() - 10_000));
      try {
        writeFileSync(join(r.dir, LOG), '');
        await engine.followLog();
        await putBack(r, now);
      } finally {
        rmSync(lock, { force: true });
      }
    } finally {
      engine.dispose();
    }
  });

  test('a merge that leaves the log conflicted is git\'s work: not taken for a loss, not overwritten', async () => {
    const r = repo();
    await whileWatching(box, r, async (w) => {
      r.git('checkout', '-q', '-b', 'side');
      assert.equal(r.cli(['unlock', 'BOOKING_FLOW', '--reason', 'Side branch price change']).code, 0);
      r.write(T1, 'export const price = 130;\n');
      assert.equal(r.cli(['record']).code, 0);
      r.commitAll('side change');
      r.git('checkout', '-q', '-');
      await sleep(1_500);
      assert.equal(r.cli(['unlock', 'BOOKING_FLOW', '--reason', 'Main branch price change']).code, 0);
      r.write(T1, 'export const price = 140;\n');
      assert.equal(r.cli(['record']).code, 0);
      r.commitAll('main change');
      await sleep(1_500);
      w.out = '';
      sh(r, 'git merge -q --no-edit side >/dev/null 2>&1 || true');
      await sleep(2_500);
      assert.match(logNow(r).toString('utf8'), /^<<<<<<< /m, 'the log holds the conflict git left');
      assert.doesNotMatch(w.out, /from outside/);
    });
  });
});
