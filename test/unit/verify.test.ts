// The verify gate's decision logic (src/core/verify.ts), without git: in-memory changes and records.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, parseAuditLog, renderRecord, sealRecord, sha256, verifyChain } from '../../src/core/audit';
import type { AuditBody, AuditRecord } from '../../src/core/audit';
import { parseManifest } from '../../src/core/manifest';
import type { Manifest } from '../../src/core/manifest';
import { ProtectionMatcher } from '../../src/core/matcher';
import { collision } from '../../src/core/collisions';
import {
  AUDIT_LOG,
  auditLogChange,
  checkAuditLog,
  contentHashes,
  decideVerify,
  foldedScreen,
  parseVerifiedAudit,
  protectedItems,
  renderVerifyReport,
  sameJson,
  shortHash,
} from '../../src/core/verify';
import type { CheckedItem, TreeChange, VerifyInput } from '../../src/core/verify';
import { AUDIT_LOG_PATH } from '../../src/node/auditStore';

const manifest: Manifest = parseManifest(`{
  "tiers": { "tier1": { "label": "Tier 1", "badge": "T1" }, "tier2": { "label": "Tier 2", "badge": "T2" } },
  "components": {
    "BOOKING": { "tier": "tier1", "files": ["src/booking/**"], "risk": "r" },
    "DOCS": { "tier": "tier2", "files": ["docs/**", "src/booking/README.md"], "risk": "r" }
  }
}`).manifest!;
const matcher = new ProtectionMatcher(manifest);
const actor = { name: 'Ann', email: 'ann@example.com' };

function chain(bodies: Partial<AuditBody>[], start: AuditRecord[] = []): AuditRecord[] {
  const out = [...start];
  for (const b of bodies) out.push(sealRecord({ event: 'change', at: '2026-11-22T10:00:00.000Z', actor, ...b } as AuditBody, out[out.length - 1]));
  return out;
}

function items(changes: TreeChange[], contents: Record<string, string> = {}): CheckedItem[] {
  return protectedItems(changes, [matcher]).map((i) => ({ ...i, hashes: i.kind === 'write' ? [sha256(contents[i.path] ?? '')] : [] }));
}

function input(partial: Partial<VerifyInput> & Pick<VerifyInput, 'items'>): VerifyInput {
  return { audit: { records: [], problems: [] }, baseAudit: { records: [], problems: [] }, auditLog: 'unchanged', protectionTier: manifest.tiers[0], ...partial };
}

describe('protectedItems with the folded screen (foldedScreen)', () => {
  // The screen skips the exact matchers for a path no folded matcher classifies: it must never
  // change an answer. Globs with upper case, braces, classes, dotfiles and literal paths; paths in
  // every case, with `./`, `..`, backslashes, empty segments and non-ASCII spellings.
  const text = `{
    "tiers": { "t1": { "label": "T1" }, "t2": { "label": "T2" } },
    "components": {
      "A": { "tier": "t1", "files": ["src/Booking/**", "db/*.SQL", "Infra/main.tf", "**/.env*", "src/{Pay,auth}/*.ts"] },
      "B": { "tier": "t2", "files": ["docs/**/[A-C]*.md", "**/Stripe/*.ts", "café/**", "src/booking/README.md"] }
    }
  }`;
  const m = parseManifest(text).manifest!;
  const before = parseManifest(text.replace('"db/*.SQL"', '"db/**"')).manifest!;
  const dirs = ['src/Booking', 'src/booking', 'SRC/BOOKING', 'db', 'DB', 'Infra', 'infra', 'src/Pay', 'src/pay', 'src/AUTH', 'docs/x',
    'docs', 'a/Stripe', 'a/stripe', 'café', 'cafe\u0301', 'x/./y', 'src/Booking/../booking', '', 'a//b', 'src\\Booking'];
  const names = ['a.ts', 'A.TS', 'x.SQL', 'x.sql', 'main.tf', 'MAIN.TF', '.env', '.ENV.local', 'Alpha.md', 'delta.md', 'README.md', 'readme.MD', 'ü.ts'];
  const paths = dirs.flatMap((d) => names.map((n) => (d ? `${d}/${n}` : n)));
  const changes: TreeChange[] = [
    ...paths.map((path, i): TreeChange => (i % 5 === 0 ? { status: 'deleted', path } : { status: 'modified', path })),
    { status: 'renamed', from: 'src/Booking/a.ts', path: 'src/elsewhere/a.ts' },
    { status: 'renamed', from: 'src/other.ts', path: 'DB/new.sql' },
  ];
  for (const caseInsensitive of [false, true]) {
    test(`the same items with and without the screen${caseInsensitive ? ' (a case-insensitive platform)' : ''}`, () => {
      const matchers = [new ProtectionMatcher(m, { caseInsensitive }), new ProtectionMatcher(before, { caseInsensitive })];
      const folded = [new ProtectionMatcher(m, { caseInsensitive: true }), new ProtectionMatcher(before, { caseInsensitive: true })];
      const collides = (path: string): ReturnType<typeof collision> => collision(path, folded);
      const plain = protectedItems(changes, matchers, collides);
      assert.deepEqual(protectedItems(changes, matchers, collides, foldedScreen(() => folded)), plain);
      assert.ok(plain.length > 20 && plain.length < paths.length, `${plain.length} items: the fixture must have protected and unprotected paths`);
      for (const path of paths) {
        if (matchers.some((x) => x.classify(path))) assert.ok(folded.some((x) => x.classify(path)), `${path}: matched with case but not without`);
      }
    });
  }
});

