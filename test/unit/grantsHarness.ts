// Shared by the grant and approval tests: manifests with signing codes, a forger that appends
// well-chained records as a script would, the grant store of a repository, and a search of
// everything a test produced for code strings.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAuditLog, renderRecord, sealRecord, sha256 } from '../../src/core/audit';
import type { AuditBody, AuditRecord } from '../../src/core/audit';
import type { Repo } from './cliHarness';

export const AUDIT = '.protection/audit.jsonl';
export const ATTACKER = { name: 'Mallory Script', email: 'mallory@example.com' };

export interface ComponentSpec {
  tier: string;
  files: string[];
  codes: string[];
}

/**
 * A manifest with tier1 (one code), tier0 (two owners' codes) and tier2 (no code). `tier1Unlock`
 * adds members to tier1's "unlock" (e.g. `"unsignedApprovals": "fail"`).
 */
export function manifestWith(components: Record<string, ComponentSpec>, tier1Unlock = ''): string {
  const comps = Object.entries(components).map(([name, c]) =>
    `    ${JSON.stringify(name)}: { "tier": ${JSON.stringify(c.tier)}, "files": ${JSON.stringify(c.files)}, "risk": "Breaks ${name}", "unlockCodes": ${JSON.stringify(c.codes)} }`);
  return `// grant test manifest
{
  "tiers": {
    "tier0": { "label": "Tier 0 · Core", "badge": "T0", "color": "purple", "unlock": { "approvals": 2 } },
    "tier1": { "label": "Tier 1 · Revenue critical", "badge": "T1", "color": "red", "unlock": { "minReasonLength": 10${tier1Unlock ? `, ${tier1Unlock}` : ''} } },
    "tier2": { "label": "Tier 2 · Infrastructure", "badge": "T2", "color": "yellow", "unlock": { "requireCode": false } }
  },
  "components": {
${comps.join(',\n')}
  }
}
`;
}

/** The audit log's records (none when there is no log). */
export function auditRecords(repo: Repo): AuditRecord[] {
  const path = join(repo.dir, AUDIT);
  return existsSync(path) ? parseAuditLog(readFileSync(path, 'utf8')).records : [];
}

/** Appends `bodies` to the work tree's audit log with correct seq, prev and hash, as a script would. */
export function forge(repo: Repo, bodies: AuditBody[]): AuditRecord[] {
  const path = join(repo.dir, AUDIT);
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  let last: AuditRecord | undefined = parseAuditLog(text).records.at(-1);
  const out: AuditRecord[] = [];
  for (const b of bodies) {
    last = sealRecord(b, last);
    out.push(last);
  }
  writeFileSync(path, `${text}${out.map(renderRecord).join('\n')}\n`);
  return out;
}

/** A change record body for `rel` from its current work-tree content to `content` (which it writes). */
export function forgedChange(repo: Repo, rel: string, content: string, extra: Partial<AuditBody> = {}): AuditBody {
  const before = existsSync(join(repo.dir, rel)) ? readFileSync(join(repo.dir, rel)) : Buffer.alloc(0);
  repo.write(rel, content);
  return {
    event: 'change', at: new Date().toISOString(), actor: ATTACKER, file: rel, tier: 'tier1', reason: 'routine cleanup of the code',
    before: sha256(before), after: sha256(content), ...extra,
  };
}

/** The grant store's folder and the one state file in it. */
export function storeOf(repo: Repo): { dir: string; file: string } {
  const dir = join(repo.dir, '.git', 'protected-files');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /^folder-[0-9a-f]{16}\.json$/.test(f)) : [];
  assert.equal(files.length, 1, `one grant store file in ${dir}: ${files.join(', ')}`);
  return { dir, file: join(dir, files[0]) };
}

export interface StoredGrant {
  target: { kind: string; name?: string; path?: string };
  reason: string;
  grantedAt: number;
  expiresAt: number;
  key?: string;
  seed?: string;
  by?: string;
}

export function readStore(repo: Repo): { grants: StoredGrant[]; failures: Record<string, number[]>; lockouts: Record<string, number>; spent: string[] } {
  return JSON.parse(readFileSync(storeOf(repo).file, 'utf8'));
}

function walk(dir: string, skip: (path: string) => boolean, out: string[]): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (skip(path)) continue;
    const st = statSync(path);
    if (st.isDirectory()) walk(path, skip, out);
    else if (st.isFile()) out.push(path);
  }
}

/**
 * Everything a repository holds as text: every work-tree file, every file of the grant store, and
 * every commit's patch (git objects are compressed, so they are read through git).
 */
export function everythingIn(repo: Repo): { where: string; text: string }[] {
  const files: string[] = [];
  const gitDir = join(repo.dir, '.git');
  walk(repo.dir, (p) => p === gitDir, files);
  if (existsSync(join(gitDir, 'protected-files'))) walk(join(gitDir, 'protected-files'), () => false, files);
  const out = files.map((f) => ({ where: f, text: readFileSync(f, 'latin1') }));
  let log = '';
  try {
    log = repo.git('log', '-p', '--all', '--format=%H %s%n%b');
  } catch {
    // no commit yet
  }
  out.push({ where: 'git log -p --all', text: log });
  return out;
}

/** Fails when any of `secrets` appears in any of `texts`; the message names where, never the secret. */
export function assertNoSecrets(texts: readonly { where: string; text: string }[], secrets: readonly string[]): void {
  for (const { where, text } of texts) {
    secrets.forEach((s, i) => {
      assert.ok(s.length >= 8, 'a secret to search for is long enough not to match by chance');
      assert.ok(!text.includes(s), `secret #${i} appears in ${where}`);
    });
  }
}
