import * as vscode from 'vscode';
import { codeWeakness, makeCodeKey, newOneTimeCode } from '../core/codes';
import { MANIFEST_PATH, setComponentCodeEdit } from '../core/manifest';
import type { Component } from '../core/manifest';
import { acceptedCodeHashes } from '../core/policy';
import type { FolderProtection } from './folderProtection';
import type { PickItem, Prompter } from './prompter';
import type { ProtectionService } from './protectionService';
import type { UnlockFlow } from './unlockFlow';

/**
 * Protected Files: Set Unlock Code… — asks for a code twice, refuses weak ones, and writes its signing
 * entry (scrypt with its own salt derives an Ed25519 key; the entry keeps the public key and the owner)
 * into the component in the manifest as an edit the user sees, saves and can undo; or makes one-time
 * codes to hand out. The manifest protects itself, so the flow unlocks it first where it is locked.
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
    let mode: 'add' | 'replace' | 'once' = 'replace';
    const options: PickItem<'add' | 'replace' | 'once'>[] = [
      ...(component.unlockCodes.length > 0
        ? [
          { label: 'Add another owner\'s code', description: `keeps the ${component.unlockCodes.length} existing`, value: 'add' as const },
          { label: 'Replace the existing codes', description: 'the old codes stop working once the manifest is saved', value: 'replace' as const },
        ]
        : [{ label: 'Set a code', description: 'a code you choose and keep', value: 'replace' as const }]),
      { label: 'Make one-time codes…', description: 'to hand out (to an agent in a chat, a colleague on call): each opens one grant', value: 'once' },
    ];
    const r = await this.prompter().pick(options, {
      title: `Set Unlock Code · ${component.name}`,
      placeholder: component.unlockCodes.length > 0 ? `${component.name} already has ${component.unlockCodes.length} code(s)` : `${component.name} has no code yet`,
    });
    if (!r || !('item' in r)) return false;
    mode = r.item;
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
    const owner = await this.owner(folder);
    if (mode === 'once') return this.oneTimeCodes(folder, component, title, owner);
    const code = await this.prompter().input({
      title, password: true,
      prompt: `New unlock code${owner ? ` of ${owner}` : ''} (at least 8 characters, not a common word or a simple sequence). The manifest keeps only the public key scrypt derives from it.`,
      validate: (v) => codeWeakness(v),
    });
    if (code === undefined) return false;
    const again = await this.prompter().input({ title, password: true, prompt: 'Enter the same code again.' });
    if (again === undefined) return false;
    if (again !== code) {
      void vscode.window.showErrorMessage('The two codes differ: nothing was changed. Run Set Unlock Code… again.');
      return false;
    }
    const hash = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Deriving the code\'s key…' }, () => makeCodeKey(code, owner ? { owner } : {}));
    if (!(await this.writeCodes(folder, component, mode === 'add' ? [...currentCodes(folder, component), hash] : [hash]))) return false;
    void vscode.window.showInformationMessage(`The code's key is in ${component.name} in the manifest: review it and save to put it in force.`);
    return true;
  }

  /** Who holds the code: the git user's email (or name), so two-owner approvals can tell owners apart. */
  private async owner(folder: FolderProtection): Promise<string | undefined> {
    const actor = await folder.audit.currentActor().catch(() => undefined);
    const who = actor?.email || actor?.name;
    return who && /^[^\s$][^$\u0000-\u001f]{0,199}$/.test(who) ? who : undefined;
  }

  /** Makes one-time codes, adds their keys to the component, and shows the codes once in an unsaved editor. */
  private async oneTimeCodes(folder: FolderProtection, component: Component, title: string, owner: string | undefined): Promise<boolean> {
    const count = await this.prompter().input({
      title, prompt: 'How many one-time codes? (1–20) Each opens one grant; a code pasted into an agent\'s chat is useless once used.', value: '5',
      validate: (v) => (/^(?:[1-9]|1[0-9]|20)$/.test(v.trim()) ? undefined : 'A number from 1 to 20.'),
    });
    if (count === undefined) return false;
    const codes = Array.from({ length: Number(count.trim()) }, () => newOneTimeCode());
    const entries = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Deriving the codes\' keys…' },
      () => Promise.all(codes.map((c) => makeCodeKey(c, { once: true, ...(owner ? { owner } : {}) }))));
    if (!(await this.writeCodes(folder, component, [...currentCodes(folder, component), ...entries]))) return false;
    const text = [
      `One-time unlock codes for ${component.name}${owner ? ` (owner ${owner})` : ''}: each opens one grant, then it is spent.`,
      'They work once the manifest is saved. Hand each out once; close this editor without saving.',
      '',
      ...codes,
      '',
    ].join('\n');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: text, language: 'plaintext' }), { preview: false });
    void vscode.window.showInformationMessage(`${codes.length} one-time code(s) added to ${component.name} in the manifest: save it to put them in force.`);
    return true;
  }

  /** Puts `hashes` as the component's unlockCodes into the manifest buffer (shown, not saved). */
  private async writeCodes(folder: FolderProtection, component: Component, hashes: string[]): Promise<boolean> {
    const manifestUri = folder.manifestUri;
    const doc = await vscode.workspace.openTextDocument(manifestUri);
    // Shown (and so made writeable) before the edit: an edit to a read-only buffer could not be saved.
    await vscode.window.showTextDocument(doc, { preview: false });
    await this.readOnlySettled();
    const edits = setComponentCodeEdit(doc.getText(), component.name, hashes);
    const we = new vscode.WorkspaceEdit();
    for (const e of edits) we.replace(manifestUri, new vscode.Range(doc.positionAt(e.offset), doc.positionAt(e.offset + e.length)), e.content);
    if (!(await vscode.workspace.applyEdit(we))) {
      void vscode.window.showErrorMessage(`Could not edit ${MANIFEST_PATH}: nothing was changed.`);
      return false;
    }
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
