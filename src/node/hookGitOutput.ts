// The installed pre-commit hook runs git itself, while Node starts: `verify --staged --git-output`
// reads git's answers from standard input instead of starting git after Node is up. A commit in a
// repository of 20,000 files waited for Node's start (~20 ms), then for git's diff (~14 ms), then
// for a second git process reading objects; run side by side on two cores, the diff is done before
// Node has loaded the gate (issue 8).
//
// What the hook hands over (GIT_OUTPUT_HEADER, then each command's output and exit code):
//   - `git diff-index --cached` with the gate's own options: the staged change, with the object id
//     and mode of each changed path on both sides;
//   - `git ls-tree --long HEAD` of the manifest and the audit log: their ids and sizes in HEAD, the
//     ids the index's too where the diff does not name them (git reads a few tree objects and two
//     object headers for it, not the index of every file).
// The gate then reads each file it needs from the work tree and keeps it only where its git object
// id (sha1 or sha256 over git's `blob <size>\0` header and the bytes) is the id git gave: the bytes
// are then the committed ones, whoever wrote the work tree. HEAD's audit log, which only grows, is
// looked for as the first bytes (its size) of the staged one. Anything else (a file staged and edited
// since, a symlink, a conflict, a path not in either answer, a log rewritten) is read from git as
// without this input, by a `cat-file` started on first need. Input that is not exactly this (another header, a git that failed, a truncated stream) is no
// input: the gate runs git itself, which also gives git's own error.
//
// Trust: standard input comes from whoever runs the gate, who could as well not run it (the hook
// script is theirs, and `git commit --no-verify` skips it); CI's `verify --base` never reads it.
// What the work tree gives is trusted only as far as its object id matches git's: in a sha1
// repository that is SHA-1, which git hardens against known collision attacks when it stores
// objects and Node's hash does not; forging a pair would take a chosen-prefix collision and writing
// the object past git, to fool a local hook that `--no-verify` skips anyway, and CI reads the
// object itself.
import { join } from 'node:path';
import { nodeCrypto } from '../core/nodeCrypto';
import { AUDIT_LOG, GIT_MODE } from '../core/verify';
import { MANIFEST_PATH } from '../core/layout';
import { ObjectReader, Reads, STAGED_DIFF_ARGS, changeSet, findRepository, parseRawDiff } from './gitChanges';
import { readRegularFileSync } from './regularFile';
import type { GitChange, PendingChangeSet, TreeEntry, VersionReads } from './gitChanges';

/** The first line of the input; its number changes whenever what follows does. */
export const GIT_OUTPUT_HEADER = 'protected-files git-output 1\n';
const EXIT_MARK = '\n--pf-exit ';

/** The paths the hook asks `git ls-tree` about, in this order. */
export const LISTED_PATHS: readonly string[] = [MANIFEST_PATH, AUDIT_LOG];

/**
 * The shell commands (POSIX sh) that write the input on standard output; the hook pipes them into
 * `verify --staged --git-output`. git's errors are not shown here: where git fails, the gate runs it
 * again itself and reports why. A subshell, not a `{ }` group: lefthook reads `{…}` in its `run`
 * lines as templates, and the left side of a pipe is a subshell either way.
 */
export function gitOutputCommands(): string {
  const git = (args: string[]): string => `  GIT_OPTIONAL_LOCKS=0 git ${args.join(' ')} 2>/dev/null`;
  const status = `  printf '${EXIT_MARK.replace('\n', '\\n')}%s\\n' "$?"`;
  return [
    '(',
    `  printf '${GIT_OUTPUT_HEADER.replace('\n', '\\n')}'`,
    git(['diff-index', '--cached', ...STAGED_DIFF_ARGS, 'HEAD', '--']),
    status,
    git(['ls-tree', '-z', '--long', '--full-tree', 'HEAD', '--', ...LISTED_PATHS]),
    status,
    ')',
  ].join('\n');
}

/** What the hook's git commands answered. */
export interface StagedGitOutput {
  /** `git diff-index --cached -z …` output, parsed. */
  changes: GitChange[];
  /** HEAD's entries of LISTED_PATHS, where it has them. */
  head: Map<string, HeadEntry>;
}

/** An entry of HEAD's tree, with the object's size where it is a blob. */
export interface HeadEntry extends TreeEntry {
  size?: number;
}

const LS_ENTRY = /^([0-7]{6}) (blob|tree|commit) ([0-9a-f]{40}|[0-9a-f]{64}) +([0-9]{1,15}|-)\t([^\0]+)$/;

