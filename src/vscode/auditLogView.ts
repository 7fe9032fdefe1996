import * as vscode from 'vscode';
import { AUDIT_EVENTS } from '../core/audit';
import type { AuditEvent, AuditRecord } from '../core/audit';
import {
  buildAuditModel, chainLine, distinctValues, filterFromArg, filterProblem, filterRecords, groupByDay, hasDiff, isEmptyFilter, recordLine, timeOf, toCsv, toJson, updateAuditModel,
} from '../core/auditView';
import type { AuditDay, AuditFilter, AuditModel } from '../core/auditView';
import { AUDIT_LOG_PATH } from '../node/auditStore';
import { AuditDiffProvider } from './auditDiff';
import { Commands, ViewCommands } from './commandIds';
import type { FolderProtection } from './folderProtection';
import { Disposable } from './lifecycle';
import { log } from './logger';
import type { ProtectionService } from './protectionService';
import { readUriBytes } from './localRead';

export type AuditNode =
  | { kind: 'folder'; folder: FolderProtection }
  | { kind: 'chain'; folder: FolderProtection; model: AuditModel }
  | { kind: 'filter'; filter: AuditFilter }
  | { kind: 'day'; folder: FolderProtection; day: AuditDay; first: boolean }
  | { kind: 'record'; folder: FolderProtection; record: AuditRecord };

/** 64 MB: about 160,000 records, several seconds to parse; beyond it the view says so instead. */
const MAX_LOG_BYTES = 64 * 1024 * 1024;

const EVENT_ICONS: Record<AuditEvent, [string, string?]> = {
  change: ['diff'], delete: ['trash'], unlock: ['unlock'], relock: ['lock'], expire: ['watch'],
  denied: ['circle-slash', 'problemsWarningIcon.foreground'], lockout: ['shield', 'problemsWarningIcon.foreground'],
  breach: ['warning', 'problemsErrorIcon.foreground'], restore: ['history'], 'guarded-command': ['terminal', 'problemsWarningIcon.foreground'],
};

/** `event change, breach · actor ann@x · 2026-11-01..2026-11-30` */
export function filterSummary(f: AuditFilter): string {
  const parts: string[] = [];
  if (f.from || f.to) parts.push(`${f.from ?? '…'}..${f.to ?? '…'}`);
  if (f.actor) parts.push(`actor ${f.actor}`);
  if (f.events?.length) parts.push(`event ${f.events.join(', ')}`);
  if (f.component) parts.push(`component ${f.component}`);
  return parts.join(' · ');
}

/**
 * The Audit Log view: per folder the chain's state, then the (filtered) records newest first, grouped
 * by day. It re-reads a folder's log when the file changes, so new records show at once.
 */
