// Decides which tier and component protect a path. The editor asks for every decoration, every
// save and every file event, so each glob is compiled once and indexed by its literal directories,
// each directory is worked out once (which rules hold for all its files, which remain to try on a
// basename), and answers to paths asked about more than once are memoized.
import type { MinimatchOptions } from 'minimatch';
import { GLOB_LIMITS, MAX_NAME_LENGTH, checkGlob, isGlobExcess, standInGlob } from './globBounds';
import { PROTECTION_DIR, strictestTier } from './manifest';
import type { Component, Manifest, Tier } from './manifest';
import { noteCodePath } from './codePath';
import { minimatchModule } from './minimatchModule';
import { GLOBSTAR, plainGlob } from './plainGlob';
import { climbsOut, isAscii, normalizeRelPath } from './paths';

export interface Classification {
  tier: Tier;
  /** `undefined` for the manifest folder itself (`.protection/**`). */
  component: Component | undefined;
  /**
   * The manifest glob that matched, as written; for a glob past a bound of `globBounds.ts`, the
   * stand-in that protects in its place.
   */
  pattern: string;
}

export interface MatcherOptions {
  /** Match globs without regard to case (case-insensitive file systems). */
  caseInsensitive?: boolean;
  /**
   * false for a caller that asks about each path once (the commit gate, a fresh process): no memo of
   * answers, and none of its bookkeeping per folder and basename. Default true.
   */
  memo?: boolean;
}

/** The manifest folder protects itself, so nobody unprotects a file by editing one line. */
export const PROTECTION_GLOB = '.protection/**';

/**
 * The files that hold the agents' hooks, as Set Up Agent Guards writes them (and the files that
 * could switch those hooks off): protected like `.protection/**`, at the strictest tier, so an
 * agent cannot unhook its own guard. Only these files: the rest of `.claude/`, `.cursor/`… stays
 * the user's.
 */
export const AGENT_GUARD_FILES: readonly string[] = [
  '.claude/settings.json',
  '.claude/settings.local.json',
  '.github/hooks/protected-files.json',
  '.cursor/hooks.json',
  '.gemini/settings.json',
  '.codex/hooks.json',
  '.codex/config.toml',
  '.windsurf/hooks.json',
  '.clinerules/hooks/PreToolUse',
  '.clinerules/hooks/PostToolUse',
];

/** Protects `.protection/**` while no valid manifest is known (the first one is broken or absent). */
export const BUILTIN_PROTECTION_TIER: Readonly<Tier> = Object.freeze({
  id: 'protection',
  label: 'Protection manifest',
  badge: 'PF',
  color: 'red',
  unlock: Object.freeze({ requireCode: false, approvals: 1, minReasonLength: 10, maxMinutes: 30 }),
  onBreach: 'restore',
  rank: 0,
} as const);

/** Bounds the memo: the editor asks about the same few thousand paths over and over. */
const CACHE_LIMIT = 50_000;

/** Bounds the directory cache (a workspace has far fewer folders than files). */
const DIR_LIMIT = 20_000;

/** Characters that can make a glob segment match more than its own spelling. */
const MAGIC = /[*?[\]{}()!+@\\]/;

/** A glob segment that is literal text around one `*`: with `dot: true` it matches any name that long enough starts and ends with that text. */
const ONE_STAR = /^[^*?[\]{}()!+@\\]*\*[^*?[\]{}()!+@\\]*$/;

/**
 * How a rule is decided once the path's directories are known to start with the rule's literal
 * head (the trie guarantees that):
 * - `exact`: a literal path, found by the directory and the basename, so nothing is left to check;
 * - `subtree`: `head/**`, matches every path below the head;
 * - `leaf`: `head/<one segment glob>`, matches when the path is one level below and the basename fits;
 * - `deepLeaf`: `head`, `**`, then one segment; matches when the path is anywhere below the head and
 *   the basename fits (with `dot: true` the `**` accepts any normalized directories);
 * - `general`: anything else: each directory takes its parent's positions in the rule's parts one
 *   segment further (minimatch's own test of each part, `**` matching any number of segments), so a
 *   path costs one step per folder whatever its depth; the basename is tested per file (see `DirEntry`).
 * The shortcuts are minimatch's decisions for these shapes (its `#matchGlobstar`), and the unit
 * tests check them against minimatch on random paths.
 */
type RuleKind = 'exact' | 'subtree' | 'leaf' | 'deepLeaf' | 'general';

/**
 * A parsed segment: its literal name, its pattern, or `**` (GLOBSTAR of src/core/plainGlob.ts).
 * minimatch's own `GLOBSTAR` is turned into that one as its parts come in (see `fromMinimatch`), so
 * that paths, folders and plain patterns, which are indexed without minimatch, never load it.
 */
