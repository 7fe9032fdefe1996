import * as vscode from 'vscode';
import { sha256 } from '../core/audit';
import type { AuditRecord } from '../core/audit';
import type { BreachOutcome } from '../core/breach';
import { MANIFEST_PATH } from '../core/manifest';
import { targetKey } from '../core/unlocks';
import type { Grant } from '../core/unlocks';
import { atomicWriteFile } from '../node/atomicWrite';
import { BreachEngine, UNWATCHED_CHECK_MS, directoriesOf } from '../node/breachEngine';
import { GuardLease, leasePathFor } from '../node/guardLease';
import type { FolderProtection } from './folderProtection';
import { loadLazy } from './lazyChunk';
import { Disposable } from './lifecycle';
import { Commands } from './commandIds';
import { log, reportError } from './logger';
import type { ProtectedFile, ProtectionService } from './protectionService';
import type { UnlockService } from './unlockService';

export type { BreachOutcome } from '../core/breach';

/** Content the extension itself is about to write outside the breach guard (Create Manifest), by sha256. */
const expectedOwnWrites = new Set<string>();

/** Tells the breach guard that a write of exactly this content is the extension's own. */
export function expectOwnWrite(content: Uint8Array): void {
  expectedOwnWrites.add(sha256(content));
}

const NOTICE_BATCH_MS = 400;
const DIRS_SYNC_MS = 300;

interface Guarded {
  readonly engine: BreachEngine;
  readonly lease: GuardLease;
  /** The check at start (runs once this window is the folder's active guard). */
  checked: Promise<BreachOutcome[]>;
  /** Settles once the lease said whether this window guards the folder or stands by. */
  ready: Promise<void>;
}

/**
 * The editor's side of the breach guard (src/node/breachEngine.ts does the work, the same code
 * `protected-files watch` runs): feeds it the workbench's file events and the folders of protected
 * files to watch, takes the folder's guard lease (one guard per folder restores and records, whether
 * VS Code windows or `watch`), and turns outcomes into notices with their actions.
 */
export class BreachGuard extends Disposable {
  private readonly guarded = new Map<FolderProtection, Guarded>();
  /** Protected files written while unlocked, by key: reconciled when the unlock ends. */
  private readonly touchedWhileUnlocked = new Map<string, vscode.Uri>();
  private notices: { folder: FolderProtection; o: BreachOutcome }[] = [];
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;
  private dirsTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly _onDidHandle = this.register(new vscode.EventEmitter<BreachOutcome>());
  /** A breach was handled (backed up, recorded, restored or kept). */
  readonly onDidHandle = this._onDidHandle.event;

  constructor(
    private readonly service: ProtectionService,
    private readonly unlocks: UnlockService,
    /** The normal unlock flow (code and reason); resolves to the grant, or undefined if it was refused. */
    private readonly requestUnlock: (uri: vscode.Uri) => Promise<unknown>,
  ) {
    super();
    // The workbench's watcher (one for the window, in its own process) sees every folder, new ones
    // included; the OS watchers on the folders of protected files (the engine's) report in a few ms.
    const watcher = this.register(vscode.workspace.createFileSystemWatcher('**/*'));
    this.register(watcher.onDidChange((u) => this.onDisk(u)));
    this.register(watcher.onDidCreate((u) => this.onDisk(u)));
    this.register(watcher.onDidDelete((u) => this.onDisk(u)));
    this.register(unlocks.onWillEnd((e) => e.waitUntil(this.reconcile(e.folder, e.grant, e.uris))));
    this.register(service.onDidChangeManifest(() => this.scheduleDirs()));
    this.register(service.onDidChange((c) => c.uris === undefined || c.uris.length > 0 ? this.scheduleDirs() : undefined));
    this.register({ dispose: () => { if (this.noticeTimer) clearTimeout(this.noticeTimer); if (this.dirsTimer) clearTimeout(this.dirsTimer); } });
    this.register({ dispose: () => { for (const g of this.guarded.values()) { g.engine.dispose(); g.lease.dispose(); } this.guarded.clear(); } });
  }

  /**
   * Starts guarding every folder: takes its lease (or stands by) and runs the check at start, both in
   * the background. Returns at once: nothing here waits for the disk.
   */
  start(): void {
    for (const f of this.service.withManifest()) this.guard(f);
  }

  /** The breaches found at start, once every folder's check has run (tests). */
  async checkedAtStart(): Promise<BreachOutcome[]> {
    const all = await Promise.all([...this.guarded.values()].map(async (g) => {
      await g.ready;
      return g.checked;
    }));
    return all.flat();
  }

