// Benchmarks that print figures (no assertions): `npm run bench`.
// Each measurement is a `section`, so later work can add its own below the existing ones.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Minimatch, minimatch } from 'minimatch';
import picomatch from 'picomatch';
import { renderRecord, sealRecord } from '../src/core/audit';
import type { AuditEvent, AuditRecord } from '../src/core/audit';
import { buildAuditModel, chainLine, recordLine, timeOf, toCsv, updateAuditModel } from '../src/core/auditView';
import type { AuditFilter } from '../src/core/auditView';
import { GLOB_LIMITS, MAX_NAME_LENGTH } from '../src/core/globBounds';
import { parseManifest } from '../src/core/manifest';
import type { Manifest } from '../src/core/manifest';
import { ProtectionMatcher } from '../src/core/matcher';
import { unlockCostBench, verifySignedBench } from './approvalsBench';
import { hookBench } from './hookBench';
import { switchBench } from './switchBench';
import { bigLogBench, verifyStagedBench } from './verifyBench';

const TREE_SIZE = 20_000;
const GLOB_COUNT = 200;
const COMPONENT_COUNT = 40;
const NAIVE_SAMPLE = 1_000;
const TARGET_RATE = 5_000_000;
const TARGET_SPEEDUP = 20;
const TARGET_BUNDLE_KB = 150;

// ---------------------------------------------------------------- helpers

function section(name: string, fn: () => void): void {
  console.log(`\n== ${name}`);
  try {
    fn();
  } catch (error) {
    console.log(`   (section failed: ${error instanceof Error ? error.message : String(error)})`);
  }
}

