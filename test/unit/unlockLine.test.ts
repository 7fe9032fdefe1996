import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseUnlockLine } from '../../src/core/unlockLine';
import type { UnlockLine } from '../../src/core/unlockLine';

function line(text: string): { component: string; code: string | undefined; reason: string } {
  const parsed = parseUnlockLine(text);
  assert.ok(parsed, 'expected the one-line form');
  assert.equal(parsed.kind, 'line', parsed.kind === 'invalid' ? parsed.message : '');
  const { component, code, reason } = parsed as Extract<UnlockLine, { kind: 'line' }>;
  return { component, code, reason };
}

function invalidMessage(text: string): string {
  const parsed = parseUnlockLine(text);
  assert.ok(parsed, 'expected the one-line form');
  assert.equal(parsed.kind, 'invalid');
  return (parsed as Extract<UnlockLine, { kind: 'invalid' }>).message;
}

describe('parseUnlockLine', () => {
  test('the canonical form', () => {
    assert.deepEqual(line('UNLOCK BOOKING_FLOW WITH CODE: blue-harbor-42 FOR: fix the typo in the greeting'), {
      component: 'BOOKING_FLOW',
      code: 'blue-harbor-42',
      reason: 'fix the typo in the greeting',
    });
  });

  test('keywords are case-insensitive; the component is returned as typed', () => {
    assert.deepEqual(line('unlock Booking_Flow with code: abc123xyz for: Reason here'), {
      component: 'Booking_Flow',
      code: 'abc123xyz',
      reason: 'Reason here',
    });
  });

  test('flexible spacing: tabs, several spaces, no space after the colons, space before them', () => {
    const expected = { component: 'PAY.v2-core', code: 'k3y', reason: 'rotate keys' };
    assert.deepEqual(line('  UNLOCK\tPAY.v2-core   WITH\t CODE:k3y\tFOR:rotate keys  '), expected);
    assert.deepEqual(line('UNLOCK PAY.v2-core WITH CODE :  k3y  FOR :   rotate keys'), expected);
    assert.deepEqual(line('UNLOCK PAY.v2-core CODE: k3y FOR: rotate keys'), expected);
  });

  test('the form without a code', () => {
    assert.deepEqual(line('UNLOCK INFRA FOR: bump the node version'), {
      component: 'INFRA',
      code: undefined,
      reason: 'bump the node version',
    });
    assert.deepEqual(line('unlock infra for:x'), { component: 'infra', code: undefined, reason: 'x' });
  });

  test('a code may contain ":" and spaces; it is trimmed', () => {
    assert.deepEqual(line('UNLOCK A WITH CODE:  ab:cd: ef  FOR: reason'), { component: 'A', code: 'ab:cd: ef', reason: 'reason' });
    assert.deepEqual(line('UNLOCK A WITH CODE: http://x FOR: r'), { component: 'A', code: 'http://x', reason: 'r' });
  });

  test('the reason may contain "FOR:" again; the code ends at the first one', () => {
    assert.deepEqual(line('UNLOCK A WITH CODE: c0de FOR: hotfix FOR: ticket 12 for: real'), {
      component: 'A',
      code: 'c0de',
      reason: 'hotfix FOR: ticket 12 for: real',
    });
  });

  test('text that does not start with the word UNLOCK is not the form', () => {
    for (const text of ['', '   ', 'blue-harbor-42', 'unlocked-code-1', 'unlock:me', 'my UNLOCK A FOR: b', 'UNLOCKBOOKING FOR: x']) {
      assert.equal(parseUnlockLine(text), undefined, text);
    }
  });

  test('missing component', () => {
    assert.match(invalidMessage('UNLOCK'), /component name is missing/);
    assert.match(invalidMessage('UNLOCK   '), /component name is missing/);
    assert.match(invalidMessage('UNLOCK WITH CODE: abc FOR: reason'), /component name is missing/);
    assert.match(invalidMessage('UNLOCK FOR: reason'), /component name is missing/);
    assert.match(invalidMessage('UNLOCK CODE: abc FOR: reason'), /component name is missing/);
  });

  test('a component name with other characters', () => {
    assert.match(invalidMessage('UNLOCK BOOKING/FLOW FOR: reason'), /only letters, digits/);
  });

  test('missing CODE part after WITH', () => {
    assert.match(invalidMessage('UNLOCK A WITH FOR: reason'), /CODE: part is missing/);
    assert.match(invalidMessage('UNLOCK A WITH CODE secret99 FOR: reason'), /CODE: part is missing/);
  });

  test('something else after the component', () => {
    assert.match(invalidMessage('UNLOCK A secret99 FOR: reason'), /WITH CODE: <code> or FOR: <reason>/);
  });

  test('empty code', () => {
    assert.match(invalidMessage('UNLOCK A WITH CODE: FOR: reason'), /code after CODE: is empty/);
    assert.match(invalidMessage('UNLOCK A WITH CODE:FOR: reason'), /code after CODE: is empty/);
    assert.match(invalidMessage('UNLOCK A WITH CODE:    \t FOR: reason'), /code after CODE: is empty/);
  });

  test('missing FOR', () => {
    assert.match(invalidMessage('UNLOCK A'), /FOR: <reason> part is missing/);
    assert.match(invalidMessage('UNLOCK A WITH CODE: abc'), /FOR: <reason> part is missing/);
    assert.match(invalidMessage('UNLOCK A WITH CODE: abc because'), /FOR: <reason> part is missing/);
  });

  test('empty reason', () => {
    assert.match(invalidMessage('UNLOCK A WITH CODE: abc FOR:'), /reason after FOR: is empty/);
    assert.match(invalidMessage('UNLOCK A FOR:   '), /reason after FOR: is empty/);
  });

  test('line breaks inside are refused', () => {
    assert.match(invalidMessage('UNLOCK A WITH CODE: abc\nFOR: reason'), /single line/);
    // A trailing newline from a paste is only whitespace.
    assert.equal(line('UNLOCK A FOR: reason\r\n').reason, 'reason');
  });

  test('every invalid message shows the expected form and never echoes the code', () => {
    const code = 'Zq9-secret-Wx';
    const texts = [
      `UNLOCK A WITH CODE: ${code}`,
      `UNLOCK A WITH CODE: ${code} FOR:`,
      `UNLOCK WITH CODE: ${code} FOR: reason`,
      `UNLOCK A WITH ${code} FOR: reason`,
      `UNLOCK A ${code} FOR: reason`,
      `UNLOCK ${code}! FOR: reason`,
      `UNLOCK A WITH CODE: ${code}\nFOR: reason`,
    ];
    for (const text of texts) {
      const message = invalidMessage(text);
      assert.ok(!message.includes(code), `${text} → ${message}`);
      assert.match(message, /Expected: UNLOCK <COMPONENT> WITH CODE: <code> FOR: <reason>/);
    }
  });
});
