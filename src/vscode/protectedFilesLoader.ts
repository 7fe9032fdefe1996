import * as vscode from 'vscode';
import { Commands, ViewCommands } from './commandIds';
import { loadLazyReported } from './lazyChunk';
import { Disposable } from './lifecycle';
import type { FilesNode, ProtectedFilesView } from './protectedFilesView';
import type { ProtectionService } from './protectionService';
import type { UnlockService } from './unlockService';

/**
 * Registers the Protected Files view and its commands at activation, and loads the view itself (in
 * dist/lazy.js) the first time the workbench asks for its items or one of its commands runs, so
 * activating the extension does not parse it. Until then there is nothing to refresh.
 */
export class ProtectedFilesLoader extends Disposable implements vscode.TreeDataProvider<FilesNode> {
  private readonly _onDidChangeTreeData = this.register(new vscode.EventEmitter<FilesNode | FilesNode[] | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;
  private readonly treeView: vscode.TreeView<FilesNode>;
  private real: ProtectedFilesView | undefined;

  constructor(private readonly service: ProtectionService, private readonly unlocks: UnlockService, private readonly now: () => number) {
    super();
    this.treeView = this.register(vscode.window.createTreeView('protectedFiles.files', { treeDataProvider: this, showCollapseAll: true }));
    this.register(vscode.commands.registerCommand(ViewCommands.showUnlockedOnly, () => this.view.setUnlockedOnly(true)));
    this.register(vscode.commands.registerCommand(ViewCommands.showAll, () => this.view.setUnlockedOnly(false)));
    // Inline actions receive the node (so the view is loaded); the editor commands take the file's URI.
    const onNode = (command: string) => (node?: FilesNode): Thenable<unknown> | undefined => {
      const uri = node && this.view.uriOf(node);
      return uri ? vscode.commands.executeCommand(command, uri) : vscode.commands.executeCommand(command);
    };
    this.register(vscode.commands.registerCommand(ViewCommands.unlockNode, onNode(Commands.unlock)));
    this.register(vscode.commands.registerCommand(ViewCommands.relockNode, onNode(Commands.relock)));
  }

  /** The view, loaded now if it was not yet. */
  get view(): ProtectedFilesView {
    if (!this.real) {
      const View = loadLazyReported('the Protected Files view').ProtectedFilesView;
      this.real = this.register(new View(this.service, this.unlocks, this.now, this.treeView));
      this.register(this.real.onDidChangeTreeData((e) => this._onDidChangeTreeData.fire(e)));
    }
    return this.real;
  }

  getChildren(node?: FilesNode): FilesNode[] {
    return this.view.getChildren(node);
  }

  getParent(node: FilesNode): FilesNode | undefined {
    return this.view.getParent(node);
  }

  getTreeItem(node: FilesNode): vscode.TreeItem {
    return this.view.getTreeItem(node);
  }
}