function row(label: string, value: string, target = ''): void {
  console.log(`   ${label.padEnd(44)} ${value.padStart(16)}${target ? `   target ${target}` : ''}`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function ms(value: number): string {
  return `${value.toFixed(3)} ms`;
}

function rate(perSecond: number): string {
  return perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)} M/s` : `${(perSecond / 1e3).toFixed(1)} k/s`;
}

function verdict(ok: boolean): string {
  return ok ? 'met' : 'NOT met';
}

/** Deterministic PRNG (mulberry32) so every run measures the same tree. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------- fixture

const random = prng(20240611);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

const TOP = ['src', 'lib', 'packages', 'db', 'docs', 'scripts', 'test', '.github', 'config', 'infra', 'public', 'supabase', '.vscode'];
const WORDS = ['components', 'services', 'utils', 'hooks', 'api', 'models', 'booking', 'payments', 'auth', 'members', 'chat', 'context',
  'migrations', 'functions', 'admin', 'billing', 'reports', 'shared', 'ui', 'forms', 'email', 'queue', 'jobs', 'webhooks', 'stripe',
  'calendar', 'search', 'profile', 'settings', 'assets', 'styles', 'fixtures', 'workflows', 'terraform', 'modules', 'core', 'legacy'];
const EXTENSIONS = ['.ts', '.ts', '.ts', '.tsx', '.tsx', '.js', '.json', '.md', '.sql', '.css', '.yml', '.png', '.py', '.test.ts', '.d.ts'];
const DOTFILES = ['.env', '.env.local', '.gitignore', '.eslintrc.json', '.prettierrc', '.npmrc', '.editorconfig'];

function buildTree(): { dirs: string[]; files: string[] } {
  const dirs = [...TOP];
  while (dirs.length < 1_500) {
    const parent = pick(dirs);
    if (parent.split('/').length >= 6) {
      continue;
    }
    const dir = `${parent}/${pick(WORDS)}`;
    if (!dirs.includes(dir)) {
      dirs.push(dir);
    }
  }
  const files = new Set<string>();
  while (files.size < TREE_SIZE) {
    const dir = pick(dirs);
    const name = random() < 0.04 ? pick(DOTFILES) : `${pick(WORDS)}${random() < 0.5 ? '' : pick(['Provider', 'Service', 'Form', 'List', '.server', '_v2', 'Utils'])}${pick(EXTENSIONS)}`;
    files.add(`${dir}/${name}`);
  }
  // Flat strings, as paths arrive from the editor (built by concatenation they would be V8 cons
  // strings, whose first character access costs a flattening the real editor never pays here).
  return { dirs, files: JSON.parse(JSON.stringify([...files])) as string[] };
}

/** 200 globs of the kinds real manifests use, spread over 40 components in 3 tiers, as JSONC text. */
function buildManifestText(tree: { dirs: string[]; files: string[] }): string {
  const globs: string[] = [];
  const kinds: (() => string)[] = [
    () => pick(tree.files), // literal path
    () => pick(tree.files),
    () => `${pick(tree.dirs)}/**`,
    () => `${pick(tree.dirs)}/*.ts`,
    () => `${pick(tree.dirs)}/*.{ts,tsx}`,
    () => `${pick(tree.dirs)}/{${pick(WORDS)},${pick(WORDS)}}/**`,
    () => `${pick(tree.dirs)}/${pick(WORDS)}*.ts`,
    () => `${pick(TOP)}/**/${pick(WORDS)}/*.sql`,
  ];
  const global = ['**/*.sql', '**/.env*', '**/*.pem', '**/package.json', '**/Dockerfile', 'supabase/**/migrations/**'];
  globs.push(...global);
  while (globs.length < GLOB_COUNT) {
    globs.push(pick(kinds)());
  }
  const tiers = ['tier1', 'tier2', 'tier3'];
  const lines = [
    '// Generated for the benchmark: 3 tiers, 40 components, 200 globs.',
    '{',
    '  "tiers": {',
    '    "tier1": { "label": "Revenue critical", "badge": "T1", "color": "red", "unlock": { "requireCode": false } },',
    '    "tier2": { "label": "Infrastructure", "badge": "T2", "color": "yellow", "unlock": { "requireCode": false }, "onBreach": "warn" },',
    '    "tier3": { "label": "Sensitive", "badge": "T3", "color": "blue", "unlock": { "requireCode": false }, "onBreach": "warn" },',
    '  },',
    '  "components": {',
  ];
  const perComponent = GLOB_COUNT / COMPONENT_COUNT;
  for (let c = 0; c < COMPONENT_COUNT; c++) {
    const files = globs.slice(c * perComponent, (c + 1) * perComponent).map((g) => JSON.stringify(g)).join(', ');
    lines.push(`    // component ${c}`);
    lines.push(`    "COMPONENT_${c}": { "tier": "${tiers[c % 3]}", "files": [${files}], "risk": "Breaks things", "impact": "$${c},000/day", "owners": ["ops@example.com"] },`);
  }
  lines.push('  },', '  "protectedBranches": ["main"],', '}');
  return lines.join('\n');
}

// ---------------------------------------------------------------- sections

const tree = buildTree();
const manifestText = buildManifestText(tree);
let manifest: Manifest | undefined;
let warmRate = 0;
let coldRate = 0;
/** Cold, counting the matcher's construction: what a fresh process pays, as a peer's compiling is counted. */
let coldWithBuildRate = 0;

console.log(`Protected Files benchmark: ${tree.files.length} paths, ${GLOB_COUNT} globs in ${COMPONENT_COUNT} components, node ${process.version}`);

section('machine (for reading the figures below)', () => {
  // Absolute rates depend on the machine and on what else runs on it; these two give the scale.
  row('load average (1 min) / CPUs', `${loadavg()[0].toFixed(2)} / ${availableParallelism()}`);
  const keys = tree.files;
  const sets: number[] = [];
  const scans: number[] = [];
  let sink = 0;
  for (let pass = 0; pass < 7; pass++) {
    const map = new Map<string, number>();
    let start = performance.now();
    for (const key of keys) {
      map.set(key, 1);
    }
    sets.push(performance.now() - start);
    start = performance.now();
    for (const key of keys) {
      for (let i = 0; i < key.length; i++) {
        sink += key.charCodeAt(i);
      }
    }
    scans.push(performance.now() - start);
  }
  const meanLength = keys.reduce((n, k) => n + k.length, 0) / keys.length;
  row('Map.set of a new path (median)', `${((median(sets) * 1e6) / keys.length).toFixed(0)} ns`);
  row(`one loop over a path (${meanLength.toFixed(0)} chars)`, `${((median(scans) * 1e6) / keys.length).toFixed(0)} ns${sink < 0 ? '!' : ''}`);
});

section('manifest', () => {
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    const start = performance.now();
    const parsed = parseManifest(manifestText);
    times.push(performance.now() - start);
    manifest = parsed.manifest;
    if (!manifest) {
      throw new Error(`the generated manifest does not parse: ${parsed.problems[0]?.message ?? ''}`);
    }
  }
  row(`parse (${(manifestText.length / 1024).toFixed(1)} KB, median of ${times.length})`, ms(median(times)));
});

