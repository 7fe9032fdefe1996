// The hook protocols of the agents that can refuse a tool call: which agent sent a payload, what
// the tool call would touch (files, or a shell command), and how to answer it in that agent's
// format. Pure: `protected-files hook` (src/cli/hookCommand.ts) reads stdin and decides.
// Sources, checked late 2026, are listed in docs/agents.md.

/** Where the extension records its bundled CLI for one clone: `<git dir>/protected-files/cli-path`. */
export const CLI_PATH_FILE = 'cli-path';

/** Agents whose hook can refuse a tool call before it runs. */
export const HOOK_AGENTS = ['claude', 'copilot', 'cursor', 'gemini', 'codex', 'windsurf', 'cline'] as const;
export type HookAgent = (typeof HOOK_AGENTS)[number];

export const HOOK_AGENT_NAMES: Readonly<Record<HookAgent, string>> = {
  claude: 'Claude Code',
  copilot: 'GitHub Copilot (VS Code agent hooks)',
  cursor: 'Cursor',
  gemini: 'Gemini CLI',
  codex: 'OpenAI Codex CLI',
  windsurf: 'Windsurf (Cascade hooks)',
  cline: 'Cline',
};

export function isHookAgent(name: string): name is HookAgent {
  return (HOOK_AGENTS as readonly string[]).includes(name);
}

/** What a tool call would do, whatever the agent. */
export interface ToolCall {
  agent: HookAgent;
  /** Before the tool runs (can refuse) or after (records). */
  phase: 'pre' | 'post';
  tool: string;
  /** The directory relative paths are resolved against, when the payload says. */
  cwd: string | undefined;
  /** Files the tool writes (edit tools, a patch's files, path fields of unknown tools). */
  paths: string[];
  /** The shell command, for shell tools. */
  command: string | undefined;
  /** The tool's input, for the file tools whose change can be worked out (src/core/vscodeSettings.ts). */
  input?: Readonly<Record<string, unknown>>;
}

/** The payload is not a hook event this guard can read: the message says what is wrong. */
export class HookPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HookPayloadError';
  }
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * The agent that sent `payload`, from the fields only it sends: Cline's `clineVersion` and
 * `preToolUse`/`postToolUse`, Windsurf's `agent_action_name`,
 * Cursor's `cursor_version`/`conversation_id`, Gemini's `BeforeTool`/`AfterTool` events, Copilot's
 * camelCase `hookEventName`, Codex's `apply_patch` tool or `turn_id`; Claude Code otherwise. The
 * generated configuration always passes `--agent`, so this only serves hand-written hooks.
 */
export function detectAgent(payload: unknown): HookAgent {
  if (!isObject(payload)) return 'claude';
  if ('clineVersion' in payload || 'preToolUse' in payload || 'postToolUse' in payload) return 'cline';
  if ('agent_action_name' in payload || 'tool_info' in payload) return 'windsurf';
  if ('cursor_version' in payload || 'conversation_id' in payload || 'workspace_roots' in payload) return 'cursor';
  const event = str(payload.hook_event_name);
  if (event === 'BeforeTool' || event === 'AfterTool') return 'gemini';
  if ('hookEventName' in payload || 'sessionId' in payload) return 'copilot';
  if (payload.tool_name === 'apply_patch' || 'turn_id' in payload) return 'codex';
  return 'claude';
}

/**
 * Keys of tool inputs whose text names a file, lower-cased without `_` and `-`: these, and any
 * ending in `path`, `paths`, `file`, `files`, `filename`, `uri` or `uris` (`file_path`, `filePath`,
 * `notebook_path`, `target_file`, `absolute_path`, `dir_path`…), at any depth of the input.
 */
