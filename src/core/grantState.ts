// The grants, wrong-code counts and lockouts of one folder as one JSON document, shared by every
// VS Code window, the CLI and the agents' hooks through the per-clone grant store
// (src/node/grantStore.ts). Parsing is strict: anything malformed is dropped, never trusted.
import { grantCertified } from './approvals';
import type { Manifest } from './manifest';
import type { Classification } from './matcher';
import { isPublicKey } from './signing';
import { FailureTracker, UnlockRegistry, targetKey } from './unlocks';
import type { Grant, UnlockTarget } from './unlocks';

export interface GrantState {
  v: 1;
  grants: Grant[];
  failures: Record<string, number[]>;
  lockouts: Record<string, number>;
  /** Public keys of one-time codes that opened a grant here. */
  spent: string[];
}

export function emptyGrantState(): GrantState {
  return { v: 1, grants: [], failures: {}, lockouts: {}, spent: [] };
}

/**
 * How long after a grant's end its private key stays in the store: the extension's and `watch`'s
 * expiry (which records the grant's changes, signed, then ends it) runs first. Past it, any command
 * that reads the store drops the key (dropEndedKeys): a record signed later could carry a time inside
 * the grant, which nothing can tell from a real one, so the key must not outlive the grant.
 */
export const KEY_GRACE_MS = 2 * 60_000;

/** Whether the state still holds the private key of a grant that ended more than KEY_GRACE_MS before `now`. */
export function holdsEndedKeys(state: GrantState, now: number): boolean {
  return state.grants.some((g) => g.seed !== undefined && g.expiresAt + KEY_GRACE_MS <= now);
}

/** Drops those keys from the state (the grants stay, to be ended and recorded by whoever ends them); how many. */
export function dropEndedKeys(state: GrantState, now: number): number {
  let dropped = 0;
  state.grants = state.grants.map((g) => {
    if (g.seed === undefined || g.expiresAt + KEY_GRACE_MS > now) return g;
    dropped++;
    const rest: Grant = { ...g };
    delete (rest as { seed?: string }).seed;
    return rest;
  });
  return dropped;
}

const isTime = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const isText = (s: unknown, max = 10_000): s is string => typeof s === 'string' && s.length <= max;

function parseTarget(value: unknown): UnlockTarget | undefined {
  const t = value as Record<string, unknown> | null;
  if (typeof t !== 'object' || t === null) return undefined;
  if (t.kind === 'component' && isText(t.name, 200) && t.name !== '') return { kind: 'component', name: t.name };
  if (t.kind === 'file' && isText(t.path, 4096) && t.path !== '') return { kind: 'file', path: t.path };
  return undefined;
}

function parseGrant(value: unknown): Grant | undefined {
  const g = value as Record<string, unknown> | null;
  if (typeof g !== 'object' || g === null) return undefined;
  const target = parseTarget(g.target);
  if (!target || !isText(g.reason) || !isTime(g.grantedAt) || !isTime(g.expiresAt)) return undefined;
  if (g.key !== undefined && !isPublicKey(g.key)) return undefined;
  if (g.seed !== undefined && !(isText(g.seed, 64) && /^[A-Za-z0-9_-]{43}$/.test(g.seed))) return undefined;
  if (g.by !== undefined && !isText(g.by, 400)) return undefined;
  if (g.tier !== undefined && !isText(g.tier, 200)) return undefined;
  if (g.until !== undefined && !isText(g.until, 40)) return undefined;
  const approvals = g.approvals;
  if (approvals !== undefined && !(Array.isArray(approvals) && approvals.length <= 8 &&
    approvals.every((a: unknown) => typeof a === 'object' && a !== null && isText((a as Record<string, unknown>).key, 64) && isText((a as Record<string, unknown>).sig, 128)))) return undefined;
  return {
    target, reason: g.reason, grantedAt: g.grantedAt, expiresAt: g.expiresAt,
    ...(g.key !== undefined ? { key: g.key as string } : {}),
    ...(g.seed !== undefined ? { seed: g.seed } : {}),
    ...(g.by !== undefined ? { by: g.by } : {}),
    ...(g.tier !== undefined ? { tier: g.tier } : {}),
    ...(g.until !== undefined ? { until: g.until } : {}),
    ...(approvals !== undefined ? { approvals: (approvals as { key: string; sig: string }[]).map((a) => ({ key: a.key, sig: a.sig })) } : {}),
  };
}

