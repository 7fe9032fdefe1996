// The words of an import's preview, one source for the CLI and the editor.
import type { ImportMerge } from './importMerge';
import type { ProtocolImport } from './protocolImport';

export interface ImportReportInput {
  /** The document as the user named it. */
  document: string;
  imported: ProtocolImport;
  merge: ImportMerge | undefined;
  /** Imported globs whose fixed part does not exist in the folder. */
  missing: readonly string[];
}

/**
 * What an import understood, in plain text lines: the tiers (new or mapped onto existing ones),
 * the components with each path's line and shape, risk, impact and owners, the paths not found in
 * the folder, what was skipped and why. The CLI prints it; the editor shows it beside the diff.
 */
export function importReport(plan: ImportReportInput): string[] {
  const { imported, merge } = plan;
  const out: string[] = [];
  const files = imported.components.reduce((n, c) => n + c.files.length, 0);
  out.push(`Read ${plan.document}: ${imported.tiers.length} tier(s), ${imported.components.length} component(s), ${files} path(s).`, '');
  out.push('Tiers, most strict first:');
  for (const t of imported.tiers) {
    const target = merge?.tierMap[t.id];
    const where = !target ? '' : merge?.addedTiers.includes(t.id) ? '  new' : `  → existing tier "${target}"`;
    out.push(`  ${t.id.padEnd(9)} ${t.label} (${t.requireCode ? 'unlock code required' : 'reason only'}, ${t.onBreach === 'restore' ? 'restore on breach' : 'warn on breach'})${where}`);
  }
  out.push('', 'Components:');
  for (const c of imported.components) {
    const status = merge?.addedComponents.includes(c.name) ? 'new' : 'existing: only new paths are added, its tier, risk, owners and codes are kept';
    out.push(`  ${c.name}  ${merge?.tierMap[c.tier] ?? c.tier}  (${status}; name from ${c.nameFrom})`);
    for (const f of c.files) out.push(`    ${f.glob}  (line ${f.line}, ${f.shape})`);
    if (c.risk) out.push(`    risk: ${c.risk}`);
    if (c.impact) out.push(`    impact: ${c.impact}`);
    if (c.owners.length > 0) out.push(`    owners: ${c.owners.join(', ')}`);
  }
  if (merge) {
    for (const k of merge.keptTiers) out.push(`  note: ${k.component} stays in tier "${k.kept}" (the document says "${k.imported}")`);
  }
  if (plan.missing.length > 0) {
    out.push('', 'Not found in this folder (a typo, or the document is older than the code; check before writing):');
    for (const g of plan.missing) out.push(`  ${g}`);
  }
  if (imported.skipped.length > 0) {
    out.push('', 'Skipped:');
    for (const s of imported.skipped) out.push(`  line ${s.line}: ${s.text} — ${s.reason}`);
  }
  if (imported.truncated) out.push('', 'The document is longer than the importer reads: only its beginning was imported.');
  return out;
}

