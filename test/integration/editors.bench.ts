// Benchmark (loaded only with PF_BENCH=1, run by scripts/bench.sh): what a user waits for when opening
// files and switching between them, in the scale scenario's generated 20,000-file workspace, with the
// extension (every file protected: each one that becomes active gets the workbench's read-only state)
// and without it (no manifest: the extension never starts), in the same run.
//   PF_BENCH_SCENARIO  protected | baseline
//   PF_BENCH_OPEN      files opened one after another (default 40); the first 10 are then switched between
//   PF_BENCH_OUT       where the figures go as JSON
// The figure is the wall time of the whole sequence, the read-only state applied at its end: a read-only
// command sent after an editor is shown delays the next open, so per-open times would move the cost
// from one open to the next.
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { summary } from './benchHelpers';
import { api, sleep, waitFor } from './helpers';

const SCENARIO = process.env.PF_BENCH_SCENARIO ?? 'protected';
const OPEN = Number(process.env.PF_BENCH_OPEN) || 40;
const SWITCH_AMONG = 10;
const SWITCHES = 60;

describe('benchmark: editors', function () {
  this.timeout(600_000);

  it(`${SCENARIO}: opening files and switching between them`, async () => {
    let settled = async (): Promise<void> => {};
    let sent = (): number => 0;
    if (SCENARIO === 'protected') {
      const a = await api();
      await waitFor('the inventory', () => a.service.protectedCount() >= (Number(process.env.PF_BENCH_PROTECTED) || 1), 120_000);
      await a.breach.settled();
      settled = () => a.readOnly.settled();
      sent = () => a.readOnly.commandsSent;
    }
    await sleep(5000); // the host's own start-up work, in both scenarios
    const uris = (await vscode.workspace.findFiles('src/**/*.ts', undefined, 30_000)).sort((x, y) => x.path.localeCompare(y.path)).slice(0, OPEN);
    const show = async (uri: vscode.Uri): Promise<number> => {
      const t0 = performance.now();
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
      return performance.now() - t0;
    };

    // Opening: each file opened in a tab of its own, one after another.
    const sent0 = sent();
    let t0 = performance.now();
    const opens: number[] = [];
    for (const uri of uris) opens.push(await show(uri));
    await settled();
    const openMs = performance.now() - t0;
    const openCommands = sent() - sent0;

    // Switching: back and forth between ten of the open tabs (each already opened, and already read-only).
    const sent1 = sent();
    t0 = performance.now();
    const switches: number[] = [];
    for (let i = 0; i < SWITCHES; i++) switches.push(await show(uris[(i * 3) % SWITCH_AMONG]));
    await settled();
    const switchMs = performance.now() - t0;
    const switchCommands = sent() - sent1;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    const result = {
      scenario: SCENARIO, opened: uris.length, switches: SWITCHES, at: new Date().toISOString(),
      openMs, openPerFileMs: summary(opens), openCommands,
      switchMs, switchPerTabMs: summary(switches), switchCommands,
    };
    const out = process.env.PF_BENCH_OUT;
    if (out) fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result));
  });
});
