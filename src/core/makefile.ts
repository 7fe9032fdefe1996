// What `make` runs, read from its makefile, for the shell guard (src/core/shellGuard.ts): the recipe
// lines of the goals and of the rules they depend on, with the makefile's variables expanded, each a
// command line for sh in make's folder. `make fmt` whose recipe is `gofmt -w .` is then judged as
// `gofmt -w .`. Pure: files are read through `read`.
//
// Read as GNU make reads it, in outline: logical lines (backslash continuations), `#` comments,
// variables (`=`, `:=`, `::=`, `?=`, `+=`, `define`…`endef`, `override`/`export` in front; `!=` and
// `$(shell …)` run a command, which is analysed too and whose output is not known), rules (`a b: c d`,
// `::`, `; recipe`, target-specific variables, pattern rules `%.o: %.c`), `include`. Conditionals
// (`ifeq`, `ifdef`…) are not decided: both branches count. What cannot be known (a function's result,
// a variable set from a command's output) is the shell variable `$PF_MAKE_VALUE` in the line, which the
// guard takes for any path, so a writer given one counts for every protected file.

/** What a makefile's lines may cost to read: makefiles included, recipe lines produced, expansion depth and size. */
export const MAKE_LIMITS = Object.freeze({ includes: 16, lines: 256, depth: 32, expansion: 1 << 20 });

/**
 * A value the guard cannot know (a function's result, a command's output), as it stands in a variable's
 * value: a mark make's expansion leaves alone, which becomes the shell variable `$PF_MAKE_VALUE` (any
 * path, to the guard) in the lines given back.
 */
export const UNKNOWN_VALUE = '\u0001unknown\u0001';
const AS_SHELL = (text: string): string => text.split(UNKNOWN_VALUE).join('$PF_MAKE_VALUE');

/** Where `read` finds no such file; undefined where something is there that cannot be read. */
export const ABSENT = null;

export interface MakeRecipes {
  /** The recipe lines, in the order make runs them, each for sh in make's folder. */
  lines: string[];
  /** Commands the makefile runs while it is read (`$(shell …)`, `!=`). */
  shells: string[];
  /** The makefiles read (the main one, its includes), as `read` was asked for them. */
  files: string[];
  /**
   * Files make itself writes, in its folder: `$(file >PATH,…)`, and a goal no rule of the makefile makes
   * (make's built-in rules may). Paths, not shell lines: what cannot be known in them is UNKNOWN_VALUE.
   */
  writes: string[];
  /** Set when every protected file counts instead: why (an include that cannot be read, `$(eval …)`). */
  unknown?: string;
}

export class MakeTooComplex extends Error {}

interface Rule {
  prereqs: string[];
  recipe: string[];
}

interface PatternRule {
  target: string;
  prereqs: string[];
  recipe: string[];
}

/** make's own variables that a makefile uses without setting (its implicit rules' programs). */
const BUILTIN_VARIABLES: Readonly<Record<string, string>> = {
  MAKE: 'make', SHELL: '/bin/sh', RM: 'rm -f', CC: 'cc', CXX: 'g++', CPP: '$(CC) -E', AR: 'ar', AS: 'as', LD: 'ld',
  FC: 'f77', LEX: 'lex', YACC: 'yacc', INSTALL: 'install', MAKEFLAGS: '', MFLAGS: '', CURDIR: '.',
};

/** The functions whose result is their words, unchanged or reordered (a pattern of `wildcard` stays a pattern the guard expands). */
const WORD_FUNCTIONS = new Set(['wildcard', 'sort', 'strip', 'firstword', 'lastword', 'abspath', 'realpath']);
/** Functions that stand for nothing in a command line (they print, or describe a variable). */
const EMPTY_FUNCTIONS = new Set(['info', 'warning', 'error', 'origin', 'flavor']);
const SPECIAL_TARGET = /^\.[A-Z_]+$/;

