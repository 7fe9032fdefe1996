// `protected-files import` run as a child process in real temporary git repositories.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../../src/core/audit';
import { parseManifest } from '../../src/core/manifest';
import { MANIFEST, Sandbox } from './cliHarness';

const sandbox = new Sandbox('import');
after(() => sandbox.dispose());
let n = 0;

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'protocols');
const doc = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const CODE_HASH = 'scrypt$16384$8$1$c2FsdHNhbHQ$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg';
const WITH_CODE = MANIFEST.replace('"impact": "$10,000+/day"', `"impact": "$10,000+/day",\n      "unlockCodes": ["${CODE_HASH}"]`);

describe('protected-files import', () => {
  test('the preview shows what was understood, skipped and not found, and writes nothing', () => {
    const repo = sandbox.repo(`r${++n}`, { manifest: false });
    repo.write('PROTECTED_FILES.md', doc('mixed.md'));
    repo.write('src/checkout/pay.ts', 'x\n');
    const r = repo.cli(['import', 'PROTECTED_FILES.md']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Read PROTECTED_FILES\.md: \d tier\(s\), \d component\(s\), 6 path\(s\)\./);
    assert.match(r.stdout, /CHECKOUT {2}critical {2}\(new; name from unlock phrase/);
    assert.match(r.stdout, /Not found in this folder[^\n]*\n(?: {2}\S+\n)*? {2}infra\/terraform\/\*\*\n/);
    assert.doesNotMatch(r.stdout, /Not found[\s\S]*src\/checkout\/\*\*\n[\s\S]*Skipped/, 'an existing folder is not reported missing');
    assert.match(r.stdout, /line 15: C:\\Users\\dev\\secrets\.txt — Windows absolute path/);
    assert.match(r.stdout, /line 5: bash — bash code block \(lines 5–8\): example code/);
    assert.match(r.stdout, /\+\+\+ b\/\.protection\/manifest\.jsonc/);
    assert.match(r.stdout, /Nothing written\./);
    assert.equal(existsSync(join(repo.dir, '.protection', 'manifest.jsonc')), false);
  });

  test('--write creates a manifest that loads; a second run has nothing to write', () => {
    const repo = sandbox.repo(`r${++n}`, { manifest: false });
    repo.write('docs/PROTECTED_FILES.md', doc('table.md'));
    const r = repo.cli(['import', 'docs/PROTECTED_FILES.md', '--write']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Wrote \.protection\/manifest\.jsonc/);
    const parsed = parseManifest(repo.read('.protection/manifest.jsonc'));
    assert.deepEqual(parsed.problems.filter((p) => p.severity === 'error'), []);
    assert.deepEqual(parsed.manifest?.components.map((c) => c.name), ['CRITICAL_FILES', 'HIGH_FILES', 'MEDIUM_FILES']);
    const again = repo.cli(['import', 'docs/PROTECTED_FILES.md', '--write']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already has everything docs\/PROTECTED_FILES\.md lists: nothing to write\./);
  });

  test('--write into an existing manifest: refused while it is locked; under an owner\'s unlock it merges (codes, comments and components kept), records the change and relocks, from a subfolder too', () => {
    // The tier that guards .protection/** here needs no code, so the test can unlock it; the component keeps its code.
    const manifest = WITH_CODE.replace('"badge": "T1", "color": "red" }', '"badge": "T1", "color": "red", "unlock": { "requireCode": false } }');
    const repo = sandbox.repo(`r${++n}`, { manifest });
    repo.write('notes/incident.md', doc('tiers-codeblocks.md'));
    const locked = repo.cli(['import', 'incident.md', '--write'], { cwd: join(repo.dir, 'notes') });
    assert.equal(locked.code, 1, locked.stdout + locked.stderr);
    assert.match(locked.stderr, /\.protection\/manifest\.jsonc is locked \(the manifest protects itself\); nothing was written/);
    assert.match(locked.stderr, /protected-files unlock \.protection\/manifest\.jsonc --reason/);
    assert.equal(repo.read('.protection/manifest.jsonc'), manifest, 'nothing written');
    assert.equal(existsSync(join(repo.dir, '.protection', 'audit.jsonl')), false, 'nothing recorded');

    const unlock = repo.cli(['unlock', '.protection/manifest.jsonc', '--reason', 'Import the incident protocol']);
    assert.equal(unlock.code, 0, unlock.stderr);
    const r = repo.cli(['import', 'incident.md', '--write'], { cwd: join(repo.dir, 'notes') });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Wrote \.protection\/manifest\.jsonc/);
    assert.match(r.stdout, /recorded change \.protection\/manifest\.jsonc \(seq \d+, [^)]*: Import the incident protocol\)/);
    assert.match(r.stdout, /relocked/);
    const change = repo.auditLines().map((l) => JSON.parse(l) as { event: string; file?: string; after?: string }).find((x) => x.event === 'change');
    assert.equal(change?.file, '.protection/manifest.jsonc');
    assert.equal(change?.after, sha256(repo.read('.protection/manifest.jsonc')), 'the record names what was written');
    assert.equal(repo.cli(['check', '.protection/manifest.jsonc']).code, 2, 'locked again');
    const text = repo.read('.protection/manifest.jsonc');
    assert.match(text, /^\/\/ test manifest/);
    const m = parseManifest(text).manifest;
    assert.ok(m);
    const booking = m.components.find((c) => c.name === 'BOOKING_FLOW');
    assert.deepEqual(booking?.unlockCodes, [CODE_HASH]);
    assert.equal(booking?.risk, 'Booking chat flow for all members: revenue stops if it breaks');
    assert.deepEqual(booking?.files, ['src/booking/**', 'src/lib/booking/engine.ts', 'src/context/PersistentChatProvider.tsx']);
    assert.deepEqual(m.components.map((c) => c.name), ['BOOKING_FLOW', 'MIGRATIONS', 'PAYMENTS', 'DATABASE_MIGRATIONS']);
    assert.deepEqual(m.tiers.map((t) => t.id), ['tier1', 'tier2'], 'Tier 1/Tier 2 map onto the existing tiers');
    assert.deepEqual(m.protectedBranches, ['main', 'release/*']);
    assert.equal(existsSync(join(repo.dir, 'notes', '.protection')), false, 'the manifest of the folder above is the one merged into');
  });

  test('bad inputs: missing, binary, huge, nothing recognisable, no argument, broken manifest', () => {
    const repo = sandbox.repo(`r${++n}`, { manifest: false });
    const missing = repo.cli(['import', 'NOPE.md']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^protected-files: NOPE\.md does not exist: give the path of a Markdown document such as PROTECTED_FILES\.md\.\n$/);

    repo.write('logo.md', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x0d, 0x0a]));
    const binary = repo.cli(['import', 'logo.md']);
    assert.equal(binary.code, 2);
    assert.match(binary.stderr, /logo\.md is a binary file, not a Markdown document\./);

    repo.write('huge.md', `## CRITICAL\n${'- `src/a.ts`\n'.repeat(120_000)}`);
    const huge = repo.cli(['import', 'huge.md']);
    assert.equal(huge.code, 2);
    assert.match(huge.stderr, /huge\.md is 1\.\d MB, more than the 1 MB a protocol document may have/);

    repo.write('README.md', doc('nothing.md'));
    const nothing = repo.cli(['import', 'README.md']);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /^protected-files import: found no protected files in README\.md: /);
    assert.equal(nothing.stdout, '');

    const none = repo.cli(['import']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Give one document to import\./);

    repo.write('.protection/manifest.jsonc', '{ "tiers": ');
    repo.write('P.md', doc('table.md'));
    const broken = repo.cli(['import', 'P.md', '--write']);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /\.protection\/manifest\.jsonc: the existing manifest has errors \(first at line 1/);
    assert.equal(repo.read('.protection/manifest.jsonc'), '{ "tiers": ');
  });
});
