// Pure state for unlock grants and for the lockout after repeated wrong codes.
// Time comes in as `now` (ms since the epoch) so tests drive it without timers.

/** What an unlock covers: every file of a component, or one file that belongs to none. */
export type UnlockTarget = { kind: 'component'; name: string } | { kind: 'file'; path: string };

export interface Grant {
  readonly target: UnlockTarget;
  readonly reason: string;
  readonly grantedAt: number;
  readonly expiresAt: number;
  /** The grant's public key (base64url) where owners' codes certified it: records under it are signed. */
  readonly key?: string;
  /** The grant's private seed (base64url), kept only in the per-clone grant store, never in a record. */
  readonly seed?: string;
  /** Who unlocked it (git user), for status. */
  readonly by?: string;
  /** The tier id and the exact `until` the owners signed, with their signatures: the grant's certificate. */
  readonly tier?: string;
  readonly until?: string;
  readonly approvals?: readonly { key: string; sig: string }[];
}

/** A stable key for maps and records: `component:BOOKING_FLOW` or `file:.protection/manifest.jsonc`. */
export function targetKey(target: UnlockTarget): string {
  return target.kind === 'component' ? `component:${target.name}` : `file:${target.path}`;
}

/** A short name for messages: the component name, or the file path. */
export function targetLabel(target: UnlockTarget): string {
  return target.kind === 'component' ? target.name : target.path;
}

export class UnlockRegistry {
  private readonly grants = new Map<string, Grant>();

  grant(target: UnlockTarget, reason: string, now: number, minutes: number, extra: Pick<Grant, 'key' | 'seed' | 'by' | 'tier' | 'until' | 'approvals'> = {}): Grant {
    const g: Grant = { target, reason, grantedAt: now, expiresAt: now + minutes * 60_000, ...extra };
    this.grants.set(targetKey(target), g);
    return g;
  }

  /** Puts a grant read from the shared store back as it was. */
  restore(g: Grant): void {
    this.grants.set(targetKey(g.target), g);
  }

  /** The grant in force for a file, given the component it belongs to (if any). */
  find(relPath: string, component: string | undefined, now: number): Grant | undefined {
    // Nothing unlocked, the usual case: no key is built (the menus and views ask once per protected file).
    if (this.grants.size === 0) return undefined;
    const g = component !== undefined
      ? this.grants.get(targetKey({ kind: 'component', name: component }))
      : this.grants.get(targetKey({ kind: 'file', path: relPath }));
    return g && g.expiresAt > now ? g : undefined;
  }

  get(target: UnlockTarget): Grant | undefined {
    return this.grants.get(targetKey(target));
  }

  revoke(target: UnlockTarget): Grant | undefined {
    const key = targetKey(target);
    const g = this.grants.get(key);
    this.grants.delete(key);
    return g;
  }

  /** Removes and returns every grant whose time has run out. */
  expire(now: number): Grant[] {
    const out: Grant[] = [];
    for (const [key, g] of this.grants) {
      if (g.expiresAt <= now) {
        this.grants.delete(key);
        out.push(g);
      }
    }
    return out;
  }

  /** The earliest expiry still pending, for scheduling one timer. */
  nextExpiry(): number | undefined {
    let next: number | undefined;
    for (const g of this.grants.values()) if (next === undefined || g.expiresAt < next) next = g.expiresAt;
    return next;
  }

  all(): Grant[] {
    return [...this.grants.values()];
  }

  clear(): Grant[] {
    const all = this.all();
    this.grants.clear();
    return all;
  }
}

export interface LockoutPolicy {
  /** Wrong codes tolerated inside `windowMs` before the lockout starts. */
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly lockoutMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { maxFailures: 5, windowMs: 15 * 60_000, lockoutMs: 15 * 60_000 };

export interface FailureOutcome {
  /** Failures counted in the current window, this one included. */
  readonly failures: number;
  /** Set when this failure started a lockout. */
  readonly lockedUntil: number | undefined;
}

/** Counts wrong codes per key (a component, or a file) and refuses unlocks for a while after too many. */
export class FailureTracker {
  private readonly failures = new Map<string, number[]>();
  private readonly locked = new Map<string, number>();

  constructor(private readonly policy: LockoutPolicy = DEFAULT_LOCKOUT) {}

  recordFailure(key: string, now: number): FailureOutcome {
    const recent = (this.failures.get(key) ?? []).filter((t) => now - t < this.policy.windowMs);
    recent.push(now);
    if (recent.length >= this.policy.maxFailures) {
      const until = now + this.policy.lockoutMs;
      this.locked.set(key, until);
      this.failures.delete(key);
      return { failures: recent.length, lockedUntil: until };
    }
    this.failures.set(key, recent);
    return { failures: recent.length, lockedUntil: undefined };
  }

  /** When the lockout for `key` ends, or undefined if it is not locked out. */
  lockedUntil(key: string, now: number): number | undefined {
    const until = this.locked.get(key);
    if (until === undefined) return undefined;
    if (until <= now) {
      this.locked.delete(key);
      return undefined;
    }
    return until;
  }

  remaining(key: string, now: number): number {
    const recent = (this.failures.get(key) ?? []).filter((t) => now - t < this.policy.windowMs);
    return this.policy.maxFailures - recent.length;
  }

  reset(key: string): void {
    this.failures.delete(key);
    this.locked.delete(key);
  }

  /** The state to share with other processes (see src/core/grantState.ts). */
  toJSON(): { failures: Record<string, number[]>; lockouts: Record<string, number> } {
    return { failures: Object.fromEntries(this.failures), lockouts: Object.fromEntries(this.locked) };
  }

  /** Replaces the state with one read from the shared store. */
  load(state: { failures: Record<string, number[]>; lockouts: Record<string, number> }): void {
    this.failures.clear();
    this.locked.clear();
    for (const [k, v] of Object.entries(state.failures)) this.failures.set(k, [...v]);
    for (const [k, v] of Object.entries(state.lockouts)) this.locked.set(k, v);
  }
}
