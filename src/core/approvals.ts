// Approvals that only an owner's code can make. An unlock with codes creates a grant key pair;
// the owners' code keys sign a statement that certifies the grant's public key for one component
// (or file) until a time; the `unlock` record carries that certificate. Every `change` and
// `delete` record made under the grant is signed with the grant's private key. `verify` checks
// both with public data from the manifest alone: the hash chain says history was not rewritten,
// the signatures say an owner approved.
import type { KeyObject } from 'node:crypto';
import { canonicalJson } from './audit';
import type { AuditBody, AuditRecord } from './audit';
import { entryOwner, parseCodeEntry } from './codes';
import type { CodeEntry } from './codes';
import type { Manifest, Tier } from './manifest';
import type { Classification } from './matcher';
import { componentlessCodes } from './policy';
import { signText, verifyText } from './signing';

/** One owner's signature of a grant certificate. */
export interface Approval {
  /** The owner's code key (base64url public key, as in the manifest entry). */
  key: string;
  sig: string;
}

const GRANT_PURPOSE = 'protected-files grant v1';
const RECORD_PURPOSE = 'protected-files record v1';

/** What the owners sign at unlock: the grant key, what it covers, why, and until when. */
export function grantStatement(r: Pick<AuditBody, 'grant' | 'component' | 'file' | 'tier' | 'reason' | 'until'>): string {
  return canonicalJson({ purpose: GRANT_PURPOSE, grant: r.grant, component: r.component, file: r.file, tier: r.tier, reason: r.reason, until: r.until });
}

/** Signs the certificate of an unlock record's grant with each owner key that opened it. */
export function signGrant(body: AuditBody, ownerKeys: readonly { publicKey: string; privateKey: KeyObject }[]): Approval[] {
  const statement = grantStatement(body);
  return ownerKeys.map((k) => ({ key: k.publicKey, sig: signText(k.privateKey, statement) }));
}

/** What the grant key signs for a record: all of it but `sig` and the chain fields (set at append). */
export function recordStatement(r: AuditBody | AuditRecord): string {
  const rest: Record<string, unknown> = { ...r };
  for (const k of ['sig', 'seq', 'prev', 'hash']) delete rest[k];
  return `${RECORD_PURPOSE}\n${canonicalJson(rest)}`;
}

/** The record body with its signature under the grant key (`grant` must already be set). */
export function signRecord<T extends AuditBody>(body: T, grantKey: KeyObject): T {
  const unsigned = { ...body };
  delete unsigned.sig;
  return { ...unsigned, sig: signText(grantKey, recordStatement(unsigned)) };
}

/**
 * The code entries that may approve a classified file in one manifest (see acceptedCodeHashes). A
 * file without a component gets the manifest's own choice (componentlessCodes), never one made by
 * the tier id of `c`, which a change to the manifest can give to a tier of its own.
 */
function acceptedEntries(manifest: Manifest, c: Classification): CodeEntry[] {
  const encoded = c.component ? manifest.components.find((x) => x.name === c.component!.name)?.unlockCodes ?? [] : componentlessCodes(manifest);
  return encoded.map(parseCodeEntry).filter((e): e is CodeEntry => e !== undefined);
}

/** Keys that may approve one classified file, from every trusted manifest. */
export interface TrustedKeys {
  /** Code key entries by public key. */
  keys: Map<string, Extract<CodeEntry, { kind: 'key' }>>;
  /** Some trusted manifest still has legacy `scrypt$` hashes for it. */
  legacy: boolean;
}

export function trustedKeys(manifests: readonly Manifest[], c: Classification): TrustedKeys {
  const keys = new Map<string, Extract<CodeEntry, { kind: 'key' }>>();
  let legacy = false;
  for (const m of manifests) {
    for (const e of acceptedEntries(m, c)) {
      if (e.kind === 'key') keys.set(e.publicKey, e);
      else legacy = true;
    }
  }
  return { keys, legacy };
}

/** The tier's rule for unsigned approvals (legacy `scrypt$` codes). */
export function unsignedRule(tier: Tier): 'warn' | 'fail' {
  return tier.unlock.unsignedApprovals ?? 'warn';
}

export type ApprovalVerdict =
  | { kind: 'signed' }
  /** No signature is needed: the tier unlocks without a code. */
  | { kind: 'not-needed' }
  /** No signature, allowed for now (legacy codes only): a warning. */
  | { kind: 'unsigned-allowed'; problem: string }
  | { kind: 'refused'; problem: string };

