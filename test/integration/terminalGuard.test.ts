// Guarded commands in VS Code's own terminal: a command line that matches the manifest's
// guardedCommands, reported by shell integration as it starts, gets a guarded-command record
// (and a warning). It cannot be stopped: the command runs. Also: the extension records its CLI
// for the agents' hook launcher in .git/protected-files/cli-path.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import { api, auditRecords, closeAll, folderPath, mainFolder, manifestText, waitFor, writeManifest } from './helpers';

const PATTERN = 'supabase db reset --linked';
const MESSAGE = 'Wipes production data.';

describe('guarded commands in the terminal', function () {
  let a: TestApi;
  let original: string;
  let terminal: vscode.Terminal | undefined;

  before(async () => {
    a = await api();
    original = manifestText();
    await waitFor('fixture manifest loaded', () => mainFolder(a).manifest);
    const withGuarded = original.replace(/\n\}\s*$/, `,\n  "guardedCommands": [{ "pattern": "${PATTERN}", "message": "${MESSAGE}" }]\n}\n`);
    await writeManifest(a, withGuarded);
    assert.equal(mainFolder(a).manifest?.guardedCommands.length, 1);
  });

  after(async () => {
    terminal?.dispose();
    await writeManifest(a, original);
    await closeAll();
  });

  it('the extension recorded its CLI and the Node that runs it for this clone', () => {
    const record = path.join(folderPath(), '.git', 'protected-files', 'cli-path');
    const [node, cli] = fs.readFileSync(record, 'utf8').split('\n');
    assert.equal(node, process.execPath);
    assert.ok(cli.endsWith(path.join('dist', 'cli.js')) && fs.existsSync(cli), cli);
  });

  it('a guarded command typed in a terminal with shell integration is recorded, with the manifest\'s message; a harmless one is not', async function () {
    this.timeout(40_000);
    const before = auditRecords().length;
    terminal = vscode.window.createTerminal({ name: 'pf-guarded', cwd: folderPath(), shellPath: '/bin/bash' });
    terminal.show();
    const integration = await new Promise<vscode.TerminalShellIntegration | undefined>((resolve) => {
      if (terminal?.shellIntegration) return resolve(terminal.shellIntegration);
      const timer = setTimeout(() => { sub.dispose(); resolve(undefined); }, 20_000);
      const sub = vscode.window.onDidChangeTerminalShellIntegration((e) => {
        if (e.terminal === terminal) { clearTimeout(timer); sub.dispose(); resolve(e.shellIntegration); }
      });
    });
    assert.ok(integration, 'shell integration did not activate in the terminal within 20 s');
    // One command at a time: two lines sent at once may reach the shell as one execution.
    const ended = new Promise<void>((resolve) => {
      const sub = vscode.window.onDidEndTerminalShellExecution((e) => { if (e.terminal === terminal) { sub.dispose(); resolve(); } });
    });
    terminal.sendText('echo harmless && ls >/dev/null');
    await Promise.race([ended, new Promise((r) => setTimeout(r, 10_000))]);
    terminal.sendText(`echo would run: ${PATTERN}`);
    const record = await waitFor('a guarded-command record', () => auditRecords().slice(before).find((r) => r.event === 'guarded-command'), 20_000);
    assert.equal(record.reason, MESSAGE);
    assert.equal(record.detail, `echo would run: ${PATTERN}`);
    assert.equal(auditRecords().slice(before).filter((r) => r.event === 'guarded-command').length, 1, 'the harmless command is not recorded');
  });

  it('a package.json script that runs a guarded command is the guarded command (`npm run db:reset` from the terminal\'s folder)', async function () {
    this.timeout(40_000);
    assert.ok(terminal?.shellIntegration, 'the terminal of the test before, with shell integration');
    const tools = path.join(folderPath(), 'tools-pf-terminal');
    fs.mkdirSync(tools, { recursive: true });
    fs.writeFileSync(path.join(tools, 'package.json'), JSON.stringify({ name: 'tools', scripts: { 'db:reset': `${PATTERN} && echo done` } }));
    try {
      const before = auditRecords().length;
      terminal.sendText('cd tools-pf-terminal && npm run db:reset --if-present; cd ..');
      const record = await waitFor('a guarded-command record for the script', () => auditRecords().slice(before).find((r) => r.event === 'guarded-command'), 20_000);
      assert.equal(record.reason, MESSAGE);
      assert.match(record.detail ?? '', /npm run db:reset/);
    } finally {
      fs.rmSync(tools, { recursive: true, force: true });
    }
  });

  it('a script file that runs a guarded command is the guarded command (`sh tools/reset.sh`)', async function () {
    this.timeout(40_000);
    assert.ok(terminal?.shellIntegration, 'the terminal of the tests before, with shell integration');
    const tools = path.join(folderPath(), 'tools-pf-script');
    fs.mkdirSync(tools, { recursive: true });
    fs.writeFileSync(path.join(tools, 'reset.sh'), `#!/bin/sh\necho resetting\n${PATTERN}\n`);
    try {
      const before = auditRecords().length;
      terminal.sendText('sh tools-pf-script/reset.sh; true');
      const record = await waitFor('a guarded-command record for the script', () => auditRecords().slice(before).find((r) => r.event === 'guarded-command'), 20_000);
      assert.equal(record.reason, MESSAGE);
      assert.match(record.detail ?? '', /sh tools-pf-script\/reset\.sh/);
    } finally {
      fs.rmSync(tools, { recursive: true, force: true });
    }
  });

  it('a make recipe that runs a guarded command is the guarded command (`make -C tools reset`)', async function () {
    this.timeout(40_000);
    assert.ok(terminal?.shellIntegration, 'the terminal of the tests before, with shell integration');
    const tools = path.join(folderPath(), 'tools-pf-make');
    fs.mkdirSync(tools, { recursive: true });
    // Through a variable and a prerequisite, as makefiles write it.
    fs.writeFileSync(path.join(tools, 'Makefile'), `DB_RESET = ${PATTERN}\nreset: check\n\t$(DB_RESET) && echo done\ncheck:\n\t@echo checking\n`);
    try {
      const before = auditRecords().length;
      terminal.sendText('make -C tools-pf-make reset; true');
      const record = await waitFor('a guarded-command record for the recipe', () => auditRecords().slice(before).find((r) => r.event === 'guarded-command'), 20_000);
      assert.equal(record.reason, MESSAGE);
      assert.match(record.detail ?? '', /make -C tools-pf-make reset/);
    } finally {
      fs.rmSync(tools, { recursive: true, force: true });
    }
  });
});
