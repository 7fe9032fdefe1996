// A lock file shared by processes on one machine (VS Code windows, the CLI, agent hooks). The lock
// holds the holder's pid and host, so a holder that died (killed mid-write) is recognised at once
// and its lock broken, instead of waiting for it to age; a lock from another host, or one that
// cannot be read, is broken only after `staleMs`.
import { nodeCrypto } from '../core/nodeCrypto';
import { promises as fs } from 'node:fs';
import { nodeOs } from './nodeOs';
import { readRegularFile } from './regularFile';

interface LockInfo {
  pid: number;
  host: string;
  at: number;
  token: string;
}

export interface FileLockOptions {
  /** How long to wait for another holder before giving up. Default 5 s. */
  timeoutMs?: number;
  /** A lock whose holder cannot be checked (another host, unreadable) is broken after this. Default 10 s. */
  staleMs?: number;
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether process `pid` runs on this host: signal 0 checks without sending anything (one it may not signal runs too). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) !== 'ESRCH';
  }
}

async function breakable(path: string, staleMs: number): Promise<boolean> {
  let text: string;
  let mtime: number;
  try {
    // A lock that is not a file (a named pipe would hold this for good) reads as empty: judged by age.
    [text, mtime] = await Promise.all([readRegularFile(path).then((b) => b?.toString('utf8') ?? ''), fs.stat(path).then((s) => s.mtimeMs)]);
  } catch (err) {
    return errorCode(err) === 'ENOENT'; // gone meanwhile: try again at once
  }
  let info: Partial<LockInfo> | undefined;
  try {
    info = JSON.parse(text) as Partial<LockInfo>;
  } catch {
    info = undefined;
  }
  if (info && typeof info.pid === 'number' && info.host === nodeOs().hostname()) return !processAlive(info.pid);
  // Another host, or not readable (a holder killed between creating and writing it): by age. A
  // time in the future (a skewed clock) counts as now, so it never blocks until the clock passes it.
  const age = Date.now() - Math.min(mtime, Date.now());
  return age > staleMs;
}

/** Runs `fn` while holding the lock file `path`. */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const staleMs = options.staleMs ?? 10_000;
  const token = nodeCrypto().randomBytes(8).toString('hex');
  const info: LockInfo = { pid: process.pid, host: nodeOs().hostname(), at: Date.now(), token };
  const deadline = Date.now() + timeoutMs;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      const handle = await fs.open(path, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(info));
      } finally {
        await handle.close();
      }
      break;
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err;
    }
    if (await breakable(path, staleMs)) {
      await fs.unlink(path).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for the lock ${path}; if no other process is using it, delete it.`);
    await sleep(wait);
  }
  try {
    return await fn();
  } finally {
    // Remove only our own lock (a slow holder's lock may have been broken and taken by another).
    try {
      const held = JSON.parse((await readRegularFile(path))?.toString('utf8') ?? '') as Partial<LockInfo>;
      if (held.token === token) await fs.unlink(path);
    } catch {
      // already gone
    }
  }
}
