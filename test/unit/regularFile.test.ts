// readRegularFile (src/node/regularFile.ts): what the breach guard and the end of a grant read a
// protected file with. Whatever sits at the path, it answers at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRegularFile } from '../../src/node/regularFile';

let dir: string;
before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-regular-')); });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('readRegularFile', () => {
  test('a file, and a link to one: its bytes', async () => {
    fs.writeFileSync(path.join(dir, 'a.ts'), 'export const a = 1;\n');
    fs.symlinkSync(path.join(dir, 'a.ts'), path.join(dir, 'link.ts'));
    assert.equal((await readRegularFile(path.join(dir, 'a.ts')))?.toString(), 'export const a = 1;\n');
    assert.equal((await readRegularFile(path.join(dir, 'link.ts')))?.toString(), 'export const a = 1;\n');
    fs.writeFileSync(path.join(dir, 'empty.ts'), '');
    assert.equal((await readRegularFile(path.join(dir, 'empty.ts')))?.length, 0);
  });

  test('missing, a folder: undefined', async () => {
    assert.equal(await readRegularFile(path.join(dir, 'none.ts')), undefined);
    fs.mkdirSync(path.join(dir, 'folder'));
    assert.equal(await readRegularFile(path.join(dir, 'folder')), undefined);
  });

  test('a named pipe with no writer, a link to /dev/zero: undefined at once, never a wait or an endless read', { skip: process.platform === 'win32' ? 'no mkfifo or /dev/zero' : false }, async () => {
    execFileSync('mkfifo', [path.join(dir, 'pipe.ts')]);
    fs.symlinkSync('/dev/zero', path.join(dir, 'zero.ts'));
    const answers = Promise.all([readRegularFile(path.join(dir, 'pipe.ts')), readRegularFile(path.join(dir, 'zero.ts'))]);
    const timeout = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 5_000).unref());
    assert.deepEqual(await Promise.race([answers, timeout]), [undefined, undefined]);
  });
});
