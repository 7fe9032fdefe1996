// Guards for AI agents, generated from the one manifest: Copilot's edit auto-approval entries,
// Claude Code's deny rules and PreToolUse hook, and a marked instructions section for AGENTS.md
// and its kin. Everything here is text in, text out: the files are read and written by
// src/node/agentGuardsWriter.ts. Each merge changes only what this tool generated and leaves the
// user's own settings, comments and entries where they are.
import { applyEdits, findNodeAtLocation, modify, parseTree } from 'jsonc-parser';
import type { FormattingOptions, JSONPath, Node, ParseError } from 'jsonc-parser';
import { braceExpand } from 'minimatch';
import { MANIFEST_PATH, strictestTier } from './manifest';
import type { Component, Manifest, Tier } from './manifest';
import { PROTECTION_GLOB } from './matcher';

/** VS Code setting: glob → whether Copilot agent edits to matching files are applied without asking. */
export const COPILOT_AUTO_APPROVE_SETTING = 'chat.tools.edits.autoApprove';
/** Claude Code tools that write files; one `Edit(path)` rule covers them all, the hook sees each. */
export const CLAUDE_HOOK_MATCHER = 'Edit|Write|MultiEdit|NotebookEdit';
/** Reads the hook's JSON on stdin; exits 2 with the risk note when the file is protected and locked. */
export const CLAUDE_HOOK_COMMAND = 'npx --no-install protected-files check';
export const SECTION_BEGIN = '<!-- protected-files:begin -->';
export const SECTION_END = '<!-- protected-files:end -->';

/** A Claude Code hook handler, as `.claude/settings.json` spells it. */
export interface ClaudeHook {
  type: 'command';
  command: string;
}

/** One entry of `hooks.PreToolUse`: a tool-name matcher and the handlers it runs. */
export interface ClaudeHookGroup {
  matcher: string;
  hooks: ClaudeHook[];
}

/**
 * What the previous run generated, so the next run removes exactly those entries (and no
 * entry the user wrote): Copilot `autoApprove` keys and Claude `permissions.deny` rules.
 */
export interface AgentGuardsState {
  copilotAutoApprove: string[];
  claudeDeny: string[];
}

/** A merge's new text and the entries this tool now owns in it (for the next run's state). */
export interface MergeResult {
  text: string;
  owned: string[];
}

/** An existing file this tool cannot merge into without destroying something; the message says what to fix. */
export class AgentGuardsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentGuardsError';
  }
}

/**
 * Every protected glob, `.protection/**` first, then each component's files in declaration
 * order, each once, as workspace-relative globs (a leading `./` dropped, as the matcher does).
 */
export function protectedGlobs(manifest: Manifest): string[] {
  const globs = new Set<string>([PROTECTION_GLOB]);
  for (const component of manifest.components) {
    for (const file of component.files) {
      const glob = file.replace(/^(?:\.\/)+/, '');
      if (glob !== '') globs.add(glob);
    }
  }
  return [...globs];
}

/**
 * The `chat.tools.edits.autoApprove` entries: every protected glob set to `false`, so a Copilot
 * agent's edit to a protected file waits for explicit approval. VS Code matches these globs
 * relative to the workspace folder.
 */
export function copilotAutoApproveEntries(manifest: Manifest): Record<string, false> {
  const entries: Record<string, false> = {};
  for (const glob of protectedGlobs(manifest)) entries[glob] = false;
  return entries;
}

/**
 * Claude Code `permissions.deny` rules. Only `Edit(path)` rules are consulted by Claude Code's
 * file permission checks, and one covers every file-editing tool (Edit, Write, MultiEdit,
 * NotebookEdit); a `Write(path)` rule is never matched and draws a warning at every start, so
 * none is generated. A leading `/` anchors the gitignore-style pattern at the project root.
 * Brace sets are expanded because gitignore patterns have none.
 */
export function claudeDenyRules(manifest: Manifest): string[] {
  const rules = new Set<string>();
  for (const glob of protectedGlobs(manifest)) {
    for (const alternative of braceExpand(glob)) {
      rules.add(`Edit(/${alternative.replace(/^(?:\.\/)+/, '')})`);
    }
  }
  return [...rules];
}

