// What the tests of `protected-files watch` share: a foreground `watch` as a child process, waiting
// for a condition, and a writer from outside (a shell in the repository, not the guard's process).
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Sandbox } from './cliHarness';
import type { Repo } from './cliHarness';

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

/** The manifest of the watch tests: BOOKING_FLOW (tier 1, restore) and MIGRATIONS (tier 2, warn), no codes. */
export const WATCH_MANIFEST = `// watch test manifest
{
  "tiers": {
    "tier1": { "label": "Tier 1 · Revenue critical", "badge": "T1", "color": "red", "unlock": { "requireCode": false, "minReasonLength": 5 } },
    "tier2": { "label": "Tier 2 · Infrastructure", "badge": "T2", "color": "yellow", "unlock": { "requireCode": false }, "onBreach": "warn" }
  },
  "components": {
    "BOOKING_FLOW": { "tier": "tier1", "files": ["src/booking/**"], "risk": "Revenue stops" },
    "MIGRATIONS": { "tier": "tier2", "files": ["db/migrations/**"], "risk": "Schema changes hit production" }
  }
}
`;
export const T1 = 'src/booking/price.ts';
export const T1B = 'src/booking/cart.ts';
export const T2 = 'db/migrations/001.sql';
export const APPROVED = 'export const price = 100;\n';

/** A repository with WATCH_MANIFEST and its protected files committed (T1, T1B, T2) beside a free one. */
export function watchRepo(box: Sandbox, name: string): Repo {
  const r = box.repo(name, { manifest: WATCH_MANIFEST });
  r.write(T1, APPROVED);
  r.write(T1B, 'export const cart = [];\n');
  r.write(T2, 'create table bookings (id int);\n');
  r.write('src/free.ts', 'export const free = 1;\n');
  r.commitAll('protected files');
  return r;
}

/** Runs `body` with a foreground `watch` started in `r` and done with its check at start; stops it after, whatever happens. */
export async function whileWatching(box: Sandbox, r: Repo, body: (w: Watcher) => Promise<void>): Promise<void> {
  const w = new Watcher(box, r);
  try {
    await w.saw(/checked at start/);
    await body(w);
  } finally {
    await w.stop();
  }
}

/**
 * One test file's sandbox (removed after its tests), a name for each repository made in it, a
 * repository with WATCH_MANIFEST and its files committed, and a writer from outside in one.
 */
export function watchSuite(prefix: string): { box: Sandbox; name(): string; repo(): Repo; sh(r: Repo, script: string): void } {
  const box = new Sandbox(prefix);
  after(() => box.dispose());
  let n = 0;
  const name = (): string => `r${++n}`;
  return { box, name, repo: () => watchRepo(box, name()), sh: (r, script) => shIn(box, r, script) };
}
