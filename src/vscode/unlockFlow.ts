import * as vscode from 'vscode';
import { entryOwner } from '../core/codes';
import type { CodeMatch } from '../core/codes';
import type { Component, Tier } from '../core/manifest';
import { MANIFEST_PATH } from '../core/manifest';
import { acceptedCodeHashes, codesRequired, formatClock, formatRemaining, reasonProblem } from '../core/policy';
import { parseUnlockLine } from '../core/unlockLine';
import { targetLabel } from '../core/unlocks';
import type { Grant, UnlockTarget } from '../core/unlocks';
import { checkCode } from '../node/unlocking';
import type { FolderProtection } from './folderProtection';
import { log } from './logger';
import type { PickItem, Prompter } from './prompter';
import type { ProtectionService } from './protectionService';
import type { UnlockService } from './unlockService';

/** One thing that can be unlocked, with what the policy asks of it. */
export interface UnlockChoice {
  readonly folder: FolderProtection;
  readonly target: UnlockTarget;
  readonly tier: Tier;
  readonly component: Component | undefined;
  /** The code hashes that may unlock it. */
  readonly hashes: string[];
}

export interface FlowDeps {
  readonly service: ProtectionService;
  readonly unlocks: UnlockService;
  readonly prompter: () => Prompter;
  readonly now: () => number;
}

type Refusal = { ok: false; message: string; level: 'info' | 'warning' | 'error' };
type Outcome = { ok: true; grant: Grant } | Refusal;

/**
 * Protected Files: Unlock… — pick what to unlock (the active file first), see tier and risk, give the
 * code(s) the tier asks for and a reason; or paste `UNLOCK <COMPONENT> WITH CODE: <code> FOR: <reason>`
 * into the first box. Cancelling at any step unlocks nothing. Codes are never logged or echoed.
 */
export class UnlockFlow {
  constructor(private readonly deps: FlowDeps) {}

  /** Runs the whole flow and tells the user how it ended; returns the grant when one was given. */
  async run(uri?: vscode.Uri): Promise<Grant | undefined> {
    const outcome = await this.runQuiet(uri);
    if (!outcome) return undefined;
    if (outcome.ok) return outcome.grant;
    const show = outcome.level === 'error' ? vscode.window.showErrorMessage : outcome.level === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(outcome.message);
    return undefined;
  }

  /** The flow without the closing message (undefined: cancelled). */
  async runQuiet(uri?: vscode.Uri): Promise<Outcome | undefined> {
    const start = uri ? this.choiceForUri(uri) : await this.pickChoice();
    if (!start) return undefined;
    if ('message' in start) return start;
    if ('line' in start) return this.fromLine(start.line);
    return this.unlockChoice(start.choice);
  }

  /** The choice for a given file, used by the banner, status bar and context menus. */
  choiceForUri(uri: vscode.Uri): { choice: UnlockChoice } | Refusal {
    const f = this.deps.service.resolve(uri);
    const name = uri.path.split('/').pop() ?? uri.path;
    if (!f) return { ok: false, level: 'info', message: `${name} is not protected: there is nothing to unlock.` };
    if (f.grant) {
      return { ok: false, level: 'info', message: `${name} is already unlocked (${formatRemaining(f.grant.expiresAt - this.deps.now())} left): save it to record the change and relock.` };
    }
    return { choice: this.makeChoice(f.folder, f.target, f.classification.tier, f.classification.component) };
  }

