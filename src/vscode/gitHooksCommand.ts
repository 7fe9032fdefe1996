import * as vscode from 'vscode';
import { runCli } from '../node/cliRunner';
import { log } from './logger';
import { pickManifestFolder } from './manifestCommands';
import type { ProtectionService } from './protectionService';

/**
 * Protected Files: Install Git Hooks — runs `protected-files install-hooks` (the bundled CLI) in the
 * folder: pre-commit and pre-merge-commit run verify --staged, pre-push refuses pushes to protected
 * branches.
 */
export async function installGitHooks(service: ProtectionService, cliPath: string): Promise<boolean> {
  const folder = await pickManifestFolder(service, 'Install the git hooks in which folder?');
  if (!folder) return false;
  if (folder.folder.uri.scheme !== 'file') {
    void vscode.window.showInformationMessage('Git hooks can be installed only in a folder on disk.');
    return false;
  }
  const run = await runCli(cliPath, ['install-hooks'], folder.folder.uri.fsPath);
  const out = `${run.stdout}${run.stderr}`.trim();
  log.info(`[hooks] ${folder.name}: install-hooks exited ${run.code}\n${out}`);
  const last = out.split('\n').filter((l) => l.trim()).slice(-1)[0] ?? '';
  if (run.code === 0) {
    void vscode.window.showInformationMessage(`Git hooks for ${folder.name}: ${last || 'installed'}`, 'Show Log').then((p) => p && log.show());
    return true;
  }
  void vscode.window.showErrorMessage(`Could not install the git hooks in ${folder.name}: ${last || `exit ${run.code}`}`, 'Show Log').then((p) => p && log.show());
  return false;
}
