// The breach guard of one folder, shared by the editor (src/vscode/breachGuard.ts) and
// `protected-files watch`: disk events in, the pure decision (src/core/breach.ts) in the middle,
// backups, records and restores out. Nothing here is per protected file while idle: no poll, no
// copies of contents in memory. Approved content is found when a write needs it: the after-hash of
// the file's last change record (read from the audit log as it grows), its bytes from the approved
// store or git HEAD. At start, candidates come from `git status` (what differs from HEAD) and the
// audit log's approvals, so a check of 20,000 protected files reads only those that changed.
import { constants as fsConstants, promises as fs, lstatSync, watch as watchDir } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { nodeOs } from './nodeOs';
import { dirname, join, relative, sep } from 'node:path';
import { parseAuditLog, sha256 } from '../core/audit';
import type { AuditRecord } from '../core/audit';
import { ApprovalLedger, BreachEpisodes, DELETED_VERSION, breachDetail, decideBreach } from '../core/breach';
import type { ApprovedState, BreachKind, BreachOutcome } from '../core/breach';
import type { Manifest } from '../core/manifest';
import type { Classification } from '../core/matcher';
import { dirOfEach, forEachPath } from '../core/paths';
import type { PathKeys } from '../core/paths';
import { AUDIT_LOG_PATH } from '../core/layout';
import { sameButLineEndings, withCrlf } from '../core/lineEndings';
import { isExtensionWritten } from '../core/policy';
import type { Grant } from '../core/unlocks';
import { ApprovedStore } from './approvedStore';
import { AuditLogCopy, MAX_RESTORED_LOG } from './auditCopy';
import { atomicWriteFile, atomicWriteLink } from './atomicWrite';
import { copyBackup, moveAside, writeBackup } from './backups';
import { ObjectReader, runGit, treeEntries } from './gitChanges';
import { GIT_WAIT, GitActivity, headOid } from './gitActivity';
export { GIT_WAIT };
import { findGitDir, gitCommonDir } from './grantStore';
import { processAlive } from './fileLock';
import { readWorkTreeEntry } from './workTreeEntry';
import { walkProtected } from './inventory';
import type { AuditRecorder, EventBody } from './recorder';
import { readRegularFile, readRegularFileSync, readRegularVersion } from './regularFile';
import type { FileVersion } from './regularFile';

/** What the manifest and the grants say about a path right now (the caller's port). */
export interface GuardPolicy {
  /** Tier and component of a protected path; undefined where it is not protected. */
  classify(rel: string): Classification | undefined;
  /** The grant in force for it, read fresh (grants are shared with other processes). */
  grantFor(rel: string, c: Classification): Grant | undefined | Promise<Grant | undefined>;
  /**
   * The manifest in force: its code keys decide which change and delete records of the audit log
   * are approvals (see ApprovalLedger); undefined where none is valid.
   */
  manifest(): Manifest | undefined;
  /**
   * Whether a glob may protect files below this folder (ProtectionMatcher.mayProtectUnder): a folder
   * that appears there is watched too. Without it, only the folders given to watchDirs are.
   */
  mayProtectUnder?(dir: string): boolean;
}

export interface BreachEngineOptions {
  /** The folder that holds `.protection/manifest.jsonc`. */
  root: string;
  recorder: AuditRecorder;
  policy: GuardPolicy;
  env?: NodeJS.ProcessEnv;
  /** A breach was handled (backed up, recorded, restored or kept). */
  onOutcome?(o: BreachOutcome): void;
  /** A protected file was written while a grant covers it: its change is recorded when the grant ends. */
  onUnlockedWrite?(rel: string): void;
  /** True for content this program is writing itself (consumed). */
  isOwnWrite?(hash: string): boolean;
  log?(level: 'info' | 'warn' | 'error', message: string): void;
  /** Keep the process alive for the directory watchers (the CLI); the editor's host lives anyway. */
  persistentWatchers?: boolean;
  /**
   * The number of folders the system refused a watcher (its limit on watchers is reached), each time it
   * changes; 0 once all are watched again. See UNWATCHED_CHECK_MS.
   */
  onUnwatched?(folders: number): void;
  /** How often folders without a watcher are checked (UNWATCHED_CHECK_MS unless given; tests use short ones). */
  unwatchedCheckMs?: number;
  /** A watcher's event for a path of the folder, before it is judged (the editor reads its manifest again on one). */
  onDiskEvent?(rel: string): void;
  /** The OS's directory watcher (fs.watch unless given; tests give one that runs into a limit). */
  watchFolder?(dir: string, options: { persistent: boolean }, listener: (event: string, name: string | Buffer | null) => void): FSWatcher;
  now?(): number;
  /** Limits of the breach backups (BACKUP_LIMITS unless given; tests use small ones). */
  backupLimits?: { version: number; total: number };
  /** How long a write waits for git to settle (GIT_WAIT unless given; tests use short ones). */
  gitWait?: { quietMs: number; maxMs: number };
}

interface Approved {
  readonly state: ApprovedState;
  /** The approved bytes, where known (needed to restore). */
  readonly bytes?: Uint8Array;
  /** The bytes are git HEAD's, read now. */
  readonly fromHead?: boolean;
  /** Why there is no approved content to judge against, where that is a failure (git HEAD unreadable). */
  readonly unavailable?: string;
}

// Editors and our own atomic writes use `.<name>.tmp` siblings: never a breach of their own.
const TEMP_FILE = /(^|\/)\.[^/]+\.tmp$/;
/** A temp file of atomicWrite: the folder, the file's name, the pid that wrote it. */
const LEFT_TEMP_FILE = /^(.*\/)?\.([^/]+)\.(\d+)\.[0-9a-f]{12}\.tmp$/;

const SETTLE_MS = 60;
/** Folders a new folder's walk never enters (as the inventory's). */
const SKIP_NAMES: ReadonlySet<string> = new Set(['node_modules', '.git']);
/** Entries a new folder's first read looks at, at most (a tree copied in whole is still watched as its events come). */
const GROW_WALK_LIMIT = 20_000;
/**
 * New folders watched at most, beyond those of the protected files found: a glob such as `**\/*.sql`
 * may protect files under any folder, and a build writing thousands of folders would otherwise cost
 * an OS watcher each (3,000 folders: 6,000 watchers, +50 MB). Past it, files in further new folders
 * are judged when git or a check sees them (the check at start, `watch --once`, the commit gate).
 */
const MAX_GROWN_DIRS = 500;
const COALESCE_MS = 15;
/**
 * Folders the system refused a watcher (Linux: fs.inotify.max_user_watches reached, ENOSPC; macOS: too
 * many open files) are checked this often, as the check at start does (git status and the audit log
 * under them), and a watcher asked for again: a write there is found within this time rather than never.
 * Runs only while some folder is not watched, and costs a git status of those folders.
 */
export const UNWATCHED_CHECK_MS = 30_000;
/** Errors of a watcher the system refused for its limits (the folder exists). */
const WATCH_LIMIT_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EMFILE', 'ENFILE']);
const MAX_ROUNDS = 500;
const HEAD_CACHE_ENTRIES = 32;
const HEAD_CACHE_MAX_BYTES = 256 * 1024;
/** HEAD's versions are read through one `git cat-file --batch`, closed once no file asked for this long. */
const HEAD_READER_IDLE_MS = 2_000;
/** A breaching version larger than this is never held in memory whole (see readRegularVersion). */
const MAX_HELD_BYTES = 8 * 1024 * 1024;
/**
 * What the backups of breaching versions may take: a version larger than `version` is recorded (its
 * hash and size) but not copied, and once one guard has kept `total` bytes of them, later versions
 * are recorded only: a script that writes large files to a locked file again and again must not
 * fill the disk through the guard's backups. The restore never depends on them.
 */
export const BACKUP_LIMITS = { version: 64 * 1024 * 1024, total: 256 * 1024 * 1024 };
/** How often a write waiting for git looks again. */
const GIT_POLL_MS = 50;
/** The tail of the audit log last read, kept to notice a log replaced by another (a branch switched). */
const LOG_TAIL_BYTES = 256;
/**
 * The audit log is read in chunks of this size, whole lines each; a line longer than this (a record
 * is a few KB) is no record and is skipped unread, so a log padded with a gigabyte costs one pass
 * over it and never a gigabyte of memory.
 */
const LOG_CHUNK = 1024 * 1024;

const megabytes = (bytes: number): string => `${Math.round(bytes / (1024 * 1024))} MB`;

