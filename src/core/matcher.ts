// Decides which tier and component protect a path. The editor asks for every decoration, every
// save and every file event, so each glob is compiled once, literal paths are a Map lookup, the
// other globs are indexed so that only plausible candidates are tried, and answers are memoized.
import { GLOBSTAR, Minimatch } from 'minimatch';
import type { MinimatchOptions, ParseReturnFiltered } from 'minimatch';
import { PROTECTION_DIR, strictestTier } from './manifest';
import type { Component, Manifest, Tier } from './manifest';
import { climbsOut, normalizeRelPath } from './paths';

export interface Classification {
  tier: Tier;
  /** `undefined` for the manifest folder itself (`.protection/**`). */
  component: Component | undefined;
  /** The manifest glob that matched, as written. */
  pattern: string;
}

export interface MatcherOptions {
  /** Match globs without regard to case (case-insensitive file systems). */
  caseInsensitive?: boolean;
}

/** The manifest folder protects itself, so nobody unprotects a file by editing one line. */
export const PROTECTION_GLOB = '.protection/**';

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

/** Characters that can make a glob segment match more than its own spelling. */
const MAGIC = /[*?[\]{}()!+@\\]/;

const PROTECTION_PREFIX = `${PROTECTION_DIR}/`;

/**
 * How a rule is decided once the path's directories are known to start with the rule's literal
 * head (the trie guarantees that):
 * - `exact`: a literal path, found by the whole path in a Map, so nothing is left to check;
 * - `subtree`: `head/**`, matches every path below the head;
 * - `leaf`: `head/<one segment glob>`, matches when the path is one level below and the basename fits;
 * - `deepLeaf`: `head`, `**`, then one segment; matches when the path is anywhere below the head and
 *   the basename fits (with `dot: true` the `**` accepts any normalized directories);
 * - `general`: anything else, decided by minimatch's own `matchOne`.
 * The shortcuts are minimatch's decisions for these shapes (its `#matchGlobstar`), and the unit
 * tests check them against minimatch on random paths.
 */
type RuleKind = 'exact' | 'subtree' | 'leaf' | 'deepLeaf' | 'general';

interface Rule {
  /** Lower wins: strictest tier first, then declaration order of components and their globs. */
  priority: number;
  kind: RuleKind;
  /** Number of literal leading directory segments (the depth of the trie node holding the rule). */
  depth: number;
  /** Every part but `**` consumes exactly one path segment. */
  minSegments: number;
  /** Literal segments between the head and the last part: each must be a segment of a matching path. */
  innerLiterals: string[];
  /** Without `**` a path must have exactly `minSegments` segments. */
  hasGlobstar: boolean;
  /** Literal start and end that every matching basename has (lower-cased when matching ignores case). */
  basenamePrefix: string;
  basenameSuffix: string;
  mm: Minimatch;
  parts: ParseReturnFiltered[];
  /** The last part when it is a pattern, for `leaf` and `deepLeaf` rules. */
  last: RegExp | undefined;
  result: Classification;
}

/** An entry of a hash-keyed Map: the name it stands for and what is filed under it. */
interface Named<T> {
  name: string;
  value: T;
}

/** Maps keyed by `hashString(name)`, so a lookup hashes a stretch of the path instead of cutting a substring. */
type HashedNames<T> = Map<number, Named<T>[]>;

/** Candidate rules of one trie node, split by what they demand of the basename; lists sorted by priority. */
interface Bucket {
  byBasename: HashedNames<Rule[]>;
  byExtension: HashedNames<Rule[]>;
  other: Rule[];
}

interface TrieNode {
  children: HashedNames<TrieNode>;
  bucket: Bucket | undefined;
}

/** What `lookup` learned about the path in its one pass over it. */
interface FileView {
  /** Normalized. */
  path: string;
  /** `path`, lower-cased when matching ignores case. */
  key: string;
  /** Index of the last `/` in `key`, -1 for a file at the top. */
  slash: number;
  /** Index of the last `.` of the basename in `key`, -1 if none. */
  dot: number;
  /** Number of segments. */
  depth: number;
  baseHash: number;
}

function newNode(): TrieNode {
  return { children: new Map(), bucket: undefined };
}

function byPriority(a: Rule, b: Rule): number {
  return a.priority - b.priority;
}

// FNV-1a over UTF-16 code units, kept to 30 bits so that Map keys stay small integers. Every hit
// is confirmed by comparing the characters, so a collision costs time, never a wrong answer.
const HASH_SEED = 0x811c9dc5 | 0;
const HASH_MASK = 0x3fffffff;

