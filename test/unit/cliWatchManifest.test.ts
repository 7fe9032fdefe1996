// `protected-files watch` and the manifest itself: the manifest in force is the last approved one. A
// valid manifest written from outside (one that switches protection off, or drops a component) is a
// breach of the strictest tier, restored, and never used, not even for the write that follows it a
// few milliseconds later; an approved change (under an unlock, recorded, or committed and checked
// out) is put in force.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '../../src/core/audit';
import type { AuditRecord } from '../../src/core/audit';
import { MANIFEST_PATH } from '../../src/core/layout';
import { manifestRefusal } from '../../src/core/manifestApproval';
import type { Repo } from './cliHarness';
import { WATCH_MANIFEST, sleep, waitFor, watchSuite, Watcher } from './watchHarness';
import { auditRecords } from './grantsHarness';

/** The watch tests' manifest (BOOKING_FLOW tier 1, MIGRATIONS tier 2). */
const MANIFEST = WATCH_MANIFEST;
/** The security review's manifest: one lax tier (no code, warn), guarding nothing. */
const LAX = '{ "tiers": { "t": { "label": "lax", "unlock": { "requireCode": false }, "onBreach": "warn" } },\n "components": { "NOTHING": { "tier": "t", "files": ["nothing/**"] } } }\n';
/** The manifest with BOOKING_FLOW removed. */
const WITHOUT_BOOKING = MANIFEST.replace(/\s*"BOOKING_FLOW": \{[^}]*\},/, '');
const PRICING = 'src/booking/pricing.ts';
const APPROVED = 'export const PRICE_PER_GUEST_CENTS = 4200;\n';
const EVIL = 'export const PRICE_PER_GUEST_CENTS = 0;\n';

const { box, name, sh } = watchSuite('watch-manifest');

function repo(): Repo {
  const r = box.repo(name(), { manifest: MANIFEST });
  r.write(PRICING, APPROVED);
  r.write('db/migrations/001.sql', 'create table bookings (id int);\n');
  r.commitAll('protected files');
  return r;
}


const breachOf = (recs: AuditRecord[], file: string, after: string): boolean => recs.some((x) => x.event === 'breach' && x.file === file && x.after === sha256(after));

