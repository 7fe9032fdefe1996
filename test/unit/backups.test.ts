import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../../src/core/audit';
import { atomicWriteFile } from '../../src/node/atomicWrite';
import { copyBackup, writeBackup } from '../../src/node/backups';
import { ApprovedStore } from '../../src/node/approvedStore';

const root = mkdtempSync(join(tmpdir(), 'pf-backups-'));
let counter = 0;
const posix = process.platform !== 'win32';

function newFolder(): string {
  const dir = join(root, `f${++counter}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function tempLeftovers(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith('.tmp'));
}

const NOW = new Date('2026-11-22T10:40:12.345Z');

after(() => rmSync(root, { recursive: true, force: true }));

describe('atomicWriteFile', () => {
  test('creates a file and replaces it, leaving no temp files', async () => {
    const dir = newFolder();
    const file = join(dir, 'a.txt');
    await atomicWriteFile(file, 'one\n');
    assert.equal(readFileSync(file, 'utf8'), 'one\n');
    await atomicWriteFile(file, new Uint8Array([0, 1, 2, 255]));
    assert.deepEqual([...readFileSync(file)], [0, 1, 2, 255]);
    assert.deepEqual(tempLeftovers(dir), []);
  });

  test('keeps the existing file mode', { skip: !posix && 'POSIX modes' }, async () => {
    const dir = newFolder();
    for (const mode of [0o600, 0o755, 0o640]) {
      const file = join(dir, `m${mode.toString(8)}`);
      writeFileSync(file, 'old');
      chmodSync(file, mode);
      await atomicWriteFile(file, 'new');
      assert.equal(statSync(file).mode & 0o7777, mode);
      assert.equal(readFileSync(file, 'utf8'), 'new');
    }
  });

  test('writes through a symlink, which stays a symlink', { skip: !posix && 'symlinks need privileges on Windows' }, async () => {
    const dir = newFolder();
    writeFileSync(join(dir, 'real.txt'), 'old');
    symlinkSync('real.txt', join(dir, 'link.txt'));
    await atomicWriteFile(join(dir, 'link.txt'), 'new');
    assert.ok(lstatSync(join(dir, 'link.txt')).isSymbolicLink());
    assert.equal(readlinkSync(join(dir, 'link.txt')), 'real.txt');
    assert.equal(readFileSync(join(dir, 'real.txt'), 'utf8'), 'new');
  });

  test('a failed rename removes the temp file and leaves the target alone', async () => {
    const dir = newFolder();
    const target = join(dir, 'occupied');
    mkdirSync(target);
    writeFileSync(join(target, 'inside.txt'), 'keep');
    await assert.rejects(atomicWriteFile(target, 'data'));
    assert.deepEqual(tempLeftovers(dir), []);
    assert.equal(readFileSync(join(target, 'inside.txt'), 'utf8'), 'keep');
  });

  test('a missing folder is an error', async () => {
    await assert.rejects(atomicWriteFile(join(root, 'no', 'such', 'dir', 'x.txt'), 'data'), { code: 'ENOENT' });
  });

  test('concurrent writers: the result is exactly one of the contents', async () => {
    const dir = newFolder();
    const file = join(dir, 'race.txt');
    const contents = Array.from({ length: 20 }, (_, i) => `${i}:`.padEnd(100_000, String.fromCharCode(65 + i)));
    await Promise.all(contents.map((c) => atomicWriteFile(file, c)));
    assert.ok(contents.includes(readFileSync(file, 'utf8')));
    assert.deepEqual(tempLeftovers(dir), []);
  });
});

describe('writeBackup', () => {
  test('writes under a time- and hash-named folder and returns the folder-relative path', async () => {
    const folder = newFolder();
    const content = 'export const price = 10;\n';
    const rel = await writeBackup(folder, 'src/lib/booking.ts', content, NOW);
    assert.equal(rel, `.protection/backups/20261122T104012345Z-${sha256(content).slice(0, 12)}/src/lib/booking.ts`);
    assert.equal(readFileSync(join(folder, ...rel.split('/')), 'utf8'), content);
  });

  test('bytes are kept exactly', async () => {
    const folder = newFolder();
    const bytes = new Uint8Array([0xff, 0xfe, 0, 10, 13, 0x80]);
    const rel = await writeBackup(folder, 'bin/data.bin', bytes, NOW);
    assert.deepEqual([...readFileSync(join(folder, rel))], [...bytes]);
    assert.ok(rel.includes(sha256(bytes).slice(0, 12)));
  });

  test('Windows-style and ./ paths are normalized to / separators', async () => {
    const folder = newFolder();
    const rel = await writeBackup(folder, '.\\src\\\\a.ts', 'x', NOW);
    assert.match(rel, /^\.protection\/backups\/20261122T104012345Z-[0-9a-f]{12}\/src\/a\.ts$/);
  });

  test('the same content at the same moment is written once; other content gets its own folder', async () => {
    const folder = newFolder();
    const a = await writeBackup(folder, 'a.ts', 'A', NOW);
    assert.equal(await writeBackup(folder, 'a.ts', 'A', NOW), a);
    const b = await writeBackup(folder, 'a.ts', 'B', NOW);
    assert.notEqual(b, a);
    assert.equal(readFileSync(join(folder, a), 'utf8'), 'A');
    assert.equal(readFileSync(join(folder, b), 'utf8'), 'B');
  });

  test('a named pipe where the backups\' .gitignore or the backup goes is never waited on: the backup is written', { skip: !posix && 'no mkfifo' }, async () => {
    const folder = newFolder();
    const content = 'breaching content';
    const expected = `.protection/backups/20261122T104012345Z-${sha256(content).slice(0, 12)}/a.ts`;
    mkdirSync(join(folder, expected, '..'), { recursive: true });
    execFileSync('mkfifo', [join(folder, '.protection', 'backups', '.gitignore')]);
    execFileSync('mkfifo', [join(folder, expected)]);
    const written = writeBackup(folder, 'a.ts', content, NOW);
    const timeout = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 5_000).unref());
    const rel = await Promise.race([written, timeout]);
    assert.equal(rel, expected.replace('/a.ts', '-2/a.ts'), 'the pipe is not taken for the backup, nor replaced');
    assert.ok(lstatSync(join(folder, expected)).isFIFO());
    assert.equal(readFileSync(join(folder, rel), 'utf8'), content);
    assert.ok(lstatSync(join(folder, '.protection', 'backups', '.gitignore')).isFile(), 'the .gitignore is a file again');
  });

  test('never overwrites a different existing backup', async () => {
    const folder = newFolder();
    const content = 'the real content';
    const expected = `.protection/backups/20261122T104012345Z-${sha256(content).slice(0, 12)}/a.ts`;
    // Something else already sits where this backup would go (a hash-prefix collision, or a hand edit).
    mkdirSync(join(folder, expected, '..'), { recursive: true });
    writeFileSync(join(folder, expected), 'something else');
    const rel = await writeBackup(folder, 'a.ts', content, NOW);
    assert.equal(rel, expected.replace('/a.ts', '-2/a.ts'));
    assert.equal(readFileSync(join(folder, expected), 'utf8'), 'something else');
    assert.equal(readFileSync(join(folder, rel), 'utf8'), content);
  });

  test('refuses paths that escape the folder, writing nothing', async () => {
    const folder = newFolder();
    for (const bad of ['../outside.ts', 'a/../../outside.ts', 'a/../b.ts', '..\\x.ts', '/etc/passwd', 'C:\\x.ts', 'c:x', '', './']) {
      await assert.rejects(writeBackup(folder, bad, 'x', NOW), Error, bad);
    }
    assert.deepEqual(readdirSync(folder), []);
    assert.deepEqual(readdirSync(root).filter((n) => n === 'outside.ts'), []);
  });

  test('backups carry their own .gitignore and stay out of git', async () => {
    const folder = newFolder();
    execFileSync('git', ['init', '-q'], { cwd: folder });
    const rel = await writeBackup(folder, 'src/a.ts', 'content', NOW);
    const gitignore = readFileSync(join(folder, '.protection/backups/.gitignore'), 'utf8');
    assert.match(gitignore, /^#/);
    assert.deepEqual(gitignore.split('\n').slice(1, 3), ['*', '!.gitignore']);
    const ignored = (path: string): boolean => spawnSync('git', ['check-ignore', '-q', path], { cwd: folder }).status === 0;
    assert.equal(ignored(rel), true);
    assert.equal(ignored('.protection/backups/.gitignore'), false);
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: folder, encoding: 'utf8' });
    assert.equal(status.trim(), '?? .protection/backups/.gitignore');
  });

  test('a .gitignore without the rules is repaired; one with them is left alone', async () => {
    const folder = newFolder();
    const path = join(folder, '.protection/backups/.gitignore');
    mkdirSync(join(folder, '.protection/backups'), { recursive: true });
    writeFileSync(path, 'junk\n');
    await writeBackup(folder, 'a.ts', 'x', NOW);
    assert.match(readFileSync(path, 'utf8'), /\n\*\n!\.gitignore\n$/);
    writeFileSync(path, '# mine\r\n*\r\n!.gitignore\r\n*.keep\r\n');
    await writeBackup(folder, 'b.ts', 'y', NOW);
    assert.equal(readFileSync(path, 'utf8'), '# mine\r\n*\r\n!.gitignore\r\n*.keep\r\n');
  });
});

describe('copyBackup (a version too large to hold, copied in chunks)', () => {
  test('the same place and name as writeBackup would give, the bytes kept exactly, the hash of what was copied', async () => {
    const folder = newFolder();
    const source = join(folder, 'big.bin');
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
    writeFileSync(source, bytes);
    const copied = await copyBackup(folder, 'src/big.bin', source, NOW);
    assert.equal(copied?.hash, sha256(bytes));
    assert.equal(copied?.backupRel, `.protection/backups/20261122T104012345Z-${sha256(bytes).slice(0, 12)}/src/big.bin`);
    assert.ok(readFileSync(join(folder, copied!.backupRel)).equals(bytes));
    assert.deepEqual(tempLeftovers(join(folder, '.protection', 'backups')), []);
    // Again at the same moment: the same backup, not a second one; other content there: a suffix.
    assert.equal((await copyBackup(folder, 'src/big.bin', source, NOW))?.backupRel, copied?.backupRel);
    assert.equal(await writeBackup(folder, 'src/big.bin', bytes, NOW), copied?.backupRel, 'writeBackup finds the same backup');
    writeFileSync(join(folder, copied!.backupRel), 'something else');
    assert.match((await copyBackup(folder, 'src/big.bin', source, NOW))!.backupRel, /-2\/src\/big\.bin$/);
  });

  test('nothing regular at the source (gone, a named pipe): undefined, nothing left behind', { skip: !posix && 'no mkfifo' }, async () => {
    const folder = newFolder();
    assert.equal(await copyBackup(folder, 'a.bin', join(folder, 'none.bin'), NOW), undefined);
    execFileSync('mkfifo', [join(folder, 'pipe.bin')]);
    assert.equal(await copyBackup(folder, 'a.bin', join(folder, 'pipe.bin'), NOW), undefined);
    assert.deepEqual(readdirSync(join(folder, '.protection', 'backups')).filter((n) => n !== '.gitignore'), []);
  });

  test('a source that holds more than maxBytes (grown since it was measured, a writer appending without end): undefined, nothing kept', async () => {
    const folder = newFolder();
    const source = join(folder, 'growing.bin');
    writeFileSync(source, Buffer.alloc(3 * 1024 * 1024, 1));
    assert.equal(await copyBackup(folder, 'src/growing.bin', source, NOW, 2 * 1024 * 1024), undefined);
    assert.deepEqual(readdirSync(join(folder, '.protection', 'backups')).filter((n) => n !== '.gitignore'), []);
    assert.ok(await copyBackup(folder, 'src/growing.bin', source, NOW, 3 * 1024 * 1024), 'exactly the bound is kept');
  });

  test('refuses paths that escape the folder', async () => {
    const folder = newFolder();
    writeFileSync(join(folder, 'x.bin'), 'x');
    await assert.rejects(copyBackup(folder, '../escape.bin', join(folder, 'x.bin'), NOW), /must not contain "\.\."/);
  });
});


describe('ApprovedStore: the approved copies, and their second copy in the git directory', () => {
  test('put keeps both; a copy deleted or spoilt in the folder comes from the git directory and is put back', async () => {
    const folder = newFolder();
    mkdirSync(join(folder, '.git'));
    const store = new ApprovedStore(folder);
    const content = Buffer.from('export const price = 120;\n');
    const hash = await store.put(content);
    const here = join(folder, '.protection', 'backups', 'approved', hash);
    const mirror = join(folder, '.git', 'protected-files', 'approved', hash);
    assert.ok(readFileSync(here).equals(content));
    assert.ok(readFileSync(mirror).equals(content));

    rmSync(join(folder, '.protection', 'backups'), { recursive: true });
    assert.ok(Buffer.from((await store.get(hash))!).equals(content), 'rm -rf .protection/backups');
    assert.ok(readFileSync(here).equals(content), 'put back in the folder');

    writeFileSync(here, 'export const price = 0;\n'); // other bytes under the same name
    assert.ok(Buffer.from((await store.get(hash))!).equals(content));
    assert.ok(readFileSync(here).equals(content));

    rmSync(here);
    writeFileSync(mirror, 'forged');
    assert.equal(await store.get(hash), undefined, 'a copy that does not hash to its name is no copy');
    assert.equal(await store.get('../../etc/passwd'), undefined);
  });

  test('.git removed after the store was made: the folder\'s copy only, and no .git is made again', async () => {
    const folder = newFolder();
    mkdirSync(join(folder, '.git'));
    const store = new ApprovedStore(folder);
    rmSync(join(folder, '.git'), { recursive: true });
    const content = Buffer.from('export const price = 130;\n');
    const hash = await store.put(content);
    assert.ok(readFileSync(join(folder, '.protection', 'backups', 'approved', hash)).equals(content));
    assert.equal(existsSync(join(folder, '.git')), false, 'a .git folder made by the store would look like a broken repository to git');
  });

  test('outside a git checkout: the folder\'s copy only, no error', async () => {
    const folder = newFolder();
    const store = new ApprovedStore(folder);
    const hash = await store.put(Buffer.from('x'));
    assert.ok(await store.get(hash));
    assert.deepEqual(readdirSync(folder).sort(), ['.protection']);
  });
});
