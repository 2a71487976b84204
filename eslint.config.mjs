// ESLint flat config: the rules of temporalio/samples-typescript and the SDK's own config that fit us.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'coverage/**',
      'test-artifacts/**',
      '.data/**',
      'tests/fixtures/**',
      'bin/**',
    ],
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    plugins: { 'import-x': importX },
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'object-shorthand': ['error', 'always'],
      // Forgetting to await a Temporal call (a signal, an activity, an update) loses it silently.
      '@typescript-eslint/no-floating-promises': 'error',
      // An async function where a callback's result is ignored (signal handlers, event emitters).
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-deprecated': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'separate-type-imports' },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'import-x/no-cycle': 'error',
      'import-x/no-self-import': 'error',
      'import-x/no-useless-path-segments': 'error',
      'import-x/first': 'error',
      'import-x/no-duplicates': ['error', { 'prefer-inline': false }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflow code is deterministic: no Node built-ins (use an activity).' },
            {
              group: ['fs', 'path', 'os', 'crypto', 'child_process', 'net', 'http', 'https'],
              message: 'Workflow code is deterministic: no Node built-ins.',
            },
            {
              group: ['zod'],
              message: 'zod costs ~2 MB per cached workflow: import types only.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
