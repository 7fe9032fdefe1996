import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  canonicalJson,
  describeRecord,
  GENESIS,
  parseAuditLog,
  parseWholeAuditLog,
  countWholeAuditLog,
  recordHash,
  renderRecord,
  sealRecord,
  sha256,
  verifyChain,
} from '../../src/core/audit';
import type { AuditBody, AuditRecord } from '../../src/core/audit';

const ann = { name: 'Ann', email: 'ann@example.com' };

function body(i: number, extra: Partial<AuditBody> = {}): AuditBody {
  return { event: 'change', at: `2026-11-22T10:${String(i).padStart(2, '0')}:00.000Z`, actor: ann, file: `src/f${i}.ts`, reason: `reason ${i}`, ...extra };
}

function chain(n: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (let i = 0; i < n; i++) out.push(sealRecord(body(i), out[out.length - 1]));
  return out;
}

function failure(records: readonly AuditRecord[]): { index: number; message: string } {
  const result = verifyChain(records);
  assert.equal(result.ok, false, 'expected the chain to break');
  return result as { index: number; message: string };
}

/** The canonical JSON, written out the slow way from its definition: recordHash builds the same text in one pass. */
function reference(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : reference(x))).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${reference(o[k])}`).join(',')}}`;
}

describe('sha256 and canonicalJson', () => {
  test('sha256 of strings (UTF-8) and bytes', () => {
    assert.equal(sha256(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(sha256('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(sha256(new Uint8Array([0x61, 0x62, 0x63])), sha256('abc'));
    assert.equal(sha256('é'), createHash('sha256').update(Buffer.from('é', 'utf8')).digest('hex'));
  });

  test('keys sorted recursively, no whitespace, undefined left out', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: 'x', c: [2, { z: null, y: true }] }, u: undefined }), '{"a":{"c":[2,{"y":true,"z":null}],"d":"x"},"b":1}');
    assert.equal(canonicalJson({ a: 'line\nbreak "q"' }), '{"a":"line\\nbreak \\"q\\""}');
  });

  test('recordHash leaves out only the top-level hash (a nested "hash" is content) and undefined members', () => {
    const record = {
      seq: 7, prev: 'a'.repeat(64), hash: 'b'.repeat(64), event: 'unlock', at: '2026-01-01T09:00:00.000Z',
      actor: { name: 'Zoë "Z"', email: 'z@example.com', hash: 'nested' }, reason: undefined, component: 'BOOKING_FLOW',
      approvals: [{ sig: 's', key: 'k' }, { key: 'k2', sig: 's2', hash: 'x' }], grant: 'g', added: 0,
    } as unknown as AuditRecord;
    const { hash, ...rest } = record as AuditRecord & { hash: string };
    assert.ok(hash);
    assert.equal(recordHash(record), sha256(reference(rest)));
    assert.ok(reference(rest).includes('"hash":"nested"') && reference(rest).includes('"hash":"x"'));
    assert.equal(canonicalJson(record), reference(record));
  });

  test('recordHash agrees with the definition on records of every shape, those it writes natively and those it does not', () => {
    const expected = (r: object): string => sha256(reference(Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'hash'))));
    const base = (): Record<string, unknown> => JSON.parse(JSON.stringify(sealRecord(body(1, { approvals: [{ key: 'k', sig: 's' }], grant: 'g' }), undefined))) as Record<string, unknown>;
    // Sets a member as JSON.parse would, `__proto__` included (an own member, not the prototype).
    const put = (o: Record<string, unknown>, k: string, v: unknown): void => {
      Object.defineProperty(o, k, { value: v, enumerable: true, configurable: true, writable: true });
    };
    const keys = ['seq', 'at', 'event', 'file', 'sig', 'grant', 'hash', 'name', 'email', 'key', 'zzz', 'Actor', '__proto__', 'toJSON', 'constructor', 'approvals', 'actor', '0', 'é'];
    const values: unknown[] = [0, -0, 1.5, 2 ** 53, true, null, undefined, NaN, '', 'é', '\u2028', 'line\nbreak', '"q"', '\ud800', '😀',
      {}, { zzz: 1 }, { name: 'n' }, { name: { zzz: 1 }, email: 'e' }, [], [{ zzz: 1 }], [{ key: 'k', sig: 's' }], [{ key: 'k', sig: { zzz: 1 } }],
      [{ key: 'k', sig: 's', hash: 'h' }], [{ key: 'k' }, 'x'], Object.create(null) as unknown, Object.create({ email: 'inherited', sig: 'inherited' }) as unknown,
      [Object.create({ key: 'inherited' }) as unknown], () => 1];
    let cases = 0;
    let plain = 0;
    const check = (r: Record<string, unknown>, what: string): void => {
      assert.equal(recordHash(r as unknown as AuditRecord), expected(r), what);
      cases++;
    };
    plain++;
    check(base(), 'as sealed');
    // JSON.stringify reads members through the prototype chain; the definition reads own members.
    check(Object.setPrototypeOf(base(), { detail: 'inherited' }) as Record<string, unknown>, 'a record with a prototype of its own');
    // Every member, at the top, in the actor and in an approval, set to every kind of value.
    for (const k of keys) {
      for (const [i, v] of values.entries()) {
        const top = base();
        put(top, k, v);
        check(top, `record.${k} = values[${i}]`);
        const actor = base();
        put(actor.actor as Record<string, unknown>, k, v);
        check(actor, `actor.${k} = values[${i}]`);
        const approval = base();
        put((approval.approvals as Record<string, unknown>[])[0], k, v);
        check(approval, `approvals[0].${k} = values[${i}]`);
      }
    }
    assert.ok(cases > 1500 && plain === 1, `${cases} cases`);
  });
});

