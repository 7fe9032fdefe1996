// `protected-files watch` started beside the open window, on the same folder: the window is the
// folder's guard and watch stands by, so each outside write gets exactly one breach record and one
// restore, never two guards fighting over the file.
import * as assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { sha256 } from '../../src/core/audit';
import { EXTENSION_ID, api, auditRecords, folderPath, readDisk, sleep, waitFor } from './helpers';

const T1 = 'src/booking/pricing.ts'; // BOOKING_FLOW, tier1, onBreach restore

function sh(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', script], { cwd: folderPath() }, (err, _out, stderr) => (err ? reject(new Error(`${script}: ${stderr}`)) : resolve()));
  });
}

describe('protected-files watch with VS Code open on the folder', function () {
  it('watch stands by while the window guards: exactly one breach record per write', async function () {
    this.timeout(60_000);
    const a = await api();
    await a.breach.settled();
    const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
    const child = spawn(process.execPath, [cli, 'watch'], { cwd: folderPath(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString('utf8'); });
    child.stderr.on('data', (b: Buffer) => { out += b.toString('utf8'); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await waitFor(`watch stands by (output: ${out})`, () => /standing by: VS Code \(pid \d+\)/.test(out), 15_000);
      const approved = readDisk(T1);
      for (let i = 0; i < 3; i++) {
        const count = auditRecords().length;
        const text = `export const hacked${i} = true;\n`;
        // One atomic write per round (a temp file moved over it), so "one write" is one version.
        await sh(`printf '${text.trim()}\\n' > /tmp/pf-watch-int.$$ && mv /tmp/pf-watch-int.$$ ${T1}`);
        await waitFor(`${T1} restored`, () => readDisk(T1) === approved && auditRecords().slice(count).some((r) => r.event === 'restore'));
        await sleep(600);
        await a.breach.settled();
        const added = auditRecords().slice(count);
        assert.deepEqual(added.map((r) => r.event), ['breach', 'restore'], `write ${i}: ${added.map((r) => r.event).join()}`);
        assert.equal(added[0].after, sha256(text));
      }
      // A plain write (truncate, then write) may be read half-way: still no version recorded twice.
      const count = auditRecords().length;
      await sh(`printf 'export const plain = 1;\\n' > ${T1}`);
      await waitFor(`${T1} restored`, () => readDisk(T1) === approved && auditRecords().slice(count).some((r) => r.event === 'restore'));
      await sleep(600);
      const hashes = auditRecords().slice(count).filter((r) => r.event === 'breach').map((r) => r.after);
      assert.equal(new Set(hashes).size, hashes.length, 'no breach recorded twice');
      assert.doesNotMatch(out, /was changed/, 'watch did not act while the window guards');
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0);
    assert.ok(fs.existsSync(path.join(folderPath(), T1)));
  });
});
