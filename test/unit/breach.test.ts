// The breach guard's pure decisions: the rule, the approvals read from the audit log, incidents.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { recordHash, sealRecord, verifyChain } from '../../src/core/audit';
import type { AuditBody, AuditRecord } from '../../src/core/audit';
import { ApprovalLedger, BreachEpisodes, decideBreach, describeBreach, summarizeBreaches } from '../../src/core/breach';
import type { ApprovalRules, BreachFacts } from '../../src/core/breach';
import { signGrant, signRecord } from '../../src/core/approvals';
import { makeCodeKey, matchCode } from '../../src/core/codes';
import { parseManifest } from '../../src/core/manifest';
import type { Manifest } from '../../src/core/manifest';
import { ProtectionMatcher } from '../../src/core/matcher';
import { newSigningKey } from '../../src/core/signing';
import type { SigningKey } from '../../src/core/signing';
import { manifestWith } from './grantsHarness';
import * as path from 'node:path';
import { directoriesOf, statusPath } from '../../src/node/breachEngine';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const content = (hash: string): BreachFacts['approved'] => ({ kind: 'content', hash });

describe('decideBreach', () => {
  const cases: [string, BreachFacts, ReturnType<typeof decideBreach>][] = [
    ['unlocked: never a breach, whatever the disk holds', { locked: false, onBreach: 'restore', diskHash: B, approved: content(A) }, { action: 'none', why: 'unlocked' }],
    ['approved content on disk', { locked: true, onBreach: 'restore', diskHash: A, approved: content(A) }, { action: 'none', why: 'approved' }],
    ['other content, tier restore', { locked: true, onBreach: 'restore', diskHash: B, approved: content(A) }, { action: 'breach', kind: 'modified', restore: true }],
    ['other content, tier warn', { locked: true, onBreach: 'warn', diskHash: B, approved: content(A) }, { action: 'breach', kind: 'modified', restore: false }],
    ['deleted, tier restore', { locked: true, onBreach: 'restore', diskHash: undefined, approved: content(A) }, { action: 'breach', kind: 'deleted', restore: true }],
    ['approved deletion, still absent', { locked: true, onBreach: 'restore', diskHash: undefined, approved: { kind: 'deleted' } }, { action: 'none', why: 'approved' }],
    ['approved deletion, file back: recorded, kept', { locked: true, onBreach: 'restore', diskHash: B, approved: { kind: 'deleted' } }, { action: 'breach', kind: 'created', restore: false }],
    ['nothing known, file there: recorded, kept', { locked: true, onBreach: 'restore', diskHash: B, approved: { kind: 'unknown' } }, { action: 'breach', kind: 'created', restore: false }],
    ['nothing known, no file', { locked: true, onBreach: 'warn', diskHash: undefined, approved: { kind: 'unknown' } }, { action: 'none', why: 'approved' }],
  ];
  for (const [name, facts, expected] of cases) test(name, () => assert.deepEqual(decideBreach(facts), expected));
});

/** A chained log that later calls continue (as the ledger reads a growing log). */
function logOf(): (bodies: Partial<AuditBody>[]) => AuditRecord[] {
  let last: AuditRecord | undefined;
  return (bodies) => bodies.map((b) => (last = sealRecord({ at: '2026-01-01T00:00:00.000Z', actor: { name: 'a', email: 'a@x' }, event: 'change', ...b } as AuditBody, last)));
}

const NO_CODE_MANIFEST = parseManifest(`{
  "tiers": { "tier1": { "label": "T1", "badge": "T1", "unlock": { "requireCode": false } } },
  "components": { "C": { "tier": "tier1", "files": ["*.ts"] } }
}`).manifest!;

/** Rules of a manifest whose tier needs no code: every well-chained approval counts, as at the gate. */
function rulesOf(manifest: Manifest): ApprovalRules {
  const matcher = new ProtectionMatcher(manifest);
  return { classify: (f) => matcher.classify(f), trusted: () => [manifest] };
}

