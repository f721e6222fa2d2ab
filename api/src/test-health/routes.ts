import type { z } from 'zod';
import type { ApiDeps } from '../http/deps.js';
import { iso, isoOrNull } from '../http/pagination.js';
import { IdParams } from '../http/params.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { TestHealthDetail, TestHealthPage, TestHealthParams, TestHealthQuery, type TestHealthOut } from './schema.js';
import { getTestHealth, listTestHealth, type TestHealthView } from './service.js';

function testHealthOut({ health, suite, environment, quarantined }: TestHealthView): z.output<typeof TestHealthOut> {
  return {
    id: health.id,
    project_id: health.project,
    suite_id: health.suite,
    suite,
    environment_id: health.environment,
    environment,
    node_id: health.nodeId,
    classification: health.classification,
    rule: health.rule,
    evidence: health.evidence,
    quarantined,
    runs: health.runs,
    passes: health.passes,
    failures: health.failures,
    flips: health.flips,
    flip_rate: health.flipRate,
    pass_on_retry: health.passOnRetry,
    same_commit_disagreements: health.sameCommitDisagreements,
    median_duration_seconds: health.medianDurationSeconds,
    first_seen_at: iso(health.firstSeenAt),
    last_seen_at: iso(health.lastSeenAt),
    last_failure_at: isoOrNull(health.lastFailureAt),
    last_failure_run_id: health.lastFailureRun,
    recent: health.window.map(({ run_id, outcome, retried }) => ({ run_id, outcome, retried })),
  };
}

/** Per-test health over recent runs (issue 15 item 1): which tests flip, which are broken, and why. */
export function testHealthRoutes(_deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/projects/:id/tests',
      summary: "List a project's tests with their health over recent runs: flaky, broken, new or stable, and the evidence",
      tag: 'tests',
      role: 'viewer',
      params: IdParams,
      query: TestHealthQuery,
      response: { status: 200, schema: TestHealthPage },
      handler: async ({ em, principal, params, query }) => {
        const page = await listTestHealth(em, principal, params.id, query);
        return { body: { items: page.items.map(testHealthOut), total: page.total, limit: query.limit, offset: query.offset } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/projects/:id/tests/:test_id',
      summary: "One test's health with its history: the window's runs with outcome, commit and duration, and the evidence",
      tag: 'tests',
      role: 'viewer',
      params: TestHealthParams,
      response: { status: 200, schema: TestHealthDetail },
      handler: async ({ em, principal, params }) => {
        const view = await getTestHealth(em, principal, params.id, params.test_id);
        return { body: { ...testHealthOut(view), history: view.health.window } };
      },
    }),
  ];
}
