// Shared by the CLI tests: the built dist/cli.js run as a child process against real temporary
// git repositories, isolated from the machine's git configuration.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sha256 } from '../../src/core/audit';
import type { AuditBody, AuditRecord } from '../../src/core/audit';
import { AuditStore } from '../../src/node/auditStore';
import { shellQuote } from '../../src/cli/hooksCommand';
import { gitOutputCommands } from '../../src/node/hookGitOutput';

/** The bundle under test (tests run from out/test/unit/). */
export const BUILT_CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');

export const MANIFEST = `// test manifest
{
  "tiers": {
    "tier1": { "label": "Tier 1 · Revenue critical", "badge": "T1", "color": "red" },
    "tier2": { "label": "Tier 2 · Infrastructure", "badge": "T2", "color": "yellow", "unlock": { "requireCode": false } }
  },
  "components": {
    "BOOKING_FLOW": {
      "tier": "tier1",
      "files": ["src/booking/**"],
      "risk": "Booking chat flow for all members: revenue stops if it breaks",
      "impact": "$10,000+/day"
    },
    "MIGRATIONS": { "tier": "tier2", "files": ["db/migrations/**"], "risk": "Schema changes hit production on deploy" }
  },
  "protectedBranches": ["main", "release/*"]
}
`;

/**
 * Variables that change every Node start of the machine they are set on, not the CLI: NODE_OPTIONS can
 * load code into each process; NODE_EXTRA_CA_CERTS makes Node read and parse a certificate bundle as it
 * starts, ~30 ms on a machine that points it at the system bundle (as the one this was measured on
 * does), which on both sides of a benchmark's ratio would hide most of what the CLI adds to `node -e 0`.
 */
export const NODE_START_VARIABLES = ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'];

/**
 * The environment for git and the CLI inside `root`: an empty global git config, no system config,
 * HOME and XDG inside `root`, no GIT_* variables from the caller, no prompts, and no repository
 * above `root`, so the machine's git settings cannot leak into a test or a benchmark; and Node
 * started as on a machine without NODE_START_VARIABLES.
 */
export function isolatedGitEnv(root: string): NodeJS.ProcessEnv {
  const gitconfig = join(root, 'gitconfig');
  writeFileSync(gitconfig, '');
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('GIT_') || NODE_START_VARIABLES.includes(key)) delete env[key];
  Object.assign(env, {
    HOME: root,
    XDG_CONFIG_HOME: join(root, 'xdg'),
    GIT_CONFIG_GLOBAL: gitconfig,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CEILING_DIRECTORIES: root,
    GIT_TERMINAL_PROMPT: '0',
  });
  return env;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Copies the CLI's bundles in `dist` (cli.js and those it loads on first use: its other commands, the
 * agents' hook, simple-git) into `pkg`/dist, with package.json beside (for --version); returns the
 * copy of cli.js.
 */
export function copyBuiltCli(dist: string, pkg: string): string {
  mkdirSync(join(pkg, 'dist'), { recursive: true });
  for (const name of ['cli.js', 'cli-guard.js', 'cli-verify.js', 'cli-commands.js', 'hook.js', 'simple-git.js', 'package.json']) {
    if (existsSync(join(dist, name))) copyFileSync(join(dist, name), join(pkg, 'dist', name));
  }
  copyFileSync(join(dist, '..', 'package.json'), join(pkg, 'package.json'));
  return join(pkg, 'dist', 'cli.js');
}

/**
 * git as found on PATH behind a script in a folder of `box` that logs each call's arguments, one line
 * each, to `log`: `path` is a PATH that finds it first.
 */
