// Signed approvals and shared grants through the built CLI, in real temporary git repositories:
// what an owner's code makes passes `verify`; what a script forges without one does not.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signGrant, signRecord } from '../../src/core/approvals';
import { sha256 } from '../../src/core/audit';
import type { AuditBody } from '../../src/core/audit';
import { hashCode, makeCodeKey, matchCode } from '../../src/core/codes';
import { exportSeed, importSeed, newSigningKey } from '../../src/core/signing';
import type { SigningKey } from '../../src/core/signing';
import { Sandbox } from './cliHarness';
import type { Repo, RunResult } from './cliHarness';
import { ATTACKER, assertNoSecrets, auditRecords, everythingIn, forge, forgedChange, manifestWith, readStore, storeOf } from './grantsHarness';
import type { ComponentSpec } from './grantsHarness';

const FAST = { N: 1024 };
let box: Sandbox;
let n = 0;

/** The owners' codes: never to be seen in any output or file. */
const CODE = {
  ann: `ann-${randomBytes(6).toString('hex')}-booking`,
  ann2: `ann2-${randomBytes(6).toString('hex')}-second`,
  bob: `bob-${randomBytes(6).toString('hex')}-core`,
  pat: `pat-${randomBytes(6).toString('hex')}-payments`,
  legacy: `old-${randomBytes(6).toString('hex')}-scrypt`,
};
const ENTRY = { ann: '', ann2: '', bob: '', pat: '', legacy: '' };
/** Secrets searched for after each test: the codes, the owners' private seeds, one-time codes made on the way. */
const secrets: string[] = [];
let produced: { where: string; text: string }[] = [];
let touched: Repo[] = [];

before(async () => {
  box = new Sandbox('grants');
  [ENTRY.ann, ENTRY.ann2, ENTRY.bob, ENTRY.pat] = await Promise.all([
    makeCodeKey(CODE.ann, { owner: 'ann@example.com', params: FAST }),
    makeCodeKey(CODE.ann2, { owner: 'ann@example.com', params: FAST }),
    makeCodeKey(CODE.bob, { owner: 'bob@example.com', params: FAST }),
    makeCodeKey(CODE.pat, { owner: 'pat@example.com', params: FAST }),
  ]);
  ENTRY.legacy = await hashCode(CODE.legacy, FAST);
  secrets.push(...Object.values(CODE));
  for (const who of ['ann', 'ann2', 'bob', 'pat'] as const) secrets.push(exportSeed((await ownerKey(who)).privateKey));
});

after(() => {
  box.dispose();
});

beforeEach(() => {
  produced = [];
  touched = [];
});

afterEach(() => {
  assertNoSecrets([...produced, ...touched.flatMap(everythingIn)], secrets);
});

/** An owner's code key, as only someone who knows the code can derive it. */
async function ownerKey(who: 'ann' | 'ann2' | 'bob' | 'pat'): Promise<SigningKey> {
  const m = await matchCode(CODE[who], ENTRY[who]);
  assert.ok(m?.privateKey);
  return { privateKey: m.privateKey, publicKey: (m.entry as { publicKey: string }).publicKey };
}

function components(overrides: Partial<Record<string, ComponentSpec>> = {}): Record<string, ComponentSpec> {
  const base: Record<string, ComponentSpec> = {
    BOOKING_FLOW: { tier: 'tier1', files: ['src/booking/**'], codes: [ENTRY.ann] },
    PAYMENTS: { tier: 'tier1', files: ['src/payments/**'], codes: [ENTRY.pat] },
    CORE: { tier: 'tier0', files: ['core/**'], codes: [ENTRY.ann, ENTRY.ann2, ENTRY.bob] },
    MIGRATIONS: { tier: 'tier2', files: ['db/**'], codes: [] },
  };
  for (const [k, v] of Object.entries(overrides)) if (v) base[k] = v;
  return base;
}

/** A repository whose first commit brings the manifest and the files (protection starts there). */
function project(manifest = manifestWith(components())): Repo {
  const repo = box.repo(`g${++n}`, { manifest: false });
  touched.push(repo);
  repo.write('.protection/manifest.jsonc', manifest);
  repo.write('src/booking/a.ts', 'export const a = 1;\n');
  repo.write('src/payments/p.ts', 'export const p = 1;\n');
  repo.write('core/x.ts', 'export const x = 1;\n');
  repo.write('db/001.sql', 'create table t (id int);\n');
  repo.write('src/app.ts', 'console.log("app");\n');
  repo.commitAll('initial');
  return repo;
}

/** Runs the CLI in `repo` and keeps what it printed for the search for secrets. */
function cli(repo: Repo, args: string[], input?: string, cwd?: string): RunResult {
  const r = repo.cli(args, { input, cwd });
  produced.push({ where: `stdout of ${args.join(' ')}`, text: r.stdout }, { where: `stderr of ${args.join(' ')}`, text: r.stderr });
  return r;
}

const REASON = 'fix the booking bug in the flow';

function unlockLine(component: string, code: string, reason = REASON): string {
  return `UNLOCK ${component} WITH CODE: ${code} FOR: ${reason}\n`;
}

function unlock(repo: Repo, component: string, codes: string[], reason = REASON): RunResult {
  return cli(repo, ['unlock'], codes.map((c) => unlockLine(component, c, reason)).join(''));
}

/** Stages everything and verifies the index; then commits on a branch of its own and verifies it against main. */
function verifyBoth(repo: Repo): { staged: RunResult; range: RunResult } {
  repo.git('checkout', '-q', '-b', `change-${n}-${randomBytes(3).toString('hex')}`);
  repo.git('add', '-A');
  const staged = cli(repo, ['verify', '--staged']);
  repo.git('commit', '-q', '--no-verify', '-m', 'the change');
  const range = cli(repo, ['verify', '--base', 'main']);
  return { staged, range };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Both verifications fail with a line for `file` saying its approval is not signed by an owner's code, and `why`. */
function assertUnsigned(v: { staged: RunResult; range: RunResult }, file: string, why: RegExp): void {
  for (const [mode, r] of Object.entries(v)) {
    assert.equal(r.code, 1, `${mode}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /^FAIL protected-files verify/, mode);
    const line = new RegExp(`^ {2}${escape(file)} {2}T\\d \\S+ {2}the approval \\(seq \\d+\\) is not signed by an owner's code(.*)$`, 'm').exec(r.stdout);
    assert.ok(line, `${mode}: no unsigned-approval line for ${file} in:\n${r.stdout}`);
    assert.match(line[1], why, mode);
    assert.match(r.stdout, /records written by hand or by a script never pass/, mode);
  }
}

function assertPass(v: { staged: RunResult; range: RunResult }, files: number): void {
  for (const [mode, r] of Object.entries(v)) {
    assert.equal(r.code, 0, `${mode}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^PASS protected-files verify: ${files} protected file\\(s\\) changed, all recorded`), mode);
    assert.doesNotMatch(r.stdout, /warning:/, mode);
  }
}

/** The legitimate flow: unlock with codes, edit, record (which relocks). */
function unlockEditRecord(repo: Repo, component: string, codes: string[], rel: string, content: string): void {
  const u = unlock(repo, component, codes);
  assert.equal(u.code, 0, u.stderr);
  repo.write(rel, content);
  const r = cli(repo, ['record']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`recorded change ${escape(rel)} \\(seq \\d+`));
  assert.match(r.stdout, /relocked/);
}