describe('protectedItems', () => {
  test('keeps protected paths, splits renames, leaves out the audit log and backups', () => {
    const got = protectedItems([
      { status: 'modified', path: 'src/booking/a.ts' },
      { status: 'modified', path: 'src/app.ts' },
      { status: 'renamed', path: 'src/booking/new.ts', from: 'src/booking/old.ts' },
      { status: 'renamed', path: 'src/moved.ts', from: 'src/booking/gone.ts' },
      { status: 'renamed', path: 'src/booking/in.ts', from: 'src/out.ts' },
      { status: 'deleted', path: 'docs/x.md' },
      { status: 'modified', path: AUDIT_LOG },
      { status: 'added', path: '.protection/backups/20261122T1000-abc/src/booking/a.ts' },
      { status: 'modified', path: '.protection/manifest.jsonc' },
    ], [matcher]).map((i) => `${i.kind} ${i.path}${i.renamedFrom ? ` from ${i.renamedFrom}` : ''}${i.renamedTo ? ` to ${i.renamedTo}` : ''}`);
    assert.deepEqual(got, [
      'write src/booking/a.ts',
      'delete src/booking/old.ts to src/booking/new.ts',
      'write src/booking/new.ts from src/booking/old.ts',
      'delete src/booking/gone.ts to src/moved.ts',
      'write src/booking/in.ts from src/out.ts',
      'delete docs/x.md',
      'write .protection/manifest.jsonc',
    ]);
  });

  test('a path protected by any of the manifests counts, at the strictest tier', () => {
    const loose = new ProtectionMatcher(parseManifest('{ "tiers": { "t": {} }, "components": { "X": { "tier": "t", "files": ["x/**"], "risk": "r" } } }').manifest!);
    const got = protectedItems([{ status: 'modified', path: 'src/booking/a.ts' }, { status: 'modified', path: 'x/y' }], [loose, matcher, undefined]);
    assert.deepEqual(got.map((i) => [i.path, i.classification.tier.id]), [['src/booking/a.ts', 'tier1'], ['x/y', 't']]);
  });

  test('the audit log path agrees with the store', () => {
    assert.equal(AUDIT_LOG, AUDIT_LOG_PATH);
  });

  test('auditLogChange', () => {
    assert.equal(auditLogChange([{ status: 'modified', path: 'a' }]), 'unchanged');
    assert.equal(auditLogChange([{ status: 'modified', path: AUDIT_LOG }]), 'modified');
    assert.equal(auditLogChange([{ status: 'added', path: AUDIT_LOG }]), 'added');
    assert.equal(auditLogChange([{ status: 'deleted', path: AUDIT_LOG }]), 'deleted');
    assert.equal(auditLogChange([{ status: 'renamed', path: 'elsewhere', from: AUDIT_LOG }]), 'deleted');
  });
});

