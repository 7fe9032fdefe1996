// Generates the workspace of the scale benchmark (scripts/bench.sh, test/integration/scale.bench.ts):
// a copy of test/fixtures/workspace plus generated source files, `--files` in all, of which
// `--protected` under src/booking/gen/ (BOOKING_FLOW, tier 1) and the rest under src/plain/gen/, 100 per
// folder. `--no-manifest` removes .protection/ (the extension never activates: the baseline).
// usage: node scripts/genBenchWorkspace.mjs <dir> [--files 20000] [--protected 1000] [--no-manifest]
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: { files: { type: 'string', default: '20000' }, protected: { type: 'string', default: '1000' }, 'no-manifest': { type: 'boolean' } },
  allowPositionals: true,
});
const [dir] = positionals;
if (!dir) throw new Error('usage: genBenchWorkspace.mjs <dir> [--files N] [--protected N] [--no-manifest]');
const total = Number(values.files);
const guarded = Math.min(Number(values.protected), total);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(dir, { recursive: true, force: true });
cpSync(join(root, 'test', 'fixtures', 'workspace'), dir, { recursive: true });
if (values['no-manifest']) rmSync(join(dir, '.protection'), { recursive: true, force: true });
const PER_DIR = 100;
function emit(base, count) {
  for (let i = 0; i < count; i++) {
    const d = join(dir, base, `d${String(Math.floor(i / PER_DIR)).padStart(3, '0')}`);
    if (i % PER_DIR === 0) mkdirSync(d, { recursive: true });
    writeFileSync(join(d, `f${String(i % PER_DIR).padStart(3, '0')}.ts`), `export const value${i} = ${i};\n`);
  }
}
emit('src/booking/gen', guarded);
emit('src/plain/gen', total - guarded);
console.log(`${dir}: ${total} generated files, ${values['no-manifest'] ? 'no manifest' : `${guarded} protected`}`);
