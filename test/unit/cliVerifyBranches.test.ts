// `protected-files verify`: a branch is judged by every protection in force on the base side
// (the merge base, the base tip, HEAD for --staged) as well as by its own manifest. Attacks that
// used to pass: an old branch with the manifest copied in, a file main began to protect after
// the branch point, a branch that deletes or weakens the manifest.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '../../src/core/audit';
import { MANIFEST, Sandbox } from './cliHarness';
import type { Repo } from './cliHarness';

let box: Sandbox;
let n = 0;

before(() => {
  box = new Sandbox('branches');
});

after(() => {
  box.dispose();
});

/** MANIFEST plus a PAYMENTS component protecting src/pay/**. */
const WITH_PAYMENTS = MANIFEST.replace(
  '"MIGRATIONS":',
  '"PAYMENTS": { "tier": "tier1", "files": ["src/pay/**"], "risk": "Card payments" },\n    "MIGRATIONS":',
);

/** A repository whose main has no manifest yet: only README.md and src/booking/a.ts. */
function unprotectedMain(): Repo {
  const repo = box.repo(`r${++n}`, { manifest: false });
  repo.write('README.md', 'hello\n');
  repo.write('src/booking/a.ts', 'a\n');
  repo.commitAll('before protection');
  return repo;
}

function verifyRange(repo: Repo, head = 'feature'): ReturnType<Repo['cli']> {
  return repo.cli(['verify', '--base', 'main', '--head', head]);
}

function violationLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.startsWith('  ') && !l.startsWith('  audit log:'));
}

describe('verify --base: the base side protects the branch', () => {
  test('an old branch with the manifest copied in and a protected file changed fails (not "new in this change")', () => {
    const repo = unprotectedMain();
    repo.git('branch', 'feature');
    repo.write('.protection/manifest.jsonc', MANIFEST);
    repo.commitAll('protection starts on main');
    repo.git('checkout', '-q', 'feature');
    repo.write('.protection/manifest.jsonc', MANIFEST);
    repo.write('src/booking/a.ts', 'changed on an old branch\n');
    repo.commitAll('copy the manifest, change the file');
    const r = verifyRange(repo);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout, /new in this change/);
    const lines = violationLines(r.stdout);
    assert.ok(lines.some((l) => /^ {2}src\/booking\/a\.ts {2}T1 BOOKING_FLOW {2}changed without a matching audit record/.test(l)), r.stdout);
    // The copied manifest is itself an unrecorded write of a protected file.
    assert.ok(lines.some((l) => l.startsWith('  .protection/manifest.jsonc ')), r.stdout);
  });

  test('an old branch without any manifest that changes a file main now protects fails (no longer "no manifest")', () => {
    const repo = unprotectedMain();
    repo.git('branch', 'feature');
    repo.write('.protection/manifest.jsonc', MANIFEST);
    repo.commitAll('protection starts on main');
    repo.git('checkout', '-q', 'feature');
    repo.write('src/booking/a.ts', 'changed\n');
    repo.commitAll('change');
    const r = verifyRange(repo);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(violationLines(r.stdout), [`  src/booking/a.ts  T1 BOOKING_FLOW  changed without a matching audit record (content sha256 ${sha256('changed\n').slice(0, 12)}…)`]);
  });

  test('a file main began to protect after the branch point is protected for the branch; with its record it passes', async () => {
    const repo = box.repo(`r${++n}`);
    repo.write('src/pay/card.ts', 'card\n');
    repo.commitAll('pay');
    repo.git('branch', 'feature');
    repo.write('.protection/manifest.jsonc', WITH_PAYMENTS);
    await repo.record({ event: 'change', file: '.protection/manifest.jsonc', after: sha256(WITH_PAYMENTS) });
    repo.commitAll('main protects payments');
    repo.git('checkout', '-q', 'feature');
    repo.write('src/pay/card.ts', 'card, changed on the branch\n');
    repo.commitAll('change payments');
    const r = verifyRange(repo);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(violationLines(r.stdout).map((l) => l.split('  ').slice(1, 3).join('|')), ['src/pay/card.ts|T1 PAYMENTS']);

    // Control: the same change with its record on the branch passes, so the failure above is the missing record.
    await repo.approve('src/pay/card.ts', 'card, approved\n');
    repo.commitAll('approved');
    const ok = verifyRange(repo);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^PASS protected-files verify: 1 protected file\(s\) changed, all recorded/);
  });

  test('a branch that deletes the manifest and changes a protected file fails on both', () => {
    const repo = box.repo(`r${++n}`);
    repo.write('src/booking/a.ts', 'a\n');
    repo.commitAll('files');
    repo.git('checkout', '-q', '-b', 'feature');
    repo.git('rm', '-q', '.protection/manifest.jsonc');
    repo.write('src/booking/a.ts', 'unprotected now?\n');
    repo.commitAll('drop protection');
    const r = verifyRange(repo);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const files = violationLines(r.stdout).map((l) => l.trim().split('  ')[0]).sort();
    assert.deepEqual(files, ['.protection/manifest.jsonc', 'src/booking/a.ts']);
  });

  test('a branch that weakens the manifest (with its record) and changes a file it no longer protects fails on the file', async () => {
    const repo = box.repo(`r${++n}`);
    repo.write('src/booking/a.ts', 'a\n');
    repo.commitAll('files');
    repo.git('checkout', '-q', '-b', 'feature');
    const weaker = MANIFEST.replace('"files": ["src/booking/**"]', '"files": ["src/booking/none/**"]');
    assert.notEqual(weaker, MANIFEST);
    await repo.approve('.protection/manifest.jsonc', weaker);
    repo.write('src/booking/a.ts', 'changed\n');
    repo.commitAll('weaken and change');
    const r = verifyRange(repo);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(violationLines(r.stdout).map((l) => l.trim().split('  ')[0]), ['src/booking/a.ts']);
  });

  test('a branch that weakens the manifest while main weakens it too is still judged by the merge base', async () => {
    const repo = box.repo(`r${++n}`);
    repo.write('src/booking/a.ts', 'a\n');
    repo.commitAll('files');
    repo.git('checkout', '-q', '-b', 'feature');
    const weaker = MANIFEST.replace('"files": ["src/booking/**"]', '"files": ["src/booking/none/**"]');
    repo.git('checkout', '-q', 'main');
    await repo.approve('.protection/manifest.jsonc', weaker);
    repo.commitAll('main weakens');
    repo.git('checkout', '-q', 'feature');
    repo.write('src/booking/a.ts', 'changed\n');
    repo.commitAll('change');
    const r = verifyRange(repo);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(violationLines(r.stdout).map((l) => l.trim().split('  ')[0]), ['src/booking/a.ts']);
  });
});

