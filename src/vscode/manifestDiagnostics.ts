import * as vscode from 'vscode';
import { MANIFEST_PATH, parseManifest } from '../core/manifest';
import type { ManifestProblem } from '../core/manifest';
import { Disposable } from './lifecycle';
import type { ProtectionService } from './protectionService';
import { readUriBytes } from './localRead';

/**
 * Manifest errors and warnings at their line and column: from the editor buffer while the manifest is
 * open (as the user types), from the disk otherwise.
 */
export class ManifestDiagnostics extends Disposable {
  private readonly collection = this.register(vscode.languages.createDiagnosticCollection('protected-files'));

  constructor(private readonly service: ProtectionService) {
    super();
    this.register(vscode.workspace.onDidOpenTextDocument((d) => this.fromDocument(d)));
    this.register(vscode.workspace.onDidChangeTextDocument((e) => this.fromDocument(e.document)));
    this.register(vscode.workspace.onDidCloseTextDocument((d) => void this.fromDisk(d.uri)));
    this.register(service.onDidChangeManifest((f) => {
      const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === f.manifestUri.toString());
      if (open) this.fromDocument(open);
      else void this.fromDisk(f.manifestUri);
    }));
    for (const f of service.all()) void this.fromDisk(f.manifestUri);
  }

  /** The diagnostics shown for a manifest now, for tests. */
  get(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.collection.get(uri) ?? [];
  }

  private isManifest(uri: vscode.Uri): boolean {
    const folder = this.service.folderOf(uri);
    return !!folder && folder.relativePath(uri) === MANIFEST_PATH;
  }

  private fromDocument(doc: vscode.TextDocument): void {
    if (!this.isManifest(doc.uri)) return;
    this.set(doc.uri, doc.getText());
  }

  private async fromDisk(uri: vscode.Uri): Promise<void> {
    if (!this.isManifest(uri)) return;
    try {
      this.set(uri, new TextDecoder().decode(await readUriBytes(uri)));
    } catch {
      this.collection.delete(uri);
    }
  }

  private set(uri: vscode.Uri, text: string): void {
    const { problems } = parseManifest(text);
    this.collection.set(uri, problems.map((p) => toDiagnostic(p)));
  }
}

function toDiagnostic(p: ManifestProblem): vscode.Diagnostic {
  const start = new vscode.Position(p.line, p.column);
  const end = new vscode.Position(p.line, p.column + Math.max(p.length, 1));
  const d = new vscode.Diagnostic(new vscode.Range(start, end), p.message,
    p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
  d.source = 'Protected Files';
  return d;
}
