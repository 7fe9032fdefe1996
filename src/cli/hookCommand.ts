// `protected-files hook [--agent NAME]`: the one guard behind every agent's hook. Reads the hook
// payload on stdin, works out what the tool call would touch (files, or a shell command), refuses
// a locked file or a guarded command in the agent's own format, allows what a grant covers, and
// after a tool ran records its changes under the grant. Every failure of its own refuses the call
// with one sentence saying what to fix (fail closed): a hook that crashes lets the edit through.
import { existsSync, readdirSync } from 'node:fs';
import { homeDirectory } from '../node/nodeOs';
import type { Dirent } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { CLI_PATH_FILE, HOOK_AGENTS, HookPayloadError, allowAnswer, denyAnswer, detectAgent, isHookAgent, readToolCall } from '../core/agentHooks';
import type { HookAgent, HookAnswer, ToolCall } from '../core/agentHooks';
import { emptyGrantState, grantIn } from '../core/grantState';
import type { GrantState } from '../core/grantState';
import { MANIFEST_PATH, PROTECTION_DIR } from '../core/manifest';
import type { Manifest } from '../core/manifest';
import { ProtectionMatcher } from '../core/matcher';
import type { Classification } from '../core/matcher';
import type * as ShellGuard from '../core/shellGuard';
import type { ShellAnalysis } from '../core/shellGuard';
import type { ShellTarget } from '../core/shellGuard';
import type { Grant } from '../core/unlocks';
import { certifiedGrants } from '../node/certifiedGrants';
import { readBounded } from '../node/boundedRead';
import { manifestCacheFile } from '../node/manifestCache';
import { packagePorts } from '../node/packageManagerFiles';
import { noteCodePath } from '../core/codePath';
import { findGitDir, gitCommonDir, grantStoreFor } from '../node/grantStore';
import { gitConfigSection } from '../core/gitAliases';
import { VSCODE_USER_SETTINGS, agentSettingsOf, isSettingsFile, textAfter } from '../core/vscodeSettings';
import { classifyTarget, loadManifest, protectedMessage, relsUnder } from './checkCommand';
import { EnclosingWorkspaces, TooManyCheckouts } from './enclosingWorkspaces';
import { MAX_HOOK_PAYLOAD, caseInsensitiveFs, formatProblems, isInputTooLarge } from './io';
import { MAX_HARD_LINK_CANDIDATES, hardLinkTwins, linkChains, sharedInode } from './sameFile';
import type { CliIo } from './io';

export const HOOK_HELP = `Usage: <hook payload JSON on stdin> | protected-files hook [--agent NAME]

The guard that agents' hooks run before (and after) each tool call. NAME is one of
${HOOK_AGENTS.join(', ')}; without --agent the agent is recognised from the payload.

Before a tool runs: refuses an edit of a locked file, and a shell command that would write,
move, delete, check out or change the mode of a locked file or that matches the manifest's
guardedCommands;
allows what a grant in force on this clone covers. After a tool ran: records the changes it
made to granted files. Answers in the agent's format: exit 0 allows, exit 2 refuses with the
reason on stderr (Cursor: also {"permission":"deny"} on stdout). Any failure of the guard
itself refuses, with what to fix. See docs/agents.md.
`;

/** Workspaces judged for one tool call; more refuses it (each reads its manifest and grants). */
const MAX_WORKSPACES = 64;
/** A patch file larger than this (`git apply big.diff`) is not read: every file of its folder counts. */
const MAX_PATCH_BYTES = 8 * 1024 * 1024;
/** Files listed to expand one glob in a shell command; more refuses the command. */
const MAX_GLOB_FILES = 50_000;
const MAX_GLOB_WILDCARDS = 16;
/** Files matched against a command's patterns in one workspace (each pattern once); more refuses the command. */
const MAX_GLOB_MATCHES = 2_000_000;

let shellGuardModule: typeof ShellGuard | undefined;

/**
 * The shell guard, loaded the first time a call carries a command: its tables (the commands it knows,
 * their options, the package managers) are built as it loads, ~0.3 ms that an agent's Edit, which
 * names its files, never needs. In the guard's part it is a function of its own (esbuild keeps a
 * module required so as a lazily run one).
 */
function shellGuard(): typeof ShellGuard {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (shellGuardModule ??= require('../core/shellGuard') as typeof ShellGuard);
}

class GuardFailure extends Error {}

function emit(io: CliIo, answer: HookAnswer): number {
  if (answer.stdout) io.stdout(answer.stdout);
  if (answer.stderr) io.stderr(answer.stderr);
  return answer.exitCode;
}

