// Puts what `importProtocol` understood into manifest text: a new manifest, or an edit of the
// existing one with jsonc-parser's `modify`, so its comments, codes, owners and order survive.
// An existing component keeps its tier, risk, impact, owners and codes and only gains the globs
// it did not have; an imported level that an existing tier already stands for maps onto it.
import { applyEdits, modify } from 'jsonc-parser';
import type { FormattingOptions, JSONPath } from 'jsonc-parser';
import { parseManifest } from './manifest';
import type { Manifest } from './manifest';
import type { ImportedTier, ProtocolImport } from './protocolImport';

/** What the merge did, for the preview. */
export interface ImportMerge {
  /** The new manifest text; parses without errors. */
  text: string;
  /** Imported tier id → the tier id used in the manifest. */
  tierMap: Record<string, string>;
  addedTiers: string[];
  addedComponents: string[];
  /** Existing components and the globs they gained. */
  extendedComponents: { name: string; added: string[] }[];
  /** Globs an existing component already lists (not added again). */
  alreadyListed: { glob: string; component: string }[];
  /** Imported components whose tier differs from the existing component's (the existing one is kept). */
  keptTiers: { component: string; imported: string; kept: string }[];
}

/** The manifest text could not be merged into; the message says what to fix. */
export class ImportMergeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportMergeError';
  }
}

function header(source: string): string {
  return `// Protected Files manifest, imported from ${source.replace(/[\r\n]+/g, ' ')} by "protected-files import".
// Review each component's risk, impact and owners, then set unlock codes ("Set Unlock Code…" or
// "protected-files hash-code"). Globs are relative to this workspace folder; tiers most strict first.
{
  "tiers": {},
  "components": {}
}
`;
}

function formattingOf(text: string): FormattingOptions {
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  const indent = /\n([ \t]+)\S/.exec(text)?.[1];
  if (indent?.startsWith('\t')) return { insertSpaces: false, tabSize: 4, eol };
  return { insertSpaces: true, tabSize: indent ? Math.min(indent.length, 8) : 2, eol };
}

function edit(text: string, path: JSONPath, value: unknown, isArrayInsertion = false): string {
  return applyEdits(text, modify(text, path, value, { formattingOptions: formattingOf(text), isArrayInsertion }));
}

function tierValue(t: ImportedTier): Record<string, unknown> {
  return {
    label: t.label,
    badge: t.badge,
    color: t.color,
    unlock: t.requireCode ? { requireCode: true, minReasonLength: 15 } : { requireCode: false, minReasonLength: 10 },
    onBreach: t.onBreach,
  };
}

/** The existing tier an imported level stands for: same id, or a label naming the level ("Tier 1 · Revenue critical"). */
function existingTierFor(manifest: Manifest, t: ImportedTier): string | undefined {
  const same = manifest.tiers.find((x) => x.id === t.id);
  if (same) return same.id;
  const word = t.id.startsWith('tier') ? `tier ${t.id.slice(4)}` : t.id;
  const re = new RegExp(`\\b${word}\\b`, 'i');
  return manifest.tiers.find((x) => re.test(x.label) || re.test(x.id.replace(/([a-z])([0-9])/i, '$1 $2')))?.id;
}

/**
 * Merges `imported` into `existing` manifest text (or a new manifest when `existing` is
 * undefined or blank). Never removes or rewrites anything already there. Throws
 * `ImportMergeError` when the existing manifest has errors (merging would hide them).
 */
export function mergeImport(existing: string | undefined, imported: ProtocolImport, source: string): ImportMerge {
  const fresh = existing === undefined || existing.trim() === '';
  let text = fresh ? header(source) : existing;
  let manifest: Manifest = { tiers: [], components: [], guardedCommands: [], protectedBranches: [] };
  if (!fresh) {
    const parsed = parseManifest(text);
    if (!parsed.manifest) {
      const first = parsed.problems.find((p) => p.severity === 'error');
      throw new ImportMergeError(`the existing manifest has errors (first at line ${(first?.line ?? 0) + 1}: ${first?.message ?? 'invalid'}); fix it, then import again`);
    }
    manifest = parsed.manifest;
  }

  const result: ImportMerge = { text, tierMap: {}, addedTiers: [], addedComponents: [], extendedComponents: [], alreadyListed: [], keptTiers: [] };
  for (const t of imported.tiers) {
    if (!imported.components.some((c) => c.tier === t.id)) continue;
    const target = existingTierFor(manifest, t);
    if (target) {
      result.tierMap[t.id] = target;
      continue;
    }
    text = edit(text, ['tiers', t.id], tierValue(t));
    result.tierMap[t.id] = t.id;
    result.addedTiers.push(t.id);
  }

  for (const c of imported.components) {
    const tier = result.tierMap[c.tier] ?? c.tier;
    const globs = c.files.map((f) => f.glob);
    const current = manifest.components.find((x) => x.name === c.name);
    if (!current) {
      text = edit(text, ['components', c.name], {
        tier, files: globs, risk: c.risk, impact: c.impact, owners: c.owners, unlockCodes: [],
      });
      result.addedComponents.push(c.name);
      continue;
    }
    if (current.tier !== tier) result.keptTiers.push({ component: c.name, imported: tier, kept: current.tier });
    const added: string[] = [];
    for (const glob of globs) {
      if (current.files.includes(glob) || added.includes(glob)) {
        result.alreadyListed.push({ glob, component: c.name });
        continue;
      }
      text = edit(text, ['components', c.name, 'files', -1], glob, true);
      added.push(glob);
    }
    if (added.length > 0) result.extendedComponents.push({ name: c.name, added });
  }

  const check = parseManifest(text);
  if (!check.manifest) {
    // A defect of this module, not of the user's input: never hand back a manifest that does not load.
    throw new ImportMergeError(`the merged manifest would not load (${check.problems.find((p) => p.severity === 'error')?.message ?? 'invalid'}); nothing was written`);
  }
  result.text = text;
  return result;
}
