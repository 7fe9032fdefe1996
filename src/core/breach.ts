// The breach guard's decisions, without any I/O: what a locked file's content on disk means
// against its approved content, which approved content the audit log says a file has, and when a
// breaching version seen again is the same incident. The editor's guard and `protected-files
// watch` both feed these (src/node/breachEngine.ts), so they judge every write alike.
import { chainBreak } from './audit';
import type { AuditRecord } from './audit';
import { judgeApproval, signatureKey } from './approvals';
import type { LogIndex } from './approvals';
import type { Manifest } from './manifest';
import type { Classification } from './matcher';

/** What happened to a locked file behind the editor's back. */
export type BreachKind = 'modified' | 'deleted' | 'created';

/** A file's approved state: content with this hash, an approved deletion, or nothing known. */
export type ApprovedState =
  | { kind: 'content'; hash: string }
  | { kind: 'deleted' }
  | { kind: 'unknown' };

export interface BreachFacts {
  /** No grant is in force for the file. */
  locked: boolean;
  /** The tier's `onBreach`. */
  onBreach: 'restore' | 'warn';
  /** sha256 of the content on disk; undefined when the file is absent. */
  diskHash: string | undefined;
  approved: ApprovedState;
}

export type BreachDecision =
  /** `unlocked`: a grant covers it (recorded when the grant ends); `approved`: the disk holds the approved state. */
  | { action: 'none'; why: 'unlocked' | 'approved' }
  /** A breach: back it up, record it, and write the approved content back where `restore`. */
  | { action: 'breach'; kind: BreachKind; restore: boolean };

/**
 * The one rule: a locked file whose disk state is not its approved state is a breach, rolled back
 * where the tier says `restore` and approved content is known. A file with no approved content (new,
 * untracked, or whose approved state is "deleted") is recorded and kept: there is nothing to restore.
 */
export function decideBreach(f: BreachFacts): BreachDecision {
  if (!f.locked) return { action: 'none', why: 'unlocked' };
  const a = f.approved;
  if (a.kind === 'content') {
    if (f.diskHash === a.hash) return { action: 'none', why: 'approved' };
    return { action: 'breach', kind: f.diskHash === undefined ? 'deleted' : 'modified', restore: f.onBreach === 'restore' };
  }
  if (f.diskHash === undefined) return { action: 'none', why: 'approved' };
  return { action: 'breach', kind: 'created', restore: false };
}

/** Per file, what the audit log says: its approved state and the breach still standing, if any. */
export interface LedgerEntry {
  /** From the last `change` (after-hash) or `delete` record that the ledger took as an approval. */
  approved: ApprovedState;
  /**
   * The after-hash (or `deleted`) of the last breach recorded since the last approval or restore:
   * that version is already handled (by this process or another guard); a new write is not.
   */
  openBreach: string | undefined;
}

/** The state of a deletion in `openBreach`. */
export const DELETED_VERSION = 'deleted';

/** What the ledger asks about the protection in force to judge an approval. */
export interface ApprovalRules {
  /** The file's tier and component now; undefined where it is not protected. */
  classify(file: string): Classification | undefined;
  /** The manifests whose code keys may sign approvals (the one in force). */
  trusted(): readonly Manifest[];
}

/** A record of the log the ledger did not take as an approval, and why (for one warning). */
export interface IgnoredRecord {
  readonly seq: number;
  readonly hash: string;
  readonly file: string | undefined;
  readonly problem: string;
}

/** What the ledger keeps of one grant key: its first unlock record and the relocks and expiries naming it. */
interface GrantTrail {
  unlock: AuditRecord;
  ends: AuditRecord[];
  /** Owners who certified it, per key set (judgeApproval checks the certificate once per set). */
  certified: Map<string, Set<string>>;
}

/**
 * The audit log read as approvals, record by record (the log only grows: feed what was appended).
 * Files without an entry have no record: their approved content is git HEAD's.
 *
 * Anyone who can write the work tree can append a well-formed record, so a `change` or `delete`
 * record counts only as the commit gate would count it: its chain verifies from the log's first
 * record up to it (hash, prev, seq, checked as each record arrives), and it passes judgeApproval
 * (src/core/approvals.ts) for the file's protection in force: where the tier requires a code and
 * the manifest holds signing codes for the file, a signature under a grant that an owner's code
 * certified. Past a break in the chain no record counts (breaches included), as the gate fails the
 * whole log. A record not taken is reported once by apply; the file keeps its previous approval.
 */
