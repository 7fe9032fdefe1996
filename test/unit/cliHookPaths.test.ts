// What a tool call names, as the agents' hook must see it: every workspace around a path (a
// manifest in a subfolder hides none above it), links to locked files (symbolic, hard, dangling,
// from outside the workspace), path fields wherever a tool puts them, and calls the guard cannot
// read, which it refuses. Through the built CLI, in real temporary git repositories.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { linkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { HookAgent } from '../../src/core/agentHooks';
import { MANIFEST, Sandbox } from './cliHarness';
import type { Repo, RunResult } from './cliHarness';

const sandbox = new Sandbox('hookpaths');
after(() => sandbox.dispose());

const LOCKED = 'src/booking/pricing.ts';
const REFUSED = /Protected Files: src\/booking\/pricing\.ts is protected \(T1 · Tier 1 · Revenue critical · BOOKING_FLOW\)/;

let n = 0;
function project(): Repo {
  return sandbox.project({ [LOCKED]: 'export const price = 1;\n', 'src/app.ts': 'app\n' });
}

function hook(payload: unknown, cwd: string, agent: HookAgent = 'claude'): RunResult {
  return sandbox.run(['hook', '--agent', agent], { cwd, input: JSON.stringify(payload) });
}

function bash(repo: Repo, command: string, cwd = repo.dir): RunResult {
  return hook({ session_id: 's', cwd, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command } }, cwd);
}

function tool(cwd: string, name: string, input: unknown): RunResult {
  return hook({ session_id: 's', cwd, hook_event_name: 'PreToolUse', tool_name: name, tool_input: input }, cwd);
}

function refused(r: RunResult, pattern: RegExp, what: string): void {
  assert.equal(r.code, 2, `${what}: exit 2 (stdout: ${r.stdout}; stderr: ${r.stderr})`);
  assert.match(r.stderr, pattern, what);
}

function allowed(r: RunResult, what: string): void {
  assert.equal(r.code, 0, `${what}: exit 0 (stderr: ${r.stderr})`);
}

describe('many paths, many folders: the hook answers, and never with exit 1', () => {
  /** The hook with at most 256 open files, as a machine with a low limit runs it. */
  const limited = (payload: unknown, cwd: string): RunResult => {
    const r = spawnSync('sh', ['-c', `ulimit -n 256 && exec "${process.execPath}" "${sandbox.cli}" hook --agent claude`], { cwd, env: sandbox.env, input: JSON.stringify(payload), encoding: 'utf8', timeout: 60_000 });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };

  test('300 folders outside any workspace, and 300 folders of a checkout without a manifest: allowed, no git process per folder', () => {
    const outside = sandbox.dir(`outside${++n}`);
    const paths = Array.from({ length: 300 }, (_, i) => join(outside, `q${i}`, 'x.ts'));
    allowed(limited({ hook_event_name: 'PreToolUse', cwd: outside, tool_name: 'mcp__fs__write', tool_input: { paths } }, outside), 'outside');
    const plain = sandbox.repo(`plain${++n}`, { manifest: false });
    const inside = Array.from({ length: 300 }, (_, i) => join(plain.dir, `d${i}`, 'x.ts'));
    allowed(limited({ hook_event_name: 'PreToolUse', cwd: plain.dir, tool_name: 'mcp__fs__write', tool_input: { paths: inside } }, plain.dir), 'a checkout without a manifest');
  });

  test('the locked file among 300 folders elsewhere is still refused', () => {
    const repo = project();
    const outside = sandbox.dir(`outside${++n}`);
    const paths = [...Array.from({ length: 299 }, (_, i) => join(outside, `q${i}`, 'x.ts')), join(repo.dir, LOCKED)];
    refused(limited({ hook_event_name: 'PreToolUse', cwd: outside, tool_name: 'mcp__fs__write', tool_input: { paths } }, outside), REFUSED, 'last of 300');
  });
});

