// The agents' hook and `check` read their payload from stdin to a bound: a payload that never ends
// (a writer that keeps the pipe open, /dev/zero piped in) is refused as soon as it is too large,
// instead of holding the tool call (a guard that never answers) or filling the memory first.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { Sandbox } from './cliHarness';
import type { Repo } from './cliHarness';

const sandbox = new Sandbox('hookinput');
after(() => sandbox.dispose());
const unix = process.platform === 'win32' ? 'no /dev/zero' : false;

interface Ended { code: number | null; stdout: string; stderr: string; held: boolean }

/** Runs the CLI with `first` written to its stdin and the pipe then left open; gives up after 30 s. */
async function withOpenPipe(repo: Repo, args: string[], first: Buffer): Promise<Ended> {
  const child = spawn(process.execPath, [sandbox.cli, ...args], { cwd: repo.dir, env: sandbox.env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => undefined); // the reader stops early: EPIPE on the rest
  child.stdin.write(first);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString('utf8'); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
  const code = await Promise.race([
    new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c))),
    new Promise<'held'>((resolve) => setTimeout(() => resolve('held'), 30_000).unref()),
  ]);
  child.kill();
  return code === 'held' ? { code: null, stdout, stderr, held: true } : { code, stdout, stderr, held: false };
}

/** A hook payload whose start is an edit of a protected file, padded past 32 MB, with no end. */
function endlessEdit(repo: Repo): Buffer {
  const head = `{"hook_event_name":"PreToolUse","tool_name":"Write","cwd":${JSON.stringify(repo.dir)},"tool_input":{"file_path":"src/booking/a.ts","content":"`;
  return Buffer.concat([Buffer.from(head), Buffer.alloc(33 * 1024 * 1024, 0x61)]);
}

describe('hook payloads that never end', () => {
  test('hook: refused once past 32 MB, with the reason, while the writer still holds the pipe open', async () => {
    const repo = sandbox.repo('hook');
    const r = await withOpenPipe(repo, ['hook', '--agent', 'claude'], endlessEdit(repo));
    assert.equal(r.held, false, 'the hook waited for the end of a payload that never ends');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /refused this tool call because the hook payload is larger than 32 MB, more than the guard reads/);
  });

  test('hook, another agent\'s answer: the refusal is in its format', async () => {
    const repo = sandbox.repo('cursor');
    const r = await withOpenPipe(repo, ['hook', '--agent', 'cursor'], endlessEdit(repo));
    assert.equal(r.held, false);
    assert.match(r.stdout, /"permission":\s*"deny"/);
    assert.match(r.stdout, /larger than 32 MB/);
  });

  test('check: unreadable hook input (exit 1, as documented) once past 32 MB, not held', async () => {
    const repo = sandbox.repo('check');
    const r = await withOpenPipe(repo, ['check'], endlessEdit(repo));
    assert.equal(r.held, false, 'check waited for the end of a payload that never ends');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /check could not read the hook event on stdin: it is larger than 32 MB\./);
  });

  // Piped (plain reads of a pipe) and redirected from the device itself (read through process.stdin).
  for (const [how, command] of [['piped into', 'cat /dev/zero | CLI'], ['redirected from a device into', 'CLI < /dev/zero']]) {
    test(`/dev/zero ${how} the hook is refused, not read until the process is killed`, { skip: unix }, async () => {
      const repo = sandbox.repo(`zero-${how.split(' ')[0]}`);
      const cli = `"${process.execPath}" "${sandbox.cli}" hook --agent claude`;
      const child = spawn('sh', ['-c', command.replace('CLI', cli)], { cwd: repo.dir, env: sandbox.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
      const code = await Promise.race([
        new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c))),
        new Promise<'held'>((resolve) => setTimeout(() => resolve('held'), 60_000).unref()),
      ]);
      child.kill();
      assert.equal(code, 2, stderr);
      assert.match(stderr, /larger than 32 MB/);
    });
  }
});