/** The input as the hook writes it, or undefined for anything else (and where either git command failed). */
export function parseGitOutput(input: Buffer): StagedGitOutput | undefined {
  if (input.length < GIT_OUTPUT_HEADER.length || input.toString('latin1', 0, GIT_OUTPUT_HEADER.length) !== GIT_OUTPUT_HEADER) return undefined;
  // Found from the end: the ls-tree answer holds only the listed paths and ids, never the mark,
  // where the diff before it may hold any path.
  const listed = exitMark(input, input.lastIndexOf(EXIT_MARK, input.length - 1, 'latin1'));
  if (!listed || listed.end !== input.length || listed.code !== 0) return undefined;
  const diffed = exitMark(input, listed.start === 0 ? -1 : input.lastIndexOf(EXIT_MARK, listed.start - 1, 'latin1'));
  if (!diffed || diffed.code !== 0 || diffed.start < GIT_OUTPUT_HEADER.length) return undefined;
  const changes = parseRawDiff(input.subarray(GIT_OUTPUT_HEADER.length, diffed.start), true);
  if (!changes) return undefined;
  const head = new Map<string, HeadEntry>();
  const ls = input.toString('utf8', diffed.end, listed.start);
  if (ls.length > 0 && !ls.endsWith('\0')) return undefined;
  for (const line of ls.split('\0').slice(0, -1)) {
    const m = LS_ENTRY.exec(line);
    if (!m || !LISTED_PATHS.includes(m[5]) || head.has(m[5]) || (m[2] === 'blob') !== (m[4] !== '-')) return undefined;
    head.set(m[5], m[4] === '-' ? { mode: m[1], id: m[3] } : { mode: m[1], id: m[3], size: Number(m[4]) });
  }
  return { changes, head };
}

/** The exit mark (`\n--pf-exit <code>\n`) at `start`: where it starts and ends, and the code. */
function exitMark(input: Buffer, start: number): { start: number; end: number; code: number } | undefined {
  if (start < 0) return undefined;
  const digitsStart = start + EXIT_MARK.length;
  const newline = input.indexOf(0x0a, digitsStart);
  if (newline < 0) return undefined;
  const digits = input.toString('latin1', digitsStart, newline);
  return /^[0-9]{1,3}$/.test(digits) ? { start, end: newline + 1, code: Number(digits) } : undefined;
}

/** A work-tree file larger than this is read from git (hashing it twice would cost more than git's read). */
const MAX_WORK_TREE_BYTES = 32 * 1024 * 1024;

/** What a version holds at a path: its entry, null where it has nothing, undefined where the input does not say (git is asked). */
type Known = HeadEntry | null | undefined;

const BLOB_MODES: ReadonlySet<string> = new Set([GIT_MODE.file, GIT_MODE.executable]);

/**
 * The staged change set from the hook's input: the diff as given, and reads that go to the work
 * tree where its bytes have the id git gave (see the top of the file), to git otherwise.
 * `root`: the work tree's top level (a file found anywhere else has the id only if it is the blob).
 */
export function stagedChangesFromOutput(output: StagedGitOutput, root: string, cwd: string, env: NodeJS.ProcessEnv): PendingChangeSet {
  const changes = output.changes;
  const reads = new IndexedReads(root, changes, output.head, cwd, env);
  let found: ReturnType<typeof findRepository> | undefined;
  const set = changeSet(() => (found ??= findRepository(cwd, env)), 'staged', 'HEAD', undefined, changes, reads, () => reads.close());
  return {
    mode: 'staged',
    readTarget: set.readTarget,
    readBase: set.readBase,
    readBaseTip: set.readBaseTip,
    targetId: set.targetId,
    baseId: set.baseId,
    baseEntry: set.baseEntry,
    changeSet: Promise.resolve(set),
    close: set.close,
  };
}

/** Reads of the index and of HEAD that know the object ids from the hook's input (see stagedChangesFromOutput). */
class IndexedReads implements VersionReads {
  private readonly targets = new Map<string, Known>();
  private readonly bases = new Map<string, Known>();
  private readonly contents = new Map<string, Promise<Buffer | undefined>>();
  private objects: ObjectReader | undefined;
  private git: Reads | undefined;

  constructor(private readonly root: string, changes: readonly GitChange[], head: ReadonlyMap<string, HeadEntry>, private readonly cwd: string, private readonly env: NodeJS.ProcessEnv) {
    const entry = (mode: string | undefined, id: string | undefined): Known => (mode !== undefined && id !== undefined ? { mode, id } : undefined);
    for (const c of changes) {
      if (c.status === 'added') this.set(c.path, entry(c.mode, c.blob), null);
      else if (c.status === 'modified') this.set(c.path, entry(c.mode, c.blob), entry(c.oldMode, c.oldBlob));
      else if (c.status === 'deleted') this.set(c.path, null, entry(c.oldMode, c.oldBlob));
      else if (c.status === 'renamed') {
        this.set(c.path, entry(c.mode, c.blob), null);
        this.set(c.from!, null, entry(c.oldMode, c.oldBlob));
      } else this.set(c.path, undefined, undefined); // a conflict: git is asked
    }
    // A listed path the diff does not name is the same in HEAD and the index (absent from both where HEAD has none).
    for (const path of LISTED_PATHS) if (!this.targets.has(path)) this.set(path, head.get(path) ?? null, head.get(path) ?? null);
    // HEAD's size of a listed path the diff names (the log, appended to).
    for (const [path, e] of head) {
      const base = this.bases.get(path);
      if (base && base.id === e.id && e.size !== undefined) this.bases.set(path, { ...base, size: e.size });
    }
  }

