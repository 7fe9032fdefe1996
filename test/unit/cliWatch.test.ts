// `protected-files watch` through the built CLI, in real temporary git repositories, with VS Code
// closed: every route a script or an agent takes to a locked file is restored and recorded; a
// change made while nothing was watching is found at start; two guards on one folder never both act.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../../src/core/audit';
import type { AuditRecord } from '../../src/core/audit';
import { makeCodeKey } from '../../src/core/codes';
import { GuardLease } from '../../src/node/guardLease';
import { BreachEngine } from '../../src/node/breachEngine';
import { AuditRecorder } from '../../src/node/recorder';
import { ProtectionMatcher } from '../../src/core/matcher';
import { parseManifest } from '../../src/core/manifest';
import type { BreachOutcome } from '../../src/core/breach';
import { locateGrantStore } from '../../src/node/grantStore';
import type { Repo } from './cliHarness';
import { APPROVED, T1, T1B, T2, WATCH_MANIFEST, sleep, waitFor, watchSuite, Watcher, whileWatching } from './watchHarness';
import { auditRecords } from './grantsHarness';



const { box, name, repo, sh } = watchSuite('watch');

const breaches = (r: Repo, from = 0): AuditRecord[] => auditRecords(r).slice(from).filter((x) => x.event === 'breach');

/** A repository whose BOOKING_FLOW needs an owner's signing code, its grant store's folder made. */
async function signingCodeRepo(): Promise<{ r: Repo; store: { dir: string; path: string } }> {
  const entry = await makeCodeKey('Forge-Proof-Lantern-4412', { owner: 'ann@example.com', params: { N: 1024 } });
  const r = box.repo(name(), { manifest: WATCH_MANIFEST.replace('"unlock": { "requireCode": false, "minReasonLength": 5 }', '"unlock": { "requireCode": true, "minReasonLength": 5 }')
    .replace('"risk": "Revenue stops" }', `"risk": "Revenue stops", "unlockCodes": ["${entry}"] }`) });
  r.write(T1, APPROVED);
  r.commitAll('files');
  const store = locateGrantStore(r.dir)!;
  mkdirSync(store.dir, { recursive: true });
  return { r, store };
}

/** A grant of BOOKING_FLOW written into the store by hand, as a script would (no owner's certificate). */
function forgeGrant(storePath: string, grantedAt: number, expiresAt: number): void {
  writeFileSync(storePath, JSON.stringify({ v: 1, grants: [{ target: { kind: 'component', name: 'BOOKING_FLOW' }, reason: 'forged by a script', grantedAt, expiresAt }], failures: {}, lockouts: {}, spent: [] }));
}

