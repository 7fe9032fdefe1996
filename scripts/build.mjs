// Bundles the extension and the command-line tool with esbuild.
//   node scripts/build.mjs            development build (source maps)
//   node scripts/build.mjs --release  minified, no source maps (what `npm run package` ships)
//   node scripts/build.mjs --bench    also bundles bench/bench.ts to out/bench/bench.js
//   node scripts/build.mjs --tests    also compiles test/ to out/ (bundled per entry; integration benchmarks *.bench.ts too)
//   node scripts/build.mjs --analyze  also prints what dist/extension.js is made of
import * as esbuild from 'esbuild';
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = new Set(process.argv.slice(2));
const release = args.has('--release');

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  minify: release,
  sourcemap: release ? false : 'linked',
  logLevel: 'warning',
  legalComments: 'none',
  // jsonc-parser's main entry is a UMD wrapper whose inner requires esbuild cannot follow: take its ESM build.
  mainFields: ['module', 'main'],
};

function findTests(dir, suffix) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p, suffix));
    else if (name.endsWith(suffix)) out.push(p);
  }
  return out;
}

// simple-git lives in dist/simple-git.js of its own, loaded on first use (src/node/gitInfo.ts imports it
// lazily), so activating the extension does not parse it.
const splitSimpleGit = {
  name: 'split-simple-git',
  setup(build) {
    build.onResolve({ filter: /^simple-git$/ }, () => ({ path: './simple-git.js', external: true }));
  },
};

// jsonc-parser declares no "sideEffects", so esbuild keeps every module of it that its entry imports,
// although they only define functions, except impl/string-intern.js, which builds ~280 KB of indentation
// strings for the formatter as it loads. Marked free of side effects, a bundle that only parses (the
// extension's activation, the agents' hooks, the commit gate) leaves the formatter and the editor out.
const jsoncTreeShaken = {
  name: 'jsonc-tree-shaken',
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData?.jsonc || !(args.path === 'jsonc-parser' || /[\\/]node_modules[\\/]jsonc-parser[\\/]/.test(args.importer))) return undefined;
      const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { jsonc: true } });
      return resolved.errors.length > 0 ? undefined : { path: resolved.path, external: resolved.external, sideEffects: false };
    });
  },
};

// minimatch lives in dist/minimatch.js of its own for the extension: dist/extension.js and dist/lazy.js
// share one copy, loaded on first use (src/core/minimatchModule.ts requires it when a glob needs it:
// manifests of plain paths and folders never do). The command-line parts keep their copy inside, where
// V8's code cache covers it (src/node/cachedPart.ts); it runs there only when needed too.
const splitMinimatch = {
  name: 'split-minimatch',
  setup(build) {
    build.onResolve({ filter: /^minimatch$/ }, () => ({ path: './minimatch.js', external: true }));
  },
};

rmSync('dist', { recursive: true, force: true }); // no stale source maps in a release package

// What protection does not need at activation (the generators, the views' bodies, the unlock and
// set-code flows, the terminal guard's shell parser…) lives in one bundle of its own, dist/lazy.js, whose
// entry src/vscode/lazyEntry.ts lists it; src/vscode/lazyChunk.ts loads it on first use. Only that
// require is redirected (tests import the modules themselves normally); the code the lazy modules share
// with each other (manifest, matcher…) is in the package once more, in lazy.js; minimatch is in neither (below).
const splitLazyChunk = {
  name: 'split-lazy-chunk',
  setup(build) {
    build.onResolve({ filter: /^\.\/lazyEntry$/ }, (args) =>
      args.importer.endsWith('lazyChunk.ts') ? { path: './lazy.js', external: true } : undefined);
  },
};
// In lazy.js itself the loader would bundle its own entry a second time, wrapped: refused.
const refuseLazyChunk = {
  name: 'refuse-lazy-chunk',
  setup(build) {
    build.onResolve({ filter: /\/lazyChunk$/ }, (args) => ({ errors: [{ text: `${args.importer} imports lazyChunk: a module of dist/lazy.js must not load dist/lazy.js` }] }));
  },
};

// The command-line tool in parts, so each command compiles only its own code: dist/cli.js is the
// dispatcher alone, dist/cli-guard.js has `check` and `hook` (the agents' hooks run them before every
// tool call; dist/hook.js, the launcher's first choice, is a few lines that run it too, and cli.js
// answers without hook.js), dist/cli-verify.js the commit gate, dist/cli-commands.js every other
// command. Only the requires of the commands in src/cli/main.ts and src/cli/hookMain.ts are redirected.
const CLI_PARTS = {
  './checkCommand': './cli-guard.js',
  './hookCommand': './cli-guard.js',
  './verifyCommand': './cli-verify.js',
  ...Object.fromEntries(['log', 'hooks', 'hashCode', 'grants', 'agents', 'import', 'team', 'watch'].map((c) => [`./${c}Command`, './cli-commands.js'])),
};
// Each part is loaded with V8's code cache kept beside it (src/node/cachedPart.ts): the require
// becomes a small module of the dispatcher that runs the part through loadCachedPart.
const splitCliParts = {
  name: 'split-cli-parts',
  setup(build) {
    build.onResolve({ filter: /^\.\/\w+Command$/ }, (args) =>
      CLI_PARTS[args.path] && (args.importer.endsWith(join('src', 'cli', 'main.ts')) || args.importer.endsWith(join('src', 'cli', 'hookMain.ts')))
        ? { path: CLI_PARTS[args.path].slice(2), namespace: 'cli-part' } : undefined);
    build.onLoad({ filter: /.*/, namespace: 'cli-part' }, (args) => ({
      // The guard's and the gate's parts have a cache per command (and the gate one per way: the hook's
      // input or git run by the gate): `check`, `hook` and the pre-commit gate each run often, on their own.
      contents: `const { loadCachedPart } = require('./src/node/cachedPart');\nmodule.exports = loadCachedPart(__dirname, ${JSON.stringify(args.path)}, require, ${args.path !== 'cli-commands.js'});\n`,
      resolveDir: process.cwd(), loader: 'js',
    }));
  },
};
// One entry exporting every command of a part (their export names must not collide: esbuild would drop both).
const cliPartEntry = (part) => ({
  contents: Object.entries(CLI_PARTS).filter(([, p]) => p === `./${part}.js`)
    .map(([m]) => `export * from '${m.replace('./', './src/cli/')}';`).join('\n'),
  resolveDir: process.cwd(), sourcefile: `${part}-entry.ts`, loader: 'ts',
});