export class BreachEngine {
  private ledger = this.newLedger();
  private readonly headCache = new Map<string, { oid: string; bytes: Buffer | undefined }>();
  /** The hash of git HEAD's version of each file this guard read it for (only files written to). */
  private readonly headSeen = new Map<string, string>();
  /** The `git cat-file --batch` that reads HEAD's versions while writes are being judged (see headContent). */
  private headReader: { reader: ObjectReader; idle?: ReturnType<typeof setTimeout> } | undefined;
  /** The links (mode 120000) of folders at HEAD, by commit id and folder, the last few read (see headIsLink). */
  private readonly headLinks = new Map<string, Set<string>>();
  private readonly episodes = new BreachEpisodes();
  private readonly store: ApprovedStore;
  private readonly queues = new Map<string, Promise<void>>();
  /** Bytes of breaching versions this guard has backed up (see BACKUP_LIMITS). */
  private backupBytes = 0;
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly watchers = new Map<string, FSWatcher>();
  /**
   * Watchers on git's own state (its folder, and the folder of the branch's ref): HEAD moved with no file
   * written (`git reset --soft`, `update-ref`, `symbolic-ref`), or a stopped operation ended (`git merge
   * --quit`), both leave locked files as they are, which no event of the work tree would judge again.
   */
  private readonly gitWatchers = new Map<string, FSWatcher>();
  private gitTimer: ReturnType<typeof setTimeout> | undefined;
  private gitStateRun: Promise<void> = Promise.resolve();
  /** The commit HEAD pointed at when git's state was last looked at. */
  private lastHead: string | undefined;
  /** Files left as a stopped merge, cherry-pick, revert or rebase wrote them: judged again when it ends. */
  private readonly leftToGit = new Set<string>();
  /** The commit each file was last judged against (since HEAD last moved): not judged again for the move. */
  private readonly judgedAgainst = new Map<string, string>();
  /** Breach and restore records the log could not take when they were made (its lock held): written, in order, as soon as it can. */
  private readonly unwritten: EventBody[] = [];
  private unwrittenTimer: ReturnType<typeof setTimeout> | undefined;
  private unwrittenDelay = 0;
  /** Folders of watchSet the system refused a watcher (see UNWATCHED_CHECK_MS). */
  private readonly unwatched = new Set<string>();
  private unwatchedTimer: ReturnType<typeof setTimeout> | undefined;
  private unwatchedReport: ReturnType<typeof setTimeout> | undefined;
  private unwatchedReported = 0;
  private wantedDirs = new Set<string>();
  /** Folders that appeared where a glob may protect files (see GuardPolicy.mayProtectUnder), watched until the next watchDirs finds them gone. */
  private readonly grownDirs = new Set<string>();
  /** What is watched: wantedDirs, grownDirs and every folder above them up to the root. */
  private watchSet = new Set<string>();
  /** Folders moved, deleted or put back, waiting for their watchers to be set again and their files checked. */
  private readonly reseats = new Map<string, ReturnType<typeof setTimeout>>();
  /** Write-backs clear the way to their folder one at a time (two files under one linked folder must not both move it). */
  private clearing: Promise<unknown> = Promise.resolve();
  private logApplied = 0;
  /** The log's last bytes up to `logApplied`, as read. */
  private logTail: Buffer = Buffer.alloc(0);
  /** The commit HEAD pointed at when the log was last read: a log replaced as HEAD moved is git's work. */
  private logHead: string | undefined;
  /** HEAD as the last read before this one found it (see logReplacedByGit). */
  private logHeadBefore: string | undefined;
  private logReading: Promise<void> | undefined;
  /** Hashes of the records read last (at most RECENTLY_READ): an append resolves after a read may have taken its record. */
  private readonly recentlyRead = new Set<string>();
  /** Paths waiting for their grant to end to be judged (see judgeOnceLocked). */
  private readonly awaitingLock = new Set<string>();
  /** Reads of the log begun (see ownRecordsKept). */
  private logRuns = 0;
  /** Records this guard appended that no read has found yet, by hash: the read after each must (see ownRecordsKept). */
  private readonly ownRecords = new Map<string, { body: EventBody; grant?: Grant; after: number; tries: number }>();
  /** The log's bytes up to `logApplied`, copied as read, to put back a log cut short from outside. */
  private readonly logCopy: AuditLogCopy;
  /** `logApplied` is inside a line too long to be a record (see LOG_CHUNK). */
  private logSkipping = false;
  /** Keys of the warnings given (see warnOnce). */
  private readonly warned = new Set<string>();
  /** Untracked protected files with no record, as adopted at start (not in the log: kept across a re-read). */
  private readonly adopted = new Map<string, string>();
  private readonly git: GitActivity;
  /** The wait for git to settle that writes being judged share. */
  private gitSettling: Promise<boolean> | undefined;
  /** Breaches found by the check at start while it runs. */
  private startFound: BreachOutcome[] | undefined;
  private disposed = false;
  private readonly now: () => number;
  /** Only the active guard of a folder handles events (see src/node/guardLease.ts). */
  active = true;

  private get limits(): { version: number; total: number } {
    return this.o.backupLimits ?? BACKUP_LIMITS;
  }

  constructor(private readonly o: BreachEngineOptions) {
    this.store = new ApprovedStore(o.root);
    this.logCopy = AuditLogCopy.of(o.root);
    this.now = o.now ?? Date.now;
    this.git = new GitActivity(o.root, { quietMs: this.gitWait.quietMs, env: o.env });
  }

  private get gitWait(): { quietMs: number; maxMs: number } {
    return this.o.gitWait ?? GIT_WAIT;
  }

  get root(): string {
    return this.o.root;
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.o.log?.(level, message);
  }

  /** A disk event for a folder-relative path: judged once the writer's burst is over. */
  notify(rel: string): void {
    if (this.disposed || !this.active || isExtensionWritten(rel) || TEMP_FILE.test(rel)) return;
    if (this.pending.has(rel)) return;
    if (!this.o.policy.classify(rel)) return;
    this.pending.set(rel, setTimeout(() => {
      this.pending.delete(rel);
      if (this.disposed) return;
      this.enqueue(rel, () => this.handle(rel, false)).catch((err) => this.log('error', `[breach] ${rel}: ${String(err)}`));
    }, COALESCE_MS));
  }

  /** Resolves when every queued event has been handled (tests, benchmarks, --once). */
  async settled(): Promise<void> {
    while (this.queues.size || this.pending.size) {
      if (this.queues.size) await Promise.all([...this.queues.values()].map((p) => p.catch(() => undefined)));
      else await sleep(COALESCE_MS);
    }
  }

  /** One file's work runs in order: approvals, reconciliations and disk events never interleave. */
  private enqueue(rel: string, step: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(rel) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(step);
    this.queues.set(rel, next);
    void next.catch(() => undefined).then(() => {
      if (this.queues.get(rel) === next) this.queues.delete(rel);
    });
    return next;
  }

