// `protected-files agents [--write]`: previews, or writes, the guards for AI agents generated
// from the manifest (Copilot auto-approval entries, Claude Code deny rules and hook, the
// instructions section of AGENTS.md and its kin). Without --write nothing is written.
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { AgentGuardsError } from '../core/agentGuards';
import { lineDiffStats } from '../core/diffStats';
import { MANIFEST_PATH, parseManifest } from '../core/manifest';
import { manifestText } from '../core/manifestText';
import { AGENT_GUARDS_STATE_PATH, agentFollowUps, planAgentGuards, writeAgentGuards } from '../node/agentGuardsWriter';
import type { PlannedFile } from '../node/agentGuardsWriter';
import type { CliIo } from './io';
import { readRegularFileStrict } from '../node/regularFile';

const USAGE = `Usage: protected-files agents [--write]

Generates guards for AI agents from ${MANIFEST_PATH}:
  .protection/hooks/guard.sh          the launcher every hook runs: finds the CLI (the VS Code
                                      extension's, a global install, node_modules) and refuses
                                      the tool call with the fix when there is none
  .claude/settings.json               Claude Code PreToolUse/PostToolUse hooks (no deny rules)
  .github/hooks/protected-files.json  Copilot agent hooks in VS Code
  .cursor/hooks.json                  Cursor preToolUse/beforeShellExecution (fail closed)
  .gemini/settings.json               Gemini CLI BeforeTool/AfterTool hooks
  .codex/hooks.json                   Codex CLI PreToolUse/PostToolUse hooks
  .windsurf/hooks.json                Windsurf pre_write_code/pre_run_command hooks
  .clinerules/hooks/PreToolUse        Cline PreToolUse/PostToolUse hooks (executable files;
  .clinerules/hooks/PostToolUse       reload the VS Code window once for Cline to see new ones)
  .vscode/settings.json               chat.tools.edits.autoApprove: protected globs → false;
                                      chat.tools.terminal.autoApprove: guardedCommands → false
  AGENTS.md                           a marked section listing protected files and the unlock
                                      procedure (also CLAUDE.md, .github/copilot-instructions.md)
The hook files are protected like .protection/**; what this command writes there is recorded in
the audit log as a generated change. See docs/agents.md.
Your own settings, rules and text are kept; only what this command generated is replaced.

  (no option)   print what would change, as a diff; write nothing
  --write       write the files
  -h, --help    this help

Exit status: 0 done; 2 usage error, no manifest, manifest errors, or an existing file that
cannot be merged into without damage (the message says which file and what to fix).
`;

/** Lines of context around each change in the printed diff. */
const CONTEXT = 3;
/** Beyond this many line comparisons the changed middle is shown as one replaced block. */
const MAX_DIFF_CELLS = 4_000_000;

