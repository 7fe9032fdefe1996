import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { minimatch } from 'minimatch';
import { parseManifest } from '../../src/core/manifest';
import type { Manifest } from '../../src/core/manifest';
import { AGENT_GUARD_FILES, BUILTIN_PROTECTION_TIER, PROTECTION_GLOB, ProtectionMatcher, listProtected } from '../../src/core/matcher';

/** A manifest with tiers `t1` (strictest) and `t2`, and components given as [name, tier, globs]. */
function manifestOf(...components: [string, 't1' | 't2', string[]][]): Manifest {
  const text = JSON.stringify({
    tiers: { t1: { badge: 'T1', unlock: { requireCode: false } }, t2: { badge: 'T2', unlock: { requireCode: false } } },
    components: Object.fromEntries(components.map(([name, tier, files]) => [name, { tier, files }])),
  });
  const parsed = parseManifest(text);
  assert.ok(parsed.manifest, JSON.stringify(parsed.problems));
  return parsed.manifest;
}

function single(glob: string, options?: { caseInsensitive?: boolean }): ProtectionMatcher {
  return new ProtectionMatcher(manifestOf(['C', 't1', [glob]]), options);
}

function protects(matcher: ProtectionMatcher, path: string): boolean {
  return matcher.classify(path) !== undefined;
}

