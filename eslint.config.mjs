// The core/vscode boundary is a lint error, not a habit: only src/vscode and src/extension.ts may import 'vscode'.
import tseslint from 'typescript-eslint';

// minimatch loads on first use (src/core/minimatchModule.ts): a value import would run it in every
// agent's hook and at every activation. Types are fine.
const MINIMATCH = { name: 'minimatch', allowTypeImports: true, message: 'Load minimatch through src/core/minimatchModule.ts (minimatchModule(), braceExpand), so that manifests that need no pattern never load it.' };

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test/vscode-host/**', 'test/fixtures/**', '.test-runs/**', 'demo-output/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'No default exports.' }],
    },
  },
  {
    files: ['src/node/**', 'src/cli/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'core, node and cli must not import vscode.' }, MINIMATCH] }],
    },
  },
  {
    files: ['test/unit/**', 'bench/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'core, node and cli must not import vscode.' }] }],
    },
  },
  {
    files: ['src/vscode/**', 'src/extension.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [MINIMATCH] }] },
  },
  {
    files: ['src/core/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          { name: 'vscode', message: 'core must not import vscode.' },
          { name: 'fs', message: 'core is pure: do I/O through a port in src/node.' },
          { name: 'node:fs', message: 'core is pure: do I/O through a port in src/node.' },
          { name: 'fs/promises', message: 'core is pure: do I/O through a port in src/node.' },
          { name: 'node:fs/promises', message: 'core is pure: do I/O through a port in src/node.' },
          { name: 'child_process', message: 'core is pure: no child processes.' },
          { name: 'node:child_process', message: 'core is pure: no child processes.' },
          { name: 'simple-git', message: 'core is pure: git lives in src/node.' },
          MINIMATCH,
        ],
      }],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'scripts/**/*.js', 'test/e2e/**/*.js', 'test/vscode-host-src/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', URL: 'readonly', location: 'readonly', Element: 'readonly', document: 'readonly', getComputedStyle: 'readonly', window: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
