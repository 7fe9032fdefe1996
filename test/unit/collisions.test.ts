// The pure part of collision detection: which spellings of a path are the same file elsewhere.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { collision } from '../../src/core/collisions';
import { parseManifest } from '../../src/core/manifest';
import { ProtectionMatcher } from '../../src/core/matcher';

const manifest = parseManifest(JSON.stringify({
  tiers: { t1: { label: 'T1', badge: 'T1', color: 'red', unlock: { requireCode: false } } },
  components: {
    NFC: { tier: 't1', files: ['src/caf\u00e9/**'] },
    NFD: { tier: 't1', files: ['docs/re\u0301sume\u0301.md'] },
    UPPER: { tier: 't1', files: ['Makefile'] },
  },
})).manifest;
const folded = [new ProtectionMatcher(manifest, { caseInsensitive: true })];

describe('collision', () => {
  test('case, NFC and NFD variants and HFS+-ignored code points collide; other names do not', () => {
    assert.equal(collision('SRC/CAF\u00c9/x.ts', folded)?.pattern, 'src/caf\u00e9/**');
    assert.equal(collision('src/cafe\u0301/x.ts', folded)?.pattern, 'src/caf\u00e9/**');
    assert.equal(collision('docs/r\u00e9sum\u00e9.md', folded)?.component?.name, 'NFD');
    assert.equal(collision('makefile', folded)?.component?.name, 'UPPER');
    assert.equal(collision('.PROTECTION/manifest.jsonc', folded)?.pattern, '.protection/**');
    assert.equal(collision('Make\u200cfile', folded)?.component?.name, 'UPPER', 'HFS+ ignores U+200C');
    assert.equal(collision('.prot\ufeffection/audit.jsonl', folded)?.pattern, '.protection/**');
    assert.equal(collision('src/cafe/x.ts', folded), undefined);
    assert.equal(collision('Makefile.bak', folded), undefined);
  });
});
