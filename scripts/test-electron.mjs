// Runs the integration suite (the same mocha entry, the same fixture workspace) under
// @vscode/test-electron, i.e. in a desktop VS Code that it downloads from update.code.visualstudio.com.
// For people with a desktop (or xvfb-run on Linux) and hosted CI. The machines this project is
// developed on cannot reach that host, so there `bash scripts/test.sh integration` (code-server)
// is the way; this script was written against @vscode/test-electron 2.5's API but not run here.
//
// usage: node scripts/test-electron.mjs            latest stable VS Code
//        VSCODE_VERSION=1.100.0 node scripts/test-electron.mjs
//        (on Linux without a display: xvfb-run -a node scripts/test-electron.mjs)
// Last output line: "N passed, N failed"; exit code 0 only when everything passed.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--tests'], { cwd: root, stdio: 'inherit' });

// A fresh copy of the fixture workspace, as a git repository with one commit.
const run = realpathSync(mkdtempSync(join(tmpdir(), 'pf-electron-')));
const workspace = join(run, 'workspace');
cpSync(join(root, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
const git = (...args) => execFileSync('git', args, { cwd: workspace, stdio: 'ignore' });
git('init', '-q', '-b', 'main');
git('config', 'user.name', 'Test User');
git('config', 'user.email', 'test@example.com');
git('config', 'commit.gpgsign', 'false');
git('add', '-A');
git('commit', '-q', '-m', 'Initial commit');
// Changes made before the window opens, for the check at start (as scripts/run-extension-host.sh does).
execFileSync('bash', [join(root, 'test', 'integration', 'beforeLaunch.sh')], { cwd: workspace, stdio: 'inherit' });

const results = join(run, 'results.json');
let exitCode = 1;
try {
  await runTests({
    version: process.env.VSCODE_VERSION || 'stable',
    cachePath: join(root, '.test-runs', 'vscode-test'), // git-ignored; kept between runs
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'out', 'test', 'integration', 'index.js'),
    extensionTestsEnv: { PF_TEST_WORKSPACE: workspace, PF_TEST_RESULTS: results, PF_TEST_GREP: process.env.PF_TEST_GREP },
    launchArgs: [
      workspace,
      '--disable-extensions', // other installed extensions stay out; the development extension still loads
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
      `--user-data-dir=${join(run, 'user-data')}`,
      `--extensions-dir=${join(run, 'extensions')}`,
    ],
  });
  exitCode = 0;
} catch (err) {
  console.error(`VS Code reported a failure: ${err && err.message ? err.message : err}`);
}

if (existsSync(results)) {
  const r = JSON.parse(readFileSync(results, 'utf8'));
  const failures = r.failures + (r.finished ? 0 : 1) + (r.tests === 0 && r.failures === 0 ? 1 : 0);
  console.log(`${r.passes} passed, ${failures} failed`);
  if (failures > 0) exitCode = 1;
} else {
  console.log('0 passed, 1 failed');
  exitCode = 1;
}
rmSync(run, { recursive: true, force: true });
process.exit(exitCode);
