// Paths that interpreter code builds out of string literals, folded into one literal before the shell
// guard reads the code: `os.path.join('src', 'booking', 'flow.ts')`, `path.join(ROOT, 'src', 'a.ts')`,
// `Path('src') / 'booking' / 'flow.ts'`, `'src/' + 'booking/flow.ts'`, `['src', 'a.ts'].join('/')`
// become `'src/booking/flow.ts'`, so that the guard sees the whole path a write call gets (an agent
// refused `sed -i src/booking/flow.ts` writes the same file with `python3 -c` and a joined path).
// Best effort, like all of the guard's reading of code: a path built from values the code computes
// stays unknown. One pass over the code's tokens; nothing in it backtracks.

/** A token: a string literal (its value), a name (`os.path.join`), or one character of punctuation. */
interface Token {
  kind: 'string' | 'name' | 'punct';
  text: string;
  start: number;
  end: number;
}

/** Calls that join their arguments as path segments (Python, Node, Ruby, Go). */
const JOIN_CALLS = new Set([
  'os.path.join', 'posixpath.join', 'path.join', 'join', 'path.posix.join', 'path.resolve', 'resolve', 'path.posix.resolve',
  'File.join', 'filepath.Join', 'Path', 'PurePath', 'PurePosixPath', 'pathlib.Path', 'pathlib.PurePath',
]);
/** Of those, the ones that make a path object (`Path('a') / 'b'`): kept as a call of the same name. */
const PATH_OBJECTS = new Set(['Path', 'PurePath', 'PurePosixPath', 'pathlib.Path', 'pathlib.PurePath']);

/** At most this many tokens are read (a longer code is read in its first part only). */
const MAX_TOKENS = 200_000;
/** A call or list with more tokens than this is not a path's (and each is read at most this far: no input makes the reading quadratic). */
const MAX_CALL_TOKENS = 64;

