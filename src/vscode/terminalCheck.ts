// The terminal guard's check of one command line (loaded from dist/lazy.js on the first command
// checked against a manifest's guarded commands): warns at once and records a guarded-command event.
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import type { GuardedCommand } from '../core/manifest';
import { analyzeShellCommand } from '../core/shellGuard';
import { packagePorts } from '../node/packageManagerFiles';
import type { FolderProtection } from './folderProtection';
import { log } from './logger';

/** A command line as long as this is recorded in full; longer ones are cut. */
const MAX_RECORDED = 500;

/**
 * The guarded commands `commandLine` runs (none: nothing shown or recorded), also through the
 * package.json scripts, make recipes and script files it runs (`npm run reset`, `./scripts/reset.sh`),
 * read from `cwd`, the terminal's folder.
 */
export async function reportGuardedCommand(folder: FolderProtection, commandLine: string, guarded: GuardedCommand[], cwd: string): Promise<GuardedCommand[]> {
  const hits = analyzeShellCommand(commandLine, guarded, packagePorts(cwd, homedir())).guarded;
  if (hits.length === 0) return [];
  const what = hits.map((g) => `"${g.pattern}": ${g.message.trim()}`).join(' ');
  log.warn(`[terminal] guarded command started in ${folder.folder.name}: ${hits.map((g) => g.pattern).join(', ')}`);
  void vscode.window.showWarningMessage(`Guarded command started in the terminal: ${what} It was recorded in the audit log; the extension cannot stop a command typed in a terminal.`);
  try {
    await folder.audit.record({
      event: 'guarded-command',
      reason: hits.map((g) => g.message.trim()).join(' '),
      detail: commandLine.length > MAX_RECORDED ? `${commandLine.slice(0, MAX_RECORDED)}…` : commandLine,
    });
  } catch (err) {
    log.error(`[terminal] could not record the guarded command: ${err instanceof Error ? err.message : String(err)}`);
  }
  return hits;
}
