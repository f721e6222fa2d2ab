import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import boundaries from './scripts/src/lint/boundaries.js';

/** Node built-ins, bare and `node:`-prefixed: banned in workflow code (Temporal determinism). */
const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`, `${m}/*`, `node:${m}/*`]);

/**
 * The allowed arrows between our packages (README "Architecture", DESIGN "Module boundaries"), for
 * production code: `packages` it may import, the Temporal SDK packages it may use, and `node: false`
 * where Node built-ins are out. Tests and testing helpers may reach across (they drive the stack
 * from the root workspace). No package may import one that is not in its package.json, and no
 * import cycle is allowed anywhere (scripts/src/lint/boundaries.js).
 * @type {Record<string, import('./scripts/src/lint/boundaries.js').PackageArrow>}
 */
export const PACKAGE_ARROWS = {
  domain: { packages: [], temporal: ['common'] },
  // Types only, generated from the API's OpenAPI document: the Board and the CLI read the API through it.
  'api-types': { packages: [], temporal: [] },
  workflows: { packages: ['domain'], temporal: ['workflow', 'common'] },
  activities: { packages: ['domain'], temporal: ['activity', 'client', 'common'] },
  api: { packages: ['domain'], temporal: ['client'] },
  // The worker bundles workflows/ by path and never imports it.
  worker: { packages: ['domain', 'activities'], temporal: ['worker', 'client', 'common'] },
  cli: { packages: ['api-types'], temporal: [] },
  board: { packages: ['api-types'], temporal: [], node: false },
  scripts: { packages: ['domain', 'api'], temporal: ['client'] },
  bench: { packages: ['domain', 'scripts', 'api', 'activities'], temporal: ['client'] },
};

/** Tooling that is not named as such: the shared artifact-store test suite, and these lint rules. */
export const TOOLING_PATHS = ['domain/src/artifacts/store-contract.ts', 'scripts/src/lint/'];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.tools/**', 'domain/src/migrations/Migration*.ts', 'framework/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['**/*.{ts,js,mjs}'],
    plugins: { qatron: boundaries },
    rules: {
      'qatron/package-boundaries': ['error', { arrows: PACKAGE_ARROWS, tooling: TOOLING_PATHS }],
      'qatron/no-import-cycle': 'error',
    },
  },
  {
    files: ['**/*.test.ts', '**/testing/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      'no-console': 'off',
    },
  },
  {
    // Workflow code is replayed by Temporal and must be deterministic: no I/O, no Node APIs,
    // no wall clock or randomness but Temporal's own (DESIGN "Module boundaries").
    files: ['workflows/src/**/*.ts'],
    ignores: ['workflows/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.filter((m) => !m.endsWith('/*')).map((name) => ({ name, message: 'Workflows must be deterministic: no Node built-ins (use activities)' })),
          patterns: [
            { group: nodeBuiltins.filter((m) => m.endsWith('/*')), message: 'Workflows must be deterministic: no Node built-ins' },
            {
              regex: '^(@qatron/domain(?!/(status|task-queues|runs/outcomes|runs/work-queue|contract)$)|@qatron/activities|@mikro-orm/|pg$)',
              allowTypeImports: true,
              message: 'Workflows import only types from other packages (and the pure @qatron/domain/contract, /status, /task-queues, /runs/outcomes and /runs/work-queue)',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow' }, { name: 'setInterval', message: 'Use sleep() in a loop' }, { name: 'process', message: 'No process access in workflows' }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Workflows read time from Temporal (Date is replayed safely, Date.now is patched but keep it explicit)' }, { object: 'Math', property: 'random', message: 'Use the workflow-safe random from @temporalio/workflow (uuid4) instead' }],
    },
  },
);
