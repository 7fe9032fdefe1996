// Plans and writes the agent guards of one workspace folder (see src/core/agentGuards.ts). The
// plan carries each file's text before and after, so the CLI and the editor can preview it;
// writing checks that nothing changed since the plan was made, then replaces files atomically.
import { promises as fs } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import {
  AgentGuardsError,
  agentInstructionsSection,
  COPILOT_TERMINAL_AUTO_APPROVE_SETTING,
  GUARD_SCRIPT_PATH,
  copilotAutoApproveEntries,
  copilotHooksFile,
  copilotTerminalEntries,
  formatAgentGuardsState,
  guardScript,
  mergeClaudeSettings,
  mergeCodexHooks,
  mergeCopilotSettings,
  mergeCursorHooks,
  mergeGeminiSettings,
  mergeMarkedSection,
  mergeWindsurfHooks,
  parseAgentGuardsState,
} from '../core/agentGuards';
import type { Manifest } from '../core/manifest';
import { sha256 } from '../core/audit';
import { lineDiffStats } from '../core/diffStats';
import { ProtectionMatcher } from '../core/matcher';
import { ApprovedStore } from './approvedStore';
import { atomicWriteFile } from './atomicWrite';
import { AuditRecorder } from './recorder';
import { findGitDir, grantStoreFor } from './grantStore';
import { emptyGrantState, grantIn } from '../core/grantState';
import { readRegularText } from './regularFile';

export const VSCODE_SETTINGS_PATH = '.vscode/settings.json';
export const CLAUDE_SETTINGS_PATH = '.claude/settings.json';
export const COPILOT_HOOKS_PATH = '.github/hooks/protected-files.json';
export const CURSOR_HOOKS_PATH = '.cursor/hooks.json';
export const GEMINI_SETTINGS_PATH = '.gemini/settings.json';
export const CODEX_HOOKS_PATH = '.codex/hooks.json';
export const WINDSURF_HOOKS_PATH = '.windsurf/hooks.json';
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

function absolute(folderPath: string, relPath: string): string {
  return join(folderPath, ...relPath.split('/'));
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
  const read = (rel: string): Promise<string | undefined> => readRegularText(absolute(folderPath, rel));
  const hookPaths = [CLAUDE_SETTINGS_PATH, COPILOT_HOOKS_PATH, CURSOR_HOOKS_PATH, GEMINI_SETTINGS_PATH, CODEX_HOOKS_PATH, WINDSURF_HOOKS_PATH, GUARD_SCRIPT_PATH];
  const [stateText, vscodeBefore, agentsBefore, ...rest] = await Promise.all([
    read(AGENT_GUARDS_STATE_PATH),
    read(VSCODE_SETTINGS_PATH),
    read(AGENTS_MD_PATH),
    ...hookPaths.map(read),
    ...OPTIONAL_INSTRUCTION_PATHS.map(read),
  ]);
  const hookBefore = rest.slice(0, hookPaths.length);
  const optionalBefore = rest.slice(hookPaths.length);
  const previous = parseAgentGuardsState(stateText);
  // The hook command finds the launcher from the checkout's top when the manifest folder is below it.
  const git = findGitDir(folderPath);
  const subdir = git ? relative(git.root, folderPath).split(sep).join('/') : '';

  let copilotOwned: string[] = [];
  let terminalOwned: string[] = [];
  const vscodeAfter = inFile(VSCODE_SETTINGS_PATH, () => keepingBom(vscodeBefore, (text) => {
    const edits = mergeCopilotSettings(text, copilotAutoApproveEntries(manifest), previous.copilotAutoApprove);
    copilotOwned = edits.owned;
    const terminal = mergeCopilotSettings(edits.text, copilotTerminalEntries(manifest.guardedCommands), previous.copilotTerminalAutoApprove, COPILOT_TERMINAL_AUTO_APPROVE_SETTING);
    terminalOwned = terminal.owned;
    return terminal.text;
  }));
  const merges: Record<string, (text: string | undefined) => string> = {
    [CLAUDE_SETTINGS_PATH]: (text) => mergeClaudeSettings(text, previous.claudeDeny).text,
    [COPILOT_HOOKS_PATH]: () => copilotHooksFile(subdir),
    [CURSOR_HOOKS_PATH]: (text) => mergeCursorHooks(text, subdir),
    [GEMINI_SETTINGS_PATH]: (text) => mergeGeminiSettings(text, subdir),
    [CODEX_HOOKS_PATH]: (text) => mergeCodexHooks(text, subdir),
    [WINDSURF_HOOKS_PATH]: (text) => mergeWindsurfHooks(text, subdir),
    [GUARD_SCRIPT_PATH]: () => guardScript(),
  };

  const section = agentInstructionsSection(manifest);
  const markdown = (rel: string, before: string | undefined): PlannedFile => {
    const after = inFile(rel, () => keepingBom(before, (text) => mergeMarkedSection(text, section)));
    return { path: rel, before, after, changed: after !== before };
  };
  const file = (rel: string, before: string | undefined, after: string): PlannedFile => ({ path: rel, before, after, changed: after !== before });

  return [
    file(VSCODE_SETTINGS_PATH, vscodeBefore, vscodeAfter),
    ...hookPaths.map((rel, i) => file(rel, hookBefore[i], inFile(rel, () => keepingBom(hookBefore[i], merges[rel])))),
    markdown(AGENTS_MD_PATH, agentsBefore),
    ...OPTIONAL_INSTRUCTION_PATHS.flatMap((rel, i) => (optionalBefore[i] === undefined ? [] : [markdown(rel, optionalBefore[i])])),
    file(AGENT_GUARDS_STATE_PATH, stateText, formatAgentGuardsState({ copilotAutoApprove: copilotOwned, copilotTerminalAutoApprove: terminalOwned, claudeDeny: [] })),
  ];
}

