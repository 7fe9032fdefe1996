// What a shell command an agent wants to run would do to protected files: a tokenizer for the
// POSIX shell subset agents write (quotes, escapes, `&&` `||` `;` `|` chains, subshells, `$(…)`,
// `bash -c '…'`, heredocs) and a table of commands that write, move, delete or check out files.
// Best effort by nature (a shell is a programming language): it catches the routes agents take
// when an edit is refused, and fails closed on input it will not analyse. Pure: the caller says
// which paths are locked and which files a glob could match (see `decideShell`).
import { posix } from 'node:path';
import { minimatchModule } from './minimatchModule';
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
}

export interface ShellAnalysis {
  targets: ShellTarget[];
  /** Manifest `guardedCommands` entries the command matches. */
  guarded: GuardedCommand[];
  /** Set when the command was not analysed (too long, too deep): the caller must refuse. */
  failure?: string;
  /** The command line and each simple command in it, spaces normalised: what guardedIn matches. */
  lines: readonly string[];
}

/** Bounds, so a huge or pathological command cannot hang the hook. */
export const SHELL_LIMITS = { maxLength: 64 * 1024, maxWords: 20_000, maxDepth: 8 } as const;

class TooComplex extends Error {}

interface Word {
  /** Quotes removed; expansions replaced by `**`. */
  text: string;
  /** An unquoted glob character or an expansion: the word stands for any file it matches. */
  glob: boolean;
  /** The word as it was written (for `-c` scripts that are analysed again). */
  raw: string;
  /** Commands found inside `$(…)` or backticks in this word. */
  inner: string[];
}

interface Redirect {
  op: string;
  target: Word;
}

interface SimpleCommand {
  words: Word[];
  redirects: Redirect[];
  /** Heredoc bodies fed to this command (code for `python - <<EOF`). */
  heredocs: string[];
}

