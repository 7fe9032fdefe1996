// parseManifestCached (src/node/manifestCache.ts): a manifest parsed once per text by a command-line
// part, kept beside the part and read back. The result read back must be the parse itself, for every
// shape a manifest takes, and only for the very text and part it was made from.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseManifest } from '../../src/core/manifest';
import { MANIFEST_CACHE_SLOTS, manifestCacheFile, parseManifestCached, readParsed, writeParsed } from '../../src/node/manifestCache';
import { MANIFEST } from './cliHarness';
import { MANIFEST as TEAM_MANIFEST } from '../../bench/verifyBench';

/** Manifests of every shape the parse gives: comments, defaults filled in, optional fields, warnings, errors. */
const SHAPES: Record<string, string> = {
  'the tests\' manifest': MANIFEST,
  'a team\'s (six components, patterns, braces)': TEAM_MANIFEST,
  'every field, trailing commas': `{
    "tiers": {
      "tier1": { "label": "Revenue", "badge": "T1", "color": "red", "unlock": { "requireCode": true, "approvals": 1, "minReasonLength": 15, "maxMinutes": 45, "unsignedApprovals": "fail", }, "onBreach": "restore", },
      "tier2": { "label": "Infra", "color": "yellow", "unlock": { "requireCode": false }, "onBreach": "warn" },
    },
    "components": {
      "BOOKING_FLOW": { "tier": "tier1", "files": ["src/booking/**", "./src/a.ts"], "risk": "r", "impact": "i", "owners": ["ops@example.com"] },
    },
    "guardedCommands": [{ "pattern": "supabase db reset --linked", "message": "Wipes production data." }],
    "protectedBranches": ["develop", { "branch": "main", "message": "Open a pull request." }, { "branch": "constructor", "message": "m" }, "__proto__"],
  }`,
  'warnings (an unknown key)': '{ "tiers": { "t": { "reason": 1 } }, "components": { "A": { "tier": "t", "files": ["a/**"] } } }',
  'errors (no manifest, only problems)': '{ "tiers": { "t": { "badge": "LONG" } }, "zzz": 1 }',
  'a glob past a bound, in force with its stand-in': `{ "tiers": { "t": {} }, "components": { "A": { "tier": "t", "files": ["${'{a,b}'.repeat(40)}"] } } }`,
  'empty': '',
  'not an object': '[1, 2]',
  'beyond ASCII': '{ "tiers": { "t": { "label": "Niveau 1 · Recettes ✓" } }, "components": { "RÉSERVATION": { "tier": "t", "files": ["src/réservation/**"], "risk": "‼" } } }',
};

