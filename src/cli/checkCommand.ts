// `protected-files check <path>...`: may these files be edited? The contract of Claude Code's
// PreToolUse hooks: exit 0 allows, exit 2 denies and stderr tells the agent why. Runs before
// every agent edit, so it spawns no git unless the manifest on disk is broken or missing, or the
// target has other hard links.
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { collision, collisionProblem } from '../core/collisions';
import { MANIFEST_PATH } from '../core/manifest';
import type { Manifest, ManifestProblem } from '../core/manifest';
import { ProtectionMatcher } from '../core/matcher';
import type { Classification } from '../core/matcher';
import { certifiedGrantIn, emptyGrantState, grantIn } from '../core/grantState';
import type { GrantState } from '../core/grantState';
import { formatClock } from '../core/policy';
import { targetLabel } from '../core/unlocks';
import type { Grant } from '../core/unlocks';
import { committedManifest } from '../node/certifiedGrants';
import { grantStoreFor } from '../node/grantStore';
import { EnclosingWorkspaces, TooManyCheckouts } from './enclosingWorkspaces';
import { loadEnforcedManifest } from './enforcedManifest';
import { MAX_HARD_LINK_CANDIDATES, hardLinkTwin, linkChain } from './sameFile';
import { CliError, EXIT_FAIL, EXIT_OK, MAX_HOOK_PAYLOAD, parseCommandArgs, caseInsensitiveFs, formatProblems, isInputTooLarge } from './io';
import type { CliIo } from './io';

/** Exit code that denies: Claude Code blocks the tool call and shows stderr to the agent. */
export const EXIT_DENY = 2;

export const CHECK_HELP = `Usage: protected-files check <path>...
       <hook JSON on stdin> | protected-files check

Exit 0 when none of the paths is locked: not protected, or unlocked by a grant in force on
this clone (made in VS Code or with protected-files unlock); exit 2, with the tier, component
and risk on stderr, when one is locked.

Without paths, reads a Claude Code PreToolUse hook event from stdin
({"tool_name": "Edit", "tool_input": {"file_path": "..."}, "cwd": "..."}) and checks
tool_input.file_path, .path or .notebook_path; a tool call without a path is allowed.

Relative paths are resolved against the current directory (the event's "cwd" for hook
input); a path is judged by every folder above it, up to the top of its git checkout,
that holds ${MANIFEST_PATH} (or, when it was deleted, whose committed tree at
HEAD has it): any one that protects it protects it. A path outside every workspace
is not protected. A symlink or hard link to a protected file, and a path that
differs from a protected one only by case or Unicode normalization, count as that file.
A missing or broken manifest never loosens protection: the last valid committed version
stands in; with none, every path is denied.

Exit codes: 0 allowed, 2 protected (or the manifest is broken, so nothing can be decided),
1 bad arguments or unreadable hook input (so that a hook never blocks on its own mistake).
`;

export interface Target {
  /** As given. */
  input: string;
  /** Absolute. */
  absolute: string;
}

interface HookEvent {
  tool_name?: unknown;
  tool_input?: Record<string, unknown>;
  cwd?: unknown;
}

