// Reads the Markdown protocol documents that teams already keep (PROTECTED_FILES.md, a CLAUDE.md
// section, an incident write-up) and proposes tiers and components for the manifest. Text in,
// structure out: reading the file, checking which paths exist and writing the manifest live in
// src/node and src/cli. The work is bounded (lines, line length, entries) and every regular
// expression here is anchored or linear, so a crafted document cannot hang the importer.
import type { TierColor } from './manifest';
import { escapesFolder, normalizeRelPath } from './paths';

/** Lines beyond this are not read (the result says it was truncated). */
export const MAX_IMPORT_LINES = 20_000;
/** Longer lines are skipped unread: no protocol writes a path that long. */
export const MAX_IMPORT_LINE_LENGTH = 2_000;
/** Entries beyond this are dropped (the result says it was truncated). */
export const MAX_IMPORT_ENTRIES = 2_000;
const MAX_TEXT = 300;
const MAX_SKIPPED = 200;

/** A tier the document's levels call for, most strict first by `order`. */
export interface ImportedTier {
  id: string;
  label: string;
  badge: string;
  color: TierColor;
  requireCode: boolean;
  onBreach: 'restore' | 'warn';
  /** Smaller is stricter. */
  order: number;
}

/** One protected glob and where it came from. */
export interface ImportedFile {
  glob: string;
  /** 1-based line of the document. */
  line: number;
  /** How the document wrote it: `code block`, `tree`, `table`, `list`. */
  shape: string;
}

export interface ImportedComponent {
  name: string;
  /** An `ImportedTier` id. */
  tier: string;
  files: ImportedFile[];
  risk: string;
  impact: string;
  owners: string[];
  /** Where the name came from, for the preview: `heading "…"`, `unlock phrase`, `table column`, `level`. */
  nameFrom: string;
}

/** A part of the document that looked relevant but was not imported, and why. */
export interface SkippedPart {
  line: number;
  text: string;
  reason: string;
}

export interface ProtocolImport {
  tiers: ImportedTier[];
  components: ImportedComponent[];
  skipped: SkippedPart[];
  /** The document was longer than the importer reads, or listed more entries than it takes. */
  truncated: boolean;
}

// ---------------------------------------------------------------------------------------------
// Levels

interface LevelDef {
  id: string;
  label: string;
  badge: string;
  color: TierColor;
  requireCode: boolean;
  onBreach: 'restore' | 'warn';
  order: number;
}

const WORD_LEVELS: Record<string, LevelDef> = {
  critical: { id: 'critical', label: 'Critical', badge: 'CR', color: 'red', requireCode: true, onBreach: 'restore', order: 10 },
  high: { id: 'high', label: 'High', badge: 'HI', color: 'orange', requireCode: true, onBreach: 'restore', order: 20 },
  medium: { id: 'medium', label: 'Medium', badge: 'ME', color: 'yellow', requireCode: false, onBreach: 'warn', order: 30 },
  low: { id: 'low', label: 'Low', badge: 'LO', color: 'green', requireCode: false, onBreach: 'warn', order: 40 },
};

const TIER_COLORS_BY_NUMBER: readonly TierColor[] = ['red', 'orange', 'yellow', 'green'];

function tierLevel(n: number): LevelDef {
  return {
    id: `tier${n}`, label: `Tier ${n}`, badge: `T${n}`, color: TIER_COLORS_BY_NUMBER[Math.min(n, 4) - 1],
    requireCode: n <= 2, onBreach: n === 1 ? 'restore' : 'warn', order: n * 10,
  };
}

/** A marker's meaning: a level, "protected at the section's level", or "safe to edit". */
const MARKERS: ReadonlyArray<[string, string]> = [
  ['⛔', 'critical'], ['🚫', 'critical'], ['🔴', 'critical'], ['🟠', 'high'], ['⚠️', 'high'], ['⚠', 'high'],
  ['🟡', 'medium'], ['🟢', 'low'], ['🔒', 'locked'], ['🔐', 'locked'], ['✅', 'safe'],
];

const WORD_RE = /\b(CRITICAL|HIGH|MEDIUM|LOW)\b/;
const WORD_RE_ANY_CASE = /\b(critical|high|medium|low)\b/i;
const TIER_RE = /\b(?:tier|level|t)[ _-]?([1-9])\b/i;
const SAFE_RE = /\b(?:safe to (?:edit|change|modify)|SAFE|UNPROTECTED|not protected)\b/;
const LOCKED_RE = /\b(?:LOCKED|DO NOT (?:TOUCH|MODIFY|EDIT|CHANGE)|NEVER (?:TOUCH|MODIFY|EDIT|CHANGE)|PROTECTED|FROZEN)\b/i;

