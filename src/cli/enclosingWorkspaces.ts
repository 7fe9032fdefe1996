// The workspaces that judge a path: every folder above it that holds a `.protection/` folder, up to
// the top of its git checkout (further up only while none is found, as the nearest manifest was
// found before), so that a manifest put in a subfolder adds protection there and hides none of the
// workspace around it: the strictest answer wins. Where no folder above has one on disk, a
// deleted `.protection/` folder still counts through git's HEAD. Only stats, each folder once per
// run, and git once per checkout that needs it, a few at a time: the agents' hook asks this for
// every folder a tool call names, which can be thousands.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MANIFEST_PATH, PROTECTION_DIR } from '../core/layout';
import { committedHolders } from '../node/committedFiles';

/** What one folder holds that matters here. */
interface Level {
  dir: string;
  /** A `.protection/` folder (with the manifest, or without it: deleted, then judged by the committed one). */
  protection: boolean;
  /** A `.git` folder or file: the top of a checkout. */
  git: boolean;
}

/** Git processes of the lookups through HEAD at once; the rest wait. */
const GIT_AT_ONCE = 4;
/** Checkouts looked up through git for one call; beyond, the call is refused (see TooManyCheckouts). */
const MAX_CHECKOUTS = 64;

/** A call names files in more checkouts without a manifest on disk than the guard looks up. */
export class TooManyCheckouts extends Error {}

export class EnclosingWorkspaces {
  /** The folders at and above each folder asked so far that hold something, nearest first. */
  private readonly marks = new Map<string, readonly Level[]>();
  private readonly roots = new Set<string>();
  /** Folders with no workspace on disk above them, by the top of their checkout. */
  private readonly viaGit = new Map<string, Set<string>>();

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** Notes the workspaces of `dir` (absolute); git is asked only by roots(). */
  add(dir: string): void {
    const marks = this.marksOf(dir);
    let found = false;
    for (const m of marks) {
      if (m.protection) {
        this.roots.add(m.dir);
        found = true;
      }
      // The top of the checkout ends the search once a workspace is found: one above it is another project's.
      if (m.git && found) return;
    }
    if (found) return;
    const top = marks.find((m) => m.git)?.dir;
    // Outside any checkout git has nothing to say, unless the environment points it somewhere.
    const key = top ?? (this.env.GIT_DIR || this.env.GIT_WORK_TREE ? dir : undefined);
    if (key === undefined) return;
    let set = this.viaGit.get(key);
    if (!set) this.viaGit.set(key, (set = new Set()));
    set.add(dir);
  }

  /** Every workspace of the folders added, the committed ones found through git included. */
  async all(): Promise<Set<string>> {
    const groups = [...this.viaGit];
    this.viaGit.clear();
    if (groups.length > MAX_CHECKOUTS) {
      throw new TooManyCheckouts(`the tool call names files in ${groups.length} git checkouts without a protection manifest on disk, more than the ${MAX_CHECKOUTS} the guard looks up`);
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < groups.length) {
        const [top, dirs] = groups[next++];
        const found = await committedHolders(top, [...dirs], this.env, MANIFEST_PATH);
        for (const holders of found.values()) {
          // The nearest, and those above it up to the checkout's top (committedHolders stays inside it).
          for (const h of holders) this.roots.add(h);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(GIT_AT_ONCE, groups.length) }, worker));
    return this.roots;
  }

  private marksOf(start: string): readonly Level[] {
    const pending: Level[] = [];
    let dir = start;
    let above: readonly Level[] = [];
    for (;;) {
      const known = this.marks.get(dir);
      if (known) {
        above = known;
        break;
      }
      pending.push({ dir, protection: existsSync(join(dir, PROTECTION_DIR)), git: existsSync(join(dir, '.git')) });
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    for (let i = pending.length - 1; i >= 0; i--) {
      const level = pending[i];
      above = level.protection || level.git ? [level, ...above] : above;
      this.marks.set(level.dir, above);
    }
    return this.marks.get(start) ?? above;
  }
}

