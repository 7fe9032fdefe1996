import { performance } from 'node:perf_hooks';
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
  /** Replaces the prompts with scripted answers (undefined: back to the workbench's). */
  setPrompter(p: Prompter | undefined): void;
  /** Moves the extension's clock forward. */
  advanceClock(ms: number): void;
  /** The breach warning's "Unlock and Keep the Change…" action. */
  keepChange(uri: vscode.Uri, content: Uint8Array): Promise<void>;
  /** activate() from its first line to protection in force, in ms (the benchmark prints it). */
  readonly activationMs: number;
}

let readOnly: ReadOnlyController | undefined;
let filePermissions: FilePermissions | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<TestApi | undefined> {
  const started = performance.now();
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
  for (const d of registerCommands({ service, unlocks, unlockFlow, setCodeFlow, now, readOnlySettled: () => ro.syncNow() })) push(d);

  // Protection is in force once the manifests and grants are read, the breach guard listens and the
  // active editor is read-only: nothing here lists the workspace or reads protected files. The
  // inventory (counts, decorations, menus, on-disk permissions) and the check at start follow in the
  // background.
  const steps: string[] = [];
  const step = (name: string): void => { steps.push(`${name} ${Math.round(performance.now() - started)}`); };
  await service.start();
  step('manifests');
  breach.start();
  step('breach guard');
  await readOnly.syncNow();
  step('read-only');
  void permissions.schedule();
  void contextKeys.update();
  const activationMs = Math.round((performance.now() - started) * 10) / 10;
  log.info(`[activate] protection in force in ${activationMs} ms (${steps.join(', ')} ms): ${service.withManifest().length} folder(s) with a manifest.`);

  if (context.extensionMode !== vscode.ExtensionMode.Test) return undefined;
  return {
    service, unlocks, readOnly, statusBar, decorations, banner, diagnostics, recorder, guard, breach, permissions, unlockFlow, setCodeFlow,
    setPrompter: (p) => { prompter = p ?? workbenchPrompter; },
    advanceClock: (ms) => { clockOffset += ms; },
    keepChange: (uri, content) => breach.keepChange(uri, content),
    activationMs,
  };
}

export async function deactivate(): Promise<void> {
  // Hand the active editor back to the workbench's own read-only rules before we go.
  await readOnly?.releaseActive().catch(() => undefined);
  await filePermissions?.releaseAll().catch(() => undefined);
  readOnly = undefined;
  filePermissions = undefined;
}