type Part = string | RegExp | typeof GLOBSTAR;

/** Where a rule waits for a file's basename: under the basename, under its extension, or in a list. */
const BY_NAME = 0;
const BY_EXTENSION = 1;
const OTHER = 2;

interface Rule {
  /** Lower wins: strictest tier first, then declaration order of components and their globs. */
  priority: number;
  kind: RuleKind;
  /** Number of literal leading directory segments (the depth of the trie node holding the rule). */
  depth: number;
  /** The last part is `**`: the basename does not matter. */
  tailIsGlobstar: boolean;
  /** Where the trailing run of `**` parts starts (`parts.length` when the last part is not `**`). */
  tailFrom: number;
  /** Literal start and end that every matching basename has (lower-cased when matching ignores case). */
  basenamePrefix: string;
  basenameSuffix: string;
  /** `BY_NAME`, `BY_EXTENSION` or `OTHER`, and the basename or extension it is filed under. */
  filing: number;
  fileKey: string;
  /** The parsed segments, each regular expression behind `guarded`. */
  parts: Part[];
  /** Per part: the segment as matched (see `key`) where the glob has a literal one, else undefined. */
  literals: (string | undefined)[];
  /** The last part is `<prefix>*<suffix>` (matching is case-sensitive): no regular expression needed. */
  star: boolean;
  /** The last part, as minimatch compares it with the basename: a string (`===`) or a pattern. */
  lastString: string | undefined;
  last: RegExp | undefined;
  result: Classification;
}

/** An entry of a length-keyed Map: the name it stands for and what is filed under it. */
interface Named<T> {
  name: string;
  value: T;
}

/**
 * Maps keyed by the length of the name: a lookup compares the few names of that length with a
 * stretch of the path (no substring cut, no hash computed).
 */
type NamesByLength<T> = Map<number, Named<T>[]>;

/** Rules that depend on the basename of a file in one directory; lists sorted by priority. */
interface Candidates {
  byBasename: NamesByLength<Rule[]>;
  byExtension: NamesByLength<Rule[]>;
  /** Bit `min(length, 30)` is set for the length of every key of `byBasename`, resp. `byExtension`. */
  basenameLengths: number;
  extensionLengths: number;
  other: Rule[];
}

/** A `general` rule on the way down a path: the positions in its parts the folders so far reach. */
interface Active {
  rule: Rule;
  /** Indexes into `rule.parts`, each once; never empty (a rule no position is left for is dropped). */
  states: number[];
}

interface TrieNode {
  children: Map<string, TrieNode>;
  /** The rules whose literal head ends here, sorted by priority. */
  rules: Rule[];
}

/**
 * What one directory means for the files directly in it, computed once from its parent's entry
 * and its own trie node. A workspace has far fewer directories than files, so a file costs a Map
 * lookup of its directory and a test of its basename against the few candidates left.
 */
interface DirEntry {
  /** No empty, `.` or `..` segment and no backslash: paths in it need no normalization. */
  valid: boolean;
  /** Number of segments. */
  depth: number;
  /** The trie node of exactly this directory, if there is one. */
  node: TrieNode | undefined;
  /** Inherited by subdirectories: the best `head/**` (or `.protection/**`) above or at this directory. */
  subtree: Rule | undefined;
  /** Inherited: the `deepLeaf` rules whose head is this directory or above it, sorted. */
  deep: Rule[];
  /** `deep` filed for basenames; shared with subdirectories while `deep` is. */
  deepCandidates: Candidates | undefined;
  /** Inherited: the `general` rules whose head is this directory or above it and that it can still match. */
  general: Active[];
  /** The best rule that every file directly in this directory matches. */
  all: Rule | undefined;
  /** What files directly in this directory may match beyond `all`. */
  candidates: Candidates | undefined;
  /**
   * One bit per hash of the basenames looked up here (256 bits in 16-bit words): a path whose bit
   * is clear is asked about for the first time, so its answer is not memoized yet.
   */
  seen: number[] | undefined;
  /**
   * Set when a subdirectory's entry is this one's (but for `depth` and `seen`) unless its name is in
   * the set: this directory has no trie node, so no rule starts below it, and the `general` rules
   * still active move on only at literal segments, which the set holds (as `key` spells them). A
   * subdirectory then needs no derivation: most folders of a large tree (issue 8).
   */
  passThrough: ReadonlySet<string> | undefined;
}

/**
 * FNV-1a over the basename `path` has from `base` (UTF-16 code units), for `DirEntry.seen`. A
 * function of its own: the loop's iterations count toward this small function's budget for V8's
 * optimizing compiler, not toward `lookup`'s (see there).
 */
