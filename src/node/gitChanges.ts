// What a commit changes, read from git for the verify gate: the staged index against HEAD
// (pre-commit) or a range base...head (CI), with the content of every file at that version.
//
// git's plumbing directly, not simple-git: the gate runs in every pre-commit hook and is measured
// against a bare `git diff --cached` (issue 3's benchmark), so for --staged it spawns git twice
// (diff-index, and one long-lived `cat-file --batch` for the manifest, the audit log and the
// protected blobs; rev-parse only when the diff fails) and never loads simple-git. The environment is passed through unchanged: inside a hook, git sets
// GIT_INDEX_FILE (for `git commit -a` or `git commit <paths>` a temporary index), and that
// index is the one being committed.
import { constants as bufferConstants } from 'node:buffer';
import type * as ChildProcess from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { TreeChange } from '../core/verify';

/** Why git could not answer; each comes with one sentence for people and what to do. */
export type GitErrorKind = 'git-missing' | 'not-a-repo' | 'no-work-tree' | 'unknown-ref' | 'ambiguous-ref' | 'shallow' | 'no-merge-base' | 'behind-base' | 'git-failed';

export class GitError extends Error {
  constructor(readonly kind: GitErrorKind, message: string, readonly hint?: string) {
    super(message);
    this.name = 'GitError';
  }
}

/** One entry of `git diff --raw`, with the blob ids. */
export interface GitChange extends TreeChange {
  /** Blob id of the new content (absent for deletions). */
  blob?: string;
  /** Blob id of the old content (absent for additions). */
  oldBlob?: string;
  /** A submodule entry (mode 160000): its "content" is a commit id, not a file. */
  gitlink: boolean;
}

export interface Repository {
  /** Absolute path of the work tree's top level. */
  root: string;
  shallow: boolean;
  /** `sha1` or `sha256`. */
  objectFormat: string;
}

export interface ChangeSet {
  /** The repository (its top level is looked up on first call in staged mode). */
  repository(): Promise<Repository>;
  mode: 'staged' | 'range';
  /** What the change is compared with: `HEAD` (staged) or the merge base's id (range); undefined before the first commit. */
  base: string | undefined;
  /** The verified commit (range); undefined for the index. */
  head: string | undefined;
  changes: GitChange[];
  /** A file as of the verified version (the index, or `head`); undefined when absent there. */
  readTarget(path: string): Promise<Buffer | undefined>;
  /** A file as of `base`; undefined when absent there or without a base. */
  readBase(path: string): Promise<Buffer | undefined>;
  /**
   * Range mode: a file as of the base ref's tip, which may protect more than the merge base
   * (main began to protect a file after the branch left it). Undefined in staged mode, and when
   * the tip is the merge base.
   */
  readBaseTip(path: string): Promise<Buffer | undefined>;
  /** Blob contents by id; `path`: where the verified version has it (a source may look there first). */
  readBlob(id: string, path?: string): Promise<Buffer | undefined>;
  /** The object id of a file read with readTarget (once that read has answered); undefined when absent. */
  targetId(path: string): Promise<string | undefined>;
  /** The object id of a file read with readBase (once that read has answered); undefined when absent. */
  baseId(path: string): Promise<string | undefined>;
  /** An entry of a folder of the base version, without reading the file (see Reads.baseEntry). */
  baseEntry(dir: string, name: string): Promise<TreeEntry | undefined>;
  /** Ends the git process that reads objects. */
  close(): void;
}

/**
 * A change set on its way: the verified and the base version can be read (and what they hold
 * worked on) while git is still computing the diff.
 */
export interface PendingChangeSet {
  mode: ChangeSet['mode'];
  /** As ChangeSet.readTarget; rejects when git cannot answer (then `changeSet` rejects with the reason). */
  readTarget(path: string): Promise<Buffer | undefined>;
  /** As ChangeSet.readBase. */
  readBase(path: string): Promise<Buffer | undefined>;
  /** As ChangeSet.readBaseTip. */
  readBaseTip(path: string): Promise<Buffer | undefined>;
  /** As ChangeSet.targetId. */
  targetId(path: string): Promise<string | undefined>;
  /** As ChangeSet.baseId. */
  baseId(path: string): Promise<string | undefined>;
  /** As ChangeSet.baseEntry. */
  baseEntry(dir: string, name: string): Promise<TreeEntry | undefined>;
  /** The change set once git has computed the diff; rejects with the GitError when git cannot answer. */
  changeSet: Promise<ChangeSet>;
  /** Ends the git process that reads objects (also when `changeSet` rejected). */
  close(): void;
}

