import { promises as fs, watch as watchDir } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import * as vscode from 'vscode';
import { parseAuditLog, sha256 } from '../core/audit';
import type { AuditRecord } from '../core/audit';
import { isExtensionWritten } from '../core/policy';
import { targetKey } from '../core/unlocks';
import type { Grant } from '../core/unlocks';
import { ApprovedStore } from '../node/approvedStore';
import { atomicWriteFile } from '../node/atomicWrite';
import { BACKUPS_DIR, writeBackup } from '../node/backups';
import { headContent } from '../node/gitContent';
import { Commands } from './commandIds';
import type { FolderProtection } from './folderProtection';
import { Disposable } from './lifecycle';
import { log, reportError } from './logger';
import type { ProtectedFile, ProtectionService } from './protectionService';
import type { UnlockService } from './unlockService';

/** Content the extension itself is about to write outside the breach guard (Create Manifest), by sha256. */
const expectedOwnWrites = new Set<string>();

/** Tells the breach guard that a write of exactly this content is the extension's own. */
export function expectOwnWrite(content: Uint8Array): void {
  expectedOwnWrites.add(sha256(content));
}

/** What happened to a locked file behind the editor's back. */
export interface BreachOutcome {
  readonly relPath: string;
  readonly kind: 'modified' | 'deleted' | 'created';
  /** The approved content was written back. */
  readonly restored: boolean;
  /** Where the breaching content was kept (none for a deletion). */
  readonly backup: string | undefined;
}

const TEMP_FILE = /(^|\/)\.[^/]+\.tmp$/;
const SETTLE_MS = 60;
const NOTICE_BATCH_MS = 400;
const SNAPSHOT_LIMIT_BYTES = 5 * 1024 * 1024;
const EPISODE_QUIET_MS = 2000;
const DELETED = 'deleted';
const POLL_MS = 1000;
const COALESCE_MS = 15;

interface Approved {
  readonly hash: string;
  readonly bytes: Uint8Array;
}

/**
 * Detects writes to locked files that bypass the editor (a terminal, a script, an agent, another
 * extension's WorkspaceEdit rename/delete) and answers per the tier's `onBreach`: the breaching content
 * is backed up and recorded, then (`restore`) the approved content is written back atomically, or
 * (`warn`) kept and reported. Approved content is the after-hash of the file's last change record,
 * else git HEAD's version, else the content when the extension first saw it.
 */
