// Benchmark, not a test: the cost of the extension in a generated workspace of 20,000 files (issue 8),
// against the same workspace without a manifest (the extension never activates) in the same
// `npm run bench`. scripts/bench.sh generates the workspace and runs this suite once per scenario:
//   PF_BENCH_SCENARIO=baseline   no manifest: idle CPU and RSS of the extension host, watcher latency
//                                measured twice (two windows: the drift of a host where nothing starts)
//   PF_BENCH_SCENARIO=protected  PF_BENCH_PROTECTED files protected: activate() time, the same idle
//                                figures, and outside write → restored p50/p95
//   PF_BENCH_SCENARIO=late       launched without a manifest; once idle is measured, the manifest from
//                                PF_BENCH_LATE_FROM is put back, the extension started and idle measured
//                                again in the same host (its cost without the launch-to-launch spread)
// PF_BENCH_USE=1: the baseline's and the 20,000-file run end with a scripted while of use and idle measured again.
// Figures go as JSON to PF_BENCH_OUT. Idle CPU is the extension host's own (process.cpuUsage), over
// PF_BENCH_IDLE_S seconds (30) once the start-up work (inventory, check at start) is over.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import * as inspector from 'node:inspector';
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import { measureOne, percentile, restoreTimes, summary, watcherLatencies } from './benchHelpers';
import type { Sample } from './benchHelpers';
import { api, folderPath, sleep, waitFor } from './helpers';

const SCENARIO = process.env.PF_BENCH_SCENARIO ?? 'protected';
const IDLE_S = Number(process.env.PF_BENCH_IDLE_S) || 30;
const WRITES = Number(process.env.PF_BENCH_WRITES) || 40;
const FILE = 'src/booking/pricing.ts';
const PLAIN = 'src/utils/format.ts';
const WATCHER_WRITES = 10;
/** `late`: the folder holding the `.protection/` to put in place once the host has settled without it. */
const PF_LATE_FROM = SCENARIO === 'late' ? process.env.PF_BENCH_LATE_FROM : undefined;
/** After the extension started late: the pause before the second window (as the first had 8 s after launch). */
const LATE_SETTLE_MS = 8000;
/** PF_BENCH_USE=1: after the figures, the baseline's and the 20,000-file run's host is used a while and measured idle again. */
const PF_USE = process.env.PF_BENCH_USE === '1';
const PAUSE_MS = 250;

/**
 * The extension host's CPU use over `seconds` of idling, and its RSS: sampled once a second over the
 * window (`rssMb` is their median, nearest rank: one sample at the end lands before or after a collection of the
 * host's heap, which moved the difference between two runs by ±15 MB) and at its end.
 */
async function idle(seconds: number): Promise<Record<string, unknown> & { cpuPercent: number; rssMb: number }> {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const samples: number[] = [];
  // Diagnostics: the heap's collections over the window and, each second, the young generation's
  // committed size and the heap in use (an allocation burst grows the young generation; V8 shrinks it
  // again only at a collection while little is allocated).
  const gcs: { kind: number; at: number; ms: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ kind: ((e as unknown as { detail?: { kind?: number } }).detail)?.kind ?? -1, at: Math.round(e.startTime - t0Ms), ms: Math.round(e.duration * 10) / 10 });
  });
  const t0Ms = performance.now();
  observer.observe({ entryTypes: ['gc'] });
  const young: number[] = [];
  const used: number[] = [];
  const sampler = setInterval(() => {
    samples.push(process.memoryUsage.rss() / 1e6);
    young.push(Math.round((v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.physical_space_size ?? 0) / 1e5) / 10);
    used.push(Math.round(process.memoryUsage().heapUsed / 1e5) / 10);
  }, 1000);
  await sleep(seconds * 1000);
  clearInterval(sampler);
  observer.disconnect();
  const c = process.cpuUsage(c0);
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
  const m = process.memoryUsage();
  samples.push(m.rss / 1e6);
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    cpuPercent: ((c.user + c.system) / wallUs) * 100,
    rssMb: percentile(sorted, 50),
    rssEndMb: m.rss / 1e6,
    rssRangeMb: [sorted[0], sorted[sorted.length - 1]],
    heapUsedMb: m.heapUsed / 1e6,
    heapTotalMb: m.heapTotal / 1e6,
    idleGcs: gcs,
    idleYoungMb: young,
    idleHeapUsedMb: used,
  };
}