const EMPTY_TREE: Record<string, string> = {
  sha1: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
  sha256: '6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321',
};

const ZERO_ID = /^0+$/;

interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

let childProcess: typeof ChildProcess | undefined;

/**
 * git with piped stdio, node:child_process loaded on first use: `check` and `hook` bundle this file
 * for their rare cases (a deleted manifest, a hard link) and should not pay for loading it on every call.
 */
function spawnGit(args: string[], cwd: string, env: NodeJS.ProcessEnv): ChildProcess.ChildProcessByStdio<Writable, Readable, Readable> {
  // A plain require: esbuild leaves it in place, so the module loads here and not with the bundle.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  childProcess ??= require('node:child_process') as typeof ChildProcess;
  return childProcess.spawn('git', args, { cwd, env: gitEnv(env), stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
}

/** Runs git to completion; rejects only when git cannot be started. */
export function runGit(args: string[], cwd: string, env: NodeJS.ProcessEnv, input?: string): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawnGit(args, cwd, env);
    // The listener first: a spawn that fails (EMFILE, ENOENT) reports it as an 'error' event later,
    // which would crash the process unheard, and may leave the pipes null.
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? gitMissing(cwd, e) : e));
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8').trim() }));
    child.stdin?.on('error', () => undefined); // git may exit before reading its input
    child.stdin?.end(input ?? '');
  });
}

function gitMissing(cwd: string, e: NodeJS.ErrnoException): Error {
  // ENOENT is also what spawn reports for a cwd that does not exist.
  return new GitError('git-missing', `Could not run git in ${cwd} (${e.message}).`, 'Install git and make sure it is on PATH, and run from inside the repository.');
}

function gitEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // No index refresh or other optional lock taking: the gate only reads, often while a commit holds the index lock.
  return { ...env, GIT_OPTIONAL_LOCKS: '0' };
}

/** The repository around `cwd`: its top level, whether it is a shallow clone, its hash. */
export async function findRepository(cwd: string, env: NodeJS.ProcessEnv): Promise<Repository> {
  const r = await runGit(['rev-parse', '--show-toplevel', '--is-shallow-repository', '--show-object-format'], cwd, { ...env, LC_ALL: 'C' });
  if (r.code !== 0) {
    if (/not a git repository/i.test(r.stderr)) {
      throw new GitError('not-a-repo', `${cwd} is not inside a git repository.`, 'Run protected-files from the work tree of the repository that holds .protection/manifest.jsonc.');
    }
    if (/work tree/i.test(r.stderr)) {
      throw new GitError('no-work-tree', `${cwd} is not in a git work tree (${r.stderr.split('\n')[0]}).`, 'Run protected-files from the checked-out files, not from inside .git or a bare repository.');
    }
    throw new GitError('git-failed', `git rev-parse failed in ${cwd}: ${r.stderr.split('\n')[0]}`);
  }
  const [root, shallow, objectFormat] = r.stdout.toString('utf8').split('\n');
  return { root, shallow: shallow === 'true', objectFormat: objectFormat || 'sha1' };
}

/** The full id of `ref` as a commit, or undefined when git does not know it. */
async function resolveCommit(repo: Repository, ref: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (ref.startsWith('-')) return undefined; // never let a ref be read as an option
  const r = await runGit(['rev-parse', '--quiet', '--verify', `${ref}^{commit}`], repo.root, env);
  const id = r.stdout.toString('utf8').trim();
  return r.code === 0 && id ? id : undefined;
}

/**
 * The refs a short name could mean, in git's order after `$GIT_DIR/<name>` (gitrevisions,
 * "<refname>"): git takes the first that exists.
 */
const SHORT_NAME_RULES: readonly ((name: string) => string)[] = [
  (name) => `refs/${name}`,
  (name) => `refs/tags/${name}`,
  (name) => `refs/heads/${name}`,
  (name) => `refs/remotes/${name}`,
  (name) => `refs/remotes/${name}/HEAD`,
];

