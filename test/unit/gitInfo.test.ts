import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { getActor, getHead } from '../../src/node/gitInfo';

// Real git in real temporary repositories. The machine's own git configuration must not leak
// in: HOME and the global config point at an empty temp file, system config is off, and git
// does not look above the temp folder for a repository. simple-git spawns git with
// process.env, so setting it here covers the code under test (each test file is its own process).
const root = mkdtempSync(join(tmpdir(), 'pf-gitinfo-'));
const globalConfig = join(root, 'gitconfig');
const savedEnv = { ...process.env };

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

function newDir(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function newRepo(name: string, user?: { name?: string; email?: string }): string {
  const dir = newDir(name);
  git(dir, 'init', '-q');
  if (user?.name) git(dir, 'config', 'user.name', user.name);
  if (user?.email) git(dir, 'config', 'user.email', user.email);
  return dir;
}

function commit(dir: string, file = 'a.txt'): string {
  writeFileSync(join(dir, file), `content ${Math.random()}\n`);
  git(dir, 'add', file);
  execFileSync('git', ['-c', 'user.name=Committer', '-c', 'user.email=c@example.com', 'commit', '-q', '-m', 'c'], { cwd: dir });
  return git(dir, 'rev-parse', 'HEAD');
}

function osName(): string {
  return userInfo().username;
}

before(() => {
  writeFileSync(globalConfig, '');
  process.env.HOME = root;
  process.env.XDG_CONFIG_HOME = join(root, 'xdg');
  process.env.GIT_CONFIG_GLOBAL = globalConfig;
  process.env.GIT_CONFIG_NOSYSTEM = '1';
  process.env.GIT_CEILING_DIRECTORIES = root;
  for (const key of ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'GIT_DIR', 'GIT_WORK_TREE']) {
    delete process.env[key];
  }
});

after(() => {
  process.env = savedEnv;
  rmSync(root, { recursive: true, force: true });
});

describe('getActor', () => {
  test('the repository-local git user', async () => {
    const dir = newRepo('local-user', { name: 'Ann Local', email: 'ann@example.com' });
    assert.deepEqual(await getActor(dir), { name: 'Ann Local', email: 'ann@example.com' });
  });

  test('from a subfolder of the repository', async () => {
    const dir = newRepo('sub-user', { name: 'Sub User', email: 'sub@example.com' });
    const sub = join(dir, 'src', 'deep');
    mkdirSync(sub, { recursive: true });
    assert.deepEqual(await getActor(sub), { name: 'Sub User', email: 'sub@example.com' });
  });

  test('effective config: global name, local email', async () => {
    writeFileSync(globalConfig, '[user]\n\tname = Global Gina\n\temail = gina@global.example\n');
    try {
      const dir = newRepo('mixed', { email: 'local@example.com' });
      assert.deepEqual(await getActor(dir), { name: 'Global Gina', email: 'local@example.com' });
      // A local value wins over the global one.
      const both = newRepo('both', { name: 'Local Lou', email: 'lou@example.com' });
      assert.deepEqual(await getActor(both), { name: 'Local Lou', email: 'lou@example.com' });
      // Outside any repository git still has the global user.
      assert.deepEqual(await getActor(newDir('plain-with-global')), { name: 'Global Gina', email: 'gina@global.example' });
    } finally {
      writeFileSync(globalConfig, '');
    }
  });

  test('no git user anywhere: the OS user name and an empty email', async () => {
    const dir = newRepo('no-user');
    assert.deepEqual(await getActor(dir), { name: osName(), email: '' });
  });

  test('a name but no email', async () => {
    const dir = newRepo('name-only', { name: 'Only Name' });
    assert.deepEqual(await getActor(dir), { name: 'Only Name', email: '' });
  });

  test('not a repository, or a folder that does not exist: the OS user, no throw', async () => {
    assert.deepEqual(await getActor(newDir('plain')), { name: osName(), email: '' });
    assert.deepEqual(await getActor(join(root, 'does', 'not', 'exist')), { name: osName(), email: '' });
  });
});

describe('getHead', () => {
  test('the full sha of HEAD, also from a subfolder, and it follows new commits', async () => {
    const dir = newRepo('with-commits');
    const first = commit(dir);
    assert.match(first, /^[0-9a-f]{40}$/);
    assert.equal(await getHead(dir), first);
    const second = commit(dir, 'b.txt');
    assert.notEqual(second, first);
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    assert.equal(await getHead(sub), second);
  });

  test('undefined for a repository without commits', async () => {
    assert.equal(await getHead(newRepo('empty')), undefined);
  });

  test('undefined outside a repository and for a missing folder', async () => {
    assert.equal(await getHead(newDir('plain-head')), undefined);
    assert.equal(await getHead(join(root, 'missing')), undefined);
  });
});
