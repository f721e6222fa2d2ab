import { Client, Connection, ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AuditLog, RunSchedule, type Environment, type Suite } from '@qatron/domain';
import { buildEnvironment, buildOrganization, buildProject, buildSuite, buildUser } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '../testing/harness.js';
import { ScheduleOut } from './schema.js';
import { freshTemporalNamespace } from './testing/temporal-namespace.js';

/**
 * Run schedules against a real PostgreSQL and the integration tier's real Temporal, in a namespace
 * of this file's own: what the API stores is what the Temporal Schedule says (described through
 * the Temporal client), and an API whose Temporal is unreachable changes neither side.
 */
let api: TestApi;
/** The same database, with a Temporal that refuses connections: every change must leave both sides as they were. */
let apiDown: TestApi;
let connection: Connection;
let temporal: Client;
let user: string;
let viewer: string;
let suite: Suite;
let staging: Environment;

beforeAll(async () => {
  const address = inject('temporalAddress');
  const namespace = await freshTemporalNamespace(address);
  api = await startTestApi({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace });
  apiDown = await startTestApi({ TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_NAMESPACE: namespace }, { databaseUrl: api.databaseUrl });
  connection = await Connection.connect({ address });
  temporal = new Client({ connection, namespace });
  ({ token: user } = await api.userWithToken('user'));
  ({ token: viewer } = await api.userWithToken('viewer'));
  const project = await buildProject(api.orm.em.fork(), { organization: api.organization, name: 'shop' });
  suite = await buildSuite(api.orm.em.fork(), { project, name: 'nightly' });
  staging = await buildEnvironment(api.orm.em.fork(), { project, name: 'staging' });
}, 60_000);
afterAll(async () => {
  await apiDown?.close();
  await api?.close();
  await connection?.close();
});

const describeSchedule = (id: number) => temporal.schedule.getHandle(`qatron-schedule-${id}`).describe();
const once = (value: number) => [{ start: value, end: value, step: 1 }];
const rowOf = (id: number) => api.orm.em.fork().findOne(RunSchedule, { id });
const auditActions = async (id: number) => (await api.orm.em.fork().find(AuditLog, { resourceType: 'schedule', resourceId: String(id) }, { orderBy: { id: 'asc' } })).map((e) => e.action);
const create = (json: unknown, token = user, on = api) => on.request('POST', `/api/v1/suites/${suite.id}/schedules`, { token, json });