describe('ProtectionMatcher: glob semantics', () => {
  const cases: [string, string[], string[]][] = [
    // glob, protected paths, unprotected paths
    ['src/lib/booking.ts', ['src/lib/booking.ts'], ['src/lib/booking.tsx', 'src/lib', 'lib/booking.ts', 'x/src/lib/booking.ts', 'src/lib/booking.ts/x']],
    ['src/*.ts', ['src/a.ts', 'src/.hidden.ts', 'src/.ts'], ['src/a/b.ts', 'src/a.tsx', 'a.ts', 'src/a.js']],
    ['src/**', ['src/a', 'src/a/b/c.ts', 'src/.env', 'src/.git/config'], ['src', 'srcx/a', 'lib/src/a']],
    ['**/*.sql', ['a.sql', 'db/x.sql', 'db/deep/er/.x.sql', '.sql'], ['a.sql.bak', 'db/sql', 'sql/a.txt']],
    ['**/.env*', ['.env', 'a/.env', 'a/b/.env.local'], ['a/env', 'a/x.env']],
    ['**/package.json', ['package.json', 'a/b/package.json'], ['package.json5', 'a/package.json/x']],
    ['db/**/migrations/*.sql', ['db/migrations/1.sql', 'db/x/y/migrations/2.sql'], ['db/migrations/sub/1.sql', 'migrations/1.sql', 'db/x/migrations.sql']],
    ['supabase/**/migrations/**', ['supabase/migrations/1.sql', 'supabase/a/migrations/b/c'], ['supabase/migrations', 'supabase/a/b.sql', 'x/supabase/migrations/1.sql']],
    ['src/{auth,billing}/*.{ts,tsx}', ['src/auth/a.ts', 'src/billing/b.tsx'], ['src/auth/a.js', 'src/other/a.ts', 'src/auth/x/a.ts']],
    ['src/lib/booking*.ts', ['src/lib/booking.ts', 'src/lib/bookingFlow.ts'], ['src/lib/Booking.ts', 'src/lib/abooking.ts', 'src/lib/booking/x.ts']],
    ['docs/[a-c]?.md', ['docs/ab.md', 'docs/c1.md'], ['docs/d1.md', 'docs/a.md', 'docs/abc.md']],
    ['*/config.yml', ['a/config.yml', '.github/config.yml'], ['config.yml', 'a/b/config.yml']],
    ['a/*/b/**', ['a/x/b/c', 'a/x/b/c/d'], ['a/b/c', 'a/x/b', 'a/x/y/b/c']],
    ['**', ['a', 'a/b/c', '.env'], []],
    ['src/*.+(ts|js)', ['src/a.ts', 'src/a.js'], ['src/a.css']],
    ['./scripts/deploy.sh', ['scripts/deploy.sh'], ['./scripts/deploy.shx']],
  ];
  for (const [glob, yes, no] of cases) {
    test(glob, () => {
      const matcher = single(glob);
      for (const path of yes) {
        assert.equal(protects(matcher, path), true, `${glob} should protect ${path}`);
      }
      for (const path of no) {
        assert.equal(protects(matcher, path), false, `${glob} should not protect ${path}`);
      }
    });
  }

  test('matching is case-sensitive by default', () => {
    const matcher = new ProtectionMatcher(manifestOf(['C', 't1', ['src/Lib/a.ts', 'docs/*.MD', 'db/**']]));
    assert.equal(protects(matcher, 'src/Lib/a.ts'), true);
    assert.equal(protects(matcher, 'src/lib/a.ts'), false);
    assert.equal(protects(matcher, 'docs/x.md'), false);
    assert.equal(protects(matcher, 'DB/x'), false);
    assert.equal(protects(matcher, '.PROTECTION/manifest.jsonc'), false);
  });

  test('caseInsensitive matches literals, globs and .protection in any case', () => {
    const matcher = new ProtectionMatcher(manifestOf(['C', 't1', ['src/Lib/a.ts', 'docs/*.MD', 'db/**', '**/Dockerfile']]), { caseInsensitive: true });
    for (const path of ['src/lib/A.TS', 'SRC/LIB/a.ts', 'docs/x.md', 'Docs/Y.Md', 'DB/x', 'a/DOCKERFILE', '.Protection/manifest.jsonc']) {
      assert.equal(protects(matcher, path), true, path);
    }
    assert.equal(matcher.classify('SRC/LIB/A.TS')?.pattern, 'src/Lib/a.ts');
    assert.equal(protects(matcher, 'docs/x.mdx'), false);
  });

  test('caseInsensitive folds a basename whatever letter of it needs folding, after paths that needed none', () => {
    const matcher = new ProtectionMatcher(manifestOf(['C', 't1', ['docs/*ä.md', 'lib/plan.txt']]), { caseInsensitive: true });
    // Each basename has one letter to fold (first, middle, last, non-ASCII), looked up between plain ones.
    for (const path of ['docs/xä.md', 'DOCS/xä.md', 'docs/Xä.md', 'docs/xÄ.md', 'docs/xä.mD', 'lib/plan.txt', 'lib/plAn.txt', 'LIB/plan.TXT', 'lib/Plan.txt']) {
      assert.equal(protects(matcher, 'docs/other.md'), false);
      assert.equal(protects(matcher, path), true, path);
    }
    assert.equal(protects(matcher, 'docs/XA.MD'), false);
  });

  test('Windows separators and ./ prefixes in the input are normalized', () => {
    const matcher = new ProtectionMatcher(manifestOf(['C', 't1', ['src/lib/**', 'db/schema.sql']]));
    assert.equal(protects(matcher, 'src\\lib\\a.ts'), true);
    assert.equal(protects(matcher, '.\\db\\schema.sql'), true);
    assert.equal(protects(matcher, './src//lib/./b.ts'), true);
    assert.equal(protects(matcher, 'src/other/../lib/c.ts'), true);
    assert.equal(protects(matcher, '.protection\\manifest.jsonc'), true);
  });

  test('paths that are not inside the folder are never classified', () => {
    const matcher = single('**');
    for (const path of ['', '.', '/', '../x', 'a/../../x', '/etc/passwd', '\\\\server\\share\\x']) {
      assert.equal(matcher.classify(path), undefined, path);
    }
  });
});

