import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';

/** Imports that would tie the pure packages to one runtime or transport. */
const runtimeBoundImports = {
  patterns: [
    { group: ['node:*'], message: 'protocol and engine are pure: no Node APIs (inject what you need).' },
    {
      group: ['socket.io', 'socket.io-client', 'simple-peer', 'simple-peer/*'],
      message: 'transports live in packages/webrtc.',
    },
    {
      group: ['@swarmlab/webrtc', '@swarmlab/server', '@swarmlab/web'],
      message: 'dependencies point one way: protocol <- engine <- webrtc <- apps.',
    },
  ],
};

export default ts.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...ts.configs.strict,
  ...svelte.configs['flat/recommended'],
  prettier,
  ...svelte.configs['flat/prettier'],
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      // noUncheckedIndexedAccess makes every typed-array read `number | undefined`; a `!` after a
      // bounds-checked index is the honest way to say so.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    files: ['packages/protocol/**/*.ts', 'packages/engine/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', runtimeBoundImports] },
  },
  {
    files: ['packages/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...runtimeBoundImports.patterns,
            { group: ['@swarmlab/engine'], message: 'protocol depends on nothing of ours.' },
          ],
        },
      ],
    },
  },
);
