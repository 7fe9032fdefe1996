import * as vscode from 'vscode';
import { sha256 } from '../core/audit';
import type { AuditRecord } from '../core/audit';
import { lineDiffStats } from '../core/diffStats';
import { targetKey } from '../core/unlocks';
import type { Grant } from '../core/unlocks';
import { writeBackup } from '../node/backups';
import type { FolderProtection } from './folderProtection';
import { Disposable } from './lifecycle';
import { log, reportError } from './logger';
import type { ProtectedFile, ProtectionService } from './protectionService';
import type { UnlockService } from './unlockService';
import { readUriBytes } from './localRead';

interface PendingSave {
  readonly state: ProtectedFile;
  readonly grant: Grant;
  readonly before: Promise<Uint8Array | undefined>;
}

/**
 * Records every approved change on save and relocks: the save of an unlocked file appends a chained
 * `change` record (hashes before and after, line stats, git HEAD, backup of the previous content),
 * then the unlock ends. Saves already under way for the same unlock (Save All) are recorded first.
 */
export class ChangeRecorder extends Disposable {
  private readonly pending = new Map<string, PendingSave>();
  private readonly inFlight = new Map<string, number>();
  private readonly _onDidRecord = this.register(new vscode.EventEmitter<{ folder: FolderProtection; record: AuditRecord }>());
  /** A change record was written (before the unlock ends). */
  readonly onDidRecord = this._onDidRecord.event;

  constructor(private readonly service: ProtectionService, private readonly unlocks: UnlockService) {
    super();
    this.register(vscode.workspace.onWillSaveTextDocument((e) => this.onWillSave(e)));
    this.register(vscode.workspace.onDidSaveTextDocument((d) => void this.onDidSave(d)));
  }

  private onWillSave(e: vscode.TextDocumentWillSaveEvent): void {
    const state = this.service.resolve(e.document.uri);
    if (!state || state.locked || !state.grant) return;
    const before = readOrUndefined(e.document.uri);
    const key = e.document.uri.toString();
    if (!this.pending.has(key)) this.bump(state, +1);
    this.pending.set(key, { state, grant: state.grant, before });
    // The save waits until the previous content is read, so "before" is really before.
    e.waitUntil(before);
  }

  private async onDidSave(doc: vscode.TextDocument): Promise<void> {
    const key = doc.uri.toString();
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    try {
      await this.record(p, doc);
    } catch (err) {
      reportError(`Could not record the change to ${p.state.relPath}`, err, 'The file was saved; check the log and the audit file.');
    } finally {
      if (this.bump(p.state, -1) === 0) {
        await this.unlocks.relock(p.state.folder, p.state.target, 'saved').catch((err) => reportError('Could not relock after save', err));
      }
    }
  }

  private async record(p: PendingSave, doc: vscode.TextDocument): Promise<void> {
    const before = await p.before;
    const after = await readUriBytes(doc.uri);
    if (before && equalBytes(before, after)) {
      log.info(`[record] ${p.state.relPath}: saved without changes; no change record.`);
      return;
    }
    const folder = p.state.folder;
    const decoder = new TextDecoder();
    const stats = lineDiffStats(before ? decoder.decode(before) : '', decoder.decode(after));
    const backup = before ? await writeBackup(folder.folder.uri.fsPath, p.state.relPath, before) : undefined;
    const head = await folder.audit.head();
    const c = p.state.classification;
    const record = await folder.audit.record({
      event: 'change',
      file: p.state.relPath,
      ...(c.component ? { component: c.component.name } : {}),
      tier: c.tier.id,
      reason: p.grant.reason,
      before: sha256(before ?? new Uint8Array()),
      after: sha256(after),
      added: stats.added,
      removed: stats.removed,
      ...(head ? { head } : {}),
      ...(backup ? { backup } : {}),
    }, p.grant);
    log.info(`[record] ${p.state.relPath}: change #${record.seq} (+${stats.added} −${stats.removed}).`);
    this._onDidRecord.fire({ folder, record });
  }

  private bump(state: ProtectedFile, delta: number): number {
    const key = `${state.folder.folder.uri.toString()}|${targetKey(state.target)}`;
    const n = Math.max(0, (this.inFlight.get(key) ?? 0) + delta);
    if (n === 0) this.inFlight.delete(key);
    else this.inFlight.set(key, n);
    return n;
  }
}

async function readOrUndefined(uri: vscode.Uri): Promise<Uint8Array | undefined> {
  try {
    return await readUriBytes(uri);
  } catch {
    return undefined;
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
