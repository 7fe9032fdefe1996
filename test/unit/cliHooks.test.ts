// `protected-files install-hooks` and `pre-push`: real hooks run by real git commands.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gitOutputCommands } from '../../src/node/hookGitOutput';
import { MANIFEST, Sandbox } from './cliHarness';
import type { Repo } from './cliHarness';

let box: Sandbox;
let n = 0;

before(() => {
  box = new Sandbox('hooks');
});

after(() => {
  box.dispose();
});

function project(): Repo {
  const repo = box.repo(`r${++n}`);
  repo.write('src/booking/a.ts', 'a\n');
  repo.write('src/app.ts', 'app\n');
  repo.commitAll('files');
  return repo;
}

/** Runs git and returns its exit code and output instead of throwing. */
function tryGit(repo: Repo, ...args: string[]): { code: number; out: string } {
  try {
    const out = execFileSync('git', args, { cwd: repo.dir, env: repo.sandbox.env, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    return { code: 0, out };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, out: `${err.stdout}${err.stderr}` };
  }
}

function snapshot(dir: string, skip: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    if (skip.includes(name)) continue;
    const p = join(dir, name);
    out[name] = `${(statSync(p).mode & 0o777).toString(8)} ${readFileSync(p, 'utf8')}`;
  }
  return out;
}

/**
 * A side branch commits `content` to a locked file with no record (its hook skipped); merging it into
 * main, which git commits itself, is refused by the gate in pre-merge-commit.
 */
function assertMergeRefused(repo: Repo, content: string): void {
  repo.git('checkout', '-q', '-b', 'side');
  repo.write('src/booking/a.ts', content);
  repo.commitAll('side (hook skipped)');
  repo.git('checkout', '-q', 'main');
  const merged = tryGit(repo, 'merge', '--no-ff', '-q', '-m', 'merge side', 'side');
  assert.notEqual(merged.code, 0, merged.out);
  assert.match(merged.out, /FAIL protected-files verify: 1 violation\(s\)/);
}

