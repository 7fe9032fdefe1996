import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { LazyModuleError, lazyModule } from '../../src/node/lazyModule';

test('lazyModule loads on the first call only and runs onLoad once', () => {
  let loads = 0;
  let onLoads = 0;
  const load = lazyModule(() => ({ n: ++loads }), () => { onLoads++; });
  assert.equal(loads, 0, 'nothing is loaded before the first use');
  assert.equal(load('Unlock…').n, 1);
  assert.equal(load('Set Unlock Code…').n, 1);
  assert.deepEqual([loads, onLoads], [1, 1]);
});

test('lazyModule: a module that cannot be loaded fails with an error naming what needed it, and is tried again', () => {
  let fail = true;
  const load = lazyModule(() => {
    if (fail) throw Object.assign(new Error("Cannot find module './lazy.js'\nRequire stack:\n- /ext/dist/extension.js"), { code: 'MODULE_NOT_FOUND' });
    return { ok: true };
  });
  assert.throws(() => load('Set Up Agent Guards'), (err: unknown) => {
    assert.ok(err instanceof LazyModuleError);
    assert.equal(err.what, 'Set Up Agent Guards');
    assert.equal(err.message, "Set Up Agent Guards needs dist/lazy.js of the extension, which could not be loaded (Cannot find module './lazy.js'); reinstall the extension");
    return true;
  });
  fail = false;
  assert.deepEqual(load('Set Up Agent Guards'), { ok: true });
});
