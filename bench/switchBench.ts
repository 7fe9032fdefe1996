// `git switch` of a branch that changes thousands of locked files while the breach guard runs
// (`protected-files watch`, the same engine as the editor's): what the guard spends judging git's
// writes (its own CPU and its git processes', from /proc) against what the switch itself costs git,
// measured in the same run. The guard must leave the work tree as git left it, with no breach.
// Figures, not assertions; Linux only (the CPU times come from /proc).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { copyBuiltCli, isolatedGitEnv } from '../test/unit/cliHarness';
import type { Row } from './verifyBench';

const FILES = 3_000;
const PER_FOLDER = 100;
const MANIFEST = `{
  "tiers": { "tier1": { "label": "Tier 1", "badge": "T1", "color": "red", "unlock": { "requireCode": false } } },
  "components": { "BOOKING_FLOW": { "tier": "tier1", "files": ["src/booking/**"], "risk": "Revenue stops" } }
}
`;

/** CPU seconds of a process and of the children it waited for (utime + stime + cutime + cstime). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  // After "(comm) ", field 3 (state) is index 0: utime is field 14, so index 11.
  return fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0) / 100;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function switchBench(row: Row): Promise<void> {
  const builtCli = join(__dirname, '..', '..', 'dist', 'cli.js');
  if (process.platform !== 'linux') return row('(not measured)', 'Linux only: CPU times from /proc');
  if (!existsSync(builtCli)) return row('dist/cli.js', 'not built', 'run `node scripts/build.mjs --release`');
  const root = mkdtempSync(join(tmpdir(), 'pf-switchbench-'));
  try {
    const env = isolatedGitEnv(root);
    const cli = copyBuiltCli(dirname(builtCli), join(root, 'pkg'));
    const repo = join(root, 'repo');
    const git = (...args: string[]): string => {
      const r = spawnSync('git', args, { cwd: repo, env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    /** The switch's own CPU (git and its children), from bash's `times`. */
    const switchTo = (branch: string): { cpu: number; ms: number } => {
      const t = performance.now();
      const r = spawnSync('bash', ['-c', `git switch -q ${branch} && times`], { cwd: repo, env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`git switch ${branch}: ${r.stderr}`);
      const children = r.stdout.trim().split('\n')[1] ?? '';
      const cpu = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
      return { cpu, ms: performance.now() - t };
    };
    const write = (version: string): void => {
      for (let i = 0; i < FILES; i++) {
        const file = join(repo, 'src', 'booking', `d${Math.floor(i / PER_FOLDER)}`, `f${i}.ts`);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, `export const v${i} = '${version}';\n`);
      }
    };
    mkdirSync(join(repo, '.protection'), { recursive: true });
    writeFileSync(join(repo, '.protection', 'manifest.jsonc'), MANIFEST);
    git('init', '-q', '-b', 'main');
    write('main');
    git('add', '-A');
    git('-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '-m', 'main');
    git('switch', '-q', '-c', 'other');
    write('other');
    git('-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '-am', 'other');
    git('switch', '-q', 'main');

    // Without the guard: the switch alone, there and back (the baseline).
    const alone = [switchTo('other'), switchTo('main')];
    const guard = spawn(process.execPath, [cli, 'watch'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    guard.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    guard.stderr.on('data', (b: Buffer) => (out += b.toString('utf8')));
    try {
      for (let waited = 0; !/checked at start/.test(out); waited += 50) {
        if (waited > 30_000) throw new Error(`watch did not start: ${out}`);
        await sleep(50);
      }
      /** A switch with the guard running: its CPU until the guard has been quiet for a second. */
      const judged = async (branch: string): Promise<{ cpu: number; ms: number; git: { cpu: number; ms: number } }> => {
        const before = cpuSeconds(guard.pid!);
        const t = performance.now();
        const gitSide = switchTo(branch);
        let last = cpuSeconds(guard.pid!);
        let quietSince = performance.now();
        for (;;) {
          await sleep(100);
          const now = cpuSeconds(guard.pid!);
          if (now !== last) {
            last = now;
            quietSince = performance.now();
          } else if (performance.now() - quietSince >= 1_000) break;
        }
        return { cpu: last - before, ms: quietSince - t, git: gitSide };
      };
      const runs = [await judged('other'), await judged('main')];
      const status = git('status', '--porcelain', '--', 'src');
      const breaches = (out.match(/outside the editor/g) ?? []).length;
      row(`locked files the switch changes`, `${FILES} in ${FILES / PER_FOLDER} folders`);
      row('baseline: git switch alone, there / back (CPU)', `${alone.map((a) => a.cpu.toFixed(2)).join(' / ')} s`);
      row('the guard judging it, there / back (its CPU and its git\'s)', `${runs.map((r) => r.cpu.toFixed(2)).join(' / ')} s`);
      row('  guard ÷ git switch (CPU), there / back', runs.map((r, i) => `${(r.cpu / Math.max(alone[i].cpu, 0.01)).toFixed(1)}×`).join(' / '));
      row('  switch → guard quiet again, there / back', `${runs.map((r) => (r.ms / 1000).toFixed(1)).join(' / ')} s`);
      row('work tree as git left it; breaches recorded', `${status === '' ? 'yes' : `NO: ${status.split('\n').length} paths differ`}; ${breaches}`);
    } finally {
      const exited = new Promise((done) => guard.once('exit', done));
      guard.kill('SIGINT');
      await exited;
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
