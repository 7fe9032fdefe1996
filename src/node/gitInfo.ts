// Who is acting and at which commit, for audit records. Both answers are best effort and never
// throw: an audit record without a HEAD is still worth writing.
import { nodeOs } from './nodeOs';
import type { SimpleGit, simpleGit as SimpleGitFactory } from 'simple-git';
import type { Actor } from '../core/audit';

/** A hung git (credential prompt, network file system) must not hang a save. */
const GIT_TIMEOUT_MS = 10_000;

// Loaded on first use: git is needed for the first audit record, not to activate. The release
// bundles keep simple-git in a file of its own (scripts/build.mjs), so activation does not parse it.
function git(cwd: string): SimpleGit | undefined {
  try {
    // A plain require (not import()): esbuild keeps it as require('./simple-git.js') in the bundles.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { simpleGit } = require('simple-git') as { simpleGit: typeof SimpleGitFactory };
    return simpleGit({ baseDir: cwd, timeout: { block: GIT_TIMEOUT_MS } });
  } catch {
    return undefined; // cwd missing, or no git binary
  }
}

async function configValue(g: SimpleGit, key: string): Promise<string | undefined> {
  try {
    const value = (await g.getConfig(key)).value?.trim();
    return value ? value : undefined;
  } catch {
    return undefined;
  }
}

function osUserName(): string {
  try {
    const name = nodeOs().userInfo().username;
    if (name) return name;
  } catch {
    // no passwd entry (some containers): fall through
  }
  return process.env.USER ?? process.env.USERNAME ?? 'unknown';
}

/**
 * The git user (`user.name`, `user.email` as git resolves them for `cwd`: local, global,
 * system). Without a git name, the OS user name; without a git email, ''.
 */
export async function getActor(cwd: string): Promise<Actor> {
  const g = git(cwd);
  const [name, email] = g ? await Promise.all([configValue(g, 'user.name'), configValue(g, 'user.email')]) : [undefined, undefined];
  return { name: name ?? osUserName(), email: email ?? '' };
}

/** The full sha of HEAD, or undefined when `cwd` is not in a repository or it has no commits. */
export async function getHead(cwd: string): Promise<string | undefined> {
  const g = git(cwd);
  if (!g) return undefined;
  try {
    const sha = (await g.revparse(['--verify', '--quiet', 'HEAD^{commit}'])).trim();
    return /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}
