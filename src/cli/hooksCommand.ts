// `protected-files install-hooks` writes the pre-commit and pre-merge-commit (verify --staged) and
// pre-push hooks; `protected-files pre-push` is what the pre-push hook runs. A hook that is already
// there and is not ours is kept as `<hook>.local` and called first, with the same arguments and
// input; a repository managed by husky, the pre-commit framework or lefthook gets the lines to add
// to its configuration instead, because those tools rewrite the hooks folder.
import { existsSync, promises as fs, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { minimatchModule } from '../core/minimatchModule';
import { MANIFEST_PATH, parseManifest } from '../core/manifest';
import type { Manifest } from '../core/manifest';
import { manifestText } from '../core/manifestText';
import { findRepository, runGit } from '../node/gitChanges';
import { gitOutputCommands } from '../node/hookGitOutput';
import { lastAcceptedVersion } from '../node/committedFiles';
import { CliError, EXIT_FAIL, EXIT_OK, parseCommandArgs, formatProblems, readWorkTreeManifest } from './io';
import type { CliIo } from './io';
import { readRegularText } from '../node/regularFile';

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
install-hooks again changes nothing. With husky (.husky/), the pre-commit framework
(.pre-commit-config.yaml) or lefthook (lefthook.yml), nothing is written: the lines to add
to their configuration are printed instead.

The hooks call the CLI as node_modules/.bin/protected-files when the project has it (hooks
run at the top level; npx would start npm first), else as "protected-files" when it is on
PATH, else by the absolute path of this cli.js.

Exit codes: 0 installed (or already there), 1 a hook could not be installed, 2 usage or git error.
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

interface HookManager {
  name: string;
  file: string;
  instructions(cli: string): string;
}

const MANAGERS: readonly HookManager[] = [
  {
    name: 'husky',
    file: '.husky',
    instructions: (cli) =>
      `Add these lines to .husky/pre-commit and to .husky/pre-merge-commit (or the one line "${cli} verify --staged", which starts git only once Node is up):\n` +
      `${stagedGate(cli).map((line) => line.replace(/^/gm, '  ')).join('\n')}\n` +
      `and this line to .husky/pre-push:\n  ${cli} pre-push "$@"\n`,
  },
  {
    name: 'the pre-commit framework',
    file: '.pre-commit-config.yaml',
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
  ...['lefthook.yml', 'lefthook.yaml', '.lefthook.yml', '.lefthook.yaml'].map((file): HookManager => ({
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
  const manager = MANAGERS.find((m) => existsSync(join(repo.root, m.file)));
  if (manager) {
    io.stdout(`This repository uses ${manager.name} (${manager.file}), which owns the git hooks; nothing was written.\n${manager.instructions(cli)}`);
    return EXIT_OK;
  }

  const where = await runGit(['rev-parse', '--git-path', 'hooks'], repo.root, io.env);
  if (where.code !== 0) throw new CliError(`Could not find the git hooks folder: ${where.stderr.split('\n')[0]}`);
  const hooksDir = resolve(repo.root, where.stdout.toString('utf8').trim());
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