/**
 * The refs that `ref` names when it names more than one; empty otherwise. git resolves such a name
 * to the first by its rules and only warns (a warning core.warnAmbiguousRefs turns off): a tag
 * named origin/main stands in for the remote branch, and `verify --base origin/main` compared the
 * branch with itself. Asked of the refs themselves, not of git's warning. A full ref (refs/…), a
 * pseudo-ref (HEAD, FETCH_HEAD) and an object id come before those rules, so a tag of the same name
 * changes nothing for them: not refused, or anyone who can push a tag named HEAD could stop CI.
 */
async function refMeanings(repo: Repository, ref: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  // The name before a revision suffix (origin/main~2, origin/main@{1}, main:path); refnames hold none of these.
  const name = ref.split(/[~^:]|@\{/)[0];
  if (name === '' || name === '@' || /^[A-Z_]*HEAD$/.test(name) || /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(name)) return [];
  const candidates = SHORT_NAME_RULES.map((rule) => rule(name));
  const full = name.startsWith('refs/');
  const r = await runGit(['for-each-ref', '--format=%(refname)', '--', ...(full ? [name] : []), ...candidates], repo.root, env);
  // for-each-ref also lists the refs under a pattern (refs/tags/origin/main/x): only exact names count.
  const found = new Set(r.stdout.toString('utf8').split('\n'));
  if (full && found.has(name)) return [];
  const meanings = candidates.filter((c) => found.has(c));
  return meanings.length > 1 ? meanings : [];
}

/** The error for a ref that names each of `meanings`, suggesting the full name of the branch among them. */
function ambiguousRef(ref: string, meanings: string[]): GitError {
  const name = ref.split(/[~^:]|@\{/)[0];
  const suggested = meanings.find((m) => m.startsWith('refs/remotes/')) ?? meanings.find((m) => m.startsWith('refs/heads/')) ?? meanings[0];
  return new GitError(
    'ambiguous-ref',
    `The ref ${ref} is ambiguous: it names ${meanings.slice(0, -1).join(', ')} and ${meanings[meanings.length - 1]}.`,
    `Write the full ref of the one you mean, such as ${suggested}${ref.slice(name.length)}.`,
  );
}

/**
 * Parses `git diff-index`/`diff-tree` raw output with `-z`. `strict`: for output that did not come
 * from git directly (src/node/hookGitOutput.ts): undefined unless every entry is whole.
 */
export function parseRawDiff(out: Buffer): GitChange[];
export function parseRawDiff(out: Buffer, strict: true): GitChange[] | undefined;
export function parseRawDiff(out: Buffer, strict = false): GitChange[] | undefined {
  const parts = out.toString('utf8').split('\0');
  const changes: GitChange[] = [];
  for (let i = 0; i < parts.length; ) {
    const meta = parts[i++];
    if (!meta.startsWith(':')) {
      if (strict && (meta !== '' || i !== parts.length)) return undefined;
      continue; // trailing empty part
    }
    // :<old mode> <new mode> <old id> <new id> <status>[score]
    const fields = meta.slice(1).split(' '); // by index: destructuring steps an iterator, which a cold gate pays per path
    if (strict) {
      const paths = fields[4]?.startsWith('R') || fields[4]?.startsWith('C') ? 2 : 1;
      if (fields.length !== 5 || !/^[ACDMRTU][0-9]{0,3}$/.test(fields[4]) || i + paths > parts.length - 1 || parts[i] === '' || parts[i + paths - 1] === '') return undefined;
    }
    const oldMode = fields[0];
    const newMode = fields[1];
    const oldId = fields[2];
    const newId = fields[3];
    const statusField = fields[4];
    const letter = statusField.charAt(0);
    const gitlink = oldMode === '160000' || newMode === '160000';
    const oldBlob = ZERO_ID.test(oldId) ? undefined : oldId;
    const blob = ZERO_ID.test(newId) ? undefined : newId;
    const mode = ZERO_ID.test(newMode) ? undefined : newMode;
    const before = ZERO_ID.test(oldMode) ? undefined : oldMode;
    if (letter === 'R' || letter === 'C') {
      const from = parts[i++];
      const path = parts[i++];
      // A copy leaves its source in place: only the new path is a change.
      changes.push(letter === 'R'
        ? { status: 'renamed', path, from, blob, oldBlob, gitlink, mode, oldMode: before }
        : { status: 'added', path, blob, gitlink, mode });
      continue;
    }
    const path = parts[i++];
    if (letter === 'A') changes.push({ status: 'added', path, blob, gitlink, mode });
    else if (letter === 'D') changes.push({ status: 'deleted', path, oldBlob, gitlink, oldMode: before });
    // T is a change of type (a file that became a symlink or a submodule entry); a mode-only
    // change (chmod +x) keeps the blob but is a change of the path all the same.
    else if (letter === 'M' || letter === 'T') changes.push({ status: 'modified', path, blob, oldBlob, gitlink, mode, oldMode: before });
    // U: the index holds a conflict for the path (git diff-index lists it once, without content).
    else if (letter === 'U') changes.push({ status: 'unmerged', path, gitlink });
    // X (unknown) is never printed for a tree or the index.
  }
  return changes;
}

/** One answer of `git cat-file --batch`: the object, or undefined where git has none by that name. */
export type BatchAnswer = { id: string; type: string; content: Buffer } | undefined;

/**
 * `git cat-file --batch` output as it arrives, chunk by chunk, split into answers. Linear in the
 * output: a header is read once its newline has come, and then the object's size says how many
 * bytes to collect; they are joined once, when all have come. (Joining all that was buffered on
 * every chunk while an object was incomplete copied a 49 MB audit log some 750 times: 13–17 s of
 * `verify --base` for what `git cat-file` writes in well under a second, paid by every later commit.)
 */
export class BatchOutput {
  /** A header's bytes before its newline, where it came in more than one chunk. */
  private header: Buffer[] = [];
  /** The object whose header has been read and whose content (and newline) is still coming. */
  private object: { id: string; type: string; size: number; parts: Buffer[]; received: number } | undefined;

  constructor(private readonly answer: (a: BatchAnswer) => void) {}

  /** Takes the next chunk, answering every answer it completes; throws a GitError on output that is not git's answers. */
  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const object = this.object;
      if (object) {
        const take = Math.min(object.size + 1 - object.received, chunk.length - at); // the content and its newline
        object.parts.push(chunk.subarray(at, at + take));
        object.received += take;
        at += take;
        if (object.received <= object.size) return; // the chunk is used up
        this.object = undefined;
        if (chunk[at - 1] !== 0x0a) throw unreadable();
        // A copy of its own (Buffer.concat copies, up to `size`: the newline left out): the content does
        // not keep the pipe's chunks alive.
        this.answer({ id: object.id, type: object.type, content: Buffer.concat(object.parts, object.size) });
        continue;
      }
      const newline = chunk.indexOf(0x0a, at);
      if (newline < 0) {
        this.header.push(chunk.subarray(at));
        return;
      }
      const bytes = this.header.length === 0 ? chunk.subarray(at, newline) : Buffer.concat([...this.header, chunk.subarray(at, newline)]);
      this.header = [];
      at = newline + 1;
      const header = bytes.toString('utf8');
      if (/ (missing|ambiguous)$/.test(header)) {
        this.answer(undefined);
        continue;
      }
      // <id> <type> <size>: git's default format, the only one asked for.
      const m = /^([0-9a-f]+) ([a-z]+) ([0-9]{1,16})$/.exec(header);
      const size = m ? Number(m[3]) : NaN;
      if (!m || size > bufferConstants.MAX_LENGTH) throw unreadable(); // never to be joined into one Buffer: said at once, not once it is all in memory
      this.object = { id: m[1], type: m[2], size, parts: [], received: 0 };
    }
  }
}