function basenameHash(path: string, base: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = base; i < path.length; i++) {
    h = Math.imul(h ^ path.charCodeAt(i), 16777619);
  }
  return h ^ (h >>> 16); // the bits `seen` uses are the low ones, which FNV mixes least
}

/** An upper-case or non-ASCII letter, searched for from `lastIndex`. */
const FOLDING = /[A-Z\u0080-\uffff]/g;

/** Whether lower-casing may change the basename of `path` (from `base`). */
function foldsFrom(path: string, base: number): boolean {
  FOLDING.lastIndex = base;
  return FOLDING.test(path);
}

function newNode(): TrieNode {
  return { children: new Map(), rules: [] };
}

function byPriority(a: Rule, b: Rule): number {
  return a.priority - b.priority;
}

function findNamed<T>(map: NamesByLength<T>, key: string, start: number, end: number): T | undefined {
  const list = map.get(end - start);
  if (list) {
    for (const named of list) {
      if (key.startsWith(named.name, start)) {
        return named.value;
      }
    }
  }
  return undefined;
}

function getOrAddNamed<T>(map: NamesByLength<T>, name: string, create: () => T): T {
  let list = map.get(name.length);
  if (!list) {
    list = [];
    map.set(name.length, list);
  }
  let named = list.find((n) => n.name === name);
  if (!named) {
    named = { name, value: create() };
    list.push(named);
  }
  return named.value;
}

/**
 * The literal characters that end a glob segment (`booking*.ts` → `.ts`): any name the segment
 * matches ends with them. Conservative: stops at any character that might be magic.
 */
function literalSuffix(segment: string): string {
  let i = segment.length;
  while (i > 0 && !MAGIC.test(segment[i - 1])) {
    i--;
  }
  return segment.slice(i);
}

/**
 * The segments of a glob that is a plain relative path (no character that may be magic, no empty,
 * `.` or `..` segment), else undefined. Such a glob matches that path alone, as minimatch would
 * (`{ dot: true }`): it is indexed without compiling it (the agents' hooks build a matcher on
 * every tool call).
 */
function literalSegments(glob: string): string[] | undefined {
  if (glob === '' || MAGIC.test(glob)) {
    return undefined;
  }
  const segments = glob.split('/');
  return segments.every(isNormalSegment) ? segments : undefined;
}

/**
 * The literal segments before the `**` of a glob that is a plain relative path followed by `/**`
 * (`src/booking/**`; `[]` for `**`), else undefined. minimatch would parse it to those segments and
 * GLOBSTAR; it is indexed so without compiling it, like literalSegments (most manifests protect
 * folders so, and a hook that needs no pattern never runs minimatch's parser).
 */
function subtreeHead(glob: string): string[] | undefined {
  if (glob === '**') {
    return [];
  }
  return glob.endsWith('/**') ? literalSegments(glob.slice(0, -3)) : undefined;
}

/** The literal characters that start a glob segment (`.env*` → `.env`). */
function literalPrefix(segment: string): string {
  let i = 0;
  while (i < segment.length && !MAGIC.test(segment[i])) {
    i++;
  }
  return segment.slice(0, i);
}

/** `states` with every position a `**` may skip to (it matches zero segments too). */
function closure(parts: readonly Part[], states: number[]): number[] {
  const out: number[] = [];
  for (let p of states) {
    for (;;) {
      if (!out.includes(p)) {
        out.push(p);
      }
      if (p >= parts.length || parts[p] !== GLOBSTAR) {
        break;
      }
      p++;
    }
  }
  return out;
}

/**
 * The positions reached from `states` by one more folder: a `**` takes it and stays, any other
 * part moves on when it matches (minimatch's own test: `===` for a string, else `test`). With
 * `dot: true` a `**` matches every segment of a normalized path. A rule whose last part is not
 * `**` keeps that part for the basename: a folder it took would leave nothing for the basename.
 */
function step(rule: Rule, states: readonly number[], segment: string): number[] {
  const parts = rule.parts;
  const stop = rule.tailIsGlobstar ? parts.length : parts.length - 1;
  const next: number[] = [];
  for (const p of states) {
    if (p >= stop) {
      continue;
    }
    const part = parts[p];
    if (part === GLOBSTAR) {
      next.push(p);
    } else if (typeof part === 'string' ? part === segment : part.test(segment)) {
      next.push(p + 1);
    }
  }
  if (next.length === 0) {
    return next;
  }
  const out = closure(parts, next);
  // Unchanged (the usual case below a leading `**`): the caller keeps its entry as it is.
  return out.length === states.length && out.every((p) => states.includes(p)) ? (states as number[]) : out;
}

/**
 * DirEntry.passThrough for a directory without a trie node whose active `general` rules are
 * `general`: the literal segments at which one of them moves on; undefined when a rule could move
 * on at some other segment (a part that is a pattern) or would not stay where it is at a segment
 * it does not take (a position that only `**` at its start kept).
 */
