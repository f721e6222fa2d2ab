import type { ApiDeps } from '../http/deps.js';
import { pageOf, PageQuery } from '../http/pagination.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { IdParams as ResourceIdParams } from '../http/params.js';
import { GridOutageOut, ResourceHeartbeatBody, ResourceListQuery, ResourceOut, ResourceRegister } from './schema.js';
import { gridOutageOut, resourceOut } from './serialize.js';
import {
  checkInfrastructure,
  findVisibleResource,
  heartbeatInfrastructure,
  listGridOutages,
  listResources,
  registerInfrastructure,
  removeInfrastructure,
} from './service.js';

/** FR-INF-01/02: workers and Selenium Grids, their registration, heartbeats and derived status; a Grid's checks and outages (issue 16). */
export function infrastructureRoutes(deps: ApiDeps): AnyRoute[] {
  const interval = deps.config.heartbeatIntervalSeconds;
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/infrastructure',
      summary: 'List workers and grids with their status derived from the last heartbeat',
      tag: 'infrastructure',
      role: 'viewer',
      query: ResourceListQuery,
      response: { status: 200, schema: pageOf(ResourceOut) },
      handler: async ({ em, principal, query }) => {
        const now = new Date();
        const { items, total } = await listResources(em, principal, query, now, interval);
        return { body: { items: items.map((r) => resourceOut(r, now, interval)), total, limit: query.limit, offset: query.offset } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/infrastructure/:id',
      summary: 'Get one worker or grid',
      tag: 'infrastructure',
      role: 'viewer',
      params: ResourceIdParams,
      response: { status: 200, schema: ResourceOut },
      errors: [404],
      handler: async ({ em, principal, params }) => ({ body: resourceOut(await findVisibleResource(em, principal, params.id), new Date(), interval) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/infrastructure',
      summary: 'Register a worker or grid, or re-register the one with the same name (admin only); a grid is checked at its URL at once',
      tag: 'infrastructure',
      role: 'admin',
      body: ResourceRegister,
      response: { status: 201, schema: ResourceOut, description: 'Registered', also: { 200: { description: 'Re-registered: the name was already registered' } } },
      errors: [409],
      handler: async ({ em, principal, body, origin }) => {
        const { resource, created } = await registerInfrastructure(em, principal, body, origin);
        // Read after the Grid's check, which may take seconds.
        return { status: created ? 201 : 200, body: resourceOut(resource, new Date(), interval) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/infrastructure/:id/check',
      summary: "Check a grid's /status now and record its health, capacity and outages (admin only)",
      tag: 'infrastructure',
      role: 'admin',
      params: ResourceIdParams,
      response: { status: 200, schema: ResourceOut },
      errors: [404, 409],
      handler: async ({ em, principal, params }) => ({ body: resourceOut(await checkInfrastructure(em, principal, params.id), new Date(), interval) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/infrastructure/:id/outages',
      summary: "List a grid's outages, the newest first (a worker has none)",
      tag: 'infrastructure',
      role: 'viewer',
      params: ResourceIdParams,
      query: PageQuery,
      response: { status: 200, schema: pageOf(GridOutageOut) },
      errors: [404],
      handler: async ({ em, principal, params, query }) => {
        const { items, total } = await listGridOutages(em, principal, params.id, query);
        return { body: { items: items.map(gridOutageOut), total, limit: query.limit, offset: query.offset } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/infrastructure/:id/heartbeat',
      summary: 'Report that a worker or grid is alive, with its current capacity and metadata (admin only)',
      tag: 'infrastructure',
      role: 'admin',
      params: ResourceIdParams,
      body: ResourceHeartbeatBody,
      response: { status: 200, schema: ResourceOut },
      errors: [404],
      handler: async ({ em, principal, params, body }) => {
        const now = new Date();
        return { body: resourceOut(await heartbeatInfrastructure(em, principal, params.id, body, now), now, interval) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/infrastructure/:id',
      summary: 'Forget a worker or grid (admin only); a live worker registers again on its own',
      tag: 'infrastructure',
      role: 'admin',
      params: ResourceIdParams,
      response: { status: 204 },
      errors: [404],
      handler: async ({ em, principal, params, origin }) => {
        await removeInfrastructure(em, principal, params.id, origin);
        return { status: 204 };
      },
    }),
  ];
}