  /** Unlocks a given choice: lockout check, code(s), reason, grant. */
  async unlockChoice(choice: UnlockChoice, preset?: { code?: string; reason?: string }): Promise<Outcome | undefined> {
    const { folder, target, tier } = choice;
    const label = targetLabel(target);
    await folder.syncGrants(); // wrong codes typed in another window or the CLI count here too
    const until = this.deps.unlocks.lockedUntil(folder, target);
    if (until !== undefined) {
      return { ok: false, level: 'error', message: `Unlocking ${label} is refused until ${formatClock(until)} after repeated wrong codes. Ask an owner, or try again then.` };
    }
    const title = `Unlock ${label} · ${tier.label}`;
    const risk = [choice.component?.risk && `Risk: ${choice.component.risk}`, choice.component?.impact && `Impact: ${choice.component.impact}`].filter(Boolean).join(' · ');
    const needed = codesRequired(tier);
    if (needed > 0 && choice.hashes.length === 0) {
      void vscode.window.showWarningMessage(`${label} has no unlock code yet, so anyone can unlock it. Set one with "Protected Files: Set Unlock Code…".`);
    } else if (needed > choice.hashes.length) {
      return { ok: false, level: 'error', message: `${label} needs ${needed} codes from different owners but the manifest holds ${choice.hashes.length}. Add another owner's code with "Protected Files: Set Unlock Code…".` };
    }
    const owners = new Set<string>();
    const matches: CodeMatch[] = [];
    const spent = needed > 0 ? await this.deps.unlocks.spentKeys(folder) : new Set<string>();
    let reason = preset?.reason;
    if (needed > 0 && choice.hashes.length > 0) {
      for (let i = 0; i < needed; i++) {
        let code = i === 0 ? preset?.code : undefined;
        if (code === undefined) {
          const typed = await this.deps.prompter().input({
            title: needed > 1 ? `${title} (code ${i + 1} of ${needed})` : title,
            prompt: `${risk ? `${risk}. ` : ''}${needed > 1 ? `Owner ${i + 1} of ${needed}: enter` : 'Enter'} the unlock code${i === 0 ? `, or paste "UNLOCK ${choice.component ? choice.component.name : '…'} WITH CODE: … FOR: …"` : ''}.`,
            password: true,
          });
          if (typed === undefined) return undefined;
          const line = i === 0 ? parseUnlockLine(typed) : undefined;
          if (line?.kind === 'invalid') return { ok: false, level: 'error', message: line.message };
          if (line?.kind === 'line') {
            if (!choice.component || line.component.toUpperCase() !== choice.component.name.toUpperCase()) {
              return { ok: false, level: 'error', message: `That line unlocks ${line.component}, not ${label}. Nothing was unlocked.` };
            }
            code = line.code ?? '';
            reason = line.reason;
          } else {
            code = typed;
          }
        }
        const match = await checkCode(code, choice.hashes, owners, spent);
        if (match.kind === 'same-owner') {
          return { ok: false, level: 'error', message: `That is the code of owner 1 again: ${label} needs a code from a different owner. Nothing was unlocked.` };
        }
        if (match.kind === 'spent') {
          return { ok: false, level: 'error', message: `That one-time code was already used: it opens one grant only. Ask an owner for a new one. Nothing was unlocked.` };
        }
        if (match.kind === 'wrong') {
          const outcome = await this.deps.unlocks.denied(folder, target, tier, needed > 1 ? `wrong code ${i + 1} of ${needed}` : 'wrong code');
          if (outcome.lockedUntil !== undefined) {
            return { ok: false, level: 'error', message: `Wrong code for ${label}. After ${outcome.failures} wrong codes, unlocking it is refused until ${formatClock(outcome.lockedUntil)}.` };
          }
          const left = this.deps.unlocks.remainingAttempts(folder, target);
          return { ok: false, level: 'error', message: `Wrong code for ${label}: nothing was unlocked. ${left} attempt${left === 1 ? '' : 's'} left before unlocking is refused for a while.` };
        }
        matches.push(match.match);
        owners.add(entryOwner(match.match.entry));
      }
    }
    if (reason === undefined || reasonProblem(reason, tier)) {
      const typed = await this.deps.prompter().input({
        title,
        prompt: `${risk ? `${risk}. ` : ''}Why do you need to change ${label}? (at least ${tier.unlock.minReasonLength} characters; it goes into the audit log)`,
        placeholder: 'e.g. Fix the double charge on rebooking (ticket #123)',
        value: reason,
        validate: (v) => reasonProblem(v, tier),
      });
      if (typed === undefined) return undefined;
      reason = typed;
    }
    const grant = await this.deps.unlocks.unlock(folder, target, tier, reason, matches);
    void vscode.window.showInformationMessage(`${label} unlocked for ${tier.unlock.maxMinutes} min: save to record the change and relock.`);
    return { ok: true, grant };
  }

  private async fromLine(text: string): Promise<Outcome | undefined> {
    const line = parseUnlockLine(text);
    if (!line) return { ok: false, level: 'error', message: 'Type UNLOCK <COMPONENT> WITH CODE: <code> FOR: <reason>, or pick a file or component.' };
    if (line.kind === 'invalid') return { ok: false, level: 'error', message: line.message };
    const found = await this.findComponent(line.component);
    if (found === 'cancelled') return undefined;
    if (!found) {
      log.info(`[unlock] one-line form named an unknown component.`);
      return { ok: false, level: 'error', message: `No component named ${line.component} in the manifest. Nothing was unlocked.` };
    }
    const choice = this.makeChoice(found.folder, { kind: 'component', name: found.component.name }, found.tier, found.component);
    if (codesRequired(found.tier) === 0) return this.unlockChoice(choice, { reason: line.reason });
    return this.unlockChoice(choice, { code: line.code ?? '', reason: line.reason });
  }