describe('ProtectionMatcher: which component wins', () => {
  const m = manifestOf(
    ['DOCS', 't2', ['**/*.md']],
    ['API', 't2', ['src/api/**', 'src/api/*.ts']],
    ['BOOKING', 't1', ['src/api/booking*.ts', 'src/api/booking.ts']],
    ['PAYMENTS', 't1', ['src/api/**/pay*.ts']],
    ['README', 't1', ['README.md']],
  );
  const matcher = new ProtectionMatcher(m);

  test('the strictest tier wins over declaration order', () => {
    const c = matcher.classify('src/api/booking.ts');
    assert.equal(c?.component?.name, 'BOOKING');
    assert.equal(c?.tier.id, 't1');
    assert.equal(c?.tier.badge, 'T1');
    assert.equal(matcher.classify('src/api/booking/pay.ts')?.component?.name, 'PAYMENTS');
    assert.equal(matcher.classify('src/api/booking/list.ts')?.component?.name, 'API');
  });

  test('within the winning component, the first declared glob is reported', () => {
    assert.equal(matcher.classify('src/api/booking.ts')?.pattern, 'src/api/booking*.ts');
    assert.equal(matcher.classify('src/api/x.ts')?.pattern, 'src/api/**');
  });

  test('on a tie of tiers, the first declared component wins', () => {
    const both = new ProtectionMatcher(manifestOf(['FIRST', 't1', ['src/**']], ['SECOND', 't1', ['src/a.ts']]));
    assert.equal(both.classify('src/a.ts')?.component?.name, 'FIRST');
    const reversed = new ProtectionMatcher(manifestOf(['SECOND', 't1', ['src/a.ts']], ['FIRST', 't1', ['src/**']]));
    assert.equal(reversed.classify('src/a.ts')?.component?.name, 'SECOND');
  });

  test('a literal path in a stricter tier beats a glob in a looser one, and the other way round', () => {
    assert.equal(matcher.classify('README.md')?.component?.name, 'README');
    assert.equal(matcher.classify('docs/README.md')?.component?.name, 'DOCS');
    const loose = new ProtectionMatcher(manifestOf(['ALL', 't1', ['**/*.md']], ['ONE', 't2', ['README.md']]));
    assert.equal(loose.classify('README.md')?.component?.name, 'ALL');
  });

  test('unmatched paths are not protected', () => {
    assert.equal(matcher.classify('src/web/index.ts'), undefined);
    assert.equal(matcher.classify('src/api'), undefined);
  });

  test('listProtected keeps input order and skips unprotected paths', () => {
    const listed = listProtected(matcher, ['src/web/a.ts', 'README.md', 'src/api/x.ts']);
    assert.deepEqual(listed.map((l) => [l.path, l.classification.component?.name]), [['README.md', 'README'], ['src/api/x.ts', 'API']]);
  });
});

describe('ProtectionMatcher: .protection/**', () => {
  test('is protected at the strictest tier with no component, whatever the components say', () => {
    const m = manifestOf(['LOOSE', 't2', ['.protection/**', '**']], ['STRICT', 't1', ['src/**']]);
    const matcher = new ProtectionMatcher(m);
    for (const path of ['.protection/manifest.jsonc', '.protection/audit.jsonl', '.protection/backups/x/y']) {
      const c = matcher.classify(path);
      assert.equal(c?.tier.id, 't1', path);
      assert.equal(c?.component, undefined);
      assert.equal(c?.pattern, PROTECTION_GLOB);
    }
    assert.equal(matcher.classify('.protectionx/a')?.component?.name, 'LOOSE');
  });

  test('with no manifest, the built-in tier protects it and nothing else', () => {
    const matcher = new ProtectionMatcher(undefined);
    const c = matcher.classify('.protection/manifest.jsonc');
    assert.equal(c?.tier, BUILTIN_PROTECTION_TIER);
    assert.equal(c?.component, undefined);
    assert.equal(matcher.classify('src/a.ts'), undefined);
    assert.deepEqual(matcher.patterns, ['.protection/**', ...AGENT_GUARD_FILES]);
    assert.deepEqual({ ...BUILTIN_PROTECTION_TIER, unlock: { ...BUILTIN_PROTECTION_TIER.unlock } }, {
      id: 'protection', label: 'Protection manifest', badge: 'PF', color: 'red', rank: 0, onBreach: 'restore',
      unlock: { requireCode: false, approvals: 1, minReasonLength: 10, maxMinutes: 30 },
    });
  });

  test('patterns lists every glob once, .protection/** and the agent hook files first', () => {
    const matcher = new ProtectionMatcher(manifestOf(['A', 't2', ['b/**', 'a.ts']], ['B', 't1', ['a.ts', 'c/*.md']]));
    assert.deepEqual(matcher.patterns, ['.protection/**', ...AGENT_GUARD_FILES, 'b/**', 'a.ts', 'c/*.md']);
  });
});