section('matcher', () => {
  if (!manifest) {
    throw new Error('no manifest');
  }
  const m = manifest;
  const paths = tree.files;
  const build: number[] = [];
  const cold: number[] = [];
  let protectedCount = 0;
  for (let pass = 0; pass < 15; pass++) {
    let start = performance.now();
    const matcher = new ProtectionMatcher(m);
    build.push(performance.now() - start);
    let hits = 0;
    start = performance.now();
    for (const path of paths) {
      if (matcher.classify(path)) {
        hits++;
      }
    }
    cold.push(performance.now() - start);
    protectedCount = hits;
  }
  const matcher = new ProtectionMatcher(m);
  for (const path of paths) {
    matcher.classify(path);
  }
  const warm: number[] = [];
  for (let pass = 0; pass < 20; pass++) {
    const start = performance.now();
    for (const path of paths) {
      matcher.classify(path);
    }
    warm.push(performance.now() - start);
  }
  coldRate = paths.length / (median(cold) / 1000);
  warmRate = paths.length / (median(warm) / 1000);
  coldWithBuildRate = paths.length / ((median(build) + median(cold)) / 1000);
  row(`construction (median of ${build.length})`, ms(median(build)));
  row(`protected paths`, `${protectedCount} of ${paths.length}`);
  row('classify cold (new matcher, all paths new)', rate(coldRate), `≥ ${rate(TARGET_RATE)}: ${verdict(coldRate >= TARGET_RATE)}`);
  row('classify cold, construction included', rate(coldWithBuildRate));
  row('classify warm (memoized, repeated)', rate(warmRate), `≥ ${rate(TARGET_RATE)}: ${verdict(warmRate >= TARGET_RATE)}`);
});