/**
 * A few minutes' use, scripted: three searches of the workspace's source files and 120 of them opened
 * in editors (40 per round, then closed), then the same pause and idle window as at start. A host in
 * use grows its heap far past what either start-up leaves; this shows what is left of the difference.
 */
async function useThenIdle(): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  for (let round = 0; round < 3; round++) {
    const uris = await vscode.workspace.findFiles('src/**/*.ts', undefined, 30000);
    for (const uri of uris.slice(round * 40, round * 40 + 40)) {
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc, { preview: false });
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  }
  const useMs = Date.now() - t0;
  return { useMs, ...(await idleAgain()) };
}

/** Another idle window, after the same pause as `late` gives the extension once started (the baseline's second window, and after use). */
async function idleAgain(): Promise<Record<string, unknown>> {
  await sleep(LATE_SETTLE_MS);
  return idle(IDLE_S);
}

/**
 * Where the extension host's memory is, in MB: RSS split as Linux counts it (anonymous: heaps and
 * malloc; file-backed: mapped code and files), V8's heap by space, and memory outside the heap.
 */
function memory(): Record<string, number> {
  const mb = (bytes: number): number => Math.round(bytes / 1e5) / 10;
  const m = process.memoryUsage();
  const out: Record<string, number> = { rss: mb(m.rss), heapTotal: mb(m.heapTotal), heapUsed: mb(m.heapUsed), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers) };
  for (const space of v8.getHeapSpaceStatistics()) out[`committed:${space.space_name}`] = mb(space.physical_space_size);
  try {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    for (const key of ['RssAnon', 'RssFile', 'RssShmem']) {
      const kb = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
      if (kb) out[key] = Math.round(Number(kb) / 100) / 10;
    }
  } catch {
    // not Linux
  }
  return out;
}

/**
 * Runs an inspector profiler of the extension host: posts `start` now; the function returned posts
 * `stop` and writes the profile it answers to `file`. Nothing when `file` is unset.
 */
async function startProfile(file: string | undefined, start: [string, object?][], stop: string): Promise<() => Promise<void>> {
  if (!file) return async () => {};
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, params ?? {}, (err, r) => (err ? reject(err) : resolve(r))));
  for (const [method, params] of start) await post(method, params);
  return async () => {
    const r = (await post(stop)) as { profile: unknown };
    fs.writeFileSync(file, JSON.stringify(r.profile));
    session.disconnect();
  };
}

/** PF_BENCH_CPU_PROFILE=file: a CPU profile of the extension host while the writes are restored (a .cpuprofile). */
const startCpuProfile = (file: string | undefined): Promise<() => Promise<void>> =>
  startProfile(file, [['Profiler.enable'], ['Profiler.setSamplingInterval', { interval: 500 }], ['Profiler.start']], 'Profiler.stop');

/**
 * PF_BENCH_ALLOC_PROFILE=file: where the extension host allocates from the start of the test until it
 * has settled, garbage included (a .heapprofile of V8's sampling heap profiler).
 */
