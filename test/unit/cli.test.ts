// The built CLI: help and version, check (paths and Claude Code hook JSON), log, hash-code.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderRecord, sealRecord } from '../../src/core/audit';
import type { AuditRecord } from '../../src/core/audit';
import { matchCode } from '../../src/core/codes';
import { shellQuote } from '../../src/cli/hooksCommand';
import { BUILT_CLI, MANIFEST, Sandbox, copyBuiltCli } from './cliHarness';
import type { Repo } from './cliHarness';

let box: Sandbox;
let n = 0;

before(() => {
  box = new Sandbox('cli');
});

after(() => {
  box.dispose();
});

function project(): Repo {
  const repo = box.repo(`r${++n}`);
  repo.write('src/booking/a.ts', 'a\n');
  repo.write('src/app.ts', 'app\n');
  repo.write('db/migrations/001.sql', 'sql\n');
  repo.commitAll('files');
  return repo;
}

/** stderr without the manifest's warnings (the test manifest has no unlock codes, which the editor warns about too). */
function denial(stderr: string): string {
  return stderr.split('\n').filter((l) => !/^(\.\.\/)*\.protection\/manifest\.jsonc:\d+:\d+: warning: /.test(l)).join('\n');
}

const A_MESSAGE =
  'Protected Files: src/booking/a.ts is protected (T1 · Tier 1 · Revenue critical · BOOKING_FLOW): ' +
  'Booking chat flow for all members: revenue stops if it breaks. Impact: $10,000+/day. ' +
  'Ask an owner to unlock it with their code and a reason: in VS Code (Protected Files: Unlock…), or an owner gives you a one-time code ' +
  "and you run `echo 'UNLOCK BOOKING_FLOW WITH CODE: <code> FOR: <reason>' | protected-files unlock`; do not edit it directly.";

describe('help and version', () => {
  test('--help lists every command; <cmd> --help explains it; both exit 0', () => {
    const dir = box.dir('help');
    const r = box.run(['--help'], { cwd: dir });
    assert.equal(r.code, 0);
    for (const cmd of ['verify --staged', 'verify --base <ref>', 'check <path>', 'log [--verify]', 'install-hooks', 'pre-push', 'hash-code', 'agents', 'unlock <COMPONENT|path>', 'relock [', 'status [--json]', 'record [<path>...]']) {
      assert.ok(r.stdout.includes(cmd), `help mentions ${cmd}`);
    }
    for (const [cmd, expected] of [['verify', /Exit codes: 0 pass, 1 violations, 2 usage/], ['check', /unlocked by a grant in force on\s+this clone/], ['unlock', /one-line form/], ['relock', /Ends grants now/], ['status', /who unlocked it/], ['record', /for tools without a watcher/], ['log', /--since <date>/], ['install-hooks', /core\.hooksPath/], ['pre-push', /protectedBranches/], ['hash-code', /never printed/], ['agents', /^Usage: protected-files agents/]] as const) {
      const h = box.run([cmd, '--help'], { cwd: dir });
      assert.equal(h.code, 0, cmd);
      assert.match(h.stdout, expected, cmd);
    }
  });

  test('--version prints the package version; no command or an unknown one exits 2', () => {
    const dir = box.dir('version');
    const pkg = JSON.parse(readFileSync(join(BUILT_CLI, '..', '..', 'package.json'), 'utf8')) as { version: string };
    assert.deepEqual(box.run(['--version'], { cwd: dir }), { code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    const none = box.run([], { cwd: dir });
    assert.equal(none.code, 2);
    assert.match(none.stdout, /^Usage: protected-files <command>/);
    const unknown = box.run(['frobnicate'], { cwd: dir });
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, 'protected-files: Unknown command (not repeated here, in case it was a code).\n  Run protected-files --help for the list of commands.\n');
    // Names every object has are no commands either (they crashed the dispatcher with a stack trace).
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      assert.deepEqual(box.run([name], { cwd: dir }), { code: 2, stdout: '', stderr: unknown.stderr }, name);
    }
  });

  test('an unknown command is never echoed: it may be a code typed in the wrong place', () => {
    const dir = box.dir('unknown');
    for (const argv of [['Tr0ub4dor&3x'], ['--Tr0ub4dor&3x'], ['Tr0ub4dor&3x', '--json'], ['x'.repeat(60) + 'SECRETTAIL']]) {
      const r = box.run(argv, { cwd: dir });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /Unknown command/);
      for (const fragment of ['Tr0ub4dor', 'SECRETTAIL', 'xxxxxxxxxx']) {
        assert.ok(!r.stderr.includes(fragment) && !r.stdout.includes(fragment), `${argv[0].slice(0, 4)}… leaked ${fragment}`);
      }
    }
  });

  test('an unknown option or a stray argument to a command is never echoed either', () => {
    const dir = box.dir('unknown-option');
    for (const argv of [['verify', '--Tr0ub4dor&3x'], ['status', 'Tr0ub4dor&3x'], ['relock', '--all', 'Tr0ub4dor&3x'], ['log', '--Tr0ub4dor&3x=1'], ['unlock', '--code', 'Tr0ub4dor&3x']]) {
      const r = box.run(argv, { cwd: dir });
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.stderr, /See protected-files \w[\w-]* --help/);
      assert.ok(!r.stderr.includes('Tr0ub4dor') && !r.stdout.includes('Tr0ub4dor'), `${argv[0]} leaked the argument`);
    }
  });
});

