// The two views in a real extension host: what the Protected Files and Audit Log trees show (the
// providers the workbench renders), how they follow unlocks and new records, their filters, the diff
// of a recorded change, the export, and the walkthrough's commands.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import { renderRecord } from '../../src/core/audit';
import type { FilesNode } from '../../src/vscode/protectedFilesView';
import { ScriptedPrompter } from '../../src/vscode/prompter';
import { api, auditRecords, auditText, closeAll, fileUri, folderPath, mainFolder, manifestText, readDisk, show, typeText, waitFor, writeManifest } from './helpers';

const MIGRATION = 'supabase/migrations/001_init.sql';
const REASON = 'Add the bookings index (ticket 88)';

interface Row { depth: number; label: string; description: string; context: string; node: unknown }

function labelOf(item: vscode.TreeItem): string {
  const l = item.label;
  if (typeof l === 'string') return l;
  if (l) return l.label;
  return item.resourceUri ? path.basename(item.resourceUri.fsPath) : '';
}

/** The tree as rows, expanding every node that has children (as a user clicking through would see it). */
async function render<T>(p: vscode.TreeDataProvider<T>, maxDepth = 4): Promise<Row[]> {
  const out: Row[] = [];
  const walk = async (node: T | undefined, depth: number): Promise<void> => {
    for (const child of (await p.getChildren(node)) ?? []) {
      const item = await p.getTreeItem(child);
      out.push({ depth, label: labelOf(item), description: String(item.description ?? ''), context: item.contextValue ?? '', node: child });
      if (depth < maxDepth && item.collapsibleState !== vscode.TreeItemCollapsibleState.None) await walk(child, depth + 1);
    }
  };
  await walk(undefined, 0);
  return out;
}

const text = (rows: Row[]): string => rows.map((r) => `${'  '.repeat(r.depth)}${r.label} | ${r.description}`).join('\n');

function nextChange<T>(p: vscode.TreeDataProvider<T>): Promise<void> {
  return new Promise((resolve) => {
    const d = p.onDidChangeTreeData!(() => { d.dispose(); resolve(); });
  });
}