describe('protected-files watch: a manifest written from outside is never put in force', () => {
  test('a lax manifest, then (1.5 s later) a write to a locked file: both restored and recorded, the manifest judged under the one in force', async () => {
    const r = repo();
    r.write('evil.jsonc', LAX);
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      const count = auditRecords(r).length;
      sh(r, `cp evil.jsonc ${MANIFEST_PATH}`);
      await waitFor('the manifest restored', () => r.read(MANIFEST_PATH) === MANIFEST);
      await sleep(1500);
      sh(r, `printf '${EVIL}' > ${PRICING}`);
      await waitFor(`${PRICING} restored`, () => r.read(PRICING) === APPROVED);
      await waitFor('its restore record', () => auditRecords(r).slice(count).some((x) => x.event === 'restore' && x.file === PRICING));
      const recs = auditRecords(r).slice(count);
      assert.ok(breachOf(recs, MANIFEST_PATH, LAX), 'the lax manifest is recorded as a breach');
      assert.equal(recs.find((x) => x.event === 'breach' && x.file === MANIFEST_PATH)?.tier, 'tier1', 'judged under the strictest tier in force, not its own');
      assert.ok(recs.some((x) => x.event === 'restore' && x.file === MANIFEST_PATH && x.after === sha256(MANIFEST)));
      assert.ok(breachOf(recs, PRICING, EVIL));
      assert.match(w.out, /\.protection\/manifest\.jsonc \(T1\b[^)]*\) was changed outside the editor while locked: the approved content was restored/);
      assert.doesNotMatch(w.out, /\(T · lax\)|The change was kept and recorded/);
      assert.doesNotMatch(w.out, /now in force/);
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });

  test('a manifest without BOOKING_FLOW and a write to its file a few ms later (5 times): the file is always restored and recorded', async () => {
    const r = repo();
    r.write('evil.jsonc', WITHOUT_BOOKING);
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      for (let i = 0; i < 5; i++) {
        const count = auditRecords(r).length;
        const evil = `export const PRICE_PER_GUEST_CENTS = ${i}; // race\n`;
        sh(r, `cp evil.jsonc ${MANIFEST_PATH}; printf '${evil}' > ${PRICING}`);
        await waitFor(`round ${i}: both restored`, () => r.read(MANIFEST_PATH) === MANIFEST && r.read(PRICING) === APPROVED);
        // The same manifest written again within seconds is one incident: recorded once (the first round).
        await waitFor(`round ${i}: recorded`, () => {
          const recs = auditRecords(r).slice(count);
          return breachOf(recs, PRICING, evil) && recs.some((x) => x.event === 'restore' && x.file === PRICING);
        });
        await sleep(300);
        assert.equal(r.read(PRICING), APPROVED, `round ${i}: still restored`);
      }
      assert.ok(breachOf(auditRecords(r), MANIFEST_PATH, WITHOUT_BOOKING), 'the manifest written from outside is recorded');
      assert.doesNotMatch(w.out, /now in force/);
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });

  test('watch --once with a lax manifest on disk: judged under the committed one, both restored and recorded, exit 1', () => {
    const r = repo();
    r.write(MANIFEST_PATH, LAX);
    r.write(PRICING, EVIL);
    const res = r.cli(['watch', '--once']);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.match(res.stderr, /differs from its approved version.*using the version committed at HEAD/);
    assert.equal(r.read(MANIFEST_PATH), MANIFEST);
    assert.equal(r.read(PRICING), APPROVED);
    const recs = auditRecords(r);
    assert.ok(breachOf(recs, MANIFEST_PATH, LAX));
    assert.ok(breachOf(recs, PRICING, EVIL));
    const again = r.cli(['watch', '--once']);
    assert.equal(again.code, 0, again.stdout + again.stderr);
  });

  test('watch --once with a lax manifest on disk and HEAD\'s saved with a byte order mark: HEAD\'s is valid (read as the editor reads it), judged under it', () => {
    const bom = `\uFEFF${MANIFEST}`;
    const r = box.repo(name(), { manifest: bom });
    r.write(PRICING, APPROVED);
    r.commitAll('protected files');
    r.write(MANIFEST_PATH, LAX);
    r.write(PRICING, EVIL);
    const res = r.cli(['watch', '--once']);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.match(res.stderr, /differs from its approved version.*using the version committed at HEAD/);
    assert.ok(res.stderr.includes(`protected-files: ${manifestRefusal({ commit: 'HEAD' })}\n`), 'the sentence the editor logs too');
    assert.equal(r.read(MANIFEST_PATH), bom);
    assert.equal(r.read(PRICING), APPROVED);
  });

  test('watch --once with a lax manifest on disk and HEAD\'s broken (committed past the hook): judged under the last valid committed one', () => {
    const r = repo();
    r.write(MANIFEST_PATH, '{ "tiers": ');
    r.commitAll('broken manifest, --no-verify');
    // The commit that changed the manifest before the broken one.
    const good = r.git('log', '--format=%H', '--', MANIFEST_PATH).split('\n')[1];
    assert.equal(good.length, 40);
    r.write(MANIFEST_PATH, LAX);
    r.write(PRICING, EVIL);
    const res = r.cli(['watch', '--once']);
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.match(res.stderr, new RegExp(`differs from its approved version.*using the last valid version, committed in ${good.slice(0, 12)}\\b`));
    assert.ok(res.stderr.includes(`protected-files: ${manifestRefusal({ commit: good })}\n`), 'the sentence the editor logs too');
    assert.equal(r.read(PRICING), APPROVED, 'judged under the last valid committed manifest');
    assert.ok(breachOf(auditRecords(r), PRICING, EVIL));
  });

  test('a manifest refused while watching: the line is the sentence the editor logs (manifestRefusal), once per version', async () => {
    const r = repo();
    r.write('evil.jsonc', LAX);
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      sh(r, `cp evil.jsonc ${MANIFEST_PATH}`);
      await waitFor('the manifest restored', () => r.read(MANIFEST_PATH) === MANIFEST);
      await w.saw(/not adopted/);
      const lines = w.out.split('\n').filter((l) => l.includes('not adopted'));
      assert.deepEqual(lines.map((l) => l.replace(/^\d\d:\d\d:\d\d /, '')), [manifestRefusal()]);
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });
});

