import * as vscode from 'vscode';
import { Commands, ViewCommands } from './commandIds';
import type { Flows } from './flows';
import { loadLazy } from './lazyChunk';
import { guarded, log } from './logger';
import { expectOwnWrite } from './breachGuard';
import { requireManifest } from './manifestCommands';
import type { ProtectionService } from './protectionService';
import type { UnlockService } from './unlockService';
import { requireTrust } from './trust';

export interface CommandDeps {
  readonly service: ProtectionService;
  readonly unlocks: UnlockService;
  /** The unlock and set-code flows, loaded on first use. */
  readonly flows: Flows;
  readonly now: () => number;
  /** Resolves once the active editor's read-only state matches its lock state. */
  readonly readOnlySettled: () => Promise<void>;
  /** dist/cli.js of this extension, for Install Git Hooks. */
  readonly cliPath: string;
}

/** The file a command acts on: its argument (explorer, editor title, banner) or the active editor. */
function fileArg(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  return vscode.window.activeTextEditor?.document.uri;
}

/** Runs `fn` only in a trusted folder (Restricted Mode writes and spawns nothing); otherwise explains why not. */
function trusted<A extends unknown[]>(action: string, fn: (...args: A) => unknown): (...args: A) => unknown {
  return (...args: A) => (requireTrust(action) ? fn(...args) : undefined);
}

export function registerCommands(d: CommandDeps): vscode.Disposable[] {
  const relock = async (arg?: unknown): Promise<void> => {
    if (!requireManifest(d.service) || !requireTrust('relock')) return;
    const uri = fileArg(arg);
    const f = uri && d.service.resolve(uri);
    if (!f) {
      void vscode.window.showInformationMessage(uri ? 'This file is not protected: there is nothing to relock.' : 'Open a protected file to relock it.');
      return;
    }
    if (f.locked) {
      void vscode.window.showInformationMessage(`${f.relPath} is already locked.`);
      return;
    }
    await d.unlocks.relock(f.folder, f.target, 'relock');
  };
  const unlock = async (arg?: unknown): Promise<void> => {
    if (!requireManifest(d.service) || !requireTrust('unlock')) return;
    await d.flows.unlock('Unlock…').run(arg instanceof vscode.Uri ? arg : undefined);
  };
  return [
    vscode.commands.registerCommand(Commands.unlock, guarded('Could not unlock', unlock)),
    vscode.commands.registerCommand(Commands.relock, guarded('Could not relock', relock)),
    vscode.commands.registerCommand(Commands.toggleLock, guarded('Could not change the lock', async (arg?: unknown) => {
      const uri = fileArg(arg);
      const f = uri && d.service.resolve(uri);
      if (f && !f.locked) await relock(uri);
      else await unlock(uri);
    })),
    vscode.commands.registerCommand(Commands.setUnlockCode, guarded('Could not set the unlock code', trusted('set an unlock code', async () => {
      if (!requireManifest(d.service)) return;
      await d.flows.setCode('Set Unlock Code…').run();
    }))),
    // Loaded on first use (dist/lazy.js in the bundles): activation does not parse them.
    vscode.commands.registerCommand(Commands.setUpAgentGuards, guarded('Could not set up the agent guards', trusted('set up agent guards', () => loadLazy('Set Up Agent Guards').setUpFromManifest(d.service, 'agent guards', expectOwnWrite)))),
    vscode.commands.registerCommand(Commands.setUpTeamRules, guarded('Could not set up the team rules', trusted('set up team rules', () => loadLazy('Set Up Team Rules').setUpFromManifest(d.service, 'team rules')))),
    vscode.commands.registerCommand(Commands.importProtocol, guarded('Could not import the protocol document', trusted('import a protocol document', async (arg?: unknown) => {
      // Works without a manifest: it can create one.
      await loadLazy('Import Protocol Document').importProtocolDocument({ service: d.service, unlockFlow: d.flows.unlock('Import Protocol Document'), readOnlySettled: d.readOnlySettled }, arg);
    }))),
    vscode.commands.registerCommand(Commands.createManifest, guarded('Could not create the manifest', trusted('create a manifest', (arg?: unknown) => loadLazy('Create Manifest').createManifest(d.service, expectOwnWrite, arg)))),
    vscode.commands.registerCommand(Commands.openManifest, guarded('Could not open the manifest', () => loadLazy('Open Manifest').openManifest(d.service))),
    vscode.commands.registerCommand(Commands.openAuditLog, guarded('Could not open the audit log', () => loadLazy('Open Audit Log').openAuditLog(d.service))),
    vscode.commands.registerCommand(Commands.showLog, () => log.show()),
    vscode.commands.registerCommand(ViewCommands.installGitHooks, guarded('Could not install the git hooks', trusted('install git hooks', () => loadLazy('Install Git Hooks').installGitHooks(d.service, d.cliPath)))),
    vscode.commands.registerCommand(Commands.showDetails, guarded('Could not show the details', (arg?: unknown) =>
      loadLazy('Show Protection Details').showDetails(d.service, fileArg(arg), d.now(), unlock, relock))),
  ];
}

