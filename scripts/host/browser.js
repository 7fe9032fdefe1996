// Chromium (Debian's, driven by playwright-core) as the client of code-server. Shared by the
// integration driver (scripts/host/driveTests.js) and the UI tests (test/e2e/workbench.js).
//
// playwright-core lives in test/vscode-host/ (installed by scripts/setup-host.sh), not in the
// project's node_modules: PF_PLAYWRIGHT holds its absolute path (scripts/run-extension-host.sh sets it).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const util = require('node:util');

function playwright() {
  const where = process.env.PF_PLAYWRIGHT || path.join(__dirname, '..', '..', 'test', 'vscode-host', 'node_modules', 'playwright-core');
  return require(where);
}

const CHROMIUM = process.env.PF_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Console noise from the workbench that says nothing about our extension.
const NOISE = /Failed to load resource|same-origin iframe|allow-same-origin|open-vsx|marketplace|%c INFO color: #33f [A-Z][a-z]|Ignoring fetching additional builtin extensions|Blocked aria-hidden|\[Violation\]/;

/**
 * The text of a console message as Node would print it. The workbench logs with
 * console.log('%c INFO', 'color: #33f', format, ...args) (this is also how the extension host's
 * console output, e.g. mocha's reporter, reaches the page): drop the styled prefix, then format.
 */
async function formatConsoleMessage(m) {
  let values;
  try {
    values = await Promise.all(m.args().map((a) => a.jsonValue().catch(() => String(a))));
  } catch {
    return m.text();
  }
  if (values.length === 0) return m.text();
  if (typeof values[0] === 'string' && values[0].startsWith('%c')) {
    const level = values[0].slice(2).trim();
    values = values.slice(2);
    if (level && level !== 'INFO' && values.length) values[0] = `${level} ${values[0]}`;
  }
  return util.format(...values);
}

/**
 * Starts Chromium with a throw-away profile and returns { context, page, close }.
 * @param {{ viewport?: {width:number,height:number}, onConsole?: (type:string, text:string) => void }} [opts]
 */
async function launchBrowser(opts = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
  const context = await playwright().chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    env: { ...process.env, HOME: profile, XDG_CONFIG_HOME: profile, XDG_CACHE_HOME: profile, TMPDIR: profile },
    viewport: opts.viewport || { width: 1280, height: 800 },
    args: CHROMIUM_ARGS,
  });
  const page = context.pages()[0] || (await context.newPage());
  let printed = Promise.resolve(); // formatting is async: keep the messages in order
  if (opts.onConsole) {
    page.on('console', (m) => {
      printed = printed.then(async () => {
        const text = await formatConsoleMessage(m);
        if (!NOISE.test(text)) opts.onConsole(m.type(), text);
      });
    });
  }
  const close = async () => {
    await printed;
    await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { context, page, close };
}

/**
 * Makes the workbench load an extension from a folder as a development extension and, when
 * extensionTestsPath is given, run that test entry (VS Code then reports through
 * window.codeAutomationExit). code-server refuses --extensionDevelopmentPath on its command
 * line and the built 1.139 ignores the URL `payload`, so patch developmentOptions into the
 * workbench configuration as the page reads it from <meta id="vscode-workbench-web-configuration">.
 * Must be called before page.goto().
 * @param {import('playwright-core').Page} page
 * @param {{ extensionDevelopmentPath: string, extensionTestsPath?: string }} dev absolute server-side paths
 */
async function injectDevelopmentOptions(page, dev) {
  await page.addInitScript(({ extensionDevelopmentPath, extensionTestsPath }) => {
    const original = Element.prototype.getAttribute;
    Element.prototype.getAttribute = function (name) {
      const value = original.call(this, name);
      if (name !== 'data-settings' || this.id !== 'vscode-workbench-web-configuration' || !value) return value;
      const config = JSON.parse(value);
      const uri = (p) => ({ scheme: 'vscode-remote', authority: location.host, path: p });
      const developmentOptions = { ...(config.developmentOptions || {}), extensions: [uri(extensionDevelopmentPath)] };
      if (extensionTestsPath) developmentOptions.extensionTestsPath = uri(extensionTestsPath);
      config.developmentOptions = developmentOptions;
      return JSON.stringify(config);
    };
  }, dev);
}

/**
 * The workbench URL that opens `folder` (an absolute path on the server), or, where the path names a
 * `.code-workspace` file, that multi-root workspace.
 */
function workbenchUrl(baseUrl, folder) {
  const param = folder.endsWith('.code-workspace') ? 'workspace' : 'folder';
  return `${baseUrl.replace(/\/$/, '')}/?${param}=${encodeURIComponent(folder)}`;
}

module.exports = { launchBrowser, injectDevelopmentOptions, workbenchUrl, CHROMIUM, CHROMIUM_ARGS };
