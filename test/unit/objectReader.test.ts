// How the gate reads git objects (src/node/gitChanges.ts): BatchOutput splits `git cat-file --batch`
// output into answers however the pipe cuts it, and ObjectReader asks a real git for them, a blob of
// megabytes among them (it arrives in many chunks). Timing is the benchmark's (bench/verifyBench.ts).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BatchOutput, GitError, ObjectReader } from '../../src/node/gitChanges';
import type { BatchAnswer } from '../../src/node/gitChanges';
import { isolatedGitEnv } from './cliHarness';

const root = mkdtempSync(join(tmpdir(), 'pf-objects-'));
after(() => rmSync(root, { recursive: true, force: true }));
const env = isolatedGitEnv(root);

const ID = 'a'.repeat(40);
const ID2 = 'b'.repeat(64);

/** A header and content as git writes them. */
function object(id: string, type: string, content: Buffer | string): Buffer {
  const bytes = Buffer.from(content);
  return Buffer.concat([Buffer.from(`${id} ${type} ${bytes.length}\n`), bytes, Buffer.from('\n')]);
}

/** Output with every kind of answer: content holding newlines and what looks like headers, empty, missing, ambiguous. */
const ANSWERS: BatchAnswer[] = [
  { id: ID, type: 'blob', content: Buffer.from(`line one\n${ID} blob 3\nabc\n\n`) },
  undefined,
  { id: ID2, type: 'blob', content: Buffer.alloc(0) },
  undefined,
  { id: ID, type: 'tree', content: Buffer.from([0x31, 0x30, 0x30, 0x36, 0x34, 0x34, 0x20, 0x61, 0x00, 0x0a, 0xff, 0x0a]) },
  { id: ID2, type: 'blob', content: Buffer.from('\n') },
];
const OUTPUT = Buffer.concat([
  object(ID, 'blob', ANSWERS[0]!.content),
  Buffer.from('HEAD:no such path missing\n'),
  object(ID2, 'blob', ''),
  Buffer.from('abc ambiguous\n'),
  object(ID, 'tree', ANSWERS[4]!.content),
  object(ID2, 'blob', '\n'),
]);

/** The answers to `chunks`, pushed one by one. */
function answersTo(chunks: Buffer[]): BatchAnswer[] {
  const answers: BatchAnswer[] = [];
  const output = new BatchOutput((a) => answers.push(a));
  for (const chunk of chunks) output.push(chunk);
  return answers;
}