describe('ApprovalLedger', () => {
  test('the last change or delete record is the approved state; unrelated events change nothing', () => {
    const l = new ApprovalLedger(rulesOf(NO_CODE_MANIFEST));
    for (const r of logOf()([
      { event: 'change', file: 'x.ts', after: A },
      { event: 'unlock', component: 'C' },
      { event: 'change', file: 'x.ts', after: B },
      { event: 'delete', file: 'y.ts' },
      { event: 'relock', component: 'C' },
    ])) assert.equal(l.apply(r), undefined);
    assert.deepEqual(l.get('x.ts')?.approved, content(B));
    assert.deepEqual(l.get('y.ts')?.approved, { kind: 'deleted' });
    assert.equal(l.get('z.ts'), undefined, 'no record: git HEAD decides');
    assert.deepEqual([...l.files()].sort(), ['x.ts', 'y.ts']);
  });

  test('a rename approves the absence of the old path', () => {
    const l = new ApprovalLedger(rulesOf(NO_CODE_MANIFEST));
    for (const r of logOf()([{ event: 'change', file: 'new.ts', from: 'old.ts', after: A }])) l.apply(r);
    assert.deepEqual(l.get('old.ts')?.approved, { kind: 'deleted' });
  });

  test('a breach stays open until a restore or an approval: another guard does not record it again', () => {
    const l = new ApprovalLedger(rulesOf(NO_CODE_MANIFEST));
    const records = logOf();
    for (const r of records([{ event: 'breach', file: 'x.ts', before: A, after: B }])) l.apply(r);
    assert.equal(l.get('x.ts')?.openBreach, B);
    assert.equal(l.get('x.ts')?.approved.kind, 'unknown', 'a breach approves nothing');
    for (const r of records([{ event: 'restore', file: 'x.ts', after: A }])) l.apply(r);
    assert.equal(l.get('x.ts')?.openBreach, undefined);
    for (const r of records([{ event: 'breach', file: 'x.ts', before: A }])) l.apply(r);
    assert.equal(l.get('x.ts')?.openBreach, 'deleted');
    for (const r of records([{ event: 'change', file: 'x.ts', after: B }])) l.apply(r);
    assert.equal(l.get('x.ts')?.openBreach, undefined);
  });

  test('past a break in the chain nothing counts: a changed record, a record that does not follow, a wrong seq', () => {
    for (const spoil of [
      (r: AuditRecord): AuditRecord => ({ ...r, after: B }),
      (r: AuditRecord): AuditRecord => sealRecord({ ...r }, undefined),
      (r: AuditRecord): AuditRecord => ({ ...r, seq: r.seq + 1 }),
    ]) {
      const l = new ApprovalLedger(rulesOf(NO_CODE_MANIFEST));
      const [first, second, third] = logOf()([{ file: 'x.ts', after: A }, { file: 'x.ts', after: A }, { file: 'x.ts', after: B }]);
      assert.equal(l.apply(first), undefined);
      const ignored = l.apply(spoil(second));
      assert.match(ignored?.problem ?? '', /record seq \d+ (was changed after it was written|does not follow|should have seq)/);
      assert.equal(l.chainBrokenAt, spoil(second).seq);
      assert.equal(l.apply(third), undefined, 'reported once, at the break');
      assert.deepEqual(l.get('x.ts')?.approved, content(A), 'the approval before the break stands');
    }
  });
});

