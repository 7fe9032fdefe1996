// `protected-files verify`: a change of type, mode or symlink target, or a conflict in the index,
// is a change of the path. Attacks that used to pass as "no protected file changed": a protected
// file replaced by a submodule entry, a symlink, `git update-index --chmod=+x`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST, Sandbox } from './cliHarness';
import type { Repo } from './cliHarness';

let box: Sandbox;
let n = 0;

before(() => {
  box = new Sandbox('types');
});

after(() => {
  box.dispose();
});

function project(): Repo {
  return box.project({ 'src/booking/a.ts': 'export const a = 1;\n', 'src/app.ts': 'app\n' });
}

function violationLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.startsWith('  ') && !l.startsWith('  audit log:'));
}

/** Replaces `path` in the index by a submodule entry pointing at `commit` (what `git submodule add` leaves). */
function stageSubmodule(repo: Repo, path: string, commit: string): void {
  repo.git('rm', '-q', '--cached', path);
  repo.git('update-index', '--add', '--cacheinfo', `160000,${commit},${path}`);
}

function replaceBySymlink(repo: Repo, path: string, target: string): void {
  repo.remove(path);
  symlinkSync(target, join(repo.dir, path));
}

describe('verify: type and mode changes of protected paths', () => {
  test('a protected file replaced by a submodule entry fails, staged and as a range (it passed as "no changes")', () => {
    const repo = project();
    const head = repo.git('rev-parse', 'HEAD');
    stageSubmodule(repo, 'src/booking/a.ts', head);
    const staged = repo.cli(['verify', '--staged']);
    assert.equal(staged.code, 1, staged.stdout + staged.stderr);
    assert.deepEqual(violationLines(staged.stdout), [
      '  src/booking/a.ts  T1 BOOKING_FLOW  replaced by a submodule entry (mode 100644 → 160000); no audit record can approve a submodule entry in place of a protected file: restore it as a regular file',
    ]);
    assert.match(staged.stdout, /What to do: a protected path must stay a regular file/);

    repo.git('commit', '-q', '--no-verify', '-m', 'file to submodule');
    const range = repo.cli(['verify', '--base', 'HEAD~1']);
    assert.equal(range.code, 1, range.stdout + range.stderr);
    assert.match(range.stdout, /src\/booking\/a\.ts {2}T1 BOOKING_FLOW {2}replaced by a submodule entry/);
  });

  test('a protected file replaced by a symlink fails and names the target', () => {
    const repo = project();
    replaceBySymlink(repo, 'src/booking/a.ts', '../app.ts');
    repo.git('add', '-A');
    const r = repo.cli(['verify', '--staged']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(violationLines(r.stdout), [
      '  src/booking/a.ts  T1 BOOKING_FLOW  replaced by a symlink to "../app.ts" (mode 100644 → 120000); no audit record can approve a symlink in place of a protected file: restore it as a regular file',
    ]);
  });

  test('a symlink retargeted inside protection fails; a symlink added there fails', () => {
    const repo = box.repo(`r${++n}`, { manifest: false });
    repo.write('.protection/manifest.jsonc', MANIFEST);
    repo.write('src/app.ts', 'app\n');
    repo.write('src/other.ts', 'other\n');
    symlinkSync('../app.ts', join(repo.dir, 'src', 'link.ts'));
    repo.write('src/booking/real.ts', 'real\n');
    symlinkSync('real.ts', join(repo.dir, 'src', 'booking', 'link.ts'));
    repo.commitAll('initial, protection starts here');
    replaceBySymlink(repo, 'src/booking/link.ts', '../other.ts');
    symlinkSync('../../etc/passwd', join(repo.dir, 'src', 'booking', 'new.ts'));
    repo.git('add', '-A');
    const r = repo.cli(['verify', '--staged']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const lines = violationLines(r.stdout).sort();
    assert.equal(lines.length, 2, r.stdout);
    assert.match(lines[0], /^ {2}src\/booking\/link\.ts {2}T1 BOOKING_FLOW {2}changed: now a symlink to "\.\.\/other\.ts"; no audit record can approve a symlink/);
    assert.match(lines[1], /^ {2}src\/booking\/new\.ts {2}T1 BOOKING_FLOW {2}added as a symlink to "\.\.\/\.\.\/etc\/passwd"; /);
  });

  test('git update-index --chmod=+x (index only) is a change of the path; removing the bit in a commit too', () => {
    const repo = project();
    repo.git('update-index', '--chmod=+x', 'src/booking/a.ts');
    const r = repo.cli(['verify', '--staged']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(violationLines(r.stdout), ['  src/booking/a.ts  T1 BOOKING_FLOW  mode 100644 → 100755 (made executable) without a change record new in this change for its content']);
    assert.match(r.stdout, /What to do: restore the mode \(git update-index --chmod=±x <path>\)\. The editor records content, not modes/);

    repo.git('commit', '-q', '--no-verify', '-m', '+x');
    repo.git('update-index', '--chmod=-x', 'src/booking/a.ts');
    repo.git('commit', '-q', '--no-verify', '-m', '-x');
    const range = repo.cli(['verify', '--base', 'HEAD~1']);
    assert.equal(range.code, 1, range.stdout + range.stderr);
    assert.match(range.stdout, /src\/booking\/a\.ts {2}T1 BOOKING_FLOW {2}mode 100755 → 100644 \(no longer executable\)/);
  });

  test('a mode change is not approved by an older record that matches the content', async () => {
    const repo = project();
    await repo.approve('src/booking/a.ts', 'export const a = 2;\n');
    repo.commitAll('approved edit');
    assert.equal(repo.cli(['verify', '--base', 'HEAD~1']).code, 0, 'the edit itself is approved');
    repo.makeExecutable('src/booking/a.ts');
    repo.git('add', '-A');
    const r = repo.cli(['verify', '--staged']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /src\/booking\/a\.ts {2}T1 BOOKING_FLOW {2}mode 100644 → 100755 \(made executable\) without a change record new in this change/);
  });

  test('controls: the same type changes of an unprotected path pass', () => {
    const repo = project();
    replaceBySymlink(repo, 'src/app.ts', 'booking/a.ts');
    repo.git('add', '-A');
    const r = repo.cli(['verify', '--staged']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^PASS protected-files verify: no protected file changed/);
  });

  test('an unmerged (conflicted) protected file in the index fails with what to do', () => {
    const repo = project();
    repo.git('checkout', '-q', '-b', 'other');
    repo.write('src/booking/a.ts', 'export const a = 2;\n');
    repo.commitAll('theirs');
    repo.git('checkout', '-q', 'main');
    repo.write('src/booking/a.ts', 'export const a = 3;\n');
    repo.commitAll('ours');
    assert.throws(() => repo.git('merge', '-q', 'other'));
    const r = repo.cli(['verify', '--staged']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(violationLines(r.stdout), ['  src/booking/a.ts  T1 BOOKING_FLOW  has an unresolved merge conflict in the index: resolve it and stage the result']);
  });
});