describe('verify --staged: "new in this change" only when nothing before had protection', () => {
  test('HEAD without a manifest but with audit records: re-adding the manifest with a changed file fails', async () => {
    const repo = box.repo(`r${++n}`);
    repo.write('src/booking/a.ts', 'a\n');
    await repo.approve('src/booking/a.ts', 'approved\n');
    repo.commitAll('files and a record');
    repo.git('rm', '-q', '.protection/manifest.jsonc');
    repo.git('commit', '-q', '--no-verify', '-m', 'manifest gone (hook skipped)');
    repo.write('.protection/manifest.jsonc', MANIFEST);
    repo.write('src/booking/a.ts', 'changed while "introducing"\n');
    repo.git('add', '-A');
    const r = repo.cli(['verify', '--staged']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout, /new in this change/);
    assert.ok(violationLines(r.stdout).some((l) => l.startsWith('  src/booking/a.ts  T1 BOOKING_FLOW  ')), r.stdout);
  });

  test('the first manifest with no earlier records still passes, and its audit log is still checked', () => {
    const repo = box.repo(`r${++n}`, { manifest: false });
    repo.write('src/booking/a.ts', 'a\n');
    repo.commitAll('before protection');
    repo.write('.protection/manifest.jsonc', MANIFEST);
    repo.write('src/booking/a.ts', 'b\n');
    repo.git('add', '-A');
    const ok = repo.cli(['verify', '--staged']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /new in this change/);

    repo.write('.protection/audit.jsonl', '{"not": "a record"}\n');
    repo.git('add', '-A');
    const bad = repo.cli(['verify', '--staged']);
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /\.protection\/audit\.jsonl /);
  });
});

