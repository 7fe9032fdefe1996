// What the Audit Log view shows, decided without I/O: records filtered, newest first, grouped by
// day, one line each in words; the chain's state; the filtered records as CSV or JSON; and which
// stored content to show on each side of a recorded change's diff.
import { AUDIT_EVENTS, parseAppended, parseAuditLog, sha256, verifyChain } from './audit';
import type { AuditEvent, AuditRecord } from './audit';
import { isInsideFolder, normalizeRelPath } from './paths';

/** Every field optional; an empty filter keeps every record. Days are `YYYY-MM-DD` (UTC, as `at` is written). */
export interface AuditFilter {
  readonly from?: string;
  readonly to?: string;
  /** Matches the actor's email or name, exactly (case-insensitive). */
  readonly actor?: string;
  readonly events?: readonly AuditEvent[];
  readonly component?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Why a filter cannot be applied (a day that is not `YYYY-MM-DD`, a range ending before it starts), or undefined. */
export function filterProblem(f: AuditFilter): string | undefined {
  for (const d of [f.from, f.to]) if (d !== undefined && (!DAY.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`)))) return `"${d}" is not a day (YYYY-MM-DD).`;
  if (f.from && f.to && f.from > f.to) return `The range ends (${f.to}) before it starts (${f.from}).`;
  const unknown = f.events?.find((e) => !AUDIT_EVENTS.includes(e));
  return unknown ? `"${unknown}" is not an audit event.` : undefined;
}

/** A filter from an untyped argument (a command called by another extension or a test): known fields of the right type only. */
export function filterFromArg(arg: Record<string, unknown>): AuditFilter | string {
  const out: { from?: string; to?: string; actor?: string; events?: AuditEvent[]; component?: string } = {};
  for (const key of Object.keys(arg)) {
    const v = arg[key];
    if (v === undefined) continue;
    if ((key === 'from' || key === 'to' || key === 'actor' || key === 'component') && typeof v === 'string') out[key] = v;
    else if (key === 'events' && Array.isArray(v) && v.every((e) => typeof e === 'string')) out.events = v as AuditEvent[];
    else return `"${key}" is not a filter field of that type (from, to, actor, component: text; events: a list).`;
  }
  return filterProblem(out) ?? out;
}

export function isEmptyFilter(f: AuditFilter): boolean {
  return !f.from && !f.to && !f.actor && !(f.events && f.events.length) && !f.component;
}

/** The records that pass the filter, in log order. */
export function filterRecords(records: readonly AuditRecord[], f: AuditFilter): AuditRecord[] {
  if (isEmptyFilter(f)) return [...records];
  const actor = f.actor?.toLowerCase();
  const events = f.events && f.events.length ? new Set<string>(f.events) : undefined;
  return records.filter((r) => {
    const day = dayOf(r);
    if (f.from && day < f.from) return false;
    if (f.to && day > f.to) return false;
    if (actor && r.actor.email.toLowerCase() !== actor && r.actor.name.toLowerCase() !== actor) return false;
    if (events && !events.has(r.event)) return false;
    if (f.component && r.component !== f.component) return false;
    return true;
  });
}

/** `2026-11-22` from a record's ISO time; a time that is not ISO sorts under its own text. */
export function dayOf(r: AuditRecord): string {
  return r.at.slice(0, 10);
}

export interface AuditDay {
  readonly day: string;
  /** Newest first. */
  readonly records: readonly AuditRecord[];
}

/** Newest day first, newest record first within a day (log order breaks ties: a later record is newer). */
export function groupByDay(records: readonly AuditRecord[]): AuditDay[] {
  const days = new Map<string, AuditRecord[]>();
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i];
    const day = dayOf(r);
    let list = days.get(day);
    if (!list) days.set(day, (list = []));
    list.push(r);
  }
  const out = [...days].map(([day, list]) => ({ day, records: list.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : b.seq - a.seq)) }));
  return out.sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : 0));
}

/** `change src/x.ts (BOOKING_FLOW) by Ann — reason`: one record in words, without its time. */
export function recordLine(r: AuditRecord): string {
  const target = r.file ? (r.component ? `${r.file} (${r.component})` : r.file) : r.component;
  const who = r.actor.name || r.actor.email || 'unknown';
  const counts = r.added !== undefined || r.removed !== undefined ? ` +${r.added ?? 0} -${r.removed ?? 0}` : '';
  const why = r.reason ?? r.detail;
  return `${r.event}${target ? ` ${target}` : ''}${counts} by ${who}${why ? ` — ${oneLine(why)}` : ''}`;
}

/** `10:40` (UTC, as recorded) or the raw time. */
export function timeOf(r: AuditRecord): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(r.at) ? r.at.slice(11, 16) : r.at;
}

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}

/** Records that have a before and after to compare. */
export function hasDiff(r: AuditRecord): boolean {
  return (r.event === 'change' || r.event === 'breach' || r.event === 'delete' || r.event === 'restore') && !!r.file;
}

export type ChainState =
  | { kind: 'empty' }
  | { kind: 'verified'; records: number; unreadable: number }
  | { kind: 'broken'; records: number; unreadable: number; at: number; seq: number; message: string };

/** The whole log's state: every record parsed and the chain checked. */
export function chainState(records: readonly AuditRecord[], unreadableLines: number): ChainState {
  if (records.length === 0 && unreadableLines === 0) return { kind: 'empty' };
  const v = verifyChain(records);
  if (v.ok) return { kind: 'verified', records: records.length, unreadable: unreadableLines };
  return { kind: 'broken', records: records.length, unreadable: unreadableLines, at: v.index + 1, seq: records[v.index].seq, message: v.message };
}

/** `Chain verified · 1,204 records` / `Chain broken at record 12: …` */
export function chainLine(s: ChainState): string {
  const bad = s.kind !== 'empty' && s.unreadable ? ` · ${s.unreadable} unreadable line${s.unreadable === 1 ? '' : 's'}` : '';
  switch (s.kind) {
    case 'empty': return 'No audit records yet';
    case 'verified': return `Chain verified · ${s.records} record${s.records === 1 ? '' : 's'}${bad}`;
    case 'broken': return `Chain broken at record ${s.at}: ${s.message}${bad}`;
  }
}

export interface AuditModel {
  readonly chain: ChainState;
  readonly problems: readonly { line: number; message: string }[];
  readonly all: readonly AuditRecord[];
  readonly shown: readonly AuditRecord[];
  readonly days: readonly AuditDay[];
}

/** Everything the view needs from the log's text: parse, verify, filter, group. */
export function buildAuditModel(text: string, filter: AuditFilter): AuditModel {
  const { records, problems } = parseAuditLog(text);
  const shown = filterRecords(records, filter);
  return { chain: chainState(records, problems.length), problems, all: records, shown, days: groupByDay(shown) };
}

/**
 * The model after the log grew from `previousText` to `text`: where the new text only appends whole
 * lines, only those are parsed and chained onto the verified records (an append to 10,000 records costs
 * what the new lines cost); anything else (an edit, a truncation, a broken chain) is read again in full.
 */
export function updateAuditModel(previous: AuditModel, previousText: string, text: string, filter: AuditFilter): AuditModel {
  // parseAppended answers only where the new text appends whole lines to the old.
  const appended = previousText !== '' && text.length > previousText.length && previous.chain.kind !== 'broken'
    ? parseAppended({ records: previous.all, problems: previous.problems }, previousText, text) : undefined;
  if (!appended) return buildAuditModel(text, filter);
  const { records: all, problems } = appended;
  const v = verifyChain(all, previous.all.length);
  const chain: ChainState = v.ok
    ? { kind: 'verified', records: all.length, unreadable: problems.length }
    : { kind: 'broken', records: all.length, unreadable: problems.length, at: v.index + 1, seq: all[v.index].seq, message: v.message };
  const shown = filterRecords(all, filter);
  return { chain, problems, all, shown, days: groupByDay(shown) };
}

/** The distinct actors (email, else name) and components of a log, sorted, for the filter pickers. */
export function distinctValues(records: readonly AuditRecord[]): { actors: string[]; components: string[] } {
  const actors = new Set<string>();
  const components = new Set<string>();
  for (const r of records) {
    const a = r.actor.email || r.actor.name;
    if (a) actors.add(a);
    if (r.component) components.add(r.component);
  }
  return { actors: [...actors].sort(), components: [...components].sort() };
}

const CSV_COLUMNS = ['seq', 'at', 'event', 'actor_name', 'actor_email', 'file', 'component', 'tier', 'reason', 'detail',
  'added', 'removed', 'before', 'after', 'backup', 'head', 'signed', 'hash'] as const;

/** RFC 4180 CSV of the records, a header line first, CRLF line ends. Cells a spreadsheet would run as a formula are quoted with a leading '. */
export function toCsv(records: readonly AuditRecord[]): string {
  const cell = (v: string | number | undefined): string => {
    if (v === undefined) return '';
    let s = String(v);
    // A reason such as "=HYPERLINK(…)" must not become a formula in the reviewer's spreadsheet.
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) || s !== String(v) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const rows = records.map((r) => [r.seq, r.at, r.event, r.actor.name, r.actor.email, r.file, r.component, r.tier, r.reason, r.detail,
    r.added, r.removed, r.before, r.after, r.backup, r.head, r.sig || r.approvals?.length ? 'yes' : '', r.hash].map(cell).join(','));
  return [CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}

/** The records as a JSON array, as they are in the log (with seq, prev and hash, so a reader can check them). */
export function toJson(records: readonly AuditRecord[]): string {
  return `${JSON.stringify(records, null, 2)}\n`;
}

/** Where one side of a diff may come from, in the order to try. */
export interface ContentCandidate {
  readonly source: string;
  readonly bytes: Uint8Array | undefined;
}

export type PickedContent =
  | { ok: true; bytes: Uint8Array; source: string; verified: boolean }
  | { ok: false; message: string };

/**
 * The content to show for a side whose sha256 the record gives (`hash`): the first candidate with that
 * hash. Where the record gives no hash (a deletion's after, an old record), the first candidate there
 * is, marked unverified. Content whose hash does not match is never shown as what was recorded.
 */
export function pickContent(hash: string | undefined, candidates: readonly ContentCandidate[]): PickedContent {
  const present = candidates.filter((c): c is { source: string; bytes: Uint8Array } => c.bytes !== undefined);
  if (hash) {
    const match = present.find((c) => sha256(c.bytes) === hash);
    if (match) return { ok: true, bytes: match.bytes, source: match.source, verified: true };
    const tried = candidates.map((c) => c.source).join(', ') || 'nothing';
    return { ok: false, message: `No stored copy has the recorded content (sha256 ${hash.slice(0, 12)}…). Looked in: ${tried}.` };
  }
  const first = present[0];
  return first ? { ok: true, bytes: first.bytes, source: first.source, verified: false } : { ok: false, message: 'The record names no content for this side.' };
}

/**
 * A folder-relative path taken from a record (which anyone with write access to the repository can
 * write), normalized, or undefined where it is absolute, climbs out of the folder, or is not under `under`.
 */
export function recordPath(p: string | undefined, under?: string): string | undefined {
  if (!p || !isInsideFolder(p)) return undefined;
  const n = normalizeRelPath(p);
  if (under && !n.startsWith(`${under}/`)) return undefined;
  return n;
}

/** A git revision from a record: a commit hash only (never an option or a ref expression). */
export function recordRevision(head: string | undefined): string | undefined {
  return head && /^[0-9a-f]{7,64}$/.test(head) ? head : undefined;
}