section('matcher worst case under the glob bounds (src/core/globBounds.ts)', () => {
  // Manifests built to be as costly as the bounds allow: every rule at the limits that defeat the
  // matcher's indexing (no literal name, extension or end to file it under), asked about paths built to
  // make each rule's regular expression backtrack as far as it can. One classification of a new path.
  const budget = GLOB_LIMITS.rules;
  const perComponent = 100;
  const worst = (glob: (i: number) => string): Manifest => {
    const text = JSON.stringify({
      tiers: { t: { unlock: { requireCode: false } } },
      components: Object.fromEntries(Array.from({ length: budget / perComponent }, (_, c) =>
        [`C${c}`, { tier: 't', files: Array.from({ length: perComponent }, (_, i) => glob(c * perComponent + i)) }])),
    });
    const parsed = parseManifest(text);
    if (!parsed.manifest || parsed.problems.length > 0) {
      throw new Error(`the worst-case manifest is not within the bounds: ${parsed.problems[0]?.message ?? ''}`);
    }
    return parsed.manifest;
  };
  const name = 'a'.repeat(MAX_NAME_LENGTH);
  const cases: [string, Manifest, (n: number) => string][] = [
    [`${budget} × "**/*a*[·]", a 255-char name`, worst((i) => `**/*a*[${String.fromCharCode(0x100 + i)}]`), (n) => `d${n}/${name}`],
  ];
  // Every rule stays active down a path of p/q/r folders: 90 folders deep, and 2,040 (a 4 KiB path,
  // PATH_MAX on Linux); the cost grows linearly with the depth.
  const deep = worst((i) => `**/p/**/q/**/r/**/*a*[${String.fromCharCode(0x100 + i)}]`);
  for (const folders of [30, 680]) {
    cases.push([`${budget} × "**/p/**/q/**/r/**/*a*[·]", ${folders * 3} dirs`, deep, (n) => `${'p/q/r/'.repeat(folders)}d${n}/${name}`]);
  }
  let max = 0;
  for (const [label, m, pathOf] of cases) {
    const matcher = new ProtectionMatcher(m); // a new one each: no folder of the path is known yet
    const times: number[] = [];
    for (let n = 0; n < 5; n++) {
      const start = performance.now();
      matcher.classify(pathOf(n));
      times.push(performance.now() - start);
    }
    max = Math.max(max, ...times);
    row(label, `${ms(Math.max(...times))} max`);
  }
  row('worst-case time of one classification', ms(max));
});

section('naive loop (minimatch per rule, first match)', () => {
  if (!manifest) {
    throw new Error('no manifest');
  }
  const m = manifest;
  const ranks = new Map(m.tiers.map((t) => [t.id, t.rank]));
  const rules = [...m.components]
    .sort((a, b) => (ranks.get(a.tier) ?? 0) - (ranks.get(b.tier) ?? 0))
    .flatMap((c) => c.files);
  rules.unshift('.protection/**');
  const sample = tree.files.slice(0, NAIVE_SAMPLE);
  const naiveHits: boolean[] = [];
  const start = performance.now();
  for (const path of sample) {
    let hit = false;
    for (const rule of rules) {
      if (minimatch(path, rule, { dot: true })) {
        hit = true;
        break;
      }
    }
    naiveHits.push(hit);
  }
  const naiveRate = sample.length / ((performance.now() - start) / 1000);
  // Not timed: the two must agree on which paths are protected, or the speed means nothing.
  const matcher = new ProtectionMatcher(m);
  const disagreements = sample.filter((path, i) => naiveHits[i] !== (matcher.classify(path) !== undefined)).length;
  row(`naive (${sample.length} paths × ${rules.length} rules)`, rate(naiveRate));
  row('cold matcher ÷ naive', `${(coldRate / naiveRate).toFixed(0)}×`, `≥ ${TARGET_SPEEDUP}×: ${verdict(coldRate / naiveRate >= TARGET_SPEEDUP)}`);
  row('warm matcher ÷ naive', `${(warmRate / naiveRate).toFixed(0)}×`, `≥ ${TARGET_SPEEDUP}×: ${verdict(warmRate / naiveRate >= TARGET_SPEEDUP)}`);
  row('protected/unprotected disagreements', String(disagreements));
});

/**
 * A peer matcher's first-match loop over the same paths and rules as the ProtectionMatcher: cold is
 * compiling every rule and one pass over every path (what a fresh process pays, like the matcher's
 * construction and its first classifications), warm a pass with the rules compiled and the code hot.
 * Peers have no memo: a path they saw is no cheaper the second time.
 */
