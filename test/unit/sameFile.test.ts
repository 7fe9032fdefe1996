// linkChains: one decision's symlink lookups, each path and each folder once, with the answers of
// linkChain. A patch naming thousands of files (each with every leading folder taken off) made the
// hook walk the same missing folders again for every name.
import assert from 'node:assert/strict';
import fs, { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { linkChain, linkChains } from '../../src/cli/sameFile';

const dir = fs.realpathSync(mkdtempSync(join(tmpdir(), 'pf-samefile-')));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('linkChains', () => {
  mkdirSync(join(dir, 'src', 'booking'), { recursive: true });
  writeFileSync(join(dir, 'src', 'booking', 'flow.ts'), 'x\n');
  symlinkSync(join(dir, 'src', 'booking', 'flow.ts'), join(dir, 'link.ts'));
  symlinkSync(join(dir, 'src', 'booking', 'gone.ts'), join(dir, 'dangling.ts'));
  symlinkSync(join(dir, 'src', 'booking'), join(dir, 'bk'));

  test('the same chains as linkChain: a file, a link, a dangling link, a linked folder, a missing path', () => {
    const chainOf = linkChains();
    for (const rel of ['src/booking/flow.ts', 'link.ts', 'dangling.ts', 'bk/new.ts', 'bk/flow.ts', 'no/such/folder/x.ts']) {
      const abs = join(dir, ...rel.split('/'));
      assert.deepEqual(chainOf(abs), linkChain(abs), rel);
      assert.deepEqual(chainOf(abs), linkChain(abs), `${rel}, asked again`);
    }
    assert.ok(chainOf(join(dir, 'bk', 'new.ts')).includes(join(dir, 'src', 'booking', 'new.ts')));
    assert.ok(chainOf(join(dir, 'dangling.ts')).includes(join(dir, 'src', 'booking', 'gone.ts')));
  });

  test('2,000 names in the same missing folders: each folder is resolved once, not once per name', () => {
    const native = fs.realpathSync.native;
    let calls = 0;
    fs.realpathSync.native = ((p: fs.PathLike) => {
      calls++;
      return native(p);
    }) as typeof native;
    try {
      const chainOf = linkChains();
      for (let i = 0; i < 2000; i++) chainOf(join(dir, 'a', 'b', 'c', 'd', `f${i}.ts`));
      assert.ok(calls <= 10, `${calls} realpath calls`);
      calls = 0;
      for (let i = 0; i < 20; i++) linkChain(join(dir, 'a', 'b', 'c', 'd', `f${i}.ts`));
      assert.ok(calls >= 20 * 5, `linkChain alone learns nothing between calls (${calls})`);
    } finally {
      fs.realpathSync.native = native;
    }
  });
});