/** Where to find records of the verified log by their hash, and in order. */
export interface LogIndex {
  records: readonly AuditRecord[];
  position: ReadonlyMap<string, number>;
  /** The first unlock record of each grant key. */
  unlockOf: ReadonlyMap<string, number>;
  /** Owners whose code keys certified a grant, per unlock record and file kind (signatures are checked once). */
  certified: Map<string, Set<string>>;
  /** The seq of the first record that carries each record signature, by signatureKey (a copy further down carries the same one). */
  firstSigned: ReadonlyMap<string, number>;
}

/**
 * A record's signature leaves out the chain fields (set at append), so a signed approval can be
 * copied to the log's end with a new seq, putting an older approved version back in force: a
 * signature counts once, at its first record. Signatures are kept by their first 24 characters
 * (144 bits of an Ed25519 signature), which a long log holds by the thousand.
 */
export function signatureKey(sig: string): string {
  return sig.slice(0, 24);
}


export function indexLog(records: readonly AuditRecord[]): LogIndex {
  const position = new Map<string, number>();
  const unlockOf = new Map<string, number>();
  const firstSigned = new Map<string, number>();
  records.forEach((r, i) => {
    position.set(r.hash, i);
    if (r.event === 'unlock' && typeof r.grant === 'string' && !unlockOf.has(r.grant)) unlockOf.set(r.grant, i);
    const key = typeof r.sig === 'string' ? signatureKey(r.sig) : undefined;
    if (key !== undefined && !firstSigned.has(key)) firstSigned.set(key, r.seq);
  });
  return { records, position, unlockOf, certified: new Map(), firstSigned };
}

function timeOf(iso: string | undefined): number {
  const t = iso === undefined ? NaN : Date.parse(iso);
  return Number.isFinite(t) ? t : NaN;
}

/**
 * Is `record` (a change or delete that approves the file `c` classifies) an owner's approval? Checks
 * the record's signature with its grant key, the grant's unlock record (earlier in the log) and its
 * certificate (signed by code keys of the trusted manifests that may unlock this file, from as many
 * different owners as the tier's `approvals`), that the grant covers the file's component (or the
 * file) and that the record lies inside the grant: before its time limit and before it ended.
 */
export function judgeApproval(record: AuditRecord, c: Classification, log: LogIndex, trusted: readonly Manifest[]): ApprovalVerdict {
  if (!c.tier.unlock.requireCode) return { kind: 'not-needed' };
  const keys = trustedKeys(trusted, c);
  if (record.grant === undefined && record.sig === undefined) {
    const problem = `the approval (seq ${record.seq}) is not signed by an owner's code`;
    if (keys.keys.size > 0) {
      return { kind: 'refused', problem: `${problem}: ${c.component ? `${c.component.name} has signing codes` : 'the manifest holds signing codes that approve it'}, so every approval must be signed` };
    }
    if (unsignedRule(c.tier) === 'fail') return { kind: 'refused', problem: `${problem}, and tier ${c.tier.id} refuses unsigned approvals` };
    // Say why there is no signature: old codes, or no code at all (then "legacy" would send the reader looking for hashes that are not there).
    const why = keys.legacy ? 'legacy scrypt$ codes' : c.component ? `${c.component.name} has no signing code` : 'the manifest holds no signing code that approves it';
    return { kind: 'unsigned-allowed', problem: `${problem} (${why})` };
  }
  const refuse = (why: string): ApprovalVerdict => ({ kind: 'refused', problem: `the approval (seq ${record.seq}) is not signed by an owner's code: ${why}` });
  if (typeof record.grant !== 'string' || typeof record.sig !== 'string') return refuse('it lacks its grant key or signature');
  if (!verifyText(record.grant, recordStatement(record), record.sig)) return refuse('its signature does not match the record');
  const at = log.position.get(record.hash) ?? -1;
  const first = log.firstSigned.get(signatureKey(record.sig));
  if (first !== undefined && first < record.seq) return refuse(`it repeats the signed approval of seq ${first} (a copy approves nothing)`);
  const u = log.unlockOf.get(record.grant);
  if (u === undefined || u >= at) return refuse('no unlock record before it certifies its grant key');
  const unlock = log.records[u];
  const covers = c.component ? unlock.component === c.component.name : unlock.file === record.file;
  if (!covers) return refuse(`its grant (seq ${unlock.seq}) unlocked ${unlock.component ?? unlock.file ?? 'something else'}, not ${c.component?.name ?? record.file}`);
  if (!(timeOf(record.at) <= timeOf(unlock.until)) || timeOf(record.at) < timeOf(unlock.at)) {
    return refuse(`it was made outside its grant's time (seq ${unlock.seq}, until ${unlock.until ?? '?'})`);
  }
  for (let i = u + 1; i < at; i++) {
    const r = log.records[i];
    if ((r.event === 'relock' || r.event === 'expire') && r.grant === record.grant) return refuse(`its grant ended at seq ${r.seq}, before it`);
  }
  // The same unlock judged against the same keys gives the same owners: check its signatures once.
  const cacheKey = `${u}|${[...keys.keys.keys()].join(',')}`;
  let owners = log.certified.get(cacheKey);
  if (!owners) {
    const statement = grantStatement(unlock);
    owners = new Set<string>();
    for (const a of Array.isArray(unlock.approvals) ? unlock.approvals : []) {
      const entry = keys.keys.get(a.key);
      if (entry && verifyText(a.key, statement, a.sig)) owners.add(entryOwner(entry));
    }
    log.certified.set(cacheKey, owners);
  }
  const needed = c.tier.unlock.approvals;
  if (owners.size === 0) return refuse(`no code of ${c.component?.name ?? `tier ${c.tier.id}`} in the manifest signed its grant (seq ${unlock.seq})`);
  if (owners.size < needed) return refuse(`tier ${c.tier.id} needs codes of ${needed} different owners; its grant (seq ${unlock.seq}) has ${owners.size}`);
  return { kind: 'signed' };
}

