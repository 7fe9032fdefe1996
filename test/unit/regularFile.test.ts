// readRegularFile and its kin (src/node/regularFile.ts): how every file an agent could swap is read
// (protected files, the manifest, the audit log, grant states, locks, leases). Whatever sits at
// the path, they answer at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NotRegularFileError, openRegularFile, readRegularFile, readRegularFileStrict, readRegularFileStrictSync, readRegularFileSync, readRegularVersion } from '../../src/node/regularFile';
import { sha256 } from '../../src/core/audit';

// The synchronous reads are tried in a child process (this file, run again): a read that waited
// on a pipe would stop this process for good, and the test could not even fail.
if (process.env.PF_REGULAR_CHILD) {
  const target = process.env.PF_REGULAR_CHILD;
  let strict: string;
  try {
    strict = `bytes ${readRegularFileStrictSync(target).length}`;
  } catch (err) {
    strict = err instanceof NotRegularFileError ? `not regular: ${err.what}` : `error ${(err as NodeJS.ErrnoException).code}`;
  }
  process.stdout.write(JSON.stringify({ strict, lenient: readRegularFileSync(target)?.length ?? null }));
  process.exit(0);
}

function syncRead(target: string): { strict: string; lenient: number | null } {
  const r = spawnSync(process.execPath, [__filename], { env: { ...process.env, PF_REGULAR_CHILD: target }, encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.signal, null, `the synchronous read of ${target} did not return (killed by ${r.signal})`);
  return JSON.parse(r.stdout) as { strict: string; lenient: number | null };
}

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

const unix = process.platform === 'win32' ? 'no mkfifo or /dev/zero' : false;

describe('readRegularFileStrict, openRegularFile and the synchronous reads', () => {
  test('a file: its bytes, every way', async () => {
    const file = path.join(dir, 'strict.json');
    fs.writeFileSync(file, '{"a":1}');
    assert.equal((await readRegularFileStrict(file)).toString(), '{"a":1}');
    assert.equal(readRegularFileStrictSync(file).toString(), '{"a":1}');
    assert.equal(readRegularFileSync(file)?.toString(), '{"a":1}');
    const handle = await openRegularFile(file, fs.constants.O_RDWR | fs.constants.O_APPEND);
    try {
      await handle.write('\n');
    } finally {
      await handle.close();
    }
    assert.equal(fs.readFileSync(file, 'utf8'), '{"a":1}\n');
  });

  test('missing: ENOENT from the strict reads (an answer of its own), undefined from the lenient one', async () => {
    const none = path.join(dir, 'none.json');
    await assert.rejects(readRegularFileStrict(none), { code: 'ENOENT' });
    assert.throws(() => readRegularFileStrictSync(none), { code: 'ENOENT' });
    assert.equal(readRegularFileSync(none), undefined);
  });

  test('a folder: NotRegularFileError naming it', async () => {
    fs.mkdirSync(path.join(dir, 'a-folder'));
    await assert.rejects(readRegularFileStrict(path.join(dir, 'a-folder')), (err: unknown) => err instanceof NotRegularFileError && err.what === 'a folder');
    assert.throws(() => readRegularFileStrictSync(path.join(dir, 'a-folder')), (err: unknown) => err instanceof NotRegularFileError && /a folder, not a regular file/.test(err.message));
  });

  test('a named pipe, /dev/zero: refused at once, asynchronously and synchronously; a pipe opened to append is refused too', { skip: unix }, async () => {
    const pipe = path.join(dir, 'grant.json');
    execFileSync('mkfifo', [pipe]);
    fs.symlinkSync('/dev/zero', path.join(dir, 'zero.json'));
    const timeout = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 5_000).unref());
    const refused = (p: Promise<unknown>): Promise<string> => p.then(() => 'read', (err: unknown) => (err instanceof NotRegularFileError ? err.what : String(err)));
    assert.deepEqual(await Promise.race([Promise.all([
      refused(readRegularFileStrict(pipe)),
      refused(readRegularFileStrict(path.join(dir, 'zero.json'))),
      refused(openRegularFile(pipe, fs.constants.O_RDWR | fs.constants.O_APPEND | fs.constants.O_CREAT)),
    ]), timeout]), ['a named pipe', 'a device', 'a named pipe']);
    assert.deepEqual(syncRead(pipe), { strict: 'not regular: a named pipe', lenient: null });
    assert.deepEqual(syncRead(path.join(dir, 'zero.json')), { strict: 'not regular: a device', lenient: null });
  });

  test('noFollow: a link is refused (ELOOP), the file itself read; maxBytes: a larger file is refused (EFBIG), one at the bound read', { skip: unix }, () => {
    const file = path.join(dir, 'staged.ts');
    fs.writeFileSync(file, 'abcd');
    fs.symlinkSync(file, path.join(dir, 'link-to-staged.ts'));
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
        return undefined;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code;
      }
    };
    assert.equal(readRegularFileStrictSync(path.join(dir, 'link-to-staged.ts')).toString(), 'abcd', 'followed without the option');
    assert.equal(code(() => readRegularFileStrictSync(path.join(dir, 'link-to-staged.ts'), { noFollow: true })), 'ELOOP');
    assert.equal(readRegularFileSync(path.join(dir, 'link-to-staged.ts'), { noFollow: true }), undefined);
    assert.equal(readRegularFileStrictSync(file, { noFollow: true, maxBytes: 4 }).toString(), 'abcd');
    assert.equal(code(() => readRegularFileStrictSync(file, { maxBytes: 3 })), 'EFBIG');
    assert.equal(readRegularFileSync(file, { maxBytes: 3 }), undefined);
  });
});

