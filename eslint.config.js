// The project's lint: typescript-eslint's recommended rules, and the import boundaries that keep
// the layers apart (tools/lint/import-boundaries.js explains them). Run by `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importBoundaries from './tools/lint/import-boundaries.js';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'models/cache/', 'test/fixtures/cache/', 'bench/results/', 'web/dist/', '.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        AbortController: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        performance: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        fetch: 'readonly',
        Response: 'readonly',
        Request: 'readonly',
        Headers: 'readonly',
        AbortSignal: 'readonly',
      },
    },
    plugins: { boundaries: importBoundaries },
    rules: {
      'boundaries/layers': 'error',
      // A variable a callback reads before its one assignment (a port known only once the server exists) stays let.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { disallowTypeAnnotations: false }],
      // Modules extend the hub's service and event maps by declaration merging into empty interfaces.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'always' }],
    },
  },
);