describe('ProtectionMatcher: mayProtectUnder (what a walk of the tree may skip)', () => {
  test('folders no glob reaches are skipped; folders on the way to a glob are not', () => {
    const m = new ProtectionMatcher(manifestOf(['C', 't1', ['src/booking/**', 'docs/*.md', 'db/**/migrations/*.sql']]));
    for (const dir of ['', 'src', 'src/booking', 'src/booking/deep/er', 'docs', 'db', 'db/x/y', '.protection', '.protection/hooks']) {
      assert.ok(m.mayProtectUnder(dir), dir);
    }
    for (const dir of ['src/plain', 'src/bookings', 'docs/sub', 'node_modules', 'lib', 'Src']) {
      assert.ok(!m.mayProtectUnder(dir), dir);
    }
  });

  test('a glob that may match at any depth keeps every folder', () => {
    const m = new ProtectionMatcher(manifestOf(['C', 't1', ['**/*.sql']]));
    for (const dir of ['a', 'a/b/c', 'node_modules/x']) assert.ok(m.mayProtectUnder(dir), dir);
  });

  test('case-insensitive matching keeps folders spelled in another case', () => {
    const m = new ProtectionMatcher(manifestOf(['C', 't1', ['src/booking/**']]), { caseInsensitive: true });
    assert.ok(m.mayProtectUnder('SRC/Booking'));
    assert.ok(!m.mayProtectUnder('SRC/plain'));
  });

  test('a folder whose name needs normalizing is never skipped', () => {
    const m = new ProtectionMatcher(manifestOf(['C', 't1', ['src/booking/**']]));
    // On Linux a name may hold a backslash; classify reads it as a separator.
    assert.ok(protects(m, 'src\\booking\\x.ts'));
    assert.ok(m.mayProtectUnder('src\\booking'));
    assert.ok(m.mayProtectUnder('x/../src'));
  });
});

describe('ProtectionMatcher: memo', () => {
  test('asking twice gives the same answer', () => {
    const matcher = new ProtectionMatcher(manifestOf(['A', 't1', ['src/**']]));
    const first = matcher.classify('src/a.ts');
    assert.ok(first);
    assert.equal(matcher.classify('src/a.ts'), first);
    assert.equal(matcher.classify('lib/a.ts'), undefined);
    assert.equal(matcher.classify('lib/a.ts'), undefined, 'a cached miss stays a miss');
  });

  test('answers stay right after the memo fills up and is cleared', () => {
    const matcher = new ProtectionMatcher(manifestOf(['A', 't1', ['src/**', 'even/*0.ts']]));
    for (let i = 0; i < 120_000; i++) {
      const path = i % 3 === 0 ? `src/f${i}.ts` : `even/${i}.ts`;
      const expected = i % 3 === 0 || i % 10 === 0;
      assert.equal(protects(matcher, path), expected, path);
    }
    assert.equal(protects(matcher, 'src/f0.ts'), true);
    assert.equal(protects(matcher, 'even/1.ts'), false);
  });
});

