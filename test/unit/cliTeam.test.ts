// `protected-files team` run as a child process in real temporary git repositories.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CODEOWNERS_BEGIN, CODEOWNERS_END } from '../../src/core/teamRules';
import { MANIFEST, Sandbox } from './cliHarness';

const sandbox = new Sandbox('team');
after(() => sandbox.dispose());
let n = 0;

const WITH_OWNERS = MANIFEST
  .replace('"impact": "$10,000+/day"', '"impact": "$10,000+/day",\n      "owners": ["@alice", "Bob from ops"]')
  .replace('"risk": "Schema changes hit production on deploy"', '"risk": "Schema changes hit production on deploy", "owners": ["dba@example.com"]');

describe('protected-files team', () => {
  test('preview writes nothing; --write keeps the existing root CODEOWNERS; a second run changes nothing', () => {
    const repo = sandbox.repo(`r${++n}`, { manifest: WITH_OWNERS });
    repo.write('CODEOWNERS', '# ours\n* @lead\n');
    const preview = repo.cli(['team']);
    assert.equal(preview.code, 0, preview.stderr);
    assert.match(preview.stdout, /^ {2}CODEOWNERS {2,}\+\d+ −0 lines$/m);
    assert.match(preview.stdout, /note: BOOKING_FLOW: owner "Bob from ops" is not an @handle/);
    assert.match(preview.stdout, /Nothing written\./);
    assert.equal(repo.read('CODEOWNERS'), '# ours\n* @lead\n');
    assert.equal(existsSync(join(repo.dir, '.github')), false);

    const write = repo.cli(['team', '--write']);
    assert.equal(write.code, 0, write.stderr);
    const text = repo.read('CODEOWNERS');
    assert.ok(text.startsWith('# ours\n* @lead\n\n'), text);
    assert.match(text, /\n\/src\/booking\/\*\* @alice\n/);
    assert.match(text, /\n\/db\/migrations\/\*\* dba@example\.com\n/);
    assert.doesNotMatch(text, /Bob/);
    assert.ok(text.endsWith(`${CODEOWNERS_END}\n`));
    const workflow = repo.read('.github/workflows/protected-files.yml');
    assert.match(workflow, /npx --yes protected-files@0\.1\.0 verify --base "refs\/remotes\/origin\/\$BASE_REF"/);
    assert.match(workflow, /fetch-depth: 0/);

    const again = repo.cli(['team', '--write']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /up to date with \.protection\/manifest\.jsonc: nothing to write\./);
    assert.equal(repo.read('CODEOWNERS'), text);
  });

  test('.github/CODEOWNERS when there is a .github folder; a changed manifest replaces only the section', () => {
    const repo = sandbox.repo(`r${++n}`, { manifest: WITH_OWNERS });
    repo.write('.github/dependabot.yml', 'version: 2\n');
    assert.equal(repo.cli(['team', '--write']).code, 0);
    const first = repo.read('.github/CODEOWNERS');
    assert.ok(first.startsWith(`${CODEOWNERS_BEGIN}\n`));
    repo.write('.github/CODEOWNERS', `/docs/ @writers\n\n${first}\n# after\n`);
    repo.write('.protection/manifest.jsonc', WITH_OWNERS.replace('"src/booking/**"', '"src/booking/**", "src/checkout/**"'));
    const r = repo.cli(['team', '--write']);
    assert.equal(r.code, 0, r.stderr);
    const text = repo.read('.github/CODEOWNERS');
    assert.ok(text.startsWith('/docs/ @writers\n\n# protected-files:begin\n'), text);
    assert.ok(text.endsWith(`${CODEOWNERS_END}\n\n# after\n`), text);
    assert.match(text, /\n\/src\/checkout\/\*\* @alice\n/);
    assert.equal(existsSync(join(repo.dir, 'CODEOWNERS')), false);
  });

  test('the workflow uses the project\'s own copy when it depends on protected-files; a hand-written workflow is kept', () => {
    const repo = sandbox.repo(`r${++n}`, { manifest: WITH_OWNERS });
    repo.write('package.json', JSON.stringify({ devDependencies: { 'protected-files': '^0.1.0' } }));
    assert.equal(repo.cli(['team', '--write']).code, 0);
    assert.match(repo.read('.github/workflows/protected-files.yml'), /- run: npm ci\n {6}- run: npx --no-install protected-files verify/);

    const own = sandbox.repo(`r${++n}`, { manifest: WITH_OWNERS });
    own.write('.github/workflows/protected-files.yml', 'name: ours\n');
    const r = own.cli(['team', '--write']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /protected-files\.yml exists and is yours \(no generated marker line\): left alone\./);
    assert.equal(own.read('.github/workflows/protected-files.yml'), 'name: ours\n');
  });

  test('errors: no manifest, a broken manifest, a begin marker without its end', () => {
    const none = sandbox.repo(`r${++n}`, { manifest: false });
    const r1 = none.cli(['team']);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /No protection manifest/);

    const broken = sandbox.repo(`r${++n}`, { manifest: '{ "tiers": ' });
    const r2 = broken.cli(['team']);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /The protection manifest \.protection\/manifest\.jsonc has 2 error\(s\):\n  \.protection\/manifest\.jsonc:1:12 error/);

    const half = sandbox.repo(`r${++n}`, { manifest: WITH_OWNERS });
    half.write('CODEOWNERS', `* @lead\n${CODEOWNERS_BEGIN}\n/x @y\n`);
    const r3 = half.cli(['team', '--write']);
    assert.equal(r3.code, 2);
    assert.match(r3.stderr, /CODEOWNERS: the file has "# protected-files:begin" without a matching "# protected-files:end"/);
    assert.equal(half.read('CODEOWNERS'), `* @lead\n${CODEOWNERS_BEGIN}\n/x @y\n`);
  });
});
