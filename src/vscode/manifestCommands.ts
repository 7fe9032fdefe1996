import * as vscode from 'vscode';
import { AUDIT_LOG_PATH } from '../node/auditStore';
import { Commands } from './commandIds';
import type { FolderProtection } from './folderProtection';
import type { ProtectionService } from './protectionService';

/** The one sentence and action the commands answer with where no folder has a manifest. */
export async function offerToCreateManifest(): Promise<void> {
  const pick = await vscode.window.showInformationMessage('No protection manifest in this workspace. Create one?', 'Create Manifest');
  if (pick) await vscode.commands.executeCommand(Commands.createManifest);
}

/** True where some folder has a manifest; otherwise offers to create one and returns false. */
export function requireManifest(service: ProtectionService): boolean {
  if (service.withManifest().length > 0) return true;
  void offerToCreateManifest();
  return false;
}

/** The one folder, or the one the user picks (undefined: none, or cancelled). */
export async function pickFolder(folders: readonly vscode.WorkspaceFolder[], placeHolder: string): Promise<vscode.WorkspaceFolder | undefined> {
  if (folders.length <= 1) return folders[0];
  return vscode.window.showWorkspaceFolderPick({ placeHolder });
}

/** Protected Files: Open Manifest. */
export async function openManifest(service: ProtectionService): Promise<void> {
  const pick = await pickManifestFolder(service, 'Open the manifest of which folder?');
  if (pick) await vscode.window.showTextDocument(pick.manifestUri, { preview: false });
}

/** Protected Files: Open Audit Log. */
export async function openAuditLog(service: ProtectionService): Promise<void> {
  const pick = await pickManifestFolder(service, 'Open the audit log of which folder?');
  if (!pick) return;
  try {
    await vscode.window.showTextDocument(vscode.Uri.joinPath(pick.folder.uri, AUDIT_LOG_PATH), { preview: false });
  } catch {
    void vscode.window.showInformationMessage(`${pick.name} has no audit records yet: the first unlock writes one.`);
  }
}

/**
 * The folder with a manifest a command acts on: the only one, or the user's pick. Where no folder has a
 * manifest, offers to create one and returns undefined.
 */
export async function pickManifestFolder(service: ProtectionService, placeHolder: string): Promise<FolderProtection | undefined> {
  if (!requireManifest(service)) return undefined;
  const folders = service.withManifest();
  if (folders.length === 1) return folders[0];
  const r = await vscode.window.showQuickPick(folders.map((f) => ({ label: f.name, f })), { placeHolder });
  return r?.f;
}
