// `protected-files install-hooks` writes the pre-commit and pre-merge-commit (verify --staged) and
// pre-push hooks; `protected-files pre-push` is what the pre-push hook runs. A hook that is already
// there and is not ours is kept as `<hook>.local` and called first, with the same arguments and
// input. In a repository managed by husky, whose hook files are shell scripts the team commits, the
// lines go into `.husky/<hook>`; the pre-commit framework and lefthook, configured in YAML, get the
// lines to add, and the command succeeds only once their configuration calls the gate.
import { constants, existsSync, promises as fs, statSync } from 'node:fs';
import { delimiter, join, relative, resolve, sep } from 'node:path';
import { minimatchModule } from '../core/minimatchModule';
import { MANIFEST_PATH, parseManifest } from '../core/manifest';
import type { Manifest } from '../core/manifest';
import { manifestText } from '../core/manifestText';
import { findRepository, runGit } from '../node/gitChanges';
import { gitOutputCommands } from '../node/hookGitOutput';
import { lastAcceptedVersion } from '../node/committedFiles';
import { CliError, EXIT_FAIL, EXIT_OK, parseCommandArgs, formatProblems, readWorkTreeManifest } from './io';
import type { CliIo } from './io';
import { atomicWriteFile } from '../node/atomicWrite';
import { readRegularFileStrict, readRegularText } from '../node/regularFile';

/** First comment line of every hook we write: how a later run knows the hook is ours. */
export const HOOK_MARKER = '# protected-files hook';

export const INSTALL_HOOKS_HELP = `Usage: protected-files install-hooks

Installs three git hooks in the repository's hooks folder (git rev-parse --git-path hooks,
so core.hooksPath is respected):
  pre-commit        runs protected-files verify --staged
  pre-merge-commit  the same, for a merge that git commits itself (git merge, git pull)
  pre-push          runs protected-files pre-push: refuses pushes to the branches listed in
                    "protectedBranches" of ${MANIFEST_PATH}
An existing hook that is not ours is renamed to <hook>.local and runs first; running
install-hooks again changes nothing.

With husky (.husky/), the lines go into .husky/pre-commit, .husky/pre-merge-commit and
.husky/pre-push instead (created, or added at the end of yours, which is kept as it is); it
exits 1 if git does not run husky's hooks in this clone (run npx husky). With the pre-commit
framework (.pre-commit-config.yaml) or lefthook (lefthook.yml), nothing is written: the lines
to add to their configuration are printed, and it exits 1 until it calls protected-files
verify --staged and pre-push.

The hooks call the CLI as node_modules/.bin/protected-files when the project has it (hooks
run at the top level; npx would start npm first), else as "protected-files" when it is on
PATH, else by the absolute path of this cli.js.

Exit codes: 0 installed (or already there), 1 a hook could not be installed or would not run
(with husky, the pre-commit framework or lefthook: not there yet), 2 usage or git error.
`;

export const PRE_PUSH_HELP = `Usage: protected-files pre-push [<remote> [<url>]]

What the pre-push hook runs. Reads the refs being pushed from stdin, one a line
("<local ref> <local sha> <remote ref> <remote sha>", as git gives them to the hook) and
refuses (exit 1) when a remote ref is refs/heads/<branch> for a branch listed in
"protectedBranches" of ${MANIFEST_PATH} (globs allowed, e.g. "release/*"), printing
the entry's "message" when it is written as { "branch": "main", "message": "…" }.
Under the pre-commit framework, the branch comes from PRE_COMMIT_REMOTE_BRANCH instead.
`;

type HookName = 'pre-commit' | 'pre-merge-commit' | 'pre-push';
const HOOKS: readonly HookName[] = ['pre-commit', 'pre-merge-commit', 'pre-push'];

/**
 * The hooks that gate what is committed. A merge that git commits itself (git merge without a
 * conflict, git pull, also `git merge stash@{0}`) runs pre-merge-commit and not pre-commit; the
 * index then holds the merge's result and HEAD is its first parent, so the same staged gate judges
 * what the merge brings in.
 */
