import * as vscode from 'vscode';
import { writeBackup } from '../node/backups';
import { Commands } from './commandIds';
import { Disposable } from './lifecycle';
import { log } from './logger';
import type { ProtectionService } from './protectionService';
import { readUriBytes } from './localRead';

const NOTICE_INTERVAL_MS = 3000;

/**
 * Keeps edits that bypass the editor's read-only state out of locked files.
 *
 * The workbench accepts `workspace.applyEdit` on a read-only document in memory (it just never saves
 * it), and a locked document that was never active is not read-only at all. So every locked document
 * keeps a shadow of its last accepted text; a change to a locked document is reverted to it at once, and
 * the user is told which file refused the edit. A save of a locked document whose text differs from
 * the disk is turned into a save of the disk's content, after a backup of the refused text.
 */
export class EditGuard extends Disposable {
  private readonly shadows = new Map<string, string>();
  private readonly lastNotice = new Map<string, number>();
  /** The revert in progress per document, the next one chained behind it. */
  private readonly reverts = new Map<string, Promise<void>>();
  private readonly _onDidRefuse = this.register(new vscode.EventEmitter<vscode.Uri>());
  /** An edit to a locked document was reverted. */
  readonly onDidRefuse = this._onDidRefuse.event;

  constructor(private readonly service: ProtectionService) {
    super();
    this.register(vscode.workspace.onDidOpenTextDocument((d) => this.remember(d)));
    this.register(vscode.workspace.onDidCloseTextDocument((d) => this.shadows.delete(d.uri.toString())));
    this.register(vscode.workspace.onDidChangeTextDocument((e) => this.onChange(e)));
    this.register(vscode.workspace.onWillSaveTextDocument((e) => this.onWillSave(e)));
    this.register(service.onDidChangeManifest(() => this.rememberAll()));
    this.rememberAll();
  }

  private rememberAll(): void {
    for (const d of vscode.workspace.textDocuments) this.remember(d);
  }

  private remember(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    if (this.service.resolve(doc.uri)) {
      if (!this.shadows.has(key)) this.shadows.set(key, doc.getText());
    } else {
      this.shadows.delete(key);
    }
  }

  private onChange(e: vscode.TextDocumentChangeEvent): void {
    if (e.contentChanges.length === 0) return;
    const doc = e.document;
    const key = doc.uri.toString();
    const state = this.service.resolve(doc.uri);
    if (!state) {
      this.shadows.delete(key);
      return;
    }
    const text = doc.getText();
    if (!state.locked) {
      this.shadows.set(key, text);
      return;
    }
    if (this.shadows.get(key) === text) return; // our own revert arriving
    // One revert at a time per document: typing sends a change per key, and reverts started side by
    // side would each replace the text of a version the first one's edit has already moved past.
    const next = (this.reverts.get(key) ?? Promise.resolve())
      .then(() => this.revert(doc))
      .catch((err: unknown) => log.error(`[guard] could not revert ${state.relPath}: ${err instanceof Error ? err.message : String(err)}`));
    this.reverts.set(key, next);
    void next.then(() => {
      if (this.reverts.get(key) === next) this.reverts.delete(key);
    });
  }

  private async revert(doc: vscode.TextDocument): Promise<void> {
    const state = this.service.resolve(doc.uri);
    if (doc.isClosed || !state?.locked) return;
    const text = doc.getText();
    const shadow = this.shadows.get(doc.uri.toString());
    if (shadow === text) return; // put back by the revert before this one
    const relPath = state.relPath;
    const what = state.target.kind === 'component' ? state.target.name : state.relPath;
    const badge = state.classification.tier.badge;
    const disk = await readText(doc.uri);
    if (!doc.isDirty && text === disk) {
      // The document reloaded from disk (the audit log grew, a breach was rolled back): not an edit.
      this.shadows.set(doc.uri.toString(), text);
      return;
    }
    const good = shadow ?? disk ?? '';
    this.shadows.set(doc.uri.toString(), good);
    if (doc.getText() === good) return;
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), good);
    const ok = await vscode.workspace.applyEdit(edit);
    log.warn(`[guard] refused an edit to locked ${relPath}${ok ? '' : ' (revert failed)'}.`);
    this._onDidRefuse.fire(doc.uri);
    this.notice(doc.uri, `${relPath} is locked (${badge} · ${what}): the edit was refused and reverted. Unlock it first to change it.`);
  }

  private onWillSave(e: vscode.TextDocumentWillSaveEvent): void {
    const state = this.service.resolve(e.document.uri);
    if (!state || !state.locked) return;
    const doc = e.document;
    e.waitUntil((async (): Promise<vscode.TextEdit[]> => {
      let disk: Uint8Array;
      try {
        disk = await readUriBytes(doc.uri);
      } catch {
        return []; // a new file: nothing approved to keep; breach handling is the watcher's job
      }
      const diskText = new TextDecoder().decode(disk);
      const text = doc.getText();
      if (text === diskText) return [];
      const backup = await writeBackup(state.folder.folder.uri.fsPath, state.relPath, text);
      log.warn(`[guard] refused to save locked ${state.relPath}; the refused text is in ${backup}.`);
      this.notice(doc.uri, `${state.relPath} is locked: the save was refused and the file keeps its approved content. The refused text was kept in ${backup}.`);
      this.shadows.set(doc.uri.toString(), diskText);
      return [vscode.TextEdit.replace(new vscode.Range(doc.positionAt(0), doc.positionAt(text.length)), diskText)];
    })());
  }

  private notice(uri: vscode.Uri, message: string): void {
    const key = uri.toString();
    const t = Date.now();
    if (t - (this.lastNotice.get(key) ?? 0) < NOTICE_INTERVAL_MS) return;
    this.lastNotice.set(key, t);
    void vscode.window.showWarningMessage(message, 'Unlock…').then((pick) => {
      if (pick) void vscode.commands.executeCommand(Commands.unlock, uri);
    });
  }
}

async function readText(uri: vscode.Uri): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await readUriBytes(uri));
  } catch {
    return undefined;
  }
}