function peerLoop<T>(label: string, rules: readonly string[], compile: (rule: string) => T, test: (m: T, path: string) => boolean): void {
  const paths = tree.files;
  const pass = (compiled: readonly T[]): number => {
    let hits = 0;
    for (const path of paths) {
      for (const m of compiled) {
        if (test(m, path)) {
          hits++;
          break;
        }
      }
    }
    return hits;
  };
  const cold: number[] = [];
  let hits = 0;
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    hits = pass(rules.map(compile));
    cold.push(performance.now() - start);
  }
  const compiled = rules.map(compile);
  const warm: number[] = [];
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    pass(compiled);
    warm.push(performance.now() - start);
  }
  const peerCold = paths.length / (median(cold) / 1000);
  const peerWarm = paths.length / (median(warm) / 1000);
  // Not timed: which paths each protects (minimatch and picomatch read a few globs differently).
  const matcher = new ProtectionMatcher(manifest!);
  const disagreements = paths.filter((path) => (matcher.classify(path) !== undefined) !== compiled.some((m) => test(m, path))).length;
  row(`${label}, cold (compile ${rules.length} rules + ${paths.length} paths)`, rate(peerCold));
  row(`${label}, warm (rules compiled, code hot)`, rate(peerWarm));
  row(`  protected paths; disagreements with the matcher`, `${hits}; ${disagreements}`);
  row(`cold matcher (with its construction) ÷ ${label} cold`, `${(coldWithBuildRate / peerCold).toFixed(1)}×`, `> 1×: ${verdict(coldWithBuildRate > peerCold)}`);
  row(`cold matcher (with its construction) ÷ ${label} warm`, `${(coldWithBuildRate / peerWarm).toFixed(1)}×`);
  row(`warm matcher ÷ ${label} warm`, `${(warmRate / peerWarm).toFixed(1)}×`, `> 1×: ${verdict(warmRate > peerWarm)}`);
}

/** The manifest's globs in the order a first-match loop tries them: the built-in rule, then by tier. */
function rulesInOrder(m: Manifest): string[] {
  const ranks = new Map(m.tiers.map((t) => [t.id, t.rank]));
  return ['.protection/**', ...[...m.components]
    .sort((a, b) => (ranks.get(a.tier) ?? 0) - (ranks.get(b.tier) ?? 0))
    .flatMap((c) => c.files)];
}

section('precompiled minimatch loop (each rule compiled once, first match): the peer a careful author writes', () => {
  if (!manifest) {
    throw new Error('no manifest');
  }
  peerLoop('minimatch loop', rulesInOrder(manifest), (r) => new Minimatch(r, { dot: true }), (mm, path) => mm.match(path));
});

section('picomatch loop (each rule compiled once with picomatch, first match; a dev dependency for this peer only)', () => {
  if (!manifest) {
    throw new Error('no manifest');
  }
  const rules = rulesInOrder(manifest);
  peerLoop('picomatch loop', rules, (r) => picomatch(r, { dot: true }), (isMatch, path) => isMatch(path));
  // The same globs as bare regular expressions (picomatch.makeRe): no per-call option handling.
  peerLoop('picomatch.makeRe loop', rules, (r) => picomatch.makeRe(r, { dot: true }), (re, path) => re.test(path));
});

section('bundle', () => {
  const file = join(__dirname, '..', '..', 'dist', 'extension.js');
  if (!existsSync(file)) {
    row('dist/extension.js', 'not built', 'run `node scripts/build.mjs --release`');
    return;
  }
  const bytes = statSync(file).size;
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').length;
  const minified = !text.includes('sourceMappingURL=') && bytes / lines > 500;
  const kb = bytes / 1024;
  row(`dist/extension.js (${minified ? 'minified' : 'NOT minified: run --release'})`, `${kb.toFixed(1)} KB`, `≤ ${TARGET_BUNDLE_KB} KB: ${verdict(kb <= TARGET_BUNDLE_KB)}`);
  // What activation does not parse: loaded on the first use of a view, a generator, an unlock… (scripts/build.mjs).
  const lazy = join(__dirname, '..', '..', 'dist', 'lazy.js');
  if (existsSync(lazy)) row('  dist/lazy.js, loaded on first use (not at activation)', `${(statSync(lazy).size / 1024).toFixed(1)} KB`);
  // minimatch: loaded when a glob of the manifest is more than a path or a folder (`src/**`).
  const minimatch = join(__dirname, '..', '..', 'dist', 'minimatch.js');
  if (existsSync(minimatch)) row('  dist/minimatch.js, loaded when a glob needs it', `${(statSync(minimatch).size / 1024).toFixed(1)} KB`);
});

