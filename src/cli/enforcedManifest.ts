// The manifest the command line enforces for a folder, by the editor's rule: a missing or broken
// manifest never loosens protection. The work tree's copy when it is valid (no git: `check` runs
// before every agent edit); else the last valid committed version of that folder's manifest;
// else, when there are signs of protection (a broken manifest, a `.protection/` folder without
// it), nothing can be decided. Warnings are printed as the editor shows them, one line each.
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { MANIFEST_PATH, PROTECTION_DIR, parseManifest } from '../core/manifest';
import type { Manifest, ManifestProblem } from '../core/manifest';
import { manifestText } from '../core/manifestText';
import { approvedAsKept, judgeWorkTreeManifest, notApprovedNote } from '../node/approvedManifest';
import { committedHolder, lastAcceptedVersion } from '../node/committedFiles';
import { parseManifestCached } from '../node/manifestCache';
import { NotRegularFileError } from '../node/regularFile';
import { CliError, caseInsensitiveFs, formatProblems, readWorkTreeManifestBytes } from './io';
import type { CliIo } from './io';

export type EnforcedManifest =
  /** No manifest here, on disk or committed at HEAD, and no `.protection/` folder: nothing is protected. */
  | { kind: 'none' }
  | { kind: 'ok'; root: string; manifest: Manifest }
  /** Protection is evident but no valid manifest can be found: deny what cannot be decided. */
  | { kind: 'undecidable'; root: string; reason: string; problems: ManifestProblem[] };

/**
 * The workspace for the first of `starts` that has one, and the manifest enforced there. Notes
 * (a stand-in manifest) and, unless `quiet`, the manifest's warnings go to stderr.
 */
export async function loadEnforcedManifest(starts: readonly string[], io: CliIo, options: { quiet?: boolean } = {}): Promise<EnforcedManifest> {
  const warn = options.quiet ? (): void => undefined : (problems: readonly ManifestProblem[], root: string): void => printWarnings(io, problems, displayPath(root, io));
  for (const start of starts) {
    const found = nearestProtection(start);
    if (found?.hasManifest) return fromWorkTree(found.root, io, warn);
    // A `.protection/` folder without its manifest: the manifest was deleted here (or never committed).
    if (found) return fromCommits(found.root, io, warn, `${displayPath(found.root, io)} is missing from the work tree`, []);
  }
  // Nothing on disk at or above any start: perhaps the whole .protection/ folder was deleted. Its committed manifest still counts.
  for (const start of starts) {
    const root = await committedHolder(start, io.env, MANIFEST_PATH);
    if (root) return fromCommits(root, io, warn, `${displayPath(root, io)} is missing from the work tree`, []);
  }
  return { kind: 'none' };
}

type Warn = (problems: readonly ManifestProblem[], root: string) => void;

async function fromWorkTree(root: string, io: CliIo, warn: Warn): Promise<EnforcedManifest> {
  let bytes: Buffer | undefined;
  try {
    bytes = readWorkTreeManifestBytes(root);
  } catch (err) {
    // A named pipe (or a folder) where the manifest was: never waited on, and it loosens nothing.
    if (err instanceof NotRegularFileError) return fromCommits(root, io, warn, `${displayPath(root, io)} is ${err.what}, not a file`, []);
    throw err;
  }
  // Parsed once per text by this part of the command line, then read back (src/node/manifestCache.ts).
  const parsed = parseManifestCached(bytes ? manifestText(bytes) : '', root);
  if (parsed.manifest) {
    // In force only once approved (src/node/approvedManifest.ts): a laxer one written past the hook is not obeyed.
    const verdict = bytes && !approvedAsKept(root, bytes) ? await judgeWorkTreeManifest(root, bytes, { env: io.env, caseInsensitive: caseInsensitiveFs() }) : { approved: true as const };
    if (verdict.approved === 'undecidable') return { kind: 'undecidable', root, reason: `${displayPath(root, io)} is not approved and no approved version can be found`, problems: [] };
    if (!verdict.approved) {
      io.stderr(notApprovedNote(displayPath(root, io), verdict.version));
      return { kind: 'ok', root, manifest: verdict.manifest };
    }
    warn(parsed.problems, root);
    return { kind: 'ok', root, manifest: parsed.manifest };
  }
  return fromCommits(root, io, warn, `${displayPath(root, io)} has errors`, parsed.problems.filter((p) => p.severity === 'error'));
}

async function fromCommits(root: string, io: CliIo, warn: Warn, why: string, problems: ManifestProblem[]): Promise<EnforcedManifest> {
  const committed = await lastAcceptedVersion(root, io.env, MANIFEST_PATH, (content) => parseManifest(manifestText(content)).manifest !== undefined);
  if (!committed) return { kind: 'undecidable', root, reason: `${why} and no commit has a valid version`, problems };
  const parsed = parseManifest(manifestText(committed.content));
  const version = committed.commit === 'HEAD' ? 'the version committed at HEAD' : `the last valid version, committed in ${committed.commit.slice(0, 12)}`;
  io.stderr(`protected-files: ${why}; using ${version}.\n`);
  warn(parsed.problems, root);
  return { kind: 'ok', root, manifest: parsed.manifest! };
}

/**
 * The manifest's warnings, and the errors it stays in force with (a glob past a bound, protected by
 * a stand-in), as the editor's Problems panel has them: `file:line:col: warning: …`, one line each.
 */
export function printWarnings(io: CliIo, problems: readonly ManifestProblem[], where: string): void {
  for (const p of problems) {
    if (p.severity === 'warning' || p.contained) io.stderr(`${where}:${p.line + 1}:${p.column + 1}: ${p.severity}: ${p.message}\n`);
  }
}

/** The manifest of `root` as a path relative to the current directory (as compilers print them), or absolute on another drive. */
function displayPath(root: string, io: CliIo): string {
  const file = join(root, ...MANIFEST_PATH.split('/'));
  const rel = relative(io.cwd, file);
  return isAbsolute(rel) ? file : rel.split(sep).join('/');
}

/**
 * The nearest folder at or above `start` that holds the manifest or, nearer, a `.protection/`
 * folder without it. One or two stats per level, no git.
 */
function nearestProtection(start: string): { root: string; hasManifest: boolean } | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, ...MANIFEST_PATH.split('/')))) return { root: dir, hasManifest: true };
    if (existsSync(join(dir, PROTECTION_DIR))) return { root: dir, hasManifest: false };
    if (dirname(dir) === dir) return undefined;
  }
}

/** Parses manifest text; throws the exit-2 error (with every problem, line:column) when it has errors. */
export function manifestOrThrow(text: string, where: string): Manifest {
  const parsed = parseManifest(manifestText(text));
  if (parsed.manifest) return parsed.manifest;
  const errors = parsed.problems.filter((p) => p.severity === 'error');
  throw new CliError(
    `The protection manifest ${where} has ${errors.length} error(s):\n${formatProblems(errors).trimEnd()}`,
    'Fix them (VS Code shows them in the Problems panel), then run this again.',
  );
}
