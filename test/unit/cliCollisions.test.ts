// Paths that are a protected file somewhere else: a case or Unicode-normalization variant (one
// file on a macOS or Windows checkout), a hard link, a symlink (also a dangling one). These
// tests run on a case-sensitive, non-normalizing file system (Linux), where the variants are
// distinct files that git commits as such.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST, Sandbox } from './cliHarness';
import type { Repo } from './cliHarness';

let box: Sandbox;
let n = 0;

before(() => {
  box = new Sandbox('collisions');
});

after(() => {
  box.dispose();
});

const NFC = 'caf\u00e9';
const NFD = 'cafe\u0301';
/** MANIFEST plus a component whose glob is spelled in NFC, and one with a capital letter. */
const WITH_CAFE = MANIFEST.replace(
  '"MIGRATIONS":',
  `"CAFE": { "tier": "tier1", "files": ["src/${NFC}/**"], "risk": "Menu prices" },\n    "PAY": { "tier": "tier1", "files": ["src/Pay/**"] },\n    "MIGRATIONS":`,
);

function project(): Repo {
  const repo = box.repo(`r${++n}`, { manifest: WITH_CAFE });
  repo.write('src/booking/a.ts', 'a\n');
  repo.write(`src/${NFC}/menu.ts`, 'menu\n');
  repo.write('src/Pay/card.ts', 'card\n');
  repo.write('src/app.ts', 'app\n');
  repo.commitAll('files');
  return repo;
}

function violationLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.startsWith('  ') && !l.startsWith('  audit log:'));
}

const collides = (pattern: string): string =>
  `collides with protected ${pattern} on case-insensitive or Unicode-normalizing file systems (macOS, Windows), where it is the same file: rename it`;

describe('verify: case and Unicode collisions with protected paths', () => {
  test('staged: a new src/Booking/a.ts, an NFD spelling of an NFC glob, src/pay/ against src/Pay/**, .Protection/audit.jsonl', () => {
    const repo = project();
    repo.write('src/Booking/a.ts', 'shadow\n');
    repo.write(`src/${NFD}/menu.ts`, 'cheaper\n');
    repo.write('src/pay/card.ts', 'card 2\n');
    repo.write('.Protection/audit.jsonl', '');
    repo.write('src/bookings/a.ts', 'a different name\n');
    repo.git('add', '-A');
    const r = repo.cli(['verify', '--staged']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(violationLines(r.stdout).sort(), [
      `  .Protection/audit.jsonl  T1 .protection  ${collides('.protection/**')}`,
      `  src/${NFD}/menu.ts  T1 CAFE  ${collides(`src/${NFC}/**`)}`,
      `  src/Booking/a.ts  T1 BOOKING_FLOW  ${collides('src/booking/**')}`,
      `  src/pay/card.ts  T1 PAY  ${collides('src/Pay/**')}`,
    ].sort());
    assert.match(r.stdout, /What to do: rename the file so that it differs from every protected path by more than case or Unicode normalization\./);
  });

  test('range: the same collisions committed on a branch fail; renaming them away passes', () => {
    const repo = project();
    repo.git('checkout', '-q', '-b', 'feature');
    repo.write('SRC/booking/a.ts', 'shadow\n');
    repo.write(`src/${NFD}/menu.ts`, 'cheaper\n');
    repo.commitAll('collide');
    const r = repo.cli(['verify', '--base', 'main']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(violationLines(r.stdout).map((l) => l.trim().split('  ')[0]).sort(), ['SRC/booking/a.ts', `src/${NFD}/menu.ts`].sort());

    repo.git('mv', 'SRC/booking/a.ts', 'src/shadowless.ts');
    repo.git('mv', `src/${NFD}/menu.ts`, 'src/menu-draft.ts');
    repo.commitAll('rename away');
    const ok = repo.cli(['verify', '--base', 'main']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  });
});

describe('check: the protected file under another name', () => {
  test('a case or NFD variant of a protected path is denied as a collision; a different name is allowed', () => {
    const repo = project();
    const upper = repo.cli(['check', 'src/Booking/new.ts']);
    assert.equal(upper.code, 2, upper.stderr);
    assert.match(upper.stderr, /^Protected Files: src\/Booking\/new\.ts collides with protected src\/booking\/\*\* on case-insensitive or Unicode-normalizing file systems/m);
    const nfd = repo.cli(['check'], { input: JSON.stringify({ tool_name: 'Write', tool_input: { file_path: join(repo.dir, 'src', NFD, 'menu.ts') }, cwd: repo.dir }) });
    assert.equal(nfd.code, 2, nfd.stderr);
    assert.match(nfd.stderr, new RegExp(`collides with protected src/${NFC}/\\*\\*`));
    assert.equal(repo.cli(['check', 'src/bookings/new.ts']).code, 0);
  });

  test('a hard link to a protected file is that file; hard links between unprotected files are not', () => {
    const repo = project();
    linkSync(join(repo.dir, 'src/booking/a.ts'), join(repo.dir, 'innocent.ts'));
    const r = repo.cli(['check', 'innocent.ts']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /Protected Files: innocent\.ts \(a hard link to src\/booking\/a\.ts\) is protected \(T1 · Tier 1 · Revenue critical · BOOKING_FLOW\)/);

    linkSync(join(repo.dir, 'src/app.ts'), join(repo.dir, 'app-copy.ts'));
    const control = repo.cli(['check', 'app-copy.ts']);
    assert.equal(control.code, 0, control.stderr);
  });

  test('a dangling symlink into protection, and a chain of symlinks, are denied', () => {
    const repo = project();
    symlinkSync('src/booking/not-yet.ts', join(repo.dir, 'creates.ts'));
    const dangling = repo.cli(['check', 'creates.ts']);
    assert.equal(dangling.code, 2, dangling.stderr);
    assert.match(dangling.stderr, /src\/booking\/not-yet\.ts is protected/);

    symlinkSync('src/booking/a.ts', join(repo.dir, 'hop1.ts'));
    symlinkSync('hop1.ts', join(repo.dir, 'hop2.ts'));
    const chain = repo.cli(['check', 'hop2.ts']);
    assert.equal(chain.code, 2, chain.stderr);
    assert.match(chain.stderr, /src\/booking\/a\.ts is protected/);
  });
});
