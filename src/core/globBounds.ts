// Bounds on the work one manifest glob can cause. The CLI in a hook and the editor's extension
// host match every path against every glob, so a glob that expands to 100,000 alternatives,
// nests 10,000 groups deep or makes a regular expression backtrack for minutes would hang them
// both. The manifest parser reports a glob past a bound at its line and column; the matcher checks
// again (a manifest built in code never went through the parser) and, like the parser, puts the
// glob's stand-in (`standInGlob`) in its place, so that no bound ever unprotects a file.
import { braceExpand } from './minimatchModule';
import { isPlainSegment } from './plainGlob';

/** The bounds; `GLOB_LIMITS.rules` is for a whole manifest, the others for one glob. */
export const GLOB_LIMITS = Object.freeze({
  /** Characters of one glob (minimatch itself refuses 64 KiB). */
  length: 1_000,
  /** `{…}` and `(…)` groups open at once. */
  nesting: 8,
  /** Alternatives one glob's braces expand to (each becomes a rule the matcher indexes). */
  alternatives: 256,
  /** Alternatives of all globs of a manifest together, literal paths (a Map lookup each) not counted. */
  rules: 1_000,
  /**
   * Unbounded parts in one path segment: `*`, `+(…)`, `*(…)`, `!(…)`. minimatch matches a segment
   * with a regular expression whose backtracking grows as the name's length to this power:
   * two cost under a millisecond on a 255-character name, four cost a second, more cost hours.
   */
  wildcards: 2,
  /** `**` segments in one alternative (adjacent ones count once, as minimatch folds them). */
  globstars: 4,
});

/**
 * Longer names exist on no common file system (255 bytes on Linux and macOS, 255 UTF-16 units on
 * Windows), so the matcher does not run a glob's regular expression over them (see matcher.ts).
 */
export const MAX_NAME_LENGTH = 255;

/** A bound that a glob exceeds: why, and where in the glob (`index`, `length` in UTF-16 units). */
export interface GlobExcess {
  message: string;
  index: number;
  length: number;
}

/** What one glob costs toward `GLOB_LIMITS.rules`: its alternatives, or 0 for a literal path. */
export interface GlobCost {
  rules: number;
}

/** Characters that can make a glob segment match more than its own spelling (as matcher.ts). */
const MAGIC = /[*?[\]{}()!+@\\]/;

/**
 * The first bound `glob` exceeds, or its cost when it is within all of them. Never expands more
 * than `GLOB_LIMITS.alternatives + 1` alternatives and never recurses on the glob's structure.
 */
export function checkGlob(glob: string): GlobExcess | GlobCost {
  if (glob.length > GLOB_LIMITS.length) {
    return { message: `This glob is ${glob.length} characters long; the limit is ${GLOB_LIMITS.length}.`, index: GLOB_LIMITS.length, length: glob.length - GLOB_LIMITS.length };
  }
  // Groups open only at `{` and `(`: most globs have neither, and skip the loop over their characters.
  const deep = glob.includes('{') || glob.includes('(') ? tooDeep(glob) : undefined;
  if (deep !== undefined) {
    return { message: `This glob nests more than ${GLOB_LIMITS.nesting} groups ("{…}", "(…)") inside each other.`, index: deep, length: 1 };
  }
  // Bounded by `braceExpandMax`: brace-expansion stops there, however the braces multiply.
  const expanded = braceExpand(glob.replace(/^(?:\.\/)+/, ''), { braceExpandMax: GLOB_LIMITS.alternatives + 1 });
  if (expanded.length > GLOB_LIMITS.alternatives) {
    const brace = Math.max(0, glob.indexOf('{'));
    return { message: `The braces of this glob expand to more than ${GLOB_LIMITS.alternatives} alternatives; list fewer, or protect their common folder.`, index: brace, length: glob.length - brace };
  }
  for (const alternative of expanded) {
    const excess = alternativeExcess(alternative);
    if (excess) {
      // Where the offending segment is written, when it is written as such (not made by braces).
      const at = glob.indexOf(excess.segment);
      return { message: excess.message, index: at >= 0 ? at : 0, length: at >= 0 ? excess.segment.length : glob.length };
    }
  }
  return { rules: MAGIC.test(glob) ? expanded.length : 0 };
}

/** True for the result of `checkGlob` when a bound is exceeded. */
export function isGlobExcess(check: GlobExcess | GlobCost): check is GlobExcess {
  return 'message' in check;
}