function unreadable(): GitError {
  return new GitError('git-failed', 'git cat-file --batch answered with output that is not an object or a missing one.');
}

/**
 * Reads objects through one `git cat-file --batch`: one process for every file the gate looks at,
 * instead of one `git show` each. Requests are answered in order.
 */
export class ObjectReader {
  private readonly child;
  private readonly waiting: { name: string; type: string; resolve(b: Buffer | undefined): void; reject(e: Error): void }[] = [];
  /** The object id of each object answered with the type asked for, by the name it was asked for. */
  private readonly ids = new Map<string, string>();
  private readonly output = new BatchOutput((a) => this.answered(a));
  private failed: Error | undefined;
  private closed = false;

  constructor(root: string, env: NodeJS.ProcessEnv) {
    this.child = spawnGit(['cat-file', '--batch'], root, env);
    let stderr = '';
    this.child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const fail = (e: Error): void => {
      this.failed ??= e;
      for (const w of this.waiting.splice(0)) w.reject(this.failed);
    };
    this.child.stdout.on('data', (b: Buffer) => {
      if (this.failed) return;
      try {
        this.output.push(b);
      } catch (e) {
        // Out of step with git: no later answer can be told apart from the one before it.
        fail(e as Error);
        this.child.kill();
      }
    });
    this.child.stdin.on('error', () => undefined);
    this.child.on('error', (e: NodeJS.ErrnoException) => fail(e.code === 'ENOENT' ? gitMissing(root, e) : e));
    this.child.on('close', (code) => {
      if (this.waiting.length > 0) fail(new GitError('git-failed', `git cat-file stopped (exit ${code}): ${stderr.trim().split('\n')[0] ?? ''}`));
    });
  }

