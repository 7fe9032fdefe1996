// The verify gate's decision: given what a commit (or a range of commits) changes, the audit log
// as of that version and as of the version before, does every protected change carry its record?
// Pure: git and files are read by src/node/gitChanges.ts and src/cli/verifyCommand.ts.
import { withCrlf } from './lineEndings';
import { indexLog, judgeApproval, reusedOneTimeCodes } from './approvals';
import type { LogIndex } from './approvals';
import { parseAppended, parseAuditLog, sha256, verifyChain } from './audit';
import type { AuditRecord, ParsedAuditLog } from './audit';
import { collisionProblem } from './collisions';
import { AUDIT_LOG_PATH, MANIFEST_PATH } from './layout';
import type { Manifest, Tier } from './manifest';
import { ProtectionMatcher } from './matcher';
import { isAscii } from './paths';
import type { Classification } from './matcher';

/** The audit log's path (src/core/layout.ts). */
export const AUDIT_LOG = AUDIT_LOG_PATH;
/** Local backups, git-ignored by their own .gitignore; never part of what the gate checks. */
export const BACKUPS_PREFIX = '.protection/backups/';

/** One entry of `git diff --raw`, reduced to what the gate needs. */
export interface TreeChange {
  /** `unmerged`: the index holds a conflict for the path (staged mode), so there is no content to check. */
  status: 'added' | 'modified' | 'deleted' | 'renamed' | 'unmerged';
  /** The path at the verified version (for a deletion: the path that is gone). */
  path: string;
  /** For a rename: the path before. */
  from?: string;
  /** git's mode at the verified version (absent for a deletion): see GIT_MODE. */
  mode?: string;
  /** git's mode before (absent for an addition). */
  oldMode?: string;
}

/** The entry types of a git tree, by mode. */
export const GIT_MODE = { file: '100644', executable: '100755', symlink: '120000', submodule: '160000' } as const;

/** A protected path the change touches: written (added, modified, renamed to) or removed. */
export interface GateItem {
  path: string;
  kind: 'write' | 'delete';
  classification: Classification;
  /** Set when the write is the new half of a rename. */
  renamedFrom?: string;
  /** Set when the deletion is the old half of a rename. */
  renamedTo?: string;
  /** The git modes before and after, when they differ or are not a regular file's (see typeChange). */
  mode?: { from: string | undefined; to: string | undefined };
  /** The index holds a merge conflict for the path. */
  unmerged?: boolean;
  /**
   * Not protected as written, but the same file as a protected path on a case-insensitive or
   * Unicode-normalizing file system (see src/core/collisions.ts); `classification` is that path's.
   */
  collision?: boolean;
}

/** A written item with the content it commits. */
export interface CheckedItem extends GateItem {
  /**
   * sha256 hex of the committed content, first; then the same content as a checkout may have
   * written it to disk (CRLF line endings under core.autocrlf), which is what the editor hashed.
   * Empty for deletions, submodule entries and conflicts.
   */
  hashes: string[];
  /** For a symlink: where it points (its "content"). */
  linkTarget?: string;
}

export type ParsedAudit = ParsedAuditLog;

export interface VerifyInput {
  items: CheckedItem[];
  /** The audit log as of the verified version; undefined when there is none. */
  audit: ParsedAudit | undefined;
  /** The audit log as of the version before (HEAD for staged, the merge base for a range). */
  baseAudit: ParsedAudit | undefined;
  /** How the change touches the audit log itself. */
  auditLog: 'unchanged' | 'added' | 'modified' | 'deleted';
  /** The tier that protects `.protection/**` (badge and id shown on audit-log violations). */
  protectionTier: Classification['tier'];
  /**
   * Staged mode only: the audit log in the work tree. A record found only there means the user
   * forgot to stage the log, which the report says.
   */
  workTreeAudit?: AuditRecord[];
  /**
   * The version before has no manifest: protection starts with this change, nothing was
   * protected before it, so its files need no records yet (the audit log is still checked).
   */
  introducing?: boolean;
  /**
   * checkAuditLog(audit, baseAudit), when the caller computed it already (the CLI does, while
   * git computes the diff). Must come from the same `audit` and `baseAudit`.
   */
  auditCheck?: AuditCheck;
  /**
   * The manifests whose code keys may sign approvals: those in force before the change (`base`),
   * and the verified version's (`head`). Approvals of `.protection/**` are judged by `base` alone
   * (where there is one), its rules and its keys, so a change cannot add its own key or tier to the
   * manifest and sign itself; `head`'s keys count for other files only where a `base` key signed the
   * manifest's change. Without this, signatures are not checked.
   */
  trusted?: { base: Manifest[]; head: Manifest | undefined };
  /**
   * A case-sensitive matcher of one of the manifests above, for the protection in force before the
   * change: the caller's when it built that one already (each costs compiling every glob), else a
   * new one. Default: always a new one.
   */
  matcherOf?: (manifest: Manifest) => ProtectionMatcher;
}

