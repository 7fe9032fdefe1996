// Changes made while nothing was watching (test/integration/beforeLaunch.sh writes them after the
// fixture's commit, before VS Code starts): found at start, backed up and recorded, restored where
// the tier says restore, kept and reported where it says warn; a manifest written then is not put in force.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sha256 } from '../../src/core/audit';
import { api, auditRecords, folderPath, readDisk, waitFor } from './helpers';

const T1 = 'src/booking/startCheck.ts'; // BOOKING_FLOW, tier1, onBreach restore
const T2 = 'supabase/migrations/000_start_check.sql'; // MIGRATIONS, tier2, onBreach warn
const MANIFEST = '.protection/manifest.jsonc'; // replaced by one that protects nothing before launch

function committed(rel: string): string {
  return execFileSync('git', ['show', `HEAD:${rel}`], { cwd: folderPath(), encoding: 'utf8' });
}

describe('breach at start: files changed before the window opened', function () {
  it('a tier-1 file is restored and a tier-2 file reported, each with a breach record', async () => {
    const a = await api();
    const found = await a.breach.checkedAtStart();
    const t1 = found.find((o) => o.relPath === T1);
    const t2 = found.find((o) => o.relPath === T2);
    assert.ok(t1 && t2, `found at start: ${found.map((o) => o.relPath).join(', ')}`);
    assert.equal(t1.restored, true);
    assert.equal(t1.kind, 'modified');
    assert.equal(t1.atStart, true);
    assert.equal(t2.restored, false);
    await a.breach.settled();
    assert.equal(readDisk(T1), committed(T1), 'the approved (committed) content is back');
    assert.equal(readDisk(T2), `${committed(T2)}drop table start_check;\n`, 'warn keeps the change');
    const records = auditRecords();
    const b1 = records.find((r) => r.event === 'breach' && r.file === T1);
    assert.ok(b1, 'a breach record for the tier-1 file');
    assert.equal(b1.before, sha256(committed(T1)));
    assert.equal(b1.after, sha256(`${committed(T1)}// written while VS Code was closed\n`));
    assert.match(b1.detail ?? '', /found at start/);
    assert.equal(fs.readFileSync(path.join(folderPath(), b1.backup ?? ''), 'utf8'), `${committed(T1)}// written while VS Code was closed\n`, 'the breaching content is backed up');
    assert.ok(records.some((r) => r.event === 'restore' && r.file === T1 && r.after === sha256(committed(T1))));
    const b2 = records.find((r) => r.event === 'breach' && r.file === T2);
    assert.ok(b2, 'a breach record for the tier-2 file');
    assert.ok(!records.some((r) => r.event === 'restore' && r.file === T2));
    // The manifest that protects nothing, written before launch, was never in force when the files
    // were judged; it is a breach of its own, and the committed one is back on disk.
    assert.equal(readDisk(MANIFEST), committed(MANIFEST));
    assert.ok(records.some((r) => r.event === 'restore' && r.file === MANIFEST), 'the manifest restored');
    assert.deepEqual(a.service.all()[0].manifest?.components.map((c) => c.name).sort(), ['BOOKING_FLOW', 'MIGRATIONS']);
    // Other files, unchanged since the commit, are not breaches.
    assert.deepEqual([...new Set(records.filter((r) => r.event === 'breach' && /found at start/.test(r.detail ?? '')).map((r) => r.file))].sort(), [T2, T1, MANIFEST].sort());
    await waitFor('this window is the active guard', () => a.breach.isActiveGuard(a.service.all()[0]));
  });
});
