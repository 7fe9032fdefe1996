import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'jsonc-parser';
import { AgentGuardsError, CLAUDE_HOOK_COMMAND, GUARD_SCRIPT_PATH, SECTION_BEGIN, SECTION_END } from '../../src/core/agentGuards';
import { parseAuditLog } from '../../src/core/audit';
import { exportSeed, newSigningKey } from '../../src/core/signing';
import { grantStoreFor } from '../../src/node/grantStore';
import { execFileSync } from 'node:child_process';
import { MANIFEST_PATH, parseManifest } from '../../src/core/manifest';
import type { Manifest } from '../../src/core/manifest';
import {
  AGENT_GUARDS_STATE_PATH,
  AGENTS_MD_PATH,
  CLAUDE_SETTINGS_PATH,
  CLINE_HOOK_PATHS,
  CODEX_HOOKS_PATH,
  COPILOT_HOOKS_PATH,
  CURSOR_HOOKS_PATH,
  GEMINI_SETTINGS_PATH,
  VSCODE_SETTINGS_PATH,
  WINDSURF_HOOKS_PATH,
  planAgentGuards,
  writeAgentGuards,
} from '../../src/node/agentGuardsWriter';
import type { PlannedFile } from '../../src/node/agentGuardsWriter';
import { runAgents } from '../../src/cli/agentsCommand';
import type { CliIo } from '../../src/cli/io';

const root = mkdtempSync(join(tmpdir(), 'pf-agents-'));
let counter = 0;
after(() => rmSync(root, { recursive: true, force: true }));

const MANIFEST_V1 = `{
  "tiers": { "tier1": { "label": "Tier 1 · Revenue critical" }, "tier2": { "label": "Tier 2", "unlock": { "requireCode": false } } },
  "components": {
    "BOOKING_FLOW": { "tier": "tier1", "files": ["src/booking/**", "src/context/PersistentChatProvider.tsx"], "risk": "Revenue stops", "impact": "$10,000+/day" },
    "MIGRATIONS": { "tier": "tier2", "files": ["supabase/migrations/**"], "risk": "Schema changes hit production" }
  }
}`;

/** BOOKING_FLOW loses PersistentChatProvider.tsx and gains checkout; MIGRATIONS is gone. */
const MANIFEST_V2 = `{
  "tiers": { "tier1": { "label": "Tier 1 · Revenue critical" } },
  "components": {
    "BOOKING_FLOW": { "tier": "tier1", "files": ["src/booking/**", "src/checkout/**"], "risk": "Revenue stops" }
  }
}`;

function manifestOf(text: string): Manifest {
  const parsed = parseManifest(text);
  assert.ok(parsed.manifest);
  return parsed.manifest;
}

function newFolder(files: Record<string, string> = {}, manifest = MANIFEST_V1): string {
  const dir = join(root, `w${++counter}`);
  for (const [rel, text] of Object.entries({ [MANIFEST_PATH]: manifest, ...files })) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return dir;
}

function read(dir: string, rel: string): string {
  return readFileSync(join(dir, rel), 'utf8');
}

function paths(plan: readonly PlannedFile[]): string[] {
  return plan.map((f) => f.path);
}

async function setUp(dir: string, manifest = MANIFEST_V1): Promise<PlannedFile[]> {
  return writeAgentGuards(dir, await planAgentGuards(dir, manifestOf(manifest)));
}

const USER_VSCODE = `{
\t// Team settings: keep this comment.
\t"editor.formatOnSave": true,
\t"chat.tools.edits.autoApprove": {
\t\t"docs/**": true
\t}
}
`;

const USER_CLAUDE = `{
  "model": "opus",
  "permissions": {
    "allow": ["Bash(npm test)"],
    "deny": ["Read(./.env)", "Bash(supabase db reset *)"]
  },
  "hooks": {
    "PreToolUse": [{ "matcher": "Bash", "hooks": [{ "type": "command", "command": "./scripts/guard-bash.sh" }] }]
  }
}
`;

const HOOK_FILES = [CLAUDE_SETTINGS_PATH, COPILOT_HOOKS_PATH, CURSOR_HOOKS_PATH, GEMINI_SETTINGS_PATH, CODEX_HOOKS_PATH, WINDSURF_HOOKS_PATH, ...CLINE_HOOK_PATHS, GUARD_SCRIPT_PATH];

