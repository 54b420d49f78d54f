// ESLint: typescript-eslint's type-aware recommended rules over the kit's TypeScript. Formatting is Prettier's job
// (`npm run format`), import direction is dependency-cruiser's (.dependency-cruiser.cjs).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // Only the kit's own TypeScript: .venv (JupyterLab's bundles), storage and reports are not ours.
  {
    ignores: [
      '**/*',
      '!lib/',
      '!lib/**',
      '!scripts/',
      '!scripts/**',
      '!test/',
      '!test/**',
      '!bench/',
      '!bench/**',
      '!*.ts',
      '!eslint.config.js',
      'test/artifacts/',
      'bench/results/',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // An async function without await still keeps the Promise/AsyncIterable contract it implements (close(), generators
      // fed to streams); rewriting those as Promise.resolve(...) says less.
      '@typescript-eslint/require-await': 'off',
      // `const { url: _url, ...rest } = o` is how a field is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_' }],
    },
  },
  { files: ['**/*.js'], extends: [tseslint.configs.disableTypeChecked] },
);
