import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { ApiDeps } from '../http/deps.js';
import { unauthorized } from '../http/problems.js';
import { defineRoute, type AnyRoute, type Authenticator } from '../http/route.js';
import { bearerToken } from '../auth/authenticate.js';

const Health = z.object({ status: z.literal('ok') });
const Readiness = z.object({
  status: z.enum(['ready', 'unready']),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() })),
});

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Liveness, readiness (NFR-AVAIL-01) and Prometheus metrics (FR-RPT-04). */
export function healthRoutes(deps: ApiDeps, authenticate: Authenticator): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process answers',
      tag: 'health',
      role: 'public',
      response: { status: 200, schema: Health },
      database: false,
      handler: async () => ({ body: { status: 'ok' as const } }),
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: the database and Temporal answer (503 otherwise)',
      tag: 'health',
      role: 'public',
      // 503 answers the same Readiness body (which check failed), not a problem document; a
      // database that is down is one of the checks, never a database_unavailable problem.
      response: { status: 200, schema: Readiness, description: 'Ready', also: { 503: { description: 'Not ready: the body names the failed check' } } },
      database: false,
      handler: async () => {
        const report = await deps.readiness.check();
        return { status: report.ready ? 200 : 503, body: { status: report.ready ? ('ready' as const) : ('unready' as const), checks: report.checks } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics; needs the METRICS_TOKEN scrape token or any valid token',
      tag: 'health',
      // Authenticated below: Prometheus scrapes with a static bearer token, not a user session.
      role: 'public',
      response: { status: 200, description: 'Prometheus text exposition format', contentType: 'text/plain' },
      errors: [401],
      handler: async ({ koa, em }) => {
        const token = bearerToken(koa);
        const scrapeToken = deps.config.api.metricsToken;
        const allowed = (token && scrapeToken && sameSecret(token, scrapeToken)) || (await authenticate(koa, em));
        if (!allowed) throw unauthorized('Metrics need the scrape token (METRICS_TOKEN) or a valid bearer token');
        return { raw: await deps.metrics.registry.metrics(), contentType: deps.metrics.registry.contentType };
      },
    }),
  ];
}