/** What the gate finds in the audit log alone, whatever the change: see checkAuditLog. */
export interface AuditCheck {
  chain: ReturnType<typeof verifyChain>;
  /** Index of the first record of the earlier log that the verified log lost or rewrote; -1 for none. */
  firstLost: number;
  /** Records the verified version adds to the version before. */
  newRecords: number;
}

export type ViolationKind =
  | 'unrecorded'
  | 'edited-after-approval'
  | 'older-approval'
  | 'recreated-after-delete'
  | 'deleted-unrecorded'
  | 'deleted-after-change'
  | 'audit-deleted'
  | 'audit-unreadable'
  | 'chain-broken'
  | 'audit-rewritten'
  | 'unsigned'
  | 'one-time-reused'
  | 'type-changed'
  | 'mode-changed'
  | 'unmerged'
  | 'collision';

export interface Violation {
  file: string;
  /** Tier id. */
  tier: string;
  badge: string;
  /** Component name; undefined for `.protection/**`. */
  component: string | undefined;
  kind: ViolationKind;
  problem: string;
}

export interface ChangedReport {
  file: string;
  change: 'write' | 'delete';
  from?: string;
  to?: string;
  tier: string;
  component: string | undefined;
  /** sha256 of the committed content (writes only). */
  sha256?: string;
  /** seq of the audit record that approves it. */
  recordSeq?: number;
}

export interface ChainReport {
  ok: boolean;
  records: number;
  /** Records the verified version adds to the version before. */
  newRecords: number;
  break?: { index: number; message: string };
}

export interface VerifyReport {
  ok: boolean;
  /** Things that pass today but should be fixed (approvals not signed, where no signing code asks for one). */
  warnings: string[];
  /** The change adds the manifest: see VerifyInput.introducing. */
  introducing: boolean;
  changed: ChangedReport[];
  violations: Violation[];
  chain: ChainReport;
}

/**
 * The protected paths among `changes`, each deletion and addition of its own (a rename is both
 * halves). A path counts as protected when any of the matchers protects it: the verified
 * version's manifest and the one before, so that a commit cannot unprotect a file and change it
 * at once. The audit log and `.protection/backups/**` are left out (the log is checked as a
 * chain; backups are not committed).
 *
 * `mayProtect`, when given, is asked first about each path: it answers false only where none of
 * the matchers protects the path and `collides` finds nothing (see foldedScreen), so that most
 * paths of a large change are answered by one lookup.
 */
export function protectedItems(
  changes: readonly TreeChange[],
  matchers: readonly (ProtectionMatcher | undefined)[],
  collides?: (path: string) => Classification | undefined,
  mayProtect?: (path: string) => boolean,
): GateItem[] {
  const classify = (path: string): Pick<GateItem, 'classification' | 'collision'> | undefined => {
    if (path === AUDIT_LOG || path.startsWith(BACKUPS_PREFIX)) return undefined;
    if (mayProtect && !mayProtect(path)) return undefined;
    let best: Classification | undefined;
    for (const m of matchers) {
      const c = m?.classify(path);
      if (c && (!best || c.tier.rank < best.tier.rank)) best = c;
    }
    if (best) return { classification: best };
    const other = collides?.(path);
    return other ? { classification: other, collision: true } : undefined;
  };
  const items: GateItem[] = [];
  for (const change of changes) {
    if (change.status === 'renamed' && change.from !== undefined) {
      const old = classify(change.from);
      if (old) items.push({ path: change.from, kind: 'delete', ...old, renamedTo: change.path });
      const now = classify(change.path);
      if (now) items.push({ path: change.path, kind: 'write', ...now, renamedFrom: change.from, ...modeOf(change) });
      continue;
    }
    const c = classify(change.path);
    if (c) items.push({ path: change.path, kind: change.status === 'deleted' ? 'delete' : 'write', ...c, ...modeOf(change) });
  }
  return items;
}


