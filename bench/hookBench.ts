// `protected-files hook` answering an agent's edit payload, which agents wait for on every tool
// call, and `protected-files check <path>` for one path, against a bare `node -e 0` start measured
// in the same run (issue 8: each ≤ 1.3×). All are interleaved so load on the machine hits them
// alike. Figures, not assertions.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { copyBuiltCli, isolatedGitEnv } from '../test/unit/cliHarness';
import { MANIFEST as TEAM_MANIFEST } from './verifyBench';
import type { Row } from './verifyBench';

// Enough runs that the medians move less between runs than the target's margin (40 moved them by ±0.03×).
const RUNS = 100;
const TARGET_RATIO = 1.3;
const MANIFEST = `{
  "tiers": { "tier1": { "label": "Tier 1", "badge": "T1", "color": "red" } },
  "components": { "BOOKING_FLOW": { "tier": "tier1", "files": ["src/booking/**"], "risk": "Revenue stops", "impact": "$10,000+/day" } }
}
`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function hookBench(row: Row): void {
  const builtCli = join(__dirname, '..', '..', 'dist', 'cli.js');
  const builtHook = join(__dirname, '..', '..', 'dist', 'hook.js');
  if (!existsSync(builtCli) || !existsSync(builtHook)) {
    row('dist/cli.js, dist/hook.js', 'not built', 'run `node scripts/build.mjs --release`');
    return;
  }
  // A development build (not minified, with source maps) starts slower: its figures are not the product's.
  const guardPart = readFileSync(join(dirname(builtCli), 'cli-guard.js'), 'utf8');
  if (guardPart.includes('sourceMappingURL=')) row('dist/cli-guard.js', 'NOT minified', 'the figures below are a development build\'s: run `node scripts/build.mjs --release`');
  const root = mkdtempSync(join(tmpdir(), 'pf-hookbench-'));
  try {
    const env = isolatedGitEnv(root);
    const cli = copyBuiltCli(dirname(builtCli), join(root, 'pkg'));
    const hookJs = join(dirname(cli), 'hook.js');
    /** A git repository at `dir` with `manifest` and the locked file, and Claude Code's edit payload for that file. */
    const editRepo = (dir: string, manifest: string): string => {
      mkdirSync(join(dir, '.protection'), { recursive: true });
      mkdirSync(join(dir, 'src', 'booking'), { recursive: true });
      writeFileSync(join(dir, '.protection', 'manifest.jsonc'), manifest);
      writeFileSync(join(dir, 'src', 'booking', 'flow.ts'), 'export const a = 1;\n');
      spawnSync('git', ['init', '-q'], { cwd: dir, env });
      return JSON.stringify({
        session_id: 's', transcript_path: '/t', cwd: dir, hook_event_name: 'PreToolUse', tool_name: 'Edit',
        tool_input: { file_path: join(dir, 'src', 'booking', 'flow.ts'), old_string: 'a = 1', new_string: 'a = 2' },
      });
    };
    const repo = join(root, 'repo');
    const payload = editRepo(repo, MANIFEST);
    // The launcher the agents' hooks run, with the CLI recorded as the extension records it.
    spawnSync(process.execPath, [cli, 'agents', '--write'], { cwd: repo, env });
    mkdirSync(join(repo, '.git', 'protected-files'), { recursive: true });
    writeFileSync(join(repo, '.git', 'protected-files', 'cli-path'), `${process.execPath}\n${cli}\n`);
    // What Claude Code runs for every tool call: the command in .claude/settings.json, with CLAUDE_PROJECT_DIR set.
    const settings = JSON.parse(readFileSync(join(repo, '.claude', 'settings.json'), 'utf8')) as { hooks: { PreToolUse: { hooks: { command: string }[] }[] } };
    const agentCommand = settings.hooks.PreToolUse[0].hooks[0].command;
    const agentEnv = { ...env, CLAUDE_PROJECT_DIR: repo };
    // The same edit in a repository whose manifest is a team's (six components, patterns with
    // wildcards and braces): what the manifest costs to read and compile on every call.
    const team = join(root, 'team');
    const teamPayload = editRepo(team, TEAM_MANIFEST);
    // A shell command naming the locked file: the other way through the guard (and its code cache).
    const shellPayload = JSON.stringify({
      session_id: 's', transcript_path: '/t', cwd: repo, hook_event_name: 'PreToolUse', tool_name: 'Bash',
      tool_input: { command: "sed -i 's/1/2/' src/booking/flow.ts" },
    });
    const shell: number[] = [];
    const hook: number[] = [];
    const full: number[] = [];
    const check: number[] = [];
    const bare: number[] = [];
    const viaLauncher: number[] = [];
    const shBare: number[] = [];
    const teamHook: number[] = [];
    // With the machine's NODE_EXTRA_CA_CERTS (a corporate or system bundle), which Node reads at every
    // start: the launcher starts Node without it. Measured only where the machine sets it.
    const bundle = process.env.NODE_EXTRA_CA_CERTS;
    const bundleEnv = { ...agentEnv, NODE_EXTRA_CA_CERTS: bundle };
    const withBundle: number[] = [];
    const bareWithBundle: number[] = [];
    let refused = 0;
    const time = (args: string[], input?: string, command = process.execPath, runEnv = env, cwd = repo): { ms: number; status: number | null } => {
      const t = performance.now();
      const r = spawnSync(command, args, { cwd, env: runEnv, input, encoding: 'utf8' });
      return { ms: performance.now() - t, status: r.status };
    };
    for (let i = 0; i < RUNS + 3; i++) {
      const h = time([hookJs, 'hook', '--agent', 'claude'], payload);
      const f = time([cli, 'hook', '--agent', 'claude'], payload);
      const c = time([cli, 'check', join('src', 'booking', 'flow.ts')]);
      const b = time(['-e', '0']);
      const l = time(['-c', agentCommand], payload, 'sh', agentEnv);
      const s = time(['-c', `'${process.execPath}' -e 0`], undefined, 'sh');
      const sh = time([hookJs, 'hook', '--agent', 'claude'], shellPayload);
      const t = time([hookJs, 'hook', '--agent', 'claude'], teamPayload, process.execPath, env, team);
      const wb = bundle ? time(['-c', agentCommand], payload, 'sh', bundleEnv) : undefined;
      const bb = bundle ? time(['-e', '0'], undefined, process.execPath, bundleEnv) : undefined;
      if (i < 3) continue; // warm-up: the file cache, not the guard
      hook.push(h.ms);
      full.push(f.ms);
      check.push(c.ms);
      bare.push(b.ms);
      viaLauncher.push(l.ms);
      shBare.push(s.ms);
      shell.push(sh.ms);
      teamHook.push(t.ms);
      if (wb && bb) {
        withBundle.push(wb.ms);
        bareWithBundle.push(bb.ms);
      }
      if (h.status === 2 && f.status === 2 && c.status === 2 && l.status === 2 && sh.status === 2 && t.status === 2) refused++;
    }
    const b50 = percentile(bare, 50);
    const p = (values: number[]): string => `${percentile(values, 50).toFixed(1)} / ${percentile(values, 95).toFixed(1)} ms`;
    const ratio = (label: string, values: number[]): void => {
      const r = percentile(values, 50) / b50;
      row(`${label} ÷ node -e 0, p50`, `${r.toFixed(2)}×`, `≤ ${TARGET_RATIO}×: ${r <= TARGET_RATIO ? 'met' : 'NOT met'}`);
    };
    row('dist/hook.js (what the launcher runs), p50 / p95', p(hook));
    row('dist/cli.js hook (global install), p50 / p95', p(full));
    row('dist/cli.js check <path> (one path), p50 / p95', p(check));
    row('baseline: node -e 0, p50 / p95', p(bare));
    ratio('dist/hook.js', hook);
    ratio('cli.js hook', full);
    ratio('cli.js check', check);
    row('dist/hook.js with a team\'s manifest (6 components, patterns: the verify section\'s), p50 / p95', p(teamHook));
    ratio('  with a team\'s manifest: dist/hook.js', teamHook);
    row('dist/hook.js, a Bash command writing the locked file, p50 / p95', p(shell));
    row('  ÷ node -e 0, p50 (not a target: a shell command is parsed and its targets resolved)', `${(percentile(shell, 50) / b50).toFixed(2)}×`);
    // What an agent waits for: the shell, the hook command, the launcher's own steps, then dist/hook.js (not the target's figure).
    row('Claude Code\'s hook command (sh -c, CLAUDE_PROJECT_DIR set: the launcher, then dist/hook.js), p50 / p95', p(viaLauncher));
    row('  baseline: sh -c "node -e 0", p50 / p95', p(shBare));
    row('  ÷ that baseline, p50', `${(percentile(viaLauncher, 50) / percentile(shBare, 50)).toFixed(2)}×`);
    if (bundle) {
      row('  with this machine\'s NODE_EXTRA_CA_CERTS: the hook command, p50 / p95', p(withBundle));
      row('    baseline: node -e 0 with it, p50 / p95', p(bareWithBundle));
      row('    ÷ that baseline, p50 (the launcher starts Node without it)', `${(percentile(withBundle, 50) / percentile(bareWithBundle, 50)).toFixed(2)}×`);
    }
    row(`Claude Edit / Bash / check of a locked file, ${RUNS} runs each: refused by all six`, `${refused} / ${RUNS}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
