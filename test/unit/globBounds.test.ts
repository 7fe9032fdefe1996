// Cost bombs in a manifest: every one is reported at its line and column and replaced by a
// stand-in that protects at least what it could, the rest of the manifest stays in force, and
// the matcher (given the same globs without the parser) neither hangs nor overflows the stack.
// Without the bounds several of these cases run for minutes (nested extglobs: about three minutes
// for one path, `*a*a*a*a*b` 45 s); `quick` fails a case that takes more than 10 s, a margin of
// two orders of magnitude over what they take now, so that a lost bound fails instead of passing late.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { minimatch } from 'minimatch';
import { GLOB_LIMITS, MAX_NAME_LENGTH, checkGlob, isGlobExcess, standInGlob } from '../../src/core/globBounds';
import { parseManifest } from '../../src/core/manifest';
import type { Manifest } from '../../src/core/manifest';
import { ProtectionMatcher, AGENT_GUARD_FILES } from '../../src/core/matcher';
import { STARTER_MANIFEST } from '../../src/core/starterManifest';

function quick<T>(what: string, fn: () => T): T {
  const start = Date.now();
  const result = fn();
  const elapsed = Date.now() - start;
  assert.ok(elapsed < 10_000, `${what} took ${elapsed} ms`);
  return result;
}

/** Attacks: [name, glob, a path that makes an unbounded matcher work hard]. */
const BOMBS: [string, string, string][] = [
  ['nested extglob alternation', 'src/+(a|+(a|+(a|b)))c', `src/${'a'.repeat(40)}d`],
  ['nested negation', 'src/!(!(!(a)))*x', `src/${'a'.repeat(200)}`],
  ['repeated ambiguous alternation', 'src/*(a|aa)b', `src/${'a'.repeat(200)}`],
  ['repeated group with a wildcard', 'src/+(a|a?)*b', `src/${'a'.repeat(200)}`],
  ['many stars in one name', 'src/*a*a*a*a*b', `src/${'a'.repeat(250)}`],
  ['stars and negations', 'src/!(a)*!(b)*x', `src/${'a'.repeat(250)}`],
  ['large brace range', 'src/{1..100000}.ts', 'src/99999.ts'],
  ['nested brace products', `src/${'{a,b}'.repeat(20)}`, `src/${'a'.repeat(20)}`],
  ['ranges multiplied', 'src/{1..99}{1..99}{1..99}', 'src/999999'],
  ['range inside a range', 'src/{1..{1,9999999}}', 'src/5'],
  ['deep braces', `src/${'{'.repeat(10_000)}a${'}'.repeat(10_000)}`, 'src/a'],
  ['deep extglob parens', `src/${'@('.repeat(10_000)}a${')'.repeat(10_000)}`, 'src/a'],
  ['deep brackets and parens', `src/${'[('.repeat(5_000)}`, 'src/a'],
  ['a glob over 64 KiB', `src/${'a'.repeat(70_000)}*`, 'src/a'],
  ['globstar chain with names', `src/${'**/a/'.repeat(6)}**/b`, `src/${'a/'.repeat(300)}c`],
];

