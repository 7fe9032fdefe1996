import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { renderRecord, sealRecord, sha256 } from '../../src/core/audit';
import type { AuditBody, AuditRecord } from '../../src/core/audit';
import {
  buildAuditModel, chainLine, distinctValues, filterFromArg, filterProblem, filterRecords, groupByDay, hasDiff, pickContent, recordLine, recordPath, updateAuditModel,
  recordRevision, timeOf, toCsv, toJson,
} from '../../src/core/auditView';

const ann = { name: 'Ann', email: 'ann@example.com' };
const bob = { name: 'Bob', email: 'bob@example.com' };

function seal(bodies: AuditBody[]): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const b of bodies) out.push(sealRecord(b, out[out.length - 1]));
  return out;
}

const log = seal([
  { event: 'unlock', at: '2026-11-20T09:00:00.000Z', actor: ann, component: 'BOOKING_FLOW', tier: 'tier1', reason: 'fix the refund rounding' },
  { event: 'change', at: '2026-11-20T09:05:00.000Z', actor: ann, file: 'src/booking.ts', component: 'BOOKING_FLOW', reason: 'fix the refund rounding', added: 3, removed: 1, before: 'a'.repeat(64), after: 'b'.repeat(64), sig: 'x' },
  { event: 'breach', at: '2026-11-21T23:59:00.000Z', actor: bob, file: 'src/pay.ts', component: 'PAYMENTS', detail: 'write outside the editor while locked' },
  { event: 'restore', at: '2026-11-22T00:00:01.000Z', actor: bob, file: 'src/pay.ts', component: 'PAYMENTS', detail: 'approved content written back' },
  { event: 'denied', at: '2026-11-22T08:00:00.000Z', actor: bob, component: 'PAYMENTS', detail: 'wrong code' },
]);
const text = log.map(renderRecord).join('\n') + '\n';

describe('audit view: lines and groups', () => {
  test('one record in words, as the issue spells it', () => {
    assert.equal(recordLine(log[1]), 'change src/booking.ts (BOOKING_FLOW) +3 -1 by Ann — fix the refund rounding');
    assert.equal(recordLine(log[0]), 'unlock BOOKING_FLOW by Ann — fix the refund rounding');
    assert.equal(timeOf(log[1]), '09:05');
  });

  test('a reason with newlines stays on one line, and a huge one is cut', () => {
    const r = seal([{ event: 'unlock', at: '2026-11-20T09:00:00.000Z', actor: ann, reason: `line one\nline two ${'x'.repeat(500)}` }])[0];
    const line = recordLine(r);
    assert.ok(!line.includes('\n'));
    assert.ok(line.length < 260, `${line.length}`);
  });

  test('newest day first, newest record first within a day', () => {
    const days = groupByDay(log);
    assert.deepEqual(days.map((d) => d.day), ['2026-11-22', '2026-11-21', '2026-11-20']);
    assert.deepEqual(days[0].records.map((r) => r.seq), [5, 4]);
    assert.deepEqual(days[2].records.map((r) => r.seq), [2, 1]);
  });

  test('records with the same time keep log order, later first', () => {
    const same = seal([1, 2, 3].map((i) => ({ event: 'relock' as const, at: '2026-11-20T09:00:00.000Z', actor: ann, reason: String(i) })));
    assert.deepEqual(groupByDay(same)[0].records.map((r) => r.seq), [3, 2, 1]);
  });

  test('diffs are offered for changes, breaches, restores and deletions with a file only', () => {
    assert.deepEqual(log.map(hasDiff), [false, true, true, true, false]);
  });
});

