// Paths that are a protected file somewhere else. On Linux `src/Booking/a.ts` and `src/booking/a.ts`
// are two files, and so are the NFC and NFD spellings of `café`; on a macOS or Windows checkout
// each pair is one file, so a change to the unprotected spelling is a change to the protected
// one. The gate and `check` ask this for paths the manifest does not protect as written.
import type { Classification, ProtectionMatcher } from './matcher';

/** ASCII only: no Unicode normal form differs from the path itself. */
const ASCII = /^[\x00-\x7f]*$/;

/**
 * The protection that `path` collides with: a classification by one of `folded` (the same
 * manifests, matched without regard to case) of the path as written or in either Unicode normal
 * form. Undefined when it collides with none. The caller checks first that the path is not
 * protected as written.
 */
export function collision(path: string, folded: readonly ProtectionMatcher[]): Classification | undefined {
  const spellings = ASCII.test(path) ? [path] : [...new Set([path, path.normalize('NFC'), path.normalize('NFD')])];
  let best: Classification | undefined;
  for (const spelling of spellings) {
    for (const m of folded) {
      const c = m.classify(spelling);
      if (c && (!best || c.tier.rank < best.tier.rank)) best = c;
    }
  }
  return best;
}

/** The sentence a violation or a denial gives for a collision. */
export function collisionProblem(c: Classification): string {
  return `collides with protected ${c.pattern} on case-insensitive or Unicode-normalizing file systems (macOS, Windows), where it is the same file: rename it`;
}
