import * as vscode from 'vscode';
import type { Classification } from '../core/matcher';
import { isSkipped, walkProtected } from '../node/inventory';
import type { InventoryOptions } from '../node/inventory';
import { dirOf } from '../core/paths';
import { isExtensionWritten, unlockTargetFor } from '../core/policy';
import type { Grant, UnlockTarget } from '../core/unlocks';
import { FolderProtection } from './folderProtection';
import { Disposable } from './lifecycle';
import { log } from './logger';

/** What the extension knows about one protected file right now. */
export interface ProtectedFile {
  readonly folder: FolderProtection;
  readonly uri: vscode.Uri;
  readonly relPath: string;
  readonly classification: Classification;
  readonly target: UnlockTarget;
  /** The unlock in force for it, if any. */
  readonly grant: Grant | undefined;
  readonly locked: boolean;
}

/** Which files changed state; `undefined` means "possibly all of them". */
export interface ProtectionChange {
  readonly uris: readonly vscode.Uri[] | undefined;
}

const INVENTORY_LIMIT = 100_000;
/** Above this many files, a change event says "possibly all" instead of listing them. */
const BIG_CHANGE = 500;

// Backups are copies of protected files, not files a team edits; dependencies and git internals (a
// `.git` at any depth) are noise: never listed, and their file events are passed over.
const SKIP = { skipNames: new Set(['node_modules', '.git']), skipPaths: new Set(['.protection/backups']) } as const;
/** A folder moved or copied in is read this long after its event (its files are still arriving). */
const WALK_DELAY_MS = 300;

