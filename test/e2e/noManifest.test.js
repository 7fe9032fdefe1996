// A workspace without a manifest: the commands answer with one sentence and an action that creates a
// commented starter manifest, which then protects itself.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { openWorkbench, sleep } = require('./workbench');

/** @type {import('./workbench').Workbench} */
let wb;
let folder;

before(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-no-manifest-'));
  fs.writeFileSync(path.join(folder, 'app.ts'), 'export const app = 1;\n');
  wb = await openWorkbench({ workspace: folder });
});

after(async () => {
  if (wb) await wb.close();
  if (folder) fs.rmSync(folder, { recursive: true, force: true });
});

test('without a manifest, Unlock… offers to create one, and the starter manifest protects itself', async () => {
  // The extension is not active yet here (no manifest): its commands appear once the workbench has
  // read the contributions; a slow machine may need a second look.
  for (let attempt = 1; ; attempt++) {
    try {
      await wb.runCommand('Protected Files: Unlock…');
      break;
    } catch (err) {
      if (attempt >= 3) throw err;
      await sleep(3000);
    }
  }
  const toast = await wb.waitForNotification('No protection manifest in this workspace', 20_000);
  assert.match(toast, /Create one\?/);
  await wb.page.locator('.notifications-toasts .notification-toast', { hasText: 'No protection manifest' })
    .locator('.monaco-button', { hasText: 'Create Manifest' }).first().click();
  const manifest = path.join(folder, '.protection', 'manifest.jsonc');
  for (let i = 0; i < 100 && !fs.existsSync(manifest); i++) await sleep(100);
  assert.ok(fs.existsSync(manifest), 'the starter manifest was written');
  assert.match(fs.readFileSync(manifest, 'utf8'), /"tiers"/);
  await wb.page.waitForSelector('.tab.active[aria-label*="manifest.jsonc"]', { timeout: 15_000 });
  // The new manifest protects .protection/** at once.
  await wb.waitForStatusBar('locked', 20_000);
  await sleep(1500);
  const toasts = await wb.notifications();
  assert.ok(!toasts.some((t) => /outside the editor/.test(t)), `creating the manifest is not a breach (got: ${toasts.join(' | ')})`);
  assert.ok(!fs.existsSync(path.join(folder, '.protection', 'audit.jsonl')), 'no incident was recorded');
  await wb.screenshot('6-starter-manifest');
});