export class ApprovalLedger {
  private readonly entries = new Map<string, LedgerEntry>();
  private readonly grants = new Map<string, GrantTrail>();
  /** The seq of the first record seen with each record signature, by signatureKey (a copy approves nothing). */
  private readonly signed = new Map<string, number>();
  /** The last record whose chain verified; undefined before the first. */
  private last: { seq: number; hash: string } | undefined;
  /** The seq of the record where the chain broke, if it did. */
  private brokenAt: number | undefined;

  constructor(private readonly rules: ApprovalRules) {}

  get(file: string): LedgerEntry | undefined {
    return this.entries.get(file);
  }

  /** Files with a record: candidates for a check at start, whatever git says about them. */
  files(): IterableIterator<string> {
    return this.entries.keys();
  }

  /** Whether the chain broke, and where (seq of the first record that does not follow). */
  get chainBrokenAt(): number | undefined {
    return this.brokenAt;
  }

  /** Takes the next record of the log; returns why it was not taken as an approval, where it was not. */
  apply(r: AuditRecord): IgnoredRecord | undefined {
    if (this.brokenAt !== undefined) return undefined;
    const chainProblem = this.chainProblem(r);
    if (chainProblem) {
      this.brokenAt = r.seq;
      return { seq: r.seq, hash: r.hash, file: r.file, problem: `${chainProblem}; no record from here on is taken as an approval (the commit gate fails this log too)` };
    }
    this.last = { seq: r.seq, hash: r.hash };
    if (typeof r.grant === 'string') this.trackGrant(r);
    if (!r.file) return undefined;
    if (r.event === 'change' || r.event === 'delete') {
      const problem = this.approvalProblem(r, r.file);
      if (problem !== undefined) return problem === '' ? undefined : { seq: r.seq, hash: r.hash, file: r.file, problem };
    }
    const e = this.entries.get(r.file) ?? { approved: { kind: 'unknown' } as ApprovedState, openBreach: undefined };
    if (r.event === 'change' && r.after) {
      e.approved = { kind: 'content', hash: r.after };
      e.openBreach = undefined;
      // A rename approves the absence of the old path.
      if (r.from && r.from !== r.file) this.entries.set(r.from, { approved: { kind: 'deleted' }, openBreach: undefined });
    } else if (r.event === 'delete') {
      e.approved = { kind: 'deleted' };
      e.openBreach = undefined;
    } else if (r.event === 'breach') {
      e.openBreach = r.after ?? DELETED_VERSION;
    } else if (r.event === 'restore') {
      e.openBreach = undefined;
    } else {
      return undefined;
    }
    this.entries.set(r.file, e);
    return undefined;
  }

  /** Marks content as approved (a change record this process just wrote). */
  approve(file: string, hash: string): void {
    this.entries.set(file, { approved: { kind: 'content', hash }, openBreach: undefined });
  }

  /** Why `r` does not follow the records before it, by the chain's rule (chainBreak, as verifyChain checks it), or undefined. */
  private chainProblem(r: AuditRecord): string | undefined {
    const broken = chainBreak(r, this.last);
    if (broken === undefined) return undefined;
    if (broken.kind === 'changed') return `record seq ${r.seq} was changed after it was written (its hash does not match its content)`;
    if (broken.kind === 'unlinked') return `record seq ${r.seq} does not follow the record before it (a record was removed, inserted or reordered, or the log's start is missing)`;
    return `record seq ${r.seq} should have seq ${broken.expected}`;
  }

  private trackGrant(r: AuditRecord): void {
    const key = r.grant!;
    if (r.event === 'unlock') {
      if (!this.grants.has(key)) this.grants.set(key, { unlock: r, ends: [], certified: new Map() });
    } else if (r.event === 'relock' || r.event === 'expire') {
      this.grants.get(key)?.ends.push(r);
    }
  }

  /**
   * Why a change or delete record is not an approval ('' for a file the manifest in force does not
   * protect: nothing to warn about, and no approval either), or undefined when it is one. The same
   * judgeApproval the gate runs, over the records that matter to it: the grant's unlock, the
   * relocks and expiries of that grant before the record, the record.
   */
  private approvalProblem(r: AuditRecord, file: string): string | undefined {
    const c = this.rules.classify(file);
    if (!c) return '';
    // The seq of the first record with this signature: a copy of it approves nothing (judgeApproval).
    const sigKey = typeof r.sig === 'string' ? signatureKey(r.sig) : undefined;
    const firstSigned = sigKey === undefined ? undefined : this.signed.get(sigKey) ?? r.seq;
    if (sigKey !== undefined && firstSigned === r.seq) this.signed.set(sigKey, r.seq);
    const trail = typeof r.grant === 'string' ? this.grants.get(r.grant) : undefined;
    const records = trail ? [trail.unlock, ...trail.ends, r] : [r];
    const log: LogIndex = {
      records,
      position: new Map([[r.hash, records.length - 1]]),
      unlockOf: trail ? new Map([[r.grant!, 0]]) : new Map(),
      certified: trail?.certified ?? new Map(),
      firstSigned: new Map(sigKey === undefined ? [] : [[sigKey, firstSigned!]]),
    };
    const verdict = judgeApproval(r, c, log, this.rules.trusted());
    return verdict.kind === 'refused' ? verdict.problem : undefined;
  }
}

