// Which process guards a folder against breaches: the VS Code windows open on it and any
// `protected-files watch` share one lease file beside the grant store. The first to take it is the
// active guard (it restores and records); the others stand by, check the lease every few seconds
// (one stat and one small read, whatever the number of files) and take over when its holder has
// gone: released on exit, dead (pid gone on this host, as src/node/fileLock.ts judges it), or
// silent: the holder touches the lease every third of `staleMs`, so a lease written by hand that
// names a live process (pid 1) stops no guard for longer than `staleMs`.
import { nodeCrypto } from '../core/nodeCrypto';
import { promises as fs, unlinkSync } from 'node:fs';
import { nodeOs } from './nodeOs';
import { processAlive } from './fileLock';
import { readRegularFile, readRegularFileSync } from './regularFile';

export interface LeaseHolder {
  pid: number;
  host: string;
  /** What holds it: `VS Code`, `protected-files watch`. */
  who: string;
  at: number;
  token: string;
}

const STANDBY_CHECK_MS = 2000;

async function readHolder(path: string): Promise<LeaseHolder | undefined> {
  try {
    // Not a file (a named pipe would hold the guard for good): no holder, as when half-written.
    const v = JSON.parse((await readRegularFile(path))?.toString('utf8') ?? '') as Partial<LeaseHolder>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.token === 'string') {
      return { pid: v.pid, host: v.host, who: typeof v.who === 'string' ? v.who : 'another guard', at: Number(v.at) || 0, token: v.token };
    }
  } catch {
    // missing or half-written
  }
  return undefined;
}

export class GuardLease {
  private readonly token = nodeCrypto().randomBytes(8).toString('hex');
  private held = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private disposed = false;
  private contested: ((holder: LeaseHolder) => void) | undefined;
  private saidContested = false;

  /** `path`: the lease file (see leasePathFor). */
  constructor(readonly path: string, private readonly who: string, private readonly staleMs = 30_000) {}

  get isHeld(): boolean {
    return this.held;
  }

  /** Takes the lease if nobody (alive) holds it; true when this process is now the active guard. */
  async tryAcquire(): Promise<boolean> {
    if (this.held) return true;
    if (this.disposed) return false;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.create();
        this.held = true;
        this.beat();
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      if (!(await this.breakable())) return false;
      await fs.unlink(this.path).catch(() => undefined);
    }
    return false;
  }

  /** Who holds the lease now, if anyone else. */
  async holder(): Promise<LeaseHolder | undefined> {
    const h = await readHolder(this.path);
    return h && h.token !== this.token ? h : undefined;
  }

  private async breakable(): Promise<boolean> {
    const h = await readHolder(this.path);
    if (h) {
      if (h.token === this.token) return false;
      if (h.host === nodeOs().hostname() && !processAlive(h.pid)) return true;
    }
    // A live holder touches the lease (see beat); another host's, or a file not readable yet: by age alike.
    try {
      const st = await fs.stat(this.path);
      return Date.now() - Math.min(st.mtimeMs, Date.now()) > this.staleMs;
    } catch {
      return true;
    }
  }

  /**
   * Stands by: checks every few seconds and calls `onAcquired` once the lease is taken. Does
   * nothing more once held.
   */
  standBy(onAcquired: () => void, everyMs = STANDBY_CHECK_MS): void {
    if (this.timer || this.held || this.disposed) return;
    this.timer = setInterval(() => {
      void this.tryAcquire().then((got) => {
        if (!got || this.disposed) return;
        if (this.timer) clearInterval(this.timer);
        this.timer = undefined;
        onAcquired();
      }, () => undefined);
    }, everyMs);
    this.timer.unref?.();
  }

  /**
   * Called once when the lease names another holder while this process holds it: another guard took it
   * after the file was deleted, or a forged lease. This process keeps guarding (were it to stand down, one
   * `echo` into the file would switch every guard of the folder off): the caller says so.
   */
  whenContested(onContested: (holder: LeaseHolder) => void): void {
    this.contested = onContested;
  }

  /**
   * While held: touches the lease every third of `staleMs`, so standing-by guards see a live holder (one
   * small read and one utimes). A lease deleted under it is written again, so that a guard starting later
   * stands by; one naming another holder is kept fresh all the same, and said once (whenContested).
   */
  private beat(): void {
    this.heartbeat = setInterval(() => void this.keep(), Math.max(10, Math.floor(this.staleMs / 3)));
    this.heartbeat.unref?.();
  }

  private async keep(): Promise<void> {
    if (!this.held || this.disposed) return;
    const h = await readHolder(this.path);
    // Not there: written again. Taken meanwhile, or half-written: the next beat looks again.
    if (h === undefined) return void (await this.create().catch(() => undefined));
    const now = new Date();
    await fs.utimes(this.path, now, now).catch(() => undefined);
    if (h.token !== this.token && !this.saidContested) {
      this.saidContested = true;
      this.contested?.(h);
    }
  }

  /** Writes the lease as this process's, only where there is none. */
  private create(): Promise<void> {
    const me: LeaseHolder = { pid: process.pid, host: nodeOs().hostname(), who: this.who, at: Date.now(), token: this.token };
    return fs.writeFile(this.path, JSON.stringify(me), { flag: 'wx', mode: 0o600 });
  }

  private stopTimers(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.timer = undefined;
    this.heartbeat = undefined;
  }

  /** Gives the lease back (only our own) and stops standing by. Safe to call twice. */
  async release(): Promise<void> {
    this.stopTimers();
    if (!this.held) return;
    this.held = false;
    const h = await readHolder(this.path);
    if (h?.token === this.token) await fs.unlink(this.path).catch(() => undefined);
  }

  /** The same, synchronously, for process exit handlers. */
  releaseSync(): void {
    this.stopTimers();
    if (!this.held) return;
    this.held = false;
    try {
      const h = JSON.parse(readRegularFileSync(this.path)?.toString('utf8') ?? '') as Partial<LeaseHolder>;
      if (h.token === this.token) unlinkSync(this.path);
    } catch {
      // gone already
    }
  }

  dispose(): void {
    this.disposed = true;
    this.releaseSync();
  }
}

/** The lease file of a folder: beside its grant store's state file. */
export function leasePathFor(grantStatePath: string): string {
  return `${grantStatePath}.guard`;
}