describe('decideVerify', () => {
  test('a change approved by the last record passes and names the record', () => {
    const records = chain([{ file: 'src/booking/a.ts', after: sha256('v2') }]);
    const report = decideVerify(input({ items: items([{ status: 'modified', path: 'src/booking/a.ts' }], { 'src/booking/a.ts': 'v2' }), audit: { records, problems: [] }, auditLog: 'modified' }));
    assert.equal(report.ok, true);
    assert.deepEqual(report.changed, [{ file: 'src/booking/a.ts', change: 'write', tier: 'tier1', component: 'BOOKING', sha256: sha256('v2'), recordSeq: 1 }]);
    assert.deepEqual(report.chain, { ok: true, records: 1, newRecords: 1 });
  });

  test('no record, a different last record, an older record, a recreated file', () => {
    const base = chain([{ file: 'src/booking/old.ts', after: sha256('approved long ago') }]);
    const records = chain([
      { file: 'src/booking/b.ts', after: sha256('b1') },
      { file: 'src/booking/b.ts', after: sha256('b2') },
      { file: 'src/booking/c.ts', after: sha256('c-approved') },
      { event: 'delete', file: 'src/booking/d.ts' },
    ], base);
    const report = decideVerify(input({
      items: items([
        { status: 'modified', path: 'src/booking/a.ts' },
        { status: 'modified', path: 'src/booking/b.ts' },
        { status: 'modified', path: 'src/booking/c.ts' },
        { status: 'added', path: 'src/booking/d.ts' },
        { status: 'modified', path: 'src/booking/old.ts' },
      ], { 'src/booking/a.ts': 'a', 'src/booking/b.ts': 'b1', 'src/booking/c.ts': 'c-edited', 'src/booking/d.ts': 'd', 'src/booking/old.ts': 'new' }),
      audit: { records, problems: [] },
      baseAudit: { records: base, problems: [] },
      auditLog: 'modified',
    }));
    assert.equal(report.ok, false);
    assert.deepEqual(report.violations.map((v) => [v.file, v.kind]), [
      ['src/booking/a.ts', 'unrecorded'],
      ['src/booking/b.ts', 'older-approval'],
      ['src/booking/c.ts', 'edited-after-approval'],
      ['src/booking/d.ts', 'recreated-after-delete'],
      ['src/booking/old.ts', 'unrecorded'],
    ]);
    assert.match(report.violations[4].problem, /the last record, seq 1, approved other content/);
    assert.deepEqual(report.chain, { ok: true, records: 5, newRecords: 4 });
  });

  test('a deletion needs a delete record (or a rename record away from the path) as the last word', () => {
    const records = chain([
      { event: 'delete', file: 'src/booking/gone.ts' },
      { file: 'src/booking/changed.ts', after: sha256('x') },
      { file: 'src/booking/new.ts', from: 'src/booking/renamed.ts', after: sha256('r') },
    ]);
    const report = decideVerify(input({
      items: items([
        { status: 'deleted', path: 'src/booking/gone.ts' },
        { status: 'deleted', path: 'src/booking/changed.ts' },
        { status: 'deleted', path: 'src/booking/never.ts' },
        { status: 'renamed', path: 'src/booking/new.ts', from: 'src/booking/renamed.ts' },
      ], { 'src/booking/new.ts': 'r' }),
      audit: { records, problems: [] },
    }));
    assert.deepEqual(report.violations.map((v) => [v.file, v.kind]), [
      ['src/booking/changed.ts', 'deleted-after-change'],
      ['src/booking/never.ts', 'deleted-unrecorded'],
    ]);
    assert.deepEqual(report.changed.filter((c) => c.recordSeq).map((c) => [c.file, c.recordSeq]), [
      ['src/booking/gone.ts', 1],
      ['src/booking/renamed.ts', 3],
      ['src/booking/new.ts', 3],
    ]);
  });

  test('any accepted hash approves (the CRLF form the editor hashed on Windows)', () => {
    const lf = Buffer.from('line 1\nline 2\n');
    const hashes = contentHashes(lf);
    assert.deepEqual(hashes, [sha256(lf), sha256('line 1\r\nline 2\r\n')]);
    assert.deepEqual(contentHashes(Buffer.from('a\r\nb\r\n')), [sha256('a\r\nb\r\n')]);
    assert.deepEqual(contentHashes(Buffer.from([0, 10, 1])).length, 1, 'binary content has one form');
    const records = chain([{ file: 'src/booking/a.ts', after: sha256('line 1\r\nline 2\r\n') }]);
    const [item] = protectedItems([{ status: 'modified', path: 'src/booking/a.ts' }], [matcher]);
    assert.equal(decideVerify(input({ items: [{ ...item, hashes }], audit: { records, problems: [] } })).ok, true);
  });

  test('the staged-mode hint: a matching record that is only in the work tree', () => {
    const workTree = chain([{ file: 'src/booking/a.ts', after: sha256('v2') }]);
    const report = decideVerify(input({ items: items([{ status: 'modified', path: 'src/booking/a.ts' }], { 'src/booking/a.ts': 'v2' }), workTreeAudit: workTree }));
    assert.match(report.violations[0].problem, /not staged: git add \.protection\/audit\.jsonl$/);
    const other = decideVerify(input({ items: items([{ status: 'modified', path: 'src/booking/a.ts' }], { 'src/booking/a.ts': 'v3' }), workTreeAudit: workTree }));
    assert.doesNotMatch(other.violations[0].problem, /not staged/);
  });

  test('the log: unreadable lines, a broken chain, a rewritten prefix, a deleted log', () => {
    const base = chain([{ file: 'src/booking/a.ts', after: sha256('1') }, { file: 'src/booking/a.ts', after: sha256('2') }]);
    const edited = [{ ...base[0], reason: 'changed later' }, base[1]];
    const r1 = decideVerify(input({ items: [], audit: { records: edited, problems: [{ line: 3, message: 'Line 3 is not valid JSON.' }] }, baseAudit: { records: base, problems: [] }, auditLog: 'modified' }));
    assert.deepEqual(r1.violations.map((v) => [v.file, v.badge, v.component, v.kind]), [
      [AUDIT_LOG, 'T1', undefined, 'audit-unreadable'],
      [AUDIT_LOG, 'T1', undefined, 'chain-broken'],
      [AUDIT_LOG, 'T1', undefined, 'audit-rewritten'],
    ]);
    assert.equal(r1.violations[0].problem, 'Line 3 is not valid JSON');
    assert.equal(r1.chain.ok, false);
    assert.equal(r1.chain.break?.index, 0);

    const shorter = decideVerify(input({ items: [], audit: { records: base.slice(0, 1), problems: [] }, baseAudit: { records: base, problems: [] }, auditLog: 'modified' }));
    assert.deepEqual(shorter.violations.map((v) => v.kind), ['audit-rewritten']);
    assert.match(shorter.violations[0].problem, /record 2 \(seq 2, change src\/booking\/a\.ts\) of the earlier log was removed:/);

    const deleted = decideVerify(input({ items: [], audit: undefined, baseAudit: { records: base, problems: [] }, auditLog: 'deleted' }));
    assert.deepEqual(deleted.violations.map((v) => v.kind), ['audit-deleted']);

    const grown = decideVerify(input({ items: [], audit: { records: chain([{ event: 'unlock', file: 'x' }], base), problems: [] }, baseAudit: { records: base, problems: [] }, auditLog: 'modified' }));
    assert.equal(grown.ok, true);
    assert.equal(grown.chain.newRecords, 1);
  });

  test('introducing the manifest: files need no records yet, the log is still checked', () => {
    const report = decideVerify(input({ items: items([{ status: 'added', path: 'src/booking/a.ts' }], { 'src/booking/a.ts': 'a' }), introducing: true }));
    assert.equal(report.ok, true);
    assert.equal(report.introducing, true);
    const broken = chain([{ file: 'x' }]);
    broken[0] = { ...broken[0], file: 'y' };
    assert.equal(decideVerify(input({ items: [], audit: { records: broken, problems: [] }, introducing: true })).ok, false);
  });
});

