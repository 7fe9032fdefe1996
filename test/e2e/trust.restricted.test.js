// Restricted Mode as a user meets it (run by `run-extension-host.sh e2e-restricted`: workspace trust on,
// the folder untrusted): a locked file is read-only with banner and status bar, Unlock… explains that
// the folder must be trusted, nothing is written; trusting the folder in the workbench switches to full
// mode without a reload, and the unlock then works and is recorded. Screenshot: 11-restricted-mode.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { openWorkbench, sleep, waitFor } = require('./workbench');

const BOOKING = 'src/booking/bookingService.ts';
const MIGRATION = 'supabase/migrations/001_init.sql';
const REASON = 'Add the bookings index (ticket 88)';

/** @type {import('./workbench').Workbench} */
let wb;

before(async () => {
  wb = await openWorkbench();
});

after(async () => {
  if (wb) await wb.close();
});

const audit = () => wb.file('.protection/audit.jsonl');

test('untrusted: a locked file stays read-only with banner and status bar; Unlock… says to trust the folder first', async () => {
  const before = fs.readFileSync(wb.file(BOOKING), 'utf8');
  await wb.quickOpen(BOOKING);
  await wb.waitForStatusBar('T1 locked', 20_000);
  const banner = await waitFor('the banner', async () => (await wb.page.$$eval('.editor-group-container.active .codelens-decoration', (els) => els.map((e) => e.textContent))).find((t) => t.includes('BOOKING_FLOW')));
  assert.match(banner, /Tier 1 · Revenue critical · BOOKING_FLOW/);
  await wb.typeInEditor('SHOULD NOT APPEAR ');
  await wb.save();
  assert.equal(fs.readFileSync(wb.file(BOOKING), 'utf8'), before);

  await wb.runCommand('Protected Files: Unlock…');
  const toast = await wb.waitForNotification('Restricted Mode', 15_000);
  assert.match(toast, /cannot unlock in Restricted Mode: .*the folder must be trusted first/);
  assert.match(toast, /Manage Workspace Trust/);
  await wb.screenshot('11-restricted-mode');
  assert.ok(!fs.existsSync(audit()), 'nothing recorded');
  assert.ok(!fs.existsSync(wb.file('.git/protected-files')), 'no grant store');
});

test('trusting the folder switches to full mode: the unlock asks for a reason and is recorded', async () => {
  // A hover left over from the first test can cover the button: move the pointer away, and if the
  // click is still intercepted, send the click to the button itself.
  await wb.page.mouse.move(1, 1);
  const manage = wb.page.locator('.notifications-toasts .notification-toast .monaco-button', { hasText: 'Manage Workspace Trust' }).first();
  await manage.click({ timeout: 8_000 }).catch(() => manage.dispatchEvent('click'));
  const trust = wb.page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust/ }).first();
  await trust.waitFor({ state: 'visible', timeout: 15_000 });
  await trust.click();
  await sleep(1000);
  await wb.quickOpen(MIGRATION);
  await wb.waitForStatusBar('T2 locked');
  await wb.runCommand('Protected Files: Unlock…', { closes: false });
  await wb.pick(MIGRATION);
  const box = await wb.inputBoxPrompt();
  assert.match(box.title, /Unlock MIGRATIONS/);
  await wb.answerInput(REASON);
  await wb.waitForStatusBar('T2 unlocked');
  const records = await waitFor('the unlock record', () => fs.existsSync(audit()) && fs.readFileSync(audit(), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
  assert.deepEqual(records.map((r) => [r.event, r.component, r.reason]), [['unlock', 'MIGRATIONS', REASON]]);
});
