// The list of audit logs the commit gate found whole (src/node/verifiedLogs.ts): what it keeps,
// where, with which permissions, and what it refuses to read or write through.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { VERIFIED_LOGS_HEADER, VERIFIED_LOGS_LIMIT, VerifiedLogs } from '../../src/node/verifiedLogs';

const root = mkdtempSync(join(tmpdir(), 'pf-verified-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const id = (i: number): string => i.toString(16).padStart(40, '0');

/** A checkout (a `.git` folder is all the list looks for) and its list's path. */
function checkout(): { dir: string; list: string } {
  const dir = join(root, `c${++n}`);
  mkdirSync(join(dir, '.git'), { recursive: true });
  return { dir, list: join(dir, '.git', 'protected-files', 'verified-logs') };
}

describe('VerifiedLogs', () => {
  test('keeps the last logs found whole with their counts, owner-only, and reads them back', () => {
    const { dir, list } = checkout();
    const logs = VerifiedLogs.open(dir, {})!;
    assert.equal(logs.has(id(1)), false);
    for (let i = 1; i <= VERIFIED_LOGS_LIMIT + 8; i++) logs.add([{ id: id(i), records: i }]);
    const again = VerifiedLogs.open(join(dir, 'sub', 'folder'), {})!;
    assert.equal(again.has(id(8)), false, 'the oldest are dropped');
    assert.equal(again.records(id(9)), 9);
    assert.equal(again.records(id(VERIFIED_LOGS_LIMIT + 8)), VERIFIED_LOGS_LIMIT + 8);
    const lines = readFileSync(list, 'latin1').split('\n');
    assert.equal(lines[0], VERIFIED_LOGS_HEADER);
    assert.equal(lines.length, VERIFIED_LOGS_LIMIT + 2);
    assert.equal(statSync(list).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, '.git', 'protected-files')).mode & 0o777, 0o700);
  });

  test('a log already listed, an id that is not one, and a count that is not one are not written', () => {
    const { dir, list } = checkout();
    const logs = VerifiedLogs.open(dir, {})!;
    logs.add([{ id: id(1), records: 3 }]);
    const made = statSync(list);
    logs.add([{ id: id(1), records: 3 }, undefined, { id: 'not-an-id', records: 1 }, { id: id(2), records: -1 }, { id: id(3), records: 1.5 }]);
    assert.equal(statSync(list).ino, made.ino, 'nothing new: not written again');
    assert.equal(VerifiedLogs.open(dir, {})!.has(id(2)), false);
  });

  test('a link at the list\'s place is replaced, never written through; a link is not read', () => {
    const { dir, list } = checkout();
    mkdirSync(join(dir, '.git', 'protected-files'));
    const elsewhere = join(root, `elsewhere${n}`);
    writeFileSync(elsewhere, `${VERIFIED_LOGS_HEADER}\n${id(7)} 1\n`);
    symlinkSync(elsewhere, list);
    const logs = VerifiedLogs.open(dir, {})!;
    assert.equal(logs.has(id(7)), false, 'the list behind a link is not read');
    logs.add([{ id: id(8), records: 2 }]);
    assert.equal(lstatSync(list).isSymbolicLink(), false, 'the link was replaced by the list');
    assert.equal(readFileSync(elsewhere, 'latin1'), `${VERIFIED_LOGS_HEADER}\n${id(7)} 1\n`, 'the file it pointed to is untouched');
    // A link at the temporary file's name is not written through either: that write fails, the
    // link is removed, the list is left as it was, and the next commit writes it.
    rmSync(list);
    symlinkSync(elsewhere, `${list}.${process.pid}.tmp`);
    VerifiedLogs.open(dir, {})!.add([{ id: id(9), records: 1 }]);
    assert.equal(readFileSync(elsewhere, 'latin1'), `${VERIFIED_LOGS_HEADER}\n${id(7)} 1\n`);
    assert.equal(existsSync(list), false);
    VerifiedLogs.open(dir, {})!.add([{ id: id(9), records: 1 }]);
    assert.equal(VerifiedLogs.open(dir, {})!.records(id(9)), 1);
  });

  test('a named pipe at the list\'s place is not waited on: no list, and the gate goes on', () => {
    const { dir, list } = checkout();
    mkdirSync(join(dir, '.git', 'protected-files'));
    execFileSync('mkfifo', [list]);
    const logs = VerifiedLogs.open(dir, {})!;
    assert.equal(logs.has(id(1)), false);
    logs.add([{ id: id(1), records: 1 }]);
    assert.equal(VerifiedLogs.open(dir, {})!.records(id(1)), 1, 'replaced by the list');
  });

  test('no list where git would take another repository: GIT_WORK_TREE, GIT_COMMON_DIR, another GIT_DIR; and outside a checkout', () => {
    const { dir } = checkout();
    for (const env of [{ GIT_WORK_TREE: dir }, { GIT_COMMON_DIR: join(dir, '.git') }, { GIT_DIR: join(root, 'other.git') }]) {
      assert.equal(VerifiedLogs.open(dir, env), undefined, JSON.stringify(env));
    }
    assert.ok(VerifiedLogs.open(dir, { GIT_DIR: '.git' }), 'GIT_DIR naming the same git directory (as git sets it in a hook of a linked worktree)');
    assert.equal(VerifiedLogs.open(join(root, 'nowhere'), {}), undefined);
  });
});
