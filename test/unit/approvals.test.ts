// The pure core of signed approvals: code keys, grant certificates, record signatures, and the
// judgement of one approval against the trusted manifests.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { grantStatement, indexLog, judgeApproval, recordStatement, reusedOneTimeCodes, signGrant, signRecord } from '../../src/core/approvals';
import type { ApprovalVerdict } from '../../src/core/approvals';
import { sealRecord } from '../../src/core/audit';
import { decideVerify } from '../../src/core/verify';
import type { AuditBody, AuditRecord } from '../../src/core/audit';
import { entryOwner, hashCode, makeCodeKey, matchCode, parseCodeEntry } from '../../src/core/codes';
import { parseManifest } from '../../src/core/manifest';
import type { Manifest } from '../../src/core/manifest';
import { ProtectionMatcher } from '../../src/core/matcher';
import type { Classification } from '../../src/core/matcher';
import { keyFromSeed, newSigningKey, signText, verifyText } from '../../src/core/signing';
import type { SigningKey } from '../../src/core/signing';
import { manifestWith } from './grantsHarness';

const FAST = { params: { N: 1024 } };
const ACTOR = { name: 'Ann', email: 'ann@example.com' };
const T0 = Date.UTC(2026, 10, 22, 10, 0);
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

interface Owner { code: string; entry: string; key: SigningKey }
const owners: Record<'ann' | 'annUpper' | 'bob' | 'once', Owner> = {} as never;
let legacyEntry = '';

async function owner(code: string, options: { owner?: string; once?: boolean }): Promise<Owner> {
  const entry = await makeCodeKey(code, { ...options, ...FAST });
  const m = await matchCode(code, entry);
  assert.ok(m?.privateKey);
  return { code, entry, key: { privateKey: m.privateKey, publicKey: (m.entry as { publicKey: string }).publicKey } };
}

before(async () => {
  owners.ann = await owner('ann-code-one-x7', { owner: 'ann@example.com' });
  owners.annUpper = await owner('ann-code-two-y8', { owner: 'Ann@Example.COM' });
  owners.bob = await owner('bob-code-one-z9', { owner: 'bob@example.com' });
  owners.once = await owner('ABCD-EFGH-JKMN-PQRS', { once: true });
  legacyEntry = await hashCode('legacy-code-w1', FAST.params);
});

function manifest(codes: { booking?: string[]; core?: string[] } = {}, tier1Unlock = ''): Manifest {
  const parsed = parseManifest(manifestWith({
    BOOKING_FLOW: { tier: 'tier1', files: ['src/booking/**'], codes: codes.booking ?? [owners.ann.entry, owners.once.entry] },
    PAYMENTS: { tier: 'tier1', files: ['src/payments/**'], codes: [] },
    CORE: { tier: 'tier0', files: ['core/**'], codes: codes.core ?? [owners.ann.entry, owners.annUpper.entry, owners.bob.entry] },
    MIGRATIONS: { tier: 'tier2', files: ['db/**'], codes: [] },
  }, tier1Unlock));
  assert.ok(parsed.manifest, JSON.stringify(parsed.problems));
  return parsed.manifest;
}

function classify(m: Manifest, rel: string): Classification {
  const c = new ProtectionMatcher(m).classify(rel);
  assert.ok(c, rel);
  return c;
}

/** Seals bodies into a chained log. */
function chain(bodies: AuditBody[]): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const b of bodies) out.push(sealRecord(b, out.at(-1)));
  return out;
}

function unlockBody(grant: SigningKey, certifiers: SigningKey[], where: { component?: string; file?: string }, tier: string, extra: Partial<AuditBody> = {}): AuditBody {
  const body: AuditBody = { event: 'unlock', at: at(0), actor: ACTOR, ...where, tier, reason: 'fix the booking bug', until: at(30), grant: grant.publicKey, ...extra };
  return { ...body, approvals: signGrant(body, certifiers) };
}

function change(grant: SigningKey | undefined, file: string, minute: number, extra: Partial<AuditBody> = {}): AuditBody {
  const body: AuditBody = { event: 'change', at: at(minute), actor: ACTOR, file, reason: 'fix the booking bug', before: 'a'.repeat(64), after: 'b'.repeat(64), ...extra };
  return grant ? signRecord({ ...body, grant: grant.publicKey }, grant.privateKey) : body;
}