/**
 * protectedItems' `mayProtect` for matchers and the same manifests `folded` (matched without regard
 * to case, as `collides` uses them): an ASCII path that no folded matcher classifies is protected by
 * none of the matchers (what matches with case matches without it, and lower-casing ASCII is exact)
 * and, being its only spelling, collides with nothing. Other paths are always looked at in full.
 */
export function foldedScreen(folded: () => readonly ProtectionMatcher[]): (path: string) => boolean {
  return (path) => !isAscii(path) || folded().some((m) => m.classify(path) !== undefined);
}

/** What GateItem keeps of a change's modes: only what is more than regular content. */
function modeOf(change: TreeChange): Pick<GateItem, 'mode' | 'unmerged'> {
  if (change.status === 'unmerged') return { unmerged: true };
  if (change.status === 'deleted') return {};
  const regular = (m: string | undefined): boolean => m === undefined || m === GIT_MODE.file || m === GIT_MODE.executable;
  const changed = change.oldMode !== undefined && change.mode !== undefined && change.oldMode !== change.mode;
  return changed || !regular(change.mode) ? { mode: { from: change.oldMode, to: change.mode } } : {};
}

const MODE_NAMES: Record<string, string> = {
  [GIT_MODE.file]: 'a file',
  [GIT_MODE.executable]: 'an executable file',
  [GIT_MODE.symlink]: 'a symlink',
  [GIT_MODE.submodule]: 'a submodule entry',
};

/**
 * A write that is more than new content, which the usual content check would miss or cannot
 * judge: a conflict in the index; a symlink or submodule entry (nothing the editor can record
 * approves one: it is not content that was unlocked and saved); the executable bit turned on
 * or off, which the editor cannot record on its own, so it needs a change record new in this
 * change whose content matches (a recorded edit in the same change). Undefined when the content
 * check decides alone.
 */
export function typeChange(
  item: CheckedItem, last: AuditRecord | undefined, baseHashes: ReadonlySet<string>,
): { kind: ViolationKind; problem: string } | undefined {
  if (item.unmerged) {
    return { kind: 'unmerged', problem: 'has an unresolved merge conflict in the index: resolve it and stage the result' };
  }
  const mode = item.mode;
  if (item.kind !== 'write' || !mode) return undefined;
  const name = (m: string | undefined): string => (m !== undefined ? MODE_NAMES[m] ?? `mode ${m}` : 'nothing');
  const modes = `mode ${mode.from ?? '(none)'} → ${mode.to ?? '(none)'}`;
  if (mode.to === GIT_MODE.symlink || mode.to === GIT_MODE.submodule) {
    const what = mode.to === GIT_MODE.symlink ? `a symlink to ${JSON.stringify(item.linkTarget ?? '?')}` : 'a submodule entry';
    const how = mode.from === undefined ? `added as ${what}` : mode.from === mode.to ? `changed: now ${what}` : `replaced by ${what} (${modes})`;
    return { kind: 'type-changed', problem: `${how}; no audit record can approve ${name(mode.to)} in place of a protected file: restore it as a regular file` };
  }
  if (mode.from === undefined || mode.from === mode.to) return undefined;
  if (mode.from !== GIT_MODE.file && mode.from !== GIT_MODE.executable) return undefined; // a symlink or submodule became a file: its content is checked
  if (last && approvesContent(last, item.path, item.hashes) && isNewRecord(last, baseHashes)) return undefined;
  return {
    kind: 'mode-changed',
    problem: `${modes} (${mode.to === GIT_MODE.executable ? 'made executable' : 'no longer executable'}) without a change record new in this change for its content`,
  };
}

