import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AuditLog, LocalArtifactStore, Quarantine, type Project } from '@qatron/domain';
import type { SweepResult } from '@qatron/domain/contract';
import { connectDatabase, type MikroORM } from '@qatron/domain/db';
import { isActiveAt } from '@qatron/domain/quarantine/active';
import { buildOrganization, buildProject } from '@qatron/domain/testing';
import { REPO_ROOT } from '@qatron/scripts/embedded/temporal';
import { createTestDatabase } from '@qatron/scripts/testing/database';
import { createRetentionActivities } from './retention.js';

/**
 * Quarantine expiry (issue 15 item 2): the daily sweep lifts quarantines past their expiry and
 * audits each as `quarantine.expired`, once; until it does, an expired quarantine is already not
 * in force (the lazy check the verdict and the API use).
 */
let orm: MikroORM;
let drop: () => Promise<void>;
let dir: string;
let activities: ReturnType<typeof createRetentionActivities>;
const logged: string[] = [];

const NOW = new Date('2026-12-20T02:00:00.000Z');
const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  orm = await connectDatabase(db.url, { pool: { min: 0, max: 4 } });
  dir = await mkdtemp(join(tmpdir(), 'qatron-quarantine-sweep-'));
  activities = createRetentionActivities({ orm, store: new LocalArtifactStore(dir), log: (m) => logged.push(m) });
});
afterAll(async () => {
  await orm.close(true);
  await drop();
  await rm(dir, { recursive: true, force: true });
});

async function quarantineOf(project: Project, nodeId: string, expiresAt: Date | null, lifted = false): Promise<Quarantine> {
  const em = orm.em.fork();
  const quarantine = new Quarantine(project.organization, project.id, nodeId, 'flaky on the payment sandbox', '@team-checkout', { userId: null, name: 'admin' });
  quarantine.createdAt = minutes(-14 * 24 * 60);
  quarantine.expiresAt = expiresAt;
  if (lifted) Object.assign(quarantine, { liftedAt: minutes(-60), liftedByName: 'admin', liftReason: 'lifted' });
  await em.persist(quarantine).flush();
  return quarantine;
}

const reload = (q: Quarantine) => orm.em.fork().findOneOrFail(Quarantine, { id: q.id });
const expiries = (q: Quarantine) => orm.em.fork().find(AuditLog, { action: 'quarantine.expired', resourceId: String(q.id) });

describe('the daily sweep and quarantine expiry', () => {
  it('lifts quarantines past their expiry at their expiry, audits each once, and leaves the others', async () => {
    const em = orm.em.fork();
    const project = await buildProject(em, { organization: await buildOrganization(em) });
    const expired = await quarantineOf(project, 'tests/test_a.py::test_expired', minutes(-5));
    const exactlyNow = await quarantineOf(project, 'tests/test_a.py::test_now', NOW);
    const later = await quarantineOf(project, 'tests/test_a.py::test_later', minutes(5));
    const forever = await quarantineOf(project, 'tests/test_a.py::test_forever', null);
    const liftedEarlier = await quarantineOf(project, 'tests/test_a.py::test_lifted', minutes(-30), true);

    // The lazy check: past its expiry a quarantine is not in force, whether or not it was lifted.
    expect(isActiveAt(expired, NOW)).toBe(false);
    expect(isActiveAt(later, NOW)).toBe(true);

    // The token part of the activity goes on as before; the quarantines ride along with it.
    expect(await activities.deactivateExpiredServiceTokens({ now: NOW.toISOString() })).toEqual({ serviceTokens: 0 });
    for (const q of [expired, exactlyNow]) {
      expect(await reload(q)).toMatchObject({ liftedAt: q.expiresAt, liftReason: 'expired', liftedBy: null, liftedByName: 'system' });
      const [entry, ...rest] = await expiries(q);
      expect(rest).toEqual([]);
      expect(entry).toMatchObject({ organization: project.organization, actor: 'system', userId: null, resourceType: 'quarantine' });
      expect(entry!.details).toEqual({ project_id: project.id, node_id: q.nodeId, owner: '@team-checkout', expires_at: q.expiresAt!.toISOString() });
    }
    for (const q of [later, forever]) expect(await reload(q)).toMatchObject({ liftedAt: null, liftReason: null });
    expect(await reload(liftedEarlier)).toMatchObject({ liftReason: 'lifted', liftedAt: minutes(-60) });
    expect(await expiries(liftedEarlier)).toEqual([]);
    expect(logged).toContain('daily sweep: 2 expired quarantine(s) lifted');

    // A retried or repeated sweep finds nothing more to lift or audit.
    await activities.deactivateExpiredServiceTokens({ now: NOW.toISOString() });
    expect(await expiries(expired)).toHaveLength(1);
  });

  it('is done by the real sweep workflow, unchanged, on a worker', async () => {
    const em = orm.em.fork();
    const project = await buildProject(em, { organization: await buildOrganization(em) });
    const expired = await quarantineOf(project, 'tests/test_b.py::test_expired', new Date(Date.now() - 60_000));
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const native = await NativeConnection.connect({ address: inject('temporalAddress') });
    const taskQueue = `quarantine-sweep-${randomBytes(4).toString('hex')}`;
    try {
      const worker = await Worker.create({
        connection: native,
        taskQueue,
        workflowBundle: await bundleWorkflowCode({ workflowsPath: join(REPO_ROOT, 'workflows', 'src', 'index.ts'), logger: new DefaultLogger('ERROR') }),
        activities: createRetentionActivities({ orm, store: new LocalArtifactStore(dir), log: () => undefined }),
      });
      const client = new Client({ connection });
      const result = await worker.runUntil(client.workflow.execute('sweepWorkflow', { taskQueue, workflowId: taskQueue, args: [] }));
      expect(result).toEqual({ runs: 0, serviceTokens: 0, revokedSessions: 0 } satisfies SweepResult);
      expect(await reload(expired)).toMatchObject({ liftReason: 'expired', liftedByName: 'system' });
      expect(await expiries(expired)).toHaveLength(1);
    } finally {
      await native.close();
      await connection.close();
    }
  });
});