/** The folder whose manifest applies: `cwd` or the nearest parent with a manifest. */
async function findFolder(cwd: string): Promise<string | undefined> {
  for (let dir = cwd; ; dir = dirname(dir)) {
    try {
      await fs.access(join(dir, ...MANIFEST_PATH.split('/')));
      return dir;
    } catch {
      // not here; try the parent
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function splitLines(text: string | undefined): string[] {
  if (text === undefined || text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

type Op = { kind: ' ' | '-' | '+'; line: string };

/** A line edit script: common head and tail, then an LCS of the (usually small) middle. */
function diffLines(a: string[], b: string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const ma = a.slice(head, a.length - tail);
  const mb = b.slice(head, b.length - tail);
  const middle: Op[] = [];
  if (ma.length * mb.length > MAX_DIFF_CELLS) {
    middle.push(...ma.map((line): Op => ({ kind: '-', line })), ...mb.map((line): Op => ({ kind: '+', line })));
  } else {
    // lcs[i][j]: length of the longest common subsequence of ma[i..] and mb[j..].
    const width = mb.length + 1;
    const lcs = new Uint32Array((ma.length + 1) * width);
    for (let i = ma.length - 1; i >= 0; i--) {
      for (let j = mb.length - 1; j >= 0; j--) {
        lcs[i * width + j] = ma[i] === mb[j] ? lcs[(i + 1) * width + j + 1] + 1 : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < ma.length || j < mb.length) {
      if (i < ma.length && j < mb.length && ma[i] === mb[j]) {
        middle.push({ kind: ' ', line: ma[i++] });
        j++;
      } else if (i < ma.length && (j >= mb.length || lcs[(i + 1) * width + j] >= lcs[i * width + j + 1])) {
        middle.push({ kind: '-', line: ma[i++] }); // removals before additions, as diff(1) prints them
      } else {
        middle.push({ kind: '+', line: mb[j++] });
      }
    }
  }
  return [
    ...a.slice(0, head).map((line): Op => ({ kind: ' ', line })),
    ...middle,
    ...a.slice(a.length - tail).map((line): Op => ({ kind: ' ', line })),
  ];
}

/** A unified diff of one planned file, `---`/`+++` headers included. */
export function unifiedDiff(file: PlannedFile): string {
  const ops = diffLines(splitLines(file.before), splitLines(file.after));
  const out = [`--- ${file.before === undefined ? '/dev/null' : `a/${file.path}`}`, `+++ b/${file.path}`];
  const changes = ops.flatMap((op, i) => (op.kind === ' ' ? [] : [i]));
  let k = 0;
  while (k < changes.length) {
    // Grow a hunk while the next change is close enough for the contexts to touch.
    const start = Math.max(0, changes[k] - CONTEXT);
    let last = changes[k];
    while (k + 1 < changes.length && changes[k + 1] - last <= 2 * CONTEXT) last = changes[++k];
    k++;
    const end = Math.min(ops.length, last + CONTEXT + 1);
    let oldStart = 1;
    let newStart = 1;
    for (let i = 0; i < start; i++) {
      if (ops[i].kind !== '+') oldStart++;
      if (ops[i].kind !== '-') newStart++;
    }
    const hunk = ops.slice(start, end);
    const oldCount = hunk.filter((op) => op.kind !== '+').length;
    const newCount = hunk.filter((op) => op.kind !== '-').length;
    out.push(`@@ -${oldCount === 0 ? oldStart - 1 : oldStart},${oldCount} +${newCount === 0 ? newStart - 1 : newStart},${newCount} @@`);
    out.push(...hunk.map((op) => `${op.kind}${op.line}`));
  }
  return out.join('\n');
}

/** "new file, +12 lines", "+3 −1 lines", "made executable", "unchanged". */
export function changeSummary(file: PlannedFile): string {
  if (!file.changed) return 'unchanged';
  const { added, removed } = lineDiffStats(file.before ?? '', file.after);
  if (file.before === undefined) return `new file, +${added} lines`;
  // Same text, written again for its mode (a Cline hook that is not executable is not run).
  if (file.before === file.after) return 'made executable';
  return `+${added} −${removed} lines`;
}

function summaryTable(plan: readonly PlannedFile[]): string {
  const width = Math.max(...plan.map((f) => f.path.length));
  return plan.map((f) => `  ${f.path.padEnd(width)}  ${changeSummary(f)}`).join('\n');
}

/** `protected-files agents [--write]`; see USAGE. */
export async function runAgents(args: string[], io: CliIo): Promise<number> {
  let write = false;
  for (const arg of args) {
    if (arg === '--write') write = true;
    else if (arg === '-h' || arg === '--help') {
      io.stdout(USAGE);
      return 0;
    } else {
      io.stderr(`protected-files agents: unknown argument "${arg}".\n\n${USAGE}`);
      return 2;
    }
  }

  const folder = await findFolder(io.cwd);
  if (!folder) {
    io.stderr(`protected-files agents: no protection manifest (${MANIFEST_PATH}) in ${io.cwd} or any folder above it. Create one first (VS Code: "Protected Files: Create Manifest").\n`);
    return 2;
  }
  const parsed = parseManifest(manifestText(await readRegularFileStrict(join(folder, ...MANIFEST_PATH.split('/')))));
  if (!parsed.manifest) {
    const errors = parsed.problems.filter((p) => p.severity === 'error');
    io.stderr(`protected-files agents: ${MANIFEST_PATH} has ${errors.length === 1 ? 'an error' : `${errors.length} errors`}; fix ${errors.length === 1 ? 'it' : 'them'} and run again:\n`);
    for (const p of errors) io.stderr(`  ${MANIFEST_PATH}:${p.line + 1}:${p.column + 1}: ${p.message}\n`);
    return 2;
  }

  try {
    const plan = await planAgentGuards(folder, parsed.manifest);
    const changed = plan.filter((f) => f.changed);
    if (changed.length === 0) {
      io.stdout(`Agent guards in ${folder} are up to date with ${MANIFEST_PATH}: nothing to ${write ? 'write' : 'change'}.\n`);
      return 0;
    }
    if (write) {
      const written = await writeAgentGuards(folder, plan, parsed.manifest);
      io.stdout(`Wrote ${written.length} file${written.length === 1 ? '' : 's'} in ${folder}:\n${summaryTable(written)}\nCommit them, the state file ${AGENT_GUARDS_STATE_PATH} too, so every teammate's agents get the same guards and the next run replaces exactly these entries.\n${agentFollowUps(written).map((n) => `${n}\n`).join('')}`);
      return 0;
    }
    io.stdout(`Agent guards for ${folder}, from ${MANIFEST_PATH}:\n${summaryTable(plan)}\n\n`);
    for (const f of changed) io.stdout(`${unifiedDiff(f)}\n\n`);
    io.stdout(`Nothing written. Run "protected-files agents --write" to write ${changed.length === 1 ? 'this file' : `these ${changed.length} files`}.\n`);
    return 0;
  } catch (err) {
    if (err instanceof AgentGuardsError) {
      io.stderr(`protected-files agents: ${err.message}.\n`);
      return 2;
    }
    throw err; // unexpected (I/O): the dispatcher reports it like any command's
  }
}