/** How the change touches the audit log (a rename away from it is its deletion). */
export function auditLogChange(changes: readonly TreeChange[]): VerifyInput['auditLog'] {
  for (const c of changes) {
    if (c.status === 'renamed' && c.from === AUDIT_LOG && c.path !== AUDIT_LOG) return 'deleted';
    if (c.path !== AUDIT_LOG) continue;
    if (c.status === 'deleted') return 'deleted';
    return c.status === 'modified' ? 'modified' : 'added';
  }
  return 'unchanged';
}

/**
 * The committed content's sha256, and for a text with LF endings only also the sha256 of the
 * same text with CRLF: what a Windows checkout with core.autocrlf writes to disk, and so what
 * the editor hashed when it recorded the change. Binary content (a NUL byte) has one form.
 */
export function contentHashes(content: Uint8Array): string[] {
  const crlf = withCrlf(content);
  return crlf ? [sha256(content), sha256(crlf)] : [sha256(content)];
}

/** `ab12cd34ef56…`: enough of a hash to compare by eye. */
export function shortHash(hex: string | undefined): string {
  return hex ? `${hex.slice(0, 12)}…` : '(none)';
}

/** Records that approve something about one path, oldest first. */
interface PathHistory {
  /** `change` records for the path and `delete` records for it. */
  records: AuditRecord[];
}

function indexRecords(records: readonly AuditRecord[]): Map<string, PathHistory> {
  const byPath = new Map<string, PathHistory>();
  const add = (path: string, r: AuditRecord): void => {
    let h = byPath.get(path);
    if (!h) byPath.set(path, (h = { records: [] }));
    h.records.push(r);
  };
  for (const r of records) {
    if (r.event === 'change' || r.event === 'delete') {
      if (r.file !== undefined) add(r.file, r);
      // An approved rename (a change record with `from`) also approves the old path's removal.
      if (r.event === 'change' && r.from !== undefined && r.from !== r.file) add(r.from, r);
    }
  }
  return byPath;
}

/** The record approves the removal of `path`: a delete record for it, or a rename away from it. */
function approvesRemoval(r: AuditRecord, path: string): boolean {
  return (r.event === 'delete' && r.file === path) || (r.event === 'change' && r.from === path && r.file !== path);
}

function approvesContent(r: AuditRecord, path: string, hashes: readonly string[]): boolean {
  return r.event === 'change' && r.file === path && r.after !== undefined && hashes.includes(r.after);
}

function isNewRecord(r: AuditRecord, baseHashes: ReadonlySet<string>): boolean {
  return !baseHashes.has(r.hash);
}

/**
 * `base`'s tier with the stricter of its and `other`'s unlock rules: a change never relaxes the rules
 * it is judged by, and the tier is named as the manifest in force before it names it (a change can
 * add a tier of its own; ranks of two manifests say nothing about each other).
 */
function stricterTier(base: Tier, other: Tier): Tier {
  const unsigned = base.unlock.unsignedApprovals === 'fail' || other.unlock.unsignedApprovals === 'fail' ? 'fail' : (base.unlock.unsignedApprovals ?? other.unlock.unsignedApprovals);
  return {
    ...base,
    unlock: {
      ...base.unlock,
      requireCode: base.unlock.requireCode || other.unlock.requireCode,
      approvals: Math.max(base.unlock.approvals, other.unlock.approvals) as 1 | 2,
      ...(unsigned ? { unsignedApprovals: unsigned } : {}),
    },
  };
}

/** Paths under `.protection/` (the manifest, the agents' hook launcher): what decides who approves everything. */
function isProtectionPath(path: string): boolean {
  return path.startsWith('.protection/');
}

/**
 * What an approval of `item` must meet: the protection in force before the change (each base
 * manifest's classification of the path: its tier and component, and the strictest of the tiers'
 * rules) as well as the verified version's rules. So a change cannot turn off `requireCode`, lower
 * `approvals`, or move a file to a component whose code the author holds, and be judged by what it
 * set. A path under `.protection/` is judged by the base side alone: a change to the manifest is
 * approved under the manifest it changes, never under a tier it adds.
 */
