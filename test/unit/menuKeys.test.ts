// The explorer and editor menus' context keys (src/core/menuKeys.ts): folders listed whole only where
// that is exactly right, so Unlock… and Relock show on the same files as a list of every file would.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { menuKeys } from '../../src/core/menuKeys';
import { dirOf } from '../../src/core/paths';
import type { MenuKeys } from '../../src/core/menuKeys';

/** menuKeys over [path, locked] pairs. */
function keysOf(files: readonly (readonly [string, boolean])[], hasUnprotected: (dir: string) => boolean): MenuKeys {
  const locked = new Map(files);
  return menuKeys([...locked.keys()], (rel) => locked.get(rel) === true, hasUnprotected);
}

/** What the menus would offer on `rel` with these keys (the `when` clauses of package.json). */
function offers(keys: MenuKeys, rel: string): 'unlock' | 'relock' | 'none' {
  const dir = dirOf(rel);
  if (keys.lockedDirs.includes(dir) || keys.lockedFiles.includes(rel)) return 'unlock';
  if (keys.unlockedDirs.includes(dir) || keys.unlockedFiles.includes(rel)) return 'relock';
  return 'none';
}

describe('menuKeys', () => {
  test('a folder of locked files only is listed once, not file by file', () => {
    const files = Array.from({ length: 100 }, (_, i) => [`src/booking/f${i}.ts`, true] as const);
    const keys = keysOf(files, () => false);
    assert.deepEqual(keys, { lockedDirs: ['src/booking'], unlockedDirs: [], lockedFiles: [], unlockedFiles: [] });
  });

  test('a folder that also holds an unprotected file lists its protected files one by one', () => {
    const keys = keysOf([['src/pay/a.ts', true], ['src/pay/b.ts', true]], (d) => d === 'src/pay');
    assert.deepEqual(keys, { lockedDirs: [], unlockedDirs: [], lockedFiles: ['src/pay/a.ts', 'src/pay/b.ts'], unlockedFiles: [] });
    assert.equal(offers(keys, 'src/pay/readme.md'), 'none');
  });

  test('a folder with locked and unlocked files lists each file with its own state', () => {
    const keys = keysOf([['src/pay/a.ts', true], ['src/pay/b.ts', false]], () => false);
    assert.equal(offers(keys, 'src/pay/a.ts'), 'unlock');
    assert.equal(offers(keys, 'src/pay/b.ts'), 'relock');
    assert.deepEqual(keys.lockedDirs, []);
    assert.deepEqual(keys.unlockedDirs, []);
  });

  test('an unlocked folder is listed whole for Relock', () => {
    const keys = keysOf([['auth/a.ts', false], ['auth/b.ts', false]], () => false);
    assert.deepEqual(keys.unlockedDirs, ['auth']);
    assert.equal(offers(keys, 'auth/a.ts'), 'relock');
  });

  test('files at the top of the folder are under the folder itself', () => {
    const keys = keysOf([['package.json', true]], () => false);
    assert.deepEqual(keys.lockedDirs, ['']);
    assert.equal(dirOf('package.json'), '');
    assert.equal(dirOf('a/b/c.ts'), 'a/b');
  });

  test('a folder is about its own files only: a protected subfolder does not make its parent whole', () => {
    const keys = keysOf([['src/booking/a.ts', true]], () => false);
    assert.equal(offers(keys, 'src/b.ts'), 'none');
    assert.equal(offers(keys, 'src/booking/deeper/c.ts'), 'none');
  });

  test('offers exactly what a list of every file would, on random trees', () => {
    let seed = 7;
    const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let round = 0; round < 200; round++) {
      const all = Array.from({ length: 30 }, (_, i) => `d${rnd(5)}/${rnd(2) ? `e${rnd(2)}/` : ''}f${i}.ts`);
      const isProtected = new Map(all.map((p) => [p, rnd(4) !== 0]));
      const locked = new Map(all.map((p) => [p, rnd(5) !== 0]));
      const files = all.filter((p) => isProtected.get(p)).map((p) => [p, locked.get(p) === true] as const);
      const unprotectedDirs = new Set(all.filter((p) => !isProtected.get(p)).map(dirOf));
      const keys = keysOf(files, (d) => unprotectedDirs.has(d));
      for (const p of all) {
        const want = !isProtected.get(p) ? 'none' : locked.get(p) ? 'unlock' : 'relock';
        assert.equal(offers(keys, p), want, `${p} in round ${round}`);
      }
    }
  });

  test('20,000 files in 200 folders become 200 entries', () => {
    const files = Array.from({ length: 20_000 }, (_, i) => [`gen/d${Math.floor(i / 100)}/f${i % 100}.ts`, true] as const);
    const keys = keysOf(files, () => false);
    assert.equal(keys.lockedDirs.length + keys.unlockedDirs.length + keys.lockedFiles.length + keys.unlockedFiles.length, 200);
  });
});

describe('menuKeys over the inventory itself', () => {
  test('a map of the protected files gives the same keys as the list of its paths', () => {
    const locked = new Map<string, boolean>();
    for (let d = 0; d < 5; d++) for (let f = 0; f < 7; f++) locked.set(`src/d${d}/f${f}.ts`, (d + f) % 3 !== 0 || d === 2);
    locked.set('top.ts', true);
    const isLocked = (rel: string): boolean => locked.get(rel) === true;
    const mixed = (dir: string): boolean => dir === 'src/d4';
    assert.deepEqual(menuKeys(locked, isLocked, mixed), menuKeys([...locked.keys()], isLocked, mixed));
    assert.deepEqual(menuKeys(new Set(locked.keys()), isLocked, mixed), menuKeys([...locked.keys()], isLocked, mixed));
  });
});
