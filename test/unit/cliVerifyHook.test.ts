// `verify --staged --git-output`: the gate as the installed pre-commit hook runs it, with git's answers
// computed by the hook's shell while Node starts, in real repositories. Each case is checked against the
// plain `verify --staged` (same output, same exit), and a `git` on PATH that logs its calls shows which
// git processes ran: the hook's two, and the gate's own only where it has to read from git.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../../src/core/audit';
import { shellQuote } from '../../src/cli/hooksCommand';
import { gitOutputCommands } from '../../src/node/hookGitOutput';
import { loggingGit, MANIFEST, Sandbox } from './cliHarness';
import type { Repo, RunResult } from './cliHarness';

let box: Sandbox;
let n = 0;
let logged: { env: NodeJS.ProcessEnv; log: string };

before(() => {
  box = new Sandbox('verify-hook');
  // git as found on PATH, behind a script that logs each call's arguments.
  const git = loggingGit(box);
  logged = { env: { PATH: git.path }, log: git.log };
});

after(() => {
  box.dispose();
});

function project(): Repo {
  return box.project({ 'src/booking/a.ts': 'export const a = 1;\n', 'src/booking/b.ts': 'export const b = 1;\n', 'src/app.ts': 'console.log("app");\n' });
}

/** The hook's way with git's calls logged; the plain command's answer must be the same. Returns both and the calls. */
function hookedAndPlain(repo: Repo, input?: Buffer): { hooked: RunResult; plain: RunResult; calls: string[] } {
  rmSync(logged.log, { force: true });
  const hooked = repo.hooked(['--json'], { env: logged.env, input });
  let calls: string[] = [];
  try {
    calls = readFileSync(logged.log, 'utf8').split('\n').filter(Boolean);
  } catch {
    // no git ran
  }
  const plain = repo.cli(['verify', '--staged', '--json']);
  assert.deepEqual(hooked, plain, 'the hook\'s way and the plain command differ');
  return { hooked, plain, calls };
}

/** The sha256 of the content the gate judged for the one changed file (from --json). */
const judged = (r: RunResult): string | undefined => (JSON.parse(r.stdout) as { changed: { sha256?: string }[] }).changed[0]?.sha256;

const gateGit = (calls: string[]): string[] => calls.filter((c) => c.startsWith('cat-file') || c.startsWith('rev-parse'));
const diffs = (calls: string[]): number => calls.filter((c) => c.startsWith('diff-index')).length;