const PATH_KEYS: ReadonlySet<string> = new Set(['destination', 'dest', 'source', 'target', 'targets', 'directory', 'dir']);
const PATH_KEY_ENDINGS = /(?:path|paths|file|files|filename|filenames|uri|uris)$/;
/** The most values and the deepest nesting of a tool input the guard reads; more is refused. */
const TOOL_INPUT_LIMITS = { values: 100_000, depth: 32 } as const;
// Names, not regular expressions: the hook is a fresh process on every tool call, where compiling
// an alternation of two dozen names costs more than the rest of reading the call (~70 µs each).
/** Tools that only read: their path fields are not writes. */
const READ_ONLY_TOOLS: ReadonlySet<string> = new Set(['Read', 'view', 'Glob', 'Grep', 'LS', 'WebFetch', 'WebSearch', 'read_file', 'read_many_files', 'list_directory', 'glob', 'search_file_content', 'grep_search', 'file_search', 'semantic_search', 'list_dir', 'readFile', 'codebase_search', 'fetch_webpage', 'get_errors', 'TodoWrite', 'Task', 'todo_write', 'write_todos', 'google_web_search', 'web_fetch']);
const SHELL_TOOLS: ReadonlySet<string> = new Set(['Bash', 'bash', 'Shell', 'shell', 'run_shell_command', 'run_in_terminal', 'runInTerminal', 'terminal', 'exec_command', 'local_shell', 'unified_exec', 'container.exec', 'execute_command', 'run_command', 'runCommand', 'PowerShell']);

/**
 * Tools that write the file one field names (Claude Code's and Cursor's, Gemini CLI's, Copilot's):
 * a call without that field, or with anything but a path in it, is refused, never read as a call
 * that writes nothing.
 */
const FILE_TOOLS: Readonly<Record<string, string>> = {
  Edit: 'file_path', Write: 'file_path', MultiEdit: 'file_path', NotebookEdit: 'notebook_path',
  write_file: 'file_path', replace: 'file_path',
  replace_string_in_file: 'filePath', create_file: 'filePath', insert_edit_into_file: 'filePath', edit_notebook_file: 'filePath',
};
/** Copilot's tool that edits several files, each named in one of its `replacements`. */
const MULTI_REPLACE_TOOL = 'multi_replace_string_in_file';
/** Fields a shell tool may name its command in; one of them must hold it. */
const COMMAND_KEYS = ['command', 'cmd', 'commandLine'];
/** Fields a shell tool may name the folder it runs in: a path, relative to the payload's cwd. */
const WORKDIR_KEYS = ['workdir', 'cwd', 'directory', 'dir_path'];

/** What a JSON value is, for a message: "a number", "an array", "nothing". */
function kindOf(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v === '') return 'an empty string';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function unreadable(tool: string, what: string, where: string, v: unknown, expected = 'a path'): HookPayloadError {
  return new HookPayloadError(`the hook could not read the ${tool} call's ${what} (${where}): expected ${expected}, got ${kindOf(v)}`);
}

/** `input[key]` as a path, or the refusal that says why it is not one. */
function requiredPath(input: Json, key: string, tool: string, where: string): string {
  const v = input[key];
  if (typeof v === 'string' && v !== '') return v;
  throw unreadable(tool, 'file path', `${where}.${key}`, v);
}

/** The tool input of a call whose fields are required: an object, or the refusal. */
function requiredInput(input: unknown, tool: string, where: string): Json {
  if (isObject(input)) return input;
  throw unreadable(tool, 'input', where, input, 'an object');
}

/** The shell command of a shell tool: text or a list of words in one of COMMAND_KEYS, or the refusal. */
function requiredCommand(input: Json, tool: string, where: string): string {
  const key = COMMAND_KEYS.find((k) => input[k] !== undefined) ?? 'command';
  const command = commandText(input[key]);
  if (command === undefined) throw unreadable(tool, 'command', `${where}.${key}`, input[key], 'a string or a list of strings');
  return command;
}

/**
 * The folder a shell tool runs in: its own field (Codex's `workdir`, Gemini's `directory` or
 * `dir_path`), relative to the payload's cwd, else that cwd. A field that is not a path refuses.
 */
function workdirOf(input: Json, cwd: string | undefined, tool: string, where: string, strict = true): string | undefined {
  for (const key of WORKDIR_KEYS) {
    const v = input[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') {
      if (strict) throw unreadable(tool, 'working folder', `${where}.${key}`, v);
      continue;
    }
    if (v === '') continue;
    return cwd === undefined || /^(?:[\\/]|[A-Za-z]:)/.test(v) ? v : `${cwd.replace(/[\\/]+$/, '')}/${v}`;
  }
  return cwd;
}

/** An event after the tool ran: `PostToolUse`, `AfterTool`, `postToolUse`, `afterFileEdit`… */
function isPostEvent(event: string): boolean {
  return event.startsWith('Post') || event.startsWith('After') || event.startsWith('post') || event.startsWith('after');
}

function isPathKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[_-]/g, '');
  return PATH_KEYS.has(k) || PATH_KEY_ENDINGS.test(k);
}

function asPath(v: string): string {
  return v.startsWith('file://') ? decodeURIComponent(v.slice(7)) : v;
}

/**
 * Every text under a path-like key (see PATH_KEYS) anywhere in a tool's input, so that a tool the
 * guard does not know (an MCP tool, the next renamed edit tool) is judged by the files it names:
 * `{"replacements": [{"filePath": …}]}`, `{"changes": {"target": {"path": …}}}`. Bounded: an input
 * with more values or deeper nesting than TOOL_INPUT_LIMITS is refused rather than read in part.
 */
function pathsIn(input: Json): string[] {
  const out = new Set<string>();
  let values = 0;
  const visit = (v: unknown, pathKey: boolean, depth: number): void => {
    if (++values > TOOL_INPUT_LIMITS.values || depth > TOOL_INPUT_LIMITS.depth) {
      throw new HookPayloadError(`the tool's input has more than ${TOOL_INPUT_LIMITS.values} values or is nested more than ${TOOL_INPUT_LIMITS.depth} levels deep, more than the guard reads`);
    }
    if (typeof v === 'string') {
      if (pathKey && v !== '') out.add(asPath(v));
    } else if (Array.isArray(v)) {
      for (const item of v) visit(item, pathKey, depth + 1);
    } else if (isObject(v)) {
      for (const key of Object.keys(v)) visit(v[key], isPathKey(key), depth + 1);
    }
  };
  visit(input, false, 0);
  return [...out];
}

/**
 * The files of an `apply_patch` envelope (`*** Update File: a`, `*** Add File:`, `*** Delete File:`,
 * `*** Move to:`). Codex trims each line before it reads a header, so indented headers count too.
 */
export function patchPaths(patch: string): string[] {
  const out: string[] = [];
  const re = /^[^\S\n]*\*\*\* (?:Update File|Add File|Delete File|Move to):[^\S\n]*(.+?)\s*$/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(patch)) !== null) out.push(m[1]);
  // A unified diff (git apply style) names its files too.
  const diff = /^(?:\+\+\+|---) (?:[ab]\/)?(.+?)\s*$/gm;
  while ((m = diff.exec(patch)) !== null) if (m[1] !== '/dev/null') out.push(m[1]);
  return [...new Set(out)];
}

/**
 * A command given as a program and its arguments (Cline 4.x's `{command, args}`, which it runs without
 * a shell), as the command line that runs the same: every word quoted. Without `args`, the command
 * itself; undefined when either is not what it should be (the call is then refused as unreadable).
 */
function programAndArgs(c: Json): string | undefined {
  const program = c.command ?? c.cmd;
  if (c.args === undefined) return commandText(program);
  return typeof program === 'string' && Array.isArray(c.args) ? commandText([program, ...c.args]) : undefined;
}

/** A shell command given as an argument list (`["bash", "-lc", "…"]`), as one line. */
function commandText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) {
    return (v as string[]).map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
  }
  return undefined;
}

/**
 * Reads a hook payload (parsed JSON) as the tool call it announces. Throws `HookPayloadError`
 * when it is not an object, names no tool, or is a file or shell tool's call without its file
 * path or command (or with something else in its place). After the tool ran there is nothing to
 * refuse: such a call is read for whatever paths it names.
 */
export function readToolCall(payload: unknown, agent: HookAgent = detectAgent(payload), hookCwd?: string): ToolCall {
  try {
    return readCall(payload, agent, hookCwd);
  } catch (err) {
    if (!(err instanceof HookPayloadError) || !isObject(payload)) throw err;
    const event = str(payload.hook_event_name) ?? str(payload.hookEventName) ?? str(payload.agent_action_name) ?? '';
    const tool = str(payload.tool_name) ?? str(payload.toolName) ?? event;
    if (!tool || !isPostEvent(event)) throw err;
    const input = payload.tool_input ?? payload.toolArgs ?? payload.toolInput ?? payload.tool_info;
    return { agent, phase: 'post', tool, cwd: str(payload.cwd), paths: isObject(input) ? pathsIn(input) : [], command: undefined };
  }
}

