import * as vscode from 'vscode';
import type { AuditEvent } from '../core/audit';
import type { Tier } from '../core/manifest';
import { formatClock } from '../core/policy';
import { targetKey, targetLabel } from '../core/unlocks';
import type { FailureOutcome, Grant, UnlockTarget } from '../core/unlocks';
import type { FolderProtection } from './folderProtection';
import { Disposable } from './lifecycle';
import { log } from './logger';
import type { ProtectionService } from './protectionService';

export interface GrantEnded {
  readonly folder: FolderProtection;
  readonly grant: Grant;
  readonly uris: vscode.Uri[];
  readonly why: 'relock' | 'saved' | 'expire';
}

/** Grants and ends unlocks, runs their timers, and records each step in the audit log. */
export class UnlockService extends Disposable {
  private readonly timers = new Map<FolderProtection, ReturnType<typeof setTimeout>>();
  private readonly _onDidEnd = this.register(new vscode.EventEmitter<GrantEnded>());
  /** An unlock ended: relocked by hand, by a save, or by its time limit. */
  readonly onDidEnd = this._onDidEnd.event;

  constructor(private readonly service: ProtectionService, private readonly now: () => number = Date.now) {
    super();
    this.register({ dispose: () => { for (const t of this.timers.values()) clearTimeout(t); this.timers.clear(); } });
  }

  async unlock(folder: FolderProtection, target: UnlockTarget, tier: Tier, reason: string): Promise<Grant> {
    const grant = folder.registry.grant(target, reason.trim(), this.now(), tier.unlock.maxMinutes);
    folder.failures.reset(targetKey(target));
    log.info(`[unlock] ${folder.name}: ${targetLabel(target)} unlocked for ${tier.unlock.maxMinutes} min.`);
    this.schedule(folder);
    this.service.fireChanged(this.service.filesOf(folder, target));
    await folder.audit.record({
      event: 'unlock', ...this.where(target), tier: tier.id, reason: grant.reason,
      until: new Date(grant.expiresAt).toISOString(),
    });
    return grant;
  }

  /** Ends an unlock; `why` says whether the user relocked or a save did. */
  async relock(folder: FolderProtection, target: UnlockTarget, why: 'relock' | 'saved'): Promise<boolean> {
    const grant = folder.registry.get(target);
    if (!grant) return false;
    return this.finish(folder, grant, why);
  }

  /**
   * Work to do while an unlock is still in force, just before it ends (the breach guard records
   * content changed outside the editor meanwhile, so that the relock does not roll it back).
   */
  setBeforeEnd(fn: (folder: FolderProtection, grant: Grant, uris: readonly vscode.Uri[]) => Promise<void>): void {
    this.beforeEnd = fn;
  }

  private beforeEnd: ((folder: FolderProtection, grant: Grant, uris: readonly vscode.Uri[]) => Promise<void>) | undefined;

  /** Records a wrong code; returns how many were wrong in the window and whether a lockout started. */
  async denied(folder: FolderProtection, target: UnlockTarget, tier: Tier, detail: string): Promise<FailureOutcome> {
    const outcome = folder.failures.recordFailure(targetKey(target), this.now());
    log.warn(`[unlock] ${folder.name}: wrong code for ${targetLabel(target)} (${outcome.failures} in a row).`);
    await folder.audit.record({ event: 'denied', ...this.where(target), tier: tier.id, detail });
    if (outcome.lockedUntil !== undefined) {
      await folder.audit.record({
        event: 'lockout', ...this.where(target), tier: tier.id,
        until: new Date(outcome.lockedUntil).toISOString(),
        detail: `unlock refused until ${formatClock(outcome.lockedUntil)} after ${outcome.failures} wrong codes`,
      });
    }
    return outcome;
  }

  lockedUntil(folder: FolderProtection, target: UnlockTarget): number | undefined {
    return folder.failures.lockedUntil(targetKey(target), this.now());
  }

  remainingAttempts(folder: FolderProtection, target: UnlockTarget): number {
    return folder.failures.remaining(targetKey(target), this.now());
  }

  /** Ends every grant whose time ran out; exposed so tests need not wait for the timer. */
  async expireDue(folder: FolderProtection): Promise<void> {
    const now = this.now();
    for (const g of folder.registry.all().filter((x) => x.expiresAt <= now)) await this.finish(folder, g, 'expire');
    this.schedule(folder);
  }

  private async finish(folder: FolderProtection, grant: Grant, why: GrantEnded['why']): Promise<boolean> {
    // Files created or deleted while the unlock was in force belong to what it covered.
    await this.service.refreshInventory(folder);
    const uris = this.service.filesOf(folder, grant.target);
    if (this.beforeEnd) await this.beforeEnd(folder, grant, uris).catch((err) => log.error(`[unlock] before relock: ${String(err)}`));
    if (folder.registry.get(grant.target) !== grant) return false; // ended meanwhile (a second relock)
    folder.registry.revoke(grant.target);
    this.schedule(folder);
    log.info(`[unlock] ${folder.name}: ${targetLabel(grant.target)} relocked (${why}).`);
    this.service.fireChanged(uris);
    this._onDidEnd.fire({ folder, grant, uris, why });
    const event: AuditEvent = why === 'expire' ? 'expire' : 'relock';
    const tier = this.tierOf(folder, grant.target);
    await folder.audit.record({
      event, ...this.where(grant.target), ...(tier ? { tier } : {}),
      ...(why === 'saved' ? { detail: 'relocked on save' } : why === 'expire' ? { detail: 'time limit reached' } : {}),
    });
    return true;
  }

  private tierOf(folder: FolderProtection, target: UnlockTarget): string | undefined {
    if (target.kind === 'component') return folder.manifest?.components.find((c) => c.name === target.name)?.tier;
    return folder.classify(target.path)?.tier.id;
  }

  private where(target: UnlockTarget): { component: string } | { file: string } {
    return target.kind === 'component' ? { component: target.name } : { file: target.path };
  }

  /** One timer per folder, set to its next expiry. */
  private schedule(folder: FolderProtection): void {
    const old = this.timers.get(folder);
    if (old) clearTimeout(old);
    this.timers.delete(folder);
    const next = folder.registry.nextExpiry();
    if (next === undefined) return;
    const delay = Math.min(Math.max(next - this.now(), 0) + 50, 2 ** 31 - 1);
    this.timers.set(folder, setTimeout(() => {
      this.timers.delete(folder);
      this.expireDue(folder).catch((err) => log.error(`[unlock] expiry failed: ${String(err)}`));
    }, delay));
  }
}
