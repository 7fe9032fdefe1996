import * as vscode from 'vscode';
import { Commands } from './commandIds';
import { Config } from './config';
import { Disposable } from './lifecycle';
import { detailsMarkdown, headline, shortState } from './presentation';
import type { ProtectionService } from './protectionService';

/** The active file's lock state; for an unprotected file, how many files the workspace protects. */
export class LockStatusBar extends Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor(private readonly service: ProtectionService, private readonly now: () => number = Date.now) {
    super();
    this.item = this.register(vscode.window.createStatusBarItem('protectedFiles.status', vscode.StatusBarAlignment.Right, 100));
    this.item.name = 'Protected Files';
    this.register(vscode.window.onDidChangeActiveTextEditor(() => this.update()));
    this.register(service.onDidChange(() => this.update()));
    this.register(service.onDidChangeManifest(() => this.update()));
    this.register(vscode.workspace.onDidChangeConfiguration((e) => Config.affects(e, 'statusBar.enabled') && this.update()));
    const tick = setInterval(() => this.update(), 30_000);
    this.register({ dispose: () => clearInterval(tick) });
    this.update();
  }

  /** The text shown now, for tests. */
  get text(): string {
    return this.item.text;
  }

  update(): void {
    if (!Config.get('statusBar.enabled')) {
      this.item.hide();
      return;
    }
    const editor = vscode.window.activeTextEditor;
    const f = editor && this.service.resolve(editor.document.uri);
    if (f) {
      const now = this.now();
      this.item.text = `${f.locked ? '$(lock)' : '$(unlock)'} ${shortState(f, now)}`;
      this.item.tooltip = detailsMarkdown(f, now);
      this.item.command = { command: Commands.toggleLock, title: f.locked ? 'Unlock…' : 'Relock', arguments: [f.uri] };
      this.item.accessibilityInformation = {
        label: `${f.relPath} is ${f.locked ? 'locked' : 'unlocked'}: ${headline(f)}. Activate to ${f.locked ? 'unlock' : 'relock'}.`,
        role: 'button',
      };
      this.item.backgroundColor = undefined;
      this.item.show();
      return;
    }
    const folders = this.service.withManifest();
    if (folders.length === 0) {
      this.item.hide();
      return;
    }
    const broken = folders.filter((f) => f.state.kind === 'broken' || f.state.kind === 'deleted');
    const count = this.service.protectedCount();
    this.item.text = broken.length ? `$(warning) ${count} protected` : `$(shield) ${count} protected`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**Protected Files**: ${count} protected file${count === 1 ? '' : 's'} in this workspace.\n\n`);
    for (const b of broken) {
      md.appendMarkdown(b.state.kind === 'broken'
        ? `$(warning) The manifest of *${b.name}* has errors: ${b.manifest ? 'the last valid version stays in force' : 'only `.protection/**` is protected'} until they are fixed.\n\n`
        : `$(warning) The manifest of *${b.name}* was deleted: the last valid version stays in force.\n\n`);
    }
    md.appendMarkdown(`[Open the manifest](command:${Commands.openManifest})`);
    md.isTrusted = { enabledCommands: [Commands.openManifest] };
    this.item.tooltip = md;
    this.item.command = { command: Commands.openManifest, title: 'Open Manifest' };
    this.item.accessibilityInformation = { label: `Protected Files: ${count} protected files${broken.length ? '; the manifest has errors' : ''}. Activate to open the manifest.`, role: 'button' };
    this.item.backgroundColor = broken.length ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }
}
