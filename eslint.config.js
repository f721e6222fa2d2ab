import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

/** Node built-ins, bare and `node:`-prefixed: banned in workflow code (Temporal determinism). */
const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`, `${m}/*`, `node:${m}/*`]);

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
              message: 'Workflows import only types from other packages (and the pure @qatron/domain/status, /task-queues, /runs/outcomes and /runs/work-queue)',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow' }, { name: 'setInterval', message: 'Use sleep() in a loop' }, { name: 'process', message: 'No process access in workflows' }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Workflows read time from Temporal (Date is replayed safely, Date.now is patched but keep it explicit)' }, { object: 'Math', property: 'random', message: 'Use the workflow-safe random from @temporalio/workflow (uuid4) instead' }],
    },
  },
);