describe('protected-files watch --once', () => {
  test('a change made while nothing was watching: tier restore is restored, tier warn kept, both recorded; exit 1', () => {
    const r = repo();
    r.write(T1, 'export const price = 0; // agent\n');
    r.write(T2, 'drop table bookings;\n');
    r.remove(T1B);
    const res = r.cli(['watch', '--once']);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.equal(r.read(T1), APPROVED);
    assert.equal(r.read(T1B), 'export const cart = [];\n', 'a deletion is restored');
    assert.equal(r.read(T2), 'drop table bookings;\n', 'warn keeps the change');
    assert.match(res.stdout, /src\/booking\/price\.ts \(T1 · BOOKING_FLOW\) was changed while locked and nothing was watching: the approved content was restored/);
    assert.match(res.stdout, /db\/migrations\/001\.sql \(T2 · MIGRATIONS\) was changed while locked and nothing was watching\. The change was kept/);
    const recs = auditRecords(r);
    const b1 = recs.find((x) => x.event === 'breach' && x.file === T1);
    assert.equal(b1?.before, sha256(APPROVED));
    assert.equal(b1?.after, sha256('export const price = 0; // agent\n'));
    assert.equal(readFileSync(join(r.dir, b1?.backup ?? ''), 'utf8'), 'export const price = 0; // agent\n', 'the breaching content is backed up');
    assert.match(b1?.detail ?? '', /found at start/);
    assert.ok(recs.some((x) => x.event === 'restore' && x.file === T1 && x.after === sha256(APPROVED)));
    assert.ok(recs.some((x) => x.event === 'breach' && x.file === T1B && x.after === undefined));
    assert.ok(recs.some((x) => x.event === 'breach' && x.file === T2));
    assert.ok(!recs.some((x) => x.event === 'restore' && x.file === T2));
    // Nothing new: the kept tier-2 change is already recorded and not recorded again.
    const count = recs.length;
    const again = r.cli(['watch', '--once']);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.equal(auditRecords(r).length, count);
  });

  test('a grant in force (from protected-files unlock) lets the change stand; after relock it is recorded, not restored', () => {
    const r = repo();
    const u = r.cli(['unlock', 'BOOKING_FLOW', '--reason', 'Raise the price for 2027']);
    assert.equal(u.code, 0, u.stderr);
    r.write(T1, 'export const price = 120;\n');
    assert.equal(r.cli(['watch', '--once']).code, 0);
    assert.equal(r.read(T1), 'export const price = 120;\n');
    assert.equal(breaches(r).length, 0);
    assert.equal(r.cli(['relock', 'BOOKING_FLOW']).code, 0);
    assert.equal(r.cli(['watch', '--once']).code, 0, 'the recorded change is the approved content now');
    assert.equal(r.read(T1), 'export const price = 120;\n');
  });

  test('a grant written into the store by hand (no owner certificate) does not stop the guard from restoring', async () => {
    const { r, store } = await signingCodeRepo();
    const now = Date.now();
    forgeGrant(store.path, now, now + 600_000);
    r.write(T1, 'export const price = 0; // agent\n');
    const res = r.cli(['watch', '--once']);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.equal(r.read(T1), APPROVED, 'restored despite the forged grant');
  });

  test('a grant written into the store by hand reaches its time limit: dropped, with no record of it (no change, no expire carrying its reason)', async () => {
    const { r, store } = await signingCodeRepo();
    await whileWatching(box, r, async (w) => {
      const count = auditRecords(r).length;
      const now = Date.now();
      forgeGrant(store.path, now - 60_000, now + 300);
      await w.saw(/a grant with no owner's certificate reached its time limit and was dropped/);
      assert.deepEqual(JSON.parse(readFileSync(store.path, 'utf8')).grants, []);
      assert.ok(!auditRecords(r).slice(count).some((x) => x.reason === 'forged by a script' || x.event === 'expire'), JSON.stringify(auditRecords(r).slice(count)));
    });
  });

  test('a protected file overwritten with 48 MB: restored, the breaching version backed up whole and recorded, and the guard never holds it in memory', { skip: process.platform === 'linux' ? false : 'reads /proc/self/status' }, () => {
    // The guard's peak memory, from inside its process: VmHWM of /proc/self/status counts only what
    // it touched after exec (getrusage's maxRSS keeps the peak of the forked test runner too).
    const peak = join(box.root, 'peak-rss.js');
    writeFileSync(peak, "process.on('exit', () => process.stderr.write(`PEAK_KB=${/VmHWM:\\s*(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]}\\n`));\n");
    const peakOf = (res: { stderr: string }): number => Number(/PEAK_KB=(\d+)/.exec(res.stderr)?.[1]);
    const env = { NODE_OPTIONS: `--require ${peak}` };
    // The same breach with a small version, for the baseline of the same process.
    const small = repo();
    small.write(T1, 'export const price = 0; // agent\n');
    const base = small.cli(['watch', '--once'], { env });
    assert.equal(base.code, 1, base.stdout + base.stderr);

    const r = repo();
    const chunk = Buffer.alloc(1 << 20, 'export const padding = "agent";\n');
    const big = join(r.dir, T1);
    writeFileSync(big, '');
    const hash = createHash('sha256');
    for (let i = 0; i < 48; i++) {
      appendFileSync(big, chunk);
      hash.update(chunk);
    }
    const expected = hash.digest('hex');
    const res = r.cli(['watch', '--once'], { env });
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.equal(r.read(T1), APPROVED);
    const b = breaches(r).find((x) => x.file === T1);
    assert.equal(b?.after, expected, 'the record names the breaching version');
    const backup = join(r.dir, b?.backup ?? '');
    assert.equal(statSync(backup).size, 48 << 20, 'the backup holds it whole');
    assert.ok(readFileSync(backup).equals(Buffer.concat(Array.from({ length: 48 }, () => chunk))));
    assert.ok(auditRecords(r).some((x) => x.event === 'restore' && x.file === T1));
    const grew = (peakOf(res) - peakOf(base)) / 1024;
    assert.ok(Number.isFinite(grew), res.stderr);
    assert.ok(grew < 24, `the guard's peak memory grew by ${grew.toFixed(0)} MB for a 48 MB version (it must not hold it)`);
  });

  test('a version larger than the 64 MB kept of one: restored and recorded with its hash and size, not copied', () => {
    // A script writing huge files to a locked file again and again must not fill the disk through the backups.
    const r = repo();
    const big = join(r.dir, T1);
    writeFileSync(big, '');
    const chunk = Buffer.alloc(1 << 20, 'x');
    const hash = createHash('sha256');
    for (let i = 0; i < 80; i++) {
      appendFileSync(big, chunk);
      hash.update(chunk);
    }
    const res = r.cli(['watch', '--once']);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.equal(r.read(T1), APPROVED);
    const b = breaches(r).find((x) => x.file === T1);
    assert.equal(b?.after, hash.digest('hex'), 'the record names the breaching version');
    assert.equal(b?.backup, undefined);
    assert.match(b?.detail ?? '', /not kept \(80 MB\): larger than the 64 MB kept of one version/);
    assert.match(res.stdout, /restored\. A copy of the change was not kept \(80 MB\)/);
    const kept = join(r.dir, '.protection', 'backups');
    const sizes = existsSync(kept) ? readdirSync(kept, { recursive: true }).map((f) => statSync(join(kept, String(f))).size) : [];
    assert.ok(sizes.every((size) => size < 1 << 20), `nothing large under .protection/backups: ${sizes.join(', ')}`);
  });

  test('the backups one guard keeps stop at its total: later versions are recorded with hash and size only', async () => {
    // The engine itself, with small limits (the defaults: 64 MB a version, 256 MB in all).
    const r = repo();
    const files = ['a', 'b', 'c', 'd'].map((x) => `src/booking/${x}.ts`);
    for (const f of files) r.write(f, `export const ${f.slice(12, 13)} = 1;\n`);
    r.commitAll('four more');
    const matcher = new ProtectionMatcher(parseManifest(WATCH_MANIFEST).manifest!);
    const outcomes: BreachOutcome[] = [];
    const engine = new BreachEngine({
      root: r.dir, recorder: new AuditRecorder(r.dir), env: box.env,
      policy: { classify: (rel) => matcher.classify(rel), grantFor: () => undefined, manifest: () => parseManifest(WATCH_MANIFEST).manifest },
      onOutcome: (o) => outcomes.push(o),
      backupLimits: { version: 1_000_000, total: 2_500_000 },
    });
    try {
      const sizes = [1_200_000, 900_000, 900_000, 900_000]; // over the version limit; kept; kept; over the total
      files.forEach((f, i) => writeFileSync(join(r.dir, f), Buffer.alloc(sizes[i], 'y')));
      await engine.scanAtStart();
      await engine.settled();
      for (const f of files) assert.match(r.read(f), /^export const/, `${f} restored`);
      const byFile = new Map(breaches(r).map((x) => [x.file, x]));
      // The four are handled side by side: which of the last three comes third is not fixed.
      assert.equal(byFile.get(files[0])?.backup, undefined);
      assert.match(byFile.get(files[0])?.detail ?? '', /not kept \(1 MB\): larger than the 1 MB kept of one version/);
      const rest = files.slice(1).map((f) => byFile.get(f)!);
      assert.equal(rest.filter((x) => x.backup !== undefined).length, 2, 'two fit in the total');
      const refused = rest.filter((x) => x.backup === undefined);
      assert.equal(refused.length, 1);
      assert.match(refused[0].detail ?? '', /not kept \(1 MB\): this guard has kept 2 MB of changed versions, its limit is 2 MB/);
      for (const f of files) assert.equal(byFile.get(f)?.after, sha256(Buffer.alloc(sizes[files.indexOf(f)], 'y')), `${f}: the record names the version`);
      assert.equal(outcomes.filter((o) => o.notKept).length, 2);
    } finally {
      engine.dispose();
    }
  });

  test('a protected file replaced by a named pipe neither hangs the guard nor stays: the approved content comes back', { skip: process.platform === 'win32' ? 'no mkfifo' : false }, () => {
    const r = repo();
    sh(r, `rm ${T1} && mkfifo ${T1}`);
    const t0 = Date.now();
    const res = r.cli(['watch', '--once']);
    assert.ok(Date.now() - t0 < 30_000, 'watch --once did not wait for a writer on the pipe');
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.ok(lstatSync(join(r.dir, T1)).isFile(), 'a regular file again');
    assert.equal(r.read(T1), APPROVED);
  });

  test('a folder in place of a protected file: moved aside into the backups, the file restored, a breach recorded; exit 1', () => {
    const r = repo();
    sh(r, `rm ${T1} && mkdir ${T1} && echo x > ${T1}/inner.ts`);
    const res = r.cli(['watch', '--once']);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.doesNotMatch(res.stdout, /No breach/);
    assert.ok(lstatSync(join(r.dir, T1)).isFile(), 'a regular file again');
    assert.equal(r.read(T1), APPROVED);
    const b = breaches(r).find((x) => x.file === T1);
    assert.match(b?.detail ?? '', /a folder in place of the file/);
    assert.equal(readFileSync(join(r.dir, b?.backup ?? '', 'inner.ts'), 'utf8'), 'x\n', 'the folder is kept whole in the backups');
  });

  test('a symbolic link in place of a protected folder (to a folder outside): the link removed, the files restored in a real folder, nothing outside written', () => {
    const r = repo();
    const outside = join(box.root, `outside-dir-${name()}`);
    mkdirSync(outside);
    writeFileSync(join(outside, 'price.ts'), 'export const price = 0; // outside\n');
    sh(r, `rm -rf src/booking && ln -s ${outside} src/booking`);
    const res = r.cli(['watch', '--once']);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.ok(lstatSync(join(r.dir, 'src/booking')).isDirectory(), 'a real folder again');
    assert.equal(r.read(T1), APPROVED);
    assert.equal(r.read(T1B), 'export const cart = [];\n');
    assert.equal(readFileSync(join(outside, 'price.ts'), 'utf8'), 'export const price = 0; // outside\n', 'the folder outside is untouched');
    assert.deepEqual(readdirSync(outside), ['price.ts']);
    assert.match(breaches(r).find((x) => x.file === T1)?.detail ?? '', /a symbolic link to .* in place of the folder src\/booking/);
  });

  test('git checkout -- over an approved change is a breach: the recorded content comes back', () => {
    const r = repo();
    assert.equal(r.cli(['unlock', 'BOOKING_FLOW', '--reason', 'Raise the price for 2027']).code, 0);
    r.write(T1, 'export const price = 120;\n');
    assert.equal(r.cli(['record']).code, 0);
    r.git('checkout', '--', T1);
    assert.equal(r.read(T1), APPROVED, 'git put HEAD back');
    assert.equal(r.cli(['watch', '--once']).code, 1);
    assert.equal(r.read(T1), 'export const price = 120;\n');
  });

  test('the approved copies deleted (rm -rf .protection/backups) before a breach: the recorded content still comes back', () => {
    // An agent's script: remove what the guard restores from, then write the locked file.
    const r = repo();
    assert.equal(r.cli(['unlock', 'BOOKING_FLOW', '--reason', 'Raise the price for 2027']).code, 0);
    r.write(T1, 'export const price = 120;\n');
    assert.equal(r.cli(['record']).code, 0);
    sh(r, `rm -rf .protection/backups && printf 'export const price = 0;\n' > ${T1}`);
    const res = r.cli(['watch', '--once']);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.equal(r.read(T1), 'export const price = 120;\n', 'the approved content, not HEAD\'s and not the write');
    const hash = sha256('export const price = 120;\n');
    assert.equal(readFileSync(join(r.dir, '.protection', 'backups', 'approved', hash), 'utf8'), 'export const price = 120;\n', 'the copy is put back');
  });

  test('an untracked protected file with no record is adopted, not a breach; a broken manifest fails with exit 2', () => {
    const r = repo();
    r.write('src/booking/new.ts', 'export const n = 1;\n');
    assert.equal(r.cli(['watch', '--once']).code, 0);
    assert.equal(breaches(r).length, 0);
    r.write('.protection/manifest.jsonc', '{ "tiers": ');
    const res = r.cli(['watch', '--once']);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /manifest/);
  });
});

