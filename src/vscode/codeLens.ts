import * as vscode from 'vscode';
import { formatRemaining } from '../core/policy';
import { Commands } from './commandIds';
import { Config } from './config';
import { Disposable } from './lifecycle';
import { headline } from './presentation';
import type { ProtectionService } from './protectionService';

/** The banner at the top of a protected file: tier, component, risk and impact, then Unlock… or Relock. */
export class RiskBanner extends Disposable implements vscode.CodeLensProvider {
  private readonly _onDidChange = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this._onDidChange.event;

  constructor(private readonly service: ProtectionService, private readonly now: () => number = Date.now) {
    super();
    this.register(vscode.languages.registerCodeLensProvider([{ scheme: 'file' }, { scheme: 'vscode-remote' }], this));
    this.register(service.onDidChange(() => this._onDidChange.fire()));
    this.register(vscode.workspace.onDidChangeConfiguration((e) => Config.affects(e, 'codeLens.enabled') && this._onDidChange.fire()));
    // Keeps the remaining time of an unlock current.
    const tick = setInterval(() => this._onDidChange.fire(), 60_000);
    this.register({ dispose: () => clearInterval(tick) });
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!Config.get('codeLens.enabled', doc.uri)) return [];
    const f = this.service.resolve(doc.uri);
    if (!f) return [];
    const c = f.classification.component;
    const range = new vscode.Range(0, 0, 0, 0);
    const details = [c?.risk, c?.impact].filter(Boolean).join(' · ');
    const owners = c?.owners.length ? `Owners: ${c.owners.join(', ')}. ` : '';
    const tooltip = `${owners}${f.locked ? 'Locked: run Protected Files: Unlock… with ' + (f.classification.tier.unlock.requireCode ? 'an unlock code and ' : '') + 'a reason.' : `Unlocked for: ${f.grant?.reason}. Saving relocks it.`}`;
    const lenses = [
      new vscode.CodeLens(range, {
        title: `${f.locked ? '$(lock)' : '$(unlock)'} ${headline(f)}${details ? ` — ${details}` : ''}`,
        tooltip,
        command: Commands.showDetails,
        arguments: [doc.uri],
      }),
    ];
    lenses.push(f.locked
      ? new vscode.CodeLens(range, { title: 'Unlock…', tooltip: 'Unlock this file with a reason (and a code where the tier needs one)', command: Commands.unlock, arguments: [doc.uri] })
      : new vscode.CodeLens(range, {
        title: `Relock (${formatRemaining((f.grant?.expiresAt ?? 0) - this.now())} left)`,
        tooltip: 'End the unlock now; unsaved edits stay in the editor', command: Commands.relock, arguments: [doc.uri],
      }));
    return lenses;
  }
}
