import * as vscode from 'vscode';
import { Commands } from './commandIds';

let channel: vscode.LogOutputChannel | undefined;

/** Creates the one output channel; the caller registers it for disposal. */
export function createLog(): vscode.LogOutputChannel {
  channel = vscode.window.createOutputChannel('Protected Files', { log: true });
  return channel;
}

/** The output channel, for the code loaded on first use (dist/lazy.js has its own copy of this module). */
export function logChannel(): vscode.LogOutputChannel | undefined {
  return channel;
}

/** Makes this copy of the module write to the channel of the activation bundle's copy. */
export function adoptLog(c: vscode.LogOutputChannel | undefined): void {
  channel = c;
}

/** Component-prefixed logging (`[manifest] …`). Never pass an unlock code here. */
export const log = {
  trace: (msg: string): void => channel?.trace(msg),
  debug: (msg: string): void => channel?.debug(msg),
  info: (msg: string): void => channel?.info(msg),
  warn: (msg: string): void => channel?.warn(msg),
  error: (msg: string): void => channel?.error(msg),
  show: (): void => channel?.show(true),
};

/**
 * Turns an error at a command boundary into one sentence for the user (what failed, why, what to do),
 * with a "Show Log" button; the details go to the log.
 */
export function reportError(what: string, err: unknown, whatToDo = 'See the log for details.'): void {
  const why = err instanceof Error ? err.message : String(err);
  log.error(`${what}: ${err instanceof Error && err.stack ? err.stack : why}`);
  void vscode.window.showErrorMessage(`${what}: ${why.replace(/\.$/, '')}. ${whatToDo}`, 'Show Log').then((pick) => {
    if (pick) void vscode.commands.executeCommand(Commands.showLog);
  });
}

/** Wraps a command handler so that nothing escapes as an unhandled rejection. */
export function guarded<A extends unknown[]>(what: string, fn: (...args: A) => unknown): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      reportError(what, err);
    }
  };
}