  /**
   * The content of a blob (or of an object of `type`) named by id or by an expression (`HEAD:path`,
   * `:path`); undefined when there is none, or it is another type.
   */
  read(name: string, type = 'blob'): Promise<Buffer | undefined> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.closed) return Promise.reject(new Error('The object reader is closed.'));
    if (/[\n\r]/.test(name)) return Promise.resolve(undefined); // cannot be asked in the line protocol
    return new Promise((resolve, reject) => {
      this.waiting.push({ name, type, resolve, reject });
      this.child.stdin.write(`${name}\n`);
    });
  }

  /** The id of the object read as `name`, once read; undefined when it was missing or not of the type asked for. */
  idOf(name: string): string | undefined {
    return this.ids.get(name);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.child.stdin.end();
    // git ends at the end of its input; with no answer awaited, this process need not wait for that
    // (each pre-commit hook would). An answer still awaited keeps the process, and the git, alive.
    if (this.waiting.length === 0) {
      this.child.unref();
      for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr]) (stream as unknown as { unref?(): void }).unref?.();
    }
  }

  /** Answers the oldest request (git answers in order). */
  private answered(answer: BatchAnswer): void {
    const request = this.waiting.shift();
    if (!request) return; // nothing asked: never handed to a later request
    const found = answer?.type === request.type ? answer : undefined;
    if (found) this.ids.set(request.name, found.id);
    request.resolve(found?.content);
  }
}

/**
 * The diff's options: plumbing with fixed options, so that user configuration (diff.renames,
 * diff.external, diff.relative) does not change what the gate sees. The pre-commit hook runs the
 * staged diff with them too (src/node/hookGitOutput.ts).
 */
export const STAGED_DIFF_ARGS: readonly string[] = ['-z', '-r', '-M', '--no-ext-diff', '--no-textconv', '--ignore-submodules=none'];

/**
 * The index against HEAD (against the empty tree before the first commit). `prefetch`: paths
 * the caller will read from HEAD (the manifest, the audit log), and `targetPrefetch` from the
 * index (default: the same); they are asked for while git computes the diff.
 */
export async function stagedChanges(cwd: string, env: NodeJS.ProcessEnv, prefetch: readonly string[] = [], targetPrefetch = prefetch): Promise<ChangeSet> {
  return settled(startStagedChanges(cwd, env, prefetch, targetPrefetch));
}

