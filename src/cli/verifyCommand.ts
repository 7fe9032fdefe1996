// `protected-files verify --staged | --base <ref> [--head <ref>] [--json]`: the gate for
// pre-commit hooks and CI. Every protected file the change touches needs its audit record, and
// the audit log must verify and may only grow.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { countWholeAuditLog, parseAuditLog, parseWholeAuditLog, verifyChain } from '../core/audit';
import { collision } from '../core/collisions';
import { MANIFEST_PATH, parseManifest, strictestTier } from '../core/manifest';
import type { Manifest, ManifestProblem } from '../core/manifest';
import { manifestText } from '../core/manifestText';
import { BUILTIN_PROTECTION_TIER, ProtectionMatcher } from '../core/matcher';
import { AUDIT_LOG, GIT_MODE, auditLogChange, checkAuditLog, contentHashes, decideVerify, foldedScreen, parseVerifiedAudit, protectedItems, renderVerifyReport } from '../core/verify';
import type { AuditCheck, CheckedItem, ParsedAudit, VerifyInput, VerifyReport } from '../core/verify';
import { startRangeChanges, startStagedChanges } from '../node/gitChanges';
import { parseGitOutput, stagedChangesFromOutput } from '../node/hookGitOutput';
import { noteCodePath } from '../core/codePath';
import { nodeCrypto } from '../core/nodeCrypto';
import type { ChangeSet } from '../node/gitChanges';
import { manifestOrThrow, printWarnings } from './enforcedManifest';
import { CliError, EXIT_FAIL, EXIT_OK, parseCommandArgs, caseInsensitiveFs, findWorkspaceRoot } from './io';
import type { CliIo } from './io';
import { readRegularFile } from '../node/regularFile';
import { VerifiedLogs } from '../node/verifiedLogs';
import type { VerifiedLog } from '../node/verifiedLogs';

export const VERIFY_HELP = `Usage: protected-files verify --staged [--json]
       protected-files verify --base <ref> [--head <ref>] [--json]

Checks that every added, changed, renamed or deleted protected file has its audit record:
a "change" record whose "after" hash is the sha256 of the content being committed, or a
"delete" record for a deletion. The audit log must verify as a chain and may only grow.
The manifest and the audit log are read from the version being verified, not the work tree.
A path protected by any manifest on either side counts (for --base: the merge base, the
tip of <ref> and <head>). A change of type or mode, a conflict, and a path that is a
protected one up to case or Unicode normalization count as changes of protected files.

  --staged        the index against HEAD (for a pre-commit hook)
  --base <ref>    the changes of <head> since it left <ref> (git diff <ref>...<head>), for CI
  --head <ref>    default HEAD
                  A name that means more than one ref (a tag origin/main beside the remote
                  branch) is refused: write the full ref, such as refs/remotes/origin/main.
  --json          print a machine-readable report on stdout
  --git-output    with --staged: standard input holds git's answers, as the pre-commit hook
                  written by install-hooks gives them (git runs while Node starts); input in
                  any other form is ignored and git is run as without it

Exit codes: 0 pass, 1 violations, 2 usage, manifest or git error.
`;

/** The report plus what was compared, as printed by --json. */
export interface VerifyJson extends VerifyReport {
  mode: 'staged' | 'range';
  base: string | null;
  head: string | null;
}

