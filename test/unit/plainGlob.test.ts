// src/core/plainGlob.ts reads plain patterns without minimatch: it must give exactly what minimatch
// gives (alternatives, segments, parts: the same strings and the same regular expressions), for every
// pattern it takes, and take the shapes manifests use.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GLOBSTAR as MM_GLOBSTAR, Minimatch, braceExpand } from 'minimatch';
import { GLOBSTAR, expandPlainBraces, plainAlternative, plainGlob } from '../../src/core/plainGlob';

let seed = 11;
const random = (n: number): number => {
  seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
  return seed % n;
};

describe('plain patterns read as minimatch reads them', () => {
  test('brace sets: the same alternatives in the same order, under a bound or not; and the patterns it leaves to minimatch', () => {
    // Random text around brace sets, mostly well formed: alternatives of one to three characters.
    const text = ['a', 'b', '.', '-', '*', '/', '1', '$', '\\', '?', ',', '}', '{', ''];
    const chunk = (): string => {
      if (random(3) > 0) return text[random(text.length)];
      const items = Array.from({ length: random(4) + (random(5) === 0 ? 0 : 1) }, () => Array.from({ length: random(3) + (random(6) === 0 ? 0 : 1) }, () => text[random(text.length - 4)]).join(''));
      return `{${items.join(random(8) === 0 ? '..' : ',')}${random(10) === 0 ? '' : '}'}`;
    };
    const taken: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      let p = '';
      for (let k = 1 + random(6); k > 0; k--) p += chunk();
      for (const max of [undefined, 3]) {
        const mine = expandPlainBraces(p, max);
        if (mine === undefined) continue;
        assert.deepEqual(mine, braceExpand(p, { braceExpandMax: max }), `${JSON.stringify(p)} max ${max}`);
        if (max === undefined && p.includes('{')) taken.push(p);
      }
    }
    assert.ok(taken.length > 500, `only ${taken.length} patterns with braces were plain: the test would prove little`);
    assert.ok(taken.some((p) => p.split('{').length > 2), 'no pattern with two brace sets was plain');
    for (const p of ['a{b}c', '{a..c}', '{1..3}', 'a{,b}', 'a{b,}', '{a,{b,c}}', 'a,b', 'a}b', '${a,b}', 'a\\{b,c}', '{}', '{a,b']) {
      assert.equal(expandPlainBraces(p), undefined, p);
    }
    assert.deepEqual(expandPlainBraces('src/{a,b}/x.{ts,js}'), ['src/a/x.ts', 'src/a/x.js', 'src/b/x.ts', 'src/b/x.js']);
    assert.equal(expandPlainBraces('{a,b}'.repeat(11)), undefined, '2,048 alternatives: minimatch\'s, with its budgets');
    assert.equal(expandPlainBraces(`${'a'.repeat(1000)}{b,c}`), undefined, 'longer than a manifest glob may be');
  });

  test('segments and parts: the same strings, GLOBSTAR and regular expressions (source and flags), with and without regard to case', () => {
    const segments = ['a', 'Ab', '*', '*.ts', '.env*', 'a*b', '*a*', '-x*', 'x-*', 'a.b-c_d', '**', '*.', '.git', 'x*y*z', '9*', '.env', '*-', 'K', 'src',
      '.*', '..', '.', '', '?', 'a?b', '[a]*', '**x', 'a**', '+(a)', 'é*', 'a b'];
    let compared = 0;
    for (let i = 0; i < 6_000; i++) {
      const parts: string[] = [];
      for (let k = 1 + random(4); k > 0; k--) parts.push(segments[random(segments.length)]);
      const alternative = parts.join('/');
      for (const nocase of [false, true]) {
        const mine = plainAlternative(alternative, nocase);
        if (!mine) continue;
        const mm = new Minimatch(alternative, { dot: true, nocase, nonegate: true, nocomment: true, platform: 'linux' });
        assert.deepEqual([mine.segments], mm.globParts, alternative);
        assert.equal(mm.set.length, 1, alternative);
        assert.equal(mine.parts.length, mm.set[0].length, alternative);
        mine.parts.forEach((part, k) => {
          const theirs = mm.set[0][k];
          if (part === GLOBSTAR) assert.equal(theirs, MM_GLOBSTAR, `${alternative} [${k}]`);
          else if (typeof part === 'string') assert.equal(theirs, part, `${alternative} [${k}]`);
          else {
            assert.ok(theirs instanceof RegExp, `${alternative} [${k}]: minimatch has ${String(theirs)}`);
            assert.equal(part.source, theirs.source, `${alternative} [${k}]`);
            assert.equal(part.flags, theirs.flags, `${alternative} [${k}]`);
          }
        });
        compared++;
      }
    }
    assert.ok(compared > 1_500, `only ${compared} alternatives compared`);
    for (const alternative of ['a/**/**/b', 'a//b', './a', 'a/../b', 'a/.*', '**x/y', 'a/?.ts', 'é/*.ts', 'a b/*']) {
      assert.equal(plainAlternative(alternative, false), undefined, alternative);
    }
  });

  test('a whole glob: its alternatives once each, as minimatch keeps them', () => {
    for (const glob of ['src/auth/**/*.{ts,tsx}', '{a,a}/*.md', '**/*.{sql,psql}', '{src,lib}/**', 'x/{a,b}/{c,d}/*.md']) {
      const mine = plainGlob(glob, false, 257);
      const mm = new Minimatch(glob, { dot: true, nonegate: true, nocomment: true, platform: 'linux', braceExpandMax: 257 });
      assert.deepEqual(mine?.map((a) => a.segments), mm.globParts, glob);
    }
    assert.equal(plainGlob('docs/[a-c]*.md', false, 257), undefined);
    assert.equal(plainGlob('{a,b}/{c,d}/{e,f}', false, 7), undefined, 'more alternatives than the bound');
  });
});
