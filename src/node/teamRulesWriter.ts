// Plans and writes the team rules of one workspace folder (see src/core/teamRules.ts): the
// CODEOWNERS section and the verify workflow. The plan has each file's text before and after, for
// the CLI's diff and the editor's preview; writing refuses files changed since the plan.
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { AgentGuardsError, mergeMarkedSection } from '../core/agentGuards';
import type { Manifest } from '../core/manifest';
import { CODEOWNERS_BEGIN, CODEOWNERS_END, WORKFLOW_MARKER, codeownersSection, workflowText } from '../core/teamRules';
import type { CodeownersSection } from '../core/teamRules';
import type { PlannedFile } from './agentGuardsWriter';
import { atomicWriteFile } from './atomicWrite';
import { readRegularText } from './regularFile';

export const WORKFLOW_PATH = '.github/workflows/protected-files.yml';
/** Where GitHub looks for CODEOWNERS, in its order. */
const CODEOWNERS_LOCATIONS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const;

export interface TeamPlan {
  files: PlannedFile[];
  codeowners: CodeownersSection;
  codeownersPath: string;
  /** The workflow file exists without our marker line: it is the team's own and is left alone. */
  workflowKept: boolean;
}

function absolute(folder: string, rel: string): string {
  return join(folder, ...rel.split('/'));
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readRegularText(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await fs.stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The CODEOWNERS file to use: the one GitHub already reads (`.github/`, the root, `docs/`, in
 * that order: writing a new one ahead of it would hide it), else `.github/CODEOWNERS` when there
 * is a `.github` folder, else the root one.
 */
export async function codeownersPath(folder: string): Promise<string> {
  for (const rel of CODEOWNERS_LOCATIONS) if ((await readText(absolute(folder, rel))) !== undefined) return rel;
  return (await isDirectory(absolute(folder, '.github'))) ? '.github/CODEOWNERS' : 'CODEOWNERS';
}

/** Whether the folder's package.json depends on protected-files (then CI uses that pinned copy). */
async function dependsOnCli(folder: string): Promise<boolean> {
  const text = await readText(absolute(folder, 'package.json'));
  if (text === undefined) return false;
  try {
    const pkg = JSON.parse(text) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    return Boolean(pkg.dependencies?.['protected-files'] ?? pkg.devDependencies?.['protected-files']);
  } catch {
    return false;
  }
}

/**
 * What `protected-files team` would write in `folder`: the CODEOWNERS section (the rest of the file
 * kept) and the workflow (unless the team's own file is there). Reads, never writes. Throws
 * `AgentGuardsError` for a CODEOWNERS file with a begin marker and no end marker.
 */
export async function planTeamRules(folder: string, manifest: Manifest, cliVersion: string): Promise<TeamPlan> {
  const path = await codeownersPath(folder);
  const before = await readText(absolute(folder, path));
  const codeowners = codeownersSection(manifest);
  let after: string;
  try {
    after = mergeMarkedSection(before, codeowners.text, { begin: CODEOWNERS_BEGIN, end: CODEOWNERS_END });
  } catch (err) {
    if (err instanceof AgentGuardsError) throw new AgentGuardsError(`${path}: ${err.message}`);
    throw err;
  }
  const files: PlannedFile[] = [{ path, before, after, changed: after !== before }];

  const workflowBefore = await readText(absolute(folder, WORKFLOW_PATH));
  const workflowKept = workflowBefore !== undefined && !workflowBefore.startsWith(WORKFLOW_MARKER);
  if (!workflowKept) {
    const source = (await dependsOnCli(folder)) ? { kind: 'dependency' as const } : { kind: 'npx' as const, version: cliVersion };
    const text = workflowText(source);
    files.push({ path: WORKFLOW_PATH, before: workflowBefore, after: text, changed: text !== workflowBefore });
  }
  return { files, codeowners, codeownersPath: path, workflowKept };
}

/** Writes the changed files of the plan, unless one changed since the plan was made. */
export async function writeTeamRules(folder: string, plan: TeamPlan): Promise<PlannedFile[]> {
  const changed = plan.files.filter((f) => f.changed);
  for (const f of changed) {
    if ((await readText(absolute(folder, f.path))) !== f.before) {
      throw new AgentGuardsError(`${f.path} changed after the preview was made: preview again, then write`);
    }
  }
  for (const f of changed) {
    const path = absolute(folder, f.path);
    await fs.mkdir(dirname(path), { recursive: true });
    await atomicWriteFile(path, f.after);
  }
  return changed;
}

/** The warnings of a plan: owners not written, globs CODEOWNERS cannot say, components left out. */
export function teamNotes(plan: TeamPlan): string[] {
  const notes: string[] = [];
  const { codeowners } = plan;
  for (const o of codeowners.unusableOwners) notes.push(`${o.component}: owner "${o.owner}" is not an @handle, @org/team or email: not written (CODEOWNERS would reject the line).`);
  for (const name of codeowners.withoutOwners) notes.push(`${name}: no usable owner, so no CODEOWNERS line: add "@handle" or email owners in the manifest.`);
  for (const u of codeowners.unexpressible) notes.push(`${u.component}: "${u.glob}" cannot be expressed in CODEOWNERS (${u.reason}): it has no code owner; the verify gate still covers it.`);
  if (plan.workflowKept) notes.push(`${WORKFLOW_PATH} exists and is yours (no generated marker line): left alone. Make sure it runs "protected-files verify --base" with fetch-depth: 0.`);
  return notes;
}
