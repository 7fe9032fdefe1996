// Which manifest is in force: the last approved one. A manifest that appears on disk is put in force
// only when it is approved; any other is a write to a locked file of the strictest tier, judged (and
// restored) under the manifest in force, which meanwhile goes on deciding every other file. So a
// script cannot switch protection off by writing a laxer manifest, nor win a race against the guard
// with a write right after it. The same rule for the editor and `protected-files watch`; the
// reading of git, the audit log and the grants is in src/node/manifestInForce.ts.
import type { AuditRecord } from './audit';
import { MANIFEST_PATH } from './layout';

/** Why a manifest on disk may be put in force. */
export type ManifestApproval =
  /** The very manifest in force (a touch, or the guard's own restore). */
  | 'unchanged'
  /** Changed under a grant that covers the manifest. */
  | 'granted'
  /** What HEAD holds (the checkout at start, or a switch, pull or reset that moved HEAD). */
  | 'committed'
  /** The after-content of the manifest's last change record (approved, not committed yet). */
  | 'recorded'
  /** No manifest in force and none committed: the first one (Create Manifest, a new repository). */
  | 'first';

/** What the approval of a manifest on disk is decided from: sha256 of each version. */
export interface ManifestCandidate {
  /** The manifest on disk (valid). */
  disk: string;
  /** The manifest in force, if any. */
  inForce?: string;
  /** The manifest committed at HEAD, if any (valid or not). */
  committed?: string;
  /** The after-content of the manifest's last change record, if the record is its latest approval. */
  recorded?: string;
  /** Whether a grant covering the manifest is in force (under the manifest in force). */
  granted: boolean;
  /** Whether some commit holds a valid manifest, which is in force when the one on disk is not approved. */
  committedValid: boolean;
}

/** Why the manifest on disk is approved, or undefined: it is not, and the manifest in force stays. */
export function manifestApproval(c: ManifestCandidate): ManifestApproval | undefined {
  if (c.inForce !== undefined && c.inForce === c.disk) return 'unchanged';
  if (c.committed === c.disk) return 'committed';
  if (c.granted) return 'granted';
  if (c.recorded === c.disk) return 'recorded';
  if (c.inForce === undefined && !c.committedValid) return 'first';
  return undefined;
}

/**
 * The manifest's approved content by the audit log: its last change record, whose after-hash that
 * content is; undefined after a deletion or a rename away from it, or with none. The record itself,
 * so that the one found is the one judged (judgeApproval) and the one whose hash is compared.
 */
export function recordedManifestChange(records: Iterable<AuditRecord>): AuditRecord | undefined {
  let last: AuditRecord | undefined;
  for (const r of records) {
    if (r.file !== MANIFEST_PATH && r.from !== MANIFEST_PATH) continue;
    if (r.event === 'change') last = r.file === MANIFEST_PATH ? r : undefined;
    else if (r.event === 'delete' && r.file === MANIFEST_PATH) last = undefined;
  }
  return last?.after !== undefined ? last : undefined;
}

/** Words for a log line: how the manifest on disk came to be approved. */
export function approvalWords(a: ManifestApproval): string {
  switch (a) {
    case 'unchanged': return 'unchanged';
    case 'granted': return 'changed under an unlock';
    case 'committed': return 'the version committed at HEAD';
    case 'recorded': return 'the approved change recorded in the audit log';
    case 'first': return 'the first manifest (none committed)';
  }
}

/**
 * What the editor and `protected-files watch` say when the manifest on disk is not approved (one
 * sentence, the same on both). `committed`: at start, with no manifest in force yet, the committed
 * version put in force in its place (HEAD's, or the last valid one where HEAD's has errors); without
 * it, the manifest in force stays.
 */
export function manifestRefusal(committed?: { commit: string }): string {
  const why = '(not committed, not recorded, no unlock in force)';
  if (!committed) return `${MANIFEST_PATH} on disk is not an approved version ${why}: it is not adopted; the manifest in force stays.`;
  const version = committed.commit === 'HEAD' ? 'the version committed at HEAD' : `the last valid version, committed in ${committed.commit.slice(0, 12)}`;
  return `${MANIFEST_PATH} differs from its approved version ${why}: it is not adopted; using ${version}.`;
}
