// What the bundles load at run time is in the packages that ship them: every file of dist/ that a
// bundle requires (`require("./x.js")`) or runs as a CLI part (`loadCachedPart(__dirname, "x.js"…)`)
// is listed in .vscodeignore for the .vsix, and none that the command line loads is left out of the
// npm package by .npmignore. A bundle split in two (as dist/minimatch.js was) cannot ship half.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PART_WRAPPER_END, PART_WRAPPER_START } from '../../src/node/cachedPart';

const ROOT = join(__dirname, '..', '..', '..');
const DIST = join(ROOT, 'dist');

/** The dist files each bundle loads by name. */
function loadedBy(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const name of readdirSync(DIST).filter((f) => f.endsWith('.js'))) {
    const text = readFileSync(join(DIST, name), 'utf8');
    const files = new Set<string>();
    for (const m of text.matchAll(/require\("\.\/([\w.-]+\.js)"\)/g)) files.add(m[1]);
    for (const m of text.matchAll(/\(__dirname,\s*"([\w.-]+\.js)"/g)) files.add(m[1]); // a part, run by loadCachedPart (names minified or not)
    out.set(name, files);
  }
  return out;
}

/** Lines of an ignore file, without comments and blanks. */
const rules = (file: string): string[] => readFileSync(join(ROOT, file), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));

test('every file a bundle loads is built and in the .vsix; none the command line loads is left out of the npm package', () => {
  const loads = loadedBy();
  assert.ok((loads.get('extension.js')?.size ?? 0) >= 3, `dist/ is built with the extension's splits: ${[...(loads.get('extension.js') ?? [])].join(', ')}`);
  assert.ok(loads.get('cli.js')?.has('cli-guard.js'), 'the dispatcher runs its parts');

  const vsix = new Set(rules('.vscodeignore').filter((l) => l.startsWith('!dist/')).map((l) => l.slice('!dist/'.length)));
  const npmLeftOut = new Set(rules('.npmignore').filter((l) => l.startsWith('dist/')).map((l) => l.slice('dist/'.length)));
  // What the extension runs, and the command line it ships (the agents' hooks run dist/hook.js and dist/cli.js).
  const extensionEntries = ['extension.js', 'cli.js', 'hook.js'];
  const cliEntries = ['cli.js', 'hook.js'];
  const closure = (entries: string[]): Set<string> => {
    const seen = new Set<string>();
    const queue = [...entries];
    while (queue.length > 0) {
      const f = queue.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      assert.ok(existsSync(join(DIST, f)), `dist/${f} is loaded but not built`);
      queue.push(...(loads.get(f) ?? []));
    }
    return seen;
  };
  for (const f of closure(extensionEntries)) assert.ok(vsix.has(f), `dist/${f} is loaded by the extension or its CLI but not listed in .vscodeignore`);
  for (const f of closure(cliEntries)) assert.ok(!npmLeftOut.has(f), `dist/${f} is loaded by the command line but left out of the npm package by .npmignore`);
  assert.ok(vsix.has('minimatch.js') && npmLeftOut.has('minimatch.js'), 'dist/minimatch.js: the .vsix ships it, the npm package does not need it');
});

test('every part the command line runs with loadCachedPart is built inside its wrapper, which the loader compiles as it is', () => {
  const parts = new Set([...loadedBy().values()].flatMap((files) => [...files]).filter((f) => f.startsWith('cli-')));
  assert.deepEqual([...parts].sort(), ['cli-commands.js', 'cli-guard.js', 'cli-verify.js']);
  for (const part of parts) {
    const text = readFileSync(join(DIST, part), 'latin1');
    assert.ok(text.startsWith(PART_WRAPPER_START), `dist/${part} starts with the wrapper`);
    assert.ok(text.endsWith(PART_WRAPPER_END), `dist/${part} ends with it`);
  }
});

test('what the command line writes beside its parts at run time (code caches, parsed manifests, their temporary files) is never packed', () => {
  // A developer's `npm pack` after running the CLI would otherwise publish caches made for their Node,
  // and the text of their workspaces' manifests.
  const npmLeftOut = rules('.npmignore');
  for (const pattern of ['dist/*.v8cache', 'dist/*.cache', 'dist/*.tmp']) assert.ok(npmLeftOut.includes(pattern), `.npmignore leaves out ${pattern}`);
  // The .vsix lists what it ships, file by file: no pattern there takes a cache.
  const vsix = rules('.vscodeignore').filter((l) => l.startsWith('!dist/'));
  assert.deepEqual(vsix.filter((l) => l.includes('*')), [], 'the .vsix names its dist files one by one');
});
