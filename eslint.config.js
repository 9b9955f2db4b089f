// Lint for every TypeScript file; src/shared must stay runtime-neutral.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['build/', 'out/', 'dist/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      'max-lines': ['warn', { max: 250, skipBlankLines: true, skipComments: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', exports: 'writable', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'electron', 'electron/*'], message: 'src/shared is runtime-neutral: no Node or Electron imports.' },
          { group: ['../main/*', '../preload/*', '../renderer/*', '../backend/*', '../cli/*', '../../helper/*'],
            message: 'src/shared must not depend on a runtime side.' },
        ],
      }],
    },
  },
  {
    // The backend and the Electron-free parts of main run (and are tested) under plain Node.
    files: ['src/backend/**/*.ts', 'src/cli/**/*.ts', 'src/main/ipc-router.ts', 'src/main/helper-launch.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['electron', 'electron/*'], message: 'Keep Electron in src/main/index.ts and window.ts.' }] }],
    },
  },
  {
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', 'electron'], message: 'The renderer sees only the preload API.' }] }],
    },
  },
);
