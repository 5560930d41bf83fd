// Lint rules, and the import layering of STYLE.md §1: arrows go one way,
// renderer → contract ← host ← app; engine ← host, app, bin (build/eslintRooms.mjs).
// test/unit/rooms.test.ts proves each refused import is refused, on the fixtures below.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import rooms from './build/eslintRooms.mjs';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'out/**',
      'dist/**',
      'remote-agent/**',
      'build/agents/**',
      'test/artifacts/**',
      'test/bench/results/**',
      'test/unit/fixtures/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
    },
  },
  {
    // Every room imports only what the layering lets it (the table is in the rule's file).
    plugins: { holdfast: rooms },
    rules: { 'holdfast/rooms': 'error' },
  },
);