  /** Resolves when every queued breach has been handled (tests, benchmarks). */
  async settled(): Promise<void> {
    await Promise.all([...this.guarded.values()].map((g) => g.engine.settled()));
  }

  /** Whether this window is the active guard of the folder (not standing by for `watch` or another window). */
  isActiveGuard(folder: FolderProtection): boolean {
    return this.guarded.get(folder)?.engine.active === true;
  }

  private guard(folder: FolderProtection): Guarded {
    const existing = this.guarded.get(folder);
    if (existing) return existing;
    const engine = new BreachEngine({
      root: folder.folder.uri.fsPath,
      recorder: folder.audit,
      policy: {
        classify: (rel) => folder.classify(rel),
        manifest: () => folder.manifest,
        mayProtectUnder: (dir) => folder.mayProtectUnder(dir),
        grantFor: (rel) => {
          // Grants are shared: one made by the CLI a moment ago counts even before the store's watcher
          // fires (a small file, read at once rather than queued behind other work).
          folder.applyGrantState(folder.grants.readSync());
          return this.service.resolve(folder.uriOf(rel))?.grant;
        },
      },
      onOutcome: (o) => this.outcome(folder, o),
      onUnlockedWrite: (rel) => this.touchedWhileUnlocked.set(`${folder.folder.uri.toString()}|${rel}`, folder.uriOf(rel)),
      isOwnWrite: (hash) => expectedOwnWrites.delete(hash),
      log: (level, message) => log[level](message),
      onUnwatched: (n) => this.unwatched(folder, n),
      // The manifest written from outside (git pull, another editor): read again from this watcher
      // too, which sees .protection/ where the workbench's may not (files.watcherExclude, its own limit).
      onDiskEvent: (rel) => {
        if (rel === MANIFEST_PATH) folder.manifestTouched();
      },
    });
    // Inactive until the lease says which guard this window is (a few ms); the check at start that
    // follows covers anything written meanwhile.
    engine.active = false;
    const lease = new GuardLease(leasePathFor(folder.grants.path), 'VS Code');
    const g: Guarded = { engine, lease, checked: Promise.resolve([]), ready: Promise.resolve() };
    g.ready = this.takeLease(folder, g);
    this.guarded.set(folder, g);
    this.scheduleDirs();
    return g;
  }

  private async takeLease(folder: FolderProtection, g: Guarded): Promise<void> {
    let got = false;
    try {
      await folder.grants.ensureDir();
      got = await g.lease.tryAcquire();
    } catch (err) {
      // No lease file possible (read-only git dir): guard anyway rather than not at all.
      log.warn(`[breach] ${folder.name}: cannot take the guard lease (${String(err)}); guarding without it.`);
      got = true;
    }
    if (this.isDisposed) return;
    const becomeActive = (): void => {
      g.engine.active = true;
      log.info(`[breach] ${folder.name}: this window is the breach guard.`);
      g.checked = this.checkAtStart(folder, g.engine);
    };
    g.lease.whenContested((h) => log.warn(`[breach] ${folder.name}: the guard lease now names ${h.who} (pid ${h.pid}): its file was deleted and taken by another guard, or forged. This window keeps guarding; if ${h.who} is a guard too, each breach is recorded twice until one of them stops.`));
    if (got) {
      becomeActive();
    } else {
      const h = await g.lease.holder();
      log.info(`[breach] ${folder.name}: ${h ? `${h.who} (pid ${h.pid})` : 'another guard'} is the breach guard; this window stands by.`);
      g.lease.standBy(becomeActive);
    }
  }

  /** How long the last check at start took, in ms (the benchmark prints it). */
  startCheckMs: number | undefined;

  private async checkAtStart(folder: FolderProtection, engine: BreachEngine): Promise<BreachOutcome[]> {
    const t0 = Date.now();
    try {
      // Judged under the manifest in force once it is known to be approved (see FolderProtection.manifestSettled).
      await folder.manifestSettled();
      const found = await engine.scanAtStart(folder.files.keys());
      this.startCheckMs = Date.now() - t0;
      log.info(`[breach] ${folder.name}: checked at start in ${Date.now() - t0} ms; ${found.length} breach(es) made while nothing was watching.`);
      if (found.length > 0) this.notify(folder, found);
      return found;
    } catch (err) {
      reportError(`Could not check ${folder.name} for changes made while VS Code was closed`, err);
      return [];
    }
  }

