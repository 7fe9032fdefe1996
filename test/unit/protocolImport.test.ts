import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'jsonc-parser';
import { ImportMergeError, mergeImport } from '../../src/core/importMerge';
import { parseManifest } from '../../src/core/manifest';
import { MAX_IMPORT_ENTRIES, globFromPath, importProtocol } from '../../src/core/protocolImport';
import type { ProtocolImport } from '../../src/core/protocolImport';

/** Tests run from out/test/unit/. */
const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'protocols');

function fixture(name: string): ProtocolImport {
  return importProtocol(readFileSync(join(FIXTURES, name), 'utf8'));
}

/** component name → [tier, globs] */
function shape(r: ProtocolImport): Record<string, [string, string[]]> {
  return Object.fromEntries(r.components.map((c) => [c.name, [c.tier, c.files.map((f) => f.glob)]]));
}

function allGlobs(r: ProtocolImport): string[] {
  return r.components.flatMap((c) => c.files.map((f) => f.glob));
}

describe('importProtocol: the shapes of protocol documents', () => {
  test('tier headings with file lists in code blocks, State:/Risk: lines and an unlock phrase', () => {
    const r = fixture('tiers-codeblocks.md');
    assert.deepEqual(r.tiers.map((t) => t.id), ['tier1', 'tier2']);
    assert.deepEqual(shape(r), {
      BOOKING_FLOW: ['tier1', ['src/lib/booking/engine.ts', 'src/context/PersistentChatProvider.tsx']],
      PAYMENTS: ['tier1', ['supabase/functions/stripe-webhook/**']],
      DATABASE_MIGRATIONS: ['tier2', ['supabase/migrations/*.sql']],
    });
    const booking = r.components.find((c) => c.name === 'BOOKING_FLOW');
    assert.match(booking?.risk ?? '', /bookings stop if the slot check breaks/);
    assert.match(booking?.risk ?? '', /chat sessions drop mid-booking/);
    assert.equal(booking?.impact, '$10,000/day');
    assert.match(booking?.nameFrom ?? '', /unlock phrase/);
    assert.match(r.components.find((c) => c.name === 'PAYMENTS')?.risk ?? '', /double-charges/);
    const tier1 = r.tiers[0];
    assert.equal(tier1.requireCode, true);
    assert.equal(tier1.onBreach, 'restore');
  });

  test('example code is never imported: TypeScript and PowerShell blocks, Windows paths', () => {
    const r = fixture('tiers-codeblocks.md');
    assert.ok(!allGlobs(r).some((g) => g.includes('Users') || g.startsWith('./')), allGlobs(r).join(' '));
    assert.deepEqual(r.skipped.filter((s) => /example code/.test(s.reason)).map((s) => s.line), [40, 45]);
  });

  test('a tree drawing relative to its root line: marked folders and globs, unmarked items skipped', () => {
    const r = fixture('tree.md');
    assert.deepEqual(shape(r), {
      CRITICAL_FILES: ['critical', ['backend/app/billing/**', 'backend/migrations/*.py', 'deploy/**']],
      HIGH_FILES: ['high', ['backend/app/ui/**']],
    });
    assert.match(r.components[0].risk, /charges customers/);
    assert.doesNotMatch(r.components[0].risk, /^CRITICAL/);
    const skipped = r.skipped.map((s) => s.text);
    assert.ok(skipped.includes('README.md') && skipped.includes('tests/'), skipped.join(', '));
    assert.ok(!skipped.includes('stripe.py'), 'an item inside a marked folder is covered by it, not skipped');
  });

  test('an unmarked tree protects its leaves, and a folder with listed items is not itself a glob', () => {
    const r = importProtocol('## 🔴 Critical (CORE)\n\n```\nsrc/\n├── core/\n│   ├── a.ts\n│   └── b.ts\n└── cli/\n```\n');
    assert.deepEqual(shape(r), { CORE: ['critical', ['src/core/a.ts', 'src/core/b.ts', 'src/cli/**']] });
  });

  test('a table with a path column and a level column; owners from their column; safe rows skipped', () => {
    const r = fixture('table.md');
    assert.deepEqual(shape(r), {
      CRITICAL_FILES: ['critical', ['src/payments/**']],
      HIGH_FILES: ['high', ['src/auth/**']],
      MEDIUM_FILES: ['medium', ['config/prod.yaml']],
    });
    assert.deepEqual(r.components[0].owners, ['@alice', '@bob']);
    assert.equal(r.components[0].risk, 'Takes money');
    assert.deepEqual(r.tiers.map((t) => [t.id, t.requireCode, t.onBreach]), [['critical', true, 'restore'], ['high', true, 'restore'], ['medium', false, 'warn']]);
    assert.deepEqual(r.skipped.map((s) => [s.line, s.reason]), [[8, 'marked safe to edit'], [9, 'escapes the folder']]);
  });

  test('bullet lists with File:, Status:, Reason: and Owner: lines; timeline prose is not a file list', () => {
    const r = fixture('bullets.md');
    const slots = r.components.find((c) => c.files.some((f) => f.glob === 'src/lib/slots.ts'));
    const calendar = r.components.find((c) => c.files.some((f) => f.glob === 'src/lib/calendar/**'));
    assert.equal(slots?.name, 'SLOTS');
    assert.equal(slots?.tier, 'critical');
    assert.match(slots?.risk ?? '', /computes every bookable slot/);
    assert.equal(slots?.impact, '$40,000');
    assert.equal(calendar?.tier, 'medium');
    assert.deepEqual(calendar?.owners, ['@dana']);
    assert.equal(allGlobs(r).length, 2);
  });

  test('a document mixing shapes: each understood, example code and escaping paths skipped with reasons', () => {
    const r = fixture('mixed.md');
    const globs = allGlobs(r);
    for (const g of ['src/checkout/**', 'src/checkout/tax.ts', 'web/pages/admin/**', 'infra/terraform/**', 'infra/scripts/*.sh', 'infra/terraform/prod.tfvars']) {
      assert.ok(globs.includes(g), `${g} in ${globs.join(' ')}`);
    }
    assert.deepEqual(shape(r).CHECKOUT, ['critical', ['src/checkout/**', 'src/checkout/tax.ts']]);
    for (const g of globs) assert.ok(!g.startsWith('/') && !g.includes('..') && !g.includes(':') && !g.includes('etc'), g);
    const reasons = r.skipped.map((s) => `${s.line} ${s.reason}`);
    for (const expected of ['5 bash code block (lines 5–8): example code', '14 an absolute path, outside the folder', '15 Windows absolute path', '16 escapes the folder', '34 python code block (lines 34–36): example code']) {
      assert.ok(reasons.includes(expected), `${expected} in\n${reasons.join('\n')}`);
    }
    // every manifest component name is one the one-line unlock form can carry
    for (const c of r.components) assert.match(c.name, /^[A-Za-z0-9_.-]+$/);
  });

  test('a document with nothing recognisable yields no component', () => {
    const r = fixture('nothing.md');
    assert.deepEqual(r.components, []);
    assert.deepEqual(r.tiers, []);
  });

  test('an untagged code block that reads as code is example code', () => {
    const r = importProtocol('## CRITICAL\n\n```\nconst x = require("src/a.ts");\nfs.writeFileSync("src/b.ts", x);\n```\n');
    assert.deepEqual(r.components, []);
    assert.match(r.skipped[0].reason, /example code/);
  });
});

