import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyEdits } from 'jsonc-parser/lib/esm/main';
import {
  DEFAULT_UNLOCK_POLICY,
  MANIFEST_KEYS,
  MANIFEST_PATH,
  ON_BREACH_VALUES,
  PROTECTION_DIR,
  TIER_COLORS,
  findComponent,
  findTier,
  parseManifest,
  positionAt,
  setComponentCodeEdit,
  strictestTier,
} from '../../src/core/manifest';
import type { Manifest, ManifestProblem, ParsedManifest } from '../../src/core/manifest';
import { manifestText } from '../../src/core/manifestText';
import { hashCode, isCodeHash } from '../../src/core/codes';
import { STARTER_MANIFEST } from '../../src/core/starterManifest';

const SALT = 'c2FsdHNhbHQy'; // 9 bytes
const KEY = 'BwcHBwcHBwcHBwcHBwcHBw'; // 16 bytes
const HASH = `scrypt$16384$8$1$${SALT}$${KEY}`;
const HASH2 = 'scrypt$1024$1$1$c2FsdHNhbHQy$CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk';

function lines(...text: string[]): string {
  return text.join('\n');
}

function valid(text: string): Manifest {
  const parsed = parseManifest(text);
  assert.deepEqual(parsed.problems.filter((p) => p.severity === 'error'), [], 'expected no errors');
  assert.ok(parsed.manifest);
  return parsed.manifest;
}

/** The single problem at `line`:`column`, checked for severity and message. */
function problemAt(parsed: ParsedManifest, line: number, column: number, severity: ManifestProblem['severity'], message: RegExp): ManifestProblem {
  const here = parsed.problems.filter((p) => p.line === line && p.column === column);
  assert.equal(here.length, 1, `expected one problem at ${line}:${column}, got ${JSON.stringify(parsed.problems, null, 1)}`);
  const [problem] = here;
  assert.equal(problem.severity, severity, problem.message);
  assert.match(problem.message, message);
  if (severity === 'error') {
    assert.equal(parsed.manifest, undefined, 'a manifest with an error is never returned');
  }
  return problem;
}

/** A manifest with one tier `t` (no code needed) and the given component lines inside "components". */
function withComponents(...componentLines: string[]): string {
  return lines(
    '{',
    '  "tiers": { "t": { "unlock": { "requireCode": false } } },',
    '  "components": {',
    ...componentLines,
    '  }',
    '}',
  );
}

describe('parseManifest: a valid manifest', () => {
  const text = lines(
    '// Protection manifest',
    '{',
    '  "$schema": "./manifest.schema.json",',
    '  /* tiers, strictest first */',
    '  "tiers": {',
    '    "tier1": { "label": "Revenue critical", "badge": "T1", "color": "red",',
    '               "unlock": { "requireCode": true, "approvals": 2, "minReasonLength": 15, "maxMinutes": 45, },',
    '               "onBreach": "restore", },',
    '    "tier2": { "label": "Infra", "color": "yellow", "unlock": { "requireCode": false }, "onBreach": "warn" },',
    '  },',
    '  "components": {',
    '    "BOOKING_FLOW": {',
    '      "tier": "tier1",',
    '      "files": ["src/context/PersistentChatProvider.tsx", "src/lib/services/booking*.ts",],',
    '      "risk": "Booking stops", // trailing comment',
    '      "impact": "$10,000+/day",',
    '      "owners": ["ops@example.com", "cto@example.com"],',
    `      "unlockCodes": ["${HASH}", "${HASH2}"],`,
    '    },',
    '    "MIGRATIONS": { "tier": "tier2", "files": ["db/migrations/**"] },',
    '  },',
    '  "guardedCommands": [{ "pattern": "supabase db reset --linked", "message": "Wipes production data." }],',
    '  "protectedBranches": ["main", "release"],',
    '}',
  );

  test('comments and trailing commas are accepted, with no problem at all', () => {
    assert.deepEqual(parseManifest(text).problems, []);
  });

  test('tiers keep declaration order as rank, with every field read', () => {
    const m = valid(text);
    assert.deepEqual(m.tiers, [
      { id: 'tier1', label: 'Revenue critical', badge: 'T1', color: 'red', unlock: { requireCode: true, approvals: 2, minReasonLength: 15, maxMinutes: 45 }, onBreach: 'restore', rank: 0 },
      { id: 'tier2', label: 'Infra', badge: 'TI', color: 'yellow', unlock: { requireCode: false, approvals: 1, minReasonLength: 10, maxMinutes: 30 }, onBreach: 'warn', rank: 1 },
    ]);
  });

  test('components keep declaration order, with defaults for the optional fields', () => {
    const m = valid(text);
    assert.deepEqual(m.components, [
      {
        name: 'BOOKING_FLOW', tier: 'tier1', files: ['src/context/PersistentChatProvider.tsx', 'src/lib/services/booking*.ts'],
        risk: 'Booking stops', impact: '$10,000+/day', owners: ['ops@example.com', 'cto@example.com'], unlockCodes: [HASH, HASH2],
      },
      { name: 'MIGRATIONS', tier: 'tier2', files: ['db/migrations/**'], risk: '', impact: '', owners: [], unlockCodes: [] },
    ]);
  });

  test('guarded commands and protected branches', () => {
    const m = valid(text);
    assert.deepEqual(m.guardedCommands, [{ pattern: 'supabase db reset --linked', message: 'Wipes production data.' }]);
    assert.deepEqual(m.protectedBranches, ['main', 'release']);
    assert.deepEqual(m.protectedBranchMessages, {});
  });

  test('helpers: strictestTier, findTier, findComponent', () => {
    const m = valid(text);
    assert.equal(strictestTier(m)?.id, 'tier1');
    assert.equal(findTier(m, 'tier2')?.label, 'Infra');
    assert.equal(findTier(m, 'tier3'), undefined);
    assert.equal(findComponent(m, 'MIGRATIONS')?.tier, 'tier2');
    assert.equal(findComponent(m, 'migrations'), undefined, 'names are case-sensitive');
    assert.equal(strictestTier({ tiers: [], components: [], guardedCommands: [], protectedBranches: [] }), undefined);
  });

  test('strictestTier goes by rank, not array order', () => {
    const m = valid(text);
    const reversed: Manifest = { ...m, tiers: [...m.tiers].reverse() };
    assert.equal(strictestTier(reversed)?.id, 'tier1');
  });

  test('constants', () => {
    assert.equal(MANIFEST_PATH, '.protection/manifest.jsonc');
    assert.equal(PROTECTION_DIR, '.protection');
  });
});