/** The index of the group that opens one level too deep, or undefined. A loop, not recursion. */
function tooDeep(glob: string): number | undefined {
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\') {
      i++;
    } else if (c === '{' || c === '(') {
      if (++depth > GLOB_LIMITS.nesting) {
        return i;
      }
    } else if ((c === '}' || c === ')') && depth > 0) {
      depth--;
    }
  }
  return undefined;
}

/** The first segment of one brace alternative that is too costly to match, and why. */
function alternativeExcess(alternative: string): { message: string; segment: string } | undefined {
  let globstars = 0;
  let previous = '';
  for (const segment of alternative.split('/')) {
    if (segment === '**') {
      if (previous !== '**' && ++globstars > GLOB_LIMITS.globstars) {
        return { message: `This glob has more than ${GLOB_LIMITS.globstars} "**" segments; each one multiplies the work of matching a deep path.`, segment };
      }
      previous = segment;
      continue;
    }
    previous = segment;
    // A segment of letters, digits, `.`, `_`, `-` and `*` has no group: its wildcards are its stars,
    // counted without the loop over its characters (an agent's hook checks every glob on every call).
    const problem = isPlainSegment(segment)
      ? (segment.split('*').length - 1 > GLOB_LIMITS.wildcards ? TOO_MANY_WILDCARDS : undefined)
      : segmentProblem(segment);
    if (problem) {
      return { message: problem, segment };
    }
  }
  return undefined;
}

const TOO_MANY_WILDCARDS = `This glob has more than ${GLOB_LIMITS.wildcards} wildcards ("*", "+(…)", "*(…)", "!(…)") in one path segment; matching a long name against it takes time that grows as a power of the name's length.`;

/**
 * Why one segment would make its regular expression backtrack without bound, or undefined.
 * Conservative: a `*` inside a bracket expression is counted too.
 */
function segmentProblem(segment: string): string | undefined {
  let wildcards = 0;
  /** The open extglob (never more than one): whether it repeats, and where its body starts. */
  const groups: { quantified: boolean; start: number }[] = [];
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '\\') {
      i++;
      continue;
    }
    const opensGroup = '+*!?@'.includes(c) && segment[i + 1] === '(';
    if (opensGroup) {
      if (groups.length > 0) {
        return 'This glob nests an extglob ("+(…)", "*(…)", "!(…)", "?(…)", "@(…)") inside another; their backtracking grows exponentially with the name\'s length.';
      }
      groups.push({ quantified: c === '+' || c === '*', start: i + 2 });
      if (c === '+' || c === '*' || c === '!') {
        wildcards++;
      }
      i++;
    } else if (c === ')' && groups.length > 0) {
      const group = groups.pop();
      if (group?.quantified && !unambiguous(segment.slice(group.start, i))) {
        return 'A repeated extglob ("+(…)" or "*(…)") may hold only plain-text alternatives that start with different characters, such as "+(ts|js)": otherwise its backtracking grows exponentially with the name\'s length.';
      }
    } else if (c === '*') {
      wildcards++;
    }
    if (wildcards > GLOB_LIMITS.wildcards) {
      return TOO_MANY_WILDCARDS;
    }
  }
  return undefined;
}

/**
 * True when a repeated group's body is plain-text alternatives that start with different
 * characters (case folded): each repetition is then decided by its first character, so the
 * group never backtracks into itself.
 */
function unambiguous(body: string): boolean {
  const firsts = new Set<string>();
  for (const alternative of body.split('|')) {
    const first = alternative.charAt(0).toLowerCase();
    if (alternative === '' || MAGIC.test(alternative) || firsts.has(first)) {
      return false;
    }
    firsts.add(first);
  }
  return true;
}

/**
 * What stands in for a glob that exceeds a bound: its leading literal folders followed by `/**`
 * (`**` when it starts with a wildcard), so every file the glob could match stays protected, by the
 * same component. It never loosens protection; it may tighten it until the glob is simplified.
 */
export function standInGlob(glob: string): string {
  const segments = glob.replace(/^(?:\.\/)+/, '').split('/');
  const head: string[] = [];
  // Folders only: the last segment is the name, which `head/**` would not match.
  for (const segment of segments.slice(0, -1)) {
    if (MAGIC.test(segment) || segment === '..') {
      break;
    }
    if (segment !== '' && segment !== '.') {
      head.push(segment);
    }
  }
  // A shorter head protects more, so cutting it keeps the stand-in within the bounds.
  while (head.length > 0 && (head.length > 32 || head.join('/').length > GLOB_LIMITS.length - 3)) {
    head.pop();
  }
  return head.length > 0 ? `${head.join('/')}/**` : '**';
}