function passLiterals(general: readonly Active[]): Set<string> | undefined {
  // Worked out for each folder met: bounded, so a manifest of many \`**\` rules (up to the glob
  // bounds) pays nothing for it; such folders are derived one by one as before.
  if (general.length > PASS_THROUGH_RULES) {
    return undefined;
  }
  const literals = new Set<string>();
  for (const { rule, states } of general) {
    const parts = rule.parts;
    const stop = rule.tailIsGlobstar ? parts.length : parts.length - 1;
    const stays = closure(parts, states.filter((p) => p < stop && parts[p] === GLOBSTAR));
    if (stays.length !== states.length || !stays.every((p) => states.includes(p))) {
      return undefined;
    }
    for (const p of states) {
      if (p >= stop || parts[p] === GLOBSTAR) {
        continue;
      }
      const literal = rule.literals[p];
      if (literal === undefined) {
        return undefined;
      }
      literals.add(literal);
    }
  }
  return literals;
}

/** The most active \`general\` rules a folder may have for its subfolders to pass through (DirEntry.passThrough). */
const PASS_THROUGH_RULES = 16;

/** A segment that a normalized path can have: not empty, `.` or `..`, no backslash. */
function isNormalSegment(segment: string): boolean {
  return segment !== '' && segment !== '.' && segment !== '..' && !segment.includes('\\');
}

/**
 * A segment's regular expression that is not run on names longer than any file system allows:
 * such a name counts as a match. `step` only calls `test`, and a plain object keeps V8's fast path
 * for the expression itself (a RegExp subclass would lose it). Counting a match
 * only adds protection: a path can only move to a rule of a stricter or equal tier.
 */
function guarded(part: Part): Part {
  if (!(part instanceof RegExp)) {
    return part;
  }
  return { test: (name: string): boolean => name.length > MAX_NAME_LENGTH || part.test(name) } as unknown as Part;
}

/** The better (lower priority) of two rules. */
function better(a: Rule | undefined, b: Rule | undefined): Rule | undefined {
  return !a || (b && b.priority < a.priority) ? b : a;
}

/** The first rule of `candidates` (sorted by priority) that beats `best` and whose basename test passes. */
function firstFit(candidates: readonly Rule[], best: Rule | undefined, s: string, off: number, path: string, base: number): Rule | undefined {
  for (const rule of candidates) {
    if (best && rule.priority >= best.priority) {
      return best;
    }
    if (basenameFits(rule, s, off, path, base)) {
      return rule;
    }
  }
  return best;
}

/**
 * The rule's last part accepts the basename, `s` from `off` (lower-cased when matching ignores
 * case; `path` from `base` as spelled). A rule filed by its literal basename was found by it.
 */
function basenameFits(rule: Rule, s: string, off: number, path: string, base: number): boolean {
  if (rule.kind === 'exact') {
    return true;
  }
  if (!s.startsWith(rule.basenamePrefix, off) || !s.endsWith(rule.basenameSuffix)) {
    return false;
  }
  if (rule.star) {
    return s.length - off >= rule.basenamePrefix.length + rule.basenameSuffix.length;
  }
  if (rule.lastString !== undefined) {
    return path.length - base === rule.lastString.length && path.startsWith(rule.lastString, base);
  }
  return rule.last === undefined || path.length - base > MAX_NAME_LENGTH || rule.last.test(path.slice(base));
}

/**
 * Classifies workspace-relative paths against one manifest with minimatch semantics
 * (`{ dot: true }`, no negation, no comments, the same on every platform).
 *
 * Each glob is compiled once and placed in a trie by its leading literal directories. Each
 * directory a path lives in is looked at once: its entry (built from its parent's and its own
 * trie node) holds the best rule that matches every file in it and the rules left to try on a
 * basename, filed by literal basename (`package.json`, literal paths), by the extension the
 * basename must end with (`*.ts`, any-depth `*.sql`), else in a short list. Classifying a path is
 * a Map lookup of its directory and a test of the few candidates found, best priority first;
 * answers are memoized.
 */
export class ProtectionMatcher {
  /** Every glob in force, `.protection/**` first, each once, as written in the manifest. */
  readonly patterns: readonly string[];

  private readonly nocase: boolean;
  private readonly protection: Rule;
  private readonly root: TrieNode = newNode();
  private readonly cache = new Map<string, Classification | null>();
  /** Set by `lookup`: whether the path may have been looked up before (its basename's bit was set). */
  private seenBefore = true;
  private readonly memo: boolean;
  /** Directory entries by the directory as spelled in paths; the top level is `top`. */
  private readonly dirs = new Map<string, DirEntry>();
  private readonly top: DirEntry;

