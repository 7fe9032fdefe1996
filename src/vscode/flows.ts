import { loadLazy } from './lazyChunk';
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

  constructor(
    private readonly deps: FlowDeps,
    /** Resolves once the active editor's read-only state matches its lock state. */
    private readonly readOnlySettled: () => Promise<void>,
  ) {}

  unlock(what: string): UnlockFlow {
    this.unlockFlow ??= new (loadLazy(what).UnlockFlow)(this.deps);
    return this.unlockFlow;
  }

  setCode(what: string): SetCodeFlow {
    this.setCodeFlow ??= new (loadLazy(what).SetCodeFlow)(this.deps.service, this.unlock(what), this.deps.prompter, this.readOnlySettled);
    return this.setCodeFlow;
  }
}
