import * as vscode from 'vscode';
import type { AuditLogView, AuditNode } from './auditLogView';
import { AUDIT_DIFF_SCHEME, AUDIT_LOG_VIEW } from './auditLogIds';
import { ViewCommands } from './commandIds';
import { loadLazyReported } from './lazyChunk';
import { Disposable } from './lifecycle';
import { guarded } from './logger';
import type { ProtectionService } from './protectionService';

/**
 * Registers the Audit Log view, its commands and its diff documents at activation, and loads the view
 * itself (in dist/lazy.js: parsing, filters, export, diffs) the first time any of them is used, so
 * activating the extension does not parse it.
 */
export class AuditLogLoader extends Disposable implements vscode.TreeDataProvider<AuditNode>, vscode.TextDocumentContentProvider {
  private readonly _onDidChangeTreeData = this.register(new vscode.EventEmitter<AuditNode | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;
  private readonly treeView: vscode.TreeView<AuditNode>;
  private real: AuditLogView | undefined;

  constructor(private readonly service: ProtectionService, private readonly trusted: () => boolean) {
    super();
    this.treeView = this.register(vscode.window.createTreeView(AUDIT_LOG_VIEW, { treeDataProvider: this, showCollapseAll: true }));
    this.register(vscode.workspace.registerTextDocumentContentProvider(AUDIT_DIFF_SCHEME, this));
    this.register(vscode.commands.registerCommand(ViewCommands.auditFilter, guarded('Could not filter the audit log', (arg?: unknown) => this.view.editFilter(arg))));
    this.register(vscode.commands.registerCommand(ViewCommands.auditClearFilter, () => this.view.setFilter({})));
    this.register(vscode.commands.registerCommand(ViewCommands.auditExport, guarded('Could not export the audit records', (arg?: unknown) => this.view.export(arg))));
    this.register(vscode.commands.registerCommand(ViewCommands.auditRefresh, () => this.view.refresh()));
    this.register(vscode.commands.registerCommand(ViewCommands.auditOpenDiff, guarded('Could not open the diff', (folderUri: string, seq: number) => this.view.openDiff(folderUri, seq))));
    void vscode.commands.executeCommand('setContext', 'protectedFiles.auditLog.filtered', false);
  }

  /** The view, loaded now if it was not yet. */
  get view(): AuditLogView {
    if (!this.real) {
      const View = loadLazyReported('the Audit Log view').AuditLogView;
      this.real = this.register(new View(this.service, this.trusted, this.treeView));
      this.register(this.real.onDidChangeTreeData((e) => this._onDidChangeTreeData.fire(e)));
    }
    return this.real;
  }

  getChildren(node?: AuditNode): Promise<AuditNode[]> {
    return this.view.getChildren(node);
  }

  getTreeItem(node: AuditNode): vscode.TreeItem {
    return this.view.getTreeItem(node);
  }

  provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    return this.view.diff.provideTextDocumentContent(uri);
  }
}