const COMMIT_HOOKS: ReadonlySet<HookName> = new Set(['pre-commit', 'pre-merge-commit']);

/**
 * How the hooks start the CLI, as a shell word sequence. The project's own install by its path from
 * the top level, where git (and husky, lefthook and the pre-commit framework) run hooks: `npx`
 * would find the same file, after starting npm (~0.3 s of every commit and push).
 */
export function cliInvocation(root: string, env: NodeJS.ProcessEnv, scriptPath: string): string {
  if (existsSync(join(root, 'node_modules', '.bin', 'protected-files'))) return 'node_modules/.bin/protected-files';
  if (onPath('protected-files', env)) return 'protected-files';
  return `node ${shellQuote(resolve(scriptPath))}`;
}

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      try {
        if (statSync(join(dir, command + ext)).isFile()) return true;
      } catch {
        // not there
      }
    }
  }
  return false;
}

/** `s` as one word for sh, in single quotes. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Put before the CLI in a hook's line: Node reads the file NODE_EXTRA_CA_CERTS names at every start,
 * before any of our code runs (a system bundle costs ~45 ms of every commit); the gate opens no network
 * connection. Empty is "none" to Node; only this command goes without it (a hook.local keeps it).
 */
const NO_EXTRA_CERTS = 'NODE_EXTRA_CA_CERTS= ';

/**
 * The pre-commit hook's gate: git computes the staged change while Node starts, and the gate reads
 * its answers from standard input (verify --git-output; src/node/hookGitOutput.ts).
 */
function stagedGate(cli: string): string[] {
  return [
    '# git answers the gate while Node starts (see protected-files verify --help: --git-output).',
    `${gitOutputCommands()} | ${NO_EXTRA_CERTS}${cli} verify --staged --git-output`,
  ];
}

/** The text of one of our hooks. */
export function hookScript(name: HookName, cli: string): string {
  const head = [
    '#!/bin/sh',
    `${HOOK_MARKER} (${name}): written by "protected-files install-hooks", which rewrites it when run again.`,
    `# A ${name} hook that was here before was kept as ${name}.local and runs first.`,
    // The folder of this script without starting `dirname` (a process: milliseconds of every commit).
    'case $0 in */*) hook_dir=${0%/*} ;; *) hook_dir=. ;; esac',
  ];
  if (COMMIT_HOOKS.has(name)) {
    return [
      ...head,
      `if [ -x "$hook_dir/${name}.local" ]; then`,
      `  "$hook_dir/${name}.local" "$@" || exit $?`,
      'fi',
      ...stagedGate(cli),
      '',
    ].join('\n');
  }
  // stdin (the pushed refs) can be read once: keep it, and hand it to both.
  return [
    ...head,
    'refs=$(cat)',
    'if [ -x "$hook_dir/pre-push.local" ]; then',
    '  if [ -n "$refs" ]; then printf \'%s\\n\' "$refs"; fi | "$hook_dir/pre-push.local" "$@" || exit $?',
    'fi',
    `if [ -n "$refs" ]; then printf '%s\\n' "$refs"; fi | ${NO_EXTRA_CERTS}${cli} pre-push "$@"`,
    '',
  ].join('\n');
}

