import Router from '@koa/router';
import Koa from 'koa';
import { artifactRoutes } from './artifacts/routes.js';
import { auditRoutes } from './audit/routes.js';
import { datasetRoutes } from './datasets/routes.js';
import { createAuthenticator } from './auth/authenticate.js';
import { dashboardRoutes } from './dashboard/routes.js';
import { authRoutes } from './auth/routes.js';
import { cliPackageRoutes } from './cli-package/routes.js';
import { environmentRoutes } from './environments/routes.js';
import { failureGroupRoutes } from './failure-groups/routes.js';
import { featureIngestionRoutes } from './features/ingest.js';
import { featureRoutes } from './features/routes.js';
import { healthRoutes } from './health/routes.js';
import type { ApiDeps } from './http/deps.js';
import { requestTargetHygiene, undeclaredMethods } from './http/input-hygiene.js';
import { problemMiddleware } from './http/problems.js';
import { defineRoute, mountRoutes, type AnyRoute, type RequestState } from './http/route.js';
import { infrastructureRoutes } from './infrastructure/routes.js';
import { notificationRoutes } from './notifications/routes.js';
import { openApiDocument } from './openapi/document.js';
import { refusingDeactivatedOrganizations } from './organizations/guard.js';
import { organizationRoutes } from './organizations/routes.js';
import { projectRoutes } from './projects/routes.js';
import { purgeRoutes } from './purges/routes.js';
import { quarantineRoutes } from './quarantine/routes.js';
import { reportRoutes } from './reports/routes.js';
import { runRoutes } from './runs/routes.js';
import { scheduleRoutes } from './schedules/routes.js';
import { suiteRoutes } from './suites/routes.js';
import { testHealthRoutes } from './test-health/routes.js';
import { testResultRoutes } from './test-results/routes.js';
import { userRoutes } from './users/routes.js';

export const API_VERSION = '0.1.0';

/** Every route of the API, in the order the OpenAPI document lists them. */
export function allRoutes(deps: ApiDeps): AnyRoute[] {
  const authenticate = refusingDeactivatedOrganizations(createAuthenticator(deps.signer));
  const routes: AnyRoute[] = [
    ...healthRoutes(deps, authenticate),
    ...authRoutes(deps),
    ...userRoutes(deps),
    ...organizationRoutes(deps),
    ...projectRoutes(deps),
    ...environmentRoutes(deps),
    ...datasetRoutes(deps),
    ...suiteRoutes(deps),
    ...runRoutes(deps),
    ...scheduleRoutes(deps),
    ...testResultRoutes(deps),
    ...failureGroupRoutes(deps),
    ...testHealthRoutes(deps),
    ...artifactRoutes(deps),
    ...reportRoutes(deps, authenticate),
    ...auditRoutes(deps),
    ...infrastructureRoutes(deps),
    ...cliPackageRoutes(deps),
    ...featureRoutes(deps),
    ...featureIngestionRoutes(deps),
    ...dashboardRoutes(deps),
    ...quarantineRoutes(deps),
    ...notificationRoutes(deps),
    ...purgeRoutes(deps),
  ];
  routes.push(
    defineRoute({
      method: 'get',
      path: '/api/v1/openapi.json',
      summary: 'This API as an OpenAPI 3.1 document',
      tag: 'meta',
      role: 'viewer',
      response: { status: 200, description: 'OpenAPI 3.1 document' },
      handler: async () => ({ raw: openApiDocument(routes, API_VERSION), contentType: 'application/json' }),
    }),
  );
  return routes;
}

/** CORS for the Board's origins (NFR-SEC-03); other origins get no CORS headers. */
function cors(origins: readonly string[]): Koa.Middleware {
  const allowed = new Set(origins);
  return async (ctx, next) => {
    const origin = ctx.get('origin');
    if (origin && allowed.has(origin)) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Vary', 'Origin');
      ctx.set('Access-Control-Expose-Headers', 'Content-Disposition, Retry-After');
      if (ctx.method === 'OPTIONS') {
        ctx.set('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
        ctx.set('Access-Control-Allow-Headers', 'Authorization, Content-Type');
        ctx.set('Access-Control-Max-Age', '600');
        ctx.status = 204;
        return;
      }
    }
    await next();
  };
}

/**
 * The Koa application: metrics, problem details, CORS, input hygiene, a unit of work per request,
 * routes (each reads its own body), and 405 for a method a path does not have.
 */
export function createApp(deps: ApiDeps): Koa {
  // Behind nginx or an Ingress, X-Forwarded-For carries the client's address (login throttle,
  // audit); trusting it without a proxy would let any client forge it.
  const app = new Koa({ proxy: deps.config.api.trustProxy });
  app.silent = true;
  const router = new Router();
  // Bodies are read per route, after it matched: a `raw` route (a dataset upload) streams its own.
  mountRoutes(router, allRoutes(deps), refusingDeactivatedOrganizations(createAuthenticator(deps.signer)));

  app.use(async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const route = (ctx.state as Partial<RequestState>).routePath ?? 'unmatched';
      deps.metrics.observeRequest(ctx.method, route, ctx.status, Number(process.hrtime.bigint() - started) / 1e9);
    }
  });
  app.use(problemMiddleware(deps.log));
  app.use(cors(deps.config.api.corsOrigins));
  app.use(requestTargetHygiene());
  app.use(async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    (ctx.state as RequestState).em = deps.orm.em.fork();
    await next();
  });
  app.use(router.routes());
  app.use(undeclaredMethods(router));
  return app;
}
