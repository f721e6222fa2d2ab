import type { ApiDeps } from '../http/deps.js';
import { iso } from '../http/pagination.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { reportUrls } from '../reports/service.js';
import { runOut } from '../runs/serialize.js';
import { listRuns } from '../runs/service.js';
import { DashboardOut, DashboardQuery } from './schema.js';
import { dashboardFigures } from './service.js';

/** The Board's dashboard (PRD 18.1): trends, statuses, coverage and test rankings in one aggregate read. */
export function dashboardRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/dashboard',
      summary:
        'Run summaries and trends for the dashboard, aggregated on the server: runs by status, pass rate and duration per day for the busiest ' +
        'project/suite pairs, coverage per day, the slowest and most-failing tests of the latest runs, and the latest runs',
      tag: 'dashboard',
      role: 'viewer',
      query: DashboardQuery,
      response: { status: 200, schema: DashboardOut },
      handler: async ({ em, principal, query }) => {
        const [figures, recent] = await Promise.all([
          dashboardFigures(em.fork(), principal, query),
          listRuns(em, principal, { limit: 10, offset: 0, ...(query.project_id !== undefined && { project_id: query.project_id }) }),
        ]);
        const reports = await reportUrls(em, deps.reportTokens, recent.items.map((v) => v.run));
        return {
          body: {
            days: query.days,
            ...figures,
            since: iso(figures.since),
            recent_runs: recent.items.map((v) => runOut(v.run, v.names, null, reports.get(v.run.id) ?? null)),
          },
        };
      },
    }),
  ];
}
