// Restricted Mode in a real extension host: loaded only by `run-extension-host.sh integration-restricted`,
// which keeps workspace trust on and opens the fixture folder untrusted. Locked files stay read-only
// with their badge, banner and status bar; nothing is spawned or written; an unlock says why not.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import { ScriptedPrompter } from '../../src/vscode/prompter';
import { api, closeAll, fileUri, folderPath, mainFolder, readDisk, show, sleep, typeText, waitFor } from './helpers';

const BOOKING = 'src/booking/bookingService.ts';
const MIGRATION = 'supabase/migrations/001_init.sql';

/** What the extension may write in a folder: none of it may appear in Restricted Mode. */
function written(): string[] {
  const root = folderPath();
  return ['.protection/audit.jsonl', '.protection/backups', '.git/protected-files', '.git/hooks/pre-commit']
    .filter((p) => fs.existsSync(path.join(root, p)));
}

describe('restricted mode', function () {
  let a: TestApi;

  before(async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'this run must open the folder untrusted');
    a = await api();
    await waitFor('fixture manifest loaded', () => mainFolder(a).manifest);
    assert.deepEqual(written(), []);
  });

  afterEach(async () => {
    a.setPrompter(undefined);
    await closeAll();
  });

  after(() => {
    assert.deepEqual(written(), [], 'Restricted Mode wrote nothing');
  });

  it('a locked file is read-only, with its badge, banner and status bar', async () => {
    const before = readDisk(BOOKING);
    const editor = await show(a, BOOKING);
    assert.equal(a.readOnly.appliedTo(editor.document.uri), 'readonly');
    await typeText('TYPED ');
    await sleep(200);
    assert.equal(editor.document.getText(), before);
    assert.equal(editor.document.isDirty, false);

    const d = a.decorations.provideFileDecoration(fileUri(BOOKING));
    assert.equal(d?.badge, 'T1');
    assert.equal(a.statusBar.text, '$(lock) T1 locked');
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', fileUri(BOOKING));
    assert.ok(lenses.some((l) => /^\$\(lock\) Tier 1 · Revenue critical · BOOKING_FLOW/.test(l.command?.title ?? '')), lenses.map((l) => l.command?.title).join(' | '));
  });

  it('the Protected Files view lists the locked files', async () => {
    const tiers = a.filesView.getChildren();
    assert.ok(tiers.length >= 2);
    const comps = tiers.flatMap((t) => a.filesView.getChildren(t));
    const booking = comps.find((c) => c.kind === 'component' && c.component?.name === 'BOOKING_FLOW');
    assert.ok(booking);
    assert.match(String(a.filesView.getTreeItem(booking).description), /^3 files · locked$/);
  });

  it('Unlock… asks nothing and unlocks nothing: the folder must be trusted first', async () => {
    const prompter = new ScriptedPrompter(['Add the bookings index (ticket 88)']);
    a.setPrompter(prompter);
    await vscode.commands.executeCommand('protectedFiles.unlock', fileUri(MIGRATION));
    assert.deepEqual(prompter.asked, [], 'no prompt in Restricted Mode');
    assert.equal(a.service.resolve(fileUri(MIGRATION))?.locked, true);
    // below the commands, the service refuses too (fail closed), with the reason
    const state = a.service.resolve(fileUri(MIGRATION))!;
    await assert.rejects(a.unlocks.unlock(mainFolder(a), state.target, state.classification.tier, 'Add the bookings index (ticket 88)'), /Restricted Mode: .*must be trusted first/);
  });

  it('the commands that write (set code, install hooks, create manifest) do nothing', async () => {
    const manifest = readDisk('.protection/manifest.jsonc');
    await vscode.commands.executeCommand('protectedFiles.setUnlockCode');
    await vscode.commands.executeCommand('protectedFiles.installGitHooks');
    await sleep(300);
    assert.equal(readDisk('.protection/manifest.jsonc'), manifest);
  });

  it('a write from outside is not rolled back or recorded here (no breach guard until trusted)', async () => {
    const p = path.join(folderPath(), MIGRATION);
    const original = fs.readFileSync(p, 'utf8');
    fs.writeFileSync(p, `${original}-- outside\n`);
    try {
      await sleep(1500);
      assert.equal(fs.readFileSync(p, 'utf8'), `${original}-- outside\n`);
      assert.ok(!fs.existsSync(path.join(folderPath(), '.protection', 'audit.jsonl')));
    } finally {
      fs.writeFileSync(p, original);
    }
  });

  it('the Audit Log view reads without spawning: no records yet', async () => {
    const rows = await a.auditLog.getChildren();
    assert.equal(a.auditLog.getTreeItem(rows[0]).label, 'No audit records yet');
  });
});
