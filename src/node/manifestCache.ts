// A workspace's manifest as the command-line part that reads it last parsed it, kept beside that part
// (dist/cli-guard.js.manifest-NN.cache): every agent tool call and every `check` starts a fresh Node,
// whose first parse and validation of a manifest runs cold code (~1.2 ms for a one-component manifest,
// ~2.5 ms for a team's of six components with patterns, issue 8). The cache holds the manifest's text
// and the parse's result as JSON; it is used only for the same text, byte for byte, and the part that
// wrote it (its file's identity, src/node/cachedPart.ts), so that an updated parser never takes an
// older one's result.
//
// Trust: as for the part's code cache, the part's own folder, which only whoever can replace the part
// can write (the agents' hook refuses an agent's writes there: hookCommand.ts's ownCodeHit). Written
// to a temporary file and renamed into place, so a crash mid-write leaves no torn cache; read without
// following a link, never waiting on a pipe and to a bound. Anything wrong (missing, another part,
// another text, JSON that is not a parse's result) means parsing as without it.
import { noteOneOffRun } from '../core/codePath';
import { fnv1a32 } from '../core/fnv';
import { parseManifest } from '../core/manifest';
import type { ParsedManifest } from '../core/manifest';
import { readBounded } from './boundedRead';
import { writeCacheFile } from './cacheFile';
import { partIdentity } from './partRegistry';

const MAGIC = 'protected-files parsed manifest 1';

/** Caches per part: a workspace's takes the slot its folder's name falls in (two sharing a slot take turns). */
export const MANIFEST_CACHE_SLOTS = 64;

/** The most a cache's JSON may take beside its text: a parse's result is a few times the text at most. */
const maxJson = (textBytes: number): number => textBytes * 16 + 256 * 1024;

/** The part this module runs in, when it was loaded by loadCachedPart (a CLI part), else undefined. */
function thisPart(): { filename: string; identity: string } | undefined {
  const identity = partIdentity(__filename);
  return identity === undefined ? undefined : { filename: __filename, identity };
}

/** The cache file of the workspace at `root` beside the part `filename`. */
export function manifestCacheFile(filename: string, root: string): string {
  return `${filename}.manifest-${String(fnv1a32(root) % MANIFEST_CACHE_SLOTS).padStart(2, '0')}.cache`;
}

/**
 * parseManifest(text) for the manifest of the workspace at `root`, from the cache beside the part
 * when it holds this text, else parsed and kept there. `part`: the part's file and identity (this
 * part's own unless given; none outside a CLI part, where it only parses).
 */
export function parseManifestCached(text: string, root: string, part = thisPart()): ParsedManifest {
  if (!part) return parseManifest(text);
  const file = manifestCacheFile(part.filename, root);
  const textBytes = Buffer.from(text, 'utf8');
  const cached = readParsed(file, part.identity, textBytes);
  if (cached) return cached;
  const parsed = parseManifest(text);
  // Kept: the next run reads it back, and a code cache of this run would hold the parser (see noteOneOffRun).
  if (writeParsed(file, part.identity, textBytes, parsed)) noteOneOffRun();
  return parsed;
}

function header(identity: string, textBytes: number, jsonBytes: number): string {
  return `${MAGIC} ${identity} ${textBytes} ${jsonBytes}\n`;
}

/** The parse kept in `file` for exactly `text` by the part `identity`, or undefined. */
export function readParsed(file: string, identity: string, text: Buffer): ParsedManifest | undefined {
  const bytes = readBounded(file, 512 + text.length + maxJson(text.length));
  if (!bytes) return undefined;
  const newline = bytes.indexOf(0x0a);
  if (newline < 0 || newline > 512) return undefined;
  const jsonBytes = Number(bytes.subarray(0, newline).toString('latin1').split(' ').pop());
  if (!Number.isSafeInteger(jsonBytes) || bytes.subarray(0, newline + 1).toString('latin1') !== header(identity, text.length, jsonBytes)) return undefined;
  const textStart = newline + 1;
  const jsonStart = textStart + text.length;
  if (bytes.length !== jsonStart + jsonBytes || !bytes.subarray(textStart, jsonStart).equals(text)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8', jsonStart));
  } catch {
    return undefined;
  }
  // As the parse gives it: `manifest` is there, undefined, when the text has errors (JSON leaves it out).
  return isParsedManifest(parsed) ? { manifest: parsed.manifest, problems: parsed.problems } : undefined;
}

/** The shape of a parse's result, checked loosely: enough that code reading it never meets a wrong type at its top. */
function isParsedManifest(value: unknown): value is ParsedManifest {
  if (typeof value !== 'object' || value === null) return false;
  const { manifest, problems } = value as Partial<Record<keyof ParsedManifest, unknown>>;
  if (!Array.isArray(problems)) return false;
  if (manifest === undefined) return true;
  if (typeof manifest !== 'object' || manifest === null) return false;
  const m = manifest as Record<string, unknown>;
  return Array.isArray(m.tiers) && Array.isArray(m.components) && Array.isArray(m.guardedCommands) && Array.isArray(m.protectedBranches);
}

/**
 * Keeps `parsed` for `text` in `file`, atomically; never throws. The JSON is made only once the file
 * can be written. True when it was kept.
 */
export function writeParsed(file: string, identity: string, text: Buffer, parsed: ParsedManifest): boolean {
  return writeCacheFile(file, () => {
    const json = Buffer.from(JSON.stringify(parsed), 'utf8');
    // One that could not be read back within the bound is not kept (it would be parsed and written on every run).
    return json.length > maxJson(text.length) ? undefined : Buffer.concat([Buffer.from(header(identity, text.length, json.length), 'latin1'), text, json]);
  });
}
