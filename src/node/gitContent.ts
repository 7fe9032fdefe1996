// A file's content at a git revision, as bytes (binary-safe), for the Audit Log view's diffs.
import { execFile } from 'node:child_process';

/**
 * `git show <revision>:./<relPath>` in `cwd` (revision a commit hash or HEAD; the path relative to
 * `cwd`, which may be a folder below the repository's top level), or undefined.
 */
export function revisionContent(cwd: string, revision: string, relPath: string): Promise<Uint8Array | undefined> {
  if (!/^(HEAD|[0-9a-f]{7,64})$/.test(revision) || relPath.startsWith('-') || relPath.split('/').includes('..')) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    execFile('git', ['show', `${revision}:./${relPath}`], { cwd, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: 10_000 }, (err, stdout) => {
      resolve(err ? undefined : new Uint8Array(stdout));
    });
  });
}
