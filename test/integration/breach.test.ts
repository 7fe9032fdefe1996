// Writes that bypass the editor, from a child process while VS Code is open and from another
// extension's WorkspaceEdit: each ends with the approved content back (tier "restore") or kept and
// recorded (tier "warn"), with a backup of what was written and the right records.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import { sha256 } from '../../src/core/audit';
import type { BreachOutcome } from '../../src/vscode/breachGuard';
import { ScriptedPrompter } from '../../src/vscode/prompter';
import { api, auditRecords, closeAll, fileUri, folderPath, readDisk, sleep, unlockAsOwner, waitFor } from './helpers';

const T1 = 'src/booking/pricing.ts'; // BOOKING_FLOW, tier1, onBreach restore
const T1B = 'src/context/PersistentChatProvider.tsx';
const T2 = 'supabase/migrations/001_init.sql'; // MIGRATIONS, tier2, onBreach warn

/** Runs a shell command in a child process without blocking the extension host (the guard must keep working). */
function sh(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', script], { cwd: folderPath() }, (err, _out, stderr) => (err ? reject(new Error(`${script}: ${stderr}`)) : resolve()));
  });
}

/** Waits until the guard reports a breach of `rel`, then until its queue is empty. */
function nextBreach(a: TestApi, rel: string): Promise<BreachOutcome> {
  return new Promise((resolve) => {
    const d = a.breach.onDidHandle((o) => {
      if (o.relPath !== rel) return;
      d.dispose();
      resolve(o);
    });
  });
}

async function settled(a: TestApi, rel: string, content: string): Promise<void> {
  await waitFor(`${rel} restored`, () => fs.existsSync(path.join(folderPath(), rel)) && readDisk(rel) === content, 10_000);
  await a.breach.settled();
}