interface ClaudeSettings {
  model?: string;
  permissions?: { allow?: string[]; deny: string[] };
  hooks: { PreToolUse: { matcher: string; hooks: { command: string }[] }[] };
}

describe('planAgentGuards and writeAgentGuards', () => {
  test('an empty folder: creates VS Code settings, every agent\'s hook file, the launcher, AGENTS.md and the state file; records the protected ones; no CLAUDE.md', async () => {
    const dir = newFolder();
    const plan = await planAgentGuards(dir, manifestOf(MANIFEST_V1));
    assert.deepEqual(paths(plan), [VSCODE_SETTINGS_PATH, ...HOOK_FILES, AGENTS_MD_PATH, AGENT_GUARDS_STATE_PATH]);
    assert.ok(plan.every((f) => f.changed && f.before === undefined));
    assert.ok(!existsSync(join(dir, '.vscode')), 'planning writes nothing');

    const written = await writeAgentGuards(dir, plan, manifestOf(MANIFEST_V1));
    assert.equal(written.length, 12);
    for (const f of plan) assert.equal(read(dir, f.path), f.after);
    assert.ok(!existsSync(join(dir, 'CLAUDE.md')));
    assert.ok(!existsSync(join(dir, '.github', 'copilot-instructions.md')));
    // The hook files are protected: each write is recorded as a generated change, before it lands.
    const records = parseAuditLog(read(dir, '.protection/audit.jsonl')).records;
    assert.deepEqual(records.map((r) => r.file).sort(), [...HOOK_FILES].sort());
    assert.ok(records.every((r) => r.event === 'change' && r.detail === 'generated by protected-files agents'));
    assert.match(read(dir, GUARD_SCRIPT_PATH), /^#!\/bin\/sh\n/);
    // Cline runs a hook file only when it is executable.
    for (const rel of CLINE_HOOK_PATHS) {
      assert.match(read(dir, rel), /^#!\/bin\/sh\n[^]*guard\.sh" cline;/);
      assert.equal(statSync(join(dir, rel)).mode & 0o777, 0o755, rel);
    }

    const vscode = parse(read(dir, VSCODE_SETTINGS_PATH)) as Record<string, Record<string, boolean>>;
    assert.deepEqual(vscode['chat.tools.edits.autoApprove'], {
      '.protection/**': false,
      'src/booking/**': false,
      'src/context/PersistentChatProvider.tsx': false,
      'supabase/migrations/**': false,
    });
    const claude = JSON.parse(read(dir, CLAUDE_SETTINGS_PATH)) as ClaudeSettings;
    assert.equal(claude.permissions, undefined, 'no static deny rule: an unlock must be able to lift every refusal');
    assert.equal(claude.hooks.PreToolUse.length, 1);
    assert.equal(claude.hooks.PreToolUse[0].hooks[0].command, CLAUDE_HOOK_COMMAND);
    const agents = read(dir, AGENTS_MD_PATH);
    assert.ok(agents.startsWith(SECTION_BEGIN));
    assert.match(agents, /BOOKING_FLOW/);
  });

  test('existing files: user settings, comments, deny rules, hooks and text are kept', async () => {
    const dir = newFolder({
      [VSCODE_SETTINGS_PATH]: USER_VSCODE,
      [CLAUDE_SETTINGS_PATH]: USER_CLAUDE,
      [AGENTS_MD_PATH]: '# Working here\n\nRun `npm test` before you push.\n',
    });
    await setUp(dir);

    const vscodeText = read(dir, VSCODE_SETTINGS_PATH);
    assert.match(vscodeText, /\/\/ Team settings: keep this comment\./);
    const vscode = parse(vscodeText) as Record<string, unknown>;
    assert.equal(vscode['editor.formatOnSave'], true);
    assert.equal((vscode['chat.tools.edits.autoApprove'] as Record<string, boolean>)['docs/**'], true);
    assert.equal((vscode['chat.tools.edits.autoApprove'] as Record<string, boolean>)['src/booking/**'], false);

    const claude = JSON.parse(read(dir, CLAUDE_SETTINGS_PATH)) as ClaudeSettings;
    assert.equal(claude.model, 'opus');
    assert.deepEqual(claude.permissions?.allow, ['Bash(npm test)']);
    assert.deepEqual(claude.permissions?.deny, ['Read(./.env)', 'Bash(supabase db reset *)']);
    assert.deepEqual(claude.hooks.PreToolUse.map((g) => g.hooks[0].command), ['./scripts/guard-bash.sh', CLAUDE_HOOK_COMMAND]);

    const agents = read(dir, AGENTS_MD_PATH);
    assert.ok(agents.startsWith('# Working here\n\nRun `npm test` before you push.\n\n<!-- protected-files:begin -->'));
  });

  test('a second run with the same manifest changes nothing', async () => {
    const dir = newFolder({ [VSCODE_SETTINGS_PATH]: USER_VSCODE, [CLAUDE_SETTINGS_PATH]: USER_CLAUDE, 'CLAUDE.md': '# Claude\n' });
    await setUp(dir);
    const again = await planAgentGuards(dir, manifestOf(MANIFEST_V1));
    assert.deepEqual(again.filter((f) => f.changed).map((f) => f.path), []);
    assert.deepEqual(await writeAgentGuards(dir, again), []);
  });

  test('a changed manifest replaces our entries and section, and keeps the user\'s', async () => {
    const dir = newFolder({
      [VSCODE_SETTINGS_PATH]: USER_VSCODE,
      [CLAUDE_SETTINGS_PATH]: USER_CLAUDE,
      [AGENTS_MD_PATH]: '# Working here\n',
    });
    await setUp(dir);
    // The user adds text after our section and a rule of their own after ours.
    writeFileSync(join(dir, AGENTS_MD_PATH), `${read(dir, AGENTS_MD_PATH)}\n## Style\n\nTabs.\n`);
    // Deny rules an earlier version generated (named in the state file) go; the user's stay.
    const claudeText = read(dir, CLAUDE_SETTINGS_PATH).replace('"Bash(supabase db reset *)"', '"Bash(supabase db reset *)", "Edit(/src/booking/**)", "Edit(/infra/**)"');
    writeFileSync(join(dir, CLAUDE_SETTINGS_PATH), claudeText);
    writeFileSync(join(dir, AGENT_GUARDS_STATE_PATH), JSON.stringify({ copilotAutoApprove: JSON.parse(read(dir, AGENT_GUARDS_STATE_PATH)).copilotAutoApprove, claudeDeny: ['Edit(/src/booking/**)'] }));

    writeFileSync(join(dir, MANIFEST_PATH), MANIFEST_V2);
    await setUp(dir, MANIFEST_V2);

    const vscode = parse(read(dir, VSCODE_SETTINGS_PATH)) as Record<string, Record<string, boolean>>;
    assert.deepEqual(vscode['chat.tools.edits.autoApprove'], { 'docs/**': true, '.protection/**': false, 'src/booking/**': false, 'src/checkout/**': false });
    const claude = JSON.parse(read(dir, CLAUDE_SETTINGS_PATH)) as ClaudeSettings;
    assert.deepEqual(claude.permissions?.deny, ['Read(./.env)', 'Bash(supabase db reset *)', 'Edit(/infra/**)']);
    assert.equal(claude.hooks.PreToolUse.filter((g) => g.hooks.some((h) => h.command === CLAUDE_HOOK_COMMAND)).length, 1);

    const agents = read(dir, AGENTS_MD_PATH);
    assert.ok(agents.startsWith('# Working here\n\n<!-- protected-files:begin -->'));
    assert.ok(agents.endsWith(`${SECTION_END}\n\n## Style\n\nTabs.\n`), 'text after the markers is kept');
    assert.match(agents, /src\/checkout\/\*\*/);
    assert.doesNotMatch(agents, /MIGRATIONS|PersistentChatProvider/);
    assert.equal(agents.split(SECTION_BEGIN).length, 2, 'one section');

    const state = JSON.parse(read(dir, AGENT_GUARDS_STATE_PATH)) as { claudeDeny: string[] };
    assert.deepEqual(state.claudeDeny, []);
  });

  test('CLAUDE.md and .github/copilot-instructions.md are updated where they exist, only between the markers', async () => {
    const dir = newFolder({
      'CLAUDE.md': `# Claude\n\n${SECTION_BEGIN}\nstale\n${SECTION_END}\n\nMore notes.\n`,
      '.github/copilot-instructions.md': 'Use TypeScript.\n',
    });
    const plan = await planAgentGuards(dir, manifestOf(MANIFEST_V1));
    assert.deepEqual(paths(plan), [VSCODE_SETTINGS_PATH, ...HOOK_FILES, AGENTS_MD_PATH, 'CLAUDE.md', '.github/copilot-instructions.md', AGENT_GUARDS_STATE_PATH]);
    await writeAgentGuards(dir, plan);
    const claudeMd = read(dir, 'CLAUDE.md');
    assert.ok(claudeMd.startsWith(`# Claude\n\n${SECTION_BEGIN}\n`));
    assert.ok(claudeMd.endsWith(`${SECTION_END}\n\nMore notes.\n`));
    assert.doesNotMatch(claudeMd, /stale/);
    assert.ok(read(dir, '.github/copilot-instructions.md').startsWith('Use TypeScript.\n\n<!-- protected-files:begin -->'));
  });

  test('a hook file an owner unlocked first gets its generated record signed under the grant', async () => {
    const dir = newFolder();
    execFileSync('git', ['init', '-q'], { cwd: dir });
    const key = newSigningKey();
    const store = grantStoreFor(dir);
    assert.ok(store);
    await store.update((state) => {
      state.grants.push({ target: { kind: 'file', path: '.claude/settings.json' }, reason: 'set up the agent guards', grantedAt: Date.now(), expiresAt: Date.now() + 600_000, key: key.publicKey, seed: exportSeed(key.privateKey) });
    });
    await writeAgentGuards(dir, await planAgentGuards(dir, manifestOf(MANIFEST_V1)), manifestOf(MANIFEST_V1));
    const generated = parseAuditLog(read(dir, '.protection/audit.jsonl')).records;
    const claude = generated.find((r) => r.file === CLAUDE_SETTINGS_PATH);
    assert.equal(claude?.grant, key.publicKey);
    assert.match(claude?.sig ?? '', /^[A-Za-z0-9_-]{86}$/);
    assert.ok(generated.filter((r) => r.file !== CLAUDE_SETTINGS_PATH).every((r) => r.sig === undefined && r.grant === undefined));
  });

  test('a file edited after the preview is not overwritten', async () => {
    const dir = newFolder({ [AGENTS_MD_PATH]: '# A\n' });
    const plan = await planAgentGuards(dir, manifestOf(MANIFEST_V1));
    writeFileSync(join(dir, AGENTS_MD_PATH), '# A, edited meanwhile\n');
    await assert.rejects(writeAgentGuards(dir, plan), (err: unknown) => err instanceof AgentGuardsError && /AGENTS\.md changed after the preview/.test(err.message));
    assert.equal(read(dir, AGENTS_MD_PATH), '# A, edited meanwhile\n');
    assert.ok(!existsSync(join(dir, CLAUDE_SETTINGS_PATH)), 'nothing written at all');
  });

  test('Cline\'s hooks: one that lost its executable bit is written again; a hook of the user\'s own is not overwritten (the message says what to do)', async () => {
    const dir = newFolder();
    await setUp(dir);
    const [pre] = CLINE_HOOK_PATHS;
    chmodSync(join(dir, pre), 0o644);
    const plan = await planAgentGuards(dir, manifestOf(MANIFEST_V1));
    assert.deepEqual(plan.filter((f) => f.changed).map((f) => f.path), [pre]);
    await writeAgentGuards(dir, plan);
    assert.equal(statSync(join(dir, pre)).mode & 0o777, 0o755);
    assert.deepEqual((await planAgentGuards(dir, manifestOf(MANIFEST_V1))).filter((f) => f.changed), []);

    const own = newFolder({ [pre]: '#!/bin/sh\necho \'{"cancel": false}\'\n' });
    await assert.rejects(planAgentGuards(own, manifestOf(MANIFEST_V1)), (err: unknown) => err instanceof AgentGuardsError && err.message.startsWith(`${pre}: a Cline hook of your own is already there`) && /guard\.sh cline/.test(err.message));
    assert.equal(read(own, pre), '#!/bin/sh\necho \'{"cancel": false}\'\n');
  });

  test('a settings file that is not JSON is refused, naming the file', async () => {
    const dir = newFolder({ [CLAUDE_SETTINGS_PATH]: '{ "permissions": ' });
    await assert.rejects(planAgentGuards(dir, manifestOf(MANIFEST_V1)), (err: unknown) => err instanceof AgentGuardsError && err.message.startsWith(`${CLAUDE_SETTINGS_PATH}: not a valid JSON object`));
  });

  test('a byte order mark and CRLF line endings survive', async () => {
    const dir = newFolder({ [VSCODE_SETTINGS_PATH]: '\uFEFF{\r\n  "a": 1\r\n}\r\n', [AGENTS_MD_PATH]: '# A\r\n' });
    await setUp(dir);
    const vscode = read(dir, VSCODE_SETTINGS_PATH);
    assert.ok(vscode.startsWith('\uFEFF{\r\n'));
    assert.doesNotMatch(vscode.replace(/\r\n/g, ''), /\n/);
    assert.doesNotMatch(read(dir, AGENTS_MD_PATH).replace(/\r\n/g, ''), /\n/);
  });
});

function fakeIo(cwd: string): CliIo & { out: string; err: string } {
  const io = {
    cwd,
    out: '',
    err: '',
    stdout(s: string) { io.out += s; },
    stderr(s: string) { io.err += s; },
    stdin: async () => '',
    stdinBytes: async () => Buffer.alloc(0),
    isTTY: false,
    env: {},
  };
  return io;
}

describe('protected-files agents', () => {
  test('without --write prints a diff and writes nothing; --write writes; then it is up to date', async () => {
    const dir = newFolder({ [AGENTS_MD_PATH]: '# A\n' });
    mkdirSync(join(dir, 'src', 'deep'), { recursive: true });
    const preview = fakeIo(join(dir, 'src', 'deep')); // the manifest is found in a parent folder
    assert.equal(await runAgents([], preview), 0);
    assert.match(preview.out, /^--- \/dev\/null\n\+\+\+ b\/\.claude\/settings\.json\n@@ -0,0 \+1,\d+ @@$/m);
    assert.match(preview.out, /^--- a\/AGENTS\.md\n\+\+\+ b\/AGENTS\.md\n@@ -1,1 \+1,\d+ @@\n # A\n\+\n\+<!-- protected-files:begin -->$/m);
    assert.match(preview.out, /Nothing written\. Run "protected-files agents --write"/);
    assert.ok(!existsSync(join(dir, CLAUDE_SETTINGS_PATH)));
    assert.equal(read(dir, AGENTS_MD_PATH), '# A\n');

    const write = fakeIo(dir);
    assert.equal(await runAgents(['--write'], write), 0);
    assert.match(write.out, /Wrote 12 files/);
    // What is left to do in the agents: trust Codex's hooks, reload for Cline's.
    assert.match(write.out, /Codex skips new or changed hooks until you trust them: open \/hooks in Codex/);
    assert.match(write.out, /Cline runs its new hooks after Developer: Reload Window/);
    assert.ok(existsSync(join(dir, CLAUDE_SETTINGS_PATH)));

    const again = fakeIo(dir);
    assert.equal(await runAgents([], again), 0);
    assert.match(again.out, /up to date/);
  });

  test('exit 2 without a manifest, with manifest errors, or with a bad argument', async () => {
    const empty = join(root, `e${++counter}`);
    mkdirSync(empty);
    const none = fakeIo(empty);
    assert.equal(await runAgents([], none), 2);
    assert.match(none.err, /no protection manifest/);

    const broken = fakeIo(newFolder({}, '{ "tiers": { "t": {} }, "components": { "C": { "tier": "nope", "files": ["a"] } } }'));
    assert.equal(await runAgents(['--write'], broken), 2);
    assert.match(broken.err, /\.protection\/manifest\.jsonc:\d+:\d+: /);

    const bad = fakeIo(newFolder());
    assert.equal(await runAgents(['--force'], bad), 2);
    assert.match(bad.err, /unknown argument "--force"/);
  });
});