export class AuditLogView extends Disposable implements vscode.TreeDataProvider<AuditNode> {
  private readonly _onDidChangeTreeData = this.register(new vscode.EventEmitter<AuditNode | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;
  /** Per folder: the log as last read, its model, and whether the file changed since (read again on the next look). */
  private readonly models = new Map<string, { text: string; model: AuditModel; stale: boolean; tooLarge?: number }>();
  private readonly watched = new Set<string>();
  private filter: AuditFilter = {};
  readonly diff: AuditDiffProvider;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  /** `view` is created by the loader (auditLogLoader.ts) at activation; this class is loaded on first use. */
  constructor(private readonly service: ProtectionService, trusted: () => boolean, readonly view: vscode.TreeView<AuditNode>) {
    super();
    this.diff = new AuditDiffProvider((folderUri, seq) => this.lookup(folderUri, seq), trusted);
    this.register(service.onDidChangeManifest(() => this.scheduleRefresh(undefined)));
    this.register(service.onDidAddFolder(() => this.scheduleRefresh(undefined)));
    this.register({ dispose: () => this.refreshTimer && clearTimeout(this.refreshTimer) });
  }

  /** Re-reads every folder's log. */
  refresh(): void {
    this.scheduleRefresh(undefined, 0);
  }

  /** Opens the diff of record `seq` of a folder (the record items' command). */
  async openDiff(folderUri: string, seq: number): Promise<void> {
    const found = await this.lookup(folderUri, seq);
    if (found) await this.diff.open(found.folder, found.record);
  }

  get currentFilter(): AuditFilter {
    return this.filter;
  }

  /** Applies a filter (a problem with it is shown, and the filter is left as it was). */
  async setFilter(f: AuditFilter): Promise<boolean> {
    const problem = filterProblem(f);
    if (problem) {
      void vscode.window.showWarningMessage(`Audit Log filter not applied: ${problem}`);
      return false;
    }
    this.filter = { ...f };
    for (const [key, m] of this.models) this.models.set(key, { ...m, model: refilter(m.model, this.filter) });
    const summary = filterSummary(this.filter);
    this.view.description = summary || undefined;
    await vscode.commands.executeCommand('setContext', 'protectedFiles.auditLog.filtered', !isEmptyFilter(this.filter));
    this._onDidChangeTreeData.fire(undefined);
    return true;
  }

  /** The parsed log of a folder (read now if it was not yet). */
  async modelOf(folder: FolderProtection): Promise<AuditModel> {
    const key = folder.folder.uri.toString();
    this.watch(folder);
    const cached = this.models.get(key);
    if (cached && !cached.stale) return cached.model;
    const started = Date.now();
    const uri = vscode.Uri.joinPath(folder.folder.uri, AUDIT_LOG_PATH);
    let text = '';
    let tooLarge: number | undefined;
    try {
      // A log too large to hold (a runaway writer, a planted file) is not read into the extension host.
      const size = (await vscode.workspace.fs.stat(uri)).size;
      if (size > MAX_LOG_BYTES) tooLarge = size;
      else text = new TextDecoder().decode(await readUriBytes(uri));
    } catch {
      text = '';
    }
    // A log that only grew is parsed from where it was read up to (updateAuditModel checks that).
    const model = cached && !cached.tooLarge && !tooLarge
      ? (text === cached.text ? cached.model : updateAuditModel(cached.model, cached.text, text, this.filter))
      : buildAuditModel(text, this.filter);
    this.models.set(key, { text, model, stale: false, tooLarge });
    log.debug(`[audit view] ${folder.name}: ${model.all.length} records in ${Date.now() - started} ms.`);
    return model;
  }

  private watch(folder: FolderProtection): void {
    const key = folder.folder.uri.toString();
    if (this.watched.has(key)) return;
    this.watched.add(key);
    const w = this.register(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder.folder, AUDIT_LOG_PATH)));
    const changed = (): void => this.scheduleRefresh(key);
    this.register(w.onDidChange(changed));
    this.register(w.onDidCreate(changed));
    this.register(w.onDidDelete(changed));
  }

  private scheduleRefresh(key: string | undefined, delay = 100): void {
    for (const [k, m] of this.models) if (!key || k === key) m.stale = true;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this._onDidChangeTreeData.fire(undefined);
    }, delay);
  }

  private async lookup(folderUri: string, seq: number): Promise<{ folder: FolderProtection; record: AuditRecord } | undefined> {
    const folder = this.service.all().find((f) => f.folder.uri.toString() === folderUri);
    if (!folder || !Number.isSafeInteger(seq)) return undefined;
    const record = (await this.modelOf(folder)).all.find((r) => r.seq === seq);
    return record ? { folder, record } : undefined;
  }

  async getChildren(node?: AuditNode): Promise<AuditNode[]> {
    if (!node) {
      const folders = this.service.withManifest();
      const top: AuditNode[] = isEmptyFilter(this.filter) ? [] : [{ kind: 'filter', filter: this.filter }];
      if (folders.length === 1) return [...top, ...(await this.folderChildren(folders[0]))];
      return [...top, ...folders.map((folder): AuditNode => ({ kind: 'folder', folder }))];
    }
    if (node.kind === 'folder') return this.folderChildren(node.folder);
    if (node.kind === 'day') return node.day.records.map((record): AuditNode => ({ kind: 'record', folder: node.folder, record }));
    return [];
  }

  private async folderChildren(folder: FolderProtection): Promise<AuditNode[]> {
    const model = await this.modelOf(folder);
    return [{ kind: 'chain', folder, model }, ...model.days.map((day, i): AuditNode => ({ kind: 'day', folder, day, first: i === 0 }))];
  }

  getTreeItem(node: AuditNode): vscode.TreeItem {
    switch (node.kind) {
      case 'folder': {
        const item = new vscode.TreeItem(node.folder.name, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = vscode.ThemeIcon.Folder;
        item.id = `folder:${node.folder.folder.uri.toString()}`;
        return item;
      }
      case 'filter': {
        const item = new vscode.TreeItem(`Filtered: ${filterSummary(node.filter)}`);
        item.iconPath = new vscode.ThemeIcon('filter');
        item.tooltip = 'Click to change the filter; Clear Filter in the title bar shows every record.';
        item.command = { command: ViewCommands.auditFilter, title: 'Filter…' };
        return item;
      }
      case 'chain': {
        const s = node.model.chain;
        const tooLarge = this.models.get(node.folder.folder.uri.toString())?.tooLarge;
        if (tooLarge) {
          const item = new vscode.TreeItem(`Audit log too large to show here (${(tooLarge / 1024 / 1024).toFixed(0)} MB): run protected-files log --verify`);
          item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
          item.command = { command: Commands.openAuditLog, title: 'Open Audit Log' };
          return item;
        }
        const item = new vscode.TreeItem(chainLine(s));
        const shown = node.model.shown.length;
        if (shown !== node.model.all.length) item.description = `${shown} shown`;
        item.iconPath = s.kind === 'broken' ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'))
          : s.kind === 'verified' ? new vscode.ThemeIcon(s.unreadable ? 'warning' : 'verified', s.unreadable ? new vscode.ThemeColor('problemsWarningIcon.foreground') : undefined)
          : new vscode.ThemeIcon('info');
        const problems = node.model.problems.slice(0, 5).map((p) => p.message).join('\n');
        item.tooltip = `${chainLine(s)}${problems ? `\n\n${problems}` : ''}\n\nThe chain shows that no record was changed, removed, reordered or inserted; a cut-off tail is caught by git and verify.`;
        item.command = { command: Commands.openAuditLog, title: 'Open Audit Log' };
        item.contextValue = `pf.chain.${s.kind}`;
        return item;
      }
      case 'day': {
        const n = node.day.records.length;
        const item = new vscode.TreeItem(node.day.day, node.first ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
        item.description = `${n} record${n === 1 ? '' : 's'}`;
        item.iconPath = new vscode.ThemeIcon('calendar');
        item.tooltip = `${node.day.day} (UTC): days and times are shown as recorded, in UTC.`;
        item.id = `day:${node.folder.folder.uri.toString()}:${node.day.day}:${filterSummary(this.filter)}`;
        return item;
      }
      case 'record': {
        const r = node.record;
        const item = new vscode.TreeItem(recordLine(r));
        const signed = r.sig || r.approvals?.length ? ' · signed' : '';
        item.description = `${timeOf(r)}${signed}`;
        const [icon, color] = EVENT_ICONS[r.event];
        item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
        item.tooltip = recordTooltip(r);
        item.accessibilityInformation = { label: `${r.at} ${recordLine(r)}${signed}` };
        item.contextValue = hasDiff(r) ? 'pf.record.diff' : 'pf.record';
        if (hasDiff(r)) item.command = { command: ViewCommands.auditOpenDiff, title: 'Open Diff', arguments: [node.folder.folder.uri.toString(), r.seq] };
        return item;
      }
    }
  }

  /** The title bar's Filter…: quick picks for date range, actor, event and component (or a filter passed as argument). */
  async editFilter(arg: unknown): Promise<void> {
    // Tests and other commands may pass a filter; the title bar button passes nothing.
    if (arg && typeof arg === 'object' && !('kind' in arg)) {
      const f = filterFromArg(arg as Record<string, unknown>);
      if (typeof f === 'string') void vscode.window.showWarningMessage(`Audit Log filter not applied: ${f}`);
      else await this.setFilter(f);
      return;
    }
    const f = this.filter;
    const all = (await Promise.all(this.service.withManifest().map((folder) => this.modelOf(folder)))).flatMap((m) => m.all);
    const { actors, components } = distinctValues(all);
    const pick = await vscode.window.showQuickPick([
      { label: '$(calendar) Date range…', id: 'date', description: f.from || f.to ? `${f.from ?? '…'}..${f.to ?? '…'}` : 'any' },
      { label: '$(person) Actor…', id: 'actor', description: f.actor ?? 'anyone' },
      { label: '$(symbol-event) Event…', id: 'event', description: f.events?.join(', ') || 'every event' },
      { label: '$(package) Component…', id: 'component', description: f.component ?? 'every component' },
      { label: '$(clear-all) Clear all filters', id: 'clear' },
    ], { title: 'Filter the Audit Log', placeHolder: filterSummary(f) || 'No filter: every record is shown' });
    if (!pick) return;
    if (pick.id === 'clear') await this.setFilter({});
    if (pick.id === 'date') {
      const today = new Date().toISOString().slice(0, 10);
      const daysAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
      const range = await vscode.window.showQuickPick([
        { label: 'Any time', from: undefined, to: undefined },
        { label: 'Today', from: today, to: today },
        { label: 'Last 7 days', from: daysAgo(6), to: today },
        { label: 'Last 30 days', from: daysAgo(29), to: today },
        { label: 'Custom range…', from: 'custom', to: undefined },
      ], { title: 'Records from which days? (UTC)' });
      if (!range) return;
      if (range.from === 'custom') {
        const text = await vscode.window.showInputBox({
          title: 'Date range (UTC)', prompt: 'FROM..TO as YYYY-MM-DD..YYYY-MM-DD; leave a side empty for no limit',
          value: `${f.from ?? ''}..${f.to ?? ''}`,
          validateInput: (v) => filterProblem(parseRange(v)) ?? (v.includes('..') ? undefined : 'Write FROM..TO, e.g. 2026-11-01..2026-11-30'),
        });
        if (text === undefined) return;
        await this.setFilter({ ...f, ...parseRange(text) });
      } else {
        await this.setFilter({ ...f, from: range.from, to: range.to });
      }
    }
    if (pick.id === 'actor') {
      const a = await vscode.window.showQuickPick([{ label: 'Anyone', value: undefined }, ...actors.map((x) => ({ label: x, value: x }))], { title: 'Records by whom?' });
      if (a) await this.setFilter({ ...f, actor: a.value });
    }
    if (pick.id === 'event') {
      const chosen = new Set(f.events ?? []);
      const e = await vscode.window.showQuickPick(AUDIT_EVENTS.map((x) => ({ label: x, picked: chosen.has(x) })), { title: 'Which events? (none: every event)', canPickMany: true });
      if (e) await this.setFilter({ ...f, events: e.map((x) => x.label as AuditEvent) });
    }
    if (pick.id === 'component') {
      const c = await vscode.window.showQuickPick([{ label: 'Every component', value: undefined }, ...components.map((x) => ({ label: x, value: x }))], { title: 'Records of which component?' });
      if (c) await this.setFilter({ ...f, component: c.value });
    }
  }

  /** Writes the records the filter shows as CSV or JSON where the user says (tests pass `{ format, uri }`). */
  async export(arg: unknown): Promise<void> {
    const given = arg && typeof arg === 'object' && 'format' in arg ? arg as { format: 'csv' | 'json'; uri?: vscode.Uri; folder?: string } : undefined;
    const folders = this.service.withManifest();
    let folder = given?.folder ? folders.find((f) => f.folder.uri.toString() === given.folder) : folders.length === 1 ? folders[0] : undefined;
    if (!folder && !given) {
      folder = (await vscode.window.showQuickPick(folders.map((f) => ({ label: f.name, f })), { placeHolder: 'Export the audit records of which folder?' }))?.f;
    }
    if (!folder) {
      if (folders.length === 0) void vscode.window.showInformationMessage('No protection manifest in this workspace: there is no audit log to export.');
      return;
    }
    const format = given?.format ?? (await vscode.window.showQuickPick([
      { label: 'CSV', description: 'one row a record, for a spreadsheet', value: 'csv' as const },
      { label: 'JSON', description: 'the records as written, with their hashes', value: 'json' as const },
    ], { title: 'Export the records the filter shows as' }))?.value;
    if (!format) return;
    const records = (await this.modelOf(folder)).shown;
    const target = given?.uri ?? await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(folder.folder.uri, `audit-export.${format}`),
      filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
      title: `Export ${records.length} audit record${records.length === 1 ? '' : 's'}`,
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(format === 'csv' ? toCsv(records) : toJson(records)));
    void vscode.window.showInformationMessage(`Exported ${records.length} audit record${records.length === 1 ? '' : 's'} to ${vscode.workspace.asRelativePath(target)}.`);
  }
}

