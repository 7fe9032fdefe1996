// The packages of a JavaScript workspace (pnpm-workspace.yaml's `packages`, or package.json's
// `workspaces`), for the shell guard: `pnpm -r lint`, `pnpm --filter web fmt`, `npm -w web run x`
// run the scripts of these packages' package.json files (ShellPorts.workspacePackages).
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { minimatchModule } from '../core/minimatchModule';
import { readBounded } from './boundedRead';

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
  const join2 = (name: string): string => (rel === '' ? name : `${rel}/${name}`);
  if (head === '**') {
    // This folder and every one below it, MAX_DEPTH deep.
    const walk = (at: string, depth: number): boolean => {
      if (!expand(root, rest, at, out, budget)) return false;
      if (depth >= MAX_DEPTH) return true;
      const names = folders(root, at, budget);
      if (!names) return false;
      for (const name of names) if (!walk(at === '' ? name : `${at}/${name}`, depth + 1)) return false;
      return true;
    };
    return walk(rel, 0);
  }
  if (!/[*?[{]/.test(head)) return expand(root, rest, join2(head), out, budget);
  const matcher = new (minimatchModule().Minimatch)(head, { dot: false, nonegate: true, nocomment: true });
  const names = folders(root, rel, budget);
  if (!names) return false;
  for (const name of names) if (matcher.match(name) && !expand(root, rest, join2(name), out, budget)) return false;
  return true;
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