section('verify --staged (20,000 files, 500 staged) against git diff --cached + node -e 0', () => verifyStagedBench(row));

section('verify --base over a commit that adds a ~25 MB audit log, against git cat-file -p of the log', () => bigLogBench(row));

section('protected-files hook answering an edit payload, against node -e 0', () => hookBench(row));

section('audit log view (10,000 records: parse + verify chain + filter + group by day + one line each)', () => {
  const RECORDS = 10_000;
  const TARGET_MS = 1000;
  const actors = [{ name: 'Ann', email: 'ann@example.com' }, { name: 'Bob', email: 'bob@example.com' }, { name: 'Cy', email: 'cy@example.com' }];
  const events: AuditEvent[] = ['unlock', 'change', 'change', 'relock', 'expire', 'denied', 'breach', 'restore'];
  const components = ['BOOKING_FLOW', 'PAYMENTS', 'AUTH', 'MIGRATIONS'];
  const records: AuditRecord[] = [];
  const start0 = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < RECORDS; i++) {
    const event = pick(events);
    records.push(sealRecord({
      event, at: new Date(start0 + i * 17 * 60_000).toISOString(), actor: pick(actors), component: pick(components),
      ...(event === 'change' || event === 'breach' ? { file: pick(tree.files), before: 'a'.repeat(64), after: 'b'.repeat(64), added: 3, removed: 1 } : {}),
      reason: 'fix the refund rounding for annual members',
    }, records[records.length - 1]));
  }
  const text = records.map(renderRecord).join('\n') + '\n';
  row('log size', `${(text.length / 1024 / 1024).toFixed(1)} MB`);
  const open = (filter: AuditFilter): number => {
    const t = performance.now();
    const model = buildAuditModel(text, filter);
    let chars = chainLine(model.chain).length;
    for (const day of model.days) for (const r of day.records) chars += recordLine(r).length + timeOf(r).length;
    if (chars === 0) throw new Error('nothing rendered');
    return performance.now() - t;
  };
  for (const [label, filter] of [['open, no filter', {}], ['open, filtered (event change, one actor)', { events: ['change'], actor: 'ann@example.com' }]] as const) {
    const times = Array.from({ length: 5 }, () => open(filter as AuditFilter));
    const m = median(times);
    row(label, ms(m), `< ${TARGET_MS} ms: ${verdict(m < TARGET_MS)}`);
  }
  const base = buildAuditModel(text, {});
  const next = sealRecord({ event: 'relock', at: new Date().toISOString(), actor: actors[0], component: components[0] }, records[records.length - 1]);
  const grown = `${text}${renderRecord(next)}\n`;
  const appendTimes = Array.from({ length: 5 }, () => { const t0 = performance.now(); updateAuditModel(base, text, grown, {}); return performance.now() - t0; });
  row('one record appended (only the new line parsed)', ms(median(appendTimes)));
  const t = performance.now();
  toCsv(records);
  row('export all as CSV', ms(performance.now() - t));
});

// Signed approvals: async sections run after the synchronous ones, in order.
void (async () => {
  console.log('\n== unlock cost: one scrypt derivation (signing entry against a legacy hash, same parameters)');
  await unlockCostBench(row).catch((error) => console.log(`   (section failed: ${error instanceof Error ? error.message : String(error)})`));
  console.log(`\n== verify --base over signed records against the same log unsigned`);
  await verifySignedBench(row).catch((error) => console.log(`   (section failed: ${error instanceof Error ? error.message : String(error)})`));
  console.log(`\n== git switch of a branch that changes 3,000 locked files, the breach guard (watch) running, against the switch alone`);
  await switchBench(row).catch((error) => console.log(`   (section failed: ${error instanceof Error ? error.message : String(error)})`));
})();
