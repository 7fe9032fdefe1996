// The command line enforces the work tree's manifest only once it is approved (src/node/approvedManifest.ts):
// a laxer one written past the agents' hook is not obeyed by check, the hook or unlock; HEAD's, one
// recorded under an unlock, and a repository's first are. Real git, the built CLI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCodeKey } from '../../src/core/codes';
import { approvedManifestPath } from '../../src/node/approvedManifest';
import { MANIFEST, Sandbox } from './cliHarness';
import type { Repo } from './cliHarness';

const MANIFEST_PATH = '.protection/manifest.jsonc';
const LOCKED = 'src/booking/a.ts';
/** The test manifest with BOOKING_FLOW dropped: what an agent told "no" would write. */
const LAX = MANIFEST.replace(/"BOOKING_FLOW": \{[^}]*\},/s, '');

let box: Sandbox;
let n = 0;
before(() => {
  box = new Sandbox('manifest-approval');
});
after(() => box.dispose());

function repo(manifest = MANIFEST): Repo {
  const r = box.repo(`r${++n}`, { manifest });
  r.write(LOCKED, 'export const a = 1;\n');
  r.commitAll('files');
  return r;
}

const editPayload = (r: Repo, rel: string): string => JSON.stringify({
  session_id: 's', transcript_path: '/tmp/t', cwd: r.dir, hook_event_name: 'PreToolUse', tool_name: 'Edit',
  tool_input: { file_path: `${r.dir}/${rel}`, old_string: 'a', new_string: 'b' },
});

