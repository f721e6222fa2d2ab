import type { EntityManager } from '@mikro-orm/postgresql';
import {
  checkGridNow,
  GridOutage,
  InfrastructureResource,
  recordHeartbeat,
  registerResource,
  resourceStatus,
  type ResourceHeartbeat,
  type ResourceKind,
  type ResourceStatus,
} from '@qatron/domain';
import { actorOf, recordAudit } from '../audit/record.js';
import { conflict, notFound } from '../http/problems.js';
import type { Principal, RequestOrigin } from '../http/principal.js';
import { requireOrganizationWide } from '../http/scope.js';

export interface ResourceListFilter {
  kind?: ResourceKind | undefined;
  status?: ResourceStatus | undefined;
  limit: number;
  offset: number;
}

/**
 * The organization's resources, optionally of one kind and one derived status, by name. The status
 * depends on the clock, so it is derived with `resourceStatus` (the one definition the Board and
 * the workers share) rather than restated in SQL; an organization runs tens of workers and grids,
 * not thousands, so filtering the status after loading them costs nothing.
 */
export async function listResources(
  em: EntityManager,
  principal: Principal,
  filter: ResourceListFilter,
  now: Date,
  heartbeatIntervalSeconds: number,
): Promise<{ items: InfrastructureResource[]; total: number }> {
  const resources = await em.find(
    InfrastructureResource,
    { organization: principal.organizationId, ...(filter.kind ? { kind: filter.kind } : {}) },
    { orderBy: { name: 'asc', id: 'asc' } },
  );
  const matching = filter.status ? resources.filter((r) => resourceStatus(r, now, heartbeatIntervalSeconds) === filter.status) : resources;
  return { items: matching.slice(filter.offset, filter.offset + filter.limit), total: matching.length };
}

/** Resource `id` if it belongs to the caller's organization; 404 otherwise (PRD 8.3). */
export async function findVisibleResource(em: EntityManager, principal: Principal, id: number): Promise<InfrastructureResource> {
  const resource = await em.findOne(InfrastructureResource, { id, organization: principal.organizationId });
  if (!resource) throw notFound('Infrastructure resource', id);
  return resource;
}

/**
 * Registers or re-registers a resource by name (FR-INF-01) and audits it in the same transaction.
 * A Grid is then checked at once (issue 16 item 3), so the answer already says whether it takes
 * sessions; one that is down stays registered, unhealthy, with the check's error and an open outage.
 */
export async function registerInfrastructure(
  em: EntityManager,
  principal: Principal,
  input: { name: string; kind: ResourceKind; url?: string | null | undefined; capacity?: number | undefined; metadata?: Record<string, unknown> | undefined },
  origin: RequestOrigin,
  now = new Date(),
): Promise<{ resource: InfrastructureResource; created: boolean }> {
  requireOrganizationWide(principal, 'register infrastructure');
  const registered = await em.transactional(async (tx) => {
    const result = await registerResource(
      tx,
      { organization: principal.organizationId, name: input.name, kind: input.kind, url: input.url, capacity: input.capacity, metadata: input.metadata },
      now,
    );
    const { resource, created } = result;
    recordAudit(
      tx,
      actorOf(principal),
      'infrastructure.registered',
      { type: 'infrastructure_resource', id: resource.id },
      { name: resource.name, kind: resource.kind, url: resource.url, capacity: resource.capacity, created },
      origin,
    );
    return result;
  });
  if (registered.resource.kind === 'grid') await checkGridNow(em, registered.resource);
  return registered;
}

/** A heartbeat on behalf of a resource that cannot reach the database itself (a grid, an external worker). */
export async function heartbeatInfrastructure(em: EntityManager, principal: Principal, id: number, heartbeat: ResourceHeartbeat, now = new Date()): Promise<InfrastructureResource> {
  requireOrganizationWide(principal, 'report infrastructure heartbeats');
  await findVisibleResource(em, principal, id);
  const resource = await recordHeartbeat(em, id, heartbeat, now);
  // Removed between the two statements by a concurrent DELETE.
  if (!resource) throw notFound('Infrastructure resource', id);
  return resource;
}

/** Forgets a resource; a worker that is still alive registers again on its next start or heartbeat. */
export async function removeInfrastructure(em: EntityManager, principal: Principal, id: number, origin: RequestOrigin): Promise<void> {
  requireOrganizationWide(principal, 'remove infrastructure');
  const resource = await findVisibleResource(em, principal, id);
  recordAudit(em, actorOf(principal), 'infrastructure.removed', { type: 'infrastructure_resource', id }, { name: resource.name, kind: resource.kind }, origin);
  await em.remove(resource).flush();
}

/** Checks Grid `id` now and records the result (its status, health and outages); 409 for a worker or a Grid without a URL. */
export async function checkInfrastructure(em: EntityManager, principal: Principal, id: number): Promise<InfrastructureResource> {
  requireOrganizationWide(principal, 'check infrastructure');
  const resource = await findVisibleResource(em, principal, id);
  if (resource.kind !== 'grid') throw conflict(`Infrastructure resource ${id} is a ${resource.kind}: only a Grid is checked`, 'not_a_grid');
  if (!resource.url) throw conflict(`Grid ${resource.name} has no URL to check; register it again with its URL`, 'grid_without_url');
  await checkGridNow(em, resource);
  return resource;
}

/** A visible resource's outages, the newest first; a worker has none. */
export async function listGridOutages(
  em: EntityManager,
  principal: Principal,
  id: number,
  page: { limit: number; offset: number },
): Promise<{ items: GridOutage[]; total: number }> {
  await findVisibleResource(em, principal, id);
  const [items, total] = await em.findAndCount(
    GridOutage,
    { organization: principal.organizationId, resource: id },
    { orderBy: { startedAt: 'desc', id: 'desc' }, limit: page.limit, offset: page.offset },
  );
  return { items, total };
}