  constructor(manifest: Manifest | undefined, options?: MatcherOptions) {
    this.nocase = options?.caseInsensitive === true;
    this.memo = options?.memo !== false;
    const strictest = (manifest && strictestTier(manifest)) ?? BUILTIN_PROTECTION_TIER;
    const protection: Classification = { tier: strictest, component: undefined, pattern: PROTECTION_GLOB };
    this.protection = this.makeRule(-1, 'subtree', 1, [PROTECTION_DIR, GLOBSTAR], protection, [PROTECTION_DIR, '**']);
    const patterns = new Set<string>([PROTECTION_GLOB]);
    for (const file of AGENT_GUARD_FILES) {
      const segments = file.split('/'); // literal paths (see literalSegments)
      this.index(-1, segments, segments, { tier: strictest, component: undefined, pattern: file });
      patterns.add(file);
    }
    if (manifest) {
      for (const pattern of this.compile(manifest)) {
        patterns.add(pattern);
      }
    }
    this.patterns = [...patterns];
    this.top = this.derive(undefined, '', '');
  }

  /** The tier, component and glob that protect `relPath`, or `undefined` if it is not protected. */
  classify(relPath: string): Classification | undefined {
    if (!this.memo) {
      return this.lookup(relPath, true);
    }
    const cached = this.cache.get(relPath);
    if (cached !== undefined) {
      return cached ?? undefined;
    }
    this.seenBefore = true;
    const result = this.lookup(relPath, true);
    // A path asked about once (a scan of the tree) is not worth a memo entry; the second time it is.
    if (this.seenBefore) {
      if (this.cache.size >= CACHE_LIMIT) {
        this.cache.clear();
      }
      this.cache.set(relPath, result ?? null);
    }
    return result;
  }

  /**
   * Whether any file at any depth under directory `dir` (folder-relative, `''` the folder) may be
   * protected: false only where no glob can match below it, so a walk of the tree can skip it. Never
   * false for a directory whose name needs normalizing (a backslash, an empty, `.` or `..` segment).
   */
  mayProtectUnder(dir: string): boolean {
    let entry = this.top;
    if (dir !== '') {
      entry = this.dirs.get(dir) ?? this.dirEntry(dir);
    }
    if (!entry.valid || dir.includes('\\')) {
      return true;
    }
    return entry.node !== undefined || entry.subtree !== undefined || entry.deep.length > 0 || entry.general.length > 0;
  }

  /** Indexes every glob of the manifest; returns them in declaration order. */
  private compile(manifest: Manifest): string[] {
    const tiers = new Map(manifest.tiers.map((t) => [t.id, t]));
    const ordered = manifest.components
      .map((component, index) => ({ component, index, tier: tiers.get(component.tier) }))
      .filter((c): c is { component: Component; index: number; tier: Tier } => c.tier !== undefined)
      .sort((a, b) => a.tier.rank - b.tier.rank || a.index - b.index);

    const mmOptions = this.mmOptions();
    const effective = new Map<string, string>();
    let rules = 0;
    for (const component of manifest.components) {
      for (const pattern of component.files) {
        const check = checkGlob(pattern);
        const within = !isGlobExcess(check) && rules + check.rules <= GLOB_LIMITS.rules;
        // The manifest parser has already put stand-ins in; this is for manifests built in code.
        effective.set(pattern, within ? pattern : standInGlob(pattern));
        rules += within ? check.rules : 1;
      }
    }
    let priority = 0;
    for (const { component, tier } of ordered) {
      for (const written of component.files) {
        const pattern = effective.get(written) ?? standInGlob(written);
        const result: Classification = { tier, component, pattern };
        // `./src/**` means `src/**`; minimatch alone would match nothing.
        const glob = pattern.replace(/^(?:\.\/)+/, '');
        const literal = literalSegments(glob);
        if (literal) {
          this.index(priority++, literal, literal, result);
          continue;
        }
        const head = subtreeHead(glob);
        if (head) {
          this.index(priority++, [...head, GLOBSTAR], [...head, '**'], result);
          continue;
        }
        // A way of its own through the command line's parts (see minimatchModule): the code that
        // compiles and matches patterns runs only for a manifest that has some.
        noteCodePath('patterns');
        // Most patterns are plain (src/core/plainGlob.ts): parsed here as minimatch would, without it.
        const plain = plainGlob(glob, this.nocase, GLOB_LIMITS.alternatives + 1);
        if (plain) {
          for (const { parts, segments } of plain) this.index(priority, parts, segments, result);
          priority++;
          continue;
        }
        const minimatch = minimatchModule();
        const mm = new minimatch.Minimatch(glob, mmOptions);
        const fromMinimatch = (part: (typeof mm.set)[number][number]): Part => (part === minimatch.GLOBSTAR ? GLOBSTAR : part);
        // The constructor parsed each segment already: `set` is `globParts` parsed, less any
        // alternative with a segment that does not parse; of the same length, nothing was left out.
        const parsed = mm.set.length === mm.globParts.length ? mm.set : undefined;
        // One rule per alternative of a brace set, so each is indexed by its own literal parts.
        mm.globParts.forEach((segments, i) => {
          const parts: Part[] = parsed?.[i].map(fromMinimatch) ?? [];
          for (let k = parts.length; k < segments.length; k++) {
            const part = mm.parse(segments[k]);
            if (part === false) {
              break;
            }
            parts.push(fromMinimatch(part));
          }
          if (parts.length === segments.length) {
            this.index(priority, parts, segments, result);
          }
        });
        priority++;
      }
    }
    return manifest.components.flatMap((c) => (tiers.has(c.tier) ? c.files.map((f) => effective.get(f) ?? f) : []));
  }

