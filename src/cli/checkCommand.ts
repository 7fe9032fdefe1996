// `protected-files check <path>...`: may these files be edited? The contract of Claude Code's
// PreToolUse hooks: exit 0 allows, exit 2 denies and stderr tells the agent why. Runs before
// every agent edit, so it spawns no git unless the manifest on disk is broken.
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { MANIFEST_PATH, parseManifest } from '../core/manifest';
import type { Manifest } from '../core/manifest';
import { ProtectionMatcher } from '../core/matcher';
import type { Classification } from '../core/matcher';
import { emptyGrantState, grantIn } from '../core/grantState';
import type { GrantState } from '../core/grantState';
import { formatClock } from '../core/policy';
import { targetLabel } from '../core/unlocks';
import { runGit } from '../node/gitChanges';
import { grantStoreFor } from '../node/grantStore';
import { CliError, EXIT_FAIL, EXIT_OK, parseCommandArgs, caseInsensitiveFs, findWorkspaceRoot, formatProblems, readWorkTreeManifest } from './io';
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
input); the workspace is the nearest folder above that holds ${MANIFEST_PATH}.
A path outside the workspace is not protected.

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
    const event = parseHookEvent(await io.stdin());
    if (typeof event.cwd === 'string' && event.cwd !== '') cwd = resolve(io.cwd, event.cwd);
    const input = event.tool_input ?? {};
    paths = ['file_path', 'path', 'notebook_path'].map((k) => input[k]).filter((v): v is string => typeof v === 'string' && v !== '');
    if (paths.length === 0) return EXIT_OK; // Bash, Read, a search: no file to protect here
  }
  const targets: Target[] = paths.map((p) => ({ input: p, absolute: resolve(cwd, p) }));

  const root = findWorkspaceRoot(cwd) ?? findWorkspaceRoot(commonDir(targets));
  if (!root) {
    if (!fromHook) io.stderr(`protected-files: no ${MANIFEST_PATH} in ${cwd} or above; nothing is protected here.\n`);
    return EXIT_OK;
  }
  const manifest = await loadManifest(root, io);
  if (!manifest.ok) {
    io.stderr(
      `Protected Files: the protection manifest ${MANIFEST_PATH} has errors, so it cannot be decided whether ` +
        `${targets.map((t) => t.input).join(', ')} may be edited; fix the manifest in VS Code first:\n${formatProblems(manifest.problems)}`,
    );
    return EXIT_DENY;
  }
  const matcher = new ProtectionMatcher(manifest.manifest, { caseInsensitive: caseInsensitiveFs() });
  // Grants made anywhere on this clone (VS Code, protected-files unlock), read once and only when needed.
  let grants: GrantState | undefined;
  const now = Date.now();
  let denied = false;
  for (const target of targets) {
    const hit = classifyTarget(matcher, root, target);
    const grant = hit && grantIn((grants ??= grantStoreFor(root)?.readSync() ?? emptyGrantState()), hit.rel, hit.classification.component?.name, now);
    if (hit && grant) {
      if (!fromHook) io.stdout(`${target.input}: protected, unlocked until ${formatClock(grant.expiresAt)} (${targetLabel(grant.target)}: ${grant.reason})\n`);
    } else if (hit) {
      denied = true;
      io.stderr(`${protectedMessage(hit.rel, hit.classification)}\n`);
    } else if (!fromHook) {
      io.stdout(`${target.input}: not protected\n`);
    }
  }
  return denied ? EXIT_DENY : EXIT_OK;
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

/** The deepest folder that holds every target, to find a workspace when cwd is outside it. */
function commonDir(targets: readonly Target[]): string {
  const split = targets.map((t) => resolve(t.absolute, '..').split(sep));
  const first = split[0] ?? [];
  let n = first.length;
  for (const parts of split) {
    let i = 0;
    while (i < n && i < parts.length && parts[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(sep) || sep;
}

/** The target as a workspace-relative path, or undefined when it is outside the workspace. */
function relativeTo(root: string, absolute: string): string | undefined {
  const rel = relative(root, absolute);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

/**
 * Protected when the path as written, or the file it really is (through symlinks), is protected:
 * `ln -s src/booking/a.ts x.ts` and then editing x.ts edits the protected file.
 */
export function classifyTarget(matcher: ProtectionMatcher, root: string, target: Target): { rel: string; classification: Classification } | undefined {
  const candidates = [target.absolute];
  try {
    candidates.push(realpathSync(target.absolute));
    candidates.push(resolve(realpathSync(root), relative(root, target.absolute)));
  } catch {
    // a new file: there is no real path yet
  }
  let realRoot = root;
  try {
    realRoot = realpathSync(root);
  } catch {
    // keep root
  }
  for (const abs of candidates) {
    for (const base of [root, realRoot]) {
      const rel = relativeTo(base, abs);
      const classification = rel ? matcher.classify(rel) : undefined;
      if (rel && classification) return { rel, classification };
    }
  }
  return undefined;
}

/** The message an agent reads when an edit is denied. */
export function protectedMessage(rel: string, c: Classification): string {
  const parts = [c.tier.badge, c.tier.label, c.component?.name ?? 'protection manifest and audit log'];
  const what = [...new Set(parts)].join(' · ');
  const risk = c.component?.risk ? ` ${sentence(c.component.risk)}` : '';
  const impact = c.component?.impact ? ` Impact: ${sentence(c.component.impact)}` : '';
  const name = c.component?.name;
  if (!c.tier.unlock.requireCode) {
    const line = name ? `echo 'UNLOCK ${name} FOR: <reason>' | protected-files unlock` : `protected-files unlock ${rel} --reason '<reason>'`;
    return `Protected Files: ${rel} is protected (${what}):${risk}${impact} Unlock it with a reason first: in VS Code (Protected Files: Unlock…) or with \`${line}\`; do not edit it directly.`;
  }
  const line = name ? `echo 'UNLOCK ${name} WITH CODE: <code> FOR: <reason>' | protected-files unlock` : `protected-files unlock ${rel}`;
  return `Protected Files: ${rel} is protected (${what}):${risk}${impact} Ask an owner to unlock it with their code and a reason: in VS Code (Protected Files: Unlock…), or an owner gives you a one-time code and you run \`${line}\`; do not edit it directly.`;
}

function sentence(text: string): string {
  const t = text.trim();
  return /[.!?…]$/.test(t) ? t : `${t}.`;
}

export type LoadedManifest = { ok: true; manifest: Manifest | undefined } | { ok: false; problems: ReturnType<typeof parseManifest>['problems'] };

/**
 * The work tree's manifest. A broken one never loosens protection: the committed version
 * (HEAD) stands in for it; with neither, nothing can be decided.
 */
export async function loadManifest(root: string, io: CliIo): Promise<LoadedManifest> {
  const text = await readWorkTreeManifest(root);
  const parsed = parseManifest(text ?? '');
  if (parsed.manifest) return { ok: true, manifest: parsed.manifest };
  const committed = await runGit(['show', `HEAD:${MANIFEST_PATH}`], root, io.env).catch(() => undefined);
  const fallback = committed?.code === 0 ? parseManifest(committed.stdout.toString('utf8')).manifest : undefined;
  if (fallback) {
    io.stderr(`protected-files: ${MANIFEST_PATH} has errors; using the version committed at HEAD.\n`);
    return { ok: true, manifest: fallback };
  }
  return { ok: false, problems: parsed.problems.filter((p) => p.severity === 'error') };
}
