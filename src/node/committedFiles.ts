// Committed versions of one file, for when the work tree's copy is missing or broken: the command
// line then enforces the last good committed manifest instead of nothing. Only called off the
// common path (a valid manifest in the work tree needs no git at all).
import { existsSync } from 'node:fs';
import { dirname, relative, sep } from 'node:path';
import { runGit } from './gitChanges';

/** How many earlier commits of the file are tried after HEAD's version, at most. */
const MAX_EARLIER_VERSIONS = 5;

export interface CommittedVersion {
  /** `HEAD`, or the id of the commit whose version this is. */
  commit: string;
  content: Buffer;
}

/**
 * The newest committed version of `relPath` (relative to `folder`) that `accept` takes: HEAD's,
 * else that of the last few commits that changed the file, newest first. Undefined when none
 * does, or when `folder` is not in a git repository.
 */
export async function lastAcceptedVersion(
  folder: string, env: NodeJS.ProcessEnv, relPath: string, accept: (content: Buffer) => boolean,
): Promise<CommittedVersion | undefined> {
  return await acceptedAt(folder, env, relPath, accept, 'HEAD') ?? earlierAcceptedVersion(folder, env, relPath, accept);
}

/**
 * lastAcceptedVersion without HEAD's version, for a caller that read that one already and `accept`
 * did not take it: the newest of the last few commits that changed the file that `accept` takes.
 */
export async function earlierAcceptedVersion(
  folder: string, env: NodeJS.ProcessEnv, relPath: string, accept: (content: Buffer) => boolean,
): Promise<CommittedVersion | undefined> {
  const log = await runGit(['--literal-pathspecs', 'log', `-${MAX_EARLIER_VERSIONS}`, '--format=%H', '--', relPath], folder, env).catch(() => undefined);
  if (log?.code !== 0) return undefined;
  for (const commit of log.stdout.toString('utf8').split('\n').filter((l) => l !== '')) {
    const found = await acceptedAt(folder, env, relPath, accept, commit);
    if (found) return found;
  }
  return undefined;
}

async function acceptedAt(
  folder: string, env: NodeJS.ProcessEnv, relPath: string, accept: (content: Buffer) => boolean, commit: string,
): Promise<CommittedVersion | undefined> {
  // `<commit>:./<path>` is relative to the folder git runs in, so a nested workspace reads its own file.
  const r = await runGit(['cat-file', 'blob', `${commit}:./${relPath}`], folder, env).catch(() => undefined);
  return r?.code === 0 && accept(r.stdout) ? { commit, content: r.stdout } : undefined;
}

/**
 * The deepest folder at or above `start`, inside its repository, whose HEAD tree holds `relPath`
 * (the work tree's copy may be gone). Two git processes: the top level, then one `ls-tree` for
 * every candidate at once. Undefined outside a repository or when no folder has it.
 */
export async function committedHolder(start: string, env: NodeJS.ProcessEnv, relPath: string): Promise<string | undefined> {
  let dir = start;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return (await committedHolders(dir, [start], env, relPath)).get(start)?.[0];
}

/** Pathspecs given to one `ls-tree`, so that a long list stays under the system's argument limits. */
const PATHSPECS_PER_RUN = 500;

/**
 * For each of `starts` (folders at or below `top`, a folder of one repository, spelled under it):
 * every folder at or above it, inside the repository, whose HEAD tree holds `relPath`, deepest first.
 * Two git processes for a few hundred starts (the top level, then `ls-tree` with every candidate at
 * once), whatever their number otherwise: one more per PATHSPECS_PER_RUN candidates. Empty lists
 * outside a repository.
 */
export async function committedHolders(top: string, starts: readonly string[], env: NodeJS.ProcessEnv, relPath: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(starts.map((s) => [s, []]));
  const at = await runGit(['rev-parse', '--show-toplevel', '--show-prefix'], top, env).catch(() => undefined);
  if (at?.code !== 0) return out;
  const [root, prefix = ''] = at.stdout.toString('utf8').split('\n');
  /** Each start's folders, deepest first, as paths in the repository ('' its top) with their spelling under start. */
  const chains = new Map<string, { inRepo: string; folder: string }[]>();
  const candidates = new Set<string>();
  for (const start of starts) {
    const rel = [...prefix.split('/'), ...relative(top, start).split(sep)].filter((s) => s !== '');
    if (rel.includes('..')) continue;
    const chain: { inRepo: string; folder: string }[] = [];
    let folder = start;
    for (let parts = rel; ; parts = parts.slice(0, -1)) {
      const inRepo = parts.length === 0 ? relPath : `${parts.join('/')}/${relPath}`;
      chain.push({ inRepo, folder });
      candidates.add(inRepo);
      if (parts.length === 0) break;
      folder = dirname(folder);
    }
    chains.set(start, chain);
  }
  const all = [...candidates];
  const present = new Set<string>();
  for (let i = 0; i < all.length; i += PATHSPECS_PER_RUN) {
    const listed = await runGit(['--literal-pathspecs', 'ls-tree', '--full-tree', '--name-only', '-z', 'HEAD', '--', ...all.slice(i, i + PATHSPECS_PER_RUN)], root, env).catch(() => undefined);
    if (listed?.code !== 0) return out;
    for (const p of listed.stdout.toString('utf8').split('\0')) if (p !== '') present.add(p);
  }
  for (const [start, chain] of chains) out.set(start, chain.filter((c) => present.has(c.inRepo)).map((c) => c.folder));
  return out;
}
