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
    // Windsurf's MCP tool calls (`pre_mcp_tool_use`): the arguments, an object or JSON text, read as any tool's input.
    const wsMcp = (args: unknown): ReturnType<typeof readToolCall> => readToolCall({ agent_action_name: 'pre_mcp_tool_use', trajectory_id: 't', tool_info: { mcp_server_name: 'fs', mcp_tool_name: 'write_file', mcp_tool_arguments: args } });
    assert.deepEqual(wsMcp({ path: '/repo/src/booking/flow.ts', content: 'x' }).paths, ['/repo/src/booking/flow.ts']);
    assert.equal(wsMcp({ path: '/repo/src/booking/flow.ts' }).tool, 'fs__write_file');
    assert.deepEqual(wsMcp('{"path": "/repo/src/booking/flow.ts", "content": "x"}').paths, ['/repo/src/booking/flow.ts']);
    assert.equal(wsMcp({ command: 'rm src/booking/flow.ts' }).command, 'rm src/booking/flow.ts');
    // A command beside a path (`{command, file}`), or beside its working folder: the command is judged too (it was dropped).
    const both = readToolCall({ hook_event_name: 'PreToolUse', tool_name: 'mcp__shell__run', tool_input: { command: 'rm src/booking/flow.ts', file: '/tmp/log.txt' } });
    assert.equal(both.command, 'rm src/booking/flow.ts');
    assert.deepEqual(both.paths, ['/tmp/log.txt']);
    const inFolder = readToolCall({ hook_event_name: 'PreToolUse', tool_name: 'mcp__shell__run', cwd: '/repo', tool_input: { command: 'rm booking/flow.ts', directory: 'src' } });
    assert.equal(inFolder.command, 'rm booking/flow.ts');
    assert.equal(inFolder.cwd, '/repo/src');
    assert.deepEqual(inFolder.paths, [], 'its working folder is no file it writes');
  });
  test('path fields are read wherever a tool puts them, under any path-like key; an input too big to read is refused', () => {
    const copilot = { ...PAYLOADS.copilotEdit, tool_name: 'multi_replace_string_in_file', tool_input: { explanation: 'x', replacements: [{ filePath: '/repo/src/booking/flow.ts', oldString: 'a', newString: 'b' }, { filePath: '/repo/src/app.ts', oldString: 'a', newString: 'b' }] } };
    assert.deepEqual(readToolCall(copilot).paths, ['/repo/src/booking/flow.ts', '/repo/src/app.ts']);
    const renamed = { hook_event_name: 'PreToolUse', tool_name: 'mcp__fs__batch', tool_input: { ops: [{ kind: 'edit', target: { file_path: 'a.ts', text: 'src/not-a-path.ts' } }], options: { output_file: 'b.ts', dirPath: 'c', notebookPath: 'd.ipynb', uris: ['file:///repo/e.ts'] }, content: 'src/booking/flow.ts' } };
    assert.deepEqual(readToolCall(renamed).paths.sort(), ['/repo/e.ts', 'a.ts', 'b.ts', 'c', 'd.ipynb']);
    const many = Array.from({ length: 100_001 }, (_, i) => `f${i}`);
    assert.throws(() => readToolCall({ hook_event_name: 'PreToolUse', tool_name: 'mcp__fs__write', tool_input: { paths: many } }), /more than 100000 values/);
    let deep: unknown = { path: 'a.ts' };
    for (let i = 0; i < 40; i++) deep = { next: deep };
    assert.throws(() => readToolCall({ hook_event_name: 'PreToolUse', tool_name: 'mcp__x__y', tool_input: deep }), /nested more than 32 levels/);
  });
  test('a Codex shell command given as an argument list is one command line', () => {
    assert.equal(readToolCall({ ...PAYLOADS.codexBash, tool_input: { command: ['bash', '-lc', "echo x > a.ts"] } }).command, "bash -lc 'echo x > a.ts'");
  });
  test('patches name every file they add, update, delete or move to', () => {
    assert.deepEqual(patchPaths('*** Begin Patch\n*** Add File: a.ts\n*** Delete File: b.ts\n*** Update File: c.ts\n*** Move to: d.ts\n*** End Patch'), ['a.ts', 'b.ts', 'c.ts', 'd.ts']);
  });
  test('patch headers count when indented with spaces or tabs, as Codex reads them', () => {
    assert.deepEqual(patchPaths('*** Begin Patch\n  *** Update File: a.ts\n@@\n-x\n+y\n\t*** Delete File: b.ts\n \t*** Update File:  c.ts \r\n\u00a0*** Move to: d.ts\n*** End Patch'), ['a.ts', 'b.ts', 'c.ts', 'd.ts']);
  });
  test('a shell tool\'s own folder (Gemini directory and dir_path, Codex workdir) is taken relative to the payload\'s cwd', () => {
    assert.equal(readToolCall({ ...PAYLOADS.geminiShell, tool_input: { command: 'echo x > a.ts', directory: 'src/booking' } }).cwd, '/repo/src/booking');
    assert.equal(readToolCall({ ...PAYLOADS.geminiShell, tool_input: { command: 'ls', dir_path: 'src' } }).cwd, '/repo/src');
    assert.equal(readToolCall({ ...PAYLOADS.codexBash, tool_input: { command: 'ls', workdir: '/elsewhere' } }).cwd, '/elsewhere');
    assert.equal(readToolCall({ ...PAYLOADS.codexBash, tool_input: { command: 'ls', workdir: 'src' } }).cwd, '/repo/src');
  });
  test('payloads that are not a tool call are refused with a reason', () => {
    assert.throws(() => readToolCall([1, 2]), HookPayloadError);
    assert.throws(() => readToolCall({ hook_event_name: 'PreToolUse' }), /names no tool/);
  });
  test('a file or shell tool whose path or command is missing or not text is refused with what was wrong, not read as touching nothing', () => {
    const edit = (tool_input: unknown): unknown => ({ ...PAYLOADS.claudeEdit, tool_input });
    const cases: [unknown, RegExp][] = [
      [{ ...PAYLOADS.claudeEdit, tool_input: undefined }, /could not read the Edit call's input \(tool_input\): expected an object, got nothing/],
      [edit(null), /Edit call's input \(tool_input\): expected an object, got null/],
      [edit([{ file_path: 'src/booking/flow.ts' }]), /expected an object, got an array/],
      [edit({ file_path: ['src/booking/flow.ts'] }), /could not read the Edit call's file path \(tool_input\.file_path\): expected a path, got an array/],
      [edit({ file_path: 7 }), /got a number/],
      [edit({ file_path: { path: 'x' } }), /got an object/],
      [edit({ file_path: '' }), /got an empty string/],
      [{ ...PAYLOADS.claudeEdit, tool_name: 'NotebookEdit', tool_input: { file_path: 'a.ipynb' } }, /NotebookEdit call's file path \(tool_input\.notebook_path\)/],
      [{ ...PAYLOADS.geminiWrite, tool_input: { path: 'x' } }, /write_file call's file path \(tool_input\.file_path\): expected a path, got nothing/],
      [{ ...PAYLOADS.copilotEdit, tool_input: { filePath: 1 } }, /replace_string_in_file call's file path \(tool_input\.filePath\)/],
      [{ ...PAYLOADS.claudeBash, tool_input: { command: 7 } }, /could not read the Bash call's command \(tool_input\.command\): expected a string or a list of strings, got a number/],
      [{ ...PAYLOADS.claudeBash, tool_input: { command: { run: 'rm x' } } }, /Bash call's command .* got an object/],
      [{ ...PAYLOADS.codexBash, tool_input: { command: ['bash', 1] } }, /Bash call's command .* got an array/],
      [{ ...PAYLOADS.claudeBash, tool_input: {} }, /Bash call's command \(tool_input\.command\): .* got nothing/],
      [{ ...PAYLOADS.geminiShell, tool_input: { command: 'ls', directory: ['src'] } }, /run_shell_command call's working folder \(tool_input\.directory\)/],
      [{ ...PAYLOADS.codexPatch, tool_input: { command: 1 } }, /apply_patch call's patch/],
      [{ ...PAYLOADS.codexPatch, tool_input: {} }, /apply_patch call's patch/],
      [{ ...PAYLOADS.cursorShell, command: ['rm', 2] }, /shell call's command \(the payload\.command\)/],
      [{ ...PAYLOADS.windsurfWrite, tool_info: { file_path: 3 } }, /pre_write_code call's file path \(tool_info\.file_path\)/],
      [{ ...PAYLOADS.windsurfCommand, tool_info: { command_line: 3 } }, /pre_run_command call's command \(tool_info\.command_line\)/],
      [{ ...PAYLOADS.windsurfCommand, tool_info: null }, /pre_run_command call's input \(tool_info\): expected an object/],
    ];
    for (const [payload, message] of cases) assert.throws(() => readToolCall(payload), (err: unknown) => err instanceof HookPayloadError && message.test(err.message), JSON.stringify(payload));
    // Unknown tools keep what they name, and nothing when their input cannot be read; after a tool ran nothing is refused.
    assert.deepEqual(readToolCall({ hook_event_name: 'PreToolUse', tool_name: 'mcp__x__y', tool_input: null }).paths, []);
    assert.deepEqual(readToolCall({ hook_event_name: 'PreToolUse', tool_name: 'mcp__x__y', tool_input: { command: 7, path: 'a.ts' } }).paths, ['a.ts']);
    assert.equal(readToolCall({ ...PAYLOADS.claudeEdit, hook_event_name: 'PostToolUse', tool_input: { file_path: 7 } }).phase, 'post');
  });
  test('every agent is refused with exit 2 and the reason on stderr; Cursor also gets permission deny; Cline exit 0 with cancel (any other exit lets its call through); allows exit 0', () => {
    for (const agent of HOOK_AGENTS) {
      const deny = denyAnswer(agent, 'Protected Files: no.\nreally');
      assert.equal(deny.exitCode, agent === 'cline' ? 0 : 2);
      assert.equal(deny.stderr, 'Protected Files: no. really\n');
      if (agent === 'cursor') assert.deepEqual(JSON.parse(deny.stdout), { permission: 'deny', user_message: 'Protected Files: no. really', agent_message: 'Protected Files: no. really' });
      else if (agent === 'cline') assert.deepEqual(JSON.parse(deny.stdout), { cancel: true, errorMessage: 'Protected Files: no. really' });
      else if (agent === 'copilot') assert.deepEqual(JSON.parse(deny.stdout), { permissionDecision: 'deny', permissionDecisionReason: 'Protected Files: no. really' });
      else assert.equal(deny.stdout, '');
      assert.equal(allowAnswer(agent).exitCode, 0);
    }
    assert.deepEqual(JSON.parse(allowAnswer('gemini').stdout), {});
    assert.deepEqual(JSON.parse(allowAnswer('cline').stdout), { cancel: false });
  });
  test('the Copilot CLI\'s payloads (our VS Code-form hook file, which it reads too): Edit and Write name their file in "path", apply_patch sends the patch as bare text, view only reads', () => {
    const cli = (tool_name: string, tool_input: unknown): object => ({ hook_event_name: 'PreToolUse', session_id: 's', timestamp: '2026-12-05T09:00:00.000Z', cwd: CWD, tool_name, tool_input });
    assert.deepEqual(readToolCall(cli('Edit', { path: 'src/booking/flow.ts', old_str: 'a', new_str: 'b' }), 'copilot').paths, ['src/booking/flow.ts']);
    assert.deepEqual(readToolCall(cli('Write', { path: '/repo/src/booking/new.ts', file_text: 'x' }), 'copilot').paths, ['/repo/src/booking/new.ts']);
    // Before 1.0.62 its own tool names: edit, create, str_replace_editor, bash, view.
    assert.deepEqual(readToolCall(cli('edit', { path: 'src/booking/flow.ts', old_str: 'a', new_str: 'b' }), 'copilot').paths, ['src/booking/flow.ts']);
    assert.deepEqual(readToolCall(cli('create', { path: 'src/booking/flow.ts', file_text: 'x' }), 'copilot').paths, ['src/booking/flow.ts']);
    assert.equal(readToolCall(cli('bash', { command: 'rm src/booking/flow.ts', description: 'x' }), 'copilot').command, 'rm src/booking/flow.ts');
    assert.deepEqual(readToolCall(cli('view', { path: 'src/booking/flow.ts' }), 'copilot').paths, [], 'a read is no write');
    const patch = '*** Begin Patch\n*** Update File: src/booking/flow.ts\n@@\n-a\n+b\n*** End Patch\n';
    assert.deepEqual(readToolCall(cli('apply_patch', patch), 'copilot').paths, ['src/booking/flow.ts']);
    // An Edit that names no file at all is still refused, never read as a call that writes nothing.
    assert.throws(() => readToolCall(cli('Edit', { old_str: 'a', new_str: 'b' }), 'copilot'), HookPayloadError);
  });
  test('Cline: its payloads, 3.x and 4.x (every parameter a string), read as the calls they are', () => {
    const cline = (toolName: string, parameters?: Record<string, string>, event: 'preToolUse' | 'postToolUse' = 'preToolUse'): object => ({
      clineVersion: '3.85.0', hookName: event === 'preToolUse' ? 'PreToolUse' : 'PostToolUse', timestamp: '1748190000000', taskId: 't', workspaceRoots: [CWD, '/other/web'], userId: 'u',
      model: { provider: 'anthropic', slug: 's' }, [event]: { toolName, ...(parameters ? { parameters } : {}) },
    });
    const read = (p: object): ReturnType<typeof readToolCall> => readToolCall(p);
    assert.equal(detectAgent(cline('read_file', { path: 'a' })), 'cline');
    assert.deepEqual(read(cline('write_to_file', { path: 'src/booking/flow.ts', content: '{"files": ["src/other/x.ts"]}' })).paths, ['src/booking/flow.ts']);
    assert.deepEqual(read(cline('write_to_file', { absolutePath: '/repo/src/booking/flow.ts', content: 'x' })).paths, ['/repo/src/booking/flow.ts']);
    assert.deepEqual(read(cline('replace_in_file', { path: '@web:src/a.ts', diff: '------- SEARCH\na\n=======\nb\n+++++++ REPLACE' })).paths, ['/other/web/src/a.ts']);
    assert.deepEqual(read(cline('new_rule', { path: '.clinerules/hooks/PreToolUse', content: 'exit 1' })).paths, ['.clinerules/hooks/PreToolUse']);
    assert.deepEqual(read(cline('editor', { path: '/repo/src/booking/flow.ts', old_text: 'a', new_text: 'b' })).paths, ['/repo/src/booking/flow.ts']);
    assert.deepEqual(read(cline('apply_patch', { input: '*** Begin Patch\n*** Update File: src/booking/flow.ts\n@@\n-a\n+b\n*** End Patch' })).paths, ['src/booking/flow.ts']);
    const shell = read(cline('execute_command', { command: 'rm src/booking/flow.ts', requires_approval: 'false' }));
    assert.equal(shell.command, 'rm src/booking/flow.ts');
    assert.equal(shell.cwd, CWD);
    assert.equal(read(cline('run_commands', { commands: '["npm test", "rm src/booking/flow.ts"]' })).command, 'npm test\nrm src/booking/flow.ts');
    // 4.x's commands as a program and its arguments (run without a shell): the arguments are part of the command.
    assert.equal(read(cline('run_commands', { commands: '[{"command": "rm", "args": ["src/booking/flow.ts"]}, "npm test"]' })).command, 'rm src/booking/flow.ts\nnpm test');
    assert.equal(read(cline('run_commands', { commands: '{"command": "rm", "args": ["-f", "src/booking/$(x).ts"]}' })).command, "rm -f 'src/booking/$(x).ts'");
    assert.equal(read(cline('run_commands', { command: 'rm', args: '["src/booking/flow.ts"]' })).command, 'rm src/booking/flow.ts');
    assert.throws(() => read(cline('run_commands', { command: 'rm', args: '[1]' })), /run_commands call's command \(preToolUse\.parameters\.args\)/);
    assert.throws(() => read(cline('run_commands', { commands: '[{"command": "rm", "args": "src/booking/flow.ts"}]' })), /run_commands call's command/);
    // Relative paths are the primary root's; a hook whose own folder is none of the roots (another window repointed Cline's shared state) judges from its own.
    assert.equal(readToolCall(cline('execute_command', { command: 'rm a' }), 'cline', CWD).cwd, CWD);
    assert.equal(readToolCall(cline('execute_command', { command: 'rm a' }), 'cline', '/other/web/').cwd, CWD);
    assert.equal(readToolCall(cline('execute_command', { command: 'rm a' }), 'cline', `${CWD}/sub`).cwd, CWD, 'inside a root');
    assert.equal(readToolCall(cline('execute_command', { command: 'rm a' }), 'cline', '/elsewhere').cwd, '/elsewhere');
    // A command line that starts like JSON is a command line (`[ "$(rm …)" ]` read as JSON let the rm through).
    assert.equal(read(cline('execute_command', { command: '[ "$(rm src/booking/flow.ts)" ]' })).command, '[ "$(rm src/booking/flow.ts)" ]');
    assert.deepEqual(read(cline('editor', { command: 'view', path: '/repo/src/booking/flow.ts' })).paths, []);
    assert.deepEqual(read(cline('use_mcp_tool', { server_name: 'fs', tool_name: 'write_file', arguments: '{"path": "/repo/src/booking/flow.ts", "content": "x"}' })).paths, ['/repo/src/booking/flow.ts']);
    assert.deepEqual(read(cline('fs__write_file', { path: '/repo/src/booking/flow.ts', content: 'x' })).paths, ['/repo/src/booking/flow.ts']);
    assert.deepEqual(read(cline('read_file', { path: 'src/booking/flow.ts' })).paths, []);
    assert.deepEqual(read(cline('access_mcp_resource', { server_name: 'fs', uri: 'file:///repo/src/booking/flow.ts' })).paths, []);
    assert.equal(read(cline('write_to_file', { path: 'src/booking/flow.ts' }, 'postToolUse')).phase, 'post');
    // Unreadable calls are refused, never read as calls that write nothing.
    for (const [payload, message] of [
      [cline('write_to_file', { content: 'x' }), /write_to_file call's file path/],
      [cline('write_to_file'), /write_to_file call's file path/],
      [cline('replace_in_file', { path: '@nowhere:src/a.ts', diff: 'x' }), /workspace "nowhere", which is not one of Cline's workspace roots/],
      [cline('apply_patch'), /apply_patch call's patch/],
      [cline('execute_command', {}), /execute_command call's command/],
      [{ clineVersion: '3.85.0', preToolUse: { parameters: {} } }, /names no tool/],
      [{ clineVersion: '3.85.0', preToolUse: 'x' }, /Cline call's tool call \(preToolUse\): expected an object/],
      // An MCP call's arguments nested past the bound (JSON text read back): refused, not walked.
      [cline('use_mcp_tool', { server_name: 'fs', tool_name: 'w', arguments: `${'{"a":'.repeat(40)}"/repo/src/booking/flow.ts"${'}'.repeat(40)}` }), /nested more than 32 levels deep/],
    ] as [object, RegExp][]) {
      assert.throws(() => read(payload), message);
    }
  });
});