describe('the audit log checks, computed apart', () => {
  test('sameJson agrees with comparing canonicalJson', () => {
    const values: unknown[] = [
      null, 0, -0, 1, 1.5, '', '1', true, false, [], {}, [null], [undefined], [1, 2], [2, 1], { a: 1 }, { a: 1, b: undefined }, { b: undefined },
      { a: '1' }, { a: [1] }, { a: { b: 1, c: 2 } }, { a: { c: 2, b: 1 } }, { actor: { name: 'Ann', email: 'a' } }, { actor: { email: 'a', name: 'Ann' } },
      { constructor: 1 }, JSON.parse('{"__proto__": 1}'), { a: null }, { a: [] }, { a: {} },
    ];
    for (const a of values) {
      for (const b of values) assert.equal(sameJson(a, b), canonicalJson(a) === canonicalJson(b), `${canonicalJson(a)} vs ${canonicalJson(b)}`);
    }
  });

  test('parseVerifiedAudit reads as parseAuditLog does, only the appended lines when the earlier log is a prefix', () => {
    const records = chain([{ file: 'a' }, { file: 'b' }, { file: 'c' }]);
    const lines = records.map(renderRecord);
    const cases: [string | undefined, string | undefined][] = [
      [`${lines.join('\n')}\n`, `${lines.slice(0, 2).join('\n')}\n`],
      [`${lines.join('\n')}\n`, `${lines.join('\n')}\n`],
      [`${lines[0]}\nnot json\n\n${lines[1]}\n${lines[2]}`, `${lines[0]}\nnot json\n\n`],
      [`${lines[0]}\nnot json\n${lines[1]}\n`, `${lines[0]}\nnot json\n${lines[1]}\n`],
      [`${lines[0]}\r\n${lines[1]}\r\n`, `${lines[0]}\r\n`],
      [`${lines.join('\n')}\n`, lines.slice(0, 2).join('\n')],
      [`${lines.join('\n')}\n`, `${lines[1]}\n`],
      [`${lines.join('\n')}\n`, ''],
      [`${lines.join('\n')}\n`, undefined],
      [undefined, `${lines.join('\n')}\n`],
      ['', '\n'],
    ];
    for (const [text, base] of cases) {
      if (text === undefined) continue;
      const parsedBase = base === undefined ? undefined : parseAuditLog(base);
      const parsed = parseVerifiedAudit(text, parsedBase, base);
      assert.deepEqual(parsed, parseAuditLog(text), JSON.stringify([text, base]));
      // Grown by whole lines: the earlier log's records are the same objects (checkAuditLog then checks the chain from there on).
      if (parsedBase && base!.endsWith('\n') && text.startsWith(base!)) {
        assert.ok(parsedBase.records.every((r, i) => parsed.records[i] === r), JSON.stringify([text, base]));
      }
    }
  });

  test('checkAuditLog given the earlier log\'s chain answers as it does without it, breaks before and after the earlier end included', () => {
    const records = chain([{ file: 'a' }, { file: 'b' }, { file: 'c' }, { file: 'd' }]);
    const text = (rs: AuditRecord[]): string => `${rs.map(renderRecord).join('\n')}\n`;
    const forged = (r: AuditRecord): AuditRecord => ({ ...r, reason: 'edited afterwards' });
    const cases: [AuditRecord[], AuditRecord[]][] = [
      [records, records.slice(0, 2)],
      [records, records],
      [records, []],
      [[records[0], forged(records[1]), ...records.slice(2)], [records[0], forged(records[1])]], // broken in the earlier part
      [[...records.slice(0, 2), forged(records[2]), records[3]], records.slice(0, 2)], // broken in the appended part
      [[...records.slice(0, 2), records[3]], records.slice(0, 2)], // a record left out right after the earlier end
      [[records[0], records[2], records[3]], records.slice(0, 2)], // the earlier log rewritten
    ];
    for (const [target, base] of cases) {
      const baseText = text(base);
      const baseAudit = parseAuditLog(baseText);
      const audit = parseVerifiedAudit(text(target), baseAudit, baseText);
      const label = JSON.stringify([target.map((r) => r.seq), base.map((r) => r.seq)]);
      const withChain = checkAuditLog(audit, baseAudit, verifyChain(baseAudit.records));
      assert.deepEqual(withChain, checkAuditLog(audit, baseAudit), label);
      assert.deepEqual(withChain.chain, verifyChain(parseAuditLog(text(target)).records), label);
    }
    // A verdict about other records than the verified log's first ones is not used.
    const other = parseAuditLog(text(records.slice(0, 2)));
    const audit = parseAuditLog(text([records[0], forged(records[1]), ...records.slice(2)]));
    assert.equal(checkAuditLog(audit, other, { ok: true }).chain.ok, false);
  });

  test('checkAuditLog: what decideVerify finds in the log, given to it precomputed', () => {
    const base = chain([{ file: 'src/booking/a.ts', after: sha256('1') }, { file: 'src/booking/a.ts', after: sha256('2') }]);
    const edited = [{ ...base[0], reason: 'changed later' }, base[1]];
    const grown = chain([{ event: 'unlock', file: 'x' }], base);
    assert.deepEqual(checkAuditLog({ records: grown, problems: [] }, { records: base, problems: [] }), { chain: { ok: true }, firstLost: -1, newRecords: 1 });
    assert.equal(checkAuditLog({ records: edited, problems: [] }, { records: base, problems: [] }).firstLost, 0);
    assert.equal(checkAuditLog({ records: base.slice(0, 1), problems: [] }, { records: base, problems: [] }).firstLost, 1);
    assert.equal(checkAuditLog(undefined, { records: base, problems: [] }).firstLost, -1);
    const audit = { records: edited, problems: [] };
    const baseAudit = { records: base, problems: [] };
    const plain = decideVerify(input({ items: [], audit, baseAudit, auditLog: 'modified' }));
    assert.deepEqual(decideVerify(input({ items: [], audit, baseAudit, auditLog: 'modified', auditCheck: checkAuditLog(audit, baseAudit) })), plain);
  });

  test('contentHashes: the CRLF form of every line ending, also the last and empty lines', () => {
    for (const text of ['a\nb\n', 'a\nb', '\n', '\n\n', 'x\n\ny', 'é\n☃\n']) {
      assert.deepEqual(contentHashes(Buffer.from(text)), [sha256(text), sha256(text.replace(/\n/g, '\r\n'))], JSON.stringify(text));
    }
    const sub = Buffer.from('zz a\nb\n zz').subarray(3, 7);
    assert.deepEqual(contentHashes(sub), [sha256('a\nb\n'), sha256('a\r\nb\r\n')], 'a view into a larger buffer');
    assert.deepEqual(contentHashes(Buffer.from('no newline')), [sha256('no newline')]);
  });
});

