import * as vscode from 'vscode';
import type { AuditRecord } from '../core/audit';
import { pickContent, recordPath, recordRevision } from '../core/auditView';
import type { ContentCandidate } from '../core/auditView';
import { APPROVED_DIR, ApprovedStore } from '../node/approvedStore';
import { BACKUPS_DIR } from '../node/backups';
import { revisionContent } from '../node/gitContent';
import type { FolderProtection } from './folderProtection';

import { AUDIT_DIFF_SCHEME } from './auditLogIds';
import { readUriBytes } from './localRead';

type Side = 'before' | 'after';

/** Finds a record by folder and seq, for the content provider (the view holds the parsed log). */
export type RecordLookup = (folderUri: string, seq: number) => Promise<{ folder: FolderProtection; record: AuditRecord } | undefined>;

/**
 * Shows what a change, breach, restore or deletion replaced and what it wrote, from the copies the
 * extension keeps (backups, the approved store), the file itself, or git; a side is shown only
 * where its content has the hash the record gives. Documents of a content provider are read-only.
 */
export class AuditDiffProvider implements vscode.TextDocumentContentProvider {
  // Registered for AUDIT_DIFF_SCHEME by the loader (auditLogLoader.ts), so a diff restored with the window opens too.
  constructor(private readonly lookup: RecordLookup, private readonly trusted: () => boolean) {}

  /** Opens the diff of a record (vscode.diff with the two read-only sides). */
  async open(folder: FolderProtection, record: AuditRecord): Promise<void> {
    const file = recordPath(record.file);
    if (!file) {
      void vscode.window.showInformationMessage(`Record ${record.seq} names no file inside the folder: there is nothing to compare.`);
      return;
    }
    const uri = (side: Side): vscode.Uri => vscode.Uri.from({
      scheme: AUDIT_DIFF_SCHEME, path: `/${file}`,
      query: new URLSearchParams({ folder: folder.folder.uri.toString(), seq: String(record.seq), side }).toString(),
    });
    const title = `${file} (${record.event}, record ${record.seq}): before ↔ after`;
    await vscode.commands.executeCommand('vscode.diff', uri('before'), uri('after'), title, { preview: true });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const q = new URLSearchParams(uri.query);
    const side = q.get('side') === 'after' ? 'after' : 'before';
    const found = await this.lookup(q.get('folder') ?? '', Number(q.get('seq')));
    if (!found) return '(This record is no longer in the audit log.)\n';
    if (side === 'after' && found.record.event === 'delete') return '(deleted)\n';
    const picked = pickContent(side === 'before' ? found.record.before : found.record.after, await this.candidates(found.folder, found.record, side));
    if (!picked.ok) {
      return `(${picked.message})\n`;
    }
    return new TextDecoder().decode(picked.bytes);
  }

  private async candidates(folder: FolderProtection, r: AuditRecord, side: Side): Promise<ContentCandidate[]> {
    const root = folder.folder.uri;
    const read = async (rel: string | undefined): Promise<Uint8Array | undefined> => {
      if (!rel) return undefined;
      try {
        return await readUriBytes(vscode.Uri.joinPath(root, ...rel.split('/')));
      } catch {
        return undefined;
      }
    };
    const hash = side === 'before' ? r.before : r.after;
    const file = recordPath(r.file);
    const backup = recordPath(r.backup, BACKUPS_DIR);
    const out: ContentCandidate[] = [];
    if (hash) out.push({ source: APPROVED_DIR, bytes: await new ApprovedStore(root.fsPath).get(hash) });
    // A change's backup holds what it replaced; a breach's holds what the breaching write put there.
    if (backup) out.push({ source: backup, bytes: await read(backup) });
    if (side === 'after' && file) out.push({ source: file, bytes: await read(file) });
    // git runs only in a trusted folder (restricted mode spawns nothing).
    if (file && this.trusted() && root.scheme === 'file') {
      const rev = recordRevision(r.head);
      if (rev) out.push({ source: `git ${rev.slice(0, 8)}`, bytes: await revisionContent(root.fsPath, rev, file) });
      out.push({ source: 'git HEAD', bytes: await revisionContent(root.fsPath, 'HEAD', file) });
    }
    return out;
  }
}
