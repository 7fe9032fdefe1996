// Guarded commands in VS Code's own terminal: where shell integration reports a command that
// matches the manifest's `guardedCommands`, warns at once with the manifest's message and records
// a `guarded-command` event. It cannot stop the command (the API reports it as it starts): the
// agents' hooks refuse it before it runs; a person at the terminal is told and it is recorded.
import * as vscode from 'vscode';
import type { GuardedCommand } from '../core/manifest';
import { Disposable } from './lifecycle';
import { loadLazy } from './lazyChunk';
import { reportError } from './logger';
import type { ProtectionService } from './protectionService';

export class TerminalGuard extends Disposable {
  constructor(private readonly service: ProtectionService) {
    super();
    // Shell integration is optional in VS Code (and absent in some shells): without it nothing is reported.
    const onStart = (vscode.window as Partial<typeof vscode.window>).onDidStartTerminalShellExecution;
    if (onStart) {
      this.register(onStart((e) => {
        this.check(e.execution.commandLine.value, e.execution.cwd).catch((err: unknown) => reportError('The terminal guard could not check a command', err));
      }));
    }
  }

  /** Checks one command line started in a terminal whose working directory is `cwd`. */
  async check(commandLine: string, cwd: vscode.Uri | undefined): Promise<GuardedCommand[]> {
    const folder = (cwd && this.service.folderOf(cwd)) ?? this.service.withManifest()[0];
    const guarded = folder?.manifest?.guardedCommands ?? [];
    if (!folder || guarded.length === 0) return [];
    // The shell parser and the notice load on the first command checked against guarded commands (dist/lazy.js).
    return loadLazy('The terminal guard').reportGuardedCommand(folder, commandLine, guarded, cwd?.scheme === 'file' ? cwd.fsPath : folder.folder.uri.fsPath);
  }
}