/** `bytes` cut into chunks of `size`. */
function cut(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

describe('BatchOutput', () => {
  test('the same answers whole, a byte at a time, and in chunks of every size', () => {
    assert.deepEqual(answersTo([OUTPUT]), ANSWERS);
    for (let size = 1; size <= OUTPUT.length; size++) assert.deepEqual(answersTo(cut(OUTPUT, size)), ANSWERS, `chunks of ${size}`);
  });

  test('the same answers cut in two anywhere (a header, a content or its newline split)', () => {
    for (let at = 0; at <= OUTPUT.length; at++) assert.deepEqual(answersTo([OUTPUT.subarray(0, at), OUTPUT.subarray(at)]), ANSWERS, `cut at ${at}`);
  });

  test('an object is answered only once its last byte and newline are in, as a copy of its own', () => {
    const content = Buffer.alloc(3 * 65536 + 17, 'x');
    const bytes = object(ID, 'blob', content);
    const chunks = cut(bytes, 65536);
    const answers: BatchAnswer[] = [];
    const output = new BatchOutput((a) => answers.push(a));
    for (const chunk of chunks.slice(0, -1)) output.push(chunk);
    const last = chunks.at(-1)!;
    output.push(last.subarray(0, last.length - 1));
    assert.equal(answers.length, 0, 'the newline is still to come');
    output.push(last.subarray(last.length - 1));
    assert.equal(answers.length, 1);
    assert.ok(answers[0]!.content.equals(content));
    chunks[0].fill(0); // the pipe's buffers are not the answer's
    assert.ok(answers[0]!.content.equals(content));
  });

  test('output that is not answers throws a GitError, also where it comes in pieces', () => {
    const cases: [string, Buffer][] = [
      ['a line that is no header', Buffer.from('hello there\n')],
      ['a size that is not a number', Buffer.from(`${ID} blob 12x\nabc\n`)],
      ['no size', Buffer.from(`${ID} blob\n`)],
      ['a size no Buffer holds', Buffer.from(`${ID} blob 9999999999999999\n`)],
      ['content without its newline', Buffer.from(`${ID} blob 3\nabcd`)],
    ];
    for (const [what, bytes] of cases) {
      for (const chunks of [[bytes], cut(bytes, 1)]) {
        assert.throws(() => answersTo(chunks), (e: unknown) => e instanceof GitError && e.kind === 'git-failed', what);
      }
    }
  });
});

describe('ObjectReader', () => {
  const dir = join(root, 'repo');
  mkdirSync(dir);
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' }).trim();
  git('init', '-q');
  // Several megabytes, many pipe chunks, lines as a log's; and a second file that comes after it.
  const big = Buffer.from(Array.from({ length: 60_000 }, (_, i) => `{"seq":${i + 1},"reason":"${'r'.repeat(80)}"}\n`).join(''));
  writeFileSync(join(dir, 'big.jsonl'), big);
  writeFileSync(join(dir, 'small.txt'), 'small\n');
  writeFileSync(join(dir, 'empty'), '');
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'x');

  test('a multi-megabyte blob among others, each as git has it, in the order asked', async () => {
    const reader = new ObjectReader(dir, env);
    try {
      const [a, missing, b, again, tree, empty] = await Promise.all([
        reader.read('HEAD:big.jsonl'), reader.read('HEAD:absent'), reader.read('HEAD:small.txt'), reader.read(':big.jsonl'), reader.read('HEAD:', 'tree'), reader.read('HEAD:empty'),
      ]);
      assert.ok(big.length > 5_000_000);
      assert.ok(a?.equals(big));
      assert.equal(missing, undefined);
      assert.equal(b?.toString('utf8'), 'small\n');
      assert.ok(again?.equals(big));
      assert.ok(tree && tree.length > 0);
      assert.equal(empty?.length, 0);
      assert.equal(reader.idOf('HEAD:big.jsonl'), git('rev-parse', 'HEAD:big.jsonl'));
      assert.equal(reader.idOf('HEAD:'), git('rev-parse', 'HEAD^{tree}'));
      assert.equal(reader.idOf('HEAD:absent'), undefined);
      // Another type than the one asked for is not an answer.
      assert.equal(await reader.read('HEAD:big.jsonl', 'tree'), undefined);
      assert.equal(await reader.read('HEAD:', 'blob'), undefined);
    } finally {
      reader.close();
    }
  });

  // A `git` on PATH standing in for cat-file, to answer as a real one would not.
  const fakeGit = (name: string, script: string): NodeJS.ProcessEnv => {
    const bin = join(root, `bin-${name}`);
    mkdirSync(bin);
    writeFileSync(join(bin, 'git'), `#!/bin/sh\nread name\n${script}\n`);
    chmodSync(join(bin, 'git'), 0o755);
    return { ...env, PATH: `${bin}${delimiter}${env.PATH ?? ''}` };
  };

  test('a git that stops in the middle of an object rejects what was asked, with git\'s error', { skip: process.platform === 'win32' ? 'a shell script as git' : false }, async () => {
    const reader = new ObjectReader(dir, fakeGit('dies', `printf '${ID} blob 100\\nabc'\necho 'fatal: out of memory' >&2\nexit 3`));
    try {
      await assert.rejects(reader.read('HEAD:big.jsonl'), (e: unknown) => e instanceof GitError && e.kind === 'git-failed' && /exit 3.*out of memory/.test(e.message));
      await assert.rejects(reader.read('HEAD:small.txt'), GitError, 'and every read after it');
    } finally {
      reader.close();
    }
  });

  test('output that is not answers fails the reader: no later answer is taken for another', { skip: process.platform === 'win32' ? 'a shell script as git' : false }, async () => {
    const reader = new ObjectReader(dir, fakeGit('garbled', `printf 'not a header\\n${ID} blob 3\\nabc\\n'`));
    try {
      await assert.rejects(reader.read('HEAD:big.jsonl'), (e: unknown) => e instanceof GitError && e.kind === 'git-failed' && /not an object/.test(e.message));
      await assert.rejects(reader.read('HEAD:small.txt'), GitError);
    } finally {
      reader.close();
    }
  });
});