/** stagedChanges, with the reads available before the diff is in. */
export function startStagedChanges(cwd: string, env: NodeJS.ProcessEnv, prefetch: readonly string[] = [], targetPrefetch = prefetch): PendingChangeSet {
  // Two processes, started at once from cwd (plumbing paths and `:path` are relative to the top
  // level wherever git runs): the diff against HEAD by name, and the reads. Each spawn costs
  // milliseconds of the hook's time, so the top level is asked for only when needed, and
  // whether HEAD is unborn only when the diff fails. The reader first: this process has the
  // manifest and the log to work on as soon as it answers, while the diff (the longer of the two)
  // runs; started second, the reader answered later and this process waited for it (measured:
  // 1.5 ms of 100, 500 staged of 20,000). (Before the first commit `HEAD:path` is missing, so the
  // reads of the base are undefined either way, also when asked for before the diff has shown that
  // HEAD is unborn.)
  const reader = new ObjectReader(cwd, env);
  const firstDiff = runGit(['diff-index', '--cached', ...STAGED_DIFF_ARGS, 'HEAD', '--'], cwd, env);
  const reads = new Reads(reader, ':', 'HEAD:');
  reads.prefetch(prefetch, targetPrefetch);
  const diffed = (async (): Promise<ChangeSet> => {
    let diff = await firstDiff;
    let repo: Repository | undefined;
    let base: string | undefined = 'HEAD';
    if (diff.code !== 0) {
      repo = await findRepository(cwd, env); // throws the clear error when cwd is not in a repository
      if (!(await resolveCommit(repo, 'HEAD', env))) {
        base = undefined;
        reads.noBase();
        diff = await runGit(['diff-index', '--cached', ...STAGED_DIFF_ARGS, EMPTY_TREE[repo.objectFormat] ?? EMPTY_TREE.sha1, '--'], repo.root, env);
      }
    }
    if (diff.code !== 0) throw new GitError('git-failed', `git diff-index --cached failed: ${diff.stderr.split('\n')[0]}`);
    let found: Promise<Repository> | undefined = repo ? Promise.resolve(repo) : undefined;
    const repository = (): Promise<Repository> => (found ??= findRepository(cwd, env));
    return changeSet(repository, 'staged', base, undefined, parseRawDiff(diff.stdout), reads, () => reader.close());
  })();
  return {
    mode: 'staged',
    readTarget: (path) => reads.target(path),
    readBase: (path) => reads.base(path),
    readBaseTip: (path) => reads.tip(path),
    targetId: (path) => reads.targetId(path),
    baseId: (path) => reads.baseId(path),
    baseEntry: (dir, name) => reads.baseEntry(dir, name),
    changeSet: diffed,
    close: () => reader.close(),
  };
}

/** The change set of `pending`, its reader closed when git cannot answer. */
async function settled(pending: PendingChangeSet): Promise<ChangeSet> {
  try {
    return await pending.changeSet;
  } catch (e) {
    pending.close();
    throw e;
  }
}

/** One entry of a tree object: `mode` as git writes it (`100644`, `100755`, `120000`, `40000`, `160000`) and the object's id. */
export interface TreeEntry {
  mode: string;
  id: string;
}

/**
 * The entry `name` of a tree object's content (`<mode> <name>\0<id of idBytes bytes>`, repeated);
 * undefined where there is none or the content is not a tree's.
 */
export function treeEntry(tree: Buffer, name: string, idBytes: number): TreeEntry | undefined {
  for (const { name: entryName, mode, id } of treeEntries(tree, idBytes)) if (entryName === name) return { mode, id };
  return undefined;
}

/** Each entry of a tree object's content, in order, up to the first that is not an entry. */
export function* treeEntries(tree: Buffer, idBytes: number): Generator<TreeEntry & { name: string }> {
  for (let at = 0; at < tree.length;) {
    const space = tree.indexOf(0x20, at);
    const nul = space < 0 ? -1 : tree.indexOf(0x00, space + 1);
    if (nul < 0 || nul + 1 + idBytes > tree.length) return;
    yield { name: tree.toString('utf8', space + 1, nul), mode: tree.toString('latin1', at, space), id: tree.toString('hex', nul + 1, nul + 1 + idBytes) };
    at = nul + 1 + idBytes;
  }
}

/** What the gate reads of the verified and the base version, and blobs by id (see ChangeSet). */
export interface VersionReads {
  target(path: string): Promise<Buffer | undefined>;
  base(path: string): Promise<Buffer | undefined>;
  tip(path: string): Promise<Buffer | undefined>;
  targetId(path: string): Promise<string | undefined>;
  baseId(path: string): Promise<string | undefined>;
  baseEntry(dir: string, name: string): Promise<TreeEntry | undefined>;
  blob(id: string, path?: string): Promise<Buffer | undefined>;
}

/** Reads of the verified and the base version through git, each asked for once (prefetched or not). */
export class Reads implements VersionReads {
  private readonly cache = new Map<string, Promise<Buffer | undefined>>();
  private readonly trees = new Map<string, Promise<Buffer | undefined>>();
  private hasBase = true;

