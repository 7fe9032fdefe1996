// The core loop as a user walks it in the real workbench: a locked file with badge, banner and status
// bar refuses typing; Set Unlock Code… (which first unlocks the self-protecting manifest); Unlock… with
// code and reason typed into the prompts; edit and save; relocked, with the record in the audit log.
// Screenshots: 1-locked, 2-unlock-prompt, 3-after-save (the README shows them).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { openWorkbench, sleep, waitFor: waitUntil } = require('./workbench');

const BOOKING = 'src/booking/bookingService.ts';
const CODE = 'Harbor-Lights-2941';
const REASON = 'Fix the double charge on rebooking (ticket 123)';

/** @type {import('./workbench').Workbench} */
let wb;

before(async () => {
  wb = await openWorkbench();
});

after(async () => {
  if (wb) await wb.close();
});

function audit() {
  const file = wb.file('.protection/audit.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

const waitFor = (what, fn, timeout = 10_000) => waitUntil(what, fn, timeout, 100);

/** The banner (CodeLens) texts of the active editor. */
async function bannerTexts() {
  return wb.page.$$eval('.editor-group-container.active .monaco-editor .codelens-decoration', (els) => els.map((e) => e.textContent.replace(/\s+/g, ' ').trim()));
}

/** The badge the explorer draws after a file's label (a CSS ::after content) and its tooltip; undefined while the row is not shown. */
async function explorerBadge(name) {
  // (the explorer reveals the opened file a moment later on a busy machine)
  if (!(await wb.page.$(`.explorer-folders-view .monaco-list-row[aria-label^="${name}"] .monaco-icon-label`))) return undefined;
  return wb.page.$eval(`.explorer-folders-view .monaco-list-row[aria-label^="${name}"] .monaco-icon-label`, (el) => ({
    badge: getComputedStyle(el, '::after').content,
    decorated: /monaco-decoration-itemColor/.test(el.className),
    title: el.getAttribute('title') || el.closest('[title]')?.getAttribute('title') || '',
  }));
}

test('a locked file shows badge, banner and status bar, and refuses typing', async () => {
  const before = fs.readFileSync(wb.file(BOOKING), 'utf8');
  await wb.quickOpen(BOOKING);
  await waitFor('the banner', async () => (await bannerTexts()).some((t) => t.includes('BOOKING_FLOW')));
  const banner = (await bannerTexts()).join(' | ');
  assert.match(banner, /Tier 1 · Revenue critical · BOOKING_FLOW — Booking chat flow for all members: revenue stops if it breaks · \$10,000\+\/day/);
  assert.match(banner, /Unlock…/);
  // A file read-only in the editor wears the workbench's own lock in the badge slot; the others show the tier.
  const pricing = await waitFor('the T1 badge on pricing.ts', async () => { const b = await explorerBadge('pricing.ts'); return b && /T1/.test(b.badge) && b; });
  assert.ok(pricing.decorated, 'the label takes the tier color');
  await waitFor('the open locked file keeps the tier color', async () => (await explorerBadge('bookingService.ts'))?.decorated);
  const status = await wb.waitForStatusBar('T1 locked');
  assert.ok(status, 'status bar shows T1 locked');
  await wb.screenshot('1-locked');
  await wb.typeInEditor('SHOULD NOT APPEAR ');
  const overlay = (await wb.editorOverlayMessages()).join(' ');
  assert.match(overlay, /read-only/i, `typing shows the read-only message (got: ${overlay})`);
  await wb.save();
  assert.equal(fs.readFileSync(wb.file(BOOKING), 'utf8'), before, 'the file on disk is unchanged');
  assert.ok(!(await wb.editorText()).includes('SHOULD NOT APPEAR'));
});

test('Set Unlock Code… unlocks the manifest, then writes the code\'s key for the user to save', async () => {
  await wb.runCommand('Protected Files: Set Unlock Code…', { closes: false });
  await wb.pick('BOOKING_FLOW');
  await wb.pick('Set a code');
  // The manifest protects itself; no code exists yet, so its unlock asks only for a reason.
  const reasonBox = await wb.inputBoxPrompt();
  assert.match(reasonBox.prompt, /Why do you need to change \.protection\/manifest\.jsonc/);
  await wb.answerInput('Give BOOKING_FLOW its owner code');
  await wb.answerPassword(CODE);
  await wb.answerPassword(CODE);
  await waitFor('the manifest editor', async () => ((await wb.activeTab()).label || '').includes('manifest.jsonc'));
  await sleep(500);
  await wb.page.keyboard.press('Control+S');
  const manifest = await waitFor('the hash on disk', () => {
    const text = fs.readFileSync(wb.file('.protection/manifest.jsonc'), 'utf8');
    return /"unlockCodes": \[\s*"ed25519\$\d+\$/.test(text) && text;
  });
  assert.ok(!manifest.includes(CODE), 'the manifest holds a public key, never the code');
  await waitFor('the manifest change record', () => audit().some((r) => r.event === 'change' && r.file === '.protection/manifest.jsonc'));
});

test('Unlock… asks for the code in a password box and for a reason; save relocks and records', async () => {
  await wb.quickOpen(BOOKING);
  await wb.waitForStatusBar('T1 locked');
  await wb.runCommand('Protected Files: Unlock…', { closes: false });
  const items = await wb.pickItems();
  assert.ok(items[0] && items[0].includes(BOOKING), `the active file comes first (got ${items.join(' | ')})`);
  await wb.pick(BOOKING);
  const codeBox = await wb.inputBoxPrompt();
  assert.match(codeBox.title, /Unlock BOOKING_FLOW · Tier 1 · Revenue critical/);
  assert.match(codeBox.prompt, /Risk: Booking chat flow/);
  await wb.page.keyboard.type(CODE);
  await sleep(300);
  const masked = await wb.page.$eval('.quick-input-widget .quick-input-box input', (i) => i.type);
  assert.equal(masked, 'password');
  await wb.screenshot('2-unlock-prompt');
  await wb.page.keyboard.press('Enter');
  await sleep(400);
  await wb.answerInput(REASON);
  await wb.waitForStatusBar('T1 unlocked');
  const before = fs.readFileSync(wb.file(BOOKING), 'utf8');
  await wb.typeInEditor('// reviewed by ops\n');
  await wb.save();
  await waitFor('the file on disk', () => fs.readFileSync(wb.file(BOOKING), 'utf8') === `// reviewed by ops\n${before}`);
  await wb.waitForStatusBar('T1 locked');
  const change = await waitFor('the change record', () => audit().find((r) => r.event === 'change' && r.file === BOOKING));
  assert.equal(change.reason, REASON);
  assert.equal(change.component, 'BOOKING_FLOW');
  assert.equal(change.added, 1);
  assert.ok(!fs.readFileSync(wb.file('.protection/audit.jsonl'), 'utf8').includes(CODE), 'no code in the audit log');
  await wb.runCommand('Protected Files: Open Audit Log');
  await waitFor('the audit log editor', async () => ((await wb.activeTab()).label || '').includes('audit.jsonl'));
  await wb.page.keyboard.press('Control+End');
  await sleep(500);
  await wb.screenshot('3-after-save');
});

test('a write from outside the editor is rolled back and the user is told', async () => {
  const file = wb.file(BOOKING);
  const approved = fs.readFileSync(file, 'utf8');
  await wb.quickOpen(BOOKING);
  fs.writeFileSync(file, 'export const hijacked = true;\n'); // an agent in a terminal
  const toast = await wb.waitForNotification('outside the editor while locked', 15_000);
  assert.match(toast, /the approved content was restored/);
  assert.match(toast, /Show Diff/);
  await waitFor('the approved content back on disk', () => fs.readFileSync(file, 'utf8') === approved);
  await waitFor('the editor shows the approved content', async () => (await wb.editorText()).includes('confirmBooking'));
  await wb.screenshot('4-breach');
  const events = audit().slice(-2).map((r) => r.event);
  assert.deepEqual(events, ['breach', 'restore']);
});

test('Set Up Agent Guards previews the files, shows a diff, and writes them', async () => {
  await wb.runCommand('Protected Files: Set Up Agent Guards', { closes: false });
  const items = await wb.pickItems();
  assert.ok(items.some((i) => i.includes('Show Diff: AGENTS.md')), `the preview lists AGENTS.md (got ${items.join(' | ')})`);
  await wb.pick('Show Diff: .claude/settings.json');
  await waitFor('the diff editor', async () => ((await wb.activeTab()).label || '').includes('.claude/settings.json'));
  await wb.screenshot('5-agent-guards-preview');
  await wb.pick('Write ');
  const agents = await waitFor('AGENTS.md written', () => fs.existsSync(wb.file('AGENTS.md')) && fs.readFileSync(wb.file('AGENTS.md'), 'utf8'));
  // New Cline hook files run after a reload (Cline keeps the hooks it found), Codex's after a person trusts them: the report says so.
  const report = await wb.waitForNotification('Agent guards written', 15_000);
  assert.match(report, /Cline runs its new hooks after Developer: Reload Window/);
  assert.match(report, /Codex skips new or changed hooks until you trust them: open \/hooks in Codex/);
  assert.match(agents, /<!-- protected-files:begin -->[\s\S]*BOOKING_FLOW[\s\S]*<!-- protected-files:end -->/);
  const claude = JSON.parse(fs.readFileSync(wb.file('.claude/settings.json'), 'utf8'));
  assert.equal(claude.permissions, undefined, 'no static deny rule: an unlock must be able to lift every refusal');
  assert.ok(JSON.stringify(claude.hooks.PreToolUse).includes('.protection/hooks/guard.sh'));
  for (const f of ['.github/hooks/protected-files.json', '.cursor/hooks.json', '.gemini/settings.json', '.codex/hooks.json', '.windsurf/hooks.json', '.clinerules/hooks/PreToolUse', '.clinerules/hooks/PostToolUse', '.protection/hooks/guard.sh']) {
    assert.ok(fs.existsSync(wb.file(f)), `${f} written`);
  }
  // Cline runs only an executable hook file.
  for (const f of ['.clinerules/hooks/PreToolUse', '.clinerules/hooks/PostToolUse']) assert.equal(fs.statSync(wb.file(f)).mode & 0o755, 0o755, `${f} is executable`);
  // The hook files are protected: the writes were recorded first, so the breach guard keeps them.
  await new Promise((r) => setTimeout(r, 2000));
  assert.ok(fs.existsSync(wb.file('.protection/hooks/guard.sh')) && JSON.stringify(JSON.parse(fs.readFileSync(wb.file('.claude/settings.json'), 'utf8')).hooks).includes('guard.sh'), 'not restored');
  const generated = audit().filter((r) => r.detail === 'generated by protected-files agents').map((r) => r.file);
  assert.ok(generated.includes('.claude/settings.json') && generated.includes('.protection/hooks/guard.sh'), JSON.stringify(generated));
  assert.ok(!audit().some((r) => r.event === 'breach' && (r.file === '.claude/settings.json' || r.file === '.protection/hooks/guard.sh')), 'no breach recorded for the generated files');
  const vscodeSettings = fs.readFileSync(wb.file('.vscode/settings.json'), 'utf8');
  assert.match(vscodeSettings, /"chat\.tools\.edits\.autoApprove"[\s\S]*"src\/booking\/\*\*": false/);
});
