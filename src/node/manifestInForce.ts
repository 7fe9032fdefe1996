// Whether the manifest on disk may be put in force (the rule is src/core/manifestApproval.ts): read
// from git (HEAD's manifest), the audit log (the manifest's last change record, signed under an
// owner's grant) and the shared grants. The editor (src/vscode/folderProtection.ts) and
// `protected-files watch` (src/cli/watchCommand.ts) ask it before they swap the manifest they enforce.
import { join } from 'node:path';
import { parseAuditLog, sha256 } from '../core/audit';
import { indexLog, judgeApproval } from '../core/approvals';
import { grantIn } from '../core/grantState';
import type { GrantState } from '../core/grantState';
import { AUDIT_LOG_PATH, MANIFEST_PATH } from '../core/layout';
import { parseManifest } from '../core/manifest';
import type { Manifest } from '../core/manifest';
import { sameButLineEndings } from '../core/lineEndings';
import { manifestText } from '../core/manifestText';
import { manifestApproval, recordedManifestChange } from '../core/manifestApproval';
import type { ManifestApproval } from '../core/manifestApproval';
import { ProtectionMatcher } from '../core/matcher';
import { certifiedGrants, certifyingManifest } from './certifiedGrants';
import { earlierAcceptedVersion } from './committedFiles';
import { GIT_WAIT, GitActivity } from './gitActivity';
import { runGit } from './gitChanges';
import { readRegularFile } from './regularFile';

export interface ManifestGateOptions {
  /** The folder that holds `.protection/manifest.jsonc`. */
  root: string;
  env: NodeJS.ProcessEnv;
  /** The shared grants, read fresh. */
  grants(): GrantState;
  caseInsensitive: boolean;
  /** How long to wait for git to settle first (GIT_WAIT unless given). */
  gitWait?: { quietMs: number; maxMs: number };
}

/** A manifest in force: parsed, and the sha256 of its bytes. */
export interface ManifestVersion {
  manifest: Manifest;
  hash: string;
}

export type ManifestVerdict =
  | { approved: ManifestApproval }
  /**
   * Not approved: the manifest in force stays. With none in force yet (at start), `committed` is the
   * one to enforce: HEAD's, or the last valid committed version where HEAD's has errors.
   */
  | { approved: undefined; committed?: ManifestVersion & { commit: string } };

/**
 * Judges the valid manifest `bytes` found on disk against `inForce` (undefined at start). Waits for
 * git to settle first: a switch or pull writes the manifest before it moves HEAD.
 */
export async function judgeManifest(o: ManifestGateOptions, bytes: Uint8Array, inForce: ManifestVersion | undefined): Promise<ManifestVerdict> {
  const disk = sha256(bytes);
  if (inForce?.hash === disk) return { approved: 'unchanged' };
  await gitSettled(o);
  // HEAD's manifest is read once: the version compared, the one enforced where HEAD's is valid and the
  // one grants are certified under are the same, even if HEAD moves meanwhile.
  const head = await headManifest(o);
  const committed = head && await committedVersion(o, head);
  const under = inForce?.manifest ?? committed?.manifest;
  // Cheapest first: the grants are read only when HEAD does not approve it, the audit log only when no grant does.
  // HEAD's text with CRLF endings (a checkout with core.autocrlf) is HEAD's manifest.
  const committedHash = head && committed && sameButLineEndings(bytes, head) ? disk : committed?.headHash;
  const committedOnly = manifestApproval({ disk, inForce: inForce?.hash, committed: committedHash, granted: false, committedValid: committed !== undefined });
  if (committedOnly) return { approved: committedOnly };
  const granted = under !== undefined && await grantCovers(o, under, head);
  if (granted) return { approved: 'granted' };
  const recorded = under !== undefined ? await signedRecordedManifest(o, under) : undefined;
  const approved = manifestApproval({ disk, inForce: inForce?.hash, committed: committedHash, recorded, granted, committedValid: committed !== undefined });
  if (approved) return { approved };
  return { approved: undefined, ...(inForce || !committed ? {} : { committed: { manifest: committed.manifest, hash: committed.hash, commit: committed.commit } }) };
}

