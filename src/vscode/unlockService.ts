import * as vscode from 'vscode';
import type { CodeMatch } from '../core/codes';
import type { Tier } from '../core/manifest';
import { targetKey, targetLabel } from '../core/unlocks';
import type { FailureOutcome, Grant, UnlockTarget } from '../core/unlocks';
import { endGrantWith } from '../node/unlocking';
import type { UnlockDeps } from '../node/unlocking';
import type { FolderProtection } from './folderProtection';
import { loadLazy } from './lazyChunk';
import { Disposable } from './lifecycle';
import { log } from './logger';
import { trustMessage } from './trust';
import type { ProtectionService } from './protectionService';

export interface GrantEnded {
  readonly folder: FolderProtection;
  readonly grant: Grant;
  readonly uris: vscode.Uri[];
  /** `elsewhere`: another window, the command line or an agent's hook ended it (and recorded its changes). */
  readonly why: 'relock' | 'saved' | 'expire' | 'elsewhere';
}

/**
 * Grants and ends unlocks in the per-clone grant store that every window, the CLI and the agents'
 * hooks share, runs the expiry timers, and turns grants made or ended elsewhere into the same events.
 */
export class UnlockService extends Disposable {
  private readonly timers = new Map<FolderProtection, ReturnType<typeof setTimeout>>();
  private readonly _onDidEnd = this.register(new vscode.EventEmitter<GrantEnded>());
  /** An unlock ended: relocked by hand, by a save, by its time limit, or elsewhere. */
  readonly onDidEnd = this._onDidEnd.event;
  private readonly _onWillEnd = this.register(new vscode.EventEmitter<{ folder: FolderProtection; grant: Grant; uris: readonly vscode.Uri[]; waitUntil(p: Promise<void>): void }>());
  /**
   * An unlock is about to end here, still in force: listeners record content changed outside the
   * editor meanwhile (waitUntil), so that the relock does not roll it back.
   */
  readonly onWillEnd = this._onWillEnd.event;
  /** Grants this window is ending itself: their removal from the store is not "elsewhere". */
  private readonly ending = new Set<string>();
  private readonly watching = new WeakSet<FolderProtection>();