  constructor(
    private readonly reader: ObjectReader,
    private readonly targetPrefix: string,
    private readonly basePrefix: string,
    private readonly tipPrefix?: string,
  ) {}

  /** `paths` of the base version (and the base tip), and `targetPaths` of the verified one. */
  prefetch(paths: readonly string[], targetPaths: readonly string[] = paths): void {
    // The base version's files first: git answers in order, and `HEAD:path` needs only a few tree
    // objects where the index's `:path` needs the whole index read (milliseconds in a large
    // repository), so the caller can work on the base version's while git reads the index.
    // A read may fail before anyone awaits it (not a repository): keep that from being an unhandled rejection.
    for (const path of paths) this.base(path).catch(() => undefined);
    for (const path of paths) this.tip(path).catch(() => undefined);
    for (const path of targetPaths) this.target(path).catch(() => undefined);
  }

  noBase(): void {
    this.hasBase = false;
  }

  blob(id: string): Promise<Buffer | undefined> {
    return this.reader.read(id);
  }

  target(path: string): Promise<Buffer | undefined> {
    return this.once(`${this.targetPrefix}${path}`);
  }

  base(path: string): Promise<Buffer | undefined> {
    return this.hasBase ? this.once(`${this.basePrefix}${path}`) : Promise.resolve(undefined);
  }

  tip(path: string): Promise<Buffer | undefined> {
    return this.tipPrefix !== undefined ? this.once(`${this.tipPrefix}${path}`) : Promise.resolve(undefined);
  }

  /**
   * The entry `name` of folder `dir` in the base version (its mode and object id, from the folder's
   * tree object: the file's content is not read); undefined where there is none.
   */
  async baseEntry(dir: string, name: string): Promise<TreeEntry | undefined> {
    if (!this.hasBase) return undefined;
    const key = `${this.basePrefix}${dir}`;
    let tree = this.trees.get(key);
    if (!tree) this.trees.set(key, (tree = this.reader.read(key, 'tree')));
    const bytes = await tree;
    const treeId = this.reader.idOf(key);
    return bytes && treeId ? treeEntry(bytes, name, treeId.length / 2) : undefined;
  }

  /** The object id of target(path), read if it was not yet. */
  targetId(path: string): Promise<string | undefined> {
    return this.idOf(`${this.targetPrefix}${path}`);
  }

  /** The object id of base(path), read if it was not yet. */
  baseId(path: string): Promise<string | undefined> {
    return this.hasBase ? this.idOf(`${this.basePrefix}${path}`) : Promise.resolve(undefined);
  }

  private idOf(name: string): Promise<string | undefined> {
    return this.once(name).then(() => this.reader.idOf(name));
  }

  private once(name: string): Promise<Buffer | undefined> {
    let p = this.cache.get(name);
    if (!p) this.cache.set(name, (p = this.reader.read(name)));
    return p;
  }
}

/** `base...head`: what head changes since it left base (the merge base), with content at head. */
export async function rangeChanges(cwd: string, env: NodeJS.ProcessEnv, baseRef: string, headRef = 'HEAD', prefetch: readonly string[] = []): Promise<ChangeSet> {
  return settled(startRangeChanges(cwd, env, baseRef, headRef, prefetch));
}

