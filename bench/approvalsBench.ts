// Figures for signed approvals: what an unlock costs (one scrypt derivation, as the legacy hash
// check), and `verify --base` over 1,000 signed records against the same log unsigned (legacy
// codes), in the same run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { signGrant, signRecord } from '../src/core/approvals';
import { renderRecord, sealRecord, sha256 } from '../src/core/audit';
import type { AuditBody, AuditRecord } from '../src/core/audit';
import { hashCode, makeCodeKey, matchCode, verifyCode } from '../src/core/codes';
import { newSigningKey } from '../src/core/signing';

type Row = (label: string, value: string, target?: string) => void;

const RECORDS = 1_000;
const PER_GRANT = 10;
const CODE = 'Bench-Harbor-Lantern-2291';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function timeAsync(fn: () => Promise<unknown>, runs: number): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return median(out);
}

export async function unlockCostBench(row: Row): Promise<void> {
  const signing = await makeCodeKey(CODE, { owner: 'ann@example.com' });
  const legacy = await hashCode(CODE);
  // Interleaved, so machine load falls on both alike.
  const sign: number[] = [];
  const old: number[] = [];
  for (let i = 0; i < 7; i++) {
    sign.push(await timeAsync(() => matchCode(CODE, signing), 1));
    old.push(await timeAsync(() => verifyCode(CODE, legacy), 1));
  }
  row('code check, signing entry (scrypt + Ed25519 key)', `${median(sign).toFixed(1)} ms`);
  row('baseline: legacy scrypt$ hash check', `${median(old).toFixed(1)} ms`);
  row('signing ÷ legacy', `${(median(sign) / median(old)).toFixed(2)}×`, '≈ 1× (one scrypt)');
}

interface Log { lines: string[]; last: AuditRecord | undefined }

function append(log: Log, body: AuditBody): AuditRecord {
  const r = sealRecord(body, log.last);
  log.lines.push(renderRecord(r));
  log.last = r;
  return r;
}

const actor = { name: 'Ann', email: 'ann@example.com' };

function manifestWith(entry: string): string {
  return JSON.stringify({
    tiers: { tier1: { label: 'Tier 1', badge: 'T1', unlock: { requireCode: true, minReasonLength: 5, maxMinutes: 30 } } },
    components: { BOOKING_FLOW: { tier: 'tier1', files: ['src/booking/**'], unlockCodes: [entry] } },
  }, null, 2);
}

function git(dir: string, ...args: string[]): void {
  const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

/** A repository whose branch changes RECORDS protected files, each approved by a record (signed or not). */
async function makeRepo(root: string, signed: boolean): Promise<string> {
  const dir = join(root, signed ? 'signed' : 'unsigned');
  mkdirSync(dir, { recursive: true });
  const entry = signed ? await makeCodeKey(CODE, { owner: 'ann@example.com', params: { N: 1024 } }) : await hashCode(CODE, { N: 1024 });
  const owner = signed ? (await matchCode(CODE, entry))! : undefined;
  const write = (rel: string, text: string): void => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  write('.protection/manifest.jsonc', manifestWith(entry));
  const files = Array.from({ length: RECORDS }, (_, i) => `src/booking/f${i}.ts`);
  for (const f of files) write(f, `export const v = 1; // ${f}\n`);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Ann');
  git(dir, 'config', 'user.email', 'ann@example.com');
  git(dir, 'config', 'commit.gpgsign', 'false');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--no-verify', '-m', 'base');
  git(dir, 'checkout', '-q', '-b', 'feature');
  const log: Log = { lines: [], last: undefined };
  const start = Date.now();
  for (let g = 0; g < RECORDS / PER_GRANT; g++) {
    const at = new Date(start + g * 1000).toISOString();
    const until = new Date(start + g * 1000 + 30 * 60_000).toISOString();
    const grantKey = newSigningKey();
    const unlock: AuditBody = { event: 'unlock', at, actor, component: 'BOOKING_FLOW', tier: 'tier1', reason: `bench ${g}`, until };
    if (owner?.privateKey) {
      unlock.grant = grantKey.publicKey;
      unlock.approvals = signGrant(unlock, [{ publicKey: (owner.entry as { publicKey: string }).publicKey, privateKey: owner.privateKey }]);
    }
    append(log, unlock);
    for (let k = 0; k < PER_GRANT; k++) {
      const f = files[g * PER_GRANT + k];
      const after = `export const v = 2; // ${f}\n`;
      write(f, after);
      const body: AuditBody = {
        event: 'change', at, actor, file: f, component: 'BOOKING_FLOW', tier: 'tier1', reason: `bench ${g}`,
        before: sha256(`export const v = 1; // ${f}\n`), after: sha256(after), added: 1, removed: 1,
      };
      append(log, owner?.privateKey ? signRecord({ ...body, grant: grantKey.publicKey }, grantKey.privateKey) : body);
    }
    append(log, { event: 'relock', at, actor, component: 'BOOKING_FLOW', tier: 'tier1', ...(owner ? { grant: grantKey.publicKey } : {}) });
  }
  write('.protection/audit.jsonl', `${log.lines.join('\n')}\n`);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--no-verify', '-m', 'changes');
  return dir;
}

export async function verifySignedBench(row: Row): Promise<void> {
  const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
  if (!existsSync(cli)) {
    row('dist/cli.js', 'not built');
    return;
  }
  const root = mkdtempSync(join(tmpdir(), 'pf-bench-sign-'));
  try {
    const signed = await makeRepo(root, true);
    const unsigned = await makeRepo(root, false);
    const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1' };
    const run = (dir: string): number => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [cli, 'verify', '--base', 'main'], { cwd: dir, env, encoding: 'utf8' });
      const elapsed = performance.now() - t0;
      if (r.status !== 0) throw new Error(`verify --base exited ${r.status} in ${dir}: ${(r.stdout + r.stderr).slice(0, 600)}`);
      return elapsed;
    };
    const s: number[] = [];
    const u: number[] = [];
    for (let i = 0; i < 7; i++) {
      const a = run(signed);
      const b = run(unsigned);
      if (i === 0) continue; // warm-up
      s.push(a);
      u.push(b);
    }
    row(`verify --base, ${RECORDS} signed records (median of 6)`, `${median(s).toFixed(1)} ms`);
    row(`baseline: the same log unsigned (legacy codes)`, `${median(u).toFixed(1)} ms`);
    row('signed ÷ unsigned', `${(median(s) / median(u)).toFixed(2)}×`);
  } finally {
    if (!process.env.PF_BENCH_KEEP) rmSync(root, { recursive: true, force: true });
  }
}