/** The sha256 of manifest bytes (what a verdict of 'unchanged' compares). */
export function manifestHash(bytes: Uint8Array): string {
  return sha256(bytes);
}

/** The bytes of HEAD's manifest; undefined where HEAD holds none (none committed yet, or no git). */
async function headManifest(o: ManifestGateOptions): Promise<Buffer | undefined> {
  const head = await runGit(['cat-file', 'blob', `HEAD:./${MANIFEST_PATH}`], o.root, o.env).catch(() => undefined);
  return head?.code === 0 ? head.stdout : undefined;
}

/**
 * The committed manifest that counts, given HEAD's bytes: HEAD's when it is valid, else (HEAD's has
 * errors) the last valid earlier one.
 */
async function committedVersion(o: ManifestGateOptions, head: Buffer): Promise<(ManifestVersion & { commit: string; headHash: string }) | undefined> {
  const headHash = sha256(head);
  const valid = (content: Buffer): Manifest | undefined => parseManifest(manifestText(content)).manifest;
  const atHead = valid(head);
  if (atHead) return { manifest: atHead, hash: headHash, commit: 'HEAD', headHash };
  const earlier = await earlierAcceptedVersion(o.root, o.env, MANIFEST_PATH, (c) => valid(c) !== undefined);
  return earlier ? { manifest: valid(earlier.content)!, hash: sha256(earlier.content), commit: earlier.commit, headHash } : undefined;
}

/** Whether an owner's grant (certified under `under`, or under HEAD's manifest `head`) covers the manifest now. */
async function grantCovers(o: ManifestGateOptions, under: Manifest, head: Buffer | undefined): Promise<boolean> {
  const matcher = new ProtectionMatcher(under, { caseInsensitive: o.caseInsensitive });
  const c = matcher.classify(MANIFEST_PATH);
  const committed = async (): Promise<Manifest | undefined> => (head ? certifyingManifest(head) : undefined);
  const state = await certifiedGrants(o.grants(), o.root, under, (p) => matcher.classify(p), o.env, committed);
  return grantIn(state, MANIFEST_PATH, c?.component?.name, Date.now()) !== undefined;
}

/**
 * The after-hash of the manifest's last change record, where that record is an owner's approval
 * under `under` (signed with a certified grant, as the commit gate checks it): a line appended to
 * the log by hand approves nothing.
 */
async function signedRecordedManifest(o: ManifestGateOptions, under: Manifest): Promise<string | undefined> {
  // One read and one parse of the log: the record judged below and its index come from the same text.
  const text = (await readRegularFile(join(o.root, ...AUDIT_LOG_PATH.split('/'))).catch(() => undefined))?.toString('utf8');
  if (!text || !text.includes(MANIFEST_PATH)) return undefined;
  const records = parseAuditLog(text).records;
  const last = recordedManifestChange(records);
  if (!last) return undefined;
  const c = new ProtectionMatcher(under, { caseInsensitive: o.caseInsensitive }).classify(MANIFEST_PATH);
  if (!c) return undefined;
  return judgeApproval(last, c, indexLog(records), [under]).kind === 'refused' ? undefined : last.after;
}

async function gitSettled(o: ManifestGateOptions): Promise<void> {
  const wait = o.gitWait ?? GIT_WAIT;
  const git = new GitActivity(o.root, { quietMs: wait.quietMs, env: o.env });
  const started = Date.now();
  for (;;) {
    const busy = await git.busyFor();
    if (busy <= 0 || Date.now() - started >= wait.maxMs) return;
    await new Promise((r) => setTimeout(r, Math.min(busy, 50)));
  }
}