export async function runHook(args: string[], io: CliIo): Promise<number> {
  let agent: HookAgent | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-h' || a === '--help') {
      io.stdout(HOOK_HELP);
      return 0;
    }
    const value = a === '--agent' ? args[++i] : a.startsWith('--agent=') ? a.slice(8) : undefined;
    if (value !== undefined && isHookAgent(value)) agent = value;
    else {
      // A hook configured wrongly must still refuse, never fail open.
      return emit(io, denyAnswer('claude', `Protected Files: the hook was set up with an unknown argument "${String(value ?? a).slice(0, 40)}"; run "protected-files agents --write" (or Set Up Agent Guards in VS Code) to regenerate it. Agents: ${HOOK_AGENTS.join(', ')}.`));
    }
  }
  let call: ToolCall | undefined;
  const failed = (err: unknown): number => {
    const a = agent ?? 'claude';
    if (call?.phase === 'post') {
      // The tool already ran: nothing to refuse; say what was not recorded.
      io.stderr(`Protected Files: the change could not be recorded (${messageOf(err)}); run "protected-files record" to record it.\n`);
      return allowAnswer(a).exitCode;
    }
    const what = err instanceof GuardFailure || err instanceof HookPayloadError ? messageOf(err) : `the guard failed: ${messageOf(err)}`;
    return emit(io, denyAnswer(a, `Protected Files refused this tool call because ${what}. Fix the set-up (run "protected-files agents --write", or Set Up Agent Guards in VS Code) or report the error; until then the guard refuses every call.`));
  };
  // The last net: an error thrown where no caller waits (an event of a child process) would end the
  // process with exit 1, which Claude Code takes for "go ahead". It refuses, in the agent's format.
  const uncaught = (err: unknown): void => process.exit(failed(err));
  process.on('uncaughtException', uncaught);
  try {
    // Read to the bound and no further: a payload that never ends (or a pipe of /dev/zero) is refused
    // as soon as it is too large, not after it has filled the memory.
    const tooLarge = new GuardFailure(`the hook payload is larger than ${MAX_HOOK_PAYLOAD / 1024 / 1024} MB, more than the guard reads`);
    const text = await io.stdin(MAX_HOOK_PAYLOAD).catch((err: unknown) => { throw isInputTooLarge(err) ? tooLarge : err; });
    if (text.length > MAX_HOOK_PAYLOAD) throw tooLarge;
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      throw new GuardFailure(text.trim() === '' ? 'the hook got no payload on stdin' : 'the hook payload on stdin is not JSON');
    }
    agent ??= detectAgent(payload);
    call = readToolCall(payload, agent, io.cwd);
    // Edits, shell commands and records after a tool each run code of their own: the part's code
    // cache is made again the first time each is seen (src/node/cachedPart.ts).
    noteCodePath(call.phase === 'post' ? 'hook-post' : call.command !== undefined ? 'hook-shell' : call.paths.length > 0 ? 'hook-files' : 'hook-other');
    return emit(io, await decide(call, io));
  } catch (err) {
    return failed(err);
  } finally {
    process.off('uncaughtException', uncaught);
  }
}

/**
 * What a shell target names before its first wildcard (all of it when it has none; `''` for a bare
 * `$VAR` and for a path below a folder the guard cannot know).
 */