  /**
   * The component a one-line form names: an exact name first, else one differing only in case. Where
   * several workspace folders have it, the user picks the folder (a code meant for one folder must
   * never count as a wrong code against another).
   */
  private async findComponent(name: string): Promise<{ folder: FolderProtection; component: Component; tier: Tier } | 'cancelled' | undefined> {
    for (const exact of [true, false]) {
      const found: { folder: FolderProtection; component: Component; tier: Tier }[] = [];
      for (const folder of this.deps.service.all()) {
        const m = folder.manifest;
        const component = m?.components.find((c) => (exact ? c.name === name : c.name.toUpperCase() === name.toUpperCase()));
        const tier = component && m?.tiers.find((t) => t.id === component.tier);
        if (component && tier) found.push({ folder, component, tier });
      }
      if (found.length === 1) return found[0];
      if (found.length > 1) {
        const r = await this.deps.prompter().pick(found.map((f) => ({
          label: f.folder.name, description: `${f.component.name} · ${f.tier.badge} · ${f.tier.label}`, detail: f.component.risk || undefined, value: f,
        })), { title: `Unlock ${found[0].component.name}`, placeholder: `${found.length} workspace folders have ${found[0].component.name}: which one?` });
        return r && 'item' in r ? r.item : 'cancelled';
      }
    }
    return undefined;
  }

  private makeChoice(folder: FolderProtection, target: UnlockTarget, tier: Tier, component: Component | undefined): UnlockChoice {
    const classification = { tier, component, pattern: '' };
    return { folder, target, tier, component, hashes: acceptedCodeHashes(folder.manifest, classification) };
  }

  private async pickChoice(): Promise<{ choice: UnlockChoice } | { line: string } | Refusal | undefined> {
    const items: PickItem<UnlockChoice>[] = [];
    const active = vscode.window.activeTextEditor?.document.uri;
    const activeFile = active && this.deps.service.resolve(active);
    if (activeFile?.locked) {
      items.push({
        label: `$(file) ${activeFile.relPath}`,
        description: `${activeFile.classification.tier.badge} · ${targetLabel(activeFile.target)} · active file`,
        detail: activeFile.classification.component?.risk,
        value: this.makeChoice(activeFile.folder, activeFile.target, activeFile.classification.tier, activeFile.classification.component),
      });
    }
    const multi = this.deps.service.all().length > 1;
    for (const folder of this.deps.service.withManifest()) {
      const m = folder.manifest;
      for (const c of m?.components ?? []) {
        const tier = m?.tiers.find((t) => t.id === c.tier);
        if (!tier || activeFile?.target.kind === 'component' && activeFile.target.name === c.name && activeFile.folder === folder) continue;
        const target: UnlockTarget = { kind: 'component', name: c.name };
        if (folder.registry.find('', c.name, this.deps.now())) continue;
        items.push({
          label: `$(lock) ${c.name}`,
          description: `${tier.badge} · ${tier.label}${multi ? ` · ${folder.name}` : ''}`,
          detail: c.risk || undefined,
          value: this.makeChoice(folder, target, tier, c),
        });
      }
      const manifestClass = folder.classify(MANIFEST_PATH);
      if (manifestClass && !(activeFile?.relPath === MANIFEST_PATH && activeFile.folder === folder) && !folder.registry.find(MANIFEST_PATH, undefined, this.deps.now())) {
        items.push({
          label: `$(file-code) ${MANIFEST_PATH}`,
          description: `${manifestClass.tier.badge} · the protection manifest${multi ? ` · ${folder.name}` : ''}`,
          value: this.makeChoice(folder, { kind: 'file', path: MANIFEST_PATH }, manifestClass.tier, undefined),
        });
      }
    }
    if (items.length === 0) return { ok: false, level: 'info', message: 'Everything protected is already unlocked.' };
    const r = await this.deps.prompter().pick(items, {
      title: 'Protected Files: Unlock…',
      placeholder: 'Pick a file or component, or paste: UNLOCK <COMPONENT> WITH CODE: <code> FOR: <reason>',
      lineKeyword: 'UNLOCK',
    });
    if (!r) return undefined;
    return 'line' in r ? { line: r.line } : { choice: r.item };
  }
}
