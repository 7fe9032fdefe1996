// The inventory of protected files follows the disk (src/vscode/protectionService.ts,
// src/node/inventory.ts): files and whole folders appearing and going, the extension's own writes
// (backups, the audit log's lock) never counted, unprotected folders never read. Under an unlock of
// MIGRATIONS (tier 2), so nothing here is a breach; everything made is removed before relocking.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestApi } from '../../src/extension';
import { api, fileUri, folderPath, mainFolder, sleep, unlockAsOwner, waitFor } from './helpers';

const DIR = 'supabase/migrations/inventory-test';
const MIGRATION = 'supabase/migrations/001_init.sql';

describe('the inventory follows the disk', function () {
  this.timeout(60_000);
  let a: TestApi;
  const abs = (rel: string): string => path.join(folderPath(), ...rel.split('/'));
  const listed = (rel: string): boolean => mainFolder(a).files.has(rel);

  before(async () => {
    a = await api();
    const state = a.service.resolve(fileUri(MIGRATION));
    assert.ok(state, 'MIGRATIONS protects the fixture migration');
    await unlockAsOwner(a, mainFolder(a), state.target, state.classification, 'test: files come and go in migrations');
  });

  after(async () => {
    fs.rmSync(abs(DIR), { recursive: true, force: true });
    await waitFor('the test folder gone from the inventory', () => ![...mainFolder(a).files.keys()].some((r) => r.startsWith(`${DIR}/`)), 15_000);
    const state = a.service.resolve(fileUri(MIGRATION));
    if (state && !state.locked) await a.unlocks.relock(mainFolder(a), state.target, 'relock');
    await a.breach.settled();
  });

  it('counts a protected file created from outside, and forgets it when it is deleted', async () => {
    const rel = `${DIR}/002_add.sql`;
    const before = a.service.protectedCount();
    fs.mkdirSync(abs(DIR), { recursive: true });
    fs.writeFileSync(abs(rel), 'create table t (id int);\n');
    await waitFor('the new file in the inventory', () => listed(rel), 15_000);
    assert.equal(a.service.protectedCount(), before + 1);
    fs.rmSync(abs(rel));
    await waitFor('the file gone from the inventory', () => !listed(rel), 15_000);
  });

  it('reads a folder moved in with its files (they come without events of their own)', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-moved-'));
    for (let i = 0; i < 30; i++) {
      fs.mkdirSync(path.join(outside, 'deeper'), { recursive: true });
      fs.writeFileSync(path.join(outside, i % 2 ? 'deeper' : '', `${String(i).padStart(3, '0')}.sql`), `-- ${i}\n`);
    }
    fs.mkdirSync(abs(DIR), { recursive: true });
    fs.renameSync(outside, abs(`${DIR}/moved`));
    await waitFor('the moved folder\'s files in the inventory', () => listed(`${DIR}/moved/000.sql`) && listed(`${DIR}/moved/deeper/029.sql`), 15_000);
    const files = a.service.filesOf(mainFolder(a), { kind: 'component', name: 'MIGRATIONS' }).map((u) => path.relative(folderPath(), u.fsPath).split(path.sep).join('/'));
    assert.equal(files.filter((r) => r.startsWith(`${DIR}/moved/`)).length, 30, 'every file of the folder belongs to MIGRATIONS');
    // Deleting the folder forgets all of them (one event for the folder).
    fs.rmSync(abs(`${DIR}/moved`), { recursive: true });
    await waitFor('the moved folder gone from the inventory', () => ![...mainFolder(a).files.keys()].some((r) => r.startsWith(`${DIR}/moved/`)), 15_000);
  });

  it('never lists the extension\'s own files that come and go: backups and the audit log\'s lock', async () => {
    const backup = '.protection/backups/20990101T000000000Z-inventory/src/booking/pricing.ts';
    fs.mkdirSync(path.dirname(abs(backup)), { recursive: true });
    fs.writeFileSync(abs(backup), 'a copy\n');
    fs.writeFileSync(abs('.protection/audit.jsonl.lock.inventory-test'), '');
    // A file created after them is seen: by then their events have come and gone.
    const marker = `${DIR}/003_marker.sql`;
    fs.mkdirSync(abs(DIR), { recursive: true });
    fs.writeFileSync(abs(marker), '-- marker\n');
    try {
      await waitFor('the marker in the inventory', () => listed(marker), 15_000);
      await sleep(1500); // a folder's walk runs 300 ms after its event
      assert.ok(!listed(backup), 'a backup is not a protected file of the inventory');
      assert.ok(!listed('.protection/audit.jsonl.lock.inventory-test'), 'the audit log\'s lock is not one either');
    } finally {
      fs.rmSync(abs('.protection/backups/20990101T000000000Z-inventory'), { recursive: true, force: true });
      fs.rmSync(abs('.protection/audit.jsonl.lock.inventory-test'), { force: true });
      fs.rmSync(abs(marker), { force: true });
    }
  });

  it('an unprotected folder with many files adds nothing', async () => {
    const outsideDir = (): number => [...mainFolder(a).files.keys()].filter((r) => !r.startsWith(`${DIR}/`)).length;
    const before = outsideDir();
    const plain = abs('src/utils/inventory-test');
    fs.mkdirSync(plain, { recursive: true });
    try {
      for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(plain, `f${i}.ts`), `export const v${i} = ${i};\n`);
      const marker = `${DIR}/004_marker.sql`;
      fs.mkdirSync(abs(DIR), { recursive: true });
      fs.writeFileSync(abs(marker), '-- marker\n');
      await waitFor('the marker in the inventory', () => listed(marker), 15_000);
      await sleep(1500);
      assert.equal(outsideDir(), before, 'nothing but the marker was added');
      assert.ok(![...mainFolder(a).files.keys()].some((r) => r.startsWith('src/utils/inventory-test/')));
      fs.rmSync(abs(marker));
    } finally {
      fs.rmSync(plain, { recursive: true, force: true });
    }
  });
});