/**
 * Versions of one file seen in a breach: an episode lasts while breaches of the file keep coming
 * with gaps shorter than `quietMs` (a writer looping for seconds, a file read half-written), and a
 * version seen again within its episode is not backed up or recorded again, however long the
 * episode lasts or however slowly the guard works through it; the same content written again after
 * a quiet interval is a new breach.
 */
export class BreachEpisodes {
  private readonly seen = new Map<string, { last: number; versions: Set<string> }>();

  constructor(private readonly quietMs = 2000, private readonly maxVersions = 10_000) {}

  /** True when `version` of `file` is a new incident; remembers it either way. */
  fresh(file: string, version: string, now: number): boolean {
    // Forget quiet episodes, so memory follows the recent breaches, not every file ever breached.
    for (const [f, e] of this.seen) if (now - e.last > this.quietMs) this.seen.delete(f);
    let episode = this.seen.get(file);
    if (!episode) this.seen.set(file, (episode = { last: now, versions: new Set() }));
    episode.last = now;
    if (episode.versions.has(version)) return false;
    if (episode.versions.size >= this.maxVersions) episode.versions.clear();
    episode.versions.add(version);
    return true;
  }

  /** The approved content is back: its next deletion is a new breach. */
  settle(file: string): void {
    const episode = this.seen.get(file);
    episode?.versions.delete(DELETED_VERSION);
    if (episode?.versions.size === 0) this.seen.delete(file);
  }
}

/** What a guard did about one breach. */
export interface BreachOutcome {
  readonly relPath: string;
  readonly kind: BreachKind;
  /** The approved content was written back. */
  readonly restored: boolean;
  /** Where the breaching content was kept (none for a deletion). */
  readonly backup: string | undefined;
  /** Why the breaching content was not kept, where it was too large (see BACKUP_LIMITS in src/node/breachEngine.ts). */
  readonly notKept?: string;
  /** Why the approved content could not be written back, where the tier asked for it and it failed. */
  readonly notRestored?: string;
  /** Tier badge and component (or tier label), for messages. */
  readonly badge: string;
  readonly owner: string;
  /** Found by the check at start (made while nothing was watching). */
  readonly atStart?: boolean;
}

const VERB: Record<BreachKind, string> = { modified: 'was changed', deleted: 'was deleted', created: 'was created' };

/** The sentence every surface shows for one breach (the editor's notice, a `watch` line). */
export function describeBreach(o: BreachOutcome): string {
  const when = o.atStart ? 'while locked and nothing was watching' : 'outside the editor while locked';
  const what = `${o.relPath} (${o.badge} · ${o.owner}) ${VERB[o.kind]} ${when}`;
  const copy = o.notKept ? ` A copy of the change was ${o.notKept}.` : '';
  if (o.notRestored) return `${what}: it ${o.notRestored}; recorded.${o.backup ? ` A copy is in ${o.backup}.` : copy}`;
  if (o.restored) return `${what}: the approved content was restored.${o.backup ? ` The change was kept in ${o.backup}.` : copy}`;
  return `${what}. The change was kept and recorded${o.backup ? ` (copy in ${o.backup})` : ''}.${copy}`;
}

/** One line for many breaches at once (the check at start, a `git checkout` of a folder). */
export function summarizeBreaches(batch: readonly BreachOutcome[], backupsDir: string): string {
  const restored = batch.filter((o) => o.restored).length;
  const names = batch.slice(0, 5).map((o) => o.relPath).join(', ') + (batch.length > 5 ? `, and ${batch.length - 5} more` : '');
  const when = batch.every((o) => o.atStart) ? 'while locked and nothing was watching' : 'outside the editor while locked';
  return `${batch.length} protected files were changed or deleted ${when}${restored ? `; ${restored} restored` : ''}: ${names}. Backups are in ${backupsDir}.`;
}

/** The audit record's detail for a breach. */
export function breachDetail(kind: BreachKind, atStart: boolean): string {
  return atStart ? `${kind} while nothing was watching (found at start)` : `${kind} outside the editor while locked`;
}