describe('globFromPath', () => {
  const glob = (raw: string, options?: { loose?: boolean; base?: string }): string | undefined => {
    const c = globFromPath(raw, options);
    return 'glob' in c ? c.glob : undefined;
  };

  test('files, folders and globs', () => {
    assert.equal(glob('src/a.ts'), 'src/a.ts');
    assert.equal(glob('./src/ui/'), 'src/ui/**');
    assert.equal(glob('`db/*.sql`'), 'db/*.sql');
    assert.equal(glob('**src/a.ts**'), 'src/a.ts');
    assert.equal(glob('src/**'), 'src/**');
    assert.equal(glob('__init__.py'), '__init__.py');
    assert.equal(glob('.env'), '.env');
    assert.equal(glob('*.py', { loose: true, base: 'backend' }), 'backend/*.py');
    assert.equal(glob('Makefile', { loose: true }), 'Makefile');
    assert.equal(glob('Makefile'), undefined, 'a bare word is prose outside a tree or File: line');
    assert.equal(glob('v1.2'), undefined);
  });

  test('nothing that leaves the folder or names the whole folder', () => {
    for (const raw of ['../x', 'a/../../x', '/etc/passwd', 'C:\\Users\\x', 'C:/x', '\\\\server\\share', '~/.ssh/id_rsa', '{src,../x}/*', 'https://x.example/a.ts', '**', '**/*', '*', './', 'src\\a.ts']) {
      assert.equal(glob(raw, { loose: true }), undefined, raw);
    }
    assert.equal(glob('../../x', { loose: true, base: 'a' }), undefined);
    assert.equal(glob('../', { loose: true, base: 'backend' }), undefined, 'backend/.. is the folder itself');
  });

  test('a tree cannot climb out of its root', () => {
    const r = importProtocol('## CRITICAL\n\n```\nbackend/\n├── ../          ⛔\n├── ../../etc/   ⛔\n└── ok/          ⛔\n```\n\n```\n../outside/\n└── x.ts ⛔\n```\n');
    assert.deepEqual(allGlobs(r), ['backend/ok/**'], 'x.ts under ../outside/ is not the folder\'s x.ts');
    assert.deepEqual(r.skipped.map((s) => s.reason), ['escapes the folder', 'escapes the folder', 'tree root escapes the folder: the tree is skipped']);
  });
});