/** The protection of every workspace folder, and the one place that answers "is this file locked?". */
export class ProtectionService extends Disposable {
  private readonly folders = new Map<string, FolderProtection>();
  private readonly _onDidChange = this.register(new vscode.EventEmitter<ProtectionChange>());
  readonly onDidChange = this._onDidChange.event;
  private readonly _onDidChangeManifest = this.register(new vscode.EventEmitter<FolderProtection>());
  /** A folder's manifest (or its state) changed; fires after the inventory was refreshed. */
  readonly onDidChangeManifest = this._onDidChangeManifest.event;
  private readonly _onDidAddFolder = this.register(new vscode.EventEmitter<FolderProtection>());
  /** A folder was added (before its manifest and grants are read). */
  readonly onDidAddFolder = this._onDidAddFolder.event;
  private readonly _onDidChangeMenus = this.register(new vscode.EventEmitter<FolderProtection>());
  /** A folder of protected files was found to hold an unprotected file too (the menus' context keys). */
  readonly onDidChangeMenus = this._onDidChangeMenus.event;
  private inventoryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly now: () => number = Date.now) {
    super();
    this.register(vscode.workspace.onDidChangeWorkspaceFolders((e) => {
      for (const f of e.removed) this.removeFolder(f);
      for (const f of e.added) void this.addFolder(f);
    }));
    // Files appearing or disappearing change what the globs cover: each event updates the inventory
    // by itself (a full inventory only for a folder that appeared), so git's own churn in .git/ or a
    // build writing thousands of unprotected files costs one classification each, not a listing.
    const watcher = this.register(vscode.workspace.createFileSystemWatcher('**/*', false, true, false));
    this.register(watcher.onDidCreate((u) => void this.created(u)));
    this.register(watcher.onDidDelete((u) => this.deleted(u)));
    this.register({ dispose: () => this.inventoryTimer && clearTimeout(this.inventoryTimer) });
    this.register({ dispose: () => { for (const f of this.folders.values()) f.dispose(); this.folders.clear(); } });
  }

  /** Loads every folder's manifest; resolves once all are read. */
  async start(): Promise<void> {
    await Promise.all((vscode.workspace.workspaceFolders ?? []).map((f) => this.addFolder(f)));
  }

  all(): FolderProtection[] {
    return [...this.folders.values()];
  }

  /** Folders that have a manifest file (valid or not). */
  withManifest(): FolderProtection[] {
    return this.all().filter((f) => f.hasManifest);
  }

  folderOf(uri: vscode.Uri): FolderProtection | undefined {
    const wf = vscode.workspace.getWorkspaceFolder(uri);
    return wf ? this.folders.get(wf.uri.toString()) : undefined;
  }

  /**
   * Reads the manifest of the folder holding `uri` now, after this window wrote it (Create Manifest,
   * Import Protocol Document): protection does not wait on the file watcher, whose event comes late on
   * a loaded machine and never where files.watcherExclude or the system's watch limit hides the folder.
   */
  manifestWritten(uri: vscode.Uri): Promise<void> {
    return this.folderOf(uri)?.reload() ?? Promise.resolve();
  }

  /** The protection state of a file, or undefined where it is not protected. */
  resolve(uri: vscode.Uri): ProtectedFile | undefined {
    if (uri.scheme !== 'file' && uri.scheme !== 'vscode-remote') return undefined;
    const folder = this.folderOf(uri);
    if (!folder) return undefined;
    const relPath = folder.relativePath(uri);
    if (relPath === undefined) return undefined;
    const classification = folder.classify(relPath);
    if (!classification) return undefined;
    const grant = folder.registry.find(relPath, classification.component?.name, this.now());
    return {
      folder, uri, relPath, classification, grant,
      target: unlockTargetFor(classification, relPath),
      locked: grant === undefined,
    };
  }

  /** The files an unlock target covers, from the inventory (plus `extra` where given). */
  filesOf(folder: FolderProtection, target: UnlockTarget): vscode.Uri[] {
    if (target.kind === 'file') return [folder.uriOf(target.path)];
    const out: vscode.Uri[] = [];
    for (const [rel, c] of folder.files) if (c.component?.name === target.name) out.push(folder.uriOf(rel));
    return out;
  }

  protectedCount(): number {
    let n = 0;
    for (const f of this.folders.values()) n += f.files.size;
    return n;
  }

  /** Tells listeners that these files changed state (an unlock, a relock). */
  fireChanged(uris: readonly vscode.Uri[] | undefined): void {
    this._onDidChange.fire({ uris });
  }

  private async addFolder(wf: vscode.WorkspaceFolder): Promise<void> {
    const key = wf.uri.toString();
    if (this.folders.has(key)) return;
    const folder = new FolderProtection(wf);
    this.folders.set(key, folder);
    folder.onDidChangeManifest(() => void this.refreshFolder(folder));
    this._onDidAddFolder.fire(folder);
    await Promise.all([folder.reload(), folder.watchGrants()]);
  }

  private removeFolder(wf: vscode.WorkspaceFolder): void {
    const key = wf.uri.toString();
    const folder = this.folders.get(key);
    if (!folder) return;
    this.folders.delete(key);
    const uris = [...folder.files.keys()].map((r) => folder.uriOf(r));
    folder.dispose();
    this._onDidChange.fire({ uris });
  }

  private async refreshFolder(folder: FolderProtection): Promise<void> {
    const before = folder.files; // the inventory puts a new map in its place
    await this.inventory(folder);
    const after = folder.files;
    // Thousands of URIs in one event cost every listener (and the workbench) more than "all of them".
    if (before.size + after.size > BIG_CHANGE) {
      this._onDidChange.fire({ uris: undefined });
    } else {
      const changed = new Set([...before.keys(), ...after.keys()]);
      this._onDidChange.fire({ uris: [...changed].map((r) => folder.uriOf(r)) });
    }
    this._onDidChangeManifest.fire(folder);
  }

  /** Re-reads a folder's protected files now (an unlock ending must see files created while it was in force). */
  async refreshInventory(folder: FolderProtection): Promise<void> {
    const before = folder.files; // the inventory puts a new map in its place
    await this.inventory(folder);
    const after = folder.files;
    const diff: string[] = [];
    for (const r of before.keys()) if (!after.has(r) && diff.push(r) > BIG_CHANGE) break;
    for (const r of after.keys()) if (!before.has(r) && diff.push(r) > BIG_CHANGE) break;
    if (diff.length) this._onDidChange.fire({ uris: diff.length > BIG_CHANGE ? undefined : diff.map((r) => folder.uriOf(r)) });
  }

  private async created(uri: vscode.Uri): Promise<void> {
    const folder = this.folderOf(uri);
    const rel = folder?.relativePath(uri);
    // The extension's own writes (audit log and its lock, backups) and what the inventory never lists.
    if (!folder || rel === undefined || isExtensionWritten(rel) || isSkipped(SKIP, rel)) return;
    const c = folder.classify(rel);
    let isDir = false;
    try {
      isDir = (await vscode.workspace.fs.stat(uri)).type === vscode.FileType.Directory;
    } catch {
      return; // gone again
    }
    if (isDir) {
      // A folder moved or copied in: its files came without events of their own. Only it is read.
      if (folder.mayProtectUnder(rel)) this.scheduleWalk(folder, rel);
      return;
    }
    if (!c) {
      const dir = dirOf(rel);
      if (folder.unprotectedDirs.has(dir)) return;
      folder.unprotectedDirs.add(dir);
      if (dir === '' || this.dirsOf(folder).has(dir)) this._onDidChangeMenus.fire(folder);
      return;
    }
    if (folder.files.has(rel)) return;
    folder.files.set(rel, c);
    this.protectedDirs.delete(folder);
    this._onDidChange.fire({ uris: [uri] });
  }

  private deleted(uri: vscode.Uri): void {
    const folder = this.folderOf(uri);
    const rel = folder?.relativePath(uri);
    if (!folder || rel === undefined || isSkipped(SKIP, rel)) return;
    // The audit log's lock comes and goes with every record: not a change anyone needs to hear of.
    if (isExtensionWritten(rel)) {
      folder.files.delete(rel);
      return;
    }
    if (folder.files.delete(rel)) {
      this._onDidChange.fire({ uris: [uri] });
      return;
    }
    // A folder deleted with its files (one event for all of them): only folders that hold protected files.
    if (!this.dirsOf(folder).has(rel)) return;
    this.protectedDirs.delete(folder);
    const prefix = `${rel}/`;
    const gone = [...folder.files.keys()].filter((r) => r.startsWith(prefix));
    for (const r of gone) folder.files.delete(r);
    if (gone.length) this._onDidChange.fire({ uris: gone.length > BIG_CHANGE ? undefined : gone.map((r) => folder.uriOf(r)) });
  }

  /** The folders (and their ancestors) that hold protected files, worked out when a deletion needs them. */
  private readonly protectedDirs = new WeakMap<FolderProtection, Set<string>>();

  private dirsOf(folder: FolderProtection): Set<string> {
    let dirs = this.protectedDirs.get(folder);
    if (!dirs) {
      dirs = new Set();
      for (const rel of folder.files.keys()) {
        for (let i = rel.lastIndexOf('/'); i > 0; i = rel.lastIndexOf('/', i - 1)) {
          const dir = rel.slice(0, i);
          if (dirs.has(dir)) break;
          dirs.add(dir);
        }
      }
      this.protectedDirs.set(folder, dirs);
    }
    return dirs;
  }

  /** Folders that appeared with their files, by workspace folder: read (only they) a moment later. */
  private readonly walks = new Map<FolderProtection, Set<string>>();

  private scheduleWalk(folder: FolderProtection, dir: string): void {
    let dirs = this.walks.get(folder);
    if (!dirs) this.walks.set(folder, (dirs = new Set()));
    dirs.add(dir);
    if (this.inventoryTimer) clearTimeout(this.inventoryTimer);
    this.inventoryTimer = setTimeout(() => {
      this.inventoryTimer = undefined;
      const walks = [...this.walks];
      this.walks.clear();
      for (const [f, d] of walks) if (this.folders.get(f.folder.uri.toString()) === f) void this.walkDirs(f, d);
    }, WALK_DELAY_MS);
  }

  /** Adds the protected files of folders that appeared to the inventory (a folder inside another is read once). */
  private async walkDirs(folder: FolderProtection, dirs: Set<string>): Promise<void> {
    const added: vscode.Uri[] = [];
    let count = 0;
    for (const dir of dirs) {
      if ([...dirs].some((d) => d !== dir && dir.startsWith(`${d}/`))) continue;
      const found = await walkProtected(folder.folder.uri.fsPath, { ...this.walkOptions(folder), from: dir });
      for (const d of found.unprotectedDirs) folder.unprotectedDirs.add(d);
      for (const [rel, c] of found.files) {
        if (folder.files.has(rel)) continue;
        folder.files.set(rel, c);
        if (++count <= BIG_CHANGE) added.push(folder.uriOf(rel));
      }
    }
    if (count === 0) return;
    this.protectedDirs.delete(folder);
    this._onDidChange.fire({ uris: count > BIG_CHANGE ? undefined : added });
  }

  private walkOptions(folder: FolderProtection): InventoryOptions<Classification> {
    return {
      classify: (rel) => folder.classify(rel),
      mayProtectUnder: (dir) => folder.mayProtectUnder(dir),
      ...SKIP,
      limit: INVENTORY_LIMIT,
    };
  }

  /**
   * Finds the protected files of a folder (for counts, decorations, menus and component file lists),
   * reading only the folders a glob can reach (src/node/inventory.ts). The folder is on this machine's
   * disk: the extension runs where the workspace is (`extensionKind: workspace`, no virtual workspaces).
   */
  private async inventory(folder: FolderProtection): Promise<void> {
    const found = await walkProtected(folder.folder.uri.fsPath, this.walkOptions(folder));
    if (found.truncated) log.warn(`[inventory] ${folder.name}: stopped after ${INVENTORY_LIMIT} entries; counts may be low.`);
    folder.files = found.files;
    folder.unprotectedDirs = found.unprotectedDirs;
    this.protectedDirs.delete(folder);
  }
}
