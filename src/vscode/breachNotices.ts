// The breach guard's notices (loaded from dist/lazy.js when the first one is shown, after the restore
// it reports): one breach with its actions, or one line for many.
import * as vscode from 'vscode';
import { describeBreach, summarizeBreaches } from '../core/breach';
import type { BreachOutcome } from '../core/breach';
import { BACKUPS_DIR } from '../node/backups';
import { Commands } from './commandIds';
import { readUriBytes } from './localRead';
import type { FolderProtection } from './folderProtection';
import type { ProtectedFile, ProtectionService } from './protectionService';

/** What the notice's actions do, in the breach guard. */
export interface BreachActions {
  keepChange(uri: vscode.Uri, content: Uint8Array): Promise<void>;
  restoreNow(f: ProtectedFile): Promise<boolean>;
}

/** One breach: Show Diff and Unlock and Keep the Change… where it was restored, Restore where it was only reported. */
export async function showBreach(folder: FolderProtection, o: BreachOutcome, service: ProtectionService, actions: BreachActions): Promise<void> {
  const uri = folder.uriOf(o.relPath);
  const text = describeBreach(o);
  if (o.restored) {
    const choices = o.backup ? ['Show Diff', 'Unlock and Keep the Change…'] : [];
    const pick = await vscode.window.showWarningMessage(text, ...choices);
    if (pick === 'Show Diff' && o.backup) {
      await vscode.commands.executeCommand('vscode.diff', folder.uriOf(o.backup), uri, `${o.relPath}: breaching ↔ restored`);
    } else if (pick && o.backup) {
      await actions.keepChange(uri, await readUriBytes(folder.uriOf(o.backup)));
    }
    return;
  }
  const pick = await vscode.window.showWarningMessage(text, ...(o.kind === 'created' ? [] : ['Restore']));
  const f = service.resolve(uri);
  if (pick === 'Restore' && f) await actions.restoreNow(f);
}

/** Many breaches at once (the check at start, a checkout of a folder): one line, details in the log. */
export function showBreaches(batch: readonly BreachOutcome[]): void {
  void vscode.window.showWarningMessage(summarizeBreaches(batch, BACKUPS_DIR), 'Show Log')
    .then((pick) => pick && vscode.commands.executeCommand(Commands.showLog));
}
