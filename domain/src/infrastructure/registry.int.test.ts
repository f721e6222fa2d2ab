import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@qatron/scripts/testing/database';
import { connectDatabase, type MikroORM } from '../db.js';
import { InfrastructureResource, resourceStatus } from '../entities/infrastructure-resource.js';
import type { Organization } from '../entities/organization.js';
import { buildOrganization } from '../testing/factories.js';
import { markStopped, recordHeartbeat, registerResource } from './registry.js';

let orm: MikroORM;
let drop: () => Promise<void>;
let organization: Organization;

const INTERVAL = 30;
const at = (iso: string) => new Date(iso);
const load = (id: number) => orm.em.fork().findOneOrFail(InfrastructureResource, { id });

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  orm = await connectDatabase(db.url, { pool: { min: 0, max: 2 } });
  organization = await buildOrganization(orm.em.fork());
});
afterAll(async () => {
  await orm.close(true);
  await drop();
});

describe('registerResource', () => {
  it('creates a resource that is online from the moment it registers', async () => {
    const now = at('2026-01-01T10:00:00Z');
    const { resource, created } = await registerResource(
      orm.em.fork(),
      { organization: organization.id, name: 'worker-a', kind: 'worker', url: 'http://worker-a:9000', capacity: 4, metadata: { version: '1.0' } },
      now,
    );
    expect(created).toBe(true);
    const stored = await load(resource.id);
    expect(stored).toMatchObject({ name: 'worker-a', kind: 'worker', url: 'http://worker-a:9000', capacity: 4, metadata: { version: '1.0' }, stoppedAt: null });
    expect(stored.lastHeartbeatAt).toEqual(now);
    expect(resourceStatus(stored, now, INTERVAL)).toBe('online');
  });

  it('applies the defaults when only name and kind are given', async () => {
    const { resource } = await registerResource(orm.em.fork(), { organization: organization.id, name: 'grid-defaults', kind: 'grid' }, new Date());
    expect(await load(resource.id)).toMatchObject({ url: null, capacity: 1, metadata: {} });
  });

  it('updates the resource of the same name instead of adding one, keeping omitted fields and clearing a stop', async () => {
    const em = orm.em.fork();
    const first = await registerResource(em, { organization: organization.id, name: 'worker-b', kind: 'worker', url: 'http://b', capacity: 2, metadata: { a: 1 } }, at('2026-01-01T10:00:00Z'));
    await markStopped(orm.em.fork(), first.resource.id, at('2026-01-01T10:05:00Z'));
    const later = at('2026-01-01T11:00:00Z');
    const again = await registerResource(orm.em.fork(), { organization: organization.id, name: 'worker-b', kind: 'worker', capacity: 8 }, later);
    expect(again.created).toBe(false);
    expect(again.resource.id).toBe(first.resource.id);
    const stored = await load(first.resource.id);
    expect(stored).toMatchObject({ url: 'http://b', capacity: 8, metadata: { a: 1 }, stoppedAt: null });
    expect(stored.lastHeartbeatAt).toEqual(later);
    expect(await orm.em.fork().count(InfrastructureResource, { organization: organization.id, name: 'worker-b' })).toBe(1);
  });

  it('keeps names apart between organizations', async () => {
    const other = await buildOrganization(orm.em.fork());
    const mine = await registerResource(orm.em.fork(), { organization: organization.id, name: 'shared-name', kind: 'grid' }, new Date());
    const theirs = await registerResource(orm.em.fork(), { organization: other.id, name: 'shared-name', kind: 'grid' }, new Date());
    expect(theirs.created).toBe(true);
    expect(theirs.resource.id).not.toBe(mine.resource.id);
  });
});

describe('recordHeartbeat', () => {
  it('moves the heartbeat, updates capacity and merges metadata', async () => {
    const { resource } = await registerResource(
      orm.em.fork(),
      { organization: organization.id, name: 'worker-c', kind: 'worker', capacity: 2, metadata: { version: '1.0', load: 0 } },
      at('2026-01-01T10:00:00Z'),
    );
    const beat = at('2026-01-01T10:00:30Z');
    const answered = await recordHeartbeat(orm.em.fork(), resource.id, { capacity: 3, metadata: { load: 2 } }, beat);
    expect(answered?.lastHeartbeatAt).toEqual(beat);
    const stored = await load(resource.id);
    expect(stored).toMatchObject({ capacity: 3, metadata: { version: '1.0', load: 2 } });
    expect(stored.lastHeartbeatAt).toEqual(beat);
  });

  it('leaves capacity and metadata alone when the heartbeat reports neither', async () => {
    const { resource } = await registerResource(orm.em.fork(), { organization: organization.id, name: 'worker-d', kind: 'worker', capacity: 5, metadata: { x: 'y' } }, at('2026-01-01T10:00:00Z'));
    await recordHeartbeat(orm.em.fork(), resource.id, {}, at('2026-01-01T10:01:00Z'));
    expect(await load(resource.id)).toMatchObject({ capacity: 5, metadata: { x: 'y' } });
  });

  it('brings a stopped resource back online', async () => {
    const { resource } = await registerResource(orm.em.fork(), { organization: organization.id, name: 'worker-e', kind: 'worker' }, at('2026-01-01T10:00:00Z'));
    await markStopped(orm.em.fork(), resource.id, at('2026-01-01T10:01:00Z'));
    const back = at('2026-01-01T10:02:00Z');
    await recordHeartbeat(orm.em.fork(), resource.id, {}, back);
    const stored = await load(resource.id);
    expect(stored.stoppedAt).toBeNull();
    expect(resourceStatus(stored, back, INTERVAL)).toBe('online');
  });

  it('answers null for a resource that no longer exists', async () => {
    expect(await recordHeartbeat(orm.em.fork(), 987_654, {}, new Date())).toBeNull();
  });
});

describe('markStopped', () => {
  it('shows the resource as stopped, not offline, however long ago it stopped', async () => {
    const { resource } = await registerResource(orm.em.fork(), { organization: organization.id, name: 'worker-f', kind: 'worker' }, at('2026-01-01T10:00:00Z'));
    const stoppedAt = at('2026-01-01T10:00:10Z');
    await markStopped(orm.em.fork(), resource.id, stoppedAt);
    const stored = await load(resource.id);
    expect(stored.stoppedAt).toEqual(stoppedAt);
    expect(resourceStatus(stored, stoppedAt, INTERVAL)).toBe('stopped');
    expect(resourceStatus(stored, at('2026-01-03T00:00:00Z'), INTERVAL)).toBe('stopped');
  });

  it('answers null for an unknown id', async () => {
    expect(await markStopped(orm.em.fork(), 987_654, new Date())).toBeNull();
  });
});

describe('status over time, as stored', () => {
  it('is online, then stale, then offline as the last heartbeat ages', async () => {
    const beat = at('2026-01-01T10:00:00Z');
    const { resource } = await registerResource(orm.em.fork(), { organization: organization.id, name: 'worker-g', kind: 'worker' }, beat);
    const stored = await load(resource.id);
    const after = (seconds: number) => new Date(beat.getTime() + seconds * 1000);
    expect(resourceStatus(stored, after(45), INTERVAL)).toBe('online');
    expect(resourceStatus(stored, after(46), INTERVAL)).toBe('stale');
    expect(resourceStatus(stored, after(90), INTERVAL)).toBe('stale');
    expect(resourceStatus(stored, after(91), INTERVAL)).toBe('offline');
  });
});
