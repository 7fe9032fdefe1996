// Bodies of commands that protection does not need at activation (loaded from dist/lazy.js on first
// use); commands.ts registers them.
import * as vscode from 'vscode';
import { setUpAgentGuards } from './agentGuardsCommand';
import { pickManifestFolder } from './manifestCommands';
import { detailsMarkdown } from './presentation';
import type { ProtectionService } from './protectionService';
import { setUpTeamRules } from './teamRulesCommand';
import { readUriBytes } from './localRead';

/** Set Up Agent Guards / Set Up Team Rules: for the folder with a manifest the user picks. */
/** `ownWrite` tells the breach guard that a protected file's new content is the extension's own write (Set Up Agent Guards). */
export async function setUpFromManifest(service: ProtectionService, what: 'agent guards' | 'team rules', ownWrite?: (content: Uint8Array) => void): Promise<void> {
  const pick = await pickManifestFolder(service, `Set up ${what} for which folder?`);
  if (!pick) return;
  const text = new TextDecoder().decode(await readUriBytes(pick.manifestUri));
  if (what === 'agent guards') await setUpAgentGuards(pick.folder.uri, text, ownWrite);
  else await setUpTeamRules(pick.folder.uri, text);
}

/** The banner's and status bar's details: the file's state in a modal, with Unlock… or Relock. */
export async function showDetails(service: ProtectionService, uri: vscode.Uri | undefined, now: number, unlock: (uri: vscode.Uri) => Promise<void>, relock: (uri: vscode.Uri) => Promise<void>): Promise<void> {
  const f = uri && service.resolve(uri);
  if (!uri || !f) return;
  const md = detailsMarkdown(f, now).value.replace(/\[([^\]]+)\]\(command:[^)]+\)/g, '').replace(/\\(.)/g, '$1').replace(/\*\*/g, '').replace(/\$\([a-z-]+\) /g, '');
  const action = f.locked ? 'Unlock…' : 'Relock';
  const pick = await vscode.window.showInformationMessage(`${f.relPath}: ${f.locked ? 'locked' : 'unlocked'}`, { modal: true, detail: md.trim() }, action);
  if (pick) await (f.locked ? unlock(uri) : relock(uri));
}
