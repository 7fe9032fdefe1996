// Copies of content we are about to replace (an approved change's previous version, a breach's
// unapproved version) under `.protection/backups/`, kept out of git by their own .gitignore.
import { constants, promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { sha256 } from '../core/audit';
import { nodeCrypto } from '../core/nodeCrypto';
import { atomicWriteFile } from './atomicWrite';
import { openRegularFile, readRegularFile, readRegularVersion, streamHandle } from './regularFile';

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
  return placeBackup(folderPath, rel, sha256(bytes), now,
    async (target) => (await readRegularFile(target))?.equals(bytes) === true,
    (target) => atomicWriteFile(target, bytes));
}

/**
 * Moves what stands at `sourcePath` where the file `relPath` belongs (a folder put in place of a
 * protected file) to `.protection/backups/<stamp>-moved-aside/<relPath>`, whole and uncopied (a
 * rename in the same folder tree); returns that folder-relative path.
 */
export async function moveAside(folderPath: string, relPath: string, sourcePath: string, now: Date = new Date()): Promise<string> {
  const rel = checkedRelPath(relPath);
  await ensureBackupsDir(folderPath);
  return placeBackup(folderPath, rel, 'moved-aside', now, () => Promise.resolve(false), (target) => fs.rename(sourcePath, target));
}

/** Thrown inside copyBackup's copy when the source outgrows `maxBytes`. */
class BackupTooLarge extends Error {}

/**
 * writeBackup for a file too large to hold in memory: the regular file at `sourcePath` is copied
 * in chunks, hashed as it is copied, to a temporary file that then moves into place. Returns the
 * backup's path and the sha256 of what it holds (the file may have changed since it was last
 * read); undefined when nothing regular is at `sourcePath`, or when it holds more than `maxBytes`
 * (then nothing is kept).
 */
export async function copyBackup(
  folderPath: string, relPath: string, sourcePath: string, now: Date = new Date(), maxBytes = Number.POSITIVE_INFINITY,
): Promise<{ backupRel: string; hash: string } | undefined> {
  const rel = checkedRelPath(relPath);
  const backupsRoot = await ensureBackupsDir(folderPath);
  let source: fs.FileHandle;
  try {
    source = await openRegularFile(sourcePath, constants.O_RDONLY);
  } catch {
    return undefined;
  }
  const temp = join(backupsRoot, `.copy.${process.pid}.${nodeCrypto().randomBytes(6).toString('hex')}.tmp`);
  try {
    const sink = await fs.open(temp, 'wx', 0o600);
    let hash: string;
    let copied = 0;
    try {
      ({ hash } = await streamHandle(source, async (chunk) => {
        // A file still growing while it is copied (a writer appending without end) is not kept.
        copied += chunk.length;
        if (copied > maxBytes) throw new BackupTooLarge();
        for (let at = 0; at < chunk.length;) at += (await sink.write(chunk, at, chunk.length - at)).bytesWritten;
      }));
      await sink.sync();
    } catch (err) {
      if (err instanceof BackupTooLarge) return undefined;
      throw err;
    } finally {
      await sink.close();
    }
    const backupRel = await placeBackup(folderPath, rel, hash, now,
      async (target) => (await readRegularVersion(target, 0))?.hash === hash,
      (target) => fs.rename(temp, target));
    return { backupRel, hash };
  } finally {
    await source.close().catch(() => undefined);
    await fs.unlink(temp).catch(() => undefined); // moved into place, or not needed
  }
}

/**
 * Puts a backup of content with sha256 `hash` at `.protection/backups/<stamp>-<hash 12>[-n]/<rel>`:
 * whatever is there already stays; only a file with the same content counts as this backup.
 */
async function placeBackup(folderPath: string, rel: string, hash: string, now: Date,
  holdsIt: (target: string) => Promise<boolean>, put: (target: string) => Promise<void>): Promise<string> {
  const base = `${stamp(now)}-${hash.slice(0, 12)}`;
  for (let n = 1; ; n++) {
    const backupRel = `${BACKUPS_DIR}/${n === 1 ? base : `${base}-${n}`}/${rel}`;
    const target = join(folderPath, ...backupRel.split('/'));
    if (await exists(target)) {
      if (await holdsIt(target)) return backupRel;
      continue;
    }
    await fs.mkdir(dirname(target), { recursive: true });
    await put(target);
    return backupRel;
  }
}
