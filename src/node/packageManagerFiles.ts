// The package managers' files the shell guard reads for the package.json scripts a command runs
// (ShellPorts.readPackage, ShellPorts.workspacePackages): the package.json a command finds, whether
// an .npmrc or .yarnrc makes its scripts run through another program, and the packages of a
// workspace (pnpm-workspace.yaml's `packages`, or package.json's `workspaces`) that `pnpm -r lint`,
// `pnpm --filter web fmt` or `npm -w web run x` run scripts of; and the makefiles `make` reads
// (ShellPorts.readMakefile).
import { closeSync, existsSync, openSync, readSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { minimatchModule } from '../core/minimatchModule';
import type { ShellPorts } from '../core/shellGuard';
import { readBounded } from './boundedRead';
import { gitAliasesIn } from '../core/gitAliases';
import { findGitDir, gitCommonDir } from './grantStore';

/** A package.json larger than this is not read for its scripts. */
const MAX_PACKAGE_BYTES = 1024 * 1024;
/** An .npmrc or .yarnrc larger than this is taken to set anything. */
const MAX_NPMRC_BYTES = 256 * 1024;
/** A makefile larger than this is not read: every protected file counts for what make runs. */
const MAX_MAKEFILE_BYTES = 1024 * 1024;

/**
 * The shell guard's ports for the package scripts of a command line that starts in `cwd`, for one
 * decision: the home folder's .npmrc and .yarnrc are read once, however many packages are read.
 */
export function packagePorts(cwd: string, home: string | undefined, env: NodeJS.ProcessEnv = process.env): Required<Pick<ShellPorts, 'readPackage' | 'workspacePackages' | 'readMakefile' | 'readScript' | 'gitAlias' | 'findProgram'>> {
  let homeShell: boolean | undefined;
  const inHome = (): boolean => (homeShell ??= home !== undefined && setsScriptShell(home));
  let userAliases: Map<string, string> | undefined;
  // Each configuration read once per decision, however many git commands the line runs.
  const cloneAliases = new Map<string, Map<string, string>>();
  return {
    gitAlias: (dir, name) => {
      userAliases ??= aliasesOf(userGitConfigs(home, env));
      const git = findGitDir(resolve(cwd, dir));
      let local: Map<string, string> | undefined;
      if (git !== undefined) {
        local = cloneAliases.get(git.gitDir);
        if (local === undefined) cloneAliases.set(git.gitDir, (local = aliasesOf([join(gitCommonDir(git.gitDir), 'config'), join(git.gitDir, 'config.worktree')])));
      }
      return local?.get(name) ?? userAliases.get(name);
    },
    findProgram: (name, system) => findProgram(name, env.PATH, cwd, system),
    readPackage: (dir) => nearestPackage(resolve(cwd, dir), inHome),
    workspacePackages: (dir) => workspacePackages(resolve(cwd, dir)),
    readMakefile: (dir, names) => firstMakefile(resolve(cwd, dir), names),
    readScript: (path) => {
      if (!path.startsWith('~/')) return scriptFile(resolve(cwd, path));
      return home === undefined ? undefined : scriptFile(join(home, path.slice(2)));
    },
  };
}

/**
 * The first executable file named `name` in the folders of `path` (a PATH value; an empty entry is the
 * folder `cwd`, as for a shell), when neither it nor where its links lead is `system` and it is no
 * compiled program (ELF, Mach-O, PE: nothing to read); null when it is one of those, undefined when
 * there is none. Not on Windows, whose PATH lookup adds extensions (PATHEXT): there every name is
 * taken as a program of the system's (null).
 */
function findProgram(name: string, path: string | undefined, cwd: string, system: (path: string) => boolean): string | null | undefined {
  // Not looked up: taken as found, a program of the system's.
  if (path === undefined || process.platform === 'win32') return null;
  for (const entry of path.split(delimiter)) {
    const file = join(entry === '' ? cwd : resolve(cwd, entry), name);
    const stats = statSync(file, { throwIfNoEntry: false });
    // As execvp: the first regular file the user may run.
    if (stats === undefined || !stats.isFile() || (stats.mode & 0o111) === 0) continue;
    if (system(file)) return null;
    let real: string;
    try {
      real = realpathSync(file);
    } catch {
      return null;
    }
    return system(real) || compiled(real) ? null : file;
  }
  return undefined;
}

/** Whether the file starts as a compiled program does (ELF, Mach-O, PE), from its first four bytes. */
function compiled(file: string): boolean {
  const head = Buffer.alloc(4);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    readSync(fd, head, 0, 4, 0);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const magic = head.readUInt32BE(0);
  return magic === 0x7f454c46 || head.subarray(0, 2).toString('latin1') === 'MZ' || [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(magic);
}

/** A git configuration file larger than this is not read for aliases. */
const MAX_GIT_CONFIG_BYTES = 1024 * 1024;

/** git's configuration files outside a repository, in the order git reads them (a later one wins). */
function userGitConfigs(home: string | undefined, env: NodeJS.ProcessEnv): string[] {
  if (env.GIT_CONFIG_GLOBAL !== undefined || env.GIT_CONFIG_SYSTEM !== undefined || env.GIT_CONFIG_NOSYSTEM !== undefined) {
    return [...(env.GIT_CONFIG_NOSYSTEM ? [] : [env.GIT_CONFIG_SYSTEM ?? '/etc/gitconfig']), ...(env.GIT_CONFIG_GLOBAL !== undefined ? [env.GIT_CONFIG_GLOBAL] : home === undefined ? [] : [join(home, '.gitconfig')])];
  }
  const xdg = env.XDG_CONFIG_HOME ?? (home === undefined ? undefined : join(home, '.config'));
  return ['/etc/gitconfig', ...(xdg === undefined ? [] : [join(xdg, 'git', 'config')]), ...(home === undefined ? [] : [join(home, '.gitconfig')])];
}

/** The aliases of these configuration files, a later file's winning. Files that are not there are skipped. */
function aliasesOf(files: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of files) {
    // Through links, as git reads it (a dotfiles manager links ~/.gitconfig); never a pipe.
    if (statSync(f, { throwIfNoEntry: false })?.isFile() !== true) continue;
    const text = readBounded(f, MAX_GIT_CONFIG_BYTES, true)?.toString('utf8');
    if (text !== undefined) for (const [k, v] of gitAliasesIn(text)) out.set(k, v);
  }
  return out;
}

/** The most of a script file (`./fix.sh`, `python3 fix.py`) read for what it writes. */
const MAX_SCRIPT_BYTES = 1024 * 1024;

/** A script file a command runs, read through links as the shell or interpreter reads it (see ShellPorts.readScript). */
function scriptFile(path: string): { text?: string; large?: boolean } | undefined {
  const stats = statSync(path, { throwIfNoEntry: false });
  // A folder is not a script (`node .` runs its package's main file, which is not read).
  if (stats === undefined || stats.isDirectory()) return undefined;
  if (!stats.isFile()) return {};
  if (stats.size > MAX_SCRIPT_BYTES) return { large: true };
  const bytes = readBounded(path, MAX_SCRIPT_BYTES, true);
  return bytes ? { text: bytes.toString('utf8') } : {};
}

/**
 * The first of the makefiles `names` (relative to `dir`, or absolute) that is there, read through
 * links as make reads it: its text, undefined when it is not a regular file or is too large.
 */
function firstMakefile(dir: string, names: readonly string[]): { name: string; text: string | undefined } | undefined {
  for (const name of names) {
    const found = readIfThere(resolve(dir, name), MAX_MAKEFILE_BYTES);
    if (found) return { name, text: found.text };
  }
  return undefined;
}

/**
 * The file at `path`, read through links to `max` bytes, when something is there: its text, undefined
 * when it is not a regular file or is larger (a named pipe in its place reads as empty now and as
 * anything later). Undefined when nothing is there.
 */
function readIfThere(path: string, max: number): { text: string | undefined } | undefined {
  const bytes = readBounded(path, max, true);
  if (!bytes && !existsSync(path)) return undefined;
  return { text: bytes && statSync(path, { throwIfNoEntry: false })?.isFile() ? bytes.toString('utf8') : undefined };
}

/**
 * The package.json a package manager started in `dir` reads its scripts from: the one in `dir`, else
 * in the nearest folder above that has one, read through links as the package managers read it.
 * `up`: folders above `dir`; `text` undefined when something is there that cannot be read (a folder,
 * a named pipe, a file too large). Undefined when there is none. `otherShell`: an .npmrc or .yarnrc
 * beside it, or in the home folder (`homeShell`), sets `script-shell` (npm, pnpm and yarn 1 then run
 * the scripts with that program, `python3 -c …`), or cannot be read.
 */
function nearestPackage(dir: string, homeShell: () => boolean): { up: number; text: string | undefined; otherShell: boolean } | undefined {
  for (let at = dir, up = 0; ; up++) {
    const found = readIfThere(join(at, 'package.json'), MAX_PACKAGE_BYTES);
    if (found) return { up, text: found.text, otherShell: setsScriptShell(at) || homeShell() };
    if (dirname(at) === at) return undefined;
    at = dirname(at);
  }
}

/** Whether an .npmrc (`script-shell=…`) or .yarnrc (`script-shell "…"`) in folder `dir` sets the scripts' shell, or is there and cannot be read. */
function setsScriptShell(dir: string): boolean {
  return ['.npmrc', '.yarnrc'].some((name) => {
    const path = join(dir, name);
    const bytes = readBounded(path, MAX_NPMRC_BYTES, true);
    if (!bytes) return existsSync(path);
    return /^[ \t]*["']?script-shell["']?[ \t=:]/im.test(bytes.toString('utf8'));
  });
}

/** Folders listed for one workspace at most: past it, its packages are not looked up. */
const MAX_PACKAGES = 1000;
/** Folders listed to expand a workspace's patterns at most: past it, its packages are not looked up. */
const MAX_LISTINGS = 5000;
/** Folders a `**` in a pattern goes down at most. */
const MAX_DEPTH = 6;
const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * The workspace around `dir` (the nearest folder at or above it with a pnpm-workspace.yaml, or a
 * package.json with `workspaces`): how many folders above `dir` it is, and its packages' folders
 * relative to it. Undefined when there is none, or past MAX_PACKAGES.
 */
export function workspacePackages(dir: string): { up: number; folders: string[] } | undefined {
  for (let at = resolve(dir), up = 0; ; up++) {
    const patterns = workspacePatterns(at);
    if (patterns) {
      const found = new Set<string>();
      const budget = { listings: MAX_LISTINGS };
      for (const p of patterns) if (!expand(at, p.split('/').filter((s) => s !== '' && s !== '.'), '', found, budget)) return undefined;
      return { up, folders: [...found] };
    }
    if (dirname(at) === at) return undefined;
    at = dirname(at);
  }
}

/** The package patterns `at` declares, if it is a workspace's root (negated ones left out: more folders is safe). */
function workspacePatterns(at: string): string[] | undefined {
  const yaml = readBounded(join(at, 'pnpm-workspace.yaml'), MAX_CONFIG_BYTES, true)?.toString('utf8');
  if (yaml !== undefined) {
    // packages:\n  - 'apps/*'\n  - "packages/**"
    const out: string[] = [];
    let inPackages = false;
    for (const line of yaml.split(/\r?\n/)) {
      if (/^\S/.test(line)) inPackages = /^packages\s*:/.test(line);
      const item = inPackages ? /^\s+-\s*(['"]?)(.*?)\1\s*(?:#.*)?$/.exec(line) : null;
      if (item && !item[2].startsWith('!')) out.push(item[2]);
    }
    return out;
  }
  const pkg = readBounded(join(at, 'package.json'), MAX_CONFIG_BYTES, true)?.toString('utf8');
  if (pkg === undefined) return undefined;
  try {
    const w = (JSON.parse(pkg.replace(/^\uFEFF/, '')) as { workspaces?: unknown } | null)?.workspaces;
    const list = Array.isArray(w) ? w : (w as { packages?: unknown } | undefined)?.packages;
    return Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string' && !p.startsWith('!')) : undefined;
  } catch {
    return undefined;
  }
}

/** Adds the folders under `root` that `parts` match below `rel`; false past MAX_PACKAGES. */
function expand(root: string, parts: readonly string[], rel: string, out: Set<string>, budget: { listings: number }): boolean {
  if (parts.length === 0) {
    if (rel !== '') out.add(rel);
    return out.size <= MAX_PACKAGES;
  }
  const [head, ...rest] = parts;
  if (head === '..') return true; // outside the workspace: not one of its packages
  if (head === '**') {
    // This folder and every one below it, MAX_DEPTH deep.
    const walk = (at: string, depth: number): boolean => {
      if (!expand(root, rest, at, out, budget)) return false;
      if (depth >= MAX_DEPTH) return true;
      const names = folders(root, at, budget);
      return names !== undefined && names.every((name) => walk(below(at, name), depth + 1));
    };
    return walk(rel, 0);
  }
  if (!/[*?[{]/.test(head)) return expand(root, rest, below(rel, head), out, budget);
  const matcher = new (minimatchModule().Minimatch)(head, { dot: false, nonegate: true, nocomment: true });
  const names = folders(root, rel, budget);
  return names !== undefined && names.every((name) => !matcher.match(name) || expand(root, rest, below(rel, name), out, budget));
}

/** `name` in the folder `rel` (`''`: the workspace's root). */
function below(rel: string, name: string): string {
  return rel === '' ? name : `${rel}/${name}`;
}

/** The folders in `rel` under `root`, without node_modules and hidden ones; undefined past the budget. */
function folders(root: string, rel: string, budget: { listings: number }): string[] | undefined {
  if (--budget.listings < 0) return undefined;
  try {
    return readdirSync(join(root, rel), { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.')).map((e) => e.name);
  } catch {
    return [];
  }
}
