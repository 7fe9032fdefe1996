// Runs the integration suite inside code-server's real extension host: opens the workbench in
// Chromium with our extension as development extension and out/test/integration/index.js as
// extensionTestsPath, then waits for VS Code to call window.codeAutomationExit(code).
//
// usage: node scripts/host/driveTests.js   (everything comes from the environment)
//   PF_BASE_URL       code-server's URL, e.g. http://127.0.0.1:41234
//   PF_EXTENSION_DIR  the extension's folder (the repository root)
//   PF_TESTS_ENTRY    absolute path of out/test/integration/index.js
//   PF_TEST_WORKSPACE the folder to open
//   PF_TEST_TIMEOUT_MS give up after this long (default 300000)
//   PF_SCREENSHOT     optional: a PNG of the workbench when the run ends
// Exit code: 0 when VS Code reports 0, 1 when it reports failures, 2 on timeout or error.
// The pass/fail counts themselves come from the results file the mocha entry writes.
const { launchBrowser, injectDevelopmentOptions, workbenchUrl } = require('./browser');

const WORKBENCH_CHATTER = /^\s*\[[^\]]+\]|^(Resolving connection token|Resolved connection token|Creating a socket|Updating additional builtin|Error while fetching the extension under development|ERR Canceled)/;
let finished = false;

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

async function main() {
  const base = need('PF_BASE_URL');
  const extensionDevelopmentPath = need('PF_EXTENSION_DIR');
  const extensionTestsPath = need('PF_TESTS_ENTRY');
  const folder = need('PF_TEST_WORKSPACE');
  const timeoutMs = Number(process.env.PF_TEST_TIMEOUT_MS || 300_000);
  const t0 = Date.now();
  const quiet = process.env.PF_BROWSER_LOG !== '1';

  const { page, close } = await launchBrowser({
    // The mocha spec reporter writes to the extension host's console, which VS Code forwards to
    // the page's console: print those lines so the suite's output appears in ours.
    // The workbench's own chatter is shown only with PF_BROWSER_LOG=1.
    onConsole: (type, text) => {
      if (!quiet) console.log(`[browser:${type}] ${text}`);
      else if (finished || WORKBENCH_CHATTER.test(text)) return;
      else if (type === 'log') console.log(text);
      else if (type === 'error') console.log(`[browser:error] ${text.slice(0, 400)}`);
    },
  });
  let result;
  try {
    await injectDevelopmentOptions(page, { extensionDevelopmentPath, extensionTestsPath });
    let exited;
    const done = new Promise((resolve) => (exited = resolve));
    await page.exposeFunction('codeAutomationExit', (code) => exited({ code }));
    await page.goto(workbenchUrl(base, folder));
    let timer;
    result = await Promise.race([done, new Promise((resolve) => (timer = setTimeout(() => resolve({ code: 'timeout' }), timeoutMs)))]);
    clearTimeout(timer);
    // The extension host's last console lines (mocha's summary) arrive just after the exit call.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    finished = true;
    console.log(`[driver] codeAutomationExit(${result.code}) after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (process.env.PF_SCREENSHOT) await page.screenshot({ path: process.env.PF_SCREENSHOT }).catch(() => {});
  } finally {
    await close();
  }
  if (result.code === 'timeout') {
    console.log(`[driver] TIMEOUT: no result after ${timeoutMs / 1000} s`);
    return 2;
  }
  return result.code === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error('[driver] error:', err);
    process.exit(2);
  },
);
