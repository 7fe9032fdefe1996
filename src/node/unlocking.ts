// Unlocking, relocking and wrong codes against the shared grant store: the one implementation the
// editor and the command line both run, so an unlock made anywhere holds everywhere and the
// lockout counts every wrong code, wherever it was typed.
import { join } from 'node:path';
import { signGrant } from '../core/approvals';
import { parseAuditLog } from '../core/audit';
import type { AuditBody } from '../core/audit';
import { entryOwner, matchCode } from '../core/codes';
import type { CodeMatch } from '../core/codes';
import { stateObjects } from '../core/grantState';
import type { Tier } from '../core/manifest';
import { formatClock } from '../core/policy';
import { exportSeed, newSigningKey } from '../core/signing';
import { targetKey } from '../core/unlocks';
import type { FailureOutcome, Grant, UnlockTarget } from '../core/unlocks';
export { grantIn, lockedUntilIn } from '../core/grantState';
import { AUDIT_LOG_PATH } from './auditStore';
import { withFileLock } from './fileLock';
import { readRegularText } from './regularFile';
import type { GrantStore } from './grantStore';
import type { AuditRecorder } from './recorder';

export interface UnlockDeps {
  folderPath: string;
  store: GrantStore;
  recorder: AuditRecorder;
  now: () => number;
}

export type CodeOutcome =
  | { kind: 'match'; match: CodeMatch }
  | { kind: 'wrong' }
  /** The code of an owner whose code was already given for this unlock. */
  | { kind: 'same-owner' }
  /** A one-time code that already opened a grant. */
  | { kind: 'spent' };

/**
 * Checks one typed code against every accepted entry (all of them, so the time taken does not tell
 * which one matched). `owners` are the owners of the codes already given for this unlock.
 */
export async function checkCode(code: string, entries: readonly string[], owners: ReadonlySet<string>, spent: ReadonlySet<string>): Promise<CodeOutcome> {
  let found: CodeMatch | undefined;
  let sameOwner = false;
  for (const encoded of entries) {
    const m = await matchCode(code, encoded);
    if (!m) continue;
    if (owners.has(entryOwner(m.entry))) sameOwner = true;
    else if (!found) found = m;
  }
  if (found?.entry.kind === 'key' && found.entry.once && spent.has(found.entry.publicKey)) return { kind: 'spent' };
  if (found) return { kind: 'match', match: found };
  return sameOwner ? { kind: 'same-owner' } : { kind: 'wrong' };
}

/**
 * Public keys of one-time codes already used: those this clone spent, and those certifying any
 * unlock record in the folder's audit log (so a code used in another clone and pulled counts too).
 */
export async function spentOneTimeKeys(deps: Pick<UnlockDeps, 'folderPath' | 'store'>): Promise<Set<string>> {
  const state = await deps.store.read();
  const spent = new Set(state.spent);
  // No log yet: none spent in it. A log that cannot be read (a named pipe in its place) would hide spent codes: it throws, and nothing is unlocked.
  const text = await readRegularText(join(deps.folderPath, ...AUDIT_LOG_PATH.split('/')));
  if (text === undefined) return spent;
  const { records } = parseAuditLog(text);
  for (const r of records) if (r.event === 'unlock' && Array.isArray(r.approvals)) for (const a of r.approvals) spent.add(a.key);
  return spent;
}

function where(target: UnlockTarget): { component: string } | { file: string } {
  return target.kind === 'component' ? { component: target.name } : { file: target.path };
}

/**
 * Grants an unlock with the matched codes: where they are signing codes, a fresh grant key is
 * certified by each of them in the `unlock` record; the grant (with its private seed) goes into the
 * shared store. The record is written first: a grant must never exist without its record.
 */