/** The state in `text`; a missing, empty or malformed document is an empty state (nothing unlocked). */
export function parseGrantState(text: string | undefined): GrantState {
  const state = emptyGrantState();
  if (!text) return state;
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return state;
  }
  if (typeof value !== 'object' || value === null || value.v !== 1) return state;
  if (Array.isArray(value.grants)) for (const g of value.grants) { const p = parseGrant(g); if (p) state.grants.push(p); }
  if (typeof value.failures === 'object' && value.failures !== null) {
    for (const [k, v] of Object.entries(value.failures)) if (Array.isArray(v) && v.every(isTime)) state.failures[k] = v;
  }
  if (typeof value.lockouts === 'object' && value.lockouts !== null) {
    for (const [k, v] of Object.entries(value.lockouts)) if (isTime(v)) state.lockouts[k] = v;
  }
  if (Array.isArray(value.spent)) state.spent = value.spent.filter(isPublicKey);
  return state;
}

/** A registry and a failure tracker holding `state`, to query and change with their own methods. */
export function stateObjects(state: GrantState): { registry: UnlockRegistry; failures: FailureTracker } {
  const registry = new UnlockRegistry();
  for (const g of state.grants) registry.restore(g);
  const failures = new FailureTracker();
  failures.load(state);
  return { registry, failures };
}

/** The state of a registry and a tracker, as stored. */
export function toGrantState(registry: UnlockRegistry, failures: FailureTracker, spent: readonly string[]): GrantState {
  return { v: 1, grants: registry.all(), ...failures.toJSON(), spent: [...spent] };
}

/** When the lockout of `target` ends, or undefined. */
export function lockedUntilIn(state: GrantState, target: UnlockTarget, now: number): number | undefined {
  return stateObjects(state).failures.lockedUntil(targetKey(target), now);
}

/** The grant in force for a file (given its component), read from a state. */
export function grantIn(state: GrantState, relPath: string, component: string | undefined, now: number): Grant | undefined {
  return stateObjects(state).registry.find(relPath, component, now);
}


/** How a grant's target is protected: its component's tier, or the file's classification. */
export function targetClassification(manifest: Manifest, target: UnlockTarget, classifyFile: (path: string) => Classification | undefined): Classification | undefined {
  if (target.kind === 'file') return classifyFile(target.path);
  const component = manifest.components.find((c) => c.name === target.name);
  const tier = component && manifest.tiers.find((t) => t.id === component.tier);
  return component && tier ? { tier, component, pattern: '' } : undefined;
}

/** Whether a grant holds under `manifest` (see certifiedGrantIn). */
export function grantHolds(g: Grant, manifest: Manifest, classifyFile: (path: string) => Classification | undefined): boolean {
  const c = targetClassification(manifest, g.target, classifyFile);
  return c !== undefined && grantCertified(g, manifest, c);
}

/**
 * The state with only the grants that hold under one of `manifests` (see certifiedGrantIn): what
 * every reader of the store (the editor, check, the hooks, status) takes as unlocked. Readers pass
 * the manifest in force and, where a grant fails under it, the committed one: a grant made before
 * the manifest gained its first signing code (Set Unlock Code… on a new manifest) still holds.
 */
export function certifiedState(state: GrantState, manifests: readonly (Manifest | undefined)[], classifyFile: (path: string) => Classification | undefined): GrantState {
  const known = manifests.filter((m): m is Manifest => m !== undefined);
  if (known.length === 0) return state;
  return { ...state, grants: state.grants.filter((g) => known.some((m) => grantHolds(g, m, classifyFile))) };
}

/**
 * The grant in force for a classified file, where it holds: a grant for a file whose tier needs a
 * code and whose component (in `manifest`) has signing codes counts only with a valid certificate,
 * the owners' signatures of its key, target, tier, reason and time limit. Whoever can write the
 * store file (any process of the user) cannot make a grant that way; a grant edited to last longer
 * or to cover another component no longer verifies.
 */
export function certifiedGrantIn(state: GrantState, manifests: readonly (Manifest | undefined)[], relPath: string, c: Classification, now: number): Grant | undefined {
  const g = grantIn(state, relPath, c.component?.name, now);
  const known = manifests.filter((m): m is Manifest => m !== undefined);
  return g && (known.length === 0 || known.some((m) => grantCertified(g, m, c))) ? g : undefined;
}