function hashStep(h: number, c: number): number {
  return Math.imul(h ^ c, 16777619);
}

function hashRange(s: string, start: number, end: number): number {
  let h = HASH_SEED;
  for (let i = start; i < end; i++) {
    h = hashStep(h, s.charCodeAt(i));
  }
  return h & HASH_MASK;
}

function findNamed<T>(map: HashedNames<T>, hash: number, key: string, start: number, end: number): T | undefined {
  const list = map.get(hash);
  if (list) {
    for (const named of list) {
      if (named.name.length === end - start && key.startsWith(named.name, start)) {
        return named.value;
      }
    }
  }
  return undefined;
}

function getOrAddNamed<T>(map: HashedNames<T>, name: string, create: () => T): T {
  const hash = hashRange(name, 0, name.length);
  let list = map.get(hash);
  if (!list) {
    list = [];
    map.set(hash, list);
  }
  let named = list.find((n) => n.name === name);
  if (!named) {
    named = { name, value: create() };
    list.push(named);
  }
  return named.value;
}

function addSorted(list: Rule[], rule: Rule): void {
  list.push(rule);
  list.sort(byPriority);
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

/** The literal characters that start a glob segment (`.env*` → `.env`). */
function literalPrefix(segment: string): string {
  let i = 0;
  while (i < segment.length && !MAGIC.test(segment[i])) {
    i++;
  }
  return segment.slice(0, i);
}

/** True when `name` is a whole segment of `path`. */
function hasSegment(path: string, name: string): boolean {
  for (let i = path.indexOf(name); i >= 0; i = path.indexOf(name, i + 1)) {
    const end = i + name.length;
    if ((i === 0 || path.charCodeAt(i - 1) === 47) && (end === path.length || path.charCodeAt(end) === 47)) {
      return true;
    }
  }
  return false;
}

function basenameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Classifies workspace-relative paths against one manifest with minimatch semantics
 * (`{ dot: true }`, no negation, no comments, the same on every platform).
 *
 * Each glob is compiled once. Literal paths go in a Map. Any other glob is placed in a trie by
 * its leading literal directories; at its node it is filed by its literal basename (any-depth
 * names such as `package.json`), else by the extension its basename must end with (`*.ts`,
 * any-depth `*.sql`), else in a short list. Classifying a path is one pass over its characters,
 * a walk down the trie by its directories with a Map lookup or two per node on the way, and a
 * test of the few candidates found, best priority first; answers are memoized.
 */
export class ProtectionMatcher {
  /** Every glob in force, `.protection/**` first, each once, as written in the manifest. */
  readonly patterns: readonly string[];

  private readonly nocase: boolean;
  private readonly protection: Classification;
  private readonly root: TrieNode = newNode();
  /** Literal paths (no glob characters), keyed by the hash of the whole path. */
  private readonly literals: HashedNames<Rule[]> = new Map();
  private readonly cache = new Map<string, Classification | null>();

  constructor(manifest: Manifest | undefined, options?: MatcherOptions) {
    this.nocase = options?.caseInsensitive === true;
    const strictest = (manifest && strictestTier(manifest)) ?? BUILTIN_PROTECTION_TIER;
    this.protection = { tier: strictest, component: undefined, pattern: PROTECTION_GLOB };
    const patterns = new Set<string>([PROTECTION_GLOB]);
    if (manifest) {
      for (const pattern of this.compile(manifest)) {
        patterns.add(pattern);
      }
    }
    this.patterns = [...patterns];
  }

  /** The tier, component and glob that protect `relPath`, or `undefined` if it is not protected. */
  classify(relPath: string): Classification | undefined {
    const cached = this.cache.get(relPath);
    if (cached !== undefined) {
      return cached ?? undefined;
    }
    const result = this.lookup(relPath);
    if (this.cache.size >= CACHE_LIMIT) {
      this.cache.clear();
    }
    this.cache.set(relPath, result ?? null);
    return result;
  }

  /** Indexes every glob of the manifest; returns them in declaration order. */
  private compile(manifest: Manifest): string[] {
    const tiers = new Map(manifest.tiers.map((t) => [t.id, t]));
    const ordered = manifest.components
      .map((component, index) => ({ component, index, tier: tiers.get(component.tier) }))
      .filter((c): c is { component: Component; index: number; tier: Tier } => c.tier !== undefined)
      .sort((a, b) => a.tier.rank - b.tier.rank || a.index - b.index);

    const mmOptions: MinimatchOptions = {
      dot: true,
      nocase: this.nocase,
      nonegate: true,
      nocomment: true,
      // Identical answers on every OS: the CLI in CI and the editor on Windows must agree.
      platform: 'linux',
    };
    let priority = 0;
    for (const { component, tier } of ordered) {
      for (const pattern of component.files) {
        const result: Classification = { tier, component, pattern };
        // `./src/**` means `src/**`; minimatch alone would match nothing.
        const mm = new Minimatch(pattern.replace(/^(?:\.\/)+/, ''), mmOptions);
        // One rule per alternative of a brace set, so each is indexed by its own literal parts.
        for (const segments of mm.globParts) {
          const parts: ParseReturnFiltered[] = [];
          for (const s of segments) {
            const part = mm.parse(s);
            if (part === false) {
              break;
            }
            parts.push(part);
          }
          if (parts.length === segments.length) {
            this.index(priority, mm, parts, segments, result);
          }
        }
        priority++;
      }
    }
    return manifest.components.flatMap((c) => (tiers.has(c.tier) ? c.files : []));
  }

  private key(s: string): string {
    return this.nocase ? s.toLowerCase() : s;
  }

  private index(priority: number, mm: Minimatch, parts: ParseReturnFiltered[], segments: string[], result: Classification): void {
    const firstMagic = segments.findIndex((s) => MAGIC.test(s));
    const literal = firstMagic === -1;
    const depth = literal ? segments.length - 1 : firstMagic;
    const lastPart = parts[parts.length - 1];
    const lastSegment = segments[segments.length - 1];
    const tailIsGlobstar = lastPart === GLOBSTAR;
    const oneMore = depth === parts.length - 1;
    const deep = depth === parts.length - 2 && parts[depth] === GLOBSTAR && !tailIsGlobstar;
    const kind: RuleKind = literal ? 'exact'
      : oneMore && tailIsGlobstar ? 'subtree'
        : oneMore && lastPart instanceof RegExp ? 'leaf'
          : deep ? 'deepLeaf'
            : 'general';
    const rule: Rule = {
      priority,
      kind,
      depth,
      minSegments: parts.filter((p) => p !== GLOBSTAR).length,
      hasGlobstar: parts.includes(GLOBSTAR),
      innerLiterals: segments.slice(depth, -1).filter((seg) => seg !== '' && !MAGIC.test(seg)).map((seg) => this.key(seg)),
      basenamePrefix: tailIsGlobstar ? '' : this.key(literalPrefix(lastSegment)),
      basenameSuffix: tailIsGlobstar ? '' : this.key(literalSuffix(lastSegment)),
      mm,
      parts,
      last: lastPart instanceof RegExp ? lastPart : undefined,
      result,
    };

    if (literal) {
      const path = this.key(segments.join('/'));
      addSorted(getOrAddNamed(this.literals, path, () => []), rule);
      return;
    }
    let node = this.root;
    for (let i = 0; i < depth; i++) {
      node = getOrAddNamed(node.children, this.key(segments[i]), newNode);
    }
    const bucket = (node.bucket ??= { byBasename: new Map(), byExtension: new Map(), other: [] });
    const extensionDot = rule.basenameSuffix.lastIndexOf('.');
    if (tailIsGlobstar) {
      addSorted(bucket.other, rule);
    } else if (!MAGIC.test(lastSegment)) {
      addSorted(getOrAddNamed(bucket.byBasename, this.key(lastSegment), () => []), rule);
    } else if (extensionDot >= 0) {
      // Any basename ending with the suffix has the suffix's last dot as its own last dot.
      addSorted(getOrAddNamed(bucket.byExtension, rule.basenameSuffix.slice(extensionDot), () => []), rule);
    } else {
      addSorted(bucket.other, rule);
    }
  }

  private lookup(raw: string): Classification | undefined {
    let path = raw;
    let key = this.nocase ? raw.toLowerCase() : raw;
    // One pass: is the path normal, where do its basename and extension start, how deep is it,
    // and the hashes of the whole path and of its basename, so that the Map lookups below cut no
    // substrings. Anything unusual goes through `normalizeRelPath` and is scanned once more.
    let slash = -1;
    let dot = -1;
    let depth = 1;
    let baseHash = HASH_SEED;
    let hash = HASH_SEED;
    for (let attempt = 0; ; attempt++) {
      let normal = key.length > 0;
      for (let i = 0; i <= key.length; i++) {
        const c = i === key.length ? 47 : key.charCodeAt(i);
        if (c === 47 /* / */) {
          const length = i - slash - 1;
          if (length === 0 || (length <= 2 && key.charCodeAt(slash + 1) === 46 && key.charCodeAt(i - 1) === 46)) {
            normal = false; // empty, `.` or `..` segment, or a leading `/`
            break;
          }
          if (i < key.length) {
            slash = i;
            dot = -1;
            depth++;
            baseHash = HASH_SEED;
            hash = hashStep(hash, c);
          }
          continue;
        }
        if (c === 92 /* \ */) {
          normal = false;
          break;
        }
        if (c === 46 /* . */) {
          dot = i;
        }
        baseHash = hashStep(baseHash, c);
        hash = hashStep(hash, c);
      }
      if (normal) {
        break;
      }
      path = normalizeRelPath(raw);
      if (attempt > 0 || path === '' || path.charCodeAt(0) === 47 || climbsOut(path)) {
        return undefined; // not a path inside the folder
      }
      key = this.nocase ? path.toLowerCase() : path;
      slash = -1;
      dot = -1;
      depth = 1;
      baseHash = HASH_SEED;
      hash = HASH_SEED;
    }
    if (key.startsWith(PROTECTION_PREFIX)) {
      return this.protection;
    }

    const file: FileView = { path, key, slash, dot, depth, baseHash: baseHash & HASH_MASK };
    const literal = this.literals.size > 0 ? findNamed(this.literals, hash & HASH_MASK, key, 0, key.length) : undefined;
    let best: Rule | undefined = literal?.[0];
    let extHash = -1;
    let node: TrieNode | undefined = this.root;
    let start = 0;
    for (;;) {
      const bucket: Bucket | undefined = node.bucket;
      if (bucket) {
        if (bucket.byBasename.size > 0) {
          const named = findNamed(bucket.byBasename, file.baseHash, key, slash + 1, key.length);
          if (named) {
            best = this.firstMatch(named, file, best);
          }
        }
        if (dot >= 0 && bucket.byExtension.size > 0) {
          if (extHash < 0) {
            extHash = hashRange(key, dot, key.length);
          }
          const typed = findNamed(bucket.byExtension, extHash, key, dot, key.length);
          if (typed) {
            best = this.firstMatch(typed, file, best);
          }
        }
        if (bucket.other.length > 0) {
          best = this.firstMatch(bucket.other, file, best);
        }
      }
      // Down one directory; rules below the file's own directory cannot match it.
      if (start > slash || node.children.size === 0) {
        break;
      }
      const end = key.indexOf('/', start);
      node = findNamed(node.children, hashRange(key, start, end), key, start, end);
      if (!node) {
        break;
      }
      start = end + 1;
    }
    return best?.result;
  }

  /** The first rule of `candidates` (sorted by priority) that matches and beats `best`. */
  private firstMatch(candidates: readonly Rule[], file: FileView, best: Rule | undefined): Rule | undefined {
    for (const rule of candidates) {
      if (best && rule.priority >= best.priority) {
        return best;
      }
      if (this.matches(rule, file)) {
        return rule;
      }
    }
    return best;
  }

  private matches(rule: Rule, file: FileView): boolean {
    const { depth } = file;
    switch (rule.kind) {
      case 'exact':
        return true;
      case 'subtree':
        // `head/**` needs a segment below the head: the trie walk only reaches heads that are
        // directories of the path.
        return true;
      case 'leaf':
        return depth === rule.depth + 1 && this.basenameFits(rule, file);
      case 'deepLeaf':
        return this.basenameFits(rule, file);
      default:
        return (rule.hasGlobstar ? depth >= rule.minSegments : depth === rule.minSegments)
          && file.key.startsWith(rule.basenamePrefix, file.slash + 1)
          && file.key.endsWith(rule.basenameSuffix)
          && rule.innerLiterals.every((name) => hasSegment(file.key, name))
          && rule.mm.matchOne(file.path.split('/'), rule.parts, false);
    }
  }

  /** The rule's last part accepts the basename (a literal one was already found by name). */
  private basenameFits(rule: Rule, file: FileView): boolean {
    if (!rule.last) {
      return true;
    }
    const { key, slash } = file;
    return key.startsWith(rule.basenamePrefix, slash + 1)
      && key.endsWith(rule.basenameSuffix)
      && rule.last.test(this.nocase ? basenameOf(file.path) : key.slice(slash + 1));
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
