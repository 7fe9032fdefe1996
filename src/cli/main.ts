// The `protected-files` command-line tool: the gate for git hooks and CI, and the guard for
// agent hooks. This file only dispatches; each command lives in its own file and takes a CliIo.
// Each command's file is loaded when that command runs (see commands() for the bundles): a
// pre-commit hook's `verify` does not set up the agent guards, the hooks installer or the code
// hashing, and starts git sooner.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { noteCodePath } from '../core/codePath';
import { CliError, EXIT_OK, EXIT_USAGE, errorText, exitWhenWritten, isCliError, processIo } from './io';
import type { CliIo } from './io';
import type * as AgentsCommand from './agentsCommand';
import type * as CheckCommand from './checkCommand';
import type * as GrantsCommand from './grantsCommand';
import type * as HashCodeCommand from './hashCodeCommand';
import type * as HookCommand from './hookCommand';
import type * as HooksCommand from './hooksCommand';
import type * as ImportCommand from './importCommand';
import type * as LogCommand from './logCommand';
import type * as TeamCommand from './teamCommand';
import type * as VerifyCommand from './verifyCommand';
import type * as WatchCommand from './watchCommand';
import { readHookPayload } from './hookWay';

export const HELP = `Usage: protected-files <command> [options]

Commands:
  verify --staged                   pre-commit gate: every staged change to a protected file
                                    needs its audit record, and the audit chain must verify
  verify --base <ref> [--head <ref>]
                                    the same gate for CI, over <ref>...<head>
  check <path>...                   exit 2 if a path is protected (Claude Code PreToolUse hook;
                                    reads the hook's JSON on stdin when no path is given)
  hook [--agent NAME]               the guard agents' hooks run: reads the hook payload on stdin,
                                    refuses locked files, shell writes to them and guarded
                                    commands in the agent's format (docs/agents.md)
  log [--verify] [--since <date>] [--component <NAME>] [--json]
                                    print the audit log, or verify its chain
  install-hooks                     install the pre-commit, pre-merge-commit and pre-push git hooks
  pre-push [<remote> [<url>]]       what the pre-push hook runs: refuses pushes to protectedBranches
  unlock <COMPONENT|path> [--reason <text>] [--minutes <n>]
                                    unlock for this clone (every VS Code window, the CLI, the
                                    agents' hooks); or pipe UNLOCK <C> WITH CODE: <code> FOR: <why>
  relock [<COMPONENT|path> | --all] end grants now (recording their changes first)
  status [--json]                   protected files, lock states and the grants in force
  record [<path>...]                record changes made under a grant, then relock
  watch [--once]                    the breach guard without VS Code: restore and record
                                    writes to locked files (--once: check now and exit)
  hash-code [--owner <who>] [--one-time <n>]
                                    make a signing code entry for the manifest (never printed),
                                    or n one-time codes for an owner to hand out
  agents [--write]                  agent guards generated from the manifest
  import <document.md> [--write]    propose a manifest from a Markdown protocol document
  team [--write]                    CODEOWNERS section and CI workflow generated from the manifest

Options: --help (also after a command), --version

Exit codes: 0 ok; 1 the check failed (violations, a broken chain, a refused push);
2 usage, manifest or git error (for check: a protected path).
Docs: docs/cli.md
`;

type Command = (args: string[], io: CliIo) => Promise<number>;