export async function grantUnlock(deps: UnlockDeps, target: UnlockTarget, tier: Tier, reason: string, matches: readonly CodeMatch[], by?: string, minutes = tier.unlock.maxMinutes): Promise<Grant> {
  const now = deps.now();
  const until = now + Math.min(minutes, tier.unlock.maxMinutes) * 60_000;
  const signers = matches.filter((m) => m.entry.kind === 'key' && m.privateKey).map((m) => ({
    publicKey: (m.entry as Extract<CodeMatch['entry'], { kind: 'key' }>).publicKey,
    privateKey: m.privateKey!,
  }));
  const grantKey = signers.length > 0 ? newSigningKey() : undefined;
  const body: Omit<AuditBody, 'at' | 'actor'> & Pick<AuditBody, 'grant'> = {
    event: 'unlock', ...where(target), tier: tier.id, reason: reason.trim(), until: new Date(until).toISOString(),
    ...(grantKey ? { grant: grantKey.publicKey } : {}),
  };
  if (grantKey) body.approvals = signGrant(body as AuditBody, signers);
  await deps.recorder.record(body);
  const once = matches.filter((m) => m.entry.kind === 'key' && m.entry.once).map((m) => (m.entry as Extract<CodeMatch['entry'], { kind: 'key' }>).publicKey);
  return deps.store.update((state) => {
    const { registry, failures } = stateObjects(state);
    const placed: Grant = {
      target, reason: reason.trim(), grantedAt: now, expiresAt: until, tier: tier.id, until: body.until,
      ...(grantKey ? { key: grantKey.publicKey, seed: exportSeed(grantKey.privateKey), approvals: body.approvals } : {}),
      ...(by ? { by } : {}),
    };
    registry.restore(placed);
    failures.reset(targetKey(target));
    Object.assign(state, { grants: registry.all(), ...failures.toJSON(), spent: [...new Set([...state.spent, ...once])] });
    return placed;
  });
}

/** Counts a wrong code in the shared store and records it (and the lockout it may start). */
export async function denyUnlock(deps: UnlockDeps, target: UnlockTarget, tier: Tier, detail: string): Promise<FailureOutcome> {
  const outcome = await deps.store.update((state) => {
    const { failures } = stateObjects(state);
    const o = failures.recordFailure(targetKey(target), deps.now());
    Object.assign(state, failures.toJSON());
    return o;
  });
  await deps.recorder.record({ event: 'denied', ...where(target), tier: tier.id, detail });
  if (outcome.lockedUntil !== undefined) {
    await deps.recorder.record({
      event: 'lockout', ...where(target), tier: tier.id, until: new Date(outcome.lockedUntil).toISOString(),
      detail: `unlock refused until ${formatClock(outcome.lockedUntil)} after ${outcome.failures} wrong codes`,
    });
  }
  return outcome;
}

/**
 * Ends a grant in the shared store and records it (`relock`, or `expire` at its time limit). Only the
 * grant `expected` is ended when given (it may have been replaced meanwhile); returns the grant ended.
 */
export async function endGrant(deps: UnlockDeps, target: UnlockTarget, why: 'relock' | 'saved' | 'expire', tier: string | undefined, expected?: Grant): Promise<Grant | undefined> {
  const ended = await deps.store.update((state) => {
    const { registry } = stateObjects(state);
    const g = registry.get(target);
    if (!g || (expected && (g.grantedAt !== expected.grantedAt || g.key !== expected.key))) return undefined;
    registry.revoke(target);
    state.grants = registry.all();
    return g;
  });
  if (!ended) return undefined;
  await deps.recorder.record({
    event: why === 'expire' ? 'expire' : 'relock', ...where(target), ...(tier ? { tier } : {}),
    ...(ended.key ? { grant: ended.key } : {}),
    ...(why === 'saved' ? { detail: 'relocked after the change was recorded' } : why === 'expire' ? { detail: 'time limit reached' } : {}),
  });
  return ended;
}


/**
 * Ends `expected` if it is still in force in the store: under the store's end lock, `before` runs
 * first (record what was changed under the grant, signed with it; false keeps the grant), then the grant ends and its
 * end is recorded. When two windows, or a window and the CLI, end the same grant at once, one does
 * all of it and the other finds it gone: its changes are recorded once.
 */
export async function endGrantWith(
  deps: UnlockDeps, expected: Grant, why: 'relock' | 'saved' | 'expire', tier: string | undefined,
  before: (grant: Grant) => Promise<boolean | void>,
): Promise<Grant | undefined> {
  await deps.store.ensureDir();
  return withFileLock(`${deps.store.path}.end.lock`, async () => {
    const current = stateObjects(await deps.store.read()).registry.get(expected.target);
    if (!current || current.grantedAt !== expected.grantedAt || current.key !== expected.key) return undefined;
    if ((await before(current)) === false) return undefined; // the caller keeps the grant
    return endGrant(deps, expected.target, why, tier, expected);
  }, { timeoutMs: 60_000 });
}
