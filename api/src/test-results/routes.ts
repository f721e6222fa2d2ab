import type { TestResult } from '@qatron/domain';
import type { z } from 'zod';
import type { ApiDeps } from '../http/deps.js';
import { IdParams } from '../http/params.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { TestResultPage, TestResultQuery, type TestResultOut } from './schema.js';
import { listTestResults } from './service.js';

function testResultOut(result: TestResult): z.output<typeof TestResultOut> {
  return {
    id: result.id,
    node_id: result.nodeId,
    file: result.file,
    outcome: result.outcome,
    duration_seconds: result.durationSeconds,
    attempts: result.attempts,
    flaky: result.flaky,
    message: result.message,
    shard_index: result.shardIndex,
  };
}

/** A run's per-test results: what failed and why, flaky tests, durations (the planner's history). */
export function testResultRoutes(_deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/runs/:id/tests',
      summary: "List a run's per-test results, filtered by outcome, flakiness or shard",
      tag: 'runs',
      role: 'viewer',
      params: IdParams,
      query: TestResultQuery,
      response: { status: 200, schema: TestResultPage },
      errors: [404],
      handler: async ({ em, principal, params, query }) => {
        const page = await listTestResults(em, principal, params.id, query);
        return { body: { items: page.items.map(testResultOut), total: page.total, limit: query.limit, offset: query.offset } };
      },
    }),
  ];
}