describe('readRegularVersion', () => {
  test('up to the bound: hash, size and bytes; past it: the same hash and size, no bytes (hashed in chunks)', async () => {
    const file = path.join(dir, 'version.bin');
    const bytes = Buffer.alloc(2 * 1024 * 1024 + 5, 'abc');
    fs.writeFileSync(file, bytes);
    const held = await readRegularVersion(file, bytes.length);
    assert.equal(held?.hash, sha256(bytes));
    assert.equal(held?.size, bytes.length);
    assert.ok(held?.bytes?.equals(bytes));
    const hashed = await readRegularVersion(file, bytes.length - 1);
    assert.deepEqual(hashed, { hash: sha256(bytes), size: bytes.length, links: 1 });
    fs.writeFileSync(file, '');
    assert.deepEqual(await readRegularVersion(file, 10), { hash: sha256(''), size: 0, links: 1, bytes: Buffer.alloc(0) });
  });

  test('missing, a named pipe, /dev/zero: undefined, at once', { skip: unix }, async () => {
    assert.equal(await readRegularVersion(path.join(dir, 'no-version.bin'), 10), undefined);
    execFileSync('mkfifo', [path.join(dir, 'version-pipe')]);
    assert.equal(await readRegularVersion(path.join(dir, 'version-pipe'), 10), undefined);
    assert.equal(await readRegularVersion('/dev/zero', 10), undefined);
  });

  test('noFollow: a link, a folder or a pipe at the path is named, never read through; a hard link is counted', { skip: unix }, async () => {
    const outside = path.join(dir, 'nofollow-outside.txt');
    fs.writeFileSync(outside, 'outside\n');
    const link = path.join(dir, 'nofollow-link');
    fs.symlinkSync(outside, link);
    const linked = await readRegularVersion(link, 100, { noFollow: true });
    assert.equal(linked?.bytes, undefined, 'what the link points to is not read');
    assert.equal(linked?.notFile, `a symbolic link to ${outside} in place of the file`);
    assert.equal((await readRegularVersion(link, 100, { noFollow: true }))?.hash, linked?.hash, 'the same link is the same version');
    assert.equal((await readRegularVersion(link, 100))?.bytes?.toString(), 'outside\n', 'followed without noFollow, as before');
    const folder = path.join(dir, 'nofollow-folder');
    fs.mkdirSync(folder);
    assert.deepEqual(await readRegularVersion(folder, 100, { noFollow: true }).then((v) => [v?.notFile, v?.folder]), ['a folder in place of the file', true]);
    execFileSync('mkfifo', [path.join(dir, 'nofollow-pipe')]);
    assert.equal((await readRegularVersion(path.join(dir, 'nofollow-pipe'), 100, { noFollow: true }))?.notFile, 'a named pipe in place of the file');
    assert.equal(await readRegularVersion(path.join(dir, 'nofollow-missing'), 100, { noFollow: true }), undefined);
    fs.linkSync(outside, path.join(dir, 'nofollow-twin'));
    assert.equal((await readRegularVersion(outside, 100, { noFollow: true }))?.links, 2);
  });
});

