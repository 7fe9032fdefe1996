// parseCommandArgs answers the command lines hooks run without Node's parseArgs (src/cli/io.ts,
// plainArgs): every command line of up to three arguments from a pool of spellings gets the same
// answer, or the same error, as parseArgs itself gives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { isCliError, parseCommandArgs, plainArgs } from '../../src/cli/io';

type Config = Omit<ParseArgsConfig, 'args' | 'strict'>;

// The commands' own configurations, and a few more shapes.
const CONFIGS: Config[] = [
  { options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true },
  { options: { staged: { type: 'boolean' }, base: { type: 'string' }, head: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: false },
  { options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } },
  { options: { all: { type: 'boolean', multiple: true }, reason: { type: 'string' } }, allowPositionals: true },
  { options: { once: { type: 'boolean', default: false } }, allowPositionals: true },
  { allowPositionals: true },
];
const POOL = ['src/a.ts', 'origin', '', ' ', '--help', '-h', '--json', '--staged', '--base', 'main', '--base=main', '--', '-', '--x', '--help=1', '--all', '--once', '--constructor', '--__proto__', '--toString', '-hh', '--HELP'];

/** parseArgs's answer, as parseCommandArgs would give it without the shortcut. */
function reference(args: string[], config: Config): unknown {
  try {
    const { values, positionals } = parseArgs({ ...config, args, strict: true });
    return { values: { ...values }, prototype: Object.getPrototypeOf(values), positionals };
  } catch {
    return 'error';
  }
}

function answer(args: string[], config: Config): unknown {
  try {
    const { values, positionals } = parseCommandArgs('cmd', args, config);
    return { values: { ...values }, prototype: Object.getPrototypeOf(values), positionals };
  } catch (err) {
    assert.ok(isCliError(err), String(err));
    return 'error';
  }
}

test('parseCommandArgs answers as parseArgs does, with or without the shortcut', () => {
  let shortcut = 0;
  let lines = 0;
  const lists: string[][] = [[]];
  for (const a of POOL) {
    lists.push([a]);
    for (const b of POOL) {
      lists.push([a, b]);
      for (const c of POOL) lists.push([a, b, c]);
    }
  }
  for (const config of CONFIGS) {
    for (const args of lists) {
      lines++;
      if (plainArgs(args, config)) shortcut++;
      assert.deepEqual(answer(args, config), reference(args, config), `${JSON.stringify(args)} with ${JSON.stringify(config)}`);
    }
  }
  // The shortcut is taken for the plain lines (not a vacuous pass), and not for the others.
  assert.ok(shortcut > 300 && shortcut < lines / 2, `${shortcut} of ${lines}`);
  assert.deepEqual(plainArgs(['src/a.ts'], CONFIGS[0]), { values: Object.assign(Object.create(null), {}), positionals: ['src/a.ts'] });
  assert.notEqual(plainArgs(['--staged'], CONFIGS[1]), undefined);
  assert.equal(plainArgs(['--base', 'main'], CONFIGS[1]), undefined);
  assert.equal(plainArgs(['-h'], CONFIGS[0]), undefined);
});
