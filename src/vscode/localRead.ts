import * as vscode from 'vscode';
import { readRegularFileStrict } from '../node/regularFile';

/**
 * The bytes at `uri`. A local file is read straight from the disk and only if it is a regular
 * file: a named pipe an agent put in place of a protected file, the manifest or the audit log is
 * refused at once (NotRegularFileError), where the workbench's read would wait for a writer and
 * hold one of the extension host's few file-system threads for good. Other schemes go through
 * the workbench.
 */
export async function readUriBytes(uri: vscode.Uri): Promise<Uint8Array> {
  return uri.scheme === 'file' ? await readRegularFileStrict(uri.fsPath) : await vscode.workspace.fs.readFile(uri);
}
