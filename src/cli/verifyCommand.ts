// `protected-files verify --staged | --base <ref> [--head <ref>] [--json]`: the gate for
// pre-commit hooks and CI. Every protected file the change touches needs its audit record, and
// the audit log must verify and may only grow.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAuditLog } from '../core/audit';
import { MANIFEST_PATH, parseManifest, strictestTier } from '../core/manifest';
import { BUILTIN_PROTECTION_TIER, ProtectionMatcher } from '../core/matcher';
import { AUDIT_LOG, auditLogChange, contentHashes, decideVerify, protectedItems, renderVerifyReport } from '../core/verify';
import type { CheckedItem, ParsedAudit, VerifyInput, VerifyReport } from '../core/verify';
import { rangeChanges, stagedChanges } from '../node/gitChanges';
import type { ChangeSet } from '../node/gitChanges';
import { CliError, EXIT_FAIL, EXIT_OK, caseInsensitiveFs, findWorkspaceRoot, manifestOrThrow } from './io';
import type { CliIo } from './io';

export const VERIFY_HELP = `Usage: protected-files verify --staged [--json]
       protected-files verify --base <ref> [--head <ref>] [--json]

Checks that every added, changed, renamed or deleted protected file has its audit record:
a "change" record whose "after" hash is the sha256 of the content being committed, or a
"delete" record for a deletion. The audit log must verify as a chain and may only grow.
The manifest and the audit log are read from the version being verified, not the work tree.

  --staged        the index against HEAD (for a pre-commit hook)
  --base <ref>    the changes of <head> since it left <ref> (git diff <ref>...<head>), for CI
  --head <ref>    default HEAD
  --json          print a machine-readable report on stdout

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
  const prefetch = [MANIFEST_PATH, AUDIT_LOG];
  const set = values.staged
    ? await stagedChanges(io.cwd, io.env, prefetch)
    : await rangeChanges(io.cwd, io.env, values.base!, values.head ?? 'HEAD', prefetch);
  try {
    const report = await verifyChangeSet(set, io.cwd);
    if (values.json) {
      const json: VerifyJson = { ...report, mode: set.mode, base: set.base ?? null, head: set.head ?? null };
      io.stdout(`${JSON.stringify(json, null, 2)}\n`);
    } else {
      io.stdout(renderVerifyReport(report, set.mode));
    }
    return report.ok ? EXIT_OK : EXIT_FAIL;
  } finally {
    set.close();
  }
}

function parseOrThrow(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        staged: { type: 'boolean' },
        base: { type: 'string' },
        head: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (e) {
    throw new CliError(`${(e as Error).message.split('\n')[0]}`, 'See protected-files verify --help.');
  }
}

/** Reads what the gate needs from git and decides. */
export async function verifyChangeSet(set: ChangeSet, cwd: string): Promise<VerifyReport> {
  const where = set.mode === 'staged' ? 'in the index' : `at ${set.head?.slice(0, 12) ?? 'HEAD'}`;
  const [targetManifest, baseManifest, targetAudit, baseAudit] = await Promise.all([
    set.readTarget(MANIFEST_PATH),
    set.readBase(MANIFEST_PATH),
    set.readTarget(AUDIT_LOG),
    set.readBase(AUDIT_LOG),
  ]);
  if (!targetManifest && !baseManifest) {
    throw new CliError(
      `No protection manifest: ${MANIFEST_PATH} is not ${where}${set.base ? ' nor in the version before' : ''}.`,
      'Create it in VS Code (Protected Files: Create Manifest) and commit it; or run this in the repository that has it.',
    );
  }
  // The verified manifest decides; if the change deletes it, the one before does (and the
  // deletion is itself a violation, since .protection/** is protected). A file protected by
  // either version is protected: a commit cannot unprotect a file and change it at once.
  const manifest = targetManifest ? manifestOrThrow(targetManifest.toString('utf8'), `${MANIFEST_PATH} ${where}`) : undefined;
  const same = targetManifest !== undefined && baseManifest !== undefined && targetManifest.equals(baseManifest);
  const before = same ? manifest : baseManifest ? parseManifest(baseManifest.toString('utf8')).manifest : undefined;
  const options = { caseInsensitive: caseInsensitiveFs() };
  const matchers = [new ProtectionMatcher(manifest ?? before, options), before && manifest && !same ? new ProtectionMatcher(before, options) : undefined];

  // A submodule entry's "content" is a commit id in another repository, which no editor records.
  const changes = set.changes.filter((c) => !c.gitlink);
  const items = protectedItems(changes, matchers);
  const blobs = new Map(changes.filter((c) => c.blob).map((c) => [c.path, c.blob!]));
  const checked: CheckedItem[] = await Promise.all(items.map(async (item): Promise<CheckedItem> => {
    if (item.kind === 'delete') return { ...item, hashes: [] };
    const id = blobs.get(item.path);
    const content = id ? await set.readBlob(id) : undefined;
    if (!content) throw new CliError(`Could not read the content of ${item.path} from git (blob ${id ?? 'unknown'}).`);
    return { ...item, hashes: contentHashes(content) };
  }));

  const tier = strictestTier(manifest ?? before ?? { tiers: [], components: [], guardedCommands: [], protectedBranches: [] }) ?? BUILTIN_PROTECTION_TIER;
  const input: VerifyInput = {
    items: checked,
    audit: targetAudit ? parseAuditLog(targetAudit.toString('utf8')) : undefined,
    baseAudit: baseAudit ? parseAuditLog(baseAudit.toString('utf8')) : undefined,
    auditLog: auditLogChange(changes),
    protectionTier: tier,
    introducing: baseManifest === undefined,
  };
  const report = decideVerify(input);
  if (report.ok || set.mode !== 'staged' || !report.violations.some((v) => v.file !== AUDIT_LOG)) return report;
  // A file without its record: perhaps the record is in the work tree's log, which was not staged.
  // The manifest's folder is the top level in the usual layout, and finding it costs no git process.
  const workTreeAudit = await readWorkTreeAudit(findWorkspaceRoot(cwd) ?? (await set.repository()).root);
  return workTreeAudit ? decideVerify({ ...input, workTreeAudit: workTreeAudit.records }) : report;
}

async function readWorkTreeAudit(root: string): Promise<ParsedAudit | undefined> {
  try {
    return parseAuditLog(await fs.readFile(join(root, ...AUDIT_LOG.split('/')), 'utf8'));
  } catch {
    return undefined; // only a hint: a missing or unreadable work-tree log changes no verdict
  }
}
