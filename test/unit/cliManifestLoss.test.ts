// The manifest the command line enforces: a missing or broken manifest never loosens protection
// (the last valid committed version of that folder's manifest stands in, else nothing can be
// decided); a BOM is read as the editor reads it; the editor's warnings are printed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MANIFEST, Sandbox } from './cliHarness';
import type { Repo } from './cliHarness';

let box: Sandbox;
let n = 0;

before(() => {
  box = new Sandbox('loss');
});

after(() => {
  box.dispose();
});

function project(manifest = MANIFEST): Repo {
  const repo = box.repo(`r${++n}`, { manifest });
  repo.write('src/booking/a.ts', 'a\n');
  repo.write('src/app.ts', 'app\n');
  repo.commitAll('files');
  return repo;
}

function hookEvent(repo: Repo, file: string, cwd = repo.dir): string {
  return JSON.stringify({ hook_event_name: 'PreToolUse', tool_name: 'Edit', tool_input: { file_path: join(repo.dir, file) }, cwd });
}

const PROTECTED_A = /Protected Files: src\/booking\/a\.ts is protected \(T1 · Tier 1 · Revenue critical · BOOKING_FLOW\)/;

describe('check: a missing manifest never loosens protection', () => {
  test('the work tree manifest deleted: the one committed at HEAD is enforced, for paths and for the agent hook', () => {
    const repo = project();
    repo.remove('.protection/manifest.jsonc');
    const r = repo.cli(['check', 'src/booking/a.ts']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /\.protection\/manifest\.jsonc is missing from the work tree; using the version committed at HEAD\./);
    assert.match(r.stderr, PROTECTED_A);
    assert.equal(repo.cli(['check', 'src/app.ts']).code, 0, 'an unprotected file is still allowed');

    const hook = repo.cli(['check'], { input: hookEvent(repo, 'src/booking/a.ts'), cwd: box.root });
    assert.equal(hook.code, 2, hook.stderr);
    assert.match(hook.stderr, PROTECTED_A);
  });

  test('the whole .protection/ folder deleted: found through git from the top level and from a subfolder', () => {
    const repo = project();
    rmSync(join(repo.dir, '.protection'), { recursive: true });
    const top = repo.cli(['check', 'src/booking/a.ts']);
    assert.equal(top.code, 2, top.stderr);
    assert.match(top.stderr, PROTECTED_A);
    const sub = repo.cli(['check'], { input: hookEvent(repo, 'src/booking/a.ts', join(repo.dir, 'src', 'booking')) });
    assert.equal(sub.code, 2, sub.stderr);
    assert.match(sub.stderr, PROTECTED_A);
  });

  test('a named pipe in place of the manifest (an agent\'s mkfifo): never waited on; the committed one is enforced, for check, the hook and hook.js', { skip: process.platform === 'win32' ? 'no mkfifo' : false }, () => {
    // A read of the pipe would wait for a writer: the agent's hook would time out, and the agents
    // treat a hook that times out as one that let the edit through.
    const repo = project();
    repo.remove('.protection/manifest.jsonc');
    execFileSync('mkfifo', [join(repo.dir, '.protection', 'manifest.jsonc')]);
    const r = repo.cli(['check', 'src/booking/a.ts']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /\.protection\/manifest\.jsonc is a named pipe, not a file; using the version committed at HEAD\./);
    assert.match(r.stderr, PROTECTED_A);
    assert.equal(repo.cli(['check', 'src/app.ts']).code, 0, 'an unprotected file is still allowed');
    const hook = repo.cli(['hook'], { input: hookEvent(repo, 'src/booking/a.ts') });
    assert.equal(hook.code, 2, hook.stderr);
    assert.match(hook.stderr, PROTECTED_A);
    const hookJs = spawnSync(process.execPath, [join(dirname(box.cli), 'hook.js')], { cwd: repo.dir, input: hookEvent(repo, 'src/booking/a.ts'), env: box.env, encoding: 'utf8', timeout: 20_000 });
    assert.equal(hookJs.signal, null, 'dist/hook.js did not answer');
    assert.equal(hookJs.status, 2, hookJs.stderr);
    assert.match(hookJs.stderr, PROTECTED_A);
  });

  test('a folder or a link to a device in place of the manifest: the committed one is enforced, saying what is there', { skip: process.platform === 'win32' ? 'no /dev/zero' : false }, () => {
    for (const [what, make] of [
      ['a folder', (p: string) => mkdirSync(p)],
      ['a device', (p: string) => symlinkSync('/dev/zero', p)],
    ] as const) {
      const repo = project();
      const manifest = join(repo.dir, '.protection', 'manifest.jsonc');
      rmSync(manifest);
      make(manifest);
      const r = repo.cli(['check'], { input: hookEvent(repo, 'src/booking/a.ts') });
      assert.equal(r.code, 2, `${what}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`\\.protection/manifest\\.jsonc is ${what}, not a file; using the version committed at HEAD\\.`));
      assert.match(r.stderr, PROTECTED_A);
    }
  });

  test('the manifest emptied: the committed one is enforced', () => {
    const repo = project();
    repo.write('.protection/manifest.jsonc', '');
    const r = repo.cli(['check'], { input: hookEvent(repo, 'src/booking/a.ts') });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /has errors; using the version committed at HEAD/);
    assert.match(r.stderr, PROTECTED_A);
  });

  test('HEAD\'s manifest broken too (committed past the hook): the last valid committed version is enforced', () => {
    const repo = project();
    const good = repo.git('rev-parse', 'HEAD');
    repo.write('.protection/manifest.jsonc', '{ "tiers": ');
    repo.commitAll('broken manifest, --no-verify');
    const r = repo.cli(['check', 'src/booking/a.ts']);
    assert.equal(r.code, 2, r.stderr);
    // The last commit that changed the manifest before the broken one is the first commit.
    const firstManifest = repo.git('log', '--format=%H', '--', '.protection/manifest.jsonc').split('\n')[1];
    assert.ok(good.length === 40 && firstManifest.length === 40);
    assert.match(r.stderr, new RegExp(`using the last valid version, committed in ${firstManifest.slice(0, 12)}\\.`));
    assert.match(r.stderr, PROTECTED_A);
  });

  test('a broken nested manifest falls back to its own committed version, not the top level\'s', () => {
    const repo = box.repo(`r${++n}`, { manifest: MANIFEST });
    const nested = MANIFEST.replace('"files": ["src/booking/**"]', '"files": ["lib/**"]');
    repo.write('pkg/.protection/manifest.jsonc', nested);
    repo.write('pkg/lib/core.ts', 'core\n');
    repo.commitAll('nested workspace');
    repo.write('pkg/.protection/manifest.jsonc', '{ "components": ');
    const cwd = join(repo.dir, 'pkg');
    const r = repo.cli(['check', 'lib/core.ts'], { cwd });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /Protected Files: lib\/core\.ts is protected \(T1 · Tier 1 · Revenue critical · BOOKING_FLOW\)/);
    assert.match(r.stderr, /^protected-files: \.protection\/manifest\.jsonc has errors; using the version committed at HEAD\./m);
  });

  test('a deleted nested manifest: its own committed version, found by its .protection/ folder or through git', () => {
    const repo = box.repo(`r${++n}`, { manifest: false });
    repo.write('pkg/.protection/manifest.jsonc', MANIFEST.replace('"files": ["src/booking/**"]', '"files": ["lib/**"]'));
    repo.write('pkg/.protection/audit.jsonl', '');
    repo.write('pkg/lib/core.ts', 'core\n');
    repo.commitAll('nested workspace');
    repo.remove('pkg/.protection/manifest.jsonc');
    const cwd = join(repo.dir, 'pkg');
    const r = repo.cli(['check', 'lib/core.ts'], { cwd });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /lib\/core\.ts is protected/);
    rmSync(join(cwd, '.protection'), { recursive: true });
    const fromTop = repo.cli(['check', 'pkg/lib/core.ts']);
    assert.equal(fromTop.code, 2, fromTop.stderr);
    assert.match(fromTop.stderr, /lib\/core\.ts is protected/);
  });

  test('a manifest never committed and then deleted: with its .protection/ folder left, every path is refused', () => {
    const repo = box.repo(`r${++n}`, { manifest: false });
    repo.write('src/app.ts', 'app\n');
    repo.commitAll('no protection yet');
    repo.write('.protection/manifest.jsonc', MANIFEST);
    repo.write('.protection/audit.jsonl', '');
    assert.equal(repo.cli(['check', 'src/booking/a.ts']).code, 2);
    repo.remove('.protection/manifest.jsonc');
    const r = repo.cli(['check', 'src/app.ts']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /\.protection\/manifest\.jsonc is missing from the work tree and no commit has a valid version, so it cannot be decided whether src\/app\.ts may be edited/);
  });

  test('control: a repository that never had protection allows everything', () => {
    const repo = box.repo(`r${++n}`, { manifest: false });
    repo.write('src/app.ts', 'app\n');
    repo.commitAll('plain');
    const r = repo.cli(['check', 'src/app.ts']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /nothing is protected here/);
  });
});

describe('pre-push: a broken manifest never loosens protected branches', () => {
  test('HEAD\'s manifest broken and the work tree\'s deleted: the last valid committed version still refuses main', () => {
    const repo = project();
    repo.write('.protection/manifest.jsonc', '{ "protectedBranches": ');
    repo.commitAll('broken manifest, --no-verify');
    repo.remove('.protection/manifest.jsonc');
    const sha = repo.git('rev-parse', 'HEAD');
    const r = repo.cli(['pre-push', 'origin'], { input: `refs/heads/x ${sha} refs/heads/main ${'0'.repeat(40)}\n` });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /pushing to main on origin is refused/);
  });
});

describe('a UTF-8 BOM, as the editor accepts it', () => {
  test('check and verify read a manifest that starts with a BOM', () => {
    const repo = project(`\uFEFF${MANIFEST}`);
    const hit = repo.cli(['check', 'src/booking/a.ts']);
    assert.equal(hit.code, 2, hit.stderr);
    assert.match(hit.stderr, PROTECTED_A);
    assert.doesNotMatch(hit.stderr, /error/);
    assert.equal(repo.cli(['check', 'src/app.ts']).code, 0);

    repo.write('src/app.ts', 'app 2\n');
    repo.git('add', '-A');
    const unprotected = repo.cli(['verify', '--staged']);
    assert.equal(unprotected.code, 0, unprotected.stdout + unprotected.stderr);
    repo.write('src/booking/a.ts', 'changed\n');
    repo.git('add', '-A');
    const protectedChange = repo.cli(['verify', '--staged']);
    assert.equal(protectedChange.code, 1, protectedChange.stdout + protectedChange.stderr);
    assert.match(protectedChange.stdout, /src\/booking\/a\.ts {2}T1 BOOKING_FLOW {2}changed without a matching audit record/);
  });
});

describe('the editor\'s warnings, on stderr', () => {
  const WARNED = MANIFEST.replace('"files": ["db/migrations/**"]', '"files": ["db/migrations/", "db\\\\seeds\\\\*.sql"]');

  test('check (with paths) and verify print each warning as file:line:col: warning: …; the agent hook does not', () => {
    const repo = project(WARNED);
    const lines = WARNED.split('\n');
    const line = lines.findIndex((l) => l.includes('"db/migrations/"')) + 1;
    const col = lines[line - 1].indexOf('"db/migrations/"') + 1;
    const trailing = `.protection/manifest.jsonc:${line}:${col}: warning: "db/migrations/" ends with "/" and matches no file; write "db/migrations/**" to protect the folder's contents.`;

    const check = repo.cli(['check', 'src/app.ts']);
    assert.equal(check.code, 0, check.stderr);
    assert.ok(check.stderr.split('\n').includes(trailing), check.stderr);
    assert.match(check.stderr, /^\.protection\/manifest\.jsonc:\d+:\d+: warning: "db\\seeds\\\*\.sql" contains a backslash/m);

    repo.write('src/app.ts', 'app 2\n');
    repo.git('add', '-A');
    const verify = repo.cli(['verify', '--staged']);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.ok(verify.stderr.split('\n').includes(trailing), verify.stderr);

    const hook = repo.cli(['check'], { input: hookEvent(repo, 'src/booking/a.ts') });
    assert.equal(hook.code, 2);
    assert.doesNotMatch(hook.stderr, /warning/);
  });

  test('a glob past a cost bound is reported as the editor reports it, and its stand-in protects in its place', () => {
    const BOMB = MANIFEST.replace('"files": ["db/migrations/**"]', '"files": ["db/migrations/+(a|+(b|+(c|d)))*.sql"]');
    assert.notEqual(BOMB, MANIFEST);
    const repo = project(BOMB);
    const check = repo.cli(['check', 'db/migrations/001.sql']);
    assert.equal(check.code, 2, 'the stand-in db/migrations/** protects the file');
    assert.match(check.stderr, /^\.protection\/manifest\.jsonc:\d+:\d+: error: This glob nests an extglob .* in its place \("db\/migrations\/\*\*"\)\.$/m);
    repo.write('src/app.ts', 'app 3\n');
    repo.git('add', '-A');
    const verify = repo.cli(['verify', '--staged']);
    assert.match(verify.stderr, /: error: This glob nests an extglob/);
  });
});