describe('breach detection and rollback', function () {
  let a: TestApi;

  before(async () => {
    a = await api();
    await closeAll();
  });

  afterEach(async () => {
    await a.breach.settled();
  });

  const routes: [string, (rel: string) => string][] = [
    ['a plain write', (rel) => `printf 'export const hacked = 1;\\n' > ${rel}`],
    ['sed -i', (rel) => `sed -i 's/export/export \\/\\* sed \\*\\//' ${rel}`],
    ['write to a temp file and mv over it', (rel) => `printf 'replaced\\n' > /tmp/pf-agent.$$ && mv /tmp/pf-agent.$$ ${rel}`],
  ];
  for (const [name, script] of routes) {
    it(`${name} to a tier-1 file is backed up, recorded and restored`, async () => {
      const approved = readDisk(T1);
      const count = auditRecords().length;
      const breach = nextBreach(a, T1);
      await sh(script(T1));
      const written = readDisk(T1) !== approved ? readDisk(T1) : undefined;
      const outcome = await breach;
      await settled(a, T1, approved);
      assert.equal(outcome.kind, 'modified');
      assert.equal(outcome.restored, true);
      assert.ok(outcome.backup, 'the breaching content is backed up');
      const added = auditRecords().slice(count);
      // A reader may catch a writer half-way (a truncated file): that version is a breach of its own.
      assert.equal(added[0]?.event, 'breach');
      assert.equal(added.at(-1)?.event, 'restore');
      assert.ok(added.every((r) => r.event === 'breach' || r.event === 'restore'), added.map((r) => r.event).join());
      const breaches = added.filter((x) => x.event === 'breach');
      for (const r of breaches) {
        assert.equal(sha256(fs.readFileSync(path.join(folderPath(), r.backup ?? ''))), r.after, 'each backup holds its recorded breaching version');
      }
      if (written !== undefined) assert.ok(breaches.some((r) => r.after === sha256(written)), 'what was written is backed up');
      assert.equal(added[0].file, T1);
      assert.equal(added[0].component, 'BOOKING_FLOW');
      assert.equal(added[0].before, sha256(approved));
      assert.equal(added[0].backup, outcome.backup);
      assert.ok(added[0].osUser, 'the OS user is recorded');
      assert.equal(added.at(-1)?.after, sha256(approved));
    });
  }

  it('rm of a tier-1 file is recorded and the file comes back', async () => {
    const approved = readDisk(T1B);
    const breach = nextBreach(a, T1B);
    await sh(`rm ${T1B}`);
    const outcome = await breach;
    await settled(a, T1B, approved);
    assert.equal(outcome.kind, 'deleted');
    assert.equal(auditRecords().filter((r) => r.event === 'breach').at(-1)?.detail, 'deleted outside the editor while locked');
  });

  it('the folder of locked files moved away and made again with a write: every locked file in it comes back, each recorded', async () => {
    // `mv src elsewhere`: the OS watchers of src/booking and src/context go with their folders; the
    // guard sees the move from the folder above, as it sees `rm -rf src/booking`.
    const locked = [T1, T1B, 'src/booking/bookingService.ts'];
    const approved = new Map(locked.map((rel) => [rel, readDisk(rel)]));
    const away = path.join(path.dirname(folderPath()), `pf-src-away-${Date.now()}`);
    const count = auditRecords().length;
    try {
      await sh(`mv src '${away}' && mkdir -p src/booking && echo evil > ${T1}`);
      await waitFor('the locked files back', () => locked.every((rel) => fs.existsSync(path.join(folderPath(), rel)) && readDisk(rel) === approved.get(rel)), 10_000);
      await a.breach.settled();
      const breached = new Set(auditRecords().slice(count).filter((r) => r.event === 'breach').map((r) => r.file));
      for (const rel of locked) assert.ok(breached.has(rel), `${rel} recorded as a breach`);
      assert.ok(auditRecords().slice(count).some((r) => r.event === 'breach' && r.file === T1 && r.after === sha256('evil\n')), 'the write into the new folder is recorded');
    } finally {
      // The unprotected files of src/ (src/utils) back for the tests that follow.
      await sh(`cp -rn '${away}'/. src/ && rm -rf '${away}'`);
    }
  });

  it('named pipes put in place of a tier-1 file and of the manifest: never waited on; both come back and protection stays', async () => {
    // An agent's `rm f && mkfifo f`: a read of a pipe waits for a writer, and each would hold one of
    // the extension host's few file-system threads for good (after four, no file operation of any
    // extension ends). The guard and the manifest loader read regular files only.
    const approved = readDisk(T1);
    const manifest = readDisk('.protection/manifest.jsonc');
    const breach = nextBreach(a, T1);
    await sh(`rm ${T1} && mkfifo ${T1}`);
    await breach;
    await settled(a, T1, approved);
    assert.ok(fs.statSync(path.join(folderPath(), T1)).isFile());
    // The manifest: the guard puts it back within a fraction of a second, so the loader is asked at
    // once, until it has seen the pipe (a read of it would stop this host, and the test, for good).
    const folder = a.service.all()[0];
    let seen: string | undefined;
    for (let attempt = 0; attempt < 20 && !seen; attempt++) {
      await waitFor('the manifest a file', () => fs.statSync(path.join(folderPath(), '.protection/manifest.jsonc')).isFile(), 10_000);
      await sh('rm .protection/manifest.jsonc && mkfifo .protection/manifest.jsonc');
      await folder.reload();
      const state = folder.state;
      if (state.kind === 'broken') seen = state.problems[0]?.message;
      assert.ok(folder.manifest, 'the last valid manifest stays in force');
    }
    assert.equal(seen, '.protection/manifest.jsonc is a named pipe, not a file.');
    await waitFor('the manifest back as a file', () => fs.statSync(path.join(folderPath(), '.protection/manifest.jsonc')).isFile() && readDisk('.protection/manifest.jsonc') === manifest, 10_000);
    await a.breach.settled();
    await waitFor('the manifest read again', () => folder.state.kind === 'ok', 10_000);
    // Still protected, and the host's file operations still end (one pipe read more would not).
    assert.equal(a.service.resolve(fileUri(T1))?.locked, true);
    const reads = await Promise.all(Array.from({ length: 8 }, () => vscode.workspace.fs.readFile(fileUri(T1))));
    for (const bytes of reads) assert.equal(new TextDecoder().decode(bytes), approved);
  });

  it('git checkout -- file over an approved change is rolled back to the approved content', async () => {
    // Approve a change first (unlock, write, relock records it), so HEAD is no longer the approved content.
    const f = a.service.resolve(fileUri(T1));
    assert.ok(f);
    await unlockAsOwner(a, f.folder, f.target, f.classification, 'Round prices to cents (ticket 9)');
    const approved = `${readDisk(T1)}// approved line\n`;
    fs.writeFileSync(path.join(folderPath(), T1), approved);
    await sleep(300);
    await a.unlocks.relock(f.folder, f.target, 'relock');
    await a.breach.settled();
    const change = auditRecords().filter((r) => r.event === 'change').at(-1);
    assert.equal(change?.file, T1);
    assert.equal(change?.after, sha256(approved));
    const breach = nextBreach(a, T1);
    await sh(`git checkout -- ${T1}`);
    await breach;
    await settled(a, T1, approved);
  });

  it('mv (rename) of a tier-1 file puts it back at its path', async () => {
    const approved = readDisk(T1B);
    const breach = nextBreach(a, T1B);
    await sh(`mv ${T1B} ${T1B}.moved`);
    await breach;
    await settled(a, T1B, approved);
    fs.rmSync(path.join(folderPath(), `${T1B}.moved`), { force: true });
  });

  it('a tier-2 (warn) file keeps the change, recorded and backed up, and Restore brings it back', async () => {
    const approved = readDisk(T2);
    const count = auditRecords().length;
    const breach = nextBreach(a, T2);
    await sh(`printf 'DROP TABLE bookings;\\n' >> ${T2}`);
    const outcome = await breach;
    await a.breach.settled();
    await sleep(300);
    assert.equal(outcome.restored, false);
    assert.equal(readDisk(T2), `${approved}DROP TABLE bookings;\n`, 'warn keeps the change');
    assert.deepEqual(auditRecords().slice(count).map((r) => r.event), ['breach']);
    const f = a.service.resolve(fileUri(T2));
    assert.ok(f);
    assert.equal(await a.breach.restoreNow(f), true);
    await settled(a, T2, approved);
    assert.equal(auditRecords().at(-1)?.event, 'restore');
  });

  it('a WorkspaceEdit that deletes, renames or overwrites a locked file is rolled back', async () => {
    const approved = readDisk(T1);
    for (const make of [
      (e: vscode.WorkspaceEdit) => e.deleteFile(fileUri(T1)),
      (e: vscode.WorkspaceEdit) => e.renameFile(fileUri(T1), fileUri(`${T1}.renamed`)),
      (e: vscode.WorkspaceEdit) => e.createFile(fileUri(T1), { overwrite: true, contents: new TextEncoder().encode('overwritten\n') }),
    ]) {
      const breach = nextBreach(a, T1);
      const edit = new vscode.WorkspaceEdit();
      make(edit);
      assert.equal(await vscode.workspace.applyEdit(edit), true);
      await breach;
      await settled(a, T1, approved);
    }
    fs.rmSync(path.join(folderPath(), `${T1}.renamed`), { force: true });
  });

  it('many deletions at once: every file restored', async () => {
    const files = ['src/booking/bookingService.ts', T1, T1B];
    const approved = files.map((f) => readDisk(f));
    await sh(`rm ${files.join(' ')}`);
    await waitFor('all restored', () => files.every((f, i) => fs.existsSync(path.join(folderPath(), f)) && readDisk(f) === approved[i]), 15_000);
    await a.breach.settled();
  });

  it('a storm of writes for seconds ends restored, each backed-up version once', async function () {
    this.timeout(90_000);
    const approved = readDisk(T1);
    const count = auditRecords().length;
    await sh(`for i in $(seq 1 60); do printf "storm $i\\n" > ${T1}; sleep 0.05; done`);
    await waitFor(`${T1} restored after the storm`, () => fs.existsSync(path.join(folderPath(), T1)) && readDisk(T1) === approved, 30_000);
    await a.breach.settled();
    await sleep(500);
    await a.breach.settled();
    assert.equal(readDisk(T1), approved);
    const breaches = auditRecords().slice(count).filter((r) => r.event === 'breach');
    assert.ok(breaches.length >= 1, 'the storm was recorded');
    const hashes = breaches.map((r) => r.after);
    assert.equal(new Set(hashes).size, hashes.length, 'each distinct version is recorded and backed up once');
    for (const r of breaches) assert.equal(sha256(fs.readFileSync(path.join(folderPath(), r.backup ?? ''))), r.after);
  });

  it('a save through the editor of an unlocked file is not a breach', async () => {
    const f = a.service.resolve(fileUri(T1));
    assert.ok(f);
    await unlockAsOwner(a, f.folder, f.target, f.classification, 'Editor save is not a breach');
    const doc = await vscode.workspace.openTextDocument(fileUri(T1));
    await vscode.window.showTextDocument(doc);
    await a.readOnly.settled();
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(0, 0), '// saved in the editor\n');
    await vscode.workspace.applyEdit(edit);
    const count = auditRecords().length;
    assert.equal(await doc.save(), true);
    await waitFor('relocked', () => a.service.resolve(fileUri(T1))?.locked);
    await waitFor('the relock record', () => auditRecords().length >= count + 2);
    await sleep(800);
    await a.breach.settled();
    assert.deepEqual(auditRecords().slice(count).map((r) => r.event), ['change', 'relock']);
    assert.ok(readDisk(T1).startsWith('// saved in the editor\n'));
    await closeAll();
  });

  it('optional on-disk read-only removes write bits while locked and gives them back', async () => {
    const file = path.join(folderPath(), T1);
    const mode = (): number => fs.statSync(file).mode & 0o777;
    const before = mode();
    assert.notEqual(before & 0o200, 0, 'the fixture file starts writable');
    const config = vscode.workspace.getConfiguration('protectedFiles');
    await config.update('enforceFilePermissions', true, vscode.ConfigurationTarget.Workspace);
    try {
      await waitFor('write bits removed', () => (mode() & 0o222) === 0);
      const f = a.service.resolve(fileUri(T1));
      assert.ok(f);
      await unlockAsOwner(a, f.folder, f.target, f.classification, 'Permissions come back on unlock');
      await waitFor('write bits back on unlock', () => mode() === before);
      await a.unlocks.relock(f.folder, f.target, 'relock');
      await waitFor('write bits removed on relock', () => (mode() & 0o222) === 0);
    } finally {
      await config.update('enforceFilePermissions', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor('write bits back when the setting is off', () => mode() === before);
  });

  it('a deletion while unlocked is recorded as an approved deletion and not rolled back', async () => {
    const rel = 'src/booking/legacyRefunds.ts';
    const file = path.join(folderPath(), rel);
    // A new protected file, approved through an unlock.
    const f0 = a.service.resolve(fileUri(T1));
    assert.ok(f0);
    await unlockAsOwner(a, f0.folder, f0.target, f0.classification, 'Add the legacy refunds module');
    fs.writeFileSync(file, 'export const legacy = true;\n');
    await sleep(300);
    await a.unlocks.relock(f0.folder, f0.target, 'relock');
    await a.breach.settled();
    assert.ok(auditRecords().some((r) => r.event === 'change' && r.file === rel), 'the new file is recorded when the unlock ends');
    await unlockAsOwner(a, f0.folder, f0.target, f0.classification, 'Remove the legacy refunds module');
    fs.rmSync(file);
    await sleep(300);
    await a.unlocks.relock(f0.folder, f0.target, 'relock');
    await a.breach.settled();
    const del = auditRecords().filter((r) => r.event === 'delete').at(-1);
    assert.equal(del?.file, rel);
    assert.equal(del?.reason, 'Remove the legacy refunds module');
    assert.equal(del?.before, sha256('export const legacy = true;\n'));
    await sleep(2500); // the poll runs every second: the deletion must stay
    await a.breach.settled();
    assert.equal(fs.existsSync(file), false, 'an approved deletion is not rolled back');
  });

  it('"Unlock and Keep the Change…" unlocks with a reason, puts the breaching content back and records it', async () => {
    const approved = readDisk(T1B);
    const breach = nextBreach(a, T1B);
    await sh(`printf 'export const keptByOwner = true;\\n' >> ${T1B}`);
    const outcome = await breach;
    await a.breach.settled();
    assert.ok(outcome.backup);
    const kept = fs.readFileSync(path.join(folderPath(), outcome.backup));
    assert.equal(outcome.restored, true);
    await settled(a, T1B, approved);
    // BOOKING_FLOW has no code in the fixture yet: the unlock only wants a reason (and warns).
    a.setPrompter(new ScriptedPrompter(['Keep the flag the owner wrote in the terminal']));
    try {
      await a.keepChange(fileUri(T1B), kept);
    } finally {
      a.setPrompter(undefined);
    }
    await a.breach.settled();
    assert.equal(readDisk(T1B), `${approved}export const keptByOwner = true;\n`);
    assert.equal(a.service.resolve(fileUri(T1B))?.locked, true, 'relocked after keeping the change');
    const change = auditRecords().filter((r) => r.event === 'change' && r.file === T1B).at(-1);
    assert.equal(change?.reason, 'Keep the flag the owner wrote in the terminal');
    assert.equal(change?.after, sha256(kept));
    await sleep(1500); // the kept content is now approved: no rollback follows
    await a.breach.settled();
    assert.equal(readDisk(T1B), `${approved}export const keptByOwner = true;\n`);
  });
  it('the audit log emptied or deleted from outside is put back as the guard read it, and the loss recorded', async () => {
    const LOG = '.protection/audit.jsonl';
    const logPath = path.join(folderPath(), ...LOG.split('/'));
    for (const cut of [`: > ${LOG}`, `rm ${LOG}`]) {
      // What the guard has read: the records of the tests before, once their log events have been taken.
      await sleep(800);
      await a.breach.settled();
      const seen = fs.readFileSync(logPath);
      assert.ok(seen.length > 0, 'the log holds records');
      await sh(cut);
      await waitFor('the log put back, then its breach', () => {
        if (!fs.existsSync(logPath)) return false;
        const now = fs.readFileSync(logPath);
        return now.length > seen.length && now.subarray(0, seen.length).equals(seen) && auditRecords().at(-1)?.file === LOG;
      }, 10_000);
      const last = auditRecords().at(-1);
      assert.equal(last?.event, 'breach');
      assert.match(last?.detail ?? '', /put back from the guard's copy/);
    }
  });

  it('git switch to a branch that changes and adds locked files, and back: git\'s versions stay, nothing is a breach', async function () {
    this.timeout(60_000);
    const SERVICE = 'src/booking/bookingService.ts';
    const ADDED = 'src/booking/discounts.ts';
    const original = readDisk(SERVICE);
    // The branch is made with git's plumbing (the work tree is not touched), and checked out slowly: a
    // smudge filter sleeps 0.5 s a file, so git writes the first file long before it moves HEAD.
    await sh([
      'set -e',
      `svc=$(printf 'export const service = "feature";\\n' | git hash-object -w --stdin)`,
      `add=$(printf 'export const discount = 10;\\n' | git hash-object -w --stdin)`,
      'export GIT_INDEX_FILE=$(mktemp -u)',
      'git read-tree HEAD',
      `git update-index --add --cacheinfo 100644,$svc,${SERVICE} --cacheinfo 100644,$add,${ADDED}`,
      'git branch -f pf-feature $(git commit-tree $(git write-tree) -p HEAD -m feature)',
      'rm -f "$GIT_INDEX_FILE"',
      `printf 'src/booking/* filter=slow\\n' > .gitattributes`,
    ].join('\n'));
    const outcomes: BreachOutcome[] = [];
    const d = a.breach.onDidHandle((o) => outcomes.push(o));
    const slow = `git -c filter.slow.smudge='sleep 0.5; cat' -c filter.slow.clean=cat`;
    try {
      await sh(`${slow} switch -q pf-feature`);
      await sleep(1500);
      await a.breach.settled();
      assert.equal(readDisk(SERVICE), 'export const service = "feature";\n');
      assert.equal(readDisk(ADDED), 'export const discount = 10;\n');
      await sh(`${slow} switch -q -`);
      await sleep(1500);
      await a.breach.settled();
      assert.equal(readDisk(SERVICE), original);
      assert.equal(fs.existsSync(path.join(folderPath(), ADDED)), false);
      assert.deepEqual(outcomes.map((o) => o.relPath), [], 'no breach');
    } finally {
      d.dispose();
      await sh('rm -f .gitattributes && git branch -D -q pf-feature');
    }
    // Still guarded once git is done.
    const breach = nextBreach(a, SERVICE);
    await sh(`printf 'export const hacked = 1;\\n' > ${SERVICE}`);
    await breach;
    await settled(a, SERVICE, original);
  });
});