describe('parseManifest: defaults', () => {
  test('a tier given as {} gets the documented defaults', () => {
    const m = valid('{ "tiers": { "gold": {}, "silver": {} }, "components": {} }');
    assert.deepEqual(m.tiers[0], {
      id: 'gold', label: 'gold', badge: 'GO', color: 'gray', onBreach: 'restore', rank: 0,
      unlock: { requireCode: true, approvals: 1, minReasonLength: 10, maxMinutes: 30 },
    });
    assert.equal(m.tiers[1].rank, 1);
    assert.deepEqual(DEFAULT_UNLOCK_POLICY, { requireCode: true, approvals: 1, minReasonLength: 10, maxMinutes: 30 });
  });

  test('a partial unlock keeps the defaults of the fields it leaves out', () => {
    const m = valid('{ "tiers": { "t": { "unlock": { "maxMinutes": 5 } } } }');
    assert.deepEqual(m.tiers[0].unlock, { requireCode: true, approvals: 1, minReasonLength: 10, maxMinutes: 5 });
  });

  test('a one-character id gives a one-character badge; a one-character badge is allowed', () => {
    const m = valid('{ "tiers": { "x": {}, "y": { "badge": "★" } } }');
    assert.equal(m.tiers[0].badge, 'X');
    assert.equal(m.tiers[1].badge, '★');
  });

  test('no "components" is valid, with a warning that only .protection/ is protected', () => {
    const parsed = parseManifest('{ "tiers": { "t": {} } }');
    assert.ok(parsed.manifest);
    assert.deepEqual(parsed.manifest.components, []);
    assert.deepEqual(parsed.manifest.guardedCommands, []);
    assert.deepEqual(parsed.manifest.protectedBranches, []);
    problemAt(parsed, 0, 0, 'warning', /no "components"/);
  });
});

describe('parseManifest: JSON syntax', () => {
  test('a missing comma is reported where the next property starts', () => {
    const parsed = parseManifest(lines(
      '{',
      '  "tiers": { "t": {} }',
      '  "components": {}',
      '}',
    ));
    const p = problemAt(parsed, 2, 2, 'error', /comma is expected/);
    assert.equal(p.offset, 27);
  });

  test('an unclosed string', () => {
    const parsed = parseManifest(lines('{', '  "tiers": { "t": { "label": "oops } }', '}'));
    // The string starts at column 29 of line 1 and runs to the end of the text.
    problemAt(parsed, 1, 29, 'error', /string is not closed/);
  });

  test('an unclosed block comment', () => {
    const parsed = parseManifest(lines('{ "tiers": { "t": {} } }', '/* unfinished'));
    problemAt(parsed, 1, 0, 'error', /comment is not closed/);
  });

  test('text after the object', () => {
    const parsed = parseManifest('{ "tiers": { "t": {} } } {}');
    problemAt(parsed, 0, 25, 'error', /single object/);
  });

  test('a syntax error reports only syntax: the rest would describe a half-read document', () => {
    const parsed = parseManifest('{ "components": { "A": { "tier": "nope" } }, }}');
    assert.ok(parsed.problems.length > 0);
    assert.ok(parsed.problems.every((p) => p.message.startsWith('Invalid JSON')), JSON.stringify(parsed.problems));
  });

  test('the same syntax error at one place is one problem that says how many (two closing braces missing at the end)', () => {
    const parsed = parseManifest('{\n  "tiers": { "t1": { "label": "T1" }\n');
    assert.equal(parsed.problems.length, 1, JSON.stringify(parsed.problems));
    problemAt(parsed, 2, 0, 'error', /^Invalid JSON: a closing brace "\}" is expected here \(2 times\)\.$/);
  });

  test('positions count CRLF line ends once', () => {
    const parsed = parseManifest('{\r\n  "tiers": { "t": {} }\r\n  "components": {}\r\n}');
    problemAt(parsed, 2, 2, 'error', /comma/);
  });
});

