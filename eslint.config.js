// Type-aware lint: a lost promise in a long-running controller is a silent bug, so floating and
// misused promises are errors, not warnings.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.sandbox/**', 'crds/**', '**/*.js', '!eslint.config.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/it return promises the runner itself awaits.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      // Interface implementations (adapters, fakes) are async without awaiting anything.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The reconciler's pass is typed by phase (src/reconcile/pass.ts): nothing needs asserting present.
    files: ['src/reconcile/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'error',
      'max-lines-per-function': ['error', { max: 60 }],
    },
  },
  {
    // The PowerDNS provider is written as a third party would write it: its own files, Node's
    // built-ins and the public SDK, nothing else of mooring.
    files: ['providers/powerdns/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\./(?!.*\\.\\.)|node:|\\.\\./\\.\\./sdk/(conformance/)?index\\.ts$|mooring/sdk(/conformance)?$)',
              message: 'providers/powerdns may import only its own files, node: built-ins and the public SDK (../../sdk/index.ts or mooring/sdk).',
            },
          ],
        },
      ],
    },
  },
);
