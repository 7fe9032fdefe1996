// Copies of content we are about to replace (an approved change's previous version, a breach's
// unapproved version) under `.protection/backups/`, kept out of git by their own .gitignore.
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { sha256 } from '../core/audit';
import { atomicWriteFile } from './atomicWrite';
import { readRegularFile } from './regularFile';

/** Folder-relative, `/`-separated. */
export const BACKUPS_DIR = '.protection/backups';

const GITIGNORE = '# Protected Files: local backups of replaced content. Not for git.\n*\n!.gitignore\n';

/** `20261122T104012345Z` (UTC, milliseconds): sorts by time, safe in every file system. */
function stamp(now: Date): string {
  return now.toISOString().replace(/[-:.]/g, '');
}

/** `src/a.ts` from `src\\a.ts` or `./src//a.ts`; throws for absolute paths and `..` segments. */
function checkedRelPath(relPath: string): string {
  const slashed = relPath.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) {
    throw new Error(`Cannot back up an absolute path (${relPath}): expected a path inside the folder.`);
  }
  const segments = slashed.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) {
    throw new Error(`Cannot back up ${relPath}: the path must not contain "..".`);
  }
  if (segments.length === 0) throw new Error('Cannot back up an empty path.');
  return segments.join('/');
}

/** Whether anything (a file, a folder, a pipe, a dangling link) is at `path`. */
async function exists(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Creates `.protection/backups/` with its .gitignore; returns its absolute path. */
export async function ensureBackupsDir(folderPath: string): Promise<string> {
  const backupsRoot = join(folderPath, ...BACKUPS_DIR.split('/'));
  await fs.mkdir(backupsRoot, { recursive: true });
  await ensureGitignore(backupsRoot);
  return backupsRoot;
}

/** Keeps backups out of git even when the user's own .gitignore says nothing about them. */
async function ensureGitignore(backupsRoot: string): Promise<void> {
  const path = join(backupsRoot, '.gitignore');
  // Read without waiting (src/node/regularFile.ts): anything but a file here is replaced by one.
  const current = (await readRegularFile(path))?.toString('utf8');
  const lines = current?.split(/\r?\n/).map((l) => l.trim());
  if (lines?.includes('*') && lines.includes('!.gitignore')) return;
  await atomicWriteFile(path, GITIGNORE);
}

/**
 * Writes `content` to `.protection/backups/<YYYYMMDDTHHMMSSmmmZ>-<sha256 first 12>/<relPath>`
 * (atomically) and returns that folder-relative path, `/`-separated. Writing the same content
 * twice at the same moment is harmless; a different existing file there is never replaced (a
 * `-2`, `-3`… suffix is added to the backup folder instead).
 */
export async function writeBackup(
  folderPath: string,
  relPath: string,
  content: string | Uint8Array,
  now: Date = new Date(),
): Promise<string> {
  const rel = checkedRelPath(relPath);
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  await ensureBackupsDir(folderPath);

  const base = `${stamp(now)}-${sha256(bytes).slice(0, 12)}`;
  for (let n = 1; ; n++) {
    const backupRel = `${BACKUPS_DIR}/${n === 1 ? base : `${base}-${n}`}/${rel}`;
    const target = join(folderPath, ...backupRel.split('/'));
    // Whatever is there already stays; only the same bytes in a file count as this backup.
    if (await exists(target)) {
      if ((await readRegularFile(target))?.equals(bytes)) return backupRel;
      continue;
    }
    await fs.mkdir(dirname(target), { recursive: true });
    await atomicWriteFile(target, bytes);
    return backupRel;
  }
}
