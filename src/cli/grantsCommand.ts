// `protected-files unlock | relock | status | record`: the unlock procedure of the protocol
// documents, on the command line and for agents, against the same per-clone grant store as every
// VS Code window. Codes come from a no-echo prompt or from the one-line form on stdin, and are
// never printed, logged or recorded.
import { createInterface } from 'node:readline';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { entryOwner } from '../core/codes';
import type { CodeMatch } from '../core/codes';
import { stateObjects } from '../core/grantState';
import type { GrantState } from '../core/grantState';
import { MANIFEST_PATH } from '../core/manifest';
import { manifestText } from '../core/manifestText';
import type { Component, Manifest, Tier } from '../core/manifest';
import { ProtectionMatcher } from '../core/matcher';
import type { Classification } from '../core/matcher';
import { acceptedCodeHashes, codesRequired, formatClock, formatRemaining, reasonProblem, unlockTargetFor } from '../core/policy';
import { parseUnlockLine } from '../core/unlockLine';
import { targetKey, targetLabel } from '../core/unlocks';
import type { Grant, UnlockTarget } from '../core/unlocks';
import { judgeWorkTreeManifest, notApprovedNote } from '../node/approvedManifest';
import { certifiedGrants } from '../node/certifiedGrants';
import { runGit } from '../node/gitChanges';
import { notRecordedLine, recordGrantChanges, recordedLinkLine } from '../node/grantChanges';
import type { GrantFile, NotRecorded } from '../node/grantChanges';
import { grantStoreFor } from '../node/grantStore';
import type { GrantStore } from '../node/grantStore';
import { AuditRecorder } from '../node/recorder';
import { checkCode, denyUnlock, endGrantWith, grantUnlock, lockedUntilIn, spentOneTimeKeys } from '../node/unlocking';
import type { UnlockDeps } from '../node/unlocking';
import { loadEnforcedManifest, manifestOrThrow } from './enforcedManifest';
import { CliError, EXIT_FAIL, EXIT_OK, caseInsensitiveFs, findWorkspaceRoot, parseCommandArgs, readSecretFromTty, readWorkTreeManifestBytes } from './io';
import type { CliIo } from './io';

export const UNLOCK_HELP = `Usage: protected-files unlock <COMPONENT|path> [--reason <text>] [--minutes <n>]
       echo 'UNLOCK <COMPONENT> WITH CODE: <code> FOR: <reason>' | protected-files unlock

Unlocks a component (or a protected file that belongs to none) for this clone: every VS Code
window on the folder, the command line and the agents' hooks see the grant at once. In a
terminal the code is asked at a prompt that does not echo it (two codes from two different
owners where the tier's "approvals" is 2); the reason comes from --reason or a prompt. Piped
input is the protocol's one-line form (one line per code), so a script or an agent can run it.

Wrong codes count towards the lockout the editor enforces (5 within 15 minutes lock the
component for 15 minutes). A one-time code opens one grant only. The grant ends at the
tier's time limit, with protected-files relock, or once its first change is recorded.

Exit codes: 0 unlocked; 1 refused (wrong code, lockout, reason too short, one-time code
already used); 2 usage, manifest or git error.
`;

export const RELOCK_HELP = `Usage: protected-files relock [<COMPONENT|path> | --all]

Ends grants now, everywhere on this clone (VS Code windows included). Changes made under a
grant that are not recorded yet are recorded first, signed under the grant. Without an
argument, every grant of the folder ends.

Exit codes: 0 relocked (or nothing was unlocked); 2 usage, manifest or git error.
`;

export const STATUS_HELP = `Usage: protected-files status [--json]

Every protected file with its tier, component and lock state, and for each grant in force
who unlocked it, why and until when.

Exit codes: 0; 2 usage, manifest or git error.
`;

export const RECORD_HELP = `Usage: protected-files record [<path>...]

Records the changes made to files whose grant is in force (for tools without a watcher):
each changed file gets a "change" record (or "delete") with the grant's reason, signed under
the grant; then the grant ends (the tier's rule: relock after the first recorded change).
Without paths, every file the grants cover is checked. A symbolic link is recorded as one
(its target's text, as git stores it) and never read through; a named pipe, a socket or a
device at a protected path, and a path below a linked folder, are named and not recorded.

Exit codes: 0 recorded (or nothing to record); 1 a path has no grant in force, or a file
could not be recorded (named on stderr; the others are recorded); 2 usage, manifest or git
error.
`;

