// The packages of a JavaScript workspace, as the agents' hook looks them up for `pnpm -r`,
// `pnpm --filter`, `npm -w`, `yarn workspace`: pnpm-workspace.yaml's packages, or package.json's
// workspaces, expanded over real folders.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { packagePorts } from '../../src/node/packageManagerFiles';

const workspacePackages = (dir: string): { up: number; folders: string[] } | undefined => packagePorts(dir, undefined).workspacePackages('.');

const base = realpathSync(mkdtempSync(join(tmpdir(), 'pf-workspace-')));
after(() => rmSync(base, { recursive: true, force: true }));

function tree(name: string, files: Record<string, string>): string {
  const root = join(base, name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

describe('workspacePackages', () => {
  test('pnpm-workspace.yaml: quoted, unquoted and commented items, `*` and `**`, a negation left out (more folders is safe), hidden folders and node_modules skipped', () => {
    const root = tree('pnpm', {
      'pnpm-workspace.yaml': "# the workspace\npackages:\n  - 'packages/*'\n  - \"apps/**\"   # every app\n  - tools/cli\n  - '!packages/old'\ncatalog:\n  - 'not/a/package'\n",
      'packages/web/package.json': '{}', 'packages/api/package.json': '{}', 'packages/.cache/x': '',
      'apps/site/package.json': '{}', 'apps/site/node_modules/dep/package.json': '{}', 'tools/cli/package.json': '{}', 'not/a/package/package.json': '{}',
    });
    const found = workspacePackages(join(root, 'packages', 'web'));
    assert.equal(found?.up, 2);
    assert.deepEqual([...(found?.folders ?? [])].sort(), ['apps', 'apps/site', 'packages/api', 'packages/web', 'tools/cli']);
  });

  test('package.json workspaces, as a list or as { packages }; none: undefined', () => {
    const list = tree('npm', { 'package.json': JSON.stringify({ workspaces: ['libs/*'] }), 'libs/a/package.json': '{}', 'libs/b/package.json': '{}' });
    assert.equal(workspacePackages(list)?.up, 0);
    assert.deepEqual([...(workspacePackages(list)?.folders ?? [])].sort(), ['libs/a', 'libs/b']);
    const object = tree('yarn', { 'package.json': JSON.stringify({ workspaces: { packages: ['mods/*'] } }), 'mods/m/package.json': '{}' });
    assert.deepEqual(workspacePackages(join(object, 'mods', 'm')), { up: 2, folders: ['mods/m'] });
    const plain = tree('plain', { 'package.json': JSON.stringify({ name: 'x' }) });
    assert.equal(workspacePackages(plain)?.up ?? 'none', 'none');
  });

  test('patterns built to be slow (`**/**/**/**/**/**` over a tree of folders) stop at the listing bound', () => {
    const files: Record<string, string> = { 'pnpm-workspace.yaml': "packages:\n  - '**/**/**/**/**/**/x'\n" };
    for (let a = 0; a < 8; a++) for (let b = 0; b < 8; b++) for (let c = 0; c < 8; c++) files[`d${a}/e${b}/f${c}/g/h`] = '';
    assert.equal(workspacePackages(tree('slow', files)), undefined, 'past the bound: not looked up');
  });

  test('a package.json past 1 MB, or a folder in its place, is found but not read; the home folder\'s .npmrc is read once', () => {
    const big = tree('bigpkg', { 'package.json': `{"scripts":{"x":"${'y'.repeat(1024 * 1024)}"}}` });
    assert.deepEqual(packagePorts(big, undefined).readPackage('.'), { up: 0, text: undefined, otherShell: false });
    const folder = tree('folderpkg', { 'package.json/inside': '' });
    assert.deepEqual(packagePorts(folder, undefined).readPackage('.'), { up: 0, text: undefined, otherShell: false });
    const home = tree('home', { '.npmrc': 'script-shell=/usr/bin/python3\n' });
    const two = tree('two', { 'a/package.json': '{}', 'b/package.json': '{}' });
    const ports = packagePorts(two, home);
    assert.equal(ports.readPackage('a')?.otherShell, true);
    rmSync(join(home, '.npmrc'));
    assert.equal(ports.readPackage('b')?.otherShell, true, 'the home folder was read once for the decision');
    assert.equal(packagePorts(two, home).readPackage('b')?.otherShell, false);
  });

  test('bounded: past 1,000 packages the workspace is not looked up', () => {
    const files: Record<string, string> = { 'package.json': JSON.stringify({ workspaces: ['p/*'] }) };
    for (let i = 0; i < 1001; i++) files[`p/m${i}/package.json`] = '{}';
    assert.equal(workspacePackages(tree('big', files)), undefined);
  });
});

describe('readScript', () => {
  test('a script file read through a link or below the home folder; a folder or nothing is no script; a named pipe is there but not read; past 1 MB it is large', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-scripts-'));
    try {
      writeFileSync(join(dir, 'fix.sh'), 'rm src/booking/flow.ts\n');
      symlinkSync(join(dir, 'fix.sh'), join(dir, 'link.sh'));
      mkdirSync(join(dir, 'app'));
      writeFileSync(join(dir, 'big.sh'), 'x'.repeat(1024 * 1024 + 1));
      execFileSync('mkfifo', [join(dir, 'pipe.sh')]);
      const { readScript } = packagePorts(dir, undefined);
      assert.deepEqual(readScript('fix.sh'), { text: 'rm src/booking/flow.ts\n' });
      assert.deepEqual(readScript('link.sh'), { text: 'rm src/booking/flow.ts\n' }, 'the shell runs what the link points to');
      assert.deepEqual(readScript(join(dir, 'fix.sh')), { text: 'rm src/booking/flow.ts\n' }, 'an absolute path');
      assert.equal(readScript('app'), undefined);
      assert.equal(readScript('missing.sh'), undefined);
      assert.deepEqual(readScript('big.sh'), { large: true });
      assert.deepEqual(readScript('pipe.sh'), {}, 'a named pipe is not waited on');
      assert.deepEqual(packagePorts('/', dir).readScript('~/fix.sh'), { text: 'rm src/booking/flow.ts\n' }, '~/ is the home folder');
      assert.equal(readScript('~/fix.sh'), undefined, 'no home folder known: not read');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('findProgram', () => {
  test('the first executable file of that name in PATH, unless it or its link target is a system program, or it is compiled; undefined when none is there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pf-path-'));
    try {
      for (const d of ['a', 'b', 'sys']) mkdirSync(join(dir, d));
      writeFileSync(join(dir, 'a', 'fixit'), 'rm x\n'); // not executable: skipped, as execvp does
      writeFileSync(join(dir, 'b', 'fixit'), '#!/bin/sh\nrm x\n', { mode: 0o755 });
      writeFileSync(join(dir, 'sys', 'tool'), '#!/bin/sh\n', { mode: 0o755 });
      symlinkSync(join(dir, 'sys', 'tool'), join(dir, 'b', 'linked'));
      writeFileSync(join(dir, 'b', 'bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), { mode: 0o755 });
      mkdirSync(join(dir, 'b', 'folder'));
      const path = ['a', 'b', 'sys'].map((d) => join(dir, d)).join(':');
      const system = (p: string): boolean => p.startsWith(join(dir, 'sys'));
      const { findProgram } = packagePorts(dir, undefined, { PATH: path });
      assert.equal(findProgram('fixit', system), join(dir, 'b', 'fixit'));
      assert.equal(findProgram('tool', system), null, 'a program of the system\'s');
      assert.equal(findProgram('linked', system), null, 'a link to one');
      assert.equal(findProgram('bin', system), null, 'compiled: nothing to read');
      assert.equal(findProgram('folder', system), undefined);
      assert.equal(findProgram('nosuch', system), undefined);
      assert.equal(packagePorts(join(dir, 'b'), undefined, { PATH: ':/nonexistent' }).findProgram('fixit', system), join(dir, 'b', 'fixit'), 'an empty entry is the folder the command runs in');
      assert.equal(packagePorts(dir, undefined, {}).findProgram('fixit', system), null, 'no PATH: not looked up');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
