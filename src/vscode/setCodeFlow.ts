import * as vscode from 'vscode';
import { codeWeakness, hashCode } from '../core/codes';
import { MANIFEST_PATH, setComponentCodeEdit } from '../core/manifest';
import type { Component } from '../core/manifest';
import { acceptedCodeHashes } from '../core/policy';
import type { FolderProtection } from './folderProtection';
import type { PickItem, Prompter } from './prompter';
import type { ProtectionService } from './protectionService';
import type { UnlockFlow } from './unlockFlow';

/**
 * Protected Files: Set Unlock Code… — asks for a code twice, refuses weak ones, and writes its scrypt
 * hash (own salt and parameters) into the component in the manifest as an edit the user sees, saves
 * and can undo. The manifest protects itself, so the flow unlocks it first where it is locked.
 */
export class SetCodeFlow {
  constructor(
    private readonly service: ProtectionService,
    private readonly unlockFlow: UnlockFlow,
    private readonly prompter: () => Prompter,
    /** Resolves once the active editor's read-only state matches its lock state. */
    private readonly readOnlySettled: () => Promise<void>,
  ) {}

  /** Returns true when the manifest buffer got the new hash. */
  async run(): Promise<boolean> {
    const picked = await this.pickComponent();
    if (!picked) return false;
    const { folder, component } = picked;
    let mode: 'add' | 'replace' = 'replace';
    if (component.unlockCodes.length > 0) {
      const r = await this.prompter().pick<'add' | 'replace'>([
        { label: 'Add another owner\'s code', description: `keeps the ${component.unlockCodes.length} existing`, value: 'add' },
        { label: 'Replace the existing codes', description: 'the old codes stop working once the manifest is saved', value: 'replace' },
      ], { title: `Set Unlock Code · ${component.name}`, placeholder: `${component.name} already has ${component.unlockCodes.length} code(s)` });
      if (!r || !('item' in r)) return false;
      mode = r.item;
    }
    const manifestUri = folder.manifestUri;
    const manifestState = this.service.resolve(manifestUri);
    if (manifestState?.locked) {
      void vscode.window.showInformationMessage(`The manifest protects itself: unlock it first to change ${component.name}'s codes.`);
      const outcome = await this.unlockFlow.unlockChoice(
        { folder, target: manifestState.target, tier: manifestState.classification.tier, component: undefined,
          hashes: acceptedCodeHashes(folder.manifest, manifestState.classification) },
      );
      if (!outcome || !outcome.ok) {
        if (outcome && !outcome.ok) void vscode.window.showErrorMessage(outcome.message);
        return false;
      }
    }
    const title = `Set Unlock Code · ${component.name}`;
    const code = await this.prompter().input({
      title, password: true,
      prompt: 'New unlock code (at least 8 characters, not a common word or a simple sequence). It is stored only as a salted scrypt hash.',
      validate: (v) => codeWeakness(v),
    });
    if (code === undefined) return false;
    const again = await this.prompter().input({ title, password: true, prompt: 'Enter the same code again.' });
    if (again === undefined) return false;
    if (again !== code) {
      void vscode.window.showErrorMessage('The two codes differ: nothing was changed. Run Set Unlock Code… again.');
      return false;
    }
    const hash = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Hashing the unlock code…' }, () => hashCode(code));
    const doc = await vscode.workspace.openTextDocument(manifestUri);
    // Shown (and so made writeable) before the edit: an edit to a read-only buffer could not be saved.
    await vscode.window.showTextDocument(doc, { preview: false });
    await this.readOnlySettled();
    const hashes = mode === 'add' ? [...currentCodes(folder, component), hash] : [hash];
    const edits = setComponentCodeEdit(doc.getText(), component.name, hashes);
    const we = new vscode.WorkspaceEdit();
    for (const e of edits) we.replace(manifestUri, new vscode.Range(doc.positionAt(e.offset), doc.positionAt(e.offset + e.length)), e.content);
    if (!(await vscode.workspace.applyEdit(we))) {
      void vscode.window.showErrorMessage(`Could not edit ${MANIFEST_PATH}: nothing was changed.`);
      return false;
    }
    void vscode.window.showInformationMessage(`The code's hash is in ${component.name} in the manifest: review it and save to put it in force.`);
    return true;
  }

  private async pickComponent(): Promise<{ folder: FolderProtection; component: Component } | undefined> {
    const items: PickItem<{ folder: FolderProtection; component: Component }>[] = [];
    const active = vscode.window.activeTextEditor && this.service.resolve(vscode.window.activeTextEditor.document.uri);
    const folders = this.service.withManifest();
    for (const folder of folders) {
      for (const component of folder.manifest?.components ?? []) {
        const item = {
          label: component.name,
          description: `${component.tier}${component.unlockCodes.length ? ` · ${component.unlockCodes.length} code(s)` : ' · no code yet'}${folders.length > 1 ? ` · ${folder.name}` : ''}`,
          detail: component.risk || undefined,
          value: { folder, component },
        };
        if (active?.classification.component?.name === component.name && active.folder === folder) items.unshift(item);
        else items.push(item);
      }
    }
    if (items.length === 0) {
      void vscode.window.showInformationMessage('The manifest has no components yet: add one under "components", then set its code.');
      return undefined;
    }
    const r = await this.prompter().pick(items, { title: 'Set Unlock Code…', placeholder: 'Which component gets a new unlock code?' });
    return r && 'item' in r ? r.item : undefined;
  }
}

function currentCodes(folder: FolderProtection, component: Component): string[] {
  return folder.manifest?.components.find((c) => c.name === component.name)?.unlockCodes ?? component.unlockCodes;
}