/** The verdict on the last record of `bodies`, for `file`, with `trusted` manifests. */
function judge(bodies: AuditBody[], file: string, trusted: Manifest[] = [manifest()]): ApprovalVerdict {
  const records = chain(bodies);
  return judgeApproval(records.at(-1)!, classify(trusted[trusted.length - 1], file), indexLog(records), trusted);
}

function refusedWith(v: ApprovalVerdict, why: RegExp): void {
  assert.equal(v.kind, 'refused', JSON.stringify(v));
  assert.match((v as { problem: string }).problem, /^the approval \(seq \d+\) is not signed by an owner's code/);
  assert.match((v as { problem: string }).problem, why);
}

describe('code keys and signatures', () => {
  test('a code derives its entry\'s key; a wrong code, a malformed entry or a non-string derive nothing', async () => {
    assert.equal((await matchCode('ann-code-one-x8', owners.ann.entry)), undefined);
    const parts = owners.ann.entry.split('$');
    assert.equal(await matchCode(owners.ann.code, [...parts.slice(0, 5), parts[5].slice(1), ...parts.slice(6)].join('$')), undefined, 'a truncated key');
    assert.equal(await matchCode(owners.ann.code, [parts[0], '1000', ...parts.slice(2)].join('$')), undefined, 'N not a power of two');
    assert.equal(await matchCode(42 as unknown as string, owners.ann.entry), undefined);
    const again = await matchCode(owners.ann.code, owners.ann.entry);
    assert.ok(again?.privateKey);
    const sig = signText(again.privateKey, 'hello');
    assert.equal(verifyText(owners.ann.key.publicKey, 'hello', sig), true);
    assert.equal(verifyText(owners.bob.key.publicKey, 'hello', sig), false);
  });

  test('entries: the owner is kept, one-time is marked, an owner with "$" is refused, legacy entries are not keys', async () => {
    const e = parseCodeEntry(owners.ann.entry);
    assert.equal(e?.kind, 'key');
    assert.equal((e as { owner?: string }).owner, 'ann@example.com');
    assert.equal((parseCodeEntry(owners.once.entry) as { once: boolean }).once, true);
    assert.equal((parseCodeEntry(owners.ann.entry) as { once: boolean }).once, false);
    await assert.rejects(makeCodeKey('some-code-123', { owner: 'ann$evil', ...FAST }));
    assert.equal(parseCodeEntry(`${owners.ann.entry.split('$').slice(0, 6).join('$')}$ann$evil`), undefined);
    assert.equal(parseCodeEntry(legacyEntry)?.kind, 'scrypt');
    assert.equal(entryOwner(parseCodeEntry(owners.ann.entry)!), entryOwner(parseCodeEntry(owners.annUpper.entry)!), 'owners compare ignoring case');
  });

  test('verifyText never throws on garbage and refuses it', () => {
    const k = newSigningKey();
    const sig = signText(k.privateKey, 'm');
    for (const [key, msg, s] of [[k.publicKey, 'm', sig.slice(1)], [k.publicKey, 'n', sig], ['x', 'm', sig], [k.publicKey, 'm', 42], [k.publicKey, 'm', undefined], [`${k.publicKey.slice(0, -1)}${k.publicKey.endsWith('A') ? 'E' : 'A'}`, 'm', sig], [k.publicKey, 'm', `${sig}==`]] as const) {
      assert.equal(verifyText(key, msg, s), false);
    }
    assert.equal(keyFromSeed(Buffer.alloc(32, 7)).publicKey, keyFromSeed(Buffer.alloc(32, 7)).publicKey);
    assert.throws(() => keyFromSeed(Buffer.alloc(31)), /32 bytes/);
  });

  test('the grant statement binds the grant key, target, tier, reason and until; the record statement ignores only sig and the chain', () => {
    const body: AuditBody = { event: 'unlock', at: at(0), actor: ACTOR, component: 'BOOKING_FLOW', tier: 'tier1', reason: 'r', until: at(30), grant: newSigningKey().publicKey };
    const s = grantStatement(body);
    for (const changed of [{ until: at(31) }, { reason: 'r2' }, { component: 'PAYMENTS' }, { tier: 'tier0' }, { grant: newSigningKey().publicKey }, { file: 'x' }]) {
      assert.notEqual(grantStatement({ ...body, ...changed }), s, JSON.stringify(changed));
    }
    assert.equal(grantStatement({ ...body, at: at(5), actor: { name: 'X', email: 'x@y' } } as AuditBody), s, 'who and when do not matter to the certificate');
    const rec = sealRecord(change(undefined, 'src/booking/a.ts', 1), undefined);
    assert.equal(recordStatement(rec), recordStatement({ ...rec, seq: 9, prev: 'p', hash: 'h', sig: 's' }));
    assert.notEqual(recordStatement(rec), recordStatement({ ...rec, after: 'c'.repeat(64) }));
    assert.notEqual(recordStatement(rec), recordStatement({ ...rec, at: at(2) }));
  });
});

describe('judgeApproval', () => {
  const booking = 'src/booking/a.ts';

  test('a change signed under a grant an owner certified is signed', () => {
    const g = newSigningKey();
    assert.deepEqual(judge([unlockBody(g, [owners.ann.key], { component: 'BOOKING_FLOW' }, 'tier1'), change(g, booking, 1)], booking), { kind: 'signed' });
  });

  test('an unlock record whose reason or until was edited after signing no longer certifies its grant', () => {
    const g = newSigningKey();
    const u = unlockBody(g, [owners.ann.key], { component: 'BOOKING_FLOW' }, 'tier1');
    refusedWith(judge([{ ...u, until: at(600) }, change(g, booking, 300)], booking), /no code of BOOKING_FLOW in the manifest signed its grant/);
    refusedWith(judge([{ ...u, reason: 'something else' }, change(g, booking, 1)], booking), /no code of BOOKING_FLOW/);
  });

  test('a record edited after signing fails its own signature', () => {
    const g = newSigningKey();
    const c = change(g, booking, 1);
    refusedWith(judge([unlockBody(g, [owners.ann.key], { component: 'BOOKING_FLOW' }, 'tier1'), { ...c, after: 'c'.repeat(64) }], booking), /its signature does not match the record/);
    refusedWith(judge([unlockBody(g, [owners.ann.key], { component: 'BOOKING_FLOW' }, 'tier1'), { ...c, sig: undefined }], booking), /lacks its grant key or signature/);
  });

  test('a record before its grant\'s unlock time, or with no unlock before it, is refused', () => {
    const g = newSigningKey();
    refusedWith(judge([unlockBody(g, [owners.ann.key], { component: 'BOOKING_FLOW' }, 'tier1'), change(g, booking, -1)], booking), /outside its grant's time/);
    const c = change(g, booking, 1);
    const records = chain([c, unlockBody(g, [owners.ann.key], { component: 'BOOKING_FLOW' }, 'tier1')]);
    const m = manifest();
    refusedWith(judgeApproval(records[0], classify(m, booking), indexLog(records), [m]), /no unlock record before it certifies its grant key/);
  });

  test('a signed change copied further down the log (a new seq, the chain sealed again) approves nothing; the original still does', () => {
    const g = newSigningKey();
    const u = unlockBody(g, [owners.ann.key], { component: 'BOOKING_FLOW' }, 'tier1');
    const c = change(g, booking, 1);
    refusedWith(judge([u, c, change(g, booking, 2, { after: 'c'.repeat(64) }), c], booking), /repeats the signed approval of seq 2/);
    const records = chain([u, c, c]);
    const m = manifest();
    assert.deepEqual(judgeApproval(records[1], classify(m, booking), indexLog(records), [m]), { kind: 'signed' }, 'the first one');
  });

  test('an expire record ends the grant like a relock', () => {
    const g = newSigningKey();
    const u = unlockBody(g, [owners.ann.key], { component: 'BOOKING_FLOW' }, 'tier1');
    refusedWith(judge([u, { event: 'expire', at: at(2), actor: ACTOR, component: 'BOOKING_FLOW', grant: g.publicKey }, change(g, booking, 3)], booking), /its grant ended at seq 2/);
    // Another grant's relock does not end this one.
    assert.equal(judge([u, { event: 'relock', at: at(2), actor: ACTOR, component: 'BOOKING_FLOW', grant: newSigningKey().publicKey }, change(g, booking, 3)], booking).kind, 'signed');
  });

  test('a grant for one file covers that file only', () => {
    const m = manifest();
    const g = newSigningKey();
    const u = unlockBody(g, [owners.ann.key], { file: '.protection/manifest.jsonc' }, 'tier0');
    // .protection/** is judged with the strictest tier's codes: CORE's (tier0, two owners).
    const two = unlockBody(g, [owners.ann.key, owners.bob.key], { file: '.protection/manifest.jsonc' }, 'tier0');
    assert.equal(judge([two, change(g, '.protection/manifest.jsonc', 1)], '.protection/manifest.jsonc', [m]).kind, 'signed');
    refusedWith(judge([two, change(g, '.protection/other.json', 1)], '.protection/other.json', [m]), /unlocked \.protection\/manifest\.jsonc, not \.protection\/other\.json/);
    refusedWith(judge([u, change(g, '.protection/manifest.jsonc', 1)], '.protection/manifest.jsonc', [m]), /needs codes of 2 different owners; its grant \(seq 1\) has 1/);
  });

  test('two owners: the same owner twice (by another entry in other case, or the same signature twice) counts once', () => {
    const g = newSigningKey();
    const core = 'core/x.ts';
    assert.equal(judge([unlockBody(g, [owners.ann.key, owners.bob.key], { component: 'CORE' }, 'tier0'), change(g, core, 1)], core).kind, 'signed');
    refusedWith(judge([unlockBody(g, [owners.ann.key, owners.annUpper.key], { component: 'CORE' }, 'tier0'), change(g, core, 1)], core), /needs codes of 2 different owners; its grant \(seq 1\) has 1/);
    refusedWith(judge([unlockBody(g, [owners.ann.key, owners.ann.key], { component: 'CORE' }, 'tier0'), change(g, core, 1)], core), /has 1/);
    // A code of another component's owner does not count for CORE.
    const u = unlockBody(g, [owners.ann.key, owners.once.key], { component: 'CORE' }, 'tier0');
    refusedWith(judge([u, change(g, core, 1)], core), /has 1/);
  });

  test('unsigned approvals: refused where the component has signing codes; a warning with legacy codes only; refused with "unsignedApprovals": "fail"', () => {
    refusedWith(judge([change(undefined, 'src/booking/a.ts', 1)], 'src/booking/a.ts'), /BOOKING_FLOW has signing codes, so every approval must be signed/);
    const legacy = manifest({ booking: [legacyEntry] });
    const v = judge([change(undefined, 'src/booking/a.ts', 1)], 'src/booking/a.ts', [legacy]);
    assert.equal(v.kind, 'unsigned-allowed');
    assert.match((v as { problem: string }).problem, /legacy scrypt\$ codes/);
    refusedWith(judge([change(undefined, 'src/booking/a.ts', 1)], 'src/booking/a.ts', [manifest({ booking: [legacyEntry] }, '"unsignedApprovals": "fail"')]), /tier tier1 refuses unsigned approvals/);
    // A legacy entry next to a signing one does not make unsigned approvals acceptable.
    refusedWith(judge([change(undefined, 'src/booking/a.ts', 1)], 'src/booking/a.ts', [manifest({ booking: [legacyEntry, owners.ann.entry] })]), /has signing codes/);
  });

  test('a tier that needs no code needs no signature', () => {
    assert.deepEqual(judge([change(undefined, 'db/001.sql', 1)], 'db/001.sql'), { kind: 'not-needed' });
  });

  test('a key trusted only by another manifest in the list still counts (base and head are both trusted for ordinary files)', () => {
    const g = newSigningKey();
    const base = manifest({ booking: [owners.bob.entry] });
    const head = manifest({ booking: [owners.ann.entry] });
    const bodies = [unlockBody(g, [owners.ann.key], { component: 'BOOKING_FLOW' }, 'tier1'), change(g, booking, 1)];
    refusedWith(judge(bodies, booking, [base]), /no code of BOOKING_FLOW/);
    assert.equal(judge(bodies, booking, [base, head]).kind, 'signed');
  });
});

describe('reusedOneTimeCodes', () => {
  test('a one-time key certifying two grants is reported once, at the second; other keys and a copied unlock are not', () => {
    const m = manifest();
    const g1 = newSigningKey();
    const g2 = newSigningKey();
    const first = unlockBody(g1, [owners.once.key], { component: 'BOOKING_FLOW' }, 'tier1');
    const records = chain([
      first,
      unlockBody(newSigningKey(), [owners.ann.key], { component: 'BOOKING_FLOW' }, 'tier1'),
      unlockBody(newSigningKey(), [owners.ann.key], { component: 'BOOKING_FLOW' }, 'tier1'),
      { ...first, at: at(1) }, // the same grant again: not a second grant
      unlockBody(g2, [owners.once.key], { component: 'BOOKING_FLOW' }, 'tier1', { reason: 'second use' }),
    ]);
    const reused = reusedOneTimeCodes(records, [m]);
    assert.deepEqual(reused.map((x) => [x.record.seq, x.first.seq]), [[5, 1]]);
    assert.deepEqual(reusedOneTimeCodes(records, [manifest({ booking: [owners.ann.entry] })]), [], 'only entries marked one-time count');
    // A forged "approval" by the one-time key that does not verify is not a use.
    const bogus = chain([first, { ...unlockBody(g2, [], { component: 'BOOKING_FLOW' }, 'tier1'), approvals: [{ key: owners.once.key.publicKey, sig: 'A'.repeat(86) }] }]);
    assert.deepEqual(reusedOneTimeCodes(bogus, [m]), []);
  });

  test('only repeats at the reported records (the change\'s own), with earlier records still counting as first uses', () => {
    const m = manifest();
    const forged = (n: number): AuditBody => ({ ...unlockBody(newSigningKey(), [], { component: 'BOOKING_FLOW' }, 'tier1', { reason: `forged ${n}` }), approvals: [{ key: owners.once.key.publicKey, sig: 'A'.repeat(86) }] });
    const use = (reason: string): AuditBody => unlockBody(newSigningKey(), [owners.once.key], { component: 'BOOKING_FLOW' }, 'tier1', { reason });
    // Approvals that only name the key, before and after its first real use.
    const records = chain([forged(1), forged(2), use('first use'), forged(3), use('second use'), use('third use')]);
    const seqs = (reported: (r: AuditRecord) => boolean): number[][] => reusedOneTimeCodes(records, [m], reported).map((x) => [x.record.seq, x.first.seq]);
    assert.deepEqual(seqs(() => true), [[5, 3], [6, 3]]);
    assert.deepEqual(seqs((r) => r.seq > 4), [[5, 3], [6, 3]], 'the first use is an earlier record');
    assert.deepEqual(seqs((r) => r.seq === 6), [[6, 3]]);
    assert.deepEqual(seqs((r) => r.seq <= 4), [], 'the repeats are not reported ones');
    assert.deepEqual(seqs((r) => r.seq === 4), [], 'a reported record that only names the key is no use of it');
    const fromFirst = chain([forged(1), use('first use'), use('second use')]);
    assert.deepEqual(reusedOneTimeCodes(fromFirst, [m], (r) => r.seq === 2).map((x) => x.record.seq), [], 'a reported first use is no repeat');
  });

  test('the gate reports a repeat the change adds, not one already in the log before it', () => {
    const m = manifest();
    const use = (reason: string): AuditBody => unlockBody(newSigningKey(), [owners.once.key], { component: 'BOOKING_FLOW' }, 'tier1', { reason });
    const reused = (base: AuditRecord[], head: AuditRecord[]): string[] => decideVerify({
      items: [], audit: { records: head, problems: [] }, baseAudit: { records: base, problems: [] }, auditLog: 'modified',
      protectionTier: m.tiers[0], trusted: { base: [m], head: m },
    }).violations.filter((v) => v.kind === 'one-time-reused').map((v) => v.problem);
    const log = chain([use('first use'), use('second use'), use('third use')]);
    assert.deepEqual(reused(log.slice(0, 1), log.slice(0, 2)), ['a one-time code that opened the grant of seq 1 opened another (seq 2): a one-time code opens one grant only']);
    assert.deepEqual(reused(log.slice(0, 2), log), ['a one-time code that opened the grant of seq 1 opened another (seq 3): a one-time code opens one grant only'], 'seq 2, already in the log, is not reported again');
    assert.deepEqual(reused(log, log), []);
  });
});
