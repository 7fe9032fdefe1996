import * as vscode from 'vscode';
import { menuKeys } from '../core/menuKeys';
import { Disposable } from './lifecycle';
import type { ProtectionService } from './protectionService';

/**
 * The context keys that show Unlock… and Relock in the explorer and editor menus only on protected
 * files: `resourcePath in protectedFiles.lockedPaths || resourceDirname in protectedFiles.lockedDirs`
 * (and the same for unlocked). A folder whose files are all protected and in one state is one entry
 * (src/core/menuKeys.ts), so 20,000 protected files in 200 folders cost 200 entries, not 20,000.
 * Also `protectedFiles.hasManifest` (the Protected Files view's welcome shows where it is false, the
 * Audit Log view where it is true).
 */
export class ContextKeys extends Disposable {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly service: ProtectionService, private readonly now: () => number = Date.now) {
    super();
    this.register(service.onDidChange(() => this.schedule()));
    this.register(service.onDidChangeManifest(() => this.schedule()));
    this.register(service.onDidChangeMenus(() => this.schedule()));
    this.register({ dispose: () => this.timer && clearTimeout(this.timer) });
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), 100);
  }

  async update(): Promise<void> {
    await vscode.commands.executeCommand('setContext', 'protectedFiles.hasManifest', this.service.withManifest().length > 0);
    const values = { lockedPaths: {}, unlockedPaths: {}, lockedDirs: {}, unlockedDirs: {} } as Record<string, Record<string, true>>;
    const now = this.now();
    for (const folder of this.service.all()) {
      const files = folder.files;
      const keys = menuKeys(
        files,
        (rel) => folder.registry.find(rel, files.get(rel)?.component?.name, now) === undefined,
        (dir) => folder.unprotectedDirs.has(dir),
      );
      const fsPath = (rel: string): string => (rel === '' ? folder.folder.uri : folder.uriOf(rel)).fsPath;
      for (const rel of keys.lockedFiles) values.lockedPaths[fsPath(rel)] = true;
      for (const rel of keys.unlockedFiles) values.unlockedPaths[fsPath(rel)] = true;
      for (const rel of keys.lockedDirs) values.lockedDirs[fsPath(rel)] = true;
      for (const rel of keys.unlockedDirs) values.unlockedDirs[fsPath(rel)] = true;
    }
    await Promise.all(Object.entries(values).map(([key, value]) => vscode.commands.executeCommand('setContext', `protectedFiles.${key}`, value)));
  }
}