describe('parseManifest: structure', () => {
  test('empty text', () => {
    problemAt(parseManifest(''), 0, 0, 'error', /empty/);
    problemAt(parseManifest('  // only a comment\n'), 0, 0, 'error', /empty/);
  });

  test('top level not an object', () => {
    problemAt(parseManifest('\n  [1, 2]'), 1, 2, 'error', /must be an object.*not an array/);
    problemAt(parseManifest('"tiers"'), 0, 0, 'error', /not a string/);
  });

  test('missing "tiers" is reported on the object', () => {
    problemAt(parseManifest('{\n  "components": {}\n}'), 0, 0, 'error', /no "tiers"/);
  });

  test('empty "tiers"', () => {
    problemAt(parseManifest('{\n  "tiers": {}\n}'), 1, 11, 'error', /"tiers" is empty/);
  });

  test('"tiers" of the wrong type', () => {
    problemAt(parseManifest('{ "tiers": ["tier1"] }'), 0, 11, 'error', /"tiers" must be an object/);
  });

  test('a tier that is not an object is reported on its value', () => {
    problemAt(parseManifest(lines('{', '  "tiers": {', '    "tier1": 5', '  }', '}')), 2, 13, 'error', /Tier "tier1" must be an object.*not a number/);
  });

  test('a duplicate tier id is reported on the second key', () => {
    const parsed = parseManifest(lines('{', '  "tiers": {', '    "t": {},', '    "t": { "badge": "X" }', '  }', '}'));
    problemAt(parsed, 3, 4, 'error', /Tier "t" is declared twice/);
  });

  test('"components" of the wrong type', () => {
    problemAt(parseManifest('{ "tiers": { "t": {} }, "components": [] }'), 0, 38, 'error', /"components" must be an object/);
  });
});

describe('parseManifest: tier fields', () => {
  // Line 2 of each text holds the tier; the column is where the bad value starts.
  function tierText(fields: string): string {
    return lines('{', '  "tiers": {', `    "t1": { ${fields} }`, '  }', '}');
  }
  const cases: [string, number, RegExp][] = [
    ['"badge": "ABC"', 21, /"badge" must be one or two characters/],
    ['"badge": ""', 21, /"badge" must be one or two characters/],
    ['"badge": 7', 21, /"badge" of tier "t1" must be a string, not a number/],
    ['"label": false', 21, /"label" of tier "t1" must be a string, not a boolean/],
    ['"color": "pink"', 21, /"color" of tier "t1" must be one of "red", "orange", "yellow", "green", "blue", "purple", "gray", not "pink"/],
    ['"onBreach": "delete"', 24, /"onBreach" of tier "t1" must be one of "restore", "warn", not "delete"/],
    ['"unlock": true', 22, /"unlock" of tier "t1" must be an object/],
    ['"unlock": { "requireCode": "yes" }', 39, /"requireCode" must be true or false, not a string/],
    ['"unlock": { "approvals": 3 }', 37, /"approvals" must be 1 or 2/],
    ['"unlock": { "approvals": "2" }', 37, /"approvals" must be 1 or 2/],
    ['"unlock": { "minReasonLength": 0 }', 43, /"minReasonLength" must be a whole number of at least 1, not 0/],
    ['"unlock": { "minReasonLength": -4 }', 43, /"minReasonLength" must be a whole number/],
    ['"unlock": { "maxMinutes": 1.5 }', 38, /"maxMinutes" must be a whole number of at least 1, not 1.5/],
    ['"unlock": { "maxMinutes": "30" }', 38, /"maxMinutes" must be a whole number of at least 1, not a string/],
  ];
  for (const [fields, column, message] of cases) {
    test(fields, () => {
      problemAt(parseManifest(tierText(fields)), 2, column, 'error', message);
    });
  }

  test('a repeated field inside a tier is an error on the second one', () => {
    problemAt(parseManifest(tierText('"onBreach": "restore", "onBreach": "warn"')), 2, 35, 'error', /"onBreach" appears twice in tier "t1"/);
  });

  test('unknown keys in a tier and in its unlock are warnings; the manifest stays valid', () => {
    const parsed = parseManifest(tierText('"colour": "red", "unlock": { "code": true }'));
    problemAt(parsed, 2, 12, 'warning', /Unknown key "colour" in tier "t1".*"color"/);
    problemAt(parsed, 2, 41, 'warning', /Unknown key "code" in "unlock" of tier "t1"/);
    assert.ok(parsed.manifest);
  });
});

