// Copilot's agent hooks switched off where the agents' guards are set up (its hook file or the guards'
// state file is there). `"chat.useHooks": false` or
// `"chat.hookFilesLocations": { ".github/hooks": false }` (in the user's, the workspace's or a
// folder's settings) stops VS Code from running .github/hooks/protected-files.json, so Copilot's tool
// calls are no longer checked: said once per folder and window, when found at start or when the
// setting changes. The agents' hook refuses an agent's change to these settings
// (src/core/vscodeSettings.ts); this is for a change made any other way. Nothing runs while idle.
import * as vscode from 'vscode';
import { Disposable } from './lifecycle';
import type { ProtectionService } from './protectionService';

/** The generated Copilot hook file (src/core/agentGuards.ts copilotHooksFile). */
const HOOK_FILE = '.github/hooks/protected-files.json';
/** Where the agents' guards were set up (its hook file with them): src/node/agentGuardsWriter.ts AGENT_GUARDS_STATE_PATH, not imported (Node's fs). */
const GUARDS_STATE = '.protected-files-agents.json';
/** The keys of chat.hookFilesLocations that name that file or its folder. */
const LOCATION_KEYS = ['.github/hooks', '.github/hooks/', './.github/hooks', HOOK_FILE];

/** The setting that switches the hooks off, as written, or undefined while they run. */
export function hooksOffBy(useHooks: unknown, locations: unknown): string | undefined {
  if (useHooks === false) return '"chat.useHooks": false';
  if (typeof locations === 'object' && locations !== null) {
    const key = LOCATION_KEYS.find((k) => (locations as Record<string, unknown>)[k] === false);
    if (key !== undefined) return `"chat.hookFilesLocations": { "${key}": false }`;
  }
  return undefined;
}

export class CopilotHooksCheck extends Disposable {
  private readonly said = new Set<string>();
  /** The warnings shown, newest last (for tests). */
  readonly shown: string[] = [];

  constructor(private readonly service: ProtectionService) {
    super();
    this.register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('chat.useHooks') || e.affectsConfiguration('chat.hookFilesLocations')) void this.check();
    }));
    this.register(service.onDidChangeManifest(() => void this.check()));
  }

  /** Warns about each folder with Copilot's guard whose hooks are off (once, until they are on again). */
  async check(): Promise<void> {
    for (const f of this.service.withManifest()) {
      const uri = f.folder.uri;
      const config = vscode.workspace.getConfiguration('chat', uri);
      const off = hooksOffBy(config.get('useHooks'), config.get('hookFilesLocations'));
      const key = uri.toString();
      if (off === undefined) {
        this.said.delete(key);
        continue;
      }
      if (this.said.has(key) || !(await guardsSetUp(uri))) continue;
      this.said.add(key);
      const message = `Copilot's agent hooks are off in ${f.name} (${off}), so Protected Files cannot check Copilot's tool calls there. The editor's locks, the breach guard and the commit gate still hold.`;
      this.shown.push(message);
      void vscode.window.showWarningMessage(message, 'Open Settings').then((pick) => {
        if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', off.includes('useHooks') ? 'chat.useHooks' : 'chat.hookFilesLocations');
      });
    }
  }
}

async function guardsSetUp(folder: vscode.Uri): Promise<boolean> {
  return (await exists(vscode.Uri.joinPath(folder, HOOK_FILE))) || exists(vscode.Uri.joinPath(folder, GUARDS_STATE));
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
