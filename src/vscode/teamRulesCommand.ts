// Protected Files: Set Up Team Rules — previews the CODEOWNERS section and the verify workflow
// generated from a folder's manifest (see src/core/teamRules.ts), with the same preview as Set Up
// Agent Guards, and writes them when the user says so.
import * as vscode from 'vscode';
import { AgentGuardsError } from '../core/agentGuards';
import { WORKFLOW_CHECK_NAME } from '../core/teamRules';
import { planTeamRules, teamNotes, writeTeamRules } from '../node/teamRulesWriter';
import { log } from './logger';
import { confirmPlan, generatorInput } from './planPreview';

const EXTENSION_ID = 'protected-files.protected-files';

/**
 * Protected Files: Set Up Team Rules for one workspace folder: plans from `manifestText`,
 * previews (diffs and notes), and on "Write N files" writes CODEOWNERS and the workflow. Problems
 * the user can fix are one sentence; anything else goes to the command boundary.
 */
export async function setUpTeamRules(folderUri: vscode.Uri, manifestText: string): Promise<void> {
  const input = generatorInput(folderUri, manifestText, 'Set Up Team Rules');
  if (!input) return;
  const { folderName, manifest } = input;
  try {
    const version = (vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { version?: string } | undefined)?.version ?? 'latest';
    const plan = await planTeamRules(folderUri.fsPath, manifest, version);
    const changed = plan.files.filter((f) => f.changed);
    const planNotes = teamNotes(plan);
    for (const n of planNotes) log.warn(`[team] ${folderName}: ${n}`);
    if (changed.length === 0) {
      void vscode.window.showInformationMessage(`Team rules in ${folderName} are up to date with the manifest: nothing to change.${planNotes.length > 0 ? ` ${planNotes.length} note(s) in the log.` : ''}`);
      return;
    }
    const confirmed = await confirmPlan({
      title: `Set Up Team Rules: ${folderName}`,
      placeholder: 'Pick a file to see its diff, or write the files. Your own CODEOWNERS lines are kept.',
      after: 'after Set Up Team Rules',
      changed,
      notes: planNotes,
    });
    if (!confirmed) return;
    const written = await writeTeamRules(folderUri.fsPath, plan);
    log.info(`[team] ${folderName}: wrote ${written.map((f) => f.path).join(', ')}`);
    const open = `Open ${plan.codeownersPath}`;
    const choice = await vscode.window.showInformationMessage(
      `Team rules written in ${folderName}: ${written.map((f) => f.path).join(', ')}. Commit them, then on the host require the status check "${WORKFLOW_CHECK_NAME}" and review from Code Owners (docs/team.md).`,
      open,
    );
    if (choice === open) await vscode.window.showTextDocument(vscode.Uri.joinPath(folderUri, plan.codeownersPath), { preview: false });
  } catch (err) {
    if (!(err instanceof AgentGuardsError)) throw err;
    log.warn(`[team] ${folderName}: ${err.message}`);
    void vscode.window.showErrorMessage(`Could not set up team rules: ${err.message}.`);
  }
}