interface FolderContext {
  root: string;
  manifest: Manifest;
  matcher: ProtectionMatcher;
  store: GrantStore;
  deps: UnlockDeps;
}

/**
 * The folder's manifest, grant store and recorder. `readOnly` (status): a manifest with errors is
 * stood in for by the last valid committed one, as `check` does (said on stderr); the commands that
 * unlock or record stop at the errors.
 */
async function openFolder(io: CliIo, readOnly = false): Promise<FolderContext> {
  const root = findWorkspaceRoot(io.cwd);
  if (!root) {
    throw new CliError(`No protection manifest: no ${MANIFEST_PATH} in ${io.cwd} or above.`, 'Run this inside the repository that has it.');
  }
  const bytes = readWorkTreeManifestBytes(root);
  let manifest: Manifest;
  try {
    manifest = manifestOrThrow(bytes ? manifestText(bytes) : '', MANIFEST_PATH);
  } catch (err) {
    const enforced = readOnly ? await loadEnforcedManifest([root], io) : undefined;
    if (enforced?.kind !== 'ok') throw err;
    manifest = enforced.manifest;
  }
  // Codes, tiers and components come from the approved manifest only: one written past the hook with
  // a tier of the writer's own code unlocks nothing (src/node/approvedManifest.ts).
  if (bytes) {
    const verdict = await judgeWorkTreeManifest(root, bytes, { env: io.env, caseInsensitive: caseInsensitiveFs() });
    if (verdict.approved === 'undecidable') {
      throw new CliError(`${MANIFEST_PATH} was changed without an unlock, and no approved version of it can be found.`, `Undo the change (git checkout -- ${MANIFEST_PATH}).`);
    }
    if (!verdict.approved) {
      io.stderr(notApprovedNote(MANIFEST_PATH, verdict.version));
      manifest = verdict.manifest;
    }
  }
  const store = grantStoreFor(root);
  if (!store) {
    throw new CliError(`${root} is not in a git repository: grants are kept in the repository's git directory.`, 'Run git init (or work in a clone) first.');
  }
  // A grant's key does not outlive it (KEY_GRACE_MS): every command that opens the store drops ended ones.
  await store.dropEndedKeys();
  const matcher = new ProtectionMatcher(manifest, { caseInsensitive: caseInsensitiveFs() });
  const recorder = new AuditRecorder(root);
  return { root, manifest, matcher, store, deps: { folderPath: root, store, recorder, now: Date.now } };
}

interface Resolved {
  target: UnlockTarget;
  tier: Tier;
  component: Component | undefined;
  classification: Classification;
}

/** A component by name (exact, then ignoring case), else a path relative to the current directory. */
function resolveTarget(ctx: FolderContext, cwd: string, arg: string): Resolved {
  const byName = ctx.manifest.components.find((c) => c.name === arg) ?? ctx.manifest.components.find((c) => c.name.toUpperCase() === arg.toUpperCase());
  if (byName) {
    const tier = ctx.manifest.tiers.find((t) => t.id === byName.tier)!;
    return { target: { kind: 'component', name: byName.name }, tier, component: byName, classification: { tier, component: byName, pattern: '' } };
  }
  const rel = relativeToRoot(ctx.root, resolve(cwd, arg));
  const c = rel !== undefined ? ctx.matcher.classify(rel) : undefined;
  if (!c || rel === undefined) {
    const looksLikeName = /^[A-Z0-9_.-]+$/.test(arg) && !arg.includes('.');
    throw new CliError(
      looksLikeName ? `No component named ${arg.slice(0, 80)} in ${MANIFEST_PATH}.` : `${arg.slice(0, 200)} is not a protected file of this folder.`,
      `Components: ${ctx.manifest.components.map((x) => x.name).join(', ') || '(none)'}. See protected-files status.`,
    );
  }
  return { target: unlockTargetFor(c, rel), tier: c.tier, component: c.component, classification: c };
}

