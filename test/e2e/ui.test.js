// UI end-to-end tests: the real workbench (code-server in Chromium) with Protected Files installed,
// on a fresh git-initialised copy of test/fixtures/workspace. Each check is a node:test test;
// screenshots go to PF_SCREENSHOTS_DIR.
//
// Run with: bash scripts/run-extension-host.sh e2e   (or bash scripts/test.sh e2e)
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { openWorkbench, waitFor } = require('./workbench');

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

/** The entries of the explorer's context menu on the row whose aria-label starts with `name` (after revealing `rel`). */
async function explorerMenu(rel, name) {
  const { page } = wb;
  await wb.quickOpen(rel);
  await wb.runCommand('File: Reveal Active File in Explorer View');
  const row = page.locator(`.explorer-folders-view .monaco-list-row[aria-label^="${name}"]`).first();
  await row.waitFor({ timeout: 15_000 });
  // (a busy machine may drop the first right-click: look again)
  for (let attempt = 1; ; attempt++) {
    await row.click({ button: 'right' });
    const shown = await page.locator('.monaco-menu .action-label').first().waitFor({ timeout: 5_000 }).then(() => true, () => false);
    if (shown || attempt === 3) break;
  }
  await waitFor('the context menu', async () => (await page.$$('.monaco-menu .action-label')).length > 3);
  const labels = await page.$$eval('.monaco-menu .action-label', (els) => els.map((e) => (e.textContent || '').trim()).filter(Boolean));
  await page.keyboard.press('Escape');
  return labels;
}

test('the explorer offers Unlock… on locked files only (not on unprotected files or on folders)', async () => {
  try {
    // src/booking/ holds protected files only: it is one entry of the context key, not one per file.
    const locked = await explorerMenu('src/booking/pricing.ts', 'pricing.ts');
    assert.ok(locked.includes('Unlock…'), `menu on pricing.ts: ${locked.join(' | ')}`);
    assert.ok(!locked.includes('Relock'), `no Relock on a locked file: ${locked.join(' | ')}`);
    const plain = await explorerMenu('src/utils/format.ts', 'format.ts');
    assert.ok(!plain.includes('Unlock…') && !plain.includes('Relock'), `menu on format.ts: ${plain.join(' | ')}`);
    // A folder inside src/booking/ is not a protected file, although every file next to it is.
    fs.mkdirSync(wb.file('src/booking/drafts'));
    const folder = await waitFor('the new folder in the explorer', async () => {
      const row = wb.page.locator('.explorer-folders-view .monaco-list-row[aria-label^="drafts"]').first();
      if (!(await row.count())) return undefined;
      await row.click({ button: 'right' });
      await waitFor('the context menu', async () => (await wb.page.$$('.monaco-menu .action-label')).length > 3);
      const labels = await wb.page.$$eval('.monaco-menu .action-label', (els) => els.map((e) => (e.textContent || '').trim()).filter(Boolean));
      await wb.page.keyboard.press('Escape');
      return labels;
    }, 20_000);
    assert.ok(!folder.includes('Unlock…'), `menu on the folder drafts: ${folder.join(' | ')}`);
    assert.ok(folder.includes('New File...') || folder.includes('New File…'), `it is the folder's menu: ${folder.join(' | ')}`);
  } catch (err) {
    await wb.screenshot('menus-FAILED').catch(() => {});
    throw err;
  } finally {
    fs.rmSync(wb.file('src/booking/drafts'), { recursive: true, force: true });
  }
});
