// What git is doing in a work tree, for the breach guard: a `git switch`, `pull`, `merge`, `rebase` or
// `reset --hard` writes protected files before it moves HEAD, so a write judged against HEAD while git
// is still at work would be taken for a breach and "restored" to the branch being left. Read from the
// git directory with a few stats, no git process, and only when a protected file was written: nothing
// here runs while the user is idle.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { runGit } from './gitChanges';
import { findGitDir, gitCommonDir } from './grantStore';
import { blobId } from './hookGitOutput';
import { readRegularFileSync } from './regularFile';

/** Markers of an operation that stops half-way for the user (conflicts, an editor for the message, `edit`). */
const OPERATIONS: readonly [marker: string, name: string][] = [
  ['MERGE_HEAD', 'merge'],
  ['CHERRY_PICK_HEAD', 'cherry-pick'],
  ['REVERT_HEAD', 'revert'],
  ['rebase-merge', 'rebase'],
  ['rebase-apply', 'rebase'],
];

/**
 * A write is judged once git has settled (src/node/gitActivity.ts): no `index.lock`, and the index and
 * HEAD unchanged for `quietMs`. A checkout of thousands of files holds the lock for seconds; a lock
 * held for `maxMs` (a git that crashed, or one kept on purpose) no longer delays the judgement.
 */
export const GIT_WAIT = { quietMs: 250, maxMs: 60_000 };

/** How many quiet times to wait after an index written since HEAD last moved. */
const HEAD_PENDING_FACTOR = 4;

export interface GitActivityOptions {
  /** How long after git last wrote its index or moved HEAD a work tree counts as settled (ms). */
  quietMs: number;
  env?: NodeJS.ProcessEnv;
  now?(): number;
}

export class GitActivity {
  private gitDir: string | undefined;
  /** unmerged()'s answers, by path, with the state of the index they were read at. */
  private readonly unmergedSeen = new Map<string, { state: string; unmerged: boolean }>();
  private readonly now: () => number;

  constructor(private readonly root: string, private readonly o: GitActivityOptions) {
    this.now = o.now ?? Date.now;
  }

  private dir(): string | undefined {
    // Found on first use and kept; looked for again while there is none (`git init` after the guard started).
    return (this.gitDir ??= findGitDir(this.root)?.gitDir);
  }

  /**
   * How long to wait before git has settled: 0 when it has. git is at work while it holds
   * `index.lock`; it has just been (and may be about to move HEAD) when HEAD or HEAD's reflog
   * changed less than `quietMs` ago, or the index less than 4 × `quietMs` ago without HEAD moving since.
   */
  async busyFor(): Promise<number> {
    const dir = this.dir();
    if (!dir) return 0;
    if (await exists(join(dir, 'index.lock'))) return this.o.quietMs;
    const now = this.now();
    // A time a little ahead of the clock (a file system's own clock) counts as now; one further ahead
    // (touched on purpose) as nothing: it would otherwise keep every judgement waiting.
    const at = async (file: string): Promise<number> => {
      const t = await mtime(join(dir, file));
      return t === undefined || t > now + this.o.quietMs ? 0 : Math.min(t, now);
    };
    const index = await at('index');
    const head = Math.max(await at('HEAD'), await at(join('logs', 'HEAD')));
    // An index written after HEAD last moved may be a checkout about to move it (a busy machine can
    // hold git between the two for longer than the quiet time): waited for longer. `git add` and
    // git's own index refreshes look the same, and only wait that much longer.
    const quiet = index > head ? this.o.quietMs * HEAD_PENDING_FACTOR : this.o.quietMs;
    return Math.max(0, index + quiet - now, head + this.o.quietMs - now);
  }

  /** Whether git's `index.lock` has stood for `ms` or longer (a git that crashed, or one kept on purpose): no git at work. */
  async lockOlderThan(ms: number): Promise<boolean> {
    const dir = this.dir();
    const t = dir ? await mtime(join(dir, 'index.lock')) : undefined;
    return t !== undefined && this.now() - t >= ms;
  }

  /** The operation git stopped in the middle of (merge, cherry-pick, revert, rebase), or undefined. */
  async operation(): Promise<string | undefined> {
    const dir = this.dir();
    if (!dir) return undefined;
    for (const [marker, name] of OPERATIONS) {
      if (await exists(join(dir, marker))) return name;
    }
    return undefined;
  }

  /**
   * Whether git's index holds folder-relative `rel` unmerged (a conflict left by a merge, a rebase or
   * `git stash pop`). Asked of git once per state of the index (its size and time): the breach guard asks
   * before each breach, and a burst of them (a script writing 300 locked files) starts one git, not 300.
   */
  async unmerged(rel: string): Promise<boolean> {
    const dir = this.dir();
    const index = dir ? await fs.lstat(join(dir, 'index')).catch(() => undefined) : undefined;
    const state = index ? `${index.size}:${index.mtimeMs}:${index.ino}` : undefined;
    const known = state === undefined ? undefined : this.unmergedSeen.get(rel);
    if (known !== undefined && known.state === state) return known.unmerged;
    const r = await runGit(['--literal-pathspecs', 'ls-files', '--unmerged', '-z', '--', rel], this.root, this.o.env ?? process.env).catch(() => undefined);
    const unmerged = r?.code === 0 && r.stdout.length > 0;
    if (state !== undefined && r?.code === 0) this.unmergedSeen.set(rel, { state, unmerged });
    return unmerged;
  }

  /**
   * Whether `bytes` are what git's index holds for folder-relative `rel` (merged, stage 0): content git
   * itself wrote there while an operation is in progress. An index entry missing, unmerged or unreadable
   * answers false.
   */
  async staged(rel: string, bytes: Buffer): Promise<boolean> {
    const r = await runGit(['--literal-pathspecs', 'ls-files', '--stage', '-z', '--', rel], this.root, this.o.env ?? process.env).catch(() => undefined);
    if (r?.code !== 0) return false;
    const entries = r.stdout.toString('utf8').split('\0').filter((e) => e !== '');
    // "<mode> <id> <stage>\t<path>": exactly one entry, at stage 0, for a regular file.
    if (entries.length !== 1) return false;
    const m = /^(100644|100755) ([0-9a-f]{40}|[0-9a-f]{64}) 0\t/.exec(entries[0]);
    return m !== null && blobId(bytes, m[2].length) === m[2];
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function mtime(path: string): Promise<number | undefined> {
  try {
    return (await fs.lstat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The commit HEAD points at, read from the git directory (no git process), or undefined. */
export function headOid(root: string): string | undefined {
  const git = findGitDir(root);
  if (!git) return undefined;
  try {
    // Read without ever waiting on a named pipe put in place of a file (this runs in the extension host's thread).
    const text = (file: string): string | undefined => readRegularFileSync(file)?.toString('utf8').trim();
    const head = text(join(git.gitDir, 'HEAD'));
    if (head === undefined) return undefined;
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    if (!ref) return /^[0-9a-f]{40,64}$/.test(head) ? head : undefined;
    // Linked worktrees keep refs in the common directory.
    const common = gitCommonDir(git.gitDir);
    for (const dir of [git.gitDir, common]) {
      const oid = text(join(dir, ...ref.split('/')));
      if (oid !== undefined) return oid; // else packed, or in the common directory
    }
    const packed = text(join(common, 'packed-refs'));
    if (packed === undefined) return undefined;
    return new RegExp(`^([0-9a-f]{40,64}) ${ref.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').exec(packed)?.[1];
  } catch {
    return undefined;
  }
}