describe('check', () => {
  test('paths: exit 2 with tier, component and risk on stderr for a protected one, 0 otherwise', () => {
    const repo = project();
    const hit = repo.cli(['check', 'src/booking/a.ts']);
    assert.equal(hit.code, 2);
    assert.equal(denial(hit.stderr), `${A_MESSAGE}\n`);

    const miss = repo.cli(['check', 'src/app.ts', 'src/new-file.ts']);
    assert.equal(miss.code, 0);
    assert.equal(denial(miss.stderr), '');
    assert.equal(miss.stdout, 'src/app.ts: not protected\nsrc/new-file.ts: not protected\n');

    const mixed = repo.cli(['check', 'src/app.ts', 'db/migrations/002.sql']);
    assert.equal(mixed.code, 2);
    assert.match(denial(mixed.stderr), /^Protected Files: db\/migrations\/002\.sql is protected \(T2 · Tier 2 · Infrastructure · MIGRATIONS\): Schema changes hit production on deploy\. Unlock it with a reason first: in VS Code \(Protected Files: Unlock…\) or with `echo 'UNLOCK MIGRATIONS FOR: <reason>' \| protected-files unlock`; do not edit it directly\.\n$/);
  });

  test('absolute paths, a subdirectory as cwd, the manifest itself, a path outside the workspace', () => {
    const repo = project();
    assert.equal(repo.cli(['check', join(repo.dir, 'src/booking/a.ts')]).code, 2);
    const sub = repo.cli(['check', 'booking/a.ts'], { cwd: join(repo.dir, 'src') });
    assert.equal(sub.code, 2);
    assert.equal(denial(sub.stderr), `${A_MESSAGE}\n`);
    const manifest = repo.cli(['check', '.protection/manifest.jsonc']);
    assert.equal(manifest.code, 2);
    assert.match(manifest.stderr, /\.protection\/manifest\.jsonc is protected \(T1 · Tier 1 · Revenue critical · protection manifest and audit log\):/);
    const outside = repo.cli(['check', join(box.root, 'elsewhere', 'src', 'booking', 'a.ts'), '../x']);
    assert.equal(outside.code, 0, outside.stderr);
  });

  test('a symlink to a protected file is protected', () => {
    const repo = project();
    symlinkSync(join(repo.dir, 'src/booking/a.ts'), join(repo.dir, 'innocent.ts'));
    const r = repo.cli(['check', 'innocent.ts']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /src\/booking\/a\.ts is protected/);
  });

  test('Claude Code PreToolUse JSON on stdin: Edit, Write, MultiEdit, NotebookEdit, tools without a path', () => {
    const repo = project();
    const event = (tool: string, input: Record<string, unknown>, cwd = repo.dir): string =>
      JSON.stringify({ session_id: 's', hook_event_name: 'PreToolUse', tool_name: tool, tool_input: input, cwd });

    const edit = repo.cli(['check'], { input: event('Edit', { file_path: join(repo.dir, 'src/booking/a.ts'), old_string: 'a', new_string: 'b' }), cwd: box.root });
    assert.equal(edit.code, 2);
    assert.equal(edit.stderr, `${A_MESSAGE}\n`);
    assert.equal(edit.stdout, '');

    const multi = repo.cli(['check'], { input: event('MultiEdit', { file_path: 'src/booking/a.ts', edits: [] }) });
    assert.equal(multi.code, 2, 'a relative path is resolved against the event cwd');

    const notebook = repo.cli(['check'], { input: event('NotebookEdit', { notebook_path: 'src/booking/nb.ipynb' }) });
    assert.equal(notebook.code, 2);

    const write = repo.cli(['check'], { input: event('Write', { file_path: join(repo.dir, 'src/app.ts'), content: 'x' }) });
    assert.deepEqual(write, { code: 0, stdout: '', stderr: '' });

    const bash = repo.cli(['check'], { input: event('Bash', { command: 'ls' }) });
    assert.deepEqual(bash, { code: 0, stdout: '', stderr: '' });
  });

  test('unreadable hook input exits 1 (reported, never a block); no paths and no input too', () => {
    const repo = project();
    const bad = repo.cli(['check'], { input: 'not json' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /check could not read the hook event on stdin: it is not JSON\./);
    const empty = repo.cli(['check'], { input: '' });
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /check got no paths and nothing on stdin/);
  });

  test('a broken manifest never loosens protection: the committed one stands in, else every path is denied', () => {
    const repo = project();
    repo.write('.protection/manifest.jsonc', '{ "tiers": ');
    const r = repo.cli(['check', 'src/booking/a.ts']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /has errors; using the version committed at HEAD/);
    assert.match(r.stderr, /src\/booking\/a\.ts is protected/);

    const fresh = box.repo(`r${++n}`, { manifest: false });
    fresh.write('.protection/manifest.jsonc', '{ "tiers": ');
    const denied = fresh.cli(['check', 'src/app.ts']);
    assert.equal(denied.code, 2);
    assert.match(denied.stderr, /has errors and no commit has a valid version, so it cannot be decided whether src\/app\.ts may be edited; restore or fix the manifest in VS Code first:\n {2}\.protection\/manifest\.jsonc:1:\d+ error: /);
  });

  test('no manifest anywhere: nothing is protected', () => {
    const dir = box.dir(`nomanifest${++n}`);
    const r = box.run(['check', 'a.ts'], { cwd: dir });
    assert.equal(r.code, 0);
    assert.match(r.stderr, /no \.protection\/manifest\.jsonc in .* or above; nothing is protected here/);
  });
});

