// withFileLock (src/node/fileLock.ts), the lock of the grant store: a named pipe at the lock's path
// (an agent's mkfifo) is never read; it is judged by its age like a lock that cannot be read.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withFileLock } from '../../src/node/fileLock';

let dir: string;
before(() => { dir = mkdtempSync(join(tmpdir(), 'pf-filelock-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

const hung = (): Promise<'hung'> => new Promise((resolve) => setTimeout(() => resolve('hung'), 8_000).unref());

describe('withFileLock and a named pipe at the lock', { skip: process.platform === 'win32' ? 'no mkfifo' : false }, () => {
  test('an old pipe is broken and the work runs; the lock is gone afterwards', async () => {
    const lock = join(dir, 'old.lock');
    execFileSync('mkfifo', [lock]);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const ran = await Promise.race([withFileLock(lock, async () => 'ran', { timeoutMs: 2_000, staleMs: 10_000 }), hung()]);
    assert.equal(ran, 'ran');
    assert.equal(existsSync(lock), false);
  });

  test('a fresh pipe is waited for as a lock held by someone, then refused with the lock named, never hung on', async () => {
    const lock = join(dir, 'fresh.lock');
    execFileSync('mkfifo', [lock]);
    const answer = await Promise.race([
      withFileLock(lock, async () => 'ran', { timeoutMs: 300, staleMs: 10_000 }).then(() => 'ran', (err: Error) => err.message),
      hung(),
    ]);
    assert.match(answer, /Timed out waiting for the lock .*fresh\.lock/);
  });
});
