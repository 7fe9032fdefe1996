// VS Code's settings files: an edit tool's change worked out, and the agents' settings compared.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VSCODE_USER_SETTINGS, agentSettingsOf, isSettingsFile, textAfter } from '../../src/core/vscodeSettings';

const SETTINGS = '{\n  // ours\n  "chat.tools.edits.autoApprove": { "src/booking/**": false },\n  "editor.tabSize": 4,\n}\n';
const same = (): boolean => true;

describe('VS Code settings: the agents\' keys', () => {
  test('chat.* and github.copilot.* are compared, nested or dotted; comments and trailing commas are read', () => {
    const before = agentSettingsOf(SETTINGS, false);
    assert.equal(before, JSON.stringify({ 'chat.tools.edits.autoApprove': { 'src/booking/**': false } }));
    assert.equal(agentSettingsOf(SETTINGS.replace('"editor.tabSize": 4', '"editor.tabSize": 2'), false), before);
    assert.notEqual(agentSettingsOf(SETTINGS.replace('{\n', '{\n  "chat.useHooks": false,\n'), false), before);
    assert.notEqual(agentSettingsOf(SETTINGS.replace('{\n', '{\n  "chat": { "useHooks": false },\n'), false), before);
    assert.notEqual(agentSettingsOf(SETTINGS.replace('{\n', '{\n  "github.copilot.chat.agent.terminal.allowList": { "rm": true },\n'), false), before);
    assert.equal(agentSettingsOf('', false), '{}');
    assert.equal(agentSettingsOf('{ "a": ', false), undefined);
    assert.equal(agentSettingsOf('[1]', false), undefined);
    // A workspace file keeps them under "settings".
    assert.equal(agentSettingsOf('{ "folders": [], "settings": { "chat.useHooks": false } }', true), JSON.stringify({ 'chat.useHooks': false }));
    assert.equal(agentSettingsOf('{ "folders": [] }', true), '{}');
  });
  test('the files: a workspace\'s .vscode/settings.json, a .code-workspace, the user settings of VS Code and its kin', () => {
    assert.ok(isSettingsFile('/repo/.vscode/settings.json'));
    assert.ok(isSettingsFile('/repo/app.code-workspace'));
    assert.ok(!isSettingsFile('/repo/.vscode/launch.json'));
    assert.ok(!isSettingsFile('/repo/settings.json'));
    assert.ok(isSettingsFile('/home/u/.config/Code/User/profiles/4b1f/settings.json'));
    assert.ok(isSettingsFile('/opt/vscode/data/user-data/User/settings.json'));
    assert.ok(isSettingsFile('/home/u/.vscode-server/data/Machine/settings.json'));
    assert.ok(!isSettingsFile('/home/u/.config/Code/User/keybindings.json'));
    assert.ok(VSCODE_USER_SETTINGS.includes('.config/Code/User/settings.json'));
    assert.ok(VSCODE_USER_SETTINGS.includes('Library/Application Support/Code/User/settings.json'));
    assert.ok(VSCODE_USER_SETTINGS.includes('.local/share/code-server/User/settings.json'));
  });
  test('the text each edit tool leaves', () => {
    assert.equal(textAfter('Edit', { old_string: '4', new_string: '2' }, SETTINGS, same), SETTINGS.replace('4', '2'));
    assert.equal(textAfter('Edit', { old_string: 'a', new_string: 'b', replace_all: true }, 'a a', same), 'b b');
    assert.equal(textAfter('Edit', { old_string: '$&', new_string: '$1' }, 'x$&', same), 'x$1');
    assert.equal(textAfter('Edit', { old_string: 'missing', new_string: 'x' }, SETTINGS, same), undefined);
    assert.equal(textAfter('Write', { content: '{}' }, SETTINGS, same), '{}');
    assert.equal(textAfter('create_file', { content: '{}' }, undefined, same), '{}');
    assert.equal(textAfter('replace', { old_string: 'a', new_string: 'b', expected_replacements: 2 }, 'a a', same), 'b b');
    assert.equal(textAfter('replace_string_in_file', { oldString: 'a', newString: 'b' }, 'a a', same), 'b a');
    assert.equal(textAfter('MultiEdit', { edits: [{ old_string: 'a', new_string: 'b' }, { old_string: 'b b', new_string: 'c' }] }, 'a b', same), 'c');
    assert.equal(textAfter('pre_write_code', { edits: [{ old_string: 'a', new_string: 'b' }] }, 'a', same), 'b');
    const other = (named: unknown): boolean => named === 'this.json';
    assert.equal(textAfter('multi_replace_string_in_file', { replacements: [{ filePath: 'other.json', oldString: 'zz', newString: 'q' }, { filePath: 'this.json', oldString: 'a', newString: 'b' }] }, 'a', other), 'b');
    // Codex's patches: a hunk found by its old lines (after an @@ anchor), a file added or deleted.
    const patch = (body: string): string => `*** Begin Patch\n*** Update File: .vscode/settings.json\n${body}\n*** End Patch`;
    assert.equal(textAfter('apply_patch', { command: ['apply_patch', patch('@@\n-  "editor.tabSize": 4,\n+  "editor.tabSize": 2,')] }, SETTINGS, same), SETTINGS.replace('4', '2'));
    assert.equal(textAfter('apply_patch', { command: patch('@@ {\n+  "chat.useHooks": false,\n   // ours') }, SETTINGS, same), SETTINGS.replace('{\n', '{\n  "chat.useHooks": false,\n'));
    assert.equal(textAfter('apply_patch', { command: patch('@@\n-  "editor.tabSize": 8,\n+  "editor.tabSize": 2,') }, SETTINGS, same), undefined);
    assert.equal(textAfter('apply_patch', { command: '*** Begin Patch\n*** Delete File: .vscode/settings.json\n*** End Patch' }, SETTINGS, same), '');
    assert.equal(textAfter('apply_patch', { command: '*** Begin Patch\n*** Add File: .vscode/settings.json\n+{}\n*** End Patch' }, undefined, same), '{}\n');
    assert.equal(textAfter('apply_patch', { command: patch('*** Move to: elsewhere.json\n@@\n-{\n+{') }, SETTINGS, same), undefined);
    assert.equal(textAfter('apply_patch', { command: '*** Begin Patch\n*** Update File: other.json\n@@\n-a\n+b\n*** End Patch' }, SETTINGS, (n) => n === '.vscode/settings.json'), undefined);
    // Built to be slow: a hunk of 5,000 lines against a file of 50,000 that almost match, refused rather than searched.
    const big = `${'x\n'.repeat(50_000)}`;
    assert.equal(textAfter('apply_patch', { command: patch(`@@\n${'-x\n'.repeat(5_000)}-y`) }, big, same), undefined);
    // And 100,000 hunks that only add a line, each put into a file of 50,000 lines.
    assert.equal(textAfter('apply_patch', { command: patch('@@\n+y\n'.repeat(100_000)) }, big, same), undefined);
    // Built to be slow: thousands of edits, each found at the end of a 1 MB file, refused rather than applied.
    const large = `{"a": "${'x'.repeat(1_000_000)}", "zz": 1}`;
    assert.equal(textAfter('MultiEdit', { edits: Array.from({ length: 30_000 }, () => ({ old_string: '"zz"', new_string: '"zz"' })) }, large, same), undefined);
    assert.equal(textAfter('multi_replace_string_in_file', { replacements: Array.from({ length: 30_000 }, () => ({ filePath: 'x', oldString: '"zz"', newString: '"zz"' })) }, large, same), undefined);
    assert.equal(textAfter('MultiEdit', { edits: Array.from({ length: 20 }, () => ({ old_string: '"zz"', new_string: '"zz"' })) }, large, same), large);
    // Tools whose change is not read here, and inputs that do not say.
    assert.equal(textAfter('apply_patch', { command: 'no patch here' }, SETTINGS, same), undefined);
    assert.equal(textAfter('Write', { content: 3 }, SETTINGS, same), undefined);
    assert.equal(textAfter('MultiEdit', { edits: 'x' }, SETTINGS, same), undefined);
    assert.equal(textAfter('Edit', undefined, SETTINGS, same), undefined);
  });
});