describe('views', function () {
  let a: TestApi;

  before(async () => {
    a = await api();
    await waitFor('fixture manifest loaded', () => mainFolder(a).manifest);
  });

  afterEach(async () => {
    a.setPrompter(undefined);
    await a.filesView.setUnlockedOnly(false);
    await a.auditLog.view.setFilter({});
    for (const f of a.service.all()) for (const g of f.registry.all()) await a.unlocks.relock(f, g.target, 'relock');
    await closeAll();
  });

  describe('Protected Files', () => {
    // The counts: the fixture's files, plus the two that test/integration/beforeLaunch.sh adds before launch
    // (src/booking/startCheck.ts, supabase/migrations/000_start_check.sql).
    it('lists tiers, components and (on expand) files with their lock state', async () => {
      // (right after activation the inventory of files may still be running: the view follows it)
      const rows = await waitFor('the inventory in the view', async () => { const r = await render(a.filesView); return r.some((x) => x.description === '4 files · locked') && r; });
      const t = text(rows);
      assert.match(t, /^Tier 1 · Revenue critical \| T1$/m);
      assert.match(t, /^ {2}BOOKING_FLOW \| 4 files · locked$/m);
      assert.match(t, /^ {4}bookingService\.ts \| src\/booking · locked$/m);
      assert.match(t, /^ {4}PersistentChatProvider\.tsx \| src\/context · locked$/m);
      assert.match(t, /^Tier 2 · Infrastructure \| T2$/m);
      assert.match(t, /^ {2}MIGRATIONS \| 2 files · locked$/m);
      assert.match(t, /^ {4}001_init\.sql \| supabase\/migrations · locked$/m);
      // the manifest protects itself, under the strictest tier, as a group of its own
      assert.match(t, /^ {2}\(protection files\) \| \d+ files? · locked$/m);
      assert.match(t, /^ {4}manifest\.jsonc \| \.protection · locked$/m);
      assert.doesNotMatch(t, /format\.ts/, 'an unprotected file is not listed');
      const booking = rows.find((r) => r.label === 'BOOKING_FLOW');
      assert.equal(booking?.context, 'pf.component.locked');
    });

    it('follows an unlock live: who, why and minutes left, then locked again on relock', async () => {
      const folder = mainFolder(a);
      const state = a.service.resolve(fileUri(MIGRATION));
      assert.ok(state);
      const changed = nextChange(a.filesView);
      await a.unlocks.unlock(folder, state.target, state.classification.tier, REASON);
      await changed;
      await waitFor('the view shows the unlock', async () => /MIGRATIONS \| 2 files · unlocked/.test(text(await render(a.filesView))));
      const t = text(await render(a.filesView));
      assert.match(t, /^ {2}MIGRATIONS \| 2 files · unlocked by \S+ · \d+ min left — Add the bookings index \(ticket 88\)$/m);
      assert.match(t, /^ {4}001_init\.sql \| supabase\/migrations · unlocked by \S+ · \d+ min left — Add the bookings index/m);
      assert.match(t, /^ {2}BOOKING_FLOW \| 4 files · locked$/m, 'the other component stays locked');

      // the inline Relock of the component node relocks it
      const node = (await render(a.filesView)).find((r) => r.label === 'MIGRATIONS');
      assert.equal(node?.context, 'pf.component.unlocked');
      await vscode.commands.executeCommand('protectedFiles.view.relock', node.node as FilesNode);
      await waitFor('relocked', () => a.service.resolve(fileUri(MIGRATION))?.locked);
      await waitFor('the view shows it locked', async () => /MIGRATIONS \| 2 files · locked/.test(text(await render(a.filesView))));
    });

    it('the inline Unlock… of a file node runs the unlock prompt for that file', async () => {
      const prompter = new ScriptedPrompter([REASON]);
      a.setPrompter(prompter);
      const node = (await render(a.filesView)).find((r) => r.label === '001_init.sql');
      assert.equal(node?.context, 'pf.file.locked');
      await vscode.commands.executeCommand('protectedFiles.view.unlock', node.node as FilesNode);
      assert.equal(a.service.resolve(fileUri(MIGRATION))?.locked, false);
      assert.deepEqual(prompter.asked.length, 1, `asked: ${prompter.asked.join(', ')}`);
    });

    it('"Show Only Unlocked Files" hides what is locked', async () => {
      await vscode.commands.executeCommand('protectedFiles.view.showUnlockedOnly');
      assert.deepEqual(await render(a.filesView), [], 'nothing is unlocked: nothing shown');
      assert.equal(a.filesView.view.message, 'Nothing is unlocked.');
      const state = a.service.resolve(fileUri(MIGRATION))!;
      await a.unlocks.unlock(mainFolder(a), state.target, state.classification.tier, REASON);
      await waitFor('the unlocked component shows', async () => (await render(a.filesView)).length === 4);
      assert.deepEqual((await render(a.filesView)).map((r) => r.label), ['Tier 2 · Infrastructure', 'MIGRATIONS', '000_start_check.sql', '001_init.sql']);
      await waitFor('the message gone', () => a.filesView.view.message === undefined);
      await vscode.commands.executeCommand('protectedFiles.view.showAll');
      assert.ok((await render(a.filesView)).some((r) => r.label === 'BOOKING_FLOW'));
    });

    it('a manifest with errors: the view says the last valid one stays in force, and still lists it', async () => {
      const original = manifestText();
      try {
        await writeManifest(a, original.replace('"tiers": {', '"tiers": { "oops": 42,'));
        await waitFor('the message', () => /has errors \(see Problems\): the last valid one stays in force/.test(a.filesView.view.message ?? ''));
        assert.match(text(await render(a.filesView)), /^ {2}BOOKING_FLOW \| 4 files · locked$/m);
      } finally {
        await writeManifest(a, original);
      }
      await waitFor('no message', () => a.filesView.view.message === undefined);
    });
  });

  describe('Audit Log', () => {
    it('shows the chain state and the records newest first by day, and a new record live', async () => {
      const before = auditRecords().length;
      const state = a.service.resolve(fileUri(MIGRATION))!;
      await a.unlocks.unlock(mainFolder(a), state.target, state.classification.tier, REASON);
      await waitFor('the unlock record in the view', async () => text(await render(a.auditLog)).includes(`unlock MIGRATIONS by`));
      const rows = await render(a.auditLog);
      assert.equal(rows[0].label, `Chain verified · ${before + 1} record${before + 1 === 1 ? '' : 's'}`);
      const today = new Date().toISOString().slice(0, 10);
      assert.equal(rows[1].label, today);
      assert.match(rows[2].label, /^unlock MIGRATIONS by .* — Add the bookings index \(ticket 88\)$/, 'the newest record first');
      assert.match(rows[2].description, /^\d\d:\d\d/);

      await a.unlocks.relock(mainFolder(a), state.target, 'relock');
      await waitFor('the relock record, on top', async () => /^relock MIGRATIONS/.test((await render(a.auditLog))[2]?.label ?? ''));
    });

    it('filters by event, actor, component and date, and refuses a bad filter', async () => {
      const state = a.service.resolve(fileUri(MIGRATION))!;
      await a.unlocks.unlock(mainFolder(a), state.target, state.classification.tier, REASON);
      await a.unlocks.relock(mainFolder(a), state.target, 'relock');
      const all = auditRecords();
      // the view follows the file (watcher, then a short debounce)
      await waitFor('the view has every record', async () => (await render(a.auditLog))[0]?.label === `Chain verified · ${all.length} records`);
      await vscode.commands.executeCommand('protectedFiles.auditLog.filter', { events: ['unlock'] });
      let rows = (await render(a.auditLog)).filter((r) => r.depth === 1);
      assert.equal(rows.length, all.filter((r) => r.event === 'unlock').length);
      assert.ok(rows.every((r) => r.label.startsWith('unlock ')));
      assert.match(text(await render(a.auditLog)), /^Filtered: event unlock/m);

      await vscode.commands.executeCommand('protectedFiles.auditLog.filter', { component: 'NOPE' });
      assert.deepEqual((await render(a.auditLog)).filter((r) => r.depth === 1), []);

      const actor = all[all.length - 1].actor.email || all[all.length - 1].actor.name;
      await vscode.commands.executeCommand('protectedFiles.auditLog.filter', { actor, component: 'MIGRATIONS', events: ['relock'] });
      rows = (await render(a.auditLog)).filter((r) => r.depth === 1);
      assert.equal(rows.length, all.filter((r) => r.event === 'relock' && r.component === 'MIGRATIONS').length);
      assert.ok(rows.length >= 1);

      await vscode.commands.executeCommand('protectedFiles.auditLog.filter', { to: '2000-01-01' });
      assert.deepEqual((await render(a.auditLog)).filter((r) => r.depth === 1), [], 'nothing that old');

      assert.equal(await a.auditLog.view.setFilter({ from: '2026-12-31', to: '2026-01-01' }), false, 'a range that ends before it starts is refused');
      assert.deepEqual(a.auditLog.view.currentFilter, { to: '2000-01-01' }, 'and the filter in force stays');
    });

    it('selecting a change opens a diff of before and after, read-only', async () => {
      const original = readDisk(MIGRATION);
      a.setPrompter(new ScriptedPrompter([REASON]));
      await a.unlockFlow.run(fileUri(MIGRATION));
      const editor = await show(a, MIGRATION);
      await typeText('-- added by the views test\n');
      assert.ok(await editor.document.save());
      await waitFor('the change record', () => auditRecords().some((r) => r.event === 'change' && r.file === MIGRATION));
      await a.breach.settled();
      const change = auditRecords().filter((r) => r.event === 'change' && r.file === MIGRATION).pop()!;
      await closeAll();

      await waitFor('the change in the view', async () => (await render(a.auditLog)).some((r) => r.label.startsWith(`change ${MIGRATION}`)));
      await vscode.commands.executeCommand('protectedFiles.auditLog.openDiff', vscode.workspace.workspaceFolders![0].uri.toString(), change.seq);
      const tab = await waitFor('a diff tab', () => {
        const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
        return input instanceof vscode.TabInputTextDiff ? input : undefined;
      });
      assert.equal(tab.original.scheme, 'protected-files-audit');
      const left = await vscode.workspace.openTextDocument(tab.original);
      const right = await vscode.workspace.openTextDocument(tab.modified);
      assert.equal(left.getText(), original);
      assert.equal(right.getText(), `-- added by the views test\n${original}`);
      assert.equal(readDisk(MIGRATION), right.getText());
      // the sides are documents of a content provider: an edit can never be saved
      assert.equal(await left.save(), false);
    });

    it('a diff side shows only content with the recorded hash: a tampered backup is passed over for git', async () => {
      const change = auditRecords().filter((r) => r.event === 'change' && r.file === MIGRATION).pop();
      assert.ok(change?.backup, 'the previous test recorded a change with a backup');
      const backup = path.join(folderPath(), change.backup);
      const saved = fs.readFileSync(backup);
      fs.writeFileSync(backup, 'not what was recorded\n');
      const approved = path.join(folderPath(), '.protection', 'backups', 'approved', change.before!);
      const approvedSaved = fs.existsSync(approved) ? fs.readFileSync(approved) : undefined;
      if (approvedSaved) fs.rmSync(approved);
      try {
        const uri = vscode.Uri.from({ scheme: 'protected-files-audit', path: `/${MIGRATION}`, query: new URLSearchParams({ folder: vscode.workspace.workspaceFolders![0].uri.toString(), seq: String(change.seq), side: 'before' }).toString() });
        const doc = await vscode.workspace.openTextDocument(uri);
        // git (the record's HEAD) still has the committed content, which is what the change replaced
        const committed = execFileSync('git', ['show', `HEAD:${MIGRATION}`], { cwd: folderPath(), encoding: 'utf8' });
        assert.equal(doc.getText(), committed);
        assert.ok(!doc.getText().includes('not what was recorded'), 'a copy with another hash is never shown');
      } finally {
        fs.writeFileSync(backup, saved);
        if (approvedSaved) fs.writeFileSync(approved, approvedSaved);
      }
    });

    it('a record changed after it was written shows as a broken chain at that record', async () => {
      const original = auditText();
      const records = auditRecords();
      assert.ok(records.length >= 2);
      const tampered = records.map((r, i) => (i === 1 ? renderRecord({ ...r, reason: 'nothing to see here' }) : renderRecord(r))).join('\n') + '\n';
      const p = path.join(folderPath(), '.protection', 'audit.jsonl');
      fs.writeFileSync(p, tampered);
      try {
        await waitFor('the broken chain at the top', async () => (await render(a.auditLog))[0]?.label.startsWith('Chain broken at record 2:'));
      } finally {
        fs.writeFileSync(p, original);
      }
      await waitFor('verified again', async () => (await render(a.auditLog))[0]?.label.startsWith('Chain verified'));
    });

    it('exports the filtered records as CSV and JSON', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-export-'));
      await vscode.commands.executeCommand('protectedFiles.auditLog.filter', { events: ['unlock'] });
      const csv = vscode.Uri.file(path.join(dir, 'a.csv'));
      const json = vscode.Uri.file(path.join(dir, 'a.json'));
      await vscode.commands.executeCommand('protectedFiles.auditLog.export', { format: 'csv', uri: csv });
      await vscode.commands.executeCommand('protectedFiles.auditLog.export', { format: 'json', uri: json });
      const unlocks = auditRecords().filter((r) => r.event === 'unlock');
      const rows = fs.readFileSync(csv.fsPath, 'utf8').trimEnd().split('\r\n');
      assert.equal(rows.length, unlocks.length + 1);
      assert.ok(rows.slice(1).every((r) => r.split(',')[2] === 'unlock'));
      assert.deepEqual((JSON.parse(fs.readFileSync(json.fsPath, 'utf8')) as { seq: number }[]).map((r) => r.seq), unlocks.map((r) => r.seq));
      fs.rmSync(dir, { recursive: true, force: true });
    });
  });

  describe('walkthrough', () => {
    it('every step has its page and completes on a contributed command or context key', () => {
      const ext = vscode.extensions.getExtension('protected-files.protected-files')!;
      const pkg = ext.packageJSON as { contributes: { walkthroughs: { steps: { id: string; media: { markdown: string }; completionEvents: string[] }[] }[]; commands: { command: string }[] } };
      const commands = new Set(pkg.contributes.commands.map((c) => c.command));
      const steps = pkg.contributes.walkthroughs[0].steps;
      assert.deepEqual(steps.map((s) => s.id), ['manifest', 'code', 'unlock', 'agents', 'hooks']);
      for (const s of steps) {
        assert.ok(fs.existsSync(path.join(ext.extensionPath, s.media.markdown)), s.media.markdown);
        for (const e of s.completionEvents) {
          if (e.startsWith('onCommand:')) assert.ok(commands.has(e.slice('onCommand:'.length)), e);
          else assert.match(e, /^onContext:protectedFiles\.hasManifest$/);
        }
      }
    });

    it('Install Git Hooks installs the pre-commit, pre-merge-commit and pre-push hooks in the folder', async () => {
      await vscode.commands.executeCommand('protectedFiles.installGitHooks');
      const hooks = path.join(folderPath(), '.git', 'hooks');
      const pre = await waitFor('the pre-commit hook', () => fs.existsSync(path.join(hooks, 'pre-commit')) && fs.readFileSync(path.join(hooks, 'pre-commit'), 'utf8'));
      assert.match(pre, /# protected-files hook/);
      assert.match(pre, /verify --staged/);
      assert.match(fs.readFileSync(path.join(hooks, 'pre-merge-commit'), 'utf8'), /verify --staged/);
      assert.ok(fs.existsSync(path.join(hooks, 'pre-push')));
    });

  });
});

