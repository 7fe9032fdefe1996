import { dirOfEach, forEachPath } from './paths';
import type { PathKeys } from './paths';

/**
 * The values of the context keys that show Unlock… and Relock in the explorer and editor menus only on
 * protected files. Listing every protected file costs the extension host a 20,000-entry object (and its
 * copy to the workbench) each time a lock changes; a folder whose files are all protected and in the
 * same state is listed once instead (`resourceDirname in …`), and only the files of mixed folders are
 * listed one by one. Paths are folder-relative with `/`; '' is the folder itself.
 */
export interface MenuKeys {
  /** Folders whose every file is protected and locked. */
  readonly lockedDirs: string[];
  /** Folders whose every file is protected and unlocked. */
  readonly unlockedDirs: string[];
  /** Locked files in folders that are not listed whole. */
  readonly lockedFiles: string[];
  /** Unlocked files in folders that are not listed whole. */
  readonly unlockedFiles: string[];
}

/**
 * @param files every protected file (a collection: read twice)
 * @param isLocked whether a protected file is locked now
 * @param hasUnprotected whether a folder holds (or may hold) a file that is not protected: such a folder
 *   is never listed whole, so a menu never offers Unlock… on a file that is not protected
 */
export function menuKeys(files: PathKeys, isLocked: (rel: string) => boolean, hasUnprotected: (dir: string) => boolean): MenuKeys {
  // Per folder: 1 = all locked so far, 2 = all unlocked so far, 3 = mixed.
  const state = new Map<string, number>();
  const dir = dirOfEach();
  forEachPath(files, (rel) => {
    const d = dir(rel);
    const s = state.get(d) ?? 0;
    if (s !== 3) state.set(d, s | (isLocked(rel) ? 1 : 2));
  });
  const keys: MenuKeys = { lockedDirs: [], unlockedDirs: [], lockedFiles: [], unlockedFiles: [] };
  const whole = new Map<string, number>();
  for (const [dir, s] of state) {
    if (s === 3 || hasUnprotected(dir)) continue;
    whole.set(dir, s);
    (s === 1 ? keys.lockedDirs : keys.unlockedDirs).push(dir);
  }
  const dir2 = dirOfEach();
  forEachPath(files, (rel) => {
    if (!whole.has(dir2(rel))) (isLocked(rel) ? keys.lockedFiles : keys.unlockedFiles).push(rel);
  });
  return keys;
}
