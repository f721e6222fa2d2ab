import type { EntityManager } from '@mikro-orm/postgresql';
import type { RunSchedule } from '@qatron/domain';
import type { ApiDeps } from '../http/deps.js';
import { pageOf, PageQuery } from '../http/pagination.js';
import { IdParams } from '../http/params.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { ScheduleCreate, ScheduleOut, ScheduleUpdate, type ScheduleOutput } from './schema.js';
import { scheduleOut } from './serialize.js';
import { createSchedule, deleteSchedule, getSchedule, listSchedules, scheduleNames, setSchedulePaused, updateSchedule } from './service.js';

/**
 * Scheduled runs (issue 17 item 2): a suite run against an environment on a cron expression or an
 * interval, fired by a Temporal Schedule. Viewers read; users and admins change them, as they
 * trigger runs. Every change is audited (schedule.created|updated|paused|resumed|deleted).
 */
export function scheduleRoutes(deps: ApiDeps): AnyRoute[] {
  /** Schedules as answered: with their names and, from Temporal, their next firing. */
  const shown = async (em: EntityManager, schedules: readonly RunSchedule[]): Promise<ScheduleOutput[]> => {
    const names = await scheduleNames(em, schedules);
    const next = await Promise.all(schedules.map((s) => deps.scheduler.nextRunAt(s)));
    return schedules.map((s, index) =>
      scheduleOut(s, { suite: names.suites.get(s.suite) ?? '', environment: names.environments.get(s.environment) ?? '' }, next[index] ?? null),
    );
  };
  const one = async (em: EntityManager, schedule: RunSchedule) => (await shown(em, [schedule]))[0]!;
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/suites/:id/schedules',
      summary: "List a suite's run schedules, oldest first, with each one's next run time from Temporal",
      tag: 'schedules',
      role: 'viewer',
      params: IdParams,
      query: PageQuery,
      response: { status: 200, schema: pageOf(ScheduleOut) },
      errors: [404],
      handler: async ({ em, principal, params, query }) => {
        const { items, total } = await listSchedules(em, principal, params.id, query);
        return { body: { items: await shown(em, items), total, limit: query.limit, offset: query.offset } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/suites/:id/schedules',
      summary:
        'Schedule runs of a suite against one of its project\'s environments: a 5-field cron expression in an IANA time zone, or an interval. ' +
        'Backed by a Temporal Schedule (qatron-schedule-<id>); 503 when Temporal cannot take it (nothing is stored then)',
      tag: 'schedules',
      role: 'user',
      params: IdParams,
      body: ScheduleCreate,
      response: { status: 201, schema: ScheduleOut },
      errors: [404, 409, 503],
      handler: async ({ em, principal, params, body, origin }) => ({
        status: 201,
        body: await one(em, await createSchedule(em, principal, params.id, body, origin, deps.scheduler)),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/schedules/:id',
      summary: 'Get a run schedule with its next run time from Temporal',
      tag: 'schedules',
      role: 'viewer',
      params: IdParams,
      response: { status: 200, schema: ScheduleOut },
      errors: [404],
      handler: async ({ em, principal, params }) => ({ body: await one(em, await getSchedule(em, principal, params.id)) }),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/schedules/:id',
      summary: 'Change a run schedule; fields left out keep their value, cron replaces an interval and the other way round. 503 when Temporal cannot take it (nothing is changed then)',
      tag: 'schedules',
      role: 'user',
      params: IdParams,
      body: ScheduleUpdate,
      response: { status: 200, schema: ScheduleOut },
      errors: [404, 503],
      handler: async ({ em, principal, params, body, origin }) => ({ body: await one(em, await updateSchedule(em, principal, params.id, body, origin, deps.scheduler)) }),
    }),
    ...pauseRoutes(deps, one),
    defineRoute({
      method: 'delete',
      path: '/api/v1/schedules/:id',
      summary: 'Delete a run schedule and its Temporal Schedule; the runs it triggered stay',
      tag: 'schedules',
      role: 'user',
      params: IdParams,
      response: { status: 204 },
      errors: [404, 503],
      handler: async ({ em, principal, params, origin }) => {
        await deleteSchedule(em, principal, params.id, origin, deps.scheduler);
        return { status: 204 };
      },
    }),
  ];
}

/** POST /schedules/:id/pause and /resume: the row and its Temporal Schedule together. */
function pauseRoutes(deps: ApiDeps, one: (em: EntityManager, schedule: RunSchedule) => Promise<ScheduleOutput>): AnyRoute[] {
  return ([['pause', true], ['resume', false]] as const).map(([verb, paused]) =>
    defineRoute({
      method: 'post',
      path: `/api/v1/schedules/:id/${verb}`,
      summary: paused ? 'Pause a run schedule: it fires no run until resumed' : 'Resume a paused run schedule',
      tag: 'schedules',
      role: 'user',
      params: IdParams,
      response: { status: 200, schema: ScheduleOut },
      errors: [404, 503],
      handler: async ({ em, principal, params, origin }) => ({ body: await one(em, await setSchedulePaused(em, principal, params.id, paused, origin, deps.scheduler)) }),
    }),
  );
}
