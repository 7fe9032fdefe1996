// The core loop in a real extension host: locked files refuse edits, badges, banner and status bar
// follow the manifest, unlock asks for code and reason, save relocks and records, expiry relocks.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import { sha256 } from '../../src/core/audit';
import { matchCode } from '../../src/core/codes';
import { ScriptedPrompter } from '../../src/vscode/prompter';
import {
  api, auditRecords, resetGrants, auditText, fileUri, mainFolder, manifestText, readDisk, setCode, show, sleep, typeText, waitFor, withManifestUnlocked, writeManifest,
} from './helpers';

const BOOKING = 'src/booking/bookingService.ts';
const PRICING = 'src/booking/pricing.ts';
const MIGRATION = 'supabase/migrations/001_init.sql';
const PLAIN = 'src/utils/format.ts';
const CODE = 'Blue-Harbor-7391';
const REASON = 'Fix the double charge on rebooking (ticket 123)';

describe('core loop', function () {
  let a: TestApi;
  let original: string;

  before(async () => {
    a = await api();
    original = manifestText();
    await waitFor('fixture manifest loaded', () => mainFolder(a).manifest);
    await setCode(a, 'BOOKING_FLOW', CODE);
  });

  afterEach(async () => {
    await resetGrants(a);
  });

  after(async () => {
    await writeManifest(a, original);
  });

  it('classifies the fixture files from the manifest', () => {
    const booking = a.service.resolve(fileUri(BOOKING));
    assert.ok(booking);
    assert.equal(booking.classification.tier.badge, 'T1');
    assert.equal(booking.classification.component?.name, 'BOOKING_FLOW');
    assert.equal(booking.locked, true);
    assert.equal(a.service.resolve(fileUri(MIGRATION))?.classification.tier.id, 'tier2');
    assert.equal(a.service.resolve(fileUri(PLAIN)), undefined);
    const manifest = a.service.resolve(fileUri('.protection/manifest.jsonc'));
    assert.equal(manifest?.classification.tier.id, 'tier1', 'the manifest protects itself at the strictest tier');
  });

  it('a locked file refuses typing and TextEditor.edit, and its disk content stays', async () => {
    const before = readDisk(BOOKING);
    const editor = await show(a, BOOKING);
    assert.equal(a.readOnly.appliedTo(editor.document.uri), 'readonly');
    await typeText('TYPED ');
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), 'EDITED '));
    await sleep(200);
    assert.equal(editor.document.getText(), before);
    assert.equal(editor.document.isDirty, false);
    await vscode.commands.executeCommand('workbench.action.files.save');
    await sleep(200);
    assert.equal(readDisk(BOOKING), before);
  });

  it('a locked file made read-only once stays so when it becomes active again, closed or not: nothing is sent again', async () => {
    const before = readDisk(BOOKING);
    await show(a, BOOKING);
    await show(a, PRICING);
    const sent = a.readOnly.commandsSent;
    // Back to it, then closed and opened again: the workbench still holds its read-only state.
    let editor = await show(a, BOOKING);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await show(a, PRICING);
    editor = await show(a, BOOKING);
    await typeText('TYPED ');
    await sleep(300);
    await a.readOnly.settled();
    assert.equal(editor.document.getText(), before, 'typing went nowhere: the editor is read-only');
    assert.equal(a.readOnly.commandsSent, sent, 'no read-only command was sent for a state the workbench holds');
    assert.equal(a.readOnly.appliedTo(editor.document.uri), 'readonly');

    // The user's own "Set Active Editor Writeable in Session" behind our back: the typing that gets
    // through is reverted, and the read-only state is sent again.
    await vscode.commands.executeCommand('workbench.action.files.setActiveEditorWriteableInSession');
    let refusals = 0;
    const counting = a.guard.onDidRefuse(() => refusals++);
    try {
      await typeText('TYPED '); // a change per character
      await waitFor('the edit reverted', () => editor.document.getText() === before);
      await waitFor('the read-only state sent again', () => a.readOnly.commandsSent === sent + 1);
      await a.readOnly.settled();
      await sleep(300);
    } finally {
      counting.dispose();
    }
    assert.equal(refusals, 1, 'one refusal for the typing: its reverts run one after another, the later ones find the text put back');
    await typeText('AGAIN ');
    await sleep(300);
    await a.readOnly.settled();
    assert.equal(editor.document.getText(), before, 'read-only again in the workbench');
    assert.equal(a.readOnly.commandsSent, sent + 1);
    assert.equal(readDisk(BOOKING), before);
  });

  it('control: an unprotected file takes typing and saves', async () => {
    const before = readDisk(PLAIN);
    const editor = await show(a, PLAIN);
    await typeText('// typed\n');
    assert.notEqual(editor.document.getText(), before);
    await editor.document.save();
    assert.equal(readDisk(PLAIN), `// typed\n${before}`);
  });

  it('workspace.applyEdit on a locked file is reverted in memory and never reaches the disk', async () => {
    const before = readDisk(PRICING);
    const doc = await vscode.workspace.openTextDocument(fileUri(PRICING)); // open, never shown: not read-only in the workbench
    const refused = new Promise<vscode.Uri>((resolve) => { const d = a.guard.onDidRefuse((u) => { d.dispose(); resolve(u); }); });
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(0, 0), '// agent was here\n');
    await vscode.workspace.applyEdit(edit);
    assert.equal((await refused).toString(), doc.uri.toString());
    await waitFor('buffer reverted', () => doc.getText() === before);
    await doc.save();
    assert.equal(readDisk(PRICING), before);
  });

  it('a locked document that reloads from disk (the audit log growing) is not treated as an edit', async () => {
    const auditUri = fileUri('.protection/audit.jsonl');
    await a.unlocks.relock(mainFolder(a), { kind: 'component', name: 'NONE' }, 'relock'); // no-op, just settles
    a.setPrompter(new ScriptedPrompter(['Reload is not an edit, recorded']));
    assert.ok((await a.unlockFlow.runQuiet(fileUri(MIGRATION)))?.ok, 'an unlock writes a first record');
    const doc = await vscode.workspace.openTextDocument(auditUri);
    await vscode.window.showTextDocument(doc);
    let refused = 0;
    const sub = a.guard.onDidRefuse((u) => { if (u.toString() === auditUri.toString()) refused++; });
    try {
      await vscode.commands.executeCommand('protectedFiles.relock', fileUri(MIGRATION)); // appends a record
      await waitFor('the editor shows the new record', () => doc.getText() === fs.readFileSync(auditUri.fsPath, 'utf8'), 10_000);
      await sleep(500);
      assert.equal(refused, 0);
      assert.equal(doc.getText(), fs.readFileSync(auditUri.fsPath, 'utf8'));
    } finally {
      sub.dispose();
    }
  });

  it('the explorer badge and tooltip come from the manifest', () => {
    const d = a.decorations.provideFileDecoration(fileUri(BOOKING));
    assert.ok(d);
    assert.equal(d.badge, 'T1');
    assert.ok((d.badge ?? '').length <= 2);
    assert.match(d.tooltip ?? '', /Tier 1 · Revenue critical · BOOKING_FLOW — Booking chat flow for all members/);
    assert.equal((d.color as vscode.ThemeColor).id, 'protectedFiles.tier.red');
    assert.equal((a.decorations.provideFileDecoration(fileUri(MIGRATION))?.color as vscode.ThemeColor).id, 'protectedFiles.tier.yellow');
    assert.equal(a.decorations.provideFileDecoration(fileUri(PLAIN)), undefined);
  });

  it('the banner shows tier, component, risk and impact with Unlock…', async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', fileUri(BOOKING));
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.ok(titles.some((t) => /T|Tier 1 · Revenue critical · BOOKING_FLOW — Booking chat flow.*\$10,000\+\/day/.test(t)), titles.join(' | '));
    assert.ok(titles.includes('Unlock…'), titles.join(' | '));
    const plain = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', fileUri(PLAIN));
    assert.equal(plain.filter((l) => l.command?.command.startsWith('protectedFiles.')).length, 0);
  });

  it('the status bar follows the active editor', async () => {
    await show(a, PLAIN);
    assert.match(a.statusBar.text, /^\$\(shield\) \d+ protected$/);
    await show(a, BOOKING);
    assert.equal(a.statusBar.text, '$(lock) T1 locked');
    await show(a, MIGRATION);
    assert.equal(a.statusBar.text, '$(lock) T2 locked');
  });

  it('a wrong code unlocks nothing and writes a denied record without the code', async () => {
    await show(a, BOOKING);
    const wrong = 'Wrong-Code-5566';
    const before = auditRecords().length;
    a.setPrompter(new ScriptedPrompter([wrong]));
    const outcome = await a.unlockFlow.runQuiet(fileUri(BOOKING));
    assert.ok(outcome && !outcome.ok);
    assert.match(outcome.message, /Wrong code for BOOKING_FLOW/);
    assert.equal(a.service.resolve(fileUri(BOOKING))?.locked, true);
    const records = auditRecords();
    assert.equal(records.length, before + 1);
    assert.equal(records.at(-1)?.event, 'denied');
    assert.equal(records.at(-1)?.component, 'BOOKING_FLOW');
    assert.ok(!auditText().includes(wrong), 'the audit log must never hold a code');
  });

  it('after repeated wrong codes the component refuses unlocking for a while', async () => {
    for (let i = 0; i < 5; i++) {
      a.setPrompter(new ScriptedPrompter([`Nope-Nope-${i}000`]));
      await a.unlockFlow.runQuiet(fileUri(BOOKING));
    }
    assert.equal(auditRecords().at(-1)?.event, 'lockout');
    a.setPrompter(new ScriptedPrompter([])); // must not even be asked
    const outcome = await a.unlockFlow.runQuiet(fileUri(BOOKING));
    assert.ok(outcome && !outcome.ok);
    assert.match(outcome.message, /refused until \d\d:\d\d/);
  });

  it('cancelling at any step unlocks nothing', async () => {
    for (const answers of [[undefined], [CODE, undefined]]) {
      a.setPrompter(new ScriptedPrompter(answers));
      assert.equal(await a.unlockFlow.runQuiet(fileUri(BOOKING)), undefined);
      assert.equal(a.service.resolve(fileUri(BOOKING))?.locked, true);
    }
  });

  it('a too short reason is refused with the tier minimum', async () => {
    const prompter = new ScriptedPrompter([CODE, 'too short']);
    a.setPrompter(prompter);
    assert.equal(await a.unlockFlow.runQuiet(fileUri(BOOKING)), undefined);
    assert.match(prompter.rejected[0] ?? '', /at least 15 characters/);
    assert.equal(a.service.resolve(fileUri(BOOKING))?.locked, true);
  });

  it('unlock with code and reason, edit, save: relocked with one chained change record', async () => {
    const editor = await show(a, BOOKING);
    const beforeText = readDisk(BOOKING);
    a.setPrompter(new ScriptedPrompter([CODE, REASON]));
    const outcome = await a.unlockFlow.runQuiet(fileUri(BOOKING));
    assert.ok(outcome?.ok, JSON.stringify(outcome));
    await a.readOnly.settled();
    const state = a.service.resolve(fileUri(BOOKING));
    assert.equal(state?.locked, false);
    assert.equal(a.readOnly.appliedTo(editor.document.uri), 'writeable');
    assert.match(a.statusBar.text, /^\$\(unlock\) T1 unlocked · (29|30) min$/);
    assert.equal(a.service.resolve(fileUri(PRICING))?.locked, false, 'the unlock covers the whole component');
    assert.equal(auditRecords().at(-1)?.event, 'unlock');
    assert.equal(auditRecords().at(-1)?.reason, REASON);

    const fresh = await show(a, BOOKING);
    await typeText('// reviewed\n');
    assert.equal(fresh.document.getText(), `// reviewed\n${beforeText}`);
    const count = auditRecords().length;
    assert.equal(await fresh.document.save(), true);
    await waitFor('relocked after save', () => a.service.resolve(fileUri(BOOKING))?.locked);
    await a.readOnly.settled();
    assert.equal(readDisk(BOOKING), `// reviewed\n${beforeText}`);
    await waitFor('the relock record', () => auditRecords().length >= count + 2);
    await sleep(300);
    await a.breach.settled();
    const added = auditRecords().slice(count);
    assert.deepEqual(added.map((r) => r.event), ['change', 'relock']);
    const change = added[0];
    assert.equal(change.file, BOOKING);
    assert.equal(change.component, 'BOOKING_FLOW');
    assert.equal(change.tier, 'tier1');
    assert.equal(change.reason, REASON);
    assert.equal(change.before, sha256(beforeText));
    assert.equal(change.after, sha256(`// reviewed\n${beforeText}`));
    assert.equal(change.added, 1);
    assert.equal(change.removed, 0);
    assert.match(change.head ?? '', /^[0-9a-f]{40}$/);
    assert.equal(change.actor.name, 'Test User');
    assert.ok(change.backup && readDisk(change.backup) === beforeText, 'the previous content is backed up');
    assert.equal(a.readOnly.appliedTo(fresh.document.uri), 'readonly');
    assert.equal(a.statusBar.text, '$(lock) T1 locked');
  });

  it('the one-line form unlocks at once; Relock ends it', async () => {
    await show(a, PLAIN);
    a.setPrompter(new ScriptedPrompter([`unlock  BOOKING_FLOW with code:${CODE}   FOR: ${REASON}`]));
    const outcome = await a.unlockFlow.runQuiet();
    assert.ok(outcome?.ok, JSON.stringify(outcome));
    assert.equal(a.service.resolve(fileUri(BOOKING))?.grant?.reason, REASON);
    await vscode.commands.executeCommand('protectedFiles.relock', fileUri(BOOKING));
    assert.equal(a.service.resolve(fileUri(BOOKING))?.locked, true);
    assert.equal(auditRecords().at(-1)?.event, 'relock');
    assert.ok(!auditText().includes(CODE), 'the audit log must never hold a code');
  });

  it('a save without changes writes no change record', async () => {
    a.setPrompter(new ScriptedPrompter(['Renaming nothing, just checking']));
    await show(a, MIGRATION);
    assert.ok((await a.unlockFlow.runQuiet(fileUri(MIGRATION)))?.ok);
    const count = auditRecords().length;
    const editor = await show(a, MIGRATION);
    await typeText('x');
    await vscode.commands.executeCommand('deleteLeft');
    assert.equal(await editor.document.save(), true);
    await waitFor('relocked', () => a.service.resolve(fileUri(MIGRATION))?.locked);
    await waitFor('the relock record', () => auditRecords().length > count);
    await sleep(300);
    assert.deepEqual(auditRecords().slice(count).map((r) => r.event), ['relock']);
  });

  it('expiry relocks and keeps unsaved edits in the editor', async () => {
    a.setPrompter(new ScriptedPrompter(['Add an index to bookings']));
    await show(a, MIGRATION);
    assert.ok((await a.unlockFlow.runQuiet(fileUri(MIGRATION)))?.ok);
    const editor = await show(a, MIGRATION);
    await typeText('-- pending\n');
    assert.equal(editor.document.isDirty, true);
    a.advanceClock(31 * 60_000);
    try {
      await a.unlocks.expireDue(mainFolder(a));
      await a.readOnly.settled();
      assert.equal(a.service.resolve(fileUri(MIGRATION))?.locked, true);
      assert.equal(a.readOnly.appliedTo(editor.document.uri), 'readonly');
      assert.ok(editor.document.getText().startsWith('-- pending\n'), 'unsaved edits stay in the editor');
      assert.equal(auditRecords().at(-1)?.event, 'expire');
      assert.ok(!readDisk(MIGRATION).startsWith('-- pending'));
    } finally {
      a.advanceClock(-31 * 60_000);
    }
  });

  it('a broken manifest keeps the previous protection and shows the error at its line', async () => {
    const good = manifestText();
    const broken = good.replace('"tier": "tier2"', '"tier": "tier9"');
    await writeManifest(a, broken);
    assert.equal(mainFolder(a).state.kind, 'broken');
    assert.equal(a.service.resolve(fileUri(MIGRATION))?.classification.tier.id, 'tier2', 'the last valid manifest stays in force');
    const uri = fileUri('.protection/manifest.jsonc');
    const diags = await waitFor('diagnostics', () => { const d = a.diagnostics.get(uri); return d.length ? d : undefined; });
    const line = broken.split('\n').findIndex((l) => l.includes('"tier9"'));
    assert.ok(diags.some((d) => d.range.start.line === line && d.severity === vscode.DiagnosticSeverity.Error && /tier9/.test(d.message)), JSON.stringify(diags.map((d) => [d.range.start.line, d.message])));
    await writeManifest(a, good);
    assert.equal(mainFolder(a).state.kind, 'ok');
  });

  it('a glob built to hang the matcher: the host stays responsive, the error is at its position, a stand-in protects in its place', async () => {
    const good = manifestText();
    // Nested extglobs: about three minutes for one path without the bounds; braces: a million alternatives.
    const bomb = 'src/utils/+(a|+(a|+(a|b)))c';
    const product = `src/utils/${'{a,b}'.repeat(20)}`;
    const withBomb = good.replace('"files": ["supabase/migrations/**"]', `"files": ["supabase/migrations/**", "${bomb}", "${product}"]`);
    assert.notEqual(withBomb, good);
    const started = Date.now();
    await writeManifest(a, withBomb);
    const nasty = a.service.resolve(fileUri(`src/utils/${'a'.repeat(40)}d`));
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 10_000, `reloading and classifying took ${elapsed} ms`);
    assert.equal(mainFolder(a).state.kind, 'ok', 'the rest of the manifest stays in force');
    assert.equal(a.service.resolve(fileUri(BOOKING))?.classification.component?.name, 'BOOKING_FLOW');
    assert.equal(nasty?.classification.pattern, 'src/utils/**');
    assert.equal(a.service.resolve(fileUri(PLAIN))?.classification.component?.name, 'MIGRATIONS', 'what the glob could match is protected by its stand-in');

    const uri = fileUri('.protection/manifest.jsonc');
    const diags = await waitFor('diagnostics', () => { const d = a.diagnostics.get(uri).filter((x) => x.severity === vscode.DiagnosticSeverity.Error); return d.length === 2 ? d : undefined; });
    const line = withBomb.split('\n').findIndex((l) => l.includes(bomb));
    const column = withBomb.split('\n')[line].indexOf(bomb) + 'src/utils/'.length;
    assert.ok(diags.some((d) => d.range.start.line === line && d.range.start.character === column && /nests an extglob/.test(d.message) && /"src\/utils\/\*\*"/.test(d.message)),
      JSON.stringify(diags.map((d) => [d.range.start.line, d.range.start.character, d.message])));
    assert.ok(diags.some((d) => d.range.start.line === line && /more than 256 alternatives/.test(d.message)));

    await writeManifest(a, good);
    assert.equal(a.service.resolve(fileUri(PLAIN)), undefined);
  });

  it('a glob that needs minimatch (wildcards, braces) protects in the editor: loaded from the extension\'s dist/minimatch.js', async () => {
    const good = manifestText();
    const globbed = good.replace('"files": ["supabase/migrations/**"]', '"files": ["supabase/migrations/**", "src/*/f?rmat.{ts,tsx}"]');
    assert.notEqual(globbed, good);
    await writeManifest(a, globbed);
    assert.equal(mainFolder(a).state.kind, 'ok');
    assert.equal(a.service.resolve(fileUri(PLAIN))?.classification.pattern, 'src/*/f?rmat.{ts,tsx}');
    assert.equal(a.service.resolve(fileUri('src/utils/format.js')), undefined);
    // The extension's bundles share one copy, beside them (scripts/build.mjs): this is where it came from.
    const loaded = Object.keys(require.cache).filter((k) => k.endsWith(`${path.sep}dist${path.sep}minimatch.js`));
    assert.equal(loaded.length, 1, Object.keys(require.cache).filter((k) => k.includes('minimatch')).join(', '));
    await writeManifest(a, good);
    assert.equal(a.service.resolve(fileUri(PLAIN)), undefined);
  });

  it('editing the manifest takes effect without a reload (file watcher)', async () => {
    const good = manifestText();
    const wider = good.replace('"files": ["supabase/migrations/**"]', '"files": ["supabase/migrations/**", "src/utils/**"]');
    assert.notEqual(wider, good);
    await withManifestUnlocked(a, async () => {
      fs.writeFileSync(fileUri('.protection/manifest.jsonc').fsPath, wider);
      await waitFor('watcher reload', () => a.service.resolve(fileUri(PLAIN)), 15_000);
    });
    assert.equal(a.service.resolve(fileUri(PLAIN))?.classification.component?.name, 'MIGRATIONS');
    await writeManifest(a, good);
    assert.equal(a.service.resolve(fileUri(PLAIN)), undefined);
  });

  it('Set Unlock Code writes a verifiable hash into the manifest after unlocking it', async () => {
    const newCode = 'Quiet-Meadow-4821';
    a.setPrompter(new ScriptedPrompter(['MIGRATIONS', 'Set a code', CODE, 'Give MIGRATIONS an owner code', newCode, newCode]));
    assert.equal(await a.setCodeFlow.run(), true);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === fileUri('.protection/manifest.jsonc').toString());
    assert.ok(doc && doc.isDirty, 'the edit waits in the manifest editor for the user to save');
    assert.ok(!doc.getText().includes(newCode));
    assert.equal(await doc.save(), true);
    await waitFor('manifest reloaded', () => mainFolder(a).manifest?.components.find((c) => c.name === 'MIGRATIONS')?.unlockCodes.length === 1);
    const hash = mainFolder(a).manifest?.components.find((c) => c.name === 'MIGRATIONS')?.unlockCodes[0] ?? '';
    assert.match(hash, /^ed25519\$/, 'a signing entry, not a legacy hash');
    assert.ok(await matchCode(newCode, hash));
    assert.equal(await matchCode(CODE, hash), undefined);
    const change = auditRecords().filter((r) => r.event === 'change').at(-1);
    assert.equal(change?.file, '.protection/manifest.jsonc');
    assert.ok(!auditText().includes(newCode));
    await waitFor('manifest relocked', () => a.service.resolve(fileUri('.protection/manifest.jsonc'))?.locked);
  });
});