describe('parseManifest: components', () => {
  test('an unknown tier is reported on the tier string, naming the known ones', () => {
    const parsed = parseManifest(withComponents('    "A": { "tier": "tier9", "files": ["a"] }'));
    problemAt(parsed, 3, 19, 'error', /Unknown tier "tier9": use one of "t"/);
  });

  test('a missing tier is reported on the component name', () => {
    problemAt(parseManifest(withComponents('    "A": { "files": ["a"] }')), 3, 4, 'error', /Component "A" has no "tier"/);
  });

  test('missing "files" is reported on the component name', () => {
    problemAt(parseManifest(withComponents('    "A": { "tier": "t" }')), 3, 4, 'error', /Component "A" has no "files"/);
  });

  test('empty "files"', () => {
    problemAt(parseManifest(withComponents('    "A": { "tier": "t", "files": [] }')), 3, 33, 'error', /"files" of component "A" is empty/);
  });

  test('"files" that is a string, not a list', () => {
    problemAt(parseManifest(withComponents('    "A": { "tier": "t", "files": "src/**" }')), 3, 33, 'error', /"files" must be an array/);
  });

  test('an empty glob and a non-string glob', () => {
    const parsed = parseManifest(withComponents('    "A": { "tier": "t", "files": ["ok/**", "", 3] }'));
    problemAt(parsed, 3, 43, 'error', /empty glob/);
    problemAt(parsed, 3, 47, 'error', /must be a glob string, not a number/);
  });

  for (const glob of ['../x', 'a/../../x', '/etc/*', 'C:\\\\x', '\\\\\\\\server\\\\share', '..', 'src/{ok,../../up}/*']) {
    test(`"${glob}" escapes the workspace folder`, () => {
      const parsed = parseManifest(withComponents(`    "A": { "tier": "t", "files": ["${glob}"] }`));
      problemAt(parsed, 3, 34, 'error', /escapes the workspace folder/);
    });
  }

  test('a glob that goes down and back up inside the folder is fine', () => {
    valid(withComponents('    "A": { "tier": "t", "files": ["src/../lib/**"] }'));
  });

  test('globs minimatch would read differently from what was meant are warnings', () => {
    const parsed = parseManifest(withComponents('    "A": { "tier": "t", "files": ["!src/**", "#notes", "src\\\\lib\\\\a.ts", "legacy/"] }'));
    problemAt(parsed, 3, 34, 'warning', /negated globs are not supported/);
    problemAt(parsed, 3, 45, 'warning', /leading "#" is not a comment/);
    problemAt(parsed, 3, 55, 'warning', /backslash/);
    problemAt(parsed, 3, 73, 'warning', /ends with "\/".*"legacy\/\*\*"/);
    assert.ok(parsed.manifest);
  });

  test('duplicate component names: the second is an error on its key', () => {
    const parsed = parseManifest(withComponents(
      '    "A": { "tier": "t", "files": ["a"] },',
      '    "B": { "tier": "t", "files": ["b"] },',
      '    "A": { "tier": "t", "files": ["c"] }',
    ));
    problemAt(parsed, 5, 4, 'error', /Component "A" is declared twice/);
  });

  test('a component that is not an object', () => {
    problemAt(parseManifest(withComponents('    "A": ["a"]')), 3, 9, 'error', /Component "A" must be an object/);
  });

  test('field types: risk, impact, owners', () => {
    const parsed = parseManifest(withComponents('    "A": { "tier": "t", "files": ["a"], "risk": 1, "impact": null, "owners": "me" }'));
    problemAt(parsed, 3, 48, 'error', /"risk" of component "A" must be a string, not a number/);
    problemAt(parsed, 3, 61, 'error', /"impact" of component "A" must be a string, not null/);
    problemAt(parsed, 3, 77, 'error', /"owners" must be an array of strings/);
  });

  test('unknown keys in a component are warnings', () => {
    const parsed = parseManifest(withComponents('    "A": { "tier": "t", "files": ["a"], "owner": "me" }'));
    problemAt(parsed, 3, 40, 'warning', /Unknown key "owner" in component "A"/);
    assert.ok(parsed.manifest);
  });

  test('a name the one-line UNLOCK form cannot carry is a warning', () => {
    const parsed = parseManifest(withComponents('    "Booking flow": { "tier": "t", "files": ["a"] }'));
    problemAt(parsed, 3, 4, 'warning', /one-line UNLOCK form/);
    assert.equal(parsed.manifest?.components[0].name, 'Booking flow');
  });

  test('a component in a tier that needs a code, without enough codes, is a warning', () => {
    const text = lines(
      '{',
      '  "tiers": { "one": {}, "two": { "unlock": { "approvals": 2 } } },',
      '  "components": {',
      '    "A": { "tier": "one", "files": ["a"] },',
      `    "B": { "tier": "two", "files": ["b"], "unlockCodes": ["${HASH}"] },`,
      `    "C": { "tier": "two", "files": ["c"], "unlockCodes": ["${HASH}", "${HASH2}"] }`,
      '  }',
      '}',
    );
    const parsed = parseManifest(text);
    problemAt(parsed, 3, 4, 'warning', /tier "one", which needs 1 code to unlock, but has no "unlockCodes"/);
    problemAt(parsed, 4, 4, 'warning', /needs 2 codes to unlock, but has only 1 unlock code/);
    assert.equal(parsed.problems.length, 2);
    assert.ok(parsed.manifest);
  });
});

