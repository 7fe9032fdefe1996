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
  const rel = 'src/utils/format.ts';
  const line = '// edited by the UI test';
  const before = fs.readFileSync(wb.file(rel), 'utf8');
  try {
    await wb.quickOpen(rel);
    await wb.typeInEditor(`${line}\n`);
    assert.ok((await wb.editorText()).includes(line), 'the editor shows the typed text');
    await wb.save();
    const after = await wb.waitForFile(rel, (c) => c !== before);
    assert.ok(after.startsWith(`${line}\n`), `the typed text is on disk: ${JSON.stringify(after.slice(0, 60))}`);
    await wb.screenshot('control-1-unprotected-file-saved');
  } catch (err) {
    await wb.screenshot('control-1-FAILED').catch(() => {});
    throw err;
  }
});
