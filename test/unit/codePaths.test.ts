// Paths interpreter code builds out of string literals, folded into one literal for the shell guard.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { foldPathLiterals } from '../../src/core/codePaths';

describe('foldPathLiterals', () => {
  const rows: [code: string, folded: string][] = [
    // Python
    ["os.remove(os.path.join('src', 'booking', 'flow.ts'))", "os.remove('src/booking/flow.ts')"],
    ["os.remove(os.path.join(ROOT, 'src', 'a.ts'))", "os.remove('src/a.ts')"],
    ["open(join('src', 'a.ts'), 'w')", "open('src/a.ts', 'w')"],
    ["(Path('src') / 'booking' / 'flow.ts').write_text('x')", "(Path('src/booking/flow.ts')).write_text('x')"],
    ["Path('src').joinpath('booking', 'flow.ts').unlink()", "Path('src/booking/flow.ts').unlink()"],
    ["Path('src', 'a.ts').unlink()", "Path('src/a.ts').unlink()"],
    ["os.remove('src/' + 'booking/flow.ts')", "os.remove('src/booking/flow.ts')"],
    ["os.remove('src/' 'a.ts')", "os.remove('src/a.ts')"],
    ["os.remove('/'.join(['src', 'a.ts']))", "os.remove('src/a.ts')"],
    ["os.remove(r'src/a' + '.ts')", "os.remove('src/a.ts')"],
    // Node, Ruby, Perl, Go
    ["fs.unlinkSync(path.join('src', 'booking', 'flow.ts'))", "fs.unlinkSync('src/booking/flow.ts')"],
    ["fs.unlinkSync(require('path').join('src', 'a.ts'))", "fs.unlinkSync(require('path').'src/a.ts')"],
    ["fs.unlinkSync(path.resolve('/repo', 'src', 'a.ts'))", "fs.unlinkSync('/repo/src/a.ts')"],
    ["fs.unlinkSync(['src', 'booking', 'flow.ts'].join('/'))", "fs.unlinkSync('src/booking/flow.ts')"],
    ["fs.unlinkSync(\"src/\" + \"a.ts\")", "fs.unlinkSync('src/a.ts')"],
    ["File.delete(File.join('src', 'a.ts'))", "File.delete('src/a.ts')"],
    ["unlink('src/' . 'a.ts');", "unlink('src/a.ts');"],
    ['os.Remove(filepath.Join("src", "a.ts"))', "os.Remove('src/a.ts')"],
    // A later absolute segment starts over, as the join calls do.
    ["os.path.join('src', '/etc/passwd')", "'/etc/passwd'"],
    // A value holding both quotes is left as it was.
    ["x = 'a\"' + \"b'\"", "x = 'a\"' + \"b'\""],
  ];
  for (const [code, folded] of rows) {
    test(code, () => assert.equal(foldPathLiterals(code), folded));
  }
  test('what is computed stays as it is', () => {
    for (const code of [
      "os.remove('src/' + name)",
      'fs.unlinkSync(path.join(dir, file))',
      "', '.join(names)",
      "names.join('/')",
      "x.join('a', 'b')",
      "print(f'src/{x}')",
      "fs.writeFileSync(`src/${x}`, 'y')",
      "open('a.txt', 'w')",
      "os.remove(bytes.fromhex('7372632f').decode())",
    ]) assert.equal(foldPathLiterals(code), code, code);
  });
  test('inputs built to be slow are read to an answer', () => {
    const n = 250_000;
    for (const code of [
      'path.join('.repeat(n),
      `[${"'a', ".repeat(n)}`,
      "Path('a') / ".repeat(n),
      "'a' + ".repeat(n),
      "'/'.join([".repeat(n),
      `${"'".repeat(n)}`,
      "os.path.join('a', ".repeat(n),
    ]) {
      // A reading that went quadratic on one of these would take hours (the suite's timeout ends it).
      assert.equal(typeof foldPathLiterals(code), 'string', code.slice(0, 20));
    }
    assert.equal(foldPathLiterals(`${"'a' + ".repeat(1000)}'b'`), `'${'a'.repeat(1000)}b'`);
  });
});
