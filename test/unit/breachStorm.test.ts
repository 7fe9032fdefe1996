// A breach of hundreds of locked files at once (`for f in $(git ls-files src/booking); do echo x >> $f; done`):
// every file is restored and every breach and restore is recorded, in one chain. The guard's own
// appends queue in front of the audit log's lock file, so they never time out waiting for each other.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../../src/core/audit';
import { ProtectionMatcher } from '../../src/core/matcher';
import { parseManifest } from '../../src/core/manifest';
import { BreachEngine } from '../../src/node/breachEngine';
import { AuditRecorder } from '../../src/node/recorder';
import { Sandbox } from './cliHarness';
import { auditRecords } from './grantsHarness';

const MANIFEST = `{
  "tiers": { "tier1": { "label": "Tier 1", "badge": "T1", "color": "red", "unlock": { "requireCode": false } } },
  "components": { "BOOKING_FLOW": { "tier": "tier1", "files": ["src/booking/**"] } }
}
`;
const FILES = 300;

let box: Sandbox;
before(() => {
  box = new Sandbox('storm');
});
after(() => box.dispose());

describe('a breach of many locked files at once', () => {
  test(`${FILES} files written at once: all restored, one breach and one restore record each, no lock errors, one chain`, async () => {
    const r = box.repo('storm', { manifest: MANIFEST });
    const files = Array.from({ length: FILES }, (_, i) => `src/booking/d${Math.floor(i / 100)}/f${i}.ts`);
    for (const f of files) r.write(f, `export const v = ${files.indexOf(f)};\n`);
    r.commitAll('many protected files');
    const manifest = parseManifest(MANIFEST).manifest!;
    const matcher = new ProtectionMatcher(manifest);
    const logs: string[] = [];
    // A lock wait of 1 s, not 30: before the queue, the guard's own appends polled the lock file
    // against each other and ran out of this long before a storm of this size was recorded.
    const recorder = new AuditRecorder(r.dir, Date.now, { lockTimeoutMs: 1_000 });
    const engine = new BreachEngine({
      root: r.dir, recorder, env: box.env,
      policy: { classify: (rel) => matcher.classify(rel), grantFor: () => undefined, manifest: () => manifest },
      log: (level, m) => logs.push(`${level}: ${m}`),
    });
    try {
      for (const f of files) appendFileSync(join(r.dir, f), '// evil\n');
      for (const f of files) engine.notify(f);
      await engine.settled();
      for (const [i, f] of files.entries()) assert.equal(r.read(f), `export const v = ${i};\n`, `${f} restored`);
      assert.deepEqual(logs.filter((m) => m.startsWith('error')), []);
      const records = auditRecords(r);
      for (const f of files) {
        const mine = records.filter((x) => x.file === f);
        assert.deepEqual(mine.map((x) => x.event), ['breach', 'restore'], f);
        assert.equal(mine[0].after, sha256(`export const v = ${files.indexOf(f)};\n// evil\n`));
      }
      assert.equal(records.length, 2 * FILES);
      const verify = r.cli(['log', '--verify']);
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      assert.match(verify.stdout, new RegExp(`chain OK: ${2 * FILES} records`));
    } finally {
      engine.dispose();
    }
  });
});