describe('install-hooks', () => {
  test('installs pre-commit, pre-merge-commit and pre-push that call this CLI; the pre-commit hook gates commits, also git commit -a', async () => {
    const repo = project();
    const r = repo.cli(['install-hooks']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^pre-commit: installed\npre-merge-commit: installed\npre-push: installed\nHooks in .*\.git\/hooks call: node '.*\/dist\/cli\.js'\n$/);
    const hook = readFileSync(join(repo.dir, '.git/hooks/pre-commit'), 'utf8');
    assert.match(hook, /^#!\/bin\/sh\n# protected-files hook \(pre-commit\)/);
    assert.ok(hook.includes(`) | NODE_EXTRA_CA_CERTS= node '${repo.sandbox.cli}' verify --staged --git-output\n`), hook);
    assert.ok(hook.includes(gitOutputCommands()), hook);
    assert.equal(statSync(join(repo.dir, '.git/hooks/pre-commit')).mode & 0o111, 0o111);

    repo.write('src/booking/a.ts', 'unapproved\n');
    repo.git('add', '-A');
    const refused = tryGit(repo, 'commit', '-q', '-m', 'sneak');
    assert.notEqual(refused.code, 0);
    assert.match(refused.out, /FAIL protected-files verify: 1 violation\(s\)/);

    await repo.approve('src/booking/a.ts', 'approved\n');
    repo.git('add', '-A');
    const ok = tryGit(repo, 'commit', '-q', '-m', 'approved');
    assert.equal(ok.code, 0, ok.out);

    // commit -a stages into a temporary index (GIT_INDEX_FILE): that is the one verified.
    repo.write('src/booking/a.ts', 'edited without approval\n');
    const all = tryGit(repo, 'commit', '-q', '-a', '-m', 'sneak with -a');
    assert.notEqual(all.code, 0, all.out);
    assert.match(all.out, /src\/booking\/a\.ts  T1 BOOKING_FLOW  changed without a matching audit record/);
  });

  test('a merge that git commits itself runs pre-merge-commit with the same gate: git stash + git merge stash@{0} is refused, a merge of recorded changes passes', async () => {
    const repo = project();
    assert.equal(repo.cli(['install-hooks']).code, 0);
    const hook = repo.read('.git/hooks/pre-merge-commit');
    assert.match(hook, /^#!\/bin\/sh\n# protected-files hook \(pre-merge-commit\)/);
    assert.ok(hook.includes(`) | NODE_EXTRA_CA_CERTS= node '${repo.sandbox.cli}' verify --staged --git-output\n`), hook);
    assert.equal(statSync(join(repo.dir, '.git/hooks/pre-merge-commit')).mode & 0o111, 0o111);

    // The route the review found: the change refused as a commit, then committed as a clean merge of the stash.
    repo.write('src/booking/a.ts', 'sneaky\n');
    assert.notEqual(tryGit(repo, 'commit', '-q', '-a', '-m', 'direct').code, 0);
    const before = repo.git('rev-parse', 'HEAD');
    repo.git('stash', '-q');
    const merged = tryGit(repo, 'merge', '--no-ff', '-q', '-m', 'merge stash', 'stash@{0}');
    assert.notEqual(merged.code, 0, merged.out);
    assert.match(merged.out, /src\/booking\/a\.ts {2}T1 BOOKING_FLOW {2}changed without a matching audit record/);
    assert.equal(repo.git('rev-parse', 'HEAD'), before, 'nothing was committed');
    repo.git('merge', '--abort');

    // A branch whose protected change is recorded merges cleanly into main, and main (with that
    // change and its record) into another branch, as git pull does: both pass.
    repo.git('checkout', '-q', '-b', 'feature');
    await repo.approve('src/booking/a.ts', 'approved on feature\n');
    repo.git('add', '-A');
    assert.equal(tryGit(repo, 'commit', '-q', '-m', 'approved').code, 0);
    repo.git('checkout', '-q', 'main');
    repo.git('checkout', '-q', '-b', 'other');
    repo.write('src/app.ts', 'other\n');
    assert.equal(tryGit(repo, 'commit', '-q', '-a', '-m', 'other work').code, 0);
    repo.git('checkout', '-q', 'main');
    const intoMain = tryGit(repo, 'merge', '--no-ff', '-q', '-m', 'merge feature', 'feature');
    assert.equal(intoMain.code, 0, intoMain.out);
    assert.equal(repo.git('rev-list', '--parents', '-n', '1', 'HEAD').split(' ').length, 3, 'a merge commit');
    repo.git('checkout', '-q', 'other');
    const intoOther = tryGit(repo, 'merge', '-q', '-m', 'merge main', 'main');
    assert.equal(intoOther.code, 0, intoOther.out);
    assert.equal(repo.read('src/booking/a.ts'), 'approved on feature\n');
  });

  test('an existing pre-commit hook is kept as pre-commit.local and runs first; running install twice changes nothing', () => {
    const repo = project();
    const hooks = join(repo.dir, '.git/hooks');
    repo.write('.git/hooks/pre-commit', '#!/bin/sh\necho "their hook ran" >> "$(git rev-parse --git-dir)/their-hook.log"\nexit 0\n');
    repo.makeExecutable('.git/hooks/pre-commit');

    const first = repo.cli(['install-hooks']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /pre-commit: installed; your existing hook is now pre-commit\.local and runs first/);
    assert.match(readFileSync(join(hooks, 'pre-commit.local'), 'utf8'), /their hook ran/);
    const after1 = snapshot(hooks);

    const second = repo.cli(['install-hooks']);
    assert.equal(second.code, 0);
    assert.match(second.stdout, /^pre-commit: already installed\npre-merge-commit: already installed\npre-push: already installed\n/);
    assert.deepEqual(snapshot(hooks), after1);

    // Both run: theirs leaves its mark, ours refuses the unapproved change.
    repo.write('src/booking/a.ts', 'unapproved\n');
    repo.git('add', '-A');
    const refused = tryGit(repo, 'commit', '-q', '-m', 'x');
    assert.notEqual(refused.code, 0);
    assert.match(refused.out, /FAIL protected-files verify/);
    assert.equal(readFileSync(join(repo.dir, '.git/their-hook.log'), 'utf8'), 'their hook ran\n');

    // Theirs failing stops the commit before ours runs, as it did before ours was there.
    repo.git('reset', '-q', 'src/booking/a.ts');
    repo.write('.git/hooks/pre-commit.local', '#!/bin/sh\necho "their hook says no" >&2\nexit 3\n');
    repo.write('src/app.ts', 'fine\n');
    repo.git('add', 'src/app.ts');
    const theirs = tryGit(repo, 'commit', '-q', '-m', 'y');
    assert.notEqual(theirs.code, 0);
    assert.match(theirs.out, /their hook says no/);
    assert.doesNotMatch(theirs.out, /protected-files verify/);
  });

  test('the hooks start Node without NODE_EXTRA_CA_CERTS (read at every start, ~45 ms with a system bundle; the gate opens no connection); a kept .local hook still has it', () => {
    const repo = project();
    repo.write('.git/hooks/pre-commit', '#!/bin/sh\nprintf "%s" "$NODE_EXTRA_CA_CERTS" > "$(git rev-parse --git-dir)/their-env.log"\n');
    repo.makeExecutable('.git/hooks/pre-commit');
    assert.equal(repo.cli(['install-hooks']).code, 0);
    // A file that is not there: a Node started with it warns "Ignoring extra certs from …" on stderr.
    const env = { ...repo.sandbox.env, NODE_EXTRA_CA_CERTS: join(repo.dir, 'no-such-bundle.pem') };
    const commit = (message: string): { code: number; out: string } => {
      const r = spawnSync('git', ['commit', '-q', '-m', message], { cwd: repo.dir, env, encoding: 'utf8' });
      return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
    };
    repo.write('src/booking/a.ts', 'unapproved\n');
    repo.git('add', '-A');
    const refused = commit('sneak');
    assert.notEqual(refused.code, 0);
    assert.match(refused.out, /FAIL protected-files verify: 1 violation\(s\)/);
    assert.doesNotMatch(refused.out, /extra certs/, refused.out);
    assert.equal(readFileSync(join(repo.dir, '.git/their-env.log'), 'utf8'), env.NODE_EXTRA_CA_CERTS);
    repo.git('reset', '-q', '--hard');
    repo.write('src/app.ts', 'fine\n');
    repo.git('add', '-A');
    const ok = commit('fine');
    assert.equal(ok.code, 0, ok.out);
    assert.doesNotMatch(ok.out, /extra certs/, ok.out);
    // pre-push: its refs on stdin, as git gives them.
    const push = spawnSync('sh', [join(repo.dir, '.git/hooks/pre-push'), 'origin', 'x'], { cwd: repo.dir, env, input: '', encoding: 'utf8' });
    assert.equal(push.status, 0, `${push.stdout}${push.stderr}`);
    assert.doesNotMatch(`${push.stdout}${push.stderr}`, /extra certs/);
  });

  test('an existing pre-merge-commit hook is kept as pre-merge-commit.local and runs first in a merge; ours then gates it', () => {
    const repo = project();
    repo.write('.git/hooks/pre-merge-commit', '#!/bin/sh\necho "their merge hook ran" >> "$(git rev-parse --git-dir)/their-merge.log"\n');
    repo.makeExecutable('.git/hooks/pre-merge-commit');
    const r = repo.cli(['install-hooks']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /pre-merge-commit: installed; your existing hook is now pre-merge-commit\.local and runs first/);

    assertMergeRefused(repo, 'unapproved\n');
    assert.equal(readFileSync(join(repo.dir, '.git/their-merge.log'), 'utf8'), 'their merge hook ran\n');
  });

  test('a foreign hook next to an existing .local is left alone (exit 1, nothing overwritten)', () => {
    const repo = project();
    repo.write('.git/hooks/pre-commit', '#!/bin/sh\nexit 0\n');
    repo.write('.git/hooks/pre-commit.local', '#!/bin/sh\nexit 0\n');
    const r = repo.cli(['install-hooks']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /pre-commit: not installed: .* is not ours and pre-commit\.local exists too/);
    assert.equal(repo.read('.git/hooks/pre-commit'), '#!/bin/sh\nexit 0\n');
    assert.ok(existsSync(join(repo.dir, '.git/hooks/pre-push')), 'pre-push is still installed');
  });

  test('core.hooksPath is respected', () => {
    const repo = project();
    repo.git('config', 'core.hooksPath', '.githooks');
    const r = repo.cli(['install-hooks']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(repo.dir, '.githooks/pre-commit')));
    assert.ok(!existsSync(join(repo.dir, '.git/hooks/pre-commit')));
  });

  /**
   * A repository set up as husky 9 sets one up: core.hooksPath is .husky/_, whose scripts run
   * .husky/<hook> with `sh -e` (nothing when it is missing). Written here rather than installed.
   */
  function huskyProject(options: { hooksPath?: string | false; runners?: readonly string[]; bin?: boolean } = {}): Repo {
    const repo = project();
    if (options.bin) {
      // The project's own install (a devDependency), what a team's committed hook files should call.
      mkdirSync(join(repo.dir, 'node_modules', '.bin'), { recursive: true });
      symlinkSync(repo.sandbox.cli, join(repo.dir, 'node_modules', '.bin', 'protected-files'));
      chmodSync(repo.sandbox.cli, 0o755);
      repo.write('.gitignore', 'node_modules/\n');
    }
    mkdirSync(join(repo.dir, '.husky', '_'), { recursive: true });
    for (const name of options.runners ?? ['pre-commit', 'pre-merge-commit', 'pre-push']) {
      repo.write(`.husky/_/${name}`, '#!/bin/sh\nhook="${0%/*}/../${0##*/}"\n[ -f "$hook" ] || exit 0\nexec sh -e "$hook" "$@"\n');
      repo.makeExecutable(`.husky/_/${name}`);
    }
    repo.write('.husky/_/.gitignore', '*\n');
    if (options.hooksPath !== false) repo.git('config', 'core.hooksPath', options.hooksPath ?? '.husky/_');
    return repo;
  }

  test('husky: the lines go into .husky/pre-commit, pre-merge-commit and pre-push, created (0755) or added at the end of the user\'s hook, kept byte for byte with its mode; a second run changes nothing and says so; commits, merges and pushes go through the gate', () => {
    const repo = huskyProject({ bin: true });
    const lint = '#!/usr/bin/env sh\necho "lint ran" >> "$(git rev-parse --git-dir)/lint.log"\n';
    repo.write('.husky/pre-commit', lint);
    repo.makeExecutable('.husky/pre-commit');
    repo.write('.husky/pre-push', 'echo "their push check ran" >&2'); // no newline at the end, and not executable (husky 9 does not need it)
    chmodSync(join(repo.dir, '.husky/pre-push'), 0o644);

    const r = repo.cli(['install-hooks']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout,
      'This repository uses husky (.husky/): the lines go into its hook files.\n' +
      '.husky/pre-commit: added at the end of your hook (your lines kept as they were)\n' +
      '.husky/pre-merge-commit: created\n' +
      '.husky/pre-push: added at the end of your hook (your lines kept as they were)\n' +
      'The lines call: node_modules/.bin/protected-files. Commit .husky/ so that the team gets them.\n');
    // From the top level, in a subshell whose failure fails the hook.
    const gate = `  ${gitOutputCommands()} | NODE_EXTRA_CA_CERTS= node_modules/.bin/protected-files verify --staged --git-output\n) || exit $?\n`;
    const preCommit = repo.read('.husky/pre-commit');
    assert.ok(preCommit.startsWith(`${lint}# >>> protected-files install-hooks (pre-commit): the commit gate; running install-hooks again rewrites these lines.\n`), preCommit);
    assert.ok(preCommit.endsWith(`${gate}# <<< protected-files install-hooks\n`), preCommit);
    assert.equal(statSync(join(repo.dir, '.husky/pre-commit')).mode & 0o777, 0o755);
    const merge = repo.read('.husky/pre-merge-commit');
    assert.match(merge, /^#!\/usr\/bin\/env sh\n# >>> protected-files install-hooks \(pre-merge-commit\)/);
    assert.ok(merge.endsWith(`${gate}# <<< protected-files install-hooks\n`), merge);
    assert.equal(statSync(join(repo.dir, '.husky/pre-merge-commit')).mode & 0o777, 0o755);
    assert.equal(repo.read('.husky/pre-push'),
      'echo "their push check ran" >&2\n' +
      '# >>> protected-files install-hooks (pre-push): refuses pushes to protected branches; running install-hooks again rewrites these lines.\n' +
      '(\n  cd "$(git rev-parse --show-toplevel)" || exit 1\n' +
      '  NODE_EXTRA_CA_CERTS= node_modules/.bin/protected-files pre-push "$@"\n) || exit $?\n' +
      '# <<< protected-files install-hooks\n');
    assert.equal(statSync(join(repo.dir, '.husky/pre-push')).mode & 0o777, 0o644);
    assert.ok(!existsSync(join(repo.dir, '.git/hooks/pre-commit')), 'git\'s own hooks folder is not husky\'s');
    assert.deepEqual(readdirSync(join(repo.dir, '.husky')).sort(), ['_', 'pre-commit', 'pre-merge-commit', 'pre-push'], 'no temp file left');

    const written = snapshot(join(repo.dir, '.husky'), ['_']);
    const again = repo.cli(['install-hooks']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout,
      'This repository uses husky (.husky/): the lines go into its hook files.\n' +
      '.husky/pre-commit: already there\n.husky/pre-merge-commit: already there\n.husky/pre-push: already there\n' +
      'Nothing to change: .husky/ has the lines already.\n');
    assert.deepEqual(snapshot(join(repo.dir, '.husky'), ['_']), written);

    // Committed, as the team does; through husky's way of running them (sh -e): theirs first, then the gate.
    repo.commitAll('husky hooks');
    repo.write('src/booking/a.ts', 'unapproved\n');
    repo.git('add', '-A');
    const refused = tryGit(repo, 'commit', '-q', '-m', 'sneak');
    assert.notEqual(refused.code, 0, refused.out);
    assert.match(refused.out, /FAIL protected-files verify: 1 violation\(s\)/);
    assert.equal(readFileSync(join(repo.dir, '.git/lint.log'), 'utf8'), 'lint ran\n');
    repo.git('reset', '-q', '--hard');
    repo.write('src/app.ts', 'fine\n');
    assert.equal(tryGit(repo, 'commit', '-q', '-a', '-m', 'fine').code, 0);

    assertMergeRefused(repo, 'unapproved on a branch\n');
    repo.git('merge', '--abort');

    const remote = join(box.root, `remote${++n}.git`);
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote], { env: box.env });
    repo.git('remote', 'add', 'origin', remote);
    const push = tryGit(repo, 'push', '-q', 'origin', 'main');
    assert.notEqual(push.code, 0);
    assert.match(push.out, /their push check ran\n[^]*Protected Files: pushing to main on origin is refused/);
  });

  test('husky: a line that only prints the command is no call of it; a last exec that only redirects (exec < /dev/tty) goes on', () => {
    const repo = huskyProject({ bin: true });
    repo.write('.husky/pre-commit', 'echo "remember: protected-files verify --staged runs next"\n');
    repo.write('.husky/pre-push', 'exec < /dev/tty\n');
    const r = repo.cli(['install-hooks']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\.husky\/pre-commit: added at the end of your hook/);
    assert.match(r.stdout, /\.husky\/pre-push: added at the end of your hook/);
    assert.match(repo.read('.husky/pre-commit'), /verify --staged --git-output\n\) \|\| exit \$\?\n# <<< protected-files install-hooks\n$/);
  });

  test('husky with this machine\'s CLI only (the extension\'s): the committed lines name no path of it and find it when they run (the clone\'s recorded CLI); a user\'s cd before them does not move them', () => {
    const repo = huskyProject();
    mkdirSync(join(repo.dir, 'frontend'), { recursive: true });
    repo.write('frontend/.keep', '');
    repo.write('.husky/pre-commit', 'cd frontend\n');
    const r = repo.cli(['install-hooks']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /is this machine's: not written into files the team commits/);
    for (const name of ['pre-commit', 'pre-merge-commit', 'pre-push']) assert.ok(!repo.read(`.husky/${name}`).includes(repo.sandbox.cli), name);
    // Without any CLI to find, the commit is refused, saying why.
    repo.commitAll('husky hooks');
    repo.write('src/app.ts', 'fine\n');
    const none = tryGit(repo, 'commit', '-q', '-a', '-m', 'no cli');
    assert.notEqual(none.code, 0, none.out);
    assert.match(none.out, /protected-files: the CLI was not found/);
    // As VS Code's extension records it for the clone: found, and the gate runs from the top level.
    mkdirSync(join(repo.dir, '.git', 'protected-files'), { recursive: true });
    writeFileSync(join(repo.dir, '.git', 'protected-files', 'cli-path'), `${process.execPath}\n${repo.sandbox.cli}\n`);
    assert.equal(tryGit(repo, 'commit', '-q', '-a', '-m', 'fine').code, 0);
    repo.write('src/booking/a.ts', 'unapproved\n');
    const refused = tryGit(repo, 'commit', '-q', '-a', '-m', 'sneak');
    assert.notEqual(refused.code, 0, refused.out);
    assert.match(refused.out, /FAIL protected-files verify: 1 violation\(s\)/);
  });

  test('husky: a hook with CRLF endings and bytes that are not UTF-8 keeps them, ours take its endings; lines of an earlier run are rewritten in place; a hook that calls the gate already, or ends with exit, is left alone', () => {
    const repo = huskyProject();
    const theirs = Buffer.concat([Buffer.from('#!/usr/bin/env sh\r\n# caf'), Buffer.from([0xe9]), Buffer.from('\r\nnpm test\r\n')]);
    repo.write('.husky/pre-commit', theirs);
    repo.write('.husky/pre-merge-commit', '#!/bin/sh\nnpx --no protected-files verify --staged\n');
    repo.write('.husky/pre-push', 'npm run check\nexit 0\n');
    const r = repo.cli(['install-hooks']);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /\n\.husky\/pre-commit: added at the end of your hook/);
    assert.match(r.stdout, /\n\.husky\/pre-merge-commit: already calls protected-files verify --staged; left as it is\n/);
    assert.match(r.stderr, /^protected-files: \.husky\/pre-push: not installed: it ends with "exit 0", so lines added after it would never run\. Put these lines before it by hand, then run install-hooks again:\n {2}# >>> protected-files install-hooks \(pre-push\)/);
    assert.equal(repo.read('.husky/pre-merge-commit'), '#!/bin/sh\nnpx --no protected-files verify --staged\n');
    assert.equal(repo.read('.husky/pre-push'), 'npm run check\nexit 0\n');

    const bytes = readFileSync(join(repo.dir, '.husky/pre-commit'));
    assert.ok(bytes.subarray(0, theirs.length).equals(theirs));
    const ours = bytes.subarray(theirs.length).toString('utf8');
    assert.match(ours, /^# >>> protected-files install-hooks \(pre-commit\)[^\n]*\r\n/);
    assert.equal(ours.split('\n').length - 1, ours.split('\r\n').length - 1, 'every line of ours ends with CRLF');
    // This machine's CLI is never written into a file the team commits: the lines find one when they run.
    assert.ok(!ours.includes(repo.sandbox.cli), ours);
    assert.ok(ours.endsWith(') | NODE_EXTRA_CA_CERTS= pf_cli verify --staged --git-output\r\n) || exit $?\r\n# <<< protected-files install-hooks\r\n'), ours);

    // The project gets its own install: the lines are rewritten to call it, the user's kept, and a line of theirs after ours too.
    writeFileSync(join(repo.dir, '.husky/pre-commit'), Buffer.concat([bytes, Buffer.from('echo after\r\n')]));
    mkdirSync(join(repo.dir, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(repo.sandbox.cli, join(repo.dir, 'node_modules', '.bin', 'protected-files'));
    const updated = repo.cli(['install-hooks']);
    assert.match(updated.stdout, /\n\.husky\/pre-commit: updated \(our lines in it rewritten; the rest kept\)\n/);
    const now = readFileSync(join(repo.dir, '.husky/pre-commit'));
    assert.ok(now.subarray(0, theirs.length).equals(theirs));
    const rest = now.subarray(theirs.length).toString('utf8');
    assert.ok(rest.endsWith(') | NODE_EXTRA_CA_CERTS= node_modules/.bin/protected-files verify --staged --git-output\r\n) || exit $?\r\n# <<< protected-files install-hooks\r\necho after\r\n'), rest);
    assert.equal(rest.match(/# >>> protected-files/g)?.length, 1);
  });

  test('husky not run by git in this clone (core.hooksPath not set, or set elsewhere), or not running pre-merge-commit (before 9.1.5): the files are written, exit 1 saying so', () => {
    const unset = huskyProject({ hooksPath: false });
    const u = unset.cli(['install-hooks']);
    assert.equal(u.code, 1);
    assert.match(u.stdout, /\.husky\/pre-commit: created\n/);
    assert.match(u.stderr, /^protected-files: git does not run husky's hooks in this clone: it runs those in .*\.git\/hooks \(core\.hooksPath is not set\), so the gate is not installed here\. Run npx husky .*then protected-files install-hooks again to check\.\n$/);
    assert.ok(existsSync(join(unset.dir, '.husky/pre-push')));
    assert.ok(!existsSync(join(unset.dir, '.git/hooks/pre-commit')));
    // Once husky is installed, the same command finds everything in place.
    unset.git('config', 'core.hooksPath', '.husky/_');
    const fixed = unset.cli(['install-hooks']);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.match(fixed.stdout, /Nothing to change/);

    const elsewhere = huskyProject({ hooksPath: '.githooks' });
    const e = elsewhere.cli(['install-hooks']);
    assert.equal(e.code, 1);
    assert.match(e.stderr, /it runs those in .*\.githooks \(core\.hooksPath is \.githooks\), so the gate is not installed here\. .*; or, if the project no longer uses husky, remove \.husky\/ and run install-hooks again to install the hooks in /);
    assert.ok(!existsSync(join(elsewhere.dir, '.githooks/pre-commit')));

    const old = huskyProject({ runners: ['pre-commit', 'pre-push'] });
    const o = old.cli(['install-hooks']);
    assert.equal(o.code, 1);
    assert.match(o.stdout, /\.husky\/pre-commit: created\n\.husky\/pre-push: created\n/);
    assert.match(o.stderr, /^protected-files: \.husky\/pre-merge-commit: created, but husky does not run it in this clone: \.husky\/_\/pre-merge-commit is missing \(husky runs pre-merge-commit since 9\.1\.5\): update husky, run npx husky, then install-hooks again\n$/);

    // husky 4 to 8: git runs .husky/<hook> itself, which must be executable.
    const v8 = huskyProject({ hooksPath: '.husky' });
    v8.write('.husky/pre-push', 'npm run check\n');
    const v = v8.cli(['install-hooks']);
    assert.equal(v.code, 1);
    assert.match(v.stderr, /^protected-files: \.husky\/pre-push: added at the end of your hook \(your lines kept as they were\), but git does not run it: it is not executable \(chmod \+x \.husky\/pre-push\)\n$/);
    v8.makeExecutable('.husky/pre-push');
    assert.equal(v8.cli(['install-hooks']).code, 0);
  });

  test('the pre-commit framework and lefthook get the lines to add; exit 1 saying nothing was installed until their configuration calls both commands, 0 once it does; their hooks are not touched', () => {
    const precommit = project();
    precommit.write('.pre-commit-config.yaml', 'repos: []\n');
    const p = precommit.cli(['install-hooks']);
    assert.equal(p.code, 1);
    assert.equal(p.stdout, '');
    assert.match(p.stderr, /^protected-files: nothing was installed: this repository uses the pre-commit framework \(\.pre-commit-config\.yaml\), which owns the git hooks, and \.pre-commit-config\.yaml does not call protected-files verify --staged nor pre-push\.\n/);
    assert.match(p.stderr, / {2}- repo: local\n {4}hooks:\n {6}- id: protected-files-verify\n.*entry: node '.*cli\.js' verify --staged\n {8}language: system\n {8}pass_filenames: false\n {8}always_run: true\n {8}stages: \[pre-commit, pre-merge-commit\]\n/s);
    assert.match(p.stderr, /pre-commit install --hook-type pre-commit --hook-type pre-merge-commit --hook-type pre-push/);
    assert.match(p.stderr, /\nNothing was installed: add these lines to \.pre-commit-config\.yaml, then run protected-files install-hooks again to check\.\n$/);
    assert.ok(!existsSync(join(precommit.dir, '.git/hooks/pre-commit')));
    // The lines printed, pasted in: done. Half of them (the gate without the push) is not.
    const entries = /\n( {2}- repo: local\n(?: {4}.*\n)+)/.exec(p.stderr)![1];
    precommit.write('.pre-commit-config.yaml', `repos:\n${entries.slice(0, entries.indexOf('      - id: protected-files-pre-push'))}`);
    const half = precommit.cli(['install-hooks']);
    assert.equal(half.code, 1);
    assert.match(half.stderr, /does not call protected-files pre-push\.\n/);
    precommit.write('.pre-commit-config.yaml', `repos:\n${entries}`);
    const done = precommit.cli(['install-hooks']);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.stdout, 'This repository uses the pre-commit framework (.pre-commit-config.yaml), which owns the git hooks; nothing was written: .pre-commit-config.yaml already calls protected-files verify --staged and pre-push.\n');
    // This repository as a pre-commit hook repository (docs/team.md): its hook ids.
    precommit.write('.pre-commit-config.yaml', 'repos:\n  - repo: https://github.com/protected-files/protected-files\n    rev: v0.1.0\n    hooks:\n      - id: protected-files-verify\n      - id: protected-files-pre-push\n');
    assert.equal(precommit.cli(['install-hooks']).code, 0);

    const lefthook = project();
    lefthook.write('lefthook.yml', 'pre-commit:\n');
    const l = lefthook.cli(['install-hooks']);
    assert.equal(l.code, 1);
    assert.match(l.stderr, /^protected-files: nothing was installed: this repository uses lefthook \(lefthook\.yml\)/);
    assert.match(l.stderr, /\npre-commit:\n {2}commands:\n {4}protected-files:\n {6}run: \|\n {8}# git answers the gate/);
    assert.match(l.stderr, /\npre-merge-commit:\n {2}commands:\n {4}protected-files:\n {6}run: \|\n {8}# git answers the gate/);
    assert.match(l.stderr, /use_stdin: true/);
    assert.ok(!existsSync(join(lefthook.dir, '.git/hooks/pre-commit')));
    // The run block as lefthook runs it (with sh, from the top level): it gates, and holds no `{…}`, which lefthook would read as a template.
    const block = /\n {6}run: \|\n((?: {8}.*\n)+)/.exec(l.stderr)![1].replace(/^ {8}/gm, '');
    assert.doesNotMatch(block, /[{}]/);
    lefthook.write('src/booking/a.ts', 'unapproved\n');
    lefthook.git('add', '-A');
    const gated = spawnSync('sh', ['-c', block], { cwd: lefthook.dir, env: lefthook.sandbox.env, encoding: 'utf8' });
    assert.equal(gated.status, 1, `${gated.stdout}${gated.stderr}`);
    assert.match(gated.stdout, /FAIL protected-files verify: 1 violation\(s\)/);
    const config = /\n(pre-commit:\n[^]*use_stdin: true\n)/.exec(l.stderr)![1];
    lefthook.write('lefthook.yml', config);
    const ok = lefthook.cli(['install-hooks']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /lefthook\.yml already calls protected-files verify --staged and pre-push\.\n$/);
  });

  test('calls the project\'s own install by its path from the top level when node_modules/.bin has the CLI, not through npx; commits go through it', async () => {
    const repo = project();
    // What npm links there: the package's cli.js, run by its shebang.
    mkdirSync(join(repo.dir, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(repo.sandbox.cli, join(repo.dir, 'node_modules', '.bin', 'protected-files'));
    chmodSync(repo.sandbox.cli, 0o755);
    repo.write('.gitignore', 'node_modules/\n');
    repo.commitAll('ignore node_modules');
    const r = repo.cli(['install-hooks']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /call: node_modules\/\.bin\/protected-files\n$/);
    assert.match(repo.read('.git/hooks/pre-commit'), /\) \| NODE_EXTRA_CA_CERTS= node_modules\/\.bin\/protected-files verify --staged --git-output\n$/);
    assert.match(repo.read('.git/hooks/pre-push'), /\| NODE_EXTRA_CA_CERTS= node_modules\/\.bin\/protected-files pre-push "\$@"\n$/);
    // Committed from a subfolder too: git runs the hook from the top level.
    repo.write('src/booking/a.ts', 'unapproved\n');
    repo.git('add', '-A');
    const refused = spawnSync('git', ['commit', '-q', '-m', 'sneak'], { cwd: join(repo.dir, 'src'), env: repo.sandbox.env, encoding: 'utf8' });
    assert.notEqual(refused.status, 0);
    assert.match(`${refused.stdout}${refused.stderr}`, /FAIL protected-files verify: 1 violation\(s\)/);
    await repo.approve('src/booking/a.ts', 'approved\n');
    repo.git('add', '-A');
    const ok = spawnSync('git', ['commit', '-q', '-m', 'approved'], { cwd: join(repo.dir, 'src'), env: repo.sandbox.env, encoding: 'utf8' });
    assert.equal(ok.status, 0, `${ok.stdout}${ok.stderr}`);
  });

  test('not a git repository: exit 2', () => {
    const r = box.run(['install-hooks'], { cwd: box.dir(`plain${++n}`) });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /is not inside a git repository/);
  });
});

describe('pre-push', () => {
  function withRemote(): Repo {
    const repo = project();
    const remote = join(box.root, `remote${++n}.git`);
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote], { env: box.env });
    repo.git('remote', 'add', 'origin', remote);
    return repo;
  }

  test('refuses a push to a protected branch (also by glob), lets another branch through; a chained pre-push hook gets the same refs', () => {
    const repo = withRemote();
    repo.write('.git/hooks/pre-push', '#!/bin/sh\ncat >> "$(git rev-parse --git-dir)/their-push.log"\n');
    repo.makeExecutable('.git/hooks/pre-push');
    assert.equal(repo.cli(['install-hooks']).code, 0);

    const main = tryGit(repo, 'push', '-q', 'origin', 'main');
    assert.notEqual(main.code, 0);
    assert.match(main.out, /Protected Files: pushing to main on origin is refused: main is a protected branch \("protectedBranches": "main" in \.protection\/manifest\.jsonc\)\. Push a branch of your own and open a pull request/);

    repo.git('checkout', '-q', '-b', 'feature/x');
    const feature = tryGit(repo, 'push', '-q', 'origin', 'feature/x');
    assert.equal(feature.code, 0, feature.out);
    const head = repo.git('rev-parse', 'HEAD');
    assert.match(readFileSync(join(repo.dir, '.git/their-push.log'), 'utf8'), new RegExp(`refs/heads/feature/x ${head} refs/heads/feature/x 0{40}`));

    const release = tryGit(repo, 'push', '-q', 'origin', 'feature/x:release/2.0');
    assert.notEqual(release.code, 0);
    assert.match(release.out, /pushing to release\/2\.0 on origin is refused: release\/2\.0 is a protected branch \("protectedBranches": "release\/\*" matches it/);
  });

  test('the subcommand reads the refs from stdin (and the pre-commit framework\'s variable)', () => {
    const repo = project();
    const sha = repo.git('rev-parse', 'HEAD');
    const zero = '0'.repeat(40);
    const refused = repo.cli(['pre-push', 'origin', 'url'], { input: `refs/heads/x ${sha} refs/heads/main ${zero}\n` });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /pushing to main on origin is refused/);
    assert.equal(repo.cli(['pre-push', 'origin'], { input: `refs/heads/x ${sha} refs/heads/x ${zero}\nrefs/tags/v1 ${sha} refs/tags/v1 ${zero}\n` }).code, 0);
    assert.equal(repo.cli(['pre-push'], { input: '' }).code, 0);
    assert.equal(repo.cli(['pre-push'], { input: '', env: { PRE_COMMIT_REMOTE_BRANCH: 'refs/heads/main' } }).code, 1);
  });

  test('prints the message of an entry written as { "branch", "message" }, also when matched by glob', () => {
    const manifest = MANIFEST.replace(
      '"protectedBranches": ["main", "release/*"]',
      '"protectedBranches": [{ "branch": "main", "message": "Production deploys from main: open a pull request." }, { "branch": "release/*", "message": "Releases are cut by CI." }, "develop"]',
    );
    assert.notEqual(manifest, MANIFEST);
    const repo = box.repo(`r${++n}`, { manifest });
    const sha = repo.git('rev-parse', 'HEAD');
    const zero = '0'.repeat(40);
    const push = (branch: string) => repo.cli(['pre-push', 'origin'], { input: `refs/heads/x ${sha} refs/heads/${branch} ${zero}\n` });

    const main = push('main');
    assert.equal(main.code, 1);
    assert.match(main.stderr, /is a protected branch \("protectedBranches": "main" in \.protection\/manifest\.jsonc\)\. Production deploys from main: open a pull request\.\nPush a branch of your own/);
    const release = push('release/2.0');
    assert.equal(release.code, 1);
    assert.match(release.stderr, /"release\/\*" matches it in \.protection\/manifest\.jsonc\)\. Releases are cut by CI\.\n/);
    const develop = push('develop');
    assert.equal(develop.code, 1);
    assert.match(develop.stderr, /\("protectedBranches": "develop" in \.protection\/manifest\.jsonc\)\. Push a branch of your own/);
    assert.equal(push('feature/x').code, 0);
  });
});