function relativeToRoot(root: string, absolute: string): string | undefined {
  const rel = relative(root, absolute);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

function readLineFromTty(prompt: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  return new Promise((resolveLine) => rl.question(prompt, (answer) => { rl.close(); resolveLine(answer); }));
}

export async function runUnlock(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('unlock', args, {
    options: { reason: { type: 'string' }, minutes: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(UNLOCK_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 1) throw new CliError('unlock takes one component or path.', 'See protected-files unlock --help.');
  let minutes: number | undefined;
  if (values.minutes !== undefined) {
    if (!/^[1-9][0-9]{0,5}$/.test(values.minutes)) throw new CliError('--minutes needs a whole number of minutes, such as 15.', 'See protected-files unlock --help.');
    minutes = Number(values.minutes);
  }
  // The one-line form on stdin (non-interactive: an agent, a script); never echoed back.
  let lineCodes: string[] = [];
  let lineReason: string | undefined;
  let lineComponent: string | undefined;
  if (!io.isTTY) {
    const text = await io.stdin();
    for (const raw of text.split(/\r?\n/)) {
      if (raw.trim() === '') continue;
      const line = parseUnlockLine(raw);
      if (!line) throw new CliError('stdin is not the one-line form.', 'Pipe: UNLOCK <COMPONENT> WITH CODE: <code> FOR: <reason> (one line per code), or run unlock in a terminal.');
      if (line.kind === 'invalid') throw new CliError(line.message);
      if (lineComponent !== undefined && line.component.toUpperCase() !== lineComponent.toUpperCase()) {
        throw new CliError('The lines on stdin name different components; unlock one at a time.');
      }
      lineComponent ??= line.component;
      lineReason ??= line.reason;
      if (line.code !== undefined) lineCodes.push(line.code);
    }
  }
  const arg = positionals[0] ?? lineComponent;
  if (arg === undefined) throw new CliError('unlock needs a component or a path (or the one-line form on stdin).', 'See protected-files unlock --help.');
  const ctx = await openFolder(io);
  const r = resolveTarget(ctx, io.cwd, arg);
  if (lineComponent !== undefined && (r.target.kind !== 'component' || r.target.name.toUpperCase() !== lineComponent.toUpperCase())) {
    throw new CliError(`The line on stdin unlocks ${lineComponent}, not ${arg.slice(0, 80)}; nothing was unlocked.`);
  }
  const label = targetLabel(r.target);
  const now = Date.now();
  const state = await ctx.store.read();
  const lockedUntil = lockedUntilIn(state, r.target, now);
  if (lockedUntil !== undefined) {
    io.stderr(`protected-files: unlocking ${label} is refused until ${formatClock(lockedUntil)} after repeated wrong codes.\n`);
    return EXIT_FAIL;
  }
  let reason = values.reason ?? lineReason;
  if (reason === undefined && io.isTTY) reason = await readLineFromTty(`Why do you need to change ${label}? (at least ${r.tier.unlock.minReasonLength} characters) `);
  const problem = reasonProblem(reason ?? '', r.tier);
  if (problem) {
    io.stderr(`protected-files: ${problem} Nothing was unlocked.\n`);
    return EXIT_FAIL;
  }
  const needed = codesRequired(r.tier);
  const entries = acceptedCodeHashes(ctx.manifest, r.classification);
  const matches: CodeMatch[] = [];
  if (needed > 0 && entries.length > 0) {
    if (io.isTTY && lineCodes.length === 0) {
      lineCodes = [];
      for (let i = 0; i < needed; i++) {
        const code = await readSecretFromTty(needed > 1 ? `Code ${i + 1} of ${needed} (owner ${i + 1}) for ${label}: ` : `Unlock code for ${label}: `, io.stderr);
        if (code === '') throw new CliError('No code was typed; nothing was unlocked.');
        lineCodes.push(code);
      }
    }
    if (lineCodes.length < needed) {
      throw new CliError(
        `${label} needs ${needed === 1 ? 'an owner\'s code' : `${needed} codes from different owners`}; nothing was unlocked.`,
        needed === 1 ? 'Pipe UNLOCK <COMPONENT> WITH CODE: <code> FOR: <reason>, or run unlock in a terminal.' : 'Pipe one UNLOCK … WITH CODE: … FOR: … line per owner.',
      );
    }
    const spent = await spentOneTimeKeys(ctx.deps);
    const owners = new Set<string>();
    for (let i = 0; i < needed; i++) {
      const outcome = await checkCode(lineCodes[i], entries, owners, spent);
      if (outcome.kind === 'match') {
        matches.push(outcome.match);
        owners.add(entryOwner(outcome.match.entry));
        continue;
      }
      if (outcome.kind === 'spent') {
        io.stderr(`protected-files: that one-time code was already used; it opens one grant only. Nothing was unlocked.\n`);
        return EXIT_FAIL;
      }
      if (outcome.kind === 'same-owner') {
        io.stderr(`protected-files: code ${i + 1} belongs to an owner whose code was already given: ${label} needs codes from ${needed} different owners. Nothing was unlocked.\n`);
        return EXIT_FAIL;
      }
      const denied = await denyUnlock(ctx.deps, r.target, r.tier, needed > 1 ? `wrong code ${i + 1} of ${needed} (command line)` : 'wrong code (command line)');
      if (denied.lockedUntil !== undefined) {
        io.stderr(`protected-files: wrong code for ${label}. After ${denied.failures} wrong codes, unlocking it is refused until ${formatClock(denied.lockedUntil)}.\n`);
      } else {
        const left = stateObjects(await ctx.store.read()).failures.remaining(targetKey(r.target), Date.now());
        io.stderr(`protected-files: wrong code for ${label}: nothing was unlocked. ${left} attempt${left === 1 ? '' : 's'} left before unlocking is refused for a while.\n`);
      }
      return EXIT_FAIL;
    }
  } else if (needed > 0) {
    io.stderr(`protected-files: warning: ${label} is in ${r.tier.label}, which needs a code, but has no unlock code yet; unlocked with a reason only. Set one with protected-files hash-code.\n`);
  }
  const actor = await ctx.deps.recorder.currentActor();
  const grant = await grantUnlock(ctx.deps, r.target, r.tier, reason!, matches, actor.email || actor.name, minutes);
  const signed = grant.key ? ', signed by the owner\'s code' : '';
  io.stdout(`${label} unlocked until ${formatClock(grant.expiresAt)} (${formatRemaining(grant.expiresAt - Date.now())}${signed}). Make the change; it is recorded and relocked when VS Code saves it, or run: protected-files record\n`);
  return EXIT_OK;
}

/** Protected files of the folder: tracked and untracked-but-not-ignored files, classified. */
async function protectedFiles(ctx: FolderContext, io: CliIo): Promise<GrantFile[]> {
  return (await protectedPaths(ctx, io)).files;
}

/**
 * The protected files of the folder, tracked or not ignored; apart, those whose names are not UTF-8
 * (their bytes read as U+FFFD): no record can name them (an audit record is JSON text), and the name
 * read is not the file's.
 */
async function protectedPaths(ctx: FolderContext, io: CliIo): Promise<{ files: GrantFile[]; unnamable: string[] }> {
  const r = await runGit(['ls-files', '-z', '-c', '-o', '--exclude-standard'], ctx.root, io.env);
  if (r.code !== 0) throw new CliError(`git ls-files failed: ${r.stderr.split('\n')[0]}`);
  const out: GrantFile[] = [];
  const unnamable: string[] = [];
  const seen = new Set<string>();
  for (const rel of r.stdout.toString('utf8').split('\0')) {
    if (!rel || seen.has(rel)) continue;
    seen.add(rel);
    const c = ctx.matcher.classify(rel);
    if (!c || /^\.protection\/(audit\.jsonl|backups\/)/.test(rel)) continue;
    if (rel.includes('\uFFFD')) unnamable.push(rel);
    else out.push({ rel, classification: c });
  }
  return { files: out, unnamable };
}

function covers(g: Grant, f: GrantFile): boolean {
  return g.target.kind === 'component' ? f.classification.component?.name === g.target.name : f.classification.component === undefined && g.target.path === f.rel;
}

function tierOf(ctx: FolderContext, target: UnlockTarget): string | undefined {
  if (target.kind === 'component') return ctx.manifest.components.find((c) => c.name === target.name)?.tier;
  return ctx.matcher.classify(target.path)?.tier.id;
}

/** Ends `grant`: records what was changed under it first, then the relock. */
async function finishGrant(ctx: FolderContext, io: CliIo, grant: Grant, files: readonly GrantFile[], why: 'relock' | 'saved' | 'expire'): Promise<string[]> {
  const lines: string[] = [];
  const ended = await endGrantWith(ctx.deps, grant, why, tierOf(ctx, grant.target), async (current) => {
    const { recorded, notRecorded } = await recordGrantChanges(ctx.root, ctx.deps.recorder, current, files.filter((f) => covers(current, f)), io.env);
    for (const c of recorded) lines.push(`recorded ${c.record.event} ${c.rel} (seq ${c.record.seq})`);
    for (const c of recorded) if (c.link) io.stderr(`protected-files: ${recordedLinkLine(c.rel)}\n`);
    for (const n of notRecorded) io.stderr(`protected-files: ${notRecordedLine(n)}\n`);
  });
  if (ended) lines.push(`${targetLabel(grant.target)} relocked`);
  return lines;
}

function activeGrants(state: GrantState, now: number): Grant[] {
  return state.grants.filter((g) => g.expiresAt > now);
}

export async function runRelock(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('relock', args, {
    options: { all: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true,
  });
  if (values.help) {
    io.stdout(RELOCK_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 1 || (values.all && positionals.length > 0)) throw new CliError('relock takes one component or path, or --all.', 'See protected-files relock --help.');
  const ctx = await openFolder(io);
  const state = await ctx.store.read();
  let grants = state.grants;
  if (positionals.length === 1) {
    const r = resolveTarget(ctx, io.cwd, positionals[0]);
    grants = grants.filter((g) => targetKey(g.target) === targetKey(r.target));
    if (grants.length === 0) {
      io.stdout(`${targetLabel(r.target)} is not unlocked.\n`);
      return EXIT_OK;
    }
  }
  if (grants.length === 0) {
    io.stdout('Nothing is unlocked.\n');
    return EXIT_OK;
  }
  const files = await protectedFiles(ctx, io);
  const now = Date.now();
  for (const g of grants) {
    for (const line of await finishGrant(ctx, io, g, files, g.expiresAt <= now ? 'expire' : 'relock')) io.stdout(`${line}\n`);
  }
  return EXIT_OK;
}

export async function runRecord(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('record', args, { options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  if (values.help) {
    io.stdout(RECORD_HELP);
    return EXIT_OK;
  }
  const ctx = await openFolder(io);
  const now = Date.now();
  const state = await certifiedStoreState(ctx, io);
  const registry = stateObjects(state).registry;
  const listed = await protectedPaths(ctx, io);
  let files = listed.files;
  if (positionals.length > 0) {
    const wanted: GrantFile[] = [];
    for (const p of positionals) {
      const rel = relativeToRoot(ctx.root, resolve(io.cwd, p));
      const c = rel !== undefined ? ctx.matcher.classify(rel) : undefined;
      if (!c || rel === undefined) throw new CliError(`${p.slice(0, 200)} is not a protected file of this folder.`);
      const grant = registry.find(rel, c.component?.name, now);
      if (!grant) {
        io.stderr(`protected-files: ${rel} has no grant in force (locked, or its grant expired); nothing was recorded. Unlock it first: protected-files unlock ${c.component?.name ?? rel}\n`);
        return EXIT_FAIL;
      }
      wanted.push({ rel, classification: c });
    }
    files = wanted;
  }
  const grants = activeGrants(state, now).filter((g) => files.some((f) => covers(g, f)));
  if (grants.length === 0) {
    io.stdout('No grant in force: nothing to record.\n');
    return EXIT_OK;
  }
  let any = false;
  const notRecorded: NotRecorded[] = [];
  for (const g of grants) {
    // The tier's rule: the grant ends once its change is recorded (a grant with nothing to record stays).
    let recordedAny = false;
    const ended = await endGrantWith(ctx.deps, g, 'saved', tierOf(ctx, g.target), async (current) => {
      const recording = await recordGrantChanges(ctx.root, ctx.deps.recorder, current, files.filter((f) => covers(current, f)), io.env);
      for (const c of recording.recorded) io.stdout(`recorded ${c.record.event} ${c.rel} (seq ${c.record.seq}, ${targetLabel(g.target)}: ${g.reason})\n`);
      for (const c of recording.recorded) if (c.link) io.stderr(`protected-files: ${recordedLinkLine(c.rel)}\n`);
      notRecorded.push(...recording.notRecorded);
      recordedAny = recording.recorded.length > 0;
      return recordedAny;
    });
    any ||= recordedAny;
    if (ended) io.stdout(`${targetLabel(g.target)} relocked\n`);
  }
  // Said, never skipped in silence: the commit gate refuses them, and nothing here can record them.
  for (const rel of listed.unnamable) io.stderr(`protected-files: ${rel} (the \uFFFD stands for bytes that are not UTF-8): an audit record cannot name a file whose name is not UTF-8, so its change cannot be recorded. Rename it (git mv) while it is unlocked, then run protected-files record again.\n`);
  for (const n of notRecorded) io.stderr(`protected-files: ${notRecordedLine(n)}\n`);
  if (!any) io.stdout('No changes to record.\n');
  return listed.unnamable.length > 0 || notRecorded.length > 0 ? EXIT_FAIL : EXIT_OK;
}

/** The grant store's state, with only the grants an owner's code certified (what check and record honour). */
async function certifiedStoreState(ctx: FolderContext, io: CliIo): Promise<GrantState> {
  return certifiedGrants(await ctx.store.read(), ctx.root, ctx.manifest, (p) => ctx.matcher.classify(p), io.env);
}

/**
 * Whether a certified grant in force covers the folder-relative path `rel` of the folder at
 * `io.cwd`: what `record` needs to record a change of it (and the import asks before it writes).
 */
export async function grantInForce(io: CliIo, rel: string): Promise<boolean> {
  const ctx = await openFolder(io);
  const c = ctx.matcher.classify(rel);
  return c !== undefined && stateObjects(await certifiedStoreState(ctx, io)).registry.find(rel, c.component?.name, Date.now()) !== undefined;
}

export interface StatusJson {
  folder: string;
  grants: { target: string; component?: string; file?: string; reason: string; by?: string; since: string; until: string; signed: boolean }[];
  files: { file: string; tier: string; component: string | null; locked: boolean }[];
}

export async function runStatus(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs('status', args, { options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: false });
  if (values.help) {
    io.stdout(STATUS_HELP);
    return EXIT_OK;
  }
  const ctx = await openFolder(io, true);
  const now = Date.now();
  const grants = activeGrants(await certifiedStoreState(ctx, io), now);
  const files = await protectedFiles(ctx, io);
  const locked = (f: GrantFile): boolean => !grants.some((g) => covers(g, f));
  if (values.json) {
    const json: StatusJson = {
      folder: ctx.root,
      grants: grants.map((g) => ({
        target: targetLabel(g.target), ...(g.target.kind === 'component' ? { component: g.target.name } : { file: g.target.path }),
        reason: g.reason, ...(g.by ? { by: g.by } : {}), since: new Date(g.grantedAt).toISOString(), until: new Date(g.expiresAt).toISOString(), signed: g.key !== undefined,
      })),
      files: files.map((f) => ({ file: f.rel, tier: f.classification.tier.id, component: f.classification.component?.name ?? null, locked: locked(f) })),
    };
    io.stdout(`${JSON.stringify(json, null, 2)}\n`);
    return EXIT_OK;
  }
  const lines: string[] = [];
  lines.push(grants.length === 0 ? 'Nothing is unlocked.' : `${grants.length} unlocked:`);
  for (const g of grants) {
    lines.push(`  ${targetLabel(g.target)}  by ${g.by ?? 'unknown'} until ${formatClock(g.expiresAt)} (${formatRemaining(g.expiresAt - now)} left)${g.key ? ', signed' : ''} — ${g.reason}`);
  }
  lines.push(`${files.length} protected file(s):`);
  for (const f of files) {
    const c = f.classification;
    lines.push(`  ${locked(f) ? 'locked  ' : 'UNLOCKED'}  ${c.tier.badge.padEnd(2)}  ${(c.component?.name ?? '.protection').padEnd(20)}  ${f.rel}`);
  }
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT_OK;
}
