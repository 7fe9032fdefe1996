import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureTracker, UnlockRegistry, targetKey } from '../../src/core/unlocks';

const MIN = 60_000;

describe('UnlockRegistry', () => {
  test('a component grant covers its files until it expires', () => {
    const r = new UnlockRegistry();
    r.grant({ kind: 'component', name: 'BOOKING' }, 'fix the price rounding', 0, 30);
    assert.ok(r.find('src/booking/a.ts', 'BOOKING', 29 * MIN));
    assert.equal(r.find('src/booking/a.ts', 'BOOKING', 30 * MIN), undefined);
    assert.equal(r.find('src/booking/a.ts', 'OTHER', 1), undefined);
  });

  test('a file grant covers only that file and only files without a component', () => {
    const r = new UnlockRegistry();
    r.grant({ kind: 'file', path: '.protection/manifest.jsonc' }, 'add a component', 0, 10);
    assert.ok(r.find('.protection/manifest.jsonc', undefined, 1));
    assert.equal(r.find('.protection/audit.jsonl', undefined, 1), undefined);
    assert.equal(r.find('.protection/manifest.jsonc', 'X', 1), undefined);
  });

  test('expire removes and returns only the grants whose time ran out', () => {
    const r = new UnlockRegistry();
    r.grant({ kind: 'component', name: 'A' }, 'reason a', 0, 5);
    r.grant({ kind: 'component', name: 'B' }, 'reason b', 0, 10);
    assert.equal(r.nextExpiry(), 5 * MIN);
    const gone = r.expire(6 * MIN);
    assert.deepEqual(gone.map((g) => targetKey(g.target)), ['component:A']);
    assert.deepEqual(r.all().map((g) => targetKey(g.target)), ['component:B']);
    assert.equal(r.nextExpiry(), 10 * MIN);
  });

  test('revoke ends a grant at once', () => {
    const r = new UnlockRegistry();
    r.grant({ kind: 'component', name: 'A' }, 'reason a', 0, 5);
    assert.ok(r.revoke({ kind: 'component', name: 'A' }));
    assert.equal(r.find('x', 'A', 1), undefined);
    assert.equal(r.revoke({ kind: 'component', name: 'A' }), undefined);
  });
});

describe('FailureTracker', () => {
  test('locks out after the maximum failures inside the window, then lets go', () => {
    const t = new FailureTracker({ maxFailures: 3, windowMs: 10 * MIN, lockoutMs: 15 * MIN });
    assert.equal(t.recordFailure('A', 0).lockedUntil, undefined);
    assert.equal(t.remaining('A', 1), 2);
    assert.equal(t.recordFailure('A', 1 * MIN).lockedUntil, undefined);
    const third = t.recordFailure('A', 2 * MIN);
    assert.equal(third.lockedUntil, 17 * MIN);
    assert.equal(t.lockedUntil('A', 16 * MIN), 17 * MIN);
    assert.equal(t.lockedUntil('B', 16 * MIN), undefined);
    assert.equal(t.lockedUntil('A', 17 * MIN), undefined);
    assert.equal(t.remaining('A', 17 * MIN), 3);
  });

  test('failures outside the window do not count', () => {
    const t = new FailureTracker({ maxFailures: 2, windowMs: 5 * MIN, lockoutMs: 15 * MIN });
    t.recordFailure('A', 0);
    assert.equal(t.recordFailure('A', 6 * MIN).lockedUntil, undefined);
    assert.ok(t.recordFailure('A', 7 * MIN).lockedUntil);
  });
});
