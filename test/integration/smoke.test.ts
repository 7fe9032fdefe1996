// Smoke test: the extension is loaded in a real extension host and the fixture workspace is open.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'protected-files.protected-files';

describe('smoke', () => {
  it('the extension is installed and activates', async () => {
    const ext = vscode.extensions.all.find((e) => e.id === EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} not found among ${vscode.extensions.all.length} extensions`);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('the workspace folder holds the fixture manifest', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'no workspace folder is open');
    if (process.env.PF_TEST_WORKSPACE) assert.equal(folder.uri.fsPath, process.env.PF_TEST_WORKSPACE);
    const manifest = vscode.Uri.joinPath(folder.uri, '.protection', 'manifest.jsonc');
    const stat = await vscode.workspace.fs.stat(manifest);
    assert.equal(stat.type, vscode.FileType.File);
  });
});