describe('verify --base: a name that means more than one ref', () => {
  /**
   * A clone whose origin/main is behind the checked-out branch `evil` (which changes a protected file
   * without a record), with a tag origin/main on evil's commit, fetched as CI fetches tags.
   */
  function shadowedRemote(): Repo {
    const server = box.repo(`r${++n}`);
    server.write('src/booking/a.ts', 'a\n');
    server.commitAll('files');
    const ci = box.repo(`r${++n}`, { manifest: false });
    ci.git('remote', 'add', 'origin', server.dir);
    ci.git('fetch', '-q', 'origin', '+refs/heads/*:refs/remotes/origin/*');
    ci.git('checkout', '-q', '-b', 'evil', 'refs/remotes/origin/main');
    ci.write('src/booking/a.ts', 'evil\n');
    ci.commitAll('evil');
    ci.git('tag', 'origin/main', 'HEAD');
    // git's warning about the name is off: the refusal must not depend on it.
    ci.git('config', 'core.warnAmbiguousRefs', 'false');
    return ci;
  }

  test('a tag origin/main beside the remote branch is refused (it made base and head the same commit), naming both and the full ref to write', () => {
    const repo = shadowedRemote();
    assert.equal(repo.git('rev-parse', 'origin/main'), repo.git('rev-parse', 'HEAD'), 'git itself takes the tag');
    const r = repo.cli(['verify', '--base', 'origin/main']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      'protected-files: The ref origin/main is ambiguous: it names refs/tags/origin/main and refs/remotes/origin/main.\n' +
        '  Write the full ref of the one you mean, such as refs/remotes/origin/main.\n',
    );
    // A revision of the name is as ambiguous, and so is --head.
    assert.match(repo.cli(['verify', '--base', 'origin/main~0']).stderr, /The ref origin\/main~0 is ambiguous: .* such as refs\/remotes\/origin\/main~0\.\n$/s);
    assert.match(repo.cli(['verify', '--base', 'refs/remotes/origin/main', '--head', 'origin/main']).stderr, /The ref origin\/main is ambiguous/);
  });

  test('the full ref verifies the branch against the remote branch; tags named like the full ref or HEAD do not stop it', () => {
    const repo = shadowedRemote();
    const full = repo.cli(['verify', '--base', 'refs/remotes/origin/main']);
    assert.equal(full.code, 1, full.stdout + full.stderr);
    assert.deepEqual(violationLines(full.stdout).map((l) => l.trim().split('  ')[0]), ['src/booking/a.ts']);

    // git picks the full ref and HEAD before any tag (and only warns), so such tags change nothing:
    // refusing them would let anyone who can push a tag stop CI.
    repo.git('tag', 'refs/remotes/origin/main', 'HEAD');
    repo.git('tag', 'HEAD', 'refs/remotes/origin/main');
    const again = repo.cli(['verify', '--base', 'refs/remotes/origin/main', '--head', 'HEAD']);
    assert.equal(again.code, 1, again.stdout + again.stderr);
    assert.deepEqual(violationLines(again.stdout).map((l) => l.trim().split('  ')[0]), ['src/booking/a.ts']);
  });
});

describe('verify --base: a head behind its base', () => {
  test('an older commit of the base (a push forced back) fails: the base\'s later commits and their records would be gone', () => {
    const repo = unprotectedMain();
    repo.write('.protection/manifest.jsonc', MANIFEST);
    repo.commitAll('protect');
    const old = repo.git('rev-parse', 'HEAD').trim();
    repo.write('README.md', 'later\n');
    repo.commitAll('a later commit');
    const r = repo.cli(['verify', '--base', 'main', '--head', old]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr + r.stdout, /is an older commit of main: it winds the branch back, dropping main's later commits/);
    assert.match(r.stderr + r.stdout, /push the commits again/);
    // The same commit on both sides changes nothing, and a branch ahead of its base is verified as before.
    assert.equal(repo.cli(['verify', '--base', 'main', '--head', 'main']).code, 0);
    repo.git('checkout', '-q', '-b', 'feature', old);
    repo.write('docs.md', 'x\n');
    repo.commitAll('a branch from the older commit');
    assert.equal(verifyRange(repo).code, 0, 'a branch that left main earlier is what a pull request is');
  });
});
