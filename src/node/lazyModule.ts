// The code that protection does not need at activation (views' bodies, generators, the unlock and
// set-code flows, the terminal guard's shell parser) is bundled into dist/lazy.js and loaded on its
// first use. A package without it must not fail silently: the error names what needed it.

/** Thrown where the lazily loaded code could not be loaded. */
export class LazyModuleError extends Error {
  constructor(readonly what: string, cause: unknown) {
    super(`${what} needs dist/lazy.js of the extension, which could not be loaded (${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}); reinstall the extension`);
    this.name = 'LazyModuleError';
  }
}

/**
 * A loader of one module, loaded on the first call and kept: `load` is its `require`, `onLoad` runs once
 * with it (e.g. hands it the output channel). `what` names the command or view that needs it, for the
 * error when the module cannot be loaded; a failed load is tried again on the next call.
 */
export function lazyModule<T>(load: () => T, onLoad: (module: T) => void = () => undefined): (what: string) => T {
  let loaded: T | undefined;
  return (what: string): T => {
    if (loaded === undefined) {
      let module: T;
      try {
        module = load();
      } catch (err) {
        throw new LazyModuleError(what, err);
      }
      onLoad(module);
      loaded = module;
    }
    return loaded;
  };
}
