// `protected-files verify`: the built CLI against real temporary git repositories.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAuditLog, renderRecord, sealRecord, sha256 } from '../../src/core/audit';
import type { AuditRecord } from '../../src/core/audit';
import { AUDIT_RULES_VERSION, VERIFIED_LOGS_HEADER, VERIFIED_LOGS_LIMIT } from '../../src/node/verifiedLogs';
import { MANIFEST, Sandbox } from './cliHarness';
import type { Repo } from './cliHarness';

let box: Sandbox;
let n = 0;

before(() => {
  box = new Sandbox('verify');
});

after(() => {
  box.dispose();
});

/** A repository whose first commit brings the manifest and some files (no records needed: protection starts there). */
function project(): Repo {
  return box.project({
    'src/booking/a.ts': 'export const a = 1;\n',
    'src/booking/b.ts': 'export const b = 1;\n',
    'db/migrations/001.sql': 'create table t (id int);\n',
    'src/app.ts': 'console.log("app");\n',
  });
}

/**
 * `verify --staged`, run twice: as the installed pre-commit hook runs it (git's answers on standard
 * input, files read from the work tree where their ids match), then as a plain command; both must
 * print the same, to the byte, and exit alike.
 */
function verifyStaged(repo: Repo, args: string[] = []): ReturnType<Repo['cli']> {
  const hooked = repo.hooked(args);
  const direct = repo.cli(['verify', '--staged', ...args]);
  assert.deepEqual(hooked, direct, 'the hook\'s way (--git-output) and the plain command differ');
  return direct;
}

function violationLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.startsWith('  ') && !l.startsWith('  audit log:'));
}

/** Three approved changes (three change records), committed. */
async function threeRecords(repo: Repo): Promise<void> {
  await repo.approve('src/booking/a.ts', 'v2\n');
  await repo.approve('src/booking/b.ts', 'v2\n');
  await repo.approve('src/booking/a.ts', 'v3\n');
  repo.commitAll('three approved changes');
}

/** HEAD's log with record 2 edited by hand, committed past the hook, and one record appended and staged after it. */
function breakAtHead(repo: Repo): void {
  const lines = repo.auditLines();
  lines[1] = lines[1].replace('approved in the test', 'approved by nobody');
  repo.writeAuditLines(lines);
  repo.commitAll('a record edited by hand, committed past the hook');
  const records = parseAuditLog(repo.read('.protection/audit.jsonl')).records;
  repo.write('src/booking/a.ts', 'v4\n');
  const next = sealRecord({ event: 'change', at: '2026-11-22T11:00:00.000Z', actor: { name: 'Ann Tester', email: 'ann@example.com' }, file: 'src/booking/a.ts', reason: 'approved in the test', before: sha256('v3\n'), after: sha256('v4\n') }, records[records.length - 1]);
  repo.writeAuditLines([...lines, renderRecord(next)]);
  repo.git('add', '-A');
}

