import * as vscode from 'vscode';
import { BreachGuard } from './vscode/breachGuard';
import { ChangeRecorder } from './vscode/changeRecorder';
import { registerCommands } from './vscode/commands';
import { ContextKeys } from './vscode/contextKeys';
import { RiskBanner } from './vscode/codeLens';
import { ProtectionDecorations } from './vscode/decorations';
import { EditGuard } from './vscode/editGuard';
import { FilePermissions } from './vscode/filePermissions';
import { createLog, log } from './vscode/logger';
import { ManifestDiagnostics } from './vscode/manifestDiagnostics';
import { Notifications } from './vscode/notifications';
import type { Prompter } from './vscode/prompter';
import { WorkbenchPrompter } from './vscode/prompter';
import { ProtectionService } from './vscode/protectionService';
import { ReadOnlyController } from './vscode/readOnlyController';
import { SetCodeFlow } from './vscode/setCodeFlow';
import { TerminalGuard } from './vscode/terminalGuard';
import { recordCliPath } from './node/cliPath';
import { LockStatusBar } from './vscode/statusBar';
import { UnlockFlow } from './vscode/unlockFlow';
import { UnlockService } from './vscode/unlockService';

/** What the integration tests reach; returned only when the extension runs under tests. */
export interface TestApi {
  readonly service: ProtectionService;
  readonly unlocks: UnlockService;
  readonly readOnly: ReadOnlyController;
  readonly statusBar: LockStatusBar;
  readonly decorations: ProtectionDecorations;
  readonly banner: RiskBanner;
  readonly diagnostics: ManifestDiagnostics;
  readonly recorder: ChangeRecorder;
  readonly guard: EditGuard;
  readonly breach: BreachGuard;
  readonly permissions: FilePermissions;
  readonly unlockFlow: UnlockFlow;
  readonly setCodeFlow: SetCodeFlow;
  readonly terminal: TerminalGuard;
  /** Replaces the prompts with scripted answers (undefined: back to the workbench's). */
  setPrompter(p: Prompter | undefined): void;
  /** Moves the extension's clock forward. */
  advanceClock(ms: number): void;
  /** The breach warning's "Unlock and Keep the Change…" action. */
  keepChange(uri: vscode.Uri, content: Uint8Array): Promise<void>;
}

let readOnly: ReadOnlyController | undefined;
let filePermissions: FilePermissions | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<TestApi | undefined> {
  // Tests move time forward instead of waiting for an unlock to expire.
  let clockOffset = 0;
  const now = (): number => Date.now() + clockOffset;
  const push = <T extends vscode.Disposable>(d: T): T => {
    context.subscriptions.push(d);
    return d;
  };
  push(createLog());
  const workbenchPrompter = new WorkbenchPrompter();
  let prompter: Prompter = workbenchPrompter;

  const service = push(new ProtectionService(now));
  const unlocks = push(new UnlockService(service, now));
  readOnly = push(new ReadOnlyController(service));
  const guard = push(new EditGuard(service));
  const recorder = push(new ChangeRecorder(service, unlocks));
  const decorations = push(new ProtectionDecorations(service, now));
  const banner = push(new RiskBanner(service, now));
  const statusBar = push(new LockStatusBar(service, now));
  const diagnostics = push(new ManifestDiagnostics(service));
  push(new Notifications(service, unlocks));
  const contextKeys = push(new ContextKeys(service));
  const ro = readOnly;
  const unlockFlow = new UnlockFlow({ service, unlocks, prompter: () => prompter, now });
  const setCodeFlow = new SetCodeFlow(service, unlockFlow, () => prompter, () => ro.syncNow());
  const breach = push(new BreachGuard(service, unlocks, (uri) => unlockFlow.run(uri)));
  const permissions = push(new FilePermissions(service, context.workspaceState));
  filePermissions = permissions;
  push(recorder.onDidRecord((e) => void breach.approve(e.folder, e.record)));
  const terminal = push(new TerminalGuard(service));
  for (const d of registerCommands({ service, unlocks, unlockFlow, setCodeFlow, now, readOnlySettled: () => ro.syncNow() })) push(d);

  await service.start();
  await breach.start();
  await permissions.schedule();
  await readOnly.syncNow();
  await contextKeys.update();
  // The agents' hook launcher runs this extension's CLI where nothing was installed (docs/agents.md).
  const cli = context.asAbsolutePath('dist/cli.js');
  for (const f of service.withManifest()) {
    if (f.folder.uri.scheme === 'file') void recordCliPath(f.folder.uri.fsPath, process.execPath, cli).catch((err: unknown) => log.warn(`[agents] could not record the CLI path: ${String(err)}`));
  }
  log.info(`[activate] ${service.withManifest().length} folder(s) with a manifest, ${service.protectedCount()} protected file(s).`);

  if (context.extensionMode !== vscode.ExtensionMode.Test) return undefined;
  return {
    service, unlocks, readOnly, statusBar, decorations, banner, diagnostics, recorder, guard, breach, permissions, unlockFlow, setCodeFlow, terminal,
    setPrompter: (p) => { prompter = p ?? workbenchPrompter; },
    advanceClock: (ms) => { clockOffset += ms; },
    keepChange: (uri, content) => breach.keepChange(uri, content),
  };
}

export async function deactivate(): Promise<void> {
  // Hand the active editor back to the workbench's own read-only rules before we go.
  await readOnly?.releaseActive().catch(() => undefined);
  await filePermissions?.releaseAll().catch(() => undefined);
  readOnly = undefined;
  filePermissions = undefined;
}
