import * as vscode from 'vscode';
import { MANIFEST_PATH } from '../core/manifest';
import { STARTER_MANIFEST } from '../core/starterManifest';
import { pickFolder } from './manifestCommands';
import type { ProtectionService } from './protectionService';

/**
 * Protected Files: Create Manifest — writes a commented starter manifest, puts it in force and opens it.
 * `expectOwnWrite`: the breach guard's (of the activation bundle), told of the write before it is made.
 * `arg`: a URI in the folder that gets the manifest (the Explorer's context menu); asked where omitted.
 */
export async function createManifest(service: ProtectionService, expectOwnWrite: (content: Uint8Array) => void, arg?: unknown): Promise<vscode.Uri | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    void vscode.window.showInformationMessage('Open a folder first: the manifest lives at .protection/manifest.jsonc in a workspace folder.');
    return undefined;
  }
  const folder = arg instanceof vscode.Uri && vscode.workspace.getWorkspaceFolder(arg)
    || await pickFolder(folders, 'Which folder gets a protection manifest?');
  if (!folder) return undefined;
  const uri = vscode.Uri.joinPath(folder.uri, MANIFEST_PATH);
  let exists = true;
  try {
    await vscode.workspace.fs.stat(uri);
  } catch {
    exists = false;
  }
  if (exists) {
    void vscode.window.showInformationMessage(`${folder.name} already has a manifest: opening it.`);
  } else {
    const bytes = new TextEncoder().encode(STARTER_MANIFEST);
    expectOwnWrite(bytes);
    await vscode.workspace.fs.writeFile(uri, bytes);
    await service.manifestWritten(uri);
  }
  await vscode.window.showTextDocument(uri, { preview: false });
  return uri;
}
