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
