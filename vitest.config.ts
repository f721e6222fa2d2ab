import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

/**
 * Three tiers (DESIGN "Testing tiers"): unit (`*.test.ts`, pure logic), integration
 * (`*.int.test.ts`: real PostgreSQL and Temporal, started once in the global setup) and e2e
 * (`*.e2e.test.ts`: the stack from outside, through HTTP, the CLI and a browser). The Board's unit
 * and component tests (`*.test.ts` under board/) are a project of their own: Vue SFCs in happy-dom.
 */
const ignore = ['**/node_modules/**', '**/dist/**', '.tools/**'];

/** The e2e files of the second lane: together about as long as the first lane's. */
const E2E_SECOND_LANE = [
  'api/src/**/*.e2e.test.ts',
  'board/src/**/*.e2e.test.ts',
  'cli/src/**/*.e2e.test.ts',
  'scripts/src/**/*.e2e.test.ts',
  'activities/src/**/*.e2e.test.ts',
  'worker/src/database-outage.e2e.test.ts',
];

function e2eLane(name: string, include: string[], exclude: string[], env: Record<string, string>) {
  return {
    test: {
      name,
      include,
      exclude: [...ignore, ...exclude],
      env,
      globalSetup: ['scripts/src/testing/global-setup.ts'],
      testTimeout: 180_000,
      hookTimeout: 180_000,
      fileParallelism: false,
    },
  };
}
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: [...ignore, '**/*.int.test.ts', '**/*.e2e.test.ts', 'board/**'],
        },
      },
      {
        plugins: [vue()],
        test: {
          name: 'board',
          include: ['board/**/*.test.ts'],
          exclude: [...ignore, '**/*.int.test.ts', '**/*.e2e.test.ts'],
          environment: 'happy-dom',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts'],
          exclude: ignore,
          globalSetup: ['scripts/src/testing/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      // The e2e tier runs one file at a time in each of two lanes that `npm test` runs side by side
      // as two vitest processes (scripts/src/test-tiers.ts: in one process vitest would run them
      // one after the other), so the suite stays under 25 minutes on 2 cores. The second lane takes
      // the files that start `npm start`'s stack or the API alone, plus the long database-outage
      // run; its engine-stack files keep their own worker cache (QATRON_E2E_LANE), since run ids
      // start at 1 in every database and would meet in a shared one.
      e2eLane('e2e', ['**/*.e2e.test.ts'], [...E2E_SECOND_LANE], {}),
      e2eLane('e2e-2', [...E2E_SECOND_LANE], [], { QATRON_E2E_LANE: '2' }),
    ],
  },
});
