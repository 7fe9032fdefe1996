// Plans and writes the agent guards of one workspace folder (see src/core/agentGuards.ts). The
// plan carries each file's text before and after, so the CLI and the editor can preview it;
// writing checks that nothing changed since the plan was made, then replaces files atomically.
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  AgentGuardsError,
  agentInstructionsSection,
  claudeDenyRules,
  copilotAutoApproveEntries,
  formatAgentGuardsState,
  mergeClaudeSettings,
  mergeCopilotSettings,
  mergeMarkedSection,
  parseAgentGuardsState,
} from '../core/agentGuards';
import type { Manifest } from '../core/manifest';
import { atomicWriteFile } from './atomicWrite';

export const VSCODE_SETTINGS_PATH = '.vscode/settings.json';
export const CLAUDE_SETTINGS_PATH = '.claude/settings.json';
export const AGENTS_MD_PATH = 'AGENTS.md';
/** Updated only where they already exist: not every team uses these agents. */
export const OPTIONAL_INSTRUCTION_PATHS: readonly string[] = ['CLAUDE.md', '.github/copilot-instructions.md'];
/**
 * What the last run generated, so the next run removes exactly that and keeps the user's own
 * entries. Not under `.protection/`: that folder is protected, so writing there would be a
 * breach for the watcher and an unrecorded change for the git gate. Commit it.
 */
export const AGENT_GUARDS_STATE_PATH = '.protected-files-agents.json';

/** One file of the plan. */
export interface PlannedFile {
  /** Folder-relative, `/`-separated. */
  path: string;
  /** The current text, `undefined` when the file does not exist. */
  before: string | undefined;
  after: string;
  changed: boolean;
}

const BOM = '\uFEFF';

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function absolute(folderPath: string, relPath: string): string {
  return join(folderPath, ...relPath.split('/'));
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await fs.readFile(path, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** Runs a merge on the text without its byte order mark and puts the mark back. */
function keepingBom(before: string | undefined, merge: (text: string | undefined) => string): string {
  const bom = before?.startsWith(BOM) ? BOM : '';
  return bom + merge(bom ? before?.slice(1) : before);
}

/** Names the file in a merge error, so the user knows which one to fix. */
function inFile<T>(relPath: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof AgentGuardsError) throw new AgentGuardsError(`${relPath}: ${err.message}`);
    throw err;
  }
}

/**
 * What Set Up Agent Guards would write in `folderPath` for `manifest`: `.vscode/settings.json`,
 * `.claude/settings.json`, `AGENTS.md` (created where missing), `CLAUDE.md` and
 * `.github/copilot-instructions.md` (only where they exist) and the state file. Reads, never
 * writes. Throws `AgentGuardsError` naming the file when an existing file cannot be merged
 * into without damage (invalid JSON, a setting of the wrong type, a begin marker without end).
 */
export async function planAgentGuards(folderPath: string, manifest: Manifest): Promise<PlannedFile[]> {
  const read = (rel: string): Promise<string | undefined> => readText(absolute(folderPath, rel));
  const [stateText, vscodeBefore, claudeBefore, agentsBefore, ...optionalBefore] = await Promise.all([
    read(AGENT_GUARDS_STATE_PATH),
    read(VSCODE_SETTINGS_PATH),
    read(CLAUDE_SETTINGS_PATH),
    read(AGENTS_MD_PATH),
    ...OPTIONAL_INSTRUCTION_PATHS.map(read),
  ]);
  const previous = parseAgentGuardsState(stateText);

  let copilotOwned: string[] = [];
  const vscodeAfter = inFile(VSCODE_SETTINGS_PATH, () => keepingBom(vscodeBefore, (text) => {
    const merged = mergeCopilotSettings(text, copilotAutoApproveEntries(manifest), previous.copilotAutoApprove);
    copilotOwned = merged.owned;
    return merged.text;
  }));
  let claudeOwned: string[] = [];
  const claudeAfter = inFile(CLAUDE_SETTINGS_PATH, () => keepingBom(claudeBefore, (text) => {
    const merged = mergeClaudeSettings(text, claudeDenyRules(manifest), previous.claudeDeny);
    claudeOwned = merged.owned;
    return merged.text;
  }));

  const section = agentInstructionsSection(manifest);
  const markdown = (rel: string, before: string | undefined): PlannedFile => {
    const after = inFile(rel, () => keepingBom(before, (text) => mergeMarkedSection(text, section)));
    return { path: rel, before, after, changed: after !== before };
  };
  const file = (rel: string, before: string | undefined, after: string): PlannedFile => ({ path: rel, before, after, changed: after !== before });

  return [
    file(VSCODE_SETTINGS_PATH, vscodeBefore, vscodeAfter),
    file(CLAUDE_SETTINGS_PATH, claudeBefore, claudeAfter),
    markdown(AGENTS_MD_PATH, agentsBefore),
    ...OPTIONAL_INSTRUCTION_PATHS.flatMap((rel, i) => (optionalBefore[i] === undefined ? [] : [markdown(rel, optionalBefore[i])])),
    file(AGENT_GUARDS_STATE_PATH, stateText, formatAgentGuardsState({ copilotAutoApprove: copilotOwned, claudeDeny: claudeOwned })),
  ];
}

/**
 * Writes the changed files of `plan` into `folderPath` and returns them. Each is checked
 * first: if its current text is no longer the plan's `before` (someone edited it after the
 * preview), nothing is written and an `AgentGuardsError` asks for a new preview. The state file
 * goes first, so an interrupted run never leaves generated entries that no state claims.
 */
export async function writeAgentGuards(folderPath: string, plan: readonly PlannedFile[]): Promise<PlannedFile[]> {
  const changed = plan.filter((f) => f.changed);
  for (const f of changed) {
    const now = await readText(absolute(folderPath, f.path));
    if (now !== f.before) {
      throw new AgentGuardsError(`${f.path} changed after the preview was made: preview again, then write`);
    }
  }
  const ordered = [...changed.filter((f) => f.path === AGENT_GUARDS_STATE_PATH), ...changed.filter((f) => f.path !== AGENT_GUARDS_STATE_PATH)];
  for (const f of ordered) {
    const path = absolute(folderPath, f.path);
    await fs.mkdir(dirname(path), { recursive: true });
    await atomicWriteFile(path, f.after);
  }
  return changed;
}