function policyInForce(item: GateItem, baseMatchers: readonly ProtectionMatcher[]): Classification {
  let c: Classification | undefined;
  for (const m of baseMatchers) {
    const before = m.classify(item.path);
    if (!before) continue;
    c = c ? { ...c, component: c.component ?? before.component, tier: stricterTier(c.tier, before.tier) } : before;
  }
  if (!c) return item.classification;
  if (isProtectionPath(item.path)) return c;
  const head = item.classification;
  return { ...c, component: c.component ?? head.component, tier: stricterTier(c.tier, head.tier) };
}

/** Decides the gate. */
export function decideVerify(input: VerifyInput): VerifyReport {
  const records = input.audit?.records ?? [];
  const baseRecords = input.baseAudit?.records ?? [];
  const byPath = indexRecords(records);
  const baseHashes = new Set(baseRecords.map((r) => r.hash));
  const workTree = input.workTreeAudit ? indexRecords(input.workTreeAudit) : undefined;
  const violations: Violation[] = [];
  const changed: ChangedReport[] = [];

  const violation = (item: GateItem, kind: ViolationKind, problem: string, c: Classification = item.classification): void => {
    violations.push({ file: item.path, tier: c.tier.id, badge: c.tier.badge, component: c.component?.name, kind, problem });
  };
  const warnings: string[] = [];
  let logIndex: LogIndex | undefined;
  let baseMatchers: ProtectionMatcher[] | undefined;
  let headTrusted: boolean | undefined;
  /**
   * Whether the verified version's manifest may add its code keys to the base side's: only when it
   * is the base's own, or when its change carries an approval that the base's keys signed. Else a
   * change could add a key to the manifest and sign its other files with it (the manifest's own
   * approval being unsigned, or not needed).
   */
  const headKeysApproved = (base: Manifest[], head: Manifest | undefined): boolean => {
    if (!head || base.includes(head)) return true;
    const item = input.items.find((i) => i.path === MANIFEST_PATH && i.kind === 'write' && !i.collision) as CheckedItem | undefined;
    const last = item && byPath.get(item.path)?.records.at(-1);
    if (!item || !last || !approvesContent(last, item.path, item.hashes) || !isNewRecord(last, baseHashes) || typeChange(item, last, baseHashes)) return false;
    logIndex ??= indexLog(records);
    baseMatchers ??= base.map((m) => input.matcherOf?.(m) ?? new ProtectionMatcher(m));
    return judgeApproval(last, policyInForce(item, baseMatchers), logIndex, base).kind === 'signed';
  };
  /** Only records new in this change are judged: older ones were judged when they were committed. */
  const signedApproval = (item: GateItem, record: AuditRecord): boolean => {
    if (!input.trusted || !isNewRecord(record, baseHashes)) return true;
    const { base, head } = input.trusted;
    // The base side judges `.protection/**` alone; elsewhere the verified manifest's keys count once its change is approved.
    const withHead = base.length === 0 || (!isProtectionPath(item.path) && (headTrusted ??= headKeysApproved(base, head)));
    const trusted = withHead ? [...base, ...(head ? [head] : [])] : base;
    logIndex ??= indexLog(records);
    baseMatchers ??= base.map((m) => input.matcherOf?.(m) ?? new ProtectionMatcher(m));
    const policy = policyInForce(item, baseMatchers);
    const verdict = judgeApproval(record, policy, logIndex, trusted);
    if (verdict.kind === 'refused') {
      // Say so where the certificate is good but for a key that only the unapproved manifest change brings.
      const ownKey = !withHead && head && !base.includes(head) && judgeApproval(record, policy, logIndex, [...base, head]).kind === 'signed';
      const why = isProtectionPath(item.path) ? 'and only codes in force before a change approve a change to .protection/' : 'whose own change no code in force before it approved';
      violation(item, 'unsigned', ownKey ? `${verdict.problem}; the code that signed it is one this change adds to the manifest, ${why}` : verdict.problem, policy);
      return false;
    }
    if (verdict.kind === 'unsigned-allowed') {
      warnings.push(`${item.path}: ${verdict.problem}; set a signing code with Set Unlock Code… (or protected-files hash-code) so approvals are signed, then "unsignedApprovals": "fail" in the tier.`);
    }
    return true;
  };

  for (const item of input.items) {
    const c = item.classification;
    const history = byPath.get(item.path)?.records ?? [];
    const last = history[history.length - 1];
    const report: ChangedReport = {
      file: item.path,
      change: item.kind,
      ...(item.renamedFrom !== undefined ? { from: item.renamedFrom } : {}),
      ...(item.renamedTo !== undefined ? { to: item.renamedTo } : {}),
      tier: c.tier.id,
      component: c.component?.name,
    };
    changed.push(report);
    if (input.introducing) continue;
    if (item.collision) {
      // No record can make it safe: on a macOS or Windows checkout it overwrites the protected file.
      violation(item, 'collision', collisionProblem(c));
      continue;
    }

    if (item.kind === 'delete') {
      const what = item.renamedTo !== undefined ? `renamed to ${item.renamedTo}` : 'deleted';
      if (last && approvesRemoval(last, item.path)) {
        if (signedApproval(item, last)) report.recordSeq = last.seq;
      } else if (!last) {
        const staged = workTree?.get(item.path)?.records.some((r) => approvesRemoval(r, item.path));
        violation(item, 'deleted-unrecorded', `${what} without a matching audit record (a delete record is needed)${staged ? unstagedNote : ''}`);
      } else {
        violation(item, 'deleted-after-change', `${what}, but its last audit record (seq ${last.seq}) approves a change, not a deletion`);
      }
      continue;
    }

    const type = typeChange(item as CheckedItem, last, baseHashes);
    if (type) {
      violation(item, type.kind, type.problem);
      continue;
    }
    const hashes = (item as CheckedItem).hashes;
    report.sha256 = hashes[0];
    const what = item.renamedFrom !== undefined ? `renamed from ${item.renamedFrom}` : 'changed';
    if (last && approvesContent(last, item.path, hashes)) {
      if (signedApproval(item, last)) report.recordSeq = last.seq;
      continue;
    }
    const unstaged = workTree?.get(item.path)?.records.some((r) => approvesContent(r, item.path, hashes)) ? unstagedNote : '';
    if (!last) {
      violation(item, 'unrecorded', `${what} without a matching audit record (content sha256 ${shortHash(hashes[0])})${unstaged}`);
    } else if (approvesRemoval(last, item.path)) {
      violation(item, 'recreated-after-delete', `${what} after its recorded deletion (seq ${last.seq}), without a change record (content sha256 ${shortHash(hashes[0])})${unstaged}`);
    } else if (history.some((r) => approvesContent(r, item.path, hashes))) {
      violation(item, 'older-approval', `the committed content matches an older change record, not the last one (seq ${last.seq}, sha256 ${shortHash(last.after)})${unstaged}`);
    } else if (isNewRecord(last, baseHashes)) {
      violation(item, 'edited-after-approval', `edited after approval: the committed content does not match the last change record (seq ${last.seq}: sha256 ${shortHash(last.after)}, committed ${shortHash(hashes[0])})${unstaged}`);
    } else {
      violation(item, 'unrecorded', `${what} without a matching audit record (content sha256 ${shortHash(hashes[0])}; the last record, seq ${last.seq}, approved other content)${unstaged}`);
    }
  }

  // The log itself: it must verify, and it may only grow.
  const logItem: GateItem = {
    path: AUDIT_LOG,
    kind: 'write',
    classification: { tier: input.protectionTier, component: undefined, pattern: '.protection/**' },
  };
  if (input.auditLog === 'deleted' || (!input.audit && baseRecords.length > 0)) {
    violation(logItem, 'audit-deleted', `the audit log was deleted (it had ${baseRecords.length} record(s))`);
  }
  for (const p of input.audit?.problems ?? []) {
    violation(logItem, 'audit-unreadable', p.message.replace(/\.$/, ''));
  }
  const { chain: chainResult, firstLost, newRecords } = input.auditCheck ?? checkAuditLog(input.audit, input.baseAudit);
  if (!chainResult.ok) {
    violation(logItem, 'chain-broken', `the audit chain is broken: ${chainResult.message.replace(/\.$/, '')}`);
  }
  if (input.audit && firstLost >= 0) {
    const r = baseRecords[firstLost];
    const how = firstLost >= records.length ? 'removed' : 'removed or rewritten';
    violation(logItem, 'audit-rewritten', `record ${firstLost + 1} (seq ${r.seq}, ${r.event}${r.file ? ` ${r.file}` : ''}) of the earlier log was ${how}: the log may only grow`);
  }
  if (input.trusted) {
    const all = [...input.trusted.base, ...(input.trusted.head ? [input.trusted.head] : [])];
    for (const { record, first } of reusedOneTimeCodes(records, all, (r) => isNewRecord(r, baseHashes))) {
      violation(logItem, 'one-time-reused', `a one-time code that opened the grant of seq ${first.seq} opened another (seq ${record.seq}): a one-time code opens one grant only`);
    }
  }
  const chain: ChainReport = {
    ok: chainResult.ok,
    records: records.length,
    newRecords,
    ...(chainResult.ok ? {} : { break: { index: chainResult.index, message: chainResult.message } }),
  };
  return { ok: violations.length === 0, warnings, introducing: input.introducing === true, changed, violations, chain };
}