/** The `hooks.PreToolUse` entry that asks `protected-files check` before every file-writing tool. */
export function claudeHookGroup(): ClaudeHookGroup {
  return { matcher: CLAUDE_HOOK_MATCHER, hooks: [{ type: 'command', command: CLAUDE_HOOK_COMMAND }] };
}

// ---------------------------------------------------------------------------------------------
// The instructions section

/** One line of manifest text, safe inside Markdown and unable to close our markers early. */
function inline(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/<!--/g, '&lt;!--').replace(/-->/g, '--&gt;');
}

/** A code span that survives backticks inside the glob. */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

function policyLine(tier: Tier): string {
  const parts: string[] = [];
  if (tier.unlock.requireCode) {
    parts.push(tier.unlock.approvals === 2 ? 'codes from two different owners' : "an owner's unlock code");
  } else {
    parts.push('no code');
  }
  parts.push(`a written reason of at least ${tier.unlock.minReasonLength} characters`);
  parts.push(`at most ${tier.unlock.maxMinutes} minutes`);
  const breach = tier.onBreach === 'restore'
    ? 'a change made without an unlock is rolled back and recorded'
    : 'a change made without an unlock is kept but recorded as a breach';
  return `Unlock needs ${parts.join(', ')}; ${breach}.`;
}

function componentLines(component: Component): string[] {
  const details: string[] = [];
  if (component.risk) details.push(`Risk: ${inline(component.risk)}`);
  if (component.impact) details.push(`Impact: ${inline(component.impact)}`);
  if (component.owners.length > 0) details.push(`Owners: ${component.owners.map(inline).join(', ')}`);
  const head = `- **${inline(component.name)}**${details.length > 0 ? ` — ${details.join('. ')}${/[.!?]$/.test(details[details.length - 1]) ? '' : '.'}` : ''}`;
  const files = component.files.map((f) => `  - ${code(f.replace(/^(?:\.\/)+/, ''))}`);
  return [head, ...files];
}

/**
 * The Markdown section for AGENTS.md, CLAUDE.md and .github/copilot-instructions.md, markers
 * included, without a final newline: protected files by tier and component with their risk,
 * impact and owners, what agents must not do, and how a human unlocks a change.
 */
export function agentInstructionsSection(manifest: Manifest): string {
  const out: string[] = [
    SECTION_BEGIN,
    `<!-- Generated from ${MANIFEST_PATH} — do not edit between the markers. Run \`protected-files agents --write\` or "Protected Files: Set Up Agent Guards" again after changing the manifest. -->`,
    '',
    '## Protected files',
    '',
    'Some files in this repository are protected: a change to them can stop revenue or break production.',
    '',
    '**Rules for AI agents:**',
    '',
    '- Do not edit, create, rename, move or delete a protected file, not even a one-line fix.',
    '- Do not get around the protection through the shell or a script (`sed -i`, `>` redirects, `mv`, `cp`, `git checkout --`, `git restore`, a Python or Node one-liner). Such writes are detected, backed up, rolled back where the tier says so, and recorded; a commit that changes a protected file without an approved unlock fails the pre-commit hook and CI.',
    '- Do not edit `.protection/` (the manifest, the audit log, the backups), and do not remove these guards from agent settings.',
    '- If a task needs a change to a protected file, stop and ask the human: name the file, its component and the change you propose. Never ask for, guess or handle an unlock code.',
    '',
  ];

  const tiers = [...manifest.tiers].sort((a, b) => a.rank - b.rank);
  for (const tier of tiers) {
    const components = manifest.components.filter((c) => c.tier === tier.id);
    if (components.length === 0) continue;
    out.push(`### ${inline(tier.label)} (${code(tier.id)})`, '', policyLine(tier), '');
    for (const component of components) out.push(...componentLines(component));
    out.push('');
  }
  if (!manifest.components.some((c) => tiers.some((t) => t.id === c.tier))) {
    out.push('No component is protected yet: only the protection folder below.', '');
  }

  const strictest = strictestTier(manifest);
  out.push(
    '### The protection folder',
    '',
    `- ${code(PROTECTION_GLOB)} — the manifest, the audit log and the backups, protected at the strictest tier${strictest ? ` (${inline(strictest.label)})` : ''} so that nobody unprotects a file by editing one line.`,
    '',
    '### How a change to a protected file is unlocked',
    '',
    '1. A human runs **Protected Files: Unlock…** in VS Code (command palette, the status bar, the banner at the top of the file, or the explorer context menu).',
    '2. They enter an owner\'s unlock code where the tier requires one, and a written reason (or paste the one-line form `UNLOCK <COMPONENT> WITH CODE: <code> FOR: <reason>`).',
    '3. The file stays unlocked until it is saved or the tier\'s time limit passes, then relocks; the change is recorded with its reason in `.protection/audit.jsonl`, which reviewers see in the pull request.',
    SECTION_END,
  );
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Merging into existing files

function eolOf(text: string | undefined): string {
  return text !== undefined && /\r\n/.test(text) ? '\r\n' : '\n';
}

/** Finds a marker alone on its line (so prose that quotes the marker is not mistaken for it). */
function markerLine(text: string, marker: string, from: number): { start: number; end: number } | undefined {
  const escaped = marker.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`^[ \\t]*${escaped}[ \\t]*$`, 'gm');
  re.lastIndex = from;
  const m = re.exec(text);
  return m ? { start: m.index, end: m.index + m[0].replace(/\r$/, '').length } : undefined;
}