describe('protected-files watch: an approved manifest change is put in force', () => {
  test('under an unlock of the manifest: kept and adopted at once; recorded at relock, then watch --once keeps it', async () => {
    const r = repo();
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      assert.equal(r.cli(['unlock', MANIFEST_PATH, '--reason', 'Retire the booking flow guard']).code, 0);
      r.write(MANIFEST_PATH, WITHOUT_BOOKING);
      await w.saw(/manifest\.jsonc changed \(changed under an unlock\): now in force/);
      assert.equal(r.read(MANIFEST_PATH), WITHOUT_BOOKING);
      // BOOKING_FLOW is no longer protected: a write to its file stands.
      sh(r, `printf '${EVIL}' > ${PRICING}`);
      await sleep(600);
      assert.equal(r.read(PRICING), EVIL);
      assert.equal(r.cli(['relock', MANIFEST_PATH]).code, 0);
    } finally {
      assert.equal(await w.stop(), 0);
    }
    assert.ok(auditRecords(r).some((x) => x.event === 'change' && x.file === MANIFEST_PATH && x.after === sha256(WITHOUT_BOOKING)), 'recorded at relock');
    assert.ok(!auditRecords(r).some((x) => x.event === 'breach'));
    // Recorded, not committed: the approved manifest for a guard started later.
    const res = r.cli(['watch', '--once']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.equal(r.read(MANIFEST_PATH), WITHOUT_BOOKING);
    assert.equal(r.read(PRICING), EVIL);
  });

  test('a grant made before the manifest in force had a signing code: certified under HEAD\'s manifest, a second change under it is adopted too', async () => {
    const { makeCodeKey } = await import('../../src/core/codes');
    const entry = await makeCodeKey('First-Code-Lantern-5521', { owner: 'ann@example.com', params: { N: 1024 } });
    // The first signing code: the strictest tier now needs a code, which the reason-only grant below lacks.
    const coded = MANIFEST.replace('"unlock": { "requireCode": false, "minReasonLength": 5 }', '"unlock": { "requireCode": true, "minReasonLength": 5 }')
      .replace('"risk": "Revenue stops" }', `"risk": "Revenue stops", "unlockCodes": ["${entry}"] }`);
    const codedWithout = coded.replace(/\s*"MIGRATIONS": \{[^}]*\}/, '').replace(/,(\s*\})/, '$1');
    assert.notEqual(coded, MANIFEST);
    assert.notEqual(codedWithout, coded);
    const r = repo();
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      assert.equal(r.cli(['unlock', MANIFEST_PATH, '--reason', 'Set the first signing code']).code, 0);
      r.write(MANIFEST_PATH, coded);
      await w.saw(/manifest\.jsonc changed \(changed under an unlock\): now in force/);
      const before = w.out.length;
      // Under the manifest in force (coded) the grant is not certified; under HEAD's (no code yet) it is.
      r.write(MANIFEST_PATH, codedWithout);
      await w.saw(/manifest\.jsonc changed \(changed under an unlock\): now in force[^]*manifest\.jsonc changed \(changed under an unlock\): now in force/);
      assert.doesNotMatch(w.out.slice(before), /not an approved version/);
      await sleep(300);
      assert.equal(r.read(MANIFEST_PATH), codedWithout);
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });

  test('a change record appended by hand (unsigned, the manifest has signing codes) approves nothing', async () => {
    // The strictest tier needs a code here, so the record must be signed under an owner's grant.
    const { makeCodeKey } = await import('../../src/core/codes');
    const entry = await makeCodeKey('Forge-Proof-Lantern-4412', { owner: 'ann@example.com', params: { N: 1024 } });
    const strict = MANIFEST.replace('"unlock": { "requireCode": false, "minReasonLength": 5 }', '"unlock": { "requireCode": true, "minReasonLength": 5 }')
      .replace('"risk": "Revenue stops" }', `"risk": "Revenue stops", "unlockCodes": ["${entry}"] }`);
    const r = box.repo(name(), { manifest: strict });
    r.write(PRICING, APPROVED);
    r.commitAll('files');
    // A well-formed, chained record, but not signed under an owner's grant.
    await r.record({ event: 'change', file: MANIFEST_PATH, tier: 'tier1', reason: 'trust me, I am the owner', after: sha256(LAX) });
    r.write(MANIFEST_PATH, LAX);
    r.write(PRICING, EVIL);
    const res = r.cli(['watch', '--once']);
    assert.match(res.stderr, /differs from its approved version/);
    assert.equal(r.read(PRICING), APPROVED, 'judged under the committed manifest');
  });

  test('a switch to a branch whose committed manifest differs: put in force (HEAD moved)', async () => {
    const r = repo();
    r.git('checkout', '-q', '-b', 'lax');
    r.write(MANIFEST_PATH, WITHOUT_BOOKING);
    r.commitAll('drop the booking flow guard');
    r.git('checkout', '-q', '-');
    const w = new Watcher(box, r);
    try {
      await w.saw(/checked at start/);
      sh(r, 'git switch -q lax');
      await w.saw(/manifest\.jsonc changed \(the version committed at HEAD\): now in force/);
      assert.equal(r.read(MANIFEST_PATH), WITHOUT_BOOKING);
      sh(r, `printf '${EVIL}' > ${PRICING}`);
      await sleep(600);
      assert.equal(r.read(PRICING), EVIL, 'no longer protected on this branch');
      assert.ok(!auditRecords(r).some((x) => x.event === 'breach'));
    } finally {
      assert.equal(await w.stop(), 0);
    }
  });
});
