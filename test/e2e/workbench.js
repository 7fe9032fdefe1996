// Helpers to drive the VS Code workbench (code-server in Chromium) from UI tests.
//
//   const wb = await openWorkbench();        // browser + workbench of PF_BASE_URL on PF_TEST_WORKSPACE
//   await wb.quickOpen('format.ts');
//   await wb.typeInEditor('// hi\n');
//   await wb.save();
//   await wb.runCommand('Protected Files: Unlock…', { closes: false });
//   await wb.pick('BOOKING_FLOW');            // a quick pick row (by its aria-label)
//   await wb.answerPassword('s3cret');        // a password input box
//   await wb.answerInput('Fixing the price rounding bug');
//   await wb.readStatusBar();                // [{ text: 'T1 locked', label: 'src/… is locked: …' }, …]
//   await wb.waitForStatusBar('T1 locked');
//   await wb.notifications();                // texts of the visible notification toasts
//   await wb.screenshot('1-format-saved');   // PNG in PF_SCREENSHOTS_DIR
//   await wb.close();
//
// scripts/run-extension-host.sh e2e sets the environment: PF_BASE_URL, PF_TEST_WORKSPACE,
// PF_SCREENSHOTS_DIR, PF_PLAYWRIGHT (and installs the extension in the server's extensions dir).
const fs = require('node:fs');
const path = require('node:path');
const { launchBrowser, workbenchUrl } = require('../../scripts/host/browser');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const SEL = {
  quickInput: '.quick-input-widget',
  quickInputBox: '.quick-input-widget .quick-input-box input',
  focusedRow: '.quick-input-list .monaco-list-row.focused',
  activeEditor: '.editor-group-container.active .monaco-editor',
  statusItem: '.part.statusbar .statusbar-item',
  toast: '.notifications-toasts .notification-toast',
};

class Workbench {
  /** @param {import('playwright-core').Page} page */
  constructor(page, closeBrowser, opts) {
    this.page = page;
    this.closeBrowser = closeBrowser;
    this.workspace = opts.workspace;
    this.screenshotsDir = opts.screenshotsDir;
    this.consoleErrors = [];
  }

  /** Absolute path of a file in the workspace copy. */
  file(rel) {
    return path.join(this.workspace, rel);
  }

  /**
   * Runs a command from the palette by its full label ("Category: Title"). Fuzzy ranking may focus
   * another row first (e.g. "Reset Active Editor Read-only…" for "Set Active Editor Read-only…"),
   * so move the focus to the row whose aria-label starts with the label before pressing Enter.
   */
  async runCommand(label, { closes = true } = {}) {
    const { page } = this;
    await this.escapeQuickInput();
    await page.keyboard.press('F1');
    await page.waitForSelector(SEL.quickInputBox, { state: 'visible' });
    await page.keyboard.type(label);
    await page.waitForSelector(SEL.focusedRow, { timeout: 10_000 });
    for (let i = 0; i < 15; i++) {
      await sleep(150);
      const focused = await page.$eval(SEL.focusedRow, (e) => e.getAttribute('aria-label')).catch(() => null);
      if (focused && focused.startsWith(label)) {
        await page.keyboard.press('Enter');
        // A command that asks for input keeps (or reopens) the quick input: the caller answers it.
        if (closes) await page.waitForSelector(SEL.quickInput, { state: 'hidden', timeout: 10_000 }).catch(() => {});
        await sleep(300);
        return;
      }
      await page.keyboard.press('ArrowDown');
    }
    await page.keyboard.press('Escape');
    throw new Error(`command not found in the palette: ${label}`);
  }

