// What the breach guard (`protected-files watch`) takes as approved content: only approvals the
// commit gate would accept. A well-chained `change` record that a script appends, with the content
// it approves put in the approved store, must not make the guard keep (or write back) that content
// where the tier needs an owner's code; nor a record with a signature that does not hold, nor a copy
// in the store whose bytes are not the ones its name says. And a log padded with hundreds of
// megabytes costs the guard neither the memory nor the breach record.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAuditLog, sha256, verifyChain } from '../../src/core/audit';
import type { AuditRecord } from '../../src/core/audit';
import { makeCodeKey } from '../../src/core/codes';
import { Sandbox } from './cliHarness';
import type { Repo } from './cliHarness';
import { Watcher } from './watchHarness';
import { auditRecords, forge, forgedChange } from './grantsHarness';

const CODE = 'Forge-Proof-Lantern-4412';
const T1 = 'src/booking/pricing.ts';
const APPROVED = 'export const PRICE_PER_GUEST_CENTS = 4500;\n';
const FORGED = 'export const PRICE_PER_GUEST_CENTS = 0; // forged2\n';
const SIGNED = 'export const PRICE_PER_GUEST_CENTS = 4900;\n';

let box: Sandbox;
let entry = '';
let n = 0;

before(async () => {
  box = new Sandbox('watch-approvals');
  entry = await makeCodeKey(CODE, { owner: 'ann@example.com', params: { N: 1024 } });
});
after(() => box.dispose());

/** BOOKING_FLOW at a tier that needs an owner's code, with one signing code; its file committed. */
function repo(): Repo {
  const manifest = `{
  "tiers": {
    "tier1": { "label": "Tier 1 · Revenue critical", "badge": "T1", "color": "red", "unlock": { "requireCode": true, "minReasonLength": 5 } }
  },
  "components": {
    "BOOKING_FLOW": { "tier": "tier1", "files": ["src/booking/**"], "risk": "Revenue stops", "unlockCodes": ["${entry}"] }
  }
}
`;
  const r = box.repo(`a${++n}`, { manifest });
  r.write(T1, APPROVED);
  r.commitAll('protected files');
  return r;
}

/** The reviewer's forger: a correctly chained, unsigned change record approving `content`, and its copy in the approved store. */
function forgeApproval(r: Repo, content: string, extra: Parameters<typeof forgedChange>[3] = {}): AuditRecord {
  const was = r.read(T1);
  const body = forgedChange(r, T1, content, { component: 'BOOKING_FLOW', ...extra });
  r.write(T1, was); // forgedChange wrote the content: the write comes later
  mkdirSync(join(r.dir, '.protection', 'backups', 'approved'), { recursive: true });
  writeFileSync(join(r.dir, '.protection', 'backups', 'approved', sha256(content)), content);
  return forge(r, [body])[0];
}

/** The legitimate flow: unlock with the owner's code, edit, record (signed under the grant). */
function signedChange(r: Repo, content: string): AuditRecord {
  const u = r.cli(['unlock'], { input: `UNLOCK BOOKING_FLOW WITH CODE: ${CODE} FOR: Raise the price for 2027\n` });
  assert.equal(u.code, 0, u.stdout + u.stderr);
  r.write(T1, content);
  const rec = r.cli(['record']);
  assert.equal(rec.code, 0, rec.stdout + rec.stderr);
  const change = auditRecords(r).filter((x) => x.event === 'change').at(-1)!;
  assert.match(change.sig ?? '', /^[A-Za-z0-9_-]{86}$/, 'the record is signed');
  return change;
}

const events = (r: Repo, from: number, event: string): AuditRecord[] => auditRecords(r).slice(from).filter((x) => x.event === event && x.file === T1);

