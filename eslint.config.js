// Lint rules, and the import layering of STYLE.md §1: arrows go one way.
// renderer → contract ← app → engine ← bin; the engine never sees electron or the DOM.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noElectron = {
  paths: [{ name: 'electron', message: 'Only main/app may import electron (STYLE.md §1).' }],
};

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
    files: ['main/engine/**', 'bin/**', 'main/contract/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...noElectron,
          patterns: [
            {
              group: ['**/app/**', '**/renderer/**'],
              message: 'The engine does not depend on the app or the UI.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...noElectron,
          patterns: [
            {
              group: ['**/engine/**', '**/app/**', 'node:*'],
              message: 'The renderer imports only the typed contract (main/contract).',
            },
          ],
        },
      ],
    },
  },
);
