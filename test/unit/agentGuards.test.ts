import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'jsonc-parser';
import {
  AgentGuardsError,
  CLAUDE_HOOK_COMMAND,
  CLAUDE_HOOK_MATCHER,
  COPILOT_AUTO_APPROVE_SETTING,
  SECTION_BEGIN,
  SECTION_END,
  agentInstructionsSection,
  copilotAutoApproveEntries,
  formatAgentGuardsState,
  LEGACY_HOOK_COMMAND,
  copilotHooksFile,
  copilotTerminalEntries,
  mergeClaudeSettings,
  mergeCodexHooks,
  mergeCursorHooks,
  mergeGeminiSettings,
  mergeWindsurfHooks,
  mergeCopilotSettings,
  mergeJsoncSettings,
  mergeMarkedSection,
  parseAgentGuardsState,
  protectedGlobs,
} from '../../src/core/agentGuards';
import { parseManifest } from '../../src/core/manifest';
import type { Manifest } from '../../src/core/manifest';

function manifestOf(text: string): Manifest {
  const parsed = parseManifest(text);
  assert.ok(parsed.manifest, JSON.stringify(parsed.problems));
  return parsed.manifest;
}

const MANIFEST = manifestOf(`{
  "tiers": {
    "tier1": { "label": "Tier 1 · Revenue critical", "unlock": { "requireCode": true, "minReasonLength": 15 }, "onBreach": "restore" },
    "tier2": { "label": "Tier 2 · Infrastructure", "unlock": { "requireCode": false }, "onBreach": "warn" }
  },
  "components": {
    "MIGRATIONS": { "tier": "tier2", "files": ["supabase/migrations/**"], "risk": "Schema changes hit production", "impact": "Outage" },
    "BOOKING_FLOW": {
      "tier": "tier1",
      "files": ["./src/booking/**", "src/lib/{pay,book}*.ts"],
      "risk": "Revenue stops if it breaks",
      "impact": "$10,000+/day",
      "owners": ["ops@example.com"]
    }
  }
}`);

/** The same manifest after BOOKING_FLOW lost a glob and gained another. */
const CHANGED = manifestOf(`{
  "tiers": { "tier1": { "label": "Tier 1" } },
  "components": {
    "BOOKING_FLOW": { "tier": "tier1", "files": ["src/booking/**", "src/checkout.ts"], "risk": "Revenue" }
  }
}`);

function json(text: string): Record<string, unknown> {
  return parse(text) as Record<string, unknown>;
}

type Group = { matcher: string; hooks: { type: string; command: string }[] };
function claudeOf(text: string): { deny: string[] | undefined; allow?: string[]; preToolUse: Group[]; postToolUse: Group[] } {
  const data = JSON.parse(text) as { permissions?: { deny: string[]; allow?: string[] }; hooks: { PreToolUse: Group[]; PostToolUse: Group[] } };
  return { deny: data.permissions?.deny, allow: data.permissions?.allow, preToolUse: data.hooks.PreToolUse, postToolUse: data.hooks.PostToolUse };
}

