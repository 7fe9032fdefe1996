// The audit log: `.protection/audit.jsonl`, one JSON record a line, each carrying the hash of
// the previous one, so that changing, removing, reordering or inserting a record breaks the
// chain. This is data, not logging: nothing here writes anywhere.
import { nodeCrypto } from './nodeCrypto';

/**
 * `change` an approved change (with before/after hashes); `delete` an approved deletion;
 * `breach` a locked file changed without an unlock; `restore` the approved content written back;
 * `guarded-command` a command of the manifest's guardedCommands started in VS Code's terminal.
 */
export type AuditEvent = 'unlock' | 'relock' | 'expire' | 'change' | 'delete' | 'denied' | 'lockout' | 'breach' | 'restore' | 'guarded-command';

export interface Actor {
  name: string;
  email: string;
}

export interface AuditBody {
  event: AuditEvent;
  /** ISO 8601 time, UTC (`new Date().toISOString()`). */
  at: string;
  actor: Actor;
  /** Workspace-relative, `/`-separated. */
  file?: string;
  component?: string;
  tier?: string;
  reason?: string;
  /** sha256 hex of the content before the change. */
  before?: string;
  /** sha256 hex of the content after the change. */
  after?: string;
  added?: number;
  removed?: number;
  /** git HEAD when the record was written. */
  head?: string;
  /** Folder-relative path of the backup of the previous content. */
  backup?: string;
  /** ISO time an unlock ends. */
  until?: string;
  /** For a rename: the folder-relative path the file had before. */
  from?: string;
  /** The operating-system user of the process that wrote the record (breaches). */
  osUser?: string;
  detail?: string;
  /** The grant's public key (base64url): on its unlock record, on records signed under it and on its end. */
  grant?: string;
  /** On an unlock record: the owners' signatures certifying `grant` (see src/core/approvals.ts). */
  approvals?: { key: string; sig: string }[];
  /** On a change or delete record: its signature with the grant's key. */
  sig?: string;
}

export interface AuditRecord extends AuditBody {
  seq: number;
  prev: string;
  hash: string;
}

/** The `prev` of the first record. */
export const GENESIS = 'GENESIS';

export const AUDIT_EVENTS: readonly AuditEvent[] = ['unlock', 'relock', 'expire', 'change', 'delete', 'denied', 'lockout', 'breach', 'restore', 'guarded-command'];

const STRING_FIELDS = ['file', 'component', 'tier', 'reason', 'before', 'after', 'head', 'backup', 'until', 'from', 'osUser', 'detail', 'grant', 'sig'] as const;
const COUNT_FIELDS = ['added', 'removed'] as const;
// Key order of a rendered line: what a reviewer reads first comes first. The hash does not
// depend on it (it is computed over canonical JSON).
const LINE_ORDER = ['seq', 'at', 'event', 'actor', 'osUser', 'file', 'from', 'component', 'tier', 'reason', 'until', 'added', 'removed',
  'before', 'after', 'backup', 'head', 'detail', 'grant', 'approvals', 'sig', 'prev', 'hash'];
const HEX64 = /^[0-9a-f]{64}$/;

/** sha256 of a string (UTF-8) or bytes, as lower-case hex. */
export function sha256(content: string | Uint8Array): string {
  const crypto = nodeCrypto();
  // One call where Node has it (20.12 and later): no Hash object per record of the chain.
  return typeof crypto.hash === 'function' ? crypto.hash('sha256', content, 'hex') : crypto.createHash('sha256').update(content).digest('hex');
}

/**
 * JSON with object keys sorted recursively and no whitespace; undefined object members are
 * left out, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  return canonicalJsonWithout(value, undefined);
}

/**
 * canonicalJson, leaving out the member `skip` of a top-level object. Built in one string, without
 * the intermediate arrays: the verify gate hashes every record of the log in each pre-commit hook.
 */
