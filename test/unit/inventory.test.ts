// The inventory walk (src/node/inventory.ts) on a real temporary tree: every protected file found,
// folders no glob can reach never read, links never followed, the limit honoured.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseManifest } from '../../src/core/manifest';
import { ProtectionMatcher } from '../../src/core/matcher';
import { isSkipped, walkProtected } from '../../src/node/inventory';
import type { Inventory } from '../../src/node/inventory';

const MANIFEST = JSON.stringify({
  tiers: { t1: { badge: 'T1', unlock: { requireCode: false } } },
  components: { BOOKING: { tier: 't1', files: ['src/booking/**', 'docs/*.md'] } },
});

let root: string;
const write = (rel: string, text = 'x'): void => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
};

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-inventory-'));
  for (const rel of ['src/booking/a.ts', 'src/booking/deep/b.ts', 'src/booking/README', 'docs/guide.md', 'docs/notes.txt',
    'docs/sub/other.md', 'src/plain/c.ts', 'lib/d.ts', 'node_modules/src/booking/e.ts', '.protection/manifest.jsonc',
    '.protection/backups/x', 'top.txt']) write(rel);
  fs.symlinkSync(path.join(root, 'lib'), path.join(root, 'src', 'booking', 'linked'));
  fs.symlinkSync(os.tmpdir(), path.join(root, 'src', 'booking', 'outside'));
});

after(() => fs.rmSync(root, { recursive: true, force: true }));

async function walk(limit?: number): Promise<Inventory<unknown> & { dirs: string[] }> {
  const matcher = new ProtectionMatcher(parseManifest(MANIFEST).manifest);
  const dirs: string[] = [];
  const r = await walkProtected(root, {
    classify: (rel) => matcher.classify(rel),
    mayProtectUnder: (dir) => matcher.mayProtectUnder(dir),
    skipNames: new Set(['node_modules', '.git']),
    skipPaths: new Set(['.protection/backups']),
    limit,
    onDir: (d) => dirs.push(d),
  });
  return { ...r, dirs };
}

describe('walkProtected', () => {
  test('finds every protected file, and only those', async () => {
    const r = await walk();
    assert.deepEqual([...r.files.keys()].sort(), ['.protection/manifest.jsonc', 'docs/guide.md', 'src/booking/README', 'src/booking/a.ts',
      'src/booking/deep/b.ts', 'src/booking/linked', 'src/booking/outside']);
    assert.equal(r.truncated, false);
  });

  test('reads no folder a glob cannot reach, and never follows a link', async () => {
    const r = await walk();
    assert.deepEqual(r.dirs.sort(), ['', '.protection', 'docs', 'src', 'src/booking', 'src/booking/deep']);
  });

  test('notes the folders that hold unprotected files next to protected ones', async () => {
    const r = await walk();
    assert.ok(r.unprotectedDirs.has('docs'), 'docs/notes.txt');
    assert.ok(r.unprotectedDirs.has(''), 'top.txt');
    assert.ok(!r.unprotectedDirs.has('src/booking'));
  });

  test('stops at the limit and says so', async () => {
    const r = await walk(3);
    assert.equal(r.truncated, true);
    assert.ok(r.files.size <= 3);
  });

  test('walks one folder and below when asked (a folder moved in)', async () => {
    const matcher = new ProtectionMatcher(parseManifest(MANIFEST).manifest);
    const r = await walkProtected(root, { classify: (rel) => matcher.classify(rel), mayProtectUnder: (d) => matcher.mayProtectUnder(d), from: 'src/booking/deep' });
    assert.deepEqual([...r.files.keys()], ['src/booking/deep/b.ts']);
  });

  test('isSkipped: a skipped name at any depth, a skipped path and what is under it', () => {
    const o = { skipNames: new Set(['node_modules', '.git']), skipPaths: new Set(['.protection/backups']) };
    for (const rel of ['node_modules', 'a/node_modules/b.ts', '.git/index', '.protection/backups', '.protection/backups/t/x.ts']) {
      assert.ok(isSkipped(o, rel), rel);
    }
    for (const rel of ['src/a.ts', '.protection/manifest.jsonc', 'x/.protection/backups/y', 'node_modules2/a', '.gitignore']) {
      assert.ok(!isSkipped(o, rel), rel);
    }
  });

  test('a named pipe under a protected glob is neither listed nor opened (a walk that opened it would hang)', { skip: process.platform === 'win32' ? 'no mkfifo' : false }, async () => {
    const fifo = path.join(root, 'src', 'booking', 'pipe.ts');
    execFileSync('mkfifo', [fifo]);
    try {
      const r = await walk();
      assert.ok(!r.files.has('src/booking/pipe.ts'));
      assert.ok(r.files.has('src/booking/a.ts'));
    } finally {
      fs.rmSync(fifo);
    }
  });

  test('a folder that is gone is skipped, not fatal', async () => {
    const r = await walkProtected(path.join(root, 'no-such-folder'), { classify: () => 1, mayProtectUnder: () => true });
    assert.equal(r.files.size, 0);
  });
});
