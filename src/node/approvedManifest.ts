// Whether the command line may enforce the manifest it finds in the work tree: by the editor's rule
// (src/core/manifestApproval.ts), a manifest is in force only once approved: HEAD's, the after-content
// of its last signed change record, one written under a grant that covers it, or the first of a
// repository. A laxer manifest written past the agents' hook (a way the shell guard did not see) would
// otherwise be obeyed by every later hook call, `check` and `unlock` (a tier with the writer's own code).
//
// Cost: the last manifest found approved is kept, byte for byte, beside the grants
// (`.git/protected-files/folder-<id>.manifest`, owner-only): a manifest equal to it is approved with one
// small read and no git, which is every agent tool call but the first after a change. Only a manifest
// that differs is judged (git's HEAD, the grants, the audit log: src/node/manifestInForce.ts).
// What it does not stop: a process that writes that copy too (the agents' hook refuses writes there,
// as it refuses the grants).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { sha256 } from '../core/audit';
import { parseManifest } from '../core/manifest';
import type { Manifest } from '../core/manifest';
import { manifestText } from '../core/manifestText';
import { atomicWriteFile } from './atomicWrite';
import { headOid } from './gitActivity';
import { GrantStore, locateGrantStore } from './grantStore';
import { judgeManifest } from './manifestInForce';
import { readRegularFileSync } from './regularFile';

export type WorkTreeManifestVerdict =
  | { approved: true }
  /** Not approved: `manifest` (the last approved one, or the committed one) is enforced in its place. */
  | { approved: false; manifest: Manifest; version: string }
  /** Not approved, and no approved one to enforce in its place (cannot happen by the rule; refused if it does). */
  | { approved: 'undecidable' };

/** Where the last approved manifest of `root` is kept; undefined outside a git checkout. */
export function approvedManifestPath(root: string): string | undefined {
  const store = locateGrantStore(root);
  return store ? store.path.replace(/\.json$/, '.manifest') : undefined;
}

/**
 * The kept copy: `protected-files approved manifest 2 <HEAD's commit, or ->` on its first line, then the
 * manifest's bytes. A copy that is not a plain file (a pipe, a link), or not in this form, is no copy,
 * never waited on. It counts only for the HEAD it was judged at: after a `git reset --soft` or a switch,
 * the manifest is judged afresh (a manifest approved on another branch is not approved here).
 */
function keptCopy(path: string): { head: string; bytes: Buffer } | undefined {
  const raw = readRegularFileSync(path, { noFollow: true, maxBytes: MAX_KEPT });
  const newline = raw?.indexOf(0x0a) ?? -1;
  if (!raw || newline < 0 || newline > 200) return undefined;
  const m = /^protected-files approved manifest 2 ([0-9a-f]{40,64}|-)$/.exec(raw.subarray(0, newline).toString('latin1'));
  return m ? { head: m[1], bytes: raw.subarray(newline + 1) } : undefined;
}

/** HEAD's commit as the kept copy names it (no git process): `-` where there is none yet. */
function headNow(root: string): string {
  return headOid(root) ?? '-';
}

/**
 * Whether `bytes` are the manifest last found approved at this HEAD, or there is nothing to judge by
 * (no git): judgeWorkTreeManifest's answer without a wait, for the agents' hook, which runs on every
 * tool call.
 */
export function approvedAsKept(root: string, bytes: Buffer): boolean {
  const path = approvedManifestPath(root);
  if (path === undefined) return true;
  const kept = keptCopy(path);
  return kept !== undefined && kept.bytes.equals(bytes) && kept.head === headNow(root);
}

/** How long the command line waits for git to settle before it reads HEAD's manifest: not at all (a manifest a switch is writing is judged again at the next call). */
const CLI_GIT_WAIT = { quietMs: 0, maxMs: 0 };
/** The largest copy read back (a manifest is tens of KB; a bigger file is no copy). */
const MAX_KEPT = 16 * 1024 * 1024;

/** git's variables that would make it read another repository, index or object store than the folder's own. */
const GIT_REDIRECTS = /^GIT_(DIR|WORK_TREE|COMMON_DIR|INDEX_FILE|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|NAMESPACE|CEILING_DIRECTORIES|DISCOVERY_ACROSS_FILESYSTEM|CONFIG.*|REPLACE_REF_BASE|NO_REPLACE_OBJECTS|GRAFT_FILE|SHALLOW_FILE)$/;

/**
 * Judges the valid manifest `bytes` of the work tree of `root`. Outside git there is nothing to judge
 * it by: approved, as before.
 */
export async function judgeWorkTreeManifest(root: string, bytes: Buffer, options: { env: NodeJS.ProcessEnv; caseInsensitive: boolean }): Promise<WorkTreeManifestVerdict> {
  const path = approvedManifestPath(root);
  if (!path) return { approved: true };
  const head = headNow(root);
  const kept = keptCopy(path);
  if (kept?.head === head && kept.bytes.equals(bytes)) return { approved: true };
  // In force is what was approved at this HEAD; after HEAD moved, nothing is (judged as at start). Before
  // the first commit nothing is: the manifest is a draft (approved as a repository's first).
  const keptManifest = kept?.head === head && head !== '-' ? parseManifest(manifestText(kept.bytes)).manifest : undefined;
  const inForce = kept && keptManifest ? { manifest: keptManifest, hash: sha256(kept.bytes) } : undefined;
  // The folder's own repository, whatever the caller's environment points git at (`GIT_DIR=/tmp/other/.git`
  // would otherwise judge by another repository's HEAD, and keep its verdict here).
  const env = Object.fromEntries(Object.entries(options.env).filter(([k]) => !GIT_REDIRECTS.test(k)));
  const store = new GrantStore(locateGrantStore(root)!);
  const verdict = await judgeManifest({ root, env, grants: () => store.readSync(), caseInsensitive: options.caseInsensitive, gitWait: CLI_GIT_WAIT }, bytes, inForce);
  if (verdict.approved) {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      await atomicWriteFile(path, Buffer.concat([Buffer.from(`protected-files approved manifest 2 ${head}\n`, 'latin1'), bytes]), { mode: 0o600, replaceLink: true });
    } catch {
      // Not kept (a git directory that cannot be written): judged again next time.
    }
    return { approved: true };
  }
  if (inForce) return { approved: false, manifest: inForce.manifest, version: 'the last approved version' };
  const committed = verdict.committed;
  if (!committed) return { approved: 'undecidable' };
  return {
    approved: false, manifest: committed.manifest,
    version: committed.commit === 'HEAD' ? 'the version committed at HEAD' : `the last valid version, committed in ${committed.commit.slice(0, 12)}`,
  };
}

/** What the command line says when it enforces another manifest than the work tree's (one line, on stderr). */
export function notApprovedNote(where: string, version: string): string {
  return `protected-files: ${where} was changed without an unlock (no grant covers it, no signed record approves it, it is not HEAD's): ${version} is enforced until the change is recorded (unlock, record) or undone.\n`;
}