  /** Opens a workspace file with Ctrl+P. `file` is a name or a relative path ("src/utils/format.ts"). */
  async quickOpen(file) {
    const { page } = this;
    const base = path.posix.basename(file);
    await this.escapeQuickInput();
    await page.keyboard.press('Control+P');
    await page.waitForSelector(SEL.quickInputBox, { state: 'visible' });
    await page.keyboard.type(file);
    await page.waitForSelector(`.quick-input-list .monaco-list-row[aria-label*="${base}"]`, { timeout: 15_000 });
    await sleep(200);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`.tab.active[aria-label*="${base}"]`, { timeout: 15_000 });
    await page.waitForSelector(`${SEL.activeEditor} .view-lines`, { timeout: 15_000 });
    await sleep(300);
  }

  /** Clicks into the active editor, moves to the start (or end) of the file and types. */
  async typeInEditor(text, { at = 'start' } = {}) {
    const { page } = this;
    const focused = () => page.evaluate((sel) => !!document.activeElement && !!document.activeElement.closest(sel), SEL.activeEditor);
    for (let i = 0; i < 5; i++) {
      await page.click(`${SEL.activeEditor} .view-lines`);
      if (await focused()) break;
      await sleep(300);
    }
    if (!(await focused())) throw new Error('could not focus the active editor');
    await page.keyboard.press(at === 'end' ? 'Control+End' : 'Control+Home');
    await page.keyboard.type(text);
    await sleep(200);
  }

  /** The text the active editor shows (visible lines only). */
  async editorText() {
    return this.page.$eval(`${SEL.activeEditor} .view-lines`, (e) => e.innerText.replace(/\u00a0/g, ' '));
  }

  /**
   * Ctrl+S, then waits (up to `timeout`) until the active tab is no longer dirty. Does not throw:
   * a save that is refused leaves the tab dirty, which is for the test to check.
   */
  async save({ timeout = 10_000 } = {}) {
    await this.page.keyboard.press('Control+S');
    await this.page.waitForSelector('.tab.active:not(.dirty)', { timeout }).catch(() => {});
    await sleep(300);
  }

  /** Polls a workspace file until `predicate(content)` holds; returns the content (throws on timeout). */
  async waitForFile(rel, predicate, timeout = 10_000) {
    const deadline = Date.now() + timeout;
    let content;
    for (;;) {
      content = fs.existsSync(this.file(rel)) ? fs.readFileSync(this.file(rel), 'utf8') : undefined;
      if (predicate(content)) return content;
      if (Date.now() > deadline) throw new Error(`${rel} did not reach the expected state within ${timeout} ms; it is: ${JSON.stringify(content && content.slice(0, 200))}`);
      await sleep(200);
    }
  }

  /** The active tab: its label, whether it is decorated, its hover/title. */
  async activeTab() {
    return this.page.$eval('.tab.active', (el) => ({
      label: el.getAttribute('aria-label'),
      title: el.getAttribute('title'),
      classes: el.className,
    }));
  }

  /**
   * The status bar items, left to right: { text, label } with the visible text ("T1 locked"; icons
   * are not text) and the aria-label (often longer: "src/x.ts is locked: Tier 1 · …").
   */
  async readStatusBar() {
    return this.page.$$eval(SEL.statusItem, (els) =>
      els
        .map((e) => ({ text: (e.innerText || '').replace(/\s+/g, ' ').trim(), label: (e.getAttribute('aria-label') || '').trim() }))
        .filter((i) => i.text || i.label),
    );
  }

  /** Waits until a status bar item's text or aria-label contains `text`; returns that item. */
  async waitForStatusBar(text, timeout = 10_000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const item = (await this.readStatusBar()).find((i) => i.text.includes(text) || i.label.includes(text));
      if (item) return item;
      if (Date.now() > deadline) throw new Error(`no status bar item with "${text}" (have: ${JSON.stringify(await this.readStatusBar())})`);
      await sleep(200);
    }
  }

  /** Texts of the notification toasts currently shown. */
  async notifications() {
    return this.page.$$eval(SEL.toast, (els) => els.map((e) => e.innerText.replace(/\s+/g, ' ').trim()).filter(Boolean));
  }

  /** Waits until a notification containing `text` shows up and returns its text. */
  async waitForNotification(text, timeout = 10_000) {
    const toast = this.page.locator(SEL.toast, { hasText: text }).first();
    await toast.waitFor({ state: 'visible', timeout });
    return (await toast.innerText()).replace(/\s+/g, ' ').trim();
  }

  /** Texts of the overlay messages in the editor, e.g. "Editor is read-only because…". */
  async editorOverlayMessages() {
    return this.page.$$eval('.monaco-editor-overlaymessage', (els) => els.map((e) => e.textContent.trim()).filter(Boolean));
  }

  /** The prompt/placeholder of the open input box (title, prompt, placeholder). */
  async inputBoxPrompt() {
    const { page } = this;
    await page.waitForSelector(SEL.quickInputBox, { state: 'visible', timeout: 10_000 });
    return page.$eval(SEL.quickInput, (w) => ({
      title: (w.querySelector('.quick-input-title')?.textContent || '').trim(),
      prompt: (w.querySelector('.quick-input-message')?.textContent || '').trim(),
      placeholder: w.querySelector('.quick-input-box input')?.getAttribute('placeholder') || '',
    }));
  }

  /** Answers the open input box (showInputBox): types the value and presses Enter. */
  async answerInput(value) {
    const { page } = this;
    await page.waitForSelector(SEL.quickInputBox, { state: 'visible', timeout: 10_000 });
    await page.fill(SEL.quickInputBox, '');
    await page.keyboard.type(value);
    await sleep(150);
    await page.keyboard.press('Enter');
    await sleep(400);
  }

  /** Answers a password box (showInputBox with password: true); checks that it masks the input. */
  async answerPassword(value) {
    const { page } = this;
    await page.waitForSelector(`${SEL.quickInputBox}[type="password"]`, { state: 'visible', timeout: 10_000 });
    await this.answerInput(value);
  }

  /** The rows of the open quick pick (their aria-labels: label, description, detail). */
  async pickItems() {
    return this.page.$$eval('.quick-input-list .monaco-list-row', (els) => els.map((e) => e.getAttribute('aria-label') || ''));
  }

  /** Picks the row of the open quick pick whose aria-label starts with (else contains) `label`. */
  async pick(label) {
    const { page } = this;
    await page.waitForSelector('.quick-input-list .monaco-list-row', { state: 'visible', timeout: 10_000 });
    await sleep(200);
    const rows = await this.pickItems();
    let index = rows.findIndex((r) => r.startsWith(label));
    if (index < 0) index = rows.findIndex((r) => r.includes(label));
    if (index < 0) throw new Error(`no quick pick item "${label}" among: ${rows.join(' | ')}`);
    const clicked = await page.locator('.quick-input-list .monaco-list-row').nth(index).click({ timeout: 5_000 }).then(() => true, () => false);
    if (!clicked) {
      // A hover over the list can take the click: go by keyboard from the first row, which has the focus.
      for (let i = 0; i < index; i++) await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
    }
    await sleep(300);
  }

  /** Closes the quick input if one is open. */
  async escapeQuickInput() {
    if (await this.page.isVisible(SEL.quickInput)) {
      await this.page.keyboard.press('Escape');
      await sleep(200);
    }
  }

  /** Saves a PNG of the page as <PF_SCREENSHOTS_DIR>/<name>.png and returns its path. */
  async screenshot(name) {
    fs.mkdirSync(this.screenshotsDir, { recursive: true });
    const file = path.join(this.screenshotsDir, `${name}.png`);
    await this.page.mouse.move(1270, 790); // no stray hovers in the picture
    await sleep(300);
    await this.page.screenshot({ path: file });
    return file;
  }

  async close() {
    await this.closeBrowser();
  }
}

