// `.protection/audit.jsonl` on disk. Appends are serialized across processes (two VS Code
// windows, the CLI in a hook) by a lock file, so records never interleave and the chain never
// forks: read the last record, seal the new one after it, append, all under the lock.
// A lock left by a process that died (killed mid-append) must not cost a record: the lock names
// its process and host, so a dead holder on this host is seen at once; a holder elsewhere, or a
// lock that cannot be read, is waited for until it is stale, and append waits longer than that.
// Inside one process, appends to a log queue up in front of the lock file: one batch at a time takes
// the lock, and what queued meanwhile goes in the next batch, sealed in order and written at once (a
// breach of 2,000 files is ~2,000 appends at one moment; polled for the lock one by one, most timed out).
import { nodeCrypto } from '../core/nodeCrypto';
import { constants, promises as fs } from 'node:fs';
import { nodeOs } from './nodeOs';
import { join } from 'node:path';
import { parseAuditLog, renderRecord, sealRecord } from '../core/audit';
import { AUDIT_LOG_PATH } from '../core/layout';
import type { AuditBody, AuditRecord } from '../core/audit';
import { openRegularFile, readRegularFile, readRegularText } from './regularFile';

export { AUDIT_LOG_PATH };

export interface AuditStoreOptions {
  /**
   * How long append waits for another process's lock before giving up. Default 30 s: longer
   * than `staleLockMs`, so a lock that no live process holds is always broken first.
   */
  lockTimeoutMs?: number;
  /**
   * A lock this old (or dated this far in the future) was left by a process that crashed, and
   * may be broken even when its holder cannot be checked (another host). Default 10 s.
   */
  staleLockMs?: number;
}

/** Where issuedTokens lives on globalThis (see there). */
export const ISSUED_TOKENS = Symbol.for('protected-files.auditStore.issuedTokens');
/** Where the queues of appends waiting in this process live on globalThis (see there). */
const APPEND_QUEUES = Symbol.for('protected-files.auditStore.appendQueues');

/** A lock that cannot be read may be in the moment between its creation and its content. */
const UNREADABLE_GRACE_MS = 1_000;

/**
 * Tokens of every lock this process took (16 hex characters each): a lock with our pid and a token
 * not among them was left by a dead process whose pid we now have. A released token stays here, so
 * a lock read just before its release is never taken for a dead process's. One set for the process,
 * not for this copy of the module: the extension's dist/lazy.js has a copy of its own (Set Up Agent
 * Guards records through it), and a copy that judged the other's lock abandoned would break it and
 * write beside it.
 */
const issuedTokens: Set<string> = (globalThis as { [ISSUED_TOKENS]?: Set<string> })[ISSUED_TOKENS] ??= new Set<string>();

const TAIL_CHUNK = 64 * 1024;
/** A line longer than this is no record (a record is a few KB): passed over unread. */
const MAX_RECORD_LINE = 1024 * 1024;
/**
 * How far back from the end append looks for the last record. Past it (a log padded with hundreds of
 * megabytes, a huge line of junk) the log's tail is unreadable: see append.
 */
export const TAIL_SCAN_LIMIT = 256 * 1024 * 1024;
/** What a record appended after an unreadable tail says (see append). */
const UNREADABLE_TAIL_NOTE = `the audit log's last ${TAIL_SCAN_LIMIT / (1024 * 1024)} MB hold no record, so this record starts a new chain`;
/**
 * Most records one locked write appends: a batch holds the lock for a few milliseconds, so another
 * process's append (a hook, another window) waits that long, not for the whole queue.
 */
const MAX_BATCH_RECORDS = 500;

interface QueuedAppend {
  body: AuditBody;
  resolve(record: AuditRecord): void;
  reject(err: unknown): void;
}

/** The appends of this process waiting for one log, and whether a batch is being written. */
interface AppendQueue {
  waiting: QueuedAppend[];
  writing: boolean;
}

/**
 * Per log path, for the process (not per store object, nor per copy of this module: the extension's
 * dist/lazy.js has its own copy, and two copies queueing apart would poll the lock against each other).
 */
