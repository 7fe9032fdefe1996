import * as vscode from 'vscode';

const SECTION = 'protectedFiles';

/** Typed access to the extension's settings; IDs come from here, not from strings scattered around. */
export interface ConfigShape {
  /** Show the risk banner (CodeLens) at the top of protected files. */
  'codeLens.enabled': boolean;
  /** Show the lock state of the active file in the status bar. */
  'statusBar.enabled': boolean;
  /** Remove the write permission bits of locked files on disk (restored on unlock and when the extension stops). */
  enforceFilePermissions: boolean;
}

const DEFAULTS: ConfigShape = {
  'codeLens.enabled': true,
  'statusBar.enabled': true,
  enforceFilePermissions: false,
};

export const Config = {
  get<K extends keyof ConfigShape>(key: K, scope?: vscode.ConfigurationScope): ConfigShape[K] {
    return vscode.workspace.getConfiguration(SECTION, scope).get<ConfigShape[K]>(key, DEFAULTS[key]);
  },
  affects(e: vscode.ConfigurationChangeEvent, key: keyof ConfigShape): boolean {
    return e.affectsConfiguration(`${SECTION}.${key}`);
  },
};
