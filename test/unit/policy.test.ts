import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifest } from '../../src/core/manifest';
import { ProtectionMatcher } from '../../src/core/matcher';
import { makeCodeKey } from '../../src/core/codes';
import type { Manifest } from '../../src/core/manifest';
import { acceptedCodeHashes, codesRequired, componentlessCodes, formatRemaining, reasonProblem, unlockTargetFor } from '../../src/core/policy';

const H1 = 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
const H2 = 'scrypt$16384$8$1$b3RoZXJzYWx0$b3RoZXJoYXNob3RoZXJoYXNob3RoZXJoYXNob3RoZXI';
const H3 = 'scrypt$16384$8$1$dGhpcmRzYWx0$dGhpcmRoYXNodGhpcmRoYXNodGhpcmRoYXNodGhpcmQ';

const TEXT = `{
  "tiers": {
    "tier1": { "label": "Tier 1", "badge": "T1", "color": "red", "unlock": { "requireCode": true, "approvals": 2, "minReasonLength": 15, "maxMinutes": 30 } },
    "tier2": { "label": "Tier 2", "badge": "T2", "color": "yellow", "unlock": { "requireCode": false, "minReasonLength": 10 }, "onBreach": "warn" }
  },
  "components": {
    "BOOKING": { "tier": "tier1", "files": ["src/booking/**"], "unlockCodes": ["${H1}", "${H2}"] },
    "PAYMENTS": { "tier": "tier1", "files": ["src/pay/**"], "unlockCodes": ["${H3}"] },
    "MIGRATIONS": { "tier": "tier2", "files": ["db/**"] }
  }
}`;

function setup(): { matcher: ProtectionMatcher; manifest: NonNullable<ReturnType<typeof parseManifest>['manifest']> } {
  const parsed = parseManifest(TEXT);
  assert.deepEqual(parsed.problems.filter((p) => p.severity === 'error'), []);
  assert.ok(parsed.manifest);
  return { matcher: new ProtectionMatcher(parsed.manifest), manifest: parsed.manifest };
}

describe('policy', () => {
  test('a component file unlocks its component; a manifest file unlocks only itself', () => {
    const { matcher } = setup();
    const booking = matcher.classify('src/booking/a.ts');
    assert.ok(booking);
    assert.deepEqual(unlockTargetFor(booking, 'src/booking/a.ts'), { kind: 'component', name: 'BOOKING' });
    const manifestFile = matcher.classify('.protection/manifest.jsonc');
    assert.ok(manifestFile);
    assert.deepEqual(unlockTargetFor(manifestFile, '.protection/manifest.jsonc'), { kind: 'file', path: '.protection/manifest.jsonc' });
  });

  test('a component takes its own codes; the manifest takes every code of the strictest tier', () => {
    const { matcher, manifest } = setup();
    assert.deepEqual(acceptedCodeHashes(manifest, matcher.classify('src/booking/x.ts')!), [H1, H2]);
    assert.deepEqual(acceptedCodeHashes(manifest, matcher.classify('.protection/manifest.jsonc')!).sort(), [H1, H2, H3].sort());
    assert.deepEqual(acceptedCodeHashes(undefined, matcher.classify('.protection/manifest.jsonc')!), []);
  });

  test('the manifest takes the codes of the strictest tier with a signing code, else of the strictest with a legacy one, whatever tier classifies it', async () => {
    const key = await makeCodeKey('a-code-of-booking-owner', { owner: 'ann@example.com', params: { N: 1024 } });
    const manifestOf = (booking: string[], migrations: string[]): Manifest => parseManifest(`{
      "tiers": {
        "tier0": { "label": "Tier 0", "badge": "T0", "color": "purple" },
        "tier1": { "label": "Tier 1", "badge": "T1", "color": "red" },
        "tier2": { "label": "Tier 2", "badge": "T2", "color": "yellow" }
      },
      "components": {
        "BOOKING": { "tier": "tier1", "files": ["src/booking/**"], "unlockCodes": ${JSON.stringify(booking)} },
        "MIGRATIONS": { "tier": "tier2", "files": ["db/**"], "unlockCodes": ${JSON.stringify(migrations)} }
      }
    }`).manifest!;
    // tier0 has no component: the next tier with a signing code approves the manifest.
    assert.deepEqual(componentlessCodes(manifestOf([H1, key], [])), [H1, key]);
    assert.deepEqual(componentlessCodes(manifestOf([H1], [key])), [key], 'a signing code of a lower tier before legacy hashes of a stricter one');
    assert.deepEqual(componentlessCodes(manifestOf([H1], [H2])), [H1]);
    assert.deepEqual(componentlessCodes(manifestOf([], [])), []);
    // The classification's tier id plays no part: a tier the change added names nothing here.
    const m = manifestOf([key], []);
    const c = new ProtectionMatcher(m).classify('.protection/manifest.jsonc')!;
    assert.deepEqual(acceptedCodeHashes(m, { ...c, tier: { ...c.tier, id: 'tier-added-by-the-change' } }), [key]);
  });

  test('codes required follow requireCode and approvals', () => {
    const { manifest } = setup();
    assert.equal(codesRequired(manifest.tiers[0]), 2);
    assert.equal(codesRequired(manifest.tiers[1]), 0);
  });

  test('a reason must reach the tier minimum, counted without surrounding spaces', () => {
    const { manifest } = setup();
    const t1 = manifest.tiers[0];
    assert.match(reasonProblem('', t1) ?? '', /why/i);
    assert.match(reasonProblem('   short    ', t1) ?? '', /at least 15 characters \(5 so far\)/);
    assert.equal(reasonProblem('fix the rounding of prices', t1), undefined);
  });

  test('remaining time reads naturally', () => {
    assert.equal(formatRemaining(30_000), '<1 min');
    assert.equal(formatRemaining(12 * 60_000 + 5_000), '12 min');
    assert.equal(formatRemaining(65 * 60_000), '1 h 5 min');
    assert.equal(formatRemaining(120 * 60_000), '2 h');
  });
});

describe('isExtensionWritten', () => {
  test('the audit log, its lock and backups are the extension\'s own; the manifest is not', async () => {
    const { isExtensionWritten } = await import('../../src/core/policy');
    assert.equal(isExtensionWritten('.protection/audit.jsonl'), true);
    assert.equal(isExtensionWritten('.protection/audit.jsonl.lock'), true);
    assert.equal(isExtensionWritten('.protection/backups/20261122T1000Z-abc/src/a.ts'), true);
    assert.equal(isExtensionWritten('.protection/manifest.jsonc'), false);
    assert.equal(isExtensionWritten('src/.protection/audit.jsonl'), false);
  });
});
