import * as vscode from 'vscode';
import { MANIFEST_PATH, parseManifest } from '../core/manifest';
import type { Manifest, ManifestProblem } from '../core/manifest';
import { approvalWords, manifestRefusal } from '../core/manifestApproval';
import { ProtectionMatcher } from '../core/matcher';
import type { Classification } from '../core/matcher';
import { escapesFolder, normalizeRelPath } from '../core/paths';
import { certifiedState, stateObjects } from '../core/grantState';
import type { GrantState } from '../core/grantState';
import { FailureTracker, UnlockRegistry, targetKey } from '../core/unlocks';
import type { Grant } from '../core/unlocks';
import { GrantStore, locateGrantStore } from '../node/grantStore';
import { judgeManifest, manifestHash } from '../node/manifestInForce';
import type { ManifestVersion } from '../node/manifestInForce';
import { AuditRecorder } from '../node/recorder';
import { NotRegularFileError, readRegularFileStrictSync } from '../node/regularFile';
import { Disposable } from './lifecycle';
import { log } from './logger';

/** Where the manifest of a folder stands. */
export type ManifestState =
  | { kind: 'missing' }
  | { kind: 'ok' }
  /** The file on disk has errors; `manifest` (if any) is the last valid one, still in force. */
  | { kind: 'broken'; problems: ManifestProblem[] }
  /** The file was deleted after a valid one was loaded; the last valid one stays in force. */
  | { kind: 'deleted' };

/**
 * The protection of one workspace folder: its manifest (the last valid one), the matcher built from it,
 * the grants in force, the wrong-code tracker and the audit log.
 */
export class FolderProtection extends Disposable {
  private _manifest: Manifest | undefined;
  private _matcher: ProtectionMatcher;
  private _state: ManifestState = { kind: 'missing' };
  private everLoaded = false;
  private readonly _onDidChangeManifest = this.register(new vscode.EventEmitter<void>());
  /** Fires after the manifest in force (or its state) changed. */
  readonly onDidChangeManifest = this._onDidChangeManifest.event;

  /** The grants in force, as last read from the shared grant store (see syncGrants). */
  registry = new UnlockRegistry();
  /** Wrong codes and lockouts, as last read from the shared grant store. */
  failures = new FailureTracker();
  /** The per-clone store shared with other windows, the CLI and the agents' hooks. */
  readonly grants: GrantStore;
  private readonly _onDidChangeGrants = this.register(new vscode.EventEmitter<{ added: Grant[]; removed: Grant[] }>());
  /** Grants appeared or ended in the shared store (made by this window or by any other process). */
  readonly onDidChangeGrants = this._onDidChangeGrants.event;
  readonly audit: AuditRecorder;
  readonly manifestUri: vscode.Uri;
  /** The protected files found in the folder, refreshed by the inventory. */
  files = new Map<string, Classification>();
  /** Folders (folder-relative, '' the top) where the inventory or a later event saw a file that is not protected. */
  unprotectedDirs = new Set<string>();

