import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { AuditLogLoader } from './vscode/auditLogLoader';
import { BreachGuard } from './vscode/breachGuard';
import { ChangeRecorder } from './vscode/changeRecorder';
import { registerCommands } from './vscode/commands';
import { ContextKeys } from './vscode/contextKeys';
import { RiskBanner } from './vscode/codeLens';
import { ProtectionDecorations } from './vscode/decorations';
import { EditGuard } from './vscode/editGuard';
import { FilePermissions } from './vscode/filePermissions';
import { Flows } from './vscode/flows';
import { createLog, log, reportError } from './vscode/logger';
import { ManifestDiagnostics } from './vscode/manifestDiagnostics';
import { Notifications } from './vscode/notifications';
import { CopilotHooksCheck } from './vscode/copilotHooks';
import type { Prompter } from './vscode/prompter';
import { ProtectedFilesLoader } from './vscode/protectedFilesLoader';
import type { ProtectedFilesView } from './vscode/protectedFilesView';
import { ProtectionService } from './vscode/protectionService';
import { ReadOnlyController } from './vscode/readOnlyController';
import type { SetCodeFlow } from './vscode/setCodeFlow';
import { TerminalGuard } from './vscode/terminalGuard';
import { recordCliPath } from './node/cliPath';
import { LockStatusBar } from './vscode/statusBar';
import type { UnlockFlow } from './vscode/unlockFlow';
import { UnlockService } from './vscode/unlockService';
import { isTrusted } from './vscode/trust';
import { MANIFEST_PATH } from './core/manifest';

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
  /** The unlock and set-code flows (loaded now if they were not yet). */
  readonly unlockFlow: UnlockFlow;
  readonly setCodeFlow: SetCodeFlow;
  /** The Protected Files view (loaded now if it was not yet). */
  readonly filesView: ProtectedFilesView;
  readonly auditLog: AuditLogLoader;
  readonly terminal: TerminalGuard;
  /** The warning when Copilot's agent hooks are switched off in a folder with its guard. */
  readonly copilotHooks: CopilotHooksCheck;
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

  const service = push(new ProtectionService(now));
  const unlocks = push(new UnlockService(service, now));
  readOnly = push(new ReadOnlyController(service));
  const guard = push(new EditGuard(service));
  const decorations = push(new ProtectionDecorations(service, now));
  const banner = push(new RiskBanner(service, now));
  const statusBar = push(new LockStatusBar(service, now));
  const diagnostics = push(new ManifestDiagnostics(service));
  push(new Notifications(service, unlocks));
  const copilotHooks = push(new CopilotHooksCheck(service));
  const contextKeys = push(new ContextKeys(service));
  const filesView = push(new ProtectedFilesLoader(service, unlocks, now));
  const auditLog = push(new AuditLogLoader(service, isTrusted));
  const ro = readOnly;
  // An edit that reached a locked document: the workbench no longer holds its read-only state.
  push(guard.onDidRefuse((uri) => ro.forget(uri)));
  const flows = new Flows({ service, unlocks, now }, () => ro.syncNow());
  const cliPath = vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js').fsPath;
  for (const d of registerCommands({ service, unlocks, flows, now, readOnlySettled: () => ro.syncNow(), cliPath })) push(d);

  // What writes or spawns (records on save, the breach guard's backups and restores, file permissions)
  // starts only in a trusted folder; in Restricted Mode locked files stay read-only and shown as such.
  let writers: { recorder: ChangeRecorder; breach: BreachGuard; permissions: FilePermissions; terminal: TerminalGuard } | undefined;
  const startWriters = async (): Promise<void> => {
    if (writers) return;
    const recorder = push(new ChangeRecorder(service, unlocks));
    // The breach warning's "Unlock and Keep the Change…" (its caller does not report: a failure is shown here).
    const keepUnlock = async (uri: vscode.Uri): Promise<unknown> => {
      try {
        return await flows.unlock('Unlock and Keep the Change…').run(uri);
      } catch (err) {
        reportError('Could not unlock', err);
        return undefined;
      }
    };
    const breach = push(new BreachGuard(service, unlocks, keepUnlock));
    const permissions = push(new FilePermissions(service, context.workspaceState));
    // Guarded commands typed in VS Code's terminal are warned about and recorded (a write: trusted folders only).
    const terminal = push(new TerminalGuard(service));
    writers = { recorder, breach, permissions, terminal };
    filePermissions = permissions;
    push(recorder.onDidRecord((e) => {
      void breach.approve(e.folder, e.record);
      // A manifest saved under an unlock is read once its change is recorded (which approves it), not
      // when the file watcher reports the save: late on a loaded machine, never where it is excluded.
      if (e.record.file === MANIFEST_PATH) void e.folder.reload();
    }));
    breach.start();
    // On-disk permissions follow in the background (nothing here may wait on the whole inventory).
    void permissions.schedule();
    // The agents' hook launcher runs this extension's CLI where nothing was installed (docs/agents.md).
    for (const f of service.withManifest()) {
      if (f.folder.uri.scheme === 'file') void recordCliPath(f.folder.uri.fsPath, process.execPath, cliPath).catch((err: unknown) => log.warn(`[agents] could not record the CLI path: ${String(err)}`));
    }
  };
  push(vscode.workspace.onDidGrantWorkspaceTrust(() => {
    log.info('[trust] the folder is trusted now: recording, the breach guard and unlocking are on.');
    startWriters().catch((err) => log.error(`[trust] could not start: ${String(err)}`));
  }));

  // Protection is in force once the manifests and grants are read, the breach guard listens and the
  // active editor is read-only: nothing here lists the workspace or reads protected files. The
  // inventory (counts, decorations, menus, on-disk permissions) and the check at start follow in the
  // background.
  const steps: string[] = [];
  const step = (name: string): void => { steps.push(`${name} ${Math.round(performance.now() - started)}`); };
  await service.start();
  step('manifests');
  if (isTrusted()) await startWriters();
  else log.info('[trust] Restricted Mode: locked files stay read-only; unlocking, recording and the breach guard wait until the folder is trusted.');
  step('breach guard');
  await readOnly.syncNow();
  step('read-only');
  void contextKeys.update();
  const activationMs = Math.round((performance.now() - started) * 10) / 10;
  log.info(`[activate] protection in force in ${activationMs} ms (${steps.join(', ')} ms): ${service.withManifest().length} folder(s) with a manifest.`);
  // Once protection is in force (nothing of it waits on this): are Copilot's hooks switched off?
  void copilotHooks.check();

  if (context.extensionMode !== vscode.ExtensionMode.Test) return undefined;
  const w = (): NonNullable<typeof writers> => {
    if (!writers) throw new Error('Restricted Mode: the recorder, breach guard and file permissions are not running.');
    return writers;
  };
  return {
    service, unlocks, readOnly, statusBar, decorations, banner, diagnostics, guard, auditLog, copilotHooks,
    get unlockFlow() { return flows.unlock('the tests'); },
    get setCodeFlow() { return flows.setCode('the tests'); },
    get filesView() { return filesView.view; },
    get recorder() { return w().recorder; },
    get breach() { return w().breach; },
    get permissions() { return w().permissions; },
    get terminal() { return w().terminal; },
    setPrompter: (p) => flows.setPrompter(p),
    advanceClock: (ms) => { clockOffset += ms; },
    keepChange: (uri, content) => w().breach.keepChange(uri, content),
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
