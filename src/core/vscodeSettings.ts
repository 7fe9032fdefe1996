// VS Code's settings files hold the switches of Copilot's agent hooks: `chat.useHooks: false` or
// `chat.hookFilesLocations: { ".github/hooks": false }` in a workspace's .vscode/settings.json turns
// the guard off for every later tool call there (both settings are window-scoped, so a workspace
// value applies once the workspace is trusted), and `chat.tools.*autoApprove*` approve tools without
// asking. The agents' hook lets an agent edit these files, but not those keys: an edit tool's change
// is worked out and its `chat.*` and `github.copilot.*` settings compared before and after; a change
// whose result cannot be known (a shell command writing the file, a tool whose input is not read
// here) is refused.
import { parse } from 'jsonc-parser';
import type { ParseError } from 'jsonc-parser';

/** VS Code's user settings below the home folder, for VS Code, Insiders, VSCodium, Cursor, Windsurf, code-server and remote servers. */
export const VSCODE_USER_SETTINGS: readonly string[] = [
  ...['Code', 'Code - Insiders', 'VSCodium', 'Cursor', 'Windsurf'].flatMap((app) => [`.config/${app}/User/settings.json`, `Library/Application Support/${app}/User/settings.json`]),
  '.local/share/code-server/User/settings.json', '.local/share/code-server/Machine/settings.json',
  '.vscode-server/data/Machine/settings.json', '.vscode-server/data/User/settings.json',
  '.cursor-server/data/Machine/settings.json',
];

/**
 * Whether the POSIX path `p` is one of VS Code's settings files wherever it is: a workspace's
 * (`.vscode/settings.json`), a multi-root workspace file, or a user's, a profile's or a machine's
 * (`…/User/settings.json`, `…/User/profiles/<id>/settings.json`, `…/Machine/settings.json`, in any
 * install or portable data folder of VS Code and its forks).
 */
export function isSettingsFile(p: string): boolean {
  return p.endsWith('/.vscode/settings.json') || p === '.vscode/settings.json' || p.endsWith('.code-workspace')
    || /\/(?:User(?:\/profiles\/[^/]+)?|Machine)\/settings\.json$/.test(p);
}

/** The settings that concern the agents: `chat.*` and `github.copilot.*`, also written as nested objects. */
function agentKey(key: string): boolean {
  return key === 'chat' || key.startsWith('chat.') || key === 'github' || key.startsWith('github.copilot');
}

/**
 * The agents' settings of a settings file's text, as one comparable string (keys sorted), or
 * undefined when the text is not a JSON object with comments VS Code could read. A workspace file
 * (`.code-workspace`) keeps its settings under "settings".
 */
export function agentSettingsOf(text: string, workspaceFile: boolean): string | undefined {
  if (text.trim() === '') return '{}';
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0 || typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const holder = workspaceFile ? (value as Record<string, unknown>).settings : value;
  if (holder === undefined) return '{}';
  if (typeof holder !== 'object' || holder === null || Array.isArray(holder)) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(holder).filter(agentKey).sort()) out[key] = (holder as Record<string, unknown>)[key];
  return JSON.stringify(out);
}

type Input = Readonly<Record<string, unknown>>;

/** `text` with `from` replaced by `to`: the first occurrence, or every one; undefined when `from` is not there. */
function replaced(text: string, from: unknown, to: unknown, all: unknown): string | undefined {
  if (typeof from !== 'string' || typeof to !== 'string' || from === '' || !text.includes(from)) return undefined;
  return all === true ? text.split(from).join(to) : text.replace(from, () => to);
}

/**
 * The text a file tool's call leaves in a file holding `current` (undefined: no file), as the
 * edit tools of Claude Code and Cursor (Edit, MultiEdit, Write), Gemini CLI (replace, write_file), Copilot
 * (replace_string_in_file, multi_replace_string_in_file, create_file), Windsurf (pre_write_code) and Codex
 * (apply_patch) describe it; undefined when the
 * tool is another or its input does not say (the change cannot be known). `samePath`: whether a path
 * one of Copilot's replacements names is this file.
 */
export function textAfter(tool: string, input: Input | undefined, current: string | undefined, samePath: (named: unknown) => boolean): string | undefined {
  if (input === undefined) return undefined;
  const before = current ?? '';
  switch (tool) {
    case 'Write':
    case 'write_file':
    case 'create_file':
      return typeof input.content === 'string' ? input.content : undefined;
    case 'Edit':
    case 'replace':
      return replaced(before, input.old_string, input.new_string, input.replace_all === true || (typeof input.expected_replacements === 'number' && input.expected_replacements > 1));
    case 'replace_string_in_file':
      return replaced(before, input.oldString, input.newString, false);
    case 'MultiEdit':
    case 'pre_write_code': // Windsurf's edits: [{ old_string, new_string }]
      return editsApplied(before, input.edits, (edit) => ({ from: edit.old_string, to: edit.new_string, all: edit.replace_all }));
    case 'multi_replace_string_in_file': // Copilot's: [{ filePath, oldString, newString }], other files' skipped
      return editsApplied(before, input.replacements, (edit) => (samePath(edit.filePath) ? { from: edit.oldString, to: edit.newString, all: false } : undefined));
    case 'apply_patch':
    case 'applyPatch': { // Codex: the patch text, in `command` (as text or in an argument list), `patch` or `input`
      const texts = [input.command, input.patch, input.input].flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v): v is string => typeof v === 'string');
      const patch = texts.find((t) => t.includes('*** Begin Patch'));
      return patch === undefined ? undefined : patchedText(patch, current, samePath);
    }
    default:
      return undefined;
  }
}

