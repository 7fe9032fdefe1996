import * as vscode from 'vscode';

// Restricted mode (an untrusted folder): locked files stay read-only with their badges, banner and status
// bar, but nothing is spawned and nothing is written (no git, no audit records, no backups, no grant store,
// no breach restores, no file permissions). Whatever would write explains that the folder must be trusted.

/** True where the extension may spawn git and write files. */
export function isTrusted(): boolean {
  return vscode.workspace.isTrusted;
}

/** The one sentence a command answers with in an untrusted folder, with the way out. */
export function trustMessage(action: string): string {
  return `Protected Files cannot ${action} in Restricted Mode: ${action === 'unlock' ? 'unlocking writes the audit log and the shared grants, so ' : ''}the folder must be trusted first. Locked files stay read-only meanwhile.`;
}

/** True in a trusted folder; otherwise tells the user why `action` cannot run and offers to manage trust. */
export function requireTrust(action: string): boolean {
  if (isTrusted()) return true;
  void vscode.window.showInformationMessage(trustMessage(action), 'Manage Workspace Trust').then((pick) => {
    if (pick) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}
