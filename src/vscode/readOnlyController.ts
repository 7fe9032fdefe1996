import * as vscode from 'vscode';
import { Disposable } from './lifecycle';
import { log } from './logger';
import type { ProtectionService } from './protectionService';

const SET_READONLY = 'workbench.action.files.setActiveEditorReadonlyInSession';
const SET_WRITEABLE = 'workbench.action.files.setActiveEditorWriteableInSession';
const RESET = 'workbench.action.files.resetActiveEditorReadonlyInSession';

type Applied = 'readonly' | 'writeable';

/**
 * Drives the workbench's own read-only state for protected files with the in-session commands.
 *
 * Why in-session and not `files.readonlyInclude`: the session state lives in the window only, so
 * unlocking and relocking never rewrites a settings file, and nothing is left behind when the
 * extension is disabled or uninstalled (the window forgets it). The commands act on the active
 * editor, so the state is applied when a protected file first becomes active, which is also when
 * a user can type into it; edits that arrive without an editor are handled by the EditGuard.
 *
 * The workbench keeps a file's session state for the window's life, closed or not, and each command
 * tells every open editor input that its capabilities changed (tens of ms with a few tabs open, more
 * with many), so a state the workbench already holds is not sent again when the file becomes active
 * again: switching between locked tabs sends nothing. What could change it behind our back (the user's
 * own "Set Active Editor Writeable in Session", Save As over a locked file) shows as an edit the
 * EditGuard refuses, and `forget` then has the state sent again.
 */
export class ReadOnlyController extends Disposable {
  /** What we last asked the workbench for, per document URI. */
  private readonly applied = new Map<string, Applied>();
  private queue: Promise<void> = Promise.resolve();
  private sent = 0;

  constructor(private readonly service: ProtectionService) {
    super();
    this.register(vscode.window.onDidChangeActiveTextEditor((e) => e && this.enqueue(() => this.syncActive(e))));
    this.register(service.onDidChange((change) => this.enqueue(() => this.onStateChange(change.uris))));
  }

  /** Resolves once every queued change has been applied: tests and commands wait on it. */
  settled(): Promise<void> {
    return this.queue;
  }

  /**
   * The workbench may no longer hold what we last sent for `uri` (an edit reached the locked document):
   * send it again, now if it is the active editor, else when it next becomes active.
   */
  forget(uri: vscode.Uri): void {
    this.applied.delete(uri.toString());
    void this.syncNow();
  }

  /** The state last applied to a document, for tests and diagnostics. */
  appliedTo(uri: vscode.Uri): Applied | undefined {
    return this.applied.get(uri.toString());
  }

  /** How many read-only commands went to the workbench so far (the benchmark counts them). */
  get commandsSent(): number {
    return this.sent;
  }

  /** Applies the right state to the active editor now (e.g. at activation). */
  syncNow(): Promise<void> {
    const e = vscode.window.activeTextEditor;
    if (e) this.enqueue(() => this.syncActive(e));
    return this.settled();
  }

  /** Hands back every file we made read-only, so that nothing stays locked when the extension stops. */
  async releaseActive(): Promise<void> {
    const e = vscode.window.activeTextEditor;
    if (e && this.applied.has(e.document.uri.toString())) await this.send(RESET);
    this.applied.clear();
  }

  private send(command: string): Thenable<unknown> {
    this.sent++;
    return vscode.commands.executeCommand(command);
  }

  private enqueue(step: () => Promise<void>): void {
    this.queue = this.queue.then(step).catch((err) => log.error(`[readonly] ${err instanceof Error ? err.message : String(err)}`));
  }

  private async onStateChange(uris: readonly vscode.Uri[] | undefined): Promise<void> {
    const active = vscode.window.activeTextEditor;
    if (active) await this.syncActive(active);
    // A file we made writeable that is now locked again, open in a tab but not active: relock it
    // now, so that "Save All" cannot write it before the user looks at it again.
    const keys = uris ? uris.map((u) => u.toString()) : [...this.applied.keys()];
    const toRelock = keys.filter((k) => this.applied.get(k) === 'writeable' && k !== active?.document.uri.toString()
      && this.service.resolve(vscode.Uri.parse(k))?.locked !== false);
    if (toRelock.length) await this.relockInBackground(toRelock);
  }

  private async syncActive(editor: vscode.TextEditor): Promise<void> {
    const uri = editor.document.uri;
    const key = uri.toString();
    const state = this.service.resolve(uri);
    if (!state) {
      // Not (or no longer) protected: hand it back to the workbench's own rules.
      if (this.applied.has(key) && this.isActive(key)) {
        await this.send(RESET);
        this.applied.delete(key);
      }
      return;
    }
    const want: Applied = state.locked ? 'readonly' : 'writeable';
    if (this.applied.get(key) === want || !this.isActive(key)) return;
    await this.send(want === 'readonly' ? SET_READONLY : SET_WRITEABLE);
    this.applied.set(key, want);
    log.trace(`[readonly] ${state.relPath}: ${want}`);
  }

  /** Briefly activates each open editor to relock it, then gives focus back. */
  private async relockInBackground(keys: string[]): Promise<void> {
    const previous = vscode.window.activeTextEditor;
    for (const key of keys) {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
      const tab = this.findTab(key);
      if (!doc || !tab) {
        // Closed: it is relocked when it next becomes active.
        continue;
      }
      const editor = await vscode.window.showTextDocument(doc, { viewColumn: tab.group.viewColumn, preview: false, preserveFocus: false });
      if (editor.document.uri.toString() === key && this.isActive(key)) {
        await this.send(SET_READONLY);
        this.applied.set(key, 'readonly');
      }
    }
    if (previous && vscode.window.activeTextEditor?.document !== previous.document) {
      await vscode.window.showTextDocument(previous.document, { viewColumn: previous.viewColumn, preserveFocus: false });
    }
  }

  private findTab(key: string): vscode.Tab | undefined {
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        if (tab.input instanceof vscode.TabInputText && tab.input.uri.toString() === key) return tab;
      }
    }
    return undefined;
  }

  private isActive(key: string): boolean {
    return vscode.window.activeTextEditor?.document.uri.toString() === key;
  }
}