describe('sealRecord', () => {
  test('first record: seq 1, prev GENESIS, hash over canonical JSON without hash', () => {
    const r = sealRecord(body(1), undefined);
    assert.equal(r.seq, 1);
    assert.equal(r.prev, GENESIS);
    const { hash, ...rest } = r;
    assert.equal(hash, sha256(canonicalJson(rest)));
    assert.equal(hash, recordHash(r));
    assert.match(hash, /^[0-9a-f]{64}$/);
  });

  test('later records count up and point at the previous hash', () => {
    const [a, b, c] = chain(3);
    assert.deepEqual([a.seq, b.seq, c.seq], [1, 2, 3]);
    assert.equal(b.prev, a.hash);
    assert.equal(c.prev, b.hash);
  });

  test('undefined fields are not stored, and seq/prev/hash in the body are overwritten', () => {
    const r = sealRecord({ ...body(1), component: undefined, added: undefined, seq: 99, prev: 'x', hash: 'y' } as AuditBody, undefined);
    assert.ok(!('component' in r));
    assert.ok(!('added' in r));
    assert.equal(r.seq, 1);
    assert.equal(r.prev, GENESIS);
    assert.ok(!renderRecord(r).includes('undefined'));
  });

  test('the hash does not depend on key order', () => {
    const a = sealRecord({ event: 'unlock', at: '2026-01-01T00:00:00.000Z', actor: ann, component: 'X' }, undefined);
    const b = sealRecord({ component: 'X', actor: { email: ann.email, name: ann.name }, at: '2026-01-01T00:00:00.000Z', event: 'unlock' }, undefined);
    assert.equal(a.hash, b.hash);
  });
});