/**
 * One-time code keys that certified more than one grant: for each repeat, the later unlock record
 * and the first one. Only key entries marked one-time in the trusted manifests count. `reported`:
 * the records whose repeats are wanted (the gate's: those the change adds); earlier ones still count
 * as first uses.
 */
export function reusedOneTimeCodes(records: readonly AuditRecord[], trusted: readonly Manifest[], reported: (r: AuditRecord) => boolean = () => true): { record: AuditRecord; first: AuditRecord }[] {
  const once = new Set<string>();
  for (const m of trusted) {
    for (const comp of m.components) {
      for (const encoded of comp.unlockCodes) {
        const e = parseCodeEntry(encoded);
        if (e?.kind === 'key' && e.once) once.add(e.publicKey);
      }
    }
  }
  if (once.size === 0) return [];
  // Only a key that a reported record names can repeat there: the signatures naming other keys are
  // not checked. Each is an Ed25519 verification, and anyone who commits can add approvals that only
  // name a key: thousands of them, once in the log, made every later run check them all again.
  const named = new Set<string>();
  for (const r of records) {
    if (r.event !== 'unlock' || !Array.isArray(r.approvals) || !reported(r)) continue;
    for (const a of r.approvals) if (once.has(a.key)) named.add(a.key);
  }
  if (named.size === 0) return [];
  const firstUse = new Map<string, AuditRecord>();
  const out: { record: AuditRecord; first: AuditRecord }[] = [];
  for (const r of records) {
    if (r.event !== 'unlock' || !Array.isArray(r.approvals)) continue;
    let statement: string | undefined;
    for (const a of r.approvals) {
      if (!named.has(a.key)) continue;
      const first = firstUse.get(a.key);
      // Once a key's first use is known, only a reported record of another grant can be a repeat.
      if (first && (first.grant === r.grant || !reported(r))) continue;
      if (!verifyText(a.key, (statement ??= grantStatement(r)), a.sig)) continue;
      if (!first) firstUse.set(a.key, r);
      else out.push({ record: r, first });
    }
  }
  return out;
}

/**
 * Whether a grant read from the store carries a certificate the manifest's code keys made: needed
 * where the file's tier requires a code and its component has signing codes (for legacy `scrypt$`
 * codes and code-less components there is nothing to check against). Its `until` must be the signed
 * one, and its owners as many as the tier's approvals.
 */
export function grantCertified(grant: { key?: string; tier?: string; until?: string; reason: string; expiresAt: number; target: { kind: 'component'; name: string } | { kind: 'file'; path: string }; approvals?: readonly Approval[] }, manifest: Manifest, c: Classification): boolean {
  if (!c.tier.unlock.requireCode) return true;
  const keys = trustedKeys([manifest], c);
  if (keys.keys.size === 0) return true;
  if (!grant.key || !grant.until || !grant.tier || !grant.approvals || Date.parse(grant.until) !== grant.expiresAt) return false;
  const statement = grantStatement({
    grant: grant.key, tier: grant.tier, reason: grant.reason, until: grant.until,
    ...(grant.target.kind === 'component' ? { component: grant.target.name } : { file: grant.target.path }),
  });
  const owners = new Set<string>();
  for (const a of grant.approvals) {
    const entry = keys.keys.get(a.key);
    if (entry && verifyText(a.key, statement, a.sig)) owners.add(entryOwner(entry));
  }
  return owners.size >= c.tier.unlock.approvals;
}