export async function runVerify(args: string[], io: CliIo): Promise<number> {
  const { values } = parseOrThrow(args);
  if (values.help) {
    io.stdout(VERIFY_HELP);
    return EXIT_OK;
  }
  if (values.staged && (values.base !== undefined || values.head !== undefined)) {
    throw new CliError('verify takes either --staged or --base <ref> [--head <ref>], not both.', 'See protected-files verify --help.');
  }
  if (!values.staged && values.base === undefined) {
    throw new CliError(
      values.head !== undefined ? '--head needs --base <ref>.' : 'verify needs --staged (pre-commit) or --base <ref> (CI).',
      'See protected-files verify --help.',
    );
  }
  for (const [name, ref] of [['--base', values.base], ['--head', values.head]] as const) {
    if (ref !== undefined && (ref === '' || ref.startsWith('-'))) throw new CliError(`${name} needs a ref, such as origin/main.`, 'See protected-files verify --help.');
  }
  if (values['git-output'] && !values.staged) throw new CliError('--git-output goes with --staged.', 'See protected-files verify --help.');
  // The hook's answers from git (src/node/hookGitOutput.ts), when they are whole. node:crypto (which
  // checks each file read from the work tree by its git id) loads first: git is often still writing.
  if (values['git-output']) nodeCrypto();
  // Input past the limit of stdinBytes is no input either.
  const input = values['git-output'] ? await io.stdinBytes().catch(() => undefined) : undefined;
  const given = input && parseGitOutput(input);
  // Two ways through the gate's code, each to be in the code cache (src/node/cachedPart.ts).
  noteCodePath(given ? 'verify-given' : 'verify-git');
  const prefetch = [MANIFEST_PATH, AUDIT_LOG];
  // A large log (see EAGER_LOG_BYTES; the work tree's tells) is not asked for at once: where this
  // clone found HEAD's whole, only its entry in HEAD's tree is read, and the log only if needed.
  // The manifest's folder: the top level in the usual layout, found without a git process.
  const top = values.staged ? findWorkspaceRoot(io.cwd) ?? io.cwd : io.cwd;
  const largeLog = values.staged === true && workTreeLogSize(top) > EAGER_LOG_BYTES;
  const pending = given
    ? stagedChangesFromOutput(given, top, io.cwd, io.env)
    : values.staged
    // The index's log is asked for once HEAD's is in (see readVersions): a large one that this
    // clone found whole is often the same, and the diff tells.
    ? startStagedChanges(io.cwd, io.env, largeLog ? [MANIFEST_PATH] : prefetch, largeLog ? [] : [MANIFEST_PATH])
    : startRangeChanges(io.cwd, io.env, values.base!, values.head ?? 'HEAD', prefetch);
  if (largeLog) {
    // In the order git should answer them: HEAD's tree first, then what needs the index read.
    pending.baseEntry(LOG_DIR, LOG_NAME).catch(() => undefined);
    pending.readTarget(MANIFEST_PATH).catch(() => undefined);
  }
  try {
    // The manifest and the audit log are read and checked while git computes the diff; git's
    // errors come first, as they would if nothing were read before the diff.
    const versions = readVersions(pending, values.staged ? VerifiedLogs.open(io.cwd, io.env) : undefined, largeLog);
    versions.manifests.catch(() => undefined); // awaited once git has answered
    const set = await pending.changeSet;
    const report = await verifyChangeSet(set, io.cwd, versions);
    (await versions.audits).remember();
    printWarnings(io, (await versions.manifests).warnings, MANIFEST_PATH);
    if (values.json) {
      const json: VerifyJson = { ...report, mode: set.mode, base: set.base ?? null, head: set.head ?? null };
      io.stdout(`${JSON.stringify(json, null, 2)}\n`);
    } else {
      io.stdout(renderVerifyReport(report, set.mode, values.base));
    }
    return report.ok ? EXIT_OK : EXIT_FAIL;
  } finally {
    pending.close();
  }
}