  private set(path: string, target: Known, base: Known): void {
    // A path named twice (a rename onto a path the diff also lists) is left to git.
    const twice = this.targets.has(path);
    this.targets.set(path, twice ? undefined : target);
    this.bases.set(path, twice ? undefined : base);
  }

  target(path: string): Promise<Buffer | undefined> {
    const e = this.targets.get(path);
    if (e === null) return Promise.resolve(undefined);
    return e && BLOB_MODES.has(e.mode) ? this.content(e.id, path) : this.viaGit().target(path);
  }

  async base(path: string): Promise<Buffer | undefined> {
    const e = this.bases.get(path);
    if (e === null) return undefined;
    if (!e || !BLOB_MODES.has(e.mode)) return this.viaGit().base(path);
    const t = this.targets.get(path);
    if (e.size !== undefined && t && t.id !== e.id && BLOB_MODES.has(t.mode) && !this.contents.has(e.id)) {
      // A log that only grew: HEAD's is the verified one's first bytes, if their id says so.
      const whole = await this.target(path);
      const prefix = whole && matching(whole, e.id, e.size);
      if (prefix) {
        this.contents.set(e.id, Promise.resolve(prefix));
        return prefix;
      }
    }
    return this.content(e.id, path, e.size);
  }

  tip(): Promise<Buffer | undefined> {
    return Promise.resolve(undefined);
  }

  targetId(path: string): Promise<string | undefined> {
    const e = this.targets.get(path);
    if (e === null) return Promise.resolve(undefined);
    return e && BLOB_MODES.has(e.mode) ? Promise.resolve(e.id) : this.viaGit().targetId(path);
  }

  baseId(path: string): Promise<string | undefined> {
    const e = this.bases.get(path);
    if (e === null) return Promise.resolve(undefined);
    return e && BLOB_MODES.has(e.mode) ? Promise.resolve(e.id) : this.viaGit().baseId(path);
  }

  baseEntry(dir: string, name: string): Promise<TreeEntry | undefined> {
    const e = this.bases.get(`${dir}/${name}`);
    if (e === null) return Promise.resolve(undefined);
    return e ? Promise.resolve(e) : this.viaGit().baseEntry(dir, name);
  }

  blob(id: string, path?: string): Promise<Buffer | undefined> {
    return this.content(id, path);
  }

  close(): void {
    this.objects?.close();
  }

  /**
   * The blob `id`: the work tree's file at `path` where its bytes have that id (or, given the blob's
   * `size`, its first that many bytes: a log appended to since it was staged), else git's.
   */
  private content(id: string, path?: string, size?: number): Promise<Buffer | undefined> {
    let p = this.contents.get(id);
    if (!p) {
      const bytes = path === undefined ? undefined : readWorkTreeFile(this.root, path);
      const found = bytes && matching(bytes, id, size);
      p = found ? Promise.resolve(found) : this.reader().read(id);
      this.contents.set(id, p);
    }
    return p;
  }

  private reader(): ObjectReader {
    return (this.objects ??= new ObjectReader(this.cwd, this.env));
  }

  private viaGit(): Reads {
    return (this.git ??= new Reads(this.reader(), ':', 'HEAD:'));
  }
}

/** `bytes` where they are the blob `id`; else, given its `size`, their first that many bytes where those are; else undefined. */
function matching(bytes: Buffer, id: string, size?: number): Buffer | undefined {
  if (size === undefined || size === bytes.length) return blobId(bytes, id.length) === id ? bytes : undefined;
  if (size > bytes.length) return undefined;
  const prefix = bytes.subarray(0, size);
  return blobId(prefix, id.length) === id ? prefix : undefined;
}

/** git's object id of a blob holding `bytes`: sha1, or sha256 in a sha256 repository (ids of 64 digits). */
export function blobId(bytes: Buffer, idLength: number): string {
  return nodeCrypto().createHash(idLength === 64 ? 'sha256' : 'sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/**
 * The bytes of the regular file at git path `path` under `root`, or undefined: a path git would not
 * write (`..`, empty segments), a link (not followed: git stores a link's target, not what it
 * points at), a named pipe, a device, a folder, anything over MAX_WORK_TREE_BYTES, or unreadable.
 */
function readWorkTreeFile(root: string, path: string): Buffer | undefined {
  const segments = path.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return undefined;
  return readRegularFileSync(join(root, ...segments), { noFollow: true, maxBytes: MAX_WORK_TREE_BYTES });
}
