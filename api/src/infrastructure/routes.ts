import type { ApiDeps } from '../http/deps.js';
import { pageOf } from '../http/pagination.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { IdParams as ResourceIdParams } from '../http/params.js';
import { ResourceHeartbeatBody, ResourceListQuery, ResourceOut, ResourceRegister } from './schema.js';
import { resourceOut } from './serialize.js';
import { findVisibleResource, heartbeatInfrastructure, listResources, registerInfrastructure, removeInfrastructure } from './service.js';

/** FR-INF-01/02: workers and Selenium Grids, their registration, heartbeats and derived status. */
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
      summary: 'Register a worker or grid, or re-register the one with the same name (admin only)',
      tag: 'infrastructure',
      role: 'admin',
      body: ResourceRegister,
      response: { status: 201, schema: ResourceOut, description: 'Registered', also: { 200: { description: 'Re-registered: the name was already registered' } } },
      errors: [409],
      handler: async ({ em, principal, body, origin }) => {
        const now = new Date();
        const { resource, created } = await registerInfrastructure(em, principal, body, origin, now);
        return { status: created ? 201 : 200, body: resourceOut(resource, now, interval) };
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