/**
 * Puts `section` (markers included) into a Markdown file: replaces only what lies between the
 * existing markers (markers included), or appends it after a blank line when there are none,
 * or returns it alone for a new file. Running it again with the same section changes nothing.
 * Keeps the file's line endings. `markers` default to the HTML comments of Markdown files
 * (CODEOWNERS uses `#` lines). Throws `AgentGuardsError` when a begin marker has no end
 * marker, rather than guess how much of the user's text to replace.
 */
export function mergeMarkedSection(existing: string | undefined, section: string, markers: { begin: string; end: string } = { begin: SECTION_BEGIN, end: SECTION_END }): string {
  const eol = eolOf(existing);
  const body = section.replace(/\r?\n/g, eol);
  if (existing === undefined || existing.trim() === '') return `${body}${eol}`;
  const begin = markerLine(existing, markers.begin, 0);
  if (!begin) {
    return `${existing.replace(/(?:\r?\n)+$/, '')}${eol}${eol}${body}${eol}`;
  }
  const end = markerLine(existing, markers.end, begin.end);
  if (!end) {
    throw new AgentGuardsError(`the file has "${markers.begin}" without a matching "${markers.end}" after it: add the end marker or remove the begin marker, then run again`);
  }
  return existing.slice(0, begin.start) + body + existing.slice(end.end);
}

/** The file's own indentation and line endings, so inserted lines look like their neighbours. */
function formattingOf(text: string): FormattingOptions {
  const eol = eolOf(text);
  const indent = /\n([ \t]+)\S/.exec(text)?.[1];
  if (indent?.startsWith('\t')) return { insertSpaces: false, tabSize: 4, eol };
  return { insertSpaces: true, tabSize: indent ? Math.min(indent.length, 8) : 2, eol };
}

function parseObject(text: string): Node | undefined {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0 || (root !== undefined && root.type !== 'object')) {
    const offset = errors[0]?.offset ?? 0;
    const line = text.slice(0, offset).split('\n').length;
    throw new AgentGuardsError(`not a valid JSON object (line ${line}): fix it, then run again`);
  }
  return root;
}

function nodeValue(node: Node | undefined): unknown {
  if (!node) return undefined;
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const prop of node.children ?? []) {
        const [key, value] = prop.children ?? [];
        if (key && typeof key.value === 'string') out[key.value] = nodeValue(value);
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map(nodeValue);
    default:
      return node.value;
  }
}

/** The text with `value` at `path` (or that property removed when `value` is `undefined`). */
function edit(text: string, path: JSONPath, value: unknown, options: { isArrayInsertion?: boolean } = {}): string {
  return applyEdits(text, modify(text, path, value, { formattingOptions: formattingOf(text), ...options }));
}

/**
 * Sets `value` at `path` in a JSON-with-comments settings file with jsonc-parser's `modify`,
 * so comments, formatting and every other setting survive; `undefined` text starts a new
 * file. Throws `AgentGuardsError` when the existing text is not a JSON object.
 */
export function mergeJsoncSettings(existing: string | undefined, path: JSONPath, value: unknown): string {
  const start = existing === undefined || existing.trim() === '' ? '{}' : existing;
  parseObject(start);
  let text = edit(start, path, value);
  if (existing === undefined || existing.trim() === '') text = ensureFinalNewline(text, '\n');
  return text;
}

