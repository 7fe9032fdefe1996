import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { lineDiffStats } from '../../src/core/diffStats';

const text = (...lines: string[]): string => lines.map((l) => `${l}\n`).join('');

/** Reference: added/removed from a textbook LCS table. */
function lcsStats(a: string[], b: string[]): { added: number; removed: number } {
  const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) t[i][j] = a[i] === b[j] ? t[i + 1][j + 1] + 1 : Math.max(t[i + 1][j], t[i][j + 1]);
  }
  const lcs = t[0][0];
  return { added: b.length - lcs, removed: a.length - lcs };
}

/** Small deterministic PRNG (mulberry32) so a failure can be reproduced. */
function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('lineDiffStats', () => {
  test('identical and empty texts', () => {
    assert.deepEqual(lineDiffStats('', ''), { added: 0, removed: 0 });
    assert.deepEqual(lineDiffStats(text('a', 'b'), text('a', 'b')), { added: 0, removed: 0 });
    assert.deepEqual(lineDiffStats('', text('a', 'b', 'c')), { added: 3, removed: 0 });
    assert.deepEqual(lineDiffStats(text('a', 'b', 'c'), ''), { added: 0, removed: 3 });
  });

  test('one changed line is one removed and one added', () => {
    assert.deepEqual(lineDiffStats(text('a', 'b', 'c'), text('a', 'B', 'c')), { added: 1, removed: 1 });
  });

  test('insertions and deletions in the middle, at the start and at the end', () => {
    assert.deepEqual(lineDiffStats(text('a', 'c'), text('a', 'b1', 'b2', 'c')), { added: 2, removed: 0 });
    assert.deepEqual(lineDiffStats(text('a', 'b', 'c'), text('b', 'c')), { added: 0, removed: 1 });
    assert.deepEqual(lineDiffStats(text('a', 'b'), text('a', 'b', 'c')), { added: 1, removed: 0 });
    assert.deepEqual(lineDiffStats(text('x', 'a', 'y', 'b', 'z'), text('a', 'b', 'w')), { added: 1, removed: 3 });
  });

  test('a moved line counts as one removed and one added', () => {
    assert.deepEqual(lineDiffStats(text('a', 'b', 'c', 'd'), text('b', 'c', 'd', 'a')), { added: 1, removed: 1 });
    assert.deepEqual(lineDiffStats(text('1', '2', '3', '4', '5'), text('1', '4', '2', '3', '5')), { added: 1, removed: 1 });
  });

  test('the classic Myers example ABCABBA → CBABAC has D = 5', () => {
    const a = [...'ABCABBA'].join('\n');
    const b = [...'CBABAC'].join('\n');
    assert.deepEqual(lineDiffStats(a, b), { added: 2, removed: 3 });
  });

  test('CRLF and LF compare equal; a missing final newline is no changed line', () => {
    assert.deepEqual(lineDiffStats('a\r\nb\r\nc\r\n', 'a\nb\nc\n'), { added: 0, removed: 0 });
    assert.deepEqual(lineDiffStats('a\r\nb\r\n', 'a\nX\n'), { added: 1, removed: 1 });
    assert.deepEqual(lineDiffStats('a\nb', 'a\nb\n'), { added: 0, removed: 0 });
    assert.deepEqual(lineDiffStats('a\nb', 'a\nb\nc'), { added: 1, removed: 0 });
  });

  test('blank lines are lines', () => {
    assert.deepEqual(lineDiffStats('a\n\nb\n', 'a\nb\n'), { added: 0, removed: 1 });
    assert.deepEqual(lineDiffStats('\n', ''), { added: 0, removed: 1 });
    assert.deepEqual(lineDiffStats('', '\n\n'), { added: 2, removed: 0 });
  });

  test('duplicated lines are matched by position, not by value', () => {
    assert.deepEqual(lineDiffStats(text('x', 'x', 'x'), text('x', 'x')), { added: 0, removed: 1 });
    assert.deepEqual(lineDiffStats(text('}', '}', 'a', '}'), text('}', 'a', '}', '}')), { added: 1, removed: 1 });
  });

  test('agrees with an LCS reference on random inputs', () => {
    const next = rng(42);
    for (let round = 0; round < 300; round++) {
      const alphabet = 1 + Math.floor(next() * 6);
      const gen = (): string[] => Array.from({ length: Math.floor(next() * 25) }, () => String.fromCharCode(97 + Math.floor(next() * alphabet)));
      const a = gen();
      const b = next() < 0.5 ? gen() : a.map((l) => (next() < 0.2 ? 'z' : l)).filter(() => next() > 0.1);
      assert.deepEqual(lineDiffStats(text(...a), text(...b)), lcsStats(a, b), `${a.join('')} → ${b.join('')}`);
    }
  });

  test('large inputs with few changes are exact', () => {
    const before = Array.from({ length: 100_000 }, (_, i) => `line ${i}`);
    const after = [...before];
    after.splice(50_000, 3, 'new 1', 'new 2');
    after.splice(10, 0, 'inserted');
    after.splice(90_000, 1);
    assert.deepEqual(lineDiffStats(text(...before), text(...after)), { added: 3, removed: 4 });
  });

  test('past the work budget the counts come from a multiset comparison (moves are not seen)', () => {
    const a = text('a', 'b', 'c', 'd', 'e', 'f');
    const b = text('f', 'e', 'd', 'c', 'b', 'a', 'g');
    assert.deepEqual(lineDiffStats(a, b), { added: 6, removed: 5 });
    assert.deepEqual(lineDiffStats(a, b, { maxWork: 3 }), { added: 1, removed: 0 });
  });

  test('two large unrelated texts finish through the fallback', () => {
    const before = Array.from({ length: 60_000 }, (_, i) => `old ${i}`);
    const after = Array.from({ length: 60_000 }, (_, i) => (i % 2 ? `old ${i}` : `new ${i}`)).reverse();
    const stats = lineDiffStats(before.join('\n'), after.join('\n'));
    // Multiset: the 30,000 "new" lines are added and the 30,000 even "old" lines removed.
    assert.deepEqual(stats, { added: 30_000, removed: 30_000 });
  });
});
