// Hook payloads as each agent's documentation shows them, read as the tool call they announce,
// and the answers in each agent's format.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HOOK_AGENTS, HookPayloadError, allowAnswer, denyAnswer, detectAgent, patchPaths, readToolCall } from '../../src/core/agentHooks';

const CWD = '/repo';
const PAYLOADS = {
  claudeEdit: { session_id: 's', transcript_path: '/t', cwd: CWD, permission_mode: 'default', hook_event_name: 'PreToolUse', tool_name: 'Edit', tool_input: { file_path: '/repo/src/booking/flow.ts', old_string: 'a', new_string: 'b' } },
  claudeBash: { session_id: 's', cwd: CWD, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: "sed -i 's/a/b/' src/booking/flow.ts" } },
  copilotEdit: { timestamp: '2026-02-09T10:30:00.000Z', cwd: CWD, sessionId: 's', hookEventName: 'PreToolUse', tool_name: 'replace_string_in_file', tool_input: { filePath: '/repo/src/booking/flow.ts', oldString: 'a', newString: 'b' } },
  copilotTerminal: { timestamp: 't', cwd: CWD, sessionId: 's', hookEventName: 'PreToolUse', tool_name: 'run_in_terminal', tool_input: { command: 'rm src/booking/flow.ts', explanation: 'x', isBackground: false } },
  cursorWrite: { conversation_id: 'c', generation_id: 'g', hook_event_name: 'preToolUse', workspace_roots: [CWD], tool_name: 'Write', tool_input: { file_path: 'src/booking/flow.ts', content: 'x' } },
  cursorShell: { conversation_id: 'c', hook_event_name: 'beforeShellExecution', workspace_roots: [CWD], command: 'rm src/booking/flow.ts', cwd: CWD },
  geminiWrite: { session_id: 's', cwd: CWD, hook_event_name: 'BeforeTool', timestamp: 't', tool_name: 'write_file', tool_input: { file_path: 'src/booking/flow.ts', content: 'x' } },
  geminiShell: { session_id: 's', cwd: CWD, hook_event_name: 'BeforeTool', tool_name: 'run_shell_command', tool_input: { command: 'rm src/booking/flow.ts' } },
  codexPatch: { session_id: 's', turn_id: 't', cwd: CWD, hook_event_name: 'PreToolUse', model: 'gpt-5', tool_name: 'apply_patch', tool_input: { command: '*** Begin Patch\n*** Update File: src/booking/flow.ts\n@@\n-a\n+b\n*** End Patch' } },
  codexBash: { session_id: 's', turn_id: 't', cwd: CWD, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'rm src/booking/flow.ts' } },
  windsurfWrite: { agent_action_name: 'pre_write_code', trajectory_id: 't', execution_id: 'e', timestamp: 't', tool_info: { file_path: '/repo/src/booking/flow.ts', edits: [{ old_string: 'a', new_string: 'b' }] } },
  windsurfCommand: { agent_action_name: 'pre_run_command', trajectory_id: 't', tool_info: { command_line: 'rm src/booking/flow.ts', cwd: CWD } },
};

describe('agent hook payloads', () => {
  test('each agent is recognised from its own payload', () => {
    const expected: Record<keyof typeof PAYLOADS, string> = {
      claudeEdit: 'claude', claudeBash: 'claude', copilotEdit: 'copilot', copilotTerminal: 'copilot', cursorWrite: 'cursor', cursorShell: 'cursor',
      geminiWrite: 'gemini', geminiShell: 'gemini', codexPatch: 'codex', codexBash: 'codex', windsurfWrite: 'windsurf', windsurfCommand: 'windsurf',
    };
    for (const [name, payload] of Object.entries(PAYLOADS)) assert.equal(detectAgent(payload), expected[name as keyof typeof PAYLOADS], name);
  });
  test('file edits name the file; shell tools carry the command', () => {
    for (const [name, payload] of Object.entries(PAYLOADS)) {
      const call = readToolCall(payload);
      assert.equal(call.phase, 'pre', name);
      if (/Edit|Write|Patch/.test(name)) assert.deepEqual(call.paths.map((p) => p.replace('/repo/', '')), ['src/booking/flow.ts'], name);
      else assert.match(call.command ?? '', /src\/booking\/flow\.ts/, name);
    }
  });
  test('post-tool events are read as "post"', () => {
    assert.equal(readToolCall({ ...PAYLOADS.claudeEdit, hook_event_name: 'PostToolUse' }).phase, 'post');
    assert.equal(readToolCall({ ...PAYLOADS.geminiWrite, hook_event_name: 'AfterTool' }).phase, 'post');
    assert.equal(readToolCall({ ...PAYLOADS.windsurfWrite, agent_action_name: 'post_write_code' }).phase, 'post');
    assert.equal(readToolCall({ conversation_id: 'c', hook_event_name: 'afterFileEdit', file_path: '/repo/a.ts', workspace_roots: [CWD] }).phase, 'post');
  });
  test('read-only tools and unknown tools without paths touch nothing; unknown tools with a path name it', () => {
    assert.deepEqual(readToolCall({ hook_event_name: 'PreToolUse', tool_name: 'Read', tool_input: { file_path: '/repo/src/booking/flow.ts' } }).paths, []);
    const mcp = readToolCall({ hook_event_name: 'PreToolUse', tool_name: 'mcp__fs__write', tool_input: { path: 'src/booking/flow.ts', content: 'x' } });
    assert.deepEqual(mcp.paths, ['src/booking/flow.ts']);
    assert.deepEqual(readToolCall({ hook_event_name: 'PreToolUse', tool_name: 'mcp__x__y', tool_input: { q: 'a' } }).paths, []);
  });
  test('a Codex shell command given as an argument list is one command line', () => {
    assert.equal(readToolCall({ ...PAYLOADS.codexBash, tool_input: { command: ['bash', '-lc', "echo x > a.ts"] } }).command, "bash -lc 'echo x > a.ts'");
  });
  test('patches name every file they add, update, delete or move to', () => {
    assert.deepEqual(patchPaths('*** Begin Patch\n*** Add File: a.ts\n*** Delete File: b.ts\n*** Update File: c.ts\n*** Move to: d.ts\n*** End Patch'), ['a.ts', 'b.ts', 'c.ts', 'd.ts']);
  });
  test('payloads that are not a tool call are refused with a reason', () => {
    assert.throws(() => readToolCall([1, 2]), HookPayloadError);
    assert.throws(() => readToolCall({ hook_event_name: 'PreToolUse' }), /names no tool/);
  });
  test('every agent is refused with exit 2 and the reason on stderr; Cursor also gets permission deny; allows exit 0', () => {
    for (const agent of HOOK_AGENTS) {
      const deny = denyAnswer(agent, 'Protected Files: no.\nreally');
      assert.equal(deny.exitCode, 2);
      assert.equal(deny.stderr, 'Protected Files: no. really\n');
      if (agent === 'cursor') assert.deepEqual(JSON.parse(deny.stdout), { permission: 'deny', user_message: 'Protected Files: no. really', agent_message: 'Protected Files: no. really' });
      else assert.equal(deny.stdout, '');
      assert.equal(allowAnswer(agent).exitCode, 0);
    }
    assert.deepEqual(JSON.parse(allowAnswer('gemini').stdout), {});
  });
});
