// The breach guard and git (split from cliWatch.test.ts, which a run must finish within the runner's
// 120 s a file): git's own writes (a switch, a merge, a stash, a checkout with CRLF, entries marked
// skip-worktree) are not breaches, and a HEAD moved with no file written is followed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, rmSync, utimesSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../../src/core/audit';
import type { AuditRecord } from '../../src/core/audit';
import { parseManifest } from '../../src/core/manifest';
import { ProtectionMatcher } from '../../src/core/matcher';
import { BreachEngine } from '../../src/node/breachEngine';
import { AuditRecorder } from '../../src/node/recorder';
import { loggingGit } from './cliHarness';
import type { Repo } from './cliHarness';
import { auditRecords } from './grantsHarness';
import { APPROVED, T1, T1B, WATCH_MANIFEST, sleep, waitFor, watchSuite, Watcher, whileWatching } from './watchHarness';

const { box, name, repo, sh } = watchSuite('watch-git');

const breaches = (r: Repo, from = 0): AuditRecord[] => auditRecords(r).slice(from).filter((x) => x.event === 'breach');

describe("git's own work is not a breach (watch running)", () => {
  const FEATURE = 'export const price = 200; // feature\n';
  const gen = (i: number): string => `src/booking/gen/f${i}.ts`;

  /**
   * A repository whose protected files check out slowly (a smudge filter that sleeps 0.15 s a file):
   * a switch writes them over more than a second, holding index.lock, and moves HEAD only at its end,
   * as a checkout of thousands of files does. Branch `feature` changes every one of them.
   */
  function slowRepo(): Repo {
    const r = repo();
    r.git('config', 'filter.slow.smudge', 'sleep 0.15; cat');
    r.git('config', 'filter.slow.clean', 'cat');
    r.write('.gitattributes', 'src/booking/** filter=slow\n');
    for (let i = 0; i < 8; i++) r.write(gen(i), `export const v${i} = 0;\n`);
    r.commitAll('generated');
    r.git('switch', '-q', '-c', 'feature');
    for (let i = 0; i < 8; i++) r.write(gen(i), `export const v${i} = 1; // feature\n`);
    r.write(T1, FEATURE);
    r.commitAll('feature');
    r.git('switch', '-q', 'main');
    return r;
  }

  test('git switch to a branch that changes locked files, and back: each branch\'s versions stay, nothing is recorded', async () => {
    const r = slowRepo();
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      const count = auditRecords(r).length;
      sh(r, 'git switch -q feature');
      await sleep(1000);
      assert.equal(r.read(T1), FEATURE);
      for (let i = 0; i < 8; i++) assert.equal(r.read(gen(i)), `export const v${i} = 1; // feature\n`, gen(i));
      assert.equal(r.git('status', '--porcelain'), '', 'the work tree is the branch, as git left it');
      sh(r, 'git switch -q main');
      await sleep(1000);
      assert.equal(r.read(T1), APPROVED);
      assert.equal(r.git('status', '--porcelain'), '');
      assert.equal(auditRecords(r).length, count, 'no breach, no restore');
      assert.doesNotMatch(w.out, /was (changed|deleted) outside the editor/);
      // The guard still guards: a write after the switch is restored to this branch's version.
      sh(r, `printf 'x\\n' > ${T1}`);
      await waitFor('the approved content back', () => r.read(T1) === APPROVED);
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });

  test('a merge waiting for its message (editor open): the versions git merged stay; a write of anything else is restored', async () => {
    const r = slowRepo();
    r.write('README.md', 'main moved on\n');
    r.commitAll('main moves on');
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      const count = auditRecords(r).length;
      // The editor "is open" for 1.5 s: git has written and staged the merged files, HEAD has not moved.
      sh(r, `GIT_EDITOR='sleep 1.5; true' git merge -q --no-ff --edit feature`);
      await sleep(500);
      assert.equal(r.read(T1), FEATURE);
      assert.equal(r.git('status', '--porcelain'), '');
      assert.equal(auditRecords(r).length, count, 'no breach');
      // A merge stopped half-way is no open door: a version git did not stage is a breach.
      sh(r, 'git reset -q --hard HEAD~1 && git merge -q --no-ff --no-commit feature');
      await sleep(500);
      assert.equal(r.read(T1), FEATURE);
      sh(r, `printf 'export const price = 0; // agent\\n' > ${T1}`);
      await waitFor('HEAD\'s version back', () => r.read(T1) === APPROVED);
      // The content goes back first, the records follow.
      await waitFor('the breach recorded', () => breaches(r, count).some((x) => x.file === T1 && x.after === sha256('export const price = 0; // agent\n')));
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });

  test('an approval recorded on one branch does not follow a switch to another: the audit log is read again', async () => {
    const r = repo();
    r.git('switch', '-q', '-c', 'raise');
    assert.equal(r.cli(['unlock', 'BOOKING_FLOW', '--reason', 'Raise the price for 2027']).code, 0);
    r.write(T1, 'export const price = 150;\n');
    assert.equal(r.cli(['record']).code, 0);
    r.commitAll('price raised, recorded');
    const raiseLog = auditRecords(r).length;
    // main's log grows past raise's with records of another file: the same offset holds other bytes there.
    r.git('switch', '-q', 'main');
    for (const cart of ['[1]', '[1, 2]']) {
      assert.equal(r.cli(['unlock', 'BOOKING_FLOW', '--reason', 'Cart changes for 2027']).code, 0);
      r.write(T1B, `export const cart = ${cart};\n`);
      assert.equal(r.cli(['record']).code, 0);
    }
    r.commitAll('cart changed, recorded');
    assert.ok(auditRecords(r).length > raiseLog);
    r.git('switch', '-q', 'raise');
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      sh(r, 'git switch -q main');
      await sleep(800);
      assert.equal(r.read(T1), APPROVED, 'main\'s version stays (not the other branch\'s approved one)');
      assert.ok(!auditRecords(r).some((x) => x.event === 'breach'), 'main\'s log, with no breach');
      sh(r, `printf 'x\\n' > ${T1}`);
      await waitFor('main\'s version back', () => r.read(T1) === APPROVED);
      await waitFor('the restore recorded', () => auditRecords(r).some((x) => x.event === 'restore'));
      sh(r, 'git clean -fdq .protection && git checkout -q -- .protection && git switch -q raise');
      await sleep(800);
      assert.equal(r.read(T1), 'export const price = 150;\n');
      assert.ok(!auditRecords(r).some((x) => x.event === 'breach'), `raise's log, with no breach:\n${w.out}`);
      sh(r, `printf 'y\\n' > ${T1}`);
      await waitFor('the recorded version back', () => r.read(T1) === 'export const price = 150;\n');
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });

  /** A repository with `count` more locked files under `folder`, each changed on branch `feature`; main checked out. */
  function manyOnTwoBranches(count: number, folder: string): { r: Repo; many: (i: number) => string } {
    const r = repo();
    const many = (i: number): string => `src/booking/${folder}/d${Math.floor(i / 100)}/f${i}.ts`;
    for (let i = 0; i < count; i++) r.write(many(i), `export const v${i} = 0;\n`);
    r.commitAll('many');
    r.git('switch', '-q', '-c', 'feature');
    for (let i = 0; i < count; i++) r.write(many(i), `export const v${i} = 1; // feature\n`);
    r.commitAll('feature');
    r.git('switch', '-q', 'main');
    return { r, many };
  }

  test('switching back while the guard still judges the first switch\'s writes (600 files): nothing is rolled back', async () => {
    const { r, many } = manyOnTwoBranches(600, 'many');
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      // Each of the 600 writes is judged in turn (against HEAD, read through git): the switch back comes while
      // that queue is still being worked through, judgements that began before it ran.
      sh(r, 'git switch -q feature && sleep 0.3 && git switch -q main');
      await sleep(4000);
      assert.equal(r.git('status', '--porcelain'), '', 'the work tree is main, as git left it');
      assert.equal(auditRecords(r).filter((x) => x.event === 'breach').length, 0, w.out);
      for (const i of [0, 299, 599]) assert.equal(r.read(many(i)), `export const v${i} = 0;\n`);
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });

  test('a switch of 400 locked files is judged through one git cat-file, not a git process per file', { skip: process.platform === 'win32' ? 'a shell script as git' : false }, async () => {
    const { r, many } = manyOnTwoBranches(400, 'batch');
    // The guard's git is a script that notes each run, then runs git.
    const git = loggingGit(box, `git-shim-${name()}`);
    const calls = git.log;
    writeFileSync(calls, '');
    const w = new Watcher(box, r, { ...box.env, PATH: git.path });
    try {
      await w.saw(/checked at start/);
      writeFileSync(calls, '');
      sh(r, 'git switch -q feature');
      await waitFor('the 400 files judged', () => readFileSync(calls, 'utf8').split('\n').filter((l) => l.startsWith('cat-file --batch')).length > 0, 10_000);
      await sleep(2500);
      const ran = readFileSync(calls, 'utf8').split('\n').filter((l) => l !== '');
      assert.equal(ran.filter((l) => l.startsWith('show ')).length, 0, ran.join('\n'));
      assert.ok(ran.filter((l) => l.startsWith('cat-file --batch')).length <= 2, ran.join('\n'));
      assert.ok(ran.length < 40, `${ran.length} git processes for 400 files:\n${ran.slice(0, 20).join('\n')}`);
      assert.equal(r.git('status', '--porcelain'), '', 'the work tree is the branch, as git left it');
      assert.equal(auditRecords(r).filter((x) => x.event === 'breach').length, 0, w.out);
      // The batch is no open door: a write after the switch is still restored to this branch's version.
      sh(r, `printf 'x\\n' > ${many(7)}`);
      await waitFor('the branch\'s version back', () => r.read(many(7)) === 'export const v7 = 1; // feature\n');
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });

  test('a locked file whose name holds a newline (which the batch reader cannot ask for) is restored from HEAD all the same', { skip: process.platform === 'win32' ? 'no newline in file names' : false }, async () => {
    const r = repo();
    const odd = 'src/booking/two\nlines.ts';
    r.write(odd, 'export const odd = 1;\n');
    r.commitAll('an odd name');
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      writeFileSync(join(r.dir, odd), 'export const odd = 0; // agent\n');
      await waitFor('HEAD\'s version back', () => r.read(odd) === 'export const odd = 1;\n');
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });

  test('a named pipe put in the audit log\'s place: the guard reads nothing from it, never waits on it, and still restores', { skip: process.platform === 'win32' ? 'no mkfifo' : false }, async () => {
    const r = repo();
    // A change recorded first, so the guard has read some of the log before it is replaced.
    assert.equal(r.cli(['unlock', 'BOOKING_FLOW', '--reason', 'Raise the price for 2027']).code, 0);
    r.write(T1, 'export const price = 120;\n');
    assert.equal(r.cli(['record']).code, 0);
    r.commitAll('recorded');
    const manifest = parseManifest(WATCH_MANIFEST).manifest!;
    const matcher = new ProtectionMatcher(manifest);
    const logs: string[] = [];
    const engine = new BreachEngine({
      root: r.dir, recorder: new AuditRecorder(r.dir), env: box.env,
      policy: { classify: (rel) => matcher.classify(rel), grantFor: () => undefined, manifest: () => manifest },
      log: (level, m) => logs.push(`${level}: ${m}`),
    });
    try {
      await engine.followLog();
      const log = join(r.dir, '.protection', 'audit.jsonl');
      const read = readFileSync(log);
      rmSync(log);
      execFileSync('mkfifo', [log]);
      writeFileSync(join(r.dir, T1), 'export const price = 0; // agent\n');
      engine.notify(T1);
      await engine.settled();
      // The log that approved 120 is gone: HEAD's version (committed with it) is what comes back.
      assert.equal(r.read(T1), 'export const price = 120;\n');
      // The pipe is never opened to be read or backed up: the log the guard read replaces it.
      assert.ok(lstatSync(log).isFile(), 'the pipe replaced by the log as read');
      assert.ok(readFileSync(log).subarray(0, read.length).equals(read));
    } finally {
      engine.dispose();
    }
  });

  test('a git that never lets go of index.lock (crashed, or kept on purpose) delays the judgement by at most the wait, then says why', async () => {
    const r = repo();
    const gitDir = join(r.dir, '.git');
    writeFileSync(join(gitDir, 'index.lock'), '');
    const logs: string[] = [];
    const matcher = new ProtectionMatcher(parseManifest(WATCH_MANIFEST).manifest!);
    const engine = new BreachEngine({
      root: r.dir, recorder: new AuditRecorder(r.dir), env: box.env,
      policy: { classify: (rel) => matcher.classify(rel), grantFor: () => undefined, manifest: () => parseManifest(WATCH_MANIFEST).manifest },
      log: (_level, m) => logs.push(m),
      gitWait: { quietMs: 100, maxMs: 700 },
    });
    try {
      writeFileSync(join(r.dir, T1), 'export const price = 0; // agent\n');
      const t0 = Date.now();
      engine.notify(T1);
      await engine.settled();
      assert.ok(Date.now() - t0 >= 650, `waited ${Date.now() - t0} ms`);
      assert.equal(r.read(T1), APPROVED, 'restored all the same');
      assert.ok(logs.some((m) => /git has been at work .* for 1 s \(its index\.lock/.test(m)), logs.join('\n'));
      // Waited once: not a second time after the first wait ran out (it was twice the bound, each saying so).
      assert.equal(logs.filter((m) => /git has been at work/.test(m)).length, 1, logs.join('\n'));
      // A future time on the index (another clock, or touched on purpose) is no longer wait either.
      rmSync(join(gitDir, 'index.lock'));
      utimesSync(join(gitDir, 'index'), new Date(Date.now() + 3_600_000), new Date(Date.now() + 3_600_000));
      writeFileSync(join(r.dir, T1), 'export const price = 1; // agent\n');
      const t1 = Date.now();
      engine.notify(T1);
      await engine.settled();
      assert.ok(Date.now() - t1 < 650, `waited ${Date.now() - t1} ms`);
      assert.equal(r.read(T1), APPROVED);
    } finally {
      engine.dispose();
    }
  });

  test('the system\'s limit on file watchers reached: said with the count and the fix, the folders without a watcher checked on a timer, watched again once the limit allows', async () => {
    const r = repo();
    const DEEP = 'src/booking/deep/total.ts';
    r.write(DEEP, 'export const total = 1;\n');
    r.commitAll('a deeper locked file');
    const manifest = parseManifest(WATCH_MANIFEST).manifest!;
    const matcher = new ProtectionMatcher(manifest);
    const logs: string[] = [];
    const counts: number[] = [];
    // The OS's watcher, refused as Linux refuses it past fs.inotify.max_user_watches, until the limit is raised.
    let allowed = 3;
    const opened = new Set<string>();
    const engine = new BreachEngine({
      root: r.dir, recorder: new AuditRecorder(r.dir), env: box.env,
      policy: { classify: (rel) => matcher.classify(rel), grantFor: () => undefined, manifest: () => manifest },
      log: (level, m) => logs.push(`${level}: ${m}`),
      onUnwatched: (count) => counts.push(count),
      unwatchedCheckMs: 400,
      watchFolder: (dir, options, listener) => {
        if (!opened.has(dir) && opened.size >= allowed) {
          throw Object.assign(new Error(`ENOSPC: System limit for number of file watchers reached, watch '${dir}'`), { code: 'ENOSPC', errno: -28, syscall: 'watch' });
        }
        opened.add(dir);
        const w = watch(dir, options, listener);
        w.on('close', () => opened.delete(dir));
        return w;
      },
    });
    try {
      // The root, src, src/booking (and its own files), then src/booking/deep: the last is refused.
      engine.watchDirs([join(r.dir, 'src', 'booking'), join(r.dir, 'src', 'booking', 'deep')]);
      await waitFor('the limit reported', () => counts.length > 0);
      assert.deepEqual(counts, [1]);
      assert.equal(engine.unwatchedDirs, 1);
      const said = logs.filter((m) => m.startsWith('error: '));
      assert.equal(said.length, 1, logs.join('\n'));
      assert.match(said[0], /1 folder\(s\) with protected files cannot be watched: the system's limit on file watchers is reached/);
      if (process.platform === 'linux') assert.match(said[0], /ENOSPC: fs\.inotify\.max_user_watches; raise it, e\.g\. sudo sysctl fs\.inotify\.max_user_watches=\d+/);
      assert.match(said[0], /found by a check every 400 ms, not at once/);

      // Watched folders react at once; the refused one by the check on the timer.
      writeFileSync(join(r.dir, T1), 'export const price = 0; // agent\n');
      writeFileSync(join(r.dir, DEEP), 'export const total = 0; // agent\n');
      await waitFor('the watched file restored', () => r.read(T1) === APPROVED);
      await waitFor('the unwatched file restored by the check', () => r.read(DEEP) === 'export const total = 1;\n', 5_000);
      await engine.settled();
      assert.deepEqual(breaches(r).map((x) => x.file).sort(), [DEEP, T1].sort());
      assert.equal(engine.unwatchedDirs, 1, 'still refused');
      assert.equal(logs.filter((m) => m.startsWith('error: ')).length, 1, 'said once, not at every check');

      // The limit raised: the next check gets its watcher, says so, and the timer stops.
      allowed = 100;
      await waitFor('watched again', () => counts.at(-1) === 0, 5_000);
      assert.equal(engine.unwatchedDirs, 0);
      assert.ok(logs.includes('info: [breach] every folder with protected files is watched again.'), logs.join('\n'));
      const before = breaches(r).length;
      writeFileSync(join(r.dir, DEEP), 'export const total = 2; // agent\n');
      await waitFor('restored by its watcher', () => r.read(DEEP) === 'export const total = 1;\n');
      await engine.settled();
      assert.equal(breaches(r).length, before + 1);
    } finally {
      engine.dispose();
    }
  });
});

describe('protected-files watch: line endings', () => {
  test('a checkout with core.autocrlf (CRLF where HEAD has LF) is no breach; a real change under it is', () => {
    const r = repo();
    // What Git for Windows' default writes: every text file checked out again with CRLF.
    r.git('config', 'core.autocrlf', 'true');
    for (const f of [T1, T1B, '.protection/manifest.jsonc']) rmSync(join(r.dir, f));
    r.git('checkout', '--', '.');
    assert.match(r.read(T1), /\r\n$/, 'git wrote CRLF');
    const res = r.cli(['watch', '--once']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.doesNotMatch(res.stdout + res.stderr, /was changed while locked|not adopted|differs from its approved/);
    assert.equal(breaches(r).length, 0);
    assert.match(r.read(T1), /\r\n$/, 'left as git wrote it');
    r.write(T1, 'export const price = 0; // agent\r\n');
    assert.equal(r.cli(['watch', '--once']).code, 1, 'a change of the text is still a breach');
    assert.equal(r.read(T1), APPROVED);
  });
});

describe('protected-files watch: entries git status does not look at', () => {
  test('a locked file marked skip-worktree or assume-unchanged, then changed while nothing watched: found and restored', () => {
    const r = repo();
    r.git('update-index', '--skip-worktree', T1);
    r.git('update-index', '--assume-unchanged', T1B);
    r.write(T1, 'export const price = 0; // hidden from git status\n');
    r.write(T1B, 'export const cart = ["hidden"];\n');
    const res = r.cli(['watch', '--once']);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.equal(r.read(T1), APPROVED);
    assert.equal(r.read(T1B), 'export const cart = [];\n');
    assert.equal(breaches(r).filter((b) => b.file === T1 || b.file === T1B).length, 2);
  });
});

describe('protected-files watch: git moves HEAD, or ends an operation, with no file written', () => {
  test('HEAD moved back with git reset --soft (no file written): a locked file with the other branch\'s content is judged against the new HEAD and restored', async () => {
    const r = repo();
    r.git('checkout', '-q', '-b', 'side');
    r.write(T1, 'export const price = 999; // side\n');
    r.commitAll('side');
    await whileWatching(box, r, async () => {
      // On side, the file is side's: no breach. Then HEAD goes back to main; the work tree keeps side's file.
      r.git('reset', '-q', '--soft', 'main');
      await waitFor(`${T1} judged against main after the move`, () => r.read(T1) === APPROVED, 10_000);
      await waitFor('its breach and restore records', () => auditRecords(r).some((x) => x.event === 'restore' && x.file === T1));
      // The same with update-ref, which writes only the branch's ref.
      r.git('update-ref', 'refs/heads/main', 'side');
      await sleep(500);
      r.git('update-ref', 'refs/heads/main', 'HEAD@{2}');
      assert.equal(r.read(T1), APPROVED, 'unchanged: on side the file is side\'s, back on main it is main\'s');
    });
  });

  test('a guard that stood by, then took over, follows HEAD too (the editor\'s way: folders watched while it stood by, then the check at start)', async () => {
    const r = repo();
    r.git('checkout', '-q', '-b', 'side');
    r.write(T1, 'export const price = 999; // side\n');
    r.commitAll('side');
    const matcher = new ProtectionMatcher(parseManifest(WATCH_MANIFEST).manifest!);
    const engine = new BreachEngine({
      root: r.dir, recorder: new AuditRecorder(r.dir), env: box.env,
      policy: { classify: (rel) => matcher.classify(rel), grantFor: () => undefined, manifest: () => parseManifest(WATCH_MANIFEST).manifest },
      log: () => undefined,
    });
    try {
      engine.active = false;
      engine.watchDirs([join(r.dir, 'src', 'booking')]);
      engine.active = true;
      await engine.scanAtStart();
      r.git('reset', '-q', '--soft', 'main');
      await waitFor(`${T1} judged against main after the move`, () => r.read(T1) === APPROVED, 10_000);
    } finally {
      engine.dispose();
    }
  });

  test('a locked file left as a stopped merge wrote it is judged again when the merge ends without a commit (merge --quit)', async () => {
    const r = repo();
    r.git('checkout', '-q', '-b', 'side');
    r.write(T1, 'export const price = 999; // merged from side\n');
    r.commitAll('side');
    r.git('checkout', '-q', 'main');
    r.write('README.md', 'main moves on\n');
    r.commitAll('main moves on');
    await whileWatching(box, r, async () => {
      r.git('merge', '-q', '--no-commit', '--no-ff', 'side');
      // Left as git staged it while the merge waits for its commit.
      await sleep(1_500);
      assert.match(r.read(T1), /merged from side/);
      assert.equal(breaches(r).length, 0);
      r.git('merge', '--quit');
      await waitFor(`${T1} restored once the merge ended`, () => r.read(T1) === APPROVED, 10_000);
    });
  });
});
