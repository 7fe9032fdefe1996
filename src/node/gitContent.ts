// A file's content at git HEAD, as bytes (binary-safe), for rolling back a breach where no change
// record says which content was approved.
import { execFile } from 'node:child_process';

/** `git show HEAD:<relPath>` in `cwd`, or undefined (no repository, no commit, untracked path, no git). */
export function headContent(cwd: string, relPath: string): Promise<Uint8Array | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['show', `HEAD:${relPath}`], { cwd, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: 10_000 }, (err, stdout) => {
      resolve(err ? undefined : new Uint8Array(stdout));
    });
  });
}

/** `git show <revision>:<relPath>` in `cwd` (revision a commit hash or HEAD), or undefined. */
export function revisionContent(cwd: string, revision: string, relPath: string): Promise<Uint8Array | undefined> {
  if (!/^(HEAD|[0-9a-f]{7,64})$/.test(revision) || relPath.startsWith('-')) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    execFile('git', ['show', `${revision}:${relPath}`], { cwd, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: 10_000 }, (err, stdout) => {
      resolve(err ? undefined : new Uint8Array(stdout));
    });
  });
}
