// A change cannot relax the rules it is judged by: requireCode and approvals of the base side hold for it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { signGrant, signRecord } from '../../src/core/approvals';
import type { AuditBody } from '../../src/core/audit';
import { makeCodeKey, matchCode } from '../../src/core/codes';
import { newSigningKey } from '../../src/core/signing';
import type { SigningKey } from '../../src/core/signing';
import { Sandbox } from './cliHarness';
import type { Repo } from './cliHarness';
import { ATTACKER, forge, forgedChange, manifestWith } from './grantsHarness';

let box: Sandbox;
let entry = '';
let code = '';
let n = 0;

before(async () => {
  box = new Sandbox('approval-bugs');
  code = `ann-${randomBytes(6).toString('hex')}`;
  entry = await makeCodeKey(code, { owner: 'ann@example.com', params: { N: 1024 } });
});

after(() => box.dispose());

function project(): Repo {
  const repo = box.repo(`b${++n}`, { manifest: false });
  repo.write('.protection/manifest.jsonc', manifestWith({ BOOKING_FLOW: { tier: 'tier1', files: ['src/booking/**'], codes: [entry] } }));
  repo.write('src/booking/a.ts', 'export const a = 1;\n');
  repo.commitAll('initial');
  return repo;
}

describe('a change cannot relax the policy that judges it', () => {
  test('turning "requireCode" off for every tier in the same change does not let unsigned records pass', () => {
    const repo = project();
    const relaxed = manifestWith({ BOOKING_FLOW: { tier: 'tier1', files: ['src/booking/**'], codes: [entry] } })
      .replace(/"unlock": \{ "approvals": 2 \}/, '"unlock": { "approvals": 2, "requireCode": false }')
      .replace(/"unlock": \{ "minReasonLength": 10 \}/, '"unlock": { "minReasonLength": 10, "requireCode": false }');
    assert.notEqual(relaxed, repo.read('.protection/manifest.jsonc'));
    forge(repo, [
      forgedChange(repo, '.protection/manifest.jsonc', relaxed, { tier: 'tier0' }),
      forgedChange(repo, 'src/booking/a.ts', 'export const a = "no code needed now";\n', { component: 'BOOKING_FLOW', actor: ATTACKER }),
    ]);
    repo.git('add', '-A');
    const r = repo.cli(['verify', '--staged']);
    assert.equal(r.code, 1, `expected FAIL, got:\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /src\/booking\/a\.ts .*not signed by an owner's code/);
  });

  test('one owner alone cannot lower a tier\'s "approvals" from 2 to 1 and use it in the same change', async () => {
    const bob = await makeCodeKey(`bob-${randomBytes(6).toString('hex')}`, { owner: 'bob@example.com', params: { N: 1024 } });
    const comps = { CORE: { tier: 'tier0', files: ['core/**'], codes: [entry, bob] } };
    const repo = box.repo(`b${++n}`, { manifest: false });
    repo.write('.protection/manifest.jsonc', manifestWith(comps));
    repo.write('core/x.ts', 'export const x = 1;\n');
    repo.commitAll('initial');
    const m = (await matchCode(code, entry))!;
    const ann: SigningKey = { privateKey: m.privateKey!, publicKey: (m.entry as { publicKey: string }).publicKey };
    const grantFor = (where: { component?: string; file?: string }): { grant: SigningKey; unlock: AuditBody } => {
      const grant = newSigningKey();
      const body: AuditBody = { event: 'unlock', at: new Date(Date.now() - 60_000).toISOString(), actor: ATTACKER, ...where, tier: 'tier0', reason: 'only ann approves this', until: new Date(Date.now() + 600_000).toISOString(), grant: grant.publicKey };
      return { grant, unlock: { ...body, approvals: signGrant(body, [ann]) } };
    };
    const g1 = grantFor({ file: '.protection/manifest.jsonc' });
    const g2 = grantFor({ component: 'CORE' });
    const lowered = manifestWith(comps).replace('"unlock": { "approvals": 2 }', '"unlock": { "approvals": 1 }');
    forge(repo, [
      g1.unlock, g2.unlock,
      signRecord({ ...forgedChange(repo, '.protection/manifest.jsonc', lowered, { tier: 'tier0' }), grant: g1.grant.publicKey }, g1.grant.privateKey),
      signRecord({ ...forgedChange(repo, 'core/x.ts', 'export const x = "ann alone";\n', { component: 'CORE', tier: 'tier0' }), grant: g2.grant.publicKey }, g2.grant.privateKey),
    ]);
    repo.git('add', '-A');
    const r = repo.cli(['verify', '--staged']);
    assert.equal(r.code, 1, `expected FAIL, got:\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /needs codes of 2 different owners/);
  });
});
