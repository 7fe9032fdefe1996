// The manifest in force is the last approved one: a valid manifest written from outside (a script, an
// agent's shell) that switches protection off is never put in force. It is a breach of the strictest
// tier, restored and recorded, and the protected files stay protected while (and after) it is on disk.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import { sha256 } from '../../src/core/audit';
import { api, auditRecords, closeAll, folderPath, mainFolder, readDisk, sleep, waitFor } from './helpers';

const MANIFEST = '.protection/manifest.jsonc';
const T1 = 'src/booking/pricing.ts'; // BOOKING_FLOW, tier1, onBreach restore
/** One lax tier (no code, warn) guarding nothing: the security review's manifest. */
const LAX = '{ "tiers": { "t": { "label": "lax", "unlock": { "requireCode": false }, "onBreach": "warn" } },\n "components": { "NOTHING": { "tier": "t", "files": ["nothing/**"] } } }\n';
const EVIL = 'export const PRICE_PER_GUEST_CENTS = 0;\n';

/** Runs a shell command in a child process (a writer from outside the editor). */
function sh(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', script], { cwd: folderPath() }, (err, _out, stderr) => (err ? reject(new Error(`${script}: ${stderr}`)) : resolve()));
  });
}

describe('the manifest in force: one written from outside is not adopted', function () {
  let a: TestApi;

  before(async () => {
    a = await api();
    await closeAll();
  });

  afterEach(async () => {
    await a.breach.settled();
  });

  it('a lax manifest written by a child process, then a locked file: both restored and recorded, protection unchanged', async () => {
    const folder = mainFolder(a);
    const approvedManifest = readDisk(MANIFEST);
    const approved = readDisk(T1);
    const count = auditRecords().length;
    // git at work (its index.lock held): the guard waits for git to settle before it judges a write
    // (a checkout writes files before it moves HEAD), so the lax manifest stays on disk meanwhile.
    await sh('touch "$(git rev-parse --git-dir)/index.lock"');
    try {
      await sh(`printf '%s' '${LAX}' > ${MANIFEST}`);
      // Past the manifest watcher's delay: it has read the lax manifest, and must not have put it in force.
      await sleep(1000);
      assert.ok(folder.manifest?.components.some((c) => c.name === 'BOOKING_FLOW'), 'the manifest in force still has BOOKING_FLOW while the lax one is on disk');
    } finally {
      await sh('rm -f "$(git rev-parse --git-dir)/index.lock"');
    }
    await waitFor('the manifest restored', () => readDisk(MANIFEST) === approvedManifest, 10_000);
    assert.ok(folder.manifest?.components.some((c) => c.name === 'BOOKING_FLOW'), 'the manifest in force still has BOOKING_FLOW');
    assert.ok(a.service.resolve(vscode.Uri.file(`${folderPath()}/${T1}`))?.locked, `${T1} is still locked`);
    await sh(`printf '${EVIL}' > ${T1}`);
    await waitFor(`${T1} restored`, () => readDisk(T1) === approved, 10_000);
    await waitFor('its restore record', () => auditRecords().slice(count).some((r) => r.event === 'restore' && r.file === T1), 10_000);
    await a.breach.settled();
    const added = auditRecords().slice(count);
    const manifestBreach = added.find((r) => r.event === 'breach' && r.file === MANIFEST);
    assert.equal(manifestBreach?.after, sha256(LAX), 'the lax manifest is recorded');
    assert.equal(manifestBreach?.tier, 'tier1', 'judged under the strictest tier in force, not its own');
    assert.ok(added.some((r) => r.event === 'restore' && r.file === MANIFEST && r.after === sha256(approvedManifest)));
    assert.ok(added.some((r) => r.event === 'breach' && r.file === T1 && r.after === sha256(EVIL)), 'the write to the locked file is recorded');
    assert.equal(readDisk(MANIFEST), approvedManifest);
  });
});