/** What calls the gate in a hook or a configuration (a line that is not a comment): ours, or one written by hand. */
const CALLS: Record<'gate' | 'push', RegExp> = {
  // A line that runs it: not a comment, nor one that only prints it (`echo "run protected-files verify --staged"`).
  gate: /^[ \t]*(?!(?:echo|printf)\b)[^#\s].*(?:protected-files|cli\.js)['"]?[ \t]+verify\b.*--staged/m,
  push: /^[ \t]*(?!(?:echo|printf)\b)[^#\s].*(?:protected-files|cli\.js)['"]?[ \t]+pre-push\b/m,
};

/** Our lines in a husky hook file for hook `name`: what the hook of our own runs. */
function hookLines(name: HookName, cli: string): string[] {
  return COMMIT_HOOKS.has(name) ? stagedGate(cli) : [`${NO_EXTRA_CERTS}${cli} pre-push "$@"`];
}

/** A manager of git hooks configured in YAML, which we tell what to add rather than edit. */
interface YamlManager {
  name: string;
  file: string;
  instructions(cli: string): string;
  /** Other ways its configuration names each command (the pre-commit framework's hook ids of this repository). */
  ids?: Record<keyof typeof CALLS, RegExp>;
}

const YAML_MANAGERS: readonly YamlManager[] = [
  {
    name: 'the pre-commit framework',
    file: '.pre-commit-config.yaml',
    // This repository's .pre-commit-hooks.yaml, used as `- repo: <this repository>` (docs/team.md).
    ids: {
      gate: /^[ \t]*-?[ \t]*id:[ \t]*['"]?protected-files-verify\b/m,
      push: /^[ \t]*-?[ \t]*id:[ \t]*['"]?protected-files-pre-push\b/m,
    },
    instructions: (cli) =>
      'Add this to .pre-commit-config.yaml under "repos:" (and run pre-commit install --hook-type pre-commit --hook-type pre-merge-commit --hook-type pre-push):\n' +
      '  - repo: local\n' +
      '    hooks:\n' +
      '      - id: protected-files-verify\n' +
      '        name: protected-files verify --staged\n' +
      `        entry: ${cli} verify --staged\n` +
      '        language: system\n' +
      '        pass_filenames: false\n' +
      '        always_run: true\n' +
      '        stages: [pre-commit, pre-merge-commit]\n' +
      '      - id: protected-files-pre-push\n' +
      '        name: protected-files pre-push\n' +
      `        entry: ${cli} pre-push\n` +
      '        language: system\n' +
      '        pass_filenames: false\n' +
      '        always_run: true\n' +
      '        stages: [pre-push]\n',
  },
  ...['lefthook.yml', 'lefthook.yaml', '.lefthook.yml', '.lefthook.yaml'].map((file): YamlManager => ({
    name: 'lefthook',
    file,
    instructions: (cli) =>
      `Add this to ${file} (lefthook runs it with sh; git runs while Node starts):\n` +
      [...COMMIT_HOOKS].map((hook) =>
        `${hook}:\n  commands:\n    protected-files:\n` +
        `      run: |\n${stagedGate(cli).map((line) => line.replace(/^/gm, '        ')).join('\n')}\n`).join('') +
      'pre-push:\n  commands:\n    protected-files:\n' +
      `      run: ${cli} pre-push {1} {2}\n      use_stdin: true\n`,
  })),
];

export async function runInstallHooks(args: string[], io: CliIo, scriptPath: string): Promise<number> {
  const { values } = parseCommandArgs('install-hooks', args, { options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: false });
  if (values.help) {
    io.stdout(INSTALL_HOOKS_HELP);
    return EXIT_OK;
  }
  const repo = await findRepository(io.cwd, io.env);
  const cli = cliInvocation(repo.root, io.env, scriptPath);
  if (statSync(join(repo.root, HUSKY_DIR), { throwIfNoEntry: false })?.isDirectory()) return installHusky(repo.root, cli, io);
  const manager = YAML_MANAGERS.find((m) => existsSync(join(repo.root, m.file)));
  if (manager) return checkYamlManager(repo.root, manager, cli, io);

  const hooksDir = await gitHooksDir(repo.root, io.env);
  await fs.mkdir(hooksDir, { recursive: true });

  let failed = false;
  for (const name of HOOKS) {
    const result = await installHook(hooksDir, name, hookScript(name, cli));
    io[result.ok ? 'stdout' : 'stderr'](`${result.ok ? '' : 'protected-files: '}${name}: ${result.message}\n`);
    failed ||= !result.ok;
  }
  if (!failed) io.stdout(`Hooks in ${hooksDir} call: ${cli}\n`);
  return failed ? EXIT_FAIL : EXIT_OK;
}

/** The hooks folder git runs hooks from (core.hooksPath where set), absolute. */
async function gitHooksDir(root: string, env: NodeJS.ProcessEnv): Promise<string> {
  const where = await runGit(['rev-parse', '--git-path', 'hooks'], root, env);
  if (where.code !== 0) throw new CliError(`Could not find the git hooks folder: ${where.stderr.split('\n')[0]}`);
  return resolve(root, where.stdout.toString('utf8').trim());
}

/**
 * The pre-commit framework and lefthook rewrite the hooks folder from their YAML, which we do not
 * edit: the lines to add are printed, and the command succeeds only where the configuration already
 * calls both commands (a setup script's `install-hooks && …` must not go on believing the gate is there).
 */
async function checkYamlManager(root: string, manager: YamlManager, cli: string, io: CliIo): Promise<number> {
  const config = (await readRegularText(join(root, manager.file)).catch(() => undefined)) ?? '';
  const calls = (which: keyof typeof CALLS): boolean => CALLS[which].test(config) || manager.ids?.[which].test(config) === true;
  const missing = [calls('gate') ? '' : 'verify --staged', calls('push') ? '' : 'pre-push'].filter(Boolean);
  if (missing.length === 0) {
    io.stdout(`This repository uses ${manager.name} (${manager.file}), which owns the git hooks; nothing was written: ${manager.file} already calls protected-files verify --staged and pre-push.\n`);
    return EXIT_OK;
  }
  io.stderr(
    `protected-files: nothing was installed: this repository uses ${manager.name} (${manager.file}), which owns the git hooks, ` +
      `and ${manager.file} does not call protected-files ${missing.join(' nor ')}.\n${manager.instructions(cli)}` +
      `Nothing was installed: add these lines to ${manager.file}, then run protected-files install-hooks again to check.\n`,
  );
  return EXIT_FAIL;
}

/** husky's folder of hook files (v4 to v9), at the top level. */
const HUSKY_DIR = '.husky';

/** The first and last lines of what we write into a husky hook file: how a later run finds them to rewrite. */
const HUSKY_BEGIN = '# >>> protected-files install-hooks';
const HUSKY_END = '# <<< protected-files install-hooks';
const HUSKY_BEGIN_LINE = /^# >>> protected-files install-hooks\b/m;
const HUSKY_END_LINE = /^# <<< protected-files install-hooks[ \t]*(?:\r?\n|$)/m;

/**
 * How a committed hook file finds the CLI when this clone's is no file of the project (the extension's, by
 * this machine's path): at run time, the project's install, a global one, or the CLI VS Code's extension
 * recorded for the clone (as the agents' launcher does); refused, saying why, with none.
 */
const HUSKY_FIND_CLI = [
  'pf_cli() {',
  '  if [ -x node_modules/.bin/protected-files ]; then node_modules/.bin/protected-files "$@"; return; fi',
  '  if command -v protected-files >/dev/null 2>&1; then protected-files "$@"; return; fi',
  '  pf_rec="$(git rev-parse --git-dir)/protected-files/cli-path"',
  '  if [ -f "$pf_rec" ]; then { IFS= read -r pf_node; IFS= read -r pf_js; } < "$pf_rec"; ELECTRON_RUN_AS_NODE=1 "$pf_node" "$pf_js" "$@"; return; fi',
  '  echo "protected-files: the CLI was not found (npm install --save-dev protected-files, or open this folder once in VS Code with the Protected Files extension)" >&2',
  '  return 1',
  '}',
];

/** Whether `cli` names this machine's file (the extension's bundled CLI): no line a team commits may. */
function machineLocal(cli: string): boolean {
  return cli.startsWith('node ');
}

/**
 * Our lines in a husky hook file, between the marks, with `eol` after each: run from the top level (a
 * user's `cd frontend` before them must not move them) in a subshell whose failure fails the hook.
 */
function huskyBlock(name: HookName, cli: string, eol: string): string {
  const what = COMMIT_HOOKS.has(name) ? 'the commit gate' : 'refuses pushes to protected branches';
  const local = machineLocal(cli);
  return [
    `${HUSKY_BEGIN} (${name}): ${what}; running install-hooks again rewrites these lines.`,
    '(',
    '  cd "$(git rev-parse --show-toplevel)" || exit 1',
    ...(local ? HUSKY_FIND_CLI.map((l) => `  ${l}`) : []),
    ...hookLines(name, local ? 'pf_cli' : cli).map((l) => `  ${l}`),
    ') || exit $?',
    HUSKY_END,
    '',
  ].join('\n').replace(/\n/g, eol);
}

/**
 * husky runs `.husky/<hook>`, a shell script the team commits (v9 through its wrappers in `.husky/_`,
 * with `sh -e`; v4 to v8 directly, from `.husky`): our lines go there, in a file of their own or at the
 * end of the user's. Exit 1 where a file could not be written or git would not run it in this clone.
 */
async function installHusky(root: string, cli: string, io: CliIo): Promise<number> {
  const hooksDir = await gitHooksDir(root, io.env);
  const husky = join(root, HUSKY_DIR);
  const runByHusky = await inside(hooksDir, husky);
  io.stdout(`This repository uses husky (${HUSKY_DIR}/): the lines go into its hook files.\n`);
  let failed = false;
  let changed = false;
  for (const name of HOOKS) {
    const shown = `${HUSKY_DIR}/${name}`;
    const result = await installHuskyHook(join(husky, name), name, cli);
    changed ||= result.changed === true;
    // Written, but is it run? v9 runs .husky/<hook> through .husky/_/<hook> (pre-merge-commit since 9.1.5); v4 to v8 run it from .husky.
    const runner = join(hooksDir, name);
    const notRun = result.ok && runByHusky && !(await executableFile(runner))
      ? runner === join(husky, name)
        ? `git does not run it: it is not executable (chmod +x ${shown})`
        : `husky does not run it in this clone: ${relative(root, runner).split(sep).join('/')} is missing${name === 'pre-merge-commit' ? ' (husky runs pre-merge-commit since 9.1.5): update husky,' : ':'} run npx husky, then install-hooks again`
      : undefined;
    if (result.ok && !notRun) io.stdout(`${shown}: ${result.message}\n`);
    else io.stderr(`protected-files: ${shown}: ${notRun ? `${result.message}, but ${notRun}` : result.message}\n`);
    failed ||= !result.ok || notRun !== undefined;
  }
  if (!runByHusky) {
    const hooksPath = (await runGit(['config', 'core.hooksPath'], root, io.env)).stdout.toString('utf8').trim();
    io.stderr(
      `protected-files: git does not run husky's hooks in this clone: it runs those in ${hooksDir} ` +
        `(core.hooksPath ${hooksPath ? `is ${hooksPath}` : 'is not set'}), so the gate is not installed here. ` +
        'Run npx husky (husky\'s install, which the project\'s "prepare" script runs at npm install), then protected-files install-hooks again to check' +
        (hooksPath ? `; or, if the project no longer uses husky, remove ${HUSKY_DIR}/ and run install-hooks again to install the hooks in ${hooksDir}.\n` : '.\n'),
    );
    return EXIT_FAIL;
  }
  if (changed) {
    io.stdout(machineLocal(cli)
      ? `The lines find the CLI when they run (this one, ${cli}, is this machine's: not written into files the team commits): the project's node_modules, a global install, or the one VS Code's extension recorded for the clone. Commit ${HUSKY_DIR}/ so that the team gets them; add protected-files to devDependencies so that every clone has it.\n`
      : `The lines call: ${cli}. Commit ${HUSKY_DIR}/ so that the team gets them${cli === 'protected-files' ? ' (each teammate needs protected-files installed: add it to devDependencies rather)' : ''}.\n`);
  }
  else if (!failed) io.stdout(`Nothing to change: ${HUSKY_DIR}/ has the lines already.\n`);
  return failed ? EXIT_FAIL : EXIT_OK;
}

/** Whether `path` is `folder` or below it, as written or with links resolved on both. */
async function inside(path: string, folder: string): Promise<boolean> {
  const below = (p: string, f: string): boolean => p === f || p.startsWith(f.endsWith(sep) ? f : f + sep);
  if (below(path, folder)) return true;
  const real = async (p: string): Promise<string> => fs.realpath(p).catch(() => resolve(p));
  const [p, f] = await Promise.all([real(path), real(folder)]);
  return below(p, f);
}

async function executableFile(path: string): Promise<boolean> {
  try {
    if (!(await fs.stat(path)).isFile()) return false;
    await fs.access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Puts our lines into the husky hook file at `path`: a new file (0755, as husky makes them), or at
 * the end of the user's, whose bytes are kept as they are and whose line endings ours take; lines of
 * an earlier run are rewritten in place, and a file that already calls the command is left alone.
 * Written atomically, keeping the file's mode.
 */
async function installHuskyHook(path: string, name: HookName, cli: string): Promise<{ ok: boolean; message: string; changed?: boolean }> {
  let existing: Buffer | undefined;
  try {
    existing = await readRegularFileStrict(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return { ok: false, message: `not installed: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (existing === undefined) {
    await atomicWriteFile(path, `#!/usr/bin/env sh\n${huskyBlock(name, cli, '\n')}`, { mode: 0o755 });
    return { ok: true, message: 'created', changed: true };
  }
  // Bytes as latin1 (one character a byte, so offsets are byte offsets): a file that is not UTF-8 is kept byte for byte.
  const text = existing.toString('latin1');
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const block = Buffer.from(huskyBlock(name, cli, eol));
  const begin = HUSKY_BEGIN_LINE.exec(text);
  if (begin) {
    const endMark = HUSKY_END_LINE.exec(text.slice(begin.index));
    if (!endMark) return { ok: false, message: `not installed: it has the first line of ours ("${HUSKY_BEGIN} …") but not the last ("${HUSKY_END}"); mend it by hand, then run install-hooks again` };
    const end = begin.index + endMark.index + endMark[0].length;
    const updated = Buffer.concat([existing.subarray(0, begin.index), block, existing.subarray(end)]);
    if (updated.equals(existing)) return { ok: true, message: 'already there' };
    await atomicWriteFile(path, updated);
    return { ok: true, message: 'updated (our lines in it rewritten; the rest kept)', changed: true };
  }
  if (CALLS[COMMIT_HOOKS.has(name) ? 'gate' : 'push'].test(text)) return { ok: true, message: `already calls protected-files ${COMMIT_HOOKS.has(name) ? 'verify --staged' : 'pre-push'}; left as it is` };
  // Lines added after a last `exit` or `exec` would never run.
  const last = text.split(/\r?\n/).filter((line) => line.trim() !== '' && !/^\s*#/.test(line)).pop();
  // (`exec < /dev/tty`, `exec >&2`: an exec with redirections only goes on.)
  if (last !== undefined && (/^\s*exit\b/.test(last) || (/^\s*exec\b/.test(last) && !/^\s*exec(?:\s+[0-9]*(?:<|>|>>|<&|>&)\s*\S+)+\s*$/.test(last)))) {
    return {
      ok: false,
      message: `not installed: it ends with "${last.trim().slice(0, 80)}", so lines added after it would never run. Put these lines before it by hand, then run install-hooks again:\n${huskyBlock(name, cli, '\n').replace(/^/gm, '  ')}`,
    };
  }
  const separator = text === '' || text.endsWith('\n') ? '' : eol;
  await atomicWriteFile(path, Buffer.concat([existing, Buffer.from(separator), block]));
  return { ok: true, message: 'added at the end of your hook (your lines kept as they were)', changed: true };
}

async function installHook(hooksDir: string, name: HookName, script: string): Promise<{ ok: boolean; message: string }> {
  const path = join(hooksDir, name);
  const local = `${path}.local`;
  const existing = await readRegularText(path);
  if (existing === script) {
    await fs.chmod(path, 0o755);
    return { ok: true, message: 'already installed' };
  }
  if (existing !== undefined && existing.includes(HOOK_MARKER)) {
    await writeExecutable(path, script);
    return { ok: true, message: 'updated' };
  }
  if (existing !== undefined) {
    if (existsSync(local)) {
      return {
        ok: false,
        message: `not installed: ${path} is not ours and ${name}.local exists too. Merge them into ${name}.local by hand, delete ${path}, and run install-hooks again.`,
      };
    }
    await fs.rename(path, local);
    await writeExecutable(path, script);
    return { ok: true, message: `installed; your existing hook is now ${name}.local and runs first` };
  }
  await writeExecutable(path, script);
  return { ok: true, message: 'installed' };
}

async function writeExecutable(path: string, text: string): Promise<void> {
  const temp = `${path}.protected-files-${process.pid}.tmp`;
  await fs.writeFile(temp, text, { mode: 0o755 });
  await fs.chmod(temp, 0o755); // the umask may have taken bits away
  await fs.rename(temp, path);
}

export async function runPrePush(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs('pre-push', args, { options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  if (parsed.values.help) {
    io.stdout(PRE_PUSH_HELP);
    return EXIT_OK;
  }
  const remote = parsed.positionals[0];
  const repo = await findRepository(io.cwd, io.env);
  const manifest = await pushManifest(repo.root, io);
  if (!manifest || manifest.protectedBranches.length === 0) return EXIT_OK;

  const remoteRefs: string[] = [];
  const input = io.isTTY ? '' : await io.stdin();
  for (const line of input.split(/\r?\n/)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length >= 4) remoteRefs.push(fields[2]);
  }
  const preCommitBranch = io.env.PRE_COMMIT_REMOTE_BRANCH;
  if (remoteRefs.length === 0 && preCommitBranch) remoteRefs.push(preCommitBranch);

  let refused = false;
  for (const ref of remoteRefs) {
    if (!ref.startsWith('refs/heads/')) continue;
    const branch = ref.slice('refs/heads/'.length);
    const rule = manifest.protectedBranches.find((p) => p === branch || minimatchModule().minimatch(branch, p));
    if (!rule) continue;
    refused = true;
    const messages = manifest.protectedBranchMessages ?? {};
    const message = Object.hasOwn(messages, rule) ? messages[rule] : undefined;
    io.stderr(
      `Protected Files: pushing to ${branch}${remote ? ` on ${remote}` : ''} is refused: ${branch} is a protected branch ` +
        `("protectedBranches": ${rule === branch ? `"${rule}"` : `"${rule}" matches it`} in ${MANIFEST_PATH}). ` +
        (message ? `${message.trim()}\n` : '') +
        'Push a branch of your own and open a pull request, so that CI runs protected-files verify on it.\n',
    );
  }
  return refused ? EXIT_FAIL : EXIT_OK;
}

/** The manifest that decides which branches are protected: the work tree's, else HEAD's. */
async function pushManifest(root: string, io: CliIo): Promise<Manifest | undefined> {
  const text = await readWorkTreeManifest(root);
  const parsed = text === undefined ? undefined : parseManifest(text);
  if (parsed?.manifest) return parsed.manifest;
  // The last valid committed version (HEAD's, else an earlier one): a broken manifest never loosens protection.
  const committed = await lastAcceptedVersion(root, io.env, MANIFEST_PATH, (content) => parseManifest(manifestText(content)).manifest !== undefined);
  if (committed) return parseManifest(manifestText(committed.content)).manifest;
  if (parsed) {
    // Broken, and nothing committed to fall back on: do not let the push through unchecked.
    throw new CliError(
      `The protection manifest ${MANIFEST_PATH} has errors, so protected branches cannot be checked:\n${formatProblems(parsed.problems.filter((p) => p.severity === 'error')).trimEnd()}`,
      'Fix the manifest, then push again.',
      EXIT_FAIL,
    );
  }
  return undefined; // no manifest at all: nothing is protected here
}