describe('ProtectionMatcher agrees with minimatch', () => {
  const globs = [
    'src/**', 'src/*.ts', '**/*.sql', 'a/{b,c}/*.{ts,js}', 'a/b', 'x/**/y/*.md', '*.md', '**/.env', '**/package.json',
    'src/lib/booking*.ts', '*/x', '**', 'a/**/b', 'a/*/', '+(a|b)/*.ts', 'docs/[a-c]*.txt', '**/*', 'a/**', '.git*', '**/.*',
    'db/**/migrations/*.sql', 'X/Y.TS', 'supabase/**/migrations/**', 'a/*/b/*.ts', '**/b/**', 'src/**/x/**/*.md', '?/a',
    'a/b/c/d.ts', 'src/{lib,x}/**', '*', '**/a/b', 'a\\*b', 'db/*/x.sql', '**/migrations/*', 'src/**/.env*',
    // Several \`**\` with parts between them: the per-folder positions of general rules.
    '**/a/**/b/**', 'a/**/*/b/**/*.ts', '**/x/*/y/**', '*/**/a', '+(a|b)/**/c', '**/a/**/a/**/a', 'src/**/b/*/**/*.md', '?/**/?/**',
    // Plain paths, which the matcher indexes without compiling them: case and non-ASCII letters.
    'ß.md', 'src/İ.ts', 'y.TS', 'x/Y.ts', 'Src/lib/.env',
    // Literal folders after a \`**\`, which folders between them skip unless named so (DirEntry.passThrough):
    // without regard to case, /^σ$/i takes ς and Σ; /^k$/i takes K but not the Kelvin sign, whose lower case is k.
    '**/σ/*.md', '**/k/**/y/*', '**/lib/**', 'x/**/src/*.ts',
    // Plain folders followed by \`**\`, which the matcher indexes without compiling them too.
    'x/y/**', '.git/**', 'Src/Lib/**', 'ß.md/**', 'a/b/c/**', 'a/**/**', 'a/./**', 'a//**',
  ];
  const segments = ['a', 'b', 'c', 'src', 'lib', 'x', 'y', '.env', '.env.local', 'package.json', 'q.sql', 'booking.ts',
    'bookingX.ts', 'r.md', 'aa.txt', 'd.ts', 'e.js', '.git', '.gitignore', 'db', 'migrations', 'docs', 'Y.ts', 'X', 'y.TS',
    'Src', 'a*b', 'ß.md', 'İ.ts', 'σ', 'ς', 'Σ', 'k', 'K', '\u212a', 'LIB', 'q', 'r', 's'];
  let seed = 7;
  const random = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed % n;
  };
  const paths: string[] = [];
  for (let i = 0; i < 2_500; i++) {
    const length = 1 + random(5);
    const parts: string[] = [];
    for (let k = 0; k < length; k++) {
      parts.push(segments[random(segments.length)]);
    }
    paths.push(parts.join('/'));
  }

  for (const caseInsensitive of [false, true]) {
    test(`each glob alone, caseInsensitive ${caseInsensitive}`, () => {
      const options = { dot: true, nocase: caseInsensitive, nonegate: true, nocomment: true, platform: 'linux' } as const;
      let mismatches = 0;
      const examples: string[] = [];
      for (const glob of globs) {
        const matcher = single(glob, { caseInsensitive });
        for (const path of paths) {
          if (protects(matcher, path) !== minimatch(path, glob, options)) {
            mismatches++;
            examples.push(`${glob} ${path}`);
          }
        }
      }
      assert.equal(mismatches, 0, examples.slice(0, 10).join('\n'));
    });

    test(`mayProtectUnder is never false above a protected path, caseInsensitive ${caseInsensitive}`, () => {
      const check = (matcher: ProtectionMatcher, label: string): void => {
        for (const path of paths) {
          if (!protects(matcher, path)) continue;
          const parts = path.split('/');
          for (let i = 0; i < parts.length; i++) {
            const dir = parts.slice(0, i).join('/');
            assert.ok(matcher.mayProtectUnder(dir), `${label}: ${path} is protected, but not under ${JSON.stringify(dir)}?`);
          }
        }
      };
      for (const glob of globs) check(single(glob, { caseInsensitive }), glob);
      check(new ProtectionMatcher(manifestOf(['A', 't1', globs.slice(0, 20)], ['B', 't2', globs.slice(20)]), { caseInsensitive }), 'all');
    });

    test(`all globs together pick the same winner as a naive loop, caseInsensitive ${caseInsensitive}`, () => {
      const options = { dot: true, nocase: caseInsensitive, nonegate: true, nocomment: true, platform: 'linux' } as const;
      const components: [string, 't1' | 't2', string[]][] = [];
      for (let i = 0; i < globs.length; i += 3) {
        components.push([`C${i}`, i % 2 === 0 ? 't2' : 't1', globs.slice(i, i + 3)]);
      }
      const m = manifestOf(...components);
      const matcher = new ProtectionMatcher(m, { caseInsensitive });
      const unmemoized = new ProtectionMatcher(m, { caseInsensitive, memo: false });
      const ordered = [...m.components].sort((a, b) => (a.tier === b.tier ? 0 : a.tier === 't1' ? -1 : 1));
      for (const path of [...paths, ...paths]) {
        let expected: string | undefined;
        for (const component of ordered) {
          const glob = component.files.find((g) => minimatch(path, g, options));
          if (glob) {
            expected = `${component.name} ${glob}`;
            break;
          }
        }
        const c = matcher.classify(path);
        assert.equal(c && `${c.component?.name} ${c.pattern}`, expected, path);
        const u = unmemoized.classify(path);
        assert.equal(u && `${u.component?.name} ${u.pattern}`, expected, `${path} (memo: false)`);
      }
    });
  }
});