function tokenize(code: string): Token[] {
  const out: Token[] = [];
  const n = code.length;
  let i = 0;
  while (i < n && out.length < MAX_TOKENS) {
    const c = code[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
      continue;
    }
    // Python's prefixes: r'…', b'…' (an f-string is a value the code computes).
    const prefixed = (c === 'r' || c === 'b' || c === 'R' || c === 'B') && (code[i + 1] === '\'' || code[i + 1] === '"');
    if (c === '\'' || c === '"' || c === '`' || prefixed) {
      const quote = prefixed ? code[i + 1] : c;
      const raw = prefixed && (c === 'r' || c === 'R');
      let j = prefixed ? i + 2 : i + 1;
      let value = '';
      let closed = false;
      while (j < n) {
        const d = code[j];
        if (d === quote) {
          closed = true;
          break;
        }
        if (d === '\n' && quote !== '`') break;
        if (d === '\\' && !raw && j + 1 < n) {
          value += code[j + 1];
          j += 2;
          continue;
        }
        value += d;
        j++;
      }
      // A template with ${…} is computed; an unclosed string ends the reading here.
      if (!closed) break;
      const computed = quote === '`' && value.includes('${');
      out.push({ kind: computed ? 'punct' : 'string', text: computed ? '`' : value, start: i, end: j + 1 });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      let j = i + 1;
      // A dotted name: `os.path.join`; `.` then a name continues it.
      while (j < n && (/[\w$]/.test(code[j]) || (code[j] === '.' && j + 1 < n && /[A-Za-z_$]/.test(code[j + 1])))) j++;
      out.push({ kind: 'name', text: code.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    out.push({ kind: 'punct', text: c, start: i, end: i + 1 });
    i++;
  }
  return out;
}

/** Path segments joined as the join calls do: a later absolute segment starts over; no empty parts. */
function joinSegments(parts: readonly string[]): string {
  let out = '';
  for (const p of parts) {
    if (p.startsWith('/')) out = p;
    else if (out === '') out = p;
    else out = out.endsWith('/') ? out + p : `${out}/${p}`;
  }
  return out;
}

/** `value` as a literal of the code, or undefined when it holds both quotes or a line break. */
function quoted(value: string): string | undefined {
  if (value.includes('\n') || value.includes('\\')) return undefined;
  if (!value.includes('\'')) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  return undefined;
}

interface Folded {
  /** The tokens folded: from `first` up to, not including, `next`. */
  next: number;
  value: string;
  /** Made by a path object's call (`Path('a')`): written back as that call. */
  call?: string;
}

/**
 * The arguments of the call whose `(` is at `open`: each a string's value, or undefined for anything
 * else; and the index after its `)`. Undefined when the call does not close.
 */
function callArguments(tokens: readonly Token[], open: number): { args: (string | undefined)[]; next: number } | undefined {
  const args: (string | undefined)[] = [];
  let depth = 0;
  let current: Token[] = [];
  for (let k = open + 1; k < tokens.length && k <= open + MAX_CALL_TOKENS; k++) {
    const t = tokens[k];
    if (t.kind === 'punct' && (t.text === '(' || t.text === '[' || t.text === '{')) depth++;
    if (t.kind === 'punct' && (t.text === ')' || t.text === ']' || t.text === '}')) {
      if (depth === 0) {
        if (current.length > 0) args.push(current.length === 1 && current[0].kind === 'string' ? current[0].text : undefined);
        return { args, next: k + 1 };
      }
      depth--;
    }
    if (depth === 0 && t.kind === 'punct' && t.text === ',') {
      args.push(current.length === 1 && current[0].kind === 'string' ? current[0].text : undefined);
      current = [];
      continue;
    }
    current.push(t);
  }
  return undefined;
}

/** The strings after the last argument that is not one (the path's known end), or undefined with none. */
function knownTail(args: readonly (string | undefined)[]): string[] | undefined {
  let k = args.length;
  while (k > 0 && args[k - 1] !== undefined) k--;
  const tail = args.slice(k) as string[];
  return tail.length > 0 ? tail : undefined;
}

const isPunct = (t: Token | undefined, text: string): boolean => t !== undefined && t.kind === 'punct' && t.text === text;

/** A path expression starting at token `i`, folded, or undefined when none starts there. */
function foldAt(tokens: readonly Token[], i: number): Folded | undefined {
  const t = tokens[i];
  let folded: Folded | undefined;
  if (t.kind === 'name' && JOIN_CALLS.has(t.text) && isPunct(tokens[i + 1], '(')) {
    const call = callArguments(tokens, i + 1);
    const tail = call && knownTail(call.args);
    // A bare `join`/`resolve` only with strings alone (`from os.path import join`): `x.join(…)` is a name of its own.
    if (!call || !tail || ((t.text === 'join' || t.text === 'resolve') && tail.length !== call.args.length)) return undefined;
    folded = { next: call.next, value: joinSegments(tail), ...(PATH_OBJECTS.has(t.text) ? { call: t.text } : {}) };
    // Path('a').joinpath('b', 'c'), Path('a') / 'b' / 'c'
    while (folded.call !== undefined) {
      if (isPunct(tokens[folded.next], '/') && tokens[folded.next + 1]?.kind === 'string') {
        folded = { ...folded, next: folded.next + 2, value: joinSegments([folded.value, tokens[folded.next + 1].text]) };
      } else if (isPunct(tokens[folded.next], '.') && tokens[folded.next + 1]?.text === 'joinpath' && isPunct(tokens[folded.next + 2], '(')) {
        const more = callArguments(tokens, folded.next + 2);
        if (!more || more.args.length === 0 || more.args.some((a) => a === undefined)) break;
        folded = { ...folded, next: more.next, value: joinSegments([folded.value, ...(more.args as string[])]) };
      } else {
        break;
      }
    }
    return folded;
  }
  if (t.kind === 'punct' && t.text === '[') {
    // ['src', 'a.ts'].join('/')
    const list = callArguments(tokens, i);
    if (!list || list.args.length < 2 || list.args.some((a) => a === undefined)) return undefined;
    const k = list.next;
    if (isPunct(tokens[k], '.') && tokens[k + 1]?.text === 'join' && isPunct(tokens[k + 2], '(') && tokens[k + 3]?.kind === 'string' && isPunct(tokens[k + 4], ')')) {
      return { next: k + 5, value: (list.args as string[]).join(tokens[k + 3].text) };
    }
    return undefined;
  }
  if (t.kind === 'string') {
    // '/'.join(['src', 'a.ts']) (Python)
    if (isPunct(tokens[i + 1], '.') && tokens[i + 2]?.text === 'join' && isPunct(tokens[i + 3], '(') && (isPunct(tokens[i + 4], '[') || isPunct(tokens[i + 4], '('))) {
      const list = callArguments(tokens, i + 4);
      if (list && list.args.length >= 2 && list.args.every((a) => a !== undefined) && isPunct(tokens[list.next], ')')) {
        return { next: list.next + 1, value: (list.args as string[]).join(t.text) };
      }
    }
    // 'src/' + 'booking/flow.ts', Perl's 'src/' . 'a.ts', Python's 'src/' 'a.ts'
    let k = i + 1;
    let value = t.text;
    for (;;) {
      if ((isPunct(tokens[k], '+') || isPunct(tokens[k], '.')) && tokens[k + 1]?.kind === 'string') {
        value += tokens[k + 1].text;
        k += 2;
      } else if (tokens[k]?.kind === 'string') {
        value += tokens[k].text;
        k += 1;
      } else {
        break;
      }
    }
    return k > i + 1 ? { next: k, value } : undefined;
  }
  return undefined;
}

/**
 * `code` with each path it builds out of string literals written as one literal (see above); the
 * rest as it was. Code with nothing to fold is returned as it is.
 */
export function foldPathLiterals(code: string): string {
  const tokens = tokenize(code);
  let out = '';
  let copied = 0;
  for (let i = 0; i < tokens.length;) {
    const f = foldAt(tokens, i);
    const literal = f && quoted(f.value);
    if (!f || literal === undefined) {
      i = f ? f.next : i + 1;
      continue;
    }
    out += code.slice(copied, tokens[i].start) + (f.call !== undefined ? `${f.call}(${literal})` : literal);
    copied = tokens[f.next - 1].end;
    i = f.next;
  }
  return copied === 0 ? code : out + code.slice(copied);
}