/**
 * Writes the changed files of `plan` into `folderPath` and returns them. Each is checked
 * first: if its current text is no longer the plan's `before` (someone edited it after the
 * preview), nothing is written and an `AgentGuardsError` asks for a new preview. The state file
 * goes first, so an interrupted run never leaves generated entries that no state claims.
 */
export async function writeAgentGuards(folderPath: string, plan: readonly PlannedFile[], manifest?: Manifest, ownWrite?: (content: Uint8Array) => void): Promise<PlannedFile[]> {
  const changed = plan.filter((f) => f.changed);
  for (const f of changed) {
    const now = await readRegularText(absolute(folderPath, f.path));
    if (now !== f.before) {
      throw new AgentGuardsError(`${f.path} changed after the preview was made: preview again, then write`);
    }
  }
  // The files that hold the guards are protected (src/core/matcher.ts AGENT_GUARD_FILES, and the
  // launcher under .protection/): what this tool writes there is derived from the (protected)
  // manifest alone, so it is recorded as an approved change before it lands, and neither the
  // breach guard nor the commit gate takes it for a breach.
  const matcher = new ProtectionMatcher(manifest);
  const protectedFiles = changed.filter((f) => matcher.classify(f.path));
  if (protectedFiles.length > 0) {
    const recorder = new AuditRecorder(folderPath);
    const approved = new ApprovedStore(folderPath);
    // Where an owner unlocked the file first, the record is signed under that grant (what a tier
    // with "unsignedApprovals": "fail" needs); otherwise it is an unsigned, generated change.
    const grants = grantStoreFor(folderPath)?.readSync() ?? emptyGrantState();
    for (const f of protectedFiles) {
      const c = matcher.classify(f.path)!;
      const grant = grantIn(grants, f.path, c.component?.name, Date.now());
      const stats = lineDiffStats(f.before ?? '', f.after);
      await recorder.record({
        event: 'change', file: f.path, tier: c.tier.id, ...(c.component ? { component: c.component.name } : {}),
        reason: 'Agent guards generated from the protection manifest (Set Up Agent Guards / protected-files agents --write)',
        before: sha256(f.before ?? ''), after: sha256(f.after), added: stats.added, removed: stats.removed,
        detail: 'generated by protected-files agents',
      }, grant);
      await approved.put(Buffer.from(f.after, 'utf8'));
    }
  }
  const ordered = [...changed.filter((f) => f.path === AGENT_GUARDS_STATE_PATH), ...changed.filter((f) => f.path !== AGENT_GUARDS_STATE_PATH)];
  for (const f of ordered) {
    const path = absolute(folderPath, f.path);
    await fs.mkdir(dirname(path), { recursive: true });
    // The editor's own breach guard takes this exact content as its own write (its record may be
    // unsigned, which the guard no longer takes as an approval where the manifest holds a signing code).
    if (ownWrite && matcher.classify(f.path)) ownWrite(Buffer.from(f.after, 'utf8'));
    await atomicWriteFile(path, f.after);
  }
  return changed;
}