export class BreachGuard extends Disposable {
  /** Last approved sha256 per file (`<folder>|<relPath>`), from change records. */
  private readonly lastApproved = new Map<string, string>();
  /** Protected files written while unlocked, by key: reconciled when the unlock ends. */
  private readonly touchedWhileUnlocked = new Map<string, vscode.Uri>();
  /** Files whose last record is an approved deletion: their absence is the approved state. */
  private readonly approvedDeleted = new Set<string>();
  /** Content as first seen (or last approved), for a rollback without git. */
  private readonly known = new Map<string, Uint8Array>();
  /** Breaching versions already backed up and recorded, per file: version → when last seen. */
  private readonly seenBreach = new Map<string, Map<string, number>>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly stores = new Map<FolderProtection, ApprovedStore>();
  /** Every protected file seen, with its last stat signature: the poll's safety net for lost watcher events. */
  private readonly watched = new Map<string, { folder: FolderProtection; rel: string; sig: string | undefined }>();
  private notices: BreachOutcome[] = [];
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;
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
    const watcher = this.register(vscode.workspace.createFileSystemWatcher('**/*'));
    this.register(watcher.onDidChange((u) => this.onDisk(u)));
    this.register(watcher.onDidCreate((u) => this.onDisk(u)));
    this.register(watcher.onDidDelete((u) => this.onDisk(u)));
    this.register(service.onDidChangeManifest((f) => void this.snapshot(f)));
    this.register(unlocks.onWillEnd((e) => e.waitUntil(this.reconcile(e.folder, e.grant, e.uris))));
    this.register({ dispose: () => this.noticeTimer && clearTimeout(this.noticeTimer) });
    // File watchers coalesce and, under load, drop events (a delete and a re-create in quick
    // succession); a cheap stat poll makes sure no write to a protected file goes unseen.
    const poll = setInterval(() => void this.poll(), POLL_MS);
    this.register({ dispose: () => clearInterval(poll) });
    // The workbench's watcher reports a write after ~140 ms; the OS's own notification on the folders
    // that hold protected files arrives in a few, which is what keeps a rollback under 150 ms.
    this.register(service.onDidChange(() => this.syncDirWatchers()));
    this.register({ dispose: () => { for (const w of this.dirWatchers.values()) w.close(); this.dirWatchers.clear(); } });
    this.register({ dispose: () => { for (const t of this.pendingEvents.values()) clearTimeout(t); this.pendingEvents.clear(); } });
  }

  private readonly dirWatchers = new Map<string, FSWatcher>();

  private syncDirWatchers(): void {
    if (this.isDisposed) return;
    const wanted = new Map<string, FolderProtection>();
    for (const folder of this.service.all()) {
      for (const rel of folder.files.keys()) {
        if (!isExtensionWritten(rel)) wanted.set(dirname(folder.uriOf(rel).fsPath), folder);
      }
    }
    for (const [dir, w] of this.dirWatchers) {
      if (!wanted.has(dir)) {
        w.close();
        this.dirWatchers.delete(dir);
      }
    }
    for (const [dir, folder] of wanted) {
      if (this.dirWatchers.has(dir)) continue;
      try {
        const w = watchDir(dir, { persistent: false }, (_event, name) => {
          if (name) this.onDisk(folder.uriOf(relative(folder.folder.uri.fsPath, join(dir, name.toString())).split(sep).join('/')));
        });
        w.on('error', () => {
          w.close();
          this.dirWatchers.delete(dir);
        });
        this.dirWatchers.set(dir, w);
      } catch {
        // folder gone or not watchable: the workbench watcher and the poll still cover it
      }
    }
  }

  private polling = false;

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const [key, w] of this.watched) {
        const sig = await statSignature(w.folder.uriOf(w.rel).fsPath);
        if (sig === w.sig) continue;
        w.sig = sig;
        if (!this.queues.has(key)) this.onDisk(w.folder.uriOf(w.rel));
      }
    } finally {
      this.polling = false;
    }
  }

  /** Reads the approved state of every folder: call once the service has started. */
  async start(): Promise<void> {
    await Promise.all(this.service.all().map((f) => this.snapshot(f)));
    this.syncDirWatchers();
  }

  /** Resolves when every queued breach has been handled (tests, benchmarks). */
  async settled(): Promise<void> {
    while (this.queues.size || this.pendingEvents.size) {
      if (this.queues.size) await Promise.all([...this.queues.values()]);
      else await sleep(COALESCE_MS);
    }
  }

  /** A change record was written: its after-content is the new approved content. */
  approve(folder: FolderProtection, record: AuditRecord): Promise<void> {
    const file = record.file;
    if (!file || !record.after) return Promise.resolve();
    // Queued with the file's disk events, so a watcher event after the save sees the new approval.
    this.lastApproved.set(keyOf(folder, file), record.after);
    return this.enqueue(keyOf(folder, file), () => this.approveNow(folder, file, record.after ?? ''));
  }

  private async approveNow(folder: FolderProtection, file: string, after: string): Promise<void> {
    const key = keyOf(folder, file);
    this.lastApproved.set(key, after);
    this.approvedDeleted.delete(key);
    const bytes = await readOrUndefined(folder.uriOf(file).fsPath);
    if (bytes && sha256(bytes) === after) {
      this.known.set(key, bytes);
      await this.store(folder).put(bytes);
    }
  }

  private store(folder: FolderProtection): ApprovedStore {
    let s = this.stores.get(folder);
    if (!s) this.stores.set(folder, (s = new ApprovedStore(folder.folder.uri.fsPath)));
    return s;
  }

  /** Bytes of each folder's audit log whose records are applied to lastApproved / approvedDeleted. */
  private readonly logApplied = new Map<FolderProtection, number>();

  private applyRecord(folder: FolderProtection, r: AuditRecord): void {
    if (r.event === 'change' && r.file && r.after) {
      this.lastApproved.set(keyOf(folder, r.file), r.after);
      this.approvedDeleted.delete(keyOf(folder, r.file));
    }
    if (r.event === 'delete' && r.file) {
      this.lastApproved.delete(keyOf(folder, r.file));
      this.approvedDeleted.add(keyOf(folder, r.file));
    }
  }

  /**
   * Applies the records appended to the audit log since it was last read: approvals written by
   * another window, the command line or an agent's hook. Reads only what was appended.
   */
  private async followLog(folder: FolderProtection): Promise<void> {
    const path = folder.audit.store.path;
    let size: number;
    try {
      size = (await fs.stat(path)).size;
    } catch {
      return;
    }
    let from = this.logApplied.get(folder) ?? 0;
    if (size === from) return;
    if (size < from) from = 0; // rewritten: read it again
    const handle = await fs.open(path, 'r');
    try {
      const buffer = Buffer.alloc(size - from);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
      const text = buffer.subarray(0, bytesRead).toString('utf8');
      const end = text.lastIndexOf('\n');
      if (end < 0) return;
      for (const r of parseAuditLog(text.slice(0, end + 1)).records) this.applyRecord(folder, r);
      this.logApplied.set(folder, from + Buffer.byteLength(text.slice(0, end + 1), 'utf8'));
    } finally {
      await handle.close();
    }
  }

  private async snapshot(folder: FolderProtection): Promise<void> {
    try {
      this.logApplied.delete(folder);
      await this.followLog(folder);
    } catch (err) {
      log.warn(`[breach] ${folder.name}: could not read the audit log: ${String(err)}`);
    }
    let total = 0;
    for (const rel of folder.files.keys()) {
      const key = keyOf(folder, rel);
      if (isExtensionWritten(rel)) continue;
      if (!this.watched.has(key)) this.watched.set(key, { folder, rel, sig: await statSignature(folder.uriOf(rel).fsPath) });
      // Content of an unlocked file is in the middle of a change: not a reference for a rollback.
      if (this.known.has(key) || this.service.resolve(folder.uriOf(rel))?.locked === false) continue;
      const bytes = await readOrUndefined(folder.uriOf(rel).fsPath);
      if (!bytes || bytes.length > SNAPSHOT_LIMIT_BYTES || (total += bytes.length) > 16 * SNAPSHOT_LIMIT_BYTES) continue;
      this.known.set(key, bytes);
    }
  }

  private readonly pendingEvents = new Map<string, ReturnType<typeof setTimeout>>();

  private onDisk(uri: vscode.Uri): void {
    const f = this.service.resolve(uri);
    if (!f || isExtensionWritten(f.relPath) || TEMP_FILE.test(f.relPath)) return;
    const key = keyOf(f.folder, f.relPath);
    // Events come in bursts (truncate, write, rename, and one per watcher): read once the writer is done.
    if (this.pendingEvents.has(key)) return;
    this.pendingEvents.set(key, setTimeout(() => {
      this.pendingEvents.delete(key);
      if (this.isDisposed) return;
      void this.enqueue(key, () => this.handle(uri)).catch((err) => reportError(`Could not handle a change to ${f.relPath}`, err));
    }, COALESCE_MS));
  }

  /** One file's work runs in order: approvals, reconciliations and disk events never interleave. */
  private enqueue(key: string, step: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(step);
    this.queues.set(key, next);
    void next.catch(() => undefined).then(() => {
      if (this.queues.get(key) === next) this.queues.delete(key);
    });
    return next;
  }

  /** Handles one file until its disk content is settled (a writer looping for seconds included). */
  private async handle(uri: vscode.Uri): Promise<void> {
    for (let round = 0; round < 500; round++) {
      const f = this.service.resolve(uri);
      if (!f) return;
      if (!f.locked) {
        // Allowed; recorded when the unlock ends (the file may be new, unknown to the inventory).
        this.touchedWhileUnlocked.set(keyOf(f.folder, f.relPath), uri);
        return;
      }
      // Approvals recorded elsewhere (another window, the CLI's record) count before judging.
      await this.followLog(f.folder).catch((err) => log.warn(`[breach] ${f.folder.name}: could not read the audit log: ${String(err)}`));
      const disk = await readOrUndefined(uri.fsPath);
      const diskHash = disk ? sha256(disk) : undefined;
      if (disk && diskHash && expectedOwnWrites.delete(diskHash)) {
        this.known.set(keyOf(f.folder, f.relPath), disk); // our own write: the approved content
        return;
      }
      const approved = await this.approvedFor(f);
      if (!approved) {
        if (disk) await this.breach(f, 'created', disk, diskHash, undefined); // no approved content: record, keep
        return;
      }
      if (diskHash === approved.hash) {
        // Restored and still in place: the next deletion is a new breach (content versions stay
        // deduplicated while a writer keeps repeating them).
        if (round > 0) this.seenBreach.get(keyOf(f.folder, f.relPath))?.delete(DELETED);
        return;
      }
      const restore = f.classification.tier.onBreach === 'restore';
      await this.breach(f, disk ? 'modified' : 'deleted', disk, diskHash, approved, restore);
      if (!restore) return;
      // A writer may still be at it: look again until the approved content stays.
      await sleep(SETTLE_MS);
    }
  }

  /** Backs up and records a breaching version (once per distinct content), restores where asked. */
  private async breach(f: ProtectedFile, kind: BreachOutcome['kind'], disk: Uint8Array | undefined, diskHash: string | undefined,
    approved: Approved | undefined, restore = false): Promise<boolean> {
    const key = keyOf(f.folder, f.relPath);
    // A version seen again within a quiet interval is the same incident (a writer looping, a file
    // read half-written); the same content written again later is a new breach.
    const now = Date.now();
    const seen = this.seenBreach.get(key) ?? new Map<string, number>();
    this.seenBreach.set(key, seen);
    const version = diskHash ?? DELETED;
    const lastSeen = seen.get(version);
    const fresh = lastSeen === undefined || now - lastSeen > EPISODE_QUIET_MS;
    seen.set(version, now);
    let backup: string | undefined;
    if (fresh) {
      if (disk) backup = await writeBackup(f.folder.folder.uri.fsPath, f.relPath, disk);
      await f.folder.audit.record({
        event: 'breach', file: f.relPath, tier: f.classification.tier.id, osUser: osUser(),
        ...(f.classification.component ? { component: f.classification.component.name } : {}),
        ...(approved ? { before: approved.hash } : {}), ...(diskHash ? { after: diskHash } : {}),
        ...(backup ? { backup } : {}),
        detail: `${kind} outside the editor while locked`,
      });
      log.warn(`[breach] ${f.relPath}: ${kind} while locked${backup ? `; kept in ${backup}` : ''}.`);
    }
    if (restore && approved) {
      const path = f.uri.fsPath;
      await fs.mkdir(dirname(path), { recursive: true });
      await atomicWriteFile(path, approved.bytes);
      if (fresh) {
        await f.folder.audit.record({
          event: 'restore', file: f.relPath, tier: f.classification.tier.id, after: approved.hash,
          ...(f.classification.component ? { component: f.classification.component.name } : {}),
          detail: 'approved content written back',
        });
      }
    }
    if (fresh) {
      const outcome: BreachOutcome = { relPath: f.relPath, kind, restored: restore && !!approved, backup };
      this.notice(f, outcome);
      this._onDidHandle.fire(outcome);
    }
    return fresh;
  }

  private async approvedFor(f: ProtectedFile): Promise<Approved | undefined> {
    const key = keyOf(f.folder, f.relPath);
    if (this.approvedDeleted.has(key)) return undefined;
    const folderPath = f.folder.folder.uri.fsPath;
    const recorded = this.lastApproved.get(key);
    const known = this.known.get(key);
    if (recorded) {
      if (known && sha256(known) === recorded) return { hash: recorded, bytes: known };
      const stored = await this.store(f.folder).get(recorded);
      if (stored) return { hash: recorded, bytes: stored };
      const head = await headContent(folderPath, f.relPath);
      if (head && sha256(head) === recorded) return { hash: recorded, bytes: head };
      log.warn(`[breach] ${f.relPath}: the approved content ${recorded.slice(0, 12)}… is not available; falling back to git HEAD.`);
    }
    const head = await headContent(folderPath, f.relPath);
    if (head) return { hash: sha256(head), bytes: head };
    if (known) return { hash: sha256(known), bytes: known };
    return undefined;
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
    await Promise.all([...uris.values()].map((uri) => {
      const rel = folder.relativePath(uri);
      if (!rel || isExtensionWritten(rel)) return Promise.resolve();
      return this.enqueue(keyOf(folder, rel), () => this.reconcileOne(folder, uri, rel, grant))
        .catch((err) => log.error(`[breach] reconcile ${rel}: ${String(err)}`));
    }));
  }

  private async reconcileOne(folder: FolderProtection, uri: vscode.Uri, rel: string, grant: Grant): Promise<void> {
    const reason = grant.reason;
    {
      const f = this.service.resolve(uri);
      if (!f) return;
      const disk = await readOrUndefined(uri.fsPath);
      const approved = await this.approvedFor(f);
      if (!disk) {
        // Deleted while unlocked: an approved deletion, recorded so the commit gate accepts it.
        if (!approved) return;
        const backup = await writeBackup(folder.folder.uri.fsPath, rel, approved.bytes);
        await folder.audit.record({
          event: 'delete', file: rel, tier: f.classification.tier.id, reason, before: approved.hash, backup,
          ...(f.classification.component ? { component: f.classification.component.name } : {}),
          detail: 'deleted while unlocked',
        }, grant);
        this.lastApproved.delete(keyOf(folder, rel));
        this.known.delete(keyOf(folder, rel));
        this.approvedDeleted.add(keyOf(folder, rel));
        return;
      }
      const hash = sha256(disk);
      if (approved?.hash === hash) return;
      const record = await folder.audit.record({
        event: 'change', file: rel, tier: f.classification.tier.id, reason,
        ...(f.classification.component ? { component: f.classification.component.name } : {}),
        ...(approved ? { before: approved.hash } : {}), after: hash,
        detail: 'changed outside the editor while unlocked',
      }, grant);
      await this.approveNow(folder, rel, record.after ?? hash);
    }
  }

  private notice(f: ProtectedFile, outcome: BreachOutcome): void {
    this.notices.push(outcome);
    if (this.noticeTimer) return;
    this.noticeTimer = setTimeout(() => {
      this.noticeTimer = undefined;
      const batch = this.notices.splice(0);
      if (batch.length === 1) void this.showOne(f, batch[0]);
      else this.showMany(batch);
    }, NOTICE_BATCH_MS);
  }

  private async showOne(f: ProtectedFile, o: BreachOutcome): Promise<void> {
    const what = `${o.relPath} (${f.classification.tier.badge} · ${f.classification.component?.name ?? f.classification.tier.label})`;
    const verb = o.kind === 'deleted' ? 'was deleted' : o.kind === 'created' ? 'was created' : 'was changed';
    const kept = o.backup ? ` The change was kept in ${o.backup}.` : '';
    if (o.restored) {
      const actions = o.backup ? ['Show Diff', 'Unlock and Keep the Change…'] : [];
      const pick = await vscode.window.showWarningMessage(`${what} ${verb} outside the editor while locked: the approved content was restored.${kept}`, ...actions);
      if (pick === 'Show Diff' && o.backup) {
        await vscode.commands.executeCommand('vscode.diff', f.folder.uriOf(o.backup), f.uri, `${o.relPath}: breaching ↔ restored`);
      } else if (pick && o.backup) {
        const content = await fs.readFile(f.folder.uriOf(o.backup).fsPath);
        await this.keepChange(f.uri, content);
      }
      return;
    }
    const pick = await vscode.window.showWarningMessage(`${what} ${verb} outside the editor while locked. The change was kept and recorded.`, ...(o.kind === 'created' ? [] : ['Restore']));
    if (pick === 'Restore') await this.restoreNow(f);
  }

  private showMany(batch: BreachOutcome[]): void {
    const restored = batch.filter((o) => o.restored).length;
    const names = batch.slice(0, 5).map((o) => o.relPath).join(', ') + (batch.length > 5 ? `, and ${batch.length - 5} more` : '');
    void vscode.window.showWarningMessage(
      `${batch.length} protected files were changed or deleted outside the editor while locked${restored ? `; ${restored} restored` : ''}: ${names}. Backups are in ${BACKUPS_DIR}.`,
      'Show Log',
    ).then((pick) => pick && vscode.commands.executeCommand(Commands.showLog));
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
    const approved = await this.approvedFor(f);
    if (!approved) return false;
    await atomicWriteFile(f.uri.fsPath, approved.bytes);
    await f.folder.audit.record({
      event: 'restore', file: f.relPath, tier: f.classification.tier.id, after: approved.hash,
      ...(f.classification.component ? { component: f.classification.component.name } : {}),
      detail: 'approved content written back on request',
    });
    return true;
  }
}

function keyOf(folder: FolderProtection, rel: string): string {
  return `${folder.folder.uri.toString()}|${rel}`;
}

async function readOrUndefined(path: string): Promise<Uint8Array | undefined> {
  try {
    return await fs.readFile(path);
  } catch {
    return undefined;
  }
}

async function statSignature(path: string): Promise<string | undefined> {
  try {
    const st = await fs.stat(path);
    return `${st.mtimeMs}:${st.size}:${st.ino}`;
  } catch {
    return undefined;
  }
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

