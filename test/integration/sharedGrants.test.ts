// One unlock everywhere on the machine: a grant made by the command line shows in the open window
// within a second and a relock there ends it here; an editor unlock makes `protected-files check`
// answer 0; a write from a child process during an editor grant is recorded once, signed, with the
// grant's reason.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestApi } from '../../src/extension';
import { sha256 } from '../../src/core/audit';
import { ScriptedPrompter } from '../../src/vscode/prompter';
import { api, auditRecords, resetGrants, closeAll, fileUri, folderPath, mainFolder, manifestText, readDisk, setCode, show, sleep, waitFor, writeManifest } from './helpers';

const FILE = 'src/booking/bookingService.ts'; // BOOKING_FLOW, tier1
const CODE = 'Amber-Lantern-5820';
const REASON = 'Log the failed rebooking attempts (ticket 88)';
// The built CLI of this checkout: out/test/integration → dist/cli.js.
const CLI = path.join(__dirname, '..', '..', '..', 'dist', 'cli.js');

interface Run { code: number; stdout: string; stderr: string }

function cli(args: string[], input = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { cwd: folderPath(), env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.end(input);
  });
}

describe('grants shared with the command line and other processes', function () {
  let a: TestApi;
  let original: string;

  before(async () => {
    a = await api();
    original = manifestText();
    await waitFor('fixture manifest loaded', () => mainFolder(a).manifest);
    await setCode(a, 'BOOKING_FLOW', CODE);
    await closeAll();
  });

  afterEach(async () => {
    await resetGrants(a);
  });

  after(async () => {
    await writeManifest(a, original);
  });

  it('protected-files unlock makes the open file writeable within a second; protected-files relock locks it again', async () => {
    const editor = await show(a, FILE);
    assert.equal(a.readOnly.appliedTo(editor.document.uri), 'readonly');
    const unlock = await cli(['unlock'], `UNLOCK BOOKING_FLOW WITH CODE: ${CODE} FOR: ${REASON}\n`);
    assert.equal(unlock.code, 0, unlock.stderr);
    assert.ok(!unlock.stdout.includes(CODE) && !unlock.stderr.includes(CODE), 'the code is never echoed');
    const t0 = Date.now();
    await waitFor('the window sees the grant', () => a.service.resolve(fileUri(FILE))?.locked === false, 1_000);
    await a.readOnly.settled();
    await waitFor('the editor is writeable', () => a.readOnly.appliedTo(editor.document.uri) === 'writeable', 1_000);
    assert.ok(Date.now() - t0 < 1_000, `seen after ${Date.now() - t0} ms`);
    assert.equal(a.service.resolve(fileUri(FILE))?.grant?.reason, REASON);

    const relock = await cli(['relock', 'BOOKING_FLOW']);
    assert.equal(relock.code, 0, relock.stderr);
    await waitFor('the window sees the relock', () => a.service.resolve(fileUri(FILE))?.locked === true, 1_000);
    await waitFor('the editor is read-only again', () => a.readOnly.appliedTo(editor.document.uri) === 'readonly', 1_000);
    const ends = auditRecords().filter((r) => r.event === 'relock' && r.component === 'BOOKING_FLOW');
    assert.ok(ends.at(-1)?.grant, 'the relock names the grant it ended');
  });

  it('wrong codes typed in the command line count towards the lockout the editor enforces', async () => {
    const folder = mainFolder(a);
    for (let i = 0; i < 5; i++) {
      const r = await cli(['unlock'], `UNLOCK BOOKING_FLOW WITH CODE: Not-The-Code-${i}x FOR: ${REASON}\n`);
      assert.equal(r.code, 1);
    }
    await waitFor('the window sees the lockout', () => a.unlocks.lockedUntil(folder, { kind: 'component', name: 'BOOKING_FLOW' }) !== undefined, 2_000);
    a.setPrompter(new ScriptedPrompter([CODE, REASON]));
    const choice = a.unlockFlow.choiceForUri(fileUri(FILE));
    assert.ok('choice' in choice);
    const outcome = await a.unlockFlow.unlockChoice(choice.choice);
    assert.ok(outcome && !outcome.ok && /refused until/.test(outcome.message), JSON.stringify(outcome));
    assert.equal(a.service.resolve(fileUri(FILE))?.locked, true, 'the right code does not open a locked-out component');
  });

  it('an editor unlock makes protected-files check answer 0; a child process write under it is recorded once, signed, with the reason', async () => {
    const locked = await cli(['check', FILE]);
    assert.equal(locked.code, 2, 'locked before the unlock');
    a.setPrompter(new ScriptedPrompter([CODE, REASON]));
    const choice = a.unlockFlow.choiceForUri(fileUri(FILE));
    assert.ok('choice' in choice);
    const outcome = await a.unlockFlow.unlockChoice(choice.choice);
    assert.ok(outcome?.ok, JSON.stringify(outcome));
    const allowed = await cli(['check', FILE]);
    assert.equal(allowed.code, 0, allowed.stderr);

    const content = `${readDisk(FILE)}// written by a script under the grant\n`;
    await new Promise<void>((resolve, reject) => execFile('bash', ['-c', 'printf "%s" "$1" > "$0"', FILE, content], { cwd: folderPath() }, (e) => (e ? reject(e) : resolve())));
    await sleep(300);
    await a.breach.settled();
    assert.equal(readDisk(FILE), content, 'a write under a grant is not rolled back');
    const before = auditRecords().length;
    assert.equal(await a.unlocks.relock(mainFolder(a), { kind: 'component', name: 'BOOKING_FLOW' }, 'relock'), true);
    const added = auditRecords().slice(before);
    const changes = added.filter((r) => r.event === 'change' && r.file === FILE);
    assert.equal(changes.length, 1, `one change record: ${JSON.stringify(added.map((r) => r.event))}`);
    assert.equal(changes[0].reason, REASON);
    assert.equal(changes[0].after, sha256(fs.readFileSync(path.join(folderPath(), FILE))));
    assert.ok(changes[0].sig && changes[0].grant, 'signed under the grant');
    // A second relock anywhere finds nothing to end and records nothing more.
    const again = await cli(['relock', '--all']);
    assert.equal(again.code, 0);
    assert.equal(auditRecords().filter((r) => r.event === 'change' && r.file === FILE).length - auditRecords().slice(0, before).filter((r) => r.event === 'change' && r.file === FILE).length, 1);
    await sleep(300);
    await a.breach.settled();
    assert.equal(readDisk(FILE), content, 'the recorded change stays after the relock');
    assert.equal((await cli(['check', FILE])).code, 2, 'locked again for the command line');
  });
});