describe('watch takes only approvals the gate accepts', () => {
  test('a forged, unsigned change record with its content in approved/: the write is restored to HEAD and recorded, the log says why once', () => {
    const r = repo();
    const forged = forgeApproval(r, FORGED);
    const count = auditRecords(r).length;
    r.write(T1, FORGED);
    const res = r.cli(['watch', '--once']);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.equal(r.read(T1), APPROVED, 'HEAD\'s content, not the forged one');
    assert.equal(events(r, count, 'breach')[0]?.after, sha256(FORGED), 'the breach is recorded');
    assert.equal(events(r, count, 'restore').length, 1);
    const warnings = res.stderr.split('\n').filter((l) => l.includes(`audit record seq ${forged.seq} (${T1}) is not taken as an approval`));
    assert.equal(warnings.length, 1, res.stderr);
    assert.match(warnings[0], /not signed by an owner's code: BOOKING_FLOW has signing codes/);
  });

  test('git checkout -- after a forged approval: the guard does not write the forged content over HEAD\'s', () => {
    const r = repo();
    forgeApproval(r, FORGED);
    r.git('checkout', '--', T1);
    const res = r.cli(['watch', '--once']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.equal(r.read(T1), APPROVED);
  });

  test('a forged record carrying the signature and grant key of a real one: restored and recorded', () => {
    const r = repo();
    const real = signedChange(r, SIGNED);
    forgeApproval(r, FORGED, { grant: real.grant, sig: real.sig, reason: real.reason, tier: real.tier });
    const count = auditRecords(r).length;
    r.write(T1, FORGED);
    const res = r.cli(['watch', '--once']);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.equal(r.read(T1), SIGNED, 'the last approval that holds, not the forged one');
    assert.equal(events(r, count, 'breach')[0]?.after, sha256(FORGED));
    assert.match(res.stderr, /is not taken as an approval: the approval \(seq \d+\) is not signed by an owner's code: (its signature does not match the record|its grant ended)/);
  });

  test('a change signed under a grant the owner\'s code certified is kept, and a later write is restored to it', () => {
    const r = repo();
    signedChange(r, SIGNED);
    const first = r.cli(['watch', '--once']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(r.read(T1), SIGNED);
    assert.doesNotMatch(first.stderr, /not taken as an approval/);
    r.write(T1, FORGED);
    assert.equal(r.cli(['watch', '--once']).code, 1);
    assert.equal(r.read(T1), SIGNED);
  });

  test('a log of several MB, records across the 1 MB chunks the guard reads it in: the signed approval at its end counts', () => {
    const r = repo();
    const filler = Array.from({ length: 3000 }, (_, i) => ({
      event: 'guarded-command' as const, at: new Date().toISOString(), actor: { name: 'Ann', email: 'ann@example.com' }, detail: `${i} ${'x'.repeat(1000 + (i % 7))}`,
    }));
    forge(r, filler);
    assert.ok(statSync(join(r.dir, '.protection', 'audit.jsonl')).size > 3 << 20);
    signedChange(r, SIGNED);
    r.write(T1, FORGED);
    const res = r.cli(['watch', '--once']);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.equal(r.read(T1), SIGNED);
    assert.doesNotMatch(res.stderr, /not taken as an approval|a line of more than/);
  });

  test('a copy in approved/ whose bytes are not the ones its name says is never restored from', () => {
    const r = repo();
    signedChange(r, SIGNED);
    const hash = sha256(SIGNED);
    // Both copies (the folder's and the git directory's) swapped for other bytes under the approved hash.
    for (const dir of [join(r.dir, '.protection', 'backups', 'approved'), join(r.dir, '.git', 'protected-files', 'approved')]) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, hash), FORGED);
    }
    r.write(T1, 'export const PRICE_PER_GUEST_CENTS = 1;\n');
    const res = r.cli(['watch', '--once']);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.notEqual(r.read(T1), FORGED, 'the swapped bytes are never written');
    assert.equal(r.read(T1), APPROVED, 'with no intact copy of the approved content, git HEAD\'s');
  });
});

/** The records at the end of a log too large to read whole (the last `bytes`). */
function tailRecords(r: Repo, bytes = 1 << 20): AuditRecord[] {
  const path = join(r.dir, '.protection', 'audit.jsonl');
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(bytes, size));
    readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    const text = buffer.toString('utf8');
    return parseAuditLog(text.slice(text.lastIndexOf('\0') + 1).replace(/^[^{]*\n/, '')).records;
  } finally {
    closeSync(fd);
  }
}