  private mmOptions(): MinimatchOptions {
    return {
      dot: true,
      nocase: this.nocase,
      nonegate: true,
      nocomment: true,
      // Identical answers on every OS: the CLI in CI and the editor on Windows must agree.
      platform: 'linux',
      // brace-expansion stops there; `checkGlob` in compile has replaced the globs that expand further.
      braceExpandMax: GLOB_LIMITS.alternatives + 1,
    };
  }

  private key(s: string): string {
    return this.nocase ? s.toLowerCase() : s;
  }

  private index(priority: number, parts: Part[], segments: string[], result: Classification): void {
    const firstMagic = segments.findIndex((s) => MAGIC.test(s));
    const literal = firstMagic === -1;
    const depth = literal ? segments.length - 1 : firstMagic;
    const lastPart = parts[parts.length - 1];
    const tailIsGlobstar = lastPart === GLOBSTAR;
    const oneMore = depth === parts.length - 1;
    const deep = depth === parts.length - 2 && parts[depth] === GLOBSTAR && !tailIsGlobstar;
    const kind: RuleKind = literal ? 'exact'
      : oneMore && tailIsGlobstar ? 'subtree'
        : oneMore && lastPart instanceof RegExp ? 'leaf'
          : deep ? 'deepLeaf'
            : 'general';
    const rule = this.makeRule(priority, kind, depth, parts, result, segments);
    let node = this.root;
    for (let i = 0; i < depth; i++) {
      const name = this.key(segments[i]);
      let child = node.children.get(name);
      if (!child) {
        child = newNode();
        node.children.set(name, child);
      }
      node = child;
    }
    node.rules.push(rule);
    node.rules.sort(byPriority);
  }

  private makeRule(priority: number, kind: RuleKind, depth: number, parts: Part[], result: Classification, segments = parts as string[]): Rule {
    const lastPart = parts[parts.length - 1];
    const lastSegment = segments[segments.length - 1];
    const tailIsGlobstar = lastPart === GLOBSTAR;
    const basenameSuffix = tailIsGlobstar ? '' : this.key(literalSuffix(lastSegment));
    const extensionDot = basenameSuffix.lastIndexOf('.');
    const filing = tailIsGlobstar ? OTHER : !MAGIC.test(lastSegment) ? BY_NAME : extensionDot >= 0 ? BY_EXTENSION : OTHER;
    let tailFrom = parts.length;
    while (tailFrom > 0 && parts[tailFrom - 1] === GLOBSTAR) {
      tailFrom--;
    }
    return {
      priority,
      kind,
      depth,
      tailIsGlobstar,
      tailFrom,
      basenamePrefix: tailIsGlobstar ? '' : this.key(literalPrefix(lastSegment)),
      basenameSuffix,
      filing,
      // Any basename ending with the suffix has the suffix's last dot as its own last dot.
      fileKey: filing === BY_NAME ? this.key(lastSegment) : filing === BY_EXTENSION ? basenameSuffix.slice(extensionDot) : '',
      parts: parts.map(guarded),
      literals: parts.map((part, i) => (part === GLOBSTAR || MAGIC.test(segments[i]) ? undefined : this.key(segments[i]))),
      star: !this.nocase && lastPart instanceof RegExp && ONE_STAR.test(lastSegment),
      lastString: typeof lastPart === 'string' ? lastPart : undefined,
      last: lastPart instanceof RegExp ? lastPart : undefined,
      result,
    };
  }

