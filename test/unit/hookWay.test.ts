// guessHookWay (src/cli/hookWay.ts): the hook's launcher names the code cache of a payload's way
// before the guard loads. Only a guess: the tests of the hook itself show a wrong one changes no answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { guessHookWay } from '../../src/cli/hookWay';

test('guessHookWay: a shell command in the agents\' payload shapes, else files', () => {
  const claude = (tool_name: string, tool_input: object): string => JSON.stringify({ session_id: 's', hook_event_name: 'PreToolUse', tool_name, tool_input });
  assert.equal(guessHookWay(claude('Bash', { command: 'rm -rf src' })), 'hook-shell');
  assert.equal(guessHookWay(claude('Edit', { file_path: '/r/a.ts', old_string: 'a', new_string: 'b' })), 'hook-files');
  assert.equal(guessHookWay(claude('Write', { file_path: '/r/a.ts', content: '{"command": "x"}' })), 'hook-files', 'a command inside a string is escaped');
  assert.equal(guessHookWay(JSON.stringify({ hook_event_name: 'beforeShellExecution', command: 'ls', cwd: '/r' })), 'hook-shell', 'Cursor');
  assert.equal(guessHookWay(claude('run_in_terminal', { commandLine: 'ls' })), 'hook-shell');
  assert.equal(guessHookWay(claude('exec_command', { cmd: ['ls'] })), 'hook-shell');
  assert.equal(guessHookWay(''), 'hook-files');
});
