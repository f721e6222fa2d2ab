import type { MikroORM } from '@mikro-orm/postgresql';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RUN_STATUSES } from '@qatron/domain';

/** Prometheus metrics of the API process (FR-RPT-04, NFR-OBS-01). */
export interface Metrics {
  registry: Registry;
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  runTriggered(): void;
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
  return {
    registry,
    observeRequest: (method, route, status, seconds) => requests.observe({ method, route, status: String(status) }, seconds),
    runTriggered: () => triggered.inc(),
  };
}