describe('parseManifest: unlock code hashes', () => {
  const bad = [
    'hunter2', // a plain code
    'scrypt$1000$8$1$c2FsdA$aGFzaA', // N not a power of two
    'scrypt$512$8$1$c2FsdA$aGFzaA', // N below 1024
    'scrypt$01024$8$1$c2FsdA$aGFzaA', // leading zero
    'scrypt$16384$0$1$c2FsdA$aGFzaA', // r = 0
    'scrypt$16384$8$-1$c2FsdA$aGFzaA', // p negative
    'scrypt$16384$8$1$c2Fs+A$aGFzaA', // salt not base64url
    'scrypt$16384$8$1$c2FsdA$aGFzaA==', // padding
    'scrypt$16384$8$1$$aGFzaA', // empty salt
    'scrypt$16384$8$1$c2FsdA$', // empty hash
    'scrypt$16384$8$1$c2FsdA', // a part missing
    'scrypt$16384$8$1$c2FsdA$aGFzaA$x', // a part too many
    'bcrypt$16384$8$1$c2FsdA$aGFzaA', // other algorithm
    // Well-formed, but with parameters the code checker refuses: such a hash could never unlock.
    `scrypt$2097152$8$1$${SALT}$${KEY}`, // N above 2^20
    `scrypt$${2 ** 40}$1$1$${SALT}$${KEY}`, // N far above
    `scrypt$16384$33$1$${SALT}$${KEY}`, // r above 32
    `scrypt$16384$8$17$${SALT}$${KEY}`, // p above 16
    `scrypt$1048576$16$1$${SALT}$${KEY}`, // 2 GiB of memory per attempt
    `scrypt$16384$8$1$AAAA$${KEY}`, // salt of 3 bytes
    `scrypt$16384$8$1$${SALT}$BBBB`, // key of 3 bytes
    `scrypt$16384$8$1$${SALT}$${KEY.slice(0, -1)}x`, // key that does not round-trip
  ];
  for (const hash of bad) {
    test(`rejects ${hash}`, () => {
      assert.equal(isCodeHash(hash), false);
      const parsed = parseManifest(withComponents(`    "A": { "tier": "t", "files": ["a"], "unlockCodes": ["${HASH}", "${hash}"] }`));
      problemAt(parsed, 3, 56 + HASH.length + 4, 'error', /Malformed unlock code hash.*never write a plain code/);
    });
  }

  test('accepts what codes.ts writes and checks', async () => {
    const written = await hashCode('a code of some length', { N: 1024, r: 1, p: 1 });
    for (const hash of [HASH, HASH2, written, `scrypt$131072$8$1$${SALT}$${KEY}`]) {
      const parsed = parseManifest(withComponents(`    "A": { "tier": "t", "files": ["a"], "unlockCodes": ["${hash}"] }`));
      assert.deepEqual(parsed.problems, [], hash);
      assert.deepEqual(parsed.manifest?.components[0].unlockCodes, [hash]);
    }
  });

  test('"unlockCodes" that is not an array, and an entry that is not a string', () => {
    problemAt(parseManifest(withComponents('    "A": { "tier": "t", "files": ["a"], "unlockCodes": "x" }')), 3, 55, 'error', /"unlockCodes" must be an array/);
    problemAt(parseManifest(withComponents('    "A": { "tier": "t", "files": ["a"], "unlockCodes": [42] }')), 3, 56, 'error', /Malformed unlock code hash/);
  });
});