  constructor(private readonly service: ProtectionService, private readonly now: () => number = Date.now) {
    super();
    this.register({ dispose: () => { for (const t of this.timers.values()) clearTimeout(t); this.timers.clear(); } });
    this.register(service.onDidAddFolder((f) => this.follow(f)));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => { for (const f of service.all()) this.schedule(f); }));
  }

  /** Follows a folder's grant store: grants made or ended elsewhere update this window at once. */
  follow(folder: FolderProtection): void {
    if (this.watching.has(folder)) return;
    this.watching.add(folder);
    this.register(folder.onDidChangeGrants(({ added, removed }) => {
      const uris = new Map<string, vscode.Uri>();
      for (const g of [...added, ...removed]) for (const u of this.service.filesOf(folder, g.target)) uris.set(u.toString(), u);
      this.schedule(folder);
      this.service.fireChanged([...uris.values()]);
      for (const g of removed) {
        if (this.ending.has(endingKey(folder, g))) continue;
        log.info(`[unlock] ${folder.name}: ${targetLabel(g.target)} relocked elsewhere.`);
        this._onDidEnd.fire({ folder, grant: g, uris: this.service.filesOf(folder, g.target), why: 'elsewhere' });
      }
    }));
  }

  private deps(folder: FolderProtection): UnlockDeps {
    return { folderPath: folder.folder.uri.fsPath, store: folder.grants, recorder: folder.audit, now: this.now };
  }

  /** Grants an unlock (signed where the codes are signing codes) for every window and process. */
  async unlock(folder: FolderProtection, target: UnlockTarget, tier: Tier, reason: string, matches: readonly CodeMatch[] = []): Promise<Grant> {
    if (!vscode.workspace.isTrusted) throw new Error(trustMessage('unlock'));
    const actor = await folder.audit.currentActor().catch(() => undefined);
    // Granting (signing key, signed grant) loads with the unlock flow, from dist/lazy.js.
    const grant = await loadLazy('Unlock…').grantUnlock(this.deps(folder), target, tier, reason, matches, actor?.email || actor?.name);
    log.info(`[unlock] ${folder.name}: ${targetLabel(target)} unlocked for ${tier.unlock.maxMinutes} min${grant.key ? ' (signed)' : ''}.`);
    await folder.syncGrants();
    this.schedule(folder);
    return grant;
  }

  /** Public keys of one-time codes already used for this folder. */
  spentKeys(folder: FolderProtection): Promise<Set<string>> {
    return loadLazy('Unlock…').spentOneTimeKeys(this.deps(folder));
  }

  /** Ends an unlock; `why` says whether the user relocked or a save did. */
  async relock(folder: FolderProtection, target: UnlockTarget, why: 'relock' | 'saved'): Promise<boolean> {
    await folder.syncGrants();
    const grant = folder.registry.get(target);
    if (!grant) return false;
    return this.finish(folder, grant, why);
  }

  /** Records a wrong code (counted for every window and the CLI); says whether a lockout started. */
  async denied(folder: FolderProtection, target: UnlockTarget, tier: Tier, detail: string): Promise<FailureOutcome> {
    if (!vscode.workspace.isTrusted) throw new Error(trustMessage('unlock'));
    const outcome = await loadLazy('Unlock…').denyUnlock(this.deps(folder), target, tier, detail);
    log.warn(`[unlock] ${folder.name}: wrong code for ${targetLabel(target)} (${outcome.failures} in a row).`);
    await folder.syncGrants();
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

  private async finish(folder: FolderProtection, grant: Grant, why: 'relock' | 'saved' | 'expire'): Promise<boolean> {
    // Restricted Mode writes nothing: a grant made elsewhere is ended (and its changes recorded) there.
    if (!vscode.workspace.isTrusted) return false;
    const key = endingKey(folder, grant);
    this.ending.add(key);
    try {
      let uris: vscode.Uri[] = [];
      const tier = this.tierOf(folder, grant.target);
      // Under the store's end lock: one window (or the CLI) records a grant's changes and ends it.
      const ended = await endGrantWith(this.deps(folder), grant, why, tier, async () => {
        // Files created or deleted while the unlock was in force belong to what it covered.
        await this.service.refreshInventory(folder);
        uris = this.service.filesOf(folder, grant.target);
        const waits: Promise<void>[] = [];
        this._onWillEnd.fire({ folder, grant, uris, waitUntil: (p) => waits.push(p) });
        await Promise.all(waits.map((p) => p.catch((err) => log.error(`[unlock] before relock: ${String(err)}`))));
      });
      await folder.syncGrants();
      this.schedule(folder);
      if (!ended) return false;
      log.info(`[unlock] ${folder.name}: ${targetLabel(grant.target)} relocked (${why}).`);
      this.service.fireChanged(uris);
      this._onDidEnd.fire({ folder, grant, uris, why });
      return true;
    } finally {
      this.ending.delete(key);
    }
  }

  private tierOf(folder: FolderProtection, target: UnlockTarget): string | undefined {
    if (target.kind === 'component') return folder.manifest?.components.find((c) => c.name === target.name)?.tier;
    return folder.classify(target.path)?.tier.id;
  }

  /** One timer per folder, set to its next expiry. */
  private schedule(folder: FolderProtection): void {
    const old = this.timers.get(folder);
    if (old) clearTimeout(old);
    this.timers.delete(folder);
    const next = folder.registry.nextExpiry();
    // Restricted Mode ends no grant (that writes); an expired grant counts as locked anyway (registry.find).
    if (next === undefined || !vscode.workspace.isTrusted) return;
    const delay = Math.min(Math.max(next - this.now(), 0) + 50, 2 ** 31 - 1);
    this.timers.set(folder, setTimeout(() => {
      this.timers.delete(folder);
      this.expireDue(folder).catch((err) => log.error(`[unlock] expiry failed: ${String(err)}`));
    }, delay));
  }
}

function endingKey(folder: FolderProtection, g: Grant): string {
  return `${folder.folder.uri.toString()}|${targetKey(g.target)}|${g.grantedAt}`;
}