describe('audit view: filters', () => {
  test('date range is inclusive, by UTC day', () => {
    assert.deepEqual(filterRecords(log, { from: '2026-11-21', to: '2026-11-21' }).map((r) => r.seq), [3]);
    assert.deepEqual(filterRecords(log, { from: '2026-11-21' }).map((r) => r.seq), [3, 4, 5]);
    assert.deepEqual(filterRecords(log, { to: '2026-11-20' }).map((r) => r.seq), [1, 2]);
  });

  test('actor by email or name, case-insensitive; event; component; combined', () => {
    assert.deepEqual(filterRecords(log, { actor: 'ANN@example.com' }).map((r) => r.seq), [1, 2]);
    assert.deepEqual(filterRecords(log, { actor: 'bob' }).map((r) => r.seq), [3, 4, 5]);
    assert.deepEqual(filterRecords(log, { events: ['breach', 'restore'] }).map((r) => r.seq), [3, 4]);
    assert.deepEqual(filterRecords(log, { component: 'PAYMENTS', events: ['denied'], actor: 'bob' }).map((r) => r.seq), [5]);
    assert.deepEqual(filterRecords(log, { component: 'PAYMENTS', actor: 'ann' }), []);
    assert.equal(filterRecords(log, { events: [] }).length, 5);
  });

  test('an actor filter is not a substring match ("an" is nobody)', () => {
    assert.deepEqual(filterRecords(log, { actor: 'an' }), []);
  });

  test('bad filters are refused with the reason', () => {
    assert.match(filterProblem({ from: '2026-13-45' }) ?? '', /not a day/);
    assert.match(filterProblem({ from: 'yesterday' }) ?? '', /not a day/);
    assert.match(filterProblem({ from: '2026-11-22', to: '2026-11-01' }) ?? '', /ends .* before it starts/);
    assert.match(filterProblem({ events: ['explode' as never] }) ?? '', /not an audit event/);
    assert.equal(filterProblem({ from: '2026-11-01', to: '2026-11-30', events: ['change'] }), undefined);
  });

  test('distinct actors and components for the pickers', () => {
    assert.deepEqual(distinctValues(log), { actors: ['ann@example.com', 'bob@example.com'], components: ['BOOKING_FLOW', 'PAYMENTS'] });
  });
});

describe('audit view: the model and the chain', () => {
  test('a whole log: verified, filtered, grouped', () => {
    const m = buildAuditModel(text, { events: ['change'] });
    assert.equal(m.chain.kind, 'verified');
    assert.equal(chainLine(m.chain), 'Chain verified · 5 records');
    assert.equal(m.all.length, 5);
    assert.deepEqual(m.shown.map((r) => r.seq), [2]);
    assert.deepEqual(m.days.map((d) => d.day), ['2026-11-20']);
  });

  test('an edited record breaks the chain at that record, with the reason', () => {
    const tampered = text.replace('fix the refund rounding', 'nothing to see');
    const m = buildAuditModel(tampered, {});
    assert.equal(m.chain.kind, 'broken');
    assert.match(chainLine(m.chain), /^Chain broken at record 1: .*hash does not match/);
  });

  test('a removed record breaks the chain at the record after it', () => {
    const lines = text.trim().split('\n');
    lines.splice(2, 1);
    const m = buildAuditModel(lines.join('\n'), {});
    assert.match(chainLine(m.chain), /^Chain broken at record 3: /);
  });

  test('unreadable lines are counted, not hidden', () => {
    const m = buildAuditModel(`${text}{not json\n`, {});
    assert.equal(m.chain.kind, 'verified');
    assert.match(chainLine(m.chain), /1 unreadable line$/);
  });

  test('an empty log', () => {
    assert.equal(chainLine(buildAuditModel('', {}).chain), 'No audit records yet');
  });
});

describe('audit view: export', () => {
  test('CSV: a header and one row a record, quoted where needed', () => {
    const csv = toCsv(log);
    const rows = csv.trimEnd().split('\r\n');
    assert.equal(rows.length, 6);
    assert.match(rows[0], /^seq,at,event,actor_name,actor_email,file,component/);
    assert.match(rows[2], /^2,2026-11-20T09:05:00.000Z,change,Ann,ann@example.com,src\/booking.ts,BOOKING_FLOW,,fix the refund rounding,,3,1,/);
    assert.match(rows[2], /,yes,[0-9a-f]{64}$/);
  });

  test('CSV: commas, quotes and newlines are quoted; formulas are defused', () => {
    const [r] = seal([{ event: 'unlock', at: '2026-11-20T09:00:00.000Z', actor: { name: 'O"Neil, J', email: 'j@x' }, reason: '=HYPERLINK("http://evil")\nsecond' }]);
    const csv = toCsv([r]);
    assert.ok(csv.includes('"O""Neil, J"'));
    assert.ok(csv.includes(`"'=HYPERLINK(""http://evil"")\nsecond"`), csv);
  });

  test('JSON: the records as written, hashes included', () => {
    const back = JSON.parse(toJson(log.slice(1, 2))) as AuditRecord[];
    assert.deepEqual(back, [log[1]]);
  });
});