/** Runs `watch --once` with its peak memory (VmHWM, from inside its process) on stderr. */
function watchOnceWithPeak(r: Repo): { code: number; stdout: string; stderr: string; peakMb: number } {
  const peak = join(box.root, 'peak-rss.js');
  writeFileSync(peak, "process.on('exit', () => process.stderr.write(`PEAK_KB=${/VmHWM:\\s*(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]}\\n`));\n");
  const res = spawnSync(process.execPath, [box.cli, 'watch', '--once'], { cwd: r.dir, env: { ...box.env, NODE_OPTIONS: `--require ${peak}` }, encoding: 'utf8' });
  return { code: res.status ?? -1, stdout: res.stdout, stderr: res.stderr, peakMb: Number(/PEAK_KB=(\d+)/.exec(res.stderr)?.[1]) / 1024 };
}

describe('a padded audit log (truncate -s +N; echo >>)', { skip: process.platform === 'linux' ? false : 'reads /proc/self/status' }, () => {
  for (const [mb, chained] of [[100, true], [600, false]] as const) {
    test(`${mb} MB of padding: the write is restored and the breach recorded, ${chained ? 'chained to the last record' : 'starting a new chain (the tail is past the 256 MB looked at)'}; the guard's memory stays small`, () => {
      const r = repo();
      const before = signedChange(r, SIGNED);
      const log = join(r.dir, '.protection', 'audit.jsonl');
      spawnSync('truncate', ['-s', `+${mb}M`, log]);
      spawnSync('bash', ['-c', `echo >> ${log}`]);
      assert.equal(tailRecords(r).length, 0, 'nothing after the padding yet');
      r.write(T1, 'evil\n');
      const res = watchOnceWithPeak(r);
      assert.equal(res.code, 1, res.stdout + res.stderr);
      assert.equal(r.read(T1), SIGNED, 'restored to the signed approval read before the padding');
      assert.doesNotMatch(res.stderr, /Cannot create a string/);
      assert.match(res.stderr, /the audit log has a line of more than 1 MB at byte \d+: no record is that long; it is skipped/);
      assert.ok(res.peakMb < 300, `peak memory ${res.peakMb.toFixed(0)} MB`);
      const added = tailRecords(r);
      const breach = added.find((x) => x.event === 'breach' && x.file === T1);
      assert.equal(breach?.after, sha256('evil\n'), 'the breach is recorded');
      assert.ok(added.some((x) => x.event === 'restore' && x.file === T1), 'and the restore');
      assert.ok(added.every((x, i) => i === 0 || (x.prev === added[i - 1].hash && x.seq === added[i - 1].seq + 1)), 'the records after the padding chain to each other');
      if (chained) {
        assert.equal(breach?.prev, lastRecordBefore(r, before), 'chained to the last record before the padding');
      } else {
        assert.equal(breach?.prev, 'GENESIS');
        assert.ok(verifyChain(added).ok, 'a chain of their own');
        assert.match(breach?.detail ?? '', /the audit log's last 256 MB hold no record, so this record starts a new chain/);
      }
    });
  }
});

/** The hash of the last record before the padding (the relock after `before`'s change). */
function lastRecordBefore(r: Repo, change: AuditRecord): string {
  const path = join(r.dir, '.protection', 'audit.jsonl');
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const got = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, got).toString('utf8');
    const records = parseAuditLog(text.slice(0, text.indexOf('\0'))).records;
    assert.ok(records.some((x) => x.hash === change.hash));
    return records.at(-1)!.hash;
  } finally {
    closeSync(fd);
  }
}

describe('watch running (the reviewer\'s repro)', () => {
  test('a forged approval appended while the guard runs, then the write: restored and recorded; warned once over two writes', async () => {
    const r = repo();
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      const forged = forgeApproval(r, FORGED);
      const count = auditRecords(r).length;
      r.write(T1, FORGED);
      await w.saw(/pricing\.ts \(T1 · BOOKING_FLOW\) was changed outside the editor while locked: the approved content was restored/);
      assert.equal(r.read(T1), APPROVED);
      r.write(T1, `${FORGED}// again\n`);
      await w.saw(/(restored[\s\S]*){2}/);
      assert.equal(r.read(T1), APPROVED);
      assert.equal(events(r, count, 'breach').length, 2, 'both writes recorded');
      assert.equal(w.out.split(`audit record seq ${forged.seq} (${T1}) is not taken as an approval`).length - 1, 1, w.out);
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });
});