/**
 * parseAuditLog of the verified log, given the earlier one parsed: when the verified log only
 * appends whole lines to it (the log grew, as it should), only those lines are read, and its
 * first records are the earlier log's (the same objects, which checkAuditLog counts on).
 */
export function parseVerifiedAudit(text: string, base: ParsedAudit | undefined, baseText: string | undefined): ParsedAudit {
  return (base && baseText !== undefined ? parseAppended(base, baseText, text) : undefined) ?? parseAuditLog(text);
}

/**
 * The log's own checks, which need no change set: the chain of the verified log, the first
 * record of the earlier log it lost or rewrote (the log may only grow), the records it adds.
 */
export function checkAuditLog(audit: ParsedAudit | undefined, baseAudit: ParsedAudit | undefined, baseChain?: AuditCheck['chain']): AuditCheck {
  const records = audit?.records ?? [];
  const baseRecords = baseAudit?.records ?? [];
  const baseHashes = new Set(baseRecords.map((r) => r.hash));
  // Whole records are compared, not their hash fields: an edited record keeps its old `hash`.
  const firstLost = audit ? baseRecords.findIndex((r, i) => records[i] === undefined || !sameJson(records[i], r)) : -1;
  return {
    chain: chainOf(records, baseRecords, baseChain),
    firstLost,
    newRecords: records.filter((r) => !baseHashes.has(r.hash)).length,
  };
}

