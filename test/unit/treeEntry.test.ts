// treeEntry (src/node/gitChanges.ts) reads one entry of a git tree object's raw content: the commit
// gate finds HEAD's audit log by it without reading the log. Checked against `git ls-tree` in real
// repositories of both object formats.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { treeEntries, treeEntry } from '../../src/node/gitChanges';
import { isolatedGitEnv } from './cliHarness';

const root = mkdtempSync(join(tmpdir(), 'pf-tree-'));
after(() => rmSync(root, { recursive: true, force: true }));
const env = isolatedGitEnv(root);

describe('treeEntry', () => {
  for (const format of ['sha1', 'sha256']) {
    test(`every entry of a folder as git ls-tree lists it (${format})`, () => {
      const dir = join(root, format);
      mkdirSync(join(dir, '.protection', 'backups'), { recursive: true });
      const git = (...args: string[]): Buffer => execFileSync('git', args, { cwd: dir, env });
      git('init', '-q', `--object-format=${format}`);
      for (const name of ['audit.jsonl', 'audit.jsonl.bak', 'audit', 'a', 'manifest.jsonc', 'naïve é.txt']) writeFileSync(join(dir, '.protection', name), `${name}\n`);
      writeFileSync(join(dir, '.protection', 'backups', 'x'), 'x\n');
      chmodSync(join(dir, '.protection', 'audit'), 0o755);
      symlinkSync('audit.jsonl', join(dir, '.protection', 'link'));
      git('add', '-A');
      git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'x');
      const tree = git('cat-file', 'tree', 'HEAD:.protection');
      const idBytes = format === 'sha1' ? 20 : 32;
      const listed = git('ls-tree', '-z', 'HEAD:.protection').toString('utf8').split('\0').filter(Boolean);
      assert.equal(listed.length, 8);
      for (const line of listed) {
        const [meta, name] = line.split('\t');
        const [mode, , id] = meta.split(' ');
        assert.deepEqual(treeEntry(tree, name, idBytes), { mode: mode === '040000' ? '40000' : mode, id }, name);
      }
      assert.deepEqual([...treeEntries(tree, idBytes)].map((e) => `${e.mode} ${e.name}`), listed.map((l) => `${l.split(' ')[0].replace(/^0/, '')} ${l.split('\t')[1]}`), 'every entry, in order');
      assert.deepEqual([...treeEntries(tree, idBytes)].filter((e) => e.mode === '120000').map((e) => e.name), ['link']);
      assert.equal(treeEntry(tree, 'audit.json', idBytes), undefined);
      assert.equal(treeEntry(tree, 'missing', idBytes), undefined);
      assert.equal(treeEntry(tree.subarray(0, tree.length - 3), 'naïve é.txt', idBytes), undefined, 'the last entry cut short');
    });
  }
});
