import type { EntityManager } from '@mikro-orm/postgresql';
import { FINAL_RUN_STATUSES, type RunStatus } from '@qatron/domain';
import type { Principal } from '../http/principal.js';
import { projectChildFilter } from '../http/scope.js';
import type { DashboardFilter } from './schema.js';

/** How many project/suite pairs the trend charts draw: more lines than this is noise. */
export const TREND_SERIES = 8;
/** Slowest and most-failing tests are read from this many latest finished runs (bounded work). */
export const TEST_WINDOW_RUNS = 200;
const TOP_TESTS = 10;

export interface DashboardFigures {
  since: Date;
  totals: { runs: number; passed_tests: number; total_tests: number; pass_rate: number | null; avg_duration_seconds: number | null };
  runs_by_status: { status: RunStatus; count: number }[];
  trends: { project_id: number; project_name: string; suite_id: number; suite_name: string; points: { day: string; runs: number; pass_rate: number | null; avg_duration_seconds: number | null }[] }[];
  coverage: { day: string; avg_coverage_percent: number }[];
  slowest_tests: { project_name: string; node_id: string; avg_duration_seconds: number; runs: number }[];
  failing_tests: { project_name: string; node_id: string; failures: number; runs: number }[];
}

const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/**
 * Everything the Board's dashboard draws (PRD 18.1), aggregated in PostgreSQL with GROUP BY so
 * that the cost follows the number of groups, not of runs: a handful of queries whatever the
 * history holds. Scoped like every read (PRD 8.2): the caller's organization, and a scoped
 * token's project. A project outside that scope yields empty figures, like an unknown id.
 */
export async function dashboardFigures(em: EntityManager, principal: Principal, filter: DashboardFilter, now = new Date()): Promise<DashboardFigures> {
  const since = new Date(now.getTime() - filter.days * 86_400_000);
  const scope = projectChildFilter(principal);
  const conditions = ['r.organization_id = ?', 'r.created_at >= ?'];
  const params: unknown[] = [scope.organization, since];
  for (const project of [scope.project, filter.project_id]) {
    if (project !== undefined) {
      conditions.push('r.project_id = ?');
      params.push(project);
    }
  }
  const where = conditions.join(' and ');
  const finals = FINAL_RUN_STATUSES.map((s) => `'${s}'`).join(', ');
  const finished = `${where} and r.status in (${finals})`;
  const db = em.getConnection();
  const passRate = 'case when sum(r.passed_tests + r.failed_tests) > 0 then 100.0 * sum(r.passed_tests) / sum(r.passed_tests + r.failed_tests) end';
  const utcDay = `to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD')`;

  const [byStatus, totals, trendRows, coverage, slowest, failing] = await Promise.all([
    db.execute<{ status: RunStatus; count: number }[]>(`select r.status, count(*)::int as count from runs r where ${where} group by r.status order by count desc`, params),
    db.execute<{ passed: number; total: number; pass_rate: number | null; avg_duration: number | null }[]>(
      `select coalesce(sum(r.passed_tests), 0)::int as passed, coalesce(sum(r.total_tests), 0)::int as total, ${passRate} as pass_rate, avg(r.duration_seconds) as avg_duration
       from runs r where ${finished}`,
      params,
    ),
    db.execute<{ project_id: number; project_name: string; suite_id: number; suite_name: string; day: string; runs: number; pass_rate: number | null; avg_duration: number | null }[]>(
      `with top as (
         select r.project_id, r.suite_id from runs r where ${finished}
         group by r.project_id, r.suite_id order by count(*) desc, r.project_id, r.suite_id limit ${TREND_SERIES})
       select r.project_id, p.name as project_name, r.suite_id, s.name as suite_name, ${utcDay} as day, count(*)::int as runs,
              ${passRate} as pass_rate, avg(r.duration_seconds) as avg_duration
       from runs r join top t on t.project_id = r.project_id and t.suite_id = r.suite_id
       join projects p on p.id = r.project_id join suites s on s.id = r.suite_id
       where ${finished}
       group by r.project_id, p.name, r.suite_id, s.name, day order by day`,
      [...params, ...params],
    ),
    db.execute<{ day: string; avg: number }[]>(
      `select ${utcDay} as day, avg(r.coverage_percent) as avg from runs r where ${finished} and r.coverage_percent is not null group by day order by day`,
      params,
    ),
    db.execute<{ project_name: string; node_id: string; avg: number; runs: number }[]>(
      `with recent as (select r.id from runs r where ${finished} order by r.id desc limit ${TEST_WINDOW_RUNS})
       select p.name as project_name, t.node_id, avg(t.duration_seconds) as avg, count(*)::int as runs
       from test_results t join recent on recent.id = t.run_id join projects p on p.id = t.project_id
       where t.outcome <> 'skipped'
       group by p.name, t.node_id order by avg desc, t.node_id limit ${TOP_TESTS}`,
      params,
    ),
    db.execute<{ project_name: string; node_id: string; failures: number; runs: number }[]>(
      `with recent as (select r.id from runs r where ${finished} order by r.id desc limit ${TEST_WINDOW_RUNS})
       select p.name as project_name, t.node_id, count(*) filter (where t.outcome in ('failed', 'error'))::int as failures, count(*)::int as runs
       from test_results t join recent on recent.id = t.run_id join projects p on p.id = t.project_id
       group by p.name, t.node_id having count(*) filter (where t.outcome in ('failed', 'error')) > 0
       order by failures desc, t.node_id limit ${TOP_TESTS}`,
      params,
    ),
  ]);

  const series = new Map<string, DashboardFigures['trends'][number]>();
  for (const row of trendRows) {
    const key = `${row.project_id}/${row.suite_id}`;
    let trend = series.get(key);
    if (!trend) {
      trend = { project_id: row.project_id, project_name: row.project_name, suite_id: row.suite_id, suite_name: row.suite_name, points: [] };
      series.set(key, trend);
    }
    trend.points.push({ day: row.day, runs: row.runs, pass_rate: num(row.pass_rate), avg_duration_seconds: num(row.avg_duration) });
  }
  const total = totals[0];
  return {
    since,
    totals: {
      runs: byStatus.reduce((n, row) => n + row.count, 0),
      passed_tests: total?.passed ?? 0,
      total_tests: total?.total ?? 0,
      pass_rate: num(total?.pass_rate),
      avg_duration_seconds: num(total?.avg_duration),
    },
    runs_by_status: byStatus,
    trends: [...series.values()],
    coverage: coverage.map((row) => ({ day: row.day, avg_coverage_percent: Number(row.avg) })),
    slowest_tests: slowest.map((row) => ({ project_name: row.project_name, node_id: row.node_id, avg_duration_seconds: Number(row.avg), runs: row.runs })),
    failing_tests: failing,
  };
}