/** A grant the attacker makes himself, certified by `certifiers`, and its unlock record. */
function attackerGrant(certifiers: SigningKey[], where: { component?: string; file?: string }, tier = 'tier1', until = new Date(Date.now() + 20 * 60_000)): { grant: SigningKey; unlock: AuditBody } {
  const grant = newSigningKey();
  const body: AuditBody = {
    event: 'unlock', at: new Date(Date.now() - 60_000).toISOString(), actor: ATTACKER, ...where, tier, reason: 'routine cleanup of the code',
    until: until.toISOString(), grant: grant.publicKey,
  };
  return { grant, unlock: { ...body, approvals: signGrant(body, certifiers) } };
}

function signedUnder(grant: SigningKey, body: AuditBody): AuditBody {
  return signRecord({ ...body, grant: grant.publicKey }, grant.privateKey);
}

describe('the forging script: records without an owner\'s code never pass', () => {
  test('a script that edits a file and appends unlock and change records by hand fails verify --staged and --base', () => {
    const repo = project();
    forge(repo, [
      { event: 'unlock', at: new Date().toISOString(), actor: ATTACKER, component: 'BOOKING_FLOW', tier: 'tier1', reason: 'routine cleanup of the code', until: new Date(Date.now() + 600_000).toISOString() },
      forgedChange(repo, 'src/booking/a.ts', 'export const a = "forged";\n', { component: 'BOOKING_FLOW' }),
    ]);
    const v = verifyBoth(repo);
    assertUnsigned(v, 'src/booking/a.ts', /^: BOOKING_FLOW has signing codes, so every approval must be signed$/);
    // The chain itself is fine: only the signature is missing.
    assert.match(v.staged.stdout, /^ {2}src\/booking\/a\.ts {2}T1 BOOKING_FLOW {2}/m);
    assert.doesNotMatch(v.staged.stdout, /chain is broken/);
  });

  test('the attacker\'s own grant key, certified by a key that is not in the manifest, fails', () => {
    const repo = project();
    const { grant, unlock: u } = attackerGrant([newSigningKey()], { component: 'BOOKING_FLOW' });
    forge(repo, [u, signedUnder(grant, forgedChange(repo, 'src/booking/a.ts', 'export const a = "own key";\n', { component: 'BOOKING_FLOW' }))]);
    assertUnsigned(verifyBoth(repo), 'src/booking/a.ts', /no code of BOOKING_FLOW in the manifest signed its grant/);
  });

  test('adding his own key to the manifest in the same change, and signing the manifest change with it, fails', async () => {
    const repo = project();
    const mine = `mallory-${randomBytes(6).toString('hex')}`;
    const myEntry = await makeCodeKey(mine, { owner: 'mallory@example.com', params: FAST });
    const myKey = (await matchCode(mine, myEntry))!;
    const me: SigningKey = { privateKey: myKey.privateKey!, publicKey: (myKey.entry as { publicKey: string }).publicKey };
    const booking = attackerGrant([me], { component: 'BOOKING_FLOW' });
    const manifestGrant = attackerGrant([me], { file: '.protection/manifest.jsonc' }, 'tier0');
    const newManifest = manifestWith(components({ BOOKING_FLOW: { tier: 'tier1', files: ['src/booking/**'], codes: [ENTRY.ann, myEntry] } }));
    forge(repo, [
      booking.unlock,
      manifestGrant.unlock,
      signedUnder(manifestGrant.grant, forgedChange(repo, '.protection/manifest.jsonc', newManifest, { tier: 'tier0' })),
      signedUnder(booking.grant, forgedChange(repo, 'src/booking/a.ts', 'export const a = "mine";\n', { component: 'BOOKING_FLOW' })),
    ]);
    const v = verifyBoth(repo);
    assertUnsigned(v, '.protection/manifest.jsonc', /no code of tier tier0 in the manifest signed its grant/);
  });

  test('a real, older signed record\'s grant and sig copied onto a new record fail; so does replaying it whole', () => {
    const repo = project();
    unlockEditRecord(repo, 'BOOKING_FLOW', [CODE.ann], 'src/booking/a.ts', 'export const a = 2;\n');
    repo.commitAll('approved change');
    const real = auditRecords(repo).filter((r) => r.event === 'change').at(-1)!;
    assert.ok(real.grant && real.sig, 'the real record is signed');
    unlockEditRecord(repo, 'BOOKING_FLOW', [CODE.ann], 'src/booking/a.ts', 'export const a = 3;\n');
    repo.commitAll('approved change 2');

    const copied = forgedChange(repo, 'src/booking/a.ts', 'export const a = "copied sig";\n', { component: 'BOOKING_FLOW', grant: real.grant, sig: real.sig });
    forge(repo, [copied]);
    assertUnsigned(verifyBoth(repo), 'src/booking/a.ts', /its signature does not match the record/);

    // The same record again, byte for byte but for seq/prev/hash, with the content it approved.
    repo.git('checkout', '-q', 'main');
    repo.write('src/booking/a.ts', 'export const a = 2;\n');
    const { seq: _s, prev: _p, hash: _h, ...body } = real;
    void _s; void _p; void _h;
    forge(repo, [body]);
    // Refused for its signature, already used by the record it copies (and its grant ended before it too).
    assertUnsigned(verifyBoth(repo), 'src/booking/a.ts', /repeats the signed approval of seq \d+ \(a copy approves nothing\)/);
  });

  test('a record signed with a real grant\'s key but dated after the grant\'s until fails', () => {
    const repo = project();
    assert.equal(unlock(repo, 'BOOKING_FLOW', [CODE.ann]).code, 0);
    const g = readStore(repo).grants[0];
    const key = importSeed(g.seed!)!;
    assert.equal(key.publicKey, g.key);
    const late = new Date(g.expiresAt + 60_000).toISOString();
    forge(repo, [signedUnder(key, forgedChange(repo, 'src/booking/a.ts', 'export const a = "late";\n', { component: 'BOOKING_FLOW', at: late }))]);
    assertUnsigned(verifyBoth(repo), 'src/booking/a.ts', /it was made outside its grant's time \(seq \d+, until /);
  });

  test('a change signed under a grant for BOOKING_FLOW covering a file of PAYMENTS fails', () => {
    const repo = project();
    assert.equal(unlock(repo, 'BOOKING_FLOW', [CODE.ann]).code, 0);
    const key = importSeed(readStore(repo).grants[0].seed!)!;
    forge(repo, [signedUnder(key, forgedChange(repo, 'src/payments/p.ts', 'export const p = "elsewhere";\n', { component: 'PAYMENTS' }))]);
    assertUnsigned(verifyBoth(repo), 'src/payments/p.ts', /its grant \(seq \d+\) unlocked BOOKING_FLOW, not PAYMENTS/);
  });

  test('a record signed under a grant after its relock record fails', () => {
    const repo = project();
    assert.equal(unlock(repo, 'BOOKING_FLOW', [CODE.ann]).code, 0);
    const key = importSeed(readStore(repo).grants[0].seed!)!;
    const relock = cli(repo, ['relock', 'BOOKING_FLOW']);
    assert.equal(relock.code, 0, relock.stderr);
    assert.equal(auditRecords(repo).at(-1)!.event, 'relock');
    forge(repo, [signedUnder(key, forgedChange(repo, 'src/booking/a.ts', 'export const a = "after relock";\n', { component: 'BOOKING_FLOW' }))]);
    assertUnsigned(verifyBoth(repo), 'src/booking/a.ts', /its grant ended at seq \d+, before it/);
  });
});

describe('a change to the manifest is judged by the manifest before it, never by what it adds', () => {
  const MANIFEST = '.protection/manifest.jsonc';
  /** Owners' codes in tier1 and tier2; tier0, the strictest, is declared but none of its components has a code. */
  const noTier0Codes = (booking: string[] = [ENTRY.ann]): Record<string, ComponentSpec> => ({
    BOOKING_FLOW: { tier: 'tier1', files: ['src/booking/**'], codes: booking },
    PAYMENTS: { tier: 'tier1', files: ['src/payments/**'], codes: [ENTRY.pat] },
    MIGRATIONS: { tier: 'tier2', files: ['db/**'], codes: [] },
  });
  /** manifestWith without tier0: tier1 is the strictest. */
  const tier1First = (comps: Record<string, ComponentSpec>, tier1Unlock = ''): string => manifestWith(comps, tier1Unlock).replace(/^ {4}"tier0": .*\n/m, '');
  /** A new first tier, with no component, in front of the others: the strictest tier of the changed manifest. */
  const withTier0First = (manifest: string): string => manifest.replace('"tiers": {\n', '"tiers": {\n    "tier0": { "label": "Tier 0", "badge": "T0", "color": "purple" },\n');

  /** The attacker's own code entry and its key, as hash-code makes them for anyone. */
  async function ownCode(): Promise<{ entry: string; key: SigningKey }> {
    const mine = `mallory-${randomBytes(6).toString('hex')}`;
    const entry = await makeCodeKey(mine, { owner: 'mallory@example.com', params: FAST });
    const m = (await matchCode(mine, entry))!;
    return { entry, key: { privateKey: m.privateKey!, publicKey: (m.entry as { publicKey: string }).publicKey } };
  }

  /**
   * The reviewer's forgery, in one change: the manifest edited (unsigned record), an unlock of
   * BOOKING_FLOW certified by the attacker's key, and a booking change signed under that grant.
   */
  function forgeWithOwnKey(repo: Repo, manifest: string, me: SigningKey): void {
    const booking = attackerGrant([me], { component: 'BOOKING_FLOW' });
    forge(repo, [
      forgedChange(repo, MANIFEST, manifest, { tier: 'tier0' }),
      booking.unlock,
      signedUnder(booking.grant, forgedChange(repo, 'src/booking/a.ts', 'export const a = "card numbers to evil.example";\n', { component: 'BOOKING_FLOW' })),
    ]);
  }

  function assertOwnKeyRefused(v: { staged: RunResult; range: RunResult }, badge: string): void {
    assertUnsigned(v, MANIFEST, /^: the manifest holds signing codes that approve it, so every approval must be signed$/);
    assertUnsigned(v, 'src/booking/a.ts', /^: no code of BOOKING_FLOW in the manifest signed its grant \(seq \d+\); the code that signed it is one this change adds to the manifest, whose own change no code in force before it approved$/);
    for (const [mode, r] of Object.entries(v)) {
      assert.match(r.stdout, new RegExp(`^ {2}\\.protection/manifest\\.jsonc {2}${badge} \\.protection {2}`, 'm'), `${mode}: named by the tier in force before the change`);
      assert.doesNotMatch(r.stdout, /warning:|legacy/, mode);
    }
  }

  test('a new strictest tier without codes and the attacker\'s key added to BOOKING_FLOW: the unsigned manifest change and the booking change it would sign both fail', async () => {
    const repo = project(tier1First(noTier0Codes()));
    const me = await ownCode();
    forgeWithOwnKey(repo, withTier0First(tier1First(noTier0Codes([ENTRY.ann, me.entry]))), me.key);
    assertOwnKeyRefused(verifyBoth(repo), 'T1');
  });

  test('without a new tier, where the strictest tier has no component with a code: both fail the same way', async () => {
    const repo = project(manifestWith(noTier0Codes()));
    const me = await ownCode();
    forgeWithOwnKey(repo, manifestWith(noTier0Codes([ENTRY.ann, me.entry])), me.key);
    assertOwnKeyRefused(verifyBoth(repo), 'T0');
  });

  test('with "unsignedApprovals": "fail" and legacy codes only, the refusal names the tier in force, not the one the change adds', () => {
    const legacyOnly = { BOOKING_FLOW: { tier: 'tier1', files: ['src/booking/**'], codes: [ENTRY.legacy] }, MIGRATIONS: { tier: 'tier2', files: ['db/**'], codes: [] } };
    const repo = project(tier1First(legacyOnly, '"unsignedApprovals": "fail"'));
    forge(repo, [forgedChange(repo, MANIFEST, withTier0First(tier1First(legacyOnly)), { tier: 'tier0' })]);
    const v = verifyBoth(repo);
    assertUnsigned(v, MANIFEST, /^, and tier tier1 refuses unsigned approvals$/);
    for (const r of Object.values(v)) assert.match(r.stdout, /^ {2}\.protection\/manifest\.jsonc {2}T1 \.protection {2}/m);
  });

  test('a manifest change certified by owners of the next tier with codes passes, and the code it adds signs a change in the same range', async () => {
    // tier0 needs two owners and has no code: the owners of tier1 (ann, pat) approve the manifest.
    const repo = project(manifestWith(noTier0Codes()));
    const ann = await ownerKey('ann');
    const pat = await ownerKey('pat');
    const bob = await ownerKey('bob');
    const manifestGrant = attackerGrant([ann, pat], { file: MANIFEST }, 'tier0');
    const bookingGrant = attackerGrant([bob], { component: 'BOOKING_FLOW' });
    forge(repo, [
      manifestGrant.unlock,
      signedUnder(manifestGrant.grant, forgedChange(repo, MANIFEST, manifestWith(noTier0Codes([ENTRY.ann, ENTRY.bob])), { tier: 'tier0' })),
      bookingGrant.unlock,
      signedUnder(bookingGrant.grant, forgedChange(repo, 'src/booking/a.ts', 'export const a = "bob, added by the approved change";\n', { component: 'BOOKING_FLOW' })),
    ]);
    assertPass(verifyBoth(repo), 2);
  });

  test('a manifest change certified by an owner of the strictest tier passes', async () => {
    const repo = project(tier1First(noTier0Codes()));
    const grant = attackerGrant([await ownerKey('pat')], { file: MANIFEST });
    forge(repo, [
      grant.unlock,
      signedUnder(grant.grant, forgedChange(repo, MANIFEST, tier1First(noTier0Codes([ENTRY.ann, ENTRY.bob])))),
    ]);
    assertPass(verifyBoth(repo), 1);
  });

  test('where the manifest holds no code at all, an unsigned manifest change passes with a warning that says so, and a code it adds signs nothing in the same range', async () => {
    const none = { BOOKING_FLOW: { tier: 'tier1', files: ['src/booking/**'], codes: [] }, MIGRATIONS: { tier: 'tier2', files: ['db/**'], codes: [] } };
    const repo = project(manifestWith(none));
    forge(repo, [forgedChange(repo, MANIFEST, manifestWith({ ...none, MIGRATIONS: { tier: 'tier2', files: ['db/**', 'schema/**'], codes: [] } }), { tier: 'tier0' })]);
    const v = verifyBoth(repo);
    for (const [mode, r] of Object.entries(v)) {
      assert.equal(r.code, 0, `${mode}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /^warning: \.protection\/manifest\.jsonc: the approval \(seq \d+\) is not signed by an owner's code \(the manifest holds no signing code that approves it\); set a signing code/m, mode);
    }

    const me = await ownCode();
    const again = project(manifestWith(none));
    forgeWithOwnKey(again, manifestWith({ ...none, BOOKING_FLOW: { tier: 'tier1', files: ['src/booking/**'], codes: [me.entry] } }), me.key);
    assertUnsigned(verifyBoth(again), 'src/booking/a.ts', /the code that signed it is one this change adds to the manifest/);
  });
});

describe('the happy path: unlock → edit → record', () => {
  test('one owner\'s code: check allows the file under the grant, the records are signed, verify --staged and --base pass', () => {
    const repo = project();
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 2);
    const u = unlock(repo, 'BOOKING_FLOW', [CODE.ann]);
    assert.equal(u.code, 0, u.stderr);
    assert.match(u.stdout, /^BOOKING_FLOW unlocked until \d\d:\d\d \(.*, signed by the owner's code\)/);
    const check = cli(repo, ['check', 'src/booking/a.ts']);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /src\/booking\/a\.ts: protected, unlocked until \d\d:\d\d \(BOOKING_FLOW: fix the booking bug in the flow\)/);
    assert.equal(cli(repo, ['check', 'src/payments/p.ts']).code, 2, 'another component stays locked');
    repo.write('src/booking/a.ts', 'export const a = 2;\n');
    const rec = cli(repo, ['record']);
    assert.equal(rec.code, 0, rec.stderr);
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 2, 'record relocks');
    const [unlockRec, change, relock] = auditRecords(repo);
    assert.deepEqual([unlockRec.event, change.event, relock.event], ['unlock', 'change', 'relock']);
    assert.equal(unlockRec.approvals?.length, 1);
    assert.equal(change.grant, unlockRec.grant);
    assert.match(change.sig ?? '', /^[A-Za-z0-9_-]{86}$/);
    assertPass(verifyBoth(repo), 1);
  });

  test('a two-owner tier with ann\'s and bob\'s codes as two UNLOCK lines passes', () => {
    const repo = project();
    unlockEditRecord(repo, 'CORE', [CODE.ann, CODE.bob], 'core/x.ts', 'export const x = 2;\n');
    assert.equal(auditRecords(repo)[0].approvals?.length, 2);
    assertPass(verifyBoth(repo), 1);
  });

  test('two codes of ann (two entries with the same owner) are refused by unlock, and a forged log with both certificates by verify', async () => {
    const repo = project();
    const r = unlock(repo, 'CORE', [CODE.ann, CODE.ann2]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /code 2 belongs to an owner whose code was already given: CORE needs codes from 2 different owners\. Nothing was unlocked\./);
    assert.equal(cli(repo, ['check', 'core/x.ts']).code, 2);
    assert.equal(auditRecords(repo).filter((x) => x.event === 'unlock').length, 0);
    assert.equal(cli(repo, ['unlock'], unlockLine('CORE', CODE.ann) + unlockLine('CORE', CODE.ann)).code, 1, 'the same code twice');

    const { grant, unlock: u } = attackerGrant([await ownerKey('ann'), await ownerKey('ann2')], { component: 'CORE' }, 'tier0');
    forge(repo, [u, signedUnder(grant, forgedChange(repo, 'core/x.ts', 'export const x = "one owner";\n', { component: 'CORE', tier: 'tier0' }))]);
    assertUnsigned(verifyBoth(repo), 'core/x.ts', /tier tier0 needs codes of 2 different owners; its grant \(seq \d+\) has 1/);
  });
});

describe('one-time codes', () => {
  test('hash-code --one-time writes the codes to an owner-only file and nowhere else; each opens one grant; a reuse forged into the log fails verify', async () => {
    const repo = project();
    const codesFile = join(box.dir(`codes-${n}`), 'codes.txt');
    const h = cli(repo, ['hash-code', '--one-time', '2', '--owner', 'x@example.com', '--codes-file', codesFile]);
    assert.equal(h.code, 0, h.stderr);
    assert.equal(statSync(codesFile).mode & 0o777, 0o600);
    const codes = readFileSync(codesFile, 'utf8').trim().split('\n');
    assert.equal(codes.length, 2);
    for (const c of codes) assert.match(c, /^[A-HJKMNP-TV-Z2-9]{4}(-[A-HJKMNP-TV-Z2-9]{4}){3}$/);
    secrets.push(...codes);
    const entries = h.stdout.trim().split('\n');
    assert.equal(entries.length, 2);
    for (const e of entries) assert.match(e, /^ed25519-once\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]{43}\$x@example\.com$/);
    assert.match(h.stderr, /2 one-time code\(s\) written to /);
    assert.equal(cli(repo, ['hash-code', '--one-time', '1', '--codes-file', codesFile]).code, 2, 'an existing codes file is not overwritten');
    assert.equal(readFileSync(codesFile, 'utf8').trim().split('\n').length, 2);

    repo.write('.protection/manifest.jsonc', manifestWith(components({ BOOKING_FLOW: { tier: 'tier1', files: ['src/booking/**'], codes: [ENTRY.ann, ...entries] } })));
    repo.commitAll('one-time codes (no record needed in this test: the base is what counts)');
    // main now trusts the one-time entries; use them.
    const first = unlock(repo, 'BOOKING_FLOW', [codes[0]]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(cli(repo, ['relock']).code, 0);
    const again = unlock(repo, 'BOOKING_FLOW', [codes[0]]);
    assert.equal(again.code, 1, again.stdout + again.stderr);
    assert.match(again.stderr, /that one-time code was already used; it opens one grant only\. Nothing was unlocked\./);
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 2);
    const unlocksBefore = auditRecords(repo).filter((r) => r.event === 'unlock');
    repo.commitAll('the first grant');

    // A second grant certified by the first one-time key, made with the key derived from the code.
    const m = (await matchCode(codes[0], entries[0]))!;
    assert.ok(m.privateKey);
    secrets.push(exportSeed(m.privateKey));
    const otk: SigningKey = { privateKey: m.privateKey, publicKey: (m.entry as { publicKey: string }).publicKey };
    assert.equal(unlocksBefore[0].approvals?.[0].key, otk.publicKey);
    const { grant, unlock: u } = attackerGrant([otk], { component: 'BOOKING_FLOW' });
    forge(repo, [u, signedUnder(grant, forgedChange(repo, 'src/booking/a.ts', 'export const a = "again";\n', { component: 'BOOKING_FLOW' }))]);
    const v = verifyBoth(repo);
    for (const r of [v.staged, v.range]) {
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stdout, new RegExp(`^ {2}\\.protection/audit\\.jsonl {2}T\\d \\.protection {2}a one-time code that opened the grant of seq ${unlocksBefore[0].seq} opened another \\(seq \\d+\\): a one-time code opens one grant only$`, 'm'));
    }

    // The second code is still good, once.
    repo.git('checkout', '-q', 'main');
    repo.git('checkout', '-q', '--', '.');
    const second = unlock(repo, 'BOOKING_FLOW', [codes[1]]);
    assert.equal(second.code, 0, second.stderr);
  });
});

describe('legacy scrypt$ codes', () => {
  const legacyManifest = (extra = ''): string => manifestWith(components({ BOOKING_FLOW: { tier: 'tier1', files: ['src/booking/**'], codes: [ENTRY.legacy] } }), extra);

  test('unlock works, the record is unsigned, verify passes with a warning saying what to do', () => {
    const repo = project(legacyManifest());
    const u = unlock(repo, 'BOOKING_FLOW', [CODE.legacy]);
    assert.equal(u.code, 0, u.stderr);
    assert.doesNotMatch(u.stdout, /signed/);
    repo.write('src/booking/a.ts', 'export const a = "legacy";\n');
    assert.equal(cli(repo, ['record']).code, 0);
    const change = auditRecords(repo).find((r) => r.event === 'change')!;
    assert.equal(change.grant, undefined);
    assert.equal(change.sig, undefined);
    const v = verifyBoth(repo);
    for (const r of [v.staged, v.range]) {
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, /^warning: src\/booking\/a\.ts: the approval \(seq \d+\) is not signed by an owner's code \(legacy scrypt\$ codes\); set a signing code with Set Unlock Code… \(or protected-files hash-code\) so approvals are signed, then "unsignedApprovals": "fail" in the tier\.$/m);
    }
  });

  test('with "unsignedApprovals": "fail" in the tier the same change fails', () => {
    const repo = project(legacyManifest('"unsignedApprovals": "fail"'));
    unlockEditRecord(repo, 'BOOKING_FLOW', [CODE.legacy], 'src/booking/a.ts', 'export const a = "legacy";\n');
    assertUnsigned(verifyBoth(repo), 'src/booking/a.ts', /^, and tier tier1 refuses unsigned approvals$/);
  });

  test('unsigned records already committed in the base keep verifying when a new signed change lands', async () => {
    const repo = project();
    await repo.approve('src/booking/a.ts', 'export const a = "old unsigned";\n', { component: 'BOOKING_FLOW', tier: 'tier1' });
    await repo.approve('src/payments/p.ts', 'export const p = "old unsigned";\n', { component: 'PAYMENTS', tier: 'tier1' });
    repo.commitAll('history from before signing (committed without the hook)');
    unlockEditRecord(repo, 'BOOKING_FLOW', [CODE.ann], 'src/booking/a.ts', 'export const a = "new signed";\n');
    assertPass(verifyBoth(repo), 1);
  });
});

describe('the shared grant store', () => {
  test('wrong codes are counted; after 5, unlock is refused "until HH:MM" even with the right code', () => {
    const repo = project();
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    secrets.push(wrong);
    const first = unlock(repo, 'BOOKING_FLOW', [wrong]);
    assert.equal(first.code, 1);
    assert.match(first.stderr, /wrong code for BOOKING_FLOW: nothing was unlocked\. 4 attempts left/);
    assert.equal(readStore(repo).failures['component:BOOKING_FLOW'].length, 1);
    for (let i = 2; i <= 4; i++) assert.equal(unlock(repo, 'BOOKING_FLOW', [wrong]).code, 1);
    const fifth = unlock(repo, 'BOOKING_FLOW', [wrong]);
    assert.equal(fifth.code, 1);
    assert.match(fifth.stderr, /After 5 wrong codes, unlocking it is refused until \d\d:\d\d\./);
    const right = unlock(repo, 'BOOKING_FLOW', [CODE.ann]);
    assert.equal(right.code, 1, right.stdout);
    assert.match(right.stderr, /unlocking BOOKING_FLOW is refused until \d\d:\d\d after repeated wrong codes/);
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 2);
    assert.equal(auditRecords(repo).filter((r) => r.event === 'denied').length, 5);
    assert.equal(auditRecords(repo).filter((r) => r.event === 'lockout').length, 1);
    // Other components are not locked out.
    assert.equal(unlock(repo, 'PAYMENTS', [CODE.pat]).code, 0);
  });

  test('named pipes an agent puts in place of the grant state or the audit log are never waited on: nothing is unlocked, nothing goes unrecorded', { skip: process.platform === 'win32' ? 'no mkfifo' : false }, () => {
    const repo = project();
    assert.equal(unlock(repo, 'BOOKING_FLOW', [CODE.ann]).code, 0);
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 0, 'unlocked');
    // The grant state: a pipe reads as no state at all (locked), at once, for check and the hook.
    const { file } = storeOf(repo);
    rmSync(file);
    execFileSync('mkfifo', [file]);
    const check = cli(repo, ['check', 'src/booking/a.ts']);
    assert.equal(check.code, 2, check.stderr);
    assert.match(check.stderr, /src\/booking\/a\.ts is protected/);
    // The audit log: a change cannot be recorded into a pipe; record says so and the grant is not lost silently.
    rmSync(file);
    assert.equal(unlock(repo, 'BOOKING_FLOW', [CODE.ann]).code, 0, 'a new grant replaces the pipe');
    repo.write('src/booking/a.ts', 'changed under the grant\n');
    const log = join(repo.dir, '.protection', 'audit.jsonl');
    rmSync(log);
    execFileSync('mkfifo', [log]);
    const record = cli(repo, ['record']);
    assert.notEqual(record.code, 0, record.stdout);
    assert.match(record.stderr, /audit\.jsonl is a named pipe, not a regular file/);
    const again = unlock(repo, 'PAYMENTS', [CODE.pat]);
    assert.notEqual(again.code, 0, 'no unlock while the log (and the one-time codes spent in it) cannot be read');
    assert.match(again.stderr, /audit\.jsonl is a named pipe, not a regular file/);
  });

  test('relock ends a grant everywhere: check exits 2 again', () => {
    const repo = project();
    assert.equal(unlock(repo, 'BOOKING_FLOW', [CODE.ann]).code, 0);
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 0);
    const r = cli(repo, ['relock']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /BOOKING_FLOW relocked/);
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 2);
    assert.deepEqual(readStore(repo).grants, []);
    assert.equal(auditRecords(repo).at(-1)!.grant, auditRecords(repo)[0].grant, 'the relock record names the grant');
  });

  test('status --json shows the grant with reason, by and until, and each file\'s lock state', () => {
    const repo = project();
    const t0 = Date.now();
    assert.equal(cli(repo, ['unlock', '--minutes', '10'], unlockLine('BOOKING_FLOW', CODE.ann)).code, 0);
    const s = cli(repo, ['status', '--json']);
    assert.equal(s.code, 0, s.stderr);
    const json = JSON.parse(s.stdout);
    assert.equal(json.grants.length, 1);
    const g = json.grants[0];
    assert.equal(g.component, 'BOOKING_FLOW');
    assert.equal(g.reason, REASON);
    assert.equal(g.by, 'ann@example.com');
    assert.equal(g.signed, true);
    const until = Date.parse(g.until);
    assert.ok(until >= t0 + 10 * 60_000 - 1000 && until <= Date.now() + 10 * 60_000 + 1000, `until ${g.until} is 10 minutes on`);
    const locked = Object.fromEntries(json.files.map((f: { file: string; locked: boolean }) => [f.file, f.locked]));
    assert.equal(locked['src/booking/a.ts'], false);
    assert.equal(locked['src/payments/p.ts'], true);
    assert.equal(locked['core/x.ts'], true);
    assert.equal(locked['.protection/manifest.jsonc'], true);
    assert.equal(locked['src/app.ts'], undefined, 'unprotected files are not listed');
  });

  test('--minutes above the tier\'s limit is capped to it', () => {
    const repo = project();
    assert.equal(cli(repo, ['unlock', '--minutes', '999'], unlockLine('BOOKING_FLOW', CODE.ann)).code, 0);
    const g = readStore(repo).grants[0];
    assert.equal(g.expiresAt - g.grantedAt, 30 * 60_000);
  });

  test('a grant\'s private key does not outlive it: two minutes after its end, the agents\' hook, check and every grants command drop it from the store', () => {
    const repo = project();
    assert.equal(unlock(repo, 'BOOKING_FLOW', [CODE.ann]).code, 0);
    const { file } = storeOf(repo);
    const ended = (ago: number): void => {
      const state = JSON.parse(readFileSync(file, 'utf8'));
      state.grants[0].expiresAt = Date.now() - ago;
      writeFileSync(file, JSON.stringify(state));
    };
    // Within the grace (the extension's and watch's expiry record and sign the grant's changes first): kept.
    ended(60_000);
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 2);
    assert.ok(readStore(repo).grants[0].seed, 'kept within two minutes of the end');
    for (const command of [['check', 'src/booking/a.ts'], ['status']]) {
      ended(3 * 60_000);
      cli(repo, command);
      const g = readStore(repo).grants[0];
      assert.equal(g.seed, undefined, `${command[0]}: the key is gone`);
      assert.ok(g.key, `${command[0]}: the grant stays, to be ended and recorded`);
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), grants: [{ ...g, seed: 'A'.repeat(43) }] }));
    }
    // The agents' hook, as an agent's next tool call runs it.
    ended(3 * 60_000);
    const hook = cli(repo, ['hook', '--agent', 'claude'], JSON.stringify({ hook_event_name: 'PreToolUse', cwd: repo.dir, tool_name: 'Bash', tool_input: { command: 'ls' } }));
    assert.equal(hook.code, 0, hook.stderr);
    assert.equal(readStore(repo).grants[0].seed, undefined, 'hook: the key is gone');
  });

  test('record says so, and fails, for a protected file whose name is not UTF-8 (no record can name it); it was skipped in silence', () => {
    const repo = project();
    assert.equal(unlock(repo, 'BOOKING_FLOW', [CODE.ann]).code, 0);
    const odd = Buffer.concat([Buffer.from(join(repo.dir, 'src', 'booking', 'caf')), Buffer.from([0xe9]), Buffer.from('.ts')]);
    writeFileSync(odd, 'export const c = 1;\n');
    try {
      repo.write('src/booking/a.ts', 'export const a = "recorded";\n');
      const rec = cli(repo, ['record']);
      assert.equal(rec.code, 1, rec.stdout + rec.stderr);
      assert.match(rec.stdout, /recorded change src\/booking\/a\.ts/, 'the others are recorded');
      assert.match(rec.stderr, /src\/booking\/caf\uFFFD\.ts \(the \uFFFD stands for bytes that are not UTF-8\): an audit record cannot name a file whose name is not UTF-8/);
    } finally {
      rmSync(odd, { force: true });
    }
  });

  test('record never reads through a link: a symbolic link is recorded as its target\'s text, a path below a linked folder and a named pipe are named and not recorded (exit 1), the other files are recorded', { skip: process.platform === 'win32' ? 'no mkfifo' : false }, () => {
    const repo = project();
    repo.write('src/booking/b.ts', 'export const b = 1;\n');
    repo.write('src/booking/sub/c.ts', 'export const c = 1;\n');
    repo.write('src/booking/d.ts', 'export const d = 1;\n');
    repo.commitAll('more booking files');
    assert.equal(unlock(repo, 'BOOKING_FLOW', [CODE.ann]).code, 0);
    const outside = box.dir(`outside${++n}`);
    const secret = 'outside the repository\n';
    writeFileSync(join(outside, 'secret.txt'), secret);
    writeFileSync(join(outside, 'c.ts'), secret);
    rmSync(join(repo.dir, 'src/booking/a.ts'));
    symlinkSync(join(outside, 'secret.txt'), join(repo.dir, 'src/booking/a.ts'));
    rmSync(join(repo.dir, 'src/booking/b.ts'));
    execFileSync('mkfifo', [join(repo.dir, 'src/booking/b.ts')]);
    rmSync(join(repo.dir, 'src/booking/sub'), { recursive: true });
    symlinkSync(outside, join(repo.dir, 'src/booking/sub'));
    repo.write('src/booking/d.ts', 'export const d = 2;\n');

    const rec = cli(repo, ['record']);
    assert.equal(rec.code, 1, rec.stdout + rec.stderr);
    assert.match(rec.stdout, /^recorded change src\/booking\/d\.ts \(seq \d+/m, 'the others are recorded');
    assert.match(rec.stdout, /^recorded change src\/booking\/a\.ts \(seq \d+/m);
    assert.match(rec.stderr, /^protected-files: src\/booking\/a\.ts is a symbolic link: recorded as one \(its target's text, as git stores it; what it points to is never read\), and the commit gate refuses a symbolic link at a protected path whatever the record\.$/m);
    assert.match(rec.stderr, /^protected-files: src\/booking\/b\.ts is a named pipe, not a file: not recorded\. Put the file back \(or delete it\) while it is unlocked, then run protected-files record again\.$/m);
    assert.match(rec.stderr, /^protected-files: src\/booking\/sub\/c\.ts is below src\/booking\/sub, a symbolic link, not a folder \(nothing is read through it\): not recorded\./m);

    const records = auditRecords(repo).filter((r) => r.event === 'change' || r.event === 'delete');
    const a = records.find((r) => r.file === 'src/booking/a.ts');
    assert.equal(a?.event, 'change');
    assert.equal(a.after, sha256(join(outside, 'secret.txt')), 'the link\'s target, as git stores it');
    assert.equal(records.find((r) => r.file === 'src/booking/d.ts')?.after, sha256('export const d = 2;\n'));
    assert.equal(records.find((r) => r.file === 'src/booking/b.ts'), undefined, 'the pipe is not recorded as deleted');
    assert.equal(records.find((r) => r.file === 'src/booking/sub/c.ts'), undefined);
    assert.ok(records.every((r) => r.after !== sha256(secret)), 'nothing outside the repository was read');
    assert.ok(!existsSync(join(repo.dir, '.protection/backups/approved', sha256(join(outside, 'secret.txt')))), 'a link\'s target is no content to write back');
    // What git stores for the link is that text: the record and git agree, and the gate refuses the link all the same, as record said.
    repo.git('add', 'src/booking/a.ts');
    assert.equal(sha256(execFileSync('git', ['cat-file', 'blob', ':src/booking/a.ts'], { cwd: repo.dir, env: box.env })), a.after);
    const gate = cli(repo, ['verify', '--staged']);
    assert.equal(gate.code, 1, gate.stdout);
    assert.match(gate.stdout, /^ {2}src\/booking\/a\.ts {2}T1 BOOKING_FLOW {2}.*no audit record can approve a symlink in place of a protected file/m);
  });

  test('status with a manifest that has errors shows the state under the last valid committed one, and says so; unlock stops at the errors', () => {
    const repo = project();
    repo.write('.protection/manifest.jsonc', '{\n "tiers": {\n');
    const st = cli(repo, ['status']);
    assert.equal(st.code, 0, st.stderr);
    assert.match(st.stderr, /\.protection\/manifest\.jsonc has errors; using the version committed at HEAD/);
    assert.match(st.stdout, /locked +T1 +BOOKING_FLOW +src\/booking\/a\.ts/);
    const u = unlock(repo, 'BOOKING_FLOW', [CODE.ann]);
    assert.equal(u.code, 2, u.stdout + u.stderr);
    assert.match(u.stderr, /has 1 error\(s\)/);
  });

  test('an expired grant in the store is not honoured by check', () => {
    const repo = project();
    assert.equal(unlock(repo, 'BOOKING_FLOW', [CODE.ann]).code, 0);
    const { file } = storeOf(repo);
    const state = JSON.parse(readFileSync(file, 'utf8'));
    state.grants[0].expiresAt = Date.now() - 60_000;
    writeFileSync(file, JSON.stringify(state));
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 2);
    assert.match(cli(repo, ['status']).stdout, /^Nothing is unlocked\./);
    repo.write('src/booking/a.ts', 'export const a = "too late";\n');
    const rec = cli(repo, ['record', 'src/booking/a.ts']);
    assert.equal(rec.code, 1);
    assert.match(rec.stderr, /src\/booking\/a\.ts has no grant in force/);
  });

  test('a grant written into the store by hand, extended, or moved to another component unlocks nothing', () => {
    const repo = project();
    // A real grant, kept aside; the store exists from now on.
    assert.equal(unlock(repo, 'BOOKING_FLOW', [CODE.ann]).code, 0);
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 0, 'the real grant holds');
    const { file } = storeOf(repo);
    const real = JSON.parse(readFileSync(file, 'utf8'));
    // A script writes a grant of its own (as an agent with a shell could).
    const now = Date.now();
    writeFileSync(file, JSON.stringify({ v: 1, grants: [{ target: { kind: 'component', name: 'BOOKING_FLOW' }, reason: 'forged by a script', grantedAt: now, expiresAt: now + 600_000 }], failures: {}, lockouts: {}, spent: [] }));
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 2, 'a forged grant');
    assert.match(cli(repo, ['status']).stdout, /^Nothing is unlocked\./);
    // The real grant's certificate on another component's grant.
    const moved = structuredClone(real);
    moved.grants[0].target = { kind: 'component', name: 'PAYMENTS' };
    writeFileSync(file, JSON.stringify(moved));
    assert.equal(cli(repo, ['check', 'src/payments/p.ts']).code, 2, 'a certificate moved to another component');
    const extended = structuredClone(real);
    extended.grants[0].expiresAt += 3_600_000;
    writeFileSync(file, JSON.stringify(extended));
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 2, 'an extended grant');
    const extendedBoth = structuredClone(real);
    extendedBoth.grants[0].expiresAt += 3_600_000;
    extendedBoth.grants[0].until = new Date(extendedBoth.grants[0].expiresAt).toISOString();
    writeFileSync(file, JSON.stringify(extendedBoth));
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 2, 'an extended grant with its until rewritten');
    const otherReason = structuredClone(real);
    otherReason.grants[0].reason = 'something else entirely';
    writeFileSync(file, JSON.stringify(otherReason));
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 2, 'a grant with another reason');
    writeFileSync(file, JSON.stringify(real));
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 0, 'the untouched grant still holds');
  });

  test('a grant made before the manifest had a signing code holds while the new manifest is uncommitted, and not after', () => {
    const repo = project(manifestWith(components({ BOOKING_FLOW: { tier: 'tier1', files: ['src/booking/**'], codes: [] } })));
    // No code yet: a reason-only (unsigned) grant, as when an owner sets the first code.
    assert.equal(cli(repo, ['unlock', 'BOOKING_FLOW', '--reason', REASON]).code, 0);
    repo.write('.protection/manifest.jsonc', manifestWith(components()));
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 0, 'the committed manifest had no signing code for it');
    assert.match(cli(repo, ['status']).stdout, /^1 unlocked:/);
    repo.commitAll('the first signing code');
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 2, 'once committed, an unsigned grant no longer counts');
  });

  test('the same with the committed manifest saved with a byte order mark (as some editors save): the grant holds', () => {
    const repo = project(`\ufeff${manifestWith(components({ BOOKING_FLOW: { tier: 'tier1', files: ['src/booking/**'], codes: [] } }))}`);
    assert.equal(cli(repo, ['unlock', 'BOOKING_FLOW', '--reason', REASON]).code, 0);
    repo.write('.protection/manifest.jsonc', manifestWith(components()));
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 0, 'HEAD\'s manifest is read as the editor reads it, without its BOM');
  });

  test('a corrupted store file means nothing is unlocked; the next unlock starts it afresh', () => {
    const repo = project();
    assert.equal(unlock(repo, 'BOOKING_FLOW', [CODE.ann]).code, 0);
    const { file } = storeOf(repo);
    writeFileSync(file, '{"v":1,"grants":[{"target":');
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 2);
    assert.match(cli(repo, ['status']).stdout, /^Nothing is unlocked\./);
    assert.equal(unlock(repo, 'BOOKING_FLOW', [CODE.ann]).code, 0);
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 0);
  });

  test('the store file and its folder are owner-only and inside .git, never in the work tree', () => {
    const repo = project();
    assert.equal(unlock(repo, 'BOOKING_FLOW', [CODE.ann]).code, 0);
    const { dir, file } = storeOf(repo);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    // A store made readable by someone is owner-only again after the next write.
    chmodSync(file, 0o644);
    chmodSync(dir, 0o755);
    assert.equal(cli(repo, ['relock']).code, 0);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const status = repo.git('status', '--porcelain', '--untracked-files=all', '--ignored');
    assert.deepEqual(status.split('\n').filter((l) => l !== ''), ['?? .protection/audit.jsonl'], status);
  });

  test('the store holds the grant\'s seed but never an owner\'s code or private key', async () => {
    const repo = project();
    assert.equal(unlock(repo, 'CORE', [CODE.ann, CODE.bob]).code, 0);
    const text = readFileSync(storeOf(repo).file, 'utf8');
    const g = readStore(repo).grants[0];
    assert.equal(importSeed(g.seed!)!.publicKey, g.key, 'the seed is the grant key\'s');
    for (const who of ['ann', 'bob'] as const) {
      assert.ok(!text.includes(CODE[who]));
      assert.ok(!text.includes(exportSeed((await ownerKey(who)).privateKey)));
    }
  });
});

describe('bad inputs to unlock', () => {
  const noEcho = (r: RunResult, code: string): void => {
    assert.ok(!r.stdout.includes(code) && !r.stderr.includes(code), 'the code is not echoed');
  };

  test('an unknown component', () => {
    const repo = project();
    const r = cli(repo, ['unlock'], unlockLine('NO_SUCH', CODE.ann));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /No component named NO_SUCH in \.protection\/manifest\.jsonc/);
    noEcho(r, CODE.ann);
    assert.equal(existsSync(join(repo.dir, '.protection/audit.jsonl')), false, 'nothing recorded');
  });

  test('a reason too short is refused and counted as nothing', () => {
    const repo = project();
    const r = cli(repo, ['unlock'], unlockLine('BOOKING_FLOW', CODE.ann, 'short'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /needs a reason of at least 10 characters \(5 so far\)\. Nothing was unlocked\./);
    noEcho(r, CODE.ann);
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 2);
    const wrongShort = cli(repo, ['unlock'], unlockLine('BOOKING_FLOW', 'not-the-right-code', 'short'));
    assert.equal(wrongShort.code, 1);
    const store = join(repo.dir, '.git', 'protected-files');
    // The folder may hold the approved manifest's copy alone (src/node/approvedManifest.ts).
    if (existsSync(store) && readdirSync(store).some((f) => /^folder-[0-9a-f]{16}\.json$/.test(f))) assert.deepEqual(readStore(repo).failures, {}, 'no wrong code counted');
    assert.deepEqual(auditRecords(repo), [], 'nothing recorded');
  });

  test('a missing code on non-TTY stdin', () => {
    const repo = project();
    const r = cli(repo, ['unlock'], `UNLOCK BOOKING_FLOW FOR: ${REASON}\n`);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /BOOKING_FLOW needs an owner's code; nothing was unlocked\./);
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 2);
    const none = cli(repo, ['unlock', 'BOOKING_FLOW', '--reason', REASON]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /needs an owner's code; nothing was unlocked/);
  });

  test('stdin that is not the one-line form', () => {
    const repo = project();
    const plain = cli(repo, ['unlock', 'BOOKING_FLOW'], `${CODE.ann}\n`);
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /stdin is not the one-line form/);
    noEcho(plain, CODE.ann);
    const noFor = cli(repo, ['unlock'], `UNLOCK BOOKING_FLOW WITH CODE: ${CODE.ann}\n`);
    assert.equal(noFor.code, 2);
    assert.match(noFor.stderr, /The FOR: <reason> part is missing after the code/);
    noEcho(noFor, CODE.ann);
    const two = cli(repo, ['unlock'], unlockLine('BOOKING_FLOW', CODE.ann) + unlockLine('PAYMENTS', CODE.pat));
    assert.equal(two.code, 2);
    assert.match(two.stderr, /name different components/);
    noEcho(two, CODE.ann);
    noEcho(two, CODE.pat);
    assert.equal(cli(repo, ['check', 'src/booking/a.ts', 'src/payments/p.ts']).code, 2);
  });

  test('a folder with a manifest outside git: "not in a git repository", exit 2', () => {
    const dir = box.dir(`nogit-${++n}`);
    writeFileSync(join(box.dir(`nogit-${n}/.protection`), 'manifest.jsonc'), manifestWith(components()));
    const r = box.run(['unlock'], { cwd: dir, input: unlockLine('BOOKING_FLOW', CODE.ann) });
    produced.push({ where: 'unlock outside git', text: r.stdout + r.stderr });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /is not in a git repository: grants are kept in the repository's git directory/);
    assert.equal(existsSync(join(dir, '.protection', 'audit.jsonl')), false);
    assert.equal(existsSync(join(dir, '.git')), false);
  });

  test('--minutes abc', () => {
    const repo = project();
    const r = cli(repo, ['unlock', '--minutes', 'abc'], unlockLine('BOOKING_FLOW', CODE.ann));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--minutes needs a whole number of minutes/);
    noEcho(r, CODE.ann);
    assert.equal(cli(repo, ['check', 'src/booking/a.ts']).code, 2);
  });
});
