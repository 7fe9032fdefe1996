// Globs plain enough to be read without minimatch: letters, digits, `.`, `_`, `-`, `/`, `*` in a
// segment, `**` as a whole segment, and brace sets of such text with commas (`*.{ts,tsx}`,
// `{src,lib}/**`). Most manifests' patterns are of this kind (`**/*.sql`, `.env*`,
// `src/auth/**/*.{ts,tsx}`). For them this module gives exactly what minimatch gives, under the
// options the matcher uses (`dot`, `nonegate`, `nocomment`, `platform: 'linux'`): the same brace
// alternatives in the same order, the same segments, and for each segment the same string or the
// same regular expression (source and flags). Anything else is undefined and goes to minimatch.
//
// Why: an agent's hook and the commit gate start a fresh Node for every call, where minimatch's
// module, its brace expansion and its parser run cold: ~1 ms of every tool call with a team's
// manifest. The tests compare both over every pattern of a generated corpus.

/** A `**` segment, as the matcher's parts hold it (minimatch's own GLOBSTAR is turned into this one). */
export const GLOBSTAR: unique symbol = Symbol('**');

/** The characters of a plain pattern; anything else (`?`, `[`, `(`, `!`, `+`, `@`, `\`, `$`, spaces, non-ASCII) is minimatch's. */
const PLAIN = /^[A-Za-z0-9._*/{},-]*$/;
const PLAIN_SEGMENT = /^[A-Za-z0-9._*-]+$/;
/** minimatch's guard before a segment that could otherwise match `.` or `..` with `dot: true`. */
const NOT_DOT_OR_DOTDOT = '(?!(?:^|\\/)\\.\\.?(?:$|\\/))';
/**
 * Bounds of what is expanded here (the manifest's own bound on a glob's length is 1,000 characters
 * and 256 alternatives): anything larger goes to minimatch, whose brace expansion has budgets of its own.
 */
const MAX_PATTERN = 1_000;
const MAX_ALTERNATIVES = 1_024;

/**
 * minimatch's braceExpand(pattern, { braceExpandMax: max }) for a plain pattern: brace sets
 * with at least two non-empty alternatives, not nested, not a sequence (`{1..3}`), and no comma
 * or closing brace outside a set. Undefined for any other pattern, and when the alternatives
 * would be more than `max` (or than this module expands: see MAX_ALTERNATIVES).
 */
export function expandPlainBraces(pattern: string, max = MAX_ALTERNATIVES): string[] | undefined {
  if (pattern.length > MAX_PATTERN || !PLAIN.test(pattern)) return undefined;
  let alternatives = [''];
  let at = 0;
  for (;;) {
    const open = pattern.indexOf('{', at);
    const literal = pattern.slice(at, open < 0 ? pattern.length : open);
    if (literal.includes(',') || literal.includes('}')) return undefined;
    if (open < 0) return alternatives.map((a) => a + literal);
    const close = pattern.indexOf('}', open);
    if (close < 0) return undefined;
    const body = pattern.slice(open + 1, close);
    const items = body.split(',');
    if (body.includes('{') || body.includes('..') || items.length < 2 || items.includes('')) return undefined;
    if (alternatives.length * items.length > Math.min(max, MAX_ALTERNATIVES)) return undefined;
    const next: string[] = [];
    for (const a of alternatives) for (const item of items) next.push(a + literal + item);
    alternatives = next;
    at = close + 1;
  }
}

/** A segment as minimatch parses it: a string, or a regular expression for a segment with `*`; `**` is GLOBSTAR. */
export type PlainPart = string | RegExp | typeof GLOBSTAR;

/**
 * One brace alternative's segments and parts as minimatch's `globParts` and `set` hold them, for a
 * plain alternative: no empty, `.` or `..` segment, no `**` next to another or inside a segment, no
 * segment starting `.*` or `..`. Undefined for any other.
 */
export function plainAlternative(alternative: string, nocase: boolean): { segments: string[]; parts: PlainPart[] } | undefined {
  const segments = alternative.split('/');
  const parts: PlainPart[] = [];
  for (let k = 0; k < segments.length; k++) {
    const s = segments[k];
    if (s === '**') {
      if (k > 0 && segments[k - 1] === '**') return undefined;
      parts.push(GLOBSTAR);
      continue;
    }
    if (s === '.' || s === '..' || !isPlainSegment(s) || s.includes('**')) return undefined;
    if (!s.includes('*')) {
      // minimatch keeps a segment without magic as text, unless it matches without regard to case.
      parts.push(nocase ? new RegExp(`^${escape(s)}$`, 'i') : s);
      continue;
    }
    if (s.startsWith('.*') || s.startsWith('..')) return undefined;
    const body = s === '*' ? '[^/]+?' : s.split('*').map(escape).join('[^/]*?');
    parts.push(new RegExp(`^${s.startsWith('*') ? NOT_DOT_OR_DOTDOT : ''}${body}$`, nocase ? 'i' : ''));
  }
  return { segments, parts };
}

/**
 * A plain glob's alternatives, each with its segments and parts (see plainAlternative), once each
 * in the order minimatch keeps them; undefined when any part of it is not plain.
 */
export function plainGlob(glob: string, nocase: boolean, maxAlternatives: number): { segments: string[]; parts: PlainPart[] }[] | undefined {
  const alternatives = expandPlainBraces(glob, maxAlternatives);
  if (!alternatives) return undefined;
  const out: { segments: string[]; parts: PlainPart[] }[] = [];
  for (const alternative of new Set(alternatives)) {
    const plain = plainAlternative(alternative, nocase);
    if (!plain) return undefined;
    out.push(plain);
  }
  return out;
}

/** A segment of plain characters (letters, digits, `.`, `_`, `-`, `*`): no group, no class, no escape. */
export function isPlainSegment(segment: string): boolean {
  return PLAIN_SEGMENT.test(segment);
}

/** minimatch's escape of the plain characters that mean something in a regular expression. */
function escape(text: string): string {
  return text.replace(/[.-]/g, '\\$&');
}
