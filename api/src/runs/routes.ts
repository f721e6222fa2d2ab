import { isFinalStatus } from '@qatron/domain';
import { IdParams } from '../http/params.js';
import type { ApiDeps } from '../http/deps.js';
import { pageOf } from '../http/pagination.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { reportUrls } from '../reports/service.js';
import { rerunRoutes } from './rerun.js';
import { RunCreate, RunListQuery, RunOut, RunUpdate } from './schema.js';
import { runOut } from './serialize.js';
import { getRun, listRuns, triggerRun, updateRunStatus } from './service.js';

/** PRD 16.3: trigger, list, read and move runs. */
export function runRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/runs',
      summary:
        'Trigger a run of a suite against an environment (FR-RUN-01). Name the project, suite and environment by id or by name. ' +
        'A project the caller cannot see answers 404 (by id or by name); a suite or environment outside the project answers 422; ' +
        'a suite that requires dataset health refuses an unvalidated dataset version with 409 dataset_unhealthy',
      tag: 'runs',
      role: 'user',
      body: RunCreate,
      response: { status: 201, schema: RunOut },
      errors: [404, 409, 503],
      handler: async ({ em, principal, body, origin }) => {
        const view = await triggerRun(em, principal, body, origin, deps.engine);
        deps.metrics.runTriggered();
        return { status: 201, body: runOut(view.run, view.names) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/runs',
      summary: 'List runs, newest first, filtered by project, suite, environment, status (comma-separated) and branch (FR-RUN-02)',
      tag: 'runs',
      role: 'viewer',
      query: RunListQuery,
      response: { status: 200, schema: pageOf(RunOut) },
      handler: async ({ em, principal, query }) => {
        const page = await listRuns(em, principal, query);
        const reports = await reportUrls(em, deps.reportTokens, page.items.map((v) => v.run));
        return {
          body: { items: page.items.map((v) => runOut(v.run, v.names, null, reports.get(v.run.id) ?? null)), total: page.total, limit: query.limit, offset: query.offset },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/runs/:id',
      summary: 'Get a run with its status, timestamps and counts (FR-RUN-03)',
      tag: 'runs',
      role: 'viewer',
      params: IdParams,
      response: { status: 200, schema: RunOut },
      errors: [404],
      handler: async ({ em, principal, params }) => {
        const view = await getRun(em, principal, params.id);
        // While the run is live, its shards' progress comes from the workflow itself.
        const progress = isFinalStatus(view.run.status) ? null : await deps.engine.progress(view.run.id);
        const reports = await reportUrls(em, deps.reportTokens, [view.run]);
        return { body: runOut(view.run, view.names, progress, reports.get(view.run.id) ?? null) };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/runs/:id',
      summary:
        'End a run (FR-RUN-04, PRD 9.2): cancelled (user), or another final status as an admin override; its workflow is cancelled. ' +
        'Live statuses belong to the run engine (409 status_managed_by_engine); a move the status model forbids answers 409 invalid_transition',
      tag: 'runs',
      role: 'user',
      params: IdParams,
      body: RunUpdate,
      response: { status: 200, schema: RunOut },
      errors: [404, 409],
      handler: async ({ em, principal, params, body, origin }) => {
        const view = await updateRunStatus(em, principal, params.id, body, origin, deps.engine);
        const reports = await reportUrls(em, deps.reportTokens, [view.run]);
        return { body: runOut(view.run, view.names, null, reports.get(view.run.id) ?? null) };
      },
    }),
    ...rerunRoutes(deps),
  ];
}