describe('checkGlob', () => {
  for (const [name, glob] of BOMBS) {
    test(`refuses ${name}`, () => {
      const check = quick('checkGlob', () => checkGlob(glob));
      assert.ok(isGlobExcess(check), `${name} passed`);
      assert.ok(check.index >= 0 && check.index <= glob.length, String(check.index));
    });
  }

  test('accepts what manifests are made of', () => {
    const ordinary = ['src/payments/**', '**/*.sql', '**/.env*', 'db/**/migrations/*.sql', 'src/{auth,billing}/*.{ts,tsx}', 'src/*.+(ts|js)',
      'docs/[a-c]?.md', '*/config.yml', './scripts/deploy.sh', '**', 'src/lib/*booking*.ts', 'src/**/test/**/*.snap', 'src/!(generated)/**',
      'locales/{1..40}/*.json', `a/${'{b,'.repeat(GLOB_LIMITS.nesting - 1)}c${'}'.repeat(GLOB_LIMITS.nesting - 1)}`];
    const starter = parseManifest(STARTER_MANIFEST).manifest?.components.flatMap((c) => c.files) ?? [];
    assert.ok(starter.length > 0);
    for (const glob of [...ordinary, ...starter]) {
      assert.ok(!isGlobExcess(checkGlob(glob)), glob);
    }
  });

  test('each bound is exact: at the limit passes, one past it does not', () => {
    const at = (glob: string): boolean => !isGlobExcess(checkGlob(glob));
    assert.ok(at('a'.repeat(GLOB_LIMITS.length)));
    assert.ok(!at('a'.repeat(GLOB_LIMITS.length + 1)));
    assert.ok(at(`${'{a,'.repeat(GLOB_LIMITS.nesting)}b${'}'.repeat(GLOB_LIMITS.nesting)}`));
    assert.ok(!at(`${'{a,'.repeat(GLOB_LIMITS.nesting + 1)}b${'}'.repeat(GLOB_LIMITS.nesting + 1)}`));
    assert.ok(at(`x{1..${GLOB_LIMITS.alternatives}}`));
    assert.ok(!at(`x{1..${GLOB_LIMITS.alternatives + 1}}`));
    assert.ok(at(`*a${'*'.repeat(0)}*b`));
    assert.ok(!at('*a*b*c'));
    assert.ok(at(Array(GLOB_LIMITS.globstars).fill('**/x').join('/')));
    assert.ok(!at(Array(GLOB_LIMITS.globstars + 1).fill('**/x').join('/')));
    assert.ok(at('**/**/**/**/**/**/**/x'), 'adjacent ** fold into one, as minimatch folds them');
    assert.ok(at('a\\{\\{\\{\\{\\{\\{\\{\\{\\{b'), 'escaped braces are not groups');
  });

  test('a stand-in covers everything its glob could match', () => {
    const cases: [string, string][] = [
      ['src/payments/+(a|+(b))x.ts', 'src/payments/**'],
      ['./src/a/{1..100000}/x', 'src/a/**'],
      ['{src,lib}/*a*b*c', '**'],
      ['*a*b*c', '**'],
      [`deep/${'a'.repeat(2_000)}`, 'deep/**'],
      [`${'d/'.repeat(100)}*a*b*c`, `${'d/'.repeat(32)}**`],
    ];
    for (const [glob, standIn] of cases) {
      assert.equal(standInGlob(glob), standIn, glob);
      assert.ok(!isGlobExcess(checkGlob(standIn)), standIn);
    }
    // Random paths that the glob (small enough for minimatch to answer) matches are matched by its stand-in.
    for (const glob of ['src/a/*a*b*c*d', 'x/y/+(a|aa)b', 'src/{a,b}/c/*x*y*z']) {
      const standIn = standInGlob(glob);
      for (const path of ['src/a/abcd', 'src/a/xaybzcwd', 'x/y/aab', 'x/y/ab', 'src/a/c/xyz', 'src/b/c/_x_y_z_']) {
        if (minimatch(path, glob, { dot: true })) {
          assert.ok(minimatch(path, standIn, { dot: true }), `${path}: ${glob} → ${standIn}`);
        }
      }
    }
  });
});

/** A manifest with a strict tier `t1`, a loose `t2`, and the components' globs (JSON-escaped). */
function manifestText(components: Record<string, { tier: string; files: string[] }>): string {
  const lines = ['{', '  "tiers": { "t1": { "unlock": { "requireCode": false } }, "t2": { "unlock": { "requireCode": false } } },', '  "components": {'];
  const names = Object.keys(components);
  names.forEach((name, i) => {
    const c = components[name];
    lines.push(`    "${name}": { "tier": "${c.tier}", "files": [${c.files.map((f) => JSON.stringify(f)).join(', ')}] }${i < names.length - 1 ? ',' : ''}`);
  });
  lines.push('  }', '}');
  return lines.join('\n');
}

describe('parseManifest: a glob past a bound', () => {
  for (const [name, glob, nasty] of BOMBS) {
    test(`${name}: an error where it is written, a stand-in in its place, the rest in force`, () => {
      const text = manifestText({
        PAY: { tier: 't1', files: ['src/payments/**'] },
        BOMB: { tier: 't2', files: ['docs/keep.md', glob] },
        DB: { tier: 't2', files: ['**/*.sql'] },
      });
      const parsed = quick('parseManifest', () => parseManifest(text));
      const errors = parsed.problems.filter((p) => p.severity === 'error');
      assert.equal(errors.length, 1, JSON.stringify(parsed.problems).slice(0, 500));
      const [error] = errors;
      assert.equal(error.contained, true);
      assert.equal(error.line, 4);
      // Inside the string that holds the glob (which starts after `"docs/keep.md", "`).
      const stringStart = text.split('\n')[4].indexOf(JSON.stringify(glob).slice(0, 20));
      assert.ok(stringStart > 0);
      assert.ok(error.column >= stringStart && error.column <= stringStart + JSON.stringify(glob).length, `${error.column} vs ${stringStart}`);
      assert.match(error.message, /Until it is simplified, every file under "src" is protected by component "BOMB" in its place \("src\/\*\*"\)\./);

      const manifest = parsed.manifest;
      assert.ok(manifest, 'the rest of the manifest stays in force');
      assert.deepEqual(manifest.components.map((c) => c.files), [['src/payments/**'], ['docs/keep.md', 'src/**'], ['**/*.sql']]);
      const matcher = new ProtectionMatcher(manifest);
      assert.equal(matcher.classify('src/payments/a.ts')?.component?.name, 'PAY', 'a stricter tier still wins');
      assert.equal(matcher.classify('db/x.sql')?.component?.name, 'DB');
      assert.equal(matcher.classify('docs/keep.md')?.component?.name, 'BOMB');
      assert.equal(quick('classify', () => matcher.classify(nasty))?.component?.name, 'BOMB', 'what the glob may match is protected by its stand-in');
      assert.equal(matcher.classify('lib/other.ts'), undefined);
    });
  }

  test('the column is exact for a glob written without escapes', () => {
    const glob = 'src/a/*x*y*z';
    const text = manifestText({ A: { tier: 't1', files: [glob] } });
    const [error] = parseManifest(text).problems;
    assert.equal(error.column, text.split('\n')[3].indexOf(glob) + 'src/a/'.length);
    assert.equal(error.length, '*x*y*z'.length);
    assert.match(error.message, /more than 2 wildcards/);
  });

  test('many globs: past the manifest-wide budget, each further glob is reported and stood in for', () => {
    const count = GLOB_LIMITS.rules + 50;
    const files = Array.from({ length: count }, (_, i) => `area${i}/*.ts`);
    const literal = Array.from({ length: 5_000 }, (_, i) => `plain/file${i}.ts`);
    const parsed = quick('parseManifest', () => parseManifest(manifestText({ MANY: { tier: 't1', files: [...literal, ...files] } })));
    assert.ok(parsed.manifest);
    const errors = parsed.problems.filter((p) => p.severity === 'error');
    assert.equal(errors.length, 50, 'literal paths do not count toward the budget');
    assert.ok(errors.every((e) => e.contained && /more than 1000 alternatives together/.test(e.message)));
    const matcher = new ProtectionMatcher(parsed.manifest);
    assert.equal(matcher.classify(`area${count - 1}/x.ts`)?.pattern, `area${count - 1}/**`);
    assert.equal(matcher.classify(`area${count - 1}/x.js`)?.pattern, `area${count - 1}/**`, 'the stand-in protects more, never less');
    assert.equal(matcher.classify('area0/x.js'), undefined, 'globs within the budget keep their meaning');
    assert.equal(matcher.classify('plain/file4999.ts')?.pattern, 'plain/file4999.ts');
  });

  test('another error still keeps the whole manifest out (only bounds are contained)', () => {
    const parsed = parseManifest(manifestText({ A: { tier: 't1', files: ['*a*b*c'] }, B: { tier: 'nope', files: ['x'] } }));
    assert.equal(parsed.manifest, undefined);
  });
});

