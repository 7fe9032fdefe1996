// Protected Files: Import Protocol Document… — reads a Markdown protocol document the team already
// keeps, previews what it understood (the report) and the manifest it proposes (the diff), and
// writes it. A new manifest is written as a file; an existing one protects itself, so it is
// unlocked first and the import goes into its buffer for the user to review and save (the save
// is recorded like any change to a protected file).
import * as vscode from 'vscode';
import { importReport } from '../core/importReport';
import { MANIFEST_PATH } from '../core/manifest';
import { ImportInputError, planImport, writeImport } from '../node/protocolImporter';
import type { ImportPlan } from '../node/protocolImporter';
import { log } from './logger';
import { confirmPlan } from './planPreview';
import type { ProtectionService } from './protectionService';
import type { UnlockFlow } from './unlockFlow';

export interface ImportCommandDeps {
  readonly service: ProtectionService;
  readonly unlockFlow: UnlockFlow;
  /** Resolves once the active editor's read-only state matches its lock state. */
  readonly readOnlySettled: () => Promise<void>;
}

const MARKDOWN = /\.(?:md|markdown|mdx|txt)$/i;

async function pickFolder(arg: vscode.Uri | undefined): Promise<vscode.WorkspaceFolder | undefined> {
  const fromArg = arg && vscode.workspace.getWorkspaceFolder(arg);
  if (fromArg) return fromArg;
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length <= 1) return folders[0];
  return vscode.window.showWorkspaceFolderPick({ placeHolder: 'Import into the manifest of which folder?' });
}

async function pickDocument(folder: vscode.WorkspaceFolder, arg: vscode.Uri | undefined): Promise<vscode.Uri | undefined> {
  if (arg && MARKDOWN.test(arg.path)) return arg;
  const active = vscode.window.activeTextEditor?.document.uri;
  const picked = await vscode.window.showOpenDialog({
    defaultUri: active && MARKDOWN.test(active.path) ? active : folder.uri,
    canSelectMany: false,
    filters: { Markdown: ['md', 'markdown', 'mdx', 'txt'] },
    openLabel: 'Import',
    title: 'Import Protocol Document',
  });
  return picked?.[0];
}

/** Puts the merged manifest into the (unlocked) manifest buffer; returns false when it could not. */
async function editExistingManifest(deps: ImportCommandDeps, manifestUri: vscode.Uri, plan: ImportPlan, after: string): Promise<boolean> {
  const state = deps.service.resolve(manifestUri);
  if (state?.locked) {
    void vscode.window.showInformationMessage('The manifest protects itself: unlock it to import into it.');
    const start = deps.unlockFlow.choiceForUri(manifestUri);
    if (!('choice' in start)) {
      void vscode.window.showErrorMessage(start.message);
      return false;
    }
    const outcome = await deps.unlockFlow.unlockChoice(start.choice);
    if (!outcome || !outcome.ok) {
      if (outcome && !outcome.ok) void vscode.window.showErrorMessage(outcome.message);
      return false;
    }
  }
  const doc = await vscode.workspace.openTextDocument(manifestUri);
  if (doc.getText() !== plan.before) {
    void vscode.window.showErrorMessage(`${MANIFEST_PATH} changed after the preview was made (or has unsaved changes): save or revert it, then import again.`);
    return false;
  }
  // Shown (and so made writeable) before the edit: an edit to a read-only buffer could not be saved.
  await vscode.window.showTextDocument(doc, { preview: false });
  await deps.readOnlySettled();
  const we = new vscode.WorkspaceEdit();
  we.replace(manifestUri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), after);
  return vscode.workspace.applyEdit(we);
}

/** Protected Files: Import Protocol Document… (`arg`: a Markdown file from the explorer). */
export async function importProtocolDocument(deps: ImportCommandDeps, arg?: unknown): Promise<void> {
  const uri = arg instanceof vscode.Uri ? arg : undefined;
  const folder = await pickFolder(uri);
  if (!folder) {
    void vscode.window.showInformationMessage('Open a folder first: the manifest is written into a workspace folder.');
    return;
  }
  if (folder.uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Could not import: ${folder.name} is not on a local or remote file system (${folder.uri.scheme}:).`);
    return;
  }
  const document = await pickDocument(folder, uri);
  if (!document) return;
  const shown = vscode.workspace.asRelativePath(document, false);

  let plan: ImportPlan;
  try {
    plan = await planImport(folder.uri.fsPath, document.fsPath, shown);
  } catch (err) {
    if (!(err instanceof ImportInputError)) throw err;
    void vscode.window.showErrorMessage(`Could not import: ${err.message}.`);
    return;
  }
  const merge = plan.merge;
  if (!merge) {
    void vscode.window.showWarningMessage(`Found no protected files in ${shown}: it has no file list under a level heading, tree drawing, table with a path column or File: line that the importer understands.`);
    return;
  }
  if (merge.text === plan.before) {
    void vscode.window.showInformationMessage(`The manifest of ${folder.name} already has everything ${shown} lists: nothing to change.`);
    return;
  }
  const report = importReport(plan).join('\n');
  log.info(`[import] ${folder.name}: ${shown}\n${report}`);
  const paths = plan.imported.components.reduce((n, c) => n + c.files.length, 0);
  const confirmed = await confirmPlan({
    title: `Import Protocol Document: ${shown}`,
    placeholder: 'Read what was understood and skipped, see the manifest diff, then write it.',
    after: `after importing ${shown}`,
    changed: [{ path: MANIFEST_PATH, before: plan.before, after: merge.text, changed: true }],
    reports: [{
      label: 'Show What Was Understood',
      description: `${plan.imported.components.length} component(s), ${paths} path(s), ${plan.imported.skipped.length} skipped`,
      name: 'import-report.txt',
      text: `${report}\n`,
    }],
    notes: [
      ...(plan.missing.length > 0 ? [`${plan.missing.length} listed path(s) do not exist in ${folder.name}: ${plan.missing.slice(0, 3).join(', ')}${plan.missing.length > 3 ? ', …' : ''}`] : []),
      ...(plan.imported.skipped.length > 0 ? [`${plan.imported.skipped.length} part(s) skipped (example code, paths outside the folder…): see the report`] : []),
    ],
  });
  if (!confirmed) return;

  const manifestUri = vscode.Uri.joinPath(folder.uri, MANIFEST_PATH);
  if (plan.before === undefined) {
    try {
      await writeImport(folder.uri.fsPath, plan);
    } catch (err) {
      if (!(err instanceof ImportInputError)) throw err;
      void vscode.window.showErrorMessage(`Could not import: ${err.message}.`);
      return;
    }
    log.info(`[import] ${folder.name}: wrote ${MANIFEST_PATH} from ${shown}`);
    await deps.service.manifestWritten(manifestUri);
    await vscode.window.showTextDocument(manifestUri, { preview: false });
    void vscode.window.showInformationMessage(`Manifest created from ${shown}: review the risks and owners, then set unlock codes (Set Unlock Code…) and commit it.`);
    return;
  }
  if (!(await editExistingManifest(deps, manifestUri, plan, merge.text))) return;
  void vscode.window.showInformationMessage(`The import from ${shown} is in the manifest: review it and save to put it in force (the save is recorded).`);
}
