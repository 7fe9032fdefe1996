import { loadLazy } from './lazyChunk';
import type { Prompter } from './prompter';
import type { SetCodeFlow } from './setCodeFlow';
import type { FlowDeps, UnlockFlow } from './unlockFlow';

/**
 * The unlock and set-code flows, made on first use from dist/lazy.js: only a command (or the breach
 * warning's "Unlock and Keep the Change…") asks for a code, so activation does not parse them. `what`
 * names the command, for the error where the code cannot be loaded.
 */
export class Flows {
  private unlockFlow: UnlockFlow | undefined;
  private setCodeFlow: SetCodeFlow | undefined;
  /** Scripted answers of the tests, or undefined: the workbench's quick picks and input boxes. */
  private scripted: Prompter | undefined;
  private workbench: Prompter | undefined;
  private readonly deps: FlowDeps;

  constructor(
    deps: Omit<FlowDeps, 'prompter'>,
    /** Resolves once the active editor's read-only state matches its lock state. */
    private readonly readOnlySettled: () => Promise<void>,
  ) {
    // Asked for only by a flow, so dist/lazy.js is loaded by then.
    this.deps = { ...deps, prompter: () => this.scripted ?? (this.workbench ??= new (loadLazy('Unlock…').WorkbenchPrompter)()) };
  }

  /** Replaces the prompts with scripted answers (undefined: back to the workbench's). */
  setPrompter(p: Prompter | undefined): void {
    this.scripted = p;
  }

  unlock(what: string): UnlockFlow {
    this.unlockFlow ??= new (loadLazy(what).UnlockFlow)(this.deps);
    return this.unlockFlow;
  }

  setCode(what: string): SetCodeFlow {
    this.setCodeFlow ??= new (loadLazy(what).SetCodeFlow)(this.deps.service, this.unlock(what), this.deps.prompter, this.readOnlySettled);
    return this.setCodeFlow;
  }
}
