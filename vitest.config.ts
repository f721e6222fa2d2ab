import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

/**
 * Three tiers (DESIGN "Testing tiers"): unit (`*.test.ts`, pure logic), integration
 * (`*.int.test.ts`: real PostgreSQL and Temporal, started once in the global setup) and e2e
 * (`*.e2e.test.ts`: the stack from outside, through HTTP, the CLI and a browser). The Board's unit
 * and component tests (`*.test.ts` under board/) are a project of their own: Vue SFCs in happy-dom.
 */
const ignore = ['**/node_modules/**', '**/dist/**', '.tools/**'];
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
      {
        test: {
          name: 'e2e',
          include: ['**/*.e2e.test.ts'],
          exclude: ignore,
          globalSetup: ['scripts/src/testing/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
