// What a tier's policy asks of an unlock, decided without any I/O.
import { parseCodeEntry } from './codes';
import type { Classification } from './matcher';
import type { Manifest, Tier } from './manifest';
import type { UnlockTarget } from './unlocks';

/** An unlock covers the file's component, or the single file where it has none (`.protection/**`). */
export function unlockTargetFor(c: Classification, relPath: string): UnlockTarget {
  return c.component ? { kind: 'component', name: c.component.name } : { kind: 'file', path: relPath };
}

/**
 * The code hashes that may unlock a classified file: its component's, or, for a file without a component
 * (the manifest itself), those componentlessCodes names.
 */
export function acceptedCodeHashes(manifest: Manifest | undefined, c: Classification): string[] {
  if (c.component) return [...c.component.unlockCodes];
  return manifest ? componentlessCodes(manifest) : [];
}

/**
 * The codes that may approve a file without a component (the manifest folder and the agents' hook
 * files, all kept at the strictest tier): those of every component of the first tier, strictest
 * first, that has a component with a signing code, so any owner of that tier may change them; where
 * no tier has one, of the first tier that has legacy `scrypt$` hashes; else none. Whoever changes the
 * manifest decides whose codes approve everything else: a manifest that holds a signing code anywhere
 * never leaves its own changes to unsigned approvals (a strictest tier declared before any component
 * of it has a code would), and the owners closest to the strictest tier approve them, not every owner
 * (a lower tier's owner could then give himself a stricter tier's files).
 */
export function componentlessCodes(manifest: Manifest): string[] {
  const tiers = [...manifest.tiers].sort((a, b) => a.rank - b.rank).map((tier) =>
    [...new Set(manifest.components.filter((comp) => comp.tier === tier.id).flatMap((comp) => comp.unlockCodes))]);
  return tiers.find((codes) => codes.some((e) => parseCodeEntry(e)?.kind === 'key')) ?? tiers.find((codes) => codes.length > 0) ?? [];
}

/** How many different codes the unlock needs: 0 where the tier needs none. */
export function codesRequired(tier: Tier): number {
  return tier.unlock.requireCode ? tier.unlock.approvals : 0;
}

/** Why a reason is not good enough for the tier, or undefined. */
export function reasonProblem(reason: string, tier: Tier): string | undefined {
  const n = reason.trim().length;
  if (n === 0) return 'Say why this change is needed.';
  if (n < tier.unlock.minReasonLength) {
    return `${tier.label} needs a reason of at least ${tier.unlock.minReasonLength} characters (${n} so far).`;
  }
  return undefined;
}

/** `12 min`, `1 h 5 min`, `<1 min`: remaining time for status texts. */
export function formatRemaining(ms: number): string {
  if (ms < 60_000) return '<1 min';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** `14:05` (local time) for "until" messages. */
export function formatClock(epochMs: number): string {
  const d = new Date(epochMs);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

// The audit log, its lock and the backups are written by the extension itself: under .protection/**
// (so protected), but never an edit to roll back or to lock on disk.
const EXTENSION_WRITTEN = /^\.protection\/(audit\.jsonl(\.lock.*)?|backups\/.*)$/;

/** True for files under `.protection/` that the extension writes itself (audit log, lock, backups). */
export function isExtensionWritten(relPath: string): boolean {
  return EXTENSION_WRITTEN.test(relPath);
}
