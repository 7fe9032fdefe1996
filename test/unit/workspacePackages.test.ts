// The packages of a JavaScript workspace, as the agents' hook looks them up for `pnpm -r`,
// `pnpm --filter`, `npm -w`, `yarn workspace`: pnpm-workspace.yaml's packages, or package.json's
// workspaces, expanded over real folders.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { workspacePackages } from '../../src/node/workspacePackages';

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

  test('bounded: past 1,000 packages the workspace is not looked up', () => {
    const files: Record<string, string> = { 'package.json': JSON.stringify({ workspaces: ['p/*'] }) };
    for (let i = 0; i < 1001; i++) files[`p/m${i}/package.json`] = '{}';
    assert.equal(workspacePackages(tree('big', files)), undefined);
  });
});
