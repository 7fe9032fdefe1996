// Paths that are a protected file somewhere else. On Linux `src/Booking/a.ts` and `src/booking/a.ts`
// are two files, and so are the NFC and NFD spellings of `café`; on a macOS or Windows checkout
// each pair is one file, so a change to the unprotected spelling is a change to the protected
// one. The gate and `check` ask this for paths the manifest does not protect as written.
import type { Classification, ProtectionMatcher } from './matcher';
import { isAscii } from './paths';

/**
 * Code points that HFS+ leaves out when it compares names (the list git checks for `.git`, in
 * utf8.c's next_hfs_char): `a\u200c.ts` is `a.ts` on such a volume.
 */
const HFS_IGNORED = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;

/**
 * The protection that `path` collides with: a classification by one of `folded` (the same
 * manifests, matched without regard to case) of the path as written or in either Unicode normal
 * form, with or without the code points HFS+ ignores. Undefined when it collides with none. The
 * caller checks first that the path is not protected as written.
 */
export function collision(path: string, folded: readonly ProtectionMatcher[]): Classification | undefined {
  const visible = path.replace(HFS_IGNORED, '');
  const spellings = isAscii(path) ? [path] : [...new Set([path, visible].flatMap((p) => [p, p.normalize('NFC'), p.normalize('NFD')]))];
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
