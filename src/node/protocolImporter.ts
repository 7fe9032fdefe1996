// Imports a protocol document into a folder's manifest (see src/core/protocolImport.ts): reads the
// document with bounds (size, text only), reads the manifest, finds which imported paths do not
// exist, and writes the merged manifest only if the manifest did not change since the preview.
import { promises as fs } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ImportMergeError, mergeImport } from '../core/importMerge';
import type { ImportMerge } from '../core/importMerge';
import { MANIFEST_PATH } from '../core/manifest';
import { importProtocol } from '../core/protocolImport';
import type { ProtocolImport } from '../core/protocolImport';
import { atomicWriteFile } from './atomicWrite';
import { readRegularFileStrict, readRegularText } from './regularFile';

/** Larger documents are refused: protocol documents are a few pages, not megabytes. */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;

/** The document or the manifest cannot be used; the message is one sentence saying why and what to do. */
export class ImportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportInputError';
  }
}

export interface ImportPlan {
  /** The document as the user named it, for messages. */
  document: string;
  imported: ProtocolImport;
  /** Undefined when nothing was recognised (then there is nothing to merge). */
  merge: ImportMerge | undefined;
  /** The manifest text now, undefined when there is none. */
  before: string | undefined;
  /** Imported globs whose fixed part (the path before the first wildcard) does not exist in the folder. */
  missing: string[];
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Reads a document as UTF-8 text, refusing what is missing, a folder, too large or binary. */
export async function readProtocolDocument(path: string, shown: string = path): Promise<string> {
  let stat;
  try {
    stat = await fs.stat(path);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') throw new ImportInputError(`${shown} does not exist: give the path of a Markdown document such as PROTECTED_FILES.md`);
    throw err;
  }
  if (!stat.isFile()) throw new ImportInputError(`${shown} is not a file: give the path of a Markdown document`);
  if (stat.size > MAX_DOCUMENT_BYTES) {
    throw new ImportInputError(`${shown} is ${(stat.size / 1024 / 1024).toFixed(1)} MB, more than the ${MAX_DOCUMENT_BYTES / 1024 / 1024} MB a protocol document may have: import the section that lists the protected files`);
  }
  const bytes = await readRegularFileStrict(path);
  if (bytes.subarray(0, 8192).includes(0)) throw new ImportInputError(`${shown} is a binary file, not a Markdown document`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new ImportInputError(`${shown} is not UTF-8 text: save it as UTF-8 and import again`);
  }
}

/** The fixed part of a glob: its segments before the first one with a wildcard or brace. */
function fixedPart(glob: string): string {
  const out: string[] = [];
  for (const segment of glob.split('/')) {
    if (/[*?[{]/.test(segment)) break;
    out.push(segment);
  }
  return out.join('/');
}

/** The globs whose fixed part is not in `folder` (a typo, or a document older than the code). */
export async function missingPaths(folder: string, globs: readonly string[]): Promise<string[]> {
  const root = resolve(folder);
  const missing: string[] = [];
  for (const glob of globs) {
    const fixed = fixedPart(glob);
    if (fixed === '') continue;
    const target = resolve(root, ...fixed.split('/'));
    if (target !== root && !target.startsWith(root + sep)) continue; // never looked at: cannot happen for imported globs
    try {
      await fs.access(target);
    } catch {
      missing.push(glob);
    }
  }
  return missing;
}

function readManifest(folder: string): Promise<string | undefined> {
  return readRegularText(join(folder, ...MANIFEST_PATH.split('/')));
}

/**
 * What importing `documentPath` into `folder`'s manifest would do. Reads, never writes. Throws
 * `ImportInputError` for a document that cannot be read as text or a manifest with errors.
 */
export async function planImport(folder: string, documentPath: string, shown?: string): Promise<ImportPlan> {
  const name = shown ?? relative(folder, documentPath).split(sep).join('/');
  const text = await readProtocolDocument(documentPath, name);
  const imported = importProtocol(text);
  const before = await readManifest(folder);
  if (imported.components.length === 0) return { document: name, imported, merge: undefined, before, missing: [] };
  let merge: ImportMerge;
  try {
    merge = mergeImport(before, imported, name.split('/').pop() ?? name);
  } catch (err) {
    if (err instanceof ImportMergeError) throw new ImportInputError(`${MANIFEST_PATH}: ${err.message}`);
    throw err;
  }
  const missing = await missingPaths(folder, imported.components.flatMap((c) => c.files.map((f) => f.glob)));
  return { document: name, imported, merge, before, missing };
}

/** Writes the plan's manifest, unless the manifest changed since the plan was made. */
export async function writeImport(folder: string, plan: ImportPlan): Promise<void> {
  if (!plan.merge) return;
  const now = await readManifest(folder);
  if (now !== plan.before) throw new ImportInputError(`${MANIFEST_PATH} changed after the preview was made: preview again, then write`);
  const path = join(folder, ...MANIFEST_PATH.split('/'));
  await fs.mkdir(dirname(path), { recursive: true });
  await atomicWriteFile(path, plan.merge.text);
}
