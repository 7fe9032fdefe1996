// Measurements shared by the benchmarks that run in the real extension host (*.bench.ts).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import { sleep } from './helpers';

const POLL_MS = 2;
const GIVE_UP_MS = 10_000;

/** Nearest-rank percentile of ascending `sorted`. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** The samples' write → restored times: from the child's own clock where every sample has one, else from the child's start. */
export function restoreTimes(samples: readonly Sample[]): { values: number[]; from: 'write' | 'child start' } {
  const fromWrite = samples.map((s) => s.fromWrite);
  return fromWrite.every((v) => v !== undefined) ? { values: fromWrite as number[], from: 'write' } : { values: samples.map((s) => s.total), from: 'child start' };
}

export function summary(values: number[]): { p50: number; p95: number; max: number; min: number; mean: number } {
  const sorted = [...values].sort((x, y) => x - y);
  const round = (v: number): number => Math.round(v * 10) / 10;
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    max: round(sorted[sorted.length - 1]),
    min: round(sorted[0]),
    mean: round(sorted.reduce((n, v) => n + v, 0) / sorted.length),
  };
}

export interface Sample {
  /** t0 (child started) → approved content back on disk */
  total: number;
  /**
   * The child about to write → approved content back on disk: what the restore costs, without the
   * time a loaded machine takes to start the writer (undefined without a clock from the child).
   */
  fromWrite: number | undefined;
  /** the breaching content first seen by the poll → approved content back (undefined if the poll never saw it) */
  afterSeen: number | undefined;
}

/**
 * Writes `text` to `file` from a child process, as an agent in a terminal would. Resolves to the moment
 * (performance.now() scale) the child was about to write: its clock read just before the redirection,
 * or undefined where `date` has no nanoseconds.
 */
export function writeFromChild(file: string, text: string): Promise<number | undefined> {
  return new Promise<number | undefined>((resolve, reject) => {
    execFile('sh', ['-c', 'date +%s%N; printf "%s\\n" "$1" > "$0"', file, text], (err, stdout) => {
      if (err) return reject(err);
      const ns = /^\d{19}$/.test(stdout.trim()) ? Number(stdout.trim()) : NaN;
      resolve(Number.isFinite(ns) ? ns / 1e6 - performance.timeOrigin : undefined);
    });
  });
}

/** The child about to write (else t0, the child started) → the extension host gets the watcher's event for an unprotected file. */
export async function watcherLatency(file: string, i: number): Promise<number> {
  const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(path.dirname(file), path.basename(file)));
  try {
    const event = new Promise<number>((resolve) => {
      watcher.onDidChange(() => resolve(performance.now()));
      watcher.onDidCreate(() => resolve(performance.now()));
    });
    await sleep(100); // the watcher is set up
    const t0 = performance.now();
    const child = writeFromChild(file, `export const plain${i} = ${i};`);
    const t1 = await Promise.race([event, sleep(GIVE_UP_MS).then(() => undefined)]);
    const wrote = await child;
    if (t1 === undefined) throw new Error(`write ${i} to ${file}: no watcher event within ${GIVE_UP_MS} ms`);
    return t1 - Math.max(t0, wrote ?? t0);
  } finally {
    watcher.dispose();
  }
}

/** `count` watcherLatency measures of `file` (absolute), `pauseMs` apart; the file's content is put back after. */
export async function watcherLatencies(file: string, count: number, pauseMs: number): Promise<number[]> {
  const before = fs.readFileSync(file);
  const out: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      out.push(await watcherLatency(file, i));
      await sleep(pauseMs);
    }
  } finally {
    fs.writeFileSync(file, before);
  }
  return out;
}

/** One outside write to `file` (absolute; `rel` its folder-relative path) and the wait for its restore. */
export async function measureOne(a: TestApi, rel: string, file: string, approved: Buffer, i: number): Promise<Sample> {
  let handled = false;
  const listener = a.breach.onDidHandle((o) => {
    if (o.relPath === rel) handled = true;
  });
  try {
    const t0 = performance.now();
    const child = writeFromChild(file, `export const breach${i} = ${i}; // written by the restore-latency benchmark`);
    let seen: number | undefined;
    for (;;) {
      let now: Buffer | undefined;
      try {
        now = fs.readFileSync(file);
      } catch {
        now = undefined; // between the restore's rename steps on some file systems
      }
      const t = performance.now();
      if (now && now.equals(approved)) {
        // The approved content before the write landed does not count: the breach must have happened.
        if (seen !== undefined || handled) {
          const wrote = await child;
          return { total: t - t0, fromWrite: wrote === undefined ? undefined : t - Math.max(t0, wrote), afterSeen: seen === undefined ? undefined : t - seen };
        }
      } else if (seen === undefined) {
        seen = t;
      }
      if (t - t0 > GIVE_UP_MS) throw new Error(`write ${i}: ${rel} not restored within ${GIVE_UP_MS} ms`);
      await sleep(POLL_MS);
    }
  } finally {
    listener.dispose();
  }
}