  /**
   * Applies the records appended to the audit log since it was last read: approvals and breaches
   * written by this process, another window, the command line or an agent's hook.
   */
  followLog(): Promise<void> {
    // One reader at a time; callers arriving meanwhile read again after it.
    const run = async (): Promise<void> => {
      if (this.disposed) return;
      const runNo = ++this.logRuns;
      /** The log was read to its end as it stands (its own records must be in it), not given up or put back by git. */
      let readWhole = false;
      let handle: fs.FileHandle | undefined;
      try {
        // Never waits on a named pipe put in the log's place.
        handle = await fs.open(this.o.recorder.store.path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
      } catch (err) {
        // Gone (a switch to a branch that has no log yet): no record approves anything any more.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return;
      }
      try {
        const incremental = this.logApplied > 0;
        // Only a plain file is a log: a folder or a pipe in its place holds none (and is moved aside by a put-back).
        let stat = handle ? await handle.stat() : undefined;
        if (handle && !stat?.isFile()) {
          await handle.close();
          handle = stat = undefined;
        }
        const size = stat?.size ?? 0;
        this.logHeadBefore = this.logHead;
        this.logHead = headOid(this.o.root);
        // Read on from where the last read ended only if what was read is still there: a log that
        // shrank, or was replaced by another (a branch switched or merged, a rewrite), is read again
        // from its start into a new ledger.
        let from = this.logApplied;
        if (from > size || (from > 0 && !(handle && await endsWith(handle, from, this.logTail)))) from = -1;
        // A window that stood by and is the guard now: its copy is made from what the log still holds.
        if (from > 0 && handle && this.active && this.logCopy.partial) await this.copyLog(handle, from);
        if (size === from) {
          readWhole = true;
          return;
        }
        // Cut short or replaced while git was not at work, HEAD where it was, and not with HEAD's log:
        // from outside. What was read stays in force here (the approvals are not undone by a lost line),
        // what is there now is not taken, and the loss is recorded.
        const byGit = from < 0 && this.logApplied > 0 && await this.logReplacedByGit(handle, size);
        // Rewritten under an unlock that covers the log (the repair of a line that is not a record): read again from its start.
        const unlocked = from < 0 && this.logApplied > 0 && !byGit && await this.logUnlocked();
        if (from < 0 && this.logApplied > 0 && !byGit && !unlocked) {
          const lost = this.logApplied;
          const put = await this.putLogBack(size);
          // Put back: it holds again exactly what the copy holds, which is what was read.
          if (put.restored) {
            this.logApplied = put.bytes.length;
            this.logTail = Buffer.from(put.bytes.subarray(-LOG_TAIL_BYTES));
            this.logSkipping = false;
            readWhole = true;
            return await this.logTampered(lost, size, put);
          }
          this.logApplied = size;
          this.logTail = handle && size > 0 ? await tailOf(handle, size, LOG_TAIL_BYTES) : Buffer.alloc(0);
          this.logSkipping = false;
          await this.logTampered(lost, size, put);
          return;
        }
        if (from < 0) {
          if (byGit || unlocked) {
            await this.keepDropped(size, unlocked);
            // What git (or the owner's repair) left out is theirs to leave out, own records included.
            this.ownRecords.clear();
          }
          this.ledger = this.newLedger();
          for (const [rel, hash] of this.adopted) this.ledger.approve(rel, hash);
          this.logApplied = 0;
          this.logTail = Buffer.alloc(0);
          this.logSkipping = false;
          this.logCopy.restart();
          if (size === 0) return;
        }
        if (!handle) return; // (no log: size 0, returned above)
        // In chunks of LOG_CHUNK, whole lines each, `logApplied` moved on after each: memory stays at
        // one chunk whatever the log's size, and a read that fails half-way goes on from there next time.
        const buffer = Buffer.allocUnsafe(Math.min(LOG_CHUNK, size - this.logApplied));
        while (this.logApplied < size) {
          const start = this.logApplied;
          const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - start), start);
          if (bytesRead === 0) break;
          const chunk = buffer.subarray(0, bytesRead);
          if (this.logSkipping) {
            // Inside a line too long to be a record: drop it up to its end.
            const nl = chunk.indexOf(0x0a);
            this.logSkipping = nl < 0;
            await this.logRead(chunk.subarray(0, nl < 0 ? bytesRead : nl + 1));
            continue;
          }
          const end = chunk.lastIndexOf(0x0a);
          if (end < 0) {
            // The last line, still being written, or a line no record is as long as.
            if (bytesRead < LOG_CHUNK) break;
            this.warnOnce(`long@${start}`, `[breach] the audit log has a line of more than ${megabytes(LOG_CHUNK)} at byte ${start}: no record is that long; it is skipped (the commit gate reports the log as unreadable).`);
            this.logSkipping = true;
            await this.logRead(chunk);
            continue;
          }
          const lines = chunk.subarray(0, end + 1);
          for (const r of parseAuditLog(lines.toString('utf8')).records) {
            // A change recorded elsewhere as the log grows (protected-files relock or record, another window)
            // of a path that is no file now (a link put there under the grant): judged once the grant has ended.
            if (incremental && r.event === 'change' && r.file && !this.ownRecords.has(r.hash) && this.notPlainFile(r.file)) this.judgeOnceLocked(r.file);
            this.ownRecords.delete(r.hash);
            // (A record can be read before the append that wrote it has resolved: recordNow looks here.)
            if (this.recentlyRead.size >= RECENTLY_READ) this.recentlyRead.clear();
            this.recentlyRead.add(r.hash);
            const ignored = this.ledger.apply(r);
            if (ignored) {
              this.warnOnce(ignored.hash, `[breach] audit record seq ${ignored.seq}${ignored.file ? ` (${ignored.file})` : ''} is not taken as an approval: ${ignored.problem}. ${ignored.file ? `The guard keeps ${ignored.file} at its previous approved content (or git HEAD's).` : ''}`.trimEnd());
            } else if (r.file) {
              this.adopted.delete(r.file);
            }
          }
          await this.logRead(lines);
        }
        readWhole = true;
      } finally {
        await handle?.close();
        if (readWhole) this.ownRecordsKept(runNo);
      }
    };
    const next = (this.logReading ?? Promise.resolve()).catch(() => undefined).then(run);
    this.logReading = next;
    return next;
  }

  /**
   * Whether a log no longer holding what was read is git's work: git at work or stopped in an
   * operation (a merge's conflict in the log), the log conflicted in the index (`git stash pop`), or
   * the log now being HEAD's own (`git checkout -- .protection/audit.jsonl`, `git stash`, `reset
   * --hard`, a switch or pull that moved HEAD: records not committed go, as git does), or gone with a
   * HEAD that moved to a commit without one. HEAD moving is not enough on its own: `: > log && git
   * commit --allow-empty` would pass for a switch.
   */
  private async logReplacedByGit(handle: fs.FileHandle | undefined, size: number): Promise<boolean> {
    // A lock held past the wait (`touch .git/index.lock`, then the cut) is no git at work.
    if ((await this.git.busyFor()) > 0 && !(await this.git.lockOlderThan(this.gitWait.maxMs))) return true;
    if (await this.git.unmerged(AUDIT_LOG_PATH)) return true;
    const read = async (): Promise<Buffer | undefined> => {
      if (!handle || size > MAX_RESTORED_LOG) return undefined;
      const now = Buffer.alloc(size);
      const { bytesRead } = await handle.read(now, 0, size, 0).catch(() => ({ bytesRead: -1 }));
      return bytesRead === size ? now : undefined;
    };
    // Stopped in a merge (for its message, or a conflict resolved and added): the log git merged is the index's.
    if ((await this.git.operation()) !== undefined) {
      const now = await read();
      if (now && await this.git.staged(AUDIT_LOG_PATH, now)) return true;
    }
    const committed = await this.readHead(AUDIT_LOG_PATH, this.logHead);
    // Gone with a switch to a commit that has none; not with `git checkout --orphan`, which moves HEAD to no commit and removes nothing.
    if (committed === undefined) return size === 0 && this.logHead !== undefined && this.logHead !== this.logHeadBefore;
    if (committed.length !== size) return false;
    return (await read())?.equals(committed) === true;
  }

  /**
   * Puts back the log as the guard last read it, from its copy (see AuditLogCopy), under the log's
   * lock; what stands there now (`seen` bytes: the log cut short, another one, records appended to it
   * since) is kept in the backups first.
   */
  private async putLogBack(seen: number): Promise<LogPutBack> {
    const kept = await this.logCopy.kept();
    if ('why' in kept) return { restored: false, why: kept.why };
    const store = this.o.recorder.store;
    try {
      return await store.whileLocked(async () => {
        // A folder put in the log's place is moved aside whole; a file's bytes are copied aside.
        const folder = (await fs.lstat(store.path).catch(() => undefined))?.isDirectory() === true;
        const backup = folder ? await moveAside(this.o.root, AUDIT_LOG_PATH, store.path, new Date(this.now()))
          : seen > 0 ? (await copyBackup(this.o.root, AUDIT_LOG_PATH, store.path, new Date(this.now()), this.limits.version).catch(() => undefined))?.backupRel : undefined;
        await atomicWriteFile(store.path, kept.bytes, { replaceLink: true });
        return { restored: true as const, bytes: kept.bytes, ...(backup ? { backup } : {}) };
      });
    } catch (err) {
      return { restored: false, why: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Whether a grant covers the audit log itself (an owner unlocked it to repair it). */
  private async logUnlocked(): Promise<boolean> {
    const c = this.o.policy.classify(AUDIT_LOG_PATH);
    return c !== undefined && (await this.o.policy.grantFor(AUDIT_LOG_PATH, c)) !== undefined;
  }

  /**
   * The log was put back by git (`reset --hard`, `checkout --`, `stash`, its `HEAD` version written over
   * it) or rewritten under an unlock, and holds less than was read (`size` bytes): with `HEAD` where it
   * was, the records read and not in it now were never committed, so they are kept in the backups (from
   * the guard's copy) and said. A switch or pull that moved `HEAD` left them on the branch they belong to.
   */
  private async keepDropped(size: number, unlocked: boolean): Promise<void> {
    if (size >= this.logApplied || (!unlocked && this.logHead !== this.logHeadBefore)) return;
    const kept = await this.logCopy.kept();
    if (!('bytes' in kept)) return;
    const backup = await writeBackup(this.o.root, AUDIT_LOG_PATH, kept.bytes, new Date(this.now())).catch(() => undefined);
    this.log('warn', `[breach] ${AUDIT_LOG_PATH} was ${unlocked ? 'rewritten under an unlock' : 'put back to another version by git (reset, checkout, stash)'}: it no longer holds ${this.logApplied - size} bytes of records read before${backup ? `, kept in ${backup}` : ''}.${unlocked ? '' : ' A git stash pop brings stashed records back; otherwise the changes they approved must be recorded again before a commit.'}`);
  }

  /** The log lost records from outside (see followLog): put back where the guard's copy allows, said loudly and recorded. */
  private async logTampered(lost: number, size: number, put: LogPutBack): Promise<void> {
    const c = this.o.policy.classify(AUDIT_LOG_PATH);
    const what = size === 0 ? 'deleted or emptied' : 'cut short or replaced';
    const kept = put.restored && put.backup ? `; what stood there is kept in ${put.backup}` : '';
    this.log('error', put.restored
      ? `[breach] ${AUDIT_LOG_PATH} was ${what} from outside: put back as the guard last read it (${put.bytes.length} bytes)${kept}.`
      : `[breach] ${AUDIT_LOG_PATH} was ${what} from outside: the ${lost} bytes of records read before are gone from it (not restored: ${put.why}). The approvals they held stay in force here; the commit gate refuses a log that lost committed records, and the changes they approved must be recorded again (unlock, record) before a commit.`);
    await this.recordOrKeep({
      event: 'breach', file: AUDIT_LOG_PATH, tier: c?.tier.id ?? 'unknown', ...(c?.component ? { component: c.component.name } : {}), osUser: osUser(),
      ...(put.restored && put.backup ? { backup: put.backup } : {}),
      detail: put.restored
        ? `the audit log was ${what} from outside (${size} bytes then): put back from the guard's copy (${put.bytes.length} bytes)`
        : `the audit log was ${what} from outside: ${lost} bytes of records read before are gone (${size} bytes now; not restored: ${put.why})`,
    });
  }

  /** The log's first `end` bytes (those read, still there) copied again, from its start. */
  private async copyLog(handle: fs.FileHandle, end: number): Promise<void> {
    this.logCopy.restart();
    const buffer = Buffer.allocUnsafe(Math.min(LOG_CHUNK, end));
    for (let at = 0; at < end;) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, end - at), at);
      if (bytesRead === 0) return this.logCopy.skip();
      await this.logCopy.add(at, buffer.subarray(0, bytesRead));
      at += bytesRead;
    }
  }

  /** Bytes of the log taken (from `logApplied` on): copied, then `logApplied` moved past them and the tail kept. */
  private async logRead(bytes: Buffer): Promise<void> {
    // Only the guard keeps the copy: a window standing by skips it, and copies the log once it takes over (see copyLog).
    if (this.active) await this.logCopy.add(this.logApplied, bytes);
    else this.logCopy.skip();
    if (this.logCopy.failure !== undefined) this.warnOnce('log-copy', `[breach] cannot keep a copy of the audit log (${this.logCopy.failure}): a log cut short from outside will not be put back.`);
    this.logApplied += bytes.length;
    // A copy: a view would keep the whole chunk alive.
    this.logTail = Buffer.from(bytes.length >= LOG_TAIL_BYTES ? bytes.subarray(-LOG_TAIL_BYTES) : Buffer.concat([this.logTail, bytes]).subarray(-LOG_TAIL_BYTES));
  }

  /** A ledger judging approvals with the protection in force (see ApprovalLedger). */
  private newLedger(): ApprovalLedger {
    return new ApprovalLedger({
      classify: (file) => this.o.policy.classify(file),
      trusted: () => {
        const m = this.o.policy.manifest();
        return m ? [m] : [];
      },
    });
  }

  /** Logs a warning once per key (a record, a long line), however often the log is read again. */
  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    if (this.warned.size >= 10_000) this.warned.clear();
    this.warned.add(key);
    this.log('warn', message);
  }

  /** A change record was written (by the editor's save): its after-content is the approved content now. */
  approve(rel: string, after: string): Promise<void> {
    this.ledger.approve(rel, after);
    return this.enqueue(rel, () => this.approveNow(rel, after));
  }

  private async approveNow(rel: string, after: string): Promise<void> {
    this.ledger.approve(rel, after);
    const bytes = await readRegularFile(this.abs(rel));
    if (bytes && sha256(bytes) === after) await this.store.put(bytes);
  }

