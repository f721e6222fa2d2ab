import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Connection, ScheduleNotFoundError } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AuditLog, CONTROL_TASK_QUEUE, Run, runWorkflowId, Suite, type Environment, type ScheduledRunOutcome } from '@qatron/domain';
import { buildEnvironment, buildProject, buildSuite } from '@qatron/domain/testing';
import { freshTemporalNamespace } from '@qatron/api/schedules/testing/temporal-namespace';
import { startTestApi, type TestApi } from '@qatron/api/testing/harness';
import { REPO_ROOT } from '@qatron/scripts/embedded/temporal';
import { historyToJSON } from '../../../worker/src/testing/histories.js';
import { createScheduleActivities } from './trigger.js';

/**
 * A run schedule firing end to end on the integration tier's real Temporal and PostgreSQL: the
 * API creates the Temporal Schedule, `schedule.trigger()` fires it now, and a real worker polling
 * qatron-control runs scheduledRunWorkflow, whose activity queues the run as a manual trigger
 * does and starts its run workflow. No run activities are registered here: the run stays queued,
 * which is what the overlap rule is tested with.
 */
let api: TestApi;
let connection: Connection;
let native: NativeConnection;
let client: Client;
let namespace: string;
let worker: Worker;
let running: Promise<void>;
/** Runs started here, whose workflows wait for run activities nobody registered: terminated at the end. */
const startedRuns: number[] = [];
let token: string;
let suite: Suite;
let staging: Environment;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  const address = inject('temporalAddress');
  namespace = await freshTemporalNamespace(address);
  api = await startTestApi({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace });
  connection = await Connection.connect({ address });
  client = new Client({ connection, namespace });
  native = await NativeConnection.connect({ address });
  worker = await Worker.create({
    connection: native,
    namespace,
    taskQueue: CONTROL_TASK_QUEUE,
    workflowBundle: await bundleWorkflowCode({ workflowsPath: join(REPO_ROOT, 'workflows', 'src', 'index.ts'), logger: new DefaultLogger('ERROR') }),
    activities: createScheduleActivities({ orm: api.orm, temporal: client, shards: api.config.shards, log: () => undefined }),
  });
  running = worker.run();
  ({ token } = await api.userWithToken('user'));
  const project = await buildProject(api.orm.em.fork(), { organization: api.organization, name: 'shop' });
  suite = await buildSuite(api.orm.em.fork(), { project, name: 'nightly' });
  staging = await buildEnvironment(api.orm.em.fork(), { project, name: 'staging' });
}, 120_000);
afterAll(async () => {
  for (const runId of startedRuns) await client.workflow.getHandle(runWorkflowId(runId)).terminate('test over').catch(() => undefined);
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await native?.close();
  await connection?.close();
  await api?.close();
});

/** Fires the schedule now and waits for the workflow it started: its id and outcome. */
async function fire(scheduleId: number): Promise<{ workflowId: string; outcome: ScheduledRunOutcome }> {
  const schedule = client.schedule.getHandle(`qatron-schedule-${scheduleId}`);
  const before = (await schedule.describe()).info.recentActions.length;
  await schedule.trigger();
  for (let attempt = 0; attempt < 200; attempt++) {
    const actions = (await schedule.describe()).info.recentActions;
    const started = actions.length > before ? actions.at(-1)?.action.workflow : undefined;
    if (started) {
      const outcome: ScheduledRunOutcome = await client.workflow.getHandle(started.workflowId, started.firstExecutionRunId).result();
      if (outcome.kind === 'triggered') startedRuns.push(outcome.runId);
      return { workflowId: started.workflowId, outcome };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`schedule ${scheduleId} did not start a workflow`);
}

describe('a fired run schedule', () => {
  it('queues a run the way a manual trigger does, named after the schedule, and starts its run workflow; a firing while it is live is skipped', async () => {
    const created = await api.request('POST', `/api/v1/suites/${suite.id}/schedules`, { token, json: { cron: '0 2 * * *', environment: 'staging', branch: 'develop' } });
    expect(created.status).toBe(201);
    const scheduleId: number = created.body.id;

    const first = await fire(scheduleId);
    expect(first.workflowId).toMatch(new RegExp(`^qatron-schedule-${scheduleId}-`));
    expect(first.outcome).toEqual({ kind: 'triggered', runId: expect.any(Number) });
    const runId = first.outcome.kind === 'triggered' ? first.outcome.runId : 0;
    const run = await api.orm.em.fork().findOneOrFail(Run, { id: runId });
    expect(run).toMatchObject({
      suite: suite.id,
      environment: staging.id,
      branch: 'develop',
      commit: null,
      status: 'queued',
      triggeredBy: null,
      triggeredByToken: null,
      triggeredByName: `schedule:${scheduleId}`,
    });
    // Shown by the API like any run, trigger included.
    expect((await api.request('GET', `/api/v1/runs/${runId}`, { token })).body).toMatchObject({ triggered_by: null, triggered_by_name: `schedule:${scheduleId}` });
    const audit = await api.orm.em.fork().findOneOrFail(AuditLog, { action: 'run.triggered', resourceId: String(runId) });
    expect(audit).toMatchObject({ actor: `schedule:${scheduleId}`, userId: null, details: expect.objectContaining({ schedule_id: scheduleId, suite: 'nightly', environment: 'staging', branch: 'develop' }) });
    const runWorkflow = await client.workflow.getHandle(runWorkflowId(runId)).describe();
    expect(runWorkflow).toMatchObject({ type: 'runWorkflow', taskQueue: CONTROL_TASK_QUEUE, status: { name: 'RUNNING' } });
    // Its activities are not registered here: stop it now rather than let it retry them (the row stays queued).
    await client.workflow.getHandle(runWorkflowId(runId)).terminate('its activities are not part of this test');

    const recordTo = process.env.QATRON_RECORD_HISTORIES;
    if (recordTo) await writeFile(join(recordTo, 'scheduledRunWorkflow-triggered.json'), `${historyToJSON(await client.workflow.getHandle(first.workflowId).fetchHistory())}\n`);

    const second = await fire(scheduleId);
    expect(second.outcome).toEqual({ kind: 'skipped', liveRunId: runId });
    expect(await api.orm.em.fork().count(Run, { suite: suite.id })).toBe(1);
  }, 120_000);

  it('removes its Temporal Schedule when its row went with its suite', async () => {
    const project = await buildProject(api.orm.em.fork(), { organization: api.organization });
    const doomed = await buildSuite(api.orm.em.fork(), { project, name: 'doomed' });
    await buildEnvironment(api.orm.em.fork(), { project, name: 'staging' });
    const created = await api.request('POST', `/api/v1/suites/${doomed.id}/schedules`, { token, json: { interval_seconds: 3600, environment: 'staging' } });
    expect(created.status).toBe(201);
    const em = api.orm.em.fork();
    await em.remove(await em.findOneOrFail(Suite, { id: doomed.id })).flush();

    expect((await fire(created.body.id)).outcome).toEqual({ kind: 'orphaned' });
    await expect(client.schedule.getHandle(`qatron-schedule-${created.body.id}`).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  }, 120_000);
});
