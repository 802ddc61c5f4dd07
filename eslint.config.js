// Type-aware lint: a lost promise in a long-running controller is a silent bug, so floating and
// misused promises are errors, not warnings.
import tseslint from 'typescript-eslint';

// Every provider under providers/ is written as a third party would write it, built in or plugged
// in: its own files, Node's built-ins, the npm packages it depends on and the public SDK (which
// re-exports what a provider needs of src/), nothing else of mooring. layers.ts declares the same
// floor; test/layers/check.ts holds every relative import to it, this rule the packages too.
/** @type {Record<string, string[]>} */
const PROVIDER_PACKAGES = { aws: ['@aws-sdk/', 'zod$'], postgres: ['pg$', 'zod$'], powerdns: [] };

/**
 * The rule for a provider's files `depth` folders below its own (`*` for any other provider: no packages).
 * @param {string} provider @param {number} depth @param {string[]} packages @param {string[]} [extra]
 */
function providerRule(provider, depth, packages, extra = []) {
  /** @param {number | string} n */
  const up = (n) => `(?:\\.\\./){${n}}`;
  const own = depth === 0 ? '\\./(?!.*\\.\\.)' : `(?:\\./|${up(`1,${depth}`)})(?!.*\\.\\.)`;
  const sdk = `${up(depth + 2)}sdk/(?:conformance/)?index\\.ts$|mooring/sdk(?:/conformance)?$`;
  const allowed = [own, 'node:', sdk, ...packages.map((p) => p.replaceAll('/', '\\/')), ...extra];
  return {
    files: [`providers/${provider}/${'*/'.repeat(depth)}*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(?!${allowed.join('|')})`,
              message: `a provider may import only its own files, node: built-ins, its npm packages (${packages.join(', ') || 'none'}) and the public SDK (sdk/index.ts, sdk/conformance/index.ts or mooring/sdk): what it needs of src/ the SDK re-exports.`,
            },
          ],
        },
      ],
    },
  };
}

function providerRules() {
  const depths = [0, 1, 2];
  return [
    ...depths.map((d) => providerRule('*', d, [])),
    ...Object.entries(PROVIDER_PACKAGES).flatMap(([name, packages]) => depths.map((d) => providerRule(name, d, packages))),
  ];
}

export default tseslint.config(
  { ignores: ['node_modules/**', '.sandbox/**', 'dist/**', 'crds/**', '**/*.js', '!eslint.config.js'] },
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
  ...providerRules(),
  {
    // The reconciler's pass is typed by phase (src/reconcile/pass.ts): nothing needs asserting present.
    // Its tests use sdk/testing.ts's must(), which fails naming what is missing.
    files: ['src/reconcile/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'error' },
  },
  {
    // What the operator runs: ICU's collator pages in ~3 MiB that stay resident (docs/performance.md).
    files: ['src/**/*.ts', 'sdk/**/*.ts', 'providers/**/*.ts'],
    ignores: ['**/*.test.ts', 'src/cli/**', 'src/generate/**', 'src/doctor/**', 'src/stack/**'],
    rules: { 'no-restricted-properties': ['error', { property: 'localeCompare', message: 'sort with byCodePoint (src/runtime/order.ts, providers/aws/common/order.ts): localeCompare loads ICU collation data for the life of the process.' }] },
  },
  {
    // `import { z }` keeps zod's whole namespace in the image's bundle, every locale with it; as a
    // namespace import the bundle keeps only what is used (docs/performance.md, third pass).
    files: ['**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', { selector: "ImportDeclaration[source.value='zod'][importKind='value'] > ImportSpecifier[imported.name='z'][importKind='value']", message: "import * as z from 'zod': a named `z` keeps all of zod in the bundle." }] },
  },
  {
    // A function reads at once or it is split: at most 60 lines, outside tests (a test's describe
    // block is a list of cases, not a function to read).
    files: ['**/*.ts'],
    ignores: ['**/*.test.ts', 'test/**'],
    rules: { 'max-lines-per-function': ['error', { max: 60 }] },
  },
);