describe('the end of a guard command', () => {
  // check, hook and verify end the process as soon as they return (exitWhenWritten in src/cli/io.ts),
  // except while output waits on a stream: a full non-blocking pipe (shared with a parent that set
  // O_NONBLOCK) takes only part of a plain write, and the rest goes through process.stderr. (On Linux
  // Node makes that stream's writes blocking, so this holds there even without the wait; it is the
  // way the answer takes that is checked.)
  test('an answer larger than a full non-blocking pipe arrives whole, read slowly', async () => {
    const repo = project();
    const paths = Array.from({ length: 1500 }, (_, i) => `src/booking/f${i}.ts`);
    const expected = repo.cli(['check', ...paths]);
    assert.equal(expected.code, 2);
    assert.ok(expected.stderr.length > 4 * 65536, `${expected.stderr.length} bytes: more than a pipe's buffer`);
    const fifo = join(repo.dir, 'answer.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    const child = spawn(process.execPath, [box.cli, 'check', ...paths], { cwd: repo.dir, env: box.env, stdio: ['ignore', 'ignore', writer] });
    closeSync(writer);
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const chunks: Buffer[] = [];
    try {
      await new Promise((done) => setTimeout(done, 400)); // the pipe stays full while nobody reads
      for (;;) {
        const buffer = Buffer.alloc(65536);
        let n: number;
        try {
          n = readSync(reader, buffer);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
          await new Promise((done) => setTimeout(done, 5));
          continue;
        }
        if (n === 0) break; // every writer closed: the process ended
        chunks.push(buffer.subarray(0, n));
      }
    } finally {
      closeSync(reader);
    }
    assert.equal(await exited, 2);
    assert.equal(Buffer.concat(chunks).toString('utf8'), expected.stderr);
  });
});

describe('log', () => {
  async function logged(): Promise<Repo> {
    const repo = project();
    await repo.approve('src/booking/a.ts', 'a2\n', { component: 'BOOKING_FLOW', reason: 'fix the greeting text' });
    await repo.record({ event: 'unlock', file: 'db/migrations/001.sql', component: 'MIGRATIONS', reason: 'add an index' });
    await repo.approve('db/migrations/001.sql', 'sql2\n', { component: 'MIGRATIONS', reason: 'add an index' });
    return repo;
  }

  test('prints one line per record; --component, --since and --json filter and format', async () => {
    const repo = await logged();
    const all = repo.cli(['log']);
    assert.equal(all.code, 0);
    assert.deepEqual(all.stdout.trimEnd().split('\n'), [
      '2026-11-22 10:01 change src/booking/a.ts (BOOKING_FLOW) by Ann Tester <ann@example.com> — fix the greeting text',
      '2026-11-22 10:02 unlock db/migrations/001.sql (MIGRATIONS) by Ann Tester <ann@example.com> — add an index',
      '2026-11-22 10:03 change db/migrations/001.sql (MIGRATIONS) by Ann Tester <ann@example.com> — add an index',
    ]);
    const component = repo.cli(['log', '--component', 'MIGRATIONS']);
    assert.equal(component.stdout.trimEnd().split('\n').length, 2);
    const since = repo.cli(['log', '--since', '2026-11-22T10:02:30Z']);
    assert.deepEqual(since.stdout.trimEnd().split('\n').map((l) => l.slice(0, 16)), ['2026-11-22 10:03']);
    const json = repo.cli(['log', '--json', '--component', 'BOOKING_FLOW']);
    const records = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { seq: number; event: string });
    assert.deepEqual(records.map((r) => [r.seq, r.event]), [[1, 'change']]);
    const bad = repo.cli(['log', '--since', 'yesterday']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since needs an ISO date/);
  });

  test('--verify: chain OK, or the break with exit 1', async () => {
    const repo = await logged();
    assert.deepEqual(repo.cli(['log', '--verify']), { code: 0, stdout: 'chain OK: 3 records\n', stderr: '' });
    const lines = repo.auditLines();
    repo.writeAuditLines([lines[0], lines[2]]);
    const broken = repo.cli(['log', '--verify']);
    assert.equal(broken.code, 1);
    assert.equal(broken.stdout, 'chain BROKEN at record 2 of 2: Record 2 (seq 3) does not follow record 1 (seq 1): a record was removed, inserted or reordered here.\n');
  });

  test('a reader that stops early (log | head) ends the output quietly: no EPIPE stack trace', () => {
    const repo = project();
    const records: AuditRecord[] = [];
    for (let i = 0; i < 2000; i++) {
      records.push(sealRecord({ event: 'unlock', at: new Date(Date.UTC(2026, 10, 22, 10, 0, i)).toISOString(), actor: { name: 'Ann Tester', email: 'ann@example.com' }, component: 'BOOKING_FLOW', reason: `session ${i}` }, records.at(-1)));
    }
    repo.writeAuditLines(records.map(renderRecord));
    const err = join(repo.dir, 'stderr.txt');
    const r = spawnSync('sh', ['-c', `node ${shellQuote(box.cli)} log 2>${shellQuote(err)} | head -n 1`], { cwd: repo.dir, env: box.env, encoding: 'utf8' });
    assert.equal(r.stdout, `2026-11-22 10:00 unlock BOOKING_FLOW by Ann Tester <ann@example.com> — session 0\n`);
    assert.equal(readFileSync(err, 'utf8'), '');
  });

  test('no audit log yet', () => {
    const repo = project();
    assert.equal(repo.cli(['log', '--verify']).stdout, 'chain OK: 0 records (no audit log yet)\n');
    const r = repo.cli(['log']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /There is no audit log yet/);
  });
});