function canonicalJsonWithout(value: unknown, skip: string | undefined): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJsonWithout(v, undefined))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  for (const k of keys) {
    if (obj[k] === undefined || k === skip) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(k)}:${canonicalJsonWithout(obj[k], undefined)}`;
  }
  return `${out}}`;
}

/**
 * The members a record may have besides `hash` (and those of its actor and approvals), sorted as
 * canonicalJson sorts them. JSON.stringify given this list writes, at every level, only the members
 * it names and in its order: for a record whose members are all named in it, that is the record's
 * canonical JSON without `hash`, written natively (the verify gate hashes every record of the log).
 */
const HASHED_KEYS = [...LINE_ORDER.filter((k) => k !== 'hash'), 'name', 'email', 'key'].sort();
const HASHED = new Set(HASHED_KEYS);
const ACTOR_KEYS = new Set(['name', 'email']);
const APPROVAL_KEYS = new Set(['key', 'sig']);

/** A value JSON.stringify and canonicalJson write alike as a member (a function or symbol they do not). */
function scalar(v: unknown): boolean {
  const t = typeof v;
  return v === null || t === 'string' || t === 'number' || t === 'boolean' || t === 'undefined';
}

/** True when `obj` is a plain object whose members are all in `allowed` and all scalars. */
function flatWithin(obj: unknown, allowed: ReadonlySet<string>): boolean {
  if (obj === null || typeof obj !== 'object' || Object.getPrototypeOf(obj) !== Object.prototype) return false;
  const keys = Object.keys(obj);
  for (let i = 0; i < keys.length; i++) {
    if (!allowed.has(keys[i]) || !scalar((obj as Record<string, unknown>)[keys[i]])) return false;
  }
  return true;
}

/**
 * Whether JSON.stringify(record, HASHED_KEYS) is the record's canonical JSON without `hash`: a plain
 * object whose members are all named there (or `hash`), scalars but for the actor and the approvals,
 * which hold plain objects of scalars named there too. Anything else (a member a later version adds,
 * a nested `hash`, an own `__proto__` or `toJSON`) takes canonicalJsonWithout.
 */
function hashableNatively(record: object): boolean {
  if (Object.getPrototypeOf(record) !== Object.prototype) return false;
  const r = record as Record<string, unknown>;
  const keys = Object.keys(r);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = r[k];
    if (k === 'hash' || (HASHED.has(k) && scalar(v))) continue;
    if (k === 'actor') {
      if (!flatWithin(v, ACTOR_KEYS)) return false;
    } else if (k === 'approvals' && Array.isArray(v)) {
      for (let j = 0; j < v.length; j++) if (!flatWithin(v[j], APPROVAL_KEYS)) return false;
    } else {
      return false;
    }
  }
  return true;
}

/** The hash a record should carry: sha256 of the canonical JSON of the record without `hash`. */
export function recordHash(record: Omit<AuditRecord, 'hash'> | AuditRecord): string {
  return sha256(hashableNatively(record) ? JSON.stringify(record, HASHED_KEYS) : canonicalJsonWithout(record, 'hash'));
}

function without<T extends object>(obj: T, drop: readonly string[]): T {
  return Object.fromEntries(Object.entries(obj).filter(([k, v]) => v !== undefined && !drop.includes(k))) as T;
}

/** Chains `body` after `previous` (undefined for the first record): sets seq, prev and hash. */
export function sealRecord(body: AuditBody, previous: AuditRecord | undefined): AuditRecord {
  const unsealed = {
    ...without(body, ['seq', 'prev', 'hash']),
    actor: without(body.actor, []),
    seq: previous ? previous.seq + 1 : 1,
    prev: previous ? previous.hash : GENESIS,
  };
  return { ...unsealed, hash: recordHash(unsealed) };
}

/** One line of `audit.jsonl`, without the newline. */
export function renderRecord(r: AuditRecord): string {
  const ordered: Record<string, unknown> = {};
  for (const key of LINE_ORDER) if (key in r) ordered[key] = (r as unknown as Record<string, unknown>)[key];
  for (const key of Object.keys(r).sort()) if (!(key in ordered)) ordered[key] = (r as unknown as Record<string, unknown>)[key];
  if (r.actor) ordered.actor = { ...{ name: undefined, email: undefined }, ...r.actor };
  return JSON.stringify(ordered);
}

/** One line for people: `2026-11-22 10:40 change src/a.ts (BOOKING_FLOW) by Ann <ann@x> — fix typo`. */
export function describeRecord(r: AuditRecord): string {
  const when = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(r.at) ? `${r.at.slice(0, 10)} ${r.at.slice(11, 16)}` : r.at;
  const target = r.file ? (r.component ? `${r.file} (${r.component})` : r.file) : r.component;
  const who = r.actor.email ? `${r.actor.name} <${r.actor.email}>` : r.actor.name;
  const counts = r.added !== undefined || r.removed !== undefined ? ` +${r.added ?? 0} -${r.removed ?? 0}` : '';
  const why = r.reason ?? r.detail;
  return `${when} ${r.event}${target ? ` ${target}` : ''}${counts} by ${who}${why ? ` — ${why}` : ''}`;
}

/** Why `value` is not an audit record, or undefined when it is one. */
function recordProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  if (typeof r.seq !== 'number' || !Number.isSafeInteger(r.seq) || r.seq < 1) return '"seq" must be a positive integer';
  if (typeof r.prev !== 'string' || (r.prev !== GENESIS && !HEX64.test(r.prev))) return '"prev" must be a sha256 hex or GENESIS';
  if (typeof r.hash !== 'string' || !HEX64.test(r.hash)) return '"hash" must be a sha256 hex';
  if (typeof r.event !== 'string' || !(AUDIT_EVENTS as readonly string[]).includes(r.event)) {
    return `"event" must be one of ${AUDIT_EVENTS.join(', ')}`;
  }
  if (typeof r.at !== 'string' || r.at === '') return '"at" must be a time string';
  const actor = r.actor as Record<string, unknown> | null;
  if (typeof actor !== 'object' || actor === null || typeof actor.name !== 'string' || typeof actor.email !== 'string') {
    return '"actor" must have a name and an email';
  }
  // Indexed loops here and in parseAuditLog: the gate runs them cold (interpreted) on every
  // record, where for…of and forEach allocate on each step.
  for (let i = 0; i < STRING_FIELDS.length; i++) {
    const key = STRING_FIELDS[i];
    if (r[key] !== undefined && typeof r[key] !== 'string') return `"${key}" must be a string`;
  }
  if (r.approvals !== undefined) {
    const ok = Array.isArray(r.approvals) && r.approvals.length <= 8 &&
      r.approvals.every((a: unknown) => typeof a === 'object' && a !== null && typeof (a as Record<string, unknown>).key === 'string' && typeof (a as Record<string, unknown>).sig === 'string');
    if (!ok) return '"approvals" must be a list of { key, sig }';
  }
  for (const key of COUNT_FIELDS) {
    const n = r[key];
    if (n !== undefined && (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)) return `"${key}" must be a count`;
  }
  return undefined;
}

/** A line of the log that is not a record: its number (from 1) and why. */
export interface AuditLineProblem {
  line: number;
  message: string;
}

/** A log's records, and a problem for each line that is not one. */
export interface ParsedAuditLog {
  records: AuditRecord[];
  problems: AuditLineProblem[];
}

/**
 * Parses `audit.jsonl`. Lines that are not JSON, not records, or not written as
 * `JSON.stringify` writes the parsed record are reported with their 1-based line number and
 * skipped; parsing goes on. A trailing newline (or CRLF endings) is
 * fine; an empty line elsewhere is reported. `linesBefore`: the lines of the log before `text`
 * (see parseAppended), counted into the line numbers.
 */
export function parseAuditLog(text: string, linesBefore = 0): ParsedAuditLog {
  const records: AuditRecord[] = [];
  const problems: AuditLineProblem[] = [];
  const lines = wholeLogLines(text);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const line = linesBefore + i + 1;
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (content.trim() === '') {
      problems.push({ line, message: `Line ${line} is empty.` });
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch {
      problems.push({ line, message: `Line ${line} is not valid JSON.` });
      continue;
    }
    const problem = recordProblem(value);
    if (problem) {
      problems.push({ line, message: `Line ${line} is not an audit record: ${problem}.` });
      continue;
    }
    // The hash covers the parsed value, so the text must be the one way of writing it: with a
    // repeated key, a reader (or a diff) may see the first value while the hash covers the last;
    // escapes, spacing or a number spelled `1.0` hide what a reviewer reads the same way. Key
    // order is free (logs written with an older key order still pass); CR is stripped above.
    if (JSON.stringify(value) !== content) {
      problems.push({ line, message: `Line ${line} is not written the way Protected Files writes records (a repeated key, extra spaces or a re-spelled value), so it may read differently from what its hash covers.` });
      continue;
    }
    records.push(value as AuditRecord);
  }
  return { records, problems };
}

/**
 * The records of a log that parseAuditLog read without a problem before (the same bytes: see
 * src/node/verifiedLogs.ts), without checking each again: parseAuditLog(text) when a line is not
 * JSON after all.
 */
export function parseWholeAuditLog(text: string): ParsedAuditLog {
  const lines = wholeLogLines(text);
  const records: AuditRecord[] = [];
  try {
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i];
      records.push(JSON.parse(raw.endsWith('\r') ? raw.slice(0, -1) : raw) as AuditRecord);
    }
  } catch {
    return parseAuditLog(text);
  }
  return { records, problems: [] };
}

/** How many records parseWholeAuditLog(text) finds, for a log it reads without a problem: one per line. */
export function countWholeAuditLog(text: string): number {
  return wholeLogLines(text).length;
}

/** The lines of a log as parseAuditLog takes them: a last line of spaces (or nothing, after the final newline) is none. */
function wholeLogLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  return lines;
}

/**
 * `text` parsed as parseAuditLog(text) would, reading only what it appends to `previousText` (parsed
 * as `previous`): its records and problems start with the same objects. Undefined when `text` does
 * not start with `previousText` or `previousText` does not end with a whole line.
 */
export function parseAppended(
  previous: { readonly records: readonly AuditRecord[]; readonly problems: readonly AuditLineProblem[] }, previousText: string, text: string,
): ParsedAuditLog | undefined {
  if ((previousText !== '' && !previousText.endsWith('\n')) || !text.startsWith(previousText)) return undefined;
  let lines = 0;
  for (let at = previousText.indexOf('\n'); at >= 0; at = previousText.indexOf('\n', at + 1)) lines++;
  const added = parseAuditLog(text.slice(previousText.length), lines);
  return { records: [...previous.records, ...added.records], problems: [...previous.problems, ...added.problems] };
}

/**
 * Checks that each record's hash matches its content, that it points at the record before it
 * (`GENESIS` for the first) and that seq counts up by one from 1. Reports the first break.
 *
 * What the chain catches: a changed record (its hash no longer matches; and if the editor
 * recomputed that hash, the next record's `prev` no longer matches), a removed, reordered or
 * inserted record (`prev`/`seq` of the record after it). What it cannot catch on its own:
 * records cut off at the END of the log: a truncated chain is still a valid chain. That is
 * why the log is committed: git history and the verify gate (a change needs a matching
 * record) make a truncated tail visible.
 */
export function verifyChain(records: readonly AuditRecord[], from = 0): { ok: true } | { ok: false; index: number; message: string } {
  // `from`: records before it were verified already (a log that only grew); each later one is still checked against the one before it.
  for (let index = Math.max(0, from); index < records.length; index++) {
    const r = records[index];
    const previous = index > 0 ? records[index - 1] : undefined;
    const broken = chainBreak(r, previous);
    if (broken === undefined) continue;
    const where = `Record ${index + 1} (seq ${r.seq})`;
    if (broken.kind === 'changed') {
      return { ok: false, index, message: `${where} was changed after it was written: its hash does not match its content.` };
    }
    if (broken.kind === 'unlinked') {
      const message = previous
        ? `${where} does not follow record ${index} (seq ${previous.seq}): a record was removed, inserted or reordered here.`
        : `${where} should start the chain (prev GENESIS): records were removed from the start of the log.`;
      return { ok: false, index, message };
    }
    return { ok: false, index, message: `${where} should have seq ${broken.expected}.` };
  }
  return { ok: true };
}

/** How a record breaks the chain: see chainBreak. */
export type ChainBreak =
  /** Its hash does not match its content. */
  | { kind: 'changed' }
  /** Its `prev` is not the hash of the record before it (`GENESIS` for the first). */
  | { kind: 'unlinked' }
  /** Its seq is not the one after the record before it's (1 for the first). */
  | { kind: 'seq'; expected: number };

/**
 * The chain's rule for one record, checked in this order: its hash matches its content, it points at
 * the record before it (`previous`, undefined for the first: `GENESIS`), and its seq follows that
 * record's. How `r` breaks it, or undefined where it follows `previous`. The one implementation of
 * the rule: verifyChain (the commit gate, `log`, the audit view) and the breach guard's ApprovalLedger
 * (src/core/breach.ts), which takes a log record by record, both check each record with it.
 */
export function chainBreak(r: AuditRecord, previous: Pick<AuditRecord, 'seq' | 'hash'> | undefined): ChainBreak | undefined {
  if (recordHash(r) !== r.hash) return { kind: 'changed' };
  if (r.prev !== (previous ? previous.hash : GENESIS)) return { kind: 'unlinked' };
  const expected = previous ? previous.seq + 1 : 1;
  if (r.seq !== expected) return { kind: 'seq', expected };
  return undefined;
}
