// Records what was written to the files of a grant while it was in force: for tools without a
// watcher (`protected-files record`, `relock`), each file whose content is not its approved
// content gets a `change` record (or a `delete` record), signed under the grant. Recorded once: a
// file whose last record already approves its content is left alone. Read as git stores it: a
// symbolic link is its target's text, never what it points to; a named pipe, a socket or a device,
// and a path through a linked folder, are not recorded (and not opened), but said.
import { join } from 'node:path';
import { parseAuditLog, sha256 } from '../core/audit';
import type { AuditRecord } from '../core/audit';
import { lineDiffStats } from '../core/diffStats';
import type { Classification } from '../core/matcher';
import type { Grant } from '../core/unlocks';
import { ApprovedStore } from './approvedStore';
import { AUDIT_LOG_PATH } from './auditStore';
import { writeBackup } from './backups';
import { runGit } from './gitChanges';
import type { AuditRecorder } from './recorder';
import { readRegularFile } from './regularFile';
import { readWorkTreeEntry } from './workTreeEntry';
import type { WorkTreeEntry } from './workTreeEntry';

export interface GrantFile {
  rel: string;
  classification: Classification;
}

export interface RecordedChange {
  rel: string;
  record: AuditRecord;
  /** The path is a symbolic link: recorded as one (its target's text), which the commit gate refuses at a protected path. */
  link?: true;
}

/** A file of the grant whose change was not recorded, and why (`is a named pipe, not a file`). */
export interface NotRecorded {
  rel: string;
  why: string;
}

export interface GrantRecording {
  recorded: RecordedChange[];
  notRecorded: NotRecorded[];
}

/** One line for a file not recorded, as every command says it; `advice` while its grant is in force. */
export function notRecordedLine(n: NotRecorded, advice = true): string {
  return `${n.rel} ${n.why}: not recorded.${advice ? ' Put the file back (or delete it) while it is unlocked, then run protected-files record again.' : ''}`;
}

/** One line for a link recorded as one: the record is honest, and the commit gate still refuses it. */
export function recordedLinkLine(rel: string): string {
  return `${rel} is a symbolic link: recorded as one (its target's text, as git stores it; what it points to is never read), and the commit gate refuses a symbolic link at a protected path whatever the record.`;
}


/** The last change/delete record of each file in the folder's audit log. */
async function lastRecords(folderPath: string): Promise<Map<string, AuditRecord>> {
  const last = new Map<string, AuditRecord>();
  const text = await readRegularFile(join(folderPath, ...AUDIT_LOG_PATH.split('/')));
  if (!text) return last;
  for (const r of parseAuditLog(text.toString('utf8')).records) {
    if ((r.event === 'change' || r.event === 'delete') && r.file) last.set(r.file, r);
    if (r.event === 'change' && r.from && r.from !== r.file) last.set(r.from, { ...r, event: 'delete', file: r.from });
  }
  return last;
}

/** The file as committed at HEAD, or undefined (new, or not in git). */
async function committed(folderPath: string, rel: string, env: NodeJS.ProcessEnv): Promise<Buffer | undefined> {
  const r = await runGit(['show', `HEAD:./${rel}`], folderPath, env).catch(() => undefined);
  return r?.code === 0 ? r.stdout : undefined;
}

/**
 * Records the changes to `files` made under `grant`. The approved content of a file is the
 * after-hash of its last change record, else git HEAD's version; a file deleted since gets a
 * `delete` record, a symbolic link a `change` record of its target's text (what git stores).
 * What cannot be recorded so is returned apart, with no record.
 */
export async function recordGrantChanges(
  folderPath: string, recorder: AuditRecorder, grant: Grant, files: readonly GrantFile[], env: NodeJS.ProcessEnv,
): Promise<GrantRecording> {
  const last = await lastRecords(folderPath);
  const out: RecordedChange[] = [];
  const notRecorded: NotRecorded[] = [];
  for (const f of files) {
    let entry: WorkTreeEntry;
    try {
      entry = await readWorkTreeEntry(folderPath, f.rel);
    } catch (err) {
      notRecorded.push({ rel: f.rel, why: `could not be read (${err instanceof Error ? err.message : String(err)})` });
      continue;
    }
    if (entry.kind === 'special') {
      notRecorded.push({ rel: f.rel, why: `is ${entry.what}, not a file` });
      continue;
    }
    if (entry.kind === 'linked-folder') {
      notRecorded.push({ rel: f.rel, why: `is below ${entry.dir}, a symbolic link, not a folder (nothing is read through it)` });
      continue;
    }
    const link = entry.kind === 'link';
    const disk = entry.kind === 'file' ? entry.bytes : entry.kind === 'link' ? entry.target : undefined;
    const previous = last.get(f.rel);
    const head = previous ? undefined : await committed(folderPath, f.rel, env);
    const approvedHash = previous ? (previous.event === 'delete' ? undefined : previous.after) : head ? sha256(head) : undefined;
    const diskHash = disk ? sha256(disk) : undefined;
    if (approvedHash === diskHash) continue;
    const where = { file: f.rel, tier: f.classification.tier.id, ...(f.classification.component ? { component: f.classification.component.name } : {}) };
    const before = head ?? undefined;
    let record: AuditRecord;
    if (!disk) {
      const backup = before ? await writeBackup(folderPath, f.rel, before) : undefined;
      record = await recorder.record({ event: 'delete', ...where, reason: grant.reason, ...(approvedHash ? { before: approvedHash } : {}), ...(backup ? { backup } : {}) }, grant);
    } else {
      const stats = lineDiffStats(before ? before.toString('utf8') : '', disk.toString('utf8'));
      const backup = before ? await writeBackup(folderPath, f.rel, before) : undefined;
      const gitHead = await recorder.head();
      record = await recorder.record({
        event: 'change', ...where, reason: grant.reason, before: approvedHash ?? sha256(new Uint8Array()), after: diskHash,
        ...(before || !previous ? { added: stats.added, removed: stats.removed } : {}),
        ...(gitHead ? { head: gitHead } : {}), ...(backup ? { backup } : {}),
        detail: link ? 'recorded by protected-files record: a symbolic link (its target, as git stores it)' : 'recorded by protected-files record',
      }, grant);
      // What a later breach of this file is rolled back to, as the editor keeps it (a link's target is no file's content).
      if (!link) await new ApprovedStore(folderPath).put(disk);
    }
    out.push({ rel: f.rel, record, ...(link ? { link: true as const } : {}) });
  }
  return { recorded: out, notRecorded };
}