describe('code cache', () => {
  test('the manifest a part parsed is kept beside it, and any change to the manifest counts at the very next call', () => {
    // src/node/manifestCache.ts: read back only for the same text, byte for byte.
    const repo = project();
    const pkg = box.dir(`manifest-cache-pkg${++n}`);
    const cli = copyBuiltCli(dirname(BUILT_CLI), pkg);
    const dist = dirname(cli);
    const check = (path: string): number | null => spawnSync(process.execPath, [cli, 'check', path], { cwd: repo.dir, env: box.env, encoding: 'utf8' }).status;
    const kept = (): string[] => readdirSync(dist).filter((f) => f.includes('.manifest-'));
    assert.equal(check('src/booking/a.ts'), 2);
    assert.equal(check('src/app.ts'), 0);
    assert.deepEqual(kept().length, 1, 'kept beside the part');
    // Committed: a manifest is obeyed once approved (src/node/approvedManifest.ts), and HEAD's is.
    const edit = (text: string): void => {
      repo.write('.protection/manifest.jsonc', text);
      repo.commitAll('manifest edited');
    };
    edit(MANIFEST.replace('"src/booking/**"', '"src/booking/**", "src/app.ts"'));
    assert.equal(check('src/app.ts'), 2, 'a file locked by the edit');
    // The same length, one character other: the old parse is not taken for it.
    const moved = MANIFEST.replace('"src/booking/**"', '"src/bookinx/**"');
    assert.equal(moved.length, MANIFEST.length);
    edit(moved);
    assert.equal(check('src/booking/a.ts'), 0, 'unlocked by an edit of the same length');
    edit(MANIFEST);
    assert.equal(check('src/booking/a.ts'), 2, 'locked again');
    // Broken: the committed version is enforced, as before the cache.
    edit(MANIFEST.replace('"tiers"', '"tiers" "broken"'));
    assert.equal(check('src/booking/a.ts'), 2, 'a broken manifest loosens nothing');
    assert.deepEqual(kept().length, 1, 'one cache for the workspace');
  });

  test('a parse that could not be kept does not hold the code cache back: the run that parsed makes it', () => {
    // Else a manifest whose parse is never kept would leave every run compiling the whole part.
    const repo = project();
    const cli = copyBuiltCli(dirname(BUILT_CLI), box.dir(`manifest-cache-pkg${++n}`));
    const dist = dirname(cli);
    const check = (): number | null => spawnSync(process.execPath, [cli, 'check', 'src/booking/a.ts'], { cwd: repo.dir, env: box.env, encoding: 'utf8' }).status;
    const caches = (): string[] => readdirSync(dist).filter((f) => f.endsWith('.v8cache'));
    assert.equal(check(), 2);
    const [kept] = readdirSync(dist).filter((f) => f.includes('.manifest-'));
    assert.ok(kept, 'the parse kept');
    assert.deepEqual(caches(), []);
    // Its place taken by a folder: the next parse cannot be kept.
    rmSync(join(dist, kept));
    mkdirSync(join(dist, kept));
    assert.equal(check(), 2);
    assert.equal(caches().length, 1, 'made by the run that parsed');
  });

  // src/node/cachedPart.ts: each part of the CLI keeps V8's code cache beside it (its own tests cover the checks).
  test('each part run writes its cache beside it once; later runs use it and answer the same', () => {
    const repo = project();
    const pkg = box.dir(`cache-pkg${++n}`);
    const cli = copyBuiltCli(dirname(BUILT_CLI), pkg);
    const dist = dirname(cli);
    const caches = (): string[] => readdirSync(dist).filter((f) => f.endsWith('.v8cache')).sort();
    const run = (args: string[]): { code: number | null; out: string } => {
      const r = spawnSync(process.execPath, [cli, ...args], { cwd: repo.dir, env: box.env, encoding: 'utf8' });
      return { code: r.status, out: `${r.stdout}|${denial(r.stderr)}` };
    };
    assert.deepEqual(caches(), []);
    const first = run(['check', 'src/booking/a.ts']);
    assert.equal(first.code, 2);
    // The first run parsed the manifest and kept the parse beside the part: the next run reads it back,
    // and makes the code cache, without the parser's functions (the first run's would hold them).
    assert.deepEqual(caches(), [], 'not made by the run that parsed the manifest');
    assert.equal(readdirSync(dist).filter((f) => f.includes('.manifest-')).length, 1);
    assert.deepEqual(run(['check', 'src/booking/a.ts']), first);
    // The guard's part keeps a cache per command (check, hook), the others one each.
    const guardCache = `cli-guard.js.${process.versions.v8}-${process.arch}.check.v8cache`;
    assert.deepEqual(caches(), [guardCache], 'only the part that ran');
    const made = statSync(join(dist, guardCache));
    for (let i = 0; i < 2; i++) assert.deepEqual(run(['check', 'src/booking/a.ts']), first);
    assert.equal(statSync(join(dist, guardCache)).ino, made.ino, 'used, not written again');
    assert.equal(run(['verify', '--staged']).code, 0);
    // The gate's part too: the plain command, and the pre-commit hook's way (git's answers on stdin).
    const verifyCache = `cli-verify.js.${process.versions.v8}-${process.arch}.verify.v8cache`;
    assert.deepEqual(caches(), [guardCache, verifyCache].sort());
    const hookedVerify = box.runHooked([], { cwd: repo.dir, cli });
    assert.equal(hookedVerify.code, 0, hookedVerify.stdout);
    const givenCache = `cli-verify.js.${process.versions.v8}-${process.arch}.verify+verify-given.v8cache`;
    assert.deepEqual(caches(), [guardCache, verifyCache, givenCache].sort());
    assert.match(readFileSync(join(dist, givenCache)).subarray(0, 300).toString('latin1').split('\n')[0], / verify,verify-given \d+$/);
    assert.match(readFileSync(join(dist, verifyCache)).subarray(0, 300).toString('latin1').split('\n')[0], / verify,verify-git \d+$/);

    // An agent's hook: a cache of its own for each way its launcher guesses (src/cli/hookWay.ts): an
    // Edit does not deserialize the shell guard, a Bash call has it.
    const hookCache = `cli-guard.js.${process.versions.v8}-${process.arch}.hook+hook-files.v8cache`;
    const shellCache = `cli-guard.js.${process.versions.v8}-${process.arch}.hook+hook-shell.v8cache`;
    const hook = (payload: object): { code: number | null; out: string } => {
      const r = spawnSync(process.execPath, [join(dist, 'hook.js'), 'hook', '--agent', 'claude'], { cwd: repo.dir, env: box.env, encoding: 'utf8', input: JSON.stringify(payload) });
      return { code: r.status, out: `${r.stdout}|${denial(r.stderr)}` };
    };
    const edit = { session_id: 's', cwd: repo.dir, hook_event_name: 'PreToolUse', tool_name: 'Edit', tool_input: { file_path: join(repo.dir, 'src', 'booking', 'a.ts'), old_string: 'a', new_string: 'b' } };
    const bash = { ...edit, tool_name: 'Bash', tool_input: { command: 'rm src/booking/a.ts' } };
    const firstEdit = hook(edit);
    assert.equal(firstEdit.code, 2);
    assert.deepEqual(caches(), [guardCache, hookCache, verifyCache, givenCache].sort());
    const header = (file = hookCache): string => readFileSync(join(dist, file)).subarray(0, 300).toString('latin1').split('\n')[0];
    assert.match(header(), / hook,hook-files \d+$/);
    assert.deepEqual(hook(edit), firstEdit);
    // `protected-files hook` through the dispatcher (a global install) reads and guesses as well, and takes the same cache.
    const viaDispatcher = spawnSync(process.execPath, [cli, 'hook', '--agent', 'claude'], { cwd: repo.dir, env: box.env, encoding: 'utf8', input: JSON.stringify(edit) });
    assert.equal(`${viaDispatcher.stdout}|${denial(viaDispatcher.stderr)}`, firstEdit.out);
    assert.deepEqual(caches(), [guardCache, hookCache, verifyCache, givenCache].sort(), 'no cache of its own');
    const firstBash = hook(bash);
    assert.equal(firstBash.code, 2);
    assert.deepEqual(caches(), [guardCache, hookCache, shellCache, verifyCache, givenCache].sort());
    // A deletion stands for the subtree below the path too, which minimatch expands.
    assert.match(header(shellCache), / glob,hook,hook-shell \d+$/);
    assert.match(header(), / hook,hook-files \d+$/, 'the Edit\'s cache is not made again by a Bash call');
    const [editMade, shellMade] = [statSync(join(dist, hookCache)), statSync(join(dist, shellCache))];
    assert.deepEqual(hook(bash), firstBash);
    assert.deepEqual(hook(edit), firstEdit);
    assert.equal(statSync(join(dist, hookCache)).ino, editMade.ino, 'each way covered: not written again');
    assert.equal(statSync(join(dist, shellCache)).ino, shellMade.ino);
    // A guess that was wrong (an Edit with a field whose value is "command") is only a cache made again with both ways.
    const write = { ...edit, tool_name: 'Write', tool_input: { file_path: join(repo.dir, 'src', 'booking', 'a.ts'), content: 'x', description: 'command' } };
    const wrote = hook(write);
    assert.equal(wrote.code, 2);
    assert.match(wrote.out, /src\/booking\/a\.ts is protected/);
    assert.match(header(shellCache), / glob,hook,hook-files,hook-shell \d+$/);

    // The same installed CLI in a repository whose manifest has patterns: the code that compiles and
    // matches them was never run by the runs above, so the cache is made again once, with it.
    const globs = box.repo(`cache-globs${++n}`, { manifest: MANIFEST.replace('"files": ["db/migrations/**"]', '"files": ["db/**/*.{sql,psql}", "**/.env*"]') });
    const sqlEdit = { ...edit, cwd: globs.dir, tool_input: { ...edit.tool_input, file_path: join(globs.dir, 'db', 'migrations', '001.sql') } };
    const inGlobs = (payload: object): { code: number | null; out: string } => {
      const r = spawnSync(process.execPath, [join(dist, 'hook.js'), 'hook', '--agent', 'claude'], { cwd: globs.dir, env: box.env, encoding: 'utf8', input: JSON.stringify(payload) });
      return { code: r.status, out: `${r.stdout}|${denial(r.stderr)}` };
    };
    const firstSql = inGlobs(sqlEdit);
    assert.equal(firstSql.code, 2, firstSql.out);
    assert.match(firstSql.out, /db\/migrations\/001\.sql is protected/);
    assert.match(header(), / hook,hook-files \d+$/, 'not by the run that parsed this workspace\'s manifest');
    assert.deepEqual(inGlobs(sqlEdit), firstSql);
    assert.match(header(), / hook,hook-files,patterns \d+$/);
    const withGlobs = statSync(join(dist, hookCache));
    assert.deepEqual(inGlobs(sqlEdit), firstSql);
    assert.deepEqual(hook(edit), firstEdit);
    assert.equal(statSync(join(dist, hookCache)).ino, withGlobs.ino, 'patterns covered: not written again');
    assert.equal(readdirSync(dist).filter((f) => f.endsWith('.tmp')).length, 0);
  });
});