describe('verify --staged', () => {
  test('an approved change with its staged record passes', async () => {
    const repo = project();
    await repo.approve('src/booking/a.ts', 'export const a = 2;\n');
    repo.git('add', 'src/booking/a.ts', '.protection/audit.jsonl');
    const r = verifyStaged(repo);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout.split('\n')[0], 'PASS protected-files verify: 1 protected file(s) changed, all recorded');
    assert.match(r.stdout, /audit log: chain OK, 1 record\(s\), 1 new/);
  });

  test('an unapproved change fails with file, tier, component, the content hash and what to do', () => {
    const repo = project();
    repo.write('src/booking/a.ts', 'export const a = 666;\n');
    repo.git('add', 'src/booking/a.ts');
    const r = verifyStaged(repo);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(r.stdout.split('\n')[0], 'FAIL protected-files verify: 1 violation(s)');
    const hash = sha256('export const a = 666;\n');
    assert.deepEqual(violationLines(r.stdout), [`  src/booking/a.ts  T1 BOOKING_FLOW  changed without a matching audit record (content sha256 ${hash.slice(0, 12)}…)`]);
    assert.match(r.stdout, /Unlock it in VS Code \(Protected Files: Unlock…\), make the change and save, so that the change is recorded \(or, without VS Code: protected-files unlock <component>, make the change, protected-files record\); then stage \.protection\/audit\.jsonl too\./);
  });

  test('a work-tree audit log swapped for a named pipe neither hangs the gate nor changes its verdict', { skip: process.platform === 'win32' ? 'no mkfifo' : false }, () => {
    const repo = project();
    repo.write('src/booking/a.ts', 'export const a = 666;\n');
    repo.git('add', 'src/booking/a.ts');
    execFileSync('mkfifo', [join(repo.dir, '.protection', 'audit.jsonl')]);
    const t0 = Date.now();
    const r = verifyStaged(repo);
    assert.ok(Date.now() - t0 < 30_000, 'verify did not wait for a writer on the pipe');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /src\/booking\/a\.ts {2}T1 BOOKING_FLOW {2}changed without a matching audit record/);
  });

  test('content edited after approval fails', async () => {
    const repo = project();
    await repo.approve('src/booking/a.ts', 'export const a = 2;\n');
    repo.write('src/booking/a.ts', 'export const a = 2; // and a bit more\n');
    repo.git('add', '-A');
    const r = verifyStaged(repo);
    assert.equal(r.code, 1, r.stdout);
    const [line] = violationLines(r.stdout);
    assert.match(line, /^ {2}src\/booking\/a\.ts {2}T1 BOOKING_FLOW {2}edited after approval: the committed content does not match the last change record/);
  });

  test('a recorded change whose audit log is not staged fails and says to stage the log', async () => {
    const repo = project();
    await repo.approve('src/booking/a.ts', 'export const a = 3;\n');
    repo.git('add', 'src/booking/a.ts');
    const r = verifyStaged(repo);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /changed without a matching audit record .*the matching record is in the work tree's \.protection\/audit\.jsonl but not staged: git add \.protection\/audit\.jsonl/);
  });

  test('from a subdirectory: paths are still the top level\'s, the unstaged-record hint still found', async () => {
    const repo = project();
    await repo.approve('src/booking/a.ts', 'export const a = 4;\n');
    repo.git('add', 'src/booking/a.ts');
    const r = repo.cli(['verify', '--staged'], { cwd: join(repo.dir, 'src', 'booking') });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^ {2}src\/booking\/a\.ts {2}T1 BOOKING_FLOW {2}changed without .*not staged: git add \.protection\/audit\.jsonl$/m);
    repo.git('add', '.protection/audit.jsonl');
    assert.equal(repo.cli(['verify', '--staged'], { cwd: join(repo.dir, 'src') }).code, 0);
  });

  test('an unprotected change passes without any record', () => {
    const repo = project();
    repo.write('src/app.ts', 'console.log("changed");\n');
    repo.write('src/new.ts', 'new\n');
    repo.git('add', '-A');
    const r = verifyStaged(repo);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.stdout.split('\n')[0], 'PASS protected-files verify: no protected file changed');
  });

  test('a mode-only change (chmod +x) of a protected file is a change: it fails without a record new in this change', async () => {
    const repo = project();
    repo.makeExecutable('db/migrations/001.sql');
    repo.git('add', '-A');
    assert.match(repo.git('diff', '--cached', '--name-only'), /001\.sql/);
    const r = verifyStaged(repo);
    assert.equal(r.code, 1, r.stdout);
    assert.deepEqual(violationLines(r.stdout), ['  db/migrations/001.sql  T2 MIGRATIONS  mode 100644 → 100755 (made executable) without a change record new in this change for its content']);
    // With an edit recorded in the same change (unlock, edit, save in VS Code), the new mode goes along.
    await repo.approve('db/migrations/001.sql', 'create table t (id int, at text);\n');
    repo.git('add', '-A');
    assert.match(repo.git('diff', '--cached', '--raw', '--', 'db/migrations/001.sql'), /^:100644 100755 /);
    const ok = verifyStaged(repo);
    assert.equal(ok.code, 0, ok.stdout);
  });

  test('a deleted protected file without a record fails; with a delete record it passes', async () => {
    const repo = project();
    repo.git('rm', '-q', 'src/booking/b.ts');
    const r = verifyStaged(repo);
    assert.equal(r.code, 1);
    assert.deepEqual(violationLines(r.stdout), ['  src/booking/b.ts  T1 BOOKING_FLOW  deleted without a matching audit record (a delete record is needed)']);
    assert.match(r.stdout, /restore the file, or unlock it in VS Code and delete or rename it there/);

    await repo.record({ event: 'delete', file: 'src/booking/b.ts' });
    repo.git('add', '.protection/audit.jsonl');
    const ok = verifyStaged(repo);
    assert.equal(ok.code, 0, ok.stdout);
    assert.match(ok.stdout, /^PASS protected-files verify: 1 protected file\(s\) changed, all recorded/);
  });

  test('a deletion whose last record is a change is not approved', async () => {
    const repo = project();
    await repo.approve('src/booking/b.ts', 'export const b = 2;\n');
    repo.commitAll('approved change');
    repo.git('rm', '-q', 'src/booking/b.ts');
    const r = verifyStaged(repo);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /src\/booking\/b\.ts {2}T1 BOOKING_FLOW {2}deleted, but its last audit record \(seq 1\) approves a change, not a deletion/);
  });

  test('a rename inside protected files needs both records: the deletion of the old path and the new content', async () => {
    const repo = project();
    repo.git('mv', 'src/booking/a.ts', 'src/booking/renamed.ts');
    const r = verifyStaged(repo);
    assert.equal(r.code, 1);
    assert.deepEqual(violationLines(r.stdout), [
      '  src/booking/a.ts  T1 BOOKING_FLOW  renamed to src/booking/renamed.ts without a matching audit record (a delete record is needed)',
      `  src/booking/renamed.ts  T1 BOOKING_FLOW  renamed from src/booking/a.ts without a matching audit record (content sha256 ${sha256('export const a = 1;\n').slice(0, 12)}…)`,
    ]);

    // The editor records a rename as one change record with `from`: it approves both halves.
    await repo.record({ event: 'change', file: 'src/booking/renamed.ts', from: 'src/booking/a.ts', after: sha256('export const a = 1;\n') });
    repo.git('add', '.protection/audit.jsonl');
    const ok = verifyStaged(repo);
    assert.equal(ok.code, 0, ok.stdout);
    assert.match(ok.stdout, /2 protected file\(s\) changed, all recorded/);
  });

  test('a rename out of protection needs only the delete record; into protection only the change record', async () => {
    const repo = project();
    repo.git('mv', 'src/booking/a.ts', 'src/a.ts');
    repo.git('mv', 'src/app.ts', 'src/booking/app.ts');
    const r = verifyStaged(repo);
    assert.equal(r.code, 1);
    const lines = violationLines(r.stdout);
    assert.equal(lines.length, 2, r.stdout);
    assert.match(lines[0], /^ {2}src\/booking\/a\.ts .*renamed to src\/a\.ts without a matching audit record \(a delete record is needed\)/);
    assert.match(lines[1], /^ {2}src\/booking\/app\.ts .*renamed from src\/app\.ts without a matching audit record/);

    await repo.record({ event: 'delete', file: 'src/booking/a.ts' });
    await repo.record({ event: 'change', file: 'src/booking/app.ts', after: sha256('console.log("app");\n') });
    repo.git('add', '.protection/audit.jsonl');
    const ok = verifyStaged(repo);
    assert.equal(ok.code, 0, ok.stdout);
  });

  test('the manifest is protected like any file', async () => {
    const repo = project();
    const loosened = MANIFEST.replace('"src/booking/**"', '"src/booking/none/**"');
    repo.write('.protection/manifest.jsonc', loosened);
    repo.write('src/booking/a.ts', 'unapproved\n');
    repo.git('add', '-A');
    const r = verifyStaged(repo);
    assert.equal(r.code, 1);
    const lines = violationLines(r.stdout);
    // Unprotecting a file and changing it in one commit does not work: the manifest before still protects it.
    assert.ok(lines.some((l) => l.startsWith('  .protection/manifest.jsonc  T1 .protection  changed without a matching audit record')), r.stdout);
    assert.ok(lines.some((l) => l.startsWith('  src/booking/a.ts  T1 BOOKING_FLOW  changed without')), r.stdout);

    await repo.record({ event: 'change', file: '.protection/manifest.jsonc', after: sha256(loosened) });
    await repo.record({ event: 'change', file: 'src/booking/a.ts', component: 'BOOKING_FLOW', after: sha256('unapproved\n') });
    repo.git('add', '-A');
    assert.equal(verifyStaged(repo).code, 0);
  });

  test('a log that only grows (an unlock record, no file change) passes', async () => {
    const repo = project();
    await repo.record({ event: 'unlock', file: 'src/booking/a.ts', component: 'BOOKING_FLOW' });
    await repo.record({ event: 'relock', file: 'src/booking/a.ts', component: 'BOOKING_FLOW' });
    repo.git('add', '-A');
    const r = verifyStaged(repo);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /chain OK, 2 record\(s\), 2 new/);
  });

  test('a record edited by hand breaks the chain and fails', async () => {
    const repo = project();
    await threeRecords(repo);
    const lines = repo.auditLines();
    lines[1] = lines[1].replace('approved in the test', 'approved by nobody');
    repo.writeAuditLines(lines);
    repo.git('add', '-A');
    const r = verifyStaged(repo);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^ {2}\.protection\/audit\.jsonl {2}T1 \.protection {2}the audit chain is broken: Record 2 \(seq 2\) was changed after it was written/m);
    assert.match(r.stdout, /record 2 \(seq 2, change src\/booking\/b\.ts\) of the earlier log was removed or rewritten: the log may only grow/);
    assert.match(r.stdout, /restore \.protection\/audit\.jsonl from HEAD/);
  });

  test('a chain already broken at HEAD (committed with --no-verify) still fails when the change only appends to it', async () => {
    // The gate checks HEAD's part of the log while git reads the index, then only the appended records
    // against it: the break committed earlier must still be found.
    const repo = project();
    await threeRecords(repo);
    breakAtHead(repo);
    const r = verifyStaged(repo);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /the audit chain is broken: Record 2 \(seq 2\) was changed after it was written/);
    assert.doesNotMatch(r.stdout, /of the earlier log was removed or rewritten/, 'the staged log only appends to HEAD\'s');
  });

  test('a record removed from the middle fails', async () => {
    const repo = project();
    await threeRecords(repo);
    const lines = repo.auditLines();
    repo.writeAuditLines([lines[0], lines[2]]);
    repo.git('add', '-A');
    const r = verifyStaged(repo);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /the audit chain is broken: Record 2 \(seq 3\) does not follow record 1/);
  });

  test('a record removed and the rest re-sealed (a valid chain) still fails: the log may only grow', async () => {
    const repo = project();
    await threeRecords(repo);
    const records = parseAuditLog(repo.read('.protection/audit.jsonl')).records;
    const kept = [records[0], records[2]];
    const resealed: AuditRecord[] = [];
    for (const r of kept) {
      resealed.push(sealRecord(r, resealed[resealed.length - 1])); // sealRecord drops the old seq, prev and hash
    }
    repo.writeAuditLines(resealed.map(renderRecord));
    repo.git('add', '-A');
    const r = verifyStaged(repo);
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stdout, /chain is broken/);
    assert.match(r.stdout, /record 2 \(seq 2, change src\/booking\/b\.ts\) of the earlier log was removed or rewritten: the log may only grow/);
  });

  test('deleting the audit log fails', async () => {
    const repo = project();
    await threeRecords(repo);
    repo.git('rm', '-q', '.protection/audit.jsonl');
    const r = verifyStaged(repo);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /\.protection\/audit\.jsonl .*the audit log was deleted \(it had 3 record\(s\)\)/);
  });

  test('--json prints the machine-readable report', () => {
    const repo = project();
    repo.write('src/booking/a.ts', 'x\n');
    repo.git('add', '-A');
    const r = verifyStaged(repo, ['--json']);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(report.ok, false);
    assert.equal(report.mode, 'staged');
    assert.deepEqual(report.changed, [{ file: 'src/booking/a.ts', change: 'write', tier: 'tier1', component: 'BOOKING_FLOW', sha256: sha256('x\n') }]);
    const violations = report.violations as Record<string, unknown>[];
    assert.equal(violations.length, 1);
    assert.deepEqual(Object.keys(violations[0]).sort(), ['badge', 'component', 'file', 'kind', 'problem', 'tier']);
    assert.equal(violations[0].file, 'src/booking/a.ts');
    assert.equal(violations[0].tier, 'tier1');
    assert.equal(violations[0].component, 'BOOKING_FLOW');
    assert.equal(violations[0].kind, 'unrecorded');
    assert.deepEqual(report.chain, { ok: true, records: 0, newRecords: 0 });
  });

  test('the first commit of a repository (no HEAD) that brings the manifest passes', () => {
    const repo = box.repo(`r${++n}`, { manifest: false });
    repo.write('.protection/manifest.jsonc', MANIFEST);
    repo.write('src/booking/a.ts', 'a\n');
    repo.git('add', '-A');
    const r = verifyStaged(repo);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /the protection manifest is new in this change, so its 2 protected file\(s\) need no records yet/);
  });

  test('no manifest: exit 2 with what to do', () => {
    const repo = box.repo(`r${++n}`, { manifest: false });
    repo.write('a.txt', 'a\n');
    repo.commitAll('no manifest');
    repo.write('a.txt', 'b\n');
    repo.git('add', '-A');
    const r = verifyStaged(repo);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^protected-files: No protection manifest: \.protection\/manifest\.jsonc is not in the index nor in the version before\.\n {2}Create it in VS Code/);
  });

  test('a staged manifest with errors: exit 2 with line:column', () => {
    const repo = project();
    repo.write('.protection/manifest.jsonc', '{\n  "tiers": {,\n}\n');
    repo.git('add', '-A');
    const r = verifyStaged(repo);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /The protection manifest \.protection\/manifest\.jsonc in the index has \d+ error\(s\):\n {2}\.protection\/manifest\.jsonc:2:\d+ error: /);
  });

  test('not a git repository: exit 2', () => {
    const dir = box.dir(`plain${++n}`);
    const r = box.run(['verify', '--staged'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /is not inside a git repository\.\n {2}Run protected-files from the work tree/);
  });

  test('bad arguments: exit 2 with a pointer to the help', () => {
    const repo = project();
    for (const args of [['verify'], ['verify', '--staged', '--base', 'main'], ['verify', '--head', 'main'], ['verify', '--bogus'], ['verify', '--base']]) {
      const r = repo.cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^protected-files: .+\n {2}See protected-files verify --help\.\n$/, args.join(' '));
    }
  });
});

