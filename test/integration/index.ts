// Mocha entry for the integration suite. VS Code calls run() inside the extension host, both
// when code-server runs the suite (scripts/run-extension-host.sh) and under @vscode/test-electron
// (scripts/test-electron.mjs). It loads every *.test.js bundled next to it (out/test/integration/**).
//
// PF_TEST_RESULTS (optional): a file path; the counts {passes, failures, tests} are written there,
// because the exit code code-server logs for the extension host cannot be trusted.
// PF_TEST_GREP (optional): only run tests whose full title matches this regular expression.
// PF_BENCH=1 (optional): also load the benchmarks, *.bench.js (scripts/bench.sh); never in a normal run.
// PF_MULTIROOT=1: the multi-root run (scripts/run-extension-host.sh integration-multiroot, which opens
// test/fixtures/multiroot/shop.code-workspace) loads ONLY *.multiroot.test.js; every other run skips them,
// since they need that workspace and the rest need the single-folder fixture.
// PF_RESTRICTED=1: the Restricted Mode run (integration-restricted: workspace trust on, folder untrusted)
// loads ONLY *.restricted.test.js; every other run skips them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

const MULTIROOT_SUFFIX = '.multiroot.test.js';
const RESTRICTED_SUFFIX = '.restricted.test.js';

function findTests(dir: string, suffixes: string[], exclude: string[] = []): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(p, suffixes, exclude));
    else if (suffixes.some((s) => entry.name.endsWith(s)) && !exclude.some((s) => entry.name.endsWith(s))) out.push(p);
  }
  return out.sort();
}

/** The test files of this run: the multi-root run and the single-folder runs never share a file. */
function testFiles(): string[] {
  if (process.env.PF_MULTIROOT === '1') return findTests(__dirname, [MULTIROOT_SUFFIX]);
  if (process.env.PF_RESTRICTED === '1') return findTests(__dirname, [RESTRICTED_SUFFIX]);
  return findTests(__dirname, process.env.PF_BENCH === '1' ? ['.test.js', '.bench.js'] : ['.test.js'], [MULTIROOT_SUFFIX, RESTRICTED_SUFFIX]);
}

interface Results {
  passes: number;
  failures: number;
  tests: number;
  pending: number;
  /** false while the suite is still running (written after every test) */
  finished: boolean;
  failed: { title: string; error: string }[];
  at: string;
}

function writeResults(results: Results): void {
  const file = process.env.PF_TEST_RESULTS;
  if (!file) return;
  fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, color: false, reporter: 'spec' });
  if (process.env.PF_TEST_GREP) mocha.grep(new RegExp(process.env.PF_TEST_GREP));
  const files = testFiles();
  for (const f of files) mocha.addFile(f);

  return new Promise((resolve, reject) => {
    const failed: Results['failed'] = [];
    let runner: Mocha.Runner;
    const snapshot = (finished: boolean, failures?: number): Results => ({
      passes: runner.stats?.passes ?? 0,
      failures: failures ?? runner.stats?.failures ?? 0,
      tests: runner.stats?.tests ?? 0,
      pending: runner.stats?.pending ?? 0,
      finished,
      failed,
      at: new Date().toISOString(),
    });
    try {
      runner = mocha.run((failures) => {
        writeResults(snapshot(true, failures));
        if (files.length === 0) reject(new Error(`no ${process.env.PF_MULTIROOT === '1' ? `*${MULTIROOT_SUFFIX}` : '*.test.js'} files found under ${__dirname}`));
        else if (failures > 0) reject(new Error(`${failures} integration test(s) failed.`));
        else resolve();
      });
      runner.on('fail', (test, err: Error) => failed.push({ title: test.fullTitle(), error: String(err?.message ?? err) }));
      // Counts so far, so that a run that hangs and times out still reports what it did.
      runner.on('test end', () => writeResults(snapshot(false)));
    } catch (err) {
      // A suite that throws while loading never reaches the callback: still report it as a failure.
      writeResults({ passes: 0, failures: 1, tests: 0, pending: 0, finished: true, failed: [{ title: 'loading the test files', error: String(err) }], at: new Date().toISOString() });
      reject(err);
    }
  });
}