function ensureFinalNewline(text: string, eol: string): string {
  return /\n$/.test(text) ? text : `${text}${eol}`;
}

function typeName(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
}

/**
 * Puts the Copilot entries into `.vscode/settings.json`: removes the keys generated last time
 * (`previous`) that are no longer generated, sets every generated glob to `false`, and leaves
 * the user's other keys, settings and comments alone. A key the user had already set to
 * `false` stays the user's (it is not in `owned`).
 */
export function mergeCopilotSettings(existing: string | undefined, entries: Record<string, false>, previous: readonly string[]): MergeResult {
  let text = existing === undefined || existing.trim() === '' ? '{}' : existing;
  const root = parseObject(text);
  const current = root ? nodeValue(findNodeAtLocation(root, [COPILOT_AUTO_APPROVE_SETTING])) : undefined;
  if (current !== undefined && (typeof current !== 'object' || current === null || Array.isArray(current))) {
    throw new AgentGuardsError(`"${COPILOT_AUTO_APPROVE_SETTING}" is ${typeName(current)}, not an object of glob → true/false: fix it, then run again`);
  }
  const before = (current ?? {}) as Record<string, unknown>;
  const previousSet = new Set(previous);
  const owned: string[] = [];
  for (const key of previous) {
    if (!(key in entries) && Object.prototype.hasOwnProperty.call(before, key)) {
      text = edit(text, [COPILOT_AUTO_APPROVE_SETTING, key], undefined);
    }
  }
  for (const key of Object.keys(entries)) {
    const had = Object.prototype.hasOwnProperty.call(before, key);
    if (!had || previousSet.has(key) || before[key] !== false) owned.push(key);
    if (before[key] !== false) text = edit(text, [COPILOT_AUTO_APPROVE_SETTING, key], false);
  }
  if (existing === undefined || existing.trim() === '') text = ensureFinalNewline(text, '\n');
  return { text, owned };
}

function isOurHook(hook: unknown): boolean {
  if (typeof hook !== 'object' || hook === null) return false;
  const command = (hook as { command?: unknown }).command;
  return typeof command === 'string' && (command.trim() === CLAUDE_HOOK_COMMAND || command.trim().startsWith(`${CLAUDE_HOOK_COMMAND} `));
}

function isCanonicalGroup(group: unknown): boolean {
  if (typeof group !== 'object' || group === null) return false;
  const g = group as { matcher?: unknown; hooks?: unknown };
  const keys = Object.keys(g);
  return g.matcher === CLAUDE_HOOK_MATCHER && keys.length === 2 && Array.isArray(g.hooks) && g.hooks.length === 1
    && JSON.stringify(g.hooks[0]) === JSON.stringify(claudeHookGroup().hooks[0]);
}

function hooksOf(group: unknown): unknown[] {
  const hooks = typeof group === 'object' && group !== null ? (group as { hooks?: unknown }).hooks : undefined;
  return Array.isArray(hooks) ? hooks : [];
}

/**
 * Puts the Claude Code guards into `.claude/settings.json`: in `permissions.deny` removes the
 * rules generated last time (`previous`) and adds the new ones, keeping the user's own rules;
 * in `hooks.PreToolUse` keeps exactly one group running our command (recognized by its command
 * string) and leaves every other hook alone. A rule the user had already written stays the
 * user's (not in `owned`).
 */