describe('parseManifestCached: a manifest parsed once by a CLI part, then read back', () => {
  let root: string;
  let n = 0;
  /** A part's file in a folder of its own, as loadCachedPart names it. */
  const part = (identity = '1:2:3:4.5:6.5'): { filename: string; identity: string } => {
    const dir = path.join(root, `part${n++}`);
    fs.mkdirSync(dir);
    return { filename: path.join(dir, 'cli-guard.js'), identity };
  };
  const cacheFiles = (p: { filename: string }): string[] => fs.readdirSync(path.dirname(p.filename)).filter((f) => f.includes('.manifest-'));

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-manifest-cache-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test('read back, every shape of parse is the parse itself', () => {
    for (const [what, text] of Object.entries(SHAPES)) {
      const p = part();
      const parsed = parseManifest(text);
      assert.deepStrictEqual(parseManifestCached(text, '/repo', p), parsed, `${what}: the first call parses`);
      assert.equal(cacheFiles(p).length, 1, `${what}: and keeps it`);
      const again = readParsed(manifestCacheFile(p.filename, '/repo'), p.identity, Buffer.from(text));
      assert.ok(again, `${what}: read back`);
      assert.deepStrictEqual(again, parsed, `${what}: read back equal`);
      assert.deepStrictEqual(parseManifestCached(text, '/repo', p), parsed, `${what}: from the cache`);
    }
  });

  test('the cache is what answers the next call (so it must be only for its own text and part)', () => {
    const p = part();
    parseManifestCached(MANIFEST, '/repo', p);
    // A parse of another manifest kept under this text: the next call answers with it.
    const other = parseManifest(TEAM_MANIFEST);
    writeParsed(manifestCacheFile(p.filename, '/repo'), p.identity, Buffer.from(MANIFEST), other);
    assert.deepStrictEqual(parseManifestCached(MANIFEST, '/repo', p), other);
  });

  test('another text (one byte changed, or only longer), another part or another build of it: parsed again, and the cache replaced', () => {
    const p = part();
    const file = manifestCacheFile(p.filename, '/repo');
    parseManifestCached(MANIFEST, '/repo', p);
    const edited = MANIFEST.replace('"db/migrations/**"', '"db/migration/**"');
    assert.deepStrictEqual(parseManifestCached(edited, '/repo', p), parseManifest(edited));
    assert.ok(readParsed(file, p.identity, Buffer.from(edited)), 'kept for the new text');
    assert.equal(readParsed(file, p.identity, Buffer.from(MANIFEST)), undefined, 'and no longer for the old one');
    assert.equal(readParsed(file, p.identity, Buffer.from(`${edited} `)), undefined, 'nor for a longer one');
    const sameLength = edited.replace('"db/migration/**"', '"db/migratioN/**"');
    assert.equal(Buffer.byteLength(sameLength), Buffer.byteLength(edited));
    assert.equal(readParsed(file, p.identity, Buffer.from(sameLength)), undefined, 'nor for one of the same length');
    assert.equal(readParsed(file, '1:2:3:4.5:7.5', Buffer.from(edited)), undefined, 'nor for a part changed since');
    const rebuilt = { ...p, identity: '1:2:3:4.5:7.5' };
    assert.deepStrictEqual(parseManifestCached(edited, '/repo', rebuilt), parseManifest(edited));
    assert.ok(readParsed(file, rebuilt.identity, Buffer.from(edited)));
  });

  test('outside a CLI part (no identity), only parsed: nothing is written', () => {
    const before = fs.readdirSync(root);
    assert.deepStrictEqual(parseManifestCached(MANIFEST, '/repo'), parseManifest(MANIFEST));
    assert.deepEqual(fs.readdirSync(root), before);
  });

  test('a torn, garbage or misshapen cache, a link or a pipe in its place: parsed as without one, and replaced', () => {
    const p = part();
    const file = manifestCacheFile(p.filename, '/repo');
    parseManifestCached(MANIFEST, '/repo', p);
    const good = fs.readFileSync(file);
    const headerEnd = good.indexOf(0x0a) + 1;
    const textEnd = headerEnd + Buffer.byteLength(MANIFEST);
    const withJson = (json: string): Buffer => {
      const header = good.subarray(0, headerEnd).toString('latin1').replace(/ \d+\n$/, ` ${Buffer.byteLength(json)}\n`);
      return Buffer.concat([Buffer.from(header, 'latin1'), good.subarray(headerEnd, textEnd), Buffer.from(json)]);
    };
    const spoilt: [string, Buffer][] = [
      ['cut short mid-write', good.subarray(0, good.length - 10)],
      ['empty', Buffer.alloc(0)],
      ['random bytes', Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256))],
      ['a header that lies about the length', Buffer.from(good.toString('latin1').replace(/ \d+\n/, ' 12\n'), 'latin1')],
      ['JSON that does not parse', withJson('{"manifest": ')],
      ['JSON of another shape', withJson('{"manifest": {"tiers": 1, "components": [], "guardedCommands": [], "protectedBranches": []}, "problems": []}')],
      ['no problems list', withJson('{"manifest": null}')],
      ['a string', withJson('"x"')],
    ];
    for (const [what, bytes] of spoilt) {
      fs.writeFileSync(file, bytes);
      assert.deepStrictEqual(parseManifestCached(MANIFEST, '/repo', p), parseManifest(MANIFEST), what);
      assert.ok(fs.readFileSync(file).equals(good), `${what}: replaced`);
    }
    // A link in its place is not followed (the parse written by another part elsewhere is not taken).
    const elsewhere = path.join(root, `elsewhere${n++}`);
    writeParsed(elsewhere, p.identity, Buffer.from(MANIFEST), parseManifest(TEAM_MANIFEST));
    fs.rmSync(file);
    fs.symlinkSync(elsewhere, file);
    assert.deepStrictEqual(parseManifestCached(MANIFEST, '/repo', p), parseManifest(MANIFEST));
    // A named pipe with a writer that never stops: read to a bound, never waited on for ever.
    fs.rmSync(file);
    execFileSync('mkfifo', [file]);
    const writer = spawn('sh', ['-c', `exec yes cache > '${file}'`], { stdio: 'ignore' });
    try {
      assert.deepStrictEqual(parseManifestCached(MANIFEST, '/repo', p), parseManifest(MANIFEST));
    } finally {
      writer.kill('SIGKILL');
    }
  });

  test('a folder that cannot be written: parsed every time, nothing left behind, nothing thrown', () => {
    const p = { filename: path.join(root, 'no-such-folder', 'cli-guard.js'), identity: '1:2:3:4.5:6.5' };
    assert.deepStrictEqual(parseManifestCached(MANIFEST, '/repo', p), parseManifest(MANIFEST));
    assert.equal(fs.existsSync(path.dirname(p.filename)), false);
    const taken = part();
    fs.mkdirSync(manifestCacheFile(taken.filename, '/repo')); // its path taken by a folder
    assert.deepStrictEqual(parseManifestCached(MANIFEST, '/repo', taken), parseManifest(MANIFEST));
    assert.deepEqual(fs.readdirSync(path.dirname(taken.filename)).filter((f) => f.endsWith('.tmp')), [], 'the temporary file is removed');
  });

  test(`one cache per workspace folder, in at most ${MANIFEST_CACHE_SLOTS} files per part`, () => {
    const p = part();
    const files = new Set<string>();
    for (let i = 0; i < 500; i++) files.add(path.basename(manifestCacheFile(p.filename, `/srv/repo${i}`)));
    assert.ok(files.size <= MANIFEST_CACHE_SLOTS && files.size > MANIFEST_CACHE_SLOTS / 2, String(files.size));
    for (const f of files) assert.match(f, /^cli-guard\.js\.manifest-\d\d\.cache$/);
    // Two workspaces with other manifests: each keeps its own (when their slots differ).
    const [a, b] = ['/srv/a', '/srv/b'];
    assert.notEqual(manifestCacheFile(p.filename, a), manifestCacheFile(p.filename, b));
    parseManifestCached(MANIFEST, a, p);
    parseManifestCached(TEAM_MANIFEST, b, p);
    assert.ok(readParsed(manifestCacheFile(p.filename, a), p.identity, Buffer.from(MANIFEST)));
    assert.ok(readParsed(manifestCacheFile(p.filename, b), p.identity, Buffer.from(TEAM_MANIFEST)));
  });
});