export async function runCheck(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs('check', args, { options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true }, EXIT_FAIL);
  if (parsed.values.help) {
    io.stdout(CHECK_HELP);
    return EXIT_OK;
  }
  let cwd = io.cwd;
  let paths = parsed.positionals;
  const fromHook = paths.length === 0;
  if (fromHook) {
    if (io.isTTY) throw new CliError('check needs paths, or a hook event as JSON on stdin.', 'See protected-files check --help.', EXIT_FAIL);
    const event = parseHookEvent(await io.stdin(MAX_HOOK_PAYLOAD).catch((err: unknown) => {
      if (!isInputTooLarge(err)) throw err;
      throw new CliError(`check could not read the hook event on stdin: it is larger than ${MAX_HOOK_PAYLOAD / 1024 / 1024} MB.`, 'Pipe a PreToolUse hook event, or pass paths as arguments.', EXIT_FAIL);
    }));
    if (typeof event.cwd === 'string' && event.cwd !== '') cwd = resolve(io.cwd, event.cwd);
    const input = event.tool_input ?? {};
    paths = ['file_path', 'path', 'notebook_path'].map((k) => input[k]).filter((v): v is string => typeof v === 'string' && v !== '');
    if (paths.length === 0) return EXIT_OK; // Bash, Read, a search: no file to protect here
  }
  const targets: Target[] = paths.map((p) => ({ input: p, absolute: resolve(cwd, p) }));

  // Every workspace around the paths and the folder: a manifest in a subfolder hides none above it.
  const workspaces = new EnclosingWorkspaces(io.env);
  workspaces.add(cwd);
  for (const t of targets) for (const p of linkChain(t.absolute)) workspaces.add(dirname(p));
  const roots = [...(await workspaces.all().catch((err: unknown) => {
    throw err instanceof TooManyCheckouts ? new CliError(`check: ${err.message}.`, 'Check fewer paths at once.', EXIT_DENY) : err;
  }))];
  if (roots.length === 0) {
    if (!fromHook) io.stderr(`protected-files: no ${MANIFEST_PATH} in ${cwd} or above; nothing is protected here.\n`);
    return EXIT_OK;
  }
  const judges: Judge[] = [];
  for (const root of roots) {
    // An agent reads stderr only when denied, and then it should read why, not the manifest's lint.
    const manifest = await loadEnforcedManifest([root], io, { quiet: fromHook });
    if (manifest.kind === 'none') continue;
    if (manifest.kind === 'undecidable') {
      io.stderr(
        `Protected Files: ${manifest.reason}, so it cannot be decided whether ` +
          `${targets.map((t) => t.input).join(', ')} may be edited; restore or fix the manifest in VS Code first` +
          `${manifest.problems.length > 0 ? `:\n${formatProblems(manifest.problems)}` : '.\n'}`,
      );
      return EXIT_DENY;
    }
    judges.push(judgeIn(manifest.root, manifest.manifest, io));
  }
  let denied = false;
  for (const target of targets) {
    // The strictest answer: a refusal of any workspace, else the grant of one that protects it.
    let verdict: CheckVerdict | undefined;
    for (const judge of judges) {
      const v = await judge(target);
      if (v?.kind === 'denied' || (v && !verdict)) verdict = v;
      if (verdict?.kind === 'denied') break;
    }
    if (verdict?.kind === 'granted') {
      if (!fromHook) io.stdout(`${target.input}: protected, unlocked until ${formatClock(verdict.grant.expiresAt)} (${targetLabel(verdict.grant.target)}: ${verdict.grant.reason})\n`);
    } else if (verdict) {
      denied = true;
      io.stderr(`${verdict.message}\n`);
    } else if (!fromHook) {
      io.stdout(`${target.input}: not protected\n`);
    }
  }
  return denied ? EXIT_DENY : EXIT_OK;
}

type Judge = (target: Target) => Promise<CheckVerdict | undefined>;

/** What the workspace at `root`, under `manifest`, says of a target. */
function judgeIn(root: string, manifest: Manifest, io: CliIo): Judge {
  const matcher = new ProtectionMatcher(manifest, { caseInsensitive: caseInsensitiveFs() });
  let foldedMatcher: ProtectionMatcher | undefined;
  // Compiled only for a path that is not protected as written; the platform's matcher serves where it folds case already.
  const folded = (): ProtectionMatcher[] => [caseInsensitiveFs() ? matcher : (foldedMatcher ??= new ProtectionMatcher(manifest, { caseInsensitive: true }))];
  // Grants made anywhere on this clone (VS Code, protected-files unlock), read once and only when needed.
  let grants: GrantState | undefined;
  const now = Date.now();
  const grantFor = async (rel: string, c: Classification): Promise<Grant | undefined> => {
    if (grants === undefined) {
      const store = grantStoreFor(root);
      grants = store?.readSync() ?? emptyGrantState();
      // A grant's key does not outlive it (KEY_GRACE_MS).
      await store?.dropEndedKeys(now, grants);
    }
    const inForce = certifiedGrantIn(grants, [manifest], rel, c, now);
    if (inForce || !grantIn(grants, rel, c.component?.name, now)) return inForce;
    // A grant that fails under the work tree's manifest may hold under the committed one (made before
    // the manifest gained its first signing code): git runs only in this case.
    return certifiedGrantIn(grants, [manifest, await committedManifest(root, io.env)], rel, c, now);
  };
  return (target) => deniedBecause(matcher, folded, root, target, io, grantFor);
}

/**
 * Why `target` may not be edited, or undefined: it is protected as written or as the file its
 * symlinks lead to; it is a hard link to a protected file; or it is a protected file on a
 * case-insensitive or Unicode-normalizing file system (a new `src/Booking/a.ts` on Linux).
 */
type CheckVerdict = { kind: 'denied'; message: string } | { kind: 'granted'; grant: Grant };

/** Why `target` may not be edited, or the grant that allows it; undefined where it is not protected. */
async function deniedBecause(
  matcher: ProtectionMatcher, folded: () => ProtectionMatcher[], root: string, target: Target, io: CliIo,
  grantFor: (rel: string, c: Classification) => Promise<Grant | undefined>,
): Promise<CheckVerdict | undefined> {
  const protectedAs = async (rel: string, shown: string, c: Classification): Promise<CheckVerdict> => {
    const grant = await grantFor(rel, c);
    return grant ? { kind: 'granted', grant } : { kind: 'denied', message: protectedMessage(shown, c) };
  };
  const hit = classifyTarget(matcher, root, target);
  if (hit) return protectedAs(hit.rel, hit.rel, hit.classification);
  const rel = relativeTo(root, target.absolute);
  if (rel === undefined) return undefined;
  const other = collision(rel, folded());
  if (other) return { kind: 'denied', message: `Protected Files: ${rel} ${collisionProblem(other)}; do not create or edit it.` };
  const twin = await hardLinkTwin(root, target.absolute, (p) => matcher.classify(p) !== undefined, io.env);
  if (twin.kind === 'twin') return protectedAs(twin.rel, `${rel} (a hard link to ${twin.rel})`, matcher.classify(twin.rel)!);
  if (twin.kind === 'too-many') {
    return { kind: 'denied', message: `Protected Files: ${rel} has other hard links, and there are more than ${MAX_HARD_LINK_CANDIDATES} protected files to compare it with, so it cannot be decided whether it is one of them; edit it in VS Code.` };
  }
  return undefined;
}