describe('hash-code', () => {
  const CODE = 'violet-anchor-meadow-42';

  test('hashes a code from stdin; the hash verifies; the code never appears in the output', async () => {
    const dir = box.dir('hash');
    const r = box.run(['hash-code'], { cwd: dir, input: `${CODE}\n` });
    assert.equal(r.code, 0, r.stderr);
    const hash = r.stdout.trim();
    assert.match(hash, /^ed25519\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]{43}$/);
    assert.ok(await matchCode(CODE, hash));
    assert.equal(await matchCode(`${CODE}\n`, hash), undefined, 'the newline is not part of the code');
    assert.ok(!r.stdout.includes(CODE) && !r.stderr.includes(CODE));
  });

  test('refuses weak codes, several lines and arguments, without printing them', () => {
    const dir = box.dir('hash-weak');
    for (const [input, reason] of [['password1', /common, easily guessed/], ['1234567890', /simple sequence/], ['k7#Qp', /shorter than 8/], ['aaaaaaaaaaaa', /repeats a single character/]] as const) {
      const r = box.run(['hash-code'], { cwd: dir, input });
      assert.equal(r.code, 2, input);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^protected-files: Refused: /);
      assert.match(r.stderr, reason);
      assert.ok(!r.stderr.includes(input), `the refusal does not repeat ${input}`);
    }
    const lines = box.run(['hash-code'], { cwd: dir, input: `${CODE}\nsecond-line-here\n` });
    assert.equal(lines.code, 2);
    assert.ok(!lines.stderr.includes(CODE));
    const arg = box.run(['hash-code', CODE], { cwd: dir });
    assert.equal(arg.code, 2);
    assert.ok(!arg.stderr.includes(CODE) && !arg.stdout.includes(CODE), 'a code passed as an argument is not echoed');
    const empty = box.run(['hash-code'], { cwd: dir, input: '' });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /No code on stdin/);
  });
});