describe('protected-files watch (foreground, VS Code closed)', () => {
  const routes: [string, (r: Repo) => void, boolean][] = [
    ['a plain write', (r) => sh(r, `printf 'export const hacked = 1;\\n' > ${T1}`), true],
    ['sed -i', (r) => sh(r, `sed -i 's/100/0/' ${T1}`), true],
    ['a temp file moved over it', (r) => sh(r, `printf 'replaced\\n' > /tmp/pf-watch.$$ && mv /tmp/pf-watch.$$ ${T1}`), true],
    ['rm', (r) => sh(r, `rm ${T1}`), false],
    ['a rename', (r) => sh(r, `mv ${T1} ${T1}.moved`), false],
  ];
  for (const [name, write, hasBackup] of routes) {
    test(`${name}: backed up, recorded and restored`, async () => {
      const r = repo();
      const w = new Watcher(box, r);
      try {
        await w.saw(/checked at start/);
        const count = auditRecords(r).length;
        write(r);
        await waitFor(`${T1} restored`, () => existsSync(join(r.dir, T1)) && r.read(T1) === APPROVED);
        await waitFor('the restore record', () => auditRecords(r).slice(count).some((x) => x.event === 'restore'));
        await sleep(300);
        const added = auditRecords(r).slice(count);
        assert.equal(added[0]?.event, 'breach');
        assert.equal(added[0]?.file, T1);
        assert.equal(added[0]?.before, sha256(APPROVED));
        if (hasBackup) assert.ok(added[0]?.backup, 'the breaching content is backed up');
        const hashes = added.filter((x) => x.event === 'breach').map((x) => x.after);
        assert.equal(new Set(hashes).size, hashes.length, 'each version recorded once');
        assert.match(w.out, /src\/booking\/price\.ts \(T1 · BOOKING_FLOW\) was (changed|deleted) outside the editor while locked: the approved content was restored/);
      } finally {
        assert.equal(await w.stop(), 0);
      }
    });
  }

  test('the folder of protected files moved away and made again with a write: treated as rm -rf, every file restored and recorded', async () => {
    const r = repo();
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      sh(r, `mv src ${join(box.root, `src-away-${name()}`)} && mkdir -p src/booking && echo evil > ${T1}`);
      await waitFor('both files back', () => existsSync(join(r.dir, T1B)) && r.read(T1) === APPROVED);
      assert.equal(r.read(T1B), 'export const cart = [];\n');
      await waitFor('the breaches recorded', () => breaches(r).some((x) => x.file === T1) && breaches(r).some((x) => x.file === T1B));
      // The folder made again is watched: a later write to it is restored too.
      const count = auditRecords(r).length;
      sh(r, `echo again > ${T1}`);
      await waitFor('restored again', () => r.read(T1) === APPROVED && auditRecords(r).slice(count).some((x) => x.event === 'restore'));
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });

  test('a protected file replaced by a symbolic link: nothing outside is written, the link becomes the approved file again, a breach recorded', async () => {
    const r = repo();
    const outside = join(box.root, `outside-${name()}.txt`);
    writeFileSync(outside, 'victim\n');
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      sh(r, `ln -sf ${outside} ${T1}`);
      await waitFor('a regular file again', () => lstatSync(join(r.dir, T1)).isFile() && r.read(T1) === APPROVED);
      await waitFor('the breach recorded', () => breaches(r).some((x) => x.file === T1 && /a symbolic link to .* in place of the file/.test(x.detail ?? '')));
      assert.equal(readFileSync(outside, 'utf8'), 'victim\n', 'the file outside is untouched');
      // A link to another protected file: a file of its own again, with its own approved content.
      sh(r, `ln -sf cart.ts ${T1}`);
      await waitFor('a regular file again', () => lstatSync(join(r.dir, T1)).isFile() && r.read(T1) === APPROVED);
      assert.equal(r.read(T1B), 'export const cart = [];\n');
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });

  test('a link git tracks under a locked glob stays a link: retargeted, or a file with its target\'s text put in its place, the link comes back', { skip: process.platform === 'win32' ? 'symbolic links' : false }, async () => {
    const r = repo();
    const LINK = 'src/booking/current.ts';
    const isLinkTo = (target: string): boolean => lstatSync(join(r.dir, LINK)).isSymbolicLink() && readlinkSync(join(r.dir, LINK)) === target;
    sh(r, `ln -s price.ts ${LINK}`);
    r.commitAll('a link to the current price');
    const count = auditRecords(r).length;
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      await sleep(300);
      assert.ok(isLinkTo('price.ts'), 'left as git has it');
      assert.equal(auditRecords(r).length, count, 'nothing recorded for a link git tracks');
      sh(r, `ln -sfn cart.ts ${LINK}`);
      await waitFor('the link to price.ts back', () => isLinkTo('price.ts'));
      await waitFor('the breach recorded', () => breaches(r, count).some((x) => x.file === LINK));
      await sleep(2_100); // past the first breach's episode
      sh(r, `rm ${LINK} && printf 'price.ts' > ${LINK}`);
      await waitFor('a link again, not a file', () => isLinkTo('price.ts'));
      assert.equal(r.read(T1), APPROVED, 'the file it points to is untouched');
      assert.equal(r.git('status', '--porcelain', '--', 'src'), '', 'the work tree is as git has it');
    } finally {
      assert.equal(await w.stop(), 0);
    }
    assert.equal(r.cli(['watch', '--once']).code, 0, 'no breach left for the next check');
  });

  test('a build writes 1,500 folders where `**/*.sql` may protect files: at most 500 are watched, said once; once it is gone, a new folder is watched again', { skip: process.platform !== 'linux' ? 'inotify watches are counted in /proc' : false }, async () => {
    const r = box.repo(name(), { manifest: WATCH_MANIFEST.replace('"files": ["db/migrations/**"]', '"files": ["**/*.sql"]') });
    r.write(T2, 'create table bookings (id int);\n');
    r.commitAll('a migration');
    const w = new Watcher(box, r);
    /** The inotify watches the guard holds (one per folder it watches). */
    const watches = (): number => readdirSync(`/proc/${w.child.pid}/fd`).reduce((sum, fd) => {
      try {
        if (readlinkSync(`/proc/${w.child.pid}/fd/${fd}`) !== 'anon_inode:inotify') return sum;
        return sum + readFileSync(`/proc/${w.child.pid}/fdinfo/${fd}`, 'utf8').split('\n').filter((l) => l.startsWith('inotify')).length;
      } catch {
        return sum;
      }
    }, 0);
    try {
      await w.saw(/checked at start/);
      const before = watches();
      sh(r, 'mkdir -p build && cd build && for i in $(seq 1 750); do mkdir -p d$i/sub; done');
      await w.saw(/more than 500 new folders where the manifest's globs may protect files/);
      await sleep(500);
      const during = watches();
      assert.ok(during <= before + 500, `${during} watches (${before} before the build)`);
      assert.ok(during >= before + 400, `${during} watches: new folders are still watched up to the bound`);
      assert.equal(w.out.match(/more than 500 new folders/g)?.length, 1, 'said once');
      sh(r, 'rm -rf build');
      await waitFor('the build\'s watches given back', () => watches() <= before + 1);
      await sleep(500); // the guard forgets the build's folders once their events are in
      sh(r, 'mkdir -p db/seeds && printf "insert into bookings values (1);\\n" > db/seeds/one.sql');
      await waitFor('the new file in a new folder recorded', () => breaches(r).some((x) => x.file === 'db/seeds/one.sql'));
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });

  test('a protected file hard-linked before the guard starts: the link is broken at start, a write through the other name changes nothing', async () => {
    const r = repo();
    const twin = join(box.root, `twin-${name()}.ts`);
    sh(r, `ln ${T1} ${twin}`);
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      await waitFor('the link broken', () => statSync(join(r.dir, T1)).nlink === 1);
      writeFileSync(twin, 'export const price = 1;\n');
      await sleep(300);
      assert.equal(r.read(T1), APPROVED);
      assert.match(breaches(r).find((x) => x.file === T1)?.detail ?? '', /hard-linked \(2 names for it\)/);
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });

  test('a new folder under a protected glob: watched from when it appears; its new files (mkdir -p and a write at once) recorded', async () => {
    const r = repo();
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      sh(r, 'mkdir src/booking/sub && echo y > src/booking/sub/new.ts');
      await waitFor('the new file recorded', () => breaches(r).some((x) => x.file === 'src/booking/sub/new.ts' && x.after === sha256('y\n')));
      sh(r, 'mkdir -p src/booking/a/b && echo z > src/booking/a/b/deep.ts');
      await waitFor('the deep file recorded', () => breaches(r).some((x) => x.file === 'src/booking/a/b/deep.ts'));
      sh(r, 'echo w > src/booking/a/b/later.ts');
      await waitFor('a later file in the new folder recorded', () => breaches(r).some((x) => x.file === 'src/booking/a/b/later.ts'));
      assert.ok(!breaches(r).some((x) => x.file === 'src/booking/sub' || x.file === 'src/booking/a'), 'a folder is not a protected file');
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });

  test('git checkout -- over an approved change, and a tier-2 write kept and recorded once', async () => {
    const r = repo();
    assert.equal(r.cli(['unlock', 'BOOKING_FLOW', '--reason', 'Raise the price for 2027']).code, 0);
    r.write(T1, 'export const price = 120;\n');
    assert.equal(r.cli(['record']).code, 0);
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      const count = auditRecords(r).length;
      sh(r, `git checkout -- ${T1}`);
      await waitFor('the recorded content back', () => r.read(T1) === 'export const price = 120;\n');
      sh(r, `printf 'drop table bookings;\\n' >> ${T2}`);
      await waitFor('the tier-2 breach', () => breaches(r, count).some((x) => x.file === T2));
      await sleep(500);
      assert.equal(r.read(T2), 'create table bookings (id int);\ndrop table bookings;\n', 'warn keeps it');
      assert.equal(breaches(r, count).filter((x) => x.file === T2).length, 1);
      assert.match(w.out, /db\/migrations\/001\.sql \(T2 · MIGRATIONS\) was changed outside the editor while locked\. The change was kept/);
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });

  test('a write under a grant made with protected-files unlock is left alone; after relock a write is restored', async () => {
    const r = repo();
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      assert.equal(r.cli(['unlock', 'BOOKING_FLOW', '--reason', 'Raise the price for 2027']).code, 0);
      r.write(T1, 'export const price = 120;\n');
      await sleep(400);
      assert.equal(r.read(T1), 'export const price = 120;\n');
      assert.equal(breaches(r).length, 0);
      assert.equal(r.cli(['relock', 'BOOKING_FLOW']).code, 0);
      sh(r, `printf 'x\\n' > ${T1}`);
      await waitFor('the recorded content back', () => r.read(T1) === 'export const price = 120;\n');
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });

  test('two guards on one folder: one acts, the other stands by; exactly one breach record per write; the survivor takes over', async () => {
    const r = repo();
    const a = new Watcher(box, r);
    await a.saw(/checked at start/);
    const b = new Watcher(box, r);
    try {
      await b.saw(/standing by: protected-files watch \(pid \d+\)/);
      for (let i = 0; i < 3; i++) {
        const count = auditRecords(r).length;
        writeFileSync(join(r.dir, `${T1}.tmp-${i}`), `export const price = ${i}; // script\n`);
        renameSync(join(r.dir, `${T1}.tmp-${i}`), join(r.dir, T1)); // one atomic write
        await waitFor('restored', () => r.read(T1) === APPROVED && auditRecords(r).slice(count).some((x) => x.event === 'restore'));
        await sleep(400);
        assert.deepEqual(auditRecords(r).slice(count).map((x) => x.event), ['breach', 'restore'], `write ${i}`);
      }
      assert.doesNotMatch(b.out, /was changed/, 'the standing-by guard did nothing');
      a.child.kill('SIGKILL'); // a guard that dies without releasing its lease
      await a.exit;
      await b.saw(/this process is the guard now/, 8000);
      await b.saw(/checked at start/);
      const count = auditRecords(r).length;
      sh(r, `printf 'after the takeover\\n' > /tmp/pf-watch2.$$ && mv /tmp/pf-watch2.$$ ${T1}`);
      await waitFor('restored by the survivor', () => r.read(T1) === APPROVED && auditRecords(r).slice(count).some((x) => x.event === 'restore'));
      await sleep(400);
      assert.deepEqual(auditRecords(r).slice(count).map((x) => x.event), ['breach', 'restore']);
    } finally {
      assert.equal(await b.stop(), 0);
    }
  });

  test('a lease forged over the active guard\'s (an agent\'s shell, naming a live process) does not stop it', async () => {
    // Were the guard to stand down on finding another token in its lease, one echo (touched every few
    // seconds) would switch off every guard of the folder: it keeps guarding and keeps the file fresh.
    const r = repo();
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      const dir = join(r.dir, '.git', 'protected-files');
      const lease = join(dir, readdirSync(dir).find((f) => f.endsWith('.guard'))!);
      writeFileSync(lease, JSON.stringify({ pid: 1, host: hostname(), who: 'VS Code', at: Date.now(), token: 'forged' }));
      // Past the guard's next heartbeat (every 10 s), the forged lease touched as an agent's loop would.
      for (let waited = 0; waited < 11_000; waited += 2_000) {
        await sleep(2_000);
        const now = new Date();
        utimesSync(lease, now, now);
      }
      const count = auditRecords(r).length;
      sh(r, `printf 'written after the forged lease\\n' > ${T1}`);
      await waitFor('restored by the guard under the forged lease', () => r.read(T1) === APPROVED && auditRecords(r).slice(count).some((x) => x.event === 'restore'));
      assert.doesNotMatch(w.out, /standing by/);
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });

  test('kill -9 right after a restore: the refused version is already backed up', async () => {
    const r = repo();
    const w = new Watcher(box, r);
    await w.saw(/checked at start/);
    const evil = 'export const price = 0; // refused\n';
    const backups = join(r.dir, '.protection', 'backups');
    const keptCopy = (): boolean => existsSync(backups) && readdirSync(backups, { recursive: true })
      .some((f) => String(f).endsWith('price.ts') && readFileSync(join(backups, String(f)), 'utf8') === evil);
    writeFileSync(join(r.dir, T1), evil);
    await waitFor(`${T1} restored`, () => r.read(T1) === APPROVED, 10_000);
    w.child.kill('SIGKILL');
    await w.exit;
    assert.ok(keptCopy(), 'the breaching version was backed up before the approved content went back');
  });

  test('.git gone while watching: a write is kept and recorded as such, loudly; with .git back, --once restores it, records the restore and exits 1', async () => {
    const r = repo();
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      renameSync(join(r.dir, '.git'), join(r.dir, '.git-away'));
      writeFileSync(join(r.dir, T1), 'export const price = 0; // while .git was away\n');
      await waitFor('the breach record', () => breaches(r).some((x) => x.file === T1));
      await w.saw(/approved content unavailable \(git HEAD unreadable\)/);
      assert.match(breaches(r).find((x) => x.file === T1)?.detail ?? '', /approved content unavailable \(git HEAD unreadable\)/);
    } finally {
      w.child.kill('SIGINT');
      await w.exit;
    }
    renameSync(join(r.dir, '.git-away'), join(r.dir, '.git'));
    const count = auditRecords(r).length;
    const res = r.cli(['watch', '--once']);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.equal(r.read(T1), APPROVED);
    assert.match(res.stdout, /src\/booking\/price\.ts \(T1 · BOOKING_FLOW\) was changed while locked and nothing was watching: the approved content was restored/);
    const added = auditRecords(r).slice(count);
    assert.deepEqual(added.map((x) => [x.event, x.file, x.after]), [['restore', T1, sha256(APPROVED)]]);
  });

  test('.git gone while watching, a file restored before: restored again from the kept copy of HEAD\'s version', async () => {
    const r = repo();
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      writeFileSync(join(r.dir, T1), 'export const price = 1;\n');
      await waitFor('the first restore recorded', () => auditRecords(r).some((x) => x.event === 'restore' && x.file === T1));
      await waitFor('HEAD\'s version kept', () => existsSync(join(r.dir, '.git', 'protected-files', 'approved', sha256(APPROVED))));
      renameSync(join(r.dir, '.git'), join(r.dir, '.git-away'));
      await sleep(2_100); // past the first write's episode: the next is a new breach
      writeFileSync(join(r.dir, T1), 'export const price = 2;\n');
      await waitFor('the second restore recorded', () => auditRecords(r).filter((x) => x.event === 'restore' && x.file === T1).length === 2);
      assert.equal(r.read(T1), APPROVED);
      // The guard's own copies never make a `.git` folder again (git would then see a broken repository there).
      await sleep(300);
      assert.equal(existsSync(join(r.dir, '.git')), false, 'no .git made by the guard');
    } finally {
      w.child.kill('SIGINT');
      await w.exit;
      if (existsSync(join(r.dir, '.git-away'))) renameSync(join(r.dir, '.git-away'), join(r.dir, '.git'));
    }
  });

  test('Ctrl+C stops it, exit 0, and gives the lease back', async () => {
    const r = repo();
    const w = new Watcher(box, r);
    await w.saw(/checked at start/);
    const lease = join(r.dir, '.git', 'protected-files');
    const leaseFile = (): string | undefined => readdirSync(lease).find((f) => f.endsWith('.guard'));
    assert.ok(leaseFile(), 'the lease is held');
    assert.equal(await w.stop(), 0);
    assert.match(w.out, /stopped/);
    assert.equal(leaseFile(), undefined);
  });

  test('Ctrl+C as soon as it says it is watching, while the check at start still runs: exit 0, the lease given back', async () => {
    // Before: the handler came after the check at start, and a SIGINT before it ended the process at once, lease held.
    const r = repo();
    for (let i = 0; i < 200; i++) r.write(`src/booking/gen/f${i}.ts`, `export const v${i} = 0;\n`);
    r.commitAll('more protected files');
    const w = new Watcher(box, r);
    await w.saw(/watching \d+ protected file/);
    assert.equal(await w.stop(), 0);
    assert.match(w.out, /stopped/);
    assert.equal(readdirSync(join(r.dir, '.git', 'protected-files')).find((f) => f.endsWith('.guard')), undefined);
  });
});