/**
 * The recipe lines `make goals…` runs with the makefile `main` (its path as given to `read`, and its
 * text) and the variables of make's command line (`make FILES=x fmt`). `read` gives an included
 * makefile's text, ABSENT where there is none, undefined where it cannot be read.
 */
export function makeRecipes(main: { path: string; text: string }, read: (path: string) => string | undefined | typeof ABSENT, goals: readonly string[], overrides: ReadonlyMap<string, string>): MakeRecipes {
  const variables = new Map<string, string>();
  const rules = new Map<string, Rule>();
  const patterns: PatternRule[] = [];
  const shells: string[] = [];
  const files: string[] = [];
  let defaultGoal: string | undefined;
  let unknown: string | undefined;
  let budget = MAKE_LIMITS.expansion;

  // A variable the makefile does not set may come from the environment, which the guard cannot see: any value.
  const lookup = (name: string): string => overrides.get(name) ?? variables.get(name) ?? BUILTIN_VARIABLES[name] ?? (name === '' ? '' : UNKNOWN_VALUE);
  const writes: string[] = [];
  let oneShell = false;

  /** `text` with its variable and function references expanded; `auto`: the automatic variables of a recipe. */
  const expand = (text: string, auto: Readonly<Record<string, string>> = {}, depth = 0): string => {
    if (depth > MAKE_LIMITS.depth) throw new MakeTooComplex(`a makefile whose variables refer to each other more than ${MAKE_LIMITS.depth} deep`);
    if (!text.includes('$')) return text;
    let out = '';
    for (let k = 0; k < text.length; k++) {
      const c = text[k];
      if (c !== '$') {
        out += c;
        continue;
      }
      const next = text[k + 1];
      if (next === undefined) break;
      if (next === '$') {
        out += '$';
        k++;
        continue;
      }
      if (next !== '(' && next !== '{') {
        out += reference(next, auto, depth);
        k++;
        continue;
      }
      const close = next === '(' ? ')' : '}';
      let level = 0;
      let end = -1;
      for (let j = k + 1; j < text.length; j++) {
        if (text[j] === next) level++;
        else if (text[j] === close && --level === 0) {
          end = j;
          break;
        }
      }
      if (end < 0) break; // make stops: unterminated reference
      out += reference(text.slice(k + 2, end), auto, depth);
      k = end;
    }
    if ((budget -= out.length) < 0) throw new MakeTooComplex(`a makefile whose variables expand to more than ${MAKE_LIMITS.expansion} characters`);
    return out;
  };

  /** What `$(inner)` (or `$c`) stands for. */
  const reference = (inner: string, auto: Readonly<Record<string, string>>, depth: number): string => {
    if (Object.hasOwn(auto, inner)) return auto[inner];
    if (/^[@<^+*?%|][DF]?$/.test(inner)) return UNKNOWN_VALUE; // an automatic variable outside a recipe
    const space = inner.search(/[\s,]/);
    const fn = space > 0 ? inner.slice(0, space) : '';
    if (fn !== '' && /^[a-z-]+$/.test(fn)) {
      const args = inner.slice(space + 1);
      if (fn === 'shell') {
        shells.push(expand(args, auto, depth + 1));
        return UNKNOWN_VALUE;
      }
      if (fn === 'file') {
        // `$(file >PATH,TEXT)`, `$(file >>PATH,…)`: make writes PATH itself.
        const spec = expand(args.split(',')[0], auto, depth + 1).trim();
        if (spec.startsWith('>')) writes.push(spec.replace(/^>>?\s*/, ''));
        return '';
      }
      if (fn === 'eval') {
        unknown ??= 'it defines rules with $(eval …), which the guard does not read';
        return '';
      }
      if (WORD_FUNCTIONS.has(fn)) return expand(args, auto, depth + 1).trim().split(/\s+/).filter(Boolean).join(' ');
      if (EMPTY_FUNCTIONS.has(fn)) return '';
      if (fn === 'addprefix' || fn === 'addsuffix') {
        const comma = args.indexOf(',');
        if (comma >= 0) {
          const fix = expand(args.slice(0, comma), auto, depth + 1).trim();
          const words = expand(args.slice(comma + 1), auto, depth + 1).trim().split(/\s+/).filter(Boolean);
          return words.map((w) => (fn === 'addprefix' ? fix + w : w + fix)).join(' ');
        }
      }
      return UNKNOWN_VALUE;
    }
    // `$(VAR:.c=.o)`: the variable's words with one suffix for another.
    const colon = inner.indexOf(':');
    if (colon > 0 && inner.includes('=', colon)) {
      const name = expand(inner.slice(0, colon), auto, depth + 1);
      const [from, to] = inner.slice(colon + 1).split('=');
      const words = expand(lookup(name), auto, depth + 1).trim().split(/\s+/).filter(Boolean);
      return words.map((w) => (w.endsWith(from) ? w.slice(0, w.length - from.length) + to : w)).join(' ');
    }
    const name = expand(inner, auto, depth + 1);
    return expand(lookup(name), auto, depth + 1);
  };

  const assign = (name: string, op: string, value: string): void => {
    if (op === '?=' && (variables.has(name) || overrides.has(name))) return;
    if (op === '!=') {
      shells.push(expand(value));
      variables.set(name, UNKNOWN_VALUE);
    } else if (op === ':=' || op === '::=' || op === ':::=') variables.set(name, expand(value));
    else if (op === '+=') variables.set(name, variables.has(name) ? `${variables.get(name)} ${value}` : value);
    else variables.set(name, value);
  };

  const ASSIGNMENT = /^(?:(?:export|override|private|unexport)\s+)*([^\s:#=+?!$]+|\$[({][^)}]*[)}])\s*(:::=|::=|:=|\?=|\+=|!=|=)\s*([^]*)$/;

  const parse = (text: string, includes: number): void => {
    const physical = text.split(/\r?\n/);
    // The rules the recipe lines that follow belong to; `fresh`: none of its recipe read yet from this rule line.
    let current: { rule: Rule; fresh: boolean }[] = [];
    let define: { name: string; op: string; lines: string[]; level: number } | undefined;
    for (let k = 0; k < physical.length; k++) {
      let line = physical[k];
      if (line.endsWith('\\')) {
        // Joined once (a chain of thousands of continued lines stays linear).
        const parts = [line.slice(0, -1)];
        while (k + 1 < physical.length) {
          const next = physical[++k].replace(/^\s+/, '');
          if (!next.endsWith('\\')) {
            parts.push(next);
            break;
          }
          parts.push(next.slice(0, -1));
        }
        line = parts.join(' ');
      }
      if (define) {
        const directive = line.trim();
        if (/^define\b/.test(directive)) define.level++;
        if (/^endef\b/.test(directive) && define.level-- === 0) {
          assign(define.name, define.op, define.lines.join('\n'));
          define = undefined;
        } else define.lines.push(line);
        continue;
      }
      if (line.startsWith('\t')) {
        // A recipe line of the rules just read (a tab before any rule starts nothing). A rule's second
        // recipe replaces its first, as make warns and does; a rule line without one only adds prerequisites.
        for (const c of current) {
          if (c.fresh) c.rule.recipe = [];
          c.fresh = false;
          c.rule.recipe.push(line.slice(1));
        }
        continue;
      }
      const uncommented = line.replace(/(^|[^\\])#.*$/, '$1').trim();
      if (uncommented === '') continue;
      const words = uncommented.split(/\s+/);
      const [first] = words;
      if (/^(ifeq|ifneq|ifdef|ifndef|else|endif)$/.test(first)) continue; // both branches count
      if (first === 'define' || ((first === 'override' || first === 'export') && words[1] === 'define')) {
        const at = words.indexOf('define');
        define = { name: words[at + 1] ?? '', op: words[at + 2] ?? '=', lines: [], level: 0 };
        current = [];
        continue;
      }
      if (/^-?include$|^sinclude$/.test(first)) {
        current = [];
        for (const file of expand(words.slice(1).join(' ')).split(/\s+/).filter(Boolean)) {
          if (includes >= MAKE_LIMITS.includes) throw new MakeTooComplex(`a makefile that includes more than ${MAKE_LIMITS.includes} others`);
          files.push(file);
          const included = file.includes(UNKNOWN_VALUE) ? undefined : read(file);
          if (included === ABSENT && first !== 'include') continue;
          if (typeof included !== 'string') {
            unknown ??= `it includes ${file}, which the guard cannot read`;
            continue;
          }
          parse(included, includes + 1);
        }
        continue;
      }
      if (/^(vpath|unexport|export)$/.test(first) && !ASSIGNMENT.test(uncommented)) continue;
      const assignment = ASSIGNMENT.exec(uncommented);
      if (assignment) {
        assign(expand(assignment[1]), assignment[2], assignment[3]);
        current = [];
        continue;
      }
      const colon = findRuleColon(uncommented);
      if (colon < 0) {
        // A line of references alone (`$(eval …)`, `$(info …)`, `$(shell …)`): make expands it as it reads.
        expand(uncommented);
        current = [];
        continue;
      }
      const doubled = uncommented[colon + 1] === ':';
      const targets = expand(uncommented.slice(0, colon)).split(/\s+/).filter(Boolean);
      let rest = uncommented.slice(colon + (doubled ? 2 : 1));
      let inline: string | undefined;
      const semi = line.indexOf(';', line.indexOf(':'));
      if (semi >= 0 && rest.includes(';')) {
        inline = line.slice(semi + 1).trim();
        rest = rest.slice(0, rest.indexOf(';'));
      }
      const targetVariable = ASSIGNMENT.exec(rest.trim());
      if (targetVariable) {
        // `target: VAR = value`: taken as if set for all (the guard does not track which rule sees it).
        assign(expand(targetVariable[1]), targetVariable[2], targetVariable[3]);
        current = [];
        continue;
      }
      // Static pattern rules (`objs: %.o: %.c`): the prerequisite patterns, with the target's stem.
      const parts = rest.split(':');
      const prereqText = parts.length > 1 ? parts[1] : parts[0];
      const prereqs = expand(prereqText.replace(/\|/g, ' ')).split(/\s+/).filter(Boolean);
      current = [];
      for (const t of targets) {
        if (t === '.ONESHELL') oneShell = true;
        if (SPECIAL_TARGET.test(t) && t !== '.DEFAULT') continue;
        if (t.includes('%') && parts.length === 1) {
          const p: PatternRule = { target: t, prereqs, recipe: [] };
          patterns.push(p);
          current.push({ rule: p, fresh: false });
          continue;
        }
        if (t !== '.DEFAULT') defaultGoal ??= t;
        const staticStem = parts.length > 1 ? stemOf(parts[0].trim(), t) : undefined;
        let rule = rules.get(t);
        if (!rule) rules.set(t, (rule = { prereqs: [], recipe: [] }));
        for (const p of prereqs) rule.prereqs.push(staticStem === undefined ? p : p.replace('%', staticStem));
        // `::` rules each run their own recipe: kept one after the other.
        current.push({ rule, fresh: !doubled });
      }
      if (inline !== undefined) {
        for (const c of current) {
          if (c.fresh) c.rule.recipe = [];
          c.fresh = false;
          c.rule.recipe.push(inline);
        }
      }
    }
  };

  files.push(main.path);
  parse(main.text, 0);
  // Recipes run through SHELL: another program than a POSIX shell reads them as its own language.
  const shell = expand(lookup('SHELL')).trim();
  if (!/^(?:(?:\/usr)?\/bin\/|\/usr\/bin\/env\s+)?(?:sh|bash|dash|zsh|ksh)$/.test(shell)) unknown ??= `its recipes run through SHELL = ${shell.split(UNKNOWN_VALUE).join('(unknown)').slice(0, 60)}, not sh`;
  const dg = variables.get('.DEFAULT_GOAL');
  if (dg !== undefined && dg.trim() !== '') defaultGoal = expand(dg).trim().split(/\s+/)[0];

  const lines: string[] = [];
  const visited = new Set<string>();
  const run = (target: string, depth: number): void => {
    if (visited.has(target)) return;
    if (depth > MAKE_LIMITS.depth) throw new MakeTooComplex(`a make whose prerequisites chain more than ${MAKE_LIMITS.depth} rules deep`);
    visited.add(target);
    let rule: Rule | undefined = rules.get(target);
    let stem = '';
    if (!rule || rule.recipe.length === 0) {
      // An implicit rule of the makefile's own (`%.pb.go: %.proto`).
      for (const p of patterns) {
        const s = stemOf(p.target, target);
        if (s !== undefined && p.recipe.length > 0) {
          stem = s;
          rule = { prereqs: [...(rule?.prereqs ?? []), ...p.prereqs.map((q) => q.replace('%', s))], recipe: p.recipe };
          break;
        }
      }
    }
    if (!rule) {
      // A file, or one make's built-in rules may make (`make src/x.o`): written, for all the guard knows.
      if (depth === 0) writes.push(target);
      // A target no rule makes runs .DEFAULT's recipe, if there is one.
      const fallback = rules.get('.DEFAULT');
      if (fallback === undefined || fallback.recipe.length === 0) return;
      rule = { prereqs: [], recipe: fallback.recipe };
    }
    for (const p of rule.prereqs) run(p, depth + 1);
    const auto: Record<string, string> = { '@': target, '<': rule.prereqs[0] ?? '', '^': [...new Set(rule.prereqs)].join(' '), '+': rule.prereqs.join(' '), '*': stem, '?': rule.prereqs.join(' '), '|': '' };
    const texts = rule.recipe.map((raw) => expand(raw, auto).replace(/^[\s@+-]+/, '')).filter((t) => t.trim() !== '');
    // .ONESHELL: the recipe's lines run in one shell (a `cd` in one holds for the next).
    for (const text of oneShell && texts.length > 0 ? [texts.join('\n')] : texts) {
      if (lines.length >= MAKE_LIMITS.lines) throw new MakeTooComplex(`a make that runs more than ${MAKE_LIMITS.lines} recipe lines`);
      lines.push(text);
    }
  };
  const wanted = goals.length > 0 ? goals : defaultGoal !== undefined ? [defaultGoal] : [];
  for (const g of wanted) run(g, 0);
  return { lines: lines.map(AS_SHELL), shells: shells.map(AS_SHELL), files, writes, ...(unknown !== undefined ? { unknown } : {}) };
}

/** The stem `%` stands for when `pattern` (one `%`) matches `name`, else undefined. */
function stemOf(pattern: string, name: string): string | undefined {
  const at = pattern.indexOf('%');
  if (at < 0) return pattern === name ? '' : undefined;
  const [head, tail] = [pattern.slice(0, at), pattern.slice(at + 1)];
  if (name.length < head.length + tail.length || !name.startsWith(head) || !name.endsWith(tail)) return undefined;
  return name.slice(head.length, name.length - tail.length);
}

/** Where the `:` of a rule line is (not one inside a `$(…)` reference, nor a drive letter's), or -1. */
function findRuleColon(line: string): number {
  let level = 0;
  for (let k = 0; k < line.length; k++) {
    const c = line[k];
    if (c === '$' && (line[k + 1] === '(' || line[k + 1] === '{')) {
      level++;
      k++;
    } else if ((c === ')' || c === '}') && level > 0) level--;
    else if (c === ':' && level === 0) return k;
  }
  return -1;
}
