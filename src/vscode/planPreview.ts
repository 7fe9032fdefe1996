// The preview shared by the generators (Set Up Agent Guards, Set Up Team Rules, Import Protocol
// Document): a list of the files that would change with their line counts; picking a file opens
// its diff (the list stays open), picking a report opens it, picking "Write" confirms.
import * as vscode from 'vscode';
import { lineDiffStats } from '../core/diffStats';
import { parseManifest } from '../core/manifest';
import type { Manifest } from '../core/manifest';
import type { PlannedFile } from '../node/agentGuardsWriter';

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
  put(run: number, side: string, relPath: string, text: string): vscode.Uri {
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

/** A read-only text shown beside the diffs, such as what an import understood and skipped. */
export interface PreviewReport {
  label: string;
  description?: string;
  /** A file name for the virtual document (its extension picks the language). */
  name: string;
  text: string;
}

export interface PlanPreview {
  title: string;
  placeholder: string;
  /** Ends the diff editor's title: `a.json (now ↔ <after>)`. */
  after: string;
  changed: readonly PlannedFile[];
  reports?: readonly PreviewReport[];
  /** Shown as items that do nothing when picked: what the user should know before writing. */
  notes?: readonly string[];
}

interface Item extends vscode.QuickPickItem {
  file?: PlannedFile;
  report?: PreviewReport;
  write?: true;
}

function summary(file: PlannedFile): string {
  const { added, removed } = lineDiffStats(file.before ?? '', file.after);
  return file.before === undefined ? `new file, +${added} lines` : `+${added} −${removed} lines`;
}

/** Closes the editors of our preview, so no tab is left pointing at a disposed provider. */
async function closePreviewTabs(): Promise<void> {
  const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) =>
    (t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === PREVIEW_SCHEME)
    || (t.input instanceof vscode.TabInputText && t.input.uri.scheme === PREVIEW_SCHEME));
  if (tabs.length > 0) await vscode.window.tabGroups.close(tabs, true);
}

/** Shows the preview; resolves true on "Write N files", false on Escape. */
export function confirmPlan(preview: PlanPreview): Promise<boolean> {
  const run = ++runs;
  let documents: PreviewDocuments | undefined; // registered on the first "Show"
  const pick = vscode.window.createQuickPick<Item>();
  const n = preview.changed.length;
  pick.title = preview.title;
  pick.placeholder = preview.placeholder;
  pick.ignoreFocusOut = true;
  pick.matchOnDescription = true;
  pick.items = [
    { label: `$(check) Write ${n} file${n === 1 ? '' : 's'}`, write: true, alwaysShow: true },
    ...(preview.reports ?? []).map((report): Item => ({ label: `$(info) ${report.label}`, description: report.description, report })),
    { label: 'Files that would change', kind: vscode.QuickPickItemKind.Separator },
    ...preview.changed.map((file): Item => ({ label: `$(diff) Show Diff: ${file.path}`, description: summary(file), file })),
    ...(preview.notes && preview.notes.length > 0
      ? [{ label: 'Notes', kind: vscode.QuickPickItemKind.Separator } as Item, ...preview.notes.map((note): Item => ({ label: `$(warning) ${note}` }))]
      : []),
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
      if (item?.report) {
        documents ??= new PreviewDocuments();
        const uri = documents.put(run, 'report', item.report.name, item.report.text);
        void vscode.window.showTextDocument(uri, { preview: true, preserveFocus: true });
        return;
      }
      if (!item?.file) return;
      const file = item.file;
      documents ??= new PreviewDocuments();
      const left = documents.put(run, 'before', file.path, file.before ?? '');
      const right = documents.put(run, 'after', file.path, file.after);
      const title = `${file.path} (${file.before === undefined ? 'new file' : 'now'} ↔ ${preview.after})`;
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
 * What a generator (`Set Up Agent Guards`, `Set Up Team Rules`) plans from: the folder's name and its
 * parsed manifest, or undefined after telling the user in one sentence why there is nothing to plan
 * from (a manifest with errors, a folder not on a file system). `title` names the command.
 */
export function generatorInput(folderUri: vscode.Uri, manifestText: string, title: string): { folderName: string; manifest: Manifest } | undefined {
  const folderName = vscode.workspace.getWorkspaceFolder(folderUri)?.name ?? folderUri.path.split('/').pop() ?? folderUri.toString();
  const what = title.toLowerCase();
  const parsed = parseManifest(manifestText);
  if (!parsed.manifest) {
    void vscode.window.showErrorMessage(`Could not ${what}: the manifest of ${folderName} has errors. Fix them (see the Problems view), then run ${title} again.`);
    return undefined;
  }
  if (folderUri.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Could not ${what}: ${folderName} is not on a local or remote file system (${folderUri.scheme}:).`);
    return undefined;
  }
  return { folderName, manifest: parsed.manifest };
}
