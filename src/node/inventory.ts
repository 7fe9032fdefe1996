import { promises as fs } from 'node:fs';
import type { Dirent } from 'node:fs';
import { join } from 'node:path';

/** What a walk of a folder found: its protected files and the folders that also hold unprotected ones. */
export interface Inventory<C> {
  /** Protected files by folder-relative path (`/`). */
  readonly files: Map<string, C>;
  /** Folders ('' the top) where a file that is not protected was seen. */
  readonly unprotectedDirs: Set<string>;
  /** Entries looked at (files and folders). */
  seen: number;
  /** The walk stopped at the limit: counts may be low. */
  truncated: boolean;
}

export interface InventoryOptions<C> {
  /** The protection of a folder-relative path, or undefined. */
  readonly classify: (rel: string) => C | undefined;
  /** Whether anything below this folder may be protected (ProtectionMatcher.mayProtectUnder); false skips it. */
  readonly mayProtectUnder: (dir: string) => boolean;
  /** Folders never entered: by name anywhere (`node_modules`, `.git`) or by folder-relative path. */
  readonly skipNames?: ReadonlySet<string>;
  readonly skipPaths?: ReadonlySet<string>;
  /** Walk only this folder (folder-relative) and below; default the whole folder. */
  readonly from?: string;
  /** Stop after this many entries. */
  readonly limit?: number;
  /** Told of every folder read (tests). */
  readonly onDir?: (dir: string) => void;
}

/**
 * Lists the protected files under `root` by reading only the folders a glob can reach: a manifest that
 * protects `src/booking/**` reads `src/` and `src/booking/…`, not the rest of the tree. Symbolic links are
 * listed as entries, never followed (the link is what git tracks; following one could leave the folder
 * or loop). Costs one small array per folder read, nothing kept but the result: the workbench's file
 * search lists every file of the workspace as a URI, which at 20,000 files grew the extension host by
 * tens of MB that it never gave back.
 */
export async function walkProtected<C>(root: string, o: InventoryOptions<C>): Promise<Inventory<C>> {
  const out: Inventory<C> = { files: new Map(), unprotectedDirs: new Set(), seen: 0, truncated: false };
  const limit = o.limit ?? Infinity;
  const pending: string[] = [o.from ?? ''];
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    o.onDir?.(dir);
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir === '' ? root : join(root, ...dir.split('/')), { withFileTypes: true });
    } catch {
      continue; // gone, or not readable: nothing of it can be listed
    }
    // Indexed, not for…of: this runs once per folder and is not optimized, and an array iterator's
    // result objects would be one allocation per entry.
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (++out.seen > limit) {
        out.truncated = true;
        return out;
      }
      const rel = dir === '' ? e.name : `${dir}/${e.name}`;
      if (e.isDirectory()) {
        if (!skipsDir(o, e.name, rel) && o.mayProtectUnder(rel)) pending.push(rel);
        continue;
      }
      if (!e.isFile() && !e.isSymbolicLink()) continue; // sockets, pipes, devices: not files a team edits
      const c = o.classify(rel);
      if (c !== undefined) out.files.set(rel, c);
      else out.unprotectedDirs.add(dir);
    }
  }
  return out;
}

function skipsDir(o: Pick<InventoryOptions<unknown>, 'skipNames' | 'skipPaths'>, name: string, rel: string): boolean {
  return o.skipNames?.has(name) === true || o.skipPaths?.has(rel) === true;
}

/** Whether a folder-relative path is in (or is) a folder the walk never enters. */
export function isSkipped(o: Pick<InventoryOptions<unknown>, 'skipNames' | 'skipPaths'>, rel: string): boolean {
  let start = 0;
  for (;;) {
    const slash = rel.indexOf('/', start);
    const end = slash < 0 ? rel.length : slash;
    if (skipsDir(o, rel.slice(start, end), rel.slice(0, end))) return true;
    if (slash < 0) return false;
    start = slash + 1;
  }
}
