import type { MikroORM } from '@mikro-orm/postgresql';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RUN_STATUSES, TEST_OUTCOMES, type TestOutcome } from '@qatron/domain';

/** Prometheus metrics of the API process (FR-RPT-04, NFR-OBS-01). */
export interface Metrics {
  registry: Registry;
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  runTriggered(): void;
}

/** Names a run's series by: organization slug, project and suite names (bounded per organization; never run ids). */
const NAMES_JOIN = 'join organizations o on o.id = r.organization_id join projects p on p.id = r.project_id join suites s on s.id = r.suite_id';

interface NamedRow {
  organization: string;
  project: string;
  suite: string;
}

/**
 * Request latency histograms by route pattern (never by raw path: ids would explode the label
 * set), runs by status (read from the database when scraped), and the process defaults.
 */
export function createMetrics(orm: MikroORM): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'qatron_api_' });
  const requests = new Histogram({
    name: 'qatron_http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const triggered = new Counter({ name: 'qatron_runs_triggered_total', help: 'Runs triggered through this API process', registers: [registry] });
  new Gauge({
    name: 'qatron_runs',
    help: 'Runs by status (all organizations)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const rows = await orm.em
        .getConnection()
        .execute<{ status: string; count: string }[]>('select status, count(*) as count from runs group by status');
      const counts = new Map(rows.map((r) => [r.status, Number(r.count)]));
      for (const status of RUN_STATUSES) this.set({ status }, counts.get(status) ?? 0);
    },
  });
  registerDatabaseGauges(registry, orm);
  return {
    registry,
    observeRequest: (method, route, status, seconds) => requests.observe({ method, route, status: String(status) }, seconds),
    runTriggered: () => triggered.inc(),
  };
}

/**
 * What the database knows, read at each scrape (issue 17 item 1): runs by project, suite and status,
 * tests by outcome in runs finished in the last 24 hours, and artifact bytes held in the store. Every
 * API replica reports the same figures: dashboards take `max` over instances, never `sum`.
 */
function registerDatabaseGauges(registry: Registry, orm: MikroORM): void {
  const execute = <T>(sql: string) => orm.em.getConnection().execute<T[]>(sql);
  new Gauge({
    name: 'qatron_project_runs',
    help: 'Runs by organization, project, suite and status',
    labelNames: ['organization', 'project', 'suite', 'status'] as const,
    registers: [registry],
    async collect() {
      const rows = await execute<NamedRow & { status: string; count: string }>(
        `select o.slug as organization, p.name as project, s.name as suite, r.status, count(*) as count from runs r ${NAMES_JOIN} group by 1, 2, 3, 4`,
      );
      // Reset first: a deleted project or suite must leave the exposition, not keep its last value.
      this.reset();
      for (const r of rows) this.set({ organization: r.organization, project: r.project, suite: r.suite, status: r.status }, Number(r.count));
    },
  });
  new Gauge({
    name: 'qatron_tests_last_24h',
    help: 'Tests by outcome in the runs that finished in the last 24 hours, by organization, project and suite',
    labelNames: ['organization', 'project', 'suite', 'outcome'] as const,
    registers: [registry],
    async collect() {
      // One column per outcome on runs: passed_tests, failed_tests, … (pytest's six categories).
      const sums = TEST_OUTCOMES.map((outcome) => `sum(r.${outcome}_tests) as ${outcome}`).join(', ');
      const rows = await execute<NamedRow & Record<TestOutcome, string>>(
        `select o.slug as organization, p.name as project, s.name as suite, ${sums} from runs r ${NAMES_JOIN} where r.completed_at > now() - interval '24 hours' group by 1, 2, 3`,
      );
      this.reset();
      for (const r of rows) {
        for (const outcome of TEST_OUTCOMES) {
          this.set({ organization: r.organization, project: r.project, suite: r.suite, outcome }, Number(r[outcome]));
        }
      }
    },
  });
  new Gauge({
    name: 'qatron_artifact_bytes_stored',
    help: 'Bytes of run artifacts held in the artifact store, by organization and project',
    labelNames: ['organization', 'project'] as const,
    registers: [registry],
    async collect() {
      const rows = await execute<Omit<NamedRow, 'suite'> & { bytes: string }>(
        'select o.slug as organization, p.name as project, sum(a.size_bytes) as bytes from run_artifacts a join runs r on r.id = a.run_id join organizations o on o.id = r.organization_id join projects p on p.id = r.project_id group by 1, 2',
      );
      this.reset();
      for (const r of rows) this.set({ organization: r.organization, project: r.project }, Number(r.bytes));
    },
  });
}