/** The most characters a list of edits may make the guard search and copy (each edit goes over the whole text). */
const MAX_EDIT_WORK = 32 * 1024 * 1024;

/**
 * `text` after each edit of `list` in turn (`pick`: its old and new text, or undefined for an edit of
 * another file); undefined when the list is not one, an edit is not an object or is not found, or the
 * edits would go over more than MAX_EDIT_WORK characters (thousands of edits of a 1 MB file, built to
 * keep the hook busy until an agent's timeout lets the call through).
 */
function editsApplied(text: string, list: unknown, pick: (edit: Input) => { from: unknown; to: unknown; all: unknown } | undefined): string | undefined {
  if (!Array.isArray(list)) return undefined;
  let out: string | undefined = text;
  let work = 0;
  for (const e of list as unknown[]) {
    if (out === undefined || typeof e !== 'object' || e === null) return undefined;
    const edit = pick(e as Input);
    if (edit === undefined) continue;
    work += out.length;
    if (work > MAX_EDIT_WORK) return undefined;
    out = replaced(out, edit.from, edit.to, edit.all);
  }
  return out;
}

/**
 * The text Codex's patch format (`*** Update File: p`, hunks after `@@`, lines of context ` `,
 * removed `-` and added `+`; `*** Add File:`; `*** Delete File:`) leaves in the file `samePath` names,
 * holding `current`: each hunk's old lines found in order (an `@@ line` first seeks that line), as
 * they are or without trailing spaces. Undefined when the patch does not name the file, moves it, or
 * has a hunk that is not found (or its hunks would take more than MAX_PATCH_COMPARISONS lines looked at to apply).
 */
export function patchedText(patch: string, current: string | undefined, samePath: (named: unknown) => boolean): string | undefined {
  const lines = patch.split('\n');
  let text = current;
  let touched = false;
  for (let i = 0; i < lines.length; i++) {
    const header = /^\s*\*\*\* (Update File|Add File|Delete File): *(.+?)\s*$/.exec(lines[i]);
    if (!header || !samePath(header[2])) continue;
    let end = i + 1;
    while (end < lines.length && !/^\s*\*\*\* (?:Update File|Add File|Delete File|End Patch)/.test(lines[end])) end++;
    const body = lines.slice(i + 1, end);
    touched = true;
    if (header[1] === 'Delete File') text = '';
    else if (header[1] === 'Add File') text = body.filter((l) => l.startsWith('+')).map((l) => l.slice(1)).join('\n') + '\n';
    else {
      if (body.some((l) => /^\s*\*\*\* Move to:/.test(l)) || text === undefined) return undefined;
      text = applyHunks(text, body);
      if (text === undefined) return undefined;
    }
    i = end - 1;
  }
  return touched ? text : undefined;
}

/** The most line comparisons a patch's hunks may take to find (a patch built against a large file: refused, not searched for minutes). */
const MAX_PATCH_COMPARISONS = 5_000_000;

function applyHunks(text: string, body: readonly string[]): string | undefined {
  const file = text.split('\n');
  let cursor = 0;
  const hunks: { anchor?: string; old: string[]; next: string[] }[] = [];
  for (const line of body) {
    if (line.startsWith('@@')) {
      const anchor = line.slice(2).trim();
      hunks.push({ ...(anchor !== '' ? { anchor } : {}), old: [], next: [] });
      continue;
    }
    if (/^\s*\*\*\* End of File/.test(line)) continue;
    if (hunks.length === 0) hunks.push({ old: [], next: [] });
    const h = hunks[hunks.length - 1];
    if (line.startsWith('-')) h.old.push(line.slice(1));
    else if (line.startsWith('+')) h.next.push(line.slice(1));
    else {
      const context = line.startsWith(' ') ? line.slice(1) : line;
      h.old.push(context);
      h.next.push(context);
    }
  }
  let budget = MAX_PATCH_COMPARISONS;
  const same = (a: string, b: string): boolean => --budget >= 0 && (a === b || a.trimEnd() === b.trimEnd());
  for (const h of hunks) {
    // Each hunk goes over the file once more (its anchor looked for, its lines put in): counted too.
    budget -= file.length;
    if (budget < 0) return undefined;
    if (h.anchor !== undefined) {
      const at = file.findIndex((l, k) => k >= cursor && same(l.trim(), h.anchor!));
      if (at < 0) return undefined;
      cursor = at + 1;
    }
    if (h.old.length === 0) {
      file.splice(cursor, 0, ...h.next);
      cursor += h.next.length;
      continue;
    }
    let at = -1;
    for (let k = cursor; k + h.old.length <= file.length && at < 0; k++) if (h.old.every((o, j) => same(file[k + j], o))) at = k;
    if (at < 0 || budget < 0) return undefined;
    file.splice(at, h.old.length, ...h.next);
    cursor = at + h.next.length;
  }
  return file.join('\n');
}
