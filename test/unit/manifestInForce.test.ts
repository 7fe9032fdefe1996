// The judgement of the manifest in force (src/node/manifestInForce.ts) in-process, with a `git` on PATH
// that logs its calls: HEAD's manifest is read from git once per judgement, and that one read is the
// version compared, the committed one enforced and the one grants are certified under.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { makeCodeKey } from '../../src/core/codes';
import type { GrantState } from '../../src/core/grantState';
import { MANIFEST_PATH } from '../../src/core/layout';
import { judgeManifest } from '../../src/node/manifestInForce';
import type { ManifestGateOptions } from '../../src/node/manifestInForce';
import { loggingGit, Sandbox } from './cliHarness';

/** One lax tier (no code, warn) guarding nothing. */
const LAX = '{ "tiers": { "t": { "label": "lax", "unlock": { "requireCode": false }, "onBreach": "warn" } },\n "components": { "NOTHING": { "tier": "t", "files": ["nothing/**"] } } }\n';

let box: Sandbox;
let logged: { env: NodeJS.ProcessEnv; log: string };
let coded: string;
let n = 0;

before(async () => {
  box = new Sandbox('manifest-in-force');
  const git = loggingGit(box);
  logged = { env: { ...box.env, PATH: git.path }, log: git.log };
  // The strictest tier needs a code and has a signing code: a grant without a certificate is not certified under it.
  const entry = await makeCodeKey('Once-Read-Lantern-7731', { owner: 'ann@example.com', params: { N: 1024 } });
  coded = `{ "tiers": { "t1": { "label": "T1", "unlock": { "requireCode": true } } },\n "components": { "CORE": { "tier": "t1", "files": ["src/**"], "unlockCodes": ["${entry}"] } } }\n`;
});

after(() => box.dispose());

/** A reason-only grant of the manifest, stored as an unlock without a code makes it. */
function uncertifiedGrant(): GrantState {
  const now = Date.now();
  return { v: 1, grants: [{ target: { kind: 'file', path: MANIFEST_PATH }, reason: 'no certificate here', grantedAt: now, expiresAt: now + 3_600_000 }], failures: {}, lockouts: {}, spent: [] };
}

/** judgeManifest of LAX on disk, at start; the verdict and the git calls that read HEAD's manifest. */
async function judgeLax(dir: string): Promise<{ verdict: Awaited<ReturnType<typeof judgeManifest>>; headReads: string[] }> {
  rmSync(logged.log, { force: true });
  const gate: ManifestGateOptions = { root: dir, env: logged.env, grants: uncertifiedGrant, caseInsensitive: false, gitWait: { quietMs: 0, maxMs: 0 } };
  const verdict = await judgeManifest(gate, Buffer.from(LAX), undefined);
  const calls = readFileSync(logged.log, 'utf8').split('\n').filter(Boolean);
  return { verdict, headReads: calls.filter((c) => c.includes(`HEAD:./${MANIFEST_PATH}`)) };
}

describe('judgeManifest reads HEAD\'s manifest from git once', () => {
  test('HEAD\'s valid, a grant not certified under it: HEAD\'s enforced, read once (not again for the grant)', async () => {
    const r = box.repo(`r${++n}`, { manifest: coded });
    r.write(MANIFEST_PATH, LAX);
    const { verdict, headReads } = await judgeLax(r.dir);
    assert.equal(verdict.approved, undefined);
    assert.equal(verdict.approved === undefined && verdict.committed?.commit, 'HEAD');
    assert.deepEqual(headReads, [`cat-file blob HEAD:./${MANIFEST_PATH}`]);
  });

  test('HEAD\'s broken, a grant not certified under the last valid one: that one enforced, HEAD\'s read once', async () => {
    const r = box.repo(`r${++n}`, { manifest: coded });
    const good = r.git('rev-parse', 'HEAD');
    r.write(MANIFEST_PATH, '{ "tiers": ');
    r.commitAll('broken manifest, --no-verify');
    r.write(MANIFEST_PATH, LAX);
    const { verdict, headReads } = await judgeLax(r.dir);
    assert.equal(verdict.approved, undefined);
    assert.equal(verdict.approved === undefined && verdict.committed?.commit, good);
    assert.deepEqual(headReads, [`cat-file blob HEAD:./${MANIFEST_PATH}`]);
  });
});