describe('the manifest the command line enforces: the approved one', () => {
  test('a laxer manifest written without an unlock (past the hook) is not obeyed by check or the agents\' hook; HEAD\'s stays in force, and they say why', () => {
    const r = repo();
    assert.equal(r.cli(['check', LOCKED]).code, 2, 'locked under HEAD\'s manifest');
    assert.ok(LAX !== MANIFEST && !LAX.includes('BOOKING_FLOW'));
    r.write(MANIFEST_PATH, LAX);
    const check = r.cli(['check', LOCKED]);
    assert.equal(check.code, 2, check.stdout + check.stderr);
    assert.match(check.stderr, /manifest\.jsonc was changed without an unlock.*(the last approved version|the version committed at HEAD) is enforced/);
    const hook = r.cli(['hook', '--agent', 'claude'], { input: editPayload(r, LOCKED) });
    assert.equal(hook.code, 2, hook.stdout + hook.stderr);
    assert.match(hook.stderr, /BOOKING_FLOW/);
    // Again, from the kept copy (no git): the same answer.
    assert.equal(r.cli(['check', LOCKED]).code, 2);
  });

  test('unlock judges codes by the approved manifest: a tier given the writer\'s own code unlocks nothing', async () => {
    const owner = await makeCodeKey('Owner-Held-Lantern-7781', { owner: 'ann@example.com', params: { N: 1024 } });
    const withCode = MANIFEST.replace('"impact": "$10,000+/day"', `"impact": "$10,000+/day", "unlockCodes": ["${owner}"]`);
    const r = repo(withCode);
    const mine = await makeCodeKey('Agent-Made-Code-1234', { owner: 'agent@example.com', params: { N: 1024 } });
    r.write(MANIFEST_PATH, withCode.replace(owner, mine));
    const res = r.cli(['unlock'], { input: 'UNLOCK BOOKING_FLOW WITH CODE: Agent-Made-Code-1234 FOR: Fix the booking flow now\n' });
    assert.notEqual(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stderr, /changed without an unlock/);
    assert.equal(r.cli(['check', LOCKED]).code, 2, 'still locked');
  });

  test('what is approved is obeyed: a change committed at HEAD, a branch switched to, and the first manifest of a repository', () => {
    const r = repo();
    r.write(MANIFEST_PATH, LAX);
    r.commitAll('drop BOOKING_FLOW (reviewed, committed)');
    const check = r.cli(['check', LOCKED]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.doesNotMatch(check.stderr, /without an unlock/);
    const kept = approvedManifestPath(r.dir)!;
    assert.equal(readFileSync(kept, 'utf8').replace(/^[^\n]*\n/, ''), LAX, 'the approved manifest is kept');
    assert.equal(statSync(kept).mode & 0o077, 0, 'owner-only');
    r.git('checkout', '-q', 'HEAD~1');
    assert.equal(r.cli(['check', LOCKED]).code, 2, 'HEAD\'s manifest after the switch');
    const fresh = box.repo(`r${++n}`, { manifest: false });
    fresh.write(MANIFEST_PATH, MANIFEST);
    fresh.write(LOCKED, 'x\n');
    const first = fresh.cli(['check', LOCKED]);
    assert.equal(first.code, 2, first.stdout + first.stderr);
    assert.doesNotMatch(first.stderr, /without an unlock/);
  });

  test('a manifest approved on another branch is not approved here: git switch to it, then git reset --soft back (commands the hook allows), or git checkout other -- the manifest', () => {
    const r = repo();
    r.git('checkout', '-q', '-b', 'old');
    r.write(MANIFEST_PATH, LAX);
    const lax = r.commitAll('a branch without BOOKING_FLOW');
    assert.equal(r.cli(['check', LOCKED]).code, 0, 'its own manifest on its own branch');
    r.git('reset', '-q', '--soft', 'main');
    const soft = r.cli(['check', LOCKED]);
    assert.equal(soft.code, 2, soft.stdout + soft.stderr);
    assert.match(soft.stderr, /changed without an unlock/);
    r.git('checkout', '-q', '-f', 'main');
    r.git('branch', '-f', 'old', lax);
    assert.equal(r.cli(['check', LOCKED]).code, 2);
    r.git('switch', '-q', 'old');
    assert.equal(r.cli(['check', LOCKED]).code, 0);
    r.git('switch', '-q', 'main');
    r.git('checkout', 'old', '--', MANIFEST_PATH);
    assert.equal(r.cli(['check', LOCKED]).code, 2, 'another branch\'s manifest checked out over main\'s');
  });

  test('GIT_DIR pointing at another repository (that commits the lax manifest) approves nothing here', () => {
    const r = repo();
    r.write(MANIFEST_PATH, LAX);
    const other = box.repo(`r${++n}`, { manifest: LAX });
    const res = r.cli(['check', LOCKED], { env: { GIT_DIR: join(other.dir, '.git') } });
    assert.equal(res.code, 2, res.stdout + res.stderr);
    assert.equal(r.cli(['check', LOCKED]).code, 2, 'nor afterwards');
  });

  test('before the first commit the manifest is a draft: edits to it are obeyed', () => {
    const fresh = box.repo(`r${++n}`, { manifest: false });
    fresh.write(MANIFEST_PATH, MANIFEST);
    fresh.write(LOCKED, 'x\n');
    assert.equal(fresh.cli(['check', LOCKED]).code, 2);
    fresh.write(MANIFEST_PATH, LAX);
    const res = fresh.cli(['check', LOCKED]);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.doesNotMatch(res.stderr, /without an unlock/);
  });

  test('a change recorded under an unlock is obeyed before it is committed', async () => {
    const r = repo();
    await r.approve(MANIFEST_PATH, LAX);
    const check = r.cli(['check', LOCKED]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.doesNotMatch(check.stderr, /without an unlock/);
  });

  test('the kept copy is no way around it: a pipe or a link in its place is no copy, a copy of another manifest approves nothing else', () => {
    const r = repo();
    assert.equal(r.cli(['check', LOCKED]).code, 2);
    const kept = approvedManifestPath(r.dir)!;
    assert.ok(existsSync(kept));
    // The copy holds HEAD's manifest; the work tree another: judged, not approved.
    writeFileSync(kept, MANIFEST);
    r.write(MANIFEST_PATH, LAX);
    assert.equal(r.cli(['check', LOCKED]).code, 2);
    // A link to a file holding the lax manifest, or a named pipe, at the copy's name: no copy, never waited on.
    const laxFile = join(box.root, `lax-${n}.jsonc`);
    writeFileSync(laxFile, LAX);
    rmSync(kept);
    symlinkSync(laxFile, kept);
    assert.equal(r.cli(['check', LOCKED]).code, 2);
    if (process.platform !== 'win32') {
      rmSync(kept);
      execFileSync('mkfifo', [kept]);
      const res = r.cli(['check', LOCKED]);
      assert.equal(res.code, 2, res.stdout + res.stderr);
    }
  });
});
