import * as vscode from 'vscode';
import type { Component, Tier } from '../core/manifest';
import type { Classification } from '../core/matcher';
import { dirOf } from '../core/paths';
import { formatRemaining } from '../core/policy';
import type { Grant } from '../core/unlocks';
import type { FolderProtection } from './folderProtection';
import { Disposable } from './lifecycle';
import { tierColor, UNLOCKED_COLOR_ID } from './presentation';
import type { ProtectionService } from './protectionService';
import type { UnlockService } from './unlockService';

/** The files of `.protection/**` (no component) are grouped under this node in their tier. */
const SELF = '(protection files)';

export type FilesNode =
  | { kind: 'folder'; folder: FolderProtection }
  | { kind: 'tier'; folder: FolderProtection; tier: Tier }
  | { kind: 'component'; folder: FolderProtection; tier: Tier; component: Component | undefined }
  | { kind: 'file'; folder: FolderProtection; relPath: string; classification: Classification };

/** `ann@example.com · 12 min left — fix the refund rounding` */
export function grantLine(g: Grant, now: number): string {
  return `unlocked${g.by ? ` by ${g.by}` : ''} · ${formatRemaining(g.expiresAt - now)} left — ${g.reason.replace(/\s+/g, ' ').trim()}`;
}

/**
 * The Protected Files view: folder (multi-root) → tier → component → file, each with its lock state;
 * unlocked entries say who, why and how long. A component lists its files only when expanded, so the
 * view stays cheap with tens of thousands of protected files; while something is unlocked a one-minute
 * timer refreshes only the unlocked nodes.
 */