describe('breach records and a held audit log lock', () => {
  test('a lock another live process keeps on the audit log delays the breach and restore records; they are written, in order, once it goes (never dropped)', async () => {
    const r = repo();
    const logs: string[] = [];
    const matcher = new ProtectionMatcher(parseManifest(WATCH_MANIFEST).manifest!);
    const engine = new BreachEngine({
      root: r.dir, recorder: new AuditRecorder(r.dir, Date.now, { lockTimeoutMs: 300, staleLockMs: 60_000 }), env: box.env,
      policy: { classify: (rel) => matcher.classify(rel), grantFor: () => undefined, manifest: () => parseManifest(WATCH_MANIFEST).manifest },
      log: (level, m) => logs.push(`${level}: ${m}`),
    });
    const lock = join(r.dir, '.protection', 'audit.jsonl.lock');
    // A live process of this host (pid 1) holding it, as a script keeping a fresh lock would.
    writeFileSync(lock, JSON.stringify({ pid: 1, host: hostname(), at: new Date().toISOString(), token: 'deadbeefdeadbeef' }));
    try {
      const count = auditRecords(r).length;
      r.write(T1, 'export const price = 0; // agent\n');
      engine.notify(T1);
      await engine.settled();
      assert.equal(r.read(T1), APPROVED, 'restored at once, lock or not');
      assert.equal(auditRecords(r).length, count, 'nothing written while the lock is held');
      assert.ok(logs.some((m) => /its breach record waits: The audit log is locked by process/.test(m)), logs.join('\n'));
      assert.ok(await engine.flushUnwritten() > 0, 'still waiting');
      rmSync(lock);
      assert.equal(await engine.flushUnwritten(), 0);
      const added = auditRecords(r).slice(count);
      assert.deepEqual(added.map((x) => x.event), ['breach', 'restore']);
      assert.match(added[0].detail ?? '', /recorded late: the audit log could not take it at/);
    } finally {
      rmSync(lock, { force: true });
      engine.dispose();
    }
  });
});