describe('verify --staged: the audit logs a clone found whole (.git/protected-files/verified-logs)', () => {
  const LIST = '.git/protected-files/verified-logs';
  /** A list as the gate writes it: each log's id and its number of records (3 unless told). */
  const listOf = (ids: string[], records = 3): string => `${VERIFIED_LOGS_HEADER}\n${ids.map((id) => `${id} ${records}\n`).join('')}`;
  const listed = (repo: Repo): string[] => (existsSync(join(repo.dir, LIST)) ? repo.read(LIST).split('\n').slice(1, -1).map((l) => l.split(' ')[0]) : []);

  test('a gate that finds the logs whole lists HEAD\'s and the staged one, and the next run, reading HEAD\'s without checking it again, says the same', async () => {
    const repo = project();
    await threeRecords(repo);
    await repo.approve('src/booking/b.ts', 'v3\n');
    repo.git('add', '-A');
    assert.equal(existsSync(join(repo.dir, LIST)), false);
    const first = verifyStaged(repo);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.deepEqual(listed(repo).sort(), [repo.git('rev-parse', 'HEAD:.protection/audit.jsonl'), repo.git('rev-parse', ':.protection/audit.jsonl')].sort());
    assert.equal(statSync(join(repo.dir, LIST)).mode & 0o777, 0o600);
    assert.deepEqual(repo.read(LIST).split('\n').slice(1, -1).map((l) => l.split(' ')[1]).sort(), ['3', '4'], 'each with its number of records');
    const again = verifyStaged(repo);
    assert.equal(again.stdout, first.stdout);
    assert.match(again.stdout, /chain OK, 4 record\(s\), 1 new/);
  });

  test('a listed log rewritten and committed past the hook is checked in full at the next commit: its id is new', async () => {
    const repo = project();
    await threeRecords(repo);
    assert.equal(verifyStaged(repo).code, 0);
    assert.deepEqual(listed(repo), [repo.git('rev-parse', 'HEAD:.protection/audit.jsonl')]);
    breakAtHead(repo);
    const r = verifyStaged(repo);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /the audit chain is broken: Record 2 \(seq 2\) was changed after it was written/);
    assert.equal(listed(repo).includes(repo.git('rev-parse', ':.protection/audit.jsonl')), false, 'a broken log is never listed');
    assert.equal(listed(repo).includes(repo.git('rev-parse', 'HEAD:.protection/audit.jsonl')), false);
  });

  test('the list is trusted by --staged only: verify --base (CI) checks every log it reads', async () => {
    const repo = project();
    await threeRecords(repo);
    repo.git('checkout', '-q', '-b', 'feature');
    breakAtHead(repo);
    repo.commitAll('one more record');
    // A list forged in the clone's git directory (refused to every agent tool, like the grants beside it):
    // the pre-commit gate takes HEAD's log as found whole. Anyone able to write it can commit past the hook.
    repo.write(LIST, listOf([repo.git('rev-parse', 'HEAD~1:.protection/audit.jsonl')]));
    repo.git('reset', '-q', '--soft', 'HEAD~1');
    const staged = verifyStaged(repo);
    assert.doesNotMatch(staged.stdout, /chain is broken/, 'the forged list is well formed: the pre-commit gate reads it');
    repo.git('commit', '-q', '--no-verify', '-m', 'again');
    const ci = repo.cli(['verify', '--base', 'main']);
    assert.equal(ci.code, 1, ci.stdout);
    assert.match(ci.stdout, /the audit chain is broken: Record 2 \(seq 2\) was changed after it was written/);
  });

  test('a commit that changes no protected file, with HEAD\'s log listed and unchanged, reads no record and says what the full check says', async () => {
    const repo = project();
    await threeRecords(repo);
    assert.equal(verifyStaged(repo).code, 0);
    assert.equal(listed(repo).length, 1);
    const cases: [string, () => void][] = [
      ['a plain file', () => repo.write('src/app.ts', 'console.log("v2");\n')],
      ['the log made executable (a mode change, the same bytes)', () => repo.makeExecutable('.protection/audit.jsonl')],
    ];
    for (const [what, change] of cases) {
      change();
      repo.git('add', '-A');
      const quick = [verifyStaged(repo), repo.cli(['verify', '--staged', '--json'])];
      // Each full run without the list (a run that finds the log whole lists it again).
      const full = [['verify', '--staged'], ['verify', '--staged', '--json']].map((args) => {
        rmSync(join(repo.dir, LIST));
        return repo.cli(args);
      });
      assert.deepEqual(quick, full, what);
      assert.match(quick[0].stdout, /chain OK, 3 record\(s\)\n/, what);
      assert.equal(listed(repo).length, 1, `${what}: listed again by the full check`);
      repo.git('commit', '-q', '--no-verify', '-m', what);
    }
  });

  test('a listed log too large to read ahead (over 256 KiB) is read when the decision needs it: the same answers as the full check', () => {
    const repo = project();
    const records: AuditRecord[] = [];
    for (let i = 0; records.length < 900; i++) {
      const body = { event: 'change' as const, at: new Date(Date.UTC(2026, 10, 1, 9, i)).toISOString(), actor: { name: 'Ann Tester', email: 'ann@example.com' }, file: `src/booking/h${i}.ts`, reason: `change ${i} approved in the test, with a reason long enough to be a real one`, before: sha256(`${i}`), after: sha256(`${i + 1}`) };
      records.push(sealRecord(body, records[records.length - 1]));
    }
    repo.writeAuditLines(records.map(renderRecord));
    assert.ok(repo.read('.protection/audit.jsonl').length > 256 * 1024);
    repo.commitAll('a long history');
    assert.equal(verifyStaged(repo).code, 0);
    assert.equal(listed(repo).length, 1);
    const cases: [string, () => void][] = [
      ['a plain file', () => repo.write('src/app.ts', 'console.log("v2");\n')],
      ['a protected file without its record', () => repo.write('src/booking/a.ts', 'export const a = 99;\n')],
      ['a record appended and the file it approves', () => {
        repo.write('src/booking/a.ts', 'export const a = 100;\n');
        const next = sealRecord({ event: 'change', at: '2026-11-30T10:00:00.000Z', actor: { name: 'Ann Tester', email: 'ann@example.com' }, file: 'src/booking/a.ts', reason: 'approved in the test', before: sha256('export const a = 1;\n'), after: sha256('export const a = 100;\n') }, records[records.length - 1]);
        repo.writeAuditLines([...records.map(renderRecord), renderRecord(next)]);
      }],
    ];
    for (const [what, change] of cases) {
      change();
      repo.git('add', '-A');
      const quick = repo.cli(['verify', '--staged', '--json']);
      // The staged log, read after the diff where it differs from HEAD's, is listed when whole.
      const stagedLog = repo.git('rev-parse', ':.protection/audit.jsonl');
      assert.equal(listed(repo).includes(stagedLog), true, what);
      rmSync(join(repo.dir, LIST));
      const full = repo.cli(['verify', '--staged', '--json']);
      assert.deepEqual(quick, full, what);
      repo.git('reset', '-q', '--hard');
    }
  });

  test('a listed log that does not read as whole after all (a line that is not JSON) is checked in full when a protected file changes', async () => {
    const repo = project();
    await threeRecords(repo);
    const lines = repo.auditLines();
    lines[1] = lines[1].replace('approved in the test', 'approved by nobody');
    repo.writeAuditLines([...lines, '{"seq": 4,']);
    repo.commitAll('an edited record and a broken line, committed past the hook');
    repo.write(LIST, listOf([repo.git('rev-parse', 'HEAD:.protection/audit.jsonl')]));
    repo.write('src/booking/b.ts', 'changed\n');
    repo.git('add', '-A');
    const r = verifyStaged(repo);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /Line 4 is not valid JSON/);
    assert.match(r.stdout, /the audit chain is broken: Record 2 \(seq 2\) was changed after it was written/);
  });

  test('a list that is not one this version wrote is not read: wrong header, a stray line, too many ids, a link, a folder, GIT_WORK_TREE', async () => {
    const repo = project();
    await threeRecords(repo);
    breakAtHead(repo);
    const id = repo.git('rev-parse', 'HEAD:.protection/audit.jsonl');
    const others = Array.from({ length: VERIFIED_LOGS_LIMIT }, (_, i) => sha256(String(i)).slice(0, 40));
    const elsewhere = join(box.dir(`list${++n}`), 'verified-logs');
    writeFileSync(elsewhere, listOf([id]));
    const path = join(repo.dir, LIST);
    const variants: [string, () => void, NodeJS.ProcessEnv?][] = [
      ['an older rules version', () => writeFileSync(path, listOf([id]).replace(`verified-logs ${AUDIT_RULES_VERSION} `, `verified-logs ${AUDIT_RULES_VERSION - 1} `))],
      ['the first form (ids without counts)', () => writeFileSync(path, `protected-files verified-logs ${AUDIT_RULES_VERSION}\n${id}\n`)],
      ['a count that is not a number', () => writeFileSync(path, listOf([id]).replace(/ 3\n/, ' 3x\n'))],
      ['a stray line', () => writeFileSync(path, `${listOf([id])}not an id\n`)],
      ['no final newline', () => writeFileSync(path, listOf([id]).slice(0, -1))],
      ['more ids than it keeps', () => writeFileSync(path, listOf([...others, id]))],
      ['a link to a list elsewhere', () => symlinkSync(elsewhere, path)],
      ['a folder', () => mkdirSync(path)],
      ['GIT_WORK_TREE set', () => writeFileSync(path, listOf([id])), { GIT_WORK_TREE: repo.dir }],
    ];
    for (const [what, make, env] of variants) {
      rmSync(path, { recursive: true, force: true });
      mkdirSync(dirname(path), { recursive: true });
      make();
      const r = repo.cli(['verify', '--staged'], { env });
      assert.match(r.stdout, /the audit chain is broken: Record 2 \(seq 2\)/, `${what}: ${r.stdout}${r.stderr}`);
    }
    // The same list, well formed, is read (so each variant above failed for its own reason).
    rmSync(path, { recursive: true, force: true });
    writeFileSync(path, listOf([id]));
    assert.doesNotMatch(verifyStaged(repo).stdout, /chain is broken/);
  });
});