describe('renderRecord and parseAuditLog', () => {
  test('a rendered log parses back to the same records and verifies', () => {
    const records = chain(5);
    const text = records.map(renderRecord).join('\n') + '\n';
    for (const line of text.trimEnd().split('\n')) assert.ok(!line.includes('\n'));
    const parsed = parseAuditLog(text);
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.records, records);
    assert.deepEqual(verifyChain(parsed.records), { ok: true });
  });

  test('a rendered line starts with what a reviewer reads first', () => {
    const line = renderRecord(sealRecord(body(1), undefined));
    assert.match(line, /^\{"seq":1,"at":"[^"]+","event":"change","actor":\{"name":"Ann","email":"ann@example.com"\}/);
    assert.match(line, /"prev":"GENESIS","hash":"[0-9a-f]{64}"\}$/);
  });

  test('no trailing newline, CRLF line endings and an empty text are fine', () => {
    const records = chain(2);
    assert.equal(parseAuditLog(records.map(renderRecord).join('\n')).records.length, 2);
    const crlf = parseAuditLog(records.map(renderRecord).join('\r\n') + '\r\n');
    assert.deepEqual(crlf.problems, []);
    assert.deepEqual(crlf.records, records);
    assert.deepEqual(parseAuditLog(''), { records: [], problems: [] });
  });

  test('bad lines are reported with 1-based line numbers and parsing goes on', () => {
    const [a, b, c] = chain(3);
    const noSeq: Partial<AuditRecord> = { ...b };
    delete noSeq.seq;
    const text = [
      renderRecord(a),
      '{not json',
      JSON.stringify(noSeq),
      '',
      JSON.stringify({ ...c, event: 'explode' }),
      '[1,2]',
      JSON.stringify({ ...c, added: -1 }),
      JSON.stringify({ ...c, actor: { name: 'x' } }),
      renderRecord(c),
    ].join('\n');
    const { records, problems } = parseAuditLog(text);
    assert.deepEqual(records, [a, c]);
    assert.deepEqual(problems.map((p) => p.line), [2, 3, 4, 5, 6, 7, 8]);
    assert.match(problems[0].message, /^Line 2 is not valid JSON/);
    assert.match(problems[1].message, /^Line 3 is not an audit record: "seq"/);
    assert.match(problems[2].message, /^Line 4 is empty/);
    assert.match(problems[3].message, /"event"/);
    assert.match(problems[4].message, /not a JSON object/);
    assert.match(problems[5].message, /"added"/);
    assert.match(problems[6].message, /"actor"/);
  });

  test('only the one way of writing a record passes: a repeated key cannot show one value while the hash covers another', () => {
    const [a, b] = chain(2);
    const line = renderRecord(b);
    // The reason a reviewer reads first is not the one the hash covers (JSON.parse keeps the last).
    const shown = line.replace('"reason":"reason 1"', '"reason":"approved by Bob","reason":"reason 1"');
    const actorTwice = line.replace('"email":"ann@example.com"}', '"email":"bob@example.com","email":"ann@example.com"}');
    const variants = [
      shown,
      actorTwice,
      line.replace('"seq":2,', '"seq":2, '), // a space
      line.replace('"seq":2,', '"seq":2.0,'), // a number spelled differently
      line.replace('"seq":2,', '"seq":2e0,'),
      line.replace('"reason":"reason 1"', '"reason":"re\\u0061son 1"'), // an escape for a plain letter
      `${line} `, // trailing space
      ` ${line}`,
    ];
    for (const variant of variants) {
      assert.notEqual(variant, line);
      // Each variant still parses to the record whose hash it carries: only the text differs.
      assert.equal(recordHash(JSON.parse(variant) as AuditRecord), b.hash, variant);
      const { records, problems } = parseAuditLog(`${renderRecord(a)}\n${variant}\n`);
      assert.deepEqual(records, [a], variant);
      assert.equal(problems.length, 1);
      assert.match(problems[0].message, /^Line 2 is not written the way Protected Files writes records/);
    }
  });

  test('key order is free, so a log written with another key order still verifies (LF and CRLF)', () => {
    const records = chain(3);
    const sortedKeys = records.map((r) => canonicalJson(r));
    for (const eol of ['\n', '\r\n']) {
      const parsed = parseAuditLog(sortedKeys.join(eol) + eol);
      assert.deepEqual(parsed.problems, []);
      assert.deepEqual(verifyChain(parsed.records), { ok: true });
    }
  });
});

describe('parseWholeAuditLog', () => {
  test('reads a log parseAuditLog found whole as parseAuditLog does: LF, CRLF, a blank last line, none', () => {
    const lines = chain(4).map(renderRecord);
    for (const text of [`${lines.join('\n')}\n`, `${lines.join('\r\n')}\r\n`, `${lines.join('\n')}\n  `, lines.join('\n'), '']) {
      const full = parseAuditLog(text);
      assert.deepEqual(full.problems, []);
      assert.deepEqual(parseWholeAuditLog(text), full, JSON.stringify(text.slice(-8)));
    }
  });

  test('countWholeAuditLog counts the records parseAuditLog finds in a whole log', () => {
    const lines = chain(5).map(renderRecord);
    for (const text of [`${lines.join('\n')}\n`, `${lines.join('\r\n')}\r\n`, `${lines.join('\n')}\n  `, `${lines.join('\n')}\n\u00a0\u2028`, lines.join('\n'), '', `${lines[0]}\n`]) {
      assert.deepEqual(parseAuditLog(text).problems, [], JSON.stringify(text.slice(-8)));
      assert.equal(countWholeAuditLog(text), parseAuditLog(text).records.length, JSON.stringify(text.slice(-8)));
    }
  });

  test('a line that is not JSON after all: the full parse, with its problems', () => {
    const lines = chain(3).map(renderRecord);
    const text = `${lines[0]}\n{"seq":2,\n${lines[2]}\n`;
    const r = parseWholeAuditLog(text);
    assert.deepEqual(r, parseAuditLog(text));
    assert.equal(r.problems.length, 1);
  });
});

