import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifest } from '../../src/core/manifest';
import type { Manifest } from '../../src/core/manifest';
import { CODEOWNERS_BEGIN, CODEOWNERS_END, codeownersPatterns, codeownersSection, isCodeOwner, workflowText } from '../../src/core/teamRules';

function manifestOf(text: string): Manifest {
  const parsed = parseManifest(text);
  assert.ok(parsed.manifest, JSON.stringify(parsed.problems));
  return parsed.manifest;
}

const MANIFEST = manifestOf(`{
  "tiers": { "tier1": { "label": "Tier 1" }, "tier2": { "label": "Tier 2", "unlock": { "requireCode": false } } },
  "components": {
    "BOOKING": { "tier": "tier1", "files": ["src/booking/**", "Makefile", "src/{a,b}.ts", "src/[ab].ts"], "owners": ["@alice", "Ann Smith", "ops@example.com"], "risk": "Revenue\\nstops" },
    "CHECKOUT": { "tier": "tier1", "files": ["src/booking/pay.ts"], "owners": ["@org/payments"] },
    "MIG": { "tier": "tier2", "files": ["src/booking/**", "db/**"], "owners": ["@org/dba"] },
    "NOONE": { "tier": "tier2", "files": ["x/**"] }
  }
}`);

describe('codeownersPatterns', () => {
  test('anchors every glob at the root and expands brace sets', () => {
    assert.deepEqual(codeownersPatterns('Makefile'), { patterns: ['/Makefile'] }, 'unanchored, CODEOWNERS would match Makefile at any depth');
    assert.deepEqual(codeownersPatterns('*.sql'), { patterns: ['/*.sql'] });
    assert.deepEqual(codeownersPatterns('./src/**'), { patterns: ['/src/**'] });
    assert.deepEqual(codeownersPatterns('**/secrets.json'), { patterns: ['/**/secrets.json'] });
    assert.deepEqual(codeownersPatterns('src/{a,b}/*.ts'), { patterns: ['/src/a/*.ts', '/src/b/*.ts'] });
  });

  test('says which globs cannot be expressed', () => {
    for (const [glob, reason] of [['src/[ab].ts', /character class/], ['!src/a.ts', /negation/], ['src/+(a|b).ts', /extended glob/], ['my docs/*.md', /whitespace/], [`src/{${Array.from({ length: 40 }, (_, i) => i).join(',')}}.ts`, /brace set/]] as const) {
      const r = codeownersPatterns(glob);
      assert.ok('reason' in r, glob);
      assert.match(r.reason, reason);
    }
  });
});

describe('isCodeOwner', () => {
  test('@handles, @org/teams and emails only', () => {
    for (const ok of ['@alice', '@org/payments-team', 'ops@example.com']) assert.equal(isCodeOwner(ok), true, ok);
    for (const bad of ['Ann Smith', 'alice', '@', '@a b', 'ops@localhost', '@org/', 'team: payments']) assert.equal(isCodeOwner(bad), false, bad);
  });
});

describe('codeownersSection', () => {
  const section = codeownersSection(MANIFEST);
  const lines = section.text.split('\n');

  test('marked, with the strictest tier and the first component last (CODEOWNERS applies the last match)', () => {
    assert.equal(lines[0], CODEOWNERS_BEGIN);
    assert.equal(lines[lines.length - 1], CODEOWNERS_END);
    const rules = lines.filter((l) => l !== '' && !l.startsWith('#'));
    assert.deepEqual(rules, [
      '/src/booking/** @org/dba',
      '/db/** @org/dba',
      '/src/booking/pay.ts @org/payments',
      '/src/booking/** @alice ops@example.com',
      '/Makefile @alice ops@example.com',
      '/src/a.ts @alice ops@example.com',
      '/src/b.ts @alice ops@example.com',
      '/.protection/** @org/payments @alice ops@example.com',
    ]);
    assert.ok(lines.includes('# BOOKING (Tier 1): Revenue stops'), 'a risk with a newline stays one comment line');
  });

  test('reports owners it cannot write, components without owners and inexpressible globs', () => {
    assert.deepEqual(section.unusableOwners, [{ component: 'BOOKING', owner: 'Ann Smith' }]);
    assert.deepEqual(section.withoutOwners, ['NOONE']);
    assert.deepEqual(section.unexpressible.map((u) => [u.component, u.glob]), [['BOOKING', 'src/[ab].ts']]);
    assert.doesNotMatch(section.text, /Ann Smith|x\/\*\*/);
  });
});

describe('workflowText', () => {
  test('verify --base on pull requests with the full history; the base ref through the environment', () => {
    const npx = workflowText({ kind: 'npx', version: '1.2.3' });
    assert.match(npx, /^on:\n {2}pull_request:$/m);
    assert.match(npx, /fetch-depth: 0/);
    assert.match(npx, /- run: npx --yes protected-files@1\.2\.3 verify --base "refs\/remotes\/origin\/\$BASE_REF"\n {8}env:\n {10}BASE_REF: \$\{\{ github\.base_ref \}\}\n$/);
    assert.doesNotMatch(npx, /run: .*\$\{\{/, 'no expression is pasted into a script');
    const dep = workflowText({ kind: 'dependency' });
    assert.match(dep, /- run: npm ci\n {6}- run: npx --no-install protected-files verify --base "refs\/remotes\/origin\/\$BASE_REF"/);
  });
});
