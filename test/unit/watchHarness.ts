// What the tests of `protected-files watch` share: a foreground `watch` as a child process, waiting
// for a condition, and a writer from outside (a shell in the repository, not the guard's process).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Repo, Sandbox } from './cliHarness';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** A foreground `watch` as a child process, with its output as it comes. */
export class Watcher {
  readonly child: ChildProcess;
  out = '';
  exit: Promise<number | null>;

  constructor(box: Sandbox, readonly repo: Repo, env: NodeJS.ProcessEnv = box.env) {
    this.child = spawn(process.execPath, [box.cli, 'watch'], { cwd: repo.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (b: Buffer) => { this.out += b.toString('utf8'); });
    this.child.stderr!.on('data', (b: Buffer) => { this.out += b.toString('utf8'); });
    this.exit = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  async saw(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
    await waitFor(`${pattern} in watch's output:\n${this.out}`, () => pattern.test(this.out), timeoutMs);
  }

  async stop(): Promise<number | null> {
    this.child.kill('SIGINT');
    return this.exit;
  }
}

/** Runs a shell script in the repository: a writer from outside, another process than the guard's. */
export function shIn(box: Sandbox, r: Repo, script: string): void {
  const res = spawnSync('bash', ['-c', script], { cwd: r.dir, env: box.env, encoding: 'utf8' });
  assert.equal(res.status, 0, `${script}: ${res.stderr}`);
}