describe('verifyChain', () => {
  test('an empty log and an intact chain pass', () => {
    assert.deepEqual(verifyChain([]), { ok: true });
    assert.deepEqual(verifyChain(chain(10)), { ok: true });
  });

  test('a changed record: hash mismatch at that record', () => {
    const records = chain(5);
    records[2] = { ...records[2], reason: 'something else' };
    const f = failure(records);
    assert.equal(f.index, 2);
    assert.match(f.message, /changed/);
  });

  test('a changed record whose hash was recomputed: the next record no longer follows', () => {
    const records = chain(5);
    const edited = { ...records[2], reason: 'edited' };
    records[2] = { ...edited, hash: recordHash(edited) };
    const f = failure(records);
    assert.equal(f.index, 3);
    assert.match(f.message, /removed, inserted or reordered/);
  });

  test('a removed record', () => {
    const records = chain(5);
    records.splice(2, 1);
    assert.equal(failure(records).index, 2);
  });

  test('records removed at the start', () => {
    const records = chain(5).slice(1);
    const f = failure(records);
    assert.equal(f.index, 0);
    assert.match(f.message, /start/);
  });

  test('reordered records', () => {
    const records = chain(5);
    [records[1], records[2]] = [records[2], records[1]];
    assert.equal(failure(records).index, 1);
  });

  test('an inserted record with its own valid hash still breaks the chain', () => {
    const records = chain(5);
    // The inserter chains the forged record correctly after record 2 ...
    const forged = sealRecord(body(42, { reason: 'forged' }), records[1]);
    records.splice(2, 0, forged);
    // ... but the original third record still points at record 2.
    const f = failure(records);
    assert.equal(f.index, 3);
  });

  test('an inserted record re-sealed with every later record rewritten is only caught by git history', () => {
    // Documenting the limit: whoever rewrites the whole tail produces a valid chain.
    const records = chain(3);
    const rewritten: AuditRecord[] = [records[0], records[1]];
    rewritten.push(sealRecord(body(9), rewritten[1]));
    rewritten.push(sealRecord(body(2), rewritten[2]));
    assert.deepEqual(verifyChain(rewritten), { ok: true });
  });

  test('a wrong seq with otherwise valid links', () => {
    const first = sealRecord(body(1), undefined);
    const unsealed = { ...body(2), seq: 5, prev: first.hash };
    const second = { ...unsealed, hash: recordHash(unsealed) } as AuditRecord;
    const f = failure([first, second]);
    assert.equal(f.index, 1);
    assert.match(f.message, /seq 2/);
  });

  test('a truncated tail is NOT detectable from the chain alone', () => {
    assert.deepEqual(verifyChain(chain(5).slice(0, 3)), { ok: true });
  });
});

describe('describeRecord', () => {
  test('one line with time, event, file, component, actor and reason', () => {
    const r = sealRecord({ event: 'change', at: '2026-11-22T10:40:12.345Z', actor: { name: 'Ann', email: 'ann@x' }, file: 'src/a.ts', component: 'BOOKING_FLOW', reason: 'fix typo', added: 3, removed: 1 }, undefined);
    assert.equal(describeRecord(r), '2026-11-22 10:40 change src/a.ts (BOOKING_FLOW) +3 -1 by Ann <ann@x> — fix typo');
  });

  test('component only, no email, detail instead of reason', () => {
    const r = sealRecord({ event: 'lockout', at: '2026-11-22T10:40:00.000Z', actor: { name: 'bob', email: '' }, component: 'PAY', detail: '5 wrong codes' }, undefined);
    assert.equal(describeRecord(r), '2026-11-22 10:40 lockout PAY by bob — 5 wrong codes');
  });
});
