// UI end-to-end tests: the real workbench (code-server in Chromium) with Protected Files installed,
// on a fresh git-initialised copy of test/fixtures/workspace. Each check is a node:test test;
// screenshots go to PF_SCREENSHOTS_DIR.
//
// Run with: bash scripts/run-extension-host.sh e2e   (or bash scripts/test.sh e2e)
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { openWorkbench } = require('./workbench');

/** @type {import('./workbench').Workbench} */
let wb;

before(async () => {
  wb = await openWorkbench();
});

after(async () => {
  if (wb) await wb.close();
});

test('the workbench loads with the fixture workspace', async () => {
  const rows = await wb.page.$$eval('.explorer-folders-view .monaco-list-row', (els) => els.map((e) => e.getAttribute('aria-label') || ''));
  for (const name of ['.protection', 'src', 'supabase', 'README.md']) {
    assert.ok(rows.some((r) => r.startsWith(name)), `explorer shows ${name} (rows: ${rows.join(', ')})`);
  }
  await wb.screenshot('control-0-workbench');
});

test('an unprotected file can be edited and saved (control case)', async () => {
  const file = wb.file('src/utils/format.ts');
  const before = fs.readFileSync(file, 'utf8');
  await wb.quickOpen('src/utils/format.ts');
  await wb.typeInEditor('// edited by the UI test\n');
  await wb.save();
  const after = fs.readFileSync(file, 'utf8');
  assert.notEqual(after, before, 'the file on disk changed');
  assert.ok(after.startsWith('// edited by the UI test\n'), `the typed text is on disk: ${JSON.stringify(after.slice(0, 60))}`);
  await wb.screenshot('control-1-unprotected-file-saved');
});
