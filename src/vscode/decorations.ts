import * as vscode from 'vscode';
import { Disposable } from './lifecycle';
import { oneLine, tierColor, UNLOCKED_COLOR_ID } from './presentation';
import type { ProtectionService } from './protectionService';

/** The tier badge on protected files in the explorer and on editor tabs; fires only the URIs that changed. */
export class ProtectionDecorations extends Disposable implements vscode.FileDecorationProvider {
  private readonly _onDidChange = this.register(new vscode.EventEmitter<vscode.Uri | vscode.Uri[] | undefined>());
  readonly onDidChangeFileDecorations = this._onDidChange.event;

  constructor(private readonly service: ProtectionService, private readonly now: () => number = Date.now) {
    super();
    this.register(vscode.window.registerFileDecorationProvider(this));
    this.register(service.onDidChange((c) => this._onDidChange.fire(c.uris ? [...c.uris] : undefined)));
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    const f = this.service.resolve(uri);
    if (!f) return undefined;
    const d = new vscode.FileDecoration(
      f.classification.tier.badge,
      oneLine(f, this.now()),
      f.locked ? tierColor(f.classification.tier) : new vscode.ThemeColor(UNLOCKED_COLOR_ID),
    );
    d.propagate = false;
    return d;
  }
}