const GLOB_CHARS = /[*?[]/;
/** What a `$VAR`, `${…}`, `$(…)` or backtick part of a path stands for: any path at all. */
const EXPANSION = '**';

/**
 * Splits `source` into simple commands. Operators (`&&`, `||`, `;`, `|`, `&`, newlines, `(`, `)`)
 * separate commands; `{`/`}`, `!`, `if`/`then`/… are dropped as words by the caller's table.
 */
function tokenize(source: string, budget: { words: number }): SimpleCommand[] {
  const commands: SimpleCommand[] = [];
  let current: SimpleCommand = { words: [], redirects: [], heredocs: [] };
  const pendingHeredocs: { delimiter: string; strip: boolean; command: SimpleCommand }[] = [];
  let pendingRedirect: string | undefined;
  let i = 0;
  const n = source.length;

  const flush = (): void => {
    if (current.words.length > 0 || current.redirects.length > 0) commands.push(current);
    current = { words: [], redirects: [], heredocs: [] };
  };
  const pushWord = (word: Word): void => {
    if (++budget.words > SHELL_LIMITS.maxWords) throw new TooComplex(`more than ${SHELL_LIMITS.maxWords} words`);
    if (pendingRedirect !== undefined) {
      if (pendingRedirect === '<<' || pendingRedirect === '<<-') {
        pendingHeredocs.push({ delimiter: word.text, strip: pendingRedirect === '<<-', command: current });
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
    }
  };
  /** The text of `$(…)` starting after `$(`; returns the index after the closing `)`. */
  const readParen = (start: number): number => {
    let depth = 1;
    let j = start;
    while (j < n && depth > 0) {
      const c = source[j];
      if (c === '\\') j += 2;
      else if (c === "'") {
        const close = source.indexOf("'", j + 1);
        j = close === -1 ? n : close + 1;
      } else if (c === '"') {
        j++;
        while (j < n && source[j] !== '"') j += source[j] === '\\' ? 2 : 1;
        j++;
      } else {
        if (c === '(') depth++;
        else if (c === ')') depth--;
        j++;
      }
    }
    return j;
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
    if (c === ';' || c === '(' || c === ')') {
      flush();
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
      i += source[i + 1] === c || (c === '|' && source[i + 1] === '&') ? 2 : 1;
      continue;
    }
    // Redirects: [n]> [n]>> >| [n]< << <<- [n]>&m
    const redirect = /^(\d*)(>>|>\||>&|>|<<-|<<|<&|<>|<)/.exec(source.slice(i, i + 6));
    if (redirect) {
      const op = redirect[2];
      i += redirect[0].length;
      if (op === '>&' || op === '<&') {
        // fd duplication (2>&1): the "target" is a descriptor, not a file; `>&file` writes the file.
        const m = /^\s*(\d+|-)(?![^\s;&|()<>])/.exec(source.slice(i));
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
    const startWord = i;
    /**
     * A command substitution (`$(…)`, backticks) or a variable at `at`, quoted or not: the inner command is
     * analysed too and the word becomes an expansion (any path). The index after it, or -1 when there is none.
     */
    const expansion = (at: number): number => {
      let end: number;
      if (source[at] === '$' && source[at + 1] === '(') {
        end = readParen(at + 2);
        inner.push(source.slice(at + 2, end - 1));
      } else if (source[at] === '$' && /[A-Za-z_{0-9@*#?$!-]/.test(source[at + 1] ?? '')) {
        end = skipVariable(source, at);
      } else if (source[at] === '`') {
        const close = source.indexOf('`', at + 1);
        const stop = close === -1 ? n : close;
        inner.push(source.slice(at + 1, stop));
        end = stop + 1;
      } else {
        return -1;
      }
      text += EXPANSION;
      glob = true;
      return end;
    };
    let next = -1;
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
          const after = d === '$' || d === '`' ? expansion(i) : -1;
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
        // $'…' ANSI-C quoting: escapes are resolved roughly (enough for paths).
        const close = source.indexOf("'", i + 2);
        const end = close === -1 ? n : close;
        text += source.slice(i + 2, end).replace(/\\(.)/g, '$1');
        i = end + 1;
      } else if ((ch === '$' || ch === '`') && (next = expansion(i)) >= 0) {
        i = next;
      } else {
        // A brace set (`{a,b}`) is a glob; looked for in a short window, so a run of `{` stays linear.
        if (GLOB_CHARS.test(ch) || (ch === '{' && isBraceSet(source.slice(i, i + 256)))) glob = true;
        text += ch;
        i++;
      }
    }
    raw = source.slice(startWord, i);
    pushWord({ text, glob, raw, inner });
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

/** Index after `$NAME`, `${…}`, `$1`, `$@`… starting at the `$`. */
function skipVariable(source: string, at: number): number {
  if (source[at + 1] === '{') {
    const close = source.indexOf('}', at + 2);
    return close === -1 ? source.length : close + 1;
  }
  const m = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9@*#?$!-]/.exec(source.slice(at + 1));
  return at + 1 + (m ? m[0].length : 0);
}

/** Words that only prefix the real command. */
const PREFIXES = new Set(['sudo', 'doas', 'command', 'exec', 'nohup', 'time', 'nice', 'ionice', 'stdbuf', 'timeout', 'env', 'builtin', 'then', 'do', 'else', 'elif', 'if', 'while', 'until', '!', '{', '}', 'xargs']);
const SHELLS = new Set(['bash', 'sh', 'zsh', 'dash', 'ksh', 'ash', 'fish']);
const INTERPRETERS = /^(python[0-9.]*|node|nodejs|deno|bun|ruby|perl|php|osascript|pwsh|powershell)$/;
/** A write call in an interpreter's code, next to which a path literal counts as written. */
const WRITE_CALL = /open\s*\([^)]*,\s*(?:mode\s*=\s*)?['"][^'"]*[wax+]|write|truncate|unlink|remove|rmtree|rmSync|rmdir|rename|os\.replace|shutil|copyfile|copy2|copyFile|cpSync|appendFile|createWriteStream|symlink|os\.system|subprocess|child_process|execSync|spawnSync|File\.(?:write|delete|open|move|copy)|IO\.write|Set-Content|Add-Content|Out-File|Remove-Item|Copy-Item|Move-Item/;

function basename(p: string): string {
  const trimmed = p.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

function join(dir: string, name: string): string {
  return `${dir.replace(/\/+$/, '')}/${name}`;
}

/** Options (words starting with `-`, before `--`) removed; `--` ends options. */
function operands(words: readonly Word[], withValue: ReadonlySet<string> = new Set()): Word[] {
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
  return { path, glob: w.glob, op, via };
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

function interpreterWrites(code: string, via: string): ShellTarget[] {
  if (!WRITE_CALL.test(code)) return [];
  return literals(code).filter((s) => /[./]/.test(s) || /^[\w-]+$/.test(s)).map((s) => ({ path: s, glob: GLOB_CHARS.test(s), op: 'write' as const, via }));
}

/** The targets of one simple command; `-c` scripts and `$(…)` are analysed through `recurse`. */
function commandTargets(command: SimpleCommand, recurse: (script: string) => void): ShellTarget[] {
  const out: ShellTarget[] = [];
  for (const r of command.redirects) {
    if (r.op.includes('>')) out.push(target(r.target, 'write', r.op));
    for (const s of r.target.inner) recurse(s);
  }
  for (const w of command.words) for (const s of w.inner) recurse(s);

  let words = command.words;
  // Drop assignments (A=b cmd) and prefix words (sudo, env -i, timeout 5…).
  for (;;) {
    const first = words[0];
    if (!first) return out;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(first.text) && !first.text.startsWith('=')) {
      words = words.slice(1);
    } else if (PREFIXES.has(first.text) || PREFIXES.has(basename(first.text))) {
      words = words.slice(1);
      while (words[0] && (words[0].text.startsWith('-') || /^\d+[smhd]?$/.test(words[0].text) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0].text))) words = words.slice(1);
    } else {
      break;
    }
  }
  const name = basename(words[0].text);
  const args = words.slice(1);
  const ops = operands(args);

  if (SHELLS.has(name) || name === 'eval') {
    const c = name === 'eval' ? 0 : args.findIndex((w) => /^-[a-z]*c[a-z]*$/.test(w.text));
    if (name === 'eval') recurse(args.map((w) => w.text).join(' '));
    else if (c >= 0 && args[c + 1]) recurse(args[c + 1].text);
    for (const body of command.heredocs) recurse(body);
    return out;
  }
  if (INTERPRETERS.test(name)) {
    const codeFlag = args.findIndex((w) => /^(-c|-e|-E|--eval|-p|--print|-pe|-ne|eval|-Command)$/.test(w.text) || /^-[a-zA-Z]*[eE]$/.test(w.text));
    // perl -i / -pi -e: in-place edit of the files after the script.
    if (name === 'perl' && args.some((w) => /^-[a-zA-Z]*i/.test(w.text))) {
      const rest = args.slice(codeFlag >= 0 ? codeFlag + 2 : 0).filter((w) => !w.text.startsWith('-'));
      const files = codeFlag >= 0 ? rest : rest.slice(1);
      out.push(...files.map((w) => target(w, 'write', 'perl -i')));
      return out;
    }
    if (codeFlag >= 0 && args[codeFlag + 1]) out.push(...interpreterWrites(args[codeFlag + 1].text, `${name} ${args[codeFlag].text}`));
    for (const body of command.heredocs) out.push(...interpreterWrites(body, `${name} <<`));
    return out;
  }
  switch (name) {
    case 'tee':
      out.push(...ops.map((w) => target(w, 'write', 'tee')));
      break;
    case 'sed':
    case 'gsed': {
      if (!args.some((w) => /^(-[a-zA-Z]*i|--in-place)/.test(w.text))) break;
      const scripted = args.some((w) => /^(-e|-f|--expression|--file)/.test(w.text) || /^-[a-zA-Z]*[ef]$/.test(w.text));
      const files = operands(args, new Set(['-e', '-f', '--expression', '--file', '-l']));
      out.push(...(scripted ? files : files.slice(1)).map((w) => target(w, 'write', 'sed -i')));
      break;
    }
    case 'cp':
    case 'install':
    case 'rsync':
    case 'scp': {
      const t = args.findIndex((w) => w.text === '-t' || w.text === '--target-directory');
      const dir = t >= 0 ? args[t + 1] : ops[ops.length - 1];
      const sources = t >= 0 ? ops.filter((w) => w !== dir) : ops.slice(0, -1);
      if (!dir || (sources.length === 0 && t < 0)) break;
      out.push(target(dir, 'write', name));
      for (const s of sources) out.push({ path: join(dir.text, basename(s.text)), glob: dir.glob || s.glob, op: 'write', via: name });
      break;
    }
    case 'mv':
    case 'git-mv': {
      const t = args.findIndex((w) => w.text === '-t' || w.text === '--target-directory');
      const dir = t >= 0 ? args[t + 1] : ops[ops.length - 1];
      const sources = t >= 0 ? ops.filter((w) => w !== dir) : ops.slice(0, -1);
      if (!dir) break;
      out.push(target(dir, 'write', 'mv'));
      for (const s of sources) {
        out.push(target(s, 'move', 'mv'));
        out.push({ path: join(dir.text, basename(s.text)), glob: dir.glob || s.glob, op: 'write', via: 'mv' });
      }
      break;
    }
    case 'rm':
    case 'unlink':
    case 'shred':
    case 'rmdir':
      out.push(...ops.map((w) => target(w, 'delete', name)));
      if (ops.some((w) => w.glob || args.some((a) => /^-[a-zA-Z]*[rR]/.test(a.text) || a.text === '--recursive'))) {
        // rm -r dir: everything below it.
        for (const w of ops) out.push({ path: join(w.text, '**'), glob: true, op: 'delete', via: name });
      }
      break;
    case 'truncate':
      out.push(...operands(args, new Set(['-s', '--size', '-r', '--reference'])).map((w) => target(w, 'write', 'truncate')));
      break;
    case 'touch':
      out.push(...operands(args, new Set(['-d', '-r', '-t', '--date', '--reference'])).map((w) => target(w, 'write', 'touch')));
      break;
    case 'dd':
      for (const w of args) if (w.text.startsWith('of=')) out.push(target(w, 'write', 'dd of=', w.text.slice(3)));
      break;
    case 'ln': {
      const t = args.findIndex((w) => w.text === '-t' || w.text === '--target-directory');
      if (t >= 0 && args[t + 1]) {
        for (const s of ops.filter((w) => w !== args[t + 1])) out.push({ path: join(args[t + 1].text, basename(s.text)), glob: s.glob, op: 'write', via: 'ln' });
      } else if (ops.length >= 2) {
        out.push(target(ops[ops.length - 1], 'write', 'ln'));
        for (const s of ops.slice(0, -1)) out.push({ path: join(ops[ops.length - 1].text, basename(s.text)), glob: s.glob || ops[ops.length - 1].glob, op: 'write', via: 'ln' });
      }
      break;
    }
    case 'find': {
      const acts = args.findIndex((w) => w.text === '-delete' || w.text === '-exec' || w.text === '-execdir' || w.text === '-ok');
      if (acts < 0) break;
      const roots = args.slice(0, args.findIndex((w) => w.text.startsWith('-')) >>> 0).filter((w) => !w.text.startsWith('-'));
      const exec = args[acts].text !== '-delete' ? args.slice(acts + 1).map((w) => w.text) : [];
      const readOnly = exec.length > 0 && /^(cat|grep|ls|head|tail|wc|file|stat|echo|printf|sha256sum|md5sum)$/.test(basename(exec[0]));
      if (!readOnly) for (const r of roots.length > 0 ? roots : [{ text: '.', glob: false, raw: '.', inner: [] }]) out.push({ path: join(r.text, '**'), glob: true, op: 'delete', via: 'find' });
      break;
    }
    case 'git':
      out.push(...gitTargets(args));
      break;
    case 'patch':
      // The files come from the patch: a patch on stdin or a file cannot be read here.
      out.push(...ops.slice(0, 1).map((w) => target(w, 'write', 'patch')));
      break;
    default:
      break;
  }
  return out;
}

/** Options of git sub-commands that take a value (so the value is not taken for a path). */
const GIT_VALUE_OPTIONS = new Set(['-s', '--source', '-b', '-B', '--orphan', '-C', '-c', '--git-dir', '--work-tree', '--conflict', '--pathspec-from-file', '-m']);

function gitTargets(args: readonly Word[]): ShellTarget[] {
  // Global options before the sub-command (git -C dir checkout …).
  let k = 0;
  while (k < args.length && args[k].text.startsWith('-')) k += GIT_VALUE_OPTIONS.has(args[k].text) ? 2 : 1;
  const sub = args[k]?.text;
  const rest = args.slice(k + 1);
  const dashdash = rest.findIndex((w) => w.text === '--');
  const ops = operands(rest, GIT_VALUE_OPTIONS);
  switch (sub) {
    case 'checkout':
      // checkout [<ref>] -- <paths>; checkout <ref> <paths>; checkout <path-or-branch>.
      if (dashdash >= 0) return rest.slice(dashdash + 1).map((w) => target(w, 'checkout', 'git checkout'));
      return (ops.length >= 2 ? ops.slice(1) : ops).map((w) => target(w, 'checkout', 'git checkout'));
    case 'restore':
      return ops.map((w) => target(w, 'checkout', 'git restore'));
    case 'rm':
      return ops.map((w) => target(w, 'delete', 'git rm'));
    case 'mv': {
      const dest = ops[ops.length - 1];
      if (!dest) return [];
      return [target(dest, 'write', 'git mv'), ...ops.slice(0, -1).flatMap((s) => [target(s, 'move', 'git mv'), { path: join(dest.text, basename(s.text)), glob: dest.glob || s.glob, op: 'write' as const, via: 'git mv' }])];
    }
    default:
      return [];
  }
}

function normalizeSpaces(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * Analyses `command` as a shell would run it. A guarded command matches when its pattern (spaces
 * normalised) is a substring of the command line (spaces normalised), or of any simple command's
 * words with quotes removed, at any depth (`bash -c "supabase db reset --linked"`).
 */
export function analyzeShellCommand(command: string, guardedCommands: readonly GuardedCommand[] = []): ShellAnalysis {
  if (command.length > SHELL_LIMITS.maxLength) {
    return { targets: [], guarded: [], failure: `the command is ${command.length} characters long, more than the ${SHELL_LIMITS.maxLength} the guard analyses`, lines: [] };
  }
  const targets: ShellTarget[] = [];
  const lines: string[] = [normalizeSpaces(command)];
  const budget = { words: 0 };
  // `cd dir` moves the later relative paths; a `cd` to somewhere unknown makes them match anywhere.
  let dir = '';
  const place = (t: ShellTarget): ShellTarget => {
    if (dir === '' || t.path.startsWith('/') || t.path.startsWith('~')) return t;
    return { ...t, path: `${dir}/${t.path}`, glob: t.glob || dir.includes('**') };
  };
  const visit = (script: string, depth: number): void => {
    if (depth > SHELL_LIMITS.maxDepth) throw new TooComplex(`nested more than ${SHELL_LIMITS.maxDepth} levels deep`);
    for (const simple of tokenize(script, budget)) {
      const words = simple.words.map((w) => w.text);
      lines.push(normalizeSpaces(words.join(' ')));
      if (words[0] === 'cd' || words[0] === 'pushd') {
        const to = simple.words.slice(1).find((w) => !w.text.startsWith('-') || w.text === '-');
        if (!to || to.text === '-' || to.text.startsWith('~') || to.glob) dir = '**';
        else dir = to.text.startsWith('/') ? to.text : posix.join(dir || '.', to.text);
        continue;
      }
      targets.push(...commandTargets(simple, (inner) => visit(inner, depth + 1)).map(place));
    }
  };
  try {
    visit(command, 0);
    // A directory moved, deleted or checked out takes every file below it (`mv src/booking /tmp`,
    // `git checkout -- src`): each such target also stands for its subtree.
    for (const t of [...targets]) {
      if (t.op !== 'write' && !t.path.endsWith('/**')) targets.push({ ...t, path: `${t.path.replace(/\/+$/, '') || '.'}/**`, glob: true });
    }
  } catch (err) {
    if (err instanceof TooComplex) return { targets: [], guarded: [], failure: `the command is ${err.message}, more than the guard analyses`, lines: [] };
    throw err;
  }
  return { targets, guarded: guardedIn(lines, guardedCommands), failure: undefined, lines };
}

/**
 * The `guardedCommands` entries that an analysed command matches: its `lines` (see
 * analyzeShellCommand), so one analysis serves the manifests of several workspaces.
 */
export function guardedIn(lines: readonly string[], guardedCommands: readonly GuardedCommand[]): GuardedCommand[] {
  return guardedCommands.filter((g) => {
    const pattern = normalizeSpaces(g.pattern);
    return pattern !== '' && lines.some((line) => line.includes(pattern));
  });
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
    const rel = resolve(t.path);
    if (rel === undefined) continue;
    // A glob names the locked files it matches; for a write the pattern itself counts where none
    // exists yet (`> src/booking/$NAME` creates one); a delete of nothing deletes nothing.
    const expanded = t.glob ? expand(rel).filter((f) => lockedRel(f) !== undefined) : [];
    const candidates = expanded.length > 0 ? expanded : t.glob && t.op !== 'write' ? [] : [rel];
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
 * `path` as written in a command run in `cwd`, relative to the workspace `root` (both absolute,
 * `/`-separated), or `undefined` outside it. `~` is the home folder, never the workspace.
 */
export function workspaceRel(root: string, cwd: string, path: string): string | undefined {
  if (path === '' || path.startsWith('~')) return undefined;
  const abs = posix.resolve(cwd, path);
  const rel = posix.relative(root, abs);
  if (rel === '' || rel === '..' || rel.startsWith('../') || posix.isAbsolute(rel)) return undefined;
  return rel;
}
