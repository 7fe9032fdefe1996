// `protected-files import <doc.md> [--write]`: reads a protocol document the team already keeps
// and proposes manifest tiers and components; prints what it understood, what it skipped and
// which paths do not exist, then the manifest diff. Only --write changes the manifest.
import { isAbsolute, join, resolve } from 'node:path';
import { MANIFEST_PATH } from '../core/manifest';
import { importReport } from '../core/importReport';
import { ImportInputError, MAX_DOCUMENT_BYTES, planImport, writeImport } from '../node/protocolImporter';
import type { ImportPlan } from '../node/protocolImporter';
import { changeSummary, unifiedDiff } from './agentsCommand';
import { grantInForce, runRecord } from './grantsCommand';
import { CliError, EXIT_FAIL, EXIT_OK, findWorkspaceRoot, parseCommandArgs } from './io';
import type { CliIo } from './io';

const USAGE = `Usage: protected-files import <document.md> [--write]

Reads a Markdown protocol document (PROTECTED_FILES.md, a CLAUDE.md section, an incident
write-up) and proposes tiers and components for ${MANIFEST_PATH}. Understood: tier or level
headings (CRITICAL/HIGH/MEDIUM/LOW, Tier N, markers such as ⛔ 🔴 🟡 🔒) over file lists in
code blocks with State:/Risk: lines; tree drawings (├── └──) under a root line; tables with a
path and a level column; lists with File:/Status:/Reason: lines; UNLOCK <NAME> phrases.
Example code (TypeScript, Python, shell, PowerShell blocks), absolute and Windows paths and
paths leaving the folder are skipped, and listed.

  (no option)   print what was understood and skipped, and the manifest diff; write nothing
  --write       write the manifest (an existing one keeps its components, codes and comments;
                it protects itself, so it is written only under an owner's unlock, and the
                change is recorded under it: protected-files unlock ${MANIFEST_PATH} first)
  -h, --help    this help

The manifest of the nearest folder at or above the current one that has it, else a new one
in the current folder. Documents over ${MAX_DOCUMENT_BYTES / 1024 / 1024} MB or not UTF-8 text are refused.

Exit status: 0 previewed or written; 1 nothing recognisable in the document, or the existing
manifest is locked; 2 usage error,
unreadable document, or a manifest with errors.
`;

/** `protected-files import`; see USAGE. */
export async function runImport(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('import', args, {
    options: { write: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw new CliError('Give one document to import.', 'Usage: protected-files import <document.md> [--write]');
  const document = positionals[0];
  const folder = findWorkspaceRoot(io.cwd) ?? io.cwd;
  const path = isAbsolute(document) ? document : resolve(io.cwd, document);

  let plan: ImportPlan;
  try {
    plan = await planImport(folder, path, document);
  } catch (err) {
    if (err instanceof ImportInputError) throw new CliError(`${err.message}.`);
    throw err;
  }
  const { imported, merge } = plan;
  if (!merge) {
    io.stderr(`protected-files import: found no protected files in ${document}: it has no file list under a level heading, tree drawing, table with a path column or File: line that the importer understands (see protected-files import --help).\n`);
    if (imported.skipped.length > 0) io.stderr(`${imported.skipped.map((s) => `  line ${s.line}: ${s.text} — ${s.reason}`).join('\n')}\n`);
    return EXIT_FAIL;
  }
  io.stdout(`${importReport(plan).join('\n')}\n`);
  const file = { path: MANIFEST_PATH, before: plan.before, after: merge.text, changed: merge.text !== plan.before };
  if (!file.changed) {
    io.stdout(`\n${MANIFEST_PATH} already has everything ${document} lists: nothing to ${values.write ? 'write' : 'change'}.\n`);
    return EXIT_OK;
  }
  if (!values.write) {
    io.stdout(`\n${MANIFEST_PATH}: ${changeSummary(file)}\n${unifiedDiff(file)}\n\nNothing written. Run "protected-files import ${document} --write" to write the manifest.\n`);
    return EXIT_OK;
  }
  // The manifest protects itself: a change of an existing one needs an owner's unlock, and is
  // recorded under it (signed), as a save in VS Code is; without one nothing is written (a running
  // VS Code would restore it and verify would refuse to commit it).
  const manifestPath = join(folder, ...MANIFEST_PATH.split('/'));
  if (plan.before !== undefined && !(await grantInForce({ ...io, cwd: folder }, MANIFEST_PATH))) {
    io.stderr(`protected-files import: ${MANIFEST_PATH} is locked (the manifest protects itself); nothing was written. The change (${changeSummary(file)}) needs an owner's unlock first:\n`
      + `  protected-files unlock ${MANIFEST_PATH} --reason "<why>"   (or in VS Code: Protected Files: Unlock…)\n`
      + `  protected-files import ${document} --write                   (writes it and records the change under the unlock)\n`);
    return EXIT_FAIL;
  }
  try {
    await writeImport(folder, plan);
  } catch (err) {
    if (err instanceof ImportInputError) throw new CliError(`${err.message}.`);
    throw err;
  }
  io.stdout(`\nWrote ${MANIFEST_PATH} in ${folder} (${changeSummary(file)}).\n`);
  if (plan.before !== undefined) return runRecord([manifestPath], { ...io, cwd: folder });
  io.stdout('Review the risks and owners, set unlock codes ("Protected Files: Set Unlock Code…" or "protected-files hash-code"), then commit it.\n');
  return EXIT_OK;
}
