// The per-clone grant store's location and its reads: the agents' hooks read it on every tool call,
// and an absent store is answered without hashing its file name.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyGrantState } from '../../src/core/grantState';
import { grantStoreFor, locateGrantStore } from '../../src/node/grantStore';

function checkout(): { root: string; dispose(): void } {
  const root = mkdtempSync(join(tmpdir(), 'pf-grantstore-'));
  mkdirSync(join(root, '.git'));
  return { root, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

describe('grant store', () => {
  test('one file per manifest folder of the checkout: <git dir>/protected-files/folder-<sha256 of the relative path, 16 hex>.json', () => {
    const c = checkout();
    try {
      const id = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);
      const top = locateGrantStore(c.root)!;
      assert.equal(top.dir, join(c.root, '.git', 'protected-files'));
      assert.equal(top.path, join(top.dir, `folder-${id('')}.json`));
      assert.equal(top.inGit, true);
      mkdirSync(join(c.root, 'packages', 'api'), { recursive: true });
      assert.equal(locateGrantStore(join(c.root, 'packages', 'api'))!.path, join(top.dir, `folder-${id('packages/api')}.json`));
      assert.equal(locateGrantStore(tmpdir()), undefined); // no checkout, no fallback
    } finally {
      c.dispose();
    }
  });

  test('readSync: no store folder is an empty state; a state file written later is read, and only the folder\'s own', () => {
    const c = checkout();
    try {
      const store = grantStoreFor(c.root)!;
      assert.deepEqual(store.readSync(), emptyGrantState());
      mkdirSync(store.location.dir);
      assert.deepEqual(store.readSync(), emptyGrantState());
      const state = { ...emptyGrantState(), failures: { 'component:BOOKING_FLOW': [1, 2] }, lockouts: { 'component:BOOKING_FLOW': 3 } };
      writeFileSync(store.path, JSON.stringify(state));
      assert.deepEqual(store.readSync(), state);
      assert.deepEqual(grantStoreFor(c.root)!.readSync(), state);
      mkdirSync(join(c.root, 'sub'));
      assert.deepEqual(grantStoreFor(join(c.root, 'sub'))!.readSync(), emptyGrantState());
    } finally {
      c.dispose();
    }
  });
});