/**
 * Starts Chromium and waits until the workbench is up with the workspace open.
 * @returns {Promise<Workbench>}
 */
async function openWorkbench(opts = {}) {
  const base = opts.baseUrl || process.env.PF_BASE_URL;
  const workspace = opts.workspace || process.env.PF_TEST_WORKSPACE;
  if (!base || !workspace) throw new Error('PF_BASE_URL and PF_TEST_WORKSPACE must be set (run through scripts/run-extension-host.sh e2e)');
  const screenshotsDir = opts.screenshotsDir || process.env.PF_SCREENSHOTS_DIR || path.join(__dirname, '..', '..', '.test-runs', 'e2e', 'screenshots');
  let wb;
  const { page, close } = await launchBrowser({
    onConsole: (type, text) => {
      if (type === 'error' && wb) wb.consoleErrors.push(text);
      if (process.env.PF_BROWSER_LOG === '1') console.log(`[browser:${type}] ${text}`);
    },
  });
  wb = new Workbench(page, close, { workspace, screenshotsDir });
  try {
    await page.goto(workbenchUrl(base, workspace));
    await page.waitForSelector('.monaco-workbench .part.editor', { timeout: 60_000 });
    await page.waitForSelector(SEL.statusItem, { timeout: 60_000 });
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
    // Extensions activate ("Activating Extensions..." in the status bar), then the status bar settles.
    await page
      .waitForFunction(() => ![...document.querySelectorAll('.statusbar-item')].some((e) => /Activating Extensions/.test(e.textContent || '')), null, { timeout: 30_000 })
      .catch(() => {});
    await sleep(1000);
  } catch (err) {
    await close();
    throw err;
  }
  return wb;
}

/** Polls `fn` until it returns something truthy (returned), or throws after `timeout` ms naming `what`. */
async function waitFor(what, fn, timeout = 15_000, every = 150) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeout) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

module.exports = { openWorkbench, Workbench, sleep, waitFor };
