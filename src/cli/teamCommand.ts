// `protected-files team [--write]`: the team's rules on the git server, generated from the
// manifest: a marked CODEOWNERS section (each component's owners for its globs) and the GitHub
// Actions workflow running the verify gate on pull requests. Without --write nothing is written.
import { AgentGuardsError } from '../core/agentGuards';
import { MANIFEST_PATH } from '../core/manifest';
import { WORKFLOW_CHECK_NAME } from '../core/teamRules';
import { WORKFLOW_PATH, planTeamRules, teamNotes, writeTeamRules } from '../node/teamRulesWriter';
import type { TeamPlan } from '../node/teamRulesWriter';
import { changeSummary, unifiedDiff } from './agentsCommand';
import { manifestOrThrow } from './enforcedManifest';
import { CliError, EXIT_OK, findWorkspaceRoot, parseCommandArgs, readWorkTreeManifest } from './io';
import type { CliIo } from './io';
import { version } from './main';

const USAGE = `Usage: protected-files team [--write]

Generates the rules for the git server from ${MANIFEST_PATH}:
  CODEOWNERS          a marked section naming each component's owners for its globs
                      (.github/CODEOWNERS, or the CODEOWNERS GitHub already reads;
                      the root CODEOWNERS when there is no .github folder)
  ${WORKFLOW_PATH}
                      runs "protected-files verify --base" on every pull request
Your own CODEOWNERS lines are kept; a workflow file without the generated marker line is left alone.
Owners that are not @handles, @org/teams or emails are reported, never written.
Pair them with the host settings in docs/team.md.

  (no option)   print what would change, as a diff; write nothing
  --write       write the files
  -h, --help    this help

Exit status: 0 done; 2 usage error, no manifest, manifest errors, or a CODEOWNERS file with a
begin marker and no end marker.
`;

/** `protected-files team [--write]`; see USAGE. */
export async function runTeam(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs('team', args, { options: { write: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  const folder = findWorkspaceRoot(io.cwd);
  const text = folder === undefined ? undefined : await readWorkTreeManifest(folder);
  if (folder === undefined || text === undefined) {
    throw new CliError(`No protection manifest (${MANIFEST_PATH}) in ${io.cwd} or any folder above it.`, 'Create one first (VS Code: "Protected Files: Create Manifest", or "protected-files import <doc.md> --write").');
  }
  const manifest = manifestOrThrow(text, MANIFEST_PATH);
  let plan: TeamPlan;
  try {
    plan = await planTeamRules(folder, manifest, version());
  } catch (err) {
    if (err instanceof AgentGuardsError) throw new CliError(`${err.message}.`);
    throw err;
  }
  const notes = teamNotes(plan).map((n) => `  note: ${n}\n`).join('');
  const changed = plan.files.filter((f) => f.changed);
  if (changed.length === 0) {
    io.stdout(`Team rules in ${folder} are up to date with ${MANIFEST_PATH}: nothing to ${values.write ? 'write' : 'change'}.\n${notes}`);
    return EXIT_OK;
  }
  const width = Math.max(...plan.files.map((f) => f.path.length));
  const table = (files: typeof plan.files): string => files.map((f) => `  ${f.path.padEnd(width)}  ${changeSummary(f)}`).join('\n');
  if (values.write) {
    let written;
    try {
      written = await writeTeamRules(folder, plan);
    } catch (err) {
      if (err instanceof AgentGuardsError) throw new CliError(`${err.message}.`);
      throw err;
    }
    io.stdout(`Wrote ${written.length} file${written.length === 1 ? '' : 's'} in ${folder}:\n${table(written)}\n${notes}`);
    io.stdout(`Commit them, then on the host: require the status check "${WORKFLOW_CHECK_NAME}" and review from Code Owners on the protected branch (docs/team.md).\n`);
    return EXIT_OK;
  }
  io.stdout(`Team rules for ${folder}, from ${MANIFEST_PATH}:\n${table(plan.files)}\n${notes}\n`);
  for (const f of changed) io.stdout(`${unifiedDiff(f)}\n\n`);
  io.stdout(`Nothing written. Run "protected-files team --write" to write ${changed.length === 1 ? 'this file' : `these ${changed.length} files`}.\n`);
  return EXIT_OK;
}