interface LevelHit {
  /** A level id (`critical`, `tier2`…), `locked` (protected, level from context) or `safe`. */
  kind: string;
  def?: LevelDef;
}

/**
 * The level a piece of text names: "Tier 2" and "T2" first, then CRITICAL/HIGH/MEDIUM/LOW
 * (in capitals unless `anyCase`, so "high traffic" in prose names nothing), then the markers.
 */
function levelIn(text: string, anyCase: boolean): LevelHit | undefined {
  const tier = TIER_RE.exec(text);
  if (tier && (anyCase || /^(?:T|Tier|TIER|Level|LEVEL)/.test(tier[0]))) {
    const def = tierLevel(Number(tier[1]));
    return { kind: def.id, def };
  }
  const word = (anyCase ? WORD_RE_ANY_CASE : WORD_RE).exec(text);
  if (word) {
    const def = WORD_LEVELS[word[1].toLowerCase()];
    return { kind: def.id, def };
  }
  if (SAFE_RE.test(text)) return { kind: 'safe' };
  for (const [marker, kind] of MARKERS) {
    if (text.includes(marker)) return { kind, def: WORD_LEVELS[kind] };
  }
  if (LOCKED_RE.test(text)) return { kind: 'locked' };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Paths

type Candidate = { glob: string } | { reason: string };

const PATH_CHARS = /^[\w.\-/*?{}[\],@+~!]+$/;
const EXTENSION = /^(?=[0-9]*[A-Za-z])[A-Za-z0-9]{1,12}$/;

/** A file name with an extension (`a.ts`, `.env`), not a version number (`1.2`). */
function hasExtension(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot >= 0 && EXTENSION.test(name.slice(dot + 1));
}

/** `s` without the trailing characters in `chars` (a loop: `[x]+$` backtracks on long runs). */
function trimEndChars(s: string, chars: string): string {
  let end = s.length;
  while (end > 0 && chars.includes(s[end - 1])) end--;
  return s.slice(0, end);
}
const MARKER_CHARS = /^(?:[\u2600-\u27BF\uFE0F\u200D]|\uD83C[\uDD00-\uDFFF]|\uD83D[\uDC00-\uDFFF]|\uD83E[\uDD00-\uDFFF])+/;

/** Removes leading emoji markers and the spaces after them. */
function stripMarkers(text: string): string {
  let s = text.trimStart();
  for (let i = 0; i < 8; i++) {
    const m = MARKER_CHARS.exec(s);
    if (!m) break;
    s = s.slice(m[0].length).trimStart();
  }
  return s;
}

/**
 * The manifest glob for a path written in the document, or why it is not one. `loose` accepts
 * a bare name without a slash or an extension (tree items, `File:` values); elsewhere such a
 * word is prose. `base` is the tree's root folder. A directory (`ui/`) protects everything
 * under it (`ui/**`). Never returns a glob that leaves the folder.
 */
export function globFromPath(raw: string, options: { loose?: boolean; base?: string } = {}): Candidate {
  if (raw.length > 2 * MAX_TEXT) return { reason: 'too long for a path' };
  let s = stripMarkers(raw.trim());
  for (const mark of ['**', '__', '`', '"', "'"]) {
    if (s.length > 2 * mark.length && s.startsWith(mark) && s.endsWith(mark)) s = s.slice(mark.length, -mark.length);
  }
  s = trimEndChars(s, ',;:');
  if (s.endsWith('.') && !s.endsWith('..') && s.length > 1 && s !== './') s = s.slice(0, -1);
  if (s === '') return { reason: 'empty' };
  if (s.length > MAX_TEXT) return { reason: 'too long for a path' };
  if (/^[A-Za-z]:[\\/]/.test(s) || s.startsWith('\\\\')) return { reason: 'Windows absolute path' };
  if (s.includes('://')) return { reason: 'a URL, not a path' };
  if (s.startsWith('~')) return { reason: 'a home-directory path, outside the folder' };
  if (/\s/.test(s)) return { reason: 'not a path' };
  if (s.includes('\\')) return { reason: 'a backslash path: write it with /' };
  if (!PATH_CHARS.test(s)) return { reason: 'not a path' };
  if (s.startsWith('/')) return { reason: 'an absolute path, outside the folder' };
  s = s.replace(/^(?:\.\/)+/, '');
  const isDir = s.endsWith('/');
  const body = trimEndChars(s, '/');
  if (body === '' || body === '.' || body === '..') return { reason: 'not a path' };
  if (!options.loose && !body.includes('/') && !body.includes('*') && !hasExtension(body)) return { reason: 'not a path' };
  const base = options.base ? trimEndChars(options.base, '/') : '';
  const full = base ? `${base}/${body}` : body;
  if (escapesFolder(full)) return { reason: 'escapes the folder' };
  const glob = normalizeRelPath(full) + (isDir ? '/**' : '');
  if (escapesFolder(glob) || glob === '' || glob.startsWith('/')) return { reason: 'escapes the folder' };
  if (glob.replace(/[*/]/g, '') === '') return { reason: 'would protect the whole folder' };
  return { glob };
}

// ---------------------------------------------------------------------------------------------
// Text helpers

/** Markdown emphasis and code marks removed, whitespace collapsed, bounded. */
function plain(text: string): string {
  const s = stripMarkers(text).replace(/\*\*|__|`/g, '').replace(/\s+/g, ' ').trim();
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s;
}

/** Strips what separates a path from the note beside it: `#`, `//`, `--`, `—`, `-`, `:`, `←`, `<-`. */
function noteText(text: string): string {
  return plain(text.replace(/^\s*(?:#+|\/\/|--+|—|–|-|:|←|<-|=>|→|\|)\s*/, ''));
}

const IMPACT_RE = /\$\s?\d[\d,.]*\+?(?:\s?[kKmM]\b)?(?:\s?(?:\/|per )\s?(?:day|hour|hr|week|month|year|min(?:ute)?))?/;

/** A component name the one-line unlock form can carry: `Booking flow` → `BOOKING_FLOW`. */
function componentName(text: string): string {
  const name = trimEndChars(text.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+/, ''), '_');
  return name.length > 48 ? trimEndChars(name.slice(0, 48), '_') : name;
}

const UNLOCK_RE = /\bUNLOCK\s+([A-Z][A-Z0-9_.-]{1,63})\b/g;
const NOT_NAMES = new Set(['WITH', 'CODE', 'FOR', 'THE', 'IT', 'A', 'AN', 'REQUEST', 'PHRASE', 'CODES']);

function unlockNames(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(UNLOCK_RE)) if (!NOT_NAMES.has(m[1])) out.push(m[1]);
  return out;
}

const NAME_STOPWORDS = new Set([
  'FILES', 'FILE', 'PROTECTED', 'PROTECTION', 'LEVEL', 'TIER', 'PRIORITY', 'RISK', 'DO', 'NOT', 'TOUCH', 'MODIFY',
  'EDIT', 'NEVER', 'ZONE', 'THE', 'AND', 'LIST', 'PATHS', 'LOCKED', 'CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'T1', 'T2',
  'T3', 'T4', 'DIRECTORIES', 'FOLDERS', 'AREAS', 'SYSTEMS', 'OF', 'IN', 'ONLY', 'WITHOUT', 'APPROVAL', 'STRICT',
]);

/** The component a heading names, or undefined for a heading that only names a level ("🔴 Critical files"). */
function headingName(text: string): string | undefined {
  const explicit = /[(`]([A-Z][A-Z0-9_]{2,47})[)`]/.exec(text);
  if (explicit) return explicit[1];
  const words = componentName(plain(text).replace(/\bTier[ _-]?[0-9]\b/gi, ' ')).split('_').filter((w) => w !== '' && !NAME_STOPWORDS.has(w) && !/^[0-9]+$/.test(w));
  return words.length > 0 ? words.join('_') : undefined;
}

// ---------------------------------------------------------------------------------------------
// The reader

interface Section {
  depth: number;
  level?: LevelHit;
  name?: string;
  title: string;
  unlock: Set<string>;
  parent?: Section;
}

interface Entry {
  glob: string;
  line: number;
  shape: string;
  level?: LevelHit;
  section: Section;
  risk: string[];
  impact: string[];
  owners: string[];
  name?: string;
  nameFrom?: string;
}

interface TextLine {
  text: string;
  line: number;
}

const FENCE_RE = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)/;
const HEADING_RE = /^ {0,3}(#{1,6})\s+(.*)$/;
const KEY_RE = /^\s*(?:[-*+]\s+|\d{1,3}[.)]\s+)?(?:\*\*|__)?(File|Files|Path|Paths|Location|State|Status|Level|Tier|Priority|Severity|Risk|Reason|Why|Impact|Cost|Owner|Owners|Contact|Approvers?|Component|Unlock)(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(.*)$/i;
const BULLET_RE = /^\s*(?:[-*+]|\d{1,3}[.)])\s+(.*)$/;
const CODE_SPAN_RE = /`([^`]+)`/g;
/** Fence languages whose lines may be file lists; anything else (ts, python, sh, powershell…) is example code. */
const LISTING_LANGUAGES = new Set(['', 'text', 'txt', 'plain', 'plaintext', 'tree', 'files', 'filelist', 'paths', 'gitignore', 'codeowners', 'none', 'md', 'markdown']);
const TREE_BRANCH_RE = /[├└]──?/;
const CODE_LIKE_RE = /[;{}=()<>]|^\s*(?:import|export|const|let|var|function|def|class|return|if|for|while|echo|cd|npm|npx|yarn|pnpm|git|sudo|pip|python|node|curl|Set-|Get-|New-|Remove-)\b|^\s*\$\s/;

class Reader {
  readonly entries: Entry[] = [];
  readonly skipped: SkippedPart[] = [];
  truncated = false;
  private section: Section = { depth: 0, title: '', unlock: new Set() };
  /** The entries that `State:`/`Risk:` lines beneath them describe. */
  private current: Entry[] = [];

  skip(line: number, text: string, reason: string): void {
    if (this.skipped.length < MAX_SKIPPED) this.skipped.push({ line, text: plain(text).slice(0, 120), reason });
  }

  private add(glob: string, line: number, shape: string, level: LevelHit | undefined, note = ''): Entry | undefined {
    if (this.entries.length >= MAX_IMPORT_ENTRIES) {
      this.truncated = true;
      return undefined;
    }
    const entry: Entry = { glob, line, shape, level, section: this.section, risk: [], impact: [], owners: [] };
    this.describe(entry, note);
    this.entries.push(entry);
    return entry;
  }

  /** Puts the note beside an entry into its risk (and an amount like `$10k/day` into its impact). */
  private describe(entry: Entry, note: string): void {
    const text = noteText(note);
    if (text === '') return;
    const names = unlockNames(text);
    if (names.length === 1) {
      entry.name = names[0];
      entry.nameFrom = 'unlock phrase';
    }
    const impact = IMPACT_RE.exec(text);
    if (impact && entry.impact.length === 0) entry.impact.push(impact[0].trim());
    const risk = plain(stripMarkers(text.replace(/\bUNLOCK\s+[A-Z][\w.-]*.*$/, '')).replace(/^(?:CRITICAL|HIGH|MEDIUM|LOW|LOCKED|Tier \d|T\d)\b[\s:—–-]*/i, ''));
    if (risk !== '' && !/^(?:CRITICAL|HIGH|MEDIUM|LOW|LOCKED|Tier \d|T\d)\.?$/i.test(risk)) entry.risk.push(risk);
  }

  read(text: string): void {
    const lines = text.split(/\r\n|\r|\n/);
    if (lines.length > MAX_IMPORT_LINES) {
      this.truncated = true;
      lines.length = MAX_IMPORT_LINES;
    }
    let i = 0;
    while (i < lines.length) {
      const raw = lines[i];
      const lineNo = i + 1;
      if (raw.length > MAX_IMPORT_LINE_LENGTH) {
        this.skip(lineNo, raw.slice(0, 60), `line longer than ${MAX_IMPORT_LINE_LENGTH} characters`);
        i++;
        continue;
      }
      const fence = FENCE_RE.exec(raw);
      if (fence) {
        const close = new RegExp(`^ {0,3}${fence[1][0] === '`' ? '`' : '~'}{${fence[1].length},}\\s*$`);
        const body: TextLine[] = [];
        let j = i + 1;
        while (j < lines.length && !close.test(lines[j].length > MAX_IMPORT_LINE_LENGTH ? '' : lines[j])) {
          body.push({ text: lines[j].length > MAX_IMPORT_LINE_LENGTH ? '' : lines[j], line: j + 1 });
          j++;
        }
        this.codeBlock(fence[2].toLowerCase(), body, lineNo);
        i = j + 1;
        continue;
      }
      const heading = HEADING_RE.exec(raw);
      if (heading) {
        this.heading(heading[1].length, trimEndChars(heading[2], ' \t#'));
        i++;
        continue;
      }
      if (/^\s*\|/.test(raw)) {
        const rows: TextLine[] = [];
        while (i < lines.length && /^\s*\|/.test(lines[i]) && lines[i].length <= MAX_IMPORT_LINE_LENGTH) {
          rows.push({ text: lines[i], line: i + 1 });
          i++;
        }
        this.table(rows);
        continue;
      }
      if (TREE_BRANCH_RE.test(raw)) {
        const root = i > 0 ? lines[i - 1] : '';
        const block: TextLine[] = [{ text: root, line: i }];
        while (i < lines.length && /[├└│]/.test(lines[i]) && lines[i].length <= MAX_IMPORT_LINE_LENGTH) {
          block.push({ text: lines[i], line: i + 1 });
          i++;
        }
        this.tree(block);
        continue;
      }
      this.proseLine(raw, lineNo);
      i++;
    }
  }

  private heading(depth: number, title: string): void {
    let parent: Section | undefined = this.section;
    while (parent && parent.depth >= depth) parent = parent.parent;
    const level = levelIn(title, true);
    // The document's title (#) names the document, not a component.
    const name = depth > 1 ? headingName(title) : undefined;
    this.section = { depth, title: plain(title), level, name, unlock: new Set(unlockNames(title)), parent };
    this.current = [];
  }

  private keyValue(key: string, value: string, lineNo: number, shape: string): boolean {
    const k = key.toLowerCase();
    if (k === 'file' || k === 'files' || k === 'path' || k === 'paths' || k === 'location') {
      const spans = [...value.matchAll(CODE_SPAN_RE)].map((m) => m[1]);
      const first = value.trim().split(/\s/)[0] ?? '';
      const raws = spans.length > 0 ? spans : [first];
      const note = spans.length > 0 ? value.replace(CODE_SPAN_RE, ' ') : value.trim().slice(first.length);
      const level = levelIn(value, false);
      const added: Entry[] = [];
      for (const raw of raws.flatMap((r) => r.split(/,\s*/))) {
        const c = globFromPath(raw, { loose: true });
        if ('reason' in c) this.skip(lineNo, raw, c.reason);
        else {
          const e = this.add(c.glob, lineNo, shape, level, note);
          if (e) added.push(e);
        }
      }
      this.current = added;
      return true;
    }
    if (this.current.length === 0) {
      if (k === 'unlock') for (const n of unlockNames(value)) this.section.unlock.add(n);
      return false;
    }
    const text = plain(value);
    for (const e of this.current) {
      switch (k) {
        case 'state': case 'status': case 'level': case 'tier': case 'priority': case 'severity': {
          const level = levelIn(value, true);
          if (level) e.level = level;
          const rest = plain(value.replace(WORD_RE_ANY_CASE, '').replace(/\bLOCKED\b/i, ''));
          if (rest.replace(/[^\w]/g, '') !== '' && (k === 'state' || k === 'status')) e.risk.push(`State: ${noteText(rest)}`);
          break;
        }
        case 'risk': case 'reason': case 'why':
          this.describe(e, value);
          break;
        case 'impact': case 'cost':
          if (text !== '') e.impact.push(text);
          break;
        case 'owner': case 'owners': case 'contact': case 'approver': case 'approvers':
          e.owners.push(...value.split(/[,;]|\s+and\s+/).map((o) => plain(o)).filter((o) => o !== ''));
          break;
        case 'component': {
          const name = componentName(text);
          if (name !== '') {
            e.name = name;
            e.nameFrom = 'Component: line';
          }
          break;
        }
        case 'unlock': {
          const names = unlockNames(value);
          if (names.length === 1) {
            e.name = names[0];
            e.nameFrom = 'unlock phrase';
          }
          break;
        }
      }
    }
    return true;
  }

  private proseLine(raw: string, lineNo: number): void {
    const kv = KEY_RE.exec(raw);
    if (kv && this.keyValue(kv[1], kv[2], lineNo, 'list')) return;
    const names = unlockNames(raw);
    for (const n of names) this.section.unlock.add(n);
    const bullet = BULLET_RE.exec(raw);
    if (!bullet) return;
    const content = bullet[1];
    const span = /`([^`]+)`/.exec(content);
    let rawPath: string;
    let note: string;
    if (span && span.index <= 12) {
      rawPath = span[1];
      note = content.slice(span.index + span[0].length);
    } else {
      const stripped = stripMarkers(content.replace(/^\[[ xX]\]\s*/, '')).replace(/^(?:\*\*|__)/, '');
      rawPath = stripped.split(/\s/)[0];
      if (!rawPath.includes('/')) return; // prose
      note = stripped.slice(rawPath.length);
    }
    const c = globFromPath(rawPath);
    if ('reason' in c) {
      if (span && c.reason !== 'not a path') this.skip(lineNo, rawPath, c.reason);
      return;
    }
    const level = levelIn(content, false);
    if (level?.kind === 'safe') {
      this.skip(lineNo, rawPath, 'marked safe to edit');
      return;
    }
    const e = this.add(c.glob, lineNo, 'list', level, note);
    this.current = e ? [e] : [];
  }

  private codeBlock(lang: string, body: TextLine[], startLine: number): void {
    const endLine = body.length > 0 ? body[body.length - 1].line + 1 : startLine + 1;
    if (!LISTING_LANGUAGES.has(lang)) {
      this.skip(startLine, `\`\`\`${lang}`, `${lang} code block (lines ${startLine}–${endLine}): example code`);
      return;
    }
    const nonEmpty = body.filter((l) => l.text.trim() !== '');
    if (nonEmpty.some((l) => TREE_BRANCH_RE.test(l.text))) {
      this.tree(nonEmpty);
      return;
    }
    const codeLike = nonEmpty.filter((l) => CODE_LIKE_RE.test(l.text) && !KEY_RE.test(l.text)).length;
    if (nonEmpty.length > 0 && codeLike * 2 >= nonEmpty.length) {
      this.skip(startLine, nonEmpty[0].text, `code block (lines ${startLine}–${endLine}) that reads as example code`);
      return;
    }
    const blockEntries: Entry[] = [];
    let described = false;
    for (const { text, line } of nonEmpty) {
      const kv = KEY_RE.exec(text);
      if (kv) {
        if (/^(?:file|files|path|paths|location)$/i.test(kv[1])) {
          this.keyValue(kv[1], kv[2], line, 'code block');
          blockEntries.push(...this.current);
        } else if (this.keyValue(kv[1], kv[2], line, 'code block')) {
          described = true;
        }
        continue;
      }
      for (const n of unlockNames(text)) this.section.unlock.add(n);
      const content = stripMarkers(text.replace(/^\s*(?:[-*+]|\d{1,3}[.)])\s+/, ''));
      const rawPath = content.split(/\s/)[0];
      const c = globFromPath(rawPath);
      if ('reason' in c) {
        if (!/^UNLOCK\b/.test(content)) this.skip(line, text, c.reason);
        continue;
      }
      const level = levelIn(text, false);
      if (level?.kind === 'safe') {
        this.skip(line, rawPath, 'marked safe to edit');
        continue;
      }
      const e = this.add(c.glob, line, 'code block', level, content.slice(rawPath.length));
      if (e) {
        blockEntries.push(e);
        this.current = [e];
      }
    }
    // Lines beneath the block describe all of its files, unless the block described each itself.
    if (!described) this.current = blockEntries;
  }

  /** A tree drawing: `root/` then `├── name` lines; depth from the column of the branch. */
  private tree(block: TextLine[]): void {
    let base = '';
    interface Item { path: string; column: number; dir: boolean; hasChildren: boolean; covered: boolean; note: string; level?: LevelHit; line: number; raw: string }
    const items: Item[] = [];
    const stack: Item[] = [];
    let rootSeen = false;
    for (const { text, line } of block) {
      const branch = TREE_BRANCH_RE.exec(text);
      if (!branch) {
        if (items.length === 0 && !rootSeen) {
          const root = stripMarkers(text.trim()).split(/\s/)[0] ?? '';
          if (root === '/' || root === '.' || root === './') {
            rootSeen = true;
          } else if (root.endsWith('/')) {
            const c = globFromPath(root, { loose: true });
            if ('glob' in c) {
              base = c.glob.replace(/\/\*\*$/, '');
              rootSeen = true;
            } else if (root !== '') {
              // Items under a root outside the folder are not the folder's files of the same name.
              this.skip(line, root, `tree root ${c.reason}: the tree is skipped`);
              return;
            }
          }
        }
        continue;
      }
      const column = branch.index;
      const rest = stripMarkers(text.slice(column + branch[0].length).replace(/^[─\s]+/, ''));
      const name = rest.split(/\s/)[0] ?? '';
      const note = rest.slice(name.length);
      while (stack.length > 0 && stack[stack.length - 1].column >= column) stack.pop();
      const parent = stack[stack.length - 1];
      if (parent) parent.hasChildren = true;
      const prefix = parent ? parent.path : base;
      const item: Item = {
        path: prefix ? `${prefix}/${trimEndChars(name, '/')}` : trimEndChars(name, '/'),
        column, dir: name.endsWith('/'), hasChildren: false, covered: parent !== undefined && (parent.covered || parent.level !== undefined), note, level: levelIn(text.slice(column), false), line, raw: name,
      };
      items.push(item);
      stack.push(item);
    }
    const marked = items.some((it) => it.level !== undefined && it.level.kind !== 'safe');
    for (const it of items) {
      if (it.level?.kind === 'safe') {
        this.skip(it.line, it.raw, 'marked safe to edit');
        continue;
      }
      if (it.hasChildren && (!marked || it.level === undefined)) continue; // a folder whose items are listed
      if (marked && it.level === undefined) {
        if (it.covered) continue; // inside a marked folder
        this.skip(it.line, it.raw, 'not marked in the tree');
        continue;
      }
      const c = globFromPath(it.path + (it.dir || it.hasChildren ? '/' : ''), { loose: true });
      if ('reason' in c) {
        this.skip(it.line, it.raw, c.reason);
        continue;
      }
      this.add(c.glob, it.line, 'tree', it.level, it.note);
    }
    this.current = [];
  }

  private table(rows: TextLine[]): void {
    const cells = (row: string): string[] => {
      const parts = row.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/);
      return parts.map((p) => p.trim());
    };
    if (rows.length < 2 || !/^[\s|:-]+$/.test(rows[1].text)) return; // not a table with a header
    const header = cells(rows[0].text).map((h) => plain(h).toLowerCase());
    const find = (re: RegExp, not: number[] = []): number => header.findIndex((h, i) => re.test(h) && !not.includes(i));
    let pathCol = find(/\b(?:file|files|path|paths|glob|location|directory|folder)\b/);
    const levelCol = find(/\b(?:level|tier|risk level|severity|priority|criticality|status|state)\b/, [pathCol]);
    const riskCol = find(/\b(?:risk|reason|why|notes?|description|what breaks|purpose)\b/, [pathCol, levelCol]);
    const impactCol = find(/\b(?:impact|cost)\b/, [pathCol, levelCol, riskCol]);
    const nameCol = find(/\b(?:component|area|system|name|feature)\b/, [pathCol, levelCol, riskCol, impactCol]);
    const ownerCol = find(/\b(?:owners?|contact|approvers?)\b/, [pathCol, levelCol, riskCol, impactCol, nameCol]);
    const body = rows.slice(2);
    if (pathCol < 0) {
      pathCol = header.findIndex((_, col) => body.some((r) => {
        const cell = cells(r.text)[col] ?? '';
        const span = /`([^`]+)`/.exec(cell);
        return 'glob' in globFromPath(span ? span[1] : cell);
      }));
      if (pathCol < 0) return;
    }
    for (const { text, line } of body) {
      const row = cells(text);
      const cell = row[pathCol] ?? '';
      const spans = [...cell.matchAll(CODE_SPAN_RE)].map((m) => m[1]);
      const raws = (spans.length > 0 ? spans : cell.split(/<br\s*\/?>|,\s*/i)).map((r) => r.trim()).filter((r) => r !== '');
      const level = levelCol >= 0 ? levelIn(row[levelCol] ?? '', true) : levelIn(text, false);
      if (level?.kind === 'safe') {
        this.skip(line, cell, 'marked safe to edit');
        continue;
      }
      for (const raw of raws) {
        const c = globFromPath(raw, { loose: spans.length > 0 });
        if ('reason' in c) {
          this.skip(line, raw, c.reason);
          continue;
        }
        const e = this.add(c.glob, line, 'table', level, riskCol >= 0 ? row[riskCol] ?? '' : '');
        if (!e) continue;
        if (impactCol >= 0 && plain(row[impactCol] ?? '') !== '') e.impact = [plain(row[impactCol] ?? '')];
        if (ownerCol >= 0) e.owners.push(...(row[ownerCol] ?? '').split(/[,;]|<br\s*\/?>/i).map((o) => plain(o)).filter((o) => o !== '' && o !== '-'));
        const nameCell = nameCol >= 0 ? row[nameCol] ?? '' : '';
        const unlock = unlockNames(nameCell);
        const name = unlock[0] ?? componentName(plain(nameCell));
        if (name !== '') {
          e.name = name;
          e.nameFrom = 'table column';
        }
      }
    }
    this.current = [];
  }
}

function joinDistinct(parts: readonly string[], separator: string): string {
  const text = [...new Set(parts.filter((p) => p !== ''))].join(separator);
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

/** The level of an entry: its own, else the nearest heading's; `locked` takes the heading's or the default. */
function levelOf(entry: Entry, fallback: LevelDef): LevelDef {
  if (entry.level?.def) return entry.level.def;
  for (let s: Section | undefined = entry.section; s; s = s.parent) if (s.level?.def) return s.level.def;
  return fallback;
}

/** The component name of an entry and where it came from. */
function nameOf(entry: Entry, level: LevelDef): { name: string; from: string } {
  if (entry.name) return { name: entry.name, from: entry.nameFrom ?? 'the entry' };
  for (let s: Section | undefined = entry.section; s; s = s.parent) {
    if (s.unlock.size === 1) return { name: [...s.unlock][0], from: `unlock phrase under "${s.title}"` };
    if (s.name) return { name: s.name, from: `heading "${s.title}"` };
  }
  return { name: `${level.id.toUpperCase()}_FILES`, from: 'level' };
}

/**
 * What `text` (a Markdown protocol document) protects: tiers from its levels, most strict first;
 * components from its headings, unlock phrases or table columns; globs from the files and
 * directories it lists. Example code (fenced TypeScript, Python, shell, PowerShell… or blocks
 * that read as code), absolute and Windows paths, and globs that would leave the folder are
 * skipped and listed in `skipped` with the reason.
 */
export function importProtocol(text: string): ProtocolImport {
  const reader = new Reader();
  reader.read(text);
  const explicit = reader.entries.map((e) => e.level?.def).filter((d): d is LevelDef => d !== undefined);
  for (const e of reader.entries) {
    for (let s: Section | undefined = e.section; s; s = s.parent) if (s.level?.def) explicit.push(s.level.def);
  }
  const fallback = explicit.sort((a, b) => a.order - b.order)[0] ?? WORD_LEVELS.critical;

  const tiers = new Map<string, ImportedTier>();
  const components = new Map<string, ImportedComponent>();
  const risks = new Map<string, string[]>();
  const impacts = new Map<string, string[]>();
  for (const entry of reader.entries) {
    const level = levelOf(entry, fallback);
    tiers.set(level.id, { id: level.id, label: level.label, badge: level.badge, color: level.color, requireCode: level.requireCode, onBreach: level.onBreach, order: level.order });
    const { name: baseName, from } = nameOf(entry, level);
    // One component has one tier: the same name at two levels becomes NAME_HIGH beside NAME.
    let name = baseName;
    const existing = components.get(name);
    if (existing && existing.tier !== level.id) name = `${baseName}_${level.id.toUpperCase()}`;
    let component = components.get(name);
    if (!component) {
      component = { name, tier: level.id, files: [], risk: '', impact: '', owners: [], nameFrom: from };
      components.set(name, component);
      risks.set(name, []);
      impacts.set(name, []);
    }
    if (!component.files.some((f) => f.glob === entry.glob)) component.files.push({ glob: entry.glob, line: entry.line, shape: entry.shape });
    risks.get(name)?.push(...entry.risk);
    impacts.get(name)?.push(...entry.impact);
    for (const o of entry.owners) if (!component.owners.includes(o)) component.owners.push(o);
  }
  for (const c of components.values()) {
    c.risk = joinDistinct(risks.get(c.name) ?? [], '; ');
    c.impact = joinDistinct(impacts.get(c.name) ?? [], '; ');
  }
  return {
    tiers: [...tiers.values()].sort((a, b) => a.order - b.order || a.id.localeCompare(b.id)),
    components: [...components.values()],
    skipped: reader.skipped,
    truncated: reader.truncated,
  };
}