describe('importProtocol: bounded work on crafted documents', () => {
  test('long lines, runs of markers, pipes and backticks finish quickly', () => {
    const line = (unit: string): string => unit.repeat(Math.ceil(1_900 / unit.length)).slice(0, 1_900);
    const doc = [
      `# ${line(' #')}x`,
      `- \`${line('a/')}`,
      `| ${line('| ')}`,
      `File: ${line('**')} x`,
      `- ${line(' —')} x`,
      `Risk: ${line('$1')}`,
      line('├── '),
      `## ${line('_')}a`,
      `UNLOCK ${line(' ')}`,
      'x'.repeat(50_000),
    ];
    const big = Array.from({ length: 400 }, () => doc.join('\n')).join('\n');
    const started = process.hrtime.bigint();
    const r = importProtocol(big);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // A generous bound: quadratic or exponential backtracking on these lines takes minutes.
    assert.ok(ms < 5_000, `took ${ms.toFixed(0)} ms`);
    assert.ok(r.skipped.some((s) => /longer than/.test(s.reason)));
  });

  test('entries and lines are capped', () => {
    const many = Array.from({ length: MAX_IMPORT_ENTRIES + 50 }, (_, i) => `- \`src/f${i}.ts\``).join('\n');
    const r = importProtocol(`## CRITICAL\n${many}`);
    assert.equal(allGlobs(r).length, MAX_IMPORT_ENTRIES);
    assert.equal(r.truncated, true);
  });
});

const EXISTING = `// our manifest: keep this comment
{
  "tiers": {
    "tier1": { "label": "Tier 1 · Revenue critical", "color": "red" }, // strictest
    "tier2": { "label": "Tier 2", "unlock": { "requireCode": false } }
  },
  "components": {
    "BOOKING_FLOW": {
      "tier": "tier1",
      "files": ["src/lib/booking/engine.ts"],
      "risk": "Our own words",
      "owners": ["ann@example.com"],
      "unlockCodes": ["scrypt$16384$8$1$c2FsdHNhbHQ$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg"]
    }
  }
}
`;

describe('mergeImport', () => {
  test('a new manifest from a document parses without problems', () => {
    for (const name of ['tiers-codeblocks.md', 'tree.md', 'table.md', 'bullets.md', 'mixed.md']) {
      const merged = mergeImport(undefined, fixture(name), name);
      const parsed = parseManifest(merged.text);
      assert.deepEqual(parsed.problems.filter((p) => p.severity === 'error'), [], name);
      assert.ok(parsed.manifest && parsed.manifest.components.length > 0, name);
      assert.match(merged.text, new RegExp(`imported from ${name.replace('.', '\\.')}`));
    }
  });

  test('merging into an existing manifest keeps its comments, codes, owners and risk, and adds only new globs', () => {
    const merged = mergeImport(EXISTING, fixture('tiers-codeblocks.md'), 'PROTECTED_FILES.md');
    const parsed = parseManifest(merged.text);
    assert.deepEqual(parsed.problems.filter((p) => p.severity === 'error'), []);
    const m = parsed.manifest;
    assert.ok(m);
    assert.match(merged.text, /\/\/ our manifest: keep this comment/);
    assert.match(merged.text, /\/\/ strictest/);
    const booking = m.components.find((c) => c.name === 'BOOKING_FLOW');
    assert.deepEqual(booking?.unlockCodes, ['scrypt$16384$8$1$c2FsdHNhbHQ$aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg']);
    assert.deepEqual(booking?.owners, ['ann@example.com']);
    assert.equal(booking?.risk, 'Our own words');
    assert.deepEqual(booking?.files, ['src/lib/booking/engine.ts', 'src/context/PersistentChatProvider.tsx']);
    // the document's Tier 1 / Tier 2 are the manifest's tier1 / tier2: no new tiers
    assert.deepEqual(m.tiers.map((t) => t.id), ['tier1', 'tier2']);
    assert.deepEqual(merged.addedTiers, []);
    assert.equal(m.components.find((c) => c.name === 'PAYMENTS')?.tier, 'tier1');
    assert.equal(m.components.find((c) => c.name === 'DATABASE_MIGRATIONS')?.tier, 'tier2');
    assert.deepEqual(merged.extendedComponents, [{ name: 'BOOKING_FLOW', added: ['src/context/PersistentChatProvider.tsx'] }]);
    assert.deepEqual(merged.alreadyListed, [{ glob: 'src/lib/booking/engine.ts', component: 'BOOKING_FLOW' }]);
  });

  test('merging is idempotent: the same document again changes nothing', () => {
    const once = mergeImport(EXISTING, fixture('mixed.md'), 'CLAUDE.md').text;
    const twice = mergeImport(once, fixture('mixed.md'), 'CLAUDE.md');
    assert.equal(twice.text, once);
    assert.deepEqual(twice.addedComponents, []);
  });

  test('a level the manifest has no tier for is added; a label naming the level maps onto its tier', () => {
    const merged = mergeImport(EXISTING, fixture('table.md'), 'table.md');
    const m = parseManifest(merged.text).manifest;
    assert.ok(m);
    assert.equal(merged.tierMap.critical, 'tier1', '"Revenue critical" stands for CRITICAL');
    assert.deepEqual(merged.addedTiers, ['high', 'medium']);
    assert.deepEqual(parse(merged.text).tiers.high.unlock, { requireCode: true, minReasonLength: 15 });
  });

  test('an existing manifest with errors is refused, not merged into', () => {
    assert.throws(() => mergeImport('{ "tiers": {} }', fixture('table.md'), 'x.md'), ImportMergeError);
  });
});
