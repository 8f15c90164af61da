// Type-aware lint for all three workspaces; formatting is prettier's job (`prettier --check` in `npm run lint`).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/',
      '**/dist/',
      '**/coverage/',
      '.serverless/',
      '.esbuild/',
      '.local-data/',
      'load-tests/results/',
      'load-tests/reports/',
      'frontend/test-results/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          // Config files outside every workspace tsconfig get the base options.
          allowDefaultProject: [
            'backend/vitest.config.ts',
            'backend/vitest.store.config.ts',
            'load-tests/vitest.config.ts',
          ],
          defaultProject: 'tsconfig.base.json',
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    rules: {
      // `_`-prefixed names mark a deliberately unused argument or a field dropped by a rest destructure.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Ports and options are objects of closures called detached (`const { invoke } = options`); none use `this`.
      '@typescript-eslint/unbound-method': 'off',
      // `async` without `await` keeps a port's Promise contract (a throw becomes a rejection); dropping it changes that.
      '@typescript-eslint/require-await': 'off',
      // ws RawData and serverless.yml scalars are stringified on purpose; text frames arrive as one Buffer.
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  {
    files: ['**/src/**/*.{ts,tsx}'],
    ignores: ['**/test/**', '**/e2e/**'],
    // A function a newcomer can read in one screen; tests' describe blocks are exempt.
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
  {
    files: ['**/test/**', '**/e2e/**'],
    rules: {
      // Test helpers read untyped JSON frames, SDK items and mocks; typing each would rewrite the suites.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['frontend/test/**'],
    // Testing Library's act() is typed void for a sync callback but returns a thenable that the tests await.
    rules: { '@typescript-eslint/await-thenable': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    // CommonJS on purpose: worker bootstraps and the Artillery processor are loaded with require().
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        require: 'readonly',
        module: 'writable',
        exports: 'writable',
      },
    },
  },
  {
    files: ['frontend/**/*.{ts,tsx}'],
    extends: [reactHooks.configs.flat.recommended],
  },
  prettier,
);
