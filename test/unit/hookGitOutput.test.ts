// The pre-commit hook's git answers (`verify --staged --git-output`): what is taken as input and what
// is not. The gate's verdicts through it are compared with the plain command's in cliVerify.test.ts
// and cliVerifyHook.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GIT_OUTPUT_HEADER, LISTED_PATHS, blobId, parseGitOutput } from '../../src/node/hookGitOutput';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const MANIFEST_ID = 'c'.repeat(40);
const LOG_ID = 'd'.repeat(40);

function diffEntry(path: string, status = 'M', oldId = A, newId = B): string {
  return `:100644 100644 ${oldId} ${newId} ${status}\0${path}\0`;
}

function lsEntry(path: string, id: string, mode = '100644', type = 'blob', size = type === 'blob' ? '1234' : '-'): string {
  return `${mode} ${type} ${id} ${size.padStart(7)}\t${path}\0`;
}

/** The input as the hook writes it. */
function input(diff: string, ls: string, diffExit = 0, lsExit = 0): Buffer {
  return Buffer.from(`${GIT_OUTPUT_HEADER}${diff}\n--pf-exit ${diffExit}\n${ls}\n--pf-exit ${lsExit}\n`);
}

const WHOLE = input(diffEntry('src/booking/a.ts') + diffEntry('src/app.ts', 'A', '0'.repeat(40)), lsEntry(LISTED_PATHS[1], LOG_ID) + lsEntry(LISTED_PATHS[0], MANIFEST_ID));

describe('parseGitOutput', () => {
  test('takes the diff as git wrote it and HEAD\'s entries of the manifest and the log', () => {
    const parsed = parseGitOutput(WHOLE);
    assert.ok(parsed);
    assert.deepEqual(parsed.changes.map((c) => [c.status, c.path, c.oldBlob, c.blob]), [['modified', 'src/booking/a.ts', A, B], ['added', 'src/app.ts', undefined, B]]);
    assert.deepEqual([...parsed.head], [[LISTED_PATHS[1], { mode: '100644', id: LOG_ID, size: 1234 }], [LISTED_PATHS[0], { mode: '100644', id: MANIFEST_ID, size: 1234 }]]);
  });

  test('an empty diff and a HEAD without the files are input too', () => {
    const parsed = parseGitOutput(input('', ''));
    assert.ok(parsed);
    assert.deepEqual(parsed.changes, []);
    assert.equal(parsed.head.size, 0);
  });

  test('a staged path holding the marks themselves (file names may hold newlines) stays a path of the diff', () => {
    const tricky = `x\n--pf-exit 0\n${lsEntry(LISTED_PATHS[0], A).slice(0, -1)}`;
    const parsed = parseGitOutput(input(diffEntry(tricky), lsEntry(LISTED_PATHS[0], MANIFEST_ID)));
    assert.ok(parsed);
    assert.deepEqual(parsed.changes.map((c) => c.path), [tricky]);
    assert.deepEqual([...parsed.head], [[LISTED_PATHS[0], { mode: '100644', id: MANIFEST_ID, size: 1234 }]]);
  });

  test('every cut of the stream is no input (a hook killed mid-write, a git that stopped)', () => {
    for (let end = 0; end < WHOLE.length; end++) {
      assert.equal(parseGitOutput(WHOLE.subarray(0, end)), undefined, `cut at ${end}: ${JSON.stringify(WHOLE.subarray(0, end).toString().slice(-30))}`);
    }
  });

  test('a git that failed (either command), another header or anything after the last mark is no input', () => {
    const cases: [string, Buffer][] = [
      ['diff-index failed', input('', lsEntry(LISTED_PATHS[0], MANIFEST_ID), 128)],
      ['ls-tree failed', input(diffEntry('a'), '', 0, 128)],
      ['another version', Buffer.from(WHOLE.toString().replace('git-output 1', 'git-output 2'))],
      ['no header', WHOLE.subarray(GIT_OUTPUT_HEADER.length)],
      ['a byte after the end', Buffer.concat([WHOLE, Buffer.from('x')])],
      ['a second stream after the first', Buffer.concat([WHOLE, WHOLE])],
      ['an exit code that is not one', Buffer.from(WHOLE.toString().replace(/--pf-exit 0\n$/, '--pf-exit x\n'))],
      ['a diff not ending with NUL', input(diffEntry('a').slice(0, -1), '')],
      ['a diff entry without its path', input(`:100644 100644 ${A} ${B} M\0`, '')],
      ['a rename without its new path', input(`:100644 100644 ${A} ${B} R100\0old\0`, '')],
      ['an empty path', input(`:100644 100644 ${A} ${B} M\0\0`, '')],
      ['a status git does not print for the index', input(diffEntry('a', 'X'), '')],
      ['a diff entry cut short', input(`:100644 100644 ${A} M\0a\0`, '')],
      ['an entry for another path', input('', lsEntry('src/app.ts', A))],
      ['the same path twice', input('', lsEntry(LISTED_PATHS[0], A) + lsEntry(LISTED_PATHS[0], B))],
      ['an id that is not one', input('', lsEntry(LISTED_PATHS[0], 'z'.repeat(40)))],
      ['an ls-tree answer not ending with NUL', input('', lsEntry(LISTED_PATHS[0], A).slice(0, -1))],
      ['a blob without its size', input('', lsEntry(LISTED_PATHS[0], A, '100644', 'blob', '-'))],
      ['a folder with a size', input('', lsEntry(LISTED_PATHS[0], A, '040000', 'tree', '12'))],
      ['an entry without --long', input('', `100644 blob ${A}\t${LISTED_PATHS[0]}\0`)],
      ['garbage', Buffer.from('hello\n')],
      ['nothing', Buffer.alloc(0)],
    ];
    for (const [what, bytes] of cases) assert.equal(parseGitOutput(bytes), undefined, what);
  });

  test('a folder or a submodule at a listed path is an entry like git gives it (the gate then asks git)', () => {
    const parsed = parseGitOutput(input('', lsEntry(LISTED_PATHS[1], A, '040000', 'tree') + lsEntry(LISTED_PATHS[0], B, '160000', 'commit')));
    assert.ok(parsed);
    assert.deepEqual(parsed.head.get(LISTED_PATHS[1]), { mode: '040000', id: A });
    assert.deepEqual(parsed.head.get(LISTED_PATHS[0]), { mode: '160000', id: B });
  });
});

describe('blobId', () => {
  test('is git\'s object id of a blob, sha1 and sha256', () => {
    // `printf 'hello\n' | git hash-object --stdin` and the same with --object-format=sha256 (git 2.29+).
    assert.equal(blobId(Buffer.from('hello\n'), 40), 'ce013625030ba8dba906f756967f9e9ca394464a');
    assert.equal(blobId(Buffer.alloc(0), 40), 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
    assert.equal(blobId(Buffer.from('hello\n'), 64), '2cf8d83d9ee29543b34a87727421fdecb7e3f3a183d337639025de576db9ebb4');
  });
});