describe('renderVerifyReport', () => {
  test('PASS: one summary line and the chain', () => {
    const records = chain([{ file: 'src/booking/a.ts', after: sha256('v') }]);
    const report = decideVerify(input({ items: items([{ status: 'modified', path: 'src/booking/a.ts' }], { 'src/booking/a.ts': 'v' }), audit: { records, problems: [] } }));
    assert.equal(renderVerifyReport(report, 'staged'), 'PASS protected-files verify: 1 protected file(s) changed, all recorded\n  audit log: chain OK, 1 record(s), 1 new\n');
  });

  test('FAIL: one line per violation, then what to do for each kind of problem', () => {
    const report = decideVerify(input({
      items: items([{ status: 'modified', path: 'src/booking/a.ts' }, { status: 'deleted', path: 'docs/x.md' }], { 'src/booking/a.ts': 'a' }),
      audit: { records: [], problems: [{ line: 1, message: 'Line 1 is not valid JSON.' }] },
    }));
    const text = renderVerifyReport(report, 'range');
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[0], 'FAIL protected-files verify: 3 violation(s)');
    assert.equal(lines[1], `  src/booking/a.ts  T1 BOOKING  changed without a matching audit record (content sha256 ${shortHash(sha256('a'))})`);
    assert.equal(lines[2], '  docs/x.md  T2 DOCS  deleted without a matching audit record (a delete record is needed)');
    assert.equal(lines[3], '  .protection/audit.jsonl  T1 .protection  Line 1 is not valid JSON');
    assert.match(lines[4], /^What to do: Unlock it in VS Code .* then commit \.protection\/audit\.jsonl too\.$/);
    assert.match(lines[5], /^What to do: restore the file, or unlock it in VS Code and delete or rename it there/);
    assert.match(lines[6], /^What to do: the audit log may only grow.*git show <base>:\.protection\/audit\.jsonl/);
    // The base as given (`--base origin/main`), and the way without VS Code.
    const named = renderVerifyReport(report, 'range', 'origin/main');
    assert.match(named, /git show origin\/main:\.protection\/audit\.jsonl/);
    assert.match(named, /without VS Code: protected-files unlock <component>, make the change, protected-files record/);
  });

  test('records render as the store writes them (the tests build logs with renderRecord)', () => {
    const [r] = chain([{ file: 'a' }]);
    assert.deepEqual(JSON.parse(renderRecord(r)), r);
  });
});

describe('line endings', () => {
  test('sameButLineEndings: the same text with LF and CRLF, either way round; not binary, not another text', async () => {
    const { sameButLineEndings } = await import('../../src/core/lineEndings');
    const lf = Buffer.from('a\nb\n');
    assert.equal(sameButLineEndings(lf, Buffer.from('a\r\nb\r\n')), true);
    assert.equal(sameButLineEndings(Buffer.from('a\r\nb\r\n'), lf), true);
    assert.equal(sameButLineEndings(lf, Buffer.from('a\r\nc\r\n')), false);
    assert.equal(sameButLineEndings(lf, lf), false);
    assert.equal(sameButLineEndings(Buffer.from('a\n\0'), Buffer.from('a\r\n\0')), false, 'binary content has one form');
    assert.equal(sameButLineEndings(Buffer.from('a\nb\r\n'), Buffer.from('a\r\nb\r\n')), false, 'mixed endings are not converted');
  });
});