  private scheduleDirs(): void {
    if (this.dirsTimer || this.isDisposed) return;
    this.dirsTimer = setTimeout(() => {
      this.dirsTimer = undefined;
      const live = new Set(this.service.all());
      for (const [folder, g] of this.guarded) {
        if (!live.has(folder)) {
          g.engine.dispose();
          g.lease.dispose();
          this.guarded.delete(folder);
          continue;
        }
        g.engine.watchDirs(directoriesOf(folder.folder.uri.fsPath, folder.files));
      }
      // A manifest created (or a folder added) since: guard it too.
      for (const folder of this.service.withManifest()) if (!this.guarded.has(folder)) this.guard(folder);
    }, DIRS_SYNC_MS);
  }

  private onDisk(uri: vscode.Uri): void {
    const folder = this.service.folderOf(uri);
    const rel = folder?.relativePath(uri);
    if (folder && rel !== undefined) this.guarded.get(folder)?.engine.notify(rel);
  }

  /** A change record was written: its after-content is the new approved content. */
  approve(folder: FolderProtection, record: AuditRecord): Promise<void> {
    if (!record.file || !record.after) return Promise.resolve();
    return this.guarded.get(folder)?.engine.approve(record.file, record.after) ?? Promise.resolve();
  }

  /**
   * Just before an unlock ends, content changed outside the editor while it was in force (a formatter,
   * a script the user ran) becomes approved with the unlock's reason, so the next write is judged against it.
   */
  async reconcile(folder: FolderProtection, grant: Grant, covered: readonly vscode.Uri[]): Promise<void> {
    const uris = new Map(covered.map((u) => [u.toString(), u]));
    for (const [key, uri] of this.touchedWhileUnlocked) {
      const f = this.service.resolve(uri);
      if (f?.folder === folder && targetKey(f.target) === targetKey(grant.target)) {
        uris.set(uri.toString(), uri);
        this.touchedWhileUnlocked.delete(key);
      }
    }
    const g = this.guard(folder);
    await Promise.all([...uris.values()].map((uri) => {
      const rel = folder.relativePath(uri);
      if (rel === undefined) return Promise.resolve();
      return g.engine.reconcile(rel, grant).catch((err) => log.error(`[breach] reconcile ${rel}: ${String(err)}`));
    }));
  }

  private outcome(folder: FolderProtection, o: BreachOutcome): void {
    this._onDidHandle.fire(o);
    // What the check at start finds is shown once it is over, in one notification.
    if (o.atStart) return;
    this.notices.push({ folder, o });
    if (this.noticeTimer) return;
    this.noticeTimer = setTimeout(() => {
      this.noticeTimer = undefined;
      const batch = this.notices.splice(0);
      // One folder's breach, or several (from any folders): one line for all.
      this.notify(batch[0].folder, batch.map((n) => n.o));
    }, NOTICE_BATCH_MS);
  }

  private watchLimitShown = false;

  /** Folders the system refused a watcher: said once per window (the log has the count and the fix each time it grows). */
  private unwatched(folder: FolderProtection, n: number): void {
    if (n === 0 || this.watchLimitShown) return;
    this.watchLimitShown = true;
    void vscode.window.showWarningMessage(
      `${folder.name}: ${n} folder(s) with protected files cannot be watched (the system's limit on file watchers is reached): a write from outside the editor there is found within ${UNWATCHED_CHECK_MS / 1000} s, not at once. The log says how to raise the limit.`,
      'Show Log',
    ).then((pick) => pick && vscode.commands.executeCommand(Commands.showLog));
  }

  /** Shows one notice for breaches already handled; its wording and actions load from dist/lazy.js, after the restores it reports. */
  private notify(folder: FolderProtection, batch: BreachOutcome[]): void {
    try {
      const notices = loadLazy('The breach notice');
      if (batch.length > 1) {
        notices.showBreaches(batch);
        return;
      }
      const o = batch[0];
      notices.showBreach(folder, o, this.service, this).catch((err: unknown) => reportError(`Could not act on the breach of ${o.relPath}`, err));
    } catch (err) {
      reportError(`Could not show the notice of ${batch.length === 1 ? `the breach of ${batch[0].relPath}` : `${batch.length} breaches`} (handled and recorded)`, err);
    }
  }

  /**
   * "Unlock and Keep the Change…": the normal unlock, then the breaching content is written back and
   * recorded with the unlock's reason as the unlock ends.
   */
  async keepChange(uri: vscode.Uri, content: Uint8Array): Promise<void> {
    if (!(await this.requestUnlock(uri))) return;
    await atomicWriteFile(uri.fsPath, content);
    const f = this.service.resolve(uri);
    if (f && !f.locked) await this.unlocks.relock(f.folder, f.target, 'relock');
  }

  /** The "Restore" action of a `warn` tier: writes the approved content back. */
  async restoreNow(f: ProtectedFile): Promise<boolean> {
    return this.guard(f.folder).engine.restoreNow(f.relPath);
  }
}
