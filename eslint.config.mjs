// Lint: the architecture rule first (src/core never imports vscode: the CLI and the tests run it without
// VS Code), then typescript-eslint's recommended set.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test-results/**', '.local-ai-lab/**', 'media/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', performance: 'readonly', fetch: 'readonly', require: 'readonly', module: 'readonly', __dirname: 'readonly', document: 'readonly', window: 'readonly', NodeJS: 'readonly', structuredClone: 'readonly', queueMicrotask: 'readonly', setImmediate: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // `let x = fallback; try { x = read() } catch {}` is the house style for optional reads.
      'no-useless-assignment': 'off',
    },
  },
  {
    // Paths there are NUL-joined, so a key containing a dot stays one segment.
    files: ['scripts/corpus-doctor.mjs'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    // The openai SDK is required on first dispatch, from a bundle beside ours (see scripts/build.mjs).
    files: ['src/core/lab/dispatch/openai.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off', '@typescript-eslint/no-unsafe-function-type': 'off' },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'src/core never imports vscode: put editor code in src/vscode and keep core runnable from the CLI and tests.' }] }],
    },
  },
);