describe('ApprovalLedger and verifyChain: one rule for the chain', () => {
  const body = (i: number): Partial<AuditBody> => ({ file: 'x.ts', after: i % 2 ? A : B, reason: `change ${i}` });
  const reseal = (r: AuditRecord, fields: Partial<AuditRecord>): AuditRecord => {
    const unsealed: Omit<AuditRecord, 'hash'> & { hash?: string } = { ...r, ...fields };
    delete unsealed.hash;
    return { ...unsealed, hash: recordHash(unsealed) } as AuditRecord;
  };
  const spoilings: [string, (records: AuditRecord[]) => AuditRecord[]][] = [
    ['intact', (rs) => rs],
    ['a changed record', (rs) => rs.map((r, i) => (i === 2 ? { ...r, reason: 'edited' } : r))],
    ['a changed record, its hash recomputed', (rs) => rs.map((r, i) => (i === 2 ? reseal(r, { reason: 'edited' }) : r))],
    ['a removed record', (rs) => rs.filter((_, i) => i !== 2)],
    ['records removed at the start', (rs) => rs.slice(2)],
    ['two records swapped', (rs) => [rs[0], rs[2], rs[1], ...rs.slice(3)]],
    ['a record inserted, chained after the one before it', (rs) => [...rs.slice(0, 2), sealRecord({ ...rs[1], reason: 'inserted' }, rs[1]), ...rs.slice(2)]],
    ['a wrong seq with otherwise valid links', (rs) => [...rs.slice(0, 2), reseal(rs[2], { seq: 9 })]],
    ['a first record with seq 2', (rs) => [reseal(rs[0], { seq: 2 }), ...rs.slice(1)]],
    ['a first record that does not start the chain', (rs) => [reseal(rs[0], { prev: A }), ...rs.slice(1)]],
    ['the last record changed', (rs) => rs.map((r, i) => (i === rs.length - 1 ? { ...r, reason: 'edited' } : r))],
  ];
  for (const [name, spoil] of spoilings) {
    test(`${name}: both break at the same record, for the same reason, or neither`, () => {
      const records = spoil(logOf()([0, 1, 2, 3, 4, 5].map(body)));
      const chain = verifyChain(records);
      const l = new ApprovalLedger(rulesOf(NO_CODE_MANIFEST));
      const ignored = records.map((r) => l.apply(r)).filter((x) => x !== undefined);
      if (chain.ok) {
        assert.deepEqual(ignored, [], name);
        assert.equal(l.chainBrokenAt, undefined, name);
        return;
      }
      assert.equal(ignored.length, 1, name);
      assert.equal(ignored[0]!.hash, records[chain.index].hash, name);
      assert.equal(l.chainBrokenAt, records[chain.index].seq, name);
      const reason = (text: string): string => /changed after it was written/.test(text) ? 'changed'
        : /does not follow|should start the chain/.test(text) ? 'unlinked' : /should have seq (\d+)/.exec(text)?.[1] ?? text;
      assert.equal(reason(ignored[0]!.problem), reason(chain.message), name);
    });
  }
});