const appendQueues: Map<string, AppendQueue> = (globalThis as { [APPEND_QUEUES]?: Map<string, AppendQueue> })[APPEND_QUEUES] ??= new Map();

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What readTail found at the end of the log. */
interface LogTail {
  last: AuditRecord | undefined;
  endsWithNewline: boolean;
  /** No record in the last TAIL_SCAN_LIMIT bytes, though the log is longer: its end cannot be chained to. */
  unreadable: boolean;
}

/**
 * Walks the log back from its end, line by line, to the last complete, valid record, so appending to
 * a long log does not read all of it. Lines that are not records (a torn write, a merge leftover)
 * are skipped: the new record chains to the last valid one, and parseAuditLog still reports the bad
 * line. Memory stays at one chunk and one line of at most MAX_RECORD_LINE (a longer one is passed
 * over unread), and the walk stops after TAIL_SCAN_LIMIT bytes: a log padded with a gigabyte costs
 * neither a gigabyte of memory nor a pass over it on every append.
 */
async function readTail(handle: fs.FileHandle): Promise<LogTail> {
  const size = (await handle.stat()).size;
  if (size === 0) return { last: undefined, endsWithNewline: true, unreadable: false };
  const chunk = Buffer.alloc(Math.min(TAIL_CHUNK, size));
  const readAt = async (into: Buffer, length: number, position: number): Promise<number> => {
    let read = 0;
    while (read < length) {
      const { bytesRead } = await handle.read(into, read, length - read, position + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return read;
  };
  await readAt(chunk, 1, size - 1);
  const endsWithNewline = chunk[0] === 0x0a;
  // `lineEnd`: where the line being looked for ends (its newline, or the end of the file).
  let lineEnd = size;
  let pos = size;
  while (pos > 0 && size - pos < TAIL_SCAN_LIMIT) {
    const start = Math.max(0, pos - chunk.length);
    const got = await readAt(chunk, pos - start, start);
    const view = chunk.subarray(0, got);
    for (let at = view.length - 1; ; at--) {
      at = at < 0 ? -1 : view.lastIndexOf(0x0a, at);
      if (at < 0 && start > 0) break;
      // A line from just after this newline (or the file's start) to lineEnd.
      const lineStart = at < 0 ? 0 : start + at + 1;
      const record = await lineRecord(lineStart, lineEnd);
      if (record) return { last: record, endsWithNewline, unreadable: false };
      lineEnd = lineStart - 1;
      if (at < 0) break;
    }
    pos = start;
  }
  return { last: undefined, endsWithNewline, unreadable: pos > 0 };

  async function lineRecord(from: number, to: number): Promise<AuditRecord | undefined> {
    const length = to - from;
    if (length <= 0 || length > MAX_RECORD_LINE) return undefined;
    const line = Buffer.alloc(length);
    const got = await readAt(line, length, from);
    const text = line.subarray(0, got).toString('utf8');
    return text.trim() === '' ? undefined : parseAuditLog(text).records[0];
  }
}

interface LockInfo {
  pid: number;
  host: string;
  at: string;
  token: string;
}

/** The lock's text and modification time, or undefined when there is no lock. */
async function readLock(path: string): Promise<{ text: string; mtimeMs: number } | undefined> {
  try {
    // A lock that is not a file (a named pipe would hold this for good) reads as unreadable: judged by age.
    const [bytes, stat] = await Promise.all([readRegularFile(path), fs.stat(path)]);
    return { text: bytes?.toString('utf8') ?? '', mtimeMs: stat.mtimeMs };
  } catch {
    return undefined;
  }
}

/** The holder named in a lock, or undefined when the text is not a lock this code writes. */
function parseLockInfo(text: string): LockInfo | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const info = value as Partial<LockInfo> | null;
  // A pid of 0 or below would signal a process group, or every process, in `isAlive`.
  if (!info || typeof info !== 'object' || !Number.isSafeInteger(info.pid) || (info.pid as number) <= 0) return undefined;
  if (typeof info.host !== 'string' || typeof info.token !== 'string') return undefined;
  return { pid: info.pid as number, host: info.host, at: typeof info.at === 'string' ? info.at : '', token: info.token };
}

/** Whether process `pid` (on this host) exists; signal 0 checks without sending anything. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is just not ours to signal.
    return errorCode(err) === 'EPERM';
  }
}

/** The chained, append-only audit log of one workspace folder. */
export class AuditStore {
  /** `<folder>/.protection/audit.jsonl` */
  readonly path: string;
  /** `<folder>/.protection/audit.jsonl.lock` */
  readonly lockPath: string;
  private readonly lockTimeoutMs: number;
  private readonly staleLockMs: number;

  constructor(readonly folderPath: string, options: AuditStoreOptions = {}) {
    this.path = join(folderPath, ...AUDIT_LOG_PATH.split('/'));
    this.lockPath = `${this.path}.lock`;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
    this.staleLockMs = options.staleLockMs ?? 10_000;
  }

  /**
   * Seals `body` after the last record and appends it; safe across processes. Appends made while
   * another of this process's is written wait for it, then go together in one locked write.
   */
  append(body: AuditBody): Promise<AuditRecord> {
    const queue = appendQueues.get(this.path) ?? { waiting: [], writing: false };
    appendQueues.set(this.path, queue);
    const done = new Promise<AuditRecord>((resolve, reject) => queue.waiting.push({ body, resolve, reject }));
    if (!queue.writing) void this.drain(queue);
    return done;
  }

  /** Writes the queue's batches, one at a time, until it is empty (with this store's lock options). */
  private async drain(queue: AppendQueue): Promise<void> {
    queue.writing = true;
    try {
      while (queue.waiting.length) {
        const batch = queue.waiting.splice(0, MAX_BATCH_RECORDS);
        try {
          const records = await this.appendBatch(batch);
          batch.forEach((a, i) => { const r = records[i]; if (r) a.resolve(r); });
        } catch (err) {
          for (const a of batch) a.reject(err);
        }
      }
    } finally {
      queue.writing = false;
      if (appendQueues.get(this.path) === queue && !queue.waiting.length) appendQueues.delete(this.path);
    }
  }

  /**
   * Under the lock: reads the last record once, seals the bodies after it in order, appends them in
   * one write and one fsync. A crash mid-write leaves whole records and at most one torn line, which
   * the next append skips (see readTail) and never glues onto. A body that cannot be sealed is
   * refused alone (its slot in the result is empty).
   */
  private appendBatch(batch: QueuedAppend[]): Promise<(AuditRecord | undefined)[]> {
    return this.whileLocked(async () => {
      // Never a pipe or a device in place of the log: the append fails with what is there instead.
      const handle = await openRegularFile(this.path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT, 0o666);
      try {
        const { last, endsWithNewline, unreadable } = await readTail(handle);
        const records: (AuditRecord | undefined)[] = [];
        let text = '';
        let previous = last;
        for (const a of batch) {
          try {
            // A log whose end holds no record (padded with junk past TAIL_SCAN_LIMIT): the first record
            // is written all the same (a breach must never go unrecorded), starting a chain of its own,
            // which the commit gate reports as a break; an unsigned one says why (a signed one cannot change).
            const body = unreadable && previous === undefined && a.body.sig === undefined
              ? { ...a.body, detail: `${a.body.detail ? `${a.body.detail}; ` : ''}${UNREADABLE_TAIL_NOTE}` } : a.body;
            const record = sealRecord(body, previous);
            text += `${renderRecord(record)}\n`;
            records.push(previous = record);
          } catch (err) {
            records.push(undefined);
            a.reject(err);
          }
        }
        if (!text) return records;
        // Never glue a record onto a torn last line: start a fresh line instead.
        const line = Buffer.from(`${endsWithNewline ? '' : '\n'}${text}`, 'utf8');
        // One write on an O_APPEND descriptor; the loop only matters if the OS writes short.
        let written = 0;
        while (written < line.length) {
          const { bytesWritten } = await handle.write(line, written, line.length - written);
          written += bytesWritten;
        }
        await handle.sync();
        return records;
      } finally {
        await handle.close();
      }
    });
  }

  /**
   * Runs `work` holding the log's lock (no append of any process in between): the breach guard puts
   * back a log cut short from outside this way. Waits for the lock as an append does.
   */
  async whileLocked<T>(work: () => Promise<T>): Promise<T> {
    await fs.mkdir(join(this.path, '..'), { recursive: true });
    const token = await this.lock();
    try {
      return await work();
    } finally {
      await this.unlock(token);
    }
  }

  /** Every record, plus the lines that are not records. A missing log is an empty one. */
  async readAll(): Promise<{ records: AuditRecord[]; problems: { line: number; message: string }[] }> {
    const text = await readRegularText(this.path);
    return text === undefined ? { records: [], problems: [] } : parseAuditLog(text);
  }

  /** The newest valid record, read from the end of the file; undefined for an empty or missing log. */
  async last(): Promise<AuditRecord | undefined> {
    let handle: fs.FileHandle;
    try {
      handle = await openRegularFile(this.path, constants.O_RDONLY);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return (await readTail(handle)).last;
    } finally {
      await handle.close();
    }
  }

  /** Creates the lock file exclusively; waits with backoff; breaks a stale lock. Returns our token. */
  private async lock(): Promise<string> {
    const info: LockInfo = { pid: process.pid, host: nodeOs().hostname(), at: '', token: nodeCrypto().randomBytes(8).toString('hex') };
    const deadline = Date.now() + this.lockTimeoutMs;
    let delay = 2;
    for (;;) {
      try {
        const handle = await fs.open(this.lockPath, 'wx');
        issuedTokens.add(info.token);
        try {
          await handle.writeFile(JSON.stringify({ ...info, at: new Date().toISOString() }));
        } finally {
          await handle.close();
        }
        return info.token;
      } catch (err) {
        // EPERM/EACCES: Windows, while another process is deleting the lock file.
        if (!['EEXIST', 'EPERM', 'EACCES'].includes(errorCode(err) ?? '')) throw err;
      }
      if (await this.breakStaleLock()) continue;
      if (Date.now() >= deadline) throw new Error(await this.lockedMessage());
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 25);
    }
  }

  /**
   * Removes a lock that no live process holds (see `abandoned`). It is first renamed to a unique
   * name (only one process can win that rename), then compared with what was judged: if it is not
   * that lock any more (its holder wrote it, or another process broke it and took a new one in
   * between), it is put back.
   */
  private async breakStaleLock(): Promise<boolean> {
    const judged = await readLock(this.lockPath);
    if (!judged || !this.abandoned(judged)) return false;
    const aside = `${this.lockPath}.${process.pid}.${nodeCrypto().randomBytes(4).toString('hex')}.stale`;
    try {
      await fs.rename(this.lockPath, aside);
    } catch {
      return true; // someone else moved it first: try to take the lock again
    }
    const moved = await readLock(aside);
    if (!moved || moved.text !== judged.text || moved.mtimeMs !== judged.mtimeMs) {
      await fs.link(aside, this.lockPath).catch(() => undefined);
    }
    await fs.unlink(aside).catch(() => undefined);
    return true;
  }

  /**
   * True when no live process holds `lock`: its process on this host is gone (or is this one,
   * with a token this process never took: the pid of a dead process, reused), or it is older than
   * `staleLockMs` or dated that far in the future (a clock set back), or it has been unreadable for
   * longer than a lock takes to be written.
   */
  private abandoned(lock: { text: string; mtimeMs: number }): boolean {
    const age = Math.abs(Date.now() - lock.mtimeMs);
    const info = parseLockInfo(lock.text);
    if (!info) return age > UNREADABLE_GRACE_MS;
    if (info.host === nodeOs().hostname()) {
      if (info.pid === process.pid ? !issuedTokens.has(info.token) : !isAlive(info.pid)) return true;
    }
    return age > this.staleLockMs;
  }

  /** Removes the lock only if it is still ours (it may have been broken as stale meanwhile). */
  private async unlock(token: string): Promise<void> {
    try {
      const info = JSON.parse((await readRegularFile(this.lockPath))?.toString('utf8') ?? '') as Partial<LockInfo>;
      if (info.token === token) await fs.unlink(this.lockPath);
    } catch {
      // already gone, or not ours any more
    }
  }

  private async lockedMessage(): Promise<string> {
    let holder = 'another process';
    try {
      const info = JSON.parse((await readRegularFile(this.lockPath))?.toString('utf8') ?? '') as Partial<LockInfo>;
      if (info.pid) holder = `process ${info.pid}${info.host ? ` on ${info.host}` : ''} since ${info.at ?? '?'}`;
    } catch {
      // unreadable: keep the generic wording
    }
    return (
      `The audit log is locked by ${holder}; the record was not written. Try again; if no other ` +
      `Protected Files window or hook is running, delete ${this.lockPath}.`
    );
  }
}