describe('POST /api/v1/suites/{id}/schedules', () => {
  it('stores the schedule and creates its Temporal Schedule: the cron in its time zone, firing scheduledRunWorkflow on qatron-control', async () => {
    const res = await create({ cron: '0 2 * * *', timezone: 'Europe/Berlin', environment: 'staging', description: 'nightly regression' });
    expect(res.status).toBe(201);
    expect(ScheduleOut.parse(res.body)).toEqual(res.body);
    const id: number = res.body.id;
    expect(res.body).toMatchObject({
      suite_id: suite.id,
      suite_name: 'nightly',
      environment_id: staging.id,
      environment_name: 'staging',
      cron: '0 2 * * *',
      interval_seconds: null,
      timezone: 'Europe/Berlin',
      branch: 'main',
      paused: false,
      description: 'nightly regression',
      temporal_schedule_id: `qatron-schedule-${id}`,
    });

    const description = await describeSchedule(id);
    expect(description.spec.timezone).toBe('Europe/Berlin');
    expect(description.spec.calendars).toEqual([expect.objectContaining({ second: once(0), minute: once(0), hour: once(2) })]);
    expect(description.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'scheduledRunWorkflow',
      workflowId: `qatron-schedule-${id}`,
      taskQueue: 'qatron-control',
      args: [{ scheduleId: id }],
    });
    expect(description.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: 3_600_000, pauseOnFailure: false });
    expect(description.state.paused).toBe(false);
    const next = description.info.nextActionTimes[0]!;
    expect(res.body.next_run_at).toBe(next.toISOString());
    // 02:00 in Berlin, whatever UTC offset Berlin has that day.
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' }).format(next)).toBe('02:00');
    expect(await auditActions(id)).toEqual(['schedule.created']);
  });

  it('takes an interval and the environment by id, and a schedule created paused is paused in Temporal', async () => {
    const res = await create({ interval_seconds: 3600, environment_id: staging.id, branch: 'release/1.2', paused: true });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ cron: null, interval_seconds: 3600, timezone: 'UTC', branch: 'release/1.2', paused: true, next_run_at: null });
    const description = await describeSchedule(res.body.id);
    expect(description.spec.intervals).toEqual([expect.objectContaining({ every: 3_600_000 })]);
    expect(description.state.paused).toBe(true);
  });

  it('answers 422 naming the field for a bad cron, time zone, interval or environment, and stores nothing', async () => {
    const before = await api.orm.em.fork().count(RunSchedule, {});
    const cases: [unknown, string][] = [
      [{ cron: '0 25 * * *', environment: 'staging' }, 'cron'],
      [{ cron: 'every night', environment: 'staging' }, 'cron'],
      [{ cron: '0 2 * *', environment: 'staging' }, 'cron'],
      [{ cron: '0 2 * * *', timezone: 'Mars/Olympus', environment: 'staging' }, 'timezone'],
      [{ cron: '0 2 * * *', interval_seconds: 600, environment: 'staging' }, 'cron'],
      [{ environment: 'staging' }, 'cron'],
      [{ interval_seconds: 10, environment: 'staging' }, 'interval_seconds'],
      [{ cron: '0 2 * * *', environment: 'production' }, 'environment'],
      [{ cron: '0 2 * * *' }, 'environment_id'],
    ];
    for (const [json, field] of cases) {
      const res = await create(json);
      expect({ json, status: res.status, fields: (res.body.errors ?? []).map((e: { field: string }) => e.field) }).toEqual({ json, status: 422, fields: [field] });
    }
    expect(await api.orm.em.fork().count(RunSchedule, {})).toBe(before);
  });

  it('lets viewers read and refuses them changes', async () => {
    const created = await create({ cron: '15 3 * * MON-FRI', environment: 'staging' });
    expect((await create({ cron: '0 2 * * *', environment: 'staging' }, viewer)).status).toBe(403);
    expect((await api.request('POST', `/api/v1/schedules/${created.body.id}/pause`, { token: viewer })).status).toBe(403);
    const listed = await api.request('GET', `/api/v1/suites/${suite.id}/schedules`, { token: viewer });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((s: { id: number }) => s.id)).toContain(created.body.id);
    const read = await api.request('GET', `/api/v1/schedules/${created.body.id}`, { token: viewer });
    expect(read.body).toMatchObject({ id: created.body.id, cron: '15 3 * * MON-FRI', next_run_at: expect.any(String) });
  });
});