function readCall(payload: unknown, agent: HookAgent, hookCwd: string | undefined): ToolCall {
  if (!isObject(payload)) throw new HookPayloadError('the hook payload on stdin is not a JSON object');
  if (agent === 'cline') return readClineCall(payload, hookCwd);
  if (agent === 'windsurf') {
    const action = str(payload.agent_action_name) ?? '';
    const info = isObject(payload.tool_info) ? payload.tool_info : {};
    const phase = action.startsWith('post_') ? 'post' : 'pre';
    if (action.endsWith('_run_command')) {
      const command = commandText(requiredInput(payload.tool_info, action, 'tool_info').command_line);
      if (command === undefined) throw unreadable(action, 'command', 'tool_info.command_line', info.command_line, 'a string');
      return { agent, phase, tool: action, cwd: str(info.cwd), paths: [], command };
    }
    if (action.endsWith('_read_code')) return { agent, phase, tool: action, cwd: str(info.cwd), paths: [], command: undefined };
    // `pre_mcp_tool_use`: the MCP tool's arguments (an object, or JSON text), read as any other tool's input.
    if (action.endsWith('_mcp_tool_use')) {
      const args = typeof info.mcp_tool_arguments === 'string' ? jsonText(info.mcp_tool_arguments) : info.mcp_tool_arguments;
      const tool = `${str(info.mcp_server_name) ?? 'mcp'}__${str(info.mcp_tool_name) ?? action}`;
      return otherToolCall(agent, phase, tool, str(info.cwd), args);
    }
    if (!action) throw new HookPayloadError('the Windsurf hook payload has no "agent_action_name"');
    if (action.endsWith('_write_code')) {
      const path = requiredPath(requiredInput(payload.tool_info, action, 'tool_info'), 'file_path', action, 'tool_info');
      return { agent, phase, tool: action, cwd: str(info.cwd), paths: [...new Set([path, ...pathsIn(info)])], command: undefined, input: info };
    }
    return { agent, phase, tool: action, cwd: str(info.cwd), paths: pathsIn(info), command: undefined };
  }
  if (agent === 'cursor') {
    const event = str(payload.hook_event_name) ?? '';
    const roots = Array.isArray(payload.workspace_roots) ? payload.workspace_roots.filter((r): r is string => typeof r === 'string') : [];
    const cwd = str(payload.cwd) ?? roots[0];
    const phase = /^(after|post)/i.test(event) ? 'post' : 'pre';
    if (event === 'beforeShellExecution' || event === 'afterShellExecution') {
      return { agent, phase, tool: 'Shell', cwd, paths: [], command: requiredCommand(payload, 'shell', 'the payload') };
    }
    if (event === 'afterFileEdit' || event === 'beforeReadFile') {
      return { agent, phase, tool: event, cwd, paths: event === 'afterFileEdit' ? pathsIn(payload) : [], command: undefined };
    }
  }
  const event = str(payload.hook_event_name) ?? str(payload.hookEventName) ?? '';
  const phase: 'pre' | 'post' = isPostEvent(event) ? 'post' : 'pre';
  const tool = str(payload.tool_name) ?? str(payload.toolName);
  // The first of them the payload has, null included (a null input is unreadable, not absent).
  let input: unknown = [payload.tool_input, payload.toolArgs, payload.toolInput].find((v) => v !== undefined);
  if (typeof input === 'string') {
    try {
      input = JSON.parse(input);
    } catch {
      input = { command: input };
    }
  }
  if (!tool) throw new HookPayloadError('the hook payload names no tool ("tool_name")');
  const cwd = str(payload.cwd) ?? (Array.isArray(payload.workspace_roots) ? str(payload.workspace_roots[0]) : undefined);
  if (tool === 'apply_patch' || tool === 'applyPatch') {
    const toolInput = requiredInput(input, tool, 'tool_input');
    const texts = [toolInput.command, toolInput.patch, toolInput.input].filter((v) => v !== undefined);
    const patch = texts.map(commandText);
    if (patch.length === 0 || patch.some((t) => t === undefined)) {
      throw unreadable(tool, 'patch', 'tool_input.command', texts.find((t) => commandText(t) === undefined), 'a string');
    }
    return { agent, phase, tool, cwd, paths: [...pathsIn(toolInput), ...patchPaths(patch.join('\n'))], command: undefined, input: toolInput };
  }
  let fileKey = Object.hasOwn(FILE_TOOLS, tool) ? FILE_TOOLS[tool] : undefined;
  if (fileKey !== undefined) {
    const toolInput = requiredInput(input, tool, 'tool_input');
    // The Copilot CLI names its `edit` and `create` tools `Edit` and `Write` (since 1.0.62), their file in `path`.
    if ((tool === 'Edit' || tool === 'Write') && toolInput.file_path === undefined && toolInput.path !== undefined) fileKey = 'path';
    return { agent, phase, tool, cwd, paths: [...new Set([requiredPath(toolInput, fileKey, tool, 'tool_input'), ...pathsIn(toolInput)])], command: undefined, input: toolInput };
  }
  if (tool === MULTI_REPLACE_TOOL) {
    const toolInput = requiredInput(input, tool, 'tool_input');
    const list = toolInput.replacements;
    if (!Array.isArray(list)) throw unreadable(tool, 'replacements', 'tool_input.replacements', list, 'a list');
    const paths = list.map((r, i) => requiredPath(requiredInput(r, tool, `tool_input.replacements[${i}]`), 'filePath', tool, `tool_input.replacements[${i}]`));
    return { agent, phase, tool, cwd, paths: [...new Set([...paths, ...pathsIn(toolInput)])], command: undefined, input: toolInput };
  }
  if (SHELL_TOOLS.has(tool)) {
    const toolInput = requiredInput(input, tool, 'tool_input');
    return { agent, phase, tool, cwd: workdirOf(toolInput, cwd, tool, 'tool_input'), paths: [], command: requiredCommand(toolInput, tool, 'tool_input') };
  }
  return otherToolCall(agent, phase, tool, cwd, input);
}