/** rangeChanges, with the reads available once the refs are resolved, before the diff is in. */
export function startRangeChanges(cwd: string, env: NodeJS.ProcessEnv, baseRef: string, headRef = 'HEAD', prefetch: readonly string[] = []): PendingChangeSet {
  let closed = false;
  let reader: ObjectReader | undefined;
  const opened = (async () => {
    const repo = await findRepository(cwd, env);
    const [baseId, headId, baseMeanings, headMeanings] = await Promise.all([
      resolveCommit(repo, baseRef, env),
      resolveCommit(repo, headRef, env),
      refMeanings(repo, baseRef, env),
      refMeanings(repo, headRef, env),
    ]);
    for (const [ref, id, meanings] of [[headRef, headId, headMeanings], [baseRef, baseId, baseMeanings]] as const) {
      if (meanings.length > 0) throw ambiguousRef(ref, meanings);
      if (id) continue;
      if (repo.shallow) {
        throw new GitError('shallow', `Unknown ref ${ref} in this shallow clone: it was probably not fetched.`, shallowHint(ref));
      }
      throw new GitError('unknown-ref', `Unknown ref ${ref}: git knows no commit by that name.`, `Check the name (git branch -a lists them) or fetch it first (git fetch origin ${fetchName(ref)}).`);
    }
    const mb = await runGit(['merge-base', baseId!, headId!], repo.root, env);
    const mergeBase = mb.stdout.toString('utf8').trim();
    if (mb.code !== 0 || !mergeBase) {
      if (repo.shallow) {
        throw new GitError('shallow', `${baseRef} and ${headRef} have no common commit in this shallow clone: the history that joins them was not fetched.`, shallowHint(baseRef));
      }
      throw new GitError('no-merge-base', `${baseRef} and ${headRef} have no common history, so there is no change set to verify.`, 'Pass the branch the change is meant for as --base.');
    }
    // The head is an older commit of the base (a force-push that winds a branch back, `--base` the
    // commit before the push): what head changes since it left base is nothing, but base's commits
    // after it (approved changes, their audit records) would be gone. The chain may only grow: refused.
    if (mergeBase === headId && baseId !== headId) {
      throw new GitError('behind-base', `${headRef} is an older commit of ${baseRef}: it winds the branch back, dropping ${baseRef}'s later commits (their changes to protected files and their audit records), and the audit chain may only grow.`, `If ${baseRef} is the commit before a push, the push was forced back: push the commits again (or a revert made through an unlock) instead. If ${baseRef} is the branch a change is meant for, ${headRef} adds nothing to it.`);
    }
    if (closed) throw new Error('The change set was closed.');
    const diff = runGit(['diff-tree', ...STAGED_DIFF_ARGS, mergeBase, headId!, '--'], repo.root, env);
    reader = new ObjectReader(repo.root, env);
    const reads = new Reads(reader, `${headId}:`, `${mergeBase}:`, baseId === mergeBase ? undefined : `${baseId}:`);
    reads.prefetch(prefetch);
    return { repo, mergeBase, headId: headId!, reader, reads, diff };
  })();
  opened.catch(() => undefined); // reported through changeSet
  const diffed = opened.then(async ({ repo, mergeBase, headId, reader, reads, diff }): Promise<ChangeSet> => {
    const done = await diff;
    if (done.code !== 0) throw new GitError('git-failed', `git diff-tree failed: ${done.stderr.split('\n')[0]}`);
    return changeSet(() => Promise.resolve(repo), 'range', mergeBase, headId, parseRawDiff(done.stdout), reads, () => reader.close());
  });
  return {
    mode: 'range',
    readTarget: (path) => opened.then(({ reads }) => reads.target(path)),
    readBase: (path) => opened.then(({ reads }) => reads.base(path)),
    readBaseTip: (path) => opened.then(({ reads }) => reads.tip(path)),
    targetId: (path) => opened.then(({ reads }) => reads.targetId(path)),
    baseId: (path) => opened.then(({ reads }) => reads.baseId(path)),
    baseEntry: (dir, name) => opened.then(({ reads }) => reads.baseEntry(dir, name)),
    changeSet: diffed,
    close: () => {
      closed = true;
      reader?.close();
    },
  };
}

function shallowHint(ref: string): string {
  return `Fetch the full history: in GitHub Actions set "fetch-depth: 0" on actions/checkout; elsewhere run git fetch --unshallow (or git fetch origin ${fetchName(ref)}).`;
}

/** What to fetch from origin for `ref`: the branch name of origin/main and of refs/remotes/origin/main. */
function fetchName(ref: string): string {
  return ref.replace(/^(?:refs\/remotes\/)?origin\//, '');
}

export function changeSet(
  repository: () => Promise<Repository>,
  mode: ChangeSet['mode'],
  base: string | undefined,
  head: string | undefined,
  changes: GitChange[],
  reads: VersionReads,
  close: () => void,
): ChangeSet {
  return {
    repository,
    mode,
    base,
    head,
    changes,
    readTarget: (path) => reads.target(path),
    readBase: (path) => reads.base(path),
    readBaseTip: (path) => reads.tip(path),
    readBlob: (id, path) => reads.blob(id, path),
    targetId: (path) => reads.targetId(path),
    baseId: (path) => reads.baseId(path),
    baseEntry: (dir, name) => reads.baseEntry(dir, name),
    close,
  };
}