describe('what is generated', () => {
  test('protected globs: .protection/** first, then every component glob once, ./ dropped', () => {
    assert.deepEqual(protectedGlobs(MANIFEST), ['.protection/**', 'supabase/migrations/**', 'src/booking/**', 'src/lib/{pay,book}*.ts']);
  });

  test('Copilot: every protected glob set to false', () => {
    assert.deepEqual(copilotAutoApproveEntries(MANIFEST), {
      '.protection/**': false,
      'supabase/migrations/**': false,
      'src/booking/**': false,
      'src/lib/{pay,book}*.ts': false,
    });
  });

  test('the section: markers, tiers strictest first, components with risk, impact, owners and files, unlock procedure', () => {
    const section = agentInstructionsSection(MANIFEST);
    const lines = section.split('\n');
    assert.equal(lines[0], SECTION_BEGIN);
    assert.equal(lines[lines.length - 1], SECTION_END);
    assert.match(lines[1], /generated from \.protection\/manifest\.jsonc — do not edit between the markers/i);
    const tier1 = section.indexOf('### Tier 1 · Revenue critical');
    const tier2 = section.indexOf('### Tier 2 · Infrastructure');
    assert.ok(tier1 > 0 && tier2 > tier1, 'tier 1 is listed before tier 2 although MIGRATIONS is declared first');
    assert.match(section, /\*\*BOOKING_FLOW\*\* — Risk: Revenue stops if it breaks\. Impact: \$10,000\+\/day\. Owners: ops@example\.com\./);
    assert.match(section, /^ {2}- `src\/booking\/\*\*`$/m);
    assert.match(section, /^ {2}- `src\/lib\/\{pay,book\}\*\.ts`$/m);
    assert.match(section, /checked by a hook \(`protected-files hook`\).*do not look for another way/);
    assert.match(section, /gives you a one-time code to run `echo 'UNLOCK <COMPONENT> WITH CODE: <code> FOR: <reason>' \| protected-files unlock`/);
    assert.match(section, /an owner's unlock code, a written reason of at least 15 characters/);
    assert.match(section, /Unlock needs no code, a written reason of at least 10 characters.*kept but recorded as a breach/);
    assert.match(section, /`\.protection\/\*\*`/);
    assert.match(section, /\*\*Protected Files: Unlock…\*\* in VS Code/);
    assert.match(section, /stop and ask the human/);
    assert.match(section, /Do not get around the protection through the shell/);
  });

  test('manifest text cannot close the markers early or break a line', () => {
    const m = manifestOf(`{ "tiers": { "t": {} }, "components": { "C": { "tier": "t", "files": ["a\`b.ts"], "risk": "bad --> <!-- protected-files:end -->\\nnext" } } }`);
    const section = agentInstructionsSection(m);
    assert.equal(section.split(SECTION_END).length, 2, 'the end marker appears once');
    const line = section.split('\n').find((l) => l.includes('**C**')) ?? '';
    assert.doesNotMatch(line, /-->|<!--/);
    assert.match(section, /``a`b\.ts``/);
    assert.match(section, /Risk: bad --&gt; &lt;!-- protected-files:end --&gt; next/);
  });

  test('a manifest without components still explains the protection folder', () => {
    const section = agentInstructionsSection(manifestOf('{ "tiers": { "t": { "label": "Top" } }, "components": {} }'));
    assert.match(section, /No component is protected yet/);
    assert.match(section, /strictest tier \(Top\)/);
  });
});

describe('mergeMarkedSection', () => {
  const section = `${SECTION_BEGIN}\nnew body\n${SECTION_END}`;

  test('a missing or empty file gets the section alone', () => {
    assert.equal(mergeMarkedSection(undefined, section), `${section}\n`);
    assert.equal(mergeMarkedSection('\n', section), `${section}\n`);
  });

  test('appends after one blank line when there are no markers, and is idempotent', () => {
    const once = mergeMarkedSection('# Agents\n\nBe kind.\n\n\n', section);
    assert.equal(once, `# Agents\n\nBe kind.\n\n${section}\n`);
    assert.equal(mergeMarkedSection(once, section), once);
  });

  test('replaces only what lies between the markers', () => {
    const before = `# Title\n\nmine above\n${SECTION_BEGIN}\nold body\nmore old\n${SECTION_END}\nmine below\n`;
    assert.equal(mergeMarkedSection(before, section), `# Title\n\nmine above\n${section}\nmine below\n`);
  });

  test('keeps CRLF line endings', () => {
    const before = `a\r\n${SECTION_BEGIN}\r\nold\r\n${SECTION_END}\r\nb\r\n`;
    assert.equal(mergeMarkedSection(before, section), `a\r\n${SECTION_BEGIN}\r\nnew body\r\n${SECTION_END}\r\nb\r\n`);
  });

  test('a marker quoted in prose is not a marker', () => {
    const before = `The section starts at \`${SECTION_BEGIN}\`.\n`;
    assert.equal(mergeMarkedSection(before, section), `${before}\n${section}\n`);
  });

  test('a begin marker without an end marker is refused, not guessed', () => {
    assert.throws(() => mergeMarkedSection(`x\n${SECTION_BEGIN}\nhalf\n`, section), AgentGuardsError);
  });
});

describe('mergeJsoncSettings', () => {
  test('sets a value and keeps comments and other settings', () => {
    const before = '{\n  // keep me\n  "editor.tabSize": 2, /* and me */\n}\n';
    const after = mergeJsoncSettings(before, ['a.b'], { x: false });
    assert.match(after, /\/\/ keep me/);
    assert.match(after, /\/\* and me \*\//);
    assert.deepEqual(json(after), { 'editor.tabSize': 2, 'a.b': { x: false } });
  });

  test('starts a new file', () => {
    const after = mergeJsoncSettings(undefined, ['k'], [1]);
    assert.deepEqual(JSON.parse(after), { k: [1] });
    assert.ok(after.endsWith('\n'));
  });

  test('refuses text that is not a JSON object', () => {
    assert.throws(() => mergeJsoncSettings('{ "a": ', ['k'], 1), AgentGuardsError);
    assert.throws(() => mergeJsoncSettings('[1]', ['k'], 1), AgentGuardsError);
  });
});

describe('mergeCopilotSettings', () => {
  const entries = copilotAutoApproveEntries(MANIFEST);

  test('adds the entries, keeps user settings, user keys and comments, in the file\'s own indentation', () => {
    const before = '{\n\t// my settings\n\t"editor.tabSize": 2,\n\t"chat.tools.edits.autoApprove": {\n\t\t"docs/**": true // docs are fine\n\t}\n}\n';
    const { text, owned } = mergeCopilotSettings(before, entries, []);
    assert.match(text, /\/\/ my settings/);
    assert.match(text, /\/\/ docs are fine/);
    assert.match(text, /^\t\t"\.protection\/\*\*": false/m);
    const data = json(text);
    assert.equal(data['editor.tabSize'], 2);
    assert.deepEqual(data[COPILOT_AUTO_APPROVE_SETTING], { 'docs/**': true, ...entries });
    assert.deepEqual(owned, Object.keys(entries));
  });

  test('a second run with the same manifest changes nothing', () => {
    const first = mergeCopilotSettings('{}', entries, []);
    const second = mergeCopilotSettings(first.text, entries, first.owned);
    assert.equal(second.text, first.text);
    assert.deepEqual(second.owned, first.owned);
  });

  test('a changed manifest replaces our keys and only ours', () => {
    const first = mergeCopilotSettings('{ "chat.tools.edits.autoApprove": { "mine/**": false } }', entries, []);
    const next = copilotAutoApproveEntries(CHANGED);
    const second = mergeCopilotSettings(first.text, next, first.owned);
    assert.deepEqual(json(second.text)[COPILOT_AUTO_APPROVE_SETTING], { 'mine/**': false, '.protection/**': false, 'src/booking/**': false, 'src/checkout.ts': false });
  });

  test('a key the user already set to false stays the user\'s; a key the user set to true is overridden and becomes ours', () => {
    const before = '{ "chat.tools.edits.autoApprove": { "src/booking/**": false, "supabase/migrations/**": true } }';
    const { text, owned } = mergeCopilotSettings(before, entries, []);
    assert.equal((json(text)[COPILOT_AUTO_APPROVE_SETTING] as Record<string, boolean>)['supabase/migrations/**'], false);
    assert.ok(!owned.includes('src/booking/**'));
    assert.ok(owned.includes('supabase/migrations/**'));
    // Dropped from the manifest later: the user's own key survives.
    const later = mergeCopilotSettings(text, { '.protection/**': false }, owned);
    assert.deepEqual(json(later.text)[COPILOT_AUTO_APPROVE_SETTING], { 'src/booking/**': false, '.protection/**': false });
  });

  test('refuses a setting of the wrong type instead of overwriting it', () => {
    assert.throws(() => mergeCopilotSettings('{ "chat.tools.edits.autoApprove": true }', entries, []), /not an object/);
  });
});

describe('mergeClaudeSettings', () => {
  const ourGroup = { matcher: CLAUDE_HOOK_MATCHER, hooks: [{ type: 'command', command: CLAUDE_HOOK_COMMAND }] };
  const OLD_RULES = ['Edit(/.protection/**)', 'Edit(/src/booking/**)'];

  test('a new file: the guard before and after every tool, no deny rule', () => {
    const { text, owned } = mergeClaudeSettings(undefined, []);
    const c = claudeOf(text);
    assert.equal(c.deny, undefined);
    assert.deepEqual(c.preToolUse, [ourGroup]);
    assert.deepEqual(c.postToolUse, [ourGroup]);
    assert.deepEqual(owned, []);
    assert.match(CLAUDE_HOOK_COMMAND, /\.protection\/hooks\/guard\.sh" claude; done;.* >&2; exit 2$/);
  });

  test('keeps the user\'s rules, settings and hooks; removes the deny rules an earlier version generated', () => {
    const before = JSON.stringify({
      model: 'opus',
      permissions: { allow: ['Bash(npm test)'], deny: ['Read(.env)', ...OLD_RULES, 'Bash(rm -rf *)'] },
      hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: './guard.sh' }] }], Stop: [] },
    }, null, 2);
    const { text } = mergeClaudeSettings(before, OLD_RULES);
    const data = JSON.parse(text) as Record<string, unknown>;
    assert.equal(data.model, 'opus');
    const c = claudeOf(text);
    assert.deepEqual(c.allow, ['Bash(npm test)']);
    assert.deepEqual(c.deny, ['Read(.env)', 'Bash(rm -rf *)']);
    assert.deepEqual(c.preToolUse, [{ matcher: 'Bash', hooks: [{ type: 'command', command: './guard.sh' }] }, ourGroup]);
    assert.deepEqual((data.hooks as Record<string, unknown>).Stop, []);
  });

  test('a second run changes nothing', () => {
    const first = mergeClaudeSettings('{ "permissions": { "deny": ["Read(.env)"] } }', []);
    assert.equal(mergeClaudeSettings(first.text, []).text, first.text);
  });

  test('the old npx hook and our command inside a user\'s group are replaced; the user\'s hook stays', () => {
    const before = JSON.stringify({
      hooks: {
        PreToolUse: [
          { matcher: 'Edit', hooks: [{ type: 'command', command: './fmt.sh' }, { type: 'command', command: LEGACY_HOOK_COMMAND }] },
          { matcher: 'Edit|Write|MultiEdit|NotebookEdit', hooks: [{ type: 'command', command: LEGACY_HOOK_COMMAND }] },
        ],
      },
    });
    const c = claudeOf(mergeClaudeSettings(before, []).text);
    assert.deepEqual(c.preToolUse, [{ matcher: 'Edit', hooks: [{ type: 'command', command: './fmt.sh' }] }, ourGroup]);
  });

  test('an exact group of ours stays where it is; duplicates of it go', () => {
    const before = JSON.stringify({ hooks: { PreToolUse: [ourGroup, { matcher: 'Bash', hooks: [] }, ourGroup] } });
    const c = claudeOf(mergeClaudeSettings(before, []).text);
    assert.deepEqual(c.preToolUse, [ourGroup, { matcher: 'Bash', hooks: [] }]);
  });

  test('refuses settings of the wrong shape instead of overwriting them', () => {
    assert.throws(() => mergeClaudeSettings('{ "permissions": { "deny": "Edit(x)" } }', []), /permissions\.deny.*not an array/);
    assert.throws(() => mergeClaudeSettings('{ "hooks": { "PreToolUse": {} } }', []), /hooks\.PreToolUse.*not an array/);
    assert.throws(() => mergeClaudeSettings('{ "permissions": [] }', []), /"permissions" is an array/);
    assert.throws(() => mergeClaudeSettings('not json', []), AgentGuardsError);
  });
});