describe('ApprovalLedger: only approvals the gate would accept', () => {
  const FAST = { params: { N: 1024 } };
  let ann: { entry: string; key: SigningKey };
  let manifest: Manifest;

  before(async () => {
    const entry = await makeCodeKey('ann-ledger-code-1', { owner: 'ann@example.com', ...FAST });
    const m = await matchCode('ann-ledger-code-1', entry);
    ann = { entry, key: { privateKey: m!.privateKey!, publicKey: (m!.entry as { publicKey: string }).publicKey } };
    manifest = parseManifest(manifestWith({
      BOOKING_FLOW: { tier: 'tier1', files: ['src/booking/**'], codes: [ann.entry] },
      MIGRATIONS: { tier: 'tier2', files: ['db/**'], codes: [] },
    })).manifest!;
  });

  const actor = { name: 'Ann', email: 'ann@example.com' };
  const now = Date.now();
  const iso = (minutes: number): string => new Date(now + minutes * 60_000).toISOString();
  function unlock(grant: SigningKey, certifier: SigningKey): AuditBody {
    const body: AuditBody = { event: 'unlock', at: iso(0), actor, component: 'BOOKING_FLOW', tier: 'tier1', reason: 'fix the booking bug', until: iso(30), grant: grant.publicKey };
    return { ...body, approvals: signGrant(body, [certifier]) };
  }
  function change(after: string, grant?: SigningKey, minute = 1): AuditBody {
    const body: AuditBody = { event: 'change', at: iso(minute), actor, file: 'src/booking/a.ts', tier: 'tier1', reason: 'fix the booking bug', after };
    return grant ? signRecord({ ...body, grant: grant.publicKey }, grant.privateKey) : body;
  }
  function seal(bodies: AuditBody[]): AuditRecord[] {
    const out: AuditRecord[] = [];
    for (const b of bodies) out.push(sealRecord(b, out.at(-1)));
    return out;
  }

  test('a signed change under a grant an owner\'s code certified is the approved content', () => {
    const grant = newSigningKey();
    const l = new ApprovalLedger(rulesOf(manifest));
    for (const r of seal([unlock(grant, ann.key), change(A, grant)])) assert.equal(l.apply(r), undefined);
    assert.deepEqual(l.get('src/booking/a.ts')?.approved, content(A));
  });

  test('a well-chained change without a signature, where the component has signing codes, is reported once and approves nothing', () => {
    const l = new ApprovalLedger(rulesOf(manifest));
    const [forged] = seal([change(B)]);
    const ignored = l.apply(forged);
    assert.equal(ignored?.seq, 1);
    assert.match(ignored?.problem ?? '', /not signed by an owner's code: BOOKING_FLOW has signing codes/);
    assert.equal(l.get('src/booking/a.ts'), undefined, 'git HEAD stays the approved content');
  });

  test('refused: a signature that does not match, a grant no owner certified, a record after its grant ended, a grant of another key', () => {
    const grant = newSigningKey();
    const stranger = newSigningKey();
    const cases: [string, AuditBody[], RegExp][] = [
      ['wrong signature', [unlock(grant, ann.key), { ...change(B, grant), sig: change(A, grant).sig }], /its signature does not match the record/],
      ['self-certified grant', [unlock(grant, stranger), change(B, grant)], /no code of BOOKING_FLOW in the manifest signed its grant/],
      ['after relock', [unlock(grant, ann.key), { event: 'relock', at: iso(1), actor, component: 'BOOKING_FLOW', grant: grant.publicKey }, change(B, grant, 2)], /its grant ended at seq 2/],
      ['no unlock', [change(B, grant)], /no unlock record before it certifies its grant key/],
    ];
    for (const [name, bodies, why] of cases) {
      const l = new ApprovalLedger(rulesOf(manifest));
      const problems = seal(bodies).map((r) => l.apply(r)).filter((x) => x !== undefined);
      assert.equal(problems.length, 1, name);
      assert.match(problems[0]!.problem, why, name);
      assert.equal(l.get('src/booking/a.ts')?.approved.kind ?? 'unknown', 'unknown', name);
    }
  });

  test('a signed change copied to the log\'s end (a new seq, the chain sealed again) approves nothing: the later approval stays', () => {
    const grant = newSigningKey();
    const l = new ApprovalLedger(rulesOf(manifest));
    const first = change(A, grant, 1);
    // A to B under the grant, the grant never relocked (a window closed): then A's record again.
    const records = seal([unlock(grant, ann.key), first, change(B, grant, 2), first]);
    const problems = records.map((r) => l.apply(r)).filter((x) => x !== undefined);
    assert.deepEqual(problems.map((p) => p!.seq), [4]);
    assert.match(problems[0]!.problem, /repeats the signed approval of seq 2/);
    assert.deepEqual(l.get('src/booking/a.ts')?.approved, content(B));
  });

  test('an earlier signed approval stays when a forged one follows it; a tier without a code takes unsigned records, as the gate does', () => {
    const grant = newSigningKey();
    const l = new ApprovalLedger(rulesOf(manifest));
    const records = seal([unlock(grant, ann.key), change(A, grant), change(B), { event: 'change', at: iso(3), actor, file: 'db/1.sql', tier: 'tier2', after: B }]);
    const problems = records.map((r) => l.apply(r)).filter((x) => x !== undefined);
    assert.deepEqual(problems.map((p) => p!.seq), [3]);
    assert.deepEqual(l.get('src/booking/a.ts')?.approved, content(A));
    assert.deepEqual(l.get('db/1.sql')?.approved, content(B));
  });
});

describe('BreachEpisodes', () => {
  test('a version seen again within the quiet interval is the same incident; later it is a new one', () => {
    const e = new BreachEpisodes(2000);
    assert.equal(e.fresh('x', B, 0), true);
    assert.equal(e.fresh('x', B, 1500), false);
    assert.equal(e.fresh('x', B, 3000), false, 'still being written: the interval runs from the last sighting');
    assert.equal(e.fresh('x', B, 5001), true);
    assert.equal(e.fresh('y', B, 5001), true, 'per file');
  });

  test('a storm: a version seen again while other versions keep coming is the same incident, however long the storm', () => {
    const e = new BreachEpisodes(2000);
    assert.equal(e.fresh('x', 'empty', 0), true);
    for (let t = 500, i = 0; t <= 9_000; t += 500, i++) assert.equal(e.fresh('x', `v${i}`, t), true, `v${i} is new`);
    assert.equal(e.fresh('x', 'empty', 9_000), false, 'seen 9 s ago, but the episode never went quiet');
    assert.equal(e.fresh('x', 'empty', 11_001), true, 'after a quiet interval it is a new breach');
  });

  test('once restored, the next deletion is a new breach', () => {
    const e = new BreachEpisodes(2000);
    assert.equal(e.fresh('x', 'deleted', 0), true);
    e.settle('x');
    assert.equal(e.fresh('x', 'deleted', 10), true);
  });
});

describe('breach wording', () => {
  const o = { relPath: 'src/a.ts', kind: 'modified' as const, restored: true, backup: '.protection/backups/x/src/a.ts', badge: 'T1', owner: 'BOOKING_FLOW' };
  test('one breach: what, where, what was done', () => {
    assert.equal(describeBreach(o), 'src/a.ts (T1 · BOOKING_FLOW) was changed outside the editor while locked: the approved content was restored. The change was kept in .protection/backups/x/src/a.ts.');
    assert.match(describeBreach({ ...o, restored: false, atStart: true }), /was changed while locked and nothing was watching\. The change was kept and recorded/);
  });
  test('many at once: one line with counts', () => {
    const line = summarizeBreaches([o, { ...o, relPath: 'b.ts', restored: false }], '.protection/backups');
    assert.match(line, /^2 protected files were changed or deleted outside the editor while locked; 1 restored: src\/a\.ts, b\.ts\./);
  });
});

describe('statusPath (git status --porcelain=v2 -z entries)', () => {
  test('ordinary, unmerged and untracked entries give their path, spaces included; others none', () => {
    assert.equal(statusPath('1 .M N... 100644 100644 100644 0123abc 0123abc src/booking/a b.ts'), 'src/booking/a b.ts');
    assert.equal(statusPath('1 D. N... 100644 000000 000000 0123abc 0000000 src/x.ts'), 'src/x.ts');
    assert.equal(statusPath('u UU N... 100644 100644 100644 100644 1111111 2222222 3333333 db/m.sql'), 'db/m.sql');
    assert.equal(statusPath('? src/new file.ts'), 'src/new file.ts');
    assert.equal(statusPath('! ignored.log'), undefined);
    assert.equal(statusPath('# branch.oid abc'), undefined);
    assert.equal(statusPath('1 .M N...'), undefined, 'a truncated entry');
    assert.equal(statusPath(''), undefined);
  });
});

describe('directoriesOf', () => {
  const naive = (root: string, rels: string[]): Set<string> =>
    new Set(rels.filter((r) => !r.startsWith('.protection/backups/') && r !== '.protection/audit.jsonl').map((r) => path.dirname(path.join(root, ...r.split('/')))));

  test('one absolute folder per folder of protected files, the same as dirname of each path', () => {
    const rels = ['a.ts', 'src/x.ts', 'src/y.ts', 'src/b/z.ts', 'src/x2.ts', 'src/bc/w.ts', 'b.ts', 'src/b/q.ts', 'srcx/v.ts', 's/r/c/d.ts', 's/r/e.ts'];
    assert.deepEqual([...directoriesOf('/root', rels)].sort(), [...naive('/root', rels)].sort());
  });

  test('leaves out the extension\'s own files (the audit log, backups)', () => {
    const dirs = directoriesOf('/root', ['.protection/audit.jsonl', '.protection/backups/t/src/a.ts', 'src/a.ts']);
    assert.deepEqual([...dirs], [path.join('/root', 'src')]);
  });

  test('random trees agree with the naive computation', () => {
    let seed = 11;
    const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let round = 0; round < 100; round++) {
      const rels = Array.from({ length: 40 }, () => Array.from({ length: 1 + rnd(4) }, () => ['a', 'b', 'ab', 'a.b'][rnd(4)]).join('/'));
      assert.deepEqual([...directoriesOf('/r', rels)].sort(), [...naive('/r', rels)].sort(), rels.join(' '));
    }
  });
});
