// git aliases as the shell guard reads them from git's configuration files (src/core/gitAliases.ts),
// and the git commands that use them (the port through which the guard asks, with a table of aliases).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gitAliasesIn, gitConfigSection } from '../../src/core/gitAliases';
import { analyzeShellCommand } from '../../src/core/shellGuard';
import type { ShellPorts } from '../../src/core/shellGuard';

describe('git aliases in a configuration file', () => {
  test('read as git reads them: case, quotes, comments, escapes, the last one winning, other sections ignored', () => {
    const text = [
      '[core]', '\tco = not-an-alias', '[alias]', '\tco = checkout', '\tCI = commit -m "wip; later" # a comment',
      '\tst = status ; another', '\tnuke = "!rm -f x"', '\tesc = log --format=\\"%h\\"', '\tco = checkout --',
      '[alias "sub"]', '\tsubbed = rm', '[Alias] lg = log --oneline', '\tbare', '[user]', '\tname = Ann',
    ].join('\n');
    const a = gitAliasesIn(text);
    assert.equal(a.get('co'), 'checkout --');
    assert.equal(a.get('ci'), 'commit -m wip; later');
    assert.equal(a.get('st'), 'status');
    assert.equal(a.get('nuke'), '!rm -f x');
    assert.equal(a.get('esc'), 'log --format="%h"');
    assert.equal(a.get('lg'), 'log --oneline');
    assert.equal(a.get('bare'), 'true');
    assert.equal(a.get('name'), undefined);
  });
  test('another section read the same way (core.hooksPath, where the hook looks for the commit gate)', () => {
    const core = gitConfigSection('[alias]\n\thookspath = x\n[core]\n\tbare = false\n\thooksPath = "/opt/hooks" # set by a person\n', 'core');
    assert.equal(core.get('hookspath'), '/opt/hooks');
    assert.equal(core.get('bare'), 'false');
  });
  test('lines built to be slow are read to an answer (a pattern over the whole file took minutes on one)', () => {
    const L = 1_000_000;
    const lines = ['[a' + ' '.repeat(L) + 'x', 'x' + ' '.repeat(L) + 'y', 'x = "' + '\\'.repeat(L), '[alias "' + '\\"'.repeat(L / 2),
      'hookspath =' + ' '.repeat(L) + '"x"y', 'hookspath = a' + ' '.repeat(L) + '""', ' '.repeat(L) + 'hookspath' + ' '.repeat(L) + 'x'];
    for (const line of lines) {
      for (const section of ['alias', 'core']) assert.ok(gitConfigSection(`[${section}]\n${line}\n`, section) instanceof Map, line.slice(0, 12));
    }
  });
  test('a value continued on the next line is taken as a shell command (refused), not half read', () => {
    assert.equal(gitAliasesIn('[alias]\n\tx = checkout \\\n -- src/a.ts\n').get('x'), '!');
  });
});

describe('shell guard: git commands through an alias of the configuration', () => {
  const ALIASES: Record<string, string> = { co: 'checkout', rs: 'restore --source=HEAD~1', nuke: '!rm -f src/booking/flow.ts', st: 'status', apply2: 'apply', status: 'checkout -- src/booking/flow.ts', switch: 'checkout -- src/booking/flow.ts' };
  const asked: string[] = [];
  const ports: ShellPorts = { gitAlias: (dir, name) => (asked.push(`${dir} ${name}`), ALIASES[name]) };
  const writes = (command: string): string[] => analyzeShellCommand(command, [], ports).targets.filter((t) => !t.path.endsWith('/**')).map((t) => t.path);
  test('expanded as git expands them, in the folder git runs in', () => {
    assert.deepEqual(writes('git co -- src/booking/flow.ts'), ['src/booking/flow.ts']);
    assert.deepEqual(writes('git rs db/a.sql'), ['db/a.sql']);
    assert.deepEqual(writes('git -C src co -- booking/flow.ts'), ['src/booking/flow.ts']);
    assert.deepEqual(writes('cd src && git co main booking/flow.ts'), ['src/booking/flow.ts']);
    assert.ok(asked.includes('src co'), asked.join(', '));
    assert.deepEqual(writes('git st && git lg'), []);
  });
  test("git's own commands are never looked up: git ignores an alias of the same name", () => {
    asked.length = 0;
    assert.deepEqual(writes('git status && git diff --stat && git log -1 && git add -A && git commit -m x'), []);
    assert.deepEqual(asked, []);
    // Names are case-sensitive in git: `git Status` is no command of git's, so its alias runs.
    assert.deepEqual(writes('git Status'), ['src/booking/flow.ts']);
    // A command newer than the git a user may have (switch: 2.23) is looked up.
    assert.deepEqual(writes('git switch'), ['src/booking/flow.ts']);
    assert.deepEqual(asked, ['. status', '. switch']);
  });
  test('an alias that runs a shell command or applies a patch is refused; -c alias wins over the configuration', () => {
    assert.match(analyzeShellCommand('git nuke', [], ports).failure ?? '', /`git nuke` is an alias in git's configuration that runs a shell command/);
    assert.match(analyzeShellCommand('git apply2 fix.diff', [], ports).failure ?? '', /applies a patch/);
    assert.deepEqual(writes('git -c alias.co=status co -- src/booking/flow.ts'), []);
  });
});