describe('changing a schedule', () => {
  it('pauses, resumes, updates and deletes the row and its Temporal Schedule together, each audited', async () => {
    const { body: created } = await create({ cron: '0 2 * * *', environment: 'staging' });
    const id: number = created.id;

    const paused = await api.request('POST', `/api/v1/schedules/${id}/pause`, { token: user });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ paused: true, next_run_at: null });
    expect((await describeSchedule(id)).state.paused).toBe(true);
    expect((await rowOf(id))?.paused).toBe(true);

    const resumed = await api.request('POST', `/api/v1/schedules/${id}/resume`, { token: user });
    expect(resumed.body).toMatchObject({ paused: false, next_run_at: expect.any(String) });
    expect((await describeSchedule(id)).state.paused).toBe(false);

    const weekdays = await api.request('PUT', `/api/v1/schedules/${id}`, { token: user, json: { cron: '30 4 * * 1-5', timezone: 'America/New_York' } });
    expect(weekdays.status).toBe(200);
    const spec = (await describeSchedule(id)).spec;
    expect(spec.timezone).toBe('America/New_York');
    expect(spec.calendars).toEqual([expect.objectContaining({ minute: once(30), hour: once(4), dayOfWeek: [{ start: 'MONDAY', end: 'FRIDAY', step: 1 }] })]);

    const interval = await api.request('PUT', `/api/v1/schedules/${id}`, { token: user, json: { interval_seconds: 600 } });
    expect(interval.body).toMatchObject({ cron: null, interval_seconds: 600 });
    expect((await describeSchedule(id)).spec).toMatchObject({ intervals: [expect.objectContaining({ every: 600_000 })], calendars: [] });

    expect((await api.request('DELETE', `/api/v1/schedules/${id}`, { token: user })).status).toBe(204);
    await expect(describeSchedule(id)).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect(await rowOf(id)).toBeNull();
    expect((await api.request('GET', `/api/v1/schedules/${id}`, { token: user })).status).toBe(404);
    expect(await auditActions(id)).toEqual(['schedule.created', 'schedule.paused', 'schedule.resumed', 'schedule.updated', 'schedule.updated', 'schedule.deleted']);
  });

  it("answers 404 to another organization's admin on every operation, and changes nothing", async () => {
    const { body: created } = await create({ cron: '0 2 * * *', environment: 'staging' });
    const other = await buildOrganization(api.orm.em.fork());
    const outsider = await buildUser(api.orm.em.fork(), { organization: other, role: 'admin' });
    const token = await api.login(outsider.username, 'password123');
    const attempts: [string, string, unknown?][] = [
      ['GET', `/api/v1/suites/${suite.id}/schedules`],
      ['POST', `/api/v1/suites/${suite.id}/schedules`, { cron: '0 2 * * *', environment: 'staging' }],
      ['GET', `/api/v1/schedules/${created.id}`],
      ['PUT', `/api/v1/schedules/${created.id}`, { cron: '0 3 * * *' }],
      ['POST', `/api/v1/schedules/${created.id}/pause`],
      ['POST', `/api/v1/schedules/${created.id}/resume`],
      ['DELETE', `/api/v1/schedules/${created.id}`],
    ];
    for (const [method, path, json] of attempts) expect([method, path, (await api.request(method, path, { token, json })).status]).toEqual([method, path, 404]);
    expect(await rowOf(created.id)).toMatchObject({ cron: '0 2 * * *', paused: false });
    expect((await describeSchedule(created.id)).state.paused).toBe(false);
  });
});

describe('the row and the Temporal Schedule do not drift', () => {
  it('stores nothing when Temporal cannot take a new schedule', async () => {
    const project = await buildProject(api.orm.em.fork(), { organization: api.organization });
    const lonely = await buildSuite(api.orm.em.fork(), { project, name: 'lonely' });
    await buildEnvironment(api.orm.em.fork(), { project, name: 'staging' });
    const audited = () => api.orm.em.fork().count(AuditLog, { action: 'schedule.created' });
    const auditedBefore = await audited();
    const res = await apiDown.request('POST', `/api/v1/suites/${lonely.id}/schedules`, { token: user, json: { cron: '0 2 * * *', environment: 'staging' } });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('engine_unavailable');
    expect(await api.orm.em.fork().count(RunSchedule, { suite: lonely.id })).toBe(0);
    expect(await audited()).toBe(auditedBefore);
  }, 30_000);

  it('changes neither side when Temporal cannot take a pause, an update or a delete', async () => {
    const { body: created } = await create({ cron: '0 2 * * *', environment: 'staging' });
    const id: number = created.id;
    for (const [method, path, json] of [
      ['POST', `/api/v1/schedules/${id}/pause`, undefined],
      ['PUT', `/api/v1/schedules/${id}`, { cron: '0 5 * * *' }],
      ['DELETE', `/api/v1/schedules/${id}`, undefined],
    ] as const) {
      expect([method, (await apiDown.request(method, path, { token: user, json })).status]).toEqual([method, 503]);
    }
    expect(await rowOf(id)).toMatchObject({ cron: '0 2 * * *', paused: false });
    const description = await describeSchedule(id);
    expect(description.state.paused).toBe(false);
    expect(description.spec.calendars).toEqual([expect.objectContaining({ hour: once(2) })]);
    expect(await auditActions(id)).toEqual(['schedule.created']);
  }, 60_000);
});