function literalPart(t: ShellTarget): string {
  if (t.anywhere !== undefined) return '';
  const wild = t.path.search(/[*?[{]/);
  return t.glob && wild >= 0 ? t.path.slice(0, wild) : t.path;
}

function posixOf(p: string): string {
  return p.split(sep).join('/');
}

/** Names of git's hooks (githooks(5)): a file of one of these names in the hooks folder runs. */
const GIT_HOOK_NAMES = /^(applypatch-msg|pre-applypatch|post-applypatch|pre-commit|pre-merge-commit|prepare-commit-msg|commit-msg|post-commit|pre-rebase|post-checkout|post-merge|pre-push|pre-receive|update|proc-receive|post-receive|post-update|reference-transaction|push-to-checkout|pre-auto-gc|post-rewrite|sendemail-validate|fsmonitor-watchman|p4-[a-z-]+|post-index-change)$/;

/** Names of files in `<git dir>/protected-files` that are read (the CLI record, grant stores, verified logs, approved copies). */
const STORE_NAMES = new RegExp(`^(${CLI_PATH_FILE}|verified-logs|approved|folder-.*\\.json)$`);

/**
 * True when `t`, a path below a folder the guard cannot know, could reach into the forbidden folder
 * `dir`: the folder itself, a file in it, or (for a write) a file it would create there that is read:
 * a git hook, or the CLI record, a grant store or the list of verified logs.
 */
function anywhereInto(t: ShellTarget, dir: string): boolean {
  if (t.anywhere === undefined) return false;
  const d = posixOf(dir);
  const candidates = [d];
  try {
    for (const name of readdirSync(dir)) candidates.push(`${d}/${name}`);
  } catch {
    // no such folder: only what a write would create
  }
  const name = t.anywhere.slice(t.anywhere.lastIndexOf('/') + 1);
  const read = d.endsWith('/hooks') ? GIT_HOOK_NAMES : STORE_NAMES;
  if (t.op === 'write' && (read.test(name) || /[*?[]/.test(name))) candidates.push(`${d}/${name}`);
  return candidates.some((c) => shellGuard().couldBe(t, c));
}

function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0].replace(/\.$/, '');
}

interface Folder {
  root: string;
  manifest: Manifest | undefined;
  matcher: ProtectionMatcher;
  grants: () => GrantState;
  /** What expanding a command's patterns found so far in this run (see protectedCandidates). */
  globs: GlobCache;
}

interface GlobCache {
  /** The folders manifest globs start in, outermost only; computed on first use. */
  bases?: string[];
  /** Files listed under a folder, by folder. */
  listed: Map<string, string[]>;
  /** The candidates under a command pattern's base, by base. */
  candidates: Map<string, string[]>;
  /** The files a command pattern matched, by pattern. */
  expanded: Map<string, string[]>;
  /** Files matched against patterns so far: bounded by MAX_GLOB_MATCHES. */
  matches: number;
}

async function openFolder(root: string, io: CliIo): Promise<Folder | undefined> {
  const loaded = await loadManifest(root, io);
  if (!loaded.ok) {
    const first = formatProblems(loaded.problems).trim().split('\n')[0]?.trim();
    throw new GuardFailure(`${loaded.reason}${first ? ` (${first})` : ''}; restore or fix the manifest`);
  }
  const matcher = new ProtectionMatcher(loaded.manifest, { caseInsensitive: caseInsensitiveFs() });
  // Only grants with a valid certificate count (a grant written into the store by hand opens nothing):
  // under the manifest in force, or the committed one for a grant made before its first signing code.
  const store = grantStoreFor(root);
  const stored = store?.readSync() ?? emptyGrantState();
  // A grant's key does not outlive it (KEY_GRACE_MS): dropped here, before the agent's next tool call runs.
  await store?.dropEndedKeys(Date.now(), stored);
  const grants = stored.grants.length === 0 ? stored : await certifiedGrants(stored, root, loaded.manifest, (p) => matcher.classify(p), io.env);
  return { root, manifest: loaded.manifest, matcher, grants: () => grants, globs: { listed: new Map(), candidates: new Map(), expanded: new Map(), matches: 0 } };
}

interface Hit {
  rel: string;
  classification: Classification;
  grant: Grant | undefined;
  /** The shell pattern that matched it (`src/*`, `**` for `$VAR`), when it was not named. */
  pattern?: string;
  /** For a file in a `.protection/` folder below the workspace's own: the manifest whose unlock covers it. */
  unlockRel?: string;
  /** How the call names it, when not by `rel` (a hard link to it). */
  shown?: string;
  /** Why the pattern stands for a path the command names (`after a cd to a folder the guard cannot know`). */
  unknown?: string;
  /** The package script or make recipe line that writes it (`make fmt: \`gofmt -w .\``). */
  through?: string;
}

/** Files below a folder of the guard's looked at, at most, for a pattern that deletes; more: taken as reached. */
const MAX_FORBIDDEN_ENTRIES = 2000;

/**
 * Whether deleting or moving what `t`'s pattern matches takes a file that is now in `dir` (one of the
 * guard's own folders or files: the clone's grant store, its hooks, its configuration), or `dir` itself.
 * Read through the folder, bounded: past MAX_FORBIDDEN_ENTRIES, or a folder that cannot be read, yes.
 */
function deletesThere(t: ShellTarget, dir: string, cwd: string, home: string): boolean {
  const matches = (abs: string): boolean => shellGuard().patternMatches(t, posixOf(abs), cwd, home);
  if (matches(dir)) return true;
  let seen = 0;
  const visit = (d: string): boolean => {
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch (err) {
      return (err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR';
    }
    for (const e of entries) {
      if (++seen > MAX_FORBIDDEN_ENTRIES) return true;
      const abs = join(d, e.name);
      if (matches(abs) || (e.isDirectory() && visit(abs))) return true;
    }
    return false;
  };
  return visit(dir);
}

/** User-level settings of the agents that can disable or override the project's hooks (relative to the home folder). */
const USER_AGENT_SETTINGS = [
  '.claude/settings.json', '.claude/settings.local.json', '.gemini/settings.json', '.codex/config.toml', '.codex/hooks.json',
  '.cursor/hooks.json', '.codeium/windsurf/hooks.json', '.copilot/hooks',
  // Cline: its global state (`hooksEnabled`) and its global hooks (one that fails voids every hook's answer).
  '.cline/data', 'Documents/Cline/Hooks',
];
/**
 * The agents' machine-wide (managed) settings, which override a project's and can switch its hooks
 * off (Claude Code's `disableAllHooks` or `allowManagedHooksOnly` in managed-settings.json, Gemini
 * CLI's system settings, Codex's managed configuration; Cursor's and Windsurf's system hooks):
 * writable by an agent running as root, as in many containers. Whole folders (their drop-in files too).
 */
const SYSTEM_AGENT_SETTINGS = [
  '/etc/claude-code', '/Library/Application Support/ClaudeCode', '/Library/Managed Preferences',
  '/etc/gemini-cli', '/Library/Application Support/GeminiCli', '/etc/codex', '/etc/cursor', '/etc/windsurf',
];
/** git's user-level configuration, below the home folder: it can make git run commands (see USER_AGENT_SETTINGS). */
const USER_GIT_CONFIG = ['.gitconfig', '.config/git/config'];

/** The largest settings file whose change is worked out; a larger one is refused. */
const MAX_SETTINGS_BYTES = 1024 * 1024;

/**
 * Why `call` is refused for what it does to VS Code's settings (src/core/vscodeSettings.ts): a change to
 * their `chat.*` or `github.copilot.*` keys, which switch Copilot's hooks off or approve its tools,
 * in a workspace's `.vscode/settings.json`, a `.code-workspace` file or the user's settings. A shell
 * command that writes one is refused (what it writes cannot be known); an edit tool's change is
 * worked out and allowed when those keys stay as they are.
 */
function vscodeSettingsRefusal(call: ToolCall, cwd: string, home: string, roots: Iterable<string>, analysis: ShellAnalysis | undefined, chainOf: (abs: string) => string[]): string | undefined {
  const isSettings = (abs: string): boolean => isSettingsFile(posixOf(abs));
  const why = 'holds VS Code\'s settings, whose chat.* keys switch Copilot\'s agent hooks off (chat.useHooks, chat.hookFilesLocations) or approve its tools without asking';
  if (analysis) {
    // What the command writes (deleting one of them, or git checking out its committed text, switches nothing off).
    const writes = analysis.targets.filter((t) => t.op === 'write');
    const named = writes.map(literalPart).filter((l) => l !== '').flatMap((l) => chainOf(resolve(cwd, expandHome(l, home))));
    // Named, or matched by a pattern written to (`cp x .vscode/` writes `.vscode/**`); a folder written
    // as itself is not its files (`os.listdir('.')` beside a write in inline code).
    const writesInto = (f: string): boolean => named.includes(f)
      || writes.some((t) => (t.anywhere !== undefined ? shellGuard().couldBe(t, posixOf(f)) : t.glob && shellGuard().patternReaches(t, posixOf(f), posixOf(cwd), posixOf(home))));
    // The files a pattern is tried against: the workspaces' own and the user's below the home folder.
    const known = [...[...roots].map((r) => join(r, '.vscode', 'settings.json')), ...VSCODE_USER_SETTINGS.map((rel) => join(home, ...rel.split('/')))];
    const hit = known.find(writesInto) ?? named.find(isSettings);
    if (hit === undefined) return undefined;
    return `Protected Files: ${hit} ${why}; the guard cannot see what a shell command writes into it. Change it with your file edit tool (its other settings are yours to change), or ask a person to.`;
  }
  for (const p of call.paths) {
    const abs = resolve(cwd, expandHome(p, home));
    const file = chainOf(abs).find(isSettings);
    if (file === undefined) continue;
    const current = readBounded(file, MAX_SETTINGS_BYTES)?.toString('utf8');
    const samePath = (named: unknown): boolean => typeof named === 'string' && chainOf(resolve(cwd, expandHome(named, home))).includes(file);
    // There but not read (larger than the bound, a folder, a pipe): its change cannot be worked out.
    const after = current === undefined && existsSync(file) ? undefined : textAfter(call.tool, call.input, current, samePath);
    const workspaceFile = file.endsWith('.code-workspace');
    const [before, now] = [current === undefined ? '{}' : agentSettingsOf(current, workspaceFile), after === undefined ? undefined : agentSettingsOf(after, workspaceFile)];
    if (after === undefined) return `Protected Files: ${file} ${why}; the guard cannot work out what ${call.tool} would change in it. Change it with an edit that replaces text (Edit, replace_string_in_file) or writes it whole, or ask a person to.`;
    if (now === undefined) return `Protected Files: ${file} ${why}; after this change it would not be readable as JSON with comments, and VS Code would drop its settings. Keep it valid.`;
    if (now !== before) return `Protected Files: ${file} ${why}; this change alters them. An agent must not: ask a person to.`;
  }
  return undefined;
}

/**
 * The guard's own code: the folder of the part that runs (dist/: the hook, the CLI's parts, their code
 * caches, the extension) and the Node that runs it. An agent that rewrote them (`echo
 * 'process.exit(0)' > …/dist/hook.js`, a Write of cli-guard.js) would switch the guard off for every
 * later call; they are refused like the agents' settings.
 */
function guardOwnCode(): { dir: string; node: string } {
  return { dir: __dirname, node: process.execPath };
}

/** At most this many entries of the guard's folder are matched against a path the guard cannot know. */
const MAX_OWN_FILES = 256;

/** The command line's parts, each with its caches beside it (scripts/build.mjs). */
const OWN_PARTS = ['cli-guard.js', 'cli-verify.js', 'cli-commands.js'];

/**
 * The first of the guard's own files (see guardOwnCode) that a call's written paths (`touched`, each
 * with the paths its links lead to) or its paths below a folder the guard cannot know (`anywhere`)
 * could write, remove or replace: the folder itself, a file in it, a folder around it (not the home
 * folder or above), a hard link to a file in it; else undefined.
 */
function ownCodeHit(touched: readonly string[], anywhere: readonly ShellTarget[], home: string, roots: Iterable<string>): string | undefined {
  const { dir, node } = guardOwnCode();
  const inside = touched.find((t) => t === dir || t.startsWith(`${dir}${sep}`) || isFolderAround(t, dir, home));
  if (inside !== undefined) return inside.startsWith(`${dir}${sep}`) ? inside : dir;
  if (touched.some((t) => t === node || isFolderAround(t, node, home))) return node;
  let entries: string[] | undefined;
  const names = (): string[] => {
    if (entries === undefined) {
      try {
        entries = readdirSync(dir).slice(0, MAX_OWN_FILES);
      } catch {
        entries = [];
      }
    }
    return entries;
  };
  // A hard link made earlier to a file of the guard's (`ln …/dist/hook.js h`): writing it writes that
  // file. The folder's files are looked at once, whatever the number of linked paths the call names.
  let ownInodes: Map<string, string> | undefined;
  for (const t of touched) {
    const inode = sharedInode(t);
    if (inode === undefined) continue;
    ownInodes ??= new Map(names().flatMap((name): [string, string][] => {
      const own = sharedInode(join(dir, name));
      return own === undefined ? [] : [[own, name]];
    }));
    const twin = ownInodes.get(inode);
    if (twin !== undefined) return join(dir, twin);
  }
  if (anywhere.length === 0) return undefined;
  // A cache not made yet is one of the guard's files too: a part's code cache (src/node/cachedPart.ts),
  // and the parse each part would read for these workspaces' manifests (src/node/manifestCache.ts).
  const unmade = OWN_PARTS.flatMap((part) => [
    join(dir, `${part}.${process.versions.v8}-${process.arch}.v8cache`),
    ...[...roots].map((root) => manifestCacheFile(join(dir, part), root)),
  ]);
  const candidates = [...names().map((name) => join(dir, name)), ...unmade];
  return [...candidates, node].find((f) => anywhere.some((t) => shellGuard().couldBe(t, posixOf(f))));
}

/**
 * Whether the written path `t` is a folder around `f` (removing or replacing it takes `f` with it),
 * other than the home folder and the folders above it (`find ~ -name '*.log' -delete` is no write of
 * every file at home).
 */
function isFolderAround(t: string, f: string, home: string): boolean {
  return f.startsWith(`${t.replace(/[\\/]+$/, '')}${sep}`) && t !== home && t.length > home.length;
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p;
}

/**
 * Whether the clone runs the commit gate: a pre-commit hook that calls protected-files in its hooks
 * folder (core.hooksPath where set), or the configuration of husky, the pre-commit framework or
 * lefthook naming it. Read only for a command that skips hooks.
 */
function commitGateIn(root: string, gitDir: string): boolean {
  const config = readBounded(join(gitCommonDir(gitDir), 'config'), 256 * 1024)?.toString('utf8') ?? '';
  const hooksPath = gitConfigSection(config, 'core').get('hookspath');
  const hooks = hooksPath === undefined ? join(gitDir, 'hooks') : resolve(root, hooksPath);
  return [join(hooks, 'pre-commit'), join(root, '.husky', 'pre-commit'), join(root, '.pre-commit-config.yaml'), ...['lefthook.yml', 'lefthook.yaml', '.lefthook.yml', '.lefthook.yaml'].map((f) => join(root, f))]
    .some((f) => readBounded(f, 256 * 1024)?.toString('utf8').includes('protected-files') === true);
}

/** More locked files than this in one refusal are counted, not listed. */
const MAX_LISTED = 3;

function hitFor(folder: Folder, rel: string, classification: Classification, now: number, unlockRel?: string): Hit {
  return { rel, classification, grant: grantIn(folder.grants(), unlockRel ?? rel, classification.component?.name, now), ...(unlockRel ? { unlockRel } : {}) };
}

/**
 * Whether `rel` lies in a `.protection/` folder below the workspace's own: a manifest there would
 * make a workspace of its own (one that, found nearest, hid this one before every workspace around
 * a path was judged), so writing there is protected like the workspace's own manifest.
 */
function inNestedProtection(rel: string): boolean {
  return rel.split('/').indexOf(PROTECTION_DIR) > 0;
}

async function decide(call: ToolCall, io: CliIo): Promise<HookAnswer> {
  const cwd = call.cwd ? resolve(io.cwd, call.cwd) : io.cwd;
  // Every workspace the call touches: where it runs, and where its files are
  // (`echo x > ../project/src/booking/a.ts` from a folder without a manifest), each with the
  // workspaces around it (a manifest in a subfolder hides none of those above it), and where the
  // files really are (a symlink outside the workspace to a file in it).
  const workspaces = new EnclosingWorkspaces(io.env);
  const home = homeDirectory();
  // Each path's symlinks looked up once for the whole call (a patch names thousands of files).
  const chainOf = linkChains();
  const add = (abs: string): void => {
    for (const p of chainOf(abs)) workspaces.add(dirname(p));
  };
  workspaces.add(cwd);
  for (const p of call.paths) add(resolve(cwd, p));
  // A patch file the command applies is read for the files it names (bounded; a link is not followed).
  const readFile = (p: string): string | undefined => readBounded(resolve(cwd, p), MAX_PATCH_BYTES)?.toString('utf8');
  // The package.json files whose scripts the command runs (`npm run fmt`, `pnpm -r lint`).
  const analysis = call.command === undefined ? undefined : shellGuard().analyzeShellCommand(call.command, [], { readFile, ...packagePorts(cwd, home, io.env) });
  if (analysis) {
    if (analysis.failure) {
      // Not a fault of the set-up: a command the guard cannot decide is refused with what to do instead.
      if (call.phase === 'pre') return denyAnswer(call.agent, `Protected Files refused this command: ${analysis.failure}.`);
      throw new GuardFailure(analysis.failure);
    }
    for (const t of analysis.targets) {
      const literal = literalPart(t);
      if (literal !== '') add(resolve(cwd, expandHome(literal.endsWith('/') ? `${literal}x` : literal, home)));
    }
  }
  const roots = await workspaces.all().catch((err: unknown) => {
    throw err instanceof TooManyCheckouts ? new GuardFailure(`${err.message}; name fewer files in one call`) : err;
  });
  if (roots.size > MAX_WORKSPACES) throw new GuardFailure(`the tool call names files in ${roots.size} protected workspaces, more than the ${MAX_WORKSPACES} the guard judges in one call; name fewer files in one call`);
  const reasons: string[] = [];
  // The agents' own user-level settings can switch project hooks off (`disableAllHooks`, Codex's
  // `[features] hooks = false`): while a call touches a protected workspace, they are refused too.
  if (roots.size > 0 && call.phase === 'pre') {
    const touched = [...call.paths.map((p) => resolve(cwd, expandHome(p, home)))];
    if (analysis) {
      for (const t of analysis.targets) {
        const literal = literalPart(t);
        if (literal !== '') touched.push(resolve(cwd, expandHome(literal, home)));
      }
    }
    const settings = [...USER_AGENT_SETTINGS.map((rel) => join(home, ...rel.split('/'))), ...(sep === '/' ? SYSTEM_AGENT_SETTINGS : [])];
    const anywhere = analysis?.targets.filter((t) => t.anywhere !== undefined) ?? [];
    // A pattern that deletes or moves a folder around them (`rm -rf ~/.cl*`) too, and one that may
    // match them or a file in them (`sed -i … ~/.claude/sett*.json`, `cp x /opt/pf/dis?/cli.js`).
    const around = (f: string): boolean => analysis?.targets.some((t) => shellGuard().patternAround(t, posixOf(f), posixOf(cwd), posixOf(home))
      || shellGuard().patternReaches(t, posixOf(f), posixOf(cwd), posixOf(home))) === true;
    // Named, in a folder the call takes with it, below a folder the guard cannot know, or through a pattern.
    const reached = (f: string): boolean => touched.some((t) => t === f || t.startsWith(`${f}${sep}`) || isFolderAround(t, f, home)) || anywhere.some((t) => shellGuard().couldBe(t, posixOf(f))) || around(f);
    const hit = settings.find(reached);
    if (hit) reasons.push(`Protected Files: ${hit} holds an agent's own settings, which can switch off the hook that guards this workspace's protected files; an agent must not change it. Ask a person to.`);
    const gitConfig = USER_GIT_CONFIG.map((rel) => join(home, ...rel.split('/'))).find(reached);
    if (gitConfig) reasons.push(`Protected Files: ${gitConfig} is git's configuration, which can make git run commands the guard does not see (core.fsmonitor, aliases) or turn the commit gate off (core.hooksPath); an agent must not change it. Ask a person to.`);
    const vscode = vscodeSettingsRefusal(call, cwd, home, roots, analysis, chainOf);
    if (vscode !== undefined) reasons.push(vscode);
    const own = ownCodeHit([...new Set(touched.flatMap(chainOf))], anywhere, home, roots) ?? [guardOwnCode().dir, guardOwnCode().node].find(around);
    if (own !== undefined) reasons.push(`Protected Files: ${own} is the guard's own code, which checks every tool call of the agents in this workspace; an agent must not change it. Ask a person to (reinstall or update Protected Files).`);
  }
  for (const root of roots) {
    const folder = await openFolder(root, io);
    if (folder) for (const r of await decideIn(folder, call, cwd, analysis, chainOf, io)) if (!reasons.includes(r)) reasons.push(r);
  }
  // A path the guard cannot resolve counts as every file it could be: said first, or the refusals that
  // follow (an agent's settings, the guard's code) read as if the command had named them.
  const blind = analysis?.targets.filter((t) => t.anywhere !== undefined && t.unknown !== undefined) ?? [];
  if (reasons.length > 0 && blind.length > 0) {
    // As written where the guard kept the word (`"$OUT"`), else the pattern it stands for.
    const written = blind.filter((t) => t.written !== undefined).map((t) => `\`${t.written}\``);
    const paths = blind.map((t) => t.path).filter((p, _, all) => !(p.endsWith('/**') && all.includes(p.slice(0, -3))));
    const named = [...new Set(written.length > 0 ? written : paths.map((p) => `"${p}"`))];
    const shown = `${named.slice(0, 3).join(', ')}${named.length > 3 ? ` and ${named.length - 3} more` : ''}`;
    reasons.unshift(`Protected Files: this command names ${shown}, which the guard cannot resolve (${blind[0].unknown}), so it counts as every protected file it could be, those below among them. Name the files and folders, or set the variable in the same command (F=out.txt; rm "$F").`);
  }
  return reasons.length > 0 ? denyAnswer(call.agent, reasons.join(' ')) : allowAnswer(call.agent);
}

/**
 * The reasons to refuse `call` in one workspace (none: allowed); after a tool ran, records its changes there.
 * `analysis`: the call's shell command analysed (undefined for a call without one); `chainOf`: linkChain for this call.
 */
async function decideIn(folder: Folder, call: ToolCall, cwd: string, analysis: ShellAnalysis | undefined, chainOf: (abs: string) => string[], io: CliIo): Promise<string[]> {
  const relsIn = (abs: string): string[] => relsUnder(folder.root, chainOf(abs));
  const now = Date.now();
  const hits: Hit[] = [];
  const reasons: string[] = [];

  // The clone's grant store and CLI record (a forged grant or a fake CLI would open every lock),
  // and its git hooks (the commit gate): no tool call of an agent writes there.
  const git = findGitDir(folder.root);
  const forbidden = git ? [join(git.gitDir, 'protected-files'), join(git.gitDir, 'hooks'), join(gitCommonDir(git.gitDir), 'config'), join(git.gitDir, 'config.worktree')] : [];
  const intoForbidden = (abs: string, subtree: boolean): string | undefined => {
    if (forbidden.length === 0) return undefined;
    // Also through a symlink, or a symlinked folder, to a file not made yet.
    const names = chainOf(abs);
    return forbidden.find((d) => names.some((a) => a === d || a.startsWith(`${d}${sep}`) || (subtree && d.startsWith(`${a.replace(/[\\/]+$/, '')}${sep}`))));
  };
  const forbiddenHits = new Set<string>();
  const manifestClass = folder.matcher.classify(MANIFEST_PATH);

  for (const p of call.paths) {
    const abs = resolve(cwd, p);
    const dir = intoForbidden(abs, false);
    if (dir) forbiddenHits.add(dir);
    const found = classifyTarget(folder.matcher, folder.root, { input: p, absolute: abs });
    if (found) hits.push(hitFor(folder, found.rel, found.classification, now));
    else {
      const nested = relsIn(abs).find(inNestedProtection);
      if (nested !== undefined && manifestClass) hits.push(hitFor(folder, nested, manifestClass, now, MANIFEST_PATH));
    }
  }
  if (analysis) {
    const rootPosix = posixOf(folder.root);
    const home = homeDirectory();
    const homePosix = posixOf(home);
    const cwdPosix = posixOf(cwd);
    if (call.phase === 'pre') {
      const skipping = analysis.skipsHooks?.[0];
      if (skipping !== undefined && git && commitGateIn(folder.root, git.gitDir)) {
        reasons.push(`Protected Files: \`${skipping}\` skips this repository's git hooks, among them the commit gate (protected-files verify --staged, which judges the protected files only); an agent must not skip it. Run it without --no-verify (-n).`);
      }
      for (const g of shellGuard().guardedIn(analysis.lines, folder.manifest?.guardedCommands ?? [])) {
        reasons.push(`Protected Files: "${g.pattern}" is a guarded command in ${MANIFEST_PATH}: ${g.message.trim()} An agent must not run it: ask a person to run it themselves if it is really needed.`);
      }
    }
    for (const t of analysis.targets) {
      // The literal part of a glob: `rm -rf .git` (`.git/**`) takes the store with it.
      const literal = literalPart(t);
      // A bare `$VAR` (empty literal part) is not taken for the whole git folder.
      const dir = (literal === '' ? forbidden.find((d) => anywhereInto(t, d)) : intoForbidden(resolve(cwd, expandHome(literal, home)), t.path === `${literal.replace(/\/+$/, '')}/**`))
        ?? forbidden.find((d) => shellGuard().patternAround(t, posixOf(d), cwdPosix, homePosix) || (shellGuard().patternReaches(t, posixOf(d), cwdPosix, homePosix)
          // A pattern that deletes or moves takes only what is there (`find . -name '*.log' -delete` leaves
          // the store alone); one written to may make a file there (`cp x .git/protected-f*/cli-path`).
          && (t.op === 'write' || t.op === 'checkout' || deletesThere(t, d, cwdPosix, homePosix))));
      if (dir && call.phase === 'pre') forbiddenHits.add(dir);
    }
    // A pattern that deletes or moves a folder around the workspace (`rm -rf ../*`) takes every file of it.
    const around = analysis.targets.filter((t) => shellGuard().patternAround(t, rootPosix, cwdPosix, homePosix)).map((t) => ({ ...t, path: `${rootPosix}/**` }));
    // Each target once: `touch $a $a …` is one pattern however often it is written.
    const targets = [...new Map([...analysis.targets, ...around].map((t) => [`${t.op}\0${t.glob ? 'g' : 'p'}\0${t.path}`, t])).values()];
    const found = shellGuard().lockedTargets(
      targets,
      (p) => {
        const rel = shellGuard().workspaceRel(rootPosix, cwdPosix, p.split(sep).join('/'), homePosix);
        if (p === '' || p.startsWith('~')) return rel;
        // The file it really is, through its symlinks and symlinked folders, where that is in the
        // workspace: `/tmp/x.ts` linked to a file in it; `bk/*` with bk a link to src/booking, whose
        // pattern is expanded where it really points.
        const rels = relsIn(resolve(cwd, p));
        return rels[rels.length - 1] ?? rel;
      },
      // A symlink to a locked file is the locked file, also a dangling one and one through a
      // symlinked folder (`echo > x` with x a link to src/booking/a.ts, `echo > bk/new.ts`).
      (rel) => {
        const c = folder.matcher.classify(rel);
        if (c) return { rel, classification: c };
        const rels = relsIn(join(folder.root, ...rel.split('/')));
        for (const r of rels) {
          const rc = folder.matcher.classify(r);
          if (rc) return { rel: r, classification: rc };
        }
        const nested = [rel, ...rels].find(inNestedProtection);
        return nested !== undefined && manifestClass ? { rel: nested, classification: manifestClass, unlockRel: MANIFEST_PATH } : undefined;
      },
      (glob) => {
        // minimatch's regular expressions backtrack on many wildcards: bounded, like everything here.
        if ((glob.match(/[*?]/g)?.length ?? 0) > MAX_GLOB_WILDCARDS) throw new GuardFailure(`a path pattern in the command has more than ${MAX_GLOB_WILDCARDS} wildcards, more than the guard checks; name the files`);
        const cache = folder.globs;
        let files = cache.expanded.get(glob);
        if (!files) {
          const candidates = protectedCandidates(folder, shellGuard().globBase(glob));
          if ((cache.matches += candidates.length) > MAX_GLOB_MATCHES) {
            throw new GuardFailure(`the command's path patterns would have to be matched against more than ${MAX_GLOB_MATCHES} files, more than the guard checks; name the files`);
          }
          cache.expanded.set(glob, (files = shellGuard().expandGlob(glob, candidates)));
        }
        return files;
      },
    );
    for (const f of found) hits.push({ ...hitFor(folder, f.verdict.rel, f.verdict.classification, now, f.verdict.unlockRel), ...(f.target.glob ? { pattern: f.target.anywhere ?? f.target.path, unknown: f.target.unknown } : {}), ...(f.target.through !== undefined ? { through: f.target.through } : {}) });
  }

  // A hard link to a locked file is the locked file (`ln src/booking/a.ts b.ts`, then any write to
  // b.ts): a stat of each file the call names, git only where one has other hard links.
  const named = call.paths.map((p) => resolve(cwd, p));
  for (const t of analysis?.targets ?? []) if (!t.glob && t.path !== '' && !t.path.startsWith('~')) named.push(resolve(cwd, t.path));
  const twins = await hardLinkTwins(folder.root, [...new Set(named)], (rel) => folder.matcher.classify(rel) !== undefined, io.env);
  for (const [abs, twin] of twins) {
    const r = relative(folder.root, abs);
    const shown = r.startsWith('..') || isAbsolute(r) ? abs : r.split(sep).join('/');
    if (twin.kind === 'twin') hits.push({ ...hitFor(folder, twin.rel, folder.matcher.classify(twin.rel)!, now), shown: `${shown} (a hard link to ${twin.rel})` });
    else if (twin.kind === 'too-many' && call.phase === 'pre') {
      reasons.push(`Protected Files: ${shown} has other hard links, and there are more than ${MAX_HARD_LINK_CANDIDATES} protected files to compare it with, so it cannot be decided whether it is one of them; edit it in VS Code.`);
    }
  }

  if (call.phase === 'post') {
    await recordUnderGrants(folder, hits.filter((h) => h.grant), io);
    return [];
  }
  for (const dir of forbiddenHits) {
    if (/config(\.worktree)?$/.test(dir)) {
      reasons.push(`Protected Files: ${dir} is this clone's git configuration, which can make git run commands the guard does not see (core.fsmonitor, aliases) or turn the commit gate off (core.hooksPath); an agent must not write it (git remote, git branch and the like write it themselves and are allowed).`);
      continue;
    }
    reasons.push(`Protected Files: ${dir} holds ${dir.endsWith('hooks') ? "this clone's git hooks (the commit gate)" : "this clone's unlocks and the CLI the agents' hooks run"}; an agent must not write there. Unlocks are made in VS Code (Protected Files: Unlock…) or with protected-files unlock.`);
  }
  const seen = new Set<string>();
  const locked = hits.filter((h) => !h.grant && !seen.has(h.rel) && seen.add(h.rel));
  for (const h of locked.slice(0, MAX_LISTED)) {
    if (h.unlockRel) reasons.push(protectedMessage(`${h.rel} (in a .protection folder inside this workspace, where a manifest would change what is protected: protected like ${h.unlockRel})`, h.classification, h.unlockRel));
    else reasons.push(protectedMessage(h.shown ?? h.rel, h.classification, h.rel));
  }
  if (locked.length > MAX_LISTED) reasons.push(`Protected Files: and ${locked.length - MAX_LISTED} more protected files.`);
  const throughs = [...new Set(locked.flatMap((h) => (h.through !== undefined ? [h.through] : [])))];
  if (throughs.length > 0) reasons.push(`(Written by ${throughs.slice(0, MAX_LISTED).join('; ')}.)`);
  const patterns = [...new Set(locked.flatMap((h) => (h.pattern ? [h.unknown ? `"${h.pattern}" (${h.unknown})` : `"${h.pattern}"`] : [])))];
  if (patterns.length > 0) {
    reasons.push(`(The command names them through ${patterns.slice(0, MAX_LISTED).join(', ')}: a pattern, a $VARIABLE in a path or a folder the guard cannot follow counts as every protected file it could be. Name the files and folders instead.)`);
  }
  return reasons;
}

/**
 * The files under `base` that a manifest glob could protect: only the literal folders the globs
 * start in are listed (`src/booking` for `src/booking/**`), so `> $OUT` does not walk the
 * repository. Listed once per run: each folder, and the answer for each base, are kept.
 */
function protectedCandidates(folder: Folder, base: string): string[] {
  const cache = folder.globs;
  const known = cache.candidates.get(base);
  if (known) return known;
  if (!cache.bases) {
    const bases = [...new Set(folder.matcher.patterns.map((p) => shellGuard().globBase(p.replace(/^(?:\.\/)+/, ''))))].sort((a, b) => a.length - b.length);
    cache.bases = [];
    for (const b of bases) if (!cache.bases.some((r) => r === '' || b === r || b.startsWith(`${r}/`))) cache.bases.push(b);
  }
  const list = (dir: string): string[] => {
    let files = cache.listed.get(dir);
    if (!files) cache.listed.set(dir, (files = listFiles(folder.root, dir)));
    return files;
  };
  const files: string[] = [];
  for (const r of cache.bases) {
    // Only what lies under both the command's base and the glob's base.
    if (base === '' || r === '' || r === base || r.startsWith(`${base}/`)) files.push(...list(r));
    else if (base.startsWith(`${r}/`)) files.push(...list(base));
  }
  cache.candidates.set(base, files);
  return files;
}

/** The files under `base` (workspace-relative), without .git and node_modules; bounded. */
function listFiles(root: string, base: string): string[] {
  const out: string[] = [];
  const walk = (dirRel: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(root, dirRel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name === '.git' || e.name === 'node_modules') continue;
      const rel = dirRel ? `${dirRel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(rel);
      else out.push(rel);
      if (out.length > MAX_GLOB_FILES) throw new GuardFailure(`a path pattern in the command could match more than ${MAX_GLOB_FILES} files, more than the guard checks; name the files`);
    }
  };
  walk(base);
  return out;
}

/** After a tool ran: records its changes to granted files under their grants, at once. */
async function recordUnderGrants(folder: Folder, hits: readonly Hit[], io: CliIo): Promise<void> {
  if (hits.length === 0) return;
  const [{ notRecordedLine, recordGrantChanges, recordedLinkLine }, { AuditRecorder }] = await Promise.all([import('../node/grantChanges'), import('../node/recorder')]);
  const recorder = new AuditRecorder(folder.root);
  for (const h of hits) {
    const grant = h.grant;
    if (!grant) continue;
    const { recorded, notRecorded } = await recordGrantChanges(folder.root, recorder, grant, [{ rel: h.rel, classification: h.classification }], io.env);
    for (const r of recorded) io.stderr(`Protected Files: recorded ${r.record.event} of ${r.rel} under the unlock (${grant.reason}).${r.link ? ` ${recordedLinkLine(r.rel)}` : ''}\n`);
    for (const n of notRecorded) io.stderr(`Protected Files: ${notRecordedLine(n)}\n`);
  }
}
