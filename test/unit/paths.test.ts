import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { dirOf, dirOfEach, escapesFolder, isInsideFolder, isNormalRelPath, normalizeRelPath } from '../../src/core/paths';

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
