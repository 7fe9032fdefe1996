import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { codeWeakness, hashCode, isCodeHash, verifyCode } from '../../src/core/codes';

// Low cost keeps the suite fast; one test covers the default parameters.
const FAST = { N: 1024, r: 8, p: 1 };

describe('hashCode / verifyCode', () => {
  test('default parameters produce the documented encoding and verify', async () => {
    const encoded = await hashCode('correct horse battery');
    const parts = encoded.split('$');
    assert.equal(parts.length, 6);
    assert.deepEqual(parts.slice(0, 4), ['scrypt', '16384', '8', '1']);
    assert.equal(Buffer.from(parts[4], 'base64url').length, 16);
    assert.equal(Buffer.from(parts[5], 'base64url').length, 32);
    assert.ok(isCodeHash(encoded));
    assert.equal(await verifyCode('correct horse battery', encoded), true);
    assert.equal(await verifyCode('correct horse batterY', encoded), false);
  });

  test('the same code hashes differently each time (random salt)', async () => {
    const a = await hashCode('same-code-123', FAST);
    const b = await hashCode('same-code-123', FAST);
    assert.notEqual(a, b);
    assert.equal(await verifyCode('same-code-123', a), true);
    assert.equal(await verifyCode('same-code-123', b), true);
  });

  test('verify uses the parameters stored in the hash', async () => {
    const encoded = await hashCode('tuned-params-x', { N: 2048, r: 4, p: 2 });
    assert.match(encoded, /^scrypt\$2048\$4\$2\$/);
    assert.equal(await verifyCode('tuned-params-x', encoded), true);
  });

  test('parameters large enough to exceed node default maxmem still work', async () => {
    // 128 * 32768 * 8 = 32 MiB: exactly node's default maxmem limit, so maxmem must be raised.
    const encoded = await hashCode('big-memory-code', { N: 32768, r: 8, p: 1 });
    assert.equal(await verifyCode('big-memory-code', encoded), true);
  });

  test('wrong code, empty code and a tampered hash are rejected', async () => {
    const encoded = await hashCode('the-right-code', FAST);
    assert.equal(await verifyCode('the-wrong-code', encoded), false);
    assert.equal(await verifyCode('', encoded), false);
    const parts = encoded.split('$');
    const hash = Buffer.from(parts[5], 'base64url');
    hash[0] ^= 1;
    const tampered = [...parts.slice(0, 5), hash.toString('base64url')].join('$');
    assert.equal(await verifyCode('the-right-code', tampered), false);
  });

  test('malformed hashes give false instead of throwing', async () => {
    const good = await hashCode('abc-def-ghi', FAST);
    const [, , , , salt, hash] = good.split('$');
    const bad = [
      '',
      'plain text',
      'scrypt$',
      `bcrypt$1024$8$1$${salt}$${hash}`,
      `scrypt$1000$8$1$${salt}$${hash}`, // N not a power of two
      `scrypt$512$8$1$${salt}$${hash}`, // N too small
      `scrypt$${2 ** 21}$8$1$${salt}$${hash}`, // N too large
      `scrypt$1024$0$1$${salt}$${hash}`,
      `scrypt$1024$8$0$${salt}$${hash}`,
      `scrypt$1024$999$1$${salt}$${hash}`,
      `scrypt$${2 ** 20}$32$1$${salt}$${hash}`, // 4 GiB of memory per verification
      `scrypt$01024$8$1$${salt}$${hash}`,
      `scrypt$1024$8$1$${salt}`,
      `scrypt$1024$8$1$${salt}$${hash}$extra`,
      `scrypt$1024$8$1$${salt}$not+base64/url=`,
      `scrypt$1024$8$1$$${hash}`,
      `scrypt$1024$8$1$${salt}$AAAA`, // hash too short
    ];
    for (const b of bad) {
      assert.equal(isCodeHash(b), false, b);
      assert.equal(await verifyCode('abc-def-ghi', b), false, b);
    }
    assert.equal(await verifyCode('abc-def-ghi', undefined as unknown as string), false);
    assert.equal(isCodeHash(null as unknown as string), false);
  });

  test('invalid parameters are refused with an error that does not contain the code', async () => {
    await assert.rejects(hashCode('secret-code-value', { N: 1000 }), (err: Error) => {
      assert.match(err.message, /N=1000/);
      assert.ok(!err.message.includes('secret-code-value'));
      return true;
    });
  });

  test('unicode codes are normalized so composed and decomposed forms match', async () => {
    const composed = 'caf\u00e9-unlock-2';
    const decomposed = 'cafe\u0301-unlock-2';
    const encoded = await hashCode(composed, FAST);
    assert.equal(await verifyCode(decomposed, encoded), true);
  });
});

describe('codeWeakness', () => {
  const weak: [string, RegExp][] = [
    ['', /empty/],
    ['        ', /whitespace/],
    [' longenough-code', /whitespace/],
    ['longenough-code\t', /whitespace/],
    ['abc12', /shorter than 8/],
    ['aaaaaaaaaaaa', /single character/],
    ['123456789', /digits/],
    ['12345678', /digits/],
    ['1234567890', /sequence/],
    ['abcdefghij', /sequence/],
    ['ABCDEFGHIJ', /sequence/],
    ['9876543210', /sequence/],
    ['password', /common/],
    ['PassWord', /common/],
    ['letmein!!', /common/],
    ['QWERTY123', /common/],
    ['unlock12', /common/],
    ['Admin2024', /common/],
    ['changeme', /common/],
    // Look-alikes swapped in, with and without padding.
    ['P@ssw0rd', /common/],
    ['P@$$w0rd!', /common/],
    ['p4ssw0rd2024', /common/],
    ['L3tM31n!', /common/],
    ['Adm1n1strat0r', /common/],
    ['Tru5tN01', /common/],
    ['5ecr3t!!', /common/],
    ['!!Dr@g0n99', /common/],
    ['5unsh1ne', /common/],
    // A word and a year.
    ['Zanzibar1999', /word and a year/],
    ['Kettle2024!', /word and a year/],
    ['2025Booking', /word and a year/],
    ['#2026-deploy', /word and a year/],
    ['B00king2025', /word and a year/],
  ];
  for (const [code, reason] of weak) {
    test(`rejects ${JSON.stringify(code)}`, () => {
      const message = codeWeakness(code);
      assert.ok(message, 'expected a reason');
      assert.match(message, reason);
      if (code.trim()) assert.ok(!message.includes(code.trim()), 'message must not contain the code');
    });
  }

  test('a long paste is judged at once', () => {
    for (const code of ['!'.repeat(100_000), `a${'!'.repeat(50_000)}2024`, `${'a!'.repeat(50_000)}`]) {
      const start = Date.now();
      codeWeakness(code);
      assert.ok(Date.now() - start < 2_000, `${Date.now() - start} ms`);
    }
  });

  test('accepts reasonable codes', () => {
    for (const code of ['blue-harbor-42', 'x7#Lq9!vR2', '4930218857', 'booking flow unlock 77', 'zanzibar-ferry-1999', 'Tz8#pL2024', 'harbor lights 2024', 'passwordless-kettle-9']) {
      assert.equal(codeWeakness(code), undefined, code);
    }
  });
});
