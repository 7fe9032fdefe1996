// Lines added and removed by a change, for audit records and summaries.
//
// Myers' O(ND) algorithm gives the length D of a shortest edit script made of line insertions
// and deletions. Only counts are needed, not the script, so no path is kept: with n lines
// before and m after, added - removed = m - n and added + removed = D.

export interface LineDiffStats {
  added: number;
  removed: number;
}

export interface LineDiffOptions {
  /**
   * Work budget (diagonal steps plus line comparisons) for the exact search. Beyond it the
   * counts come from comparing the two texts as multisets of lines, which is fast but does
   * not see moved lines. The default (5 million) keeps the worst case near 0.1 s.
   */
  maxWork?: number;
}

const DEFAULT_MAX_WORK = 5_000_000;

/** Lines of a text: LF and CRLF both end a line; a final line ending does not start a new one. */
function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Lines as small integers so the inner loop compares numbers, not strings. */
function internLines(a: string[], b: string[]): [Int32Array, Int32Array] {
  const ids = new Map<string, number>();
  const intern = (lines: string[]): Int32Array => {
    const out = new Int32Array(lines.length);
    lines.forEach((line, i) => {
      let id = ids.get(line);
      if (id === undefined) {
        id = ids.size;
        ids.set(line, id);
      }
      out[i] = id;
    });
    return out;
  };
  return [intern(a), intern(b)];
}

/** Length of the shortest insert/delete script from a to b, or undefined past the budget. */
function myersDistance(a: Int32Array, b: Int32Array, maxWork: number): number | undefined {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return n + m;
  const max = n + m;
  const offset = max + 1;
  // v[offset + k]: furthest x reached on diagonal k (y = x - k).
  const v = new Int32Array(2 * max + 3);
  let work = 0;
  for (let d = 0; d <= max; d++) {
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      const x0 = x;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      work += x - x0 + 1;
      v[offset + k] = x;
      if (x >= n && y >= m) return d;
    }
    if (work > maxWork) return undefined;
  }
  return max;
}

/** Counts lines present more often on one side than the other; blind to moves. */
function multisetStats(a: Int32Array, b: Int32Array): LineDiffStats {
  const balance = new Map<number, number>();
  for (const id of a) balance.set(id, (balance.get(id) ?? 0) + 1);
  for (const id of b) balance.set(id, (balance.get(id) ?? 0) - 1);
  let added = 0;
  let removed = 0;
  for (const n of balance.values()) {
    if (n > 0) removed += n;
    else added -= n;
  }
  return { added, removed };
}

/**
 * Lines added and removed between two texts (Myers line diff). CRLF and LF endings compare
 * equal, and a missing final newline is not a changed line. Huge, very different inputs fall
 * back to a multiset count (see `LineDiffOptions.maxWork`).
 */
export function lineDiffStats(before: string, after: string, options: LineDiffOptions = {}): LineDiffStats {
  const [all, bll] = internLines(splitLines(before), splitLines(after));
  // Common head and tail cost nothing to skip and are most of a typical edit.
  let start = 0;
  while (start < all.length && start < bll.length && all[start] === bll[start]) start++;
  let endA = all.length;
  let endB = bll.length;
  while (endA > start && endB > start && all[endA - 1] === bll[endB - 1]) {
    endA--;
    endB--;
  }
  const a = all.subarray(start, endA);
  const b = bll.subarray(start, endB);
  const d = myersDistance(a, b, options.maxWork ?? DEFAULT_MAX_WORK);
  if (d === undefined) return multisetStats(a, b);
  const delta = b.length - a.length;
  return { added: (d + delta) / 2, removed: (d - delta) / 2 };
}