describe('ProtectionMatcher: bounded even for globs that did not go through the parser', () => {
  const tier = { id: 't1', label: 'T1', badge: 'T1', color: 'red' as const, unlock: { requireCode: false, approvals: 1 as const, minReasonLength: 1, maxMinutes: 1 }, onBreach: 'warn' as const, rank: 0 };
  const raw = (files: string[]): Manifest => ({
    tiers: [tier],
    components: [{ name: 'RAW', tier: 't1', files, risk: '', impact: '', owners: [], unlockCodes: [] }],
    guardedCommands: [],
    protectedBranches: [],
  });

  for (const [name, glob, nasty] of BOMBS) {
    test(`${name}: compiled as its stand-in`, () => {
      const matcher = quick('new ProtectionMatcher', () => new ProtectionMatcher(raw([glob])));
      assert.deepEqual(matcher.patterns, ['.protection/**', ...AGENT_GUARD_FILES, standInGlob(glob)]);
      assert.equal(quick('classify', () => matcher.classify(nasty))?.pattern, 'src/**');
      assert.equal(matcher.classify('elsewhere/a')?.pattern, glob.startsWith('src/') ? undefined : '**');
    });
  }

  test('a name longer than any file system allows is not run through a regular expression: it counts as a match', () => {
    const matcher = new ProtectionMatcher(raw(['src/*a*b', 'lib/*(ab)x', 'deep/**/*q*r/**']));
    // Names that end as the globs require (that much is checked on any name) but do not match.
    const long = 'c'.repeat(100_000);
    assert.equal(matcher.classify(`src/${long}b`)?.pattern, 'src/*a*b', 'too long to decide: protected');
    assert.equal(matcher.classify(`lib/${long}x`)?.pattern, 'lib/*(ab)x');
    assert.equal(matcher.classify(`deep/${long}r/f`)?.pattern, 'deep/**/*q*r/**');
    assert.equal(matcher.classify(`src/${long}c`), undefined, 'the literal end is still checked');
    // Up to the limit, exactly minimatch's answer.
    const edge = 'c'.repeat(MAX_NAME_LENGTH - 1);
    assert.equal(matcher.classify(`src/${edge}b`), undefined);
    assert.equal(matcher.classify(`lib/${edge}x`), undefined);
    assert.equal(matcher.classify(`deep/x/${edge}r/f`), undefined);
    assert.equal(matcher.classify(`src/${edge.slice(1)}ab`)?.pattern, 'src/*a*b');
  });

  test('a path 20,000 folders deep does not overflow the stack (the recursive walk did), and general rules still decide it', () => {
    const matcher = new ProtectionMatcher(raw(['**/a/**/b/**/*.sql', 'x/**']));
    const deep = `${'a/'.repeat(20_000)}b/c.sql`;
    assert.equal(matcher.classify(deep)?.pattern, '**/a/**/b/**/*.sql');
    assert.equal(matcher.classify(`${'a/'.repeat(20_000)}c.sql`), undefined);
    assert.equal(matcher.classify(`x/${'y/'.repeat(20_000)}z`)?.pattern, 'x/**');
  });
});