describe('a file or shell tool call the guard cannot read is refused, in the agent\'s format', () => {
  test('Edit without input, with a path that is not text; Bash with a command that is not text', () => {
    const repo = project();
    const edit = (tool_input: unknown): RunResult => tool(repo.dir, 'Edit', tool_input);
    refused(hook({ hook_event_name: 'PreToolUse', cwd: repo.dir, tool_name: 'Edit' }, repo.dir), /refused this tool call because the hook could not read the Edit call's input \(tool_input\): expected an object, got nothing/, 'no tool_input');
    for (const input of [null, [join(repo.dir, LOCKED)], { file_path: [join(repo.dir, LOCKED)] }, { file_path: 1 }, { file_path: { path: LOCKED } }, { file_path: '' }]) {
      refused(edit(input), /could not read the Edit call's (input|file path)/, JSON.stringify(input));
    }
    for (const command of [1, { c: `echo x > ${LOCKED}` }, [`echo x > ${LOCKED}`, 1]]) {
      refused(tool(repo.dir, 'Bash', { command }), /could not read the Bash call's command \(tool_input\.command\)/, JSON.stringify(command));
    }
    const cursor = hook({ conversation_id: 'c', hook_event_name: 'preToolUse', workspace_roots: [repo.dir], tool_name: 'Write', tool_input: { file_path: 5 } }, repo.dir, 'cursor');
    refused(cursor, /Write call's file path/, 'Cursor');
    assert.equal((JSON.parse(cursor.stdout) as { permission: string }).permission, 'deny');
    allowed(tool(repo.dir, 'mcp__notes__add', null), 'an unknown tool without input');
  });
});

describe('a manifest in a subfolder hides none of the workspace around it', () => {
  /** A manifest that protects nothing the root's does: what an agent would put in src/.protection/. */
  const decoy = MANIFEST.replace('"src/booking/**"', '"nothing/**"');

  test('writing a .protection folder inside a workspace is refused like its manifest, by file and shell tools', () => {
    const repo = project();
    const nested = /src\/\.protection\/manifest\.jsonc \(in a \.protection folder inside this workspace, where a manifest would change what is protected: protected like \.protection\/manifest\.jsonc\) is protected/;
    refused(tool(repo.dir, 'Write', { file_path: join(repo.dir, 'src/.protection/manifest.jsonc'), content: decoy }), nested, 'Write');
    refused(bash(repo, 'mkdir -p src/.protection && cp .protection/manifest.jsonc src/.protection/manifest.jsonc'), nested, 'cp');
    refused(bash(repo, 'echo "{}" > src/booking/../.protection/manifest.jsonc'), /src\/\.protection\/manifest\.jsonc \(in a \.protection folder/, 'through ..');
    // $D may be any text, `..` too: the manifest of the workspace itself is among what it can name.
    refused(bash(repo, 'echo "{}" > src/$D/.protection/manifest.jsonc'), /\.protection\/manifest\.jsonc (\(in a \.protection folder|is protected)/, 'through a variable');
    allowed(bash(repo, 'echo x > src/notes.txt'), 'another file of the folder');
  });

  test('with one there already, a locked file is refused from the subfolder too (Edit, Bash, Codex workdir), and check says so', () => {
    const repo = project();
    repo.write('src/.protection/manifest.jsonc', decoy);
    const src = join(repo.dir, 'src');
    refused(tool(src, 'Edit', { file_path: join(repo.dir, LOCKED), old_string: 'a', new_string: 'b' }), REFUSED, 'Edit from src');
    refused(bash(repo, 'echo x > booking/pricing.ts', src), REFUSED, 'Bash from src');
    const codex = { session_id: 's', turn_id: 't', cwd: repo.dir, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'echo x > booking/pricing.ts', workdir: 'src' } };
    refused(hook(codex, repo.dir, 'codex'), REFUSED, 'Codex with workdir src');
    allowed(bash(repo, 'echo x > app.ts', src), 'a file neither protects');
    const check = repo.cli(['check', 'booking/pricing.ts'], { cwd: src });
    assert.equal(check.code, 2, check.stdout);
    assert.match(check.stderr, REFUSED);
  });
});

describe('links to a locked file are the locked file', () => {
  test('a dangling symlink, a symlinked folder and a pattern through it, refused for the shell as for Edit', () => {
    const repo = project();
    symlinkSync('src/booking/created.ts', join(repo.dir, 'dang.ts'));
    symlinkSync('src/booking', join(repo.dir, 'bk'));
    refused(bash(repo, 'echo x > dang.ts'), /src\/booking\/created\.ts is protected/, 'dangling link');
    refused(tool(repo.dir, 'Write', { file_path: join(repo.dir, 'dang.ts'), content: 'x' }), /src\/booking\/created\.ts is protected/, 'dangling link, Write');
    refused(bash(repo, 'echo x > bk/new.ts'), /src\/booking\/new\.ts is protected/, 'new file through a symlinked folder');
    refused(bash(repo, 'rm bk/*'), REFUSED, 'a pattern through a symlinked folder');
    allowed(bash(repo, 'cat bk/pricing.ts dang.ts'), 'reading through them');
  });

  test('a symlink outside the workspace, and a symlinked folder outside it, with the call run from anywhere', () => {
    const repo = project();
    const outside = sandbox.dir(`links${++n}`);
    symlinkSync(join(repo.dir, LOCKED), join(outside, 'x.ts'));
    symlinkSync(join(repo.dir, 'src', 'booking'), join(outside, 'outdir'));
    refused(bash(repo, `echo x > ${join(outside, 'x.ts')}`), REFUSED, 'from the repository');
    refused(bash(repo, 'echo x > x.ts', outside), REFUSED, 'from the folder of the link');
    refused(tool(outside, 'Write', { file_path: join(outside, 'x.ts'), content: 'x' }), REFUSED, 'Write from elsewhere');
    refused(tool(outside, 'Write', { file_path: join(outside, 'outdir', 'pricing.ts'), content: 'x' }), REFUSED, 'Write through a symlinked folder');
    refused(bash(repo, 'echo x > outdir/new.ts', outside), /src\/booking\/new\.ts is protected/, 'a new file through a symlinked folder outside');
    allowed(bash(repo, `echo x > ${join(outside, 'notes.txt')}`, outside), 'a plain file there');
  });

  test('a hard link to a locked file, written by the shell, Edit or Write', () => {
    const repo = project();
    linkSync(join(repo.dir, LOCKED), join(repo.dir, 'hl.ts'));
    const twin = /hl\.ts \(a hard link to src\/booking\/pricing\.ts\) is protected \(T1/;
    refused(bash(repo, 'echo evil >> hl.ts'), twin, 'append');
    refused(tool(repo.dir, 'Edit', { file_path: 'hl.ts', old_string: 'a', new_string: 'b' }), twin, 'Edit');
    refused(tool(repo.dir, 'Write', { file_path: join(repo.dir, 'hl.ts'), content: 'x' }), twin, 'Write');
    writeFileSync(join(repo.dir, 'plain.ts'), 'x\n');
    allowed(bash(repo, 'echo ok >> plain.ts'), 'a file with one link');
  });

  // Needs the shell guard to report ln's TARGET operands (src/core/shellGuard.ts, being changed elsewhere).
  test('making a link to a locked file is refused (ln, ln -s, in the command that then writes through it)', () => {
    const repo = project();
    refused(bash(repo, `ln ${LOCKED} hl.ts`), REFUSED, 'hard link');
    refused(bash(repo, `ln -s ${LOCKED} a9.ts && echo x > a9.ts`), REFUSED, 'symbolic link, then a write through it');
    refused(bash(repo, `mkdir -p tmp && ln -s ../${LOCKED} tmp/a9.ts`), REFUSED, 'a relative symbolic link, read from its own folder');
    refused(bash(repo, `ln -t . ${LOCKED}`), REFUSED, 'ln -t');
    allowed(bash(repo, 'ln -s src/app.ts app-link.ts'), 'a link to a file that is not protected');
  });
});

describe('path fields wherever a tool puts them', () => {
  test('Copilot multi_replace_string_in_file, an MCP tool with nested path fields, a list past 1,000 items', () => {
    const repo = project();
    const copilot = { hookEventName: 'PreToolUse', sessionId: 's', cwd: repo.dir, tool_name: 'multi_replace_string_in_file', tool_input: { replacements: [{ filePath: join(repo.dir, LOCKED), oldString: 'a', newString: 'b' }] } };
    refused(hook(copilot, repo.dir, 'copilot'), REFUSED, 'multi_replace_string_in_file');
    refused(tool(repo.dir, 'mcp__fs__batch', { ops: [{ target: { file_path: LOCKED } }] }), REFUSED, 'nested');
    const paths = [...Array.from({ length: 1000 }, (_, i) => `notes/${i}.md`), LOCKED];
    refused(tool(repo.dir, 'mcp__fs__write_many', { paths }), REFUSED, 'the 1,001st path');
    allowed(tool(repo.dir, 'mcp__fs__batch', { ops: [{ target: { file_path: 'src/app.ts' } }] }), 'an unprotected file');
  });
});

describe('Gemini\'s and Codex\'s own ways of naming where a command runs and what a patch writes', () => {
  test('run_shell_command with directory or dir_path; apply_patch with indented headers', () => {
    const repo = project();
    for (const key of ['directory', 'dir_path']) {
      const gemini = { hook_event_name: 'BeforeTool', cwd: repo.dir, tool_name: 'run_shell_command', tool_input: { command: 'echo x > pricing.ts', [key]: 'src/booking' } };
      const r = hook(gemini, repo.dir, 'gemini');
      refused(r, REFUSED, key);
      assert.equal(r.stdout, '', 'Gemini: nothing on stdout when refused (exit 2)');
    }
    const patch = (header: string): unknown => ({ session_id: 's', turn_id: 't', cwd: repo.dir, hook_event_name: 'PreToolUse', tool_name: 'apply_patch', tool_input: { command: `*** Begin Patch\n${header}\n@@\n-export\n+EVIL\n*** End Patch` } });
    refused(hook(patch(`  *** Update File: ${LOCKED}`), repo.dir, 'codex'), REFUSED, 'indented Update File');
    refused(hook(patch(`\t*** Delete File: ${LOCKED}`), repo.dir, 'codex'), REFUSED, 'tab before Delete File');
    refused(hook(patch(`*** Update File: src/app.ts\n  *** Move to: ${LOCKED}`), repo.dir, 'codex'), REFUSED, 'indented Move to');
  });
});

describe('patterns and $VARIABLEs in a command are expanded once', () => {
  test('10,000 times the same $VAR is one pattern; hundreds of different ones over 5,000 locked files are refused at the bound, with the reason', () => {
    const files: Record<string, string> = { [LOCKED]: 'x\n' };
    for (let i = 0; i < 5000; i++) files[`src/booking/gen/f${i}.ts`] = '';
    const repo = sandbox.project(files);
    const same = bash(repo, `touch ${Array(10_000).fill('$a').join(' ')}`);
    refused(same, /and \d{4} more protected files\. \(The command names them through "\*\*[^"]*" \(a \$VARIABLE/, 'the same variable');
    const different = bash(repo, `touch ${Array.from({ length: 500 }, (_, i) => `$a/x${i}`).join(' ')}`);
    refused(different, /the command's path patterns would have to be matched against more than 2000000 files, more than the guard checks; name the files/, 'different patterns');
  });
});

describe('patches applied through the shell: the files they name', () => {
  const diff = (path: string): string => `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n-old\n+new\n`;

  test('git apply / patch of a patch file naming a locked file are refused; one naming other files is allowed', () => {
    const repo = project();
    writeFileSync(join(repo.dir, 'evil.diff'), diff(LOCKED));
    writeFileSync(join(repo.dir, 'fine.diff'), diff('src/app.ts'));
    for (const command of ['git apply evil.diff', 'patch -p1 < evil.diff', 'git am evil.diff', `git apply ${join(repo.dir, 'evil.diff')}`]) refused(bash(repo, command), REFUSED, command);
    for (const command of ['git apply fine.diff', 'patch -p1 < fine.diff', 'git apply --check evil.diff']) allowed(bash(repo, command), command);
    // From a subfolder: the patch's path relative to it.
    allowed(bash(repo, 'git apply ../fine.diff', join(repo.dir, 'src')), 'from src');
  });

  test('a patch file written in the same command, or one that is a link, is not trusted: refused while anything is locked', () => {
    const repo = project();
    writeFileSync(join(repo.dir, 'fine.diff'), diff('src/app.ts'));
    symlinkSync(join(repo.dir, 'fine.diff'), join(repo.dir, 'linked.diff'));
    refused(bash(repo, `printf '%s' "$EVIL" > fine.diff && git apply fine.diff`), /the patch fine\.diff, read only when applying it is all the command does/, 'written first');
    refused(bash(repo, 'git apply linked.diff'), /the patch linked\.diff/, 'a link');
    refused(bash(repo, 'cat fine.diff | git apply'), /a patch the guard cannot read/, 'piped from a file');
  });

  test('a patch in the command itself is read there', () => {
    const repo = project();
    refused(bash(repo, `git apply <<'EOF'\n${diff(LOCKED)}EOF`), REFUSED, 'heredoc naming the locked file');
    allowed(bash(repo, `git apply <<'EOF'\n${diff('src/app.ts')}EOF`), 'heredoc naming another file');
  });
});

describe('package.json scripts run through the shell: what they run', () => {
  const pkg = (scripts: Record<string, string>): string => `${JSON.stringify({ name: 'demo', scripts }, null, 2)}\n`;

  test('npm run / yarn / pnpm of a script that writes the locked file are refused; other scripts are allowed', () => {
    const repo = project();
    writeFileSync(join(repo.dir, 'package.json'), pkg({ fmt: 'prettier --write src', lint: 'eslint src', 'lint:fix': 'eslint --fix', test: 'node --test' }));
    for (const command of ['npm run fmt', 'yarn lint:fix', 'pnpm run lint -- --fix', 'npm run lint -- --fix']) refused(bash(repo, command), REFUSED, command);
    for (const command of ['npm run lint', 'npm test', 'npm install']) allowed(bash(repo, command), command);
    // From a subfolder: the package.json above it, the script run where it is.
    refused(bash(repo, 'npm run fmt', join(repo.dir, 'src', 'booking')), REFUSED, 'from src/booking');
  });

  test('a package.json that is a link is read through it; one the command writes first is not trusted', () => {
    const repo = project();
    writeFileSync(join(repo.dir, 'scripts.json'), pkg({ fix: 'eslint --fix src/booking/pricing.ts' }));
    symlinkSync(join(repo.dir, 'scripts.json'), join(repo.dir, 'package.json'));
    refused(bash(repo, 'npm run fix'), REFUSED, 'through the link');
    refused(bash(repo, `printf '%s' '{}' > package.json && npm run other`), /package\.json, which the command itself may write/, 'written first');
  });

  test('a named pipe in place of package.json is not read (it reads as empty now, as anything later): every file of its folder', () => {
    const repo = project();
    const made = spawnSync('mkfifo', [join(repo.dir, 'package.json')]);
    assert.equal(made.status, 0, 'mkfifo');
    refused(bash(repo, 'npm run fmt'), /package\.json, which the guard cannot read/, 'a pipe');
  });
});

describe('package.json scripts run through another program than sh', () => {
  test('an .npmrc that sets script-shell, in the package or the home folder: its scripts count as every protected file', () => {
    const repo = project();
    // Python run as `python3 -c '<script>'`: not a command line sh would read.
    writeFileSync(join(repo.dir, 'package.json'), `${JSON.stringify({ name: 'demo', scripts: { lint: "open('src/booking/pricing.ts', 'w').write('')" } })}\n`);
    allowed(bash(repo, 'npm run lint'), 'with sh');
    writeFileSync(join(repo.dir, '.npmrc'), 'fund=false\nscript-shell=python3\n');
    refused(bash(repo, 'npm run lint'), /may run through another program than sh \(an \.npmrc or \.yarnrc sets script-shell\)/, '.npmrc in the package');
    refused(bash(repo, 'npm run lint --script-shell=python3'), /`npm --script-shell` may run the scripts through another program than sh/, 'on the command line');
    rmSync(join(repo.dir, '.npmrc'));
    allowed(bash(repo, 'npm run lint'), 'with sh again');
    const home = sandbox.env.HOME!;
    writeFileSync(join(home, '.yarnrc'), 'script-shell "/usr/bin/python3"\n');
    try {
      refused(bash(repo, 'yarn lint'), /an \.npmrc or \.yarnrc sets script-shell/, '.yarnrc in the home folder');
    } finally {
      rmSync(join(home, '.yarnrc'));
    }
  });
});

describe('the scripts of a workspace\'s packages', () => {
  test('pnpm -r / --filter and npm -w run the script of that name in each package of pnpm-workspace.yaml or package.json workspaces', () => {
    const repo = project();
    writeFileSync(join(repo.dir, 'pnpm-workspace.yaml'), "packages:\n  - 'packages/*'\n");
    repo.write('packages/web/package.json', JSON.stringify({ name: 'web', scripts: { fmt: 'prettier --write ../../src/booking', test: 'vitest run' } }));
    repo.write('packages/api/package.json', JSON.stringify({ name: '@acme/api', scripts: { fmt: 'prettier --write .' } }));
    for (const command of ['pnpm -r fmt', 'pnpm --filter web run fmt', 'cd packages/api && pnpm -r fmt']) refused(bash(repo, command), REFUSED, command);
    for (const command of ['pnpm -r test', 'pnpm -r build', 'cd packages/api && pnpm fmt', 'pnpm --filter api fmt', 'pnpm --filter @acme/api fmt']) allowed(bash(repo, command), command);
    // npm's workspaces: package.json's list.
    writeFileSync(join(repo.dir, 'package.json'), JSON.stringify({ name: 'root', workspaces: ['packages/*'] }));
    rmSync(join(repo.dir, 'pnpm-workspace.yaml'));
    refused(bash(repo, 'npm run fmt --workspaces'), REFUSED, 'npm --workspaces');
    allowed(bash(repo, 'npm test -w web'), 'npm -w web test');
  });
});