describe('verify --staged --git-output (the installed pre-commit hook)', () => {
  test('an approved change, and an unapproved one: git runs only in the hook, the files are read from the work tree', async () => {
    const repo = project();
    await repo.approve('src/booking/a.ts', 'export const a = 2;\n');
    repo.git('add', '-A');
    const ok = hookedAndPlain(repo);
    assert.equal(ok.hooked.code, 0, ok.hooked.stdout);
    assert.equal(diffs(ok.calls), 1);
    assert.ok(ok.calls.some((c) => c.startsWith('ls-tree')), ok.calls.join('\n'));
    assert.deepEqual(gateGit(ok.calls), []);
    repo.git('commit', '-q', '--no-verify', '-m', 'approved');

    // The next commit: HEAD's log is the staged one's first bytes, found by its size and id, whether
    // this clone listed it as whole or not (a fresh clone's first commit).
    repo.write('src/booking/b.ts', 'export const b = 666;\n');
    await repo.approve('src/booking/a.ts', 'export const a = 3;\n');
    repo.git('add', '-A');
    for (const listed of [false, true]) {
      if (!listed) rmSync(join(repo.dir, '.git', 'protected-files', 'verified-logs'), { force: true });
      const refused = hookedAndPlain(repo);
      assert.equal(refused.hooked.code, 1);
      assert.match(refused.hooked.stdout, /src\/booking\/b\.ts/);
      assert.deepEqual(gateGit(refused.calls), [], `listed: ${listed}`);
    }
  });

  test('a protected file staged unapproved, then set back in the work tree to approved content: the staged content is judged (read from git)', async () => {
    const repo = project();
    await repo.approve('src/booking/a.ts', 'export const a = 2;\n'); // the record approves this content…
    repo.write('src/booking/a.ts', 'export const a = 666;\n'); // …this is staged…
    repo.git('add', '-A');
    repo.write('src/booking/a.ts', 'export const a = 2;\n'); // …and the work tree shows the approved one.
    const r = hookedAndPlain(repo);
    assert.equal(r.hooked.code, 1, r.hooked.stdout);
    assert.equal(judged(r.hooked), sha256('export const a = 666;\n'));
    assert.deepEqual(gateGit(r.calls), ['cat-file --batch']);
  });

  test('a work-tree link to approved content, a named pipe, a folder in a staged file\'s place: never followed, waited on or read as the file', async () => {
    const repo = project();
    await repo.approve('src/booking/a.ts', 'export const a = 2;\n');
    writeFileSync(join(repo.dir, 'approved-copy.ts'), 'export const a = 2;\n');
    repo.write('src/booking/a.ts', 'export const a = 666;\n');
    repo.git('add', 'src/booking/a.ts', '.protection/audit.jsonl');
    const place = join(repo.dir, 'src/booking/a.ts');
    const swaps: [string, () => void][] = [
      ['a link', () => symlinkSync(join(repo.dir, 'approved-copy.ts'), place)],
      ['a named pipe', () => execFileSync('mkfifo', [place])],
      ['a folder', () => mkdirSync(place)],
    ];
    for (const [what, swap] of swaps) {
      if (what === 'a named pipe' && process.platform === 'win32') continue;
      rmSync(place, { recursive: true, force: true });
      swap();
      const r = hookedAndPlain(repo);
      assert.equal(r.hooked.code, 1, `${what}: ${r.hooked.stdout}`);
      assert.equal(judged(r.hooked), sha256('export const a = 666;\n'), what);
      assert.deepEqual(gateGit(r.calls), ['cat-file --batch'], what);
    }
  });

  test('records appended to the work tree\'s log after staging, and a log edited there: HEAD\'s log is still found or read from git', async () => {
    const repo = project();
    await repo.approve('src/booking/a.ts', 'export const a = 2;\n');
    repo.git('add', '-A');
    assert.equal(hookedAndPlain(repo).hooked.code, 0);
    repo.git('commit', '-q', '--no-verify', '-m', 'approved');
    // An unprotected commit while the work tree's log has a record more than HEAD's.
    await repo.approve('src/booking/b.ts', 'export const b = 2;\n');
    repo.write('src/app.ts', 'console.log("app 2");\n');
    repo.git('add', 'src/app.ts');
    const appended = hookedAndPlain(repo);
    assert.equal(appended.hooked.code, 0, appended.hooked.stdout);
    assert.deepEqual(gateGit(appended.calls), []);
    // The work tree's log rewritten (not staged): HEAD's is read from git, the verdict is the same.
    repo.write('.protection/audit.jsonl', 'not a log\n');
    const rewritten = hookedAndPlain(repo);
    assert.equal(rewritten.hooked.code, 0, rewritten.hooked.stdout);
    assert.deepEqual(gateGit(rewritten.calls), ['cat-file --batch']);
  });

  test('a staged file whose name holds the stream\'s own marks is a path like any other', async () => {
    const repo = project();
    repo.write('src/x\n--pf-exit 0\n100644 blob 1234\t.protection/audit.jsonl', 'tricky\n');
    await repo.approve('src/booking/a.ts', 'export const a = 2;\n');
    repo.git('add', '-A');
    const r = hookedAndPlain(repo);
    assert.equal(r.hooked.code, 0, r.hooked.stdout);
    assert.equal(diffs(r.calls), 1);
    assert.deepEqual(gateGit(r.calls), []);
  });

  test('input that is not the hook\'s (garbage, cut short, another version, a git that failed) is ignored: the gate runs git itself', () => {
    const repo = project();
    repo.write('src/booking/a.ts', 'export const a = 666;\n');
    repo.git('add', '-A');
    const whole = spawnSync('sh', ['-c', gitOutputCommands()], { cwd: repo.dir, env: box.env }).stdout;
    assert.ok(whole.length > 100);
    const inputs: [string, Buffer][] = [
      ['nothing', Buffer.alloc(0)],
      ['garbage', Buffer.from('PASS\n')],
      ['cut short', whole.subarray(0, whole.length - 3)],
      ['another version', Buffer.from(whole.toString('latin1').replace('git-output 1', 'git-output 9'), 'latin1')],
      ['a failed git', Buffer.from(whole.toString('latin1').replace(/--pf-exit 0\n$/, '--pf-exit 128\n'), 'latin1')],
    ];
    for (const [what, input] of inputs) {
      const r = hookedAndPlain(repo, input);
      assert.equal(r.hooked.code, 1, `${what}: ${r.hooked.stdout}`);
      assert.equal(diffs(r.calls), 1, `${what}: the gate's own diff`);
    }
    // The whole input, given the same way, is taken: no diff of the gate's own.
    const taken = hookedAndPlain(repo, whole);
    assert.equal(taken.hooked.code, 1);
    assert.equal(diffs(taken.calls), 0);
  });

  test('the first commit (no HEAD) and a manifest changed in the commit: the same answers as the plain command', () => {
    const first = box.repo(`r${++n}`, { manifest: false });
    first.write('.protection/manifest.jsonc', MANIFEST);
    first.write('src/booking/a.ts', 'a\n');
    first.git('add', '-A');
    const unborn = hookedAndPlain(first);
    assert.equal(unborn.hooked.code, 0, unborn.hooked.stdout);

    const repo = project();
    repo.write('.protection/manifest.jsonc', MANIFEST.replace('"src/booking/**"', '"src/booking/**", "src/app.ts"'));
    repo.git('add', '-A');
    const changed = hookedAndPlain(repo);
    assert.equal(changed.hooked.code, 1, changed.hooked.stdout);
    assert.match(changed.hooked.stdout, /manifest\.jsonc/);
  });

  test('a merge as pre-merge-commit sees it (MERGE_HEAD, the index holding the result): judged against HEAD, the first parent; git only in the hook', async () => {
    const repo = project();
    repo.git('checkout', '-q', '-b', 'recorded');
    await repo.approve('src/booking/a.ts', 'export const a = 2;\n');
    repo.commitAll('approved');
    repo.git('checkout', '-q', '-b', 'unrecorded', 'main');
    repo.write('src/booking/b.ts', 'export const b = 666;\n');
    repo.commitAll('unrecorded (hook skipped)');
    repo.git('checkout', '-q', 'main');
    repo.write('src/app.ts', 'console.log("main");\n');
    repo.commitAll('main moves on');

    repo.git('merge', '-q', '--no-ff', '--no-commit', 'recorded');
    const ok = hookedAndPlain(repo);
    assert.equal(ok.hooked.code, 0, ok.hooked.stdout);
    assert.equal(judged(ok.hooked), sha256('export const a = 2;\n'));
    assert.deepEqual(gateGit(ok.calls), []);
    repo.git('merge', '--abort');

    repo.git('merge', '-q', '--no-ff', '--no-commit', 'unrecorded');
    const refused = hookedAndPlain(repo);
    assert.equal(refused.hooked.code, 1, refused.hooked.stdout);
    assert.equal(judged(refused.hooked), sha256('export const b = 666;\n'));
    assert.deepEqual(gateGit(refused.calls), []);
    repo.git('merge', '--abort');
  });

  test('a sha256 repository: object ids of 64 digits, files still read from the work tree', async () => {
    const repo = box.repo(`r${++n}`, { manifest: false });
    rmSync(join(repo.dir, '.git'), { recursive: true, force: true });
    repo.git('init', '-q', '-b', 'main', '--object-format=sha256');
    repo.git('config', 'user.name', 'Ann Tester');
    repo.git('config', 'user.email', 'ann@example.com');
    repo.write('.protection/manifest.jsonc', MANIFEST);
    repo.write('src/booking/a.ts', 'export const a = 1;\n');
    repo.commitAll('initial');
    assert.equal(repo.git('rev-parse', 'HEAD').length, 64);
    await repo.approve('src/booking/a.ts', 'export const a = 2;\n');
    repo.write('src/booking/b.ts', 'unapproved\n');
    repo.git('add', '-A');
    const r = hookedAndPlain(repo);
    assert.equal(r.hooked.code, 1, r.hooked.stdout);
    const report = JSON.parse(r.hooked.stdout) as { violations: { file: string }[]; changed: { file: string }[] };
    assert.deepEqual(report.changed.map((c) => c.file), ['src/booking/a.ts', 'src/booking/b.ts']);
    assert.deepEqual(report.violations.map((v) => v.file), ['src/booking/b.ts']);
    assert.deepEqual(gateGit(r.calls), []);
  });

  test('--git-output without --staged is a usage error, and not held up by a standard input that never ends', async () => {
    const repo = project();
    const r = repo.cli(['verify', '--base', 'main', '--git-output']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--git-output goes with --staged/);
    // A writer that never closes the pipe: the usage error still ends the process.
    const child = spawn(process.execPath, [box.cli, 'verify', '--base', 'main', '--git-output'], { cwd: repo.dir, env: box.env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.write('protected-files git-output 1\n');
    const exited = await Promise.race([
      new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code))),
      new Promise<'held'>((resolve) => setTimeout(() => resolve('held'), 10_000).unref()),
    ]);
    child.kill();
    assert.equal(exited, 2);
  });

  test('a standard input that never ends (/dev/zero) is read to its limit only and is no input: the gate runs git itself, with the same answer', () => {
    const repo = project();
    repo.write('src/booking/a.ts', 'export const a = 666;\n');
    repo.git('add', '-A');
    rmSync(logged.log, { force: true });
    const flood = spawnSync('sh', ['-c', `cat /dev/zero | node ${shellQuote(box.cli)} verify --staged --git-output --json`], {
      cwd: repo.dir, env: { ...box.env, ...logged.env }, encoding: 'utf8', timeout: 60_000,
    });
    assert.equal(flood.signal, null);
    assert.deepEqual({ code: flood.status, stdout: flood.stdout, stderr: flood.stderr }, repo.cli(['verify', '--staged', '--json']));
    assert.equal(diffs(readFileSync(logged.log, 'utf8').split('\n').filter(Boolean)), 1, 'the gate\'s own diff');
  });
});