// dist/minimatch.js, which the extension's two bundles share (splitMinimatch above).
const sharedMinimatch = esbuild.build({ ...common, entryPoints: { minimatch: 'minimatch' }, outdir: 'dist', metafile: true });
const builds = [
  esbuild.build({ ...common, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist', metafile: true, plugins: [jsoncTreeShaken, splitSimpleGit, splitMinimatch, splitLazyChunk] }),
  esbuild.build({ ...common, entryPoints: { lazy: 'src/vscode/lazyEntry.ts' }, outdir: 'dist', metafile: true, plugins: [jsoncTreeShaken, splitSimpleGit, splitMinimatch, refuseLazyChunk] }),
  esbuild.build({ ...common, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' }, plugins: [jsoncTreeShaken, splitSimpleGit, splitCliParts] }),
  ...['cli-guard', 'cli-verify', 'cli-commands'].map((part) => esbuild.build({ ...common, stdin: cliPartEntry(part), outfile: `dist/${part}.js`, plugins: [jsoncTreeShaken, splitSimpleGit] })),
  // The agents' hook (dist/hook.js): what the launcher runs on every tool call, straight into dist/cli-guard.js.
  esbuild.build({ ...common, entryPoints: { hook: 'src/cli/hookMain.ts' }, outdir: 'dist', plugins: [jsoncTreeShaken, splitSimpleGit, splitCliParts] }),
  esbuild.build({ ...common, entryPoints: { 'simple-git': 'simple-git' }, outdir: 'dist' }),
  sharedMinimatch,
];
if (args.has('--bench')) {
  builds.push(esbuild.build({ ...common, minify: false, entryPoints: { bench: 'bench/bench.ts' }, outdir: 'out/bench' }));
}
if (args.has('--tests')) {
  // Unit tests: each file bundled on its own so node's test runner sees one file per suite.
  builds.push(esbuild.build({ ...common, minify: false, sourcemap: 'inline', entryPoints: findTests('test/unit', '.test.ts'), outdir: 'out/test/unit', outbase: 'test/unit' }));
  // Integration tests run inside the extension host: mocha stays external (the harness provides it).
  builds.push(esbuild.build({ ...common, minify: false, sourcemap: 'inline', external: ['vscode', 'mocha'], entryPoints: [...findTests('test/integration', '.test.ts'), ...findTests('test/integration', '.bench.ts'), 'test/integration/index.ts'], outdir: 'out/test/integration', outbase: 'test/integration' }));
}
const [ext, lazy] = await Promise.all(builds);
const shared = await sharedMinimatch;
// The command-line parts, run by loadCachedPart (src/node/cachedPart.ts), are written inside the
// wrapper it compiles them in (PART_WRAPPER_START/END there), on their first line: V8 then compiles
// the text as read, not a copy of it joined to the wrapper, on every agent tool call and commit.
for (const part of ['cli-guard.js', 'cli-verify.js', 'cli-commands.js']) {
  const file = join('dist', part);
  writeFileSync(file, `(function (exports, require, module, __filename, __dirname) { ${readFileSync(file, 'latin1')}\n})`, 'latin1');
}
// Node looks for the package.json nearest to each file it loads (for its "type"); without one in
// dist/ it parses the extension's manifest, ~20 KB, at every start of an agent's hook and of the
// commit gate. This one says what the bundles are.
writeFileSync('dist/package.json', '{ "type": "commonjs" }\n');
// The parts that agents' hooks and commits load are ASCII, which their loader reads as Latin-1 (a third
// of the time of decoding UTF-8: src/node/cachedPart.ts). esbuild escapes strings but not regular
// expressions; a development build keeps comments, so only the release build is checked.
if (release) {
  for (const part of ['cli-guard.js', 'cli-verify.js']) {
    const text = readFileSync(join('dist', part), 'latin1');
    const at = text.search(/[^\x00-\x7f]/);
    if (at >= 0) throw new Error(`dist/${part} has a character beyond ASCII near "${text.slice(Math.max(0, at - 40), at + 10)}": spell it \\uXXXX in the source`);
  }
}
const kb = (result) => (Object.values(result.metafile.outputs).filter((o) => o.entryPoint).reduce((n, o) => n + o.bytes, 0) / 1024).toFixed(1);
console.log(`dist/extension.js ${kb(ext)} KB${release ? ' (minified)' : ''}; loaded on first use: dist/lazy.js ${kb(lazy)} KB, dist/minimatch.js ${kb(shared)} KB`);
// --analyze: what dist/extension.js is made of, largest first.
if (args.has('--analyze')) console.log(await esbuild.analyzeMetafile(ext.metafile));