  /**
   * The entry of directory `name` (no trailing `/`; `''` is the top, `top`): from its parent's
   * entry and its own trie node. `parent` is `undefined` only for the top.
   */
  private derive(parent: DirEntry | undefined, name: string, segment: string): DirEntry {
    const depth = parent ? parent.depth + 1 : 0;
    const segmentKey = this.key(segment);
    // Matching without regard to case, a literal part is a pattern (`/^σ$/i` also takes `ς`): only
    // an ASCII segment, which such a pattern takes exactly when its lower case is the literal's, passes.
    if (parent?.passThrough && !parent.passThrough.has(segmentKey) && isNormalSegment(segment) && (!this.nocase || isAscii(segment))) {
      // Without a memo there is no `seen` of its own to keep, and a pass-through entry is never at
      // depth 0 (the top has the trie's root), so its own `depth` decides nothing below it (only
      // `depth === 1` does): the parent's entry serves as it is, allocating nothing. The commit
      // gate classifies hundreds of paths in as many folders, in a fresh process (fewer collections).
      return this.memo ? { ...parent, depth, seen: undefined } : parent;
    }
    const node = parent ? parent.node?.children.get(segmentKey) : this.root;
    let subtree = parent?.subtree;
    let deep = parent?.deep ?? [];
    let deepCandidates = parent?.deepCandidates;
    if (depth === 1 && segmentKey === PROTECTION_DIR) {
      subtree = this.protection;
    }
    const own: Rule[] = [];
    let general: Active[] = [];
    if (node) {
      const addedDeep: Rule[] = [];
      const addedGeneral: Rule[] = [];
      for (const rule of node.rules) {
        switch (rule.kind) {
          case 'subtree':
            subtree = better(subtree, rule);
            break;
          case 'deepLeaf':
            addedDeep.push(rule);
            break;
          case 'general':
            addedGeneral.push(rule);
            break;
          default: // `exact` and `leaf`: files directly in this directory only
            own.push(rule);
        }
      }
      if (addedDeep.length > 0) {
        deep = [...deep, ...addedDeep].sort(byPriority);
        // Filed once here, then shared by the directories below while no `deepLeaf` is added.
        deepCandidates = this.candidatesOf(deep, undefined);
      }
      general = this.activate(addedGeneral, name);
    }
    // One step further for the rules active above; a rule that can no longer match, or that can
    // no longer beat the `head/**` that holds for everything below, is dropped.
    for (const active of parent?.general ?? []) {
      const { rule, states } = active;
      if (subtree && rule.priority >= subtree.priority) {
        continue;
      }
      const next = step(rule, states, segment);
      if (next.length > 0) {
        general.push(next === states ? active : { rule, states: next });
      }
    }
    const entry: DirEntry = {
      valid: (parent?.valid ?? true) && (!parent || isNormalSegment(segment)),
      depth,
      node,
      subtree,
      deep,
      deepCandidates,
      general,
      all: subtree,
      candidates: undefined,
      seen: undefined,
      passThrough: undefined,
    };
    if (subtree === this.protection) {
      entry.general = [];
      return entry; // nothing beats `.protection/**`
    }

    // `general` rules: the directories are matched by now; only the basename is left per file.
    const decided: Rule[] = [];
    for (const { rule, states } of general) {
      if (entry.all && rule.priority >= entry.all.priority) {
        continue;
      }
      if (rule.tailIsGlobstar) {
        // Ends with `**`: a basename (never `.`, `..` or empty) is swallowed whatever it is.
        if (states.some((p) => p >= rule.tailFrom && p < rule.parts.length)) {
          entry.all = better(entry.all, rule);
        }
      } else if (states.includes(rule.parts.length - 1)) {
        // The last part is left for the basename.
        decided.push(rule);
      }
    }

    if (own.length === 0 && decided.length === 0) {
      // The filed `deepLeaf` rules are shared.
      entry.candidates = deepCandidates;
    } else {
      entry.candidates = this.candidatesOf([...deep, ...own, ...decided].sort(byPriority), entry.all);
    }
    if (!node && entry.valid) {
      entry.passThrough = passLiterals(entry.general);
    }
    return entry;
  }

  /** Rules whose literal head is directory `name`: their positions after its segments. */
  private activate(rules: readonly Rule[], name: string): Active[] {
    const active: Active[] = [];
    const segments = name === '' ? [] : name.split('/');
    for (const rule of rules) {
      let states = closure(rule.parts, [0]);
      for (let i = 0; i < segments.length && states.length > 0; i++) {
        states = step(rule, states, segments[i]);
      }
      if (states.length > 0) {
        active.push({ rule, states });
      }
    }
    return active;
  }