describe('audit view: diff sides', () => {
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  test('the candidate whose hash matches the record wins, whatever its place', () => {
    const picked = pickContent(sha256('v2'), [{ source: 'backup', bytes: enc('v1') }, { source: 'git HEAD', bytes: enc('v2') }]);
    assert.ok(picked.ok);
    assert.equal(picked.ok && picked.source, 'git HEAD');
    assert.equal(picked.ok && picked.verified, true);
  });

  test('content that does not have the recorded hash is never shown as recorded', () => {
    const picked = pickContent(sha256('v3'), [{ source: 'backup', bytes: enc('v1') }, { source: 'git HEAD', bytes: undefined }]);
    assert.equal(picked.ok, false);
    assert.match(!picked.ok ? picked.message : '', /No stored copy .* Looked in: backup, git HEAD/);
  });

  test('without a recorded hash: the first copy there is, marked unverified', () => {
    const picked = pickContent(undefined, [{ source: 'backup', bytes: undefined }, { source: 'git HEAD', bytes: enc('x') }]);
    assert.deepEqual(picked.ok && [picked.source, picked.verified], ['git HEAD', false]);
  });

  test('paths and revisions from a record are checked before use', () => {
    assert.equal(recordPath('src/a.ts'), 'src/a.ts');
    assert.equal(recordPath('src/../../etc/passwd'), undefined);
    assert.equal(recordPath('/etc/passwd'), undefined);
    assert.equal(recordPath('C:\\Windows\\x'), undefined);
    assert.equal(recordPath('.protection/backups/2026/src/a.ts', '.protection/backups'), '.protection/backups/2026/src/a.ts');
    assert.equal(recordPath('.protection/backups/../manifest.jsonc', '.protection/backups'), undefined);
    assert.equal(recordPath('src/a.ts', '.protection/backups'), undefined);
    assert.equal(recordRevision('0123abcd'), '0123abcd');
    assert.equal(recordRevision('--output=/tmp/x'), undefined);
    assert.equal(recordRevision('HEAD~1'), undefined);
    assert.equal(recordRevision(undefined), undefined);
  });
});

describe('audit view: a log that grows', () => {
  const more = seal([...log.map((r) => ({ ...r } as AuditBody)), { event: 'relock', at: '2026-11-23T10:00:00.000Z', actor: ann, component: 'BOOKING_FLOW' }, { event: 'unlock', at: '2026-11-23T11:00:00.000Z', actor: ann, component: 'AUTH', reason: 'rotate keys now' }]);
  const grown = more.map(renderRecord).join('\n') + '\n';

  test('appended records are chained onto the verified ones, as a full read would', () => {
    const prev = buildAuditModel(text, {});
    assert.equal(grown.startsWith(text), true);
    const next = updateAuditModel(prev, text, grown, { events: ['unlock'] });
    const full = buildAuditModel(grown, { events: ['unlock'] });
    assert.deepEqual(next, full);
    assert.equal(chainLine(next.chain), 'Chain verified · 7 records');
  });

  test('an appended record that does not follow the last one breaks the chain there', () => {
    const stray = seal([{ event: 'unlock', at: '2026-11-23T11:00:00.000Z', actor: ann, reason: 'starts a chain of its own' }]);
    const next = updateAuditModel(buildAuditModel(text, {}), text, `${text}${renderRecord(stray[0])}\n`, {});
    assert.match(chainLine(next.chain), /^Chain broken at record 6: /);
  });

  test('an edit before the end is not an append: the whole log is read and the edit found', () => {
    const edited = grown.replace('fix the refund rounding', 'nothing to see');
    const next = updateAuditModel(buildAuditModel(text, {}), text, edited, {});
    assert.match(chainLine(next.chain), /^Chain broken at record 1: /);
  });

  test('unreadable appended lines keep their line numbers in the whole file', () => {
    const next = updateAuditModel(buildAuditModel(text, {}), text, `${text}{oops\n`, {});
    assert.deepEqual(next.problems, [{ line: 6, message: 'Line 6 is not valid JSON.' }]);
  });
});

describe('audit view: a filter passed as a command argument', () => {
  test('known fields of the right type are taken; anything else is refused with the reason', () => {
    assert.deepEqual(filterFromArg({ events: ['change'], actor: 'ann@example.com', from: '2026-11-01' }), { events: ['change'], actor: 'ann@example.com', from: '2026-11-01' });
    assert.match(filterFromArg({ events: 'change' }) as string, /"events" is not a filter field/);
    assert.match(filterFromArg({ component: 42 }) as string, /"component" is not a filter field/);
    assert.match(filterFromArg({ evil: true }) as string, /"evil" is not a filter field/);
    assert.match(filterFromArg({ from: 'soon' }) as string, /not a day/);
  });
});
