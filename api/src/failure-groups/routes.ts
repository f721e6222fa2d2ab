import type { ApiDeps } from '../http/deps.js';
import { IdParams } from '../http/params.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { ProjectFailureGroups, ProjectFailureGroupsQuery, RunFailureGroups } from './schema.js';
import { projectFailureGroups, runFailureGroups } from './service.js';

/** Failures grouped by cause (issue 15 item 4): 200 failures that share one cause are one line. */
export function failureGroupRoutes(_deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/runs/:id/failure-groups',
      summary: "A run's failures grouped by cause (exception type, normalized message, innermost repository frame), each new or known from earlier runs",
      tag: 'runs',
      role: 'viewer',
      params: IdParams,
      response: { status: 200, schema: RunFailureGroups },
      errors: [404],
      handler: async ({ em, principal, params }) => ({ body: await runFailureGroups(em, principal, params.id) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/projects/:id/failure-groups',
      summary: "A project's top failure groups over its latest runs, with the runs and tests they affected",
      tag: 'projects',
      role: 'viewer',
      params: IdParams,
      query: ProjectFailureGroupsQuery,
      response: { status: 200, schema: ProjectFailureGroups },
      errors: [404],
      handler: async ({ em, principal, params, query }) => ({ body: await projectFailureGroups(em, principal, params.id, query) }),
    }),
  ];
}
