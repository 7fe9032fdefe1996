import * as vscode from 'vscode';
import { MANIFEST_PATH } from '../core/manifest';
import { targetLabel } from '../core/unlocks';
import { Commands } from './commandIds';
import { Disposable } from './lifecycle';
import type { ProtectionService } from './protectionService';
import type { UnlockService } from './unlockService';

/** Tells the user what changed under them: an unlock that expired, a manifest that broke. */
export class Notifications extends Disposable {
  private readonly lastManifestMessage = new Map<string, string>();

  constructor(service: ProtectionService, unlocks: UnlockService) {
    super();
    this.register(unlocks.onDidEnd((e) => {
      if (e.why !== 'expire') return;
      const label = targetLabel(e.grant.target);
      const keys = new Set(e.uris.map((u) => u.toString()));
      const dirty = vscode.workspace.textDocuments.filter((d) => d.isDirty && keys.has(d.uri.toString()));
      if (dirty.length === 0) {
        void vscode.window.showInformationMessage(`The unlock of ${label} reached its time limit: its files are locked again.`);
        return;
      }
      const names = dirty.map((d) => d.uri.path.split('/').pop()).join(', ');
      void vscode.window.showWarningMessage(
        `The unlock of ${label} reached its time limit and its files are locked again. Your unsaved edits in ${names} stay in the editor: unlock again to save them.`,
        'Unlock…',
      ).then((pick) => pick && vscode.commands.executeCommand(Commands.unlock, dirty[0].uri));
    }));
    this.register(service.onDidChangeManifest((folder) => {
      const key = folder.folder.uri.toString();
      const s = folder.state;
      let message: string | undefined;
      if (s.kind === 'broken') {
        message = `The protection manifest of ${folder.name} has ${s.problems.length} error${s.problems.length === 1 ? '' : 's'}: ${folder.manifest ? 'the last valid version stays in force' : `only ${MANIFEST_PATH.split('/')[0]}/** is protected`} until they are fixed.`;
      } else if (s.kind === 'deleted') {
        message = `The protection manifest of ${folder.name} was deleted: the last valid version stays in force until you restore it or reload the window.`;
      }
      if (message === undefined) {
        this.lastManifestMessage.delete(key);
        return;
      }
      if (this.lastManifestMessage.get(key) === message) return;
      this.lastManifestMessage.set(key, message);
      void vscode.window.showWarningMessage(message, 'Open Manifest').then((pick) => pick && vscode.window.showTextDocument(folder.manifestUri));
    }));
  }
}
