import * as vscode from 'vscode';
import { Disposable } from './lifecycle';
import type { ProtectionService } from './protectionService';

/**
 * `protectedFiles.lockedPaths` / `protectedFiles.unlockedPaths`: the context keys that show Unlock… and
 * Relock in the explorer and editor menus only on protected files (`resourcePath in …`); and
 * `protectedFiles.hasManifest` (the Protected Files view's welcome shows where it is false, the Audit
 * Log view where it is true).
 */
export class ContextKeys extends Disposable {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly service: ProtectionService) {
    super();
    this.register(service.onDidChange(() => this.schedule()));
    this.register(service.onDidChangeManifest(() => this.schedule()));
    this.register({ dispose: () => this.timer && clearTimeout(this.timer) });
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), 100);
  }

  async update(): Promise<void> {
    await vscode.commands.executeCommand('setContext', 'protectedFiles.hasManifest', this.service.withManifest().length > 0);
    const locked: Record<string, true> = {};
    const unlocked: Record<string, true> = {};
    for (const folder of this.service.all()) {
      for (const rel of folder.files.keys()) {
        const uri = folder.uriOf(rel);
        const f = this.service.resolve(uri);
        if (f) (f.locked ? locked : unlocked)[uri.fsPath] = true;
      }
    }
    await vscode.commands.executeCommand('setContext', 'protectedFiles.lockedPaths', locked);
    await vscode.commands.executeCommand('setContext', 'protectedFiles.unlockedPaths', unlocked);
  }
}