  /** Handles one file until its disk content is settled (a writer looping for seconds included). */
  private async handle(rel: string, atStart: boolean): Promise<void> {
    // Judged again once, from the start, where git began to work while this judgement ran.
    let rejudged = false;
    // Whether git was quiet when the wait for it ended (not judged anyway after its bound).
    let gitQuiet = true;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      // git writes files before it moves HEAD: what it wrote is judged against where HEAD ends.
      if (round === 0) gitQuiet = await this.gitSettled();
      if (this.disposed) return;
      const c = this.o.policy.classify(rel);
      if (!c) return;
      if (await this.o.policy.grantFor(rel, c)) {
        this.o.onUnlockedWrite?.(rel);
        return;
      }
      // Approvals recorded elsewhere (another window, the CLI's record) count before judging.
      await this.followLog().catch((err) => this.log('warn', `[breach] could not read the audit log: ${String(err)}`));
      // Held in memory only up to a bound: a larger version is hashed in chunks and copied when backed up.
      const disk = await this.readDisk(rel);
      const diskHash = disk?.hash;
      if (disk && diskHash && this.o.isOwnWrite?.(diskHash)) {
        this.ledger.approve(rel, diskHash);
        return;
      }
      const approved = await this.approvedFor(rel);
      // A folder at a path a glob covers (`src/booking/sub`), or a path under a file, is no protected file; in place of one, it is a breach.
      if (disk?.folder && approved.state.kind !== 'content') return;
      let decision = decideBreach({ locked: true, onBreach: c.tier.onBreach, diskHash, approved: approved.state });
      // The approved text with other line endings (a checkout with core.autocrlf writes CRLF where HEAD
      // has LF; a change recorded on Windows has CRLF): what git writes, and what the commit gate counts as the same.
      if (decision.action === 'breach' && disk?.bytes && !disk.link && approved.bytes && sameButLineEndings(disk.bytes, approved.bytes)) decision = { action: 'none', why: 'approved' };
      // A hard link (another name for the same file, made by `ln`) lets a write through that name change
      // this file unseen: the approved content is written back as a new file, which parts the two.
      if (decision.action === 'none' && (disk?.links ?? 1) > 1 && c.tier.onBreach === 'restore' && approved.bytes) {
        this.log('info', `[breach] ${rel}: ${disk!.links} hard links to it; written back as a file of its own.`);
        decision = { action: 'breach', kind: 'modified', restore: true };
      }
      // A file with the target's text where git tracks a link (`rm x; printf a.ts > x`) is not that link.
      if (decision.action === 'none' && disk?.bytes && !disk.link && c.tier.onBreach === 'restore' && await this.approvedAsLink(rel, disk.bytes)) {
        decision = { action: 'breach', kind: 'modified', restore: true };
      }
      if (decision.action === 'none') {
        if (round > 0) this.episodes.settle(rel);
        return;
      }
      // A judgement that began before git did (a long queue of them, a checkout started meanwhile)
      // may have read the new content and the old HEAD: once git has settled, it is made again.
      // Not once more after the wait ran out (a lock left behind would double it, 60 s became 120 s).
      if (!rejudged && gitQuiet && (await this.git.busyFor()) > 0) {
        rejudged = true;
        round = -1;
        continue;
      }
      if (round === 0 && disk?.bytes && await this.gitStaged(rel, disk.bytes)) return;
      const restore = decision.restore && approved.bytes !== undefined;
      if (decision.restore && !restore) this.log('warn', `[breach] ${rel}: the approved content is not available; the change is kept.`);
      if (!(await this.breach(rel, c, decision.kind, disk, approved, restore, atStart))) return;
      // A writer may still be at it: look again until the approved content stays.
      await sleep(SETTLE_MS);
    }
  }

  /**
   * Resolves once git has settled (see GIT_WAIT): at once when it is not at work, which is nearly
   * always. Writes being judged meanwhile share one wait; after `maxMs` they are judged anyway, and
   * the log says why.
   */
  private gitSettled(): Promise<boolean> {
    const wait = async (): Promise<boolean> => {
      const started = this.now();
      for (;;) {
        const busy = await this.git.busyFor();
        if (busy <= 0 || this.disposed) return true;
        if (this.now() - started >= this.gitWait.maxMs) {
          this.log('warn', `[breach] git has been at work in ${this.o.root} for ${Math.round(this.gitWait.maxMs / 1000)} s (its index.lock, or its index and HEAD still changing): writes to locked files are judged now.`);
          return false;
        }
        await sleep(Math.min(busy, GIT_POLL_MS));
      }
    };
    return (this.gitSettling ??= wait().finally(() => (this.gitSettling = undefined)));
  }

  /**
   * A version git itself wrote while it stopped half-way through a merge, cherry-pick, revert or
   * rebase (for the user to write the message or resolve a conflict elsewhere): what its index holds
   * for the file. Taken as git's work, not a breach, until the operation ends (its commit moves HEAD
   * there; an abort writes HEAD's version back). The commit gate judges the commit as any other.
   */
  private async gitStaged(rel: string, bytes: Buffer): Promise<boolean> {
    const operation = await this.gitOperation();
    if (!operation || !(await this.git.staged(rel, bytes))) return false;
    this.leftToGit.add(rel);
    this.watchGit();
    this.log('info', `[breach] ${rel}: left as git's ${operation} wrote it (the version it staged); judged again when the ${operation} ends.`);
    return true;
  }

  /**
   * The operation git stopped in the middle of, or a conflict it left in the audit log without one
   * (`git stash pop`): until it is resolved, the approvals the log holds are in flux, and what git
   * staged for a locked file (the popped change) is git's, not a breach.
   */
  private async gitOperation(): Promise<string | undefined> {
    return (await this.git.operation()) ?? ((await this.git.unmerged(AUDIT_LOG_PATH)) ? 'stash pop' : undefined);
  }

  /** Backs up and records a breaching version (once per incident), restores where asked. */
  private async breach(rel: string, c: Classification, kind: BreachKind, disk: FileVersion | undefined,
    approved: Approved, restore: boolean, atStart: boolean): Promise<boolean> {
    const version = disk?.hash ?? DELETED_VERSION;
    // A version seen again within a quiet interval is the same incident; a version the log already
    // shows as an open breach was handled by another guard (or before a restart).
    const newHere = this.episodes.fresh(rel, version, this.now());
    const fresh = newHere && this.ledger.get(rel)?.openBreach !== version;
    const where = { file: rel, tier: c.tier.id, ...(c.component ? { component: c.component.name } : {}) };
    const approvedHash = approved.state.kind === 'content' ? approved.state.hash : undefined;
    // The approved content goes back before the records: the time a wrong version stays on disk does
    // not include them. The backup of a version held in memory comes first (one small atomic write),
    // so a guard killed right after its restore has not lost what was refused.
    const restoring = restore && approved.bytes !== undefined && approvedHash !== undefined;
    let backup: string | undefined;
    let after = disk?.hash;
    const notKept = fresh && disk ? this.backupRefusal(disk.size) : undefined;
    // A link, a folder or a pipe in place of the file has no content to copy (a folder is moved aside by the write-back).
    const keep = fresh && disk !== undefined && !disk.notFile && notKept === undefined;
    // Counted at once: breaches of several files are handled side by side, each must see the others' share.
    if (keep) this.backupBytes += disk.size;
    if (keep && !disk.bytes) {
      // Too large to hold: copied from the disk before the write-back replaces it (never more than
      // the limit, should the file grow meanwhile); the record names what the copy holds.
      const copied = await copyBackup(this.o.root, rel, this.abs(rel), undefined, this.limits.version);
      backup = copied?.backupRel;
      after = copied?.hash ?? after;
    }
    if (keep && disk.bytes) backup = await writeBackup(this.o.root, rel, disk.bytes);
    if (keep && !backup) this.backupBytes -= disk.size;
    // What cannot be written back (a folder that will not move, a read-only folder) is still recorded.
    let notRestored: string | undefined;
    if (restoring) {
      try {
        backup = (await this.writeBack(rel, approved.bytes!)) ?? backup;
      } catch (err) {
        notRestored = `could not be restored (${err instanceof Error ? err.message : String(err)})`;
        this.log('error', `[breach] ${rel}: ${notRestored}`);
      }
    }
    const restored = restoring && notRestored === undefined;
    if (approved.unavailable) this.log('error', `[breach] ${rel}: ${approved.unavailable}: the change is kept, not restored. Put the git directory back, then run protected-files watch --once.`);
    if (fresh) {
      const detail = [breachDetail(kind, atStart), disk?.notFile,
        (disk?.links ?? 1) > 1 ? `hard-linked (${disk!.links} names for it)` : undefined, notKept, approved.unavailable, notRestored].filter(Boolean).join('; ');
      await this.recordOrKeep({
        event: 'breach', ...where, osUser: osUser(),
        ...(approvedHash ? { before: approvedHash } : {}), ...(after ? { after } : {}),
        ...(backup ? { backup } : {}),
        detail,
      });
      this.log('info', `[breach] ${rel}: ${kind} while locked${backup ? `; kept in ${backup}` : notKept ? `; ${notKept}` : ''}.`);
    }
    // A version whose breach is already in the log (recorded by another guard, or kept before: the
    // approved content was unavailable) but written back now: the restore is new, so recorded and reported.
    const restoredAgain = restored && newHere && !fresh;
    if (restored && (fresh || restoredAgain)) {
      await this.recordOrKeep({
        event: 'restore', ...where, after: approvedHash,
        detail: restoredAgain ? 'approved content written back (the breach was recorded before)' : 'approved content written back',
      });
    }
    if (fresh || restoredAgain) {
      const outcome: BreachOutcome = {
        relPath: rel, kind, restored, backup, badge: c.tier.badge, owner: c.component?.name ?? c.tier.label,
        ...(notKept ? { notKept } : {}),
        ...(notRestored ? { notRestored } : {}),
        ...(atStart ? { atStart: true } : {}),
      };
      if (atStart) this.startFound?.push(outcome);
      this.o.onOutcome?.(outcome);
    }
    // HEAD's version kept by hash, after the records: a restore still works should .git go away (see approvedFor).
    if (restored && approved.fromHead) await this.store.put(approved.bytes!).catch((err) => this.log('warn', `[breach] ${rel}: could not keep the approved content: ${String(err)}`));
    return restored;
  }

  /**
   * Appends a breach or restore record. Where the log cannot take it now (its lock held past the wait,
   * by another process, even one that keeps it on purpose), the record is kept and tried again, after
   * those before it, until it is written: a breach is never left unrecorded for a lock. Kept in memory
   * (at most MAX_UNWRITTEN): a guard stopped meanwhile says how many it could not write.
   */
  /**
   * Appends a record, then reads the log on at once (not after the log's debounce and git's quiet
   * time): the guard's copy holds its own records from the moment they are written, so a script that
   * cuts the log as soon as a breach record appears cannot take that record with it.
   */
  private async recordNow(body: EventBody, grant?: Grant, tries = 0): Promise<AuditRecord> {
    const r = await this.o.recorder.record(body, grant);
    // Looked for by every read that starts from now on (see ownRecordsKept), unless one has read it already.
    if (!this.recentlyRead.has(r.hash)) this.ownRecords.set(r.hash, { body, grant, after: this.logRuns, tries });
    void this.followLog().catch(() => undefined);
    return r;
  }

  /**
   * After a read of the whole log (run `runNo`): a record this guard appended before that read began and
   * that the read did not find was removed as soon as it was written (a script cutting the log back to
   * its size before each append, faster than any watcher): written again, three times at most, and said.
   */
  private ownRecordsKept(runNo: number): void {
    for (const [hash, own] of this.ownRecords) {
      if (own.after >= runNo) continue;
      this.ownRecords.delete(hash);
      const what = `its ${own.body.event} record${own.body.file ? ` of ${own.body.file}` : ''}`;
      if (own.tries >= 3) {
        this.log('error', `[breach] ${what} was removed from ${AUDIT_LOG_PATH} again as soon as it was written: not written a fourth time.`);
        continue;
      }
      this.log('error', `[breach] ${what} was removed from ${AUDIT_LOG_PATH} as soon as it was written: written again.`);
      void this.recordNow({ ...own.body, detail: `${own.body.detail ? `${own.body.detail}; ` : ''}written again: removed from the log as soon as it was written` }, own.grant, own.tries + 1)
        .catch((err) => this.log('error', `[breach] ${what} could not be written again: ${String(err)}`));
    }
  }

  private async recordOrKeep(body: EventBody): Promise<void> {
    if (this.unwritten.length === 0) {
      try {
        await this.recordNow(body);
        return;
      } catch (err) {
        this.log('error', `[breach] ${body.file ?? 'a file'}: its ${body.event} record waits: ${err instanceof Error ? err.message : String(err)} It is written as soon as the log can take it.`);
      }
    }
    if (this.unwritten.length >= MAX_UNWRITTEN) {
      this.log('error', `[breach] ${body.file ?? 'a file'}: its ${body.event} record is lost: ${MAX_UNWRITTEN} records already wait for the audit log.`);
      return;
    }
    const when = new Date(this.now()).toISOString();
    this.unwritten.push({ ...body, detail: `${body.detail ? `${body.detail}; ` : ''}recorded late: the audit log could not take it at ${when}` });
    this.scheduleUnwritten();
  }

  private scheduleUnwritten(): void {
    if (this.unwrittenTimer || this.disposed || this.unwritten.length === 0) return;
    this.unwrittenDelay = Math.min(Math.max(this.unwrittenDelay * 2, UNWRITTEN_RETRY_MS), UNWRITTEN_RETRY_MAX_MS);
    this.unwrittenTimer = setTimeout(() => {
      this.unwrittenTimer = undefined;
      void this.writeUnwritten();
    }, this.unwrittenDelay);
    this.unwrittenTimer.unref?.();
  }

  private async writeUnwritten(): Promise<void> {
    while (this.unwritten.length > 0 && !this.disposed) {
      try {
        await this.recordNow(this.unwritten[0]);
      } catch {
        this.scheduleUnwritten();
        return;
      }
      this.unwritten.shift();
    }
    if (this.unwritten.length === 0) {
      this.unwrittenDelay = 0;
      this.log('info', '[breach] the records that waited for the audit log are written.');
    }
  }

  /** Records made but not yet written to the log (see recordOrKeep): tests, and `watch --once` before it exits. */
  async flushUnwritten(): Promise<number> {
    if (this.unwrittenTimer) clearTimeout(this.unwrittenTimer);
    this.unwrittenTimer = undefined;
    await this.writeUnwritten();
    return this.unwritten.length;
  }

  /** Why a breaching version of `size` bytes is not backed up, or undefined when it is. */
  private backupRefusal(size: number): string | undefined {
    if (size > this.limits.version) return `not kept (${megabytes(size)}): larger than the ${megabytes(this.limits.version)} kept of one version`;
    if (this.backupBytes + size > this.limits.total) return `not kept (${megabytes(size)}): this guard has kept ${megabytes(this.backupBytes)} of changed versions, its limit is ${megabytes(this.limits.total)}`;
    return undefined;
  }

  /** The approved state of a file and, where there is content, its bytes (read now, never kept). */
  async approvedFor(rel: string): Promise<Approved> {
    const entry = this.ledger.get(rel);
    if (entry?.approved.kind === 'deleted') return { state: entry.approved };
    if (entry?.approved.kind === 'content') {
      const hash = entry.approved.hash;
      const stored = await this.store.get(hash);
      if (stored) return { state: entry.approved, bytes: stored };
      const head = await this.headContent(rel);
      if (head && sha256(head) === hash) return { state: entry.approved, bytes: head };
      // A change recorded with CRLF endings (on Windows) of a text HEAD has with LF.
      const crlf = head && withCrlf(head);
      if (crlf && sha256(crlf) === hash) return { state: entry.approved, bytes: Buffer.from(crlf.buffer, crlf.byteOffset, crlf.byteLength) };
      this.log('warn', `[breach] ${rel}: the approved content ${hash.slice(0, 12)}… is not available; falling back to git HEAD.`);
    }
    const head = await this.headContent(rel);
    if (head) {
      const hash = sha256(head);
      this.headSeen.set(rel, hash);
      return { state: { kind: 'content', hash }, bytes: head, fromHead: true };
    }
    if (headOid(this.o.root) !== undefined) return { state: { kind: 'unknown' } };
    // No HEAD to read (.git deleted or moved while the guard runs): HEAD's version as this guard last
    // read it, where its bytes were kept (see breach); else nothing to compare with, and the record says so.
    const seen = this.headSeen.get(rel);
    const kept = seen ? await this.store.get(seen) : undefined;
    if (seen && kept) return { state: { kind: 'content', hash: seen }, bytes: kept };
    return { state: { kind: 'unknown' }, unavailable: 'approved content unavailable (git HEAD unreadable)' };
  }

  /**
   * The file at git HEAD. A writer repeating its breach (an agent retrying) would start git each
   * time: the last few answers are kept, small files only, keyed by the commit HEAD points at.
   */
  private async headContent(rel: string): Promise<Buffer | undefined> {
    const oid = headOid(this.o.root);
    // Judged against this commit: a move of HEAD to it needs no judgement of its own (gitStateNow).
    if (oid !== undefined) this.judgedAgainst.set(rel, oid);
    const hit = oid ? this.headCache.get(rel) : undefined;
    if (hit && hit.oid === oid) return hit.bytes;
    const bytes = await this.readHead(rel, oid);
    if (oid && (!bytes || bytes.length <= HEAD_CACHE_MAX_BYTES)) {
      this.headCache.delete(rel);
      this.headCache.set(rel, { oid, bytes });
      if (this.headCache.size > HEAD_CACHE_ENTRIES) this.headCache.delete(this.headCache.keys().next().value!);
    }
    return bytes;
  }

  /** `rel` at commit `oid` (HEAD, read from the git folder; undefined: HEAD could not be read there). */
  private readHead(rel: string, oid: string | undefined): Promise<Buffer | undefined> {
    return this.readObject(oid && `${oid}:./${rel}`, 'blob', `HEAD:./${rel}`);
  }

  /**
   * An object named by a commit id and a path. A branch switch writes thousands of protected files,
   * each judged against HEAD: one `git cat-file --batch` answers them all (a `git show` each cost
   * ~3 ms of CPU per file), and ends once none was asked for a while. Without a commit id, for a name
   * the batch protocol cannot carry, or when the batch process failed: `git cat-file` on its own, for
   * `fallback`. Undefined where there is no such object of that type (a folder where a file is asked for).
   */
  private async readObject(name: string | undefined, type: 'blob' | 'tree', fallback: string): Promise<Buffer | undefined> {
    if (name && !/[\n\r]/.test(name) && !this.disposed) {
      const held = (this.headReader ??= { reader: new ObjectReader(this.o.root, this.o.env ?? process.env) });
      clearTimeout(held.idle);
      try {
        const bytes = await held.reader.read(name, type);
        clearTimeout(held.idle);
        held.idle = setTimeout(() => this.closeHeadReader(held), HEAD_READER_IDLE_MS);
        return bytes;
      } catch (err) {
        this.closeHeadReader(held);
        this.log('warn', `[breach] reading ${fallback} from git in batch failed (${String(err)}); reading it on its own.`);
      }
    }
    const r = await runGit(['cat-file', type, fallback], this.o.root, this.o.env ?? process.env).catch(() => undefined);
    return r?.code === 0 ? r.stdout : undefined;
  }

  /**
   * Whether git HEAD tracks `rel` as a symbolic link (mode 120000): its entry in the tree of its
   * folder at HEAD, read through the batch reader. Such a file is a link, and is judged and written
   * back as one (its approved content is the link's target, as git stores it).
   */
  private async headIsLink(rel: string): Promise<boolean> {
    const oid = headOid(this.o.root);
    if (!oid) return false;
    const slash = rel.lastIndexOf('/');
    const dir = slash < 0 ? '' : rel.slice(0, slash);
    // A branch switch judges hundreds of files of one folder: its tree is read once per HEAD, and
    // only the names of its links are kept.
    const key = `${oid}:${dir}`;
    let links = this.headLinks.get(key);
    if (!links) {
      const tree = await this.readObject(`${oid}:./${dir}`, 'tree', `HEAD:./${dir}`);
      links = new Set();
      for (const entry of tree ? treeEntries(tree, oid.length / 2) : []) if (entry.mode === '120000') links.add(entry.name);
      if (this.headLinks.size >= HEAD_CACHE_ENTRIES) this.headLinks.delete(this.headLinks.keys().next().value!);
      this.headLinks.set(key, links);
    }
    return links.has(rel.slice(slash + 1));
  }

  private closeHeadReader(held = this.headReader): void {
    if (!held) return;
    clearTimeout(held.idle);
    held.reader.close();
    if (this.headReader === held) this.headReader = undefined;
  }

  /** The "Restore" action of a `warn` tier: writes the approved content back and records it. */
  async restoreNow(rel: string): Promise<boolean> {
    let done = false;
    await this.enqueue(rel, async () => {
      const c = this.o.policy.classify(rel);
      const approved = await this.approvedFor(rel);
      if (!c || approved.state.kind !== 'content' || !approved.bytes) return;
      await this.writeBack(rel, approved.bytes);
      await this.recordNow({
        event: 'restore', file: rel, tier: c.tier.id, after: approved.state.hash,
        ...(c.component ? { component: c.component.name } : {}),
        detail: 'approved content written back on request',
      });
      done = true;
    });
    return done;
  }

  /**
   * Writes the approved content back as a regular file at the file's own path, never through a link:
   * a link in place of one of its folders is removed (the link, not what it points to), a file or a
   * pipe there and a folder in place of the file are moved aside into the backups, whose path it
   * returns. Nothing outside the folder is ever written.
   */
  private async writeBack(rel: string, bytes: Uint8Array): Promise<string | undefined> {
    const path = this.abs(rel);
    const clear = async (): Promise<string | undefined> => {
      const way = await this.folderInTheWay(rel);
      let moved: string | undefined;
      if (way?.link) await fs.unlink(this.abs(way.dir));
      else if (way) moved = await moveAside(this.o.root, way.dir, this.abs(way.dir));
      const created = await fs.mkdir(dirname(path), { recursive: true });
      // A folder removed with its files (rm -r) took its watcher along: watch the new one.
      if (created) this.reseatWatchers(created);
      return moved;
    };
    const cleared = this.clearing.catch(() => undefined).then(clear);
    this.clearing = cleared;
    let aside = await cleared;
    if ((await fs.lstat(path).catch(() => undefined))?.isDirectory()) aside = await moveAside(this.o.root, rel, path);
    if (await this.approvedAsLink(rel, bytes)) await atomicWriteLink(path, bytes);
    else await atomicWriteFile(path, bytes, { replaceLink: true });
    return aside;
  }

  /**
   * The disk version of a locked file as the guard judges it: never read through a link, in the
   * file's place or in a folder's. A link where git HEAD tracks one is that file: its version is its
   * target, as git stores a link (any other link there is something in the file's place).
   */
  private async readDisk(rel: string): Promise<FileVersion | undefined> {
    const way = await this.folderInTheWay(rel);
    if (way) {
      const notFile = `${way.what} in place of the folder ${way.dir}`;
      return { hash: sha256(`not a file: ${notFile}`), size: 0, notFile, folder: true };
    }
    const version = await readRegularVersion(this.abs(rel), MAX_HELD_BYTES, { noFollow: true });
    if (version?.notFile && !version.folder) {
      const target = await fs.readlink(this.abs(rel), { encoding: 'buffer' }).catch(() => undefined);
      if (target && await this.headIsLink(rel)) return { hash: sha256(target), size: target.length, bytes: target, link: true };
    }
    return version;
  }

  /**
   * Whether approved content for `rel` is written back as a link: where git HEAD tracks the file as
   * one and the content is HEAD's (a link's target: shorter than PATH_MAX, no NUL byte; anything
   * else is never asked about git).
   */
  private async approvedAsLink(rel: string, bytes: Uint8Array): Promise<boolean> {
    if (bytes.length === 0 || bytes.length >= 4096 || bytes.includes(0)) return false;
    if (!(await this.headIsLink(rel))) return false;
    const head = await this.headContent(rel);
    return head !== undefined && Buffer.compare(head, bytes) === 0;
  }

  /** The first of a path's folders that is not a folder (a symbolic link to one, a file), or undefined. */
  private async folderInTheWay(rel: string): Promise<{ dir: string; what: string; link: boolean } | undefined> {
    for (let end = rel.indexOf('/'); end > 0; end = rel.indexOf('/', end + 1)) {
      const dir = rel.slice(0, end);
      const stat = await fs.lstat(this.abs(dir)).catch(() => undefined);
      if (!stat) return undefined; // missing: the write-back creates it
      if (stat.isDirectory()) continue;
      if (stat.isSymbolicLink()) return { dir, what: `a symbolic link to ${await fs.readlink(this.abs(dir)).catch(() => '?')}`, link: true };
      return { dir, what: 'a file', link: false };
    }
    return undefined;
  }

  /**
   * Just before a grant ends: content changed outside the editor while it was in force (a formatter,
   * a script the user ran) becomes approved with the grant's reason, signed under it, so that the
   * relock does not roll it back.
   */
  reconcile(rel: string, grant: Grant): Promise<void> {
    if (isExtensionWritten(rel)) return Promise.resolve();
    return this.enqueue(rel, async () => {
      const c = this.o.policy.classify(rel);
      if (!c) return;
      await this.followLog().catch(() => undefined);
      // As git would store it, never through a link: a link or a named pipe put there under the unlock
      // is approved neither as what it leads to nor as a deletion (the breach guard judges it once locked).
      const entry = await readWorkTreeEntry(this.o.root, rel).catch((err: unknown) => ({ kind: 'error' as const, why: String(err) }));
      if (entry.kind !== 'file' && entry.kind !== 'missing') {
        const what = entry.kind === 'link' ? 'a symbolic link' : entry.kind === 'special' ? entry.what : entry.kind === 'linked-folder' ? `below ${entry.dir}, a symbolic link` : `unreadable (${entry.why})`;
        this.log('warn', `[breach] ${rel} is ${what}: its change under the unlock is not recorded; once locked it is judged as a write to a locked file.`);
        this.judgeOnceLocked(rel);
        return;
      }
      const disk = entry.kind === 'file' ? entry.bytes : undefined;
      const approved = await this.approvedFor(rel);
      const where = { file: rel, tier: c.tier.id, reason: grant.reason, ...(c.component ? { component: c.component.name } : {}) };
      if (!disk) {
        // Deleted while unlocked: an approved deletion, recorded so the commit gate accepts it.
        if (approved.state.kind !== 'content' || !approved.bytes) return;
        const backup = await writeBackup(this.o.root, rel, approved.bytes);
        const r = await this.recordNow({ event: 'delete', ...where, before: approved.state.hash, backup, detail: 'deleted while unlocked' }, grant);
        this.ledger.apply(r);
        return;
      }
      const hash = sha256(disk);
      if (approved.state.kind === 'content' && approved.state.hash === hash) return;
      const record = await this.recordNow({
        event: 'change', ...where,
        ...(approved.state.kind === 'content' ? { before: approved.state.hash } : {}), after: hash,
        detail: 'changed outside the editor while unlocked',
      }, grant);
      await this.approveNow(rel, record.after ?? hash);
    });
  }

  /** Whether something other than a plain file stands at `rel` (a link, a pipe, a folder); false where nothing does. */
  private notPlainFile(rel: string): boolean {
    try {
      return !lstatSync(this.abs(rel)).isFile();
    } catch {
      return false;
    }
  }

  /** Judges `rel` as a write once no grant covers it (the grant ending now), looking every 500 ms for up to a minute. */
  private judgeOnceLocked(rel: string, tries = 120): void {
    if (tries === 120 && this.awaitingLock.has(rel)) return;
    this.awaitingLock.add(rel);
    const t = setTimeout(() => {
      const c = this.o.policy.classify(rel);
      if (this.disposed || !this.active || !c) return void this.awaitingLock.delete(rel);
      void Promise.resolve(this.o.policy.grantFor(rel, c)).then((grant) => {
        if (grant && tries > 1) return this.judgeOnceLocked(rel, tries - 1);
        this.awaitingLock.delete(rel);
        if (!grant) this.notify(rel);
      }).catch(() => this.awaitingLock.delete(rel));
    }, 500);
    t.unref?.();
  }

  /**
   * Checks what changed while nothing was watching: every protected path that git reports as
   * different from HEAD (modified, deleted, untracked) and every path with an approval in the
   * audit log, judged like any write. Untracked protected files with no record are adopted as
   * they are (their approved content from now on). `known`, the protected files the caller listed:
   * those with more than one name (hard links, which git does not see) are judged too. Resolves with
   * the breaches found.
   */
  async scanAtStart(known?: Iterable<string>): Promise<BreachOutcome[]> {
    // A guard that stood by and is the guard now follows git's state from here (watchDirs came while it stood by).
    this.watchGit();
    await this.followLog().catch((err) => this.log('warn', `[breach] could not read the audit log: ${String(err)}`));
    const git = await this.changedFromHead('.');
    if ('failure' in git) this.log('warn', `[breach] git status failed${git.failure}; only files with audit records are checked at start.`);
    const candidates = new Set<string>('failure' in git ? [] : git.changed);
    const untracked = 'failure' in git ? new Set<string>() : git.untracked;
    await this.removeLeftTempFiles(untracked);
    for (const rel of this.ledger.files()) candidates.add(rel);
    if (known) for (const rel of await this.hardLinked(known)) candidates.add(rel);
    const found: BreachOutcome[] = [];
    this.startFound = found;
    const work: Promise<void>[] = [];
    for (const rel of candidates) {
      if (isExtensionWritten(rel) || TEMP_FILE.test(rel) || !this.o.policy.classify(rel)) continue;
      if (untracked.has(rel) && !this.ledger.get(rel)) {
        work.push(this.enqueue(rel, () => this.adopt(rel)));
        continue;
      }
      work.push(this.enqueue(rel, () => this.handle(rel, true)));
    }
    try {
      await Promise.all(work.map((p) => p.catch((err) => this.log('error', `[breach] check at start: ${String(err)}`))));
    } finally {
      if (this.startFound === found) this.startFound = undefined;
    }
    return found;
  }

  /**
   * The temp files of a write-back (`.<name>.<pid>.<random>.tmp`, see atomicWrite) that a guard killed
   * mid-write left beside a protected file: removed at start when their process is gone from this host.
   * Left, they were counted as protected files (a glob such as `src/**` covers them) and failed the commit gate.
   */
  private async removeLeftTempFiles(untracked: ReadonlySet<string>): Promise<void> {
    for (const rel of untracked) {
      const m = LEFT_TEMP_FILE.exec(rel);
      if (!m || Number(m[3]) <= 0 || !this.o.policy.classify(`${m[1] ?? ''}${m[2]}`) || processAlive(Number(m[3]))) continue;
      await fs.unlink(this.abs(rel)).then(
        () => this.log('info', `[breach] removed ${rel}, a temp file a guard killed mid-write left.`),
        () => undefined,
      );
    }
  }

  /** Of these files, those with more than one name (one lstat each, a few at a time). */
  private async hardLinked(rels: Iterable<string>): Promise<string[]> {
    const linked: string[] = [];
    const all = [...rels];
    for (let i = 0; i < all.length; i += 64) {
      await Promise.all(all.slice(i, i + 64).map(async (rel) => {
        const stat = await fs.lstat(this.abs(rel)).catch(() => undefined);
        if (stat?.isFile() && stat.nlink > 1) linked.push(rel);
      }));
    }
    return linked;
  }

  /** An untracked protected file with no record: its content now is what a later write is judged against. */
  private async adopt(rel: string): Promise<void> {
    // Never through a link (one to a file outside would copy that file into the approved store) or a linked folder.
    const entry = await readWorkTreeEntry(this.o.root, rel).catch(() => undefined);
    if (entry?.kind !== 'file') return;
    const bytes = entry.bytes;
    const hash = await this.store.put(bytes);
    if (this.ledger.get(rel)) return;
    this.ledger.approve(rel, hash);
    this.adopted.set(rel, hash);
  }

  /**
   * The folder-relative paths git reports as different from HEAD under `pathspec` (modified, deleted,
   * untracked; the untracked also on their own), or why git could not say.
   */
  private async changedFromHead(pathspec: string): Promise<{ changed: string[]; untracked: Set<string> } | { failure: string }> {
    // '' is not a pathspec to git (an error since 2.16): the folder's top is '.'.
    // git status does not look at entries marked skip-worktree or assume-unchanged (`git update-index
    // --skip-worktree f; echo x > f` hides the change from it): those are listed apart, side by side.
    const [status, hidden] = await Promise.all([
      runGit(['status', '--porcelain=v2', '-z', '--untracked-files=all', '--no-renames', '--', pathspec || '.'], this.o.root, this.o.env ?? process.env).catch(() => undefined),
      runGit(['ls-files', '-v', '-z', '--full-name', '--', pathspec || '.'], this.o.root, this.o.env ?? process.env).catch(() => undefined),
    ]);
    if (status?.code !== 0) return { failure: status ? `: ${status.stderr.split('\n')[0]}` : '' };
    const prefix = await this.repoPrefix();
    const changed: string[] = [];
    const untracked = new Set<string>();
    for (const entry of status.stdout.toString('utf8').split('\0')) {
      const path = statusPath(entry);
      if (path === undefined || !path.startsWith(prefix)) continue;
      const rel = path.slice(prefix.length);
      changed.push(rel);
      if (entry.startsWith('? ')) untracked.add(rel);
    }
    // `S path` (skip-worktree), a lower-case tag (assume-unchanged): judged as if git had listed them.
    if (hidden?.code === 0) {
      for (const entry of hidden.stdout.toString('utf8').split('\0')) {
        if (entry.length < 3 || entry[1] !== ' ' || !(entry[0] === 'S' || (entry[0] >= 'a' && entry[0] <= 'z'))) continue;
        const path = entry.slice(2);
        if (path.startsWith(prefix)) changed.push(path.slice(prefix.length));
      }
    }
    return { changed, untracked };
  }

  private async repoPrefix(): Promise<string> {
    const r = await runGit(['rev-parse', '--show-prefix'], this.o.root, this.o.env ?? process.env).catch(() => undefined);
    return r?.code === 0 ? r.stdout.toString('utf8').trim() : '';
  }

  /**
   * Watches these directories (absolute), one OS watcher each, non-recursive: measured on Linux with
   * 20,000 files in 200 folders, 200 such watchers cost 12 ms and 2 MB, where one recursive watcher
   * (Node 20 and 24) walks every file at start: 370 ms and 75 MB. Idle, neither costs anything.
   * The folders above them up to the root are watched too (a few more): a non-recursive watcher
   * follows its folder when it moves, so `mv src elsewhere` or a folder put back at the path is seen
   * only by the watcher of the folder above.
   */
  watchDirs(dirs: Iterable<string>): void {
    if (this.disposed) return;
    this.watchGit();
    this.wantedDirs = new Set(dirs);
    for (const dir of this.grownDirs) {
      if (this.wantedDirs.has(dir) || !this.mayProtectUnder(this.relOf(dir))) this.grownDirs.delete(dir);
    }
    this.syncWatchers();
  }

  /** Number of directories watched (diagnostics, benchmark). */
  get watchedDirs(): number {
    return this.watchers.size;
  }

  /**
   * Watches git's state (see gitWatchers): git's folder (HEAD, ORIG_HEAD, MERGE_HEAD, packed-refs, the
   * index), and the folder holding the ref HEAD names. Each event costs a read of HEAD and its ref; work
   * follows only when HEAD moved (the files that differ between the two commits, O(changed)) or a
   * stopped operation ended (the files it left).
   */
  private watchGit(): void {
    if (this.disposed || !this.active) return;
    const git = findGitDir(this.o.root);
    if (!git) return;
    this.lastHead ??= headOid(this.o.root);
    const wanted = new Set([git.gitDir, gitCommonDir(git.gitDir)]);
    const ref = headRef(git.gitDir);
    if (ref) wanted.add(dirname(join(gitCommonDir(git.gitDir), ...ref.split('/'))));
    for (const [dir, w] of this.gitWatchers) {
      if (!wanted.has(dir)) {
        w.close();
        this.gitWatchers.delete(dir);
      }
    }
    for (const dir of wanted) {
      if (this.gitWatchers.has(dir)) continue;
      try {
        const options = { persistent: this.o.persistentWatchers === true };
        // The OS's watcher itself (not o.watchFolder, which stands for the protected folders' watchers): a few, whatever the size.
        const w = watchDir(dir, options, () => this.gitChanged());
        w.on('error', () => {
          w.close();
          if (this.gitWatchers.get(dir) === w) this.gitWatchers.delete(dir);
        });
        this.gitWatchers.set(dir, w);
      } catch {
        // No such folder (a ref not written yet): looked for again at the next event.
      }
    }
  }

  /** An event in git's state: looked at once git has been quiet a moment (every git command writes its index). */
  private gitChanged(): void {
    if (this.disposed) return;
    if (this.gitTimer) clearTimeout(this.gitTimer);
    this.gitTimer = setTimeout(() => {
      this.gitTimer = undefined;
      // One look at a time: a look that waits for a switch's writes must not cross the next one.
      this.gitStateRun = this.gitStateRun.then(() => this.gitStateNow()).catch((err) => this.log('warn', `[breach] could not follow git's HEAD: ${String(err)}`));
    }, GIT_STATE_DEBOUNCE_MS);
  }

  private async gitStateNow(): Promise<void> {
    if (this.disposed) return;
    // The branch HEAD names may have changed (`git switch`, `symbolic-ref`): its ref's folder is watched.
    this.watchGit();
    if (!(await this.gitSettled())) return;
    if (this.leftToGit.size > 0 && !(await this.gitOperation())) {
      const left = [...this.leftToGit];
      this.leftToGit.clear();
      this.log('info', `[breach] git's operation ended: ${left.length} file(s) it left are judged again.`);
      for (const rel of left) this.notify(rel);
    }
    const head = headOid(this.o.root);
    const before = this.lastHead;
    if (head === before) return;
    this.lastHead = head;
    if (before === undefined || head === undefined) return;
    // The writes of a switch are judged first (against the new HEAD): those files need nothing more.
    await this.settled();
    // Moved again meanwhile (the next switch): the next look judges from where this one started.
    if (this.disposed) return;
    if (headOid(this.o.root) !== head) {
      this.lastHead = before;
      return;
    }
    // What was judged against another commit is stale; a judgement made from now on keeps its own.
    for (const [rel, oid] of this.judgedAgainst) if (oid !== head) this.judgedAgainst.delete(rel);
    // The files that differ between the two commits, not judged against the new one since (a switch
    // writes them, and their own events judge them): judged now.
    const diff = await runGit(['diff-tree', '-r', '-z', '--name-only', '--no-renames', before, head], this.o.root, this.o.env ?? process.env).catch(() => undefined);
    if (diff?.code !== 0) {
      this.log('warn', `[breach] HEAD moved from ${before.slice(0, 12)} to ${head.slice(0, 12)}, and git could not say what differs: locked files are judged at their next write.`);
      return;
    }
    const prefix = await this.repoPrefix();
    let judged = 0;
    for (const path of diff.stdout.toString('utf8').split('\0')) {
      if (path === '' || !path.startsWith(prefix)) continue;
      const rel = path.slice(prefix.length);
      if (this.judgedAgainst.get(rel) === head || !this.o.policy.classify(rel)) continue;
      judged++;
      this.notify(rel);
    }
    if (judged > 0) this.log('info', `[breach] HEAD moved to ${head.slice(0, 12)} with ${judged} locked file(s) not written since: judged against it.`);
  }

  private syncWatchers(): void {
    const set = new Set<string>();
    const rootDir = this.o.root;
    for (const wanted of [...this.wantedDirs, ...this.grownDirs]) {
      for (let dir = wanted; !set.has(dir); dir = dirname(dir)) {
        set.add(dir);
        if (dir === rootDir || !dir.startsWith(rootDir + sep)) break;
      }
    }
    this.watchSet = set;
    for (const dir of this.unwatched) if (!set.has(dir)) this.unwatched.delete(dir);
    for (const [dir, w] of this.watchers) {
      if (!set.has(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of set) this.rewatch(dir);
    if (this.unwatched.size !== this.unwatchedReported) this.reportUnwatched();
  }

  private rewatch(dir: string): void {
    if (this.disposed || this.watchers.has(dir) || !this.watchSet.has(dir)) return;
    try {
      // A link in place of a folder is not followed out of it (the write-back replaces the link).
      if (!lstatSync(dir).isDirectory()) return;
      const listener = (_event: string, name: string | Buffer | null): void => {
        if (name) this.onEntry(dir, name.toString());
      };
      const options = { persistent: this.o.persistentWatchers === true };
      const w = this.o.watchFolder ? this.o.watchFolder(dir, options, listener) : watchDir(dir, options, listener);
      w.on('error', () => {
        w.close();
        if (this.watchers.get(dir) === w) this.watchers.delete(dir);
      });
      this.watchers.set(dir, w);
      if (this.unwatched.delete(dir)) this.reportUnwatched();
    } catch (err) {
      // The system's limit on watchers: said, and the folder checked every UNWATCHED_CHECK_MS instead.
      if (WATCH_LIMIT_CODES.has((err as NodeJS.ErrnoException).code ?? '')) this.cannotWatch(dir, (err as NodeJS.ErrnoException).code!);
      // else the folder is gone (rm -r, mv): watched again when it is put back (seen from the folder above) or restored
    }
  }

  /** Number of folders the system refused a watcher (diagnostics, tests). */
  get unwatchedDirs(): number {
    return this.unwatched.size;
  }

  private cannotWatch(dir: string, code: string): void {
    if (!this.unwatched.has(dir)) {
      this.unwatched.add(dir);
      this.reportUnwatched(code);
    }
    if (!this.unwatchedTimer) {
      this.unwatchedTimer = setTimeout(() => this.checkUnwatched(), this.o.unwatchedCheckMs ?? UNWATCHED_CHECK_MS);
      // The CLI lives on for it where no watcher could be set at all; the editor's host lives anyway.
      if (this.o.persistentWatchers !== true) this.unwatchedTimer.unref?.();
    }
  }

  /** Says how many folders are not watched, once for a burst of them (a whole watchDirs) and when it changes. */
  private reportUnwatched(code?: string): void {
    if (this.unwatchedReport) return;
    this.unwatchedReport = setTimeout(() => {
      this.unwatchedReport = undefined;
      const n = this.unwatched.size;
      if (this.disposed || n === this.unwatchedReported) return;
      if (n > this.unwatchedReported) {
        const ms = this.o.unwatchedCheckMs ?? UNWATCHED_CHECK_MS;
        const checkEvery = ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
        const limit = process.platform === 'linux'
          ? ` (${code ?? 'ENOSPC'}: fs.inotify.max_user_watches; raise it, e.g. sudo sysctl fs.inotify.max_user_watches=524288, and make it last in /etc/sysctl.conf)`
          : ` (${code ?? 'EMFILE'}: the limit on open files)`;
        this.log('error', `[breach] ${n} folder(s) with protected files cannot be watched: the system's limit on file watchers is reached${limit}. Writes to locked files there are found by a check every ${checkEvery}, not at once; watchers are asked for again each time.`);
      } else if (n === 0) {
        this.log('info', '[breach] every folder with protected files is watched again.');
      }
      this.unwatchedReported = n;
      this.o.onUnwatched?.(n);
    }, COALESCE_MS);
  }

  /**
   * Folders not watched: asked for a watcher again, and every one of them (watched now or not) checked
   * as at start, for the writes made while nothing watched it.
   */
  private checkUnwatched(): void {
    this.unwatchedTimer = undefined;
    if (this.disposed) return;
    const dirs = [...this.unwatched].filter((dir) => this.watchSet.has(dir));
    this.unwatched.clear();
    for (const dir of dirs) this.rewatch(dir);
    // The topmost of them only: a check covers the folders below it.
    const tops = dirs.filter((dir) => !dirs.some((other) => dir.startsWith(other + sep)));
    if (this.active) {
      for (const dir of tops) void this.checkUnder(this.relOf(dir)).catch((err) => this.log('error', `[breach] ${this.relOf(dir)}: ${String(err)}`));
    }
    this.reportUnwatched();
  }

  /** A watcher's event for an entry of its folder. */
  private onEntry(dir: string, name: string): void {
    const abs = join(dir, name);
    const rel = this.relOf(abs);
    if (!rel || rel.startsWith('..')) return;
    if (this.watchSet.has(abs)) this.reseat(abs);
    else if (this.o.policy.mayProtectUnder && !SKIP_NAMES.has(name) && !isExtensionWritten(`${rel}/`) && this.mayProtectUnder(rel)) this.grow(abs);
    this.o.onDiskEvent?.(rel);
    // The log itself: read on (or found cut short) when it changes, not only at the next judged write.
    if (rel === AUDIT_LOG_PATH) this.logChanged();
    this.notify(rel);
  }

  private logTimer: ReturnType<typeof setTimeout> | undefined;

  private logChanged(): void {
    if (this.disposed || !this.active || this.logTimer) return;
    this.logTimer = setTimeout(() => {
      this.logTimer = undefined;
      void this.gitSettled().then(() => this.followLog()).catch((err) => this.log('warn', `[breach] could not read the audit log: ${String(err)}`));
    }, LOG_EVENT_DEBOUNCE_MS);
  }

  /**
   * A watched folder (or one above it) was moved away, deleted, put back or replaced: once the burst
   * is over, its watchers are set again on what is at the path now, and its protected files are
   * checked as at start (git status and the audit log under it): what went with the folder is a
   * deletion, what a new folder holds a write.
   */
  private reseat(abs: string): void {
    if (this.disposed || !this.active || this.reseats.has(abs)) return;
    this.reseats.set(abs, setTimeout(() => {
      this.reseats.delete(abs);
      // Not watched any more: a new folder gone with a new folder above it, handled with that one.
      if (this.disposed || !this.watchSet.has(abs)) return;
      if (this.grownDirs.has(abs) && !isFolder(abs)) {
        // A new folder gone under another new folder (`rm -rf build` removes the deepest first): one
        // check of the folder above covers it, not a git process for each of hundreds.
        if (this.grownDirs.has(dirname(abs))) {
          this.reseat(dirname(abs));
          return;
        }
        this.forgetGrown(abs);
      }
      this.reseatWatchers(abs);
      void this.checkUnder(this.relOf(abs)).catch((err) => this.log('error', `[breach] ${this.relOf(abs)}: ${String(err)}`));
    }, COALESCE_MS));
  }

  /** Closes the watchers at and under `abs` (they follow a moved folder) and watches what is there now. */
  private reseatWatchers(abs: string): void {
    for (const [dir, w] of this.watchers) {
      if (dir === abs || dir.startsWith(abs + sep)) {
        w.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of this.watchSet) if (dir === abs || dir.startsWith(abs + sep)) this.rewatch(dir);
  }

  /** Judges every protected file git or the audit log knows under folder `relDir`, as the check at start does. */
  private async checkUnder(relDir: string): Promise<void> {
    await this.followLog().catch(() => undefined);
    const git = await this.changedFromHead(relDir);
    const candidates = new Set<string>('failure' in git ? [] : git.changed);
    for (const rel of this.ledger.files()) if (relDir === '' || rel.startsWith(`${relDir}/`)) candidates.add(rel);
    for (const rel of candidates) this.notify(rel);
  }

  /**
   * A folder appeared where a glob may protect files: watched from now on, and read once for the
   * files and folders already in it (`mkdir -p a/b && echo x > a/b/f` is done before its event comes).
   */
  private grow(abs: string): void {
    let isDir = false;
    try {
      isDir = lstatSync(abs).isDirectory();
    } catch {
      return;
    }
    if (!isDir || this.grownDirs.has(abs) || !this.mayGrow()) return;
    this.grownDirs.add(abs);
    this.syncWatchers();
    const from = this.relOf(abs);
    void walkProtected(this.o.root, {
      from, classify: (rel) => this.o.policy.classify(rel), mayProtectUnder: (dir) => this.mayProtectUnder(dir),
      skipNames: SKIP_NAMES, limit: GROW_WALK_LIMIT,
      onDir: (dir) => {
        if (dir === from || !this.mayGrow()) return;
        this.grownDirs.add(this.abs(dir));
        this.rewatchNew(this.abs(dir));
      },
    }).then((found) => {
      for (const rel of found.files.keys()) this.notify(rel);
    }, () => undefined);
  }

  /** Whether one more new folder may be watched (MAX_GROWN_DIRS); says once when not. */
  private mayGrow(): boolean {
    if (this.grownDirs.size < MAX_GROWN_DIRS) return true;
    this.warnOnce('\0grown', `[breach] more than ${MAX_GROWN_DIRS} new folders where the manifest's globs may protect files (a build's output?): further ones are not watched; protected files in them are judged by git and the checks (watch --once, the commit gate). Narrow the glob to end this.`);
    return false;
  }

  /** A new folder deleted or moved away (`rm -rf build`): it and the new folders under it are watched no more. */
  private forgetGrown(abs: string): void {
    for (const dir of this.grownDirs) if (dir === abs || dir.startsWith(abs + sep)) this.grownDirs.delete(dir);
    this.syncWatchers();
  }

  /** Adds one grown folder to the watch set (its parents are in it already). */
  private rewatchNew(abs: string): void {
    this.watchSet.add(abs);
    this.rewatch(abs);
  }

  private mayProtectUnder(rel: string): boolean {
    return this.o.policy.mayProtectUnder?.(rel) ?? false;
  }

  private relOf(abs: string): string {
    return relative(this.o.root, abs).split(sep).join('/');
  }

  private abs(rel: string): string {
    return join(this.o.root, ...rel.split('/'));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
    for (const t of this.reseats.values()) clearTimeout(t);
    this.reseats.clear();
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    for (const w of this.gitWatchers.values()) w.close();
    this.gitWatchers.clear();
    if (this.gitTimer) clearTimeout(this.gitTimer);
    if (this.unwrittenTimer) clearTimeout(this.unwrittenTimer);
    if (this.logTimer) clearTimeout(this.logTimer);
    void this.logCopy.close();
    if (this.unwritten.length > 0) this.log('error', `[breach] stopped with ${this.unwritten.length} breach/restore record(s) the audit log could not take (its lock was held): not written.`);
    if (this.unwatchedTimer) clearTimeout(this.unwatchedTimer);
    if (this.unwatchedReport) clearTimeout(this.unwatchedReport);
    this.closeHeadReader();
  }
}

/** The path of one `git status --porcelain=v2 -z` entry (repository-relative), or undefined. */
export function statusPath(entry: string): string | undefined {
  if (entry.startsWith('? ')) return entry.slice(2);
  // 1 XY sub mH mI mW hH hI path | u XY sub m1 m2 m3 mW h1 h2 h3 path
  const fields = entry.startsWith('1 ') ? 8 : entry.startsWith('u ') ? 10 : 0;
  if (!fields) return undefined;
  let at = 0;
  for (let i = 0; i < fields; i++) {
    at = entry.indexOf(' ', at) + 1;
    if (at === 0) return undefined;
  }
  return entry.slice(at);
}

/** The directories that hold these protected files (absolute), for watchDirs. */
export function directoriesOf(root: string, rels: PathKeys): Set<string> {
  // The folders as written in the paths first, then one absolute path each: 20,000 files in 200
  // folders make 200 paths, not 20,000 (which cost ~30 MB of garbage every time the set changed).
  const relDirs = new Set<string>();
  const dirOf = dirOfEach();
  forEachPath(rels, (rel) => {
    if (!isExtensionWritten(rel)) relDirs.add(dirOf(rel));
  });
  const dirs = new Set<string>();
  for (const dir of relDirs) dirs.add(dir === '' ? root : join(root, ...dir.split('/')));
  return dirs;
}

/** Whether a folder (not a link to one) is at `abs`. */
function isFolder(abs: string): boolean {
  try {
    return lstatSync(abs).isDirectory();
  } catch {
    return false;
  }
}

/** Whether the open file holds `tail` just before offset `end`. */
/** The last `max` bytes of the file up to `end`. */
async function tailOf(handle: fs.FileHandle, end: number, max: number): Promise<Buffer> {
  const length = Math.min(max, end);
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, end - length).catch(() => ({ bytesRead: 0 }));
  return buffer.subarray(0, bytesRead);
}

async function endsWith(handle: fs.FileHandle, end: number, tail: Buffer): Promise<boolean> {
  if (end < tail.length) return false;
  try {
    const buffer = Buffer.alloc(tail.length);
    const { bytesRead } = await handle.read(buffer, 0, tail.length, end - tail.length);
    return bytesRead === tail.length && buffer.equals(tail);
  } catch {
    return false;
  }
}

/** Records whose hashes are kept as read (see recentlyRead): more than a burst of breaches writes before its appends resolve. */
const RECENTLY_READ = 4_096;

/** A put-back of the audit log (see putLogBack): the bytes written, and where what stood there was kept; or why not. */
type LogPutBack = { restored: true; bytes: Buffer; backup?: string } | { restored: false; why: string };

/** How long the log stays quiet before a change of it is read (an append is a few writes). */
const LOG_EVENT_DEBOUNCE_MS = 200;

/** Records kept for the log at most (see recordOrKeep), and how often they are tried again (doubling up to the most). */
const MAX_UNWRITTEN = 10_000;
const UNWRITTEN_RETRY_MS = 2_000;
const UNWRITTEN_RETRY_MAX_MS = 30_000;

/** How long git's state stays quiet before it is looked at (a command writes its index, then HEAD, then a log). */
const GIT_STATE_DEBOUNCE_MS = 150;

/** The ref HEAD names (`refs/heads/main`), or undefined when HEAD is detached or unreadable. */
function headRef(gitDir: string): string | undefined {
  const head = readRegularFileSync(join(gitDir, 'HEAD'))?.toString('utf8').trim();
  return head === undefined ? undefined : /^ref: (refs\/.+)$/.exec(head)?.[1];
}


function osUser(): string {
  try {
    return nodeOs().userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
