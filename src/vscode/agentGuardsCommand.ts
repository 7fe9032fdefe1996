// Protected Files: Set Up Agent Guards — previews the guards for AI agents generated from a
// folder's manifest (Copilot auto-approval entries, Claude Code deny rules and hook, the
// AGENTS.md section), shows each file's diff on request, and writes them when the user says so.
import * as vscode from 'vscode';
import { AgentGuardsError } from '../core/agentGuards';
import { AGENTS_MD_PATH, AGENT_GUARDS_STATE_PATH, agentFollowUps, planAgentGuards, writeAgentGuards } from '../node/agentGuardsWriter';
import { log } from './logger';
import { confirmPlan, generatorInput } from './planPreview';

/**
 * Protected Files: Set Up Agent Guards for one workspace folder: computes the plan from
 * `manifestText`, previews it, and on "Write N files" writes `.vscode/settings.json`,
 * `.claude/settings.json`, `AGENTS.md` (created where missing), `CLAUDE.md` and
 * `.github/copilot-instructions.md` (where they exist) and the state file, then reports.
 * Problems the user can fix (a broken manifest, a settings file that is not JSON, a file
 * edited during the preview) are shown as one sentence; anything else is thrown to the
 * command boundary.
 */
export async function setUpAgentGuards(folderUri: vscode.Uri, manifestText: string, ownWrite?: (content: Uint8Array) => void): Promise<void> {
  const input = generatorInput(folderUri, manifestText, 'Set Up Agent Guards');
  if (!input) return;
  const { folderName, manifest } = input;

  try {
    const plan = await planAgentGuards(folderUri.fsPath, manifest);
    const changed = plan.filter((f) => f.changed);
    if (changed.length === 0) {
      void vscode.window.showInformationMessage(`Agent guards in ${folderName} are up to date with the manifest: nothing to change.`);
      return;
    }
    const confirmed = await confirmPlan({
      title: `Set Up Agent Guards: ${folderName}`,
      placeholder: 'Pick a file to see its diff, or write the files. Your own settings and text are kept.',
      after: 'after Set Up Agent Guards',
      changed,
    });
    if (!confirmed) return;

    const written = await writeAgentGuards(folderUri.fsPath, plan, manifest, ownWrite);
    log.info(`[agents] ${folderName}: wrote ${written.map((f) => f.path).join(', ')}`);
    const open = 'Open AGENTS.md';
    const choice = await vscode.window.showInformationMessage(
      `Agent guards written in ${folderName}: ${written.map((f) => f.path).join(', ')}. Commit them, ${AGENT_GUARDS_STATE_PATH} too. They guide agents that honor them; the watcher and the git gate enforce.${agentFollowUps(written).map((n) => ` ${n}`).join('')}`,
      open,
    );
    if (choice === open) await vscode.window.showTextDocument(vscode.Uri.joinPath(folderUri, AGENTS_MD_PATH), { preview: false });
  } catch (err) {
    if (!(err instanceof AgentGuardsError)) throw err;
    log.warn(`[agents] ${folderName}: ${err.message}`);
    void vscode.window.showErrorMessage(`Could not set up agent guards: ${err.message}.`);
  }
}
