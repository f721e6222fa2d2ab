import type { EntityManager } from '@mikro-orm/postgresql';
import { InfrastructureResource, type ResourceKind } from '../entities/infrastructure-resource.js';

/**
 * The infrastructure registry (FR-INF-01, FR-INF-02): workers and Selenium Grids announce
 * themselves, beat, and say goodbye. Workers are trusted infrastructure with database access and
 * call these functions directly through the ORM; the API's infrastructure endpoints call the same
 * ones, so registration and heartbeat rules live in this one place.
 */

/** What a resource declares when it registers. */
export interface ResourceRegistration {
  organization: number;
  /** Unique within the organization: registering the same name again updates that resource. */
  name: string;
  kind: ResourceKind;
  url?: string | null;
  capacity?: number;
  metadata?: Record<string, unknown>;
}

/** What a heartbeat may report besides being alive. */
export interface ResourceHeartbeat {
  capacity?: number;
  /** Merged into the stored metadata key by key: a heartbeat reports what changed (load, queue depth). */
  metadata?: Record<string, unknown>;
}

/**
 * Registers a resource, or re-registers the one with the same (organization, name): the fields
 * given replace the stored ones, omitted optional fields keep their value. Either way the
 * registration counts as a heartbeat at `now` and clears a previous clean shutdown. Flushes, so
 * that the caller can audit with the resource's id in the same transaction.
 */
export async function registerResource(
  em: EntityManager,
  registration: ResourceRegistration,
  now: Date,
): Promise<{ resource: InfrastructureResource; created: boolean }> {
  const existing = await em.findOne(InfrastructureResource, { organization: registration.organization, name: registration.name });
  const resource = existing ?? new InfrastructureResource(registration.organization, registration.name, registration.kind);
  resource.kind = registration.kind;
  if (registration.url !== undefined) resource.url = registration.url;
  if (registration.capacity !== undefined) resource.capacity = registration.capacity;
  if (registration.metadata !== undefined) resource.metadata = registration.metadata;
  resource.lastHeartbeatAt = now;
  resource.stoppedAt = null;
  em.persist(resource);
  await em.flush();
  return { resource, created: !existing };
}

/**
 * Records that resource `id` is alive at `now`, with its current capacity and metadata if it
 * reports them. A heartbeat after a clean shutdown means the resource is back, so `stoppedAt` is
 * cleared. Answers null when no such resource exists (an admin removed it): the caller should
 * register again.
 */
export async function recordHeartbeat(em: EntityManager, id: number, heartbeat: ResourceHeartbeat, now: Date): Promise<InfrastructureResource | null> {
  const resource = await em.findOne(InfrastructureResource, { id });
  if (!resource) return null;
  resource.lastHeartbeatAt = now;
  resource.stoppedAt = null;
  if (heartbeat.capacity !== undefined) resource.capacity = heartbeat.capacity;
  if (heartbeat.metadata !== undefined) resource.metadata = { ...resource.metadata, ...heartbeat.metadata };
  await em.flush();
  return resource;
}

/**
 * Records a clean shutdown at `now`: the resource shows as stopped rather than going stale and
 * offline, so operators can tell a planned stop from a crash. Answers null for an unknown id.
 */
export async function markStopped(em: EntityManager, id: number, now: Date): Promise<InfrastructureResource | null> {
  const resource = await em.findOne(InfrastructureResource, { id });
  if (!resource) return null;
  resource.stoppedAt = now;
  await em.flush();
  return resource;
}