  constructor(readonly folder: vscode.WorkspaceFolder) {
    super();
    this.manifestUri = vscode.Uri.joinPath(folder.uri, MANIFEST_PATH);
    this.audit = new AuditRecorder(folder.uri.fsPath);
    this._matcher = new ProtectionMatcher(undefined, { caseInsensitive: caseInsensitiveFs() });
    const watcher = this.register(
      vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, MANIFEST_PATH)),
    );
    const schedule = (): void => this.manifestTouched();
    this.register(watcher.onDidChange(schedule));
    this.register(watcher.onDidCreate(schedule));
    this.register(watcher.onDidDelete(schedule));
    this.register({ dispose: () => this.pendingReload && clearTimeout(this.pendingReload) });
    this.grants = new GrantStore(locateGrantStore(folder.uri.fsPath, true)!);
  }

  private pendingReload: ReturnType<typeof setTimeout> | undefined;

  /**
   * A watcher saw the manifest change (the workbench's, or the breach guard's own): one reload once the
   * burst is over, however many watchers report it.
   */
  manifestTouched(): void {
    if (this.pendingReload) clearTimeout(this.pendingReload);
    this.pendingReload = setTimeout(() => {
      this.pendingReload = undefined;
      if (!this.isDisposed) void this.reload();
    }, 50);
  }

  /** Starts following the shared grant store: one OS watcher on its folder, whatever the number of files. */
  watchGrants(): Promise<void> {
    // The grants in force now, read at once (a small file); the watcher is set up in the background.
    this.applyGrantState(this.grants.readSync());
    // Watching creates the store's folder: in Restricted Mode nothing is written, so grants are read
    // once now and followed from the moment the folder is trusted.
    if (!vscode.workspace.isTrusted) {
      const once = this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => { once.dispose(); void this.watchGrants(); }));
      return Promise.resolve();
    }
    void this.grants.watch(() => void this.syncGrants()).then((w) => this.register(w), (err) => {
      log.warn(`[grants] ${this.name}: cannot watch the grant store (${String(err)}); grants made elsewhere show on the next action.`);
    });
    return Promise.resolve();
  }

  /**
   * Re-reads the shared store into registry and failures, and tells listeners which grants
   * appeared or ended. Reads are serialized so events arrive in order.
   */
  syncGrants(): Promise<void> {
    this.syncing = this.syncing.catch(() => undefined).then(async () => {
      this.applyGrantState(await this.grants.read());
    });
    return this.syncing;
  }

  private syncing: Promise<void> = Promise.resolve();

  private lastGrantState: GrantState | undefined;
  /** Grants that held when this window first saw them: a later manifest change does not revoke them. */
  private readonly accepted = new Set<string>();

  /**
   * Takes a state read from the store (also right after this window changed it). Only grants whose
   * certificate holds under the manifest in force count: a grant written into the store by hand
   * unlocks nothing.
   */
  applyGrantState(state: GrantState): void {
    this.lastGrantState = state;
    const identity = (g: Grant): string => `${targetKey(g.target)}|${g.grantedAt}|${g.key ?? ''}|${g.expiresAt}`;
    const holding = certifiedState(state, [this._manifest], (p) => this._matcher.classify(p));
    for (const g of holding.grants) this.accepted.add(identity(g));
    // A grant made before the manifest gained its first signing code (Set Unlock Code… on a new
    // manifest) was certified by what was in force then, and stays until it ends.
    const next = stateObjects({ ...state, grants: state.grants.filter((g) => this.accepted.has(identity(g))) });
    const present = new Set(state.grants.map(identity));
    for (const k of this.accepted) if (!present.has(k)) this.accepted.delete(k);
    const same = (a: Grant, b: Grant): boolean => a.grantedAt === b.grantedAt && a.key === b.key && a.expiresAt === b.expiresAt;
    const before = new Map(this.registry.all().map((g) => [targetKey(g.target), g]));
    const after = new Map(next.registry.all().map((g) => [targetKey(g.target), g]));
    const added = [...after].filter(([k, g]) => !before.has(k) || !same(before.get(k)!, g)).map(([, g]) => g);
    const removed = [...before].filter(([k, g]) => !after.has(k) || !same(after.get(k)!, g)).map(([, g]) => g);
    this.registry = next.registry;
    this.failures = next.failures;
    if (added.length || removed.length) this._onDidChangeGrants.fire({ added, removed });
  }

  get manifest(): Manifest | undefined {
    return this._manifest;
  }

  get matcher(): ProtectionMatcher {
    return this._matcher;
  }

  get state(): ManifestState {
    return this._state;
  }

  /** True once a manifest file has been seen in this folder (valid or not). */
  get hasManifest(): boolean {
    return this._state.kind !== 'missing';
  }

  get name(): string {
    return this.folder.name;
  }

  /**
   * Reads the manifest from disk. A broken or deleted manifest never loosens protection, nor does a
   * valid one that is not approved (src/core/manifestApproval.ts): the manifest in force stays, and the
   * breach guard restores the one on disk. One reload at a time, each of what the disk holds then.
   */
  reload(): Promise<void> {
    this.reloading = this.reloading.catch(() => undefined).then(() => this.reloadNow());
    return this.reloading;
  }

  private reloading: Promise<void> = Promise.resolve();
  /** The manifest in force and the sha256 of its bytes. */
  private inForce: ManifestVersion | undefined;

  private async reloadNow(): Promise<void> {
    let bytes: Uint8Array | undefined;
    let text: string | undefined;
    let notFile: ManifestProblem | undefined;
    try {
      // Local files straight from the disk: the workbench's file service is a round trip to another
      // process, slow while the window is still starting (most of activate()'s time, measured).
      // Synchronous: a few kilobytes, and an await here queues behind every other extension starting.
      // Never a named pipe: its read would wait for a writer and hold the extension host for good.
      bytes = this.manifestUri.scheme === 'file'
        ? readRegularFileStrictSync(this.manifestUri.fsPath)
        : await vscode.workspace.fs.readFile(this.manifestUri);
      text = new TextDecoder().decode(bytes);
    } catch (err) {
      // Not a manifest, and nothing to wait on: a broken one, which loosens nothing.
      if (err instanceof NotRegularFileError) notFile = { message: `${MANIFEST_PATH} is ${err.what}, not a file.`, offset: 0, length: 0, line: 0, column: 0, severity: 'error' };
      text = undefined;
    }
    if (text === undefined && !notFile) {
      this._state = this.everLoaded ? { kind: 'deleted' } : { kind: 'missing' };
      if (this.everLoaded) log.warn(`[manifest] ${this.name}: ${MANIFEST_PATH} was deleted; the last valid manifest stays in force.`);
      this._onDidChangeManifest.fire();
      return;
    }
    this.everLoaded = true;
    // Watchers also report touches that change nothing (a sibling written, a save of the same text).
    const hash = bytes && manifestHash(bytes);
    if (hash !== undefined && hash === this.inForce?.hash && this._state.kind === 'ok') return;
    const parsed = notFile ? { manifest: undefined, problems: [notFile] } : parseManifest(text!);
    if (parsed.manifest) {
      const adopted = await this.approved(bytes!, parsed.manifest);
      if (!adopted) return;
      this.putInForce(adopted);
      log.info(`[manifest] ${this.name}: ${adopted.manifest.components.length} components in ${adopted.manifest.tiers.length} tiers.`);
    } else {
      this._state = { kind: 'broken', problems: parsed.problems.filter((p) => p.severity === 'error') };
      log.warn(`[manifest] ${this.name}: ${this._state.problems.length} error(s); ${this._manifest ? 'the last valid manifest stays in force' : 'only .protection/** is protected'}.`);
    }
    this._onDidChangeManifest.fire();
  }

  /**
   * The manifest to put in force for a valid one read from disk: itself where it is approved (HEAD
   * holds it, its change is recorded, an unlock covers it, or it is the first); at start, the committed
   * one where it is not; undefined where the manifest in force stays. Where nothing may run git
   * (Restricted Mode, a remote file system) the one on disk, as nothing is guarded or restored there.
   */
  private async approved(bytes: Uint8Array, manifest: Manifest): Promise<ManifestVersion | undefined> {
    const onDisk = { manifest, hash: manifestHash(bytes) };
    if (this.manifestUri.scheme !== 'file' || !vscode.workspace.isTrusted) return onDisk;
    if (!this.inForce) {
      // At start the one on disk is put in force at once (activation runs no git: protection is in
      // force within milliseconds), and judged right after: where it is not approved, the committed
      // one replaces it before the breach guard's check at start, which waits for manifestSettled.
      this.firstVerdict = this.judgeFirst(bytes, onDisk);
      return onDisk;
    }
    const verdict = await this.verdictOn(bytes);
    if (verdict.approved) {
      if (verdict.approved !== 'unchanged') log.info(`[manifest] ${this.name}: ${MANIFEST_PATH} changed (${approvalWords(verdict.approved)}): now in force.`);
      return onDisk;
    }
    log.warn(`[manifest] ${this.name}: ${manifestRefusal()}`);
    return undefined;
  }

  /** Resolves once the manifest put in force at start has been judged (and replaced where it was not approved). */
  manifestSettled(): Promise<void> {
    return this.firstVerdict;
  }

  private firstVerdict: Promise<void> = Promise.resolve();

  private verdictOn(bytes: Uint8Array): ReturnType<typeof judgeManifest> {
    return judgeManifest({
      root: this.folder.uri.fsPath, env: process.env, grants: () => this.grants.readSync(), caseInsensitive: caseInsensitiveFs(),
    }, bytes, this.inForce);
  }

  /** The first manifest's verdict: where it is not approved, the committed one goes in force in its place. */
  private async judgeFirst(bytes: Uint8Array, onDisk: ManifestVersion): Promise<void> {
    const verdict = await this.verdictOn(bytes).catch((err: unknown) => {
      log.warn(`[manifest] ${this.name}: could not check that ${MANIFEST_PATH} is approved: ${String(err)}`);
      return undefined;
    });
    const committed = verdict && !verdict.approved ? verdict.committed : undefined;
    if (!committed) return;
    // In the reload queue: no reload interleaves with the swap.
    this.reloading = this.reloading.catch(() => undefined).then(() => {
      if (this.inForce !== onDisk) return; // a reload put another in force meanwhile
      log.warn(`[manifest] ${this.name}: ${manifestRefusal(committed)}`);
      this.putInForce(committed);
      this._onDidChangeManifest.fire();
    });
    await this.reloading;
  }

  private putInForce(version: ManifestVersion): void {
    this.inForce = version;
    this._manifest = version.manifest;
    this._matcher = new ProtectionMatcher(version.manifest, { caseInsensitive: caseInsensitiveFs() });
    this._state = { kind: 'ok' };
    if (this.lastGrantState) this.applyGrantState(this.lastGrantState);
  }

  /** The folder-relative path of a URI inside this folder, or undefined. */
  relativePath(uri: vscode.Uri): string | undefined {
    if (uri.scheme !== this.folder.uri.scheme || uri.authority !== this.folder.uri.authority) return undefined;
    const base = this.folder.uri.path.endsWith('/') ? this.folder.uri.path : `${this.folder.uri.path}/`;
    const same = caseInsensitiveFs() ? uri.path.toLowerCase().startsWith(base.toLowerCase()) : uri.path.startsWith(base);
    if (!same) return undefined;
    const rel = normalizeRelPath(uri.path.slice(base.length));
    return rel && !escapesFolder(rel) ? rel : undefined;
  }

  uriOf(relPath: string): vscode.Uri {
    return vscode.Uri.joinPath(this.folder.uri, ...relPath.split('/'));
  }

  /** Whether a file below this folder-relative directory may be protected (a walk of the tree skips it if not). */
  mayProtectUnder(dir: string): boolean {
    return this._state.kind !== 'missing' && this._matcher.mayProtectUnder(dir);
  }

  classify(relPath: string): Classification | undefined {
    // No manifest ever seen: nothing is protected (not even .protection/**, which a first, broken
    // manifest would protect), so creating the first manifest is not a breach.
    if (this._state.kind === 'missing') return undefined;
    return this._matcher.classify(relPath);
  }
}

function caseInsensitiveFs(): boolean {
  return process.platform === 'win32' || process.platform === 'darwin';
}