describe('parseManifest: top level', () => {
  test('unknown top-level keys are warnings', () => {
    const parsed = parseManifest(lines('{', '  "tiers": { "t": {} },', '  "components": {},', '  "version": 2', '}'));
    problemAt(parsed, 3, 2, 'warning', /Unknown key "version" at the top level/);
    assert.ok(parsed.manifest);
  });

  test('"$schema" is allowed but must be a string', () => {
    valid('{ "$schema": "https://example.com/s.json", "tiers": { "t": {} }, "components": {} }');
    problemAt(parseManifest('{ "$schema": 1, "tiers": { "t": {} }, "components": {} }'), 0, 13, 'error', /"\$schema" must be a string/);
  });

  test('guardedCommands: types and required pattern', () => {
    const prefix = '{ "tiers": { "t": {} }, "components": {}, "guardedCommands": ';
    problemAt(parseManifest(`${prefix}{} }`), 0, prefix.length, 'error', /"guardedCommands" must be an array/);
    problemAt(parseManifest(`${prefix}["rm -rf"] }`), 0, prefix.length + 1, 'error', /must be an object/);
    problemAt(parseManifest(`${prefix}[{ "message": "x" }] }`), 0, prefix.length + 1, 'error', /needs a "pattern"/);
    problemAt(parseManifest(`${prefix}[{ "pattern": "" }] }`), 0, prefix.length + 14, 'error', /empty "pattern"/);
    problemAt(parseManifest(`${prefix}[{ "pattern": 5 }] }`), 0, prefix.length + 14, 'error', /"pattern" of a guarded command must be a string/);
    const warned = parseManifest(`${prefix}[{ "pattern": "db reset", "why": "x" }] }`);
    problemAt(warned, 0, prefix.length + 26, 'warning', /Unknown key "why" in a guarded command/);
    assert.deepEqual(warned.manifest?.guardedCommands, [{ pattern: 'db reset', message: '' }]);
  });

  test('protectedBranches must be strings', () => {
    const prefix = '{ "tiers": { "t": {} }, "components": {}, "protectedBranches": ';
    problemAt(parseManifest(`${prefix}"main" }`), 0, prefix.length, 'error', /"protectedBranches" must be an array/);
    problemAt(parseManifest(`${prefix}["main", 1] }`), 0, prefix.length + 9, 'error', /Each entry of "protectedBranches" must be a string \(a branch name\) or an object \{ "branch"/);
  });

  test('protectedBranches: an entry may be { "branch", "message" }, mixed with strings', () => {
    const parsed = parseManifest(lines(
      '{',
      '  "tiers": { "t": {} }, "components": {},',
      '  "protectedBranches": [',
      '    "develop",',
      '    { "branch": "main", "message": "Production deploys from main: open a pull request." },',
      '    { "branch": "release/*" },',
      '    { "branch": "hotfix/*", "message": "" },',
      '  ]',
      '}',
    ));
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.manifest?.protectedBranches, ['develop', 'main', 'release/*', 'hotfix/*']);
    assert.deepEqual(parsed.manifest?.protectedBranchMessages, { main: 'Production deploys from main: open a pull request.' });
  });

  test('protectedBranches: a bad object entry is reported at its position', () => {
    const prefix = '{ "tiers": { "t": {} }, "components": {}, "protectedBranches": [';
    problemAt(parseManifest(`${prefix}{ "message": "x" }] }`), 0, prefix.length, 'error', /A protected branch object needs a "branch"/);
    problemAt(parseManifest(`${prefix}{ "branch": 1 }] }`), 0, prefix.length + 12, 'error', /"branch" of a protected branch must be a string, not a number/);
    problemAt(parseManifest(`${prefix}{ "branch": " " }] }`), 0, prefix.length + 12, 'error', /An empty "branch" protects nothing/);
    problemAt(parseManifest(`${prefix}{ "branch": "main", "message": ["x"] }] }`), 0, prefix.length + 31, 'error', /"message" of a protected branch must be a string, not an array/);
    problemAt(parseManifest(`${prefix}{ "branch": "main", "branch": "dev" }] }`), 0, prefix.length + 20, 'error', /"branch" appears twice in a protected branch/);
    const warned = parseManifest(`${prefix}{ "branch": "main", "reason": "x" }] }`);
    problemAt(warned, 0, prefix.length + 20, 'warning', /Unknown key "reason" in a protected branch is ignored; expected one of "branch", "message"/);
    assert.deepEqual(warned.manifest?.protectedBranches, ['main']);
    assert.deepEqual(warned.manifest?.protectedBranchMessages, {});
  });

  test('protectedBranches: "constructor" and other Object.prototype names are plain branch names', () => {
    const m = valid('{ "tiers": { "t": {} }, "components": {}, "protectedBranches": ["constructor", { "branch": "toString", "message": "m" }] }');
    assert.deepEqual(m.protectedBranchMessages, { toString: 'm' });
  });

  test('problems come sorted by position', () => {
    const parsed = parseManifest(lines('{', '  "zzz": 1,', '  "tiers": { "t": { "badge": "LONG" } },', '  "aaa": 2', '}'));
    const offsets = parsed.problems.map((p) => p.offset);
    assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b));
    assert.equal(parsed.problems.length, 4); // zzz, badge, aaa, no components
  });
});

describe('positionAt', () => {
  test('lines end at \\n, \\r\\n and \\r; columns count UTF-16 units', () => {
    const text = 'ab\ncd\r\nef\rgh';
    assert.deepEqual(positionAt(text, 0), { line: 0, column: 0 });
    assert.deepEqual(positionAt(text, 2), { line: 0, column: 2 });
    assert.deepEqual(positionAt(text, 3), { line: 1, column: 0 });
    assert.deepEqual(positionAt(text, 7), { line: 2, column: 0 });
    assert.deepEqual(positionAt(text, 10), { line: 3, column: 0 });
    assert.deepEqual(positionAt(text, 12), { line: 3, column: 2 });
    assert.deepEqual(positionAt(text, 99), { line: 3, column: 2 }, 'clamped to the end');
    assert.deepEqual(positionAt('😀x', 2), { line: 0, column: 2 });
  });
});