const startAllocationProfile = (file: string | undefined): Promise<() => Promise<void>> => startProfile(file, [
  ['HeapProfiler.enable'],
  ['HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }],
], 'HeapProfiler.stopSampling');

describe('benchmark: scale', function () {
  this.timeout((3 * IDLE_S + 300) * 1000);

  it(`${SCENARIO}: idle CPU, memory, activation and restore latency`, async () => {
    const result: Record<string, unknown> = { scenario: SCENARIO, idleSeconds: IDLE_S, at: new Date().toISOString() };
    const heapAtStart = process.memoryUsage().heapTotal / 1e6;
    if (SCENARIO === 'protected') {
      const stopAllocations = await startAllocationProfile(process.env.PF_BENCH_ALLOC_PROFILE);
      const a = await api();
      const heapAtApi = process.memoryUsage().heapTotal / 1e6;
      const rss: Record<string, number> = { activated: process.memoryUsage().rss / 1e6 };
      result.rssAtMb = rss;
      const memoryAt: Record<string, unknown> = { activated: memory() };
      result.memoryAt = memoryAt;
      result.activationMs = a.activationMs;
      result.protectedExpected = Number(process.env.PF_BENCH_PROTECTED) || undefined;
      const t0 = Date.now();
      await a.breach.checkedAtStart();
      result.checkAtStartMs = a.breach.startCheckMs; // git status and the audit log, after activate() returned
      // The inventory (counts, decorations, folders to watch) runs in the background after activation.
      await waitFor('the inventory', () => a.service.protectedCount() >= (Number(process.env.PF_BENCH_PROTECTED) || 1), 120_000);
      result.inventoryDoneMs = Date.now() - t0;
      rss.inventoried = process.memoryUsage().rss / 1e6;
      memoryAt.inventoried = memory();
      result.protectedFiles = a.service.protectedCount();
      await sleep(3000);
      await a.breach.settled();
      rss.settled = process.memoryUsage().rss / 1e6;
      memoryAt.settled = memory();
      await stopAllocations();
      result.lazyLoaded = Object.keys(require.cache).filter((k) => /dist[\\/](lazy|simple-git)\.js$/.test(k));
      result.heapAt = { start: heapAtStart, api: heapAtApi, settled: process.memoryUsage().heapTotal / 1e6 };
      Object.assign(result, await idle(IDLE_S));
      memoryAt.idle = memory();
      const file = path.join(folderPath(), FILE);
      const approved = fs.readFileSync(file);
      const samples: Sample[] = [];
      // How long the extension host's event loop was held up while the writes were restored.
      const delay = monitorEventLoopDelay({ resolution: 5 });
      delay.enable();
      const stopProfile = await startCpuProfile(process.env.PF_BENCH_CPU_PROFILE);
      for (let i = 0; i < WRITES + 2; i++) {
        const s = await measureOne(a, FILE, file, approved, i);
        if (i >= 2) samples.push(s);
        await a.breach.settled();
        await sleep(PAUSE_MS);
        await a.breach.settled();
      }
      const times = restoreTimes(samples);
      result.writeToRestoreMs = summary(times.values);
      result.measuredFrom = times.from;
      result.samplesMs = times.values.map((v) => Math.round(v * 10) / 10);
      result.childStartToRestoreMs = summary(samples.map((s) => s.total));
      delay.disable();
      result.eventLoopDelayMs = { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 };
      await stopProfile();
    } else {
      await sleep(8000); // the same settling as the other scenario's start-up
      result.heapAt = { start: heapAtStart, settled: process.memoryUsage().heapTotal / 1e6 };
      const settled = memory();
      Object.assign(result, await idle(IDLE_S));
      result.memoryAt = { settled, idle: memory() };
      // The same host measured twice: hosts differ from launch to launch by tens of MB, so the
      // extension's cost is also measured inside one host (below); this is that measure's drift when
      // nothing starts in between (a second window after the first, with the same pause).
      const again = PF_LATE_FROM ? undefined : await idleAgain();
      if (again) result.again = again;
      if (PF_LATE_FROM) {
        // `late`: the workspace's manifest is put back (and committed) once the host has settled
        // without it, then the extension is started: its cost inside the same host, launch to launch
        // differences left out.
        fs.cpSync(path.join(PF_LATE_FROM, '.protection'), path.join(folderPath(), '.protection'), { recursive: true });
        execFileSync('git', ['add', '.protection'], { cwd: folderPath() });
        execFileSync('git', ['commit', '-q', '-m', 'Protect the generated files'], { cwd: folderPath() });
        const a = await api();
        result.activationMs = a.activationMs;
        await waitFor('the inventory', () => a.service.protectedCount() >= (Number(process.env.PF_BENCH_PROTECTED) || 1), 120_000);
        result.protectedFiles = a.service.protectedCount();
        await sleep(LATE_SETTLE_MS);
        await a.breach.settled();
        result.late = await idle(IDLE_S);
        (result.memoryAt as Record<string, unknown>).late = memory();
      }
    }
    result.watcherEventMs = summary(await watcherLatencies(path.join(folderPath(), PLAIN), WATCHER_WRITES, PAUSE_MS));
    if (PF_USE && (SCENARIO === 'baseline' || Number(process.env.PF_BENCH_PROTECTED) >= 20_000)) result.used = await useThenIdle();
    // PF_BENCH_HEAP_SNAPSHOT=file: a heap snapshot of the extension host after the figures (to find what costs memory).
    // PF_BENCH_SMAPS=file: the extension host's memory map at the end (which mappings hold the RSS).
    if (process.env.PF_BENCH_SMAPS) fs.writeFileSync(process.env.PF_BENCH_SMAPS, fs.readFileSync('/proc/self/smaps', 'utf8'));
    const snap = process.env.PF_BENCH_HEAP_SNAPSHOT;
    if (snap) v8.writeHeapSnapshot(snap);
    const out = process.env.PF_BENCH_OUT;
    if (out) fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result));
  });
});
