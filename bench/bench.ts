// Benchmarks that print figures (no assertions): `npm run bench`.
// Each measurement is a `section`, so later work can add its own below the existing ones.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { minimatch } from 'minimatch';
import { parseManifest } from '../src/core/manifest';
import type { Manifest } from '../src/core/manifest';
import { ProtectionMatcher } from '../src/core/matcher';
import { hookBench } from './hookBench';
import { verifyStagedBench } from './verifyBench';

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
  row(`construction (median of ${build.length})`, ms(median(build)));
  row(`protected paths`, `${protectedCount} of ${paths.length}`);
  row('classify cold (new matcher, all paths new)', rate(coldRate), `≥ ${rate(TARGET_RATE)}: ${verdict(coldRate >= TARGET_RATE)}`);
  row('classify warm (memoized, repeated)', rate(warmRate), `≥ ${rate(TARGET_RATE)}: ${verdict(warmRate >= TARGET_RATE)}`);
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
});

section('verify --staged (20,000 files, 500 staged) against git diff --cached + node -e 0', () => verifyStagedBench(row));

section('protected-files hook answering an edit payload, against node -e 0', () => hookBench(row));