describe('setComponentCodeEdit', () => {
  const text = lines(
    '// keep this comment',
    '{',
    '  "tiers": { "t": {} },',
    '  "components": {',
    '    // the booking flow',
    '    "BOOKING": {',
    '      "tier": "t",',
    '      "files": ["src/booking/**"], // every booking file',
    '    },',
    '  },',
    '}',
  );

  test('adds unlockCodes after the last field, keeping comments, commas and layout', () => {
    const edited = applyEdits(text, setComponentCodeEdit(text, 'BOOKING', [HASH]));
    assert.equal(edited, lines(
      '// keep this comment',
      '{',
      '  "tiers": { "t": {} },',
      '  "components": {',
      '    // the booking flow',
      '    "BOOKING": {',
      '      "tier": "t",',
      '      "files": ["src/booking/**"], // every booking file',
      '      "unlockCodes": [',
      `        "${HASH}"`,
      '      ],',
      '    },',
      '  },',
      '}',
    ));
  });

  test('without a trailing comma, the comma goes before the comment of the last field', () => {
    const source = lines('{', '  "tiers": { "t": {} },', '  "components": {', '    "D": {', '      "tier": "t",', '      "files": ["d"] /* d */ // d files', '    }', '  }', '}');
    const edited = applyEdits(source, setComponentCodeEdit(source, 'D', [HASH, HASH2]));
    assert.equal(edited, lines('{', '  "tiers": { "t": {} },', '  "components": {', '    "D": {', '      "tier": "t",',
      '      "files": ["d"], /* d */ // d files',
      '      "unlockCodes": [',
      `        "${HASH}",`,
      `        "${HASH2}"`,
      '      ]',
      '    }', '  }', '}'));
  });

  test('a one-line component gets a one-line array', () => {
    const source = withComponents('    "C": { "tier": "t", "files": ["c"] }');
    const edited = applyEdits(source, setComponentCodeEdit(source, 'C', [HASH]));
    assert.ok(edited.includes(`    "C": { "tier": "t", "files": ["c"], "unlockCodes": ["${HASH}"] }`), edited);
    const replaced = applyEdits(edited, setComponentCodeEdit(edited, 'C', []));
    assert.ok(replaced.includes('    "C": { "tier": "t", "files": ["c"], "unlockCodes": [] }'), replaced);
  });

  test('replaces existing codes', () => {
    const once = applyEdits(text, setComponentCodeEdit(text, 'BOOKING', [HASH]));
    const twice = applyEdits(once, setComponentCodeEdit(once, 'BOOKING', [HASH2, HASH]));
    assert.deepEqual(valid(twice).components[0].unlockCodes, [HASH2, HASH]);
    assert.equal(twice.split('"unlockCodes"').length, 2, 'one unlockCodes key');
  });

  test('keeps CRLF line ends', () => {
    const crlf = text.replace(/\n/g, '\r\n');
    const edited = applyEdits(crlf, setComponentCodeEdit(crlf, 'BOOKING', [HASH]));
    assert.equal(edited.replace(/\r\n/g, '').includes('\n'), false);
  });

  test('refuses an unknown component rather than creating one', () => {
    assert.throws(() => setComponentCodeEdit(text, 'PAYMENTS', [HASH]), /Component "PAYMENTS" is not in the manifest/);
  });

  test('refuses text with syntax errors', () => {
    assert.throws(() => setComponentCodeEdit('{ "components": { "A": {', 'A', [HASH]), /syntax errors/);
  });
});

describe('STARTER_MANIFEST', () => {
  test('parses with no problem at all', () => {
    assert.deepEqual(parseManifest(STARTER_MANIFEST).problems, []);
  });

  test('has the two documented tiers and an example component that protects nothing real', () => {
    const m = valid(STARTER_MANIFEST);
    assert.deepEqual(m.tiers.map((t) => [t.id, t.label, t.badge, t.color, t.unlock.requireCode, t.onBreach]), [
      ['tier1', 'Tier 1 · Revenue critical', 'T1', 'red', true, 'restore'],
      ['tier2', 'Tier 2 · Infrastructure', 'T2', 'yellow', false, 'warn'],
    ]);
    assert.equal(m.tiers[0].unlock.maxMinutes, 30);
    assert.equal(m.tiers[1].unlock.minReasonLength, 10);
    assert.deepEqual(m.components.map((c) => [c.name, c.tier, c.files]), [['EXAMPLE', 'tier2', ['CHANGE-ME/**']]]);
    assert.ok(!STARTER_MANIFEST.includes('"$schema"'));
  });

  test('Set Unlock Code works on it', () => {
    const edited = applyEdits(STARTER_MANIFEST, setComponentCodeEdit(STARTER_MANIFEST, 'EXAMPLE', [HASH]));
    assert.deepEqual(valid(edited).components[0].unlockCodes, [HASH]);
  });
});