export class ProtectedFilesView extends Disposable implements vscode.TreeDataProvider<FilesNode> {
  private readonly _onDidChangeTreeData = this.register(new vscode.EventEmitter<FilesNode | FilesNode[] | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;
  private unlockedOnly = false;
  private minuteTimer: ReturnType<typeof setInterval> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** Nodes handed to the tree, by id, so a refresh can name the ones that changed. */
  private readonly nodes = new Map<string, FilesNode>();
  /** Per inventory (the map is replaced when files change): file counts and the files without a component. */
  private facts = new WeakMap<Map<string, Classification>, { counts: Map<string, number>; self: string[] }>();

  /** `view`: the tree view that ProtectedFilesLoader registered at activation with itself as provider. */
  constructor(private readonly service: ProtectionService, unlocks: UnlockService, private readonly now: () => number, readonly view: vscode.TreeView<FilesNode>) {
    super();
    this.register(service.onDidChangeManifest(() => this.scheduleRefresh()));
    this.register(service.onDidChange(() => this.scheduleRefresh()));
    this.register(unlocks.onDidEnd(() => this.scheduleRefresh()));
    this.register({ dispose: () => { if (this.minuteTimer) clearInterval(this.minuteTimer); if (this.refreshTimer) clearTimeout(this.refreshTimer); } });
    // Loaded after the manifests were read: their state (errors, grants) is shown from the start.
    this.updateState();
  }

  async setUnlockedOnly(on: boolean): Promise<void> {
    this.unlockedOnly = on;
    this.view.description = on ? 'unlocked only' : undefined;
    await vscode.commands.executeCommand('setContext', 'protectedFiles.view.unlockedOnly', on);
    this.refresh();
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refresh();
    }, 50);
  }

  /** Rebuilds the tree (only expanded nodes are asked for again) and sets the minute timer. */
  refresh(): void {
    this.nodes.clear();
    this._onDidChangeTreeData.fire(undefined);
    this.updateState();
  }

  /** The view's message (manifest errors, nothing unlocked) and the minute timer while something is unlocked. */
  private updateState(): void {
    const anyGrant = this.service.all().some((f) => f.registry.all().some((g) => g.expiresAt > this.now()));
    const broken = this.service.withManifest().filter((f) => f.state.kind === 'broken').map((f) => f.name);
    this.view.message = broken.length
      ? `The manifest of ${broken.join(', ')} has errors (see Problems): the last valid one stays in force.`
      : this.unlockedOnly && !anyGrant ? 'Nothing is unlocked.' : undefined;
    if (anyGrant && !this.minuteTimer) this.minuteTimer = setInterval(() => this.tick(), 60_000);
    if (!anyGrant && this.minuteTimer) {
      clearInterval(this.minuteTimer);
      this.minuteTimer = undefined;
    }
  }

  /** Once a minute while something is unlocked: only the unlocked nodes are redrawn ("12 min left"). */
  private tick(): void {
    const now = this.now();
    const changed = [...this.nodes.values()].filter((n) => this.grantOf(n, now) !== undefined);
    if (changed.length) this._onDidChangeTreeData.fire(changed);
  }

  private grantOf(n: FilesNode, now = this.now()): Grant | undefined {
    if (n.kind === 'component') return n.component ? n.folder.registry.find('', n.component.name, now) : undefined;
    if (n.kind === 'file') return n.folder.registry.find(n.relPath, n.classification.component?.name, now);
    return undefined;
  }

  private keep<T extends FilesNode>(n: T): T {
    this.nodes.set(nodeId(n), n);
    return n;
  }

  getChildren(node?: FilesNode): FilesNode[] {
    if (!node) {
      const folders = this.service.withManifest();
      if (folders.length === 1) return this.tiersOf(folders[0]);
      return folders.map((folder) => this.keep({ kind: 'folder', folder }));
    }
    switch (node.kind) {
      case 'folder': return this.tiersOf(node.folder);
      case 'tier': return this.componentsOf(node.folder, node.tier);
      case 'component': return this.filesOf(node.folder, node.component, node.tier);
      case 'file': return [];
    }
  }

  getParent(node: FilesNode): FilesNode | undefined {
    const multi = this.service.withManifest().length > 1;
    switch (node.kind) {
      case 'folder': return undefined;
      case 'tier': return multi ? { kind: 'folder', folder: node.folder } : undefined;
      case 'component': return { kind: 'tier', folder: node.folder, tier: node.tier };
      case 'file': return { kind: 'component', folder: node.folder, tier: node.classification.tier, component: node.classification.component };
    }
  }

  private tiersOf(folder: FolderProtection): FilesNode[] {
    const m = folder.manifest;
    const tiers = new Map<string, Tier>();
    for (const t of m?.tiers ?? []) tiers.set(t.id, t);
    // .protection/** is protected at the strictest tier (or the built-in one while no manifest is valid).
    for (const c of folder.files.values()) if (!c.component && !tiers.has(c.tier.id)) tiers.set(c.tier.id, c.tier);
    return [...tiers.values()]
      .filter((tier) => !this.unlockedOnly || this.componentsOf(folder, tier).length > 0)
      .map((tier) => this.keep({ kind: 'tier', folder, tier }));
  }

  private componentsOf(folder: FolderProtection, tier: Tier): FilesNode[] {
    const now = this.now();
    const out: FilesNode[] = [];
    for (const component of folder.manifest?.components ?? []) {
      if (component.tier !== tier.id) continue;
      if (this.unlockedOnly && !folder.registry.find('', component.name, now)) continue;
      out.push(this.keep({ kind: 'component', folder, tier, component }));
    }
    const self = this.selfFiles(folder).filter((rel) => folder.files.get(rel)?.tier.id === tier.id);
    if (self.length && (!this.unlockedOnly || self.some((rel) => folder.registry.find(rel, undefined, now)))) {
      out.push(this.keep({ kind: 'component', folder, tier, component: undefined }));
    }
    return out;
  }

  /** The files without a component (`.protection/**`), from one pass over the inventory, kept with the counts. */
  private selfFiles(folder: FolderProtection): string[] {
    return this.inventoryFacts(folder).self;
  }

  /** Component name → file count, and the files without a component: one pass per inventory (the map is replaced when files change). */
  private inventoryFacts(folder: FolderProtection): { counts: Map<string, number>; self: string[] } {
    let facts = this.facts.get(folder.files);
    if (!facts) {
      facts = { counts: new Map(), self: [] };
      for (const [rel, c] of folder.files) {
        if (c.component) facts.counts.set(c.component.name, (facts.counts.get(c.component.name) ?? 0) + 1);
        else facts.self.push(rel);
      }
      this.facts.set(folder.files, facts);
    }
    return facts;
  }

  /** Listed on expand only: one pass over the folder's inventory. */
  private filesOf(folder: FolderProtection, component: Component | undefined, tier: Tier): FilesNode[] {
    const now = this.now();
    const out: FilesNode[] = [];
    for (const [relPath, classification] of folder.files) {
      if (classification.component?.name !== component?.name) continue;
      if (!component && classification.tier.id !== tier.id) continue;
      if (this.unlockedOnly && !folder.registry.find(relPath, component?.name, now)) continue;
      out.push(this.keep({ kind: 'file', folder, relPath, classification }));
    }
    return out.sort((a, b) => ((a as { relPath: string }).relPath < (b as { relPath: string }).relPath ? -1 : 1));
  }

  private countOf(folder: FolderProtection, name: string | undefined, tier: Tier): number {
    if (!name) return this.selfFiles(folder).filter((rel) => folder.files.get(rel)?.tier.id === tier.id).length;
    return this.inventoryFacts(folder).counts.get(name) ?? 0;
  }

  getTreeItem(node: FilesNode): vscode.TreeItem {
    const now = this.now();
    switch (node.kind) {
      case 'folder': {
        const item = new vscode.TreeItem(node.folder.name, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = vscode.ThemeIcon.Folder;
        item.id = nodeId(node);
        if (node.folder.state.kind === 'broken') item.description = 'manifest has errors: the last valid one is in force';
        return item;
      }
      case 'tier': {
        const item = new vscode.TreeItem(node.tier.label, vscode.TreeItemCollapsibleState.Expanded);
        item.id = nodeId(node);
        item.iconPath = new vscode.ThemeIcon('shield', tierColor(node.tier));
        const u = node.tier.unlock;
        item.description = node.tier.badge;
        item.tooltip = `${node.tier.label}: unlock needs ${u.requireCode ? (u.approvals === 2 ? 'two owners\' codes' : 'an owner\'s code') : 'no code'}, a reason of ${u.minReasonLength}+ characters, at most ${u.maxMinutes} min; a write outside the editor is ${node.tier.onBreach === 'restore' ? 'rolled back' : 'reported'}.`;
        return item;
      }
      case 'component': {
        const name = node.component?.name ?? SELF;
        const count = this.countOf(node.folder, node.component?.name, node.tier);
        const grant = this.grantOf(node, now);
        const item = new vscode.TreeItem(name, count ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = nodeId(node);
        item.iconPath = grant ? new vscode.ThemeIcon('unlock', new vscode.ThemeColor(UNLOCKED_COLOR_ID)) : new vscode.ThemeIcon('lock', tierColor(node.tier));
        const files = `${count} file${count === 1 ? '' : 's'}`;
        item.description = grant ? `${files} · ${grantLine(grant, now)}` : `${files} · locked`;
        item.accessibilityInformation = { label: `${name}, ${item.description}` };
        const c = node.component;
        const md = new vscode.MarkdownString();
        md.appendMarkdown(`**${grant ? 'Unlocked' : 'Locked'}** · `).appendText(`${node.tier.label} · ${name}`).appendMarkdown('\n\n');
        if (c?.risk) md.appendMarkdown('**Risk:** ').appendText(c.risk).appendMarkdown('\n\n');
        if (c?.impact) md.appendMarkdown('**Impact:** ').appendText(c.impact).appendMarkdown('\n\n');
        if (c?.owners.length) md.appendMarkdown('**Owners:** ').appendText(c.owners.join(', ')).appendMarkdown('\n\n');
        if (c) md.appendMarkdown('**Files:** ').appendText(c.files.join(', ')).appendMarkdown('\n\n');
        if (!c) md.appendText('The manifest and the audit log protect themselves at the strictest tier; each file is unlocked on its own.');
        if (grant) md.appendMarkdown('**Unlocked:** ').appendText(grantLine(grant, now));
        item.tooltip = md;
        // Inline Unlock…/Relock act on the component through one of its files; a self node has no component to unlock.
        item.contextValue = !c || count === 0 ? 'pf.group' : grant ? 'pf.component.unlocked' : 'pf.component.locked';
        return item;
      }
      case 'file': {
        const uri = node.folder.uriOf(node.relPath);
        const grant = this.grantOf(node, now);
        const item = new vscode.TreeItem(uri, vscode.TreeItemCollapsibleState.None);
        item.id = nodeId(node);
        const dir = dirOf(node.relPath);
        item.description = grant ? `${dir ? `${dir} · ` : ''}${grantLine(grant, now)}` : `${dir ? `${dir} · ` : ''}locked`;
        item.accessibilityInformation = { label: `${node.relPath.slice(dir ? dir.length + 1 : 0)}, ${item.description}` };
        item.tooltip = `${node.relPath}\n${grant ? grantLine(grant, now) : 'Locked'} · ${node.classification.tier.label}${node.classification.component ? ` · ${node.classification.component.name}` : ''}`;
        item.command = { command: 'vscode.open', title: 'Open', arguments: [uri] };
        item.contextValue = grant ? 'pf.file.unlocked' : 'pf.file.locked';
        return item;
      }
    }
  }

  /** A file a view command acts on: the node's own file, or (component) the first file of the component. */
  uriOf(node: FilesNode): vscode.Uri | undefined {
    if (node.kind === 'file') return node.folder.uriOf(node.relPath);
    if (node.kind === 'component' && node.component) {
      for (const [rel, c] of node.folder.files) if (c.component?.name === node.component.name) return node.folder.uriOf(rel);
    }
    return undefined;
  }
}

function nodeId(n: FilesNode): string {
  const f = n.folder.folder.uri.toString();
  switch (n.kind) {
    case 'folder': return `folder:${f}`;
    case 'tier': return `tier:${f}:${n.tier.id}`;
    case 'component': return `component:${f}:${n.tier.id}:${n.component?.name ?? SELF}`;
    case 'file': return `file:${f}:${n.relPath}`;
  }
}
