// What a shell command an agent wants to run would do to protected files: a tokenizer for the
// POSIX shell subset agents write (quotes, escapes, `&&` `||` `;` `|` chains, subshells, `$(…)`,
// `bash -c '…'`, heredocs) and a table of commands that write, move, delete or check out files.
// Best effort by nature (a shell is a programming language): it catches the routes agents take
// when an edit is refused, and fails closed on input it will not analyse. Pure: the caller says
// which paths are locked and which files a glob could match (see `decideShell`).
import { posix } from 'node:path';
import { foldPathLiterals } from './codePaths';
import { minimatchModule } from './minimatchModule';
import { ABSENT, MakeTooComplex, UNKNOWN_VALUE, makeRecipes } from './makefile';
import type { MakeRecipes } from './makefile';
import type { GuardedCommand } from './manifest';

/** What a command does to a path. */
export type ShellOp = 'write' | 'move' | 'delete' | 'checkout';

/** One path a command would change, as written in the command (relative to the command's cwd). */
export interface ShellTarget {
  /** As written, quotes removed; a `$VAR`/`$(…)` part is replaced by `**` (any path) and `glob` is set. */
  path: string;
  /** Contains unquoted `*`, `?`, `[…]` or an expansion: any file it could match counts. */
  glob: boolean;
  op: ShellOp;
  /** The command or redirect that does it (`sed -i`, `>`, `git checkout`), for the message. */
  via: string;
  /**
   * Set when the folder the path is in cannot be known (after `cd $DIR`, a `cd` in a loop): the pattern,
   * relative to any folder of a workspace, that the path could be (`**\/pricing.ts`).
   */
  anywhere?: string;
  /** Why the path cannot be known, for the message (`after a cd to a folder the guard cannot know`). */
  unknown?: string;
  /** The package script or make recipe line that writes it, for the message (`make fmt: \`gofmt -w .\``). */
  through?: string;
  /** The word as the command wrote it, where the path has a part the guard cannot know (`"$OUT"`), for the message. */
  written?: string;
}

export interface ShellAnalysis {
  targets: ShellTarget[];
  /** Manifest `guardedCommands` entries the command matches. */
  guarded: GuardedCommand[];
  /** Set when the command was not analysed (too long, too deep): the caller must refuse. */
  failure?: string;
  /** The command line and each simple command in it, spaces normalised: what guardedIn matches. */
  lines: readonly string[];
  /** git commands in it that skip the repository's hooks (`git commit --no-verify`, `-n`), as written. */
  skipsHooks?: readonly string[];
}

/** Bounds, so a huge or pathological command cannot hang the hook. */
export const SHELL_LIMITS = { maxLength: 64 * 1024, maxWords: 20_000, maxDepth: 8 } as const;

class TooComplex extends Error {}
/** The command runs something the guard cannot know (a script piped into a shell, a computed command name): refused. */
class Undecidable extends Error {}

interface Word {
  /** Quotes removed; expansions replaced by EXPANSION. */
  text: string;
  /** An unquoted glob character or an expansion: the word stands for any file it matches. */
  glob: boolean;
  /** The word as it was written (for `-c` scripts that are analysed again). */
  raw: string;
  /** Commands found inside `$(…)` or backticks in this word. */
  inner: string[];
  /** A process substitution `<(…)`/`>(…)`: its command (what `bash <(…)` or `source <(…)` would run the output of). */
  process?: string;
  /** Why the word cannot be known, when it was not written (the arguments `xargs` reads). */
  unknown?: string;
  /** What each EXPANSION in `text` stands for, in order (set by the tokenizer; see withKnown). */
  refs?: readonly VarRef[];
  /** The written word has an unquoted glob character or brace set (not counting its expansions). */
  charGlob?: boolean;
}

/** An expansion in a word: a variable by name (`$X`, `${X}`, `$$`), or undefined for any other (`$(…)`, `${X%y}`). */
interface VarRef {
  name?: string;
  /** Inside double quotes: no field splitting, no globbing. */
  quoted: boolean;
}

interface Redirect {
  op: string;
  target: Word;
}

interface SimpleCommand {
  words: Word[];
  redirects: Redirect[];
  /** Heredoc bodies and here-strings fed to this command's input (code for `python - <<EOF`, `bash <<< '…'`). */
  heredocs: string[];
  /** Commands in `$(…)` or backticks of an unquoted heredoc's body: they run. */
  inner: string[];
  /** An unquoted heredoc's body has `$` or a backtick: what the command reads is not the body as written. */
  expands?: boolean;
}

/** The operator before a command: what the command runs after (`&&`: only when the one before succeeded). */
type Sep = ';' | '&&' | '||' | '|' | '&';

/** A script as the shell runs it: commands with the operator before each, and the subshells' `(`/`)`. */
type Item = { kind: 'command'; command: SimpleCommand; sep: Sep } | { kind: 'open'; sep: Sep } | { kind: 'close' };

const GLOB_CHARS = /[*?[]/;
/**
 * Stands in a word's text for a `$VAR`, `${…}`, `$(…)` or backtick part: any text at all, `/` and `..`
 * included, so a path with one may be anywhere (see `finish`). Shown as `**`.
 */
const EXPANSION = '\0';

/**
 * Splits `source` into simple commands. Operators (`&&`, `||`, `;`, `|`, `&`, newlines) separate
 * commands and are kept as each command's `sep`; `(`/`)` are kept as the subshell they open and close;
 * `{`/`}`, `!`, `if`/`then`/… stay words, read by `unwrap`.
 */
function tokenize(source: string, budget: { words: number }): Item[] {
  const commands: Item[] = [];
  let sep: Sep = ';';
  let current: SimpleCommand = { words: [], redirects: [], heredocs: [], inner: [] };
  const pendingHeredocs: { delimiter: string; strip: boolean; literal: boolean; command: SimpleCommand }[] = [];
  let pendingRedirect: string | undefined;
  let i = 0;
  const n = source.length;

  /** Ends the current command; true when there was one. */
  const flush = (): boolean => {
    const some = current.words.length > 0 || current.redirects.length > 0;
    if (some) {
      commands.push({ kind: 'command', command: current, sep });
      sep = ';';
    }
    current = { words: [], redirects: [], heredocs: [], inner: [] };
    return some;
  };
  const pushWord = (word: Word): void => {
    if (++budget.words > SHELL_LIMITS.maxWords) throw new TooComplex(`more than ${SHELL_LIMITS.maxWords} words`);
    if (pendingRedirect !== undefined) {
      if (pendingRedirect === '<<' || pendingRedirect === '<<-') {
        // A quoted delimiter (`<<'EOF'`, `<<\EOF`) makes the body literal; otherwise `$(…)` in it runs.
        pendingHeredocs.push({ delimiter: word.text, strip: pendingRedirect === '<<-', literal: /['"\\]/.test(word.raw), command: current });
      } else if (pendingRedirect === '<<<') {
        // A here-string: the word is the command's input (and its `$(…)` runs).
        current.heredocs.push(word.text);
        current.redirects.push({ op: pendingRedirect, target: word });
      } else {
        current.redirects.push({ op: pendingRedirect, target: word });
      }
      pendingRedirect = undefined;
      return;
    }
    current.words.push(word);
  };
  /** Reads heredoc bodies after a newline. */
  const readHeredocs = (): void => {
    while (pendingHeredocs.length > 0) {
      const h = pendingHeredocs.shift()!;
      const body: string[] = [];
      while (i < n) {
        let end = source.indexOf('\n', i);
        if (end === -1) end = n;
        const line = source.slice(i, end);
        i = end + 1;
        if ((h.strip ? line.replace(/^\t+/, '') : line) === h.delimiter) break;
        body.push(line);
      }
      h.command.heredocs.push(body.join('\n'));
      if (!h.literal && /[$`]/.test(body.join('\n'))) h.command.expands = true;
      if (!h.literal) h.command.inner.push(...substitutions(body.join('\n')));
    }
  };
  while (i < n) {
    const c = source[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '\\' && source[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '#') {
      while (i < n && source[i] !== '\n') i++;
      continue;
    }
    if (c === '\n') {
      flush();
      i++;
      readHeredocs();
      continue;
    }
    if (c === ';') {
      flush();
      sep = ';';
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      flush();
      commands.push(c === '(' ? { kind: 'open', sep } : { kind: 'close' });
      sep = ';';
      i++;
      continue;
    }
    if (c === '&' || c === '|') {
      if (c === '&' && source[i + 1] === '>') {
        pendingRedirect = source[i + 2] === '>' ? '&>>' : '&>';
        i += pendingRedirect.length;
        continue;
      }
      flush();
      const two = source[i + 1] === c || (c === '|' && source[i + 1] === '&');
      sep = c === '|' ? (two && source[i + 1] === '|' ? '||' : '|') : two ? '&&' : '&';
      i += two ? 2 : 1;
      continue;
    }
    // Process substitution: `<(cmd)`, `>(cmd)` is a word (a /dev/fd path) whose command runs.
    if ((c === '<' || c === '>') && source[i + 1] === '(') {
      const end = readParen(source, i + 2);
      const body = source.slice(i + 2, end - 1);
      pushWord({ text: '/dev/fd/63', glob: false, raw: source.slice(i, end), inner: [body], process: body });
      i = end;
      continue;
    }
    // Redirects: [n]> [n]>> >| [n]< << <<- <<< [n]>&m
    const redirect = /^(\d*)(>>|>\||>&|>|<<<|<<-|<<|<&|<>|<)/.exec(source.slice(i, i + 6));
    if (redirect) {
      const op = redirect[2];
      i += redirect[0].length;
      if (op === '>&' || op === '<&') {
        // fd duplication (2>&1): the "target" is a descriptor, not a file; `>&file` writes the file.
        const m = /^[ \t]*(\d+|-)(?![^\s;&|()<>])/.exec(source.slice(i, i + 64));
        if (m) {
          i += m[0].length;
          continue;
        }
        pendingRedirect = '>';
        continue;
      }
      pendingRedirect = op === '>|' ? '>' : op;
      continue;
    }
    // A word: runs until an unquoted blank or operator.
    let text = '';
    let raw = '';
    let glob = false;
    const inner: string[] = [];
    const refs: VarRef[] = [];
    let charGlob = false;
    const startWord = i;
    /**
     * A command substitution (`$(…)`, backticks) or a variable at `at`, quoted or not: the inner command is
     * analysed too and the word becomes an expansion (any path). The index after it, or -1 when there is none.
     */
    const expansion = (at: number, quoted: boolean): number => {
      let end: number;
      let name: string | undefined;
      if (source[at] === '$' && source[at + 1] === '(') {
        end = readParen(source, at + 2);
        inner.push(source.slice(at + 2, end - 1));
        // `$(mktemp …)`: a file it makes (see mktempValue).
        if (MKTEMP.test(source.slice(at + 2, end - 1))) name = `$(${source.slice(at + 2, end - 1).trim()})`;
      } else if (source[at] === '$' && source[at + 1] === '{') {
        // `${x:-$(cmd)}`: the command in it runs.
        end = readBrace(source, at + 2);
        const body = source.slice(at + 2, end - 1);
        inner.push(...substitutions(body));
        if (VARIABLE_NAME.test(body)) name = body;
      } else if (source[at] === '$' && /[A-Za-z_0-9@*#?$!-]/.test(source[at + 1] ?? '')) {
        end = skipVariable(source, at);
        name = source.slice(at + 1, end);
      } else if (source[at] === '`') {
        const close = source.indexOf('`', at + 1);
        const stop = close === -1 ? n : close;
        inner.push(source.slice(at + 1, stop));
        end = stop + 1;
      } else {
        return -1;
      }
      text += EXPANSION;
      refs.push({ name, quoted });
      glob = true;
      return end;
    };
    let next = -1;
    // `~+` is $PWD (the folder the command runs in), `~-` is $OLDPWD (not known here).
    if (source[i] === '~' && (source[i + 1] === '+' || source[i + 1] === '-') && /^[/\s;&|()<>]?$/.test(source[i + 2] ?? '')) {
      text += source[i + 1] === '+' ? '.' : EXPANSION;
      if (source[i + 1] === '-') refs.push({ quoted: false });
      i += 2;
    }
    while (i < n) {
      const ch = source[i];
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === ';' || ch === '&' || ch === '|' || ch === '(' || ch === ')' || ch === '<' || ch === '>') break;
      if (ch === '\\') {
        if (source[i + 1] === '\n') {
          i += 2;
          continue;
        }
        text += source[i + 1] ?? '';
        i += 2;
      } else if (ch === "'") {
        const close = source.indexOf("'", i + 1);
        const end = close === -1 ? n : close;
        text += source.slice(i + 1, end);
        i = end + 1;
      } else if (ch === '"') {
        i++;
        while (i < n && source[i] !== '"') {
          const d = source[i];
          const after = d === '$' || d === '`' ? expansion(i, true) : -1;
          if (after >= 0) {
            i = after;
          } else if (d === '\\' && i + 1 < n && '"\\$`\n'.includes(source[i + 1])) {
            text += source[i + 1];
            i += 2;
          } else {
            text += d;
            i++;
          }
        }
        i++;
      } else if (ch === '$' && source[i + 1] === "'") {
        const ansi = ansiC(source, i + 2);
        text += ansi.text;
        i = ansi.end;
      } else if (ch === '$' && source[i + 1] === '"') {
        // $"…" (translated by the locale) is read as "…".
        i++;
      } else if ((ch === '$' || ch === '`') && (next = expansion(i, false)) >= 0) {
        i = next;
      } else {
        // A brace set (`{a,b}`) is a glob; looked for in a short window, so a run of `{` stays linear.
        if (GLOB_CHARS.test(ch) || (ch === '{' && isBraceSet(source.slice(i, i + 256)))) glob = charGlob = true;
        text += ch;
        i++;
      }
    }
    raw = source.slice(startWord, i);
    // A script analysed again (`bash -c "$X"`) keeps its expansions.
    pushWord({ text, glob: glob || text.includes(EXPANSION), raw, inner, ...(refs.length > 0 ? { refs } : {}), ...(charGlob ? { charGlob } : {}) });
  }
  flush();
  return commands;
}

/** `window` starts with a brace set: `{` … `,` … `}` without blanks. No regular expression: linear. */
function isBraceSet(window: string): boolean {
  const close = window.indexOf('}');
  if (close < 0) return false;
  const inner = window.slice(1, close);
  return inner.includes(',') && !/\s/.test(inner);
}

/**
 * The index after the `close` ending a `$(`, `<(` (`(`, `)`) or `${` (`{`, `}`) whose text starts at
 * `start`: nested pairs counted; quotes, `$'…'` and escapes skipped (a `}` or `)` in quotes closes
 * nothing); in a `${…}`, a `$(…)` read whole. The end of `source` when none closes it.
 */
function readClosing(source: string, start: number, open: string, close: string): number {
  const n = source.length;
  let depth = 1;
  let j = start;
  while (j < n && depth > 0) {
    const c = source[j];
    if (c === '\\') j += 2;
    else if (c === '$' && source[j + 1] === "'") j = ansiC(source, j + 2).end;
    else if (open !== '(' && c === '$' && source[j + 1] === '(') j = readParen(source, j + 2);
    else if (c === "'") {
      const close = source.indexOf("'", j + 1);
      j = close === -1 ? n : close + 1;
    } else if (c === '"') {
      j++;
      while (j < n && source[j] !== '"') j += source[j] === '\\' ? 2 : 1;
      j++;
    } else {
      if (c === open) depth++;
      else if (c === close) depth--;
      j++;
    }
  }
  // Unclosed: all the rest is the text.
  return depth > 0 ? n + 1 : Math.min(j, n + 1);
}

function readParen(source: string, start: number): number {
  return readClosing(source, start, '(', ')');
}

function readBrace(source: string, start: number): number {
  return readClosing(source, start, '{', '}');
}

/**
 * The commands of the `$(…)` and backtick substitutions in `text`, read as the shell reads an
 * unquoted heredoc's body or a `${…}`: quotes are plain characters there, `\` escapes.
 */
function substitutions(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  let j = 0;
  while (j < n) {
    const c = text[j];
    if (c === '\\') {
      j += 2;
    } else if (c === '$' && text[j + 1] === '(') {
      const end = readParen(text, j + 2);
      out.push(text.slice(j + 2, end - 1));
      j = end;
    } else if (c === '`') {
      let k = j + 1;
      while (k < n && text[k] !== '`') k += text[k] === '\\' ? 2 : 1;
      out.push(text.slice(j + 1, k));
      j = k + 1;
    } else {
      j++;
    }
  }
  return out;
}

const ANSI_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * The text of `$'…'` starting after `$'` as bash decodes it (`\'`, `\xHH`, `\NNN`, `\uXXXX`,
 * `\UXXXXXXXX`, `\cX`; a NUL ends the text), and the index after the closing quote.
 */
function ansiC(source: string, start: number): { text: string; end: number } {
  const n = source.length;
  let text = '';
  let cut = false;
  let j = start;
  const add = (s: string): void => {
    if (s.includes('\0')) cut = true;
    if (!cut) text += s;
  };
  const digits = (re: RegExp, max: number): string => {
    let d = '';
    while (d.length < max && j < n && re.test(source[j])) d += source[j++];
    return d;
  };
  while (j < n && source[j] !== "'") {
    if (source[j] !== '\\') {
      add(source[j++]);
      continue;
    }
    const e = source[j + 1] ?? '';
    j += 2;
    if (e in ANSI_ESCAPES) add(ANSI_ESCAPES[e]);
    else if (e === 'x' || e === 'u' || e === 'U') {
      const hex = digits(/[0-9a-fA-F]/, e === 'x' ? 2 : e === 'u' ? 4 : 8);
      const code = parseInt(hex, 16);
      if (hex === '') add(`\\${e}`);
      else add(code <= 0x10ffff ? String.fromCodePoint(code) : '');
    } else if (/[0-7]/.test(e)) {
      j--;
      add(String.fromCharCode(parseInt(digits(/[0-7]/, 3), 8) & 0xff));
    } else if (e === 'c') {
      add(String.fromCharCode((source.charCodeAt(j++) || 0) & 31));
    } else if (e === '\\' || e === "'" || e === '"' || e === '?') add(e);
    else add(`\\${e}`);
  }
  return { text, end: j + 1 };
}

/** Index after `$NAME`, `$1`, `$@`… starting at the `$` (a `${…}` is read by readBrace). */
function skipVariable(source: string, at: number): number {
  const m = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9@*#?$!-]/.exec(source.slice(at + 1));
  return at + 1 + (m ? m[0].length : 0);
}

/** A script file that is the shell's own standard input (`bash /dev/stdin`, `source -`). */
const STDIN_SCRIPT = /^(\/dev\/stdin|\/dev\/fd\/0|\/proc\/self\/fd\/0|-)$/;
/** Reserved words that open or close a compound command; the command after them runs in the current shell. */
const RESERVED = new Set(['{', '}', '!', 'if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', 'esac', 'time']);
/**
 * Reads the options of the prefix `name` that start at `words[start]` (see PrefixSpec) into `out`;
 * the index of the command after them (`words.length`: none), or undefined when no command can
 * follow (`sudo -l`). An index, not a slice: a chain of prefixes (`env env env …`) stays linear.
 */
function prefixOptions(name: string, words: readonly Word[], start: number, out: Unwrapped): number | undefined {
  const spec = PREFIXES[name];
  let k = start;
  const take = (option: string, value: Word | undefined): void => {
    if (value === undefined) return;
    if (spec.chdir?.includes(option)) out.chdir.push(value);
    if (spec.root?.includes(option)) newRoot(`${name} ${option}`, value);
    if (spec.writes?.includes(option)) (out.writes ??= []).push({ word: value, via: `${name} ${option}` });
    if (spec.script?.includes(option)) out.script = value.text;
    if (name === 'xargs' && (option === '-I' || option === '--replace' || option === '-i')) out.xargs = { replace: value.text || '{}' };
  };
  for (; k < words.length; k++) {
    const w = words[k].text;
    if (w === '--') {
      k++;
      break;
    }
    if (name === 'env' && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) continue;
    if (!w.startsWith('-') || (w === '-' && name !== 'env')) break;
    if (w === '-' || spec.flags.includes(w) || spec.flags.some((f) => f.startsWith('--') && w.startsWith(`${f}=`))) continue;
    if (spec.anyLong && /^--[a-z]/.test(w) && !spec.value.some((v) => w === v || w.startsWith(`${v}=`))) continue;
    if (spec.alone?.some((a) => w === a || (a.startsWith('--') && w.startsWith(`${a}=`)))) return undefined;
    const long = /^(--[^=]+)=(.*)$/.exec(w);
    if (long && spec.value.includes(long[1])) {
      take(long[1], { ...words[k], text: long[2] });
      continue;
    }
    if (spec.value.includes(w)) {
      take(w, words[k + 1]);
      k++;
      continue;
    }
    // A cluster of short options (`-Eu root`, `-uroot`, `-n10`, `-i{}`).
    if (/^-[^-]/.test(w)) {
      let ok = true;
      for (let c = 1; c < w.length; c++) {
        const o = `-${w[c]}`;
        if (spec.value.includes(o)) {
          const rest = w.slice(c + 1);
          take(o, rest !== '' ? { ...words[k], text: rest } : words[++k]);
          break;
        }
        if (spec.optional?.includes(o)) {
          take(o, { ...words[k], text: w.slice(c + 1) });
          break;
        }
        if (spec.alone?.includes(o)) return undefined;
        if (!spec.flags.includes(o) && !(name === 'nice' && /^\d$/.test(w[c]))) {
          ok = false;
          break;
        }
      }
      if (ok) continue;
    }
    throw new Undecidable(`\`${name} ${w}\` is an option the guard does not know, so it cannot tell which command runs`);
  }
  if (name === 'xargs') out.xargs ??= {};
  if (name === 'chroot' && words[k] !== undefined) newRoot('chroot', words[k]);
  const positional = spec.positionalUnless && words.slice(start, k).some((w) => spec.positionalUnless!.some((o) => w.text === o || w.text.startsWith(`${o}=`) || (!o.startsWith('--') && w.text.startsWith(o)))) ? 0 : spec.positional ?? 0;
  const at = Math.min(k + positional, words.length);
  // `flock FILE -c CMD`, `su USER -c CMD`: the command line after the positional word.
  if (at > k && spec.script?.includes(words[at]?.text ?? '')) {
    take(words[at].text, words[at + 1]);
    return words.length;
  }
  // `watch rm x`: `sh -c 'rm x'`.
  if (spec.joined && !words.slice(start, at).some((w) => spec.joined!.unless.includes(w.text) || /^-[a-wyz]*x/.test(w.text))) {
    if (at < words.length) out.script = words.slice(at).map((w) => w.text).join(' ');
    return words.length;
  }
  return at;
}

/** Reserved words after which a loop body runs again and again. */
const LOOPS = new Set(['while', 'until', 'for', 'select']);
/** Builtins that run the builtin or command after them in the current shell (so `builtin cd dir` moves it). */
const TRANSPARENT = new Set(['builtin', 'command']);
/**
 * Programs that run the command after their options (`sudo cd` moves no shell), with what each
 * option does: `value` options take the next word (or `--opt=value`, `-uroot`); `flags` take none;
 * `chdir` runs the command in another folder; `script` is a command line of its own (`env -S`);
 * `alone` means no command follows (`ionice -p PID`); `positional` words come before the command
 * (`timeout 5`). Any other option: the guard cannot tell where the command starts, and refuses.
 */
interface PrefixSpec {
  value: string[];
  flags: string[];
  chdir?: string[];
  script?: string[];
  alone?: string[];
  positional?: number;
  /** Short options whose value is attached or absent (`xargs -i`, `-i{}`). */
  optional?: string[];
  /**
   * The command is run through `sh -c` with its words joined by spaces (`watch rm x`), unless one of
   * these options is given (`watch -x`: run as it is).
   */
  joined?: { unless: string[] };
  /** Options whose value is the root folder the command runs under (`unshare --root`): see newRoot. */
  root?: string[];
  /** No positional word when one of these options is given (`runuser -u USER cmd`, but `runuser USER -c cmd`). */
  positionalUnless?: string[];
  /** Every long option (`--tool=memcheck`, `--quiet`) is a flag or carries its value after `=`: valgrind's, firejail's. */
  anyLong?: boolean;
  /** Options whose value is a file the program writes (`valgrind --log-file=F`). */
  writes?: string[];
}

/**
 * A command run under another root folder (`chroot DIR`, `unshare --root DIR`, `firejail --chroot=DIR`):
 * under `/` its paths name what they name here (read from the folder it runs in, though chroot moves to
 * `/` first: a relative path then names a file outside the workspace, so reading it here errs on the
 * side of refusing). Any other root gives its paths another meaning (`chroot /tmp rm /repo/src/a.ts`
 * removes /tmp/repo/src/a.ts), which the guard does not work out: refused with the reason.
 */
function newRoot(via: string, root: Word): void {
  if (!root.glob && /^\/+(?:\.\/*)*$/.test(root.text)) return;
  throw new Undecidable(`\`${via} ${root.raw}\` runs the command under another root folder, where its paths name other files than they do here`);
}
const PREFIXES: Record<string, PrefixSpec> = {
  env: { value: ['-u', '--unset', '-C', '--chdir', '-S', '--split-string'], flags: ['-i', '--ignore-environment', '-0', '--null', '-v', '--debug', '-', '--default-signal', '--ignore-signal', '--block-signal', '--list-signal-handling'], chdir: ['-C', '--chdir'], script: ['-S', '--split-string'] },
  sudo: {
    value: ['-u', '--user', '-g', '--group', '-h', '--host', '-p', '--prompt', '-C', '--close-from', '-D', '--chdir', '-r', '--role', '-t', '--type', '-U', '--other-user', '-T', '--command-timeout', '-R', '--chroot'],
    flags: ['-A', '--askpass', '-b', '--background', '-E', '--preserve-env', '-H', '--set-home', '-i', '--login', '-n', '--non-interactive', '-P', '--preserve-groups', '-S', '--stdin', '-s', '--shell', '-B', '--bell', '-N', '--no-update', '-k', '--reset-timestamp', '-e', '--edit', '--'],
    chdir: ['-D', '--chdir', '-R', '--chroot'], alone: ['-l', '--list', '-v', '--validate', '-V', '--version', '-K', '--remove-timestamp', '--help'],
  },
  doas: { value: ['-u'], flags: ['-n', '-s', '--'], alone: ['-C', '-L'] },
  exec: { value: ['-a'], flags: ['-c', '-l'] },
  nohup: { value: [], flags: ['--'] },
  nice: { value: ['-n', '--adjustment'], flags: ['--'] },
  ionice: { value: ['-c', '--class', '-n', '--classdata'], flags: ['-t', '--ignore', '--'], alone: ['-p', '--pid', '-P', '--pgid', '-u', '--uid'] },
  stdbuf: { value: ['-i', '--input', '-o', '--output', '-e', '--error'], flags: ['--'] },
  timeout: { value: ['-s', '--signal', '-k', '--kill-after'], flags: ['--foreground', '--preserve-status', '-v', '--verbose', '-f', '-p', '--'], positional: 1 },
  chrt: { value: ['-T', '--sched-runtime', '-P', '--sched-period', '-D', '--sched-deadline'], flags: ['-a', '--all-tasks', '-b', '--batch', '-d', '--deadline', '-f', '--fifo', '-i', '--idle', '-o', '--other', '-r', '--rr', '-R', '--reset-on-fork', '-v', '--verbose', '--'], alone: ['-p', '--pid', '-m', '--max'], positional: 1 },
  taskset: { value: [], flags: ['-a', '--all-tasks', '-c', '--cpu-list', '--'], alone: ['-p', '--pid'], positional: 1 },
  setsid: { value: [], flags: ['-c', '--ctty', '-f', '--fork', '-w', '--wait', '--'] },
  xargs: {
    value: ['-I', '-n', '--max-args', '-L', '--max-lines', '-d', '--delimiter', '-a', '--arg-file', '-E', '--eof', '-P', '--max-procs', '-s', '--max-chars', '--process-slot-var', '--replace'],
    flags: ['-0', '--null', '-r', '--no-run-if-empty', '-t', '--verbose', '-p', '--interactive', '-x', '--exit', '-o', '--open-tty', '--show-limits', '--'],
    optional: ['-i', '-e', '-l'],
  },
  busybox: { value: [], flags: [] },
  // npm's portable shell commands: `npx shx rm -rf src/booking` is rm.
  shx: { value: [], flags: ['--silent', '--verbose', '--noglob', '--'] },
  // Programs that run a command they are given (found allowed by trying them: `flock /tmp/l rm …`).
  // A `script` option may also follow the positional word (`flock FILE -c CMD`, `su USER -c CMD`).
  flock: {
    value: ['-w', '--timeout', '--wait', '-E', '--conflict-exit-code', '-c', '--command'], script: ['-c', '--command'],
    flags: ['-s', '--shared', '-x', '-e', '--exclusive', '-u', '--unlock', '-n', '--nb', '--nonblock', '--no-fork', '-F', '-o', '--close', '--verbose', '--'], positional: 1,
  },
  su: {
    value: ['-c', '--command', '--session-command', '-s', '--shell', '-g', '--group', '-G', '--supp-group', '-w', '--whitelist-environment'], script: ['-c', '--command', '--session-command'],
    flags: ['-', '-l', '--login', '-m', '-p', '--preserve-environment', '-f', '--fast', '-P', '--pty', '--'], positional: 1,
  },
  unbuffer: { value: [], flags: ['-p', '--'] },
  watch: {
    value: ['-n', '--interval', '-q', '--equexit'],
    flags: ['-b', '--beep', '-c', '--color', '-C', '--no-color', '-d', '--differences', '-e', '--errexit', '-g', '--chgexit', '-p', '--precise', '-r', '--no-rerun', '-t', '--no-title', '-w', '--no-wrap', '-x', '--exec', '--'],
    joined: { unless: ['-x', '--exec'] },
  },
  strace: {
    value: ['-o', '--output', '-e', '-s', '--string-limit', '-u', '--user', '-E', '--env', '-P', '--trace-path', '-a', '--columns', '-b', '--detach-on', '-I', '--interruptible', '-O', '--overhead', '-S', '--sort', '-X', '--const-print-style', '-U', '--summary-columns', '--trace', '--signal', '--status'],
    flags: ['-f', '-ff', '-c', '-C', '-d', '-D', '-DD', '-DDD', '-F', '-i', '-k', '-n', '-q', '-qq', '-qqq', '-r', '-t', '-tt', '-ttt', '-T', '-v', '-w', '-x', '-xx', '-y', '-yy', '-Y', '-z', '-Z', '--follow-forks', '--summary', '--summary-only', '--'],
    alone: ['-p', '--attach', '-V', '--version', '-h', '--help'],
  },
  ltrace: {
    value: ['-o', '--output', '-e', '-s', '-u', '-a', '--align', '-A', '-D', '--debug', '-E', '-F', '--config', '-l', '--library', '-n', '--indent', '-x', '-w', '--where'],
    flags: ['-b', '--no-signals', '-c', '-C', '--demangle', '-f', '-i', '-L', '-r', '-S', '-t', '-tt', '-ttt', '-T', '--'],
    alone: ['-p', '-V', '--version', '-h', '--help'],
  },
  'systemd-run': {
    value: ['-u', '--unit', '-p', '--property', '-E', '--setenv', '--description', '--slice', '-H', '--host', '-M', '--machine', '--uid', '--gid', '--nice', '--working-directory', '--on-active', '--on-boot', '--on-startup', '--on-unit-active', '--on-unit-inactive', '--on-calendar', '--timer-property', '--path-property', '--socket-property', '--service-type'],
    chdir: ['--working-directory'],
    flags: ['--user', '--system', '--scope', '-r', '--remain-after-exit', '--send-sighup', '-t', '--pty', '-P', '--pipe', '-G', '--collect', '-q', '--quiet', '--wait', '-S', '--shell', '--no-block', '--no-ask-password', '-d', '--same-dir', '--'],
  },
  // Programs that run a command under limits, another user or a tool (found allowed by trying them).
  prlimit: {
    value: ['-o', '--output'], optional: ['-c', '-d', '-e', '-f', '-i', '-l', '-m', '-n', '-q', '-r', '-s', '-t', '-u', '-v', '-x', '-y'],
    flags: ['--noheadings', '--raw', '--verbose', '--as', '--core', '--cpu', '--data', '--fsize', '--locks', '--memlock', '--msgqueue', '--nice', '--nofile', '--nproc', '--rss', '--rtprio', '--rttime', '--sigpending', '--stack', '--'],
    alone: ['-p', '--pid', '-h', '--help', '-V', '--version'],
  },
  unshare: {
    value: ['--propagation', '--setgroups', '--map-user', '--map-group', '--map-users', '--map-groups', '-S', '--setuid', '-G', '--setgid', '--monotonic', '--boottime', '-w', '--wd', '-R', '--root'],
    chdir: ['-w', '--wd'], root: ['-R', '--root'], optional: ['-m', '-u', '-i', '-n', '-p', '-U', '-C', '-T'],
    flags: ['-m', '-u', '-i', '-n', '-p', '-U', '-C', '-T', '-f', '-r', '-c', '--mount', '--uts', '--ipc', '--net', '--pid', '--user', '--cgroup', '--time', '--fork', '--map-root-user', '--map-current-user', '--kill-child', '--mount-proc', '--map-auto', '--keep-caps', '--'],
    alone: ['-h', '--help', '-V', '--version'],
  },
  runuser: {
    value: ['-u', '--user', '-g', '--group', '-G', '--supp-group', '-s', '--shell', '-c', '--command', '--session-command', '-w', '--whitelist-environment'], script: ['-c', '--command', '--session-command'],
    flags: ['-', '-l', '--login', '-m', '-p', '--preserve-environment', '-P', '--pty', '--'], positional: 1, positionalUnless: ['-u', '--user'],
  },
  fakeroot: { value: ['-l', '--lib', '--faked', '-s', '-i', '-b'], flags: ['-u', '--unknown-is-real', '--'], alone: ['-h', '--help', '-v', '--version'] },
  catchsegv: { value: [], flags: [] },
  valgrind: { value: ['--log-file', '--xml-file'], writes: ['--log-file', '--xml-file'], flags: ['-q', '-v', '-d', '--'], alone: ['-h', '--help', '--help-debug', '--version'], anyLong: true },
  firejail: { value: ['--chroot'], root: ['--chroot'], flags: ['--'], anyLong: true },
  chroot: { value: ['--userspec', '--groups'], flags: ['--skip-chdir', '--'], alone: ['--help', '--version'], positional: 1 },
  screen: {
    // `screen -X stuff …` types into a session the guard cannot see: an option it does not know, refused.
    // `-c file`: a configuration, which can run commands: not known, refused.
    value: ['-S', '-e', '-h', '-p', '-s', '-t', '-T', '-Logfile'],
    flags: ['-a', '-A', '-d', '-D', '-m', '-f', '-fn', '-fa', '-i', '-l', '-ln', '-L', '-O', '-q', '-U', '-'],
    alone: ['-ls', '-list', '-wipe', '-v', '-r', '-R', '-x', '-Q'],
  },
};

/** bwrap's options by the number of values they take (any other is refused: the guard could not tell where the command starts). */
const BWRAP_OPTIONS: Record<string, number> = Object.fromEntries([
  ...['--unshare-all', '--share-net', '--unshare-user', '--unshare-user-try', '--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup', '--unshare-cgroup-try', '--disable-userns', '--assert-userns-disabled', '--clearenv', '--new-session', '--die-with-parent', '--as-pid-1', '--level-prefix'].map((o) => [o, 0]),
  ...['--args', '--argv0', '--unsetenv', '--lock-file', '--sync-fd', '--userns', '--userns2', '--pidns', '--uid', '--gid', '--hostname', '--chdir', '--exec-label', '--file-label', '--proc', '--dev', '--tmpfs', '--mqueue', '--dir', '--remount-ro', '--seccomp', '--add-seccomp-fd', '--block-fd', '--userns-block-fd', '--info-fd', '--json-status-fd', '--cap-add', '--cap-drop', '--perms', '--size', '--tmp-overlay', '--ro-overlay', '--overlay-src'].map((o) => [o, 1]),
  ...['--setenv', '--symlink', '--bind', '--ro-bind', '--dev-bind', '--bind-try', '--ro-bind-try', '--dev-bind-try', '--file', '--bind-data', '--ro-bind-data', '--chmod'].map((o) => [o, 2]),
  ['--overlay', 3],
]);
/**
 * Whether a mount's two sides are one folder: the same path without a trailing slash or `./` parts,
 * or (with a variable or `$(…)` in it) written the same way.
 */
function samePlace(a: Word, b: Word): boolean {
  if (a.text.includes(EXPANSION) || b.text.includes(EXPANSION)) return a.raw === b.raw;
  const norm = (p: string): string => p.replace(/\/\.(?=\/|$)/g, '').replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
  return norm(a.text) === norm(b.text);
}

/**
 * The command a sandbox or debugger runs (`bwrap … cmd`, `proot … cmd`, `gdb … --args cmd`), as
 * prefixOptions gives it for other prefixes; `nsenter` refused. A folder mounted writable in another
 * place (`bwrap --bind /repo /w rm /w/src/a.ts`, `proot -b /repo:/w`) or another root gives the
 * command's paths another meaning, which the guard does not work out: refused with the reason.
 */
function sandboxOptions(name: string, words: readonly Word[], start: number, out: Unwrapped): number | undefined {
  const remapped = (via: string, mount: string): Undecidable =>
    new Undecidable(`\`${via} ${mount}\` mounts a folder in another place, where the command's paths name other files than they do here`);
  let k = start;
  if (name === 'nsenter') {
    throw new Undecidable('`nsenter` runs the command in another process\'s namespaces (its mounts, its root), where the guard cannot tell which files its paths name');
  }
  if (name === 'bwrap') {
    for (; k < words.length && words[k].text.startsWith('--'); k++) {
      const o = words[k].text;
      if (o === '--') return k + 1;
      const n = BWRAP_OPTIONS[o];
      if (n === undefined) {
        if (o === '--help' || o === '--version') return undefined;
        throw new Undecidable(`\`bwrap ${o}\` is an option the guard does not know, so it cannot tell which command runs`);
      }
      const values = words.slice(k + 1, k + 1 + n);
      if (/^--(?:dev-)?bind(?:-try)?$/.test(o) && values.length === 2 && !samePlace(values[0], values[1])) throw remapped(`bwrap ${o}`, `${values[0].raw} ${values[1].raw}`);
      if (o === '--overlay') throw new Undecidable('`bwrap --overlay` writes to a folder of its own in place of the one mounted, which the guard does not work out');
      if (o === '--chdir' && values[0]) out.chdir.push(values[0]);
      // What bwrap makes itself: `--symlink SRC DEST` (a write through DEST reaches SRC, as `ln -s`), the
      // file of `--file FD DEST`/`--bind-data FD DEST`, the mode of `--chmod MODE PATH`.
      if (o === '--symlink' && values[0]) (out.writes ??= []).push({ word: values[0], via: 'bwrap --symlink' });
      if (/^--(?:file|bind-data|ro-bind-data|chmod)$/.test(o) && values[1]) (out.writes ??= []).push({ word: values[1], via: `bwrap ${o}` });
      k += n;
    }
    return k;
  }
  if (name === 'proot') {
    for (; k < words.length && words[k].text.startsWith('-'); k++) {
      const w = words[k].text;
      if (w === '--') return k + 1;
      const long = /^(--[a-z0-9-]+)=(.*)$/.exec(w);
      const o = long ? long[1] : w;
      const takes = ['-r', '--rootfs', '-R', '-S', '-b', '--bind', '-m', '--mount', '-w', '--pwd', '--cwd', '-k', '--kernel-release', '-i', '--change-id', '-q', '--qemu', '-v', '--verbose', '-p', '--port'].includes(o);
      if (!takes) {
        if (['-0', '--root-id', '--kill-on-exit', '--link2symlink', '-L', '-l'].includes(o)) continue;
        if (['-h', '--help', '-V', '--version', '--usage'].includes(o)) return undefined;
        throw new Undecidable(`\`proot ${w}\` is an option the guard does not know, so it cannot tell which command runs`);
      }
      const value = long ? { ...words[k], text: long[2] } : words[++k];
      if (value === undefined) return undefined;
      if (['-r', '--rootfs', '-R', '-S'].includes(o)) newRoot(`proot ${o}`, value);
      if (['-b', '--bind', '-m', '--mount'].includes(o)) {
        const [host, guest = host] = value.text.split(':');
        if (value.text.includes(EXPANSION) ? value.text.includes(':') : !samePlace({ ...value, text: host }, { ...value, text: guest })) throw remapped(`proot ${o}`, value.raw);
      }
      if (['-w', '--pwd', '--cwd'].includes(o)) out.chdir.push(value);
    }
    return k;
  }
  // gdb: only `--args PROGRAM ARGS…` runs a command the guard can read; commands given to gdb itself
  // (-ex, -x) run in the debugger, where `shell`, `call` and `python` run anything: only the usual
  // ones for running and inspecting a program pass.
  for (; k < words.length; k++) {
    const w = words[k].text;
    if (w === '--args' || w === '-args') return k + 1;
    const o = w.replace(/^--/, '-');
    // -cd DIR, -cd=DIR: the program runs there.
    const cd = /^-cd=(.*)$/.exec(o);
    if (cd || o === '-cd') {
      const dir = cd ? { ...words[k], text: cd[1] } : words[++k];
      if (dir !== undefined) out.chdir.push(dir);
      continue;
    }
    if (['-ex', '-eval-command', '-iex', '-init-eval-command'].includes(o)) {
      const command = words[++k]?.text.trim() ?? '';
      if (!GDB_COMMANDS.test(command)) throw new Undecidable(`\`gdb ${w} '${command}'\` runs a debugger command the guard does not read`);
    } else if (['-x', '-command', '-ix', '-init-command'].includes(o) || /^-(?:x|command|ix|init-command|eval-command|ex)=/.test(o)) {
      throw new Undecidable(`\`gdb ${w}\` runs debugger commands from a file the guard does not read`);
    }
  }
  return undefined;
}
/** Debugger commands that run and inspect the program (no `shell`, `call`, `print`, `python`, `dump`, `pipe`). */
const GDB_COMMANDS = /^(?:r|run|start|c|continue|bt|backtrace(?: full)?|bt full|where|thread apply all bt(?: full)?|info \w+(?: [\w.:*]+)?|q|quit|kill|set (?:pagination|confirm|width|height|print pretty|logging enabled) \w+|handle SIG\w+(?: \w+)*|frame \d+|f \d+|up|down|list(?: [\w.:]+)?|l(?: [\w.:]+)?|(?:b|br|break|tbreak|rbreak|watch|rwatch|awatch|disassemble|disas|ptype|whatis|until|advance|display|delete|disable|enable)(?: [\w.:*+-]+)?|step|s|next|n|stepi|si|nexti|ni|finish|fin|(?:p|print|x)(?:\/\w+)? [\w.\->*&\[\]$ ]+)$/;
const SANDBOXES = new Set(['bwrap', 'proot', 'gdb', 'nsenter']);

/** The real command of a simple command, with what stood before it. */
interface Unwrapped {
  /** The command and its arguments; empty when there is none (`fi`, `A=1`, `for x in …`). */
  words: Word[];
  /** A `!` inverts the command's status. */
  negate: boolean;
  /** A loop opened (`while`, `until`, `for`, `select`: +1) or closed (`done`: -1) before the command. */
  loop: number;
  /** The command runs in the current shell: no program prefix (`sudo`, `env`…) stood before it. */
  inShell: boolean;
  /** Variables assigned before the command or as the command (`A=1 cmd`, `A=1`). */
  assigned: string[];
  /** Folders the command runs in, one inside the other (`env -C dir`, `sudo -D dir`). */
  chdir: Word[];
  /** Files a prefix writes by its own options (`valgrind --log-file=F`). */
  writes?: { word: Word; via: string }[];
  /** A command line run by a prefix (`env -S 'cmd args'`). */
  script?: string;
  /** `xargs` runs the command: it adds arguments read from its input (`-I R`: in place of R). */
  xargs?: { replace?: string };
}

/** `sudo -e`, `sudo -Ae`, `sudo --edit`: sudoedit. */
const SUDO_EDIT = /^(-[a-zA-Z]*e[a-zA-Z]*|--edit)$/;

/** The real command of the words `all`, with what stood before it; walked by index, not sliced per prefix word (`! ! ! … cmd`: quadratic). */
function unwrap(all: readonly Word[]): Unwrapped {
  const out: Unwrapped = { words: [], negate: false, loop: 0, inShell: true, assigned: [], chdir: [] };
  let k = 0;
  for (;;) {
    const first = all[k];
    if (!first) return out;
    const assignment = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[[^\]]*\])?\+?=/.exec(first.text);
    if (assignment) {
      out.assigned.push(assignment[1]);
      k++;
    } else if (out.inShell && RESERVED.has(first.text)) {
      if (first.text === '!') out.negate = !out.negate;
      if (first.text === 'while' || first.text === 'until') out.loop++;
      if (first.text === 'done') out.loop--;
      k++;
      if (first.text === 'time') while (all[k]?.text === '-p') k++;
    } else if (out.inShell && first.text === 'function') {
      // `function f { cmd …`: the body's first command follows the name (and its `{`).
      k += 2;
    } else if (out.inShell && (first.text === 'for' || first.text === 'select' || first.text === 'case')) {
      // `for x in …`, `case x in`: the words are no command.
      if (LOOPS.has(first.text)) out.loop++;
      return out;
    } else if (TRANSPARENT.has(first.text)) {
      k++;
      // `command -v x` only looks x up. Its options stand before the command's name: a `-v` after it
      // (`command rm -v x`) is the command's own, which runs.
      for (; all[k] && all[k].text.startsWith('-') && all[k].text !== '-'; k++) {
        if (all[k].text === '--') {
          k++;
          break;
        }
        if (first.text === 'command' && /^-[pvV]*[vV]/.test(all[k].text)) return out;
      }
    } else if (SANDBOXES.has(basename(first.text))) {
      out.inShell = false;
      const at = sandboxOptions(basename(first.text), all, k + 1, out);
      if (at === undefined) return out;
      k = at;
    } else if (Object.hasOwn(PREFIXES, basename(first.text))) {
      const name = basename(first.text);
      out.inShell = false;
      const options = k + 1;
      const at = prefixOptions(name, all, options, out);
      if (at === undefined) return out;
      // `sudo -e file`: sudoedit, with the words after the options as its files.
      if (name === 'sudo' && all.slice(options, at).some((w) => SUDO_EDIT.test(w.text))) {
        out.words = [{ text: 'sudoedit', glob: false, raw: 'sudoedit', inner: [] }, ...all.slice(at)];
        return out;
      }
      k = at;
    } else {
      out.words = all.slice(k);
      return out;
    }
  }
}

const SHELLS = new Set(['bash', 'sh', 'zsh', 'dash', 'ksh', 'ash', 'fish']);
const INTERPRETERS = /^(python[0-9.]*|node|nodejs|deno|bun|tsx|ts-node|ts-node-esm|ruby|perl|php|osascript|pwsh|powershell|lua|luajit|Rscript|R|julia)$/;
/** A write call in an interpreter's code, next to which a path literal counts as written. */
const WRITE_CALL = /open\s*\([^)]{0,300},\s*(?:mode\s*=\s*)?['"][^'"]{0,8}[wax+]|openSync|\bsystem\s*\(|\bexec(?:Sync|File|FileSync)?\s*\(|\bspawn|\bopen\b[^;]{0,300}?['"]\s*(?:>|\+<)|write|truncate|unlink|remove|rmtree|rmSync|rmdir|rename|os\.replace|shutil|copyfile|copy2|copyFile|cpSync|appendFile|createWriteStream|symlink|os\.system|subprocess|child_process|execSync|spawnSync|File\.(?:write|delete|open|move|copy)|IO\.write|Set-Content|Add-Content|Out-File|Remove-Item|Copy-Item|Move-Item|\bsystem2\s*\(|file\.(?:create|copy)|\b(?:rm|mv|cp|touch|mkpath)\s*\(|\bos\.execute|\bio\.popen/;

function basename(p: string): string {
  const trimmed = p.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

function join(dir: string, name: string): string {
  return `${dir.replace(/\/+$/, '')}/${name}`;
}

/** A command in a pipeline, with its real command's words (see unwrap): what the command after it reads. */
interface Piped {
  command: SimpleCommand;
  words: readonly Word[];
}

/** What a command sees besides its words: how to analyse the scripts it runs, and its input. */
interface CommandIo {
  /** Analyses a script run in a subshell (`bash -c`, `$(…)`). */
  recurse: (script: string) => void;
  /** Analyses a script run in this shell (`eval`). */
  evalHere: (script: string) => void;
  /** The command piped into this one (`'unknown'`: a subshell or group), if any. */
  upstream?: Piped | 'unknown';
  /** A patch the command applies (`patch`, `git apply`, `git am`): its files are known once it is read. */
  patch: (use: PatchUse) => void;
  /** A package.json script the command runs (`npm run fmt`, `yarn lint`): read once the whole command is known. */
  script: (use: ScriptUse) => void;
  /** A make the command runs (`make fmt`): its makefile is read once the whole command is known. */
  make: (use: MakeUse) => void;
  /** A script file the command runs (`bash fix.sh`, `python3 fix.py`, `./fix.sh`): read once the whole command is known. */
  scriptFile: (use: ScriptFileUse) => void;
  /** A git command whose name may be an alias in git's configuration (`git co …`): read once the whole command is known. */
  gitAlias?: (use: GitAliasUse) => void;
  /** A program run by its name alone (`fixit`), which PATH may find in a folder of the user's: looked up once the whole command is known. */
  program?: (use: ProgramUse) => void;
}

/** `name args…`: a program run by its bare name, looked up in PATH (see programFiles). */
interface ProgramUse {
  name: string;
  args: readonly Word[];
}

/** `git <name> <rest…>` run in folder `inDir` (`git -C`), where `name` may be an alias from git's configuration. */
interface GitAliasUse {
  name: string;
  rest: readonly Word[];
  inDir: string;
}

/**
 * A script file a command runs: `shell` (`bash fix.sh`, `source env.sh`), `code` for an interpreter
 * (`python3 fix.py`, `node fix.js`), `exec` run by its path (`./fix.sh`: its first line says which).
 */
interface ScriptFileUse {
  file: Word;
  kind: 'shell' | 'code' | 'exec' | 'sed' | 'ex';
  /** The words after the file: a shell script's `$1`, `$2`…, code's `sys.argv[1:]`. */
  args?: readonly Word[];
  /** The interpreter, for `code`. */
  interpreter?: string;
  /** Found by its name in PATH (absolute): only what the command writes outside its own folders can be it. */
  inPath?: true;
}

/** What `make …` runs: its folder (`-C`), makefiles (`-f`), goals and command-line variables. */
interface MakeUse {
  at: string;
  files: string[];
  goals: string[];
  variables: Map<string, string>;
  /** `-I DIR`: folders searched for an included makefile not found in make's own. */
  includeDirs: string[];
  /** `-t`: the goals are touched, no recipe runs. */
  touch?: boolean;
  /** Set when what it runs cannot be read: why (`-f -`, `--eval`). */
  unknown?: string;
}

/** Options of make that take a value (as the next word or joined); -j, -l and -O take one only when joined or numeric. */
const MAKE_VALUE_OPTIONS = new Set(['-C', '-f', '-I', '-o', '-W', '-E', '--directory', '--file', '--makefile', '--include-dir', '--old-file', '--assume-old', '--what-if', '--new-file', '--assume-new', '--eval']);

/** `make args`: what it runs; undefined for a make that runs no recipe (`-n`, `-q`, `-p`, `--version`). */
function makeUse(args: readonly Word[]): MakeUse | undefined {
  const use: MakeUse = { at: '', files: [], goals: [], variables: new Map(), includeDirs: [] };
  for (let k = 0; k < args.length; k++) {
    const w = args[k];
    const t = w.text;
    if (/^--(dry-run|just-print|recon|question|print-data-base|version|help)$/.test(t) || /^-[a-zA-Z]*[nqp]/.test(t) && !/^-[CfIoWEjlO]/.test(t) || t === '-v' || t === '-h') return undefined;
    if (t === '--touch' || (/^-[a-zA-Z]*t/.test(t) && !/^-[CfIoWEjlO]/.test(t))) use.touch = true;
    const eq = t.startsWith('--') ? t.indexOf('=') : -1;
    const option = eq > 0 ? t.slice(0, eq) : t;
    let value: Word | undefined;
    if (MAKE_VALUE_OPTIONS.has(option)) value = eq > 0 ? { ...w, text: t.slice(eq + 1) } : args[++k];
    else if (/^-[CfIoWE]./.test(t)) value = { ...w, text: t.slice(2) }; // -Cdir, -fmk
    else if (/^-[jlO]$/.test(t) && /^\d+$/.test(args[k + 1]?.text ?? '')) k++;
    else if (t.startsWith('-')) continue;
    else if (/^[A-Za-z_][A-Za-z0-9_.]*[:+?]?=/.test(t)) {
      const at = t.indexOf('=');
      use.variables.set(t.slice(0, at).replace(/[:+?]$/, ''), t.slice(at + 1).split(EXPANSION).join(UNKNOWN_VALUE));
      continue;
    } else {
      if (w.glob || w.text.includes(EXPANSION)) use.unknown = 'it makes a goal the guard cannot know';
      use.goals.push(t);
      continue;
    }
    const o = option.startsWith('--') ? option : option.slice(0, 2);
    if (value === undefined) continue;
    const unknowable = value.glob || value.unknown !== undefined || value.text.includes(EXPANSION);
    if (o === '-C' || o === '--directory') use.at = unknowable ? UNKNOWN_DIR : use.at === '' || value.text.startsWith('/') ? value.text : join(use.at, value.text);
    else if (o === '-f' || o === '--file' || o === '--makefile') {
      if (value.text === '-' || unknowable) use.unknown = 'it reads a makefile the guard cannot read';
      use.files.push(value.text);
    } else if (o === '--eval' || o === '-E') use.unknown = 'it is given makefile text with --eval, which the guard does not read';
    else if (o === '-I' || o === '--include-dir') {
      if (unknowable) use.unknown = 'it looks for makefiles in a folder the guard cannot know';
      use.includeDirs.push(value.text);
    }
  }
  return use;
}

/**
 * A patch a command applies, whose files are written: where its text comes from, and the folders its
 * paths are relative to. The files are read off the patch's headers once the whole command is known
 * (see patchTargets): a patch in the command (a heredoc, a here-string, what `echo`/`printf`/`cat
 * <<EOF` pipe in) at once; a patch file through the caller's readFile, and only when nothing else in the
 * command runs (which could write it first); else every file of the folder counts.
 */
interface PatchUse {
  text?: string;
  /** The patch file, read in `at`. */
  file?: Word;
  /** The folder the command works in, from the command's (`patch -d`, `git -C`): the file and the paths are there. */
  at: string;
  /** A folder the paths are in, below `at` (`git apply --directory`). */
  dir: string;
  via: string;
}

/**
 * The name a command word runs: its basename; for a computed one (`$(npm bin)/jest`) the literal
 * name after the expansion. A name that is all expansion (`$CMD`, `"$@"`) cannot be known: refused.
 */
function commandName(word: Word): string {
  const name = basename(word.text);
  if (!name.includes(EXPANSION)) return name;
  const tail = name.slice(name.lastIndexOf(EXPANSION) + 1);
  if (tail === '' || word.text.lastIndexOf('/') < word.text.lastIndexOf(EXPANSION)) {
    throw new Undecidable(`it runs a command whose name is only known at run time (\`${shown(word.raw || word.text)}\`)`);
  }
  return tail;
}

/** Options of sh/bash/zsh that take a value. */
const SHELL_VALUE_OPTIONS = new Set(['-o', '+o', '-O', '+O', '--rcfile', '--init-file']);

/** The script file a shell runs (its first operand), if any. */
function shellOperand(args: readonly Word[]): Word | undefined {
  for (let k = 0; k < args.length; k++) {
    const t = args[k].text;
    if (t === '--' || t === '-') return t === '-' ? undefined : args[k + 1];
    if (SHELL_VALUE_OPTIONS.has(t)) k++;
    else if (!t.startsWith('-') && !t.startsWith('+')) return args[k];
  }
  return undefined;
}

/** Decodes echo -e / printf escapes (`\n`, `\t`, `\\`…). */
function printfEscapes(text: string): string {
  return text.replace(/\\(.)/g, (_, e: string) => ANSI_ESCAPES[e] ?? (e === '\\' ? '\\' : `\\${e}`));
}

/**
 * What `command` prints, when the guard can read it from the command itself: `echo …`, `printf`
 * without conversions, `cat` of a heredoc or here-string, `true`; undefined otherwise. Given the
 * words unwrap found, so a command piped into a shell is not unwrapped a second time.
 */
function printedText({ command, words }: Piped): string | undefined {
  if (words.length === 0) return undefined;
  const name = basename(words[0].text);
  const args = words.slice(1);
  if (name === 'true' || name === 'false' || name === ':') return '';
  if (name === 'echo') {
    let k = 0;
    let escapes = false;
    while (k < args.length && /^-[neE]+$/.test(args[k].text)) escapes ||= args[k++].text.includes('e');
    const text = args.slice(k).map((w) => w.text).join(' ');
    return escapes ? printfEscapes(text) : text;
  }
  if (name === 'printf') {
    const format = args[0]?.text === '--' ? args[1] : args[0];
    if (!format || /%(?!%)/.test(format.text.replaceAll('%%', ''))) return undefined;
    return printfEscapes(format.text.replaceAll('%%', '%'));
  }
  if (name === 'cat' && args.length === 0 && command.heredocs.length > 0) return command.heredocs.join('\n');
  return undefined;
}

/** What the script `script` prints, when it is one command printedText can read. */
function printedBy(script: string): string | undefined {
  const items = tokenize(script, { words: 0 });
  if (items.length !== 1 || items[0].kind !== 'command') return undefined;
  const { command } = items[0];
  return printedText({ command, words: unwrap(command.words).words });
}

/** For a command none of whose options takes a value. */
const NO_VALUE_OPTIONS: ReadonlySet<string> = new Set();

/** Options (words starting with `-`, before `--`) removed; `--` ends options. */
function operands(words: readonly Word[], withValue = NO_VALUE_OPTIONS): Word[] {
  const out: Word[] = [];
  let options = true;
  for (let k = 0; k < words.length; k++) {
    const w = words[k];
    if (options && w.text === '--') {
      options = false;
      continue;
    }
    if (options && w.text.startsWith('-') && w.text !== '-') {
      if (withValue.has(w.text)) k++;
      continue;
    }
    out.push(w);
  }
  return out;
}

function target(w: Word, op: ShellOp, via: string, path = w.text): ShellTarget {
  return { path, glob: w.glob, op, via, ...(w.unknown !== undefined ? { unknown: w.unknown } : {}), ...(path.includes(EXPANSION) && w.raw.length <= 200 ? { written: w.raw } : {}) };
}

/** The string literals of some interpreter code that look like paths. */
function literals(code: string): string[] {
  const out: string[] = [];
  const re = /'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`([^`]*)`/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(code)) !== null) {
    const s = (m[1] ?? m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
    if (s !== '' && s.length < 4096 && !/[\n]/.test(s)) out.push(s);
  }
  return out;
}

/**
 * Calls in interpreter code that run a shell command line: os.system, os.popen, subprocess with
 * shell=True, Perl/Ruby/PHP system, Node's execSync/exec, spawn('sh', ['-c', …]).
 */
const SHELL_CALL = /\b(?:os\.system|os\.popen|os\.execute|io\.popen|execSync|shell_exec|passthru|system)\s*\(|(?:^|[^\w$.])exec\s*\(|child_process['"]?\)?\.exec\s*\(|\b(?:subprocess\.)?(?:run|call|check_call|check_output|Popen|getoutput|getstatusoutput)\s*\(|spawn(?:Sync)?\s*\(\s*['"](?:ba|z|da|k)?sh['"]\s*,\s*\[\s*['"]-c['"]\s*,/g;

/**
 * The shell command lines interpreter code runs: the string literal each shell call gets (a literal
 * written whole, not built with `+`, `%`, f-strings or `${}`). `undefined` when code runs a shell
 * on a string it builds: the guard cannot know the command.
 */
function shellStrings(code: string): string[] | undefined {
  const out: string[] = [];
  const subprocessShell = /shell\s*=\s*True/.test(code);
  SHELL_CALL.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = SHELL_CALL.exec(code)) !== null) {
    // subprocess without shell=True runs a program, not a shell (its literals count as paths).
    if (/\b(?:subprocess\.)?(?:run|call|check_call|check_output|Popen)\s*\($/.test(m[0]) && !subprocessShell) continue;
    if (/^(?:subprocess\.)?(?:run|call|check_call|check_output|Popen|getoutput|getstatusoutput)/.test(m[0].trim()) && !/subprocess/.test(code)) continue;
    const lit = /^\s*(['"])((?:(?!\1)[^\\\n]|\\.){0,4096})\1\s*[,)\]]/.exec(code.slice(SHELL_CALL.lastIndex, SHELL_CALL.lastIndex + 4200));
    if (!lit || (lit[1] === '"' && /[$#]\{/.test(lit[2]))) return undefined;
    out.push(lit[2].replace(/\\(.)/g, '$1'));
  }
  return out;
}

/** Folders of the system's own programs, whose files are not read as scripts (`/usr/bin/sed -i …` is sed). */
const SYSTEM_PROGRAMS = /^\/(?:usr|bin|sbin|lib\w*|snap|nix|opt)\//;

/** A program's name as PATH looks it up: no slash, no expansion, no glob. */
const BARE_NAME = /^[A-Za-z0-9_][\w.+-]*$/;

/** bash's builtins and keywords: run by the shell itself, whatever PATH holds. */
const SHELL_BUILTINS = new Set([
  'alias', 'bg', 'bind', 'break', 'builtin', 'caller', 'cd', 'command', 'compgen', 'complete', 'compopt', 'continue', 'declare', 'dirs',
  'disown', 'echo', 'enable', 'eval', 'exec', 'exit', 'export', 'false', 'fc', 'fg', 'getopts', 'hash', 'help', 'history', 'jobs', 'kill',
  'let', 'local', 'logout', 'mapfile', 'popd', 'printf', 'pushd', 'pwd', 'read', 'readarray', 'readonly', 'return', 'set', 'shift', 'shopt',
  'source', 'suspend', 'test', 'times', 'trap', 'true', 'type', 'typeset', 'ulimit', 'umask', 'unalias', 'unset', 'wait',
]);

/** The most programs one command line has looked up in PATH (each a few stats): past it, refused. */
const MAX_PROGRAM_LOOKUPS = 256;
/** The most folders one command line puts in PATH, and the most files their programs may be: past either, refused. */
const MAX_PATH_DIRS = 64;
const MAX_PROGRAM_FILES = 4096;

/**
 * The folders a PATH assignment's value (`PATH=/tmp/x:$PATH`, `export PATH="$HOME/bin:$PATH"`) puts
 * in PATH, as the guard can read them: `$PATH` is the PATH the hook was given (looked up through
 * ShellPorts.findProgram), `$HOME`/`~` the home folder, `$PWD`/`$(pwd)` and an empty entry the folder
 * the command runs in. Any other expansion is a folder the guard cannot know: refused, since every
 * command after it could be found there.
 */
function pathEntries(raw: string): { dirs: string[]; unknownAfter?: string } {
  const value = raw.replace(/^[A-Za-z_][A-Za-z0-9_]*\+?=/, '').replace(/["']/g, '');
  const out: string[] = [];
  let inherited = /^[A-Za-z_][A-Za-z0-9_]*\+=/.test(raw);
  let unknownAfter: string | undefined;
  for (const entry of value.split(':')) {
    if (entry === '$PATH' || entry === '${PATH}') {
      inherited = true;
      continue;
    }
    if (entry === '') {
      out.push('.');
      continue;
    }
    const home = /^(?:\$HOME|\$\{HOME\}|~)(\/.*)?$/.exec(entry);
    const here = /^(?:\$PWD|\$\{PWD\}|\$\(pwd\)|`pwd`)(\/.*)?$/.exec(entry);
    if (home) out.push(`~${home[1] ?? ''}`);
    else if (here) out.push(`.${here[1] ?? ''}`);
    else if (!/[$`]/.test(entry)) out.push(entry);
    // After the PATH the hook was given (`PATH=$PATH:$(go env GOPATH)/bin`): only a program not found there is looked up in it.
    else if (inherited) unknownAfter ??= entry;
    else throw new Undecidable(`it sets PATH to \`${shown(entry.slice(0, 60))}\`, a folder the guard cannot know, where the commands after it would be looked up (write the folder out)`);
  }
  return { dirs: out, ...(unknownAfter !== undefined ? { unknownAfter } : {}) };
}

/** Options of each interpreter that take the next word as their value (the script file is the first operand after them). */
const INTERPRETER_VALUE_OPTIONS: Record<string, ReadonlySet<string>> = {
  python: new Set(['-W', '-X', '--check-hash-based-pycs']),
  node: new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions', '--input-type', '--env-file', '--title', '--inspect-port', '--stack-size', '--openssl-config', '--redirect-warnings', '--watch-path', '--test-reporter', '--test-reporter-destination']),
  ruby: new Set(['-I', '-r', '-C', '-E', '-F', '--encoding', '--external-encoding', '--internal-encoding']),
  perl: new Set(['-I', '-M', '-m', '-x', '-C', '-d', '-D']),
  php: new Set(['-c', '-d', '-z', '-t', '-B', '-R', '-F', '-E']),
  deno: new Set(['-c', '--config', '--import-map', '--lock', '--cert', '-L', '--log-level', '--seed', '--location', '--env-file', '--ext']),
  bun: new Set(['--cwd', '-r', '--preload', '-c', '--config', '--env-file', '--tsconfig-override', '--conditions']),
  lua: new Set(['-l']),
  Rscript: new Set(['--default-packages']),
  julia: new Set(['-J', '--sysimage', '-L', '--load', '-t', '--threads', '-p', '--procs', '-C', '--cpu-target', '--project']),
};

/** The file a command reads on its standard input (`python3 < fix.py`), if any. */
function stdinScript(command: SimpleCommand): Word | undefined {
  return command.redirects.find((r) => r.op === '<')?.target;
}

/** The script file an interpreter runs (`python3 -u fix.py`, `node -r x fix.js`, `php -f fix.php`), if any: none for a module (`python -m`) or a test run. */
function interpreterOperand(name: string, args: readonly Word[]): Word | undefined {
  const key = name.startsWith('python') ? 'python' : name === 'nodejs' || name === 'tsx' || name.startsWith('ts-node') ? 'node' : name === 'luajit' ? 'lua' : name;
  const values = INTERPRETER_VALUE_OPTIONS[key];
  if (values === undefined) return undefined;
  // `deno run fix.ts`, `bun run fix.ts` (bun's other words after run are package scripts: read apart).
  let k = 0;
  if (key === 'deno') {
    // `deno run fix.ts`, or `deno fix.ts` (deno 2 runs a script named first).
    if (args[0]?.text !== 'run' && !/\.[cm]?[jt]sx?$/.test(args.find((w) => !w.text.startsWith('-'))?.text ?? '')) return undefined;
    k = args[0]?.text === 'run' ? 1 : 0;
  } else if (key === 'bun' && args[0]?.text === 'run') {
    k = 1;
    const file = args.slice(1).find((w) => !w.text.startsWith('-'));
    if (file === undefined || !/\.[cm]?[jt]sx?$/.test(file.text)) return undefined;
  }
  for (; k < args.length; k++) {
    const t = args[k].text;
    if (t === '--') return args[k + 1];
    if (t === '-' || (key === 'python' && /^-[a-zA-Z]*m/.test(t)) || (key === 'node' && /^--(?:test|run)(?:=|$)/.test(t))) return undefined;
    if (key === 'php' && t === '-f') return args[k + 1];
    if (values.has(t)) k++;
    else if (!t.startsWith('-')) return args[k];
  }
  return undefined;
}

function interpreterWrites(given: string, via: string, recurse?: (script: string) => void): ShellTarget[] {
  // `os.path.join('src', 'a.ts')`, `'src/' + 'a.ts'`: one literal each (src/core/codePaths.ts).
  const code = foldPathLiterals(given);
  if (recurse) {
    const commands = shellStrings(code);
    if (commands === undefined) throw new Undecidable(`\`${via}\` runs a shell command that its code builds at run time, which the guard cannot know`);
    for (const c of commands) recurse(c);
    // Julia's commands: run(`rm src/a.ts`) (its words split as a shell splits them; `$x` is a value).
    for (const m of code.matchAll(/\b(?:run|read|pipeline|success)\s*\(\s*`([^`]{0,4096})`/g)) recurse(m[1]);
  }
  if (!WRITE_CALL.test(code)) return [];
  // Perl's two-argument open names the mode in the path: ">file", ">>file", "+<file".
  const paths = literals(code).map((s) => s.replace(/^\s*(?:\+?[<>]|>>)\s*/, '')).filter((s) => /[./]/.test(s) || /^[\w-]+$/.test(s) || s.includes(EXPANSION));
  return [...paths.map((s) => ({ path: s, glob: GLOB_CHARS.test(s), op: 'write' as const, via })), ...placedWrites(code, via)];
}

/**
 * What interpreter code writes where the argument's place is known: a folder given to a call that
 * deletes, moves or copies a whole tree (`shutil.rmtree('src')`, `os.rename('src/booking', …)`,
 * `copytree(a, 'src')`; `.` too) counts with every file below it, and a path that starts with a
 * literal and goes on with a value (`os.remove('src/booking/' + name)`) counts as every path that
 * literal starts (a literal read elsewhere in the code is no folder written: `copytree('src', 'bak')`).
 */
function placedWrites(code: string, via: string): ShellTarget[] {
  const out: ShellTarget[] = [];
  // `op`: what the call does to the path (a delete or a move takes it away; what is copied or moved to it is written).
  const add = (tree: boolean, op: ShellOp, m: RegExpMatchArray): void => {
    const lit = (m[2] ?? m[3] ?? m[4] ?? '').replace(/\\(.)/g, '$1');
    const after = m[5] ?? '';
    // A path's shape: no spaces or patterns (`f.write('Total: ' + n)` writes text, not a path).
    if (lit === '' || lit.includes(EXPANSION) || !/^[^\s*?[{}]+$/.test(lit) || lit.includes('://')) return;
    if (after === '' || after === ',' || after === ')') {
      if (tree) out.push({ path: join(lit, '**'), glob: true, op, via });
    } else if (!JOINER.test(lit) && lit.includes('/')) {
      // Built on: every path the literal starts (`src/booking/` + name: the folder's files; `src/bo` + x: `src/bo*`); a folder part at least.
      out.push({ path: `${lit}*`, glob: true, op, via }, { path: `${lit}*/**`, glob: true, op, via });
    }
  };
  for (const m of code.matchAll(PLACED_FIRST)) {
    if (/^(?:open|fopen|openSync)$/.test(m[1]) && !OPEN_WRITES.test(code.slice((m.index ?? 0) + m[0].length - 1, (m.index ?? 0) + m[0].length + 400))) continue;
    add(TREE_FIRST.test(m[1]), /^(?:rename\w*|Rename|move\w*|mv|Move-Item)$/i.test(m[1]) ? 'move' : TREE_FIRST.test(m[1]) || /^unlink/.test(m[1]) ? 'delete' : 'write', m);
  }
  for (const m of code.matchAll(PLACED_SECOND)) add(TREE_SECOND.test(m[1]), 'write', m);
  return out;
}

/** A literal that is only a separator or the current or parent folder: `'.'.join(…)`. */
const JOINER = /^(?:\.{1,2}\/?|\/)$/;

/** Code that reads its arguments: `sys.argv`, `from sys import argv`, `process.argv`, Ruby's and Perl's ARGV, Deno.args, fileinput. */
const ARGV_USE = /\bargv\b|\bARGV\b|\bDeno\.args\b|\bfileinput\b/;
/** A call that writes a file it is given (not `process.stdout.write`, `print`): see argvWrites. */
const FILE_WRITE = /\b(?:writeFile(?:Sync)?|appendFile(?:Sync)?|createWriteStream|write_text|write_bytes|truncate\w*|unlink\w*|rmSync|rename\w*|copyFile\w*|cpSync|copy2?|move|symlink\w*|inplace)\b|\bopen(?:Sync)?\s*\([^)]{0,300}['"][^'"]{0,8}[wax+]|\bopen\s*\([^)]{0,300}['"]\s*(?:>|\+<)|\bFile\.(?:write|delete|rename|open)\b|\bos\.(?:replace|remove)\b/;

/**
 * Code that reads its arguments and writes (`open(sys.argv[1], 'w')`, `writeFileSync(process.argv[1], …)`,
 * `fileinput.input(inplace=True)`): each argument may be a file it writes, as the guard cannot tell
 * which the code writes to.
 */
function argvWrites(code: string, operands: readonly Word[], via: string): ShellTarget[] {
  if (operands.length === 0 || !ARGV_USE.test(code) || !FILE_WRITE.test(code)) return [];
  return operands.map((w) => target(w, 'write', `${via} (its arguments)`));
}

/**
 * Scripts of a package.json that a package manager's command runs: `npm run fmt -- --write`, `npm
 * test`, `yarn lint`, `pnpm format`, `bun run fix`, and the install scripts of `npm install`/`ci`.
 * `at`: the folder the command names (`npm --prefix app`, `pnpm -C app`, `yarn --cwd app`); the
 * package.json is there, or in the nearest folder above it that has one. `names` undefined: the
 * script's name is not known (`npm run $S`), so any of them.
 */
interface ScriptUse {
  at: string;
  names?: { name: string; withArgs: boolean }[];
  /** The words after the script's name, as written: npm, yarn and pnpm add them to the script's command line. */
  args: string;
  via: string;
  /** Set when the command names another shell for the scripts, or another npm config that may (`--script-shell`, `--userconfig`). */
  otherShell?: string;
  /** The scripts of the workspace's packages (`pnpm -r`, `pnpm --filter web`, `npm -w web`, `yarn workspace web`). */
  workspace?: boolean;
  /** The packages named (`--filter web`, `-w packages/web`), by name or folder; unset: all of them (`-r`, or a filter beyond a plain name). */
  only?: string[];
}

/**
 * How each package manager is told to run a script. `run`: its subcommands that take the script's
 * name; `direct`: its subcommands that run scripts of their own name (`npm test` runs `test`); any
 * other first word of `yarn`, `pnpm` and `bun` not in `builtin` is a script's name too (`yarn lint`);
 * `install`: the subcommands that run the package's install scripts (without packages named);
 * `folder`, `elsewhere`: options naming the folder or another package; `value`: other options with a value.
 */
interface ScriptRunner {
  run: string[];
  direct: Record<string, string[]>;
  builtin?: ReadonlySet<string>;
  install: string[];
  folder: string[];
  /**
   * Options naming other packages of a workspace, with a value (`npm -w web`) and without (`pnpm -r`);
   * subcommands that do (`yarn workspace web …`). The script of that name in every package of the
   * workspace counts (which packages a filter selects is not worked out).
   */
  elsewhere: string[];
  elsewhereFlags?: string[];
  elsewhereSubs?: string[];
  value: string[];
}
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepublish', 'preprepare', 'prepare', 'postprepare'];
const PACK_SCRIPTS = ['prepack', 'prepare', 'postpack'];
const SCRIPT_RUNNERS: Record<string, ScriptRunner> = {
  npm: {
    run: ['run', 'run-script', 'rum', 'urn'],
    direct: { test: ['test'], t: ['test'], tst: ['test'], start: ['start'], stop: ['stop'], restart: ['restart', 'stop', 'start'], pack: PACK_SCRIPTS, publish: ['prepublishOnly', ...PACK_SCRIPTS, 'publish', 'postpublish'] },
    install: ['install', 'i', 'in', 'ins', 'inst', 'insta', 'instal', 'isnt', 'isnta', 'isntal', 'isntall', 'ci', 'clean-install', 'ic', 'install-clean', 'isntall-clean'],
    folder: ['--prefix', '-C'],
    elsewhere: ['-w', '--workspace'],
    elsewhereFlags: ['-ws', '--workspaces'],
    value: ['--loglevel', '--registry', '--userconfig', '--globalconfig', '--cache', '--script-shell', '--tag', '--otp', '--omit', '--include'],
  },
  yarn: {
    run: ['run'],
    direct: {},
    builtin: new Set(['add', 'audit', 'autoclean', 'bin', 'cache', 'check', 'config', 'constraints', 'create', 'dedupe', 'dlx', 'exec', 'explain', 'generate-lock-entry', 'global', 'help', 'import', 'info', 'init', 'install', 'licenses', 'link', 'list', 'login', 'logout', 'node', 'npm', 'outdated', 'owner', 'pack', 'patch', 'patch-commit', 'plugin', 'policies', 'publish', 'rebuild', 'remove', 'search', 'set', 'stage', 'tag', 'team', 'unlink', 'unplug', 'up', 'upgrade', 'upgrade-interactive', 'version', 'versions', 'why', 'workspace', 'workspaces']),
    install: ['install', ''],
    folder: ['--cwd'],
    elsewhere: [],
    elsewhereSubs: ['workspace', 'workspaces'],
    value: ['--cache-folder', '--modules-folder', '--registry', '--network-timeout', '--mutex'],
  },
  pnpm: {
    run: ['run', 'run-script'],
    direct: { test: ['test'], t: ['test'], tst: ['test'], start: ['start'], restart: ['restart', 'stop', 'start'] },
    builtin: new Set(['add', 'audit', 'bin', 'cat-file', 'cat-index', 'config', 'create', 'dedupe', 'deploy', 'dlx', 'doctor', 'env', 'exec', 'fetch', 'find-hash', 'i', 'import', 'init', 'install', 'install-test', 'it', 'licenses', 'link', 'list', 'ln', 'ls', 'outdated', 'pack', 'patch', 'patch-commit', 'patch-remove', 'prune', 'publish', 'rb', 'rebuild', 'recursive', 'remove', 'rm', 'root', 'self-update', 'server', 'setup', 'store', 'un', 'uninstall', 'unlink', 'up', 'update', 'upgrade', 'why', 'x']),
    install: ['install', 'i'],
    folder: ['-C', '--dir'],
    elsewhere: ['--filter', '-F'],
    elsewhereFlags: ['-r', '--recursive'],
    value: ['--reporter', '--loglevel', '--registry', '--script-shell'],
  },
  bun: {
    run: ['run'],
    direct: {},
    builtin: new Set(['a', 'add', 'audit', 'build', 'c', 'completions', 'create', 'exec', 'i', 'info', 'init', 'install', 'link', 'outdated', 'patch', 'pm', 'publish', 'remove', 'repl', 'rm', 'test', 'unlink', 'update', 'upgrade', 'x']),
    install: ['install', 'i'],
    folder: ['--cwd'],
    elsewhere: ['--filter'],
    value: ['--config', '-c', '--env-file'],
  },
};

/** Subcommands of npm, yarn, pnpm and bun that change a package's manifest, lockfile or node_modules. */
const PACKAGE_CHANGES = new Set(['install', 'i', 'in', 'isntall', 'add', 'a', 'uninstall', 'un', 'unlink', 'remove', 'rm', 'r', 'update', 'up', 'upgrade', 'dedupe', 'ddp', 'prune', 'link', 'ln', 'pkg', 'init', 'create', 'version', 'set-script', 'import']);
/** How the package files a package manager writes itself are named: its scripts read from them stay trusted (its write adds dependencies, not scripts). */
const PACKAGE_FILES_VIA = '(its package files)';
/** What those subcommands write in a package's folder (`ci` and `clean-install` leave the manifest and lockfile alone). */
const PACKAGE_FILES = ['package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock', 'bun.lockb', 'node_modules/**'];

/**
 * What a package manager's install, add, remove, update, `pkg set`, `init` or `version` writes: the
 * package.json, lockfiles and node_modules of the folder it runs in (`--prefix`, `-C`, `--cwd`), and of
 * a workspace it names (`-w`, `--filter`: each named folder, or any with a pattern). A locked
 * package.json or lockfile was rewritten by `npm install x` unseen.
 */
function packageManagerWrites(manager: string, args: readonly Word[]): ShellTarget[] {
  const spec = SCRIPT_RUNNERS[manager];
  let at = '.';
  const folders: string[] = [];
  let sub: string | undefined;
  let action: string | undefined;
  for (let k = 0; k < args.length; k++) {
    const t = args[k].text;
    if (t === '--') break;
    if (!t.startsWith('-')) {
      if (sub !== undefined) action ??= t;
      sub ??= t;
      continue;
    }
    const eq = t.indexOf('=');
    const option = eq > 0 ? t.slice(0, eq) : t;
    const takes = spec.folder.includes(option) || spec.elsewhere.includes(option) || spec.value.includes(option);
    const value = eq > 0 ? t.slice(eq + 1) : takes ? args[++k]?.text : undefined;
    if (value === undefined) continue;
    if (spec.folder.includes(option)) at = value;
    // A workspace named by its folder; by its package name (or a pattern) it may be any folder.
    if (spec.elsewhere.includes(option)) folders.push(/^[\w@.-]+\/[\w@./-]*$/.test(value) && !value.includes('..') && !value.startsWith('@') ? value : '**');
  }
  if (args.some((w) => /^(?:-r|--recursive|-ws|--workspaces)$/.test(w.text))) folders.push('**');
  if (args.some((w) => /^(?:-v|--version|-h|--help)$/.test(w.text))) return [];
  const install = sub === undefined ? manager === 'yarn' : PACKAGE_CHANGES.has(sub) || spec.install.includes(sub);
  // A global install writes in the manager's own folders, not the package's; a dry run writes nothing;
  // `npm pkg get` reads.
  if (!install || args.some((w) => /^(?:-g|--global|--location=global|--dry-run)$/.test(w.text))) return [];
  if (sub === 'pkg' && !/^(?:set|delete|fix)$/.test(action ?? '')) return [];
  const clean = ['ci', 'clean-install', 'ic', 'install-clean'].includes(sub ?? '') || args.some((w) => /^--(?:frozen-lockfile|immutable|ci)$/.test(w.text));
  // Its own write adds dependencies, not scripts, so the scripts read after it stay trusted; `pkg set
  // scripts.x=…` and `set-script` write scripts: not so.
  const scriptsWritten = sub === 'set-script' || (sub === 'pkg' && args.some((w) => /^scripts(?:[.[]|$)/.test(w.text)));
  const via = `${manager} ${sub ?? 'install'}${scriptsWritten ? '' : ` ${PACKAGE_FILES_VIA}`}`;
  const files = clean ? ['node_modules/**'] : PACKAGE_FILES;
  return [at, ...folders.map((f) => join(at, f))].flatMap((dir) => files.map((f) => ({ path: join(dir, f), glob: f.includes('*') || dir.includes('*'), op: 'write' as const, via })));
}

/** The package.json scripts `words` run (see ScriptUse), if it is a package manager's command that runs any. */
function scriptUse(words: readonly Word[]): ScriptUse | undefined {
  const manager = words[0] && commandName(words[0]);
  if (!manager || !runsScripts(manager)) return undefined;
  if (manager === 'turbo' || manager === 'lerna') return monorepoRunUse(manager, words);
  if (!Object.hasOwn(SCRIPT_RUNNERS, manager)) return nodeRun(words);
  const spec = SCRIPT_RUNNERS[manager];
  let at = '';
  let elsewhere = false;
  // The packages named: plain names or folders only; anything else (`./apps/*`, `web...`, `{apps}`, `[main]`) selects all.
  const selected: string[] = [];
  let selectAll = false;
  const select = (w: Word | undefined): void => {
    if (w && !w.glob && /^[@\w][\w@./-]*$/.test(w.text) && !w.text.includes('..')) selected.push(w.text);
    else selectAll = true;
  };
  let otherShell: string | undefined;
  // The options, wherever they are before `--` (`npm run fmt --prefix app`, `pnpm -C app x`), and the
  // other words with where each is: the subcommand, the script's name, its arguments.
  const positional: number[] = [];
  const own = new Set<number>();
  // npm reads its options anywhere before `--`; yarn, pnpm and bun only before the script's name, and
  // pass those after it to the script.
  const nameReached = (): boolean => manager !== 'npm' && positional.length > (spec.run.includes(words[positional[0]]?.text ?? '') ? 1 : 0);
  for (let k = 1; k < words.length && !nameReached(); k++) {
    const t = words[k].text;
    if (t === '--') break;
    if (!t.startsWith('-')) {
      positional.push(k);
      if (positional.length === 1 && spec.elsewhereSubs?.includes(t)) {
        elsewhere = true;
        // `yarn workspace NAME …` names one; `yarn workspaces …` all.
        if (t === 'workspace') select(words.slice(k + 1).find((w) => !w.text.startsWith('-')));
        else selectAll = true;
      }
      continue;
    }
    own.add(k);
    const eq = t.indexOf('=');
    const option = eq > 0 ? t.slice(0, eq) : t;
    const takes = spec.folder.includes(option) || spec.value.includes(option) || spec.elsewhere.includes(option);
    const value = eq > 0 ? { ...words[k], text: t.slice(eq + 1) } : takes ? words[++k] : undefined;
    if (eq < 0 && takes) own.add(k);
    if (spec.folder.includes(option) && value) at = value.glob ? UNKNOWN_DIR : value.text;
    if (spec.elsewhere.includes(option)) {
      elsewhere = true;
      select(value);
    }
    if (spec.elsewhereFlags?.includes(option)) elsewhere = selectAll = true;
    if (option === '--script-shell' || option === '--userconfig' || option === '--globalconfig') otherShell = `\`${manager} ${option}\` may run the scripts through another program than sh`;
  }
  const sub = positional.length > 0 ? words[positional[0]].text : '';
  // The words after the script's name that reach it: not npm's own options, and without the first `--`.
  const after = (k: number): string => {
    const from = words.slice(k + 1).filter((_, j) => !own.has(k + 1 + j));
    const dashes = from.findIndex((w) => w.text === '--');
    return (dashes >= 0 ? [...from.slice(0, dashes), ...from.slice(dashes + 1)] : from).map((w) => w.raw).join(' ');
  };
  const use = (names: { name: string; withArgs: boolean }[] | undefined, args: string): ScriptUse => ({ at, names, args, via: `${manager} ${sub || 'install'}`, ...(otherShell !== undefined ? { otherShell } : {}), ...(elsewhere ? { workspace: true, ...(selectAll || selected.length === 0 ? {} : { only: selected }) } : {}) });
  const withPrePost = (name: string): { name: string; withArgs: boolean }[] => [{ name: `pre${name}`, withArgs: false }, { name, withArgs: true }, { name: `post${name}`, withArgs: false }];
  if (elsewhere && manager === 'yarn' && spec.elsewhereSubs?.includes(sub)) {
    // `yarn workspace web lint …`: the script's name after the package's; `yarn workspaces [foreach …] run lint …`: after `run`.
    const later: number[] = [];
    for (let k = positional[0] + 1; k < words.length && words[k].text !== '--'; k++) if (!words[k].text.startsWith('-')) later.push(k);
    const named = sub === 'workspace' ? later[1] : later[later.findIndex((k) => words[k].text === 'run') + 1];
    if (named === undefined) return undefined;
    return use(words[named].glob ? undefined : withPrePost(words[named].text), after(named));
  }
  if (spec.install.includes(sub) && positional.length <= 1) return use(INSTALL_SCRIPTS.map((name) => ({ name, withArgs: false })), '');
  if (Object.hasOwn(spec.direct, sub)) return use(spec.direct[sub].flatMap(withPrePost), after(positional[0]));
  // `npm run NAME …`; `yarn NAME …` where NAME is none of yarn's own commands.
  const named = spec.run.includes(sub) ? positional[1] : spec.builtin !== undefined && sub !== '' && !spec.builtin.has(sub) ? positional[0] : undefined;
  if (named === undefined) return undefined; // `npm run` alone lists the scripts
  const name = words[named];
  return use(name.glob ? undefined : withPrePost(name.text), after(named));
}

/** Whether a command of this name may run package.json scripts (see scriptUse). */
function runsScripts(name: string): boolean {
  return Object.hasOwn(SCRIPT_RUNNERS, name) || name === 'node' || name === 'nodejs' || name === 'turbo' || name === 'lerna';
}

/** turbo's subcommands that run no task (any other first word is a task: `turbo lint`). */
const TURBO_OWN = new Set(['bin', 'boundaries', 'completion', 'daemon', 'devtools', 'docs', 'gen', 'generate', 'info', 'link', 'login', 'logout', 'ls', 'prune', 'query', 'scan', 'telemetry', 'unlink']);
/** Options of turbo and lerna that take a value (as the next word or joined). */
const TURBO_VALUE_OPTIONS = new Set(['--concurrency', '--cache-dir', '--output-logs', '--log-order', '--log-prefix', '--env-mode', '--team', '--token', '--api', '--login', '--heap', '--profile', '--cache', '--remote-cache-timeout', '--global-deps', '--ui']);
const LERNA_VALUE_OPTIONS = new Set(['--ignore', '--concurrency', '--loglevel', '--since', '--npm-client', '--profile-location']);

/**
 * `turbo run lint test` (or `turbo lint`, `turbo watch lint`, `turbo web#lint`) and `lerna run fmt`: the
 * scripts of those names in the workspace's packages, those `--filter`/`-F`/`--scope` name (any other
 * filter: all of them), with the words after `--`.
 */
function monorepoRunUse(manager: 'turbo' | 'lerna', words: readonly Word[]): ScriptUse | undefined {
  const valued = manager === 'turbo' ? TURBO_VALUE_OPTIONS : LERNA_VALUE_OPTIONS;
  const selectors = manager === 'turbo' ? ['--filter', '-F', '--scope'] : ['--scope'];
  let at = '';
  let args = '';
  const tasks: Word[] = [];
  const only: string[] = [];
  let all = false;
  const select = (name: string): void => {
    if (/^[@\w][\w@./-]*$/.test(name) && !name.includes('..')) only.push(name);
    else all = true;
  };
  for (let k = 1; k < words.length; k++) {
    const t = words[k].text;
    if (t === '--') {
      args = words.slice(k + 1).map((w) => w.raw).join(' ');
      break;
    }
    if (!t.startsWith('-')) {
      tasks.push(words[k]);
      continue;
    }
    const eq = t.indexOf('=');
    const option = eq > 0 ? t.slice(0, eq) : t;
    const takes = valued.has(option) || selectors.includes(option) || option === '--cwd';
    const value = eq > 0 ? { ...words[k], text: t.slice(eq + 1) } : takes ? words[++k] : undefined;
    if (option === '--cwd' && value) at = value.glob || value.text.includes(EXPANSION) ? UNKNOWN_DIR : value.text;
    if (selectors.includes(option)) {
      if (value && !value.glob && !value.text.includes(EXPANSION)) select(value.text);
      else all = true;
    }
  }
  if (manager === 'lerna') {
    // `lerna run SCRIPT`: one script; lerna's other commands run none.
    if (tasks[0]?.text !== 'run' || !tasks[1]) return undefined;
    tasks.splice(0, tasks.length, tasks[1]);
  } else if (tasks[0]?.text === 'run' || tasks[0]?.text === 'watch') tasks.shift();
  else if (tasks[0] === undefined || TURBO_OWN.has(tasks[0].text)) return undefined;
  if (tasks.length === 0) return undefined;
  const names: { name: string; withArgs: boolean }[] = [];
  for (const w of tasks) {
    // `web#lint`: the task of one package.
    const hash = w.text.indexOf('#');
    if (hash > 0) select(w.text.slice(0, hash));
    const name = hash >= 0 ? w.text.slice(hash + 1) : w.text;
    names.push({ name: `pre${name}`, withArgs: false }, { name, withArgs: true }, { name: `post${name}`, withArgs: false });
  }
  const any = tasks.some((w) => w.glob || w.text.includes(EXPANSION));
  return { at, names: any ? undefined : names, args, via: `${manager} run`, workspace: true, ...(all || only.length === 0 ? {} : { only }) };
}

/** `node --run NAME [args]`: the script NAME of the package.json (no pre or post scripts). */
function nodeRun(words: readonly Word[]): ScriptUse | undefined {
  for (let k = 1; k < words.length; k++) {
    const t = words[k].text;
    if (t === '--' || !t.startsWith('-')) return undefined; // a script file: node runs that
    const name = t === '--run' ? words[k + 1] : t.startsWith('--run=') ? { ...words[k], text: t.slice(6) } : undefined;
    if (name === undefined) continue;
    const rest = words.slice(t === '--run' ? k + 2 : k + 1);
    const args = (rest[0]?.text === '--' ? rest.slice(1) : rest).map((w) => w.raw).join(' ');
    return { at: '', names: name.glob ? undefined : [{ name: name.text, withArgs: true }], args, via: 'node --run' };
  }
  return undefined;
}

/** Package scripts run from one command line, in all (scripts that run scripts included): past this, refused. */
const MAX_SCRIPT_RUNS = 256;

/**
 * Programs that run another program named after their options: `npx`, `bunx`, `pnpm exec`/`dlx`,
 * `yarn exec`/`dlx`, `npm exec --`, `uvx`, `uv run`, `poetry run`, `pipx run`, `python -m`, `corepack`,
 * with their options that take a value. `pnpm x`/`yarn x` run a package's program too (or a package.json
 * script: see scriptUse).
 */
const RUNNERS: Record<string, { subs?: string[]; value: string[]; script?: string[] }> = {
  npx: { value: ['-p', '--package', '--cache', '--userconfig', '-w', '--workspace'], script: ['-c', '--call'] },
  corepack: { value: [] },
  bunx: { value: ['-p', '--package'] },
  pnpx: { value: ['-p', '--package'] },
  pnpm: { subs: ['exec', 'dlx', 'x'], value: ['-C', '--dir', '--filter', '-F', '--package', '--reporter'], script: ['-c', '--shell-mode'] },
  yarn: { subs: ['exec', 'dlx', 'run'], value: ['--cwd', '-p', '--package'] },
  npm: { subs: ['exec', 'x'], value: ['-p', '--package', '-w', '--workspace', '--prefix'], script: ['-c', '--call'] },
  uvx: { value: ['--from', '--with', '-p', '--python', '--index-url'] },
  uv: { subs: ['run', 'tool'], value: ['--with', '-p', '--python', '--project', '--directory', '--from', '--group', '--extra', '--package'] },
  poetry: { subs: ['run'], value: ['-C', '--directory', '-P', '--project'] },
  pipx: { subs: ['run'], value: ['--spec', '--python'] },
  python: { value: ['-W', '-X', '-c'] },
};

/**
 * The command a runner runs (`npx -y prettier --write .` → `prettier --write .`), and a command line
 * it runs (`npx -c '…'`); the words themselves for any other command. `yarn run x`/`pnpm x` where x is
 * a package.json script: the script is read apart (scriptUse), as `npm run x` is.
 */
function runWithout(words: readonly Word[]): { words: readonly Word[]; script?: string; manager?: readonly Word[] } {
  // Walked by index (the runner's name at `at`, shown as `head`), not sliced per runner: a chain of
  // runners (`npx npx npx …`) stays linear.
  let at = 0;
  let head = words[0];
  let script: string | undefined;
  // The first package manager on the way (`corepack pnpm run fmt`), with its words: it may run a package.json script.
  let manager: readonly Word[] | undefined;
  const rest = (): readonly Word[] => (at === 0 ? words : [head, ...words.slice(at + 1)]);
  const done = (found: readonly Word[]): { words: readonly Word[]; script?: string; manager?: readonly Word[] } => ({ words: found, script, ...(manager ? { manager } : {}) });
  for (;;) {
    const name = head === undefined ? '' : commandName(head);
    const key = /^python[0-9.]*$/.test(name) ? 'python' : name;
    if (manager === undefined && runsScripts(name)) manager = rest();
    if (!Object.hasOwn(RUNNERS, key)) return done(rest());
    const spec = RUNNERS[key];
    const word = (k: number): Word | undefined => words[at + k];
    let k = 1;
    if (spec.subs) {
      // Global options first (`pnpm -C dir exec`), then the subcommand; `pnpm prettier`, `yarn eslint` run it directly.
      while (word(k)?.text.startsWith('-')) k += spec.value.includes(word(k)!.text) ? 2 : 1;
      if (word(k) !== undefined && spec.subs.includes(word(k)!.text)) {
        k++;
        if (name === 'uv' && word(k - 1)?.text === 'tool' && word(k)?.text === 'run') k++;
      } else if (name === 'npm' || name === 'uv' || name === 'poetry' || name === 'pipx') return done(rest());
    }
    if (key === 'python') {
      let m = 1;
      while (word(m) !== undefined && word(m)!.text !== '-m') m++;
      if (word(m) === undefined) return done(rest());
      k = m + 1;
    } else {
      while (word(k)?.text.startsWith('-') && word(k)!.text !== '--') {
        const flag = word(k)!.text;
        const eq = flag.indexOf('=');
        const option = eq > 0 ? flag.slice(0, eq) : flag;
        if (spec.script?.includes(option)) script = eq > 0 ? flag.slice(eq + 1) : word(k + 1)?.text;
        k += eq < 0 && (spec.value.includes(option) || spec.script?.includes(option)) ? 2 : 1;
      }
      if (word(k)?.text === '--') k++;
    }
    const first = word(k);
    if (first === undefined) return done([]);
    // `npx prettier@3`, `uvx black==24.1`: the program's name without its version.
    at += k;
    head = { ...first, text: first.text.replace(/^(@?[^@=<>]+)[@=<>].*$/, '$1').replace(/^@[^/]+\//, '') };
  }
}

/**
 * Formatters and fixers that rewrite the files and folders they are given, with the option that
 * makes them write (`always`: unless one of `unless`); `dot`: with no path, the folder they run in.
 * `sub`: the subcommands that write (`ruff format`, `cargo fmt`, `biome check --write`).
 */
interface RewriterSpec {
  writes: RegExp | 'always';
  unless?: RegExp;
  value: string[];
  dot?: boolean;
  /** Subcommands that write (`cargo fmt`, `deno fmt`); any other subcommand writes nothing, unless `bare`. */
  sub?: Record<string, Omit<RewriterSpec, 'sub' | 'bare'>>;
  /** With `sub`: the tool also writes by its own options without a subcommand (ruff's old `ruff --fix`). */
  bare?: boolean;
}
const REWRITERS: Record<string, RewriterSpec> = {
  prettier: { writes: /^(--write|-w)$/, value: ['--config', '--ignore-path', '--plugin', '--parser', '--stdin-filepath', '--log-level', '--cache-location', '--cache-strategy', '--config-precedence', '--end-of-line', '--print-width', '--tab-width', '--trailing-comma', '--quote-props', '--arrow-parens', '--prose-wrap'] },
  eslint: { writes: /^--fix$/, dot: true, value: ['-c', '--config', '--ext', '--parser', '--parser-options', '--plugin', '--rule', '--rulesdir', '--resolve-plugins-relative-to', '-o', '--output-file', '-f', '--format', '--ignore-path', '--ignore-pattern', '--cache-location', '--max-warnings', '--env', '--global', '--stdin-filename', '--flag', '--fix-type'] },
  stylelint: { writes: /^--fix$/, value: ['-c', '--config', '--config-basedir', '--ignore-path', '-f', '--formatter', '-o', '--output-file', '--custom-syntax', '--max-warnings'] },
  standard: { writes: /^--fix$/, dot: true, value: ['--env', '--global', '--plugin', '--parser'] },
  xo: { writes: /^--fix$/, dot: true, value: ['--env', '--global', '--plugin', '--parser', '--extend', '--reporter', '--cwd'] },
  black: { writes: 'always', unless: /^(--check|--diff|-c|--code|--version|-h|--help)$/, value: ['-l', '--line-length', '-t', '--target-version', '--include', '--exclude', '--extend-exclude', '--force-exclude', '--config', '--stdin-filename', '--python-cell-magics', '-W', '--workers', '--required-version'] },
  isort: { writes: 'always', unless: /^(--check-only|--check|-c|--diff|--show-files|--version|-h|--help)$/, value: ['--settings-path', '--settings-file', '--sp', '-p', '--project', '--skip', '-s', '--filter-files', '--profile', '-l', '--line-length', '-m', '--multi-line'] },
  autopep8: { writes: /^(-i|--in-place)$/, value: ['--select', '--ignore', '--max-line-length', '-j', '--jobs', '--global-config'] },
  yapf: { writes: /^(-i|--in-place)$/, value: ['--style', '-e', '--exclude', '-l', '--lines', '-p', '--parallel'] },
  ruff: { writes: /^--fix$/, value: ['--config', '--select', '--ignore', '--extend-select', '--line-length', '--target-version', '--exclude', '--stdin-filename', '--output-format'], dot: true, bare: true, sub: {
    format: { writes: 'always', unless: /^(--check|--diff)$/, dot: true, value: ['--config', '--line-length', '--target-version', '--exclude', '--stdin-filename', '--range'] },
    check: { writes: /^(--fix|--unsafe-fixes)$/, unless: /^--diff$/, dot: true, value: ['--config', '--select', '--ignore', '--extend-select', '--line-length', '--target-version', '--exclude', '--stdin-filename', '--output-format'] },
  } },
  gofmt: { writes: /^-[a-z]*w[a-z]*$/, value: ['-r'] },
  goimports: { writes: /^-[a-z]*w[a-z]*$/, value: ['-local', '-srcdir'] },
  rustfmt: { writes: 'always', unless: /^(--check|--emit|--print-config|-h|--help|-V|--version)$/, value: ['--edition', '--config-path', '--config', '--emit', '--color', '--style-edition'] },
  'clang-format': { writes: /^-i$/, value: ['--style', '-style', '--assume-filename', '--lines', '--offset', '--length', '--fallback-style'] },
  shfmt: { writes: /^(-w|--write|-[a-z]*w[a-z]*)$/, value: ['-i', '--indent', '-ln', '--language-dialect', '--filename'] },
  rubocop: { writes: /^(-a|-A|--autocorrect|--autocorrect-all|-x|--fix-layout)$/, dot: true, value: ['-c', '--config', '-f', '--format', '-o', '--out', '--only', '--except', '-r', '--require'] },
  biome: { writes: /^(--write|--apply|--apply-unsafe|--fix)$/, value: [], sub: {
    format: { writes: /^(--write|--fix)$/, dot: true, value: ['--config-path', '--stdin-file-path', '--max-diagnostics'] },
    check: { writes: /^(--write|--apply|--apply-unsafe|--fix|--unsafe)$/, dot: true, value: ['--config-path', '--stdin-file-path', '--max-diagnostics'] },
    lint: { writes: /^(--write|--apply|--apply-unsafe|--fix|--unsafe)$/, dot: true, value: ['--config-path', '--stdin-file-path', '--max-diagnostics', '--only', '--skip'] },
  } },
  dprint: { writes: 'always', value: [], sub: { fmt: { writes: 'always', dot: true, value: ['-c', '--config', '--excludes', '--plugins'] } } },
  cargo: { writes: 'always', value: [], sub: {
    fmt: { writes: 'always', unless: /^--check$/, dot: true, value: ['-p', '--package', '--manifest-path', '--message-format'] },
    clippy: { writes: /^--fix$/, dot: true, value: ['-p', '--package', '--manifest-path', '--message-format', '--target', '--features', '-F', '--exclude', '-j', '--jobs', '--profile', '--target-dir'] },
    fix: { writes: 'always', dot: true, value: ['-p', '--package', '--manifest-path', '--message-format', '--target', '--features', '-F', '--exclude', '-j', '--jobs', '--profile', '--target-dir', '--edition'] },
  } },
  terraform: { writes: 'always', value: [], sub: { fmt: { writes: 'always', unless: /^(-check|--check)$/, dot: true, value: [] } } },
  gofumpt: { writes: /^-[a-z]*w[a-z]*$/, value: ['-lang', '-modpath'] },
  deno: { writes: 'always', value: [], sub: {
    fmt: { writes: 'always', unless: /^--check$/, dot: true, value: ['-c', '--config', '--ext', '--ignore', '--log-level', '--indent-width', '--line-width', '--prose-wrap'] },
    lint: { writes: /^--fix$/, dot: true, value: ['-c', '--config', '--ignore', '--rules-tags', '--rules-include', '--rules-exclude', '--log-level'] },
  } },
  swiftformat: { writes: 'always', unless: /^(--lint|--dryrun|--help|--version|--inferoptions)$/, value: ['--config', '--swiftversion', '--exclude', '--unexclude', '--rules', '--disable', '--enable', '--cache', '--indent', '--header', '--filelist', '--stdinpath', '--reporter', '--report'] },
  ktlint: { writes: /^(-F|--format)$/, dot: true, value: ['--reporter', '--editorconfig', '-R', '--ruleset', '--baseline', '--log-level'] },
  'markdownlint': { writes: /^(-f|--fix)$/, value: ['-c', '--config', '-i', '--ignore', '-p', '--ignore-path', '-r', '--rules', '-o', '--output', '-j', '--json'] },
  'markdownlint-cli2': { writes: /^--fix$/, value: ['--config'] },
  sqlfluff: { writes: 'always', value: [], sub: { fix: { writes: 'always', dot: true, value: ['--dialect', '--templater', '--rules', '--exclude-rules', '--config', '-p', '--processes', '--ignore', '--bench', '--logger', '--format'] }, format: { writes: 'always', dot: true, value: ['--dialect', '--templater', '--config', '-p', '--processes', '--ignore'] } } },
  dotnet: { writes: 'always', value: [], sub: { format: { writes: 'always', unless: /^--verify-no-changes$/, dot: true, value: ['--include', '--exclude', '--severity', '--diagnostics', '--exclude-diagnostics', '-v', '--verbosity', '--report', '--binarylog'] } } },
  mix: { writes: 'always', value: [], sub: { format: { writes: 'always', unless: /^(--check-formatted|--dry-run)$/, dot: true, value: ['--dot-formatter', '--stdin-filename'] } } },
  // `go fmt ./...`, `go fix ./src/...`: package patterns, each the folder before `/...` (see rewriterTargets).
  go: { writes: 'always', value: [], sub: { fmt: { writes: 'always', unless: /^-n$/, dot: true, value: ['-mod'] }, fix: { writes: 'always', unless: /^-n$/, dot: true, value: ['-fix', '-r', '-diff'] } } },
  // The hooks of `.pre-commit-config.yaml`/`lefthook.yml` (not read) may fix any file they are given:
  // `--files` names them, else every file counts (staged ones, or all with --all-files).
  'pre-commit': { writes: 'always', value: [], sub: { run: { writes: 'always', dot: true, value: ['--hook-stage', '--from-ref', '--to-ref', '--source', '--origin', '-s', '-o', '--config', '-c'] } } },
  lefthook: { writes: 'always', value: [], sub: { run: { writes: 'always', dot: true, value: ['--commands', '--jobs', '--file', '--files-from-stdin'] } } },
};

/** Editors, which write the files they are given (`ed -s f < cmds`, `vim -es -c '%d|wq' f`, `emacs --batch f -f save-buffer`). */
const EDITORS: Record<string, string[]> = {
  ed: ['-p', '--prompt'], red: ['-p', '--prompt'], ex: ['-c', '--cmd', '-S', '-u', '-i', '-s', '-T', '-w', '-W', '-t', '-q'],
  vi: ['-c', '--cmd', '-S', '-u', '-U', '-i', '-s', '-T', '-w', '-W', '-t', '-q'], vim: ['-c', '--cmd', '-S', '-u', '-U', '-i', '-s', '-T', '-w', '-W', '-t', '-q'],
  nvim: ['-c', '--cmd', '-S', '-u', '-i', '-s', '-w', '-W', '-t', '-q', '--listen', '-l'], view: ['-c', '--cmd', '-S', '-u', '-i', '-s', '-t'],
  emacs: ['-l', '--load', '-f', '--funcall', '--eval', '--execute', '-L', '--directory', '--insert', '-t', '--terminal', '-d', '--display', '--chdir', '--script', '-x'],
  nano: ['-T', '--tabsize', '-Y', '--syntax', '-o', '--operatingdir', '-r', '--fill', '-Q', '--quotestr', '-X', '--wordchars'],
  micro: ['-config-dir', '-plugin', '-options'], pico: ['-o', '-r'], joe: [], kak: ['-e', '-E', '-c', '-s', '-ui'], hx: ['-c', '--config', '--log', '-w', '--working-dir'],
};

const VIM_FAMILY: ReadonlySet<string> = new Set(['vi', 'vim', 'nvim', 'ex', 'view', 'gvim', 'vimdiff']);

/** A line editor reading Ex commands: ed, ex, and vim started in Ex mode (`-e`, `-E`, `-es`). */
function exMode(name: string, args: readonly Word[]): boolean {
  return name === 'ed' || name === 'red' || name === 'ex' || (VIM_FAMILY.has(name) && args.some((w) => /^-[a-zA-Z]*[eE]/.test(w.text)));
}

/**
 * What an editor's own commands write or run, besides the files it is given: vim's `-c`, `--cmd` and
 * `+cmd` (Ex commands, see exCommandTargets), emacs's `--eval` (see elispTargets). A file of commands
 * (`vim -S`, `-u`, `emacs -l`, `--script`) is refused: the guard does not read Vim script or Lisp files.
 */
function editorRuns(name: string, args: readonly Word[], recurse: (script: string) => void): ShellTarget[] {
  const out: ShellTarget[] = [];
  if (VIM_FAMILY.has(name)) {
    for (let k = 0; k < args.length; k++) {
      const t = args[k].text;
      if (t === '--') break;
      if (t === '-c' || t === '--cmd' || /^-[a-zA-Z]+c$/.test(t)) out.push(...exCommandTargets(args[++k]?.text ?? '', name, recurse));
      else if (t === '-s' && name !== 'ex' && !args.slice(0, k).some((w) => /^-[a-zA-Z]*[eE]/.test(w.text)) && args[k + 1] !== undefined) {
        // Outside Ex mode `-s FILE` types FILE's keys, a `:` command line among them.
        throw new Undecidable(`\`${name} -s ${args[k + 1].raw}\` types the keys of a file the guard does not read`);
      }
      else if (t.startsWith('+') && !/^\+\d*$/.test(t) && !t.startsWith('+/') && !t.startsWith('+?')) out.push(...exCommandTargets(t.slice(1), name, recurse));
      else if (t === '-l' && name === 'nvim') throw new Undecidable(`\`nvim -l ${args[k + 1]?.raw ?? ''}\` runs a Lua script the guard does not read`);
      else if ((t === '-S' || t === '-u' || t === '-U') && args[k + 1] !== undefined) {
        const file = args[++k].text;
        if (!/^(?:NONE|NORC|DEFAULTS)$/.test(file)) throw new Undecidable(`\`${name} ${t} ${args[k].raw}\` runs Vim commands from a file the guard does not read`);
      }
    }
  } else if (name === 'emacs') {
    for (let k = 0; k < args.length; k++) {
      const t = args[k].text;
      const eq = /^--(eval|execute|load|script)=(.*)$/.exec(t);
      const option = eq ? `--${eq[1]}` : t.replace(/^-(?=[a-z])(?!-)(eval|load|script)$/, '--$1');
      const value = eq ? eq[2] : ['--eval', '--execute', '--load', '-l', '--script', '-x'].includes(option) ? args[++k]?.text : undefined;
      if (value === undefined) continue;
      if (option === '--eval' || option === '--execute') out.push(...elispTargets(value, recurse));
      else throw new Undecidable(`\`emacs ${t}\` runs Lisp from a file the guard does not read`);
    }
  }
  return out;
}

/**
 * The commands a line editor reads on its input (`ed f <<EOF`, `printf '…' | ex -s f`, `vim -es f < cmds`):
 * ed's and Ex's (`w FILE`, `!cmd`, `r !cmd`, `e FILE`…), read line by line as exCommandTargets reads
 * `-c`; from a file (`< cmds`) read through the caller as a script file. Input the guard cannot see (a
 * pipe from a command it cannot print) is refused. Only ed, ex and vim in Ex mode (-e, -E, -es) read
 * commands there.
 */
function editorInput(name: string, args: readonly Word[], command: SimpleCommand, io: CommandIo): ShellTarget[] {
  if (!exMode(name, args)) return [];
  const from = command.redirects.filter((r) => r.op === '<').pop();
  if (from !== undefined) {
    io.scriptFile({ file: from.target, kind: 'ex', interpreter: name });
    return [];
  }
  const text = command.heredocs.length > 0 ? command.heredocs.join('\n') : io.upstream === undefined ? undefined : io.upstream === 'unknown' ? null : printedText(io.upstream) ?? null;
  if (text === null) throw new Undecidable(`\`${name}\` reads editor commands from its input, which the guard cannot know`);
  if (text === undefined) return [];
  return text.split('\n').flatMap((line) => exCommandTargets(line, name, io.recurse));
}

/** Ex command names (shortest abbreviation first) that write the file they name; `w !cmd` runs cmd. */
const EX_WRITES = /^(?:w|wr|wri|writ|write|sav|savea|saveas|wq|x|xi|xit|exi|exit|up|upd|upda|updat|update|wn|wne|wnex|wnext|wN|wNext|wp|wpr|wpre|wprev|wprevious|mks|mksession|mkvie|mkview|mkv|mkvimrc|mkexrc|mk|wv|wviminfo|wsh|wshada|redi|redir)$/;
/** Ex commands that make another file the buffer a later `:w` writes. */
const EX_OPENS = /^(?:n|ne|nex|next|dr|dro|drop|f|fi|fil|file|e|ed|edi|edit|sp|spl|spli|split|vs|vsp|vspl|vspli|vsplit|new|vne|vnew|tabe|tabed|tabedi|tabedit|tabnew|bad|badd|arge|argedit|arga|argadd|ar|args|fin|find|sf|sfind|vi|visual|o|open|sv|sview|vie|view|files?)$/;
/** Ex commands that change the folder (later paths are relative to it) or run commands from a file. */
const EX_ELSEWHERE = /^(?:cd|chd|chdir|lcd|lch|lchdir|tcd|tch|tchdir|so|sou|sour|sourc|source|ru|runtime|luaf|luafile|pyf|pyfile|py3f|py3file|pyxf|pyxfile|rubyf|rubyfile|perlf|perlfile)$/;
/** Ex commands that prefix another Ex command. */
const EX_MODIFIERS = /^(?:sil|sile|silen|silent|uns|unsilent|keepa|keepalt|kee|keepmarks|keepj|keepjumps|keepp|keeppatterns|loc|lockmarks|noa|noautocmd|vert|vertical|tab|to|topleft|bo|botright|abo|aboveleft|bel|belowright|lefta|leftabove|rightb|rightbelow|conf|confirm|bro|browse|windo|bufdo|argdo|tabdo|cdo|cfdo|ldo|lfdo|folddoopen|foldd|folddoclosed)$/;
/** Ex commands whose argument is Vim script code (read like interpreter code). */
const EX_CODE = /^(?:cal|call|ev|eval|exe|exec|execute|let|unl|unlet|lua|py|python|py3|python3|pyx|pythonx|pe|perl|rub|ruby|tc|tcl|mz|mzscheme|luado|pydo|py3do|perld|perldo|rubyd|rubydo|tcld|tcldo|echo|if|elsei|elseif|wh|while|for|retu|return|th|throw|try|el|else|en|endif|endw|endwhile|endfo|endfor|endt|endtry|fu|function|endf|endfunction|def|enddef|vim9cmd|vim9s|vim9script|ec|echom|echomsg|echon)$/;
/** Vim functions that write, delete or run, next to which a path literal counts as written. */
const VIM_CODE_WRITES = /\b(?:delete|writefile|rename|mkdir|setfperm|filecopy|system|systemlist|job_start|jobstart|termopen|term_start|libcall|libcallnr|execute|feedkeys)\s*\(|\bvim\.(?:fn|cmd|loop|uv|system)|\bos\.(?:remove|rename|execute)|\bio\.open/;

/**
 * What one Ex command line writes or runs (vim -c '…'): `w FILE` and the like write FILE; `!cmd`, `r
 * !cmd`, `w !cmd` and `%!cmd` run cmd; `e FILE` makes FILE the buffer a later `w` writes (counted as
 * written); `g/re/cmd`, `windo cmd`, `silent cmd`, `com X cmd` and `au … cmd` are read for their command;
 * code (`call delete('f')`, `exe`, `lua …`) counts its path literals as written when it writes or runs
 * anything, and the commands `system('…')` runs are read; `norm` keys that type a command line are
 * refused, as are `cd` and commands read from a file. Bounded: each `|` splits once, nesting ≤ 8.
 */
function exCommandTargets(line: string, via: string, recurse: (script: string) => void, depth = 0): ShellTarget[] {
  if (depth > 8) throw new Undecidable(`\`${via} -c\` nests commands deeper than the guard reads`);
  const out: ShellTarget[] = [];
  // Read by position (no copies of the rest of the line per command: `d|d|d|…` stays linear).
  let pos = 0;
  while (pos < line.length) {
    EX_RANGE.lastIndex = pos;
    pos += EX_RANGE.exec(line)?.[0].length ?? 0;
    EX_NAME.lastIndex = pos;
    const m = EX_NAME.exec(line);
    if (!m) return out;
    const name = m[1];
    const at = pos + m[0].length;
    const after = (): string => line.slice(at);
    // `!cmd` (and `%!cmd`): the rest of the line, `|` included, is the shell's.
    if (name === '!') {
      recurse(`${m[2]}${after()}`);
      return out;
    }
    if ((EX_WRITES.test(name) || /^(?:r|re|rea|read)$/.test(name)) && line[at] === '!') {
      recurse(line.slice(at + 1));
      return out;
    }
    // `:r!cmd` (no space): the bang is the command's, not a force.
    if (/^(?:r|re|rea|read)$/.test(name) && m[2] === '!') {
      recurse(line.slice(at));
      return out;
    }
    if (EX_MODIFIERS.test(name)) return [...out, ...exCommandTargets(after(), via, recurse, depth + 1)];
    if (/^(?:g|gl|glo|glob|globa|global|v|vg|vglobal)$/.test(name)) {
      // g/pat/cmd: the command after the pattern, run on each matching line.
      const d = line[at];
      if (d === undefined) return out;
      let j = at + 1;
      while (j < line.length && line[j] !== d) j += line[j] === '\\' ? 2 : 1;
      return [...out, ...exCommandTargets(line.slice(j + 1), via, recurse, depth + 1)];
    }
    if (/^(?:com|comm|comma|comman|command|au|aut|auto|autoc|autocm|autocmd)$/.test(name)) {
      // `com[!] [-opts] Name cmd`, `au Event pat cmd`: the command, wherever it runs later.
      const body = name.startsWith('c') ? after().replace(/^(?:-\S+\s+)*\S+\s*/, '') : after().replace(/^\S+\s+\S+\s*(?:\+\+\S+\s*)*/, '');
      return [...out, ...exCommandTargets(body, via, recurse, depth + 1)];
    }
    if (/^(?:norm|norma|normal)$/.test(name)) {
      if (/[:!Q]/.test(after())) throw new Undecidable(`\`${via} -c 'normal …'\` types keys that run commands the guard does not read`);
      return out;
    }
    if (EX_ELSEWHERE.test(name)) throw new Undecidable(`\`${via} -c '${name} …'\` changes folder or runs commands from a file, which the guard does not follow`);
    if (/^(?:exe|exec|execu|execut|execute)$/.test(name)) {
      // exe "cmd" . "more": the Ex command its strings join into; anything built at run time is not known.
      const joined = /^\s*(?:(?:'(?:[^'\n]|'')*'|"(?:[^"\\\n]|\\.)*")\s*(?:\.\.?\s*|$))+$/.test(after()) ? literals(after()).join('') : undefined;
      if (joined === undefined) throw new Undecidable(`\`${via} -c 'execute …'\` runs a command it builds, which the guard cannot know`);
      return [...out, ...exCommandTargets(joined, via, recurse, depth + 1)];
    }
    if (EX_CODE.test(name)) {
      // Code runs to the end of the line (`|` may be inside its strings).
      const code = after();
      const commands = shellStrings(code);
      if (commands === undefined) throw new Undecidable(`\`${via}\` runs a shell command its code builds, which the guard cannot know`);
      for (const c of commands) recurse(c);
      if (VIM_CODE_WRITES.test(code) || WRITE_CALL.test(code)) out.push(...pathLiteralWrites(code, `${via} ${name}`));
      return out;
    }
    // Up to the next `|` that is not escaped: this command's argument.
    EX_BAR.lastIndex = Math.max(0, at - 1); // the character before `at` ends the name: never a backslash
    const bar = EX_BAR.exec(line);
    const end = bar ? bar.index + bar[0].length - 1 : line.length;
    const arg = line.slice(at, end).trim().replace(/^>>?\s*/, '').replace(/^(?:\+\+\S+\s*)+/, '').replace(/\\(.)/g, '$1');
    if ((EX_WRITES.test(name) || EX_OPENS.test(name)) && arg !== '' && !arg.startsWith('@') && !arg.startsWith('=>')) {
      out.push({ path: arg, glob: GLOB_CHARS.test(arg), op: 'write', via: `${via} ${name}` });
    } else if (/^(?:mks|mksession|mk|mkexrc|mkv|mkvimrc)$/.test(name)) {
      out.push({ path: name.startsWith('mks') ? 'Session.vim' : name === 'mkv' || name === 'mkvimrc' ? '.vimrc' : '.exrc', glob: false, op: 'write', via: `${via} ${name}` });
    }
    pos = end + 1;
  }
  return out;
}
/** An Ex command's range (`%`, `1,$`, `.,+3`, `/pat/`, `'a`), with the blanks and colons before it. */
const EX_RANGE = /[\s:]*(?:(?:%|[.$]|\d+|'[a-zA-Z<>]|\/(?:[^/\\]|\\.)*\/|\?(?:[^?\\]|\\.)*\?)(?:\s*[+-]\d*)*(?:\s*[,;]\s*(?:[.$]|\d+|'[a-zA-Z<>]|\/(?:[^/\\]|\\.)*\/|\?(?:[^?\\]|\\.)*\?)?(?:\s*[+-]\d*)*)*)?\s*/y;
/** An Ex command's name (or `!`), its bang, and the blanks after them. */
const EX_NAME = /([a-zA-Z]\w*|[!&~<>=@#*])(!?)\s*/y;
/** The `|` that ends an Ex command (not one escaped with a backslash). */
const EX_BAR = /(?:^|[^\\])\|/g;

/** Emacs Lisp that writes, deletes, copies, visits or runs: next to it, a string literal that looks like a path counts as written. */
const ELISP_WRITES = /\((?:delete-file|delete-directory|write-region|write-file|rename-file|copy-file|copy-directory|make-symbolic-link|add-name-to-file|find-file(?:-noselect|-literally)?|set-visited-file-name|save-buffer|save-some-buffers|append-to-file|with-temp-file|make-directory|set-file-modes|shell-command(?:-to-string)?|async-shell-command|call-process(?:-shell-command|-region)?|process-file(?:-shell-command)?|start-(?:file-)?process(?:-shell-command)?|make-process|compile|eval|load|org-babel-tangle|dired-\S+)\b/;

/** What `emacs --eval EXPR` writes or runs: a shell command string it gives `shell-command` and the like is read; path literals count as written when it writes anything. */
function elispTargets(expr: string, recurse: (script: string) => void): ShellTarget[] {
  for (const m of expr.matchAll(/\((?:async-)?shell-command(?:-to-string)?|\((?:call-process|start-process|process-file)-shell-command\b/g)) {
    const lit = /^[^"()]*"((?:[^"\\]|\\.){0,4096})"/.exec(expr.slice((m.index ?? 0) + m[0].length));
    if (!lit) throw new Undecidable('`emacs --eval` runs a shell command its code builds, which the guard cannot know');
    recurse(lit[1].replace(/\\(.)/g, '$1'));
  }
  return ELISP_WRITES.test(expr) ? pathLiteralWrites(expr, 'emacs --eval') : [];
}

/** Each string literal of an editor's code that looks like a path (a `/` or a `.`, no blank), as written. */
function pathLiteralWrites(code: string, via: string): ShellTarget[] {
  return literals(code).filter((p) => /[./]/.test(p) && !/\s/.test(p)).map((path) => ({ path, glob: GLOB_CHARS.test(path), op: 'write' as const, via }));
}

/** What a formatter, fixer or editor named `name` writes with `args`; undefined for any other command. */
function rewriterTargets(name: string, args: readonly Word[]): ShellTarget[] | undefined {
  if (Object.hasOwn(EDITORS, name)) {
    // `+cmd`/`+N` are the editor's commands, not files; `-` is standard input. `-s` is silent mode in
    // Ex mode (`ex -s file`, `vim -es file`), a script to type elsewhere (`vim -s keys file`).
    const values = new Set(EDITORS[name]);
    if (VIM_FAMILY.has(name) && exMode(name, args)) values.delete('-s');
    return operands(args, values).filter((w) => !w.text.startsWith('+') && w.text !== '-').map((w) => target(w, 'write', name));
  }
  if (!Object.hasOwn(REWRITERS, name)) return undefined;
  let spec: Omit<RewriterSpec, 'sub'> = REWRITERS[name];
  let rest = args;
  const subs = REWRITERS[name].sub;
  if (subs) {
    const at = rest.findIndex((w) => !w.text.startsWith('-'));
    const sub = at >= 0 ? rest[at].text : undefined;
    if (sub !== undefined && Object.hasOwn(subs, sub)) {
      spec = subs[sub];
      rest = rest.slice(at + 1);
    } else if (!REWRITERS[name].bare) return [];
  }
  const flags = rest.map((w) => w.text.split('=')[0]);
  const { writes: write, unless } = spec;
  const writes = (write === 'always' || flags.some((f) => write.test(f))) && !flags.some((f) => unless?.test(f) === true);
  if (!writes) return [];
  let paths = operands(rest, new Set(spec.value));
  // go's package patterns: `./...` is the folder and all below it; pre-commit's `--files` names the files.
  if (name === 'go') paths = paths.map((w) => (w.text === '...' || w.text.endsWith('/...') ? { ...w, text: w.text.slice(0, -3).replace(/\/$/, '') || '.' } : w));
  if (name === 'pre-commit') {
    const files = rest.findIndex((w) => w.text === '--files');
    paths = files >= 0 ? rest.slice(files + 1).filter((w) => !w.text.startsWith('-')) : [];
  }
  // lefthook's operand is the hook's name; `--file F` (repeated) names the files.
  if (name === 'lefthook') paths = optionValues(rest, [], ['--file']);
  const dot: Word = { text: '.', glob: false, raw: '.', inner: [] };
  return treeTargets(paths.length > 0 ? paths : spec.dot ? [dot] : [], name);
}

/**
 * Writes by `via` to each of `paths` and, a folder standing for every file below it (`prettier --write
 * src`, `chmod -R`, a pathspec), to everything under it. Quoted patterns count as patterns: these
 * tools expand globs themselves (`prettier --write "src/**\/*.ts"`, `git add --chmod=+x '*.sh'`).
 */
function treeTargets(paths: readonly Word[], via: string): ShellTarget[] {
  const out: ShellTarget[] = [];
  for (const w of paths) {
    const word = GLOB_CHARS.test(w.text) ? { ...w, glob: true } : w;
    out.push(target(word, 'write', via), { path: join(w.text, '**'), glob: true, op: 'write', via, ...(w.unknown !== undefined ? { unknown: w.unknown } : {}) });
  }
  return out;
}

/**
 * The files whose mode `chmod args` changes: git keeps a file's executable bit, so `chmod -x deploy.sh`
 * changes a locked file as the commit gate sees it. Its mode can look like an option (`-x`, `-rw`): only
 * -c -f -v -R (and the BSD -h -H -L -P) are options. The first operand is the mode, unless
 * `--reference` gives it; with -R a folder stands for everything below it.
 */
function chmodTargets(args: readonly Word[]): ShellTarget[] {
  const operandWords: Word[] = [];
  let options = true;
  let recursive = false;
  let reference = false;
  for (let k = 0; k < args.length; k++) {
    const t = args[k].text;
    if (options && t === '--') options = false;
    else if (options && t.startsWith('--')) {
      if (t === '--recursive') recursive = true;
      if (t === '--reference' || t.startsWith('--reference=')) {
        reference = true;
        if (t === '--reference') k++;
      }
    } else if (options && /^-[cfvRhHLP]+$/.test(t)) recursive ||= t.includes('R');
    else operandWords.push(args[k]);
  }
  const files = reference ? operandWords : operandWords.slice(1);
  return recursive ? treeTargets(files, 'chmod') : files.map((w) => target(w, 'write', 'chmod'));
}

/** Options of mount and the FUSE mounts that take a value. */
const MOUNT_VALUE_OPTIONS = new Set(['-o', '--options', '-t', '--types', '-O', '--test-opts', '-L', '--label', '-U', '--uuid', '-p', '-F', '-T', '--target', '--source', '-N', '--namespace']);
/** Options of sed that take a value (its script, `-l N`). */
const SED_VALUE_OPTIONS = new Set(['-e', '-f', '--expression', '--file', '-l']);
/** Options of truncate that take a value. */
const TRUNCATE_VALUE_OPTIONS = new Set(['-s', '--size', '-r', '--reference']);
/** Options of touch that take a value. */
const TOUCH_VALUE_OPTIONS = new Set(['-d', '-r', '-t', '--date', '--reference']);

/**
 * A shell script a command reads on its standard input (`bash`, `bash -s`, `at now`): a heredoc, the
 * file redirected in (`bash < fix.sh`), or what comes down the pipe (`echo '…' | bash`), analysed by `run`.
 */
function stdinShellScript(name: string, command: SimpleCommand, io: CommandIo, run: (script: string) => void): void {
  for (const body of command.heredocs) run(body);
  // `bash < fix.sh`: the script is the file.
  for (const r of command.redirects) if (r.op === '<') io.scriptFile({ file: r.target, kind: 'shell' });
  if (command.heredocs.length === 0 && !command.redirects.some((r) => r.op === '<') && io.upstream !== undefined) {
    // `echo '…' | bash`: the script comes down the pipe.
    const printed = io.upstream === 'unknown' ? undefined : printedText(io.upstream);
    if (printed === undefined) throw new Undecidable(`\`${name}\` runs a script that comes down a pipe from a command whose output the guard cannot know`);
    run(printed);
  }
}

/** `at`'s and `batch`'s options with a value (`-f` names the script; the others do not run one). */
const AT_VALUE_OPTIONS = new Set(['-f', '-q', '-t']);

/**
 * The shell commands tmux runs in its panes (`tmux new -d 'npm run dev'`, `split-window`, `run-shell`,
 * `send-keys 'rm x' Enter`, which types them into a shell), one command line each. Each subcommand's
 * options with a value are known; another option, or a subcommand given commands of tmux's own to run
 * later (`bind-key`, `set-hook`), is refused.
 */
const TMUX_SUBCOMMANDS: Record<string, { values: string; flags: string; keys?: true }> = {
  'new-session': { values: 'cefFnstxy', flags: 'AdDEPX' },
  'new-window': { values: 'ceFnt', flags: 'abdkPS' },
  'split-window': { values: 'celtpF', flags: 'bdfhIvPZ' },
  'respawn-pane': { values: 'cet', flags: 'k' },
  'respawn-window': { values: 'cet', flags: 'k' },
  'run-shell': { values: 'cdt', flags: 'bC' },
  'display-popup': { values: 'bcdehsStTwxy', flags: 'BCEk' },
  'pipe-pane': { values: 't', flags: 'IOo' },
  'if-shell': { values: 't', flags: 'bF' },
  'send-keys': { values: 'cNt', flags: 'FHKlMRX', keys: true },
};
const TMUX_ALIASES: Record<string, string> = { new: 'new-session', neww: 'new-window', splitw: 'split-window', respawnp: 'respawn-pane', respawnw: 'respawn-window', run: 'run-shell', popup: 'display-popup', pipep: 'pipe-pane', if: 'if-shell', send: 'send-keys' };
/** tmux subcommands that run nothing of the shell's (listing, attaching, killing, selecting…); not `source-file` (set-option: see tmuxCommands). */
const TMUX_QUIET = /^(?:attach(?:-session)?|a|at|detach(?:-client)?|ls|list-\w+|kill-\w+|has(?:-session)?|select-\w+|selectw|selectp|rename-\w+|resize-\w+|capture-pane|capturep|show-\w+|display-message|display|start-server|start|switch-client|switchc|wait-for|copy-mode)$/;

/**
 * What a key given to `tmux send-keys` types: a line's end, a space or a tab for their names, a line
 * ended for a key that stops one (`C-c`), the text itself for anything else; a key that moves in or
 * edits the line, or recalls an earlier one (`BSpace`, `Left`, `C-u`, `Up`), is refused: the line it
 * leaves cannot be followed.
 */
function typedKey(key: string): string {
  // Enter runs the line; C-c drops it (read as run: the safe side). C-d, C-z, C-\ and Escape end no line
  // (a program's EOF, a suspend, a meta prefix): they type nothing, and text before them stays typed.
  if (/^(?:Enter|KPEnter|C-m|C-j|\^M|C-c)$/.test(key)) return '\n';
  if (/^(?:C-d|C-z|C-\\|Escape|C-\[)$/.test(key)) return '';
  if (key === 'Space') return ' ';
  if (key === 'Tab' || key === 'C-i') return '\t';
  if (/^(?:[CMS]-.+|\^.|BSpace|BTab|DC|Delete|IC|Insert|Left|Right|Up|Down|Home|End|NPage|PPage|PageUp|PageDown|PgUp|PgDn|F\d+|KP.+)$/.test(key)) {
    throw new Undecidable(`\`tmux send-keys ${key}\` moves in or edits the line it types, which the guard cannot follow`);
  }
  return key;
}

/** GNU parallel's options that take a value (its others take none, or are refused as unknown). */
const PARALLEL_VALUE_OPTIONS: ReadonlySet<string> = new Set(['-j', '--jobs', '-N', '-n', '--max-args', '-L', '--max-lines', '-S', '--sshlogin', '--colsep', '-C', '-d', '--delimiter', '-I', '--tmpdir', '--results', '--joblog', '--halt', '--delay', '--timeout', '--retries', '--memfree', '--load', '--tag-string', '-E', '--env', '--workdir', '--wd', '--shebang-wrap']);
const PARALLEL_FLAGS: ReadonlySet<string> = new Set(['-k', '--keep-order', '--bar', '--progress', '--eta', '-X', '-m', '-q', '--quote', '--dry-run', '--dryrun', '-v', '--verbose', '--will-cite', '--line-buffer', '--lb', '--ungroup', '-u', '--group', '--tag', '--no-notice', '--null', '-0', '--halt-on-error', '--citation']);
/** The most commands `parallel … ::: args` is read as (one per argument). */
const MAX_PARALLEL_COMMANDS = 1024;

/**
 * The command lines GNU parallel runs (through a shell): its command with each argument after `:::`
 * (`parallel rm ::: a b`), or each argument as a command when it has none (`parallel ::: 'rm a' 'ls'`).
 * Arguments read from its input or a file (no `:::`, `::::`), remote runs (`-S`) and `{}` forms other
 * than a plain `{}` are refused: the guard cannot know them.
 */
function parallelCommands(args: readonly Word[]): string[] {
  let k = 0;
  for (; k < args.length && args[k].text.startsWith('-') && args[k].text !== ':::'; k++) {
    const w = args[k].text;
    const long = /^(--[\w-]+)=/.exec(w);
    if (w === '-S' || w === '--sshlogin' || long?.[1] === '--sshlogin') throw new Undecidable('`parallel -S` runs its commands on other machines, which the guard cannot see');
    if (PARALLEL_VALUE_OPTIONS.has(w)) k++;
    else if (!PARALLEL_FLAGS.has(w) && !(long && (PARALLEL_VALUE_OPTIONS.has(long[1]) || PARALLEL_FLAGS.has(long[1]))) && !/^-j\d+$/.test(w)) {
      throw new Undecidable(`\`parallel ${w}\` is an option the guard does not know, so it cannot tell which commands run`);
    }
  }
  const sep = args.findIndex((w, i) => i >= k && w.text === ':::');
  if (sep < 0 || args.slice(sep + 1).some((w) => /^:::[:+]?/.test(w.text))) throw new Undecidable('`parallel` runs its command with arguments it reads (its input, a file, or several lists), which the guard cannot know');
  // Its command's words joined, as parallel gives them to the shell (`parallel "sed -i … {}" ::: …`).
  const command = args.slice(k, sep).map((w) => w.text).join(' ');
  const items = args.slice(sep + 1);
  // Each command line is analysed on its own: at most so many, and at most 1 MB of them all.
  if (items.length > MAX_PARALLEL_COMMANDS || items.length * (command.length + 1) > 16 * SHELL_LIMITS.maxLength) {
    throw new Undecidable(`\`parallel\` is given more arguments (${items.length}, each with a command of ${command.length} characters) than the guard reads`);
  }
  if (/\{[^}]/.test(command)) throw new Undecidable('`parallel` puts its arguments in with a `{…}` form the guard does not follow');
  // Each argument as written (a pattern stays one, for the files the shell gave parallel).
  return items.map((w) => (command === '' ? w.text : command.includes('{}') ? command.split('{}').join(w.raw) : `${command} ${w.raw}`));
}

function tmuxCommands(args: readonly Word[]): string[] {
  // A format's `#(…)` is a shell command tmux runs (`display -p '#(rm x)'`, any `-F`).
  if (args.some((w) => w.text.includes('#('))) throw new Undecidable('tmux runs the shell command in a `#(…)` format, which the guard does not read');
  const out: string[] = [];
  let k = 0;
  // tmux's own options: -L socket, -S path, -f file, -T features; -c runs a shell command.
  for (; k < args.length && args[k].text.startsWith('-'); k++) {
    const w = args[k].text;
    if (w === '--') {
      k++;
      break;
    }
    if (/^-[CDluvNV2]+$/.test(w)) continue;
    if (/^-[LSfT]$/.test(w)) {
      k++;
      continue;
    }
    if (w === '-c' && args[k + 1]) return [args[k + 1].text];
    throw new Undecidable(`\`tmux ${w}\` is an option the guard does not know, so it cannot tell which command runs`);
  }
  // Commands separated by `;` (written `\;` or ';').
  while (k < args.length) {
    const sub = args[k].text;
    const name = TMUX_ALIASES[sub] ?? sub;
    const spec = TMUX_SUBCOMMANDS[name];
    let end = k + 1;
    while (end < args.length && args[end].text !== ';') end++;
    if (spec === undefined) {
      if (/^(?:set-option|set|set-window-option|setw)$/.test(sub)) {
        // An option's value is data, except for the options whose value tmux runs (or that name another command).
        const option = args.slice(k + 1, end).find((w, i, all) => !w.text.startsWith('-') && !/^-[a-zA-Z]*t$/.test(all[i - 1]?.text ?? ''))?.text ?? '';
        if (/^(?:default-command|default-shell|command-alias|lock-command|copy-command|editor)$|hook/.test(option)) throw new Undecidable(`\`tmux ${sub} ${option}\` sets a command tmux runs later, which the guard cannot see`);
      } else if (!TMUX_QUIET.test(sub)) throw new Undecidable(`\`tmux ${sub}\` is a tmux command the guard does not know, so it cannot tell what it runs`);
    } else {
      let j = k + 1;
      let literal = false;
      for (; j < end && args[j].text.startsWith('-') && args[j].text.length > 1; j++) {
        const w = args[j].text;
        if (w === '--') {
          j++;
          break;
        }
        for (let c = 1; c < w.length; c++) {
          if (spec.keys && w[c] === 'l') literal = true;
          if (spec.values.includes(w[c])) {
            // `-t dev`, `-tdev`: the rest of the word, or the next one.
            if (c === w.length - 1) j++;
            break;
          }
          if (!spec.flags.includes(w[c])) throw new Undecidable(`\`tmux ${sub} -${w[c]}\` is an option the guard does not know, so it cannot tell which command runs`);
        }
      }
      const rest = args.slice(j, end).map((w) => w.text);
      if (spec.keys) {
        // Keys typed into the pane, one after another (`-l`: as text): Enter ends a line.
        const typed = rest.map((key) => (literal ? key : typedKey(key))).join('');
        // What is left after the last Enter stays typed in the pane: a later call's keys would finish that
        // line unseen (`send-keys 'rm src/boo'`, then `send-keys 'king/a.ts' Enter`). Only a lone answer
        // to a prompt or a pager (`y`, `n`, `q`) may stand without one.
        const left = typed.slice(typed.lastIndexOf('\n') + 1);
        if (left !== '' && !/^[ynqYNQ]$/.test(left)) {
          throw new Undecidable(`\`tmux send-keys\` leaves \`${left.slice(0, 60)}\` typed but not entered, which a later call could finish unseen; send whole lines, each with Enter`);
        }
        out.push(typed);
      } else if (name === 'if-shell') {
        // `if-shell 'test -f x' 'tmux command' ['tmux command']`: the first is a shell command; the others are tmux's own.
        if (rest[0] !== undefined) out.push(rest[0]);
        if (rest.length > 1) throw new Undecidable('`tmux if-shell` runs tmux commands of its own, which the guard does not read');
      } else if (rest.length > 0) {
        out.push(rest.join(' '));
      }
    }
    k = end + 1;
  }
  return out;
}

/**
 * The targets of one simple command whose real command is `words` (see unwrap); `-c` scripts and
 * `$(…)` are analysed through `recurse`.
 */
function commandTargets(command: SimpleCommand, words: readonly Word[], io: CommandIo): ShellTarget[] {
  const { recurse, evalHere } = io;
  const out: ShellTarget[] = [];
  for (const r of command.redirects) {
    if (r.op.includes('>')) out.push(target(r.target, 'write', r.op));
    for (const s of r.target.inner) recurse(s);
  }
  for (const w of command.words) for (const s of w.inner) recurse(s);
  for (const s of command.inner) recurse(s);
  if (words.length === 0) return out;
  // `npx prettier …`, `pnpm exec eslint …`, `uv run black …`, `python -m black …`: the tool they run.
  const run = runWithout(words);
  if (run.script !== undefined) recurse(run.script);
  // `npm run fmt`, `yarn lint`, also through a runner (`corepack pnpm run fmt`): the package.json scripts they run.
  const scripts = run.manager && scriptUse(run.manager);
  if (scripts) io.script(scripts);
  // `npm install x`, `pnpm -C app add x`: the package's manifest, lockfile and node_modules.
  const manager = run.manager && commandName(run.manager[0]);
  if (manager && Object.hasOwn(SCRIPT_RUNNERS, manager)) out.push(...packageManagerWrites(manager, run.manager!.slice(1)));
  if (run.words.length === 0) return out;
  words = run.words;
  const name = commandName(words[0]);
  const args = words.slice(1);
  const ops = operands(args);
  // `fixit`: a program looked up in PATH, which may be a script of the agent's (`~/.local/bin/fixit`,
  // or a folder the line puts in PATH): read as `./fixit` is (programFiles). The shell's builtins are not looked up.
  if (io.program !== undefined && !words[0].glob && BARE_NAME.test(words[0].text) && !SHELL_BUILTINS.has(words[0].text)) io.program({ name: words[0].text, args });
  // deno formats and lints (fmt, lint); its other subcommands run code (`deno eval`, `deno run`): read below.
  const rewritten = name === 'deno' && !['fmt', 'lint'].includes(args.find((w) => !w.text.startsWith('-'))?.text ?? '') ? undefined : rewriterTargets(name, args);
  if (rewritten) return [...out, ...rewritten, ...outputOptionTargets(name, args), ...editorRuns(name, args, recurse), ...editorInput(name, args, command, io)];
  // `./fix.sh`, `scripts/fix.py`: a file run by its path (not the system's programs).
  if (words[0].text.includes('/') && !words[0].glob && !SYSTEM_PROGRAMS.test(words[0].text)) io.scriptFile({ file: words[0], kind: 'exec', args });

  if (name === 'eval') {
    evalHere(args.map((w) => w.text).join(' '));
    return out;
  }
  if (name === 'make' || name === 'gmake') {
    // Its recipes, read from the makefile once the whole command is known (makeRuns).
    const use = makeUse(args);
    if (use) io.make(use);
    return out;
  }
  if (SHELLS.has(name) || name === 'source' || name === '.') {
    const c = SHELLS.has(name) ? args.findIndex((w) => /^-[a-zA-Z]*c[a-zA-Z]*$/.test(w.text)) : -1;
    if (c >= 0) {
      if (args[c + 1]) recurse(args[c + 1].text);
      return out;
    }
    // `source`/`.` run the script in this shell (its `cd` stays); a shell runs it in its own.
    const run = SHELLS.has(name) ? recurse : evalHere;
    const file = SHELLS.has(name) ? shellOperand(args) : args[0];
    const stdinFile = file !== undefined && STDIN_SCRIPT.test(file.text);
    const fromStdin = stdinFile || (SHELLS.has(name) && (file === undefined || args.some((w) => /^-[a-zA-Z]*s[a-zA-Z]*$/.test(w.text))));
    if (file?.process !== undefined && !fromStdin) {
      // `bash <(curl …)`, `source <(echo …)`: the script is what the command prints.
      const printed = printedBy(file.process);
      if (printed === undefined) throw new Undecidable(`\`${name}\` runs a script that \`${file.process.trim()}\` prints, which the guard cannot read`);
      run(printed);
    } else if (fromStdin) {
      stdinShellScript(name, command, io, run);
    } else if (file !== undefined) {
      io.scriptFile({ file, kind: 'shell', args: args.slice(args.indexOf(file) + 1) });
    }
    return out;
  }
  if (INTERPRETERS.test(name)) {
    // -c, -e, -pe, -0777pe, python -Sc/-Ic, node --eval=…
    const codeOption = name.startsWith('python') ? /^-[a-zA-Z]*c$/ : name === 'php' ? /^-r$/ : /^(-c|--eval|-p|--print|eval|-Command|-[a-zA-Z0-9]*[eE])$/;
    const codeFlag = args.findIndex((w) => codeOption.test(w.text) || /^--(?:eval|print)=/.test(w.text));
    const inline = codeFlag >= 0 ? /^--(?:eval|print)=([^]*)$/.exec(args[codeFlag].text) : null;
    // perl -i / -pi -e / -0777pi (ruby -i / -i.bak -pe alike): in-place edit of the files after the script.
    if ((name === 'perl' || name === 'ruby') && args.some((w) => /^-(?:[0-9]+|[aclnpsStTuUwWX])*i/.test(w.text))) {
      const rest = args.slice(codeFlag >= 0 ? codeFlag + 2 : 0).filter((w) => !w.text.startsWith('-'));
      const files = codeFlag >= 0 ? rest : rest.slice(1);
      out.push(...files.map((w) => target(w, 'write', `${name} -i`)));
      return out;
    }
    const code = inline ? inline[1] : codeFlag >= 0 ? args[codeFlag + 1]?.text : undefined;
    // The words after the code are its arguments (`sys.argv[1:]`); without -c/-e, those after the options.
    const operands = (codeFlag >= 0 ? args.slice(codeFlag + (inline ? 1 : 2)) : args).filter((w) => !w.text.startsWith('-'));
    if (code !== undefined) {
      const via = `${name} ${inline ? args[codeFlag].text.split('=')[0] : args[codeFlag].text}`;
      out.push(...interpreterWrites(code, via, recurse), ...argvWrites(code, operands, via));
    }
    for (const body of command.heredocs) out.push(...interpreterWrites(body, `${name} <<`, recurse), ...argvWrites(body, operands, `${name} <<`));
    // `echo "open('a','w')" | python3` (best effort, like all interpreter code).
    const printed = codeFlag < 0 && io.upstream !== undefined && io.upstream !== 'unknown' ? printedText(io.upstream) : undefined;
    if (printed !== undefined) out.push(...interpreterWrites(printed, `| ${name}`, recurse));
    const file = codeFlag < 0 && command.heredocs.length === 0 ? interpreterOperand(name, args) ?? stdinScript(command) : undefined;
    if (file !== undefined) io.scriptFile({ file, kind: 'code', interpreter: name, args: args.slice(args.indexOf(file) + 1) });
    // What the runtime itself writes through its options (`node --test-reporter-destination=f`, `--cpu-prof-dir=d`).
    out.push(...outputOptionTargets(name, codeFlag >= 0 ? args.slice(0, codeFlag) : file !== undefined ? args.slice(0, args.indexOf(file)) : args));
    return out;
  }
  switch (name) {
    case 'at':
    case 'batch': {
      // The commands it runs later, read like a shell's script: `-f file`, or its standard input.
      let file: Word | undefined;
      for (let k = 0; k < args.length; k++) {
        const w = args[k].text;
        if (/^-[a-zA-Z]*[lrdcV]/.test(w)) return out; // list, remove, show, version: nothing runs
        if (AT_VALUE_OPTIONS.has(w)) {
          if (w === '-f') file = args[k + 1];
          k++;
        }
      }
      if (file !== undefined) io.scriptFile({ file, kind: 'shell' });
      else stdinShellScript(name, command, io, recurse);
      break;
    }
    case 'crontab':
      // Commands that run later, on a schedule, with no hook to ask: a person's to install.
      if (!args.some((w) => /^-[a-zA-Z]*[lrTV]/.test(w.text))) {
        throw new Undecidable('`crontab` installs commands that run later, on a schedule, which the guard cannot judge (a person can install them)');
      }
      break;
    case 'script': {
      // `script -c CMD [file]`: runs CMD (none: an interactive shell), logging all it shows to the file.
      let logged = false;
      let k = 0;
      for (; k < args.length && args[k].text.startsWith('-'); k++) {
        const w = args[k].text;
        if (w === '--') {
          k++;
          break;
        }
        const long = /^(--[a-z-]+)=(.*)$/.exec(w);
        const option = long ? long[1] : w;
        const value = long ? { ...args[k], text: long[2] } : args[k + 1];
        if (['-c', '--command'].includes(option)) {
          if (value) recurse(value.text);
        } else if (['-I', '--log-in', '-O', '--log-out', '-B', '--log-io', '-T', '--log-timing'].includes(option)) {
          if (value) out.push(target(value, 'write', `script ${option}`));
          logged = true;
        } else if (!['-E', '--echo', '-m', '--logging-format', '-o', '--output-limit'].includes(option)) {
          if (['-h', '--help', '-V', '--version'].includes(w)) return out;
          if (/^-[aefq]+$/.test(w) || ['--append', '--return', '--flush', '--force', '--quiet'].includes(w)) continue;
          if (/^-t/.test(w) || w.startsWith('--timing')) {
            if (w.length > 2 && w.startsWith('-t')) out.push(target({ ...args[k], text: w.slice(2) }, 'write', 'script -t'));
            continue;
          }
          throw new Undecidable(`\`script ${w}\` is an option the guard does not know, so it cannot tell what it runs`);
        }
        if (!long) k++;
      }
      const file = args[k];
      if (file !== undefined) out.push(target(file, 'write', 'script'));
      else if (!logged) out.push({ path: 'typescript', glob: false, op: 'write', via: 'script' });
      break;
    }
    case 'tmux':
      for (const c of tmuxCommands(args)) recurse(c);
      break;
    case 'parallel':
      for (const c of parallelCommands(args)) recurse(c);
      break;
    case 'curl':
    case 'wget':
    case 'sort':
    case 'tar':
    case 'bsdtar':
    case 'unzip':
    case 'zip':
    case 'awk':
    case 'gawk':
    case 'gzip':
    case 'gunzip':
    case 'bzip2':
    case 'bunzip2':
    case 'xz':
    case 'unxz':
    case 'zstd':
    case 'unzstd':
    case 'lzma':
    case 'unlzma':
    case 'lzip':
    case 'compress':
    case 'uncompress':
    case 'uniq':
    case 'sponge':
    case 'yq':
    case 'xxd':
    case 'iconv':
    case 'split':
    case 'csplit':
    case 'dos2unix':
    case 'unix2dos':
    case 'mac2unix':
    case 'unix2mac':
    case 'rename':
    case 'prename':
    case 'file-rename':
    case 'perl-rename':
    case 'openssl':
    case 'gpg':
    case 'gpg2':
    case 'base64':
    case 'cpio':
    case 'sqlite3':
    case 'mkfifo':
    case 'mknod':
    case 'mogrify':
      out.push(...writerTargets(name, args, recurse));
      break;
    case 'sudoedit':
      out.push(...ops.map((w) => target(w, 'write', 'sudoedit')));
      break;
    case 'tee':
      out.push(...ops.map((w) => target(w, 'write', 'tee')));
      break;
    case 'sed':
    case 'gsed': {
      // -e/-f anywhere in a cluster, the script attached or next (`-ne'w x'`, `-nf fix.sed`).
      const scripted = args.some((w) => /^(-e|-f|--expression|--file)/.test(w.text) || /^-[a-zA-Z]*[ef]/.test(w.text));
      const files = operands(args, SED_VALUE_OPTIONS);
      // The script's own commands: `w file`, `s/…/…/w file`, `e command` (none with --sandbox).
      if (!args.some((w) => w.text === '--sandbox')) {
        // (BSD sed's `-i ''`: the empty word is the backup suffix, the script comes after it.)
        const scripts = scripted ? optionValues(args, ['-e'], ['--expression']) : files.filter((w) => w.text !== '').slice(0, 1);
        for (const script of scripts) out.push(...sedScriptTargets(script.text, name, recurse));
        for (const file of optionValues(args, ['-f'], ['--file'])) io.scriptFile({ file, kind: 'sed' });
      }
      if (!args.some((w) => /^(-[a-zA-Z]*i|--in-place)/.test(w.text))) break;
      out.push(...(scripted ? files : files.slice(1)).map((w) => target(w, 'write', 'sed -i')));
      break;
    }
    case 'cp':
    case 'install':
    case 'rsync':
    case 'scp':
    case 'mv':
    case 'git-mv':
      if (name === 'rsync' || name === 'scp') sshRuns(name, args, recurse);
      out.push(...copyTargets(name === 'git-mv' ? 'mv' : name, args), ...linkedSources(name, args));
      break;
    case 'ssh':
    case 'sftp':
      sshRuns(name, args, recurse, (w) => void out.push(target(w, 'write', `${name} -E`)));
      break;
    case 'rm':
    case 'unlink':
    case 'shred':
    case 'rmdir':
      out.push(...ops.map((w) => target(w, 'delete', name)));
      // Once per command, not per operand: `rm a a a …` with thousands of operands stays linear.
      if (args.some((a) => /^-[a-zA-Z]*[rR]/.test(a.text) || a.text === '--recursive') || ops.some((w) => w.glob)) {
        // rm -r dir: everything below it.
        for (const w of ops) out.push({ path: join(w.text, '**'), glob: true, op: 'delete', via: name });
      }
      break;
    case '7z':
    case '7za':
    case '7zr':
    case '7zz': {
      // 7z x|e ARCHIVE [-oDIR]: the archive's files into DIR (here without one); a|u|d|rn ARCHIVE: the archive
      // is written; -sdel takes the files put in away.
      const [command7z, archive, ...files] = operands(args);
      const dir = args.map((w) => /^-o(.+)$/.exec(w.text)?.[1]).filter((d) => d !== undefined).pop() ?? '.';
      if (command7z?.text === 'x' || command7z?.text === 'e') out.push({ path: join(dir, '**'), glob: true, op: 'write', via: `${name} ${command7z.text}`, unknown: 'the files come from an archive the guard cannot read' });
      else if (archive !== undefined && /^(?:a|u|d|rn)$/.test(command7z?.text ?? '')) {
        out.push(target(archive, 'write', `${name} ${command7z!.text}`));
        if (args.some((w) => w.text === '-sdel')) for (const f of files) out.push(target(f, 'delete', `${name} -sdel`), { path: join(f.text, '**'), glob: true, op: 'delete', via: `${name} -sdel` });
      }
      break;
    }
    case 'zipfile':
    case 'tarfile':
      // `python3 -m zipfile -e a.zip src/`, `-m tarfile -e`: the archive's files, into the folder named (here without one).
      if (/^(?:-e|--extract)$/.test(args[0]?.text ?? '')) out.push({ path: join(args[2]?.text ?? '.', '**'), glob: true, op: 'write', via: `python -m ${name} -e`, unknown: 'the files come from an archive the guard cannot read' });
      break;
    case 'shx': {
      // Through a runner (`npx shx rm -rf src/booking`; without one it is unwrapped like busybox): the command after its options.
      let k = 0;
      while (args[k]?.text.startsWith('--')) k++;
      if (k < args.length) recurse(args.slice(k).map((w) => w.raw).join(' '));
      break;
    }
    case 'rimraf':
    case 'del':
    case 'del-cli':
    case 'trash':
    case 'trash-cli':
    case 'trash-put':
      // npm's deleting tools (`npx rimraf src/booking`): each operand, a pattern (their own globs too), with everything below it.
      for (const w of ops) {
        const glob = w.glob || GLOB_CHARS.test(w.text);
        out.push({ ...target(w, 'delete', name), glob }, { path: join(w.text, '**'), glob: true, op: 'delete', via: name });
      }
      break;
    case 'cpy':
    case 'cpy-cli':
    case 'copyfiles':
    case 'cpx':
    case 'ncp':
    case 'degit':
    case 'tiged': {
      // npm's copying tools and project templates (`npx cpy 'tmp/*' src/booking`, `npx degit user/repo src --force`):
      // the last operand is the folder they write into (degit's is the second, or here).
      const into = name === 'degit' || name === 'tiged' ? ops[1] ?? { text: '.', glob: false, raw: '.', inner: [] } : ops.length >= 2 ? ops[ops.length - 1] : undefined;
      if (into) out.push(target(into, 'write', name), { path: join(into.text, '**'), glob: true, op: 'write', via: name });
      break;
    }
    case 'truncate':
      out.push(...operands(args, TRUNCATE_VALUE_OPTIONS).map((w) => target(w, 'write', 'truncate')));
      break;
    case 'touch':
      out.push(...operands(args, TOUCH_VALUE_OPTIONS).map((w) => target(w, 'write', 'touch')));
      break;
    case 'chmod':
      out.push(...chmodTargets(args));
      break;
    case 'dd':
      for (const w of args) if (w.text.startsWith('of=')) out.push(target(w, 'write', 'dd of=', w.text.slice(3)));
      break;
    case 'mount':
    case 'sshfs':
    case 'bindfs':
    case 'mergerfs':
    case 'unionfs':
    case 'unionfs-fuse':
    case 's3fs':
    case 'archivemount':
    case 'squashfuse':
    case 'fuse-overlayfs':
    case 'gocryptfs':
    case 'encfs':
    case 'rclone': {
      // The mount point (the last operand): what was there is hidden behind what is mounted, and every
      // read and write of its paths goes to the other file system (`mount --bind /tmp/x src/a.ts`).
      const words = operands(args, MOUNT_VALUE_OPTIONS);
      if (name === 'rclone' && words.shift()?.text !== 'mount') break;
      const named = optionValues(args, [], ['--target']).pop();
      const point = named ?? words[words.length - 1];
      if (point === undefined || (name === 'mount' && words.length === 0 && named === undefined)) break;
      out.push(target(point, 'write', name), { path: join(point.text, '**'), glob: true, op: 'delete', via: name });
      // A bind mount (and bindfs) makes the source writable through the mount point (`mount --bind src/booking /tmp/y`).
      const bind = name === 'bindfs' || args.some((w) => /^(?:-B|--bind|--rbind|-R)$/.test(w.text)) || optionValues(args, ['-o'], ['--options']).some((w) => /(?:^|,)r?bind(?:,|$)/.test(w.text));
      if (bind) {
        for (const source of [...optionValues(args, [], ['--source']), ...words.filter((w) => w !== point)]) out.push(target(source, 'write', `${name} --bind`), { path: join(source.text, '**'), glob: true, op: 'write', via: `${name} --bind` });
      }
      break;
    }
    case 'link':
      // link FILE1 FILE2: a hard link, as `ln FILE1 FILE2` makes.
      for (const w of ops.slice(0, 2)) out.push(target(w, 'write', 'link'));
      break;
    case 'ln': {
      const t = args.findIndex((w) => w.text === '-t' || w.text === '--target-directory');
      // The file a link leads to is a target too: a write through the link (a hard link, or a
      // symbolic one the same command then writes through) reaches it without naming it. A relative
      // target of a symbolic link is read from the link's folder; both spellings are reported.
      const symbolic = args.some((w) => w.text === '--symbolic' || /^-[a-zA-Z]*s/.test(w.text));
      const linkedTo = (s: Word, linkDir: string): void => {
        out.push(target(s, 'write', 'ln'));
        if (symbolic && !s.text.startsWith('/') && linkDir !== '' && linkDir !== '.') out.push({ path: join(linkDir, s.text), glob: s.glob, op: 'write', via: 'ln' });
      };
      if (t >= 0 && args[t + 1]) {
        for (const s of ops.filter((w) => w !== args[t + 1])) {
          out.push({ path: join(args[t + 1].text, basename(s.text)), glob: s.glob, op: 'write', via: 'ln' });
          linkedTo(s, args[t + 1].text);
        }
      } else if (ops.length >= 2) {
        const last = ops[ops.length - 1];
        out.push(target(last, 'write', 'ln'));
        for (const s of ops.slice(0, -1)) {
          out.push({ path: join(last.text, basename(s.text)), glob: s.glob || last.glob, op: 'write', via: 'ln' });
          // `ln a b`: b is the link (its folder holds it), or a folder the link goes into.
          linkedTo(s, posix.dirname(last.text));
          linkedTo(s, last.text);
        }
      } else if (ops.length === 1) {
        // `ln -s ../x`: a link named after its target, in this folder.
        out.push({ path: basename(ops[0].text), glob: ops[0].glob, op: 'write', via: 'ln' });
        linkedTo(ops[0], '');
      }
      break;
    }
    case 'find': {
      // -fprint FILE, -fprint0 FILE, -fls FILE, -fprintf FILE FORMAT: FILE is written.
      for (let k = 0; k < args.length - 1; k++) if (/^-f(?:print0?|printf|ls)$/.test(args[k].text)) out.push(target(args[k + 1], 'write', `find ${args[k].text}`));
      const acts = args.findIndex((w) => w.text === '-delete' || w.text === '-exec' || w.text === '-execdir' || w.text === '-ok');
      if (acts < 0) break;
      // The roots: the words before the expression (its first test, `!` or `(`).
      const roots = args.slice(0, args.findIndex((w) => w.text.startsWith('-') || w.text === '!' || w.text === '(') >>> 0).filter((w) => !w.text.startsWith('-'));
      const exec = args[acts].text !== '-delete' ? args.slice(acts + 1).map((w) => w.text) : [];
      const readOnly = exec.length > 0 && /^(cat|grep|ls|head|tail|wc|file|stat|echo|printf|sha256sum|md5sum)$/.test(basename(exec[0]));
      if (readOnly) break;
      // The files it acts on: those below each root, or only those a `-name` before the action matches
      // (`find . -name '*.log' -delete`), where the tests before it are only joined by "and" (an -o, a !
      // or parentheses could let anything through).
      const tests = args.slice(roots.length, acts).map((w) => w.text);
      // Only an action that does nothing but delete what matched, with nothing after it: `-delete`, or
      // `-exec rm [-rf] {} ;`/`+` (any other command, or more after it, may write anything).
      const after = args.slice(acts + 1).map((w) => w.text);
      const deletesMatches = args[acts].text === '-delete' ? after.length === 0
        : (args[acts].text === '-exec' || args[acts].text === '-execdir') && /^rm$/.test(basename(after[0] ?? '')) && after.length >= 3
          && after.slice(1, -2).every((t) => /^-[rRfv]+$/.test(t)) && after[after.length - 2] === '{}' && /^(?:;|\+)$/.test(after[after.length - 1]);
      const name = !deletesMatches || tests.some((t) => /^(?:-o|-or|-not|!|\(|\)|,)$/.test(t)) ? undefined : args[roots.length + tests.indexOf('-name') + 1];
      const named = name !== undefined && tests.includes('-name') && !name.text.includes('/') && !name.text.includes(EXPANSION) ? name.text : undefined;
      for (const r of roots.length > 0 ? roots : [{ text: '.', glob: false, raw: '.', inner: [] }]) {
        if (named === undefined) out.push({ path: join(r.text, '**'), glob: true, op: 'delete', via: 'find' });
        else out.push({ path: join(r.text, `**/${named}`), glob: true, op: 'delete', via: 'find' }, { path: join(r.text, `**/${named}/**`), glob: true, op: 'delete', via: 'find' });
      }
      break;
    }
    case 'docker':
    case 'podman':
    case 'nerdctl':
    case 'docker-compose':
    case 'kubectl':
      out.push(...containerTargets(name, args));
      break;
    case 'git':
      out.push(...gitTargets(args, (use) => io.patch({ ...use, ...patchInput(command, use.file, io.upstream) }), io.gitAlias, recurse));
      break;
    case 'patch': {
      if (args.some((w) => w.text === '--dry-run')) break;
      const valued = operands(args, PATCH_VALUE_OPTIONS);
      const output = optionValues(args, ['-o'], ['--output'])[0];
      // `patch FILE [PATCH]`: the hunks go to FILE; `-o OUT`: to OUT (`-o -`: standard output), whatever the patch names.
      if (output) {
        if (output.text !== '-') out.push(target(output, 'write', 'patch -o'));
        break;
      }
      if (valued[0]) {
        out.push(target(valued[0], 'write', 'patch'));
        break;
      }
      const at = optionValues(args, ['-d'], ['--directory'])[0];
      io.patch({ ...patchInput(command, optionValues(args, ['-i'], ['--input'])[0], io.upstream), at: at?.text ?? '', dir: '', via: 'patch' });
      break;
    }
    default:
      out.push(...outputOptionTargets(name, args));
      break;
  }
  return out;
}

/** Long options that name the file a program writes (bundlers, compilers, generators: `--outfile=x`, `--output x`). */
const OUTPUT_FILE_OPTIONS: ReadonlySet<string> = new Set(['--outfile', '--out-file', '--outFile', '--output-file', '--output', '--out', '--test-reporter-destination', '--redirect-warnings', '--cpu-prof-name', '--heap-prof-name', '--report-filename']);
/** Long options that name the folder it writes into (`--outDir`, `--out-dir`, webpack's `--output-path`). */
const OUTPUT_DIR_OPTIONS: ReadonlySet<string> = new Set(['--outdir', '--outDir', '--out-dir', '--output-dir', '--output-path', '--out-path', '--dist-dir', '--distpath', '--target-dir', '--emit-dir', '--cpu-prof-dir', '--heap-prof-dir', '--diagnostic-dir', '--report-directory']);
/** Programs whose `-o` names the file they write (elsewhere `-o` is often a flag: `grep -o`, `ls -o`), and whose `-d` names a folder. */
const DASH_O_WRITERS: ReadonlySet<string> = new Set(['gcc', 'g++', 'cc', 'c++', 'clang', 'clang++', 'go', 'rustc', 'ld', 'as', 'nvcc', 'babel', 'esbuild', 'swc', 'rollup', 'pandoc', 'tsc', 'pkg', 'bun']);
/** Code generators whose `-o` (and `--output`) names the file or the folder they generate into. */
const GENERATORS: ReadonlySet<string> = new Set(['openapi-generator', 'openapi-generator-cli', 'swagger-codegen', 'swagger-codegen-cli', 'quicktype', 'json2ts', 'json-schema-to-typescript', 'openapi-typescript', 'datamodel-codegen', 'cookiecutter', 'buf', 'protoc', 'oapi-codegen', 'orval', 'openapi-zod-client', 'typechain', 'graphql-codegen']);
/** Programs whose `-d` (ncc: `-o`) names the folder they write into. */
const DASH_D_WRITERS: ReadonlySet<string> = new Set(['javac', 'kotlinc', 'babel', 'swc']);
const DASH_O_FOLDERS: ReadonlySet<string> = new Set(['ncc']);

/**
 * What a program the guard has no rule for writes through its output options: the value of
 * `--outfile`/`--output`/`--out` and the like, everything below `--outDir`/`--out-dir`/`--output-path`
 * and the like; a compiler's or bundler's `-o` (a file) and `-d` (a folder); `pip install -t`/`--target`.
 * (A compiler or bundler writing src/booking/a.ts through them was allowed.)
 */
function outputOptionTargets(name: string, args: readonly Word[]): ShellTarget[] {
  const out: ShellTarget[] = [];
  const pip = name === 'pip' || name === 'pip3' ? args[0]?.text : undefined;
  const pipInstall = pip === 'install';
  // `pip download -d DIR`, `pip wheel -w DIR`: the files fetched or built go into DIR.
  const pipFolder = pip === 'download' ? ['-d', '--dest'] : pip === 'wheel' ? ['-w', '--wheel-dir'] : [];
  for (let k = 0; k < args.length; k++) {
    const w = args[k].text;
    const long = /^(--[A-Za-z][\w-]*)=([^]*)$/.exec(w);
    const option = long ? long[1] : w;
    const file = OUTPUT_FILE_OPTIONS.has(option) || (option === '-o' && DASH_O_WRITERS.has(name));
    // protoc's and buf's `--ts_out=DIR`, `--python_out DIR`, `--grpc_out=…`: a plugin's output folder (after
    // its `opts:`, if any); a code generator's `-o` names a file or a folder: both count.
    const pluginOut = /^--[\w-]+_out$/.test(option);
    const folder = OUTPUT_DIR_OPTIONS.has(option) || (pipInstall && (option === '--target' || option === '-t')) || pipFolder.includes(option)
      || (option === '-d' && DASH_D_WRITERS.has(name)) || (option === '-o' && (DASH_O_FOLDERS.has(name) || GENERATORS.has(name))) || pluginOut
      || (option === '--output' && GENERATORS.has(name));
    const given = long ? { ...args[k], text: long[2] } : args[k + 1];
    const value = pluginOut && given !== undefined ? { ...given, text: given.text.replace(/^[^:/]*:(?!\/\/)/, '') } : given;
    if ((!file && !folder) || value === undefined || (value.text.startsWith('-') && value.text !== '-')) continue;
    if (value.text !== '-') out.push(target(value, 'write', `${name} ${option}`));
    if (folder) out.push({ path: join(value.text, '**'), glob: true, op: 'write', via: `${name} ${option}` });
    if (!long) k++;
  }
  return out;
}

/** Options of GNU `patch` that take a value. */
const PATCH_VALUE_OPTIONS = new Set(['-p', '--strip', '-F', '--fuzz', '-i', '--input', '-o', '--output', '-r', '--reject-file', '-z', '--suffix', '-B', '--prefix', '-Y', '--basename-prefix', '-V', '--version-control', '-D', '--ifdef', '-d', '--directory', '-g', '--get', '--quoting-style']);

/**
 * Where a patch applied from standard input comes from, unless `file` names it: a `<` redirect's
 * file, a heredoc or here-string, or what the command before the `|` prints (`echo`, `printf`, `cat <<EOF`).
 */
function patchInput(command: SimpleCommand, file: Word | undefined, upstream: Piped | 'unknown' | undefined): { text?: string; file?: Word } {
  if (file !== undefined && !STDIN_SCRIPT.test(file.text)) return { file };
  const from = command.redirects.filter((r) => r.op === '<').pop();
  if (from) return { file: from.target };
  if (command.heredocs.length > 0) return { text: command.heredocs.join('\n') };
  const printed = upstream !== undefined && upstream !== 'unknown' ? printedText(upstream) : undefined;
  return printed !== undefined ? { text: printed } : {};
}

/** The value of option `short`/`long` in `args` (`-o f`, `-of`, `--output f`, `--output=f`), each time it is given. */
function optionValues(args: readonly Word[], short: readonly string[], long: readonly string[]): Word[] {
  const out: Word[] = [];
  for (let k = 0; k < args.length; k++) {
    const t = args[k].text;
    if (t === '--') break;
    const eq = long.find((l) => t.startsWith(`${l}=`));
    if (eq) out.push({ ...args[k], text: t.slice(eq.length + 1) });
    else if (long.includes(t) || short.includes(t)) {
      if (args[k + 1]) out.push(args[++k]);
    } else if (/^-[^-]/.test(t)) {
      // A cluster: `-sSLo file`, `-ofile`.
      const at = [...t.slice(1)].findIndex((c) => short.includes(`-${c}`));
      if (at >= 0) {
        const rest = t.slice(at + 2);
        if (rest !== '') out.push({ ...args[k], text: rest });
        else if (args[k + 1]) out.push(args[++k]);
      }
    }
  }
  return out;
}

/** Options of curl that take a value (so the value is not taken for a URL). */
const CURL_VALUE_OPTIONS = new Set(['-o', '--output', '-d', '--data', '-H', '--header', '-X', '--request', '-u', '--user', '-A', '--user-agent', '-e', '--referer', '--output-dir', '-F', '--form', '-T', '--upload-file', '-x', '--proxy', '-w', '--write-out', '-b', '--cookie', '-c', '--cookie-jar', '-m', '--max-time', '--connect-timeout', '-r', '--range', '--retry']);
/** Options of wget that take a value. */
const WGET_VALUE_OPTIONS = new Set(['-P', '--directory-prefix', '-o', '--output-file', '-a', '--append-output', '-U', '--user-agent', '--header', '-t', '--tries', '-T', '--timeout', '-e', '--execute']);

/**
 * The files `curl -O` and `wget` save the URLs among the operands of `args` to (`valued`: the
 * options that take a value): each URL's last path segment, in `dir` when it is given.
 */
function downloads(args: readonly Word[], valued: ReadonlySet<string>, dir: string | undefined): Word[] {
  const out: Word[] = [];
  for (const url of operands(args, valued)) {
    if (!/^[a-z]+:\/\//i.test(url.text)) continue;
    const name = basename(url.text.replace(/[?#].*$/, '').replace(/^[a-z]+:\/\/[^/]*/i, '')) || 'index.html';
    out.push({ ...url, text: dir ? join(dir, name) : name });
  }
  return out;
}

/** Long options of tar that take a value (its short ones are read letter by letter). */
const TAR_VALUE_OPTIONS = new Set(['--file', '--directory', '--files-from', '--exclude-from', '--exclude', '--blocking-factor', '--use-compress-program', '--format', '--strip-components', '--transform', '--owner', '--group', '--mode', '--newer', '--after-date',
  '--to-command', '--checkpoint-action', '--info-script', '--new-volume-script', '--rsh-command', '--listed-incremental', '--index-file', '--volno-file', '--label', '--tape-length', '--starting-file']);
/** Options of zip that take a value. */
const ZIP_VALUE_OPTIONS = new Set(['-b', '-n', '-t', '-tt', '-P', '-Z', '-s', '-sp', '-O', '--output-file', '-TT', '--unzip-command', '--temp-path', '--password', '--compression-method', '--split-size']);
/** Options of unzip that take a value. */
const UNZIP_VALUE_OPTIONS = new Set(['-d', '-x', '-P']);
/** Options of awk that take a value. */
const AWK_VALUE_OPTIONS = new Set(['-f', '--file', '-v', '--assign', '-F', '--field-separator', '-i', '--include', '-e', '--source', '-l', '--load']);
/** Options of gzip, bzip2, xz, zstd and their un- that take a value. */
const COMPRESS_VALUE_OPTIONS = new Set(['-S', '--suffix', '-o']);
/** Options that take a value: uniq's, xxd's, split's, cpio's, sqlite3's. */
const UNIQ_VALUE_OPTIONS = new Set(['-f', '-s', '-w', '--skip-fields', '--skip-chars', '--check-chars']);
const XXD_VALUE_OPTIONS = new Set(['-c', '-cols', '-g', '-groupsize', '-l', '-len', '-o', '-offset', '-s', '-seek', '-n', '-name']);
const SPLIT_VALUE_OPTIONS = new Set(['-a', '-b', '-C', '-l', '-n', '-t', '--suffix-length', '--bytes', '--line-bytes', '--lines', '--number', '--separator', '--additional-suffix']);
const CPIO_VALUE_OPTIONS = new Set(['-D', '--directory', '-E', '-F', '-H', '-I', '-M', '-O', '-R', '--format', '--file', '--owner', '--pattern-file']);
/** A statement of sqlite3's that only reads the database: a query, EXPLAIN, a pragma read, a dot command that shows. */
const READ_ONLY_SQL = /^(?:|select\b[^]*|explain\b[^]*|pragma\s+[\w.]+|\.(?:tables|schema|fullschema|dump|headers|mode|indexes|indices|databases|show|help|width|nullvalue|separator|dbinfo|lint)\b[^]*)$/i;
/** Functions of the sqlite3 shell that write files or load code, whatever the statement. */
const SQL_FILE_FUNCTIONS = /\b(?:writefile|edit|load_extension)\s*\(/i;
/** Options of mkfifo and mknod that take a value. */
const MKNOD_VALUE_OPTIONS = new Set(['-m', '--mode', '-Z', '--context']);
const SQLITE_VALUE_OPTIONS = new Set(['-cmd', '-init', '-separator', '-newline', '-nullvalue', '-vfs', '-maxsize', '-mmap', '-lookaside', '-pagecache', '-heap', '-escape']);

/**
 * What downloaders, archivers, compressors, `sort -o` and `awk` write: `curl -o`/`-O`, `wget`
 * (`-O`, else the URL's name), `sort -o`, `tar -x`/`unzip` (the members named, else everything in
 * the folder of `-C`/`-d`: the file list is in the archive), `gzip` (removes FILE, writes FILE.gz),
 * `gunzip`, `awk -i inplace` and `awk` programs' `print > "file"` and `system("…")`.
 */
function writerTargets(name: string, args: readonly Word[], recurse: (script: string) => void): ShellTarget[] {
  const out: ShellTarget[] = [];
  const write = (w: Word, via = name): void => void out.push(target(w, 'write', via));
  const everything = (dir: string, via: string, unknown = 'the files come from an archive the guard cannot read'): void => void out.push({ path: join(dir, '**'), glob: true, op: 'write', via, unknown });
  switch (name) {
    case 'curl': {
      // --output-dir is put before -o's names too (`curl -o a.ts --output-dir src/booking URL`).
      const dir = optionValues(args, [], ['--output-dir'])[0]?.text;
      for (const w of optionValues(args, ['-o'], ['--output'])) {
        write(w, 'curl -o');
        if (dir) write({ ...w, text: join(dir, w.text) }, 'curl -o');
      }
      if (args.some((w) => /^-[a-zA-Z]*O/.test(w.text) || w.text === '--remote-name' || w.text === '--remote-name-all')) {
        for (const w of downloads(args, CURL_VALUE_OPTIONS, dir)) write(w, 'curl -O');
      }
      // A config file (-K) names its own outputs, which the guard does not read: `output = ../src/x.ts`
      // or an absolute path may be anywhere, as a bare $VAR may (not only in the folder it runs in).
      if (args.some((w) => /^-[a-zA-Z]*K/.test(w.text) || w.text === '--config' || w.text.startsWith('--config='))) {
        out.push({ path: '**', glob: true, op: 'write', via: 'curl -K', anywhere: '**', unknown: 'its config file names the files it writes, in any folder' });
      }
      for (const w of optionValues(args, ['-c'], ['--cookie-jar', '--dump-header', '-D', '--trace', '--stderr'])) write(w, 'curl');
      break;
    }
    case 'wget': {
      const named = optionValues(args, ['-O'], ['--output-document']);
      for (const w of named) write(w, 'wget -O');
      if (named.length === 0) {
        const dir = optionValues(args, ['-P'], ['--directory-prefix'])[0]?.text;
        for (const w of downloads(args, WGET_VALUE_OPTIONS, dir)) write(w, 'wget');
        // URLs from a file (-i), or a whole site (-r, -m): names the guard cannot know, under the folder.
        if (args.some((w) => /^-[a-zA-Z]*[irm]/.test(w.text) || /^--(input-file|recursive|mirror)(=|$)/.test(w.text))) everything(dir ?? '.', 'wget', 'the files are named by a list or a site the guard cannot read');
      }
      for (const w of optionValues(args, ['-o', '-a'], ['--output-file', '--append-output'])) write(w, 'wget -o');
      break;
    }
    case 'sort':
      for (const w of optionValues(args, ['-o'], ['--output'])) write(w, 'sort -o');
      break;
    case 'tar':
    case 'bsdtar': {
      // Options: old style first word (`xzf a.tgz`), clusters (`-xzf a.tgz`, `-C dir`), long (`--file=a`).
      let extract = false;
      let create = false;
      let removes = false;
      let dir = '.';
      let archive: Word | undefined;
      // Each member with the folder of the -C before it (tar applies -C in order).
      const members: Word[] = [];
      const memberDirs: string[] = [];
      let listed = false;
      /** An option's value: the archive, the folder, a command tar runs, a file it writes. */
      const valued = (option: string, value: Word | undefined): void => {
        if (value === undefined) return;
        if (option === 'f' || option === '--file') archive = value;
        else if (option === 'C' || option === '--directory') dir = value.text;
        else if (['I', 'F', '--use-compress-program', '--to-command', '--info-script', '--new-volume-script', '--rsh-command'].includes(option)) recurse(value.text);
        else if (option === '--checkpoint-action' && value.text.startsWith('exec=')) recurse(value.text.slice(5));
        else if (['g', '--listed-incremental', '--index-file', '--volno-file'].includes(option)) write(value, `tar ${option.length === 1 ? '-' : ''}${option}`);
        else if (option === 'T' || option === '--files-from') listed = true;
      };
      for (let k = 0; k < args.length; k++) {
        const t = args[k].text;
        const oldStyle = k === 0 && /^[a-zA-Z]+$/.test(t);
        if (oldStyle || /^-[a-zA-Z]/.test(t)) {
          const letters = oldStyle ? t : t.slice(1);
          for (let c = 0; c < letters.length; c++) {
            const l = letters[c];
            if (l === 'x') extract = true;
            if ('cruA'.includes(l)) create = true;
            if ('fCTXbIHFgKLNV'.includes(l)) {
              // Old style: the values follow in order, one word each; a cluster: the rest of it, or the next word.
              const rest = oldStyle ? '' : letters.slice(c + 1);
              valued(l, rest !== '' ? { ...args[k], text: rest } : args[++k]);
              if (rest !== '' || !oldStyle) break;
            }
          }
        } else if (t.startsWith('--')) {
          const eq = t.indexOf('=');
          const opt = eq > 0 ? t.slice(0, eq) : t;
          valued(opt, eq > 0 ? { ...args[k], text: t.slice(eq + 1) } : TAR_VALUE_OPTIONS.has(t) ? args[++k] : undefined);
          if (opt === '--extract' || opt === '--get') extract = true;
          if (['--create', '--append', '--update', '--concatenate', '--catenate'].includes(opt)) create = true;
          if (opt === '--remove-files') removes = true;
        } else {
          members.push(args[k]);
          memberDirs.push(dir);
        }
      }
      // Creating (or adding to) an archive writes it; --remove-files then deletes what it put in (a list
      // read from a file or the input, -T: any file below the folder).
      if (create && archive !== undefined && archive.text !== '-') write(archive, 'tar -c');
      if (removes) {
        members.forEach((m, i) => out.push({ path: join(memberDirs[i], m.text), glob: m.glob, op: 'delete', via: 'tar --remove-files' }, { path: join(join(memberDirs[i], m.text), '**'), glob: true, op: 'delete', via: 'tar --remove-files' }));
        if (listed) out.push({ path: join(dir, '**'), glob: true, op: 'delete', via: 'tar --remove-files', unknown: 'the files it removes are listed in a file or its input' });
      }
      if (!extract) break;
      if (members.length === 0 || args.some((w) => w.text.startsWith('--strip-components') || w.text.startsWith('--transform'))) everything(dir, 'tar -x');
      for (const m of members) {
        out.push({ path: join(dir, m.text), glob: m.glob, op: 'write', via: 'tar -x' });
        out.push({ path: join(join(dir, m.text), '**'), glob: true, op: 'write', via: 'tar -x' });
      }
      break;
    }
    case 'zip': {
      // zip [options] ARCHIVE [files]: the archive is written; -m takes the files away; -TT runs a command.
      for (const w of optionValues(args, [], ['-TT', '--unzip-command'])) recurse(w.text.replace(/\{\}/g, 'archive.zip'));
      for (const w of optionValues(args, ['-O'], ['--output-file'])) write(w, 'zip -O');
      const [zipFile, ...files] = operands(args, ZIP_VALUE_OPTIONS);
      if (zipFile !== undefined && zipFile.text !== '-') write(zipFile, 'zip');
      if (args.some((w) => /^-[a-zA-Z]*m/.test(w.text) || w.text === '--move')) {
        for (const f of files) out.push(target(f, 'delete', 'zip -m'), { path: join(f.text, '**'), glob: true, op: 'delete', via: 'zip -m' });
        // -@: the names come on its input.
        if (args.some((w) => /^-[a-zA-Z]*@/.test(w.text) || w.text === '--names-stdin')) out.push({ path: '**', glob: true, op: 'delete', via: 'zip -m', unknown: 'the files it moves are named on its input' });
      }
      break;
    }
    case 'unzip': {
      if (args.some((w) => /^-[a-zA-Z]*[lptvzZ]/.test(w.text))) break;
      const dir = optionValues(args, ['-d'], []).pop()?.text ?? '.';
      const ops = operands(args, UNZIP_VALUE_OPTIONS);
      const members = ops.slice(1);
      if (members.length === 0) everything(dir, 'unzip');
      for (const m of members) out.push({ path: join(dir, m.text), glob: m.glob, op: 'write', via: 'unzip' });
      break;
    }
    case 'awk':
    case 'gawk': {
      const inplace = optionValues(args, ['-i'], ['--include']).some((w) => /^inplace(\.awk)?$/.test(w.text));
      const programs = optionValues(args, ['-e'], ['--source']).map((w) => w.text);
      const ops = operands(args, AWK_VALUE_OPTIONS);
      const hasFile = args.some((w) => w.text === '-f' || w.text === '--file' || w.text.startsWith('--file='));
      if (programs.length === 0 && !hasFile && ops[0]) programs.push(ops.shift()!.text);
      if (inplace) for (const w of ops.filter((o) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(o.text))) write(w, 'awk -i inplace');
      for (const p of programs) {
        for (const m of p.matchAll(/(?:>>?|\|)\s*"((?:[^"\\\n]|\\.){1,4096})"/g)) {
          if (m[0].startsWith('|')) recurse(m[1]);
          else out.push({ path: m[1], glob: GLOB_CHARS.test(m[1]), op: 'write', via: 'awk >' });
        }
        for (const m of p.matchAll(/\bsystem\s*\(\s*(?:"((?:[^"\\\n]|\\.){0,4096})"\s*\))?/g)) {
          if (m[1] === undefined) throw new Undecidable('`awk` runs system() on a command it builds, which the guard cannot know');
          recurse(m[1]);
        }
      }
      break;
    }
    case 'uniq':
      // uniq [INPUT [OUTPUT]]
      for (const w of operands(args, UNIQ_VALUE_OPTIONS).slice(1, 2)) write(w);
      break;
    case 'xxd':
      // xxd [-r] [INFILE [OUTFILE]]: the second file is written, the dump or (-r) the bytes.
      for (const w of operands(args, XXD_VALUE_OPTIONS).slice(1, 2)) write(w);
      break;
    case 'sponge':
    case 'dos2unix':
    case 'unix2dos':
    case 'mac2unix':
    case 'unix2mac':
    case 'mogrify':
    case 'mkfifo':
      // Each file named is written (dos2unix and mogrify in place; sponge soaks up its input first).
      for (const w of operands(args, name === 'mkfifo' ? MKNOD_VALUE_OPTIONS : NO_VALUE_OPTIONS)) write(w);
      break;
    case 'mknod':
      for (const w of operands(args, MKNOD_VALUE_OPTIONS).slice(0, 1)) write(w);
      break;
    case 'yq':
      // yq -i EXPRESSION FILE…: in place. The expression counts as a name too (it names no file).
      if (args.some((w) => w.text === '--inplace' || /^-[a-zA-Z]*i/.test(w.text))) for (const w of operands(args)) write(w, 'yq -i');
      break;
    case 'iconv':
    case 'openssl':
    case 'gpg':
    case 'gpg2':
    case 'base64': {
      // The file named by their output option (openssl: -out, -keyout; gpg: -o/--output; iconv, BSD base64: -o/--output).
      const short = name === 'openssl' ? ['-out', '-keyout'] : ['-o'];
      for (const w of optionValues(args, short, name === 'openssl' ? [] : ['--output'])) write(w, `${name} ${short[0]}`);
      break;
    }
    case 'split':
    case 'csplit': {
      // Files named PREFIX + a suffix: split's prefix is its second operand, csplit's -f; `x`/`xx` by default.
      if (name === 'split' && args.some((w) => w.text.startsWith('--filter'))) throw new Undecidable('`split --filter` runs a command the guard does not read');
      const prefix = name === 'split' ? operands(args, SPLIT_VALUE_OPTIONS)[1] : optionValues(args, ['-f'], ['--prefix'])[0];
      const text = prefix?.text ?? (name === 'split' ? 'x' : 'xx');
      out.push({ path: `${text}*`, glob: true, op: 'write', via: name, ...(prefix?.unknown !== undefined ? { unknown: prefix.unknown } : {}) });
      break;
    }
    case 'rename':
    case 'prename':
    case 'file-rename':
    case 'perl-rename':
      // rename EXPRESSION FILE… (Perl's) or FROM TO FILE… (util-linux): each file is moved.
      // With -e/-E the expression is that option's value, and every operand is a file.
      for (const w of operands(args, new Set(['-e', '-E'])).slice(args.some((a) => a.text === '-e' || a.text === '-E') ? 0 : 1)) out.push(target(w, 'move', name));
      break;
    case 'cpio': {
      // -i extracts the archive's files below the folder (-D), -p copies into the folder named: names the guard cannot read.
      const dir = optionValues(args, ['-D'], ['--directory'])[0]?.text ?? '.';
      if (args.some((w) => /^-[a-zA-Z]*i/.test(w.text) || w.text === '--extract')) everything(dir, 'cpio -i');
      if (args.some((w) => /^-[a-zA-Z]*p/.test(w.text) || w.text === '--pass-through')) {
        for (const w of operands(args, CPIO_VALUE_OPTIONS)) everything(w.text, 'cpio -p', 'the files come from a list the guard cannot read');
      }
      break;
    }
    case 'sqlite3': {
      // sqlite3 DATABASE [SQL…] writes the database (unless -readonly), and a dot command's file (`.output FILE`).
      const ops = operands(args, SQLITE_VALUE_OPTIONS);
      const sqls = [...ops.slice(1), ...optionValues(args, ['-cmd'], [])];
      // Only reads: -readonly, or SQL given on the command line that only queries (SQL from standard input may write).
      const readOnly = args.some((w) => w.text === '-readonly' || w.text === '--readonly') ||
        (sqls.length > 0 && sqls.every((sql) => sql.text.split(';').every((statement) => READ_ONLY_SQL.test(statement.trim())) && !SQL_FILE_FUNCTIONS.test(sql.text)));
      if (ops[0] && !readOnly) write(ops[0]);
      for (const sql of sqls) {
        for (const line of sql.text.split('\n')) {
          // `.output FILE`, `.once [-x] FILE`, `.save FILE`, `.backup [DB] FILE`: the last word, unquoted;
          // `.output |COMMAND` runs a shell command.
          const [dot, ...words] = line.trim().split(/\s+/);
          if (!['.output', '.once', '.save', '.backup'].includes(dot)) continue;
          const rest = line.trim().slice(dot.length).trim();
          if (rest.startsWith('|')) {
            recurse(rest.slice(1));
            continue;
          }
          const file = words.filter((w) => !w.startsWith('-')).pop()?.replace(/^(["'])(.*)\1$/, '$2');
          if (file !== undefined && file !== 'stdout') out.push({ path: file, glob: false, op: 'write', via: `sqlite3 ${dot}` });
        }
        // Other files the SQL writes: `ATTACH 'x.db' AS a`, `VACUUM INTO 'x.db'`, the shell's `writefile('x', …)`.
        for (const m of sql.text.matchAll(/\b(?:ATTACH(?:\s+DATABASE)?|VACUUM(?:\s+\w+)?\s+INTO|writefile\s*\()\s*'([^']{1,4096})'/gi)) out.push({ path: m[1], glob: false, op: 'write', via: 'sqlite3' });
      }
      break;
    }
    default: {
      // gzip/bzip2/xz/zstd and their un-: FILE is replaced by FILE.gz (or the other way).
      const keep = args.some((w) => /^-[a-zA-Z0-9]*[ckltT]/.test(w.text) || ['--stdout', '--keep', '--list', '--test'].includes(w.text));
      const decompress = name.startsWith('un') || args.some((w) => /^-[a-zA-Z0-9]*d/.test(w.text) || w.text === '--decompress');
      const recursive = args.some((w) => /^-[a-zA-Z0-9]*r/.test(w.text) || w.text === '--recursive');
      const suffix = { gzip: '.gz', gunzip: '.gz', bzip2: '.bz2', bunzip2: '.bz2', xz: '.xz', unxz: '.xz', zstd: '.zst', unzstd: '.zst', lzma: '.lzma', unlzma: '.lzma', lzip: '.lz', compress: '.Z', uncompress: '.Z' }[name] ?? '';
      if (args.some((w) => /^-[a-zA-Z0-9]*c/.test(w.text) || w.text === '--stdout')) break;
      for (const w of operands(args, COMPRESS_VALUE_OPTIONS)) {
        if (!keep && name !== 'zstd' && name !== 'unzstd') out.push(target(w, 'delete', name));
        out.push({ path: decompress ? w.text.replace(/\.[a-z0-9]+$/i, '') : `${w.text}${suffix}`, glob: w.glob, op: 'write', via: name });
        if (recursive) out.push({ path: join(w.text, '**'), glob: true, op: 'delete', via: name });
      }
    }
  }
  return out;
}

/**
 * Options that take their value as the next word, per command (copyTargets also reads `-t DIR` for
 * the destination). The same letter is a flag elsewhere (`cp -f`, `mv -i`, `rsync -t`, `scp -r`):
 * one set for all took `cp -f SRC <locked file>`'s source for -f's value and saw no destination.
 * A flag taken for an option with a value would hide the next word, so only options known to take
 * one are listed; an option's value read as an operand only adds a target.
 */
const COPY_VALUE_OPTIONS: Readonly<Record<string, ReadonlySet<string>>> = {
  cp: new Set(['-S', '--suffix', '-t', '--target-directory']),
  mv: new Set(['-S', '--suffix', '-t', '--target-directory']),
  install: new Set(['-S', '--suffix', '-t', '--target-directory', '-m', '--mode', '-o', '--owner', '-g', '--group']),
  rsync: new Set(['-e', '--rsh', '-f', '--filter', '--exclude', '--include', '--exclude-from', '--include-from', '--files-from', '-T', '--temp-dir', '-B', '--block-size', '-M', '--remote-option', '--partial-dir', '--backup-dir', '--suffix', '--chmod', '--chown', '--compare-dest', '--copy-dest', '--link-dest', '--log-file', '--password-file', '--rsync-path']),
  scp: new Set(['-c', '-D', '-F', '-i', '-J', '-l', '-o', '-P', '-S', '-X']),
};

/**
 * What `cp`/`mv`/`install`/`rsync`/`scp` write: the destination, `destination/basename(source)`
 * for each source (`src/.` is the folder's content), and for a folder copied or moved (`mv`, or
 * `-r`/`-a`) everything below that. The destination folder comes from `-t DIR`,
 * `--target-directory[=]DIR` or the last operand; `-T` makes the destination the copy itself.
 */
/**
 * Files a copy links to instead of copying: `cp -l`/`--link` (hard links), `cp -s`/`--symbolic-link`, and
 * the files of rsync's `--link-dest` folder. A write through the copy (`cp -l a /tmp/x && echo > /tmp/x`,
 * one command, so the link is not there yet when the guard looks) reaches them: they count as written,
 * as `ln`'s do.
 */
function linkedSources(name: string, args: readonly Word[]): ShellTarget[] {
  if (name === 'rsync') {
    return optionValues(args, [], ['--link-dest']).flatMap((w) => [target(w, 'write', 'rsync --link-dest'), { path: join(w.text, '**'), glob: true, op: 'write' as const, via: 'rsync --link-dest' }]);
  }
  if (name !== 'cp' || !args.some((w) => /^-[a-zA-Z]*[ls][a-zA-Z]*$/.test(w.text) || w.text === '--link' || w.text === '--symbolic-link')) return [];
  const ops = operands(args, COPY_VALUE_OPTIONS.cp);
  const named = args.some((w) => w.text === '-t' || w.text.startsWith('--target-directory') || /^-[a-zA-Z]*t/.test(w.text));
  const sources = named ? ops : ops.slice(0, -1);
  const recursive = args.some((w) => /^-[a-zA-Z]*[rRa]/.test(w.text) || w.text === '--recursive' || w.text === '--archive');
  return sources.flatMap((s) => [target(s, 'write', 'cp --link'), ...(recursive ? [{ path: join(s.text, '**'), glob: true, op: 'write' as const, via: 'cp --link' }] : [])]);
}

/** Global options of docker, podman, nerdctl, docker compose and kubectl that take a value. */
const CONTAINER_GLOBAL_VALUES = new Set(['-H', '--host', '-c', '--context', '--config', '-l', '--log-level', '--tlscacert', '--tlscert', '--tlskey', '--url', '--connection', '--root', '--runroot', '--storage-driver', '--cgroup-manager', '--namespace', '-n', '--address', '-f', '--file', '-p', '--project-name', '--project-directory', '--env-file', '--profile', '--kubeconfig', '-s', '--server', '--cluster', '--user']);
/** Options of `run`, `create` and `exec` that take a value (the image or container is the first word after the options). */
const CONTAINER_RUN_VALUES = new Set([
  '-v', '--volume', '--mount', '-w', '--workdir', '-e', '--env', '--env-file', '--name', '-p', '--publish', '--network', '--net', '-u', '--user',
  '--entrypoint', '-l', '--label', '--label-file', '--platform', '--pull', '-h', '--hostname', '--add-host', '--cpus', '-m', '--memory', '--memory-swap',
  '--restart', '--log-driver', '--log-opt', '--ulimit', '--device', '--cap-add', '--cap-drop', '--security-opt', '--tmpfs', '--shm-size', '--ipc', '--pid',
  '--gpus', '--dns', '--dns-search', '--dns-option', '--runtime', '--stop-signal', '--stop-timeout', '--health-cmd', '--health-interval', '--health-retries',
  '--health-timeout', '--cidfile', '--volumes-from', '-a', '--attach', '--group-add', '--link', '--mac-address', '--cpu-shares', '-c', '--cpuset-cpus',
  '--cpuset-mems', '--oom-score-adj', '--storage-opt', '--sysctl', '--userns', '--uts', '--expose', '--detach-keys', '--network-alias', '--ip', '--ip6',
  '--annotation', '--arch', '--os', '--variant', '--pod', '--secret', '--systemd', '--tz', '--umask', '--uidmap', '--gidmap', '--cgroupns', '--cgroup-parent',
  '--isolation', '--kernel-memory', '--pids-limit', '--blkio-weight', '--device-read-bps', '--device-write-bps', '--init-path', '--rootfs',
  '--index', '--pull-policy', '--memory-reservation', '--cpu-quota', '--cpu-period', '--cpu-rt-runtime', '--cpu-rt-period', '--volume-driver',
  '--device-read-iops', '--device-write-iops', '--device-cgroup-rule', '--blkio-weight-device', '--log-level', '--cpu-count', '--cpu-percent',
  '--memory-swappiness', '--requires', '--chrootdirs', '--hooks-dir', '--image-volume', '--passwd-entry', '--group-entry',
]);
/** Flags of `run`, `create` and `exec` (no value): any other option before the image is one the guard does not know. */
const CONTAINER_RUN_FLAGS = new Set(['-d', '--detach', '-i', '--interactive', '-t', '--tty', '--rm', '--privileged', '--read-only', '--init', '-P', '--publish-all',
  '--no-healthcheck', '--sig-proxy', '-q', '--quiet', '--oom-kill-disable', '--disable-content-trust', '-T', '--no-TTY', '--no-deps', '--service-ports', '--use-aliases',
  '--remove-orphans', '--build', '--replace', '--tls-verify', '--no-hosts', '--rmi', '--read-only-tmpfs', '--http-proxy', '--help', '-it', '-ti', '-dit', '-itd']);

/**
 * What a container engine writes on this machine: `cp` to a host path (`docker cp ctr:/x src/a.ts`,
 * `kubectl cp pod:/x src/a.ts`), `build -o DIR`, `save`/`export -o FILE`, `run --cidfile FILE`, and what
 * the command a container runs writes through a folder of this machine mounted into it (`docker run -v
 * "$PWD":/w img rm /w/src/a.ts` removes src/a.ts): its paths read in the container (from `-w`, else from
 * each mount's top), mapped back through the writable bind mounts (`-v HOST:CONT`, `--mount
 * type=bind`; read-only ones and named volumes write nothing here). A command run in a container whose
 * mounts are not given (`exec`, `compose run`, `--volumes-from`) and that writes anything is refused.
 */
function containerTargets(name: string, args: readonly Word[]): ShellTarget[] {
  /** The index of the first word after the global options from `words[0]` on. */
  const afterGlobals = (words: readonly Word[]): number => {
    let k = 0;
    while (words[k]?.text.startsWith('-')) k += CONTAINER_GLOBAL_VALUES.has(words[k].text) ? 2 : 1;
    return k;
  };
  const k = afterGlobals(args);
  let engine = name;
  let sub = args[k]?.text;
  let rest = args.slice(k + 1);
  if (sub === 'compose' && name !== 'kubectl') {
    engine = `${name} compose`;
    const j = afterGlobals(rest);
    sub = rest[j]?.text;
    rest = rest.slice(j + 1);
  } else if (name === 'docker-compose') {
    engine = name;
  }
  if (sub !== undefined && ['container', 'image', 'buildx', 'builder'].includes(sub)) {
    sub = rest[0]?.text;
    rest = rest.slice(1);
  }
  const via = `${engine} ${sub ?? ''}`.trim();
  switch (sub) {
    case 'cp': {
      const [, dest] = operands(rest, new Set(['-c', '--container', '-n', '--namespace', '--retries']));
      // A container's path is `name:path` (kubectl: `ns/pod:path`); anything else is this machine's.
      if (dest === undefined || dest.text === '-' || (/^[\w.@/-]+:/.test(dest.text) && !/^(?:\/|\.\.?\/)/.test(dest.text))) return [];
      return [target(dest, 'write', via), { path: join(dest.text, '**'), glob: true, op: 'write', via }];
    }
    case 'build': {
      const out: ShellTarget[] = [];
      for (const w of optionValues(rest, ['-o'], ['--output'])) {
        const dest = /(?:^|,)dest=([^,]+)/.exec(w.text)?.[1] ?? (w.text.includes('=') ? undefined : w.text);
        if (dest !== undefined && dest !== '-') out.push({ path: dest, glob: false, op: 'write', via: `${via} -o` }, { path: join(dest, '**'), glob: true, op: 'write', via: `${via} -o` });
      }
      return out;
    }
    case 'save':
    case 'export':
      return optionValues(rest, ['-o'], ['--output']).map((w) => target(w, 'write', `${via} -o`));
    case 'run':
    case 'create':
    case 'exec':
      return name === 'kubectl' ? [] : containerRun(via, sub === 'exec' || engine !== name ? 'unknown' : 'given', rest);
    default:
      return [];
  }
}

/** A container's own scratch and system folders, never taken for a mount of the workspace where mounts are not known. */
const CONTAINER_OWN = /^\/(?:tmp|var\/tmp|var\/cache|var\/log|dev|proc|run|sys)(?:\/|$)/;
/** Bind mounts of one container the guard maps paths through, at most. */
const MAX_CONTAINER_MOUNTS = 64;
/** Containers inside containers (`docker run … docker run …`) read at most this deep. */
const MAX_CONTAINER_DEPTH = 4;
let containerDepth = 0;

/** See containerTargets: `mounts` 'given' for `run`/`create` (their -v and --mount), 'unknown' for a container that already exists. */
function containerRun(via: string, mounts: 'given' | 'unknown', rest: readonly Word[]): ShellTarget[] {
  const out: ShellTarget[] = [];
  const binds: { host: string; cont: string }[] = [];
  let workdir: string | undefined;
  let unknownMounts = mounts === 'unknown';
  let entrypoint: Word | undefined;
  let k = 0;
  for (; k < rest.length; k++) {
    const t = rest[k].text;
    if (t === '--') {
      k++;
      break;
    }
    if (!t.startsWith('-') || t === '-') break;
    const eq = t.indexOf('=');
    let option = eq > 0 ? t.slice(0, eq) : t;
    let value: Word | undefined;
    if (eq > 0) value = { ...rest[k], text: t.slice(eq + 1) };
    else if (CONTAINER_RUN_VALUES.has(option)) value = rest[++k];
    else if (/^-[a-zA-Z]{2,}$/.test(t) && CONTAINER_RUN_VALUES.has(`-${t[t.length - 1]}`)) {
      // `-itv HOST:CONT`: a cluster whose last letter takes the next word.
      option = `-${t[t.length - 1]}`;
      value = rest[++k];
    } else if (/^-[a-zA-Z]./.test(t) && !t.startsWith('--') && CONTAINER_RUN_VALUES.has(t.slice(0, 2)) && !CONTAINER_RUN_FLAGS.has(t)) {
      // `-v/repo:/w`, `-w/w/src`: the value attached.
      option = t.slice(0, 2);
      value = { ...rest[k], text: t.slice(2) };
    } else if (CONTAINER_RUN_FLAGS.has(t) || /^-[dit]+$/.test(t)) continue;
    else {
      // An option the guard does not know may take the next word: where the image starts, and with it
      // the mounts, would be guessed. Refused where the words mount a folder or name one.
      if (rest.slice(k).some((w) => /^(?:-v|--volume|--mount|-w|--workdir|--volumes-from)(?:=|$)|^-v./.test(w.text))) {
        throw new Undecidable(`\`${via} ${t}\` is an option the guard does not know, so it cannot tell which folders the container mounts`);
      }
      continue;
    }
    if (value === undefined) break;
    if (option === '-v' || option === '--volume') {
      const [host, cont, modes = ''] = value.text.split(':');
      if (cont !== undefined && /^(?:[/.~]|\0)/.test(host) && !/(?:^|,)(?:ro|readonly)(?:,|$)/.test(modes)) binds.push({ host, cont });
    } else if (option === '--mount') {
      const fields = new Map(value.text.split(',').map((f) => [f.split('=')[0], f.slice(f.indexOf('=') + 1)] as [string, string]));
      const host = fields.get('source') ?? fields.get('src');
      const cont = fields.get('target') ?? fields.get('dst') ?? fields.get('destination');
      const readOnly = /^(?:readonly|ro)$/.test(value.text.split(',').find((f) => /^(?:readonly|ro)(?:=|$)/.test(f)) ?? '') || /(?:^|,)(?:readonly|ro)=(?:true|1)(?:,|$)/.test(value.text);
      if (fields.get('type') === 'bind' && host !== undefined && cont !== undefined && !readOnly) binds.push({ host, cont });
    } else if (option === '-w' || option === '--workdir') {
      workdir = value.text;
    } else if (option === '--cidfile') {
      out.push(target(value, 'write', `${via} --cidfile`));
    } else if (option === '--volumes-from') {
      unknownMounts = true;
    } else if (option === '--entrypoint') {
      entrypoint = value;
    }
  }
  // The image (or the container, for exec), then the command; none given: the image's own, not known (nor written by an agent).
  // `--entrypoint rm img src/a.ts`: the entry point runs with the words after the image.
  const command = entrypoint !== undefined ? [entrypoint, ...rest.slice(k + 1)] : rest.slice(k + 1);
  if (command.length === 0 || (binds.length === 0 && !unknownMounts)) return out;
  // Each path is tried in each mount: a few dozen mounts at most (thousands would be a command built to be slow).
  if (binds.length > MAX_CONTAINER_MOUNTS) throw new Undecidable(`\`${via}\` mounts more than ${MAX_CONTAINER_MOUNTS} folders, more than the guard follows`);
  if (containerDepth >= MAX_CONTAINER_DEPTH) throw new Undecidable(`\`${via}\` runs containers inside containers deeper than the guard reads`);
  containerDepth++;
  let inner: ShellAnalysis;
  try {
    inner = analyzeShellCommand(command.map((w) => w.raw).join(' '));
  } finally {
    containerDepth--;
  }
  if (inner.failure !== undefined) throw new Undecidable(`in the container: ${inner.failure}`);
  if (inner.targets.length === 0) return out;
  // Where the mounts are not known, a write to the container's own scratch and system folders is no
  // write to a folder of this machine (`docker exec web rm -rf /tmp/cache`); anything else may be.
  if (unknownMounts && inner.targets.every((t) => t.anywhere === undefined && CONTAINER_OWN.test(posix.normalize(t.path)))) return out;
  if (unknownMounts) throw new Undecidable(`\`${via}\` runs a command that writes files in a container whose folders the guard does not know (it may have this workspace mounted)`);
  for (const t of inner.targets) {
    if (t.anywhere !== undefined) {
      out.push({ ...t, via: `${via}: ${t.via}` });
      continue;
    }
    // The path in the container: from -w, else (the image's own folder, not known) from each mount's top.
    // `~` is the container's home, not known: read from each mount's top, as a path without -w.
    const own = t.path.startsWith('~') ? t.path.replace(/^~[^/]*\/?/, '') : t.path;
    const fromTop = t.path.startsWith('~') || (!own.startsWith('/') && !(workdir !== undefined && workdir.startsWith('/')));
    const path = own.startsWith('/') ? posix.normalize(own) : fromTop ? own : posix.join(workdir!, own);
    for (const b of binds) {
      const cont = posix.normalize(b.cont).replace(/(.)\/$/, '$1');
      if (!fromTop && path !== cont && !path.startsWith(cont === '/' ? '/' : `${cont}/`)) continue;
      const below = fromTop ? path : path.slice(cont.length).replace(/^\//, '');
      out.push({ ...t, path: below === '' ? b.host : join(b.host, below), via: `${via}: ${t.via}` });
    }
    if (out.length > MAX_SCRIPT_TARGETS) throw new Undecidable(`\`${via}\` names more than ${MAX_SCRIPT_TARGETS} paths through its mounts, more than the guard judges in one call`);
  }
  return out;
}

/** ssh's options that take a value (the host is the first word after them). */
const SSH_VALUE_OPTIONS = new Set(['-B', '-b', '-c', '-D', '-E', '-e', '-F', '-I', '-i', '-J', '-L', '-l', '-m', '-O', '-o', '-p', '-Q', '-R', '-S', '-W', '-w']);
/** ssh configuration keys whose value is a command run on this machine. */
const SSH_LOCAL_COMMANDS = /^(?:ProxyCommand|LocalCommand|KnownHostsCommand)\s*(?:=\s*|\s+)([^]*)$/i;
/** Names of this machine: a command run on it through ssh is a command run here. */
const LOOPBACK = /^(?:localhost|localhost\.localdomain|127(?:\.\d{1,3}){0,3}|::1|\[::1\]|0(?:\.0){0,3}|ip6-localhost|ip6-loopback)$/i;

/** A name or address of this machine (`localhost.`, `127.1`, `0`, `2130706433`, `0x7f000001` too). */
function isLoopback(host: string): boolean {
  const h = host.replace(/\.$/, '');
  if (LOOPBACK.test(h)) return true;
  // One number for the whole address (decimal, hex or octal), as the resolver reads it.
  const n = /^(?:0x[0-9a-f]+|0[0-7]*|[1-9]\d*)$/i.test(h) ? Number(h.startsWith('0') && !/^0x/i.test(h) && h.length > 1 ? parseInt(h, 8) : h) : NaN;
  return Number.isFinite(n) && (n === 0 || (n >= 0x7f000000 && n <= 0x7fffffff));
}

/**
 * What ssh, scp, sftp and rsync run on this machine besides copying: a command an `-o ProxyCommand=…`
 * (`LocalCommand`, `KnownHostsCommand`) names, scp's and sftp's `-S program`, rsync's `-e`/`--rsh`
 * (its remote shell, started here) and `--rsync-path`; read as any command line. A command ssh runs on
 * this machine by name (`ssh localhost rm …`), in the home folder, is refused: the guard does not follow it there.
 */
function sshRuns(name: string, args: readonly Word[], recurse: (script: string) => void, onWrite?: (w: Word) => void): void {
  for (const w of optionValues(args, ['-o'], [])) {
    const m = SSH_LOCAL_COMMANDS.exec(w.text.trim());
    if (m && m[1].trim().toLowerCase() !== 'none') recurse(m[1]);
  }
  if (name === 'scp' || name === 'sftp') for (const w of optionValues(args, ['-S'], [])) recurse(w.text);
  // sftp's batch file: `!command` lines run here, `get` lines write here.
  if (name === 'sftp') for (const w of optionValues(args, ['-b'], [])) throw new Undecidable(`\`sftp -b ${w.raw}\` runs a batch of commands (\`!\` runs them on this machine, \`get\` writes here) the guard does not read`);
  if (name === 'rsync') for (const w of optionValues(args, ['-e'], ['--rsh', '--rsync-path'])) recurse(w.text);
  // A configuration file of the command's own (`-F cfg`) may name a ProxyCommand or LocalCommand.
  for (const w of optionValues(args, ['-F'], [])) {
    if (w.text !== '/dev/null' && w.text !== 'none') throw new Undecidable(`\`${name} -F ${w.raw}\` reads a configuration the guard does not, which can run commands on this machine`);
  }
  if (name !== 'ssh') return;
  // ssh -E FILE appends its log to FILE.
  for (const w of optionValues(args, ['-E'], [])) onWrite?.(w);
  const [host, ...command] = operands(args, SSH_VALUE_OPTIONS);
  if (host !== undefined && command.length > 0 && isLoopback(host.text.replace(/^[^@]*@/, '').replace(/^ssh:\/\//, '').replace(/:\d+$/, ''))) {
    throw new Undecidable(`\`ssh ${host.raw} …\` runs the command on this machine, from the home folder, where the guard does not follow it`);
  }
}

function copyTargets(name: string, args: readonly Word[]): ShellTarget[] {
  const out: ShellTarget[] = [];
  let dir: Word | undefined;
  // `-t DIR` is cp's, mv's and install's (rsync's -t keeps times; scp's is its own server mode).
  const takesT = name !== 'rsync' && name !== 'scp';
  for (let k = 0; takesT && k < args.length; k++) {
    const t = args[k].text;
    if (t === '--') break;
    if (t === '-t' || t === '--target-directory') dir = args[k + 1];
    else if (t.startsWith('--target-directory=')) dir = { ...args[k], text: t.slice('--target-directory='.length) };
    else if (/^-[a-zA-Z]*t/.test(t)) {
      // `-rt DIR`, `-tDIR`
      const rest = t.slice(t.indexOf('t') + 1);
      dir = rest !== '' ? { ...args[k], text: rest } : args[k + 1];
    }
  }
  const ops = operands(args, COPY_VALUE_OPTIONS[name]).filter((w) => w !== dir);
  const named = dir !== undefined;
  dir ??= ops[ops.length - 1];
  const sources = named ? ops : ops.slice(0, -1);
  if (!dir || (sources.length === 0 && !named)) return out;
  // rsync --remove-source-files takes each file it sends away, as mv does.
  const move = name === 'mv' || (name === 'rsync' && args.some((w) => w.text === '--remove-source-files'));
  const recursive = name === 'mv' || args.some((w) => /^-[a-zA-Z]*[rRa]/.test(w.text) || w.text === '--recursive' || w.text === '--archive');
  const noTarget = args.some((w) => w.text === '-T' || w.text === '--no-target-directory');
  out.push(target(dir, 'write', name));
  if (recursive && (noTarget || (name === 'rsync' && sources.some((s) => s.text.endsWith('/'))))) {
    out.push({ path: join(dir.text, '**'), glob: true, op: 'write', via: name });
  }
  for (const s of sources) {
    if (move) out.push(target(s, 'move', name));
    const into = join(dir.text, basename(s.text) || '.');
    out.push({ path: into, glob: dir.glob || s.glob, op: 'write', via: name });
    // A folder copied onto a folder: every file below the copy may be overwritten.
    if (recursive) out.push({ path: join(into, '**'), glob: true, op: 'write', via: name });
  }
  return out;
}

/** Options of git sub-commands that take a value (so the value is not taken for a path). */
const GIT_VALUE_OPTIONS = new Set(['-s', '--source', '-b', '-B', '--orphan', '-C', '-c', '--git-dir', '--work-tree', '--conflict', '--pathspec-from-file', '-m']);

/** Options of `git checkout-index` that take a value. */
const CHECKOUT_INDEX_VALUE_OPTIONS = new Set(['--prefix', '--stage']);

/** Global options of git that take a value. */
const GIT_GLOBAL_VALUE_OPTIONS = new Set(['-C', '-c', '--git-dir', '--work-tree', '--namespace', '--config-env', '--super-prefix', '--exec-path']);
/**
 * git's environment that makes it run a command (`GIT_EXTERNAL_DIFF` on `git diff`, `GIT_EDITOR` on `git
 * commit`, `GIT_SSH_COMMAND` on `git fetch`), read another configuration (`GIT_CONFIG_GLOBAL=/tmp/x`,
 * `GIT_CONFIG_KEY_0=core.fsmonitor`), or work on another tree (`GIT_WORK_TREE`, `GIT_DIR`): assigned
 * anywhere in a line that runs git (a prefix, a plain assignment, `export`, `env`), with its value.
 */
const GIT_COMMAND_ENV = /(?:^|[\s;&|(`])(?:export\s+|env\s+(?:-\S+\s+)*)?(GIT_(?:PAGER|EDITOR|SEQUENCE_EDITOR|EXTERNAL_DIFF|SSH|SSH_COMMAND|ASKPASS|PROXY_COMMAND|EXEC_PATH|CONFIG|CONFIG_GLOBAL|CONFIG_SYSTEM|CONFIG_PARAMETERS|CONFIG_COUNT|CONFIG_KEY_\d+|CONFIG_VALUE_\d+|WORK_TREE|DIR|TEMPLATE_DIR)|PAGER|EDITOR|VISUAL|SSH_ASKPASS)=('[^']*'|"(?:[^"\\]|\\.)*"|[^\s;&|)`]*)/g;
/**
 * The environment that makes other programs run a command or a script: pagers and editors (`man`,
 * `systemctl`, `crontab -e`, `fc`), less's input filters, the startup file a non-interactive bash
 * reads, a browser or password helper. Read like GIT_COMMAND_ENV; an editor or `none` (`BROWSER=none
 * npm start`) by name runs nothing else.
 */
const COMMAND_ENV = /(?:^|[\s;&|(`])(?:export\s+|env\s+(?:-\S+\s+)*)?(PAGER|MANPAGER|SYSTEMD_PAGER|SYSTEMD_EDITOR|EDITOR|VISUAL|SUDO_EDITOR|LESSOPEN|LESSCLOSE|BASH_ENV|BROWSER|SUDO_ASKPASS|SSH_ASKPASS|PROMPT_COMMAND)=('[^']*'|"(?:[^"\\]|\\.)*"|[^\s;&|)`]*)/g;
/** Values of COMMAND_ENV that run an editor by its name, or nothing. */
const HARMLESS_EDITOR = /^(?::|none|vim?|nvim|nano|emacs|code(?: -w| --wait)?)$/;
/** Values of those keys that run nothing but a pager (`git -c core.pager=cat log`). */
const HARMLESS_PAGER = /^(cat|less( -[A-Za-z]+)?|more|true|)$/;
/** `git -c` keys whose value is a command git runs (through a shell). */
const GIT_COMMAND_KEYS = /^(core\.(pager|editor|sshcommand|fsmonitor|hookspath|askpass)|sequence\.editor|diff\.external|.*\.(textconv|command|cmd|helper|program|process|clean|smudge)|pager\..*)$/i;

/**
 * git's own commands that every git since 2.5 ships: git runs them even where an alias of the same
 * name is configured ("aliases that hide existing Git commands are ignored", git-config(1)), so their
 * aliases are never looked up (a read of git's configuration files, ~1 ms of an agent's `git status`).
 * Names are case-sensitive, as git's are (`git Status` is looked up). Newer commands (`switch`,
 * `restore`) and deprecated ones, which a newer git lets an alias replace, are looked up as any name.
 */
const GIT_OWN_COMMANDS = new Set([
  'add', 'am', 'apply', 'archive', 'bisect', 'blame', 'branch', 'bundle', 'cat-file', 'check-ignore', 'checkout', 'cherry',
  'cherry-pick', 'clean', 'clone', 'commit', 'config', 'count-objects', 'describe', 'diff', 'diff-files', 'diff-index', 'diff-tree',
  'difftool', 'fetch', 'for-each-ref', 'format-patch', 'fsck', 'gc', 'grep', 'hash-object', 'help', 'init', 'log', 'ls-files',
  'ls-remote', 'ls-tree', 'merge', 'merge-base', 'mergetool', 'mv', 'name-rev', 'notes', 'pull', 'push', 'rebase', 'reflog', 'remote',
  'reset', 'rev-list', 'rev-parse', 'revert', 'rm', 'shortlog', 'show', 'show-ref', 'stash', 'status', 'submodule', 'symbolic-ref',
  'tag', 'update-index', 'version', 'worktree',
]);

/**
 * What a git command writes. Global options first: `-C dir` (repeated, each relative to the one
 * before) moves the paths; with `--work-tree` the paths may be relative to the work tree as well as
 * to the folder; `-c alias.x=…` is followed; a `-c` that makes git run a command is refused.
 */
function gitTargets(all: readonly Word[], patch: (use: PatchUse) => void, aliasUse?: (use: GitAliasUse) => void, run?: (script: string) => void): ShellTarget[] {
  let args = all;
  let k = 0;
  let inDir = '';
  let workTree: Word | undefined;
  const aliases = new Map<string, string>();
  while (k < args.length && args[k].text.startsWith('-')) {
    const t = args[k].text;
    const eq = /^(--[a-z-]+)=(.*)$/.exec(t);
    const option = eq ? eq[1] : t;
    const value = eq ? { ...args[k], text: eq[2] } : GIT_GLOBAL_VALUE_OPTIONS.has(t) ? args[k + 1] : undefined;
    k += eq || !GIT_GLOBAL_VALUE_OPTIONS.has(t) ? 1 : 2;
    if (option === '--exec-path' && eq) throw new Undecidable('`git --exec-path=…` makes git run its commands from another folder, which the guard does not read');
    if (value === undefined) continue;
    if (option === '-C') {
      const to = cdTarget([value]);
      inDir = to === undefined ? UNKNOWN_DIR : changeDir(inDir, to, false, NO_ENV);
    } else if (option === '--work-tree') {
      workTree = value;
    } else if (option === '-c') {
      const kv = /^([^=]+)=?(.*)$/.exec(value.text);
      if (!kv) continue;
      if (/^alias\./i.test(kv[1])) aliases.set(kv[1].slice(6).toLowerCase(), kv[2]);
      else if (/^include(if)?\./i.test(kv[1])) throw new Undecidable(`\`git -c ${kv[1]}=…\` makes git read a configuration the guard does not analyse`);
      else if (GIT_COMMAND_KEYS.test(kv[1]) && !HARMLESS_PAGER.test(kv[2])) {
        throw new Undecidable(`\`git -c ${kv[1]}=…\` makes git run a command the guard does not analyse`);
      }
    }
  }
  const alias = aliases.get(args[k]?.text.toLowerCase() ?? '');
  if (alias !== undefined) {
    if (alias.startsWith('!')) throw new Undecidable(`\`git -c alias.${args[k].text}=!…\` runs a shell command through git`);
    const expanded = alias.split(/\s+/).filter((w) => w !== '').map((text) => ({ text, glob: false, raw: text, inner: [] }));
    args = [...args.slice(0, k), ...expanded, ...args.slice(k + 1)];
  }
  const sub = args[k]?.text;
  if (sub === 'config') gitConfigCheck(args.slice(k + 1));
  // An alias in git's configuration (`git co` for `checkout`), looked up once the whole command is known.
  if (sub !== undefined && alias === undefined && !GIT_OWN_COMMANDS.has(sub) && /^[A-Za-z][A-Za-z0-9-]*$/.test(sub)) aliasUse?.({ name: sub, rest: args.slice(k + 1), inDir });
  // With --work-tree the paths may be taken in the work tree as well: both count.
  const tree = (): string => {
    const to = workTree && cdTarget([workTree]);
    return to === undefined ? UNKNOWN_DIR : changeDir(inDir, to, false, NO_ENV);
  };
  if (sub === 'apply' || sub === 'am') {
    gitPatch(sub, args.slice(k + 1), inDir, patch);
    if (workTree !== undefined) gitPatch(sub, args.slice(k + 1), tree(), patch);
    return [];
  }
  gitRuns(sub, args.slice(k + 1), run);
  const found = gitSubTargets(sub, args.slice(k + 1));
  const moved = found.map((t) => place(t, inDir));
  if (workTree !== undefined) moved.push(...found.map((t) => place(t, tree())));
  return moved;
}

/**
 * What `git <alias> …` writes, the alias read from git's configuration through `ports.gitAlias` in the
 * folder git runs in: its command with the rest of the words after it, as git runs it. An alias that runs
 * a shell command (`!…`) is refused, as `git -c alias.x=!…` is. Nothing where there is no such alias
 * or no folder to read it in.
 */
function gitAliasTargets(use: GitAliasUse, inDir: string, d: string, ports: ShellPorts): ShellTarget[] {
  if (ports.gitAlias === undefined || d === UNKNOWN_DIR || inDir === UNKNOWN_DIR || use.inDir === UNKNOWN_DIR) return [];
  const dir = [d, inDir, use.inDir].reduce((a, b) => (b === '' ? a : b.startsWith('/') ? b : a === '' ? b : `${a}/${b}`), '');
  const value = ports.gitAlias(dir === '' ? '.' : dir, use.name.toLowerCase());
  if (value === undefined) return [];
  if (value.trimStart().startsWith('!')) throw new Undecidable(`\`git ${use.name}\` is an alias in git's configuration that runs a shell command, which the guard does not analyse`);
  const words = value.split(/\s+/).filter((w) => w !== '').map((text): Word => ({ text, glob: false, raw: text, inner: [] }));
  // gitTargets places the paths in `-C` folders of the alias itself; the command's own are use.inDir.
  return gitTargets([...words, ...use.rest], () => {
    throw new Undecidable(`\`git ${use.name}\` is an alias in git's configuration that applies a patch`);
  }).map((t) => place(place(place(t, use.inDir), inDir), d));
}

/**
 * The command lines a git command runs through a shell: `rebase -x`/`--exec`, `bisect run`, `difftool
 * -x`/`--extcmd`, `grep -O<pager>`, the `--upload-pack`/`--receive-pack` program of a transport to a
 * folder, `submodule foreach` (in each submodule's folder, which the guard cannot know). `filter-branch` (shell filters over every commit, then the work tree checked out) is refused.
 * `run` absent (an alias from git's configuration): refused, as the guard reads such a command only
 * when it is written out.
 */
function gitRuns(sub: string | undefined, rest: readonly Word[], run: ((script: string) => void) | undefined): void {
  const runs: string[] = [];
  switch (sub) {
    case 'rebase':
      runs.push(...optionValues(rest, ['-x'], ['--exec']).map((w) => w.text));
      break;
    case 'bisect':
      if (rest[0]?.text === 'run' && rest.length > 1) runs.push(rest.slice(1).map((w) => w.raw).join(' '));
      break;
    case 'difftool':
      runs.push(...optionValues(rest, ['-x'], ['--extcmd']).map((w) => w.text));
      break;
    case 'grep':
      // -O alone opens the files in the default pager; -O<cmd> or --open-files-in-pager=<cmd> in that command.
      for (const w of rest) {
        const m = /^(?:-O|--open-files-in-pager=)(.+)$/.exec(w.text);
        if (m) runs.push(m[1]);
      }
      break;
    case 'fetch':
    case 'pull':
    case 'clone':
    case 'ls-remote':
    case 'push':
    case 'send-pack':
    case 'fetch-pack':
    case 'archive':
      runs.push(...optionValues(rest, sub === 'clone' ? ['-u'] : [], ['--upload-pack', '--receive-pack', '--exec']).map((w) => w.text));
      break;
    case 'filter-branch':
      throw new Undecidable('`git filter-branch` runs its filters over every commit and checks the result out, which the guard does not analyse');
    case 'submodule': {
      // `git submodule foreach [--recursive] CMD`: CMD runs in each submodule's folder (its paths there, not here).
      if (rest[0]?.text !== 'foreach') return;
      let j = 1;
      while (rest[j]?.text.startsWith('-')) j++;
      // git joins its words with spaces and gives the line to a shell (as watch does).
      if (j < rest.length) runs.push(`cd "$sm_path" && ${rest.slice(j).map((w) => w.text).join(' ')}`);
      break;
    }
    default:
      return;
  }
  for (const c of runs) {
    if (run === undefined) throw new Undecidable(`\`git ${sub}\`, through an alias, runs a command the guard reads only when the command is written out`);
    // git runs them from the top of the work tree (or the other repository), not from here: a relative
    // path with a folder in it (`rm src/a.ts` from a subfolder) is read from a folder the guard does not
    // follow; a command without one (`npm test`, `rm a.ts`: read from here, the safe side) as it is.
    const relative = /(?:^|[\s'"=])(?!\/|~)[\w.@-]+\/|(?:^|[\s'"=])\.\.?(?:\/|\s|$)/.test(c);
    run(sub === 'submodule' || !relative ? c : `cd "$GIT_WORK_TREE_TOP" && ${c}`);
  }
}

/** Options that take a value of `git worktree add`, `git clone` and `git submodule add`. */
const GIT_NEW_TREE_VALUE_OPTIONS = new Set(['-b', '-B', '--reason', '-o', '--origin', '--branch', '-u', '--upload-pack', '--reference', '--reference-if-able', '--separate-git-dir', '--depth', '--shallow-since', '--shallow-exclude', '-c', '--config', '--template', '-j', '--jobs', '--filter', '--bundle-uri', '--server-option', '--ref-format', '--name']);

/** `git config` options that take a value (`--file x`, `--type bool`), and its read-only forms. */
const GIT_CONFIG_VALUE_OPTIONS = new Set(['-f', '--file', '--blob', '--type', '--default', '--comment', '--value']);
const GIT_CONFIG_READS = new Set(['--get', '--get-all', '--get-regexp', '--get-urlmatch', '--get-color', '--get-colorbool', '-l', '--list', '--unset', '--unset-all', '--remove-section', 'get', 'list', 'unset', 'remove-section']);

/**
 * `git config` setting a key that makes git run a command later (`core.fsmonitor`, `core.pager`, a
 * filter, `alias.*`: `git co` after `alias.co 'checkout -- src/booking/a.ts'`), that pulls in another
 * file (`include.path`), or `core.hooksPath` (the commit gate's hooks never run): refused, as `git -c`
 * of the same keys is; the later command would run what the guard never saw. Also `--edit`, which runs
 * the editor the environment names on the file. Reading and unsetting are allowed.
 */
function gitConfigCheck(rest: readonly Word[]): void {
  const words: string[] = [];
  for (let k = 0; k < rest.length; k++) {
    const t = rest[k].text;
    if (GIT_CONFIG_READS.has(t)) return;
    if (t === '-e' || t === '--edit' || (words.length === 0 && t === 'edit')) throw new Undecidable('`git config --edit` runs an editor the guard does not analyse on the configuration');
    if (GIT_CONFIG_VALUE_OPTIONS.has(t)) k++;
    else if (!t.startsWith('-')) words.push(t);
  }
  // `git config set <name> <value>` (git 2.46) or `git config <name> <value>`.
  const [name, value] = words[0] === 'set' ? words.slice(1) : words;
  // `git config alias.co`: a name alone reads it.
  if (words[0] !== 'set' && value === undefined) return;
  if (name === undefined || name.includes(EXPANSION)) {
    if (name !== undefined) throw new Undecidable('`git config` sets a key the guard cannot know');
    return;
  }
  const always = /^(alias|include|includeif)\.|^core\.hookspath$/i.test(name);
  if (always || (GIT_COMMAND_KEYS.test(name) && !(value !== undefined && HARMLESS_PAGER.test(value)))) {
    throw new Undecidable(`\`git config ${name} …\` makes later git commands run what the guard does not see${/^core\.hookspath$/i.test(name) ? ' (and the commit gate\'s hooks would not run)' : ''}; ask a person to set it`);
  }
}

/** `git commit` short options whose value follows (the rest of a cluster, or the next word). */
const GIT_COMMIT_SHORT_VALUES = new Set(['m', 'F', 'c', 'C', 't', 'u']);
/** git commands that run the repository's hooks, and skip them with `--no-verify`. */
const GIT_VERIFIED = new Set(['commit', 'merge', 'push', 'am', 'rebase', 'pull', 'cherry-pick', 'revert']);

/**
 * Whether `git …` (the words after `git`) skips the repository's hooks, among them the commit gate:
 * `--no-verify` of a command that runs them, or `git commit -n` (in a cluster too, `-an`; not inside
 * a value, `-mn` is the message "n"). Global options first, as gitTargets reads them.
 */
function gitSkipsHooks(args: readonly Word[]): 'skips' | 'runs' | undefined {
  let k = 0;
  while (k < args.length && args[k].text.startsWith('-')) k += !args[k].text.includes('=') && GIT_GLOBAL_VALUE_OPTIONS.has(args[k].text) ? 2 : 1;
  const sub = args[k]?.text;
  if (sub === undefined || !GIT_VERIFIED.has(sub)) return undefined;
  for (let j = k + 1; j < args.length; j++) {
    const t = args[j].text;
    if (t === '--') return 'runs';
    if (t === '--no-verify') return 'skips';
    if (sub !== 'commit' || !/^-[a-zA-Z]/.test(t)) continue;
    for (let c = 1; c < t.length; c++) {
      if (t[c] === 'n') return 'skips';
      if (GIT_COMMIT_SHORT_VALUES.has(t[c])) {
        if (c === t.length - 1) j++; // its value is the next word
        break;
      }
    }
  }
  return 'runs';
}

/**
 * A command line that tells the hook managers to skip hooks, for a git command in it that runs them:
 * husky's and lefthook's `HUSKY=0`/`LEFTHOOK=0` (all hooks), the pre-commit framework's `SKIP=…` and
 * lefthook's `LEFTHOOK_EXCLUDE=…` naming the commit gate. Read in the whole line (a prefix, a plain
 * assignment or an export).
 */
const HOOK_MANAGER_SKIP = /(?:^|[\s;&|(`])(?:export\s+)?(?:(?:HUSKY|LEFTHOOK)=["']?(?:0|false)["']?(?=[\s;&|)`]|$)|(?:SKIP|LEFTHOOK_EXCLUDE|LEFTHOOK_SKIP)=\S*protected-files)/;

/** Options of `git apply` and `git am` that take a value. */
const GIT_APPLY_VALUE_OPTIONS = new Set(['-p', '-C', '--exclude', '--include', '--directory', '--whitespace', '--build-fake-ancestor', '--patch-format', '--resolvemsg', '-S', '--gpg-sign']);

/**
 * `git apply [PATCH…]` and `git am [MBOX…]` (from standard input without one): the files the patches
 * name are written. Not with `--cached` (the index only: the commit gate judges it), nor for the
 * reports (`--check`, `--stat`, `--numstat`, `--summary` without `--apply`); `git am --continue`,
 * `--skip` and `--abort` work on the patch series git keeps, which the guard does not read: every file.
 */
function gitPatch(sub: 'apply' | 'am', rest: readonly Word[], inDir: string, patch: (use: PatchUse) => void): void {
  const has = (...names: string[]): boolean => rest.some((w) => names.includes(w.text));
  const via = `git ${sub}`;
  const dir = optionValues(rest, [], ['--directory'])[0]?.text ?? '';
  if (sub === 'apply') {
    if (has('--cached') || (has('--check', '--stat', '--numstat', '--summary') && !has('--apply'))) return;
  } else {
    if (has('--quit', '--show-current-patch') || rest.some((w) => w.text.startsWith('--show-current-patch='))) return;
    if (has('--continue', '--skip', '--abort', '--resolved', '-r', '--retry')) {
      patch({ at: inDir, dir: '', via });
      return;
    }
  }
  const files = operands(rest, GIT_APPLY_VALUE_OPTIONS);
  if (files.length === 0) patch({ at: inDir, dir, via });
  for (const file of files) patch({ file, at: inDir, dir, via });
}

/** Options of `git merge-file` that take a value. */
const MERGE_FILE_VALUE_OPTIONS = new Set(['-L', '--diff-algorithm']);

function gitSubTargets(sub: string | undefined, rest: readonly Word[]): ShellTarget[] {
  const dashdash = rest.findIndex((w) => w.text === '--');
  const ops = operands(rest, GIT_VALUE_OPTIONS);
  // The diff family's `--output=FILE` (`git diff`, `log`, `show`, `format-patch`…) writes FILE.
  const out = sub === undefined ? [] : optionValues(rest, [], ['--output']).map((w) => target(w, 'write', `git ${sub} --output`));
  // `git config --file F a.b c` writes F (reading it with --get or --list does not).
  if (sub === 'config' && !rest.some((w) => /^(?:--get\S*|-l|--list|get|list)$/.test(w.text))) {
    out.push(...optionValues(rest, ['-f'], ['--file']).map((w) => target(w, 'write', 'git config --file')));
  }
  return [...out, ...gitSubWrites(sub, rest, dashdash, ops)];
}

function gitSubWrites(sub: string | undefined, rest: readonly Word[], dashdash: number, ops: readonly Word[]): ShellTarget[] {
  switch (sub) {
    case 'worktree':
    case 'clone':
    case 'submodule': {
      // A new tree of files in the folder named: `worktree add PATH`, `clone URL DIR`, `submodule add URL PATH`.
      const words = operands(rest, GIT_NEW_TREE_VALUE_OPTIONS);
      if (sub !== 'clone' && words.shift()?.text !== 'add') return [];
      const folder = sub === 'worktree' ? words[0] : words[1];
      if (folder === undefined) return [];
      return [target(folder, 'write', `git ${sub}`), { path: join(folder.text, '**'), glob: true, op: 'write', via: `git ${sub}` }];
    }
    case 'merge-file': {
      // merge-file CURRENT BASE OTHER merges into CURRENT, unless to standard output or the object store.
      if (rest.some((w) => w.text === '-p' || w.text === '--stdout' || w.text === '--object-id')) return [];
      const current = operands(rest, MERGE_FILE_VALUE_OPTIONS)[0];
      return current ? [target(current, 'write', 'git merge-file')] : [];
    }
    case 'archive':
      // `-o FILE` (`--output` is read above for every command).
      return optionValues(rest, ['-o'], []).map((w) => target(w, 'write', 'git archive -o'));
    case 'format-patch': {
      // One file per commit in `-o DIR`, named NNNN-subject.patch.
      if (rest.some((w) => w.text === '--stdout')) return [];
      return optionValues(rest, ['-o'], ['--output-directory']).map((w) => ({ ...target(w, 'write', 'git format-patch -o'), path: join(w.text, '*.patch'), glob: true }));
    }
    case 'bundle': {
      // bundle create FILE …
      const [action, file] = operands(rest);
      return action?.text === 'create' && file ? [target(file, 'write', 'git bundle create')] : [];
    }
    case 'checkout':
      // checkout [<ref>] -- <paths>; checkout <ref> <paths>; checkout <path-or-branch>.
      if (dashdash >= 0) return rest.slice(dashdash + 1).map((w) => target(w, 'checkout', 'git checkout'));
      return (ops.length >= 2 ? ops.slice(1) : ops).map((w) => target(w, 'checkout', 'git checkout'));
    case 'restore':
      return ops.map((w) => target(w, 'checkout', 'git restore'));
    case 'checkout-index':
      // -a: every file in the index.
      if (rest.some((w) => /^-[a-zA-Z]*a/.test(w.text) || w.text === '--all')) return [{ path: '.', glob: false, op: 'checkout', via: 'git checkout-index' }];
      return operands(rest, CHECKOUT_INDEX_VALUE_OPTIONS).map((w) => target(w, 'checkout', 'git checkout-index'));
    case 'read-tree':
      // -u writes the index's files into the work tree (all of them: which ones is in the tree read).
      if (!rest.some((w) => /^-[a-zA-Z]*u/.test(w.text) || w.text === '--reset')) return [];
      return [{ path: '.', glob: false, op: 'checkout', via: 'git read-tree -u' }];
    case 'clean': {
      if (rest.some((w) => /^-[a-zA-Z]*n/.test(w.text) || w.text === '--dry-run') || !rest.some((w) => /^-[a-zA-Z]*f/.test(w.text) || w.text === '--force')) return [];
      const paths = dashdash >= 0 ? rest.slice(dashdash + 1) : ops;
      return (paths.length > 0 ? paths : [{ text: '.', glob: false, raw: '.', inner: [] }]).map((w) => target(w, 'delete', 'git clean'));
    }
    case 'rm':
      return ops.map((w) => target(w, 'delete', 'git rm'));
    case 'add':
      return gitAddModeTargets(rest);
    case 'update-index':
      return updateIndexTargets(rest);
    case 'mv': {
      const dest = ops[ops.length - 1];
      if (!dest) return [];
      return [target(dest, 'write', 'git mv'), ...ops.slice(0, -1).flatMap((s) => [target(s, 'move', 'git mv'), { path: join(dest.text, basename(s.text)), glob: dest.glob || s.glob, op: 'write' as const, via: 'git mv' }])];
    }
    default:
      return [];
  }
}

/** Options of git add that take a value (as `--opt=value` or the next word). */
const GIT_ADD_VALUE_OPTIONS = new Set(['--chmod', '--pathspec-from-file', '--pathspec-file-nul']);

/**
 * `git add --chmod=±x …` stages another mode for each path it names (pathspecs: a folder stands for
 * its files; with none, `-A`/`-u` take every file), which the commit gate refuses for a locked file.
 * Without `--chmod`, git add stages the work tree as it is, which changes nothing.
 */
function gitAddModeTargets(rest: readonly Word[]): ShellTarget[] {
  if (!rest.some((w) => w.text === '--chmod' || w.text.startsWith('--chmod='))) return [];
  const every: ShellTarget = { path: '**', glob: true, op: 'write', via: 'git add --chmod' };
  if (rest.some((w) => w.text === '--pathspec-from-file' || w.text.startsWith('--pathspec-from-file='))) return [every];
  const paths = operands(rest, GIT_ADD_VALUE_OPTIONS);
  if (paths.length > 0) return treeTargets(paths, 'git add --chmod');
  return rest.some((w) => /^-[a-zA-Z]*[Au]/.test(w.text) || w.text === '--all' || w.text === '--update') ? [every] : [];
}

/**
 * What `git update-index` stages without touching the work tree: another mode (`--chmod=±x`), a
 * removal (`--force-remove`) or any object at all for a path (`--cacheinfo MODE,OBJECT,PATH` or
 * `MODE OBJECT PATH`; `--index-info` reads such lines from standard input, as `--stdin` reads the
 * paths, so every file counts). Plain `git update-index PATH` stages the work tree as it is, like git add.
 */
function updateIndexTargets(rest: readonly Word[]): ShellTarget[] {
  const via = 'git update-index';
  const out: ShellTarget[] = [];
  const texts = rest.map((w) => w.text);
  const mode = texts.some((t) => t === '--chmod' || t.startsWith('--chmod='));
  const remove = texts.includes('--force-remove');
  const paths: Word[] = [];
  let options = true;
  for (let k = 0; k < rest.length; k++) {
    const w = rest[k];
    if (options && w.text === '--') options = false;
    else if (options && (w.text === '--cacheinfo' || w.text.startsWith('--cacheinfo='))) {
      const joined = w.text.startsWith('--cacheinfo=') ? w.text.slice('--cacheinfo='.length) : rest[k + 1]?.text ?? '';
      const fields = joined.split(',');
      if (fields.length >= 3) {
        out.push(target(w.text === '--cacheinfo' ? rest[k + 1] : w, 'write', `${via} --cacheinfo`, fields.slice(2).join(',')));
        if (w.text === '--cacheinfo') k++;
      } else if (w.text === '--cacheinfo') {
        // MODE OBJECT PATH, three words.
        if (rest[k + 3]) out.push(target(rest[k + 3], 'write', `${via} --cacheinfo`));
        k += 3;
      }
    } else if (options && (w.text === '--chmod' || w.text === '--index-version')) k++;
    else if (options && w.text.startsWith('-')) continue;
    else paths.push(w);
  }
  if (texts.includes('--index-info') || (texts.includes('--stdin') && (mode || remove))) out.push({ path: '**', glob: true, op: remove ? 'delete' : 'write', via });
  if (mode || remove) out.push(...paths.map((w) => target(w, remove ? 'delete' : 'write', via)));
  return out;
}

function normalizeSpaces(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** What the guard may ask its caller, which can read files (the hook): optional, the analysis stays pure without it. */
export interface ShellPorts {
  /**
   * The text of a file a command reads its patch from (`git apply fix.diff`, `patch -p1 < fix.diff`),
   * `path` relative to the folder the command line starts in (or absolute); undefined when it cannot be
   * read or is larger than the caller reads. Without it, a patch from a file counts as every file of its folder.
   */
  readFile?: (path: string) => string | undefined;
  /**
   * The package.json a package manager started in folder `dir` (relative to the folder the command line
   * starts in, or absolute) runs scripts from: the one in `dir` or in the nearest folder above it that
   * has one, `up` folders above (read through links, as the package managers read it); `text` undefined
   * when it is there but cannot be read; undefined when there is none. `otherShell`: an .npmrc or .yarnrc sets
   * `script-shell` (the scripts then run through another program). Without it, package scripts are not seen.
   */
  readPackage?: (dir: string) => { up: number; text: string | undefined; otherShell?: boolean } | undefined;
  /**
   * The workspace around folder `dir` (pnpm-workspace.yaml, or a package.json with `workspaces`), `up`
   * folders above it, and its packages' folders relative to it; undefined when there is none. Without
   * it, the scripts of a workspace's packages (`pnpm -r lint`) are not seen.
   */
  workspacePackages?: (dir: string) => { up: number; folders: string[] } | undefined;
  /**
   * The first of the makefiles `names` (relative to folder `dir`, or absolute) that is there, `dir`
   * relative to the folder the command line starts in (or absolute): its name as given and its text,
   * undefined when it is there but cannot be read; undefined when none is there. Without it, the
   * recipes `make` runs are not seen.
   */
  readMakefile?: (dir: string, names: readonly string[]) => { name: string; text: string | undefined } | undefined;
  /**
   * A script file a command runs (`bash fix.sh`, `python3 fix.py`, `./fix.sh`), `path` relative to the
   * folder the command line starts in, absolute, or below the home folder (`~/fix.sh`), read through links: its text; `large` when it is
   * larger than the caller reads; neither when it is there but not a regular file; undefined when
   * nothing is there. Without it, script files are not read.
   */
  readScript?: (path: string) => { text?: string; large?: boolean } | undefined;
  /**
   * The value of git alias `name` for a git command run in folder `dir` (relative to the folder the
   * command line starts in, or absolute), from git's configuration files (the repository's, the user's,
   * the system's; the last one read wins, as in git); undefined when there is none. Without it, aliases
   * in the configuration are not seen (`git co` is a command the guard does not know).
   */
  gitAlias?: (dir: string, name: string) => string | undefined;
  /**
   * The file that the program name `name` runs, looked up in the PATH the hook was given (the first
   * executable file of that name), absolute, when it is one someone could have written: neither it nor
   * the file its links lead to is in the system's folders (`system`), and it is no compiled program;
   * null when the file found is not one of those (a system program, a binary); undefined when there is
   * no such file in PATH. Without it, only the folders the command line itself puts in PATH are looked in.
   */
  findProgram?: (name: string, system: (path: string) => boolean) => string | null | undefined;
}

/** Paths one patch names, at most, and folders in one of them: past either, every file of its folder counts. */
const MAX_PATCH_PATHS = 10_000;
const MAX_PATCH_DEPTH = 256;
/**
 * What one command line's patches may cost: patch files read, and paths listed from all of them
 * (`git apply a.diff b.diff …` with thousands of patches). Past either, a patch counts as every file of its folder.
 */
const MAX_PATCH_READS = 16;
interface PatchBudget {
  reads: number;
  paths: number;
}

/**
 * The files a patch names in its headers (`diff --git a/x b/x`, `--- x`, `+++ x`, `*** x`, `Index: x`,
 * `rename`/`copy from`/`to`), git's quoted names unquoted, `/dev/null` left out; undefined past
 * MAX_PATCH_PATHS. Every name with each number of leading folders taken off (`a/src/x.ts`,
 * `src/x.ts`, `x.ts`): whatever `-p` the command gives, or the one `patch` guesses without it.
 */
export function patchPaths(text: string): string[] | undefined {
  const found = new Set<string>();
  const add = (raw: string): boolean => {
    const name = unquoteGitPath(raw.trim());
    if (name === '' || name === '/dev/null') return true;
    if (name.length > 4096) return false; // longer than any path a system takes (PATH_MAX)
    const parts = name.split('/').filter((p) => p !== '' && p !== '.');
    // Each name gives as many paths as it has folders: a name of thousands of them is not listed.
    if (parts.length > MAX_PATCH_DEPTH) return false;
    for (let k = 0; k < parts.length; k++) found.add(parts.slice(k).join('/'));
    return found.size <= MAX_PATCH_PATHS;
  };
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const header = /^(?:(?:---|\+\+\+|\*\*\*) |Index: |(?:rename|copy) (?:from|to) )(.*)$/.exec(line);
    if (header) {
      // A unified or context header ends its name at a tab (a date follows).
      const name = header[1].startsWith('"') ? (/^"(?:[^"\\]|\\.)*"/.exec(header[1])?.[0] ?? header[1]) : header[1].split('\t')[0];
      if (!add(name)) return undefined;
      continue;
    }
    const git = /^diff --git (.*)$/.exec(line);
    if (git) {
      // `a/x b/x`; names with spaces are quoted, or equal on both sides.
      const rest = git[1];
      const quoted = rest.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
      const names = rest.includes('"') ? quoted : [rest.slice(0, rest.length >> 1), rest.slice((rest.length >> 1) + 1)];
      for (const n of names) if (!add(n)) return undefined;
    }
  }
  return [...found];
}

/** A name as git writes it in a patch: `"a/x\ty"` (C escapes, octal bytes as UTF-8) or as it is. */
function unquoteGitPath(name: string): string {
  if (!name.startsWith('"') || !name.endsWith('"') || name.length < 2) return name;
  const bytes: number[] = [];
  const body = name.slice(1, -1);
  const ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };
  for (let k = 0; k < body.length; k++) {
    const c = body[k];
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const octal = /^[0-7]{3}/.exec(body.slice(k + 1, k + 4));
    if (octal) {
      bytes.push(parseInt(octal[0], 8));
      k += 3;
    } else {
      const e = ESCAPES[body[k + 1]];
      bytes.push(e ?? 92);
      if (e !== undefined) k++;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * What applying the patch `use` writes, in each folder `dirs` the command may run in: the files its
 * headers name, when its text is known (in the command, or read through `readFile`); else every file
 * of the folder it applies in (the `patch` of old asked for a file name: not that either).
 */
function patchTargets(use: PatchUse, inDir: string, dirs: ReadonlySet<string>, readFile: ShellPorts['readFile'], budget: PatchBudget): ShellTarget[] {
  const out: ShellTarget[] = [];
  const here = (t: ShellTarget, d: string): ShellTarget => place(place(place(t, use.at), inDir), d);
  for (const d of dirs) {
    let text = use.text;
    if (text === undefined && use.file !== undefined && !use.file.glob && readFile !== undefined && budget.reads > 0) {
      const file = here(target(use.file, 'write', use.via), d);
      if (file.anywhere === undefined && !file.glob && !file.path.startsWith('~')) {
        budget.reads--;
        text = readFile(file.path);
      }
    }
    const paths = text === undefined ? undefined : patchPaths(text);
    if (paths !== undefined) budget.paths -= paths.length;
    if (paths === undefined || paths.length === 0 || budget.paths < 0) {
      const why = use.file === undefined ? 'the files come from a patch the guard cannot read'
        : `the files come from the patch ${shown(use.file.text)}, read only when applying it is all the command does`;
      out.push(here({ path: use.dir === '' ? '**' : join(use.dir, '**'), glob: true, op: 'write', via: use.via, unknown: why }, d));
      continue;
    }
    for (const p of paths) out.push(here({ path: use.dir === '' ? p : join(use.dir, p), glob: false, op: 'write', via: use.via }, d));
  }
  return out;
}

/**
 * The package.json scripts `use` runs when its command runs in folder `d` (relative to the command
 * line's, or absolute; after `inDir`): each script's command line and the folder it runs in, from the
 * package.json in the command's folder or the nearest one above it, as the package managers find it.
 * Every protected file counts instead (a script may write outside its folder) when the package.json
 * cannot be trusted: it cannot be read, its folder cannot be known, the command itself may write it
 * (`printf … > package.json && npm run x`: the guard reads it before the command runs), or its scripts
 * may run through another program than sh (`script-shell`). `written`: the command's targets so far;
 * `state`: what the calls for one command line share (the scripts left to read, and for each
 * package.json how many of `written` were looked at and whether one may write it: each target is
 * looked at once per package.json, however many scripts run from it).
 */
function packageScripts(
  use: ScriptUse, inDir: string, d: string, ports: ShellPorts, written: readonly ShellTarget[], state: ScriptState,
): ({ script: string; dir: string; by?: string } | { target: ShellTarget })[] {
  const readPackage = ports.readPackage;
  if (!readPackage) return [];
  const here = (t: ShellTarget): ShellTarget => place(place(place(t, use.at), inDir), d);
  // A script the guard cannot read may write anywhere (`cd .. && …`, `../src/x`): every protected file counts.
  const every = (unknown: string): { target: ShellTarget } => ({ target: { path: '**', glob: true, op: 'write', via: use.via, anywhere: '**', unknown } });
  const folder = here({ path: '.', glob: false, op: 'write', via: use.via });
  if (folder.anywhere !== undefined || folder.glob || folder.path.startsWith('~')) return [every('its scripts come from a package.json in a folder the guard cannot know')];
  const start = posix.normalize(folder.path);
  const find = (dir: string): ReturnType<NonNullable<ShellPorts['readPackage']>> => {
    if (!state.found.has(dir)) state.found.set(dir, readPackage(dir));
    return state.found.get(dir);
  };
  const above = (dir: string, up: number): string => posix.normalize(posix.join(dir, ...Array<string>(up).fill('..')));
  if (use.workspace) {
    // Every package of the workspace around the folder: those a filter names are among them.
    const packages = ports.workspacePackages?.(start);
    if (!packages) return []; // not a workspace the guard can read: the package manager finds no package either
    const root = above(start, packages.up);
    const only = use.only;
    const own = packages.folders.flatMap((f) => {
      const dir = posix.normalize(posix.join(root, f));
      const found = find(dir);
      if (found?.up !== 0) return [];
      // A package named by its name (`web`, `@acme/web`, `web` for `@acme/web`) or its folder (`packages/web`).
      const name = only && found.text !== undefined ? infoOf(packagePath(dir), found.text)?.name : undefined;
      if (only && found.text !== undefined && !only.some((o) => o === name || (name !== undefined && name.endsWith(`/${o}`)) || posix.normalize(o) === f || f.endsWith(`/${posix.normalize(o)}`))) return [];
      return [{ dir, found }];
    });
    // More scripts of that name than the guard reads (a monorepo of hundreds of packages): not seen,
    // as a workspace it cannot read is not; a refusal would stop every `pnpm -r test` there.
    const runs = own.reduce((n, { dir, found }) => n + (found.text === undefined ? 0 : named(dir, found.text).length), 0);
    if (runs > state.runs) return [];
    return own.flatMap(({ dir, found }) => scriptsIn(dir, found));
  }
  const found = find(start);
  if (found === undefined) return []; // none: the package manager stops with an error
  return scriptsIn(above(start, found.up), found);

  /** The scripts `use` names that the package.json in `dir` has (its text parsed once for the command line). */
  function named(dir: string, text: string): { name: string; withArgs: boolean; script: string }[] {
    const table = infoOf(packagePath(dir), text)?.scripts;
    if (table === undefined) return []; // not JSON, or no scripts: the package manager stops with an error
    const names = use.names ?? Object.keys(table).map((name) => ({ name, withArgs: true }));
    return names.flatMap(({ name, withArgs }) => {
      const script = Object.hasOwn(table, name) ? table[name] : undefined;
      return typeof script === 'string' ? [{ name, withArgs, script }] : [];
    });
  }

  function packagePath(dir: string): string {
    return dir === '.' ? 'package.json' : dir.endsWith('/') ? `${dir}package.json` : `${dir}/package.json`;
  }

  function infoOf(path: string, text: string): PackageInfo | undefined {
    if (!state.scripts.has(path)) state.scripts.set(path, packageInfo(text));
    return state.scripts.get(path);
  }

  /** The scripts `use` runs from the package.json in `dir` (relative to the command line's folder), as read. */
  function scriptsIn(dir: string, found: { text: string | undefined; otherShell?: boolean }): ({ script: string; dir: string; by?: string } | { target: ShellTarget })[] {
    const relDir = dir === '.' ? '' : dir;
    const path = packagePath(dir);
    const all = (why: string): { target: ShellTarget } => every(`its scripts come from ${path}, ${why}`);
    if (found.text === undefined) return [all('which the guard cannot read')];
    let w = state.writes.get(path);
    if (!w) state.writes.set(path, (w = { seen: 0, may: false }));
    for (; w.seen < written.length && !w.may; w.seen++) w.may = !written[w.seen].via.endsWith(PACKAGE_FILES_VIA) && mayWrite(written[w.seen], path);
    if (w.may) return [all('which the command itself may write')];
    // npm and pnpm run scripts with `script-shell` (`python3 -c …`): the guard reads them as sh would.
    const shell = use.otherShell ?? (found.otherShell ? 'an .npmrc or .yarnrc sets script-shell' : state.shellEnv ? 'the command sets npm_config_script_shell or another npm config' : undefined);
    if (shell !== undefined) return [all(`and may run through another program than sh (${shell})`)];
    const out: { script: string; dir: string; by: string }[] = [];
    for (const { name, withArgs, script } of named(dir, found.text)) {
      if (--state.runs < 0) throw new TooComplex(`running more than ${MAX_SCRIPT_RUNS} package.json scripts`);
      const line = withArgs && use.args !== '' ? `${script} ${use.args}` : script;
      if (line.length > SHELL_LIMITS.maxLength) throw new TooComplex(`running a package.json script (${name}) longer than ${SHELL_LIMITS.maxLength} characters`);
      out.push({ script: line, dir: relDir, by: `${path}'s script "${name}"` });
    }
    return out;
  }
}

/**
 * The command lines `make` runs when its command runs in folder `d` (after `inDir`): the recipes of its
 * goals from its makefile (src/core/makefile.ts) and the commands the makefile runs as it is read, each
 * in make's folder. Every protected file counts instead when the makefile cannot be trusted: it (or a
 * makefile it includes) cannot be read, its folder cannot be known, or the command itself may write it.
 * No makefile: make stops with an error, running nothing.
 */
function makeRuns(use: MakeUse, inDir: string, d: string, ports: ShellPorts, written: readonly ShellTarget[], state: ScriptState): ({ script: string; dir: string; by?: string } | { target: ShellTarget })[] {
  const readMakefile = ports.readMakefile;
  if (!readMakefile) return [];
  const every = (unknown: string): { target: ShellTarget }[] => [{ target: { path: '**', glob: true, op: 'write', via: 'make', anywhere: '**', unknown } }];
  if (use.unknown !== undefined) return every(use.unknown);
  // MAKEFILES names makefiles make reads first, MAKEFLAGS options: set in the command, the guard cannot follow them.
  if (state.makeEnv) return every('the command sets MAKEFILES or MAKEFLAGS, which change what make reads');
  const folder = place(place(place({ path: '.', glob: false, op: 'write', via: 'make' }, use.at), inDir), d);
  if (folder.anywhere !== undefined || folder.glob || folder.path.startsWith('~')) return every('its makefile is in a folder the guard cannot know');
  const dir = posix.normalize(folder.path);
  const relDir = dir === '.' ? '' : dir;
  const inFolder = (name: string): string => (name.startsWith('/') || relDir === '' ? name : `${relDir}/${name}`);
  const texts: string[] = [];
  const names: string[] = [];
  for (const wanted of use.files.length > 0 ? use.files.map((f) => [f]) : [['GNUmakefile', 'makefile', 'Makefile']]) {
    const found = readMakefile(dir, wanted);
    if (found === undefined) return []; // make stops: no makefile
    if (found.text === undefined) return every(`its makefile ${shown(inFolder(found.name))} cannot be read`);
    texts.push(found.text);
    names.push(found.name);
  }
  let recipes: MakeRecipes;
  try {
    recipes = makeRecipes({ path: names.join(' '), text: texts.join('\n') }, (file) => {
      // Where make looks for an included makefile: its folder, then -I's, then the system's include folders.
      const search = file.startsWith('/') ? [file] : [file, ...[...use.includeDirs, ...MAKE_INCLUDE_DIRS].map((d) => posix.join(d, file))];
      const found = readMakefile(dir, search);
      return found === undefined ? ABSENT : found.text;
    }, use.goals, use.variables);
  } catch (err) {
    if (err instanceof MakeTooComplex) throw new TooComplex(err.message);
    throw err;
  }
  if (recipes.unknown !== undefined) return every(recipes.unknown);
  // Read before the command runs: a makefile the command itself may write (`printf … > Makefile && make`) is not the one make reads.
  for (const file of [...names, ...recipes.files.slice(1)]) {
    const path = posix.normalize(inFolder(file));
    if (written.some((t) => mayWrite(t, path))) return every(`its makefile ${shown(path)} is one the command itself may write`);
  }
  const out: ({ script: string; dir: string; by?: string } | { target: ShellTarget })[] = [];
  // `make -t`: the goals' files are touched instead.
  const madeFiles = use.touch ? use.goals : recipes.writes;
  if (use.touch) recipes = { ...recipes, lines: [] };
  for (const file of madeFiles) {
    const word: Word = { text: file.split(UNKNOWN_VALUE).join(EXPANSION), glob: file.includes(UNKNOWN_VALUE) || GLOB_CHARS.test(file), raw: file, inner: [] };
    out.push({ target: place(target(word, 'write', 'make'), relDir) });
  }
  for (const line of [...recipes.shells, ...recipes.lines]) {
    if (--state.runs < 0) throw new TooComplex(`running more than ${MAX_SCRIPT_RUNS} package.json scripts and make recipe lines`);
    if (line.length > SHELL_LIMITS.maxLength) throw new TooComplex(`running a make recipe longer than ${SHELL_LIMITS.maxLength} characters`);
    out.push({ script: line, dir: relDir, by: `make${use.goals.length > 0 ? ` ${use.goals.join(' ')}` : ''}` });
  }
  return out;
}

/** Where make looks for an included makefile after its own folder and -I's. */
const MAKE_INCLUDE_DIRS = ['/usr/local/include', '/usr/gnu/include', '/usr/include'];

/** What the package scripts of one command line share: each package.json read and parsed once, whatever runs from it. */
interface ScriptState {
  /** The command line sets MAKEFILES or MAKEFLAGS (make then reads other makefiles or options). */
  makeEnv: boolean;
  /** Scripts that may still be read (MAX_SCRIPT_RUNS). */
  runs: number;
  /** The command line names npm config (`npm_config_script_shell=…`, `NPM_CONFIG_USERCONFIG=…`): the scripts' shell may be another. */
  shellEnv: boolean;
  /** The package.json found from each folder (readPackage). */
  found: Map<string, { up: number; text: string | undefined; otherShell?: boolean } | undefined>;
  /** Each package.json's name and scripts, by its path. */
  scripts: Map<string, PackageInfo | undefined>;
  /** For each package.json: how many of the command's targets were looked at, and whether one may write it. */
  writes: Map<string, { seen: number; may: boolean }>;
}

/** What the guard reads of a package.json: its name and its scripts. */
interface PackageInfo {
  name?: string;
  scripts?: Record<string, unknown>;
}

/** The name and `scripts` of a package.json's text (undefined: not JSON). */
function packageInfo(text: string): PackageInfo | undefined {
  try {
    const json = JSON.parse(text.replace(/^\uFEFF/, '')) as { name?: unknown; scripts?: unknown } | null;
    const scripts = json?.scripts;
    return {
      ...(typeof json?.name === 'string' ? { name: json.name } : {}),
      ...(typeof scripts === 'object' && scripts !== null ? { scripts: scripts as Record<string, unknown> } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * Whether target `t` may write the package.json at `path` (both relative to the command line's
 * folder), or a folder it is in. Where either is absolute, under `~` or climbs with `..`, two spellings
 * of one folder cannot be told apart here (`> /repo/package.json`, `> ../app/package.json`): by name.
 */
function mayWrite(t: ShellTarget, path: string): boolean {
  const p = posix.normalize(t.path).replace(/\/+$/, '');
  const climbs = (x: string): boolean => x.startsWith('/') || x.startsWith('~') || x === '..' || x.startsWith('../');
  const match = (glob: string, name: string): boolean => new (minimatchModule().Minimatch)(glob, { dot: true, nonegate: true, nocomment: true }).match(name);
  // Both absolute (a program PATH finds, `/tmp/wheels/**`): compared as they are.
  const absolute = t.anywhere === undefined && p.startsWith('/') && path.startsWith('/');
  if (!absolute && (t.anywhere !== undefined || climbs(p) || climbs(path))) {
    const last = (t.anywhere ?? p).split('/').pop() ?? '';
    const base = path.split('/').pop() ?? path;
    return last === base || last === '**' || last === '.' || ((t.glob || t.anywhere !== undefined) && match(last, base));
  }
  if (t.glob) return match(p, path);
  return p === '.' || p === path || path.startsWith(`${p}/`);
}

/**
 * The script files that programs run by their bare name may be (see CommandIo.program): the file of that
 * name in each folder the line puts in PATH (all of them, whichever comes first: reading one too many
 * costs a read), and the one PATH finds as the hook was given it (ShellPorts.findProgram), when it is
 * outside the system's folders. Each is then read as `./fixit` is (scriptFileTargets). Each name is
 * looked up once; at most MAX_PROGRAM_LOOKUPS names and MAX_PROGRAM_FILES files.
 */
function programFiles(programs: readonly { use: ProgramUse; inDir: string; dirs: ReadonlySet<string> }[], pathDirs: ReadonlySet<string>, unknownAfter: string | undefined, written: readonly ShellTarget[], ports: ShellPorts): { use: ScriptFileUse; inDir: string; dirs: ReadonlySet<string> }[] {
  const out: { use: ScriptFileUse; inDir: string; dirs: ReadonlySet<string> }[] = [];
  const found = new Map<string, string | null | undefined>();
  const word = (text: string): Word => ({ text, glob: false, raw: text, inner: [] });
  for (const { use, inDir, dirs } of programs) {
    if (!found.has(use.name) && ports.findProgram !== undefined) {
      if (found.size >= MAX_PROGRAM_LOOKUPS) throw new Undecidable(`it runs more than ${MAX_PROGRAM_LOOKUPS} programs by name, more than the guard looks up in one call`);
      found.set(use.name, ports.findProgram(use.name, (path) => SYSTEM_PROGRAMS.test(path)));
    }
    const inPath = found.get(use.name);
    // Not in the PATH the hook was given, and the line appends a folder the guard cannot know: it may be found there.
    if (inPath === undefined && unknownAfter !== undefined && ports.findProgram !== undefined) {
      throw new Undecidable(`it runs \`${shown(use.name)}\`, which is not in PATH as the guard was given it, after adding \`${shown(unknownAfter.slice(0, 60))}\` to PATH, a folder the guard cannot know (write the folder out)`);
    }
    if (typeof inPath === 'string') out.push({ use: { file: word(inPath), kind: 'exec', args: use.args, inPath: true }, inDir: '', dirs: new Set(['']) });
    for (const d of pathDirs) {
      if (SYSTEM_PROGRAMS.test(`${d}/`)) continue;
      out.push({ use: { file: word(`${d.replace(/\/+$/, '')}/${use.name}`), kind: 'exec', args: use.args }, inDir, dirs });
    }
    // A file of that name the line itself writes (`printf … > ~/.local/bin/fixit; fixit`): not there yet, or not yet a program, when the guard looks.
    for (const t of written) {
      // In a folder (PATH finds no file by a bare name; the folder the command runs in counts only when the line puts it in PATH, above).
      if (t.op !== 'write' || t.glob || t.anywhere !== undefined || KEEPS_CONTENT.has(t.via) || !t.path.includes('/') || basename(t.path) !== use.name) continue;
      out.push({ use: { file: word(t.path), kind: 'exec', args: use.args }, inDir: '', dirs: new Set(['']) });
    }
    // Each is read (a stat at least): a line naming many programs beside many folders is refused, not walked.
    if (out.length > MAX_PROGRAM_FILES) throw new Undecidable(`its programs may be more than ${MAX_PROGRAM_FILES} files in PATH, more than the guard reads in one call`);
  }
  return out;
}

/**
 * What a script file that a command runs (`bash fix.sh`, `source env.sh`, `./fix.sh`, `python3 fix.py`,
 * `node fix.js`) writes, read as the agents' other way round a refused edit: best effort, like code
 * given to an interpreter. A shell script is analysed as a command line, with its arguments as `$1`…
 * (knownArguments), and what it writes to a path it names (and the guarded commands it runs) counts;
 * what it does through values the guard cannot know (`"$@"`, a `cd` to a computed folder, a script it
 * runs in turn) is left to the watcher and the gate, so that a project's own scripts are not refused
 * for being scripts. Interpreter code counts a
 * path written as a literal on a line that calls a write function, or held by a name such a line
 * uses (`p = 'src/a.ts'` … `open(p, 'w')`); only whole paths, so that a build script's patterns and
 * folders do not refuse builds. `./fix.sh` is read by its first line (`#!`; none: the shell). The
 * file is read as it is now, and so is what the same command writes into it where the guard knows
 * the text (`cat > fix.sh <<'EOF'`, `printf '…' > fix.sh`); written any other way, the command is
 * refused: the guard cannot know what will run. `dir`, `inDir`: where the command runs.
 */
function scriptFileTargets(use: ScriptFileUse, inDir: string, dir: string, ports: ShellPorts, written: readonly ShellTarget[], printedInto: ReadonlyMap<ShellTarget, string>, lines: string[], homeSet: boolean): ShellTarget[] {
  const rel = use.file.text;
  if (dir === UNKNOWN_DIR || inDir === UNKNOWN_DIR || rel.includes(EXPANSION) || use.file.glob) return [];
  // `~/fix.sh` is below the home folder, unless the command sets HOME (`~user/…`: not read).
  const home = rel.startsWith('~');
  if (home && (homeSet || !rel.startsWith('~/'))) return [];
  const path = rel.startsWith('/') || home ? posix.normalize(rel) : posix.normalize(posix.join(dir || '.', inDir || '.', rel));
  if (home && !path.startsWith('~/')) return []; // `~/../x`
  // What it may hold when it runs: what the command writes into it, and what is there now.
  const texts: string[] = [];
  for (const t of written) {
    // Deleting it, its mode or its times leave nothing else to run.
    if (t.op === 'delete' || KEEPS_CONTENT.has(t.via) || !mayWrite(t, path)) continue;
    // A program PATH finds: a write in the command's own folders (`prettier --write .`) is not one to it
    // (the same file written by its path is: programFiles reads it as such).
    if (use.inPath && !t.path.startsWith('/') && !t.path.startsWith('~')) continue;
    const text = printedInto.get(t);
    if (text === undefined) throw new Undecidable(`it runs \`${shown(rel)}\`, a script the command itself writes (\`${t.via}\`), which the guard cannot read before it runs (write it in one call, run it in the next)`);
    texts.push(text);
  }
  const onDisk = ports.readScript?.(path);
  // A named pipe or a device gives what another process writes when it is read.
  if (onDisk !== undefined && onDisk.text === undefined && onDisk.large !== true) throw new Undecidable(`\`${shown(rel)}\` is not a regular file, so the script it gives cannot be known`);
  if (onDisk?.text !== undefined && !onDisk.text.includes('\0')) texts.push(onDisk.text);
  const out: ShellTarget[] = [];
  // One level: a script the script runs is not read, nor a patch file it applies.
  const innerPorts: ShellPorts = { ...ports, readFile: undefined, readScript: undefined, findProgram: undefined };
  for (const text of texts) {
    const kind = use.kind === 'exec' ? execKind(text) : use.kind;
    if (kind === 'shell') {
      const inner = analyzeShellCommand(text, [], innerPorts, knownArguments(use.args ?? []));
      if (inner.failure !== undefined) continue;
      lines.push(...inner.lines.slice(1));
      // The line naming each path, searched for the first MAX_NAMED_LINES of them only (each search reads the script).
      let named = 0;
      for (const t of inner.targets) {
        if (t.anywhere === undefined && t.unknown === undefined) out.push({ ...t, through: t.through ?? (named++ < MAX_NAMED_LINES ? `${rel}: \`${lineNaming(text, t.path)}\`` : rel) });
      }
    } else if (kind === 'ex') {
      // ed's or Ex's commands: a shell command they run (`!cmd`) is read as a command line, one level deep.
      let runs = 0;
      const run = (c: string): void => {
        // Each is a command line of its own to read: a few hundred at most (a file of 250,000 `!ls` kept the hook busy 2 s).
        if (++runs > MAX_EX_RUNS) throw new Undecidable(`\`${shown(rel)}\` runs more than ${MAX_EX_RUNS} shell commands, more than the guard reads`);
        const inner = analyzeShellCommand(c, [], innerPorts);
        if (inner.failure !== undefined) throw new Undecidable(`\`${shown(rel)}\` runs \`${c.slice(0, 60)}\`: ${inner.failure}`);
        out.push(...inner.targets.map((t) => ({ ...t, through: rel })));
      };
      for (const line of text.split('\n')) out.push(...exCommandTargets(line, use.interpreter ?? 'ex', run).map((t) => ({ ...t, through: rel })));
    } else if (kind === 'sed') {
      out.push(...sedScriptTargets(text, 'sed -f').map((t) => ({ ...t, through: rel })));
    } else if (kind === 'code') {
      const via = use.interpreter ?? basename(rel);
      const shorts = new Map<string, string>(); // one line, shortened once (a 1 MB line of many writes)
      const short = (line: string): string => shorts.get(line) ?? shorts.set(line, shortLine(line)).get(line)!;
      out.push(...codeWrites(text, via).map(({ target, line }) => ({ ...target, through: `${rel}: \`${short(line)}\`` })));
      const argv = argvWrites(text, (use.args ?? []).filter((w) => !w.text.startsWith('-')), via);
      out.push(...argv.map((t) => ({ ...t, through: `${rel}: \`${lineNaming(text, ARGV_USE.exec(text)?.[0] ?? '')}\`` })));
    }
  }
  // Each path is judged on its own (its folders looked up, every protected pattern matched): a script
  // that names more is refused, as one built to make the hook time out (agents let a call through then).
  if (out.length > MAX_SCRIPT_TARGETS) throw new Undecidable(`\`${shown(rel)}\` names more than ${MAX_SCRIPT_TARGETS} paths it may write, more than the guard judges in one call`);
  return out.map((t) => place(place(t, inDir), dir));
}

/** The most paths a script file's writes may name (see scriptFileTargets). */
const MAX_SCRIPT_TARGETS = 4096;
/** The most shell commands (`!cmd`) a file of ed's or Ex's commands may run (see scriptFileTargets). */
const MAX_EX_RUNS = 256;

/**
 * A script's `$1`, `$2`…: the words after it, up to the first the shell may make more or fewer of: a
 * pattern is the last (`$1` is one of its matches), an expansion ends them.
 */
function knownArguments(args: readonly Word[]): KnownValue[] {
  const out: KnownValue[] = [];
  for (const w of args) {
    if (w.text.includes(EXPANSION)) break;
    out.push({ text: w.text, pattern: w.glob });
    if (w.glob) break;
  }
  return out;
}

/** What changes a file's mode or times, not what it holds. */
const KEEPS_CONTENT = new Set(['chmod', 'touch']);

/** How a file run by its path runs: by its `#!` line's program (`#!/usr/bin/env -S node …` too), or the shell without one. */
function execKind(text: string): 'shell' | 'code' | 'sed' | undefined {
  if (!text.startsWith('#!')) return 'shell';
  const end = text.indexOf('\n');
  let words = text.slice(2, end < 0 ? undefined : end).trim().split(/\s+/);
  if (basename(words[0] ?? '') === 'env') words = words.slice(1).filter((w) => !w.startsWith('-') && !w.includes('='));
  const program = basename(words[0] ?? '');
  if (SHELLS.has(program) && program !== 'fish') return 'shell';
  if (program === 'sed' && words.some((w) => /^-[a-zA-Z]*f$/.test(w))) return 'sed';
  return /^(python[0-9.]*|node|nodejs|ruby|perl|php)$/.test(program) ? 'code' : undefined;
}

/**
 * What a sed script writes or runs besides its output, read command by command as GNU sed reads it:
 * `w file`, `W file` and the `w file` flag of `s` write the file; `e command` runs the command (through
 * `recurse`; without it, as in a script file, refused), and `e` alone or the `e` flag of `s` run text
 * the script makes, which the guard cannot know (refused). Labels, text of `a`/`i`/`c` and files `r`
 * reads are skipped. Linear in the script's length: each character is read once.
 */
function sedScriptTargets(script: string, via: string, recurse?: (command: string) => void): ShellTarget[] {
  const out: ShellTarget[] = [];
  const n = script.length;
  let i = 0;
  const skipBlanks = (): void => {
    while (i < n && (script[i] === ' ' || script[i] === '\t')) i++;
  };
  const toLineEnd = (): string => {
    const start = i;
    while (i < n && script[i] !== '\n') i++;
    return script.slice(start, i);
  };
  /** Past the next unescaped `delimiter` (a regular expression or a replacement). */
  const delimited = (delimiter: string): void => {
    while (i < n && script[i] !== delimiter) i += script[i] === '\\' ? 2 : 1;
    i++;
  };
  const address = (): void => {
    if (script[i] === '/' || script[i] === '\\') {
      const d = script[i] === '/' ? '/' : script[i + 1];
      i += script[i] === '/' ? 1 : 2;
      delimited(d);
      while (script[i] === 'I' || script[i] === 'M') i++;
    } else {
      while (i < n && /[0-9$~+]/.test(script[i])) i++;
    }
  };
  const written = (file: string): void => {
    const path = file.trim();
    if (path !== '' && path !== '/dev/stdout' && path !== '/dev/stderr') out.push({ path, glob: false, op: 'write', via: `${via} w` });
  };
  const runs = (command: string): void => {
    if (command.trim() === '' || recurse === undefined) throw new Undecidable(`\`${via}\` runs a command its script makes (sed's \`e\`), which the guard cannot know`);
    recurse(command);
  };
  while (i < n) {
    const c0 = script[i];
    if (c0 === ' ' || c0 === '\t' || c0 === '\n' || c0 === ';' || c0 === '{' || c0 === '}') {
      i++;
      continue;
    }
    if (c0 === '#') {
      toLineEnd();
      continue;
    }
    address();
    skipBlanks();
    if (script[i] === ',') {
      i++;
      skipBlanks();
      address();
    }
    skipBlanks();
    while (script[i] === '!') {
      i++;
      skipBlanks();
    }
    const c = script[i++];
    switch (c) {
      case 's': {
        const d = script[i++];
        delimited(d);
        delimited(d);
        while (i < n && /[gpiImMe0-9]/.test(script[i])) {
          if (script[i] === 'e') runs('');
          i++;
        }
        if (script[i] === 'w') {
          i++;
          written(toLineEnd());
        }
        break;
      }
      case 'y': {
        const d = script[i++];
        delimited(d);
        delimited(d);
        break;
      }
      case 'w':
      case 'W':
        written(toLineEnd());
        break;
      case 'e':
        skipBlanks();
        runs(toLineEnd());
        break;
      case 'r':
      case 'R':
        toLineEnd();
        break;
      case 'a':
      case 'i':
      case 'c': {
        // One line (`a text`), or lines each ended by a backslash (`a\` then text).
        let line = toLineEnd();
        // A line ended by an odd number of backslashes goes on (`foo\\` ends with an escaped backslash).
        while (/(?:^|[^\\])(?:\\\\)*\\$/.test(line) && i < n) {
          i++;
          line = toLineEnd();
        }
        break;
      }
      case ':':
      case 'b':
      case 't':
      case 'T':
      case 'v':
        while (i < n && script[i] !== ';' && script[i] !== '\n' && script[i] !== '}') i++;
        break;
      case 'q':
      case 'Q':
      case 'l':
      case 'L':
        skipBlanks();
        while (i < n && /[0-9]/.test(script[i])) i++;
        break;
      case undefined:
      case '{':
      case '}':
      case ';':
        break;
      default:
        // Commands without an argument; anything else is not sed's (sed refuses the whole script).
        if (!'=dDgGhHnNpPxzF'.includes(c)) return out;
    }
  }
  return out;
}

/** The first line of `text` that names `path` (else its file name), shortened for a message. */
function lineNaming(text: string, path: string): string {
  const whole = path.replace(/\/\*\*$/, '');
  const lines = text.split('\n');
  return shortLine(lines.find((l) => l.includes(whole)) ?? lines.find((l) => l.includes(basename(whole))) ?? '');
}

/** The most targets of one shell script whose line a refusal names (see scriptFileTargets). */
const MAX_NAMED_LINES = 256;

/** A line of a script, spaces made one, shortened for a message. */
function shortLine(text: string): string {
  const line = text.trim().replace(/\s+/g, ' ');
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/** A call that writes, deletes or moves away the file named by its first argument (`open(p, 'w')`, `writeFileSync(p, …)`, `Path(p).write_text`, `os.rename(p, …)`). */
const WRITES_FIRST = /(?:^|[^\w$])(?:write\w*|append\w*|createWriteStream|truncate\w*|unlink\w*|rm\w*|remove\w*|rename\w*|move\w*|Path|File\w*|output\w*)\s*\(\s*(ARG)\s*[,)]|(?:^|[^\w$])(?:open|fopen|openSync)\s*\(\s*(ARG)\s*,\s*(?:mode\s*=\s*)?['"][^'"]{0,8}[wax+]/gi;
/** A call that writes the file named by its second argument (`copyFileSync(a, p)`, `shutil.move(a, p)`, `rename(a, p)`), or its third (Perl's `open(F, '>', p)`). */
const WRITES_SECOND = /(?:^|[^\w$])(?:copy\w*|cp\w*|rename\w*|move\w*|replace|link\w*|symlink\w*)\s*\(\s*ARG\s*,\s*(ARG)\s*[,)]|(?:^|[^\w$])open\s*\(\s*[^,()\s][^,()]*,\s*['"]\+?[>]{1,2}['"]\s*,\s*(ARG)\s*[,)]/gi;
/** An argument: a string literal or a name (`p`, `$path`, `self.out`). */
const ARG = String.raw`'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|\x60[^\x60\n]*\x60|[$@]?[A-Za-z_][\w.]*`;
const WRITES_FIRST_ARG = new RegExp(WRITES_FIRST.source.replaceAll('ARG', `(?:${ARG})`), 'gi');
const WRITES_OTHER_ARG = new RegExp(WRITES_SECOND.source.replaceAll('ARG', `(?:${ARG})`), 'gi');
/** Calls that delete or move away what their first argument names: a folder given to them goes with every file below it. */
const TREE_FIRST = /^(?:rmtree|rmSync|rm_rf|rm_r|rm|rmdir\w*|removedirs|remove_dir_all|RemoveAll|rimraf|Remove-Item|rename\w*|Rename|move\w*|mv|Move-Item)$/i;
/** Calls that write a whole tree where their second argument names: `copytree(a, 'src')`, `fs.cpSync(a, 'src', …)`, a move. */
const TREE_SECOND = /^(?:copytree|cpSync|cp_r|cp|copy|Copy-Item|rename\w*|Rename|move\w*|mv|Move-Item)$/i;
/** A string literal at the start of an argument (inside `Path(…)` too), and what follows it: `,` or `)` when it is the whole argument. */
const LEADING = String.raw`(?:(?:pathlib\.)?Path\s*\(\s*)?(?:'((?:[^'\\\n]|\\.){1,4096})'|"((?:[^"\\\n]|\\.){1,4096})"|\x60([^\x60$\n]{1,4096})\x60)\s*([,)+.%]?)`;
/** The first argument of a call that writes, deletes or moves it, where it starts with a literal. */
const PLACED_FIRST = new RegExp(String.raw`(?:^|[^\w$])(writeFile\w*|appendFile\w*|createWriteStream|truncate\w*|unlink\w*|rm\w*|remove|removedirs|rename\w*|Rename|move\w*|mv|Remove-Item|Move-Item|RemoveAll|rimraf|open|fopen|openSync|File\.(?:write|delete|unlink|rename|truncate))\s*\(\s*${LEADING}`, 'g');
/** After an `open(` call's first argument: a mode that writes (`open('src/' + f, 'w')`); without one it reads. */
const OPEN_WRITES = /^[^()\n]{0,300}?,\s*(?:mode\s*=\s*)?['"][^'"]{0,8}[wax+]/;
/** The second argument of a call that copies or moves to it. */
const PLACED_SECOND = new RegExp(String.raw`(?:^|[^\w$])(copy\w*|cp\w*|rename\w*|Rename|move\w*|mv|Copy-Item|Move-Item|link\w*|symlink\w*)\s*\(\s*(?:${ARG})\s*,\s*${LEADING}`, 'g');
/** A tree call's first or second argument given as a name: `shutil.rmtree(OUT)`, `copytree(a, DEST)`. */
const NAMED_TREE = new RegExp(String.raw`(?:^|[^\w$])(?:(\w+(?:-\w+)?)\s*\(\s*([$@]?[A-Za-z_][\w.]*)\s*[,)]|(\w+(?:-\w+)?)\s*\(\s*(?:${ARG})\s*,\s*([$@]?[A-Za-z_][\w.]*)\s*[,)])`, 'g');

/**
 * The paths some interpreter code in a file writes, best effort: the file a write call names, as a
 * literal (`open('src/a.ts', 'w')`, Perl's `open(F, ">src/a.ts")`) or by a name given a literal on a
 * line of its own (`p = 'src/a.ts'` … `open(p, 'w')`). Only whole paths given straight to the call: a
 * build script's entry points, patterns and folders, passed to other functions, are not its writes.
 */
function codeWrites(text: string, via: string): { target: ShellTarget; line: string }[] {
  const code = foldPathLiterals(text);
  // Each name given literals on a line of its own, with that line (for the message).
  const named = new Map<string, { values: string[]; line: string }>();
  const codeLines = code.split('\n');
  for (const line of codeLines) {
    // No two neighbouring parts take the same characters: a long line without `=` is read once.
    const m = /^\s*(?:(?:const|let|var|my|our|local)\s+)?([$@]?[A-Za-z_][\w.]*)[ \t]*(?::[^=\n]*)?=(?!=)(.*)$/.exec(line);
    if (m) named.set(m[1], { values: literals(m[2]), line });
  }
  // One target per path, with the line that names it: found once, not searched for per target (a script of thousands of writes).
  const out = new Map<string, { target: ShellTarget; line: string }>();
  const add = (target: ShellTarget, line: string): void => {
    if (!out.has(target.path)) out.set(target.path, { target, line });
  };
  for (const line of codeLines) {
    if (!WRITE_CALL.test(line)) continue;
    const found: { value: string; line: string }[] = [];
    const values = (arg: string): void => {
      if (/^['"\x60]/.test(arg)) for (const value of literals(arg)) found.push({ value, line });
      else for (const value of named.get(arg)?.values ?? []) found.push({ value, line: named.get(arg)!.line });
    };
    for (const m of line.matchAll(WRITES_FIRST_ARG)) values(m[1] ?? m[2]);
    for (const m of line.matchAll(WRITES_OTHER_ARG)) values(m[1] ?? m[2]);
    // Perl's two-argument open names the mode in the path: ">file", ">>file", "+<file".
    if (/\bopen\b/.test(line)) for (const value of literals(line).filter((l) => /^\s*(?:\+?[<>]|>>)/.test(l) && !/^\s*\+?[<>]{1,2}\s*$/.test(l))) found.push({ value, line });
    for (const f of found) {
      const p = f.value.replace(/^\s*(?:\+?[<>]|>>)\s*/, '');
      if (/^[^\s*?[{}]+$/.test(p) && !p.includes('://') && !p.startsWith('-') && !JOINER.test(p) && (p.includes('/') || /\.\w+$/.test(p))) {
        add({ path: p, glob: false, op: 'write', via }, f.line);
      }
    }
    // A folder a tree call gets, a path built on a literal (see placedWrites); a folder by a name given a literal (`shutil.rmtree(OUT)`).
    for (const t of placedWrites(line, via)) add(t, line);
    for (const m of line.matchAll(NAMED_TREE)) {
      if ((m[1] !== undefined && TREE_FIRST.test(m[1])) || (m[3] !== undefined && TREE_SECOND.test(m[3]))) {
        const n = named.get(m[2] ?? m[4]);
        for (const v of n?.values ?? []) if (!v.includes('://') && !GLOB_CHARS.test(v)) add({ path: join(v, '**'), glob: true, op: 'write', via }, n!.line);
      }
    }
  }
  return [...out.values()];
}

/**
 * Variables the command line sets before it uses them (`D=dist; rm -rf "$D"`, `OUT=/tmp/x.log; … >
 * "$OUT"`), and the shell's numbers (`/tmp/run-$$.log`): put in where the line uses them, so that the
 * guard judges the path they make instead of taking the word for any path. Only what the shell is sure
 * to have done counts: a plain assignment on its own, in this shell, whenever the line reaches it (not
 * after `&&`/`||`, not in a loop, an `if`, a `case`, a `{ … }`, a subshell, a pipeline or the
 * background); any other way a variable may be set (`X=1 cmd`, `export X=1`, `local X=1`, `read X`,
 * `printf -v X`, `unset X`, `for X in …`) makes it unknown again, and what can set any variable
 * (`eval`, `source`, a function, `trap`, `declare -n`) ends what is known for the rest of the line. A
 * line that changes IFS, assigns an array, a descriptor (`exec {X}>f`) or a coprocess, assigns inside an
 * arithmetic or `${X:=…}` expansion, or defines a function (its body runs when it is called, with the
 * values of then), is not followed at all. A loop's commands run again after the ones below them: what
 * the loop may set is unknown from its start (loopSets). The environment's values are never known: a variable the line does not set stays any path.
 */
const VARIABLE_NAME = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-])$/;
/** Lines whose variables are not followed (see above). */
const UNFOLLOWED = /\(\(|\$\[|\$\{[#!]?[A-Za-z_0-9]*:?=|\bIFS\b|[\w\]]\+?=\(|\{[A-Za-z_]\w*\}[<>]|\bcoproc\b|\(\s*\)|\bfunction\s/;

/** A variable's value as the guard knows it: `text`, or (`pattern`) any file name that the glob `text` matches. */
interface KnownValue {
  text: string;
  pattern: boolean;
}

/**
 * The shell's special parameters that hold a number (`$$`, `$?`, `$#`, `$!`): some file name without
 * `/`. Only these: `$RANDOM` or `$SECONDS` stop being special once unset, and then hold what they are given.
 */
const A_NUMBER: KnownValue = { text: '*', pattern: true };
const NUMBER_VARIABLES = ['$', '#', '?', '!'] as const;

/** The longest word a known value may make (a path is at most 4 KB); a longer one stays unknown. */
const MAX_KNOWN_TEXT = 4096;

/** What is known at the start of `script`: the numbers, and (where it does not set TMPDIR) what `$(mktemp)` makes. */
function startingValues(script: string): Map<string, KnownValue> {
  const known = new Map<string, KnownValue>(NUMBER_VARIABLES.map((v) => [v, A_NUMBER]));
  if (!/\bTMPDIR\b/.test(script)) known.set(MKTEMP_KNOWN, A_NUMBER);
  return known;
}

/** The value an expansion has, when known. */
function valueOf(ref: VarRef, known: ReadonlyMap<string, KnownValue>): KnownValue | undefined {
  if (ref.name === undefined) return undefined;
  if (!ref.name.startsWith('$(')) return known.get(ref.name);
  return known.has(MKTEMP_KNOWN) ? mktempValue(ref.name.slice(2, -1)) : undefined;
}

/** `$(mktemp …)` with plain words only. */
const MKTEMP = /^\s*mktemp(?:\s+[\w./@%+=:,-]+)*\s*$/;
/** Set in the known values where `$(mktemp …)` may be put in. */
const MKTEMP_KNOWN = '$(mktemp)';

/**
 * What `$(mktemp …)` prints: a file (or with `-d` a folder) that mktemp has just made, new, with a
 * name no one chose: in the temporary folder without a template (taken as /tmp: TMPDIR is the
 * environment's; a line that sets it is not followed), in `-p DIR`/`--tmpdir=DIR`, else in the
 * template's folder, the current one for a bare name (`mktemp src/booking/x.XXXX` is a new file in
 * src/booking). Writing to it writes no file that was there before, but may add one to a locked
 * folder. Undefined for `-u` (nothing made) or an option it does not know.
 */
function mktempValue(body: string): KnownValue | undefined {
  const words = body.trim().split(/\s+/).slice(1);
  let dir: string | undefined;
  let template: string | undefined;
  let inTmp = false;
  for (let k = 0; k < words.length; k++) {
    const w = words[k];
    if (w === '-p') dir = words[++k];
    else if (w.startsWith('--tmpdir=')) dir = w.slice(9);
    else if (w === '--tmpdir' || w === '-t') inTmp = true;
    else if (/^-[dq]+$/.test(w) || w === '--directory' || w === '--quiet' || w.startsWith('--suffix=')) continue;
    else if (w.startsWith('-')) return undefined;
    else template = w;
  }
  // A template is in the current folder unless a folder is named or asked for (`-p`, `--tmpdir`, `-t`).
  const folder = template === undefined ? (dir ?? '/tmp') : dir !== undefined ? posix.join(dir, posix.dirname(template)) : inTmp ? posix.join('/tmp', posix.dirname(template)) : posix.dirname(template);
  const normal = posix.normalize(folder).replace(/\/+$/, '');
  return { text: normal === '.' ? '*' : `${normal || ''}/*`, pattern: true };
}

/**
 * `text` (a word's, or an assignment's value) with the known variables of `refs` put in; with `split`,
 * the fields the shell makes of it (unquoted values are split at blanks). Unknown expansions stay
 * EXPANSION. Undefined when `refs` does not match the text.
 */
function fillIn(text: string, refs: readonly VarRef[], known: ReadonlyMap<string, KnownValue>, split: boolean): { fields: string[]; pattern: boolean } | undefined {
  const parts = text.split(EXPANSION);
  if (parts.length !== refs.length + 1) return undefined;
  // Bounded: `A=$A$A` repeated doubles a value; past the bound the word stays unknown (any path).
  let length = text.length;
  for (const ref of refs) if ((length += valueOf(ref, known)?.text.length ?? 0) > MAX_KNOWN_TEXT) return undefined;
  const fields: string[] = [];
  let current = parts[0];
  let pattern = false;
  for (let k = 0; k < refs.length; k++) {
    const ref = refs[k];
    const value = valueOf(ref, known);
    if (value === undefined) {
      current += EXPANSION;
    } else {
      // An unquoted value's glob characters match files; a pattern stands for any of its matches either way.
      if (value.pattern || (split && !ref.quoted && GLOB_CHARS.test(value.text))) pattern = true;
      if (split && !ref.quoted) {
        const pieces = value.text.split(/[ \t\n]+/);
        current += pieces[0];
        for (let p = 1; p < pieces.length; p++) {
          fields.push(current);
          current = pieces[p];
        }
      } else {
        current += value.text;
      }
    }
    current += parts[k + 1];
  }
  fields.push(current);
  return { fields, pattern };
}

/** `text` written as one shell word (glob characters left active), for a script analysed again. */
function asShellWord(text: string): string {
  return text === '' ? "''" : text.replace(/[^A-Za-z0-9_./*?[\]@%+=:,-]/g, '\\$&');
}

/**
 * `word` with the known variables in it put in, split into the fields the shell makes (none, one or
 * more; with `split` false, one: an assignment before a command); undefined when it uses none.
 */
function withKnown(word: Word, known: ReadonlyMap<string, KnownValue>, split = true): Word[] | undefined {
  const refs = word.refs;
  if (refs === undefined || !refs.some((r) => valueOf(r, known) !== undefined)) return undefined;
  const filled = fillIn(word.text, refs, known, split);
  if (filled === undefined) return undefined;
  // Empty fields vanish, but for a quoted empty word (`"$EMPTY"`).
  const fields = filled.fields.length === 1 && /['"]/.test(word.raw) ? filled.fields : filled.fields.filter((f) => f !== '');
  return fields.map((text, k) => ({
    text,
    glob: word.charGlob === true || filled.pattern || text.includes(EXPANSION),
    raw: text.includes(EXPANSION) || text.includes('\n') ? word.raw : asShellWord(text),
    inner: k === 0 ? word.inner : [],
    ...(word.process !== undefined ? { process: word.process } : {}),
    ...(word.unknown !== undefined ? { unknown: word.unknown } : {}),
  }));
}

/**
 * `command` with the known variables put in its words and its redirects' files. Assignments before the
 * command (`X=$Y cmd`) are not split, the command's words are; a redirect's file that would split stays
 * unknown (bash refuses it).
 */
function commandWithKnown(command: SimpleCommand, known: ReadonlyMap<string, KnownValue>): SimpleCommand {
  let changed = false;
  let leading = true;
  const words: Word[] = [];
  for (const w of command.words) {
    if (leading && !RESERVED.has(w.text) && !OPENS.has(w.text) && !ASSIGNMENT.test(w.text)) leading = false;
    const filled = withKnown(w, known, !leading);
    if (filled !== undefined) changed = true;
    words.push(...(filled ?? [w]));
  }
  const redirects = command.redirects.map((r) => {
    const filled = withKnown(r.target, known);
    if (filled?.length !== 1) return r;
    changed = true;
    return { ...r, target: filled[0] };
  });
  return changed ? { ...command, words, redirects } : command;
}

/** An assignment word: `NAME=…`, `NAME+=…`, `NAME[i]=…`. */
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?\+?=/;

/** The value a plain assignment (`NAME=…`, `NAME+=…`) gives NAME, when known: assignments neither split nor glob; `~` in them is HOME (not known). */
function assignedValue(word: Word, name: string, known: ReadonlyMap<string, KnownValue>): KnownValue | undefined {
  const append = word.text[name.length] === '+';
  const valueText = word.text.slice(name.length + (append ? 2 : 1));
  if (valueText.startsWith('~') || valueText.includes(':~')) return undefined;
  const filled = fillIn(valueText, word.refs ?? [], known, false);
  if (filled === undefined || filled.fields[0].includes(EXPANSION)) return undefined;
  const before = append ? known.get(name) : { text: '', pattern: false };
  if (before === undefined || before.text.length + filled.fields[0].length > MAX_KNOWN_TEXT) return undefined;
  return { text: before.text + filled.fields[0], pattern: before.pattern || filled.pattern };
}

/**
 * Builtins that set the variables they name (`read X`, `printf -v X`, `unset X`, `getopts o X`), and the
 * declarations (`export X=1`, `local X=1`: a declaration that fails, such as one of a readonly variable or
 * `local` outside a function, leaves the old value and the line goes on): those become unknown.
 */
const SETS_NAMED = new Set(['read', 'mapfile', 'readarray', 'getopts', 'printf', 'let', 'unset', 'wait', 'export', 'readonly', 'declare', 'typeset', 'local']);
/**
 * The variables a SETS_NAMED builtin with the words `words` may set: each word's leading name (`read
 * -r a b`, `printf -v x`, `export X=1`), and those they set when none is named (`REPLY`, `MAPFILE`, `OPTARG`).
 */
function namesIn(words: readonly Word[]): string[] {
  const names = ['REPLY', 'MAPFILE', 'OPTARG', 'OPTIND'];
  for (const w of words) {
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(w.text);
    if (id) names.push(id[0]);
  }
  return names;
}

/** Builtins after which any variable may hold anything (in a loop, `shift` and `set` move the positional parameters round by round). */
const SETS_ANY = new Set(['eval', 'source', '.', 'trap', 'alias', 'enable']);
/** Whether a command's leading reserved words open a loop (`while`, `do while`, `for`). */
function opensLoop(words: readonly Word[]): boolean {
  for (const w of words) {
    if (LOOPS.has(w.text)) return true;
    if (!RESERVED.has(w.text) && !OPENS.has(w.text)) return false;
  }
  return false;
}

/** The compound commands a command's leading words open and close (assignments inside them may not run). */
const OPENS = new Set(['if', 'while', 'until', 'for', 'select', 'case', '{']);
const CLOSES = new Set(['fi', 'done', 'esac', '}']);

/** Words of a `for` loop that is written out round by round (see unrollLoops), at most; and the commands that makes. */
const MAX_UNROLLED_WORDS = 16;
const MAX_UNROLLED_ITEMS = 512;
/** …and in one analysis: past it, loops are left as they are (a command of many loops stays quick). */
const MAX_UNROLLED_TOTAL = 4096;
/** A word of a `for` loop's list that is its own value: no quotes needed, no pattern, no expansion, no `~`. */
const PLAIN_VALUE = /^[A-Za-z0-9._@%+=:,/][A-Za-z0-9._@%+=:,/-]*$/;

/**
 * `for X in a b; do …; done` over plain words, written out as the rounds it runs (`X=a; …; X=b; …`),
 * so that `$X` in the body is each word in turn, as after a plain assignment (see noteAssignments:
 * whether that value is followed is decided as for any assignment there). Left as it is (every name
 * it sets unknown, see loopSets) for a list with a pattern or an expansion, a loop inside the body, a
 * `break`, `continue` or `case`, and a loop whose `done` has a redirect, pipes or runs in the background.
 */
function unrollLoops(items: Item[], budget: { items: number }): Item[] {
  let out: Item[] | undefined;
  for (let k = 0; k < items.length; k++) {
    const rounds = budget.items > 0 ? unrolledAt(items, k) : undefined;
    if (rounds !== undefined) budget.items -= rounds.items.length;
    if (rounds === undefined || budget.items < 0) {
      out?.push(items[k]);
      continue;
    }
    out ??= items.slice(0, k);
    out.push(...rounds.items);
    k = rounds.done;
  }
  return out ?? items;
}

function unrolledAt(items: readonly Item[], k: number): { items: Item[]; done: number } | undefined {
  const head = items[k];
  if (head.kind !== 'command' || head.sep === '|') return undefined;
  const words = head.command.words;
  if (words.length < 4 || words[0].text !== 'for' || words[2].text !== 'in' || !/^[A-Za-z_]\w*$/.test(words[1].text)) return undefined;
  if (head.command.redirects.length > 0 || head.command.heredocs.length > 0) return undefined;
  const values = words.slice(3);
  if (values.length > MAX_UNROLLED_WORDS || values.some((v) => v.glob || v.charGlob || (v.refs?.length ?? 0) > 0 || v.process !== undefined || v.inner.length > 0 || !PLAIN_VALUE.test(v.text))) return undefined;
  const first = items[k + 1];
  if (first?.kind !== 'command' || first.command.words[0]?.text !== 'do') return undefined;
  let done = -1;
  for (let j = k + 1; j < items.length && done < 0; j++) {
    const item = items[j];
    if (item.kind !== 'command') continue;
    const ws = item.command.words;
    if (ws.some((w) => w.text === 'break' || w.text === 'continue' || w.text === 'case' || w.text === 'function')) return undefined;
    for (const w of ws) {
      if (LOOPS.has(w.text)) return undefined;
      if (w.text === 'done') {
        done = j;
        break;
      }
      if (!RESERVED.has(w.text)) break;
    }
  }
  if (done < 0) return undefined;
  const end = items[done];
  const next = items[done + 1];
  if (end.kind !== 'command' || end.command.words.length !== 1 || end.command.redirects.length > 0 || end.command.heredocs.length > 0) return undefined;
  if (next !== undefined && next.kind !== 'close' && (next.sep === '|' || next.sep === '&')) return undefined;
  const body: Item[] = items.slice(k + 1, done);
  const opening = first.command;
  body[0] = { ...first, command: { ...opening, words: opening.words.slice(1) } };
  if (opening.words.length === 1 && opening.redirects.length === 0 && opening.heredocs.length === 0) body.shift();
  if (values.length * (body.length + 1) > MAX_UNROLLED_ITEMS) return undefined;
  const name = words[1].text;
  const out: Item[] = [];
  values.forEach((v, round) => {
    const assignment: Word = { text: `${name}=${v.text}`, glob: false, raw: `${name}=${v.text}`, inner: [] };
    out.push({ kind: 'command', sep: round === 0 ? head.sep : ';', command: { words: [assignment], redirects: [], heredocs: [], inner: [] } }, ...body);
  });
  return { items: out, done };
}

/** `$1`, `$2`… after `shift by` (undefined: not known any more). */
function shiftPositional(known: Map<string, KnownValue>, by: number | undefined): void {
  const moved: [string, KnownValue][] = [];
  for (const [key, value] of known) {
    if (!/^\d+$/.test(key)) continue;
    known.delete(key);
    if (by !== undefined && Number(key) > by) moved.push([String(Number(key) - by), value]);
  }
  for (const [key, value] of moved) known.set(key, value);
}

/**
 * The variables the loop that opens at `items[k]` (`while`, `until`, `for`, `select`) may set in any of
 * its rounds, up to its `done` (`end`, the index of that item): a later round's commands see them
 * ('all': it may set any, `eval`).
 */
function loopSets(items: readonly Item[], k: number): { names: Set<string> | 'all'; end: number } {
  const names = new Set<string>();
  let depth = 0;
  let j = k;
  for (; j < items.length; j++) {
    const item = items[j];
    if (item.kind !== 'command') continue;
    const words = item.command.words;
    for (let w = 0; w < words.length && (RESERVED.has(words[w].text) || OPENS.has(words[w].text)); w++) {
      const t = words[w].text;
      if (LOOPS.has(t)) depth++;
      if (t === 'done') depth--;
      if (t === 'for' || t === 'select') {
        if (words[w + 1] !== undefined) names.add(words[w + 1].text);
        break;
      }
    }
    for (const word of words) {
      if (SETS_ANY.has(word.text) || word.text === 'shift' || word.text === 'set') return { names: 'all', end: items.length };
      const m = ASSIGNMENT.exec(word.text);
      if (m) names.add(m[1]);
    }
    if (words.some((w) => SETS_NAMED.has(w.text))) for (const n of namesIn(words)) names.add(n);
    if (depth <= 0) break;
  }
  return { names, end: j };
}

/**
 * Notes in `known` what a simple command does to variables: `words` as written (before any value was
 * put in), `real` its real command with the values in. `sure`: it runs in this shell whenever the line
 * reaches it (see analyzeShellCommand); `depth`: the compound commands open before it, updated here.
 * False when nothing can be known any more.
 */
function noteAssignments(words: readonly Word[], real: Unwrapped, known: Map<string, KnownValue>, sure: boolean, depth: { open: number }): boolean {
  let k = 0;
  for (; k < words.length; k++) {
    const t = words[k].text;
    if (OPENS.has(t)) depth.open++;
    else if (CLOSES.has(t)) depth.open = Math.max(0, depth.open - 1);
    else if (!RESERVED.has(t)) break;
    // `for X in …`: X takes each word in turn (and keeps the last): not followed.
    if (t === 'for' || t === 'select') {
      if (words[k + 1] !== undefined) known.delete(words[k + 1].text);
      return true;
    }
    if (t === 'case') return true;
  }
  const rest = words.slice(k);
  const name = real.words[0]?.text;
  // A name reference (`declare -n R=X`) makes an assignment to R one to X.
  if (name !== undefined && real.inShell && /^(declare|typeset|local)$/.test(name) && real.words.slice(1).some((w) => /^[-+][a-zA-Z]*n/.test(w.text))) return false;
  // Assignments before the command, which stay in this shell only when there is no command (`X=1 cmd`:
  // before some builtins they stay too, so not known either way). Each sees the ones before it. An
  // assignment that fails (a readonly variable) ends the line, so what follows never runs.
  const alone = rest.every((w) => ASSIGNMENT.test(w.text));
  for (let j = 0, m; j < rest.length && (m = ASSIGNMENT.exec(rest[j].text)); j++) {
    const value = sure && depth.open === 0 && alone && m[2] === undefined ? assignedValue(rest[j], m[1], known) : undefined;
    if (value === undefined) known.delete(m[1]);
    else known.set(m[1], value);
  }
  if (name === undefined || !real.inShell) return true;
  if (SETS_ANY.has(name)) return false;
  // `shift [n]`: the positional parameters move down; `set -- …` sets them anew.
  if (name === 'shift' || name === 'set') shiftPositional(known, name === 'shift' && sure && depth.open === 0 && /^\d*$/.test(real.words[1]?.text ?? '') ? Number(real.words[1]?.text || '1') : undefined);
  if (SETS_NAMED.has(name)) for (const n of namesIn(real.words.slice(1))) known.delete(n);
  return true;
}

/**
 * Analyses `command` as a shell would run it. A guarded command matches when its pattern (spaces
 * normalised) is a substring of the command line (spaces normalised), or of any simple command's
 * words with quotes removed, at any depth (`bash -c "supabase db reset --linked"`), or when a
 * simple command has the pattern's words in their order (see guardedIn).
 */
export function analyzeShellCommand(command: string, guardedCommands: readonly GuardedCommand[] = [], ports: ShellPorts = {}, positional: readonly KnownValue[] = []): ShellAnalysis {
  if (command.length > SHELL_LIMITS.maxLength) {
    return { targets: [], guarded: [], failure: `the command is ${command.length} characters long, more than the ${SHELL_LIMITS.maxLength} the guard analyses; split it into shorter commands`, lines: [] };
  }
  const targets: ShellTarget[] = [];
  const lines: string[] = [normalizeSpaces(command)];
  const budget = { words: 0 };
  // The commands written out for `for` loops over plain words (see unrollLoops), in the whole analysis.
  const unrolling = { items: MAX_UNROLLED_TOTAL };
  const context: ShellEnv = { functions: false, cdpath: false, home: false };
  // Patches the command applies and package scripts it runs, each in the folders it may run in; and how many commands run at all.
  const patches: { use: PatchUse; inDir: string; dirs: ReadonlySet<string> }[] = [];
  const scripts: { use: ScriptUse; inDir: string; dirs: ReadonlySet<string> }[] = [];
  const makes: { use: MakeUse; inDir: string; dirs: ReadonlySet<string> }[] = [];
  const scriptFiles: { use: ScriptFileUse; inDir: string; dirs: ReadonlySet<string> }[] = [];
  const gitAliases: { use: GitAliasUse; inDir: string; dirs: ReadonlySet<string> }[] = [];
  const programs: { use: ProgramUse; inDir: string; dirs: ReadonlySet<string> }[] = [];
  // Folders the line puts in PATH (`PATH=/tmp/x:$PATH cmd`, `export PATH=…`), for every command in it.
  const pathDirs = new Set<string>();
  // A folder the line appends to PATH that the guard cannot know (`PATH=$PATH:$(go env GOPATH)/bin`).
  let pathUnknown: string | undefined;
  // Files the command writes with a redirect of a command whose output the guard knows (`cat > fix.sh <<'EOF'`): their text.
  const printedInto = new Map<ShellTarget, string>();
  const skips: string[] = [];
  // git commands that run the hooks: they skip them when the whole line tells the hook managers to.
  const runsHooks: string[] = [];
  let gitRuns = 0;
  let commands = 0;
  const visit = (script: string, depth: number, start: ReadonlySet<string>): Flow => {
    if (depth > SHELL_LIMITS.maxDepth) throw new TooComplex(`nested more than ${SHELL_LIMITS.maxDepth} levels deep`);
    const items = unrollLoops(tokenize(script, budget), unrolling);
    let flow: Flow = { ok: new Set(start), fail: new Set() };
    // The variables this script sets before it uses them (see noteAssignments); undefined: not followed.
    let known = UNFOLLOWED.test(script) ? undefined : startingValues(script);
    // A script file's own arguments (`bash fix.sh src/a.ts`: `$1`), at its top level.
    if (known !== undefined && depth === 0) positional.forEach((value, k) => known?.set(String(k + 1), value));
    const compound = { open: 0 };
    let looked = -1;
    const subshells: { saved: Flow; sep: Sep }[] = [];
    let loops = 0;
    // The last command and its real command's words: what a `|` after it pipes into the next one.
    let piped: Piped | 'unknown' = 'unknown';
    for (let k = 0; k < items.length; k++) {
      const item = items[k];
      if (item.kind === 'open') {
        subshells.push({ saved: flow, sep: item.sep });
        flow = { ok: runsAfter(flow, item.sep), fail: new Set() };
        // `f() { …; }`: a function definition.
        if (items[k + 1]?.kind === 'close' && items[k - 1]?.kind === 'command') context.functions = true;
        continue;
      }
      if (item.kind === 'close') {
        // A subshell's `cd` stays in it: after `)` the folders are those before `(`.
        const s = subshells.pop();
        if (s) flow = after(s.saved, s.sep, { ok: runsAfter(s.saved, s.sep), fail: runsAfter(s.saved, s.sep) });
        continue;
      }
      const written = item.command;
      // A loop: what it may set in a later round is unknown from its first command on.
      // A loop inside one already looked at sets no more than it (`k <= looked`): not scanned again,
      // so that loops nested thousands deep stay linear.
      if (known !== undefined && k > looked && opensLoop(written.words)) {
        const sets = loopSets(items, k);
        looked = sets.end;
        if (sets.names === 'all') known = undefined;
        else for (const name of sets.names) known.delete(name);
      }
      const simple = known === undefined ? written : commandWithKnown(written, known);
      lines.push(normalizeSpaces(simple.words.map((w) => shown(w.text)).join(' ')));
      const dirs = runsAfter(flow, item.sep);
      const real = unwrap(simple.words);
      loops = Math.max(0, loops + real.loop);
      // Set in the command (`CDPATH=src`, `export HOME=…`): `cd name` and `~` no longer mean what they seem.
      for (const v of ['CDPATH', 'HOME'] as const) {
        if (real.assigned.includes(v) || simple.words.some((w) => w.text.startsWith(`${v}=`))) context[v === 'CDPATH' ? 'cdpath' : 'home'] = true;
      }
      const name = real.words[0]?.text;
      if (simple.words[0]?.text === 'function' || name === 'alias') context.functions = true;
      if (name !== undefined && basename(name) === 'git') gitRuns++;
      const hooks = name !== undefined && basename(name) === 'git' ? gitSkipsHooks(real.words.slice(1)) : undefined;
      if (hooks !== undefined) (hooks === 'skips' || HOOK_MANAGER_SKIP.test(script) ? skips : runsHooks).push(normalizeSpaces(simple.words.map((w) => shown(w.text)).join(' ')));
      let result: Flow = { ok: dirs, fail: dirs };
      const subshell = (inner: string): void => void visit(inner, depth + 1, dirs);
      const evalHere = (inner: string): void => {
        const r = visit(inner, depth + 1, dirs);
        result = { ok: union(r.ok, r.fail), fail: union(r.ok, r.fail) };
      };
      const before = items[k - 1];
      const upstream = item.sep !== '|' ? undefined : before?.kind === 'command' ? piped : 'unknown';
      piped = { command: simple, words: real.words };
      if (real.script !== undefined) {
        // `env -S 'cmd args' more`: the string is the command line.
        subshell([real.script, ...real.words.map((w) => w.raw)].join(' '));
        real.words = [];
      }
      const applied: PatchUse[] = [];
      const ran: ScriptUse[] = [];
      const made: MakeUse[] = [];
      const files: ScriptFileUse[] = [];
      const aliased: GitAliasUse[] = [];
      const named: ProgramUse[] = [];
      // PATH set before the command or by it (`export`, `declare -x`, `env PATH=…`): a word in an assignment's place.
      const setsPath = (w: Word, at: number): boolean => /^PATH\+?=/.test(w.raw) && (at < simple.words.length - real.words.length || ['export', 'declare', 'typeset', 'local', 'readonly'].includes(real.words[0]?.text ?? ''));
      for (const [at, w] of simple.words.entries()) {
        if (!setsPath(w, at)) continue;
        const entries = pathEntries(w.raw);
        for (const d of entries.dirs) pathDirs.add(d);
        if (pathDirs.size > MAX_PATH_DIRS) throw new Undecidable(`it puts more than ${MAX_PATH_DIRS} folders in PATH, more than the guard looks in`);
        pathUnknown ??= entries.unknownAfter;
      }
      const found = commandTargets(simple, withXargs(real), { recurse: subshell, evalHere, upstream, patch: (use) => void applied.push(use), script: (use) => void ran.push(use), make: (use) => void made.push(use), scriptFile: (use) => void files.push(use), gitAlias: (use) => void aliased.push(use), program: (use) => void named.push(use) });
      for (const w of real.writes ?? []) found.push(target(w.word, 'write', w.via));
      if (name !== undefined && !((name === 'cd' || name === 'pushd' || name === 'popd') && real.inShell)) commands++;
      // `env -C dir cmd`, `sudo -D dir cmd`: the command's relative paths are in that folder.
      let inDir = '';
      for (const w of real.chdir) {
        const to = cdTarget([w]);
        inDir = to === undefined ? UNKNOWN_DIR : changeDir(inDir, to, false, context);
      }
      // What a redirect writes, when the command's output is known and has no expansion in it.
      const printed = simple.redirects.some((r) => r.op.includes('>')) && simple.expands !== true ? printedText({ command: simple, words: real.words }) : undefined;
      const redirected = new Set(simple.redirects.map((r) => r.op));
      for (const t of found) {
        for (const d of dirs) {
          const placed = place(place(t, inDir), d);
          targets.push(placed);
          if (printed !== undefined && !printed.includes(EXPANSION) && redirected.has(t.via)) printedInto.set(placed, printed);
        }
      }
      for (const use of files) scriptFiles.push({ use, inDir, dirs });
      for (const use of aliased) gitAliases.push({ use, inDir, dirs });
      for (const use of named) programs.push({ use, inDir, dirs });
      for (const use of applied) patches.push({ use, inDir, dirs });
      for (const use of ran) scripts.push({ use, inDir, dirs });
      for (const use of made) makes.push({ use, inDir, dirs });
      if ((name === 'cd' || name === 'pushd' || name === 'popd') && real.inShell) {
        const moved = new Set<string>();
        const to = name === 'popd' ? undefined : cdTarget(real.words.slice(1));
        for (const d of dirs) moved.add(name === 'popd' || to === undefined ? UNKNOWN_DIR : changeDir(d, to, loops > 0 || context.functions, context));
        // In a pipeline or in the background the `cd` runs in a subshell of its own (zsh runs a pipeline's last
        // command in the shell itself): the folder may be either.
        const next = items[k + 1];
        const apart = item.sep === '|' || (next !== undefined && next.kind !== 'close' && (next.sep === '|' || next.sep === '&'));
        result = { ok: apart ? union(dirs, moved) : moved, fail: dirs };
      }
      // `source file`: a script the guard does not read runs in this shell; it may `cd` anywhere.
      const sourced = real.words[1];
      if ((name === 'source' || name === '.') && real.inShell && sourced && sourced.process === undefined && !STDIN_SCRIPT.test(sourced.text)) {
        result = { ok: union(result.ok, new Set([UNKNOWN_DIR])), fail: union(result.fail, new Set([UNKNOWN_DIR])) };
      }
      if (real.negate) result = { ok: result.fail, fail: result.ok };
      flow = after(flow, item.sep, result);
      if (known !== undefined) {
        // In this shell, whenever the line gets here: not after `&&`/`||`, not in a subshell, a pipeline or the background.
        const next = items[k + 1];
        const sure = (item.sep === ';' || item.sep === '&') && subshells.length === 0 && (next === undefined || next.kind === 'close' || (next.sep !== '|' && next.sep !== '&'));
        if (context.functions || !noteAssignments(written.words, real, known, sure, compound)) known = undefined;
      }
    }
    return flow;
  };
  try {
    visit(command, 0, new Set(['']));
    // git told through its environment to run a command (`GIT_EXTERNAL_DIFF=… git diff`), as `-c` would;
    // also exported without git in the line (a shell that keeps it would give it to the next call's git).
    if (gitRuns > 0 || /\bexport\b/.test(command)) {
      for (const m of command.matchAll(GIT_COMMAND_ENV)) {
        if (gitRuns === 0 && !/^\s*[;&|(`]?\s*export\s/.test(m[0])) continue;
        const value = m[2].replace(/^(['"])(.*)\1$/, '$2');
        if (!HARMLESS_PAGER.test(value) && value !== ':') throw new Undecidable(`\`${m[1]}=…\` makes git run a command, read a configuration or work in a tree the guard does not analyse`);
      }
    }
    // Other programs told through their environment to run a command or a script (`PAGER=… man ls`,
    // `BASH_ENV=x.sh bash -c …`, `LESSOPEN='|…' less f`): given to the command it stands before, or
    // exported (a plain assignment, `EDITOR=x; echo`, stays in the shell).
    if (commands > 0) {
      // Exported by name anywhere in the line (`export A=1 BASH_ENV=x`, `declare -x`, `set -a`): every assignment counts.
      const exporting = /\b(?:export|declare\s+-\w*x|typeset\s+-\w*x|set\s+-\w*a|allexport)\b/.test(command);
      for (const m of command.matchAll(COMMAND_ENV)) {
        const given = exporting || /^\s*[;&|(`]?\s*(?:export|env)\s/.test(m[0]) || /^[ \t]+[^\s;&|)]/.test(command.slice((m.index ?? 0) + m[0].length));
        if (!given) continue;
        const value = m[2].replace(/^(['"])(.*)\1$/, '$2');
        // A program by its name alone (`BROWSER=firefox`, `PAGER=most`) runs nothing of the agent's; a path (`./x.sh`) or a command line may.
        const byName = m[1] !== 'BASH_ENV' && /^[\w.+-]+$/.test(value);
        if (!HARMLESS_PAGER.test(value) && !HARMLESS_EDITOR.test(value) && !byName) throw new Undecidable(`\`${m[1]}=…\` makes the program run a command or script the guard does not analyse`);
      }
    }
    // Package scripts, once the command's own writes are known: a script may run more (`npm run a`
    // whose script is `npm run b && prettier --write .`), so the list grows while it is read.
    const state: ScriptState = { runs: MAX_SCRIPT_RUNS, shellEnv: /npm_config_(script_shell|userconfig|globalconfig)/i.test(command), makeEnv: /\b(?:MAKEFILES|MAKEFLAGS|GNUMAKEFLAGS|MFLAGS)\s*=/.test(command), found: new Map(), scripts: new Map(), writes: new Map() };
    // And make's recipes (`make fmt`), which may run package scripts in turn, and those more makes.
    for (let k = 0, m = 0; k < scripts.length || m < makes.length;) {
      const runs: ReturnType<typeof makeRuns> = [];
      if (k < scripts.length) {
        const { use, inDir, dirs } = scripts[k++];
        for (const d of dirs) runs.push(...packageScripts(use, inDir, d, ports, targets, state));
      } else {
        const { use, inDir, dirs } = makes[m++];
        for (const d of dirs) runs.push(...makeRuns(use, inDir, d, ports, targets, state));
      }
      for (const run of runs) {
        if ('target' in run) {
          targets.push(run.target);
          continue;
        }
        const from = targets.length;
        visit(run.script, 1, new Set([run.dir]));
        // What it writes is written by the script or recipe line, which the refusal names.
        const line = normalizeSpaces(run.script);
        const through = `${run.by ?? 'a script'}: \`${line.length > 120 ? `${line.slice(0, 117)}...` : line}\``;
        for (let t = from; t < targets.length; t++) targets[t].through ??= through;
      }
    }
    // git aliases from the configuration (one level: an alias of an alias is not followed).
    for (const { use, inDir, dirs } of gitAliases) {
      for (const d of dirs) targets.push(...gitAliasTargets(use, inDir, d, ports));
    }
    // Programs run by their name: the scripts PATH may find for them (`git fix` runs `git-fix`).
    for (const { use, inDir, dirs } of gitAliases) programs.push({ use: { name: `git-${use.name}`, args: use.rest }, inDir, dirs });
    for (const file of programFiles(programs, pathDirs, pathUnknown, targets, ports)) scriptFiles.push(file);
    // Script files the command runs, once all it writes is known.
    for (const { use, inDir, dirs } of scriptFiles) {
      for (const d of dirs) targets.push(...scriptFileTargets(use, inDir, d, ports, [...targets], printedInto, lines, context.home));
    }
    // A patch file is read only when its command is the only one that runs: anything before it (or
    // beside it) could write the file after the guard read it (`printf … > p.diff && patch < p.diff`).
    // The same patch applied again (`git apply a.diff a.diff …`) is judged once.
    const budget: PatchBudget = { reads: MAX_PATCH_READS, paths: MAX_PATCH_PATHS };
    const judged = new Set<string>();
    for (const p of patches) {
      const key = [p.use.via, p.use.at, p.use.dir, p.use.file?.text ?? '', p.use.text ?? '', p.inDir, ...p.dirs].join('\0');
      if (judged.has(key)) continue;
      judged.add(key);
      targets.push(...patchTargets(p.use, p.inDir, p.dirs, commands === 1 ? ports.readFile : undefined, budget));
    }
    targets.splice(0, targets.length, ...targets.map(finish));
    // HOME set in the command: `~/x` may be anywhere.
    if (context.home) {
      for (const [k, t] of targets.entries()) {
        if (t.anywhere === undefined && /^~(\/|$)/.test(t.path)) targets[k] = { ...t, glob: true, anywhere: anywherePattern(t.path.slice(1)), unknown: 'HOME is set in the command' };
      }
    }
    // A directory moved, deleted or checked out takes every file below it (`mv src/booking /tmp`,
    // `git checkout -- src`): each such target also stands for its subtree.
    for (const t of [...targets]) {
      if (t.op === 'write') continue;
      if (t.anywhere !== undefined) {
        if (!t.anywhere.endsWith('/**') && t.anywhere !== '**') targets.push({ ...t, path: `${t.path.replace(/\/+$/, '')}/**`, anywhere: `${t.anywhere}/**` });
      } else if (!t.path.endsWith('/**')) {
        targets.push({ ...t, path: `${t.path.replace(/\/+$/, '') || '.'}/**`, glob: true });
      }
    }
  } catch (err) {
    if (err instanceof TooComplex) return { targets: [], guarded: [], failure: `the command is ${err.message}, more than the guard analyses; split it into shorter commands`, lines: [] };
    if (err instanceof Undecidable) return { targets: [], guarded: [], failure: `${err.message}; run the commands themselves, so the guard can check them`, lines: [] };
    throw err;
  }
  if (HOOK_MANAGER_SKIP.test(command)) skips.push(...runsHooks);
  return { targets: dedupe(targets), guarded: guardedIn(lines, guardedCommands), failure: undefined, lines, skipsHooks: skips };
}

/** The words `xargs` runs: its command with what it reads from its input, which the guard cannot know. */
function withXargs(real: Unwrapped): Word[] {
  if (real.xargs === undefined || real.words.length === 0) return real.words;
  const unknown = 'the arguments xargs reads from its input';
  const replace = real.xargs.replace;
  if (replace !== undefined && replace !== '') {
    return real.words.map((w, k) => (k > 0 && w.text.includes(replace) ? { ...w, text: w.text.replaceAll(replace, EXPANSION), glob: true, unknown } : w));
  }
  return [...real.words, { text: EXPANSION, glob: true, raw: '…', inner: [], unknown }];
}

/** What the command has changed about its shell so far, that changes what later words mean. */
interface ShellEnv {
  /** A function or alias was defined: a `cd` in it may run later, any number of times. */
  functions: boolean;
  /** CDPATH was set: `cd name` may go elsewhere. */
  cdpath: boolean;
  /** HOME was set: `~` is not the home folder. */
  home: boolean;
}
const NO_ENV: ShellEnv = { functions: false, cdpath: false, home: false };

/** A folder the shell may be in after a `cd` the guard cannot follow: any folder at all. */
const UNKNOWN_DIR = '\0unknown';
/** More possible folders than this and the guard stops telling them apart: any folder. */
const MAX_DIRS = 16;

/**
 * The folders the shell may be in (relative to the command's cwd, `''` itself, or absolute, or
 * UNKNOWN_DIR) when the last command succeeded (`ok`) and when it failed (`fail`).
 */
interface Flow {
  ok: Set<string>;
  fail: Set<string>;
}

function union(a: ReadonlySet<string>, b: ReadonlySet<string>): Set<string> {
  const out = new Set([...a, ...b]);
  return out.has(UNKNOWN_DIR) || out.size > MAX_DIRS ? new Set([UNKNOWN_DIR]) : out;
}

/** The folders a command after `sep` may run in: after `&&` only where the one before succeeded. */
function runsAfter(flow: Flow, sep: Sep): Set<string> {
  return sep === '&&' ? new Set(flow.ok) : sep === '||' ? new Set(flow.fail) : union(flow.ok, flow.fail);
}

/** The flow after a command that ran after `sep` with `result`; `&&`/`||` also pass on the case that skipped it. */
function after(before: Flow, sep: Sep, result: Flow): Flow {
  if (sep === '&&') return { ok: result.ok, fail: union(result.fail, before.fail) };
  if (sep === '||') return { ok: union(result.ok, before.ok), fail: result.fail };
  return result;
}

/** The operand of `cd`/`pushd` (options skipped); `undefined` when it goes somewhere unknown (`cd -`, `pushd +1`). */
function cdTarget(args: readonly Word[]): Word | undefined {
  const rest = args.filter((w) => !/^-[LPe@]+$/.test(w.text));
  const to = rest[0]?.text === '--' ? rest[1] : rest[0];
  if (!to) return { text: '~', glob: false, raw: '~', inner: [] };
  if (to.text === '-' || /^[+-]\d+$/.test(to.text) || to.text.includes(EXPANSION)) return undefined;
  return to;
}

/** The folder `cd to` leads to from `dir`; in a loop or a function a relative `cd` can repeat: unknown. */
function changeDir(dir: string, to: Word, repeats: boolean, env: ShellEnv): string {
  const text = to.text;
  if (text === '~' || text.startsWith('~/')) return env.home ? UNKNOWN_DIR : posix.normalize(text);
  if (text.startsWith('~')) return UNKNOWN_DIR;
  if (text.startsWith('/')) return posix.normalize(text);
  // CDPATH makes `cd name` look in other folders first.
  if (dir === UNKNOWN_DIR || repeats || (env.cdpath && !/^\.\.?(\/|$)/.test(text))) return UNKNOWN_DIR;
  // `..` after a pattern: how many folders up is not known.
  if (GLOB_CHARS.test(dir) && text.split('/').includes('..')) return UNKNOWN_DIR;
  const joined = posix.join(dir || '.', text);
  return joined === '.' ? '' : joined;
}

/** `t`, run in `dir`: relative paths move into it; into an unknown folder they may be anywhere. */
function place(t: ShellTarget, dir: string): ShellTarget {
  if (t.anywhere === undefined && t.path.startsWith('/proc/')) {
    const through = throughProc(t);
    if (through !== t) return place(through, dir);
  }
  if (dir === '' || t.anywhere !== undefined || t.path.startsWith('/') || t.path.startsWith('~')) return t;
  if (dir === UNKNOWN_DIR || (GLOB_CHARS.test(dir) && t.path.split('/').includes('..'))) {
    return { ...t, glob: true, anywhere: anywherePattern(t.path), unknown: 'after a cd to a folder the guard cannot know' };
  }
  return { ...t, path: `${dir}/${t.path}`, glob: t.glob || GLOB_CHARS.test(dir) };
}

/**
 * A path through /proc as the path it opens: `/proc/self/cwd/x` is `x` in the folder of the process
 * that opens it (placed as any relative path), `/proc/self/root/x` is `/x`; another process's folder
 * (`/proc/$$/cwd/x`, `/proc/123/cwd/x`: a number the guard does not know) may be any folder.
 * `t` itself where the path is none of these.
 */
function throughProc(t: ShellTarget): ShellTarget {
  const m = /^\/proc\/+([^/]+)\/+(cwd|root)(?:\/+|$)(.*)$/.exec(t.path);
  if (m === null) return t;
  const [, who, what, rest] = m;
  if (what === 'root') return { ...t, path: `/${rest}` };
  if (who === 'self' || who === 'thread-self') return { ...t, path: rest === '' ? '.' : rest };
  return { ...t, glob: true, anywhere: anywherePattern(rest), unknown: 'a folder of a process the guard cannot know (/proc/…/cwd)' };
}

/** The text with its expansions shown as `**`. */
function shown(text: string): string {
  return text.replaceAll(EXPANSION, '**');
}

/**
 * A target whose path has an expansion may be anywhere: `$X` can hold `/` and `..`
 * (`src/other/$N` with `N=../booking/a.ts`). Only the literal part after the last expansion says
 * where: `/tmp/$F.log` is some `*.log`, `$(git rev-parse --git-dir)/hooks/x` some `hooks/x`.
 */
function finish(t: ShellTarget): ShellTarget {
  const at = t.path.lastIndexOf(EXPANSION);
  if (at < 0) return t;
  const suffix = t.path.slice(at + 1);
  return {
    ...t,
    path: shown(t.path),
    glob: true,
    anywhere: anywherePattern(suffix.startsWith('/') ? suffix : `*${suffix}`),
    unknown: t.unknown ?? 'a $VARIABLE or $(…) in a path can name any folder',
  };
}

/** `path` below any folder: `**` and the path with `.` and `..` taken out (`../a/./b` → `**\/a/b`). */
function anywherePattern(path: string): string {
  const parts: string[] = [];
  for (const p of path.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return parts.length === 0 ? '**' : `**/${parts.join('/')}`;
}

function dedupe(targets: readonly ShellTarget[]): ShellTarget[] {
  const seen = new Set<string>();
  return targets.filter((t) => {
    const key = `${t.op}\0${t.path}\0${t.anywhere ?? ''}\0${t.via}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The `guardedCommands` entries that an analysed command matches: its `lines` (see
 * analyzeShellCommand), so one analysis serves the manifests of several workspaces.
 */
export function guardedIn(lines: readonly string[], guardedCommands: readonly GuardedCommand[]): GuardedCommand[] {
  return guardedCommands.filter((g) => {
    const pattern = normalizeSpaces(g.pattern);
    if (pattern === '') return false;
    const words = pattern.split(' ');
    // A simple command (every line after the first) also matches when it has the pattern's words in
    // their order with others between: `supabase --debug db reset --linked`, `git push origin main --force`.
    return lines.some((line, k) => line.includes(pattern) || (k > 0 && inOrder(words, line.split(' '))));
  });
}

/** `words` appear in `line` in this order (not necessarily next to each other). */
function inOrder(words: readonly string[], line: readonly string[]): boolean {
  let k = 0;
  for (const w of line) if (w === words[k] && ++k === words.length) return true;
  return false;
}

/** A locked path a command would change, with what protects it. */
export interface ShellHit<V> {
  target: ShellTarget;
  /** Workspace-relative path of the locked file. */
  rel: string;
  verdict: V;
}

/**
 * The locked files among the targets: `lockedRel` answers for one workspace-relative path (and
 * `undefined` for a path outside the workspace or not locked); `resolve` turns a target as written
 * into a workspace-relative path (or `undefined` outside); `expand` lists the workspace files a
 * glob target could match. At most one hit per file.
 */
export function lockedTargets<V>(
  targets: readonly ShellTarget[],
  resolve: (path: string) => string | undefined,
  lockedRel: (rel: string) => V | undefined,
  expand: (globRel: string) => readonly string[],
): ShellHit<V>[] {
  const hits: ShellHit<V>[] = [];
  const seen = new Set<string>();
  for (const t of targets) {
    // A path below an unknown folder may be in any workspace, below any folder of it.
    const rel = t.anywhere ?? resolve(t.path);
    if (rel === undefined) continue;
    // A glob names the locked files it matches; for a write the pattern itself counts where none
    // exists yet (`> src/booking/$NAME` creates one); a delete of nothing deletes nothing.
    const expanded = t.glob ? expand(rel).filter((f) => lockedRel(f) !== undefined) : [];
    const candidates = expanded.length > 0 ? expanded : t.glob && t.op !== 'write' ? [] : t.glob && t.anywhere === undefined ? [rel, ...inMatchedFolders(rel, expand)] : [rel];
    for (const c of candidates) {
      if (seen.has(c)) continue;
      const verdict = lockedRel(c);
      if (verdict !== undefined) {
        seen.add(c);
        hits.push({ target: t, rel: c, verdict });
      }
    }
  }
  return hits;
}

/**
 * A write to a pattern that matches no file yet, whose folder part is a pattern too (`cp x src/book*\/`
 * writes `src/book*\/x`, `cp x src/*\/`): the same name in each folder the folder part matches among
 * those `expand` knows (the folders of the files it lists), as a new file there. `[]` for a literal folder.
 * (A `$VARIABLE` in a path is not such a pattern: it counts for the files it may name that exist.)
 */
function inMatchedFolders(rel: string, expand: (globRel: string) => readonly string[]): string[] {
  const slash = rel.lastIndexOf('/');
  const dir = rel.slice(0, Math.max(slash, 0));
  if (slash < 0 || !/[*?[{]/.test(dir)) return [];
  const folders = new Set<string>();
  for (const f of expand(`${dir}/**`)) {
    for (let k = f.indexOf('/'); k > 0; k = f.indexOf('/', k + 1)) folders.add(f.slice(0, k));
  }
  return expandGlob(dir, [...folders]).map((d) => `${d}/${rel.slice(slash + 1)}`);
}

/**
 * True when `t`, a path below an unknown folder (`anywhere` set), could be the absolute path `abs`
 * (`/`-separated): `**\/cli-path` could be `/repo/.git/protected-files/cli-path`.
 */
export function couldBe(t: ShellTarget, abs: string): boolean {
  if (t.anywhere === undefined) return false;
  return new (minimatchModule().Minimatch)(`/${t.anywhere}`, { dot: true, nonegate: true, nocomment: true, platform: 'linux' }).match(abs);
}

/**
 * True when `t`, a pattern that deletes, moves or checks out what it matches (`rm -rf ../*`, `mv
 * /tmp/sn* x`, `rm -rf $(mktemp -d)/../..`), may match the folder `abs` or a folder above it (absolute,
 * `/`-separated): it then takes all of `abs` with it. `cwd`: where the command runs (absolute); `home`
 * for `~`. A `**` followed by `..` may climb to any folder: true.
 */
/** patternAround's and patternReaches' compiled patterns: each is asked about several folders (the workspace's, the store's, the agents' settings). */
const aroundPatterns = new Map<string, InstanceType<ReturnType<typeof minimatchModule>['Minimatch']>>();

export function patternAround(t: ShellTarget, abs: string, cwd: string, home?: string): boolean {
  if (t.op === 'write' || t.path.endsWith('/**')) return false;
  const pattern = absolutePattern(t, cwd, home);
  if (pattern === undefined) return false;
  if (pattern === CLIMBS) return true;
  // A folder the pattern matches starts with its literal part, and `abs` with that folder: most patterns
  // are ruled out here, without compiling them (a command of thousands of patterns stays quick).
  const wild = pattern.search(/[*?[{]/);
  if (wild >= 0 && !abs.startsWith(pattern.slice(0, wild))) return false;
  const m = compiledPattern(pattern);
  for (let a = abs; ; a = posix.dirname(a)) {
    if (m.match(a)) return true;
    if (a === posix.dirname(a)) return false;
  }
}

/**
 * True when `t`, a pattern written to, deleted or moved (`sed -i … ~/.claude/sett*.json`, `cp x
 * .git/hoo*\/pre-commit`, `echo > /opt/pf/dis?/cli.js`), may match `abs` or a path below it (absolute,
 * `/`-separated): the wildcard before the name does not hide the file. `cwd`: where the command runs
 * (absolute); `home` for `~`. A `**` followed by `..` may climb to any folder: true.
 */
export function patternReaches(t: ShellTarget, abs: string, cwd: string, home?: string): boolean {
  const pattern = absolutePattern(t, cwd, home);
  if (pattern === undefined) return false;
  if (pattern === CLIMBS) return true;
  const wild = pattern.search(/[*?[{]/);
  const literal = wild >= 0 ? pattern.slice(0, wild) : pattern;
  // Ruled out without compiling: a match starts with the literal part, which must lead to `abs` or into it.
  if (!abs.startsWith(literal) && !literal.startsWith(`${abs}/`)) return false;
  const m = compiledPattern(pattern);
  // Partial: `abs` could be the start of a match (`.git/hoo*\/pre-commit` reaches `.git/hooks`).
  return m.match(abs) || m.match(abs, true);
}

/** True when `t`'s pattern (absolute through `cwd`, `~` through `home`) matches `abs` itself. */
export function patternMatches(t: ShellTarget, abs: string, cwd: string, home?: string): boolean {
  const pattern = absolutePattern(t, cwd, home);
  if (pattern === undefined) return false;
  return pattern === CLIMBS || compiledPattern(pattern).match(abs);
}

/** absolutePattern's answer for a `**` followed by `..`, which may climb to any folder. */
const CLIMBS = '\0climbs';

/** `t`'s pattern made absolute (`~` is `home`), or CLIMBS; undefined for no pattern or `~user`. */
function absolutePattern(t: ShellTarget, cwd: string, home?: string): string | undefined {
  if (!t.glob || t.anywhere !== undefined) return undefined;
  let path = t.path;
  if (path.startsWith('~')) {
    if (home === undefined || !(path === '~' || path.startsWith('~/'))) return undefined;
    path = posix.join(home, path.slice(1));
  }
  if (/(?:^|\/)\*\*\/(?:.*\/)?\.\.(?:\/|$)/.test(path)) return CLIMBS;
  // resolve takes `x/*/..` back to `x`, as the shell's `..` after any folder `*` matches does.
  return posix.resolve(cwd, path);
}

function compiledPattern(pattern: string): InstanceType<ReturnType<typeof minimatchModule>['Minimatch']> {
  let m = aroundPatterns.get(pattern);
  if (m === undefined) {
    if (aroundPatterns.size >= SHELL_LIMITS.maxWords) aroundPatterns.clear();
    m = new (minimatchModule().Minimatch)(pattern, { dot: true, nonegate: true, nocomment: true, platform: 'linux' });
    aroundPatterns.set(pattern, m);
  }
  return m;
}

/**
 * The literal directory a glob starts in (`src/booking` for `src/booking/*.ts`), so the caller
 * lists only that subtree; `''` for the workspace root.
 */
export function globBase(globRel: string): string {
  const parts = globRel.split('/');
  const out: string[] = [];
  for (const part of parts.slice(0, -1)) {
    if (/[*?[\]{}]/.test(part)) break;
    out.push(part);
  }
  return out.join('/');
}

/** The files among `files` (workspace-relative) that `globRel` matches, dot files included. */
export function expandGlob(globRel: string, files: readonly string[]): string[] {
  const mm = new (minimatchModule().Minimatch)(globRel, { dot: true, nonegate: true, nocomment: true, platform: 'linux' });
  return files.filter((f) => mm.match(f));
}

/**
 * `path` as written in a command run in `cwd`, relative to the workspace `root` (all absolute,
 * `/`-separated), or `undefined` outside it. `~` and `~/…` are in the `home` folder (a workspace
 * can be below it: `~/code/app/src/a.ts`); without `home`, and for `~user`, outside.
 */
export function workspaceRel(root: string, cwd: string, path: string, home?: string): string | undefined {
  if (path === '') return undefined;
  if (path.startsWith('~')) {
    if (home === undefined || !(path === '~' || path.startsWith('~/'))) return undefined;
    path = posix.join(home, path.slice(1));
  }
  const abs = posix.resolve(cwd, path);
  const rel = posix.relative(root, abs);
  if (rel === '' || rel === '..' || rel.startsWith('../') || posix.isAbsolute(rel)) return undefined;
  return rel;
}