describe('GuardLease', () => {
  test('one holder at a time; released, the next takes it; a dead holder is replaced', async () => {
    const r = repo();
    const path = join(r.dir, '.git', 'lease.guard');
    const one = new GuardLease(path, 'one');
    const two = new GuardLease(path, 'two');
    assert.equal(await one.tryAcquire(), true);
    assert.equal(await two.tryAcquire(), false);
    assert.equal((await two.holder())?.who, 'one');
    await one.release();
    assert.equal(await two.tryAcquire(), true);
    await two.release();
    // A holder killed without releasing: its pid is gone on this host.
    writeFileSync(path, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), who: 'dead', at: 0, token: 'x' }));
    assert.equal(await one.tryAcquire(), true);
    await one.release();
    // A holder on another host is respected until the lease is old.
    writeFileSync(path, JSON.stringify({ pid: 1, host: 'elsewhere.example', who: 'remote', at: Date.now(), token: 'y' }));
    assert.equal(await two.tryAcquire(), false);
  });

  test('a lease deleted under its holder is written again, so a guard started later stands by; one naming another holder is kept and said (never given up: a forged lease would switch guards off)', async () => {
    const r = repo();
    const path = join(r.dir, '.git', 'lease.guard');
    const one = new GuardLease(path, 'one', 60);
    const two = new GuardLease(path, 'two', 60);
    const contested: string[] = [];
    one.whenContested((h) => contested.push(h.who));
    try {
      assert.equal(await one.tryAcquire(), true);
      rmSync(path);
      await waitFor('the lease written again by its holder', () => existsSync(path) && JSON.parse(readFileSync(path, 'utf8')).who === 'one');
      assert.equal(await two.tryAcquire(), false, 'a guard started later stands by');
      rmSync(path);
      assert.equal(await two.tryAcquire(), true, 'taken in the moment it was gone');
      await waitFor('the holder saying so', () => contested.length === 1);
      assert.deepEqual(contested, ['two']);
      assert.equal(one.isHeld, true, 'the holder keeps guarding');
    } finally {
      one.dispose();
      two.dispose();
    }
  });

  test('a lease written by hand that names a live process stops guards only until it is stale; a live holder keeps its lease by touching it', async () => {
    const r = repo();
    const path = join(r.dir, '.git', 'lease.guard');
    const staleMs = 1_000; // the holder touches it every ~333 ms: a loaded machine's timer delays stay well inside
    // An agent's shell: `echo '{"pid":1,…}' > .git/protected-files/….guard` (pid 1 is always alive).
    writeFileSync(path, JSON.stringify({ pid: 1, host: hostname(), who: 'VS Code', at: Date.now(), token: 'forged' }));
    const guard = new GuardLease(path, 'guard', staleMs);
    assert.equal(await guard.tryAcquire(), false, 'a fresh lease of a live process is respected');
    const old = new Date(Date.now() - 10 * staleMs);
    utimesSync(path, old, old);
    assert.equal(await guard.tryAcquire(), true, 'nobody touched it for longer than staleMs: taken over');
    // The real holder touches its lease: another guard standing by for several staleMs never takes it.
    const other = new GuardLease(path, 'other', staleMs);
    for (let i = 0; i < 4; i++) {
      await sleep(staleMs / 2);
      assert.equal(await other.tryAcquire(), false, `taken from a live holder after ${((i + 1) * staleMs) / 2} ms`);
    }
    await guard.release();
    assert.equal(await other.tryAcquire(), true);
    await other.release();
  });

  test('a named pipe at the lease: no holder, never waited on; judged by its age', { skip: process.platform === 'win32' ? 'no mkfifo' : false }, async () => {
    const r = repo();
    const path = join(r.dir, '.git', 'lease.guard');
    execFileSync('mkfifo', [path]);
    const guard = new GuardLease(path, 'guard', 300);
    const answer = Promise.race([guard.holder(), sleep(5_000).then(() => 'hung')]);
    assert.equal(await answer, undefined);
    const old = new Date(Date.now() - 10_000);
    utimesSync(path, old, old);
    assert.equal(await Promise.race([guard.tryAcquire(), sleep(5_000).then(() => 'hung')]), true, 'an old pipe is replaced by the lease');
    assert.ok(statSync(path).isFile());
    guard.releaseSync();
  });
});

describe('protected-files watch: temp files of a guard killed mid-write', () => {
  test('removed at start when the process that wrote them is gone (they counted as protected files and failed the gate); a live one\'s kept', () => {
    const r = repo();
    const dir = T1.slice(0, T1.lastIndexOf('/'));
    const name = T1.slice(T1.lastIndexOf('/') + 1);
    const dead = `${dir}/.${name}.${2 ** 22 + 12345}.0123456789ab.tmp`;
    const live = `${dir}/.${name}.${process.pid}.ba9876543210.tmp`;
    const other = `src/.notes.txt.${2 ** 22 + 12345}.0123456789ab.tmp`;
    for (const f of [dead, live]) r.write(f, 'export const price = 0;\n');
    r.write(other, 'x');
    const res = r.cli(['watch', '--once']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.ok(!existsSync(join(r.dir, dead)), 'left by a process that is gone: removed');
    assert.ok(existsSync(join(r.dir, live)), 'a live writer\'s: kept');
    assert.ok(existsSync(join(r.dir, other)), 'not beside a protected file: not ours to remove');
  });
});