  /** Files `rules` (sorted) for basenames, leaving out those that cannot beat `all`. */
  private candidatesOf(rules: readonly Rule[], all: Rule | undefined): Candidates {
    const candidates: Candidates = { byBasename: new Map(), byExtension: new Map(), basenameLengths: 0, extensionLengths: 0, other: [] };
    for (const rule of rules) {
      if (all && rule.priority >= all.priority) {
        break;
      }
      if (rule.filing === BY_NAME) {
        getOrAddNamed(candidates.byBasename, rule.fileKey, () => []).push(rule);
        candidates.basenameLengths |= 1 << Math.min(rule.fileKey.length, 30);
      } else if (rule.filing === BY_EXTENSION) {
        getOrAddNamed(candidates.byExtension, rule.fileKey, () => []).push(rule);
        candidates.extensionLengths |= 1 << Math.min(rule.fileKey.length, 30);
      } else {
        candidates.other.push(rule);
      }
    }
    return candidates;
  }

  /**
   * The entry of directory `name`, derived (with its ancestors) on first use. A loop, not
   * recursion: a path may be thousands of folders deep.
   */
  private dirEntry(name: string): DirEntry {
    const missing: string[] = [];
    let parent: DirEntry | undefined;
    for (let current = name; !parent;) {
      parent = this.dirs.get(current);
      if (parent) {
        break;
      }
      missing.push(current);
      const slash = current.lastIndexOf('/');
      if (slash < 0) {
        parent = this.top;
      } else {
        current = current.slice(0, slash);
      }
    }
    let entry = parent;
    for (let i = missing.length - 1; i >= 0; i--) {
      const dir = missing[i];
      entry = this.derive(entry, dir, dir.slice(dir.lastIndexOf('/') + 1));
      if (this.dirs.size >= DIR_LIMIT) {
        this.dirs.clear();
      }
      this.dirs.set(dir, entry);
    }
    return entry;
  }

  private lookup(path: string, mayNormalize: boolean): Classification | undefined {
    // The basename: where it and its extension start, whether it has a backslash. String methods,
    // not a loop over the characters: in a cold process (a commit gate, an agent's hook) such a loop
    // costs milliseconds per 500 paths in the interpreter, and makes V8 compile this function in the
    // background, which the process then waits for as it exits.
    const n = path.length;
    const slash = path.lastIndexOf('/');
    const base = slash + 1;
    let dot = path.lastIndexOf('.');
    if (dot < base) {
      dot = -1;
    }
    const backslash = path.indexOf('\\', base) >= 0;
    let dir = this.top;
    if (slash >= 0) {
      // By name (V8 hashes it natively; see above). A directory with a backslash or an empty, `.`
      // or `..` segment has an entry too, marked not valid.
      const name = path.slice(0, slash);
      dir = this.dirs.get(name) ?? this.dirEntry(name);
    }
    // The directory is known to be normal (or not); the basename is checked here: not empty, `.` or `..`.
    if (backslash || !dir.valid || n === base || (n - base <= 2 && dot === n - 1 && path.charCodeAt(base) === 46)) {
      if (!mayNormalize) {
        return undefined;
      }
      const normalized = normalizeRelPath(path);
      if (normalized === '' || normalized.charCodeAt(0) === 47 || climbsOut(normalized)) {
        return undefined; // not a path inside the folder
      }
      return this.lookup(normalized, false);
    }
    if (this.memo) {
      const seen = (dir.seen ??= [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      const baseHash = basenameHash(path, base);
      const word = (baseHash >>> 4) & 15;
      const bit = 1 << (baseHash & 15);
      if ((seen[word] & bit) === 0) {
        seen[word] |= bit;
        this.seenBefore = false;
      }
    }

    let best = dir.all;
    const candidates = dir.candidates;
    if (!candidates) {
      return best?.result;
    }
    // The basename as matched: lower-cased when matching ignores case.
    let s = path;
    let off = base;
    if (this.nocase && foldsFrom(path, base)) {
      s = path.slice(base).toLowerCase();
      off = 0;
      dot = s.lastIndexOf('.');
    }
    const end = s.length;
    if ((candidates.basenameLengths >>> Math.min(end - off, 30)) & 1) {
      const named = findNamed(candidates.byBasename, s, off, end);
      if (named) {
        best = firstFit(named, best, s, off, path, base);
      }
    }
    if (dot >= off && (candidates.extensionLengths >>> Math.min(end - dot, 30)) & 1) {
      const typed = findNamed(candidates.byExtension, s, dot, end);
      if (typed) {
        best = firstFit(typed, best, s, off, path, base);
      }
    }
    if (candidates.other.length > 0) {
      best = firstFit(candidates.other, best, s, off, path, base);
    }
    return best?.result;
  }
}

/** The protected paths among `relPaths`, each with its classification, in input order. */
export function listProtected(matcher: ProtectionMatcher, relPaths: Iterable<string>): { path: string; classification: Classification }[] {
  const out: { path: string; classification: Classification }[] = [];
  for (const path of relPaths) {
    const classification = matcher.classify(path);
    if (classification) {
      out.push({ path, classification });
    }
  }
  return out;
}