describe('verify --base/--head', () => {
  function branchProject(): Repo {
    const repo = project();
    repo.git('checkout', '-q', '-b', 'feature');
    return repo;
  }

  test('a branch with approved changes passes against its base; an unapproved commit on top fails', async () => {
    const repo = branchProject();
    await repo.approve('src/booking/a.ts', 'feature a\n');
    repo.write('src/app.ts', 'unprotected change\n');
    const approved = repo.commitAll('approved');
    // main moves on meanwhile: what main did is not the branch's change (base...head).
    repo.git('checkout', '-q', 'main');
    repo.write('src/booking/b.ts', 'main changed b without a record\n');
    repo.commitAll('on main');
    repo.git('checkout', '-q', 'feature');

    const pass = repo.cli(['verify', '--base', 'main']);
    assert.equal(pass.code, 0, pass.stdout + pass.stderr);
    assert.match(pass.stdout, /^PASS protected-files verify: 1 protected file\(s\) changed, all recorded/);

    repo.write('src/booking/a.ts', 'sneaky\n');
    repo.commitAll('unapproved');
    const fail = repo.cli(['verify', '--base', 'main']);
    assert.equal(fail.code, 1);
    assert.match(fail.stdout, /src\/booking\/a\.ts {2}T1 BOOKING_FLOW {2}edited after approval/);
    assert.match(fail.stdout, /then commit \.protection\/audit\.jsonl too\./);

    const older = repo.cli(['verify', '--base', 'main', '--head', approved]);
    assert.equal(older.code, 0, older.stdout);

    const json = JSON.parse(repo.cli(['verify', '--base', 'main', '--json']).stdout) as { mode: string; base: string; head: string };
    assert.equal(json.mode, 'range');
    assert.equal(json.base, repo.git('merge-base', 'main', 'feature'));
    assert.equal(json.head, repo.git('rev-parse', 'HEAD'));
  });

  test('the manifest and the log are read from the verified commit, not the work tree', async () => {
    const repo = branchProject();
    await repo.approve('src/booking/a.ts', 'approved\n');
    repo.commitAll('approved');
    // The work tree's log loses the record and the manifest breaks: the commit is what counts.
    repo.write('.protection/audit.jsonl', '');
    repo.write('.protection/manifest.jsonc', '{ broken');
    const r = repo.cli(['verify', '--base', 'main']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  test('an unknown ref: exit 2', () => {
    const repo = branchProject();
    const r = repo.cli(['verify', '--base', 'origin/nope']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^protected-files: Unknown ref origin\/nope: git knows no commit by that name\.\n/);
    const head = repo.cli(['verify', '--base', 'main', '--head', 'nope']);
    assert.equal(head.code, 2);
    assert.match(head.stderr, /Unknown ref nope/);
    const json = repo.cli(['verify', '--base', 'origin/nope', '--json']);
    assert.equal(json.code, 2);
    const error = JSON.parse(json.stdout) as { ok: boolean; error: string; hint: string };
    assert.equal(error.ok, false);
    assert.equal(error.error, 'Unknown ref origin/nope: git knows no commit by that name.');
    assert.match(error.hint, /git fetch origin nope/);
  });

  test('a shallow clone without the base: exit 2 with the fetch-depth hint', async () => {
    const origin = branchProject();
    await origin.approve('src/booking/a.ts', 'feature\n');
    origin.commitAll('feature work');

    // Only the feature branch, one commit deep: main was never fetched.
    const single = box.dir(`shallow${++n}`);
    const clone = (dir: string, ...args: string[]): void => {
      origin.git('clone', '-q', ...args, `file://${origin.dir}`, dir);
    };
    clone(single + '/c', '--depth', '1', '--branch', 'feature');
    const r1 = box.run(['verify', '--base', 'origin/main'], { cwd: `${single}/c` });
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /Unknown ref origin\/main in this shallow clone/);
    assert.match(r1.stderr, /fetch-depth: 0/);

    // Both branches, one commit deep each: the base is there but the history joining them is not.
    const both = box.dir(`shallow${++n}`);
    clone(both + '/c', '--depth', '1', '--no-single-branch', '--branch', 'feature');
    const r2 = box.run(['verify', '--base', 'origin/main'], { cwd: `${both}/c` });
    assert.equal(r2.code, 2, r2.stdout + r2.stderr);
    assert.match(r2.stderr, /have no common commit in this shallow clone/);
    assert.match(r2.stderr, /fetch-depth: 0/);

    // A full clone verifies.
    const full = box.dir(`full${++n}`);
    clone(full + '/c', '--branch', 'feature');
    const r3 = box.run(['verify', '--base', 'origin/main'], { cwd: `${full}/c` });
    assert.equal(r3.code, 0, r3.stdout + r3.stderr);
  });
});
