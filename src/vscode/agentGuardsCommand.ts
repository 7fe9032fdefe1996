// Protected Files: Set Up Agent Guards — previews the guards for AI agents generated from a
// folder's manifest (Copilot auto-approval entries, Claude Code deny rules and hook, the
// AGENTS.md section), shows each file's diff on request, and writes them when the user says so.
import * as vscode from 'vscode';
import { AgentGuardsError } from '../core/agentGuards';
import { lineDiffStats } from '../core/diffStats';
import { parseManifest } from '../core/manifest';
import { AGENTS_MD_PATH, AGENT_GUARDS_STATE_PATH, planAgentGuards, writeAgentGuards } from '../node/agentGuardsWriter';
import type { PlannedFile } from '../node/agentGuardsWriter';
import { log } from './logger';

/** Virtual documents holding the before and after texts that the diff editor compares. */
const PREVIEW_SCHEME = 'protected-files-preview';

/** Serves the preview texts; registered only while a preview is open. */
class PreviewDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly registration: vscode.Disposable;
  readonly onDidChange = this.changed.event;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, this);
  }

  /** A URI whose document reads `text`; `run` keeps one preview's documents apart from the next one's. */
  put(run: number, side: 'before' | 'after', relPath: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${relPath}`, query: `${side}-${run}` });
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
    this.texts.clear();
  }
}

let runs = 0;

interface FileItem extends vscode.QuickPickItem {
  file?: PlannedFile;
  write?: true;
}

function summary(file: PlannedFile): string {
  const { added, removed } = lineDiffStats(file.before ?? '', file.after);
  return file.before === undefined ? `new file, +${added} lines` : `+${added} −${removed} lines`;
}

/** Closes the diff editors of our preview, so no tab is left pointing at a disposed provider. */
async function closePreviewTabs(): Promise<void> {
  const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === PREVIEW_SCHEME);
  if (tabs.length > 0) await vscode.window.tabGroups.close(tabs, true);
}

/**
 * Lists the files that would change with their line counts; picking a file opens its diff
 * (the list stays open), picking "Write N files" confirms. Resolves false on Escape.
 */
function confirmPlan(folderName: string, changed: readonly PlannedFile[]): Promise<boolean> {
  const run = ++runs;
  let documents: PreviewDocuments | undefined; // registered on the first "Show Diff"
  const pick = vscode.window.createQuickPick<FileItem>();
  const n = changed.length;
  pick.title = `Set Up Agent Guards: ${folderName}`;
  pick.placeholder = 'Pick a file to see its diff, or write the files. Your own settings and text are kept.';
  pick.ignoreFocusOut = true;
  pick.matchOnDescription = true;
  pick.items = [
    { label: `$(check) Write ${n} file${n === 1 ? '' : 's'}`, write: true, alwaysShow: true },
    { label: 'Files that would change', kind: vscode.QuickPickItemKind.Separator },
    ...changed.map((file): FileItem => ({ label: `$(diff) Show Diff: ${file.path}`, description: summary(file), file })),
  ];

  return new Promise<boolean>((resolve) => {
    let decided = false;
    pick.onDidAccept(() => {
      const item = pick.selectedItems[0];
      if (item?.write) {
        decided = true;
        pick.hide();
        return;
      }
      if (!item?.file) return;
      const file = item.file;
      documents ??= new PreviewDocuments();
      const left = documents.put(run, 'before', file.path, file.before ?? '');
      const right = documents.put(run, 'after', file.path, file.after);
      const title = `${file.path} (${file.before === undefined ? 'new file' : 'now'} ↔ after Set Up Agent Guards)`;
      void vscode.commands.executeCommand('vscode.diff', left, right, title, { preview: true, preserveFocus: true });
    });
    pick.onDidHide(() => {
      pick.dispose();
      const docs = documents;
      void closePreviewTabs().finally(() => docs?.dispose());
      resolve(decided);
    });
    pick.show();
  });
}

/**
 * Protected Files: Set Up Agent Guards for one workspace folder: computes the plan from
 * `manifestText`, previews it, and on "Write N files" writes `.vscode/settings.json`,
 * `.claude/settings.json`, `AGENTS.md` (created where missing), `CLAUDE.md` and
 * `.github/copilot-instructions.md` (where they exist) and the state file, then reports.
 * Problems the user can fix (a broken manifest, a settings file that is not JSON, a file
 * edited during the preview) are shown as one sentence; anything else is thrown to the
 * command boundary.
 */
export async function setUpAgentGuards(folderUri: vscode.Uri, manifestText: string): Promise<void> {
  const folderName = vscode.workspace.getWorkspaceFolder(folderUri)?.name ?? folderUri.path.split('/').pop() ?? folderUri.toString();
  const parsed = parseManifest(manifestText);
  if (!parsed.manifest) {
    void vscode.window.showErrorMessage(`Could not set up agent guards: the manifest of ${folderName} has errors. Fix them (see the Problems view), then run Set Up Agent Guards again.`);
    return;
  }
  if (folderUri.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Could not set up agent guards: ${folderName} is not on a local or remote file system (${folderUri.scheme}:).`);
    return;
  }

  try {
    const plan = await planAgentGuards(folderUri.fsPath, parsed.manifest);
    const changed = plan.filter((f) => f.changed);
    if (changed.length === 0) {
      void vscode.window.showInformationMessage(`Agent guards in ${folderName} are up to date with the manifest: nothing to change.`);
      return;
    }
    if (!(await confirmPlan(folderName, changed))) return;

    const written = await writeAgentGuards(folderUri.fsPath, plan);
    log.info(`[agents] ${folderName}: wrote ${written.map((f) => f.path).join(', ')}`);
    const open = 'Open AGENTS.md';
    const choice = await vscode.window.showInformationMessage(
      `Agent guards written in ${folderName}: ${written.map((f) => f.path).join(', ')}. Commit them, ${AGENT_GUARDS_STATE_PATH} too. They guide agents that honor them; the watcher and the git gate enforce.`,
      open,
    );
    if (choice === open) await vscode.window.showTextDocument(vscode.Uri.joinPath(folderUri, AGENTS_MD_PATH), { preview: false });
  } catch (err) {
    if (!(err instanceof AgentGuardsError)) throw err;
    log.warn(`[agents] ${folderName}: ${err.message}`);
    void vscode.window.showErrorMessage(`Could not set up agent guards: ${err.message}.`);
  }
}