describe('ProtectionMatcher: directory cache', () => {
  /** The winner by minimatch alone: strictest tier first, then the first declared component and glob. */
  function naive(m: Manifest, path: string, nocase: boolean): string | undefined {
    const options = { dot: true, nocase, nonegate: true, nocomment: true, platform: 'linux' } as const;
    if (minimatch(path, PROTECTION_GLOB, { ...options, nocase })) {
      return `undefined ${PROTECTION_GLOB}`;
    }
    const ordered = [...m.components].sort((a, b) => (a.tier === b.tier ? 0 : a.tier === 't1' ? -1 : 1));
    for (const component of ordered) {
      const glob = component.files.find((g) => minimatch(path, g, options));
      if (glob) {
        return `${component.name} ${glob}`;
      }
    }
    return undefined;
  }

  function describeClass(matcher: ProtectionMatcher, path: string): string | undefined {
    const c = matcher.classify(path);
    return c && `${c.component?.name} ${c.pattern}`;
  }

  test('files of one directory, each with its own basename, get their own answers', () => {
    const m = manifestOf(
      ['LIT', 't1', ['src/lib/index.ts']],
      ['TS', 't2', ['src/lib/*.ts', 'src/lib/x*']],
      ['SQL', 't1', ['src/**/*.sql']],
      ['PKG', 't2', ['**/package.json']],
    );
    const matcher = new ProtectionMatcher(m);
    const expected: [string, string | undefined][] = [
      ['src/lib/a.ts', 'TS src/lib/*.ts'],
      ['src/lib/b.js', undefined],
      ['src/lib/index.ts', 'LIT src/lib/index.ts'],
      ['src/lib/q.sql', 'SQL src/**/*.sql'],
      ['src/lib/xq.sql', 'SQL src/**/*.sql'],
      ['src/lib/xa.md', 'TS src/lib/x*'],
      ['src/lib/package.json', 'PKG **/package.json'],
      ['src/lib/index.tsx', undefined],
      ['src/lib/a.ts', 'TS src/lib/*.ts'],
    ];
    for (const [path, winner] of expected) {
      assert.equal(describeClass(matcher, path), winner, path);
      assert.equal(naive(m, path, false), winner, `${path} (minimatch)`);
    }
  });

  for (const caseInsensitive of [false, true]) {
    test(`many files per directory, nested ** rules, in random order, caseInsensitive ${caseInsensitive}`, () => {
      const m = manifestOf(
        ['DEEP', 't2', ['a/**/b/*.md', 'a/**/b/**/x.ts', '**/c/d/*.ts']],
        ['MID', 't1', ['a/*/b/**/e.ts', 'a/b/**', '**/B/*.MD']],
        ['TAIL', 't2', ['**/d/**', 'c/**/d/*', 'a\\*b/*', '**/a\\*b']],
        ['LEAF', 't1', ['a/x/*.md', 'a/b/c/d/e.ts', 'x/*.{ts,md}', '*.md']],
      );
      const dirs = ['', 'a', 'a/b', 'a/x', 'a/x/b', 'a/x/b/c', 'a/b/c/d', 'c/d', 'x/c/d', 'c/x/d', 'a/B', 'A/x/B', 'A/b/C/D', 'a*b', 'x', '.protection', '.Protection/a'];
      const names = ['e.ts', 'x.ts', 'y.md', 'Y.MD', 'b', 'd', '.env', 'a*b', 'E.TS', 'q.sql'];
      let seed = 11;
      const random = (n: number): number => {
        seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
        return seed % n;
      };
      const matcher = new ProtectionMatcher(m, { caseInsensitive });
      for (let i = 0; i < 3_000; i++) {
        const dir = dirs[random(dirs.length)];
        const path = dir === '' ? names[random(names.length)] : `${dir}/${names[random(names.length)]}`;
        const winner = naive(m, path, caseInsensitive);
        assert.equal(describeClass(matcher, path), winner, path);
        assert.equal(describeClass(new ProtectionMatcher(m, { caseInsensitive }), path), winner, `${path} (fresh matcher)`);
      }
    });
  }

  test('a directory spelled in another case is a directory of its own unless matching ignores case', () => {
    const m = manifestOf(['SRC', 't1', ['src/lib/*.ts']]);
    const sensitive = new ProtectionMatcher(m);
    assert.equal(protects(sensitive, 'src/lib/a.ts'), true);
    assert.equal(protects(sensitive, 'SRC/lib/a.ts'), false);
    assert.equal(protects(sensitive, 'src/LIB/b.ts'), false);
    assert.equal(protects(sensitive, 'src/lib/c.ts'), true);
    const insensitive = new ProtectionMatcher(m, { caseInsensitive: true });
    for (const path of ['src/lib/a.ts', 'SRC/lib/a.ts', 'src/LIB/b.TS', 'Src/Lib/c.ts']) {
      assert.equal(protects(insensitive, path), true, path);
    }
    assert.equal(protects(insensitive, 'src/lib/a.tsx'), false);
  });

  test('a path asked about again (memoized from its second time on) keeps its answer', () => {
    const matcher = new ProtectionMatcher(manifestOf(['A', 't1', ['src/*.ts']]));
    const first = matcher.classify('src/a.ts');
    assert.ok(first);
    assert.equal(matcher.classify('src/a.ts'), first);
    assert.equal(matcher.classify('src/a.ts'), first);
    assert.equal(matcher.classify('src/a.js'), undefined);
    assert.equal(matcher.classify('src/a.js'), undefined);
    assert.equal(matcher.classify('src\\a.ts'), first);
  });
});

describe('the files that hold the agents\' hooks', () => {
  test('are protected at the strictest tier with no component, like .protection/**; their neighbours are not', () => {
    const manifest = parseManifest('{ "tiers": { "t1": { "label": "T1", "badge": "T1", "color": "red" }, "t2": { "label": "T2", "badge": "T2", "color": "yellow" } }, "components": { "A": { "tier": "t2", "files": [".claude/**"] } } }').manifest;
    const m = new ProtectionMatcher(manifest);
    for (const file of AGENT_GUARD_FILES) {
      const c = m.classify(file);
      assert.equal(c?.tier.id, 't1', file);
      assert.equal(c?.component, undefined, file);
    }
    assert.equal(m.classify('.claude/commands/x.md')?.component?.name, 'A');
    assert.equal(new ProtectionMatcher(undefined).classify('.cursor/rules/x.mdc'), undefined);
    assert.equal(new ProtectionMatcher(undefined).classify('.cursor/hooks.json')?.tier.id, 'protection');
    assert.ok(m.patterns.includes('.github/hooks/protected-files.json'));
  });
});
