// The rule of the manifest in force (src/core/manifestApproval.ts), without git or files.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sealRecord } from '../../src/core/audit';
import type { AuditBody, AuditRecord } from '../../src/core/audit';
import { MANIFEST_PATH } from '../../src/core/layout';
import { manifestRefusal, recordedManifestChange } from '../../src/core/manifestApproval';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

function log(bodies: Partial<AuditBody>[]): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const b of bodies) out.push(sealRecord({ at: '2026-01-01T00:00:00.000Z', actor: { name: 'a', email: 'a@x' }, event: 'change', ...b } as AuditBody, out.at(-1)));
  return out;
}

describe('recordedManifestChange', () => {
  test('the manifest\'s last change record itself, whatever follows for other files or events', () => {
    const records = log([
      { file: MANIFEST_PATH, after: A },
      { file: MANIFEST_PATH, after: B },
      { file: 'src/a.ts', after: A },
      { event: 'breach', file: MANIFEST_PATH, after: A },
      { event: 'restore', file: MANIFEST_PATH, after: B },
    ]);
    assert.equal(recordedManifestChange(records), records[1]);
  });

  test('the last change record, not an earlier one with the same after-hash', () => {
    const records = log([{ file: MANIFEST_PATH, after: A, reason: 'first' }, { file: MANIFEST_PATH, after: B }, { file: MANIFEST_PATH, after: A, reason: 'again' }]);
    assert.equal(recordedManifestChange(records), records[2]);
  });

  test('none: no record, a deletion, a rename away, a change without an after-hash', () => {
    assert.equal(recordedManifestChange([]), undefined);
    assert.equal(recordedManifestChange(log([{ file: 'src/a.ts', after: A }])), undefined);
    assert.equal(recordedManifestChange(log([{ file: MANIFEST_PATH, after: A }, { event: 'delete', file: MANIFEST_PATH }])), undefined);
    assert.equal(recordedManifestChange(log([{ file: MANIFEST_PATH, after: A }, { file: 'old.jsonc', from: MANIFEST_PATH, after: A }])), undefined);
    assert.equal(recordedManifestChange(log([{ file: MANIFEST_PATH, after: A }, { file: MANIFEST_PATH }])), undefined);
  });

  test('a rename to the manifest is its change', () => {
    const records = log([{ file: MANIFEST_PATH, from: '.protection/draft.jsonc', after: B }]);
    assert.equal(recordedManifestChange(records), records[0]);
  });
});

describe('manifestRefusal: the one sentence of the editor and watch for a manifest not approved', () => {
  test('at start: the committed version used in its place, HEAD\'s or the last valid one', () => {
    assert.equal(manifestRefusal({ commit: 'HEAD' }),
      '.protection/manifest.jsonc differs from its approved version (not committed, not recorded, no unlock in force): it is not adopted; using the version committed at HEAD.');
    assert.equal(manifestRefusal({ commit: '0123456789abcdef0123456789abcdef01234567' }),
      '.protection/manifest.jsonc differs from its approved version (not committed, not recorded, no unlock in force): it is not adopted; using the last valid version, committed in 0123456789ab.');
  });

  test('later: the manifest in force stays', () => {
    assert.equal(manifestRefusal(),
      '.protection/manifest.jsonc on disk is not an approved version (not committed, not recorded, no unlock in force): it is not adopted; the manifest in force stays.');
  });
});