/** Any other tool (an MCP tool's, say): what its input names, as far as it can be read (a tool that writes nothing has no path). */
function otherToolCall(agent: HookAgent, phase: 'pre' | 'post', tool: string, cwd: string | undefined, input: unknown): ToolCall {
  const toolInput = isObject(input) ? input : {};
  const command = commandText(toolInput.command) ?? commandText(toolInput.cmd) ?? commandText(toolInput.commandLine);
  if (READ_ONLY_TOOLS.has(tool)) return { agent, phase, tool, cwd, paths: [], command: undefined };
  // A command and paths both (an MCP tool's `{command, directory}` or `{command, file}`): both are judged,
  // the command in its working folder (never taken for a file it writes).
  if (command !== undefined) {
    const rest: Json = {};
    for (const key of Object.keys(toolInput)) if (!WORKDIR_KEYS.includes(key)) rest[key] = toolInput[key];
    return { agent, phase, tool, cwd: workdirOf(toolInput, cwd, tool, 'tool_input', false), paths: pathsIn(rest), command };
  }
  return { agent, phase, tool, cwd, paths: pathsIn(toolInput), command: undefined };
}

/** Cline's tools that write the file their `path` (or, for some models, `absolutePath`) names: 3.x's and 4.x's. */
const CLINE_FILE_TOOLS: ReadonlySet<string> = new Set(['write_to_file', 'replace_in_file', 'new_rule', 'editor', 'delete_file']);
/** Cline's tools that only read, ask or answer (their `path`, `uri` or `url` is no write). */
const CLINE_READ_ONLY_TOOLS: ReadonlySet<string> = new Set(['read_file', 'read_files', 'list_files', 'search_files', 'list_code_definition_names', 'search_codebase', 'web_fetch', 'web_search', 'fetch_web_content', 'browser_action', 'access_mcp_resource', 'ask_followup_question', 'ask_question', 'plan_mode_respond', 'act_mode_respond', 'attempt_completion', 'submit_and_exit', 'skills', 'load_mcp_documentation']);

