// minimatch is loaded on first use (src/core/minimatchModule.ts): an agent's hook and the editor's
// activation for a manifest of plain paths and folders never load it. node --test runs each file in a
// process of its own, so these tests see the module as a fresh process does; they run in order.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { braceExpand as minimatchBraceExpand } from 'minimatch';
import { runCheck } from '../../src/cli/checkCommand';
import { runHook } from '../../src/cli/hookCommand';
import type { CliIo } from '../../src/cli/io';
import { checkGlob } from '../../src/core/globBounds';
import { parseManifest } from '../../src/core/manifest';
import { ProtectionMatcher } from '../../src/core/matcher';
import { braceExpand, minimatchLoaded } from '../../src/core/minimatchModule';

const PLAIN = `{
  "tiers": { "tier1": { "label": "Tier 1", "badge": "T1", "color": "red" } },
  "components": {
    "BOOKING_FLOW": { "tier": "tier1", "files": ["src/booking/**", "./config/prices.json", "legal/terms.md"] }
  }
}
`;

function io(cwd: string, stdin = ''): CliIo & { out: string[] } {
  const out: string[] = [];
  return { cwd, out, stdout: (s) => out.push(s), stderr: (s) => out.push(s), stdin: async () => stdin, stdinBytes: async () => Buffer.from(stdin), isTTY: false, env: {} };
}

describe('minimatch is loaded only when a glob needs it', () => {
  const root = mkdtempSync(join(tmpdir(), 'pf-minimatch-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, '.protection'), { recursive: true });
  mkdirSync(join(root, 'src', 'booking'), { recursive: true });
  writeFileSync(join(root, '.protection', 'manifest.jsonc'), PLAIN);
  writeFileSync(join(root, 'src', 'booking', 'flow.ts'), 'export const a = 1;\n');

  test('a manifest of paths and folders: parsed, matched, checked and hooked without it', async () => {
    const parsed = parseManifest(PLAIN);
    assert.ok(parsed.manifest);
    const matcher = new ProtectionMatcher(parsed.manifest);
    assert.equal(matcher.classify('src/booking/flow.ts')?.component?.name, 'BOOKING_FLOW');
    assert.equal(matcher.classify('config/prices.json')?.component?.name, 'BOOKING_FLOW');
    assert.equal(matcher.classify('src/other.ts'), undefined);
    assert.equal(matcher.classify('.protection/manifest.jsonc')?.component, undefined);
    assert.ok(matcher.classify('.protection/manifest.jsonc'));
    assert.deepEqual(checkGlob('src/booking/**'), { rules: 1 });

    const check = io(root);
    assert.equal(await runCheck([join('src', 'booking', 'flow.ts')], check), 2, check.out.join(''));
    const payload = { session_id: 's', transcript_path: '/t', cwd: root, hook_event_name: 'PreToolUse', tool_name: 'Edit', tool_input: { file_path: join(root, 'src', 'booking', 'flow.ts'), old_string: '1', new_string: '2' } };
    const hook = io(root, JSON.stringify(payload));
    assert.equal(await runHook(['--agent', 'claude'], hook), 2, hook.out.join(''));
    assert.match(hook.out.join(''), /src\/booking\/flow\.ts is protected/);
    const bash = { ...payload, tool_name: 'Bash', tool_input: { command: "sed -i 's/1/2/' src/booking/flow.ts" } };
    const shell = io(root, JSON.stringify(bash));
    assert.equal(await runHook(['--agent', 'claude'], shell), 2, shell.out.join(''));

    assert.equal(minimatchLoaded(), false, 'nothing above needed minimatch');
  });

  test('plain patterns (a wildcard in a segment, brace sets of plain text): a team\'s manifest, without it too', async () => {
    const team = PLAIN.replace('"legal/terms.md"', '"src/auth/**/*.{ts,tsx}", "**/*.sql", "**/.env*", "infra/*/main.tf", "{db,sql}/*-seed*.json"');
    writeFileSync(join(root, '.protection', 'manifest.jsonc'), team);
    const parsed = parseManifest(team);
    assert.deepEqual(parsed.problems.filter((p) => p.severity === 'error' || p.contained === true), []);
    const matcher = new ProtectionMatcher(parsed.manifest);
    for (const [path, name] of [['src/auth/a/b.tsx', 'BOOKING_FLOW'], ['src/auth/b.ts', 'BOOKING_FLOW'], ['src/auth/b.js', undefined], ['x/y/q.sql', 'BOOKING_FLOW'],
      ['.sql', 'BOOKING_FLOW'], ['a/.env.local', 'BOOKING_FLOW'], ['a/env', undefined], ['infra/prod/main.tf', 'BOOKING_FLOW'], ['infra/main.tf', undefined],
      ['sql/x-seed-1.json', 'BOOKING_FLOW'], ['db/seed.json', undefined]] as const) {
      assert.equal(matcher.classify(path)?.component?.name, name, path);
    }
    assert.deepEqual(checkGlob('src/auth/**/*.{ts,tsx}'), { rules: 2 });
    const payload = { session_id: 's', transcript_path: '/t', cwd: root, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: join(root, 'db', 'x.sql'), content: 'drop' } };
    const hook = io(root, JSON.stringify(payload));
    assert.equal(await runHook(['--agent', 'claude'], hook), 2, hook.out.join(''));
    assert.match(hook.out.join(''), /db\/x\.sql is protected/);
    assert.equal(minimatchLoaded(), false, 'nothing above needed minimatch');
  });

  test('a pattern beyond plain text (an extglob, a class) loads it, and matches as minimatch does', () => {
    const matcher = new ProtectionMatcher(parseManifest(PLAIN.replace('"legal/terms.md"', '"src/**/*.+(ts|js)", "docs/[a-c]*.md"')).manifest);
    assert.equal(minimatchLoaded(), true);
    assert.equal(matcher.classify('src/a/b.js')?.component?.name, 'BOOKING_FLOW');
    assert.equal(matcher.classify('docs/b1.md')?.component?.name, 'BOOKING_FLOW');
    assert.equal(matcher.classify('src/a/b.md'), undefined);
    assert.equal(matcher.classify('docs/d1.md'), undefined);
  });

  test('braceExpand without a brace is the pattern itself, as minimatch answers; with braces it is minimatch', () => {
    for (const p of ['', 'a', 'src/**', '*.ts', 'a}b', '{', '{a}', 'a{b,c}d', '{a,b}/{c,d}', '{1..3}', 'x{}y', '\\{a,b}']) {
      assert.deepEqual(braceExpand(p), minimatchBraceExpand(p), p);
      assert.deepEqual(braceExpand(p, { braceExpandMax: 2 }), minimatchBraceExpand(p, { braceExpandMax: 2 }), p);
    }
    assert.throws(() => braceExpand('x'.repeat(64 * 1024 + 1)), /pattern is too long/);
  });
});
