// The `protected-files` command-line tool: the gate for git hooks and CI, and the guard for
// agent hooks. This file only dispatches; each command lives in its own file and takes a CliIo.
// Each command's file is loaded when that command runs (esbuild keeps them in the one bundle,
// initialized on first use): a pre-commit hook's `verify` does not set up the agent guards,
// the hooks installer or the code hashing, and starts git sooner.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, EXIT_OK, EXIT_USAGE, errorText, processIo } from './io';
import type { CliIo } from './io';

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
  install-hooks                     install the pre-commit and pre-push git hooks
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

function commands(scriptPath: string): Record<string, Command> {
  return {
    verify: async (args, io) => (await import('./verifyCommand')).runVerify(args, io),
    check: async (args, io) => (await import('./checkCommand')).runCheck(args, io),
    hook: async (args, io) => (await import('./hookCommand')).runHook(args, io),
    log: async (args, io) => (await import('./logCommand')).runLog(args, io),
    'install-hooks': async (args, io) => (await import('./hooksCommand')).runInstallHooks(args, io, scriptPath),
    'pre-push': async (args, io) => (await import('./hooksCommand')).runPrePush(args, io),
    'hash-code': async (args, io) => (await import('./hashCodeCommand')).runHashCode(args, io),
    unlock: async (args, io) => (await import('./grantsCommand')).runUnlock(args, io),
    relock: async (args, io) => (await import('./grantsCommand')).runRelock(args, io),
    status: async (args, io) => (await import('./grantsCommand')).runStatus(args, io),
    record: async (args, io) => (await import('./grantsCommand')).runRecord(args, io),
    agents: async (args, io) => (await import('./agentsCommand')).runAgents(args, io),
    import: async (args, io) => (await import('./importCommand')).runImport(args, io),
    team: async (args, io) => (await import('./teamCommand')).runTeam(args, io),
    watch: async (args, io) => (await import('./watchCommand')).runWatch(args, io),
  };
}

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
    const command = commands(scriptPath)[name];
    if (!command) {
      // Not echoed: a code typed in the wrong place would end up in a terminal log or CI output.
      throw new CliError('Unknown command (not repeated here, in case it was a code).', 'Run protected-files --help for the list of commands.');
    }
    return await command(rest, io);
  } catch (err) {
    io.stderr(errorText(err));
    if (wantsJson) {
      const e = err as { message?: string; hint?: string };
      io.stdout(`${JSON.stringify({ ok: false, error: e.message ?? String(err), ...(e.hint ? { hint: e.hint } : {}) }, null, 2)}\n`);
    }
    return err instanceof CliError ? err.exitCode : EXIT_USAGE;
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2), processIo(), process.argv[1] ?? __filename).then((code) => {
    process.exitCode = code;
  });
}