/**
 * verifyChain(records), given `baseChain` = verifyChain(baseRecords) when that is at hand (the CLI
 * checks the earlier log while git reads the rest): where the verified log's first records are
 * the earlier log's own objects (see parseVerifiedAudit), the chain is checked from where those end.
 */
function chainOf(records: readonly AuditRecord[], baseRecords: readonly AuditRecord[], baseChain: AuditCheck['chain'] | undefined): AuditCheck['chain'] {
  const grew = baseChain !== undefined && baseRecords.length <= records.length && baseRecords.every((r, i) => records[i] === r);
  if (!grew) return verifyChain(records);
  // The first break of the verified chain is the earlier one's, if it has one.
  return baseChain.ok ? verifyChain(records, baseRecords.length) : baseChain;
}

/**
 * Whether two values parsed from JSON have the same canonical JSON (canonicalJson in
 * src/core/audit.ts): equal up to the order of object keys, undefined object members left out,
 * an undefined array element read as null. Compares in place, without writing either out.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const aObject = typeof a === 'object' && a !== null;
  const bObject = typeof b === 'object' && b !== null;
  if (!aObject || !bObject) return !aObject && !bObject && (JSON.stringify(a) ?? 'null') === (JSON.stringify(b) ?? 'null');
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x).filter((k) => x[k] !== undefined);
  if (keys.length !== Object.keys(y).filter((k) => y[k] !== undefined).length) return false;
  for (const k of keys) if (!Object.prototype.propertyIsEnumerable.call(y, k) || !sameJson(x[k], y[k])) return false;
  return true;
}

const unstagedNote = '; the matching record is in the work tree\'s .protection/audit.jsonl but not staged: git add .protection/audit.jsonl';

/** The human report: a PASS/FAIL line, one line per violation, then what to do. */
export function renderVerifyReport(report: VerifyReport, mode: 'staged' | 'range', base = '<base>'): string {
  const lines: string[] = [];
  const files = report.changed.length;
  if (report.ok) {
    if (report.introducing) {
      lines.push(`PASS protected-files verify: the protection manifest is new in this change, so its ${files} protected file(s) need no records yet`);
    } else {
      lines.push(files === 0
        ? 'PASS protected-files verify: no protected file changed'
        : `PASS protected-files verify: ${files} protected file(s) changed, all recorded`);
    }
    lines.push(`  audit log: chain OK, ${report.chain.records} record(s)${report.chain.newRecords > 0 ? `, ${report.chain.newRecords} new` : ''}`);
    for (const w of report.warnings) lines.push(`warning: ${w}`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`FAIL protected-files verify: ${report.violations.length} violation(s)`);
  for (const v of report.violations) {
    lines.push(`  ${v.file}  ${v.badge} ${v.component ?? '.protection'}  ${v.problem}`);
  }
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  lines.push(...advice(report.violations, mode, base));
  return `${lines.join('\n')}\n`;
}

function advice(violations: readonly Violation[], mode: 'staged' | 'range', base: string): string[] {
  const kinds = new Set(violations.map((v) => v.kind));
  const out: string[] = [];
  const addLog = mode === 'staged' ? 'stage .protection/audit.jsonl too' : 'commit .protection/audit.jsonl too';
  if (['unrecorded', 'edited-after-approval', 'older-approval', 'recreated-after-delete'].some((k) => kinds.has(k as ViolationKind))) {
    out.push(`What to do: Unlock it in VS Code (Protected Files: Unlock…), make the change and save, so that the change is recorded (or, without VS Code: protected-files unlock <component>, make the change, protected-files record); then ${addLog}.`);
  }
  if (kinds.has('deleted-unrecorded') || kinds.has('deleted-after-change')) {
    out.push(`What to do: restore the file, or unlock it in VS Code and delete or rename it there, so that the deletion is recorded; then ${addLog}.`);
  }
  if (kinds.has('unsigned') || kinds.has('one-time-reused')) {
    out.push('What to do: an approval counts only when an owner\'s code signed it: unlock with a code (VS Code, or protected-files unlock), make the change, record it, and commit the records the tool wrote; records written by hand or by a script never pass.');
  }
  if (kinds.has('type-changed')) {
    out.push(`What to do: a protected path must stay a regular file: restore it (git checkout ${mode === 'staged' ? 'HEAD' : base} -- <path>); to change the file, unlock it in VS Code and edit its content there.`);
  }
  if (kinds.has('mode-changed')) {
    out.push(`What to do: restore the mode (git update-index --chmod=±x <path>). The editor records content, not modes: a protected file's mode may change only with a content change recorded in the same change (unlock, edit and save it in VS Code; then ${addLog}).`);
  }
  if (kinds.has('collision')) {
    out.push('What to do: rename the file so that it differs from every protected path by more than case or Unicode normalization.');
  }
  if (kinds.has('unmerged')) {
    out.push('What to do: resolve the conflict, then stage the result; a protected file\'s resolution needs its record like any change.');
  }
  if (['audit-deleted', 'audit-unreadable', 'chain-broken', 'audit-rewritten'].some((k) => kinds.has(k as ViolationKind))) {
    const from = mode === 'staged' ? 'HEAD' : base;
    out.push(`What to do: the audit log may only grow, through Protected Files: restore .protection/audit.jsonl from ${from} (git show ${from}:.protection/audit.jsonl) and redo the changes in VS Code.`);
  }
  return out;
}
