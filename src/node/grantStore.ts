// The per-clone grant store: the grants in force, wrong-code counts and lockouts of one folder,
// shared by every VS Code window, the CLI and the agents' hooks. It lives in the git directory
// (`.git/protected-files/`, per checkout for linked worktrees), so it is never committed and never
// seen by tools that walk the work tree. Owner-only permissions; changes are read-modify-write
// under a lock file and land with an atomic rename, so a crash mid-write loses nothing.
import { sha256 } from '../core/audit';
import { existsSync, promises as fs, statSync, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { homeDirectory } from './nodeOs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { dropEndedKeys, emptyGrantState, holdsEndedKeys, parseGrantState } from '../core/grantState';
import type { GrantState } from '../core/grantState';
import { atomicWriteFile } from './atomicWrite';
import { withFileLock } from './fileLock';
import { readRegularFile, readRegularFileSync } from './regularFile';

/**
 * The git directory of the checkout that holds `folder` (the `.git` folder, or where a `.git` file
 * of a linked worktree or submodule points) and the checkout's root. Found without running git, so
 * an agent's hook stays fast.
 */
export function findGitDir(folder: string): { gitDir: string; root: string } | undefined {
  let dir = resolve(folder);
  for (;;) {
    const dotGit = join(dir, '.git');
    try {
      const st = statSync(dotGit);
      if (st.isDirectory()) return { gitDir: dotGit, root: dir };
      if (st.isFile()) {
        const m = /^gitdir:\s*(.+?)\s*$/m.exec(readRegularFileSync(dotGit)?.toString('utf8') ?? '');
        if (m) return { gitDir: resolve(dir, m[1]), root: dir };
      }
    } catch {
      // not here
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The directory a linked worktree shares with its main checkout (refs, objects, the configuration):
 * `commondir` in its git directory names it, relative to that directory or absolute; the git
 * directory itself for a main checkout.
 */
export function gitCommonDir(gitDir: string): string {
  let named: string | undefined;
  try {
    named = readRegularFileSync(join(gitDir, 'commondir'))?.toString('utf8').trim();
  } catch {
    named = undefined; // not a regular file: as git, which would not start
  }
  return named ? resolve(gitDir, named) : gitDir;
}

export interface GrantStoreLocation {
  /** The store's folder. */
  dir: string;
  /** The state file of this workspace folder. */
  path: string;
  /** False where the folder is in no git checkout and the store is in the user's home instead. */
  inGit: boolean;
}

/**
 * Where the grants of `folder` live: `<git dir>/protected-files/folder-<id>.json`, one file per
 * manifest folder of the checkout (nested folders have their own). Outside git, only if
 * `fallbackToHome`: `~/.protected-files/state/`, keyed by the folder's real path.
 */
export function locateGrantStore(folder: string, fallbackToHome = false): GrantStoreLocation | undefined {
  const git = findGitDir(folder);
  if (git) return storeIn(join(git.gitDir, 'protected-files'), relative(git.root, resolve(folder)).split(sep).join('/'), true);
  if (!fallbackToHome) return undefined;
  return storeIn(join(homeDirectory(), '.protected-files', 'state'), resolve(folder), false);
}

/**
 * The state file's name of the folder at the top of its checkout (key ''), nearly every workspace's:
 * sha256('') written out, so that an agent's hook reading it does not load node:crypto (~2 ms of
 * every tool call once the store's folder exists) only to name it. The tests compare it with the hash.
 */
const TOP_FOLDER_FILE = 'folder-e3b0c44298fc1c14.json';

/** The location in `dir` of the folder known there as `key`; its file name is hashed on first use. */
function storeIn(dir: string, key: string, inGit: boolean): GrantStoreLocation {
  let path: string | undefined;
  return {
    dir,
    inGit,
    // Hashed when first asked for: GrantStore.readSync answers an absent store without it (and without loading node:crypto).
    get path(): string {
      return (path ??= join(dir, inGit && key === '' ? TOP_FOLDER_FILE : `folder-${sha256(key).slice(0, 16)}.json`));
    },
  };
}

export class GrantStore {
  constructor(readonly location: GrantStoreLocation) {}

  get path(): string {
    return this.location.path;
  }

  /** The current state; a missing or unreadable file is an empty state (nothing unlocked). */
  async read(): Promise<GrantState> {
    // Missing, unreadable or not a file (a named pipe would hold the reader for good): nothing unlocked.
    const bytes = await readRegularFile(this.path);
    try {
      return bytes ? parseGrantState(bytes.toString('utf8')) : emptyGrantState();
    } catch {
      return emptyGrantState();
    }
  }

  /** The same, synchronously (for a hook that answers in one go). */
  readSync(): GrantState {
    // No state file (nor store folder): nothing is unlocked (the agents' hooks ask on every tool call,
    // and asking costs less than the error a failed open builds in a fresh process, ~0.1 ms).
    if (!existsSync(this.path)) return emptyGrantState();
    const bytes = readRegularFileSync(this.path);
    try {
      return bytes ? parseGrantState(bytes.toString('utf8')) : emptyGrantState();
    } catch {
      return emptyGrantState();
    }
  }

  /** Reads, lets `fn` change the state, and writes it back, under the store's lock. */
  async update<T>(fn: (state: GrantState) => T | Promise<T>): Promise<T> {
    await this.ensureDir();
    return withFileLock(`${this.path}.lock`, async () => {
      const state = await this.read();
      const result = await fn(state);
      await atomicWriteFile(this.path, `${JSON.stringify(state)}\n`, { mode: 0o600 });
      return result;
    });
  }

  /**
   * Drops the private keys of grants that ended more than KEY_GRACE_MS ago (see dropEndedKeys), under
   * the store's lock; reads only, and writes nothing, when there are none (every agent's hook asks).
   * Never throws: a store that cannot be written keeps them, as before.
   */
  async dropEndedKeys(now = Date.now(), state = this.readSync()): Promise<void> {
    if (!holdsEndedKeys(state, now)) return;
    await this.update((current) => dropEndedKeys(current, now)).catch(() => undefined);
  }

  /** Creates the store's folder, owner-only. */
  async ensureDir(): Promise<void> {
    await fs.mkdir(this.location.dir, { recursive: true, mode: 0o700 });
    await fs.chmod(this.location.dir, 0o700).catch(() => undefined);
  }

  /**
   * Calls `listener` (debounced) whenever the state file may have changed: one OS watcher on the
   * store's folder, whatever the number of protected files.
   */
  async watch(listener: () => void): Promise<{ dispose(): void }> {
    await this.ensureDir();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const name = this.path.slice(this.location.dir.length + 1);
    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(this.location.dir, { persistent: false }, (_event, file) => {
        if (file !== null && file !== name) return;
        if (timer) clearTimeout(timer);
        timer = setTimeout(listener, 20);
      });
      watcher.on('error', () => undefined);
    } catch {
      watcher = undefined;
    }
    return { dispose: () => { if (timer) clearTimeout(timer); watcher?.close(); } };
  }
}

/** The store of `folder`, or undefined outside git when no fallback is allowed. */
export function grantStoreFor(folder: string, fallbackToHome = false): GrantStore | undefined {
  const location = locateGrantStore(folder, fallbackToHome);
  return location && new GrantStore(location);
}

/** True when a store file exists for the folder: a hook with no store file has no grants to read. */
export function hasGrantStore(folder: string): boolean {
  const location = locateGrantStore(folder);
  return location !== undefined && existsSync(location.path);
}