export function mergeClaudeSettings(existing: string | undefined, denyRules: readonly string[], previous: readonly string[]): MergeResult {
  let text = existing === undefined || existing.trim() === '' ? '{}' : existing;
  const root = parseObject(text);

  const permissions = root ? nodeValue(findNodeAtLocation(root, ['permissions'])) : undefined;
  if (permissions !== undefined && (typeof permissions !== 'object' || permissions === null || Array.isArray(permissions))) {
    throw new AgentGuardsError(`"permissions" is ${typeName(permissions)}, not an object: fix it, then run again`);
  }
  const deny = root ? nodeValue(findNodeAtLocation(root, ['permissions', 'deny'])) : undefined;
  if (deny !== undefined && !Array.isArray(deny)) {
    throw new AgentGuardsError(`"permissions.deny" is ${typeName(deny)}, not an array of rules: fix it, then run again`);
  }
  const hooks = root ? nodeValue(findNodeAtLocation(root, ['hooks'])) : undefined;
  if (hooks !== undefined && (typeof hooks !== 'object' || hooks === null || Array.isArray(hooks))) {
    throw new AgentGuardsError(`"hooks" is ${typeName(hooks)}, not an object: fix it, then run again`);
  }
  const preToolUse = root ? nodeValue(findNodeAtLocation(root, ['hooks', 'PreToolUse'])) : undefined;
  if (preToolUse !== undefined && !Array.isArray(preToolUse)) {
    throw new AgentGuardsError(`"hooks.PreToolUse" is ${typeName(preToolUse)}, not an array: fix it, then run again`);
  }

  // jsonc-parser 3.3 removes the wrong range when it deletes an array element (`[1, 2]` minus
  // the last element gives `[12]`), so a list that loses an element is written whole; a list
  // that only grows gets insertions, which leave the user's own lines as they are.

  // permissions.deny: the user's rules all stay; ours from last time go when no longer wanted.
  const wanted = new Set(denyRules);
  const previousSet = new Set(previous);
  const before = (deny ?? []) as unknown[];
  const owned = denyRules.filter((rule) => !before.includes(rule) || previousSet.has(rule));
  const kept = before.filter((rule) => !(typeof rule === 'string' && previousSet.has(rule) && !wanted.has(rule)));
  const added = denyRules.filter((rule) => !before.includes(rule));
  if (deny === undefined || kept.length < before.length) {
    if (added.length > 0 || kept.length < before.length) text = edit(text, ['permissions', 'deny'], [...kept, ...added]);
  } else {
    added.forEach((rule, i) => {
      text = edit(text, ['permissions', 'deny', before.length + i], rule, { isArrayInsertion: true });
    });
  }

  // hooks.PreToolUse: exactly one group of ours, the first one already there if it is exact;
  // our command removed from anywhere else; every other hook untouched.
  const groups = (preToolUse ?? []) as unknown[];
  const keep = groups.findIndex(isCanonicalGroup);
  const strays = groups.some((g, i) => i !== keep && hooksOf(g).some(isOurHook));
  if (preToolUse === undefined) {
    text = edit(text, ['hooks', 'PreToolUse'], [claudeHookGroup()]);
  } else if (strays) {
    const cleaned = groups.flatMap((g, i): unknown[] => {
      if (i === keep) return [g];
      const groupHooks = hooksOf(g);
      if (!groupHooks.some(isOurHook)) return [g];
      const others = groupHooks.filter((h) => !isOurHook(h));
      return others.length === 0 ? [] : [{ ...(g as object), hooks: others }];
    });
    text = edit(text, ['hooks', 'PreToolUse'], keep === -1 ? [...cleaned, claudeHookGroup()] : cleaned);
  } else if (keep === -1) {
    text = edit(text, ['hooks', 'PreToolUse', groups.length], claudeHookGroup(), { isArrayInsertion: true });
  }

  if (existing === undefined || existing.trim() === '') text = ensureFinalNewline(text, '\n');
  return { text, owned };
}

// ---------------------------------------------------------------------------------------------
// The state of the last run

/** Reads the state file; anything missing or malformed counts as "nothing generated before". */
export function parseAgentGuardsState(text: string | undefined): AgentGuardsState {
  const empty: AgentGuardsState = { copilotAutoApprove: [], claudeDeny: [] };
  if (text === undefined) return empty;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return empty;
  }
  if (typeof data !== 'object' || data === null) return empty;
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const d = data as { copilotAutoApprove?: unknown; claudeDeny?: unknown };
  return { copilotAutoApprove: strings(d.copilotAutoApprove), claudeDeny: strings(d.claudeDeny) };
}

/** The state file's text: stable for the same state, so a second run changes nothing. */
export function formatAgentGuardsState(state: AgentGuardsState): string {
  const data = {
    comment: 'Written by protected-files (Set Up Agent Guards / `protected-files agents --write`): the entries it generated last time, so the next run replaces exactly those and keeps yours. Commit it.',
    copilotAutoApprove: state.copilotAutoApprove,
    claudeDeny: state.claudeDeny,
  };
  return `${JSON.stringify(data, null, 2)}\n`;
}