/*
 * Each command is in a bundle that Node compiles only when that command runs (dist/cli-guard.js,
 * dist/cli-verify.js, dist/cli-commands.js: scripts/build.mjs redirects these requires), so a
 * pre-commit hook's `verify` starts git without compiling the agents' guard first. Plain requires:
 * esbuild keeps them as require() calls, where an import() of another file would start Node's ESM
 * loader.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
function commands(scriptPath: string): Record<string, Command> {
  const check = (): typeof CheckCommand => require('./checkCommand') as typeof CheckCommand;
  const hook = (): typeof HookCommand => require('./hookCommand') as typeof HookCommand;
  const verify = (): typeof VerifyCommand => require('./verifyCommand') as typeof VerifyCommand;
  const log = (): typeof LogCommand => require('./logCommand') as typeof LogCommand;
  const hooks = (): typeof HooksCommand => require('./hooksCommand') as typeof HooksCommand;
  const hashCode = (): typeof HashCodeCommand => require('./hashCodeCommand') as typeof HashCodeCommand;
  const grants = (): typeof GrantsCommand => require('./grantsCommand') as typeof GrantsCommand;
  const agents = (): typeof AgentsCommand => require('./agentsCommand') as typeof AgentsCommand;
  const importer = (): typeof ImportCommand => require('./importCommand') as typeof ImportCommand;
  const team = (): typeof TeamCommand => require('./teamCommand') as typeof TeamCommand;
  const watch = (): typeof WatchCommand => require('./watchCommand') as typeof WatchCommand;
  return {
    verify: (args, io) => verify().runVerify(args, io),
    check: (args, io) => check().runCheck(args, io),
    hook: (args, io) => hook().runHook(args, io),
    log: (args, io) => log().runLog(args, io),
    'install-hooks': (args, io) => hooks().runInstallHooks(args, io, scriptPath),
    'pre-push': (args, io) => hooks().runPrePush(args, io),
    'hash-code': (args, io) => hashCode().runHashCode(args, io),
    unlock: (args, io) => grants().runUnlock(args, io),
    relock: (args, io) => grants().runRelock(args, io),
    status: (args, io) => grants().runStatus(args, io),
    record: (args, io) => grants().runRecord(args, io),
    agents: (args, io) => agents().runAgents(args, io),
    import: (args, io) => importer().runImport(args, io),
    team: (args, io) => team().runTeam(args, io),
    watch: (args, io) => watch().runWatch(args, io),
  };
}
/* eslint-enable @typescript-eslint/no-require-imports */

export function version(): string {
  // dist/cli.js sits next to package.json's folder, in the repository and in an installed package.
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Runs one command line (without `node` and the script) and returns the exit code. */
export async function runCli(argv: string[], io: CliIo, scriptPath: string): Promise<number> {
  const [name, ...rest] = argv;
  const wantsJson = rest.includes('--json');
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.stdout(HELP);
      return name === undefined ? EXIT_USAGE : EXIT_OK;
    }
    if (name === '--version' || name === '-v' || name === '-V') {
      io.stdout(`${version()}\n`);
      return EXIT_OK;
    }
    const table = commands(scriptPath);
    // Own names only: `constructor` or `toString` are on every object, and are no commands.
    const command = Object.hasOwn(table, name) ? table[name] : undefined;
    if (!command) {
      // Not echoed: a code typed in the wrong place would end up in a terminal log or CI output.
      throw new CliError('Unknown command (not repeated here, in case it was a code).', 'Run protected-files --help for the list of commands.');
    }
    // The pre-commit hook's git answers (verify --git-output) are drained from the pipe while the
    // gate's part loads: git would otherwise stop once the pipe's buffer is full, and wait.
    if (name === 'verify' && rest.includes('--git-output') && rest.includes('--staged')) {
      void io.stdinBytes().catch(() => undefined);
      noteCodePath('verify-given'); // a code cache of its own for the hook's way (see verifyCommand)
    }
    // An agent's hook payload is read first, so that its way names the guard's code cache (src/cli/hookWay.ts).
    const commandIo = name === 'hook' ? await readHookPayload(rest, io) : io;
    // Before the command's part loads: its code cache covers each command run (src/node/cachedPart.ts).
    noteCodePath(name);
    return await command(rest, commandIo);
  } catch (err) {
    io.stderr(errorText(err));
    if (wantsJson) {
      const e = err as { message?: string; hint?: string };
      io.stdout(`${JSON.stringify({ ok: false, error: e.message ?? String(err), ...(e.hint ? { hint: e.hint } : {}) }, null, 2)}\n`);
    }
    return isCliError(err) ? err.exitCode : EXIT_USAGE;
  }
}

/**
 * The commands that agents' hooks and git run on every tool call and commit, and that have done all
 * their work when they return: they end the process at once (exitWhenWritten). Others (`watch`, and
 * any that could leave work behind) end as Node ends a process by itself.
 */
const ENDS_WHEN_RETURNED = new Set(['hook', 'check', 'verify']);

if (require.main === module) {
  const argv = process.argv.slice(2);
  void runCli(argv, processIo(), process.argv[1] ?? __filename).then((code) => {
    if (ENDS_WHEN_RETURNED.has(argv[0] ?? '')) exitWhenWritten(code);
    else process.exitCode = code;
  });
}