describe('schemas/manifest.schema.json agrees with the parser', () => {
  interface SchemaNode { properties?: Record<string, SchemaNode>; items?: SchemaNode; oneOf?: SchemaNode[]; enum?: unknown[]; pattern?: string; additionalProperties?: unknown; $ref?: string; markdownDescription?: string }
  const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'schemas', 'manifest.schema.json'), 'utf8')) as SchemaNode & { definitions: Record<string, SchemaNode> };
  const defs = schema.definitions;
  const keys = (node: SchemaNode): string[] => Object.keys(node.properties ?? {}).sort();
  const guarded = (schema.properties?.guardedCommands.items ?? {}) as SchemaNode;
  const branchForms = schema.properties?.protectedBranches.items?.oneOf ?? [];
  const branchObject = branchForms.find((node) => node.properties) ?? {};

  test('the same keys, and unknown keys flagged everywhere the parser warns', () => {
    assert.deepEqual(keys(schema), [...MANIFEST_KEYS.topLevel].sort());
    assert.deepEqual(keys(defs.tier), [...MANIFEST_KEYS.tier].sort());
    assert.deepEqual(keys(defs.unlock), [...MANIFEST_KEYS.unlock].sort());
    assert.deepEqual(keys(defs.component), [...MANIFEST_KEYS.component].sort());
    assert.deepEqual(keys(guarded), [...MANIFEST_KEYS.guardedCommand].sort());
    assert.deepEqual(keys(branchObject), [...MANIFEST_KEYS.protectedBranch].sort());
    for (const node of [schema, defs.tier, defs.unlock, defs.component, guarded, branchObject]) {
      assert.equal(node.additionalProperties, false);
    }
  });

  test('the same enums', () => {
    assert.deepEqual(defs.tier.properties?.color.enum, [...TIER_COLORS]);
    assert.deepEqual(defs.tier.properties?.onBreach.enum, [...ON_BREACH_VALUES]);
    assert.deepEqual(defs.unlock.properties?.approvals.enum, [1, 2]);
  });

  test('the hash pattern accepts and rejects what the parser does', () => {
    const pattern = new RegExp(defs.component.properties?.unlockCodes.items?.pattern ?? '');
    const bad = ['hunter2', 'scrypt$1000$8$1', 'scrypt$512$8$1', 'scrypt$2097152$8$1', 'scrypt$1024$0$1', 'scrypt$1024$33$1', 'scrypt$1024$1$17'].map((p) => `${p}$${SALT}$${KEY}`);
    const pub = Buffer.alloc(32, 7).toString('base64url');
    const signing = [`ed25519$16384$8$1$${SALT}$${pub}`, `ed25519$16384$8$1$${SALT}$${pub}$ann@example.com`, `ed25519-once$1024$8$1$${SALT}$${pub}$Ann Smith`,
      `ed25519$16384$8$1$${SALT}$${pub.slice(1)}`, `ed25519$16384$8$1$${SALT}$${pub}$ leading-space`, `ed25519$16384$8$1$${SALT}$${pub}$`, `ed25519$512$8$1$${SALT}$${pub}`,
      `ed25519-twice$16384$8$1$${SALT}$${pub}`, `ed25519$16384$8$1$${SALT}$${pub}$a$b`];
    for (const hash of [HASH, HASH2, `scrypt$131072$8$1$${SALT}$${KEY}`, `scrypt$1048576$1$16$${SALT}$${KEY}`, ...bad, `scrypt$1024$1$1$A+$${KEY}`, `scrypt$1024$1$1$$${KEY}`, ...signing]) {
      assert.equal(pattern.test(hash), isCodeHash(hash), hash);
    }
    assert.ok(signing.slice(0, 3).every((h) => isCodeHash(h)), 'the three well-formed signing entries are accepted');
  });

  test('every property has hover documentation', () => {
    const visit = (node: SchemaNode, where: string): void => {
      for (const [name, child] of Object.entries(node.properties ?? {})) {
        if (!child.$ref) {
          assert.ok(child.markdownDescription, `${where}.${name} has no markdownDescription`);
        }
        visit(child, `${where}.${name}`);
        if (child.items) {
          visit(child.items, `${where}.${name}[]`);
          for (const [i, form] of (child.items.oneOf ?? []).entries()) {
            assert.ok(form.markdownDescription, `${where}.${name}[] form ${i} has no markdownDescription`);
            visit(form, `${where}.${name}[] form ${i}`);
          }
        }
      }
    };
    visit(schema, '');
    for (const [name, def] of Object.entries(defs)) {
      assert.ok(def.markdownDescription, name);
      visit(def, name);
    }
  });
});

describe('manifestText', () => {
  test('UTF-8 without its byte order mark, from bytes or text; a BOM elsewhere stays', () => {
    assert.equal(manifestText(Buffer.from('\uFEFF{ "a": 1 }', 'utf8')), '{ "a": 1 }');
    assert.equal(manifestText('\uFEFF{ "a": 1 }'), '{ "a": 1 }');
    assert.equal(manifestText(Buffer.from('{ "a": "\uFEFF" }', 'utf8')), '{ "a": "\uFEFF" }');
    assert.equal(manifestText(Buffer.from('\uFEFF\uFEFF{}', 'utf8')), '\uFEFF{}', 'one mark only, as the editor drops it');
    assert.equal(manifestText(Buffer.alloc(0)), '');
  });
});
