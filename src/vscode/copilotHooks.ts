// Copilot's agent hooks, and Cline's, switched off where the agents' guards are set up (Copilot's hook
// file or the guards' state file is there; Cline's hook file). `"chat.useHooks": false` or
// `"chat.hookFilesLocations": { ".github/hooks": false }` (in the user's, the workspace's or a
// folder's settings) stops VS Code from running .github/hooks/protected-files.json, so Copilot's tool
// calls are no longer checked: said once per folder and window, when found at start or when the
// setting changes. The agents' hook refuses an agent's change to these settings
// (src/core/vscodeSettings.ts); this is for a change made any other way. Cline keeps `hooksEnabled`
// in its own global state (~/.cline/data/globalState.json since Cline 3.66), read at start and when a
// manifest changes (Cline writes that file often: it is not watched). Nothing runs while idle.
import { homedir } from 'node:os';
import { join } from 'node:path';
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

/** Cline's hook file (src/core/agentGuards.ts CLINE_HOOKS_DIR; not imported, to keep activation small). */
const CLINE_HOOK_FILE = '.clinerules/hooks/PreToolUse';
/** Cline's global state is read up to this size; a larger one is not read (nothing is said). */
const MAX_CLINE_STATE_BYTES = 16 * 1024 * 1024;

/** Cline's global state file: `$CLINE_DIR/data/globalState.json`, else below the home folder. */
export function clineStatePath(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  return join(env.CLINE_DIR || join(home, '.cline'), 'data', 'globalState.json');
}

/** `"hooksEnabled": false` in Cline's global state, as said to the user; undefined while its hooks run (or when it cannot be read). */
export function clineHooksOff(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const state = JSON.parse(text) as unknown;
    return typeof state === 'object' && state !== null && (state as Record<string, unknown>).hooksEnabled === false ? '"hooksEnabled": false' : undefined;
  } catch {
    return undefined;
  }
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

  /** Warns about each folder with Copilot's or Cline's guard whose hooks are off (once, until they are on again). */
  async check(): Promise<void> {
    let cline: Promise<string | undefined> | undefined;
    for (const f of this.service.withManifest()) {
      const uri = f.folder.uri;
      // Cline: its state read once per check, and only where its guard is.
      const clineKey = `cline:${uri.toString()}`;
      if (await guardsSetUp(uri, CLINE_HOOK_FILE)) {
        const off = await (cline ??= readClineState().then(clineHooksOff));
        if (off === undefined) this.said.delete(clineKey);
        else this.sayOnce(clineKey, `Cline's hooks are off (${off} in Cline's settings), so Protected Files cannot check Cline's tool calls in ${f.name}. Turn Hooks on in Cline's settings (Features). The editor's locks, the breach guard and the commit gate still hold.`);
      }
      const config = vscode.workspace.getConfiguration('chat', uri);
      const off = hooksOffBy(config.get('useHooks'), config.get('hookFilesLocations'));
      const key = uri.toString();
      if (off === undefined) {
        this.said.delete(key);
        continue;
      }
      if (this.said.has(key) || !(await guardsSetUp(uri, HOOK_FILE))) continue;
      this.sayOnce(key, `Copilot's agent hooks are off in ${f.name} (${off}), so Protected Files cannot check Copilot's tool calls there. The editor's locks, the breach guard and the commit gate still hold.`, off.includes('useHooks') ? 'chat.useHooks' : 'chat.hookFilesLocations');
    }
  }

  /** Shows `message` once for `key` (until the key is cleared), with Open Settings on `setting` if given. */
  private sayOnce(key: string, message: string, setting?: string): void {
    if (this.said.has(key)) return;
    this.said.add(key);
    this.shown.push(message);
    if (setting === undefined) {
      void vscode.window.showWarningMessage(message);
      return;
    }
    void vscode.window.showWarningMessage(message, 'Open Settings').then((pick) => {
      if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', setting);
    });
  }
}

/** Cline's global state file's text, or undefined (absent, too large, unreadable). */
async function readClineState(): Promise<string | undefined> {
  const uri = vscode.Uri.file(clineStatePath());
  try {
    if ((await vscode.workspace.fs.stat(uri)).size > MAX_CLINE_STATE_BYTES) return undefined;
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
}

/** Whether the agents' guards are set up in `folder`: the agent's hook file, or the guards' state file, is there. */
async function guardsSetUp(folder: vscode.Uri, hookFile: string): Promise<boolean> {
  return (await exists(vscode.Uri.joinPath(folder, hookFile))) || exists(vscode.Uri.joinPath(folder, GUARDS_STATE));
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