/** Cline parameters that hold text to write or send, never read as JSON. */
const CLINE_TEXT_KEYS: ReadonlySet<string> = new Set(['content', 'text', 'diff', 'input', 'old_text', 'new_text', 'body', 'data', 'message', 'query', 'patch', 'command', 'cmd', 'commandLine']);
/** A parameter Cline sends as JSON text (its parameters are all strings): the value it holds, or the text itself. */
function jsonText(v: unknown): unknown {
  if (typeof v !== 'string' || !/^\s*[[{]/.test(v)) return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

/**
 * A Cline path: relative to the first workspace root (its `{{CWD}}`), absolute, or in a multi-root
 * workspace `@name:path`, relative to the root of that name. A name no root has is refused.
 */
function clinePath(path: string, roots: readonly string[], tool: string): string {
  const m = /^@([^:/\\]+):(.*)$/.exec(path);
  if (!m) return path;
  const root = roots.find((r) => r.replace(/[\\/]+$/, '').split(/[\\/]/).pop() === m[1]);
  if (root === undefined) throw new HookPayloadError(`the ${tool} call names a file in workspace "${m[1]}", which is not one of Cline's workspace roots`);
  return `${root.replace(/[\\/]+$/, '')}/${m[2]}`;
}

/**
 * Cline's payload (v3.36+; sources in docs/agents.md): `{ clineVersion, hookName, workspaceRoots,
 * preToolUse: { toolName, parameters } }` (`postToolUse` after the tool), every parameter a string.
 * Its file tools (`write_to_file`, `replace_in_file`, `new_rule`; 4.x's `editor`) name `path` or
 * `absolutePath`; `apply_patch` its `input`; `execute_command` a `command`, 4.x's `run_commands` a
 * JSON list of them; `use_mcp_tool` its `arguments` as JSON text, 4.x's MCP tools theirs as parameters.
 */
function readClineCall(payload: Json, hookCwd: string | undefined): ToolCall {
  const agent = 'cline';
  const pre = payload.preToolUse;
  const data = pre !== undefined ? pre : payload.postToolUse;
  const phase = pre !== undefined ? 'pre' : 'post';
  const where = pre !== undefined ? 'preToolUse' : 'postToolUse';
  if (!isObject(data)) throw unreadable('Cline', 'tool call', where, data, 'an object');
  const tool = str(data.toolName);
  if (!tool) throw new HookPayloadError(`the Cline hook payload names no tool (${where}.toolName)`);
  // Empty parameters are left out of Cline's JSON.
  const params = data.parameters === undefined ? {} : requiredInput(data.parameters, tool, `${where}.parameters`);
  const roots = Array.isArray(payload.workspaceRoots) ? payload.workspaceRoots.filter((r): r is string => typeof r === 'string' && r !== '') : [];
  // Relative paths are the session's primary root's, roots[0]. Cline keeps workspaceRoots in state that
  // every Cline window shares (its source says another window can repoint it): a hook whose own folder
  // (where Cline runs it, a root of its session) is in none of the roots was given another window's, and
  // judges from its own folder.
  const unslashed = (p: string): string => p.replace(/[\\/]+$/, '');
  const within = (dir: string, root: string): boolean => unslashed(dir) === unslashed(root) || unslashed(dir).startsWith(`${unslashed(root)}/`) || unslashed(dir).startsWith(`${unslashed(root)}\\`);
  const cwd = hookCwd !== undefined && roots.length > 0 && !roots.some((r) => within(hookCwd, r)) ? hookCwd : roots[0];
  // Objects reach the hook as JSON text (`use_mcp_tool`'s `arguments`, 4.x's `commands` and MCP
  // parameters): read back, but never a file's text (`content` of a JSON file names no file written).
  const input: Json = {};
  for (const key of Object.keys(params)) input[key] = CLINE_TEXT_KEYS.has(key) || CLINE_FILE_TOOLS.has(tool) ? params[key] : jsonText(params[key]);
  // 4.x's editor also views a file (`command: "view"`): that reads.
  if (tool === 'editor' && input.command === 'view') return { agent, phase, tool, cwd, paths: [], command: undefined };
  if (CLINE_FILE_TOOLS.has(tool)) {
    const key = input.path !== undefined ? 'path' : 'absolutePath';
    const path = clinePath(requiredPath(input, key, tool, `${where}.parameters`), roots, tool);
    return { agent, phase, tool, cwd, paths: [...new Set([path, ...pathsIn(input).map((p) => clinePath(p, roots, tool))])], command: undefined, input };
  }
  if (tool === 'apply_patch') {
    const patch = input.input ?? input.patch;
    if (typeof patch !== 'string' || patch === '') throw unreadable(tool, 'patch', `${where}.parameters.input`, patch, 'a string');
    return { agent, phase, tool, cwd, paths: patchPaths(patch).map((p) => clinePath(p, roots, tool)), command: undefined, input };
  }
  if (tool === 'execute_command') return { agent, phase, tool, cwd, paths: [], command: requiredCommand(input, tool, `${where}.parameters`) };
  if (tool === 'run_commands') {
    // A list of command lines (or of objects with one), or one command line in `command`/`cmd`.
    const list = input.commands;
    const lines = Array.isArray(list) ? list.map((c) => (isObject(c) ? programAndArgs(c) : commandText(c))) : typeof list === 'string' ? [list] : isObject(list) ? [programAndArgs(list)] : [];
    if (lines.length > 0 && lines.every((l) => l !== undefined)) return { agent, phase, tool, cwd, paths: [], command: lines.join('\n') };
    // One command as a program and its arguments (`{command: "rm", args: [...]}`): never the program alone.
    if (input.args !== undefined) {
      const line = programAndArgs(input);
      if (line === undefined) throw unreadable(tool, 'command', `${where}.parameters.args`, input.args, 'a list of strings');
      return { agent, phase, tool, cwd, paths: [], command: line };
    }
    return { agent, phase, tool, cwd, paths: [], command: requiredCommand(input, tool, `${where}.parameters`) };
  }
  if (CLINE_READ_ONLY_TOOLS.has(tool)) return { agent, phase, tool, cwd, paths: [], command: undefined };
  // use_mcp_tool's `arguments` and 4.x MCP tools' own parameters, read as JSON where they are JSON text.
  return { agent, phase, tool, cwd, paths: pathsIn(input).map((p) => clinePath(asPath(p), roots, tool)), command: undefined };
}

/** What the hook process prints and exits with. */
export interface HookAnswer {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Lets the tool call go ahead. Gemini parses stdout as JSON on exit 0, Cursor reads a `permission`
 * and Cline a `cancel`; the others need nothing.
 */
export function allowAnswer(agent: HookAgent): HookAnswer {
  if (agent === 'cline') return { exitCode: 0, stdout: `${JSON.stringify({ cancel: false })}\n`, stderr: '' };
  if (agent === 'cursor') return { exitCode: 0, stdout: `${JSON.stringify({ permission: 'allow' })}\n`, stderr: '' };
  if (agent === 'gemini') return { exitCode: 0, stdout: '{}\n', stderr: '' };
  return { exitCode: 0, stdout: '', stderr: '' };
}

/**
 * Refuses the tool call with `reason`: exit 2 with the reason on stderr, which these agents document
 * as blocking and show to the model (for Claude Code the most reliable form; exit 1 would let the
 * call through). Cursor also gets its `permission: deny` JSON on stdout; Cline exit 0 with `cancel`;
 * Copilot the flat `permissionDecision: deny` JSON too (see COPILOT_DENY).
 */
export function denyAnswer(agent: HookAgent, reason: string): HookAnswer {
  const line = reason.replace(/\s*\n\s*/g, ' ').trim();
  // Cline takes any exit but 0 for a failed hook and lets the call through: it refuses only on exit 0
  // with `"cancel": true`, and shows the message in the hook's output (the model is told the user denied it).
  if (agent === 'cline') return { exitCode: 0, stdout: `${JSON.stringify({ cancel: true, errorMessage: line })}\n`, stderr: `${line}\n` };
  const stdout = agent === 'cursor' ? `${JSON.stringify({ permission: 'deny', user_message: line, agent_message: line })}\n`
    : agent === 'copilot' ? `${JSON.stringify({ permissionDecision: 'deny', permissionDecisionReason: line })}\n` : '';
  return { exitCode: 2, stdout, stderr: `${line}\n` };
}

/*
 * COPILOT_DENY: the same `.github/hooks/protected-files.json` runs in VS Code's Local harness, which
 * refuses on exit 2 whatever stdout holds (and ignores a flat `permissionDecision` on exit 0), and in the
 * Copilot CLI (and VS Code's Copilot harness, the same runtime), which reads the VS Code form too: there
 * exit 2 refuses only since CLI 1.0.70 (before it, the call ran), and the flat JSON on stdout refuses in
 * every version tried (1.0.22 to 1.0.102). `hookSpecificOutput` would not: 1.0.22 ignores it. Exit 2 with
 * the flat JSON refuses in all of them; an allow prints nothing (a `permissionDecision: "allow"` would
 * skip the user's own approval prompt).
 */