function refilter(m: AuditModel, f: AuditFilter): AuditModel {
  const shown = filterRecords(m.all, f);
  return { ...m, shown, days: groupByDay(shown) };
}

/** `2026-11-01..2026-11-30`, `..2026-11-30`, `2026-11-01..` */
function parseRange(v: string): AuditFilter {
  const [from, to] = v.split('..').map((s) => s.trim());
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

function recordTooltip(r: AuditRecord): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  const row = (k: string, v: string | number | undefined): void => {
    if (v !== undefined && v !== '') md.appendMarkdown(`**${k}:** `).appendText(`${v}`).appendMarkdown('  \n');
  };
  row('Record', `${r.seq} · ${r.event} · ${r.at}`);
  row('By', r.actor.email ? `${r.actor.name} <${r.actor.email}>` : r.actor.name);
  row('OS user', r.osUser);
  row('File', r.file);
  row('Renamed from', r.from);
  row('Component', r.component);
  row('Tier', r.tier);
  row('Reason', r.reason);
  row('Detail', r.detail);
  row('Until', r.until);
  if (r.added !== undefined || r.removed !== undefined) row('Lines', `+${r.added ?? 0} -${r.removed ?? 0}`);
  row('Backup', r.backup);
  row('git HEAD', r.head?.slice(0, 12));
  row('Signed', r.sig ? 'with the grant key' : r.approvals?.length ? `${r.approvals.length} owner approval(s)` : undefined);
  if (hasDiff(r)) md.appendMarkdown('\n_Select to compare before and after._');
  return md;
}
