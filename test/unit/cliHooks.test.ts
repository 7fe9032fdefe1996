// `protected-files install-hooks` and `pre-push`: real hooks run by real git commands.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
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

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    out[name] = `${(statSync(p).mode & 0o777).toString(8)} ${readFileSync(p, 'utf8')}`;
  }
  return out;
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

    repo.git('checkout', '-q', '-b', 'side');
    repo.write('src/booking/a.ts', 'unapproved\n');
    repo.commitAll('side (hook skipped)');
    repo.git('checkout', '-q', 'main');
    const merged = tryGit(repo, 'merge', '--no-ff', '-q', '-m', 'merge side', 'side');
    assert.notEqual(merged.code, 0, merged.out);
    assert.match(merged.out, /FAIL protected-files verify: 1 violation\(s\)/);
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

  test('husky, the pre-commit framework and lefthook get the lines to add; their hooks are not touched', () => {
    const husky = project();
    mkdirSync(join(husky.dir, '.husky'));
    const h = husky.cli(['install-hooks']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /uses husky \(\.husky\).*nothing was written\.\nAdd these lines to \.husky\/pre-commit and to \.husky\/pre-merge-commit \(or the one line "node '.*cli\.js' verify --staged", which starts git only once Node is up\):\n/s);
    assert.ok(h.stdout.includes(`${gitOutputCommands().replace(/^/gm, '  ')} | NODE_EXTRA_CA_CERTS= node '${husky.sandbox.cli}' verify --staged --git-output\nand this line to .husky/pre-push:\n  node '${husky.sandbox.cli}' pre-push "$@"\n`), h.stdout);
    assert.ok(!existsSync(join(husky.dir, '.git/hooks/pre-commit')));

    const precommit = project();
    precommit.write('.pre-commit-config.yaml', 'repos: []\n');
    const p = precommit.cli(['install-hooks']);
    assert.equal(p.code, 0);
    assert.match(p.stdout, /uses the pre-commit framework/);
    assert.match(p.stdout, / {2}- repo: local\n {4}hooks:\n {6}- id: protected-files-verify\n.*entry: node '.*cli\.js' verify --staged\n {8}language: system\n {8}pass_filenames: false\n {8}always_run: true\n {8}stages: \[pre-commit, pre-merge-commit\]\n/s);
    assert.match(p.stdout, /pre-commit install --hook-type pre-commit --hook-type pre-merge-commit --hook-type pre-push/);
    assert.ok(!existsSync(join(precommit.dir, '.git/hooks/pre-commit')));

    const lefthook = project();
    lefthook.write('lefthook.yml', 'pre-commit:\n');
    const l = lefthook.cli(['install-hooks']);
    assert.equal(l.code, 0);
    assert.match(l.stdout, /uses lefthook \(lefthook\.yml\)/);
    assert.match(l.stdout, /\npre-commit:\n {2}commands:\n {4}protected-files:\n {6}run: \|\n {8}# git answers the gate/);
    assert.match(l.stdout, /\npre-merge-commit:\n {2}commands:\n {4}protected-files:\n {6}run: \|\n {8}# git answers the gate/);
    assert.match(l.stdout, /use_stdin: true/);
    assert.ok(!existsSync(join(lefthook.dir, '.git/hooks/pre-commit')));
    // The run block as lefthook runs it (with sh, from the top level): it gates, and holds no `{…}`, which lefthook would read as a template.
    const block = /\n {6}run: \|\n((?: {8}.*\n)+)/.exec(l.stdout)![1].replace(/^ {8}/gm, '');
    assert.doesNotMatch(block, /[{}]/);
    lefthook.write('src/booking/a.ts', 'unapproved\n');
    lefthook.git('add', '-A');
    const gated = spawnSync('sh', ['-c', block], { cwd: lefthook.dir, env: lefthook.sandbox.env, encoding: 'utf8' });
    assert.equal(gated.status, 1, `${gated.stdout}${gated.stderr}`);
    assert.match(gated.stdout, /FAIL protected-files verify: 1 violation\(s\)/);
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