describe('the other agents\' hook files', () => {
  test('Cursor: version 1, preToolUse fail closed, the user\'s hooks kept, idempotent', () => {
    const before = JSON.stringify({ version: 1, hooks: { afterFileEdit: [{ command: './fmt.sh' }] } });
    const text = mergeCursorHooks(before);
    const data = JSON.parse(text) as { version: number; hooks: Record<string, { command: string; failClosed?: boolean }[]> };
    assert.equal(data.version, 1);
    assert.equal(data.hooks.preToolUse[0].failClosed, true);
    assert.match(data.hooks.preToolUse[0].command, /guard\.sh" cursor;.*"permission":"deny"/);
    assert.deepEqual(data.hooks.afterFileEdit.map((h) => h.command.includes('guard.sh') ? 'ours' : h.command), ['./fmt.sh', 'ours']);
    assert.equal(mergeCursorHooks(text), text);
  });
  test('Gemini, Codex, Windsurf, Copilot: the guard on their refusing events, with their agent name', () => {
    const gemini = JSON.parse(mergeGeminiSettings('{ "general": { "vimMode": true } }')) as { general: unknown; hooks: Record<string, Group[]> };
    assert.deepEqual(gemini.general, { vimMode: true });
    assert.match(gemini.hooks.BeforeTool[0].hooks[0].command, /guard\.sh" gemini;/);
    const codex = JSON.parse(mergeCodexHooks(undefined)) as { hooks: Record<string, Group[]> };
    assert.deepEqual(Object.keys(codex.hooks), ['PreToolUse', 'PostToolUse']);
    assert.match(codex.hooks.PreToolUse[0].hooks[0].command, /guard\.sh" codex;/);
    const windsurf = JSON.parse(mergeWindsurfHooks(undefined)) as { hooks: Record<string, { command: string }[]> };
    assert.deepEqual(Object.keys(windsurf.hooks), ['pre_write_code', 'pre_run_command', 'pre_mcp_tool_use', 'post_write_code', 'post_mcp_tool_use']);
    assert.match(windsurf.hooks.pre_run_command[0].command, /guard\.sh" windsurf;/);
    const copilot = JSON.parse(copilotHooksFile('sub/dir')) as { hooks: Record<string, { command: string }[]> };
    assert.match(copilot.hooks.PreToolUse[0].command, /show-toplevel 2>\/dev\/null\)\/sub\/dir" .*guard\.sh" copilot;/);
  });
  test('Copilot terminal: each guarded command as a regular expression set to false', () => {
    assert.deepEqual(copilotTerminalEntries([{ pattern: 'supabase db  reset --linked', message: 'x' }, { pattern: 'rm -rf (all)', message: 'y' }]), {
      '/supabase\\s+db\\s+reset\\s+--linked/': false,
      '/rm\\s+-rf\\s+\\(all\\)/': false,
    });
  });
});

describe('state', () => {
  test('round trip, stable text', () => {
    const state = { copilotAutoApprove: ['a/**'], copilotTerminalAutoApprove: ['/x/'], claudeDeny: ['Edit(/a/**)'] };
    const text = formatAgentGuardsState(state);
    assert.deepEqual(parseAgentGuardsState(text), state);
    assert.equal(formatAgentGuardsState(parseAgentGuardsState(text)), text);
  });

  test('missing or malformed state means nothing was generated before', () => {
    const empty = { copilotAutoApprove: [], copilotTerminalAutoApprove: [], claudeDeny: [] };
    assert.deepEqual(parseAgentGuardsState(undefined), empty);
    assert.deepEqual(parseAgentGuardsState('{ nope'), empty);
    assert.deepEqual(parseAgentGuardsState('{ "claudeDeny": ["x", 3], "copilotAutoApprove": "y" }'), { copilotAutoApprove: [], copilotTerminalAutoApprove: [], claudeDeny: ['x'] });
  });
});