function parseOrThrow(args: string[]) {
  return parseCommandArgs('verify', args, {
    options: {
      staged: { type: 'boolean' },
      base: { type: 'string' },
      head: { type: 'string' },
      json: { type: 'boolean' },
      'git-output': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
}

/**
 * What the gate reads from the verified and the base version besides the changed files, and
 * what it makes of them that does not depend on the diff: the manifests first (the diff's paths
 * need the matchers), then the audit logs (their checks can go on while git reads the blobs).
 */
interface Versions {
  manifests: Promise<ManifestVersions>;
  audits: Promise<AuditVersions>;
}

interface ManifestVersions {
  targetManifest: Buffer | undefined;
  baseManifest: Buffer | undefined;
  /** Range mode: the base ref tip's manifest, when the tip is not the merge base. */
  tipManifest: Buffer | undefined;
  /** The verified version's manifest; undefined when absent or when it has errors (verifyChangeSet reports them). */
  manifest: Manifest | undefined;
  /** The verified manifest's warnings, which the editor shows too. */
  warnings: ManifestProblem[];
  /** The manifest that decides what was protected before: the base version's, or `manifest` when the two are the same. */
  before: Manifest | undefined;
  /** The base tip's manifest when it differs from both others (see ManifestVersions.tipManifest). */
  tip: Manifest | undefined;
  /** What counts as protected (see verifyChangeSet); undefined when the verified manifest has errors. */
  matchers: (ProtectionMatcher | undefined)[] | undefined;
  /** The same manifests matched without regard to case, for collisions. */
  folded: () => ProtectionMatcher[];
}

interface LogChecks {
  audit: ParsedAudit | undefined;
  baseAudit: ParsedAudit | undefined;
  auditCheck: AuditCheck;
}

interface AuditVersions {
  /**
   * Where this clone's gate found HEAD's log whole before (see VerifiedLogs), its number of
   * records, given that the verified log is the same bytes (`diffUnchanged`: whether the diff
   * must say so, for a large log whose verified version was not read): unless a protected file
   * changed, the decision then needs none of them, and they are not parsed (the log only grows).
   */
  unchanged: { records: () => number; diffUnchanged: boolean } | undefined;
  /** The logs parsed and checked (where HEAD's log is listed, on the first call; a large one's verified version read then). */
  checks(): Promise<LogChecks>;
  /** Adds the logs found whole in this run to the clone's list (see VerifiedLogs), if one was given. */
  remember(): void;
}

/**
 * The size up to which a listed HEAD log is parsed while git computes the diff (~300 records: ~1 ms),
 * whether or not the decision will need it; a larger one only when it does.
 */
const EAGER_LOG_BYTES = 256 * 1024;

const LOG_DIR = AUDIT_LOG.slice(0, AUDIT_LOG.lastIndexOf('/'));
const LOG_NAME = AUDIT_LOG.slice(AUDIT_LOG.lastIndexOf('/') + 1);

/** The size of the audit log in the work tree whose top is `top`, 0 when there is none: a guess at HEAD's, for what to read first. */
function workTreeLogSize(top: string): number {
  try {
    return statSync(join(top, ...AUDIT_LOG.split('/'))).size;
  } catch {
    return 0;
  }
}

/** Lets I/O callbacks (git's diff coming in) run between two long stretches of work. */
const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Reads the manifest and the audit log of both versions and works on them: the base version's
 * first, which git answers before it has read the index (see startStagedChanges' prefetch), so
 * that its manifest's matchers and its log's chain are done while git reads the rest.
 */
function readVersions(
  source: Pick<ChangeSet, 'readTarget' | 'readBase' | 'readBaseTip' | 'baseId' | 'targetId' | 'baseEntry'>, verified?: VerifiedLogs, largeLog = false,
): Versions {
  const memo = new ManifestMemo();
  const manifests = (async (): Promise<ManifestVersions> => {
    const baseManifest = await source.readBase(MANIFEST_PATH);
    // Most changes leave the manifest as it was: the matchers built now are then the gate's own.
    if (baseManifest) memo.prepare(baseManifest);
    const [targetManifest, tipManifest] = await Promise.all([source.readTarget(MANIFEST_PATH), source.readBaseTip(MANIFEST_PATH)]);
    return { targetManifest, baseManifest, tipManifest, ...gateManifests(targetManifest, baseManifest, tipManifest, memo) };
  })();
  const audits = (async (): Promise<AuditVersions> => {
    const whole = (log: ParsedAudit | undefined, chain: AuditCheck['chain'] | undefined): boolean => log !== undefined && log.problems.length === 0 && chain?.ok === true;
    /** The list's entry for a log found whole in this run. */
    const found = (id: string | undefined, log: ParsedAudit | undefined, chain: AuditCheck['chain'] | undefined): VerifiedLog | undefined =>
      (id !== undefined && whole(log, chain) ? { id, records: log!.records.length } : undefined);
    if (verified && largeLog) {
      // HEAD's log by its entry in HEAD's tree: where this clone found it whole, nothing of it is
      // read unless the decision needs its records.
      const entry = await source.baseEntry(LOG_DIR, LOG_NAME);
      const records = entry && (entry.mode === GIT_MODE.file || entry.mode === GIT_MODE.executable) ? verified.records(entry.id) : undefined;
      if (records !== undefined) {
        let checked: LogChecks | undefined;
        let targetId: string | undefined;
        const checks = async (): Promise<LogChecks> => {
          if (checked) return checked;
          const [baseBytes, target] = await Promise.all([source.readBase(AUDIT_LOG), source.readTarget(AUDIT_LOG)]);
          targetId = target ? await source.targetId(AUDIT_LOG) : undefined;
          const baseText = baseBytes?.toString('utf8');
          return (checked = listedLogChecks(baseText === undefined ? undefined : parseWholeAuditLog(baseText), baseText, target));
        };
        return {
          unchanged: { records: () => records, diffUnchanged: true },
          checks,
          remember: () => verified.add([checked && found(targetId, checked.audit, checked.auditCheck.chain)]),
        };
      }
    }
    const baseBytes = await source.readBase(AUDIT_LOG);
    const baseId = verified && baseBytes ? await source.baseId(AUDIT_LOG) : undefined;
    if (verified?.has(baseId) && baseBytes) {
      // HEAD's log as this clone's gate found it at an earlier commit: its records without the
      // checks. A small log is read now, while git computes the diff; a large one only when the
      // decision needs it (a protected file changed, or the verified log is another).
      const baseText = baseBytes.toString('utf8');
      const eager = baseBytes.length <= EAGER_LOG_BYTES;
      const targetRead = eager ? source.readTarget(AUDIT_LOG) : undefined;
      targetRead?.catch(() => undefined); // awaited below
      let baseAudit: ParsedAudit | undefined;
      const parseBase = (): ParsedAudit => (baseAudit ??= parseWholeAuditLog(baseText));
      if (eager) {
        await yieldToIo();
        parseBase();
        await yieldToIo();
      }
      let target: Buffer | undefined;
      let targetId: string | undefined;
      let checked: LogChecks | undefined;
      const checks = async (): Promise<LogChecks> => {
        if (checked) return checked;
        target = await (targetRead ?? source.readTarget(AUDIT_LOG));
        targetId = target ? await source.targetId(AUDIT_LOG) : undefined;
        return (checked = listedLogChecks(parseBase(), baseText, target));
      };
      if (eager) await checks();
      const records = (): number => countWholeAuditLog(baseText);
      return {
        unchanged: !eager ? { records, diffUnchanged: true } : target?.equals(baseBytes) ? { records, diffUnchanged: false } : undefined,
        checks,
        remember: () => verified!.add([checked && found(targetId, checked.audit, checked.auditCheck.chain)]),
      };
    }
    const targetRead = source.readTarget(AUDIT_LOG);
    targetRead.catch(() => undefined); // awaited below
    await yieldToIo();
    const baseText = baseBytes?.toString('utf8');
    const baseAudit = baseText === undefined ? undefined : parseAuditLog(baseText);
    await yieldToIo();
    const baseChain = baseAudit && verifyChain(baseAudit.records);
    const target = await targetRead;
    const audit = target === undefined ? undefined : parseVerifiedAudit(target.toString('utf8'), baseAudit, baseText);
    const auditCheck = checkAuditLog(audit, baseAudit, baseChain);
    const targetId = verified && target ? await source.targetId(AUDIT_LOG) : undefined;
    const remember = (): void => verified?.add([found(baseId, baseAudit, baseChain), found(targetId, audit, auditCheck.chain)]);
    return { unchanged: undefined, checks: async () => ({ audit, baseAudit, auditCheck }), remember };
  })();
  audits.catch(() => undefined); // awaited, after the manifests, by verifyChangeSet
  return { manifests, audits };
}

/**
 * The logs' checks where HEAD's log (`base`, read with parseWholeAuditLog from `baseText`) is one
 * this clone found whole: its chain as listed, or, for a listed log that does not read as one after
 * all, checked in full; then the verified log (`target`) against it.
 */
function listedLogChecks(base: ParsedAudit | undefined, baseText: string | undefined, target: Buffer | undefined): LogChecks {
  const baseChain = base && (base.problems.length === 0 ? { ok: true as const } : verifyChain(base.records));
  const audit = target === undefined ? undefined : parseVerifiedAudit(target.toString('utf8'), base, baseText);
  return { audit, baseAudit: base, auditCheck: checkAuditLog(audit, base, baseChain) };
}

/** Each manifest text parsed once, and each parsed manifest's matchers built once, for whichever version asks first. */
class ManifestMemo {
  private readonly parsed = new Map<string, ReturnType<typeof parseManifest>>();
  private readonly matchers = new Map<Manifest | undefined, ProtectionMatcher>();
  private readonly foldedMatchers = new Map<Manifest | undefined, ProtectionMatcher>();

  parse(bytes: Buffer): ReturnType<typeof parseManifest> {
    const text = manifestText(bytes);
    let result = this.parsed.get(text);
    if (!result) this.parsed.set(text, (result = parseManifest(text)));
    return result;
  }

  /** The gate's matcher of `m`: case-sensitive where the file system is. */
  matcher(m: Manifest | undefined): ProtectionMatcher {
    return ManifestMemo.once(this.matchers, m, caseInsensitiveFs());
  }

  /** `m` matched without regard to case, for collisions. */
  folded(m: Manifest | undefined): ProtectionMatcher {
    return ManifestMemo.once(this.foldedMatchers, m, true);
  }

  private static once(built: Map<Manifest | undefined, ProtectionMatcher>, m: Manifest | undefined, caseInsensitive: boolean): ProtectionMatcher {
    let matcher = built.get(m);
    // Each path is asked about once or twice in a gate's run: no memo.
    if (!matcher) built.set(m, (matcher = new ProtectionMatcher(m, { caseInsensitive, memo: false })));
    return matcher;
  }

  /** Parses `bytes` and builds its matchers ahead of need. */
  prepare(bytes: Buffer): void {
    const m = this.parse(bytes).manifest;
    if (m) {
      this.matcher(m);
      this.folded(m);
    }
  }
}

/**
 * Every protection in force on either side of the change counts: the verified version's manifest
 * (or, if the change deletes it, the one before), the version before's (a commit cannot
 * unprotect a file and change it at once) and, for a range, the base tip's (a file that main
 * began to protect after the branch left it is protected for the branch too). A manifest with
 * errors on the base side protects nothing more than the others; the verified one's errors are
 * reported by verifyChangeSet.
 */
function gateManifests(
  target: Buffer | undefined, base: Buffer | undefined, tip: Buffer | undefined, memo: ManifestMemo,
): Pick<ManifestVersions, 'manifest' | 'warnings' | 'before' | 'tip' | 'matchers' | 'folded'> {
  const parse = (text: Buffer | undefined): Manifest | undefined => (text ? memo.parse(text).manifest : undefined);
  const parsed = target ? memo.parse(target) : undefined;
  const manifest = parsed?.manifest;
  const warnings = parsed?.problems.filter((p) => p.severity === 'warning' || p.contained === true) ?? [];
  const same = (a: Buffer | undefined, b: Buffer | undefined): boolean => a !== undefined && b !== undefined && a.equals(b);
  const before = same(target, base) ? manifest : parse(base);
  const tipManifest = same(tip, target) || same(tip, base) ? undefined : parse(tip);
  let folded: ProtectionMatcher[] | undefined;
  const fold = (): ProtectionMatcher[] => (folded ??= [...new Set([manifest ?? before ?? tipManifest, before, tipManifest])].map((m) => memo.folded(m)));
  if (target !== undefined && manifest === undefined) return { manifest, warnings, before, tip: tipManifest, matchers: undefined, folded: fold };
  const matchers = [
    memo.matcher(manifest ?? before ?? tipManifest),
    before && manifest && !same(target, base) ? memo.matcher(before) : undefined,
    tipManifest && (manifest ?? before) ? memo.matcher(tipManifest) : undefined,
  ];
  return { manifest, warnings, before, tip: tipManifest, matchers, folded: fold };
}

/** Reads what the gate needs from git and decides. `versions`: readVersions(set), when already under way. */
export async function verifyChangeSet(set: ChangeSet, cwd: string, versions: Versions = readVersions(set)): Promise<VerifyReport> {
  const where = set.mode === 'staged' ? 'in the index' : `at ${set.head?.slice(0, 12) ?? 'HEAD'}`;
  const { targetManifest, baseManifest, tipManifest, manifest, before, tip, matchers, folded } = await versions.manifests;
  if (!targetManifest && !baseManifest && !tipManifest) {
    throw new CliError(
      `No protection manifest: ${MANIFEST_PATH} is not ${where}${set.base ? ` nor in the version${set.mode === 'range' ? 's' : ''} before` : ''}.`,
      'Create it in VS Code (Protected Files: Create Manifest) and commit it; or run this in the repository that has it.',
    );
  }
  // A verified manifest with errors: the same error as manifestOrThrow gives (it parses the text again to say so).
  if (targetManifest && !manifest) manifestOrThrow(targetManifest.toString('utf8'), `${MANIFEST_PATH} ${where}`);

  const changes = set.changes;
  const items = protectedItems(changes, matchers!, (path) => collision(path, folded()), foldedScreen(folded));
  const blobs = new Map(changes.filter((c) => c.blob && !c.gitlink).map((c) => [c.path, c.blob!]));
  const checking = Promise.all(items.map(async (item): Promise<CheckedItem> => {
    // A deletion, a conflict, a submodule entry (its "content" is a commit in another repository): no blob to hash.
    if (item.kind === 'delete' || item.unmerged || item.mode?.to === GIT_MODE.submodule) return { ...item, hashes: [] };
    const id = blobs.get(item.path);
    const content = id ? await set.readBlob(id, item.path) : undefined;
    if (!content) throw new CliError(`Could not read the content of ${item.path} from git (blob ${id ?? 'unknown'}).`);
    const linkTarget = item.mode?.to === GIT_MODE.symlink ? content.toString('utf8') : undefined;
    return { ...item, hashes: contentHashes(content), ...(linkTarget !== undefined ? { linkTarget } : {}) };
  }));
  checking.catch(() => undefined); // awaited below, after the audit logs
  const audits = await versions.audits;
  const checked = await checking;
  const auditLog = auditLogChange(changes);
  const listed = audits.unchanged;
  const shortcut = checked.length === 0 && listed && (!listed.diffUnchanged || auditLog === 'unchanged') ? listed : undefined;
  const logs = shortcut ? undefined : await audits.checks();
  set.close(); // nothing more to read: git's reader ends while the gate decides
  if (shortcut) {
    // No protected file changed, and the log is HEAD's, found whole before: what decideVerify
    // answers for that (no item, no new record, the chain as listed), without parsing the log.
    const records = shortcut.records();
    const introducing = baseManifest === undefined && tipManifest === undefined && records === 0;
    return { ok: true, warnings: [], introducing, changed: [], violations: [], chain: { ok: true, records, newRecords: 0 } };
  }
  const { audit, baseAudit, auditCheck } = logs!;

  // The manifest in force before the change names the tier of `.protection/**`: a change can add a strictest tier of its own.
  const tier = strictestTier(before ?? tip ?? manifest ?? { tiers: [], components: [], guardedCommands: [], protectedBranches: [] }) ?? BUILTIN_PROTECTION_TIER;
  const input: VerifyInput = {
    items: checked,
    audit,
    baseAudit,
    auditLog,
    protectionTier: tier,
    // Protection starts with this change only when nothing on the base side had it: no manifest
    // (merge base or HEAD, and the base tip) and no audit record.
    introducing: baseManifest === undefined && tipManifest === undefined && (baseAudit?.records.length ?? 0) === 0,
    auditCheck,
    // The base side (merge base, base tip) judges approvals; a manifest new in the change adds its keys only for files outside .protection/.
    trusted: { base: [...new Set([before, tip].filter((m): m is Manifest => m !== undefined))], head: manifest },
    // The gate's own matchers match case-sensitively where the file system does: reuse them there.
    matcherOf: (m) => (caseInsensitiveFs() ? undefined : gateMatcherOf(m, manifest, before, tip, matchers)) ?? new ProtectionMatcher(m),
  };
  const report = decideVerify(input);
  if (report.ok || set.mode !== 'staged' || !report.violations.some((v) => v.file !== AUDIT_LOG)) return report;
  // A file without its record: perhaps the record is in the work tree's log, which was not staged.
  // The manifest's folder is the top level in the usual layout, and finding it costs no git process.
  const workTreeAudit = await readWorkTreeAudit(findWorkspaceRoot(cwd) ?? (await set.repository()).root);
  return workTreeAudit ? decideVerify({ ...input, workTreeAudit: workTreeAudit.records }) : report;
}

/** The matcher gateManifests built for `m` (the same object), if any: see its `matchers`. */
function gateMatcherOf(
  m: Manifest, manifest: Manifest | undefined, before: Manifest | undefined, tip: Manifest | undefined,
  matchers: readonly (ProtectionMatcher | undefined)[] | undefined,
): ProtectionMatcher | undefined {
  if (!matchers) return undefined;
  if (m === (manifest ?? before ?? tip)) return matchers[0];
  if (m === before && manifest) return matchers[1];
  if (m === tip && (manifest ?? before)) return matchers[2];
  return undefined;
}

async function readWorkTreeAudit(root: string): Promise<ParsedAudit | undefined> {
  // Only a hint: a missing or unreadable work-tree log (a pipe, a device) changes no verdict, and is
  // never waited on.
  const bytes = await readRegularFile(join(root, ...AUDIT_LOG.split('/')));
  return bytes && parseAuditLog(bytes.toString('utf8'));
}