export function loggingGit(box: Sandbox, name = 'logging-bin'): { path: string; log: string } {
  const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const bin = box.dir(name);
  const log = join(bin, 'git-calls.log');
  writeFileSync(join(bin, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${real}' "$@"\n`);
  chmodSync(join(bin, 'git'), 0o755);
  return { path: `${bin}:${box.env.PATH ?? ''}`, log };
}

/** One temporary folder per test file: git config, HOME and repositories, removed by `dispose`. */
export class Sandbox {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  /** A private copy of dist/cli.js (with package.json beside its folder, for --version), so a build in the same tree cannot remove it mid-run. */
  readonly cli: string;
  private projects = 0;

  constructor(prefix: string) {
    assert.ok(existsSync(BUILT_CLI), `${BUILT_CLI} is missing: run "node scripts/build.mjs" (the test command builds it first).`);
    this.root = mkdtempSync(join(tmpdir(), `pf-${prefix}-`));
    this.env = isolatedGitEnv(this.root);
    this.cli = copyBuiltCli(dirname(BUILT_CLI), join(this.root, 'pkg'));
  }

  dir(name: string): string {
    const d = join(this.root, name);
    mkdirSync(d, { recursive: true });
    return d;
  }

  /** A new repository on branch main with the test manifest committed (and nothing else). */
  repo(name: string, options: { manifest?: string | false } = {}): Repo {
    const repo = new Repo(this, this.dir(name));
    repo.git('init', '-q', '-b', 'main');
    repo.git('config', 'user.name', 'Ann Tester');
    repo.git('config', 'user.email', 'ann@example.com');
    repo.git('config', 'commit.gpgsign', 'false');
    if (options.manifest !== false) {
      repo.write('.protection/manifest.jsonc', options.manifest ?? MANIFEST);
      repo.write('README.md', 'hello\n');
      repo.commitAll('manifest');
    }
    return repo;
  }

  run(args: string[], options: { cwd: string; input?: string; env?: NodeJS.ProcessEnv }): RunResult {
    return this.spawn(process.execPath, [this.cli, ...args], options);
  }

  /**
   * `verify --staged --git-output` as the installed pre-commit hook runs it: git's answers written by
   * the hook's own shell commands (gitOutputCommands), or `input` instead of them.
   */
  runHooked(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string | Buffer; cli?: string }): RunResult {
    const gate = `node ${shellQuote(options.cli ?? this.cli)} verify --staged --git-output ${args.map(shellQuote).join(' ')}`;
    return this.spawn('sh', ['-c', options.input === undefined ? `${gitOutputCommands()} | ${gate}` : gate], options);
  }

  /**
   * A repository whose first commit brings the test manifest and `files` (no records needed: protection
   * starts there). Its own name, apart from those given to `repo`.
   */
  project(files: Record<string, string>): Repo {
    const repo = this.repo(`project${++this.projects}`, { manifest: false });
    repo.write('.protection/manifest.jsonc', MANIFEST);
    for (const [rel, text] of Object.entries(files)) repo.write(rel, text);
    repo.commitAll('initial');
    return repo;
  }

  /** `command` in the sandbox's environment (plus `env`), to its end. */
  private spawn(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string | Buffer }): RunResult {
    const r = spawnSync(command, args, {
      cwd: options.cwd,
      input: options.input ?? '',
      env: { ...this.env, ...options.env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.error) throw r.error;
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export class Repo {
  private minute = 0;

  constructor(readonly sandbox: Sandbox, readonly dir: string) {}

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, env: this.sandbox.env, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
  }

  write(rel: string, content: string | Buffer): void {
    const path = join(this.dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }

  read(rel: string): string {
    return readFileSync(join(this.dir, rel), 'utf8');
  }

  remove(rel: string): void {
    unlinkSync(join(this.dir, rel));
  }

  makeExecutable(rel: string): void {
    chmodSync(join(this.dir, rel), 0o755);
  }

  commitAll(message: string): string {
    this.git('add', '-A');
    this.git('commit', '-q', '--no-verify', '-m', message);
    return this.git('rev-parse', 'HEAD');
  }

  /** Appends a record to the work tree's audit log, as the extension does. */
  async record(body: Partial<AuditBody> & Pick<AuditBody, 'event'>): Promise<AuditRecord> {
    this.minute++;
    return new AuditStore(this.dir).append({
      at: new Date(Date.UTC(2026, 10, 22, 10, this.minute)).toISOString(),
      actor: { name: 'Ann Tester', email: 'ann@example.com' },
      reason: 'approved in the test',
      ...body,
    });
  }

  /** Writes `content` to a protected file and records the approved change (what unlock + save does). */
  async approve(rel: string, content: string, extra: Partial<AuditBody> = {}): Promise<AuditRecord> {
    const before = existsSync(join(this.dir, rel)) ? readFileSync(join(this.dir, rel)) : Buffer.alloc(0);
    this.write(rel, content);
    return this.record({ event: 'change', file: rel, before: sha256(before), after: sha256(content), ...extra });
  }

  /** Deletes a protected file with a delete record. */
  async approveDelete(rel: string): Promise<AuditRecord> {
    this.remove(rel);
    return this.record({ event: 'delete', file: rel });
  }

  auditLines(): string[] {
    return this.read('.protection/audit.jsonl').split('\n').filter((l) => l !== '');
  }

  writeAuditLines(lines: string[]): void {
    this.write('.protection/audit.jsonl', `${lines.join('\n')}\n`);
  }

  cli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): RunResult {
    return this.sandbox.run(args, { cwd: options.cwd ?? this.dir, input: options.input, env: options.env });
  }

  /** Sandbox.runHooked in this repository. */
  hooked(args: string[] = [], options: { env?: NodeJS.ProcessEnv; input?: string | Buffer } = {}): RunResult {
    return this.sandbox.runHooked(args, { cwd: this.dir, ...options });
  }
}
