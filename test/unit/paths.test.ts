import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { braceExpand } from 'minimatch';
import { dirOf, dirOfEach, escapesFolder, forEachPath, isInsideFolder, isNormalRelPath, normalizeRelPath } from '../../src/core/paths';

describe('normalizeRelPath', () => {
  const cases: [string, string][] = [
    ['src/a.ts', 'src/a.ts'],
    ['.\\src\\a.ts', 'src/a.ts'],
    ['./src//a.ts', 'src/a.ts'],
    ['src\\lib/./x.ts', 'src/lib/x.ts'],
    ['src/lib/../a.ts', 'src/a.ts'],
    ['src/', 'src'],
    ['./', ''],
    ['.', ''],
    ['', ''],
    ['../x', '../x'],
    ['a/../../x', '../x'],
    ['/etc/passwd', '/etc/passwd'],
    ['/../etc', '/etc'],
    ['\\\\server\\share\\x', '/server/share/x'],
    ['C:\\proj\\a.ts', 'C:/proj/a.ts'],
    ['.protection/manifest.jsonc', '.protection/manifest.jsonc'],
    ['..foo/bar', '..foo/bar'],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(normalizeRelPath(input), expected);
    });
  }

  test('normal paths are recognized without work, odd ones are not', () => {
    for (const p of ['src/a.ts', 'a', '.env', 'a/.b/..c', '/abs/x', '']) {
      assert.equal(isNormalRelPath(p), true, p);
      assert.equal(normalizeRelPath(p), p, p);
    }
    for (const p of ['a//b', 'a/', './a', 'a/./b', 'a/..', '..', 'a\\b', '/']) {
      assert.equal(isNormalRelPath(p), false, p);
    }
  });
});

describe('escapesFolder', () => {
  for (const p of ['../x', 'a/../../x', '..', '..\\x', '/etc/*', '\\x', '\\\\server\\share', 'C:\\x', 'c:x', 'D:/data/**', '{src,../up}/*.ts', '{/etc,src}/*']) {
    test(`${p} escapes`, () => {
      assert.equal(escapesFolder(p), true);
    });
  }
  for (const p of ['src/**', '**/*.sql', 'a/../b', '..foo/x', '.protection/**', 'src/{a,b}/*.ts', 'ab:c', 'a\\*b']) {
    test(`${p} stays inside`, () => {
      assert.equal(escapesFolder(p), false);
    });
  }
});

describe('escapesFolder on generated patterns, against its definition (the pattern or a brace alternative absolute or climbing out)', () => {
  test('plain characters, dots, slashes, braces, backslashes and drives, every combination up to 5 characters, and 20,000 longer ones', () => {
    const alphabet = ['a', '.', '/', '*', '{', '}', ',', '\\', ':', '-'];
    const out = (alt: string): boolean => alt.startsWith('/') || alt.startsWith('\\') || /^[A-Za-z]:/.test(alt) || /^\.\.(?:\/|$)/.test(normalizeRelPath(alt));
    // The pattern as written, and each alternative of its braces.
    const definition = (p: string): boolean => out(p) || braceExpand(p).some(out);
    let checked = 0;
    const check = (p: string): void => {
      let expected: boolean;
      try {
        expected = definition(p);
      } catch {
        return; // minimatch refuses it
      }
      assert.equal(escapesFolder(p), expected, JSON.stringify(p));
      checked++;
    };
    const grow = (prefix: string, left: number): void => {
      check(prefix);
      if (left > 0) for (const c of alphabet) grow(prefix + c, left - 1);
    };
    grow('', 5);
    let seed = 5;
    for (let i = 0; i < 20_000; i++) {
      let p = '';
      for (let k = 6 + (i % 10); k > 0; k--) {
        seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
        p += alphabet[seed % alphabet.length];
      }
      check(p);
    }
    assert.ok(checked > 100_000, String(checked));
  });
});

describe('isInsideFolder', () => {
  test('relative paths below the folder only', () => {
    assert.equal(isInsideFolder('src/a.ts'), true);
    assert.equal(isInsideFolder('.\\src\\a.ts'), true);
    assert.equal(isInsideFolder(''), false);
    assert.equal(isInsideFolder('.'), false);
    assert.equal(isInsideFolder('../x'), false);
    assert.equal(isInsideFolder('/etc/passwd'), false);
    assert.equal(isInsideFolder('C:\\x'), false);
  });
});

describe('dirOf, dirOfEach', () => {
  test('the folder of a path, the top as empty', () => {
    assert.equal(dirOf('a/b/c.ts'), 'a/b');
    assert.equal(dirOf('c.ts'), '');
  });

  test('dirOfEach answers as dirOf whatever order the paths come in', () => {
    const paths = ['a/x', 'a/y', 'ab/z', 'a/b/c', 'a/b/d', 'top', 'a/b', 'a/bc/e', 'top2'];
    const each = dirOfEach();
    assert.deepEqual(paths.map((p) => each(p)), paths.map(dirOf));
  });
});

describe('forEachPath', () => {
  const paths = ['src/a.ts', 'src/b.ts', 'lib/c.ts', 'top'];
  const seen = (keys: Parameters<typeof forEachPath>[0]): string[] => {
    const out: string[] = [];
    forEachPath(keys, (rel) => out.push(rel));
    return out;
  };

  test('the keys of a map, a set, an array and any other iterable, in their order', () => {
    assert.deepEqual(seen(new Map(paths.map((p, i) => [p, i]))), paths);
    assert.deepEqual(seen(new Set(paths)), paths);
    assert.deepEqual(seen(paths), paths);
    assert.deepEqual(seen(new Map(paths.map((p) => [p, 0])).keys()), paths);
    assert.deepEqual(seen((function* () { yield* paths; })()), paths);
    assert.deepEqual(seen([]), []);
  });

  test('a map gives its keys, not its values or pairs', () => {
    assert.deepEqual(seen(new Map([['a', 'not this'], ['b', 'nor this']])), ['a', 'b']);
  });
});
