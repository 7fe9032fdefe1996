// Copilot's agent hooks switched off (chat.useHooks, chat.hookFilesLocations) in a folder whose agents'
// guards are set up: a warning, once, when the setting changes; none where the guards are not set up.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import { api, folderPath, sleep, waitFor } from './helpers';

describe('Copilot\'s and Cline\'s agent hooks switched off', function () {
  let a: TestApi;
  // The agents' guards' state file (not protected): the guards count as set up while it is there.
  const state = (): string => path.join(folderPath(), '.protected-files-agents.json');
  const chat = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('chat');

  before(async () => {
    a = await api();
  });

  after(async () => {
    await chat().update('useHooks', undefined, vscode.ConfigurationTarget.Workspace);
    await chat().update('hookFilesLocations', undefined, vscode.ConfigurationTarget.Workspace);
    fs.rmSync(state(), { force: true });
  });

  it('where the agents\' guards are set up, chat.useHooks: false and then hookFilesLocations {".github/hooks": false} are each warned about, once', async function () {
    this.timeout(30_000);
    fs.writeFileSync(state(), '{}\n');
    const before = a.copilotHooks.shown.length;
    await chat().update('useHooks', false, vscode.ConfigurationTarget.Workspace);
    const first = await waitFor('the warning for chat.useHooks', () => a.copilotHooks.shown.slice(before).find((m) => m.includes('"chat.useHooks": false')));
    assert.match(first, /^Copilot's agent hooks are off in \S+ \("chat\.useHooks": false\), so Protected Files cannot check Copilot's tool calls there/);
    // Checked again (another setting changed): not said twice.
    await a.copilotHooks.check();
    assert.equal(a.copilotHooks.shown.length, before + 1);
    // On again, then off through the hook file's folder: said again.
    await chat().update('useHooks', undefined, vscode.ConfigurationTarget.Workspace);
    await chat().update('hookFilesLocations', { '.github/hooks': false }, vscode.ConfigurationTarget.Workspace);
    await waitFor('the warning for chat.hookFilesLocations', () => a.copilotHooks.shown.slice(before).find((m) => m.includes('"chat.hookFilesLocations": { ".github/hooks": false }')));
    assert.equal(a.copilotHooks.shown.length, before + 2);
    await chat().update('hookFilesLocations', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('Cline: "hooksEnabled": false in its global state, where the agents\' guards are set up, is warned about once; not where they are not', async function () {
    this.timeout(20_000);
    // The extension host is this process: CLINE_DIR set here is what the check reads.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-cline-'));
    const saved = process.env.CLINE_DIR;
    process.env.CLINE_DIR = dir;
    try {
      fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'data', 'globalState.json'), JSON.stringify({ taskHistory: [], hooksEnabled: false }));
      fs.rmSync(state(), { force: true });
      const before = a.copilotHooks.shown.length;
      await a.copilotHooks.check();
      assert.equal(a.copilotHooks.shown.length, before, 'no guards set up in the folder: nothing said');
      // (The guards' state file stands for them: Cline's hook file is protected, written here it would be a breach.)
      fs.writeFileSync(state(), '{}\n');
      await a.copilotHooks.check();
      assert.equal(a.copilotHooks.shown.length, before + 1);
      assert.match(a.copilotHooks.shown[before], /^Cline's hooks are off \("hooksEnabled": false in Cline's settings\), so Protected Files cannot check Cline's tool calls in \S+\. Turn Hooks on/);
      await a.copilotHooks.check();
      assert.equal(a.copilotHooks.shown.length, before + 1, 'said once');
      // On again, then off again: said again.
      fs.writeFileSync(path.join(dir, 'data', 'globalState.json'), JSON.stringify({ hooksEnabled: true }));
      await a.copilotHooks.check();
      fs.writeFileSync(path.join(dir, 'data', 'globalState.json'), JSON.stringify({ hooksEnabled: false }));
      await a.copilotHooks.check();
      assert.equal(a.copilotHooks.shown.length, before + 2);
      // A state file that is not JSON (half written by Cline) says nothing and throws nothing.
      fs.writeFileSync(path.join(dir, 'data', 'globalState.json'), '{"hooksEnabled": fal');
      await a.copilotHooks.check();
      assert.equal(a.copilotHooks.shown.length, before + 2);
    } finally {
      if (saved === undefined) delete process.env.CLINE_DIR;
      else process.env.CLINE_DIR = saved;
      fs.rmSync(state(), { force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('where they are not set up, nothing is said', async function () {
    this.timeout(20_000);
    fs.rmSync(state(), { force: true });
    assert.ok(!fs.existsSync(path.join(folderPath(), '.github', 'hooks', 'protected-files.json')));
    const before = a.copilotHooks.shown.length;
    await chat().update('useHooks', false, vscode.ConfigurationTarget.Workspace);
    await a.copilotHooks.check();
    await sleep(500);
    assert.equal(a.copilotHooks.shown.length, before);
    await chat().update('useHooks', undefined, vscode.ConfigurationTarget.Workspace);
  });
});
