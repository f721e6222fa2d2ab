import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, ScheduleNotFoundError } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRetentionActivities } from '@qatron/activities';
import { CONTROL_TASK_QUEUE, LocalArtifactStore, RevokedSession, Run } from '@qatron/domain';
import { connectDatabase, type MikroORM } from '@qatron/domain/db';
import { DAY_MS } from '@qatron/domain/retention';
import { buildEnvironment, buildOrganization, buildProject, buildRun, buildServiceToken } from '@qatron/domain/testing';
import { REPO_ROOT } from '@qatron/scripts/embedded/temporal';
import { createTestDatabase } from '@qatron/scripts/testing/database';
import { freshTemporalNamespace } from '@qatron/scripts/testing/temporal-namespace';
import type { SweepResult } from '@qatron/domain/contract';
import { ensureSweepSchedule, SWEEP_SCHEDULE_ID } from './schedules.js';

/**
 * The daily sweep's schedule on the integration tier's Temporal dev server, in a namespace of its
 * own (so that no other test file's workers see it): created once however many workers race to
 * create it, due daily at 02:00 UTC, and starting a sweep that a real worker runs.
 */
let connection: Connection;
let client: Client;
let namespace: string;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  connection = await Connection.connect({ address: inject('temporalAddress') });
  namespace = await freshTemporalNamespace(inject('temporalAddress'));
  client = new Client({ connection, namespace });
});
afterAll(async () => {
  await client?.schedule.getHandle(SWEEP_SCHEDULE_ID).delete().catch((err: unknown) => {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  });
  await connection?.close();
});

describe('ensureSweepSchedule', () => {
  it('creates the schedule once, however many workers race to', async () => {
    const outcomes = await Promise.all([ensureSweepSchedule(client), ensureSweepSchedule(client), ensureSweepSchedule(client)]);
    expect(outcomes.sort()).toEqual(['created', 'exists', 'exists']);
    expect(await ensureSweepSchedule(client)).toBe('exists');
    const ids: string[] = [];
    for await (const schedule of client.schedule.list()) ids.push(schedule.scheduleId);
    expect(ids).toEqual([SWEEP_SCHEDULE_ID]);
  });

  it('starts sweepWorkflow on qatron-control every day at 02:00 UTC, one at a time', async () => {
    const description = await client.schedule.getHandle(SWEEP_SCHEDULE_ID).describe();
    const once = (value: number) => [{ start: value, end: value, step: 1 }];
    expect(description.spec.timezone).toBe('UTC');
    expect(description.spec.calendars).toEqual([
      expect.objectContaining({
        second: once(0),
        minute: once(0),
        hour: once(2),
        dayOfMonth: [{ start: 1, end: 31, step: 1 }],
        month: [{ start: 'JANUARY', end: 'DECEMBER', step: 1 }],
        dayOfWeek: [{ start: 'SUNDAY', end: 'SATURDAY', step: 1 }],
      }),
    ]);
    expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'sweepWorkflow', workflowId: SWEEP_SCHEDULE_ID, taskQueue: CONTROL_TASK_QUEUE, args: [] });
    expect(description.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: DAY_MS });
    expect(description.state.paused).toBe(false);

    const next = description.info.nextActionTimes;
    expect(next.length).toBeGreaterThanOrEqual(2);
    for (const time of next.slice(0, 2)) expect([time.getUTCHours(), time.getUTCMinutes()]).toEqual([2, 0]);
    expect(next[1]!.getTime() - next[0]!.getTime()).toBeGreaterThan(DAY_MS - 2000);
    expect(next[1]!.getTime() - next[0]!.getTime()).toBeLessThan(DAY_MS + 2000);
    expect(next[0]!.getTime() - Date.now()).toBeLessThanOrEqual(DAY_MS + 1000);
  });

  it('starts a sweep that a worker runs to the end', async () => {
    const database = await createTestDatabase();
    const orm: MikroORM = await connectDatabase(database.url, { pool: { min: 0, max: 4 } });
    const dir = await mkdtemp(join(tmpdir(), 'qatron-sweep-'));
    const native = await NativeConnection.connect({ address: inject('temporalAddress') });
    try {
      // One of each thing the sweep cleans up.
      const em = orm.em.fork();
      const organization = await buildOrganization(em);
      const project = await buildProject(em, { organization });
      const run = await buildRun(em, { project, environment: await buildEnvironment(em, { project, kind: 'development' }), status: 'completed' });
      run.completedAt = new Date(Date.now() - 31 * DAY_MS);
      await buildServiceToken(em, { organization, expiresAt: new Date(Date.now() - 1000) });
      em.persist(new RevokedSession('signed-out', new Date(Date.now() - 2 * DAY_MS)));
      await em.flush();

      const worker = await Worker.create({
        connection: native,
        namespace,
        taskQueue: CONTROL_TASK_QUEUE,
        workflowBundle: await bundleWorkflowCode({ workflowsPath: join(REPO_ROOT, 'workflows', 'src', 'index.ts'), logger: new DefaultLogger('ERROR') }),
        activities: createRetentionActivities({ orm, store: new LocalArtifactStore(dir), log: () => undefined }),
      });
      const result = await worker.runUntil(async () => {
        const schedule = client.schedule.getHandle(SWEEP_SCHEDULE_ID);
        await schedule.trigger();
        let started: { workflowId: string; firstExecutionRunId: string } | undefined;
        for (let attempt = 0; !started && attempt < 100; attempt++) {
          const action = (await schedule.describe()).info.recentActions[0]?.action;
          if (action) started = action.workflow;
          else await new Promise((resolve) => setTimeout(resolve, 100));
        }
        if (!started) throw new Error('the schedule did not start a sweep');
        expect(started.workflowId).toMatch(new RegExp(`^${SWEEP_SCHEDULE_ID}-`));
        return client.workflow.getHandle(started.workflowId, started.firstExecutionRunId).result();
      });
      expect(result).toEqual({ runs: 1, serviceTokens: 1, revokedSessions: 1 } satisfies SweepResult);
      expect((await orm.em.fork().findOneOrFail(Run, { id: run.id })).artifactsDeleted).toBe(true);
    } finally {
      await native.close();
      await orm.close(true);
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