function parseHookEvent(text: string): HookEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError(
      text.trim() === '' ? 'check got no paths and nothing on stdin.' : 'check could not read the hook event on stdin: it is not JSON.',
      'Pass paths as arguments, or pipe a PreToolUse hook event ({"tool_input": {"file_path": "..."}}).',
      EXIT_FAIL,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CliError('check could not read the hook event on stdin: it is not a JSON object.', 'See protected-files check --help.', EXIT_FAIL);
  }
  const event = value as HookEvent;
  if (event.tool_input !== undefined && (event.tool_input === null || typeof event.tool_input !== 'object')) {
    return { ...event, tool_input: {} };
  }
  return event;
}

/** The target as a workspace-relative path, or undefined when it is outside the workspace. */
function relativeTo(root: string, absolute: string): string | undefined {
  const rel = relative(root, absolute);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

/**
 * Protected when the path as written, or the file it really is (through symlinks, also a dangling
 * one), is protected: `ln -s src/booking/a.ts x.ts` and then editing x.ts edits the protected file.
 */
export function classifyTarget(matcher: ProtectionMatcher, root: string, target: Target): { rel: string; classification: Classification } | undefined {
  for (const rel of relsUnder(root, linkChain(target.absolute))) {
    const classification = matcher.classify(rel);
    if (classification) return { rel, classification };
  }
  return undefined;
}

/**
 * The workspace-relative paths (`/`-separated) of the names in `chain` (linkChain) that are inside
 * `root`, as written or under its real path, in the chain's order, each once.
 */
export function relsUnder(root: string, chain: readonly string[]): string[] {
  let realRoot = root;
  try {
    realRoot = realpathSync.native(root);
  } catch {
    // keep root
  }
  const out = new Set<string>();
  for (const abs of chain) {
    for (const base of realRoot === root ? [root] : [root, realRoot]) {
      const rel = relativeTo(base, abs);
      if (rel) out.add(rel);
    }
  }
  return [...out];
}

/** The message an agent reads when an edit is denied; `unlockRel`: the file its unlock line names, when not `rel`. */
export function protectedMessage(rel: string, c: Classification, unlockRel = rel): string {
  const parts = [c.tier.badge, c.tier.label, c.component?.name ?? 'protection manifest and audit log'];
  const what = [...new Set(parts)].join(' · ');
  const risk = c.component?.risk ? ` ${sentence(c.component.risk)}` : '';
  const impact = c.component?.impact ? ` Impact: ${sentence(c.component.impact)}` : '';
  const name = c.component?.name;
  if (!c.tier.unlock.requireCode) {
    const line = name ? `echo 'UNLOCK ${name} FOR: <reason>' | protected-files unlock` : `protected-files unlock ${unlockRel} --reason '<reason>'`;
    return `Protected Files: ${rel} is protected (${what}):${risk}${impact} Unlock it with a reason first: in VS Code (Protected Files: Unlock…) or with \`${line}\`; do not edit it directly.`;
  }
  const line = name ? `echo 'UNLOCK ${name} WITH CODE: <code> FOR: <reason>' | protected-files unlock` : `protected-files unlock ${unlockRel}`;
  return `Protected Files: ${rel} is protected (${what}):${risk}${impact} Ask an owner to unlock it with their code and a reason: in VS Code (Protected Files: Unlock…), or an owner gives you a one-time code and you run \`${line}\`; do not edit it directly.`;
}

function sentence(text: string): string {
  const t = text.trim();
  // `\u2026` (…) spelled out: the guard's bundle stays ASCII, which its loader decodes fastest (src/node/cachedPart.ts).
  return /[.!?\u2026]$/.test(t) ? t : `${t}.`;
}

export type LoadedManifest = { ok: true; manifest: Manifest | undefined } | { ok: false; problems: ManifestProblem[]; reason: string };

/**
 * The manifest enforced for `root` (see loadEnforcedManifest: a missing or broken manifest never
 * loosens protection), for the agents' hook; quiet, as the hook's stderr is the agent's reason.
 */
export async function loadManifest(root: string, io: CliIo): Promise<LoadedManifest> {
  const m = await loadEnforcedManifest([root], io, { quiet: true });
  if (m.kind === 'ok') return { ok: true, manifest: m.manifest };
  if (m.kind === 'none') return { ok: true, manifest: undefined };
  return { ok: false, problems: m.problems, reason: m.reason };
}
