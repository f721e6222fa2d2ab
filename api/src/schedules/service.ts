import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Environment, Project, RunSchedule, runScheduleTemporalId, Suite } from '@qatron/domain';
import { actorOf, changes, recordAudit } from '../audit/record.js';
import { notFound, validationFailed } from '../http/problems.js';
import type { Principal, RequestOrigin } from '../http/principal.js';
import { projectChildFilter } from '../http/scope.js';
import { getSuite } from '../suites/service.js';
import type { ScheduleCreateInput, ScheduleUpdateInput } from './schema.js';
import { scheduleSettings } from './serialize.js';
import type { RunScheduler } from './temporal-schedule.js';

/**
 * Run schedules (issue 17 item 2). The row and its Temporal Schedule must not drift apart, so
 * every change writes both inside one database transaction, Temporal last: when Temporal refuses
 * or cannot be reached the transaction rolls back and neither side changed (a created row is
 * never committed). The row is locked while Temporal is changed, so two concurrent changes reach
 * both sides in the same order.
 */

/** A page of a suite's schedules, oldest first; 404 if the caller may not see the suite. */
export async function listSchedules(
  em: EntityManager,
  principal: Principal,
  suiteId: number,
  page: { limit: number; offset: number },
): Promise<{ items: RunSchedule[]; total: number }> {
  const suite = await getSuite(em, principal, suiteId);
  const [items, total] = await em.findAndCount(RunSchedule, { ...projectChildFilter(principal), suite: suite.id }, { orderBy: { id: 'asc' }, limit: page.limit, offset: page.offset });
  return { items, total };
}

/** One schedule the caller may see (organization, and a scoped token's project); 404 otherwise. */
export async function getSchedule(em: EntityManager, principal: Principal, id: number, lock = false): Promise<RunSchedule> {
  const schedule = await em.findOne(RunSchedule, { id, ...projectChildFilter(principal) }, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true } : {});
  if (!schedule) throw notFound('Schedule', id);
  return schedule;
}

/** The environment a body names, by id or name, within the suite's project; 422 naming the field otherwise. */
async function resolveEnvironment(em: EntityManager, suite: { project: number }, input: { environment_id?: number | null; environment?: string | null }): Promise<Environment> {
  if (input.environment_id !== undefined && input.environment_id !== null) {
    const environment = await em.findOne(Environment, { id: input.environment_id, project: suite.project });
    if (!environment) throw validationFailed([{ field: 'environment_id', message: `environment ${input.environment_id} is not an environment of the suite's project` }]);
    return environment;
  }
  const environment = await em.findOne(Environment, { project: suite.project, name: input.environment ?? '' });
  if (!environment) throw validationFailed([{ field: 'environment', message: `the suite's project has no environment named ${JSON.stringify(input.environment)}` }]);
  return environment;
}

/** Creates the row, then its Temporal Schedule; audited as schedule.created. */
export async function createSchedule(em: EntityManager, principal: Principal, suiteId: number, input: ScheduleCreateInput, origin: RequestOrigin, scheduler: RunScheduler): Promise<RunSchedule> {
  const suite = await getSuite(em, principal, suiteId);
  const environment = await resolveEnvironment(em, suite, input);
  const project = await em.findOneOrFail(Project, { id: suite.project });
  const timing = input.cron ? { cron: input.cron, intervalSeconds: null } : { cron: null, intervalSeconds: input.interval_seconds ?? 0 };
  const schedule = new RunSchedule(suite, environment.id, timing, input.branch ?? project.defaultBranch, { userId: principal.userId, name: principal.name });
  schedule.timezone = input.timezone;
  schedule.paused = input.paused;
  schedule.description = input.description;
  let created = false;
  try {
    await em.transactional(async (tx) => {
      tx.persist(schedule);
      await tx.flush();
      schedule.temporalScheduleId = runScheduleTemporalId(schedule.id);
      await tx.flush();
      await scheduler.create(schedule);
      created = true;
      recordAudit(tx, actorOf(principal), 'schedule.created', { type: 'schedule', id: schedule.id }, { suite_id: suite.id, ...scheduleSettings(schedule) }, origin);
    });
  } catch (err) {
    // The commit failed after Temporal took the schedule: take it back, so that no schedule fires without its row.
    if (created) await scheduler.remove(schedule).catch(() => undefined);
    throw err;
  }
  return schedule;
}

/** Changes the fields given in the row and in Temporal; audits what changed, if anything did. */
export async function updateSchedule(em: EntityManager, principal: Principal, id: number, input: ScheduleUpdateInput, origin: RequestOrigin, scheduler: RunScheduler): Promise<RunSchedule> {
  return em.transactional(async (tx) => {
    const schedule = await getSchedule(tx, principal, id, true);
    const before = scheduleSettings(schedule);
    if (input.cron) Object.assign(schedule, { cron: input.cron, intervalSeconds: null });
    if (input.interval_seconds) Object.assign(schedule, { cron: null, intervalSeconds: input.interval_seconds });
    if (input.environment_id || input.environment) schedule.environment = (await resolveEnvironment(tx, schedule, input)).id;
    if (input.timezone !== undefined) schedule.timezone = input.timezone;
    if (input.branch !== undefined) schedule.branch = input.branch;
    if (input.description !== undefined) schedule.description = input.description;
    const diff = changes(before, scheduleSettings(schedule));
    if (Object.keys(diff).length === 0) return schedule;
    await tx.flush();
    await scheduler.update(schedule);
    recordAudit(tx, actorOf(principal), 'schedule.updated', { type: 'schedule', id }, diff, origin);
    return schedule;
  });
}

/** Pauses or resumes the row and its Temporal Schedule; a schedule already so is left alone (no audit entry). */
export async function setSchedulePaused(em: EntityManager, principal: Principal, id: number, paused: boolean, origin: RequestOrigin, scheduler: RunScheduler): Promise<RunSchedule> {
  return em.transactional(async (tx) => {
    const schedule = await getSchedule(tx, principal, id, true);
    if (schedule.paused === paused) return schedule;
    schedule.paused = paused;
    await tx.flush();
    await scheduler.update(schedule);
    recordAudit(tx, actorOf(principal), paused ? 'schedule.paused' : 'schedule.resumed', { type: 'schedule', id }, { suite_id: schedule.suite }, origin);
    return schedule;
  });
}

/** Deletes the row and its Temporal Schedule; runs it triggered stay. */
export async function deleteSchedule(em: EntityManager, principal: Principal, id: number, origin: RequestOrigin, scheduler: RunScheduler): Promise<void> {
  await em.transactional(async (tx) => {
    const schedule = await getSchedule(tx, principal, id, true);
    // Taken before the row goes: the ORM clears a removed entity's id.
    const ref = { id: schedule.id, cron: schedule.cron };
    recordAudit(tx, actorOf(principal), 'schedule.deleted', { type: 'schedule', id }, { suite_id: schedule.suite, ...scheduleSettings(schedule) }, origin);
    tx.remove(schedule);
    await tx.flush();
    await scheduler.remove(ref);
  });
}

/** The suite and environment names of `schedules`, keyed by id, in one query each. */
export async function scheduleNames(em: EntityManager, schedules: readonly RunSchedule[]): Promise<{ suites: Map<number, string>; environments: Map<number, string> }> {
  const suiteIds = [...new Set(schedules.map((s) => s.suite))];
  const environmentIds = [...new Set(schedules.map((s) => s.environment))];
  const [suites, environments] = await Promise.all([
    suiteIds.length ? em.find(Suite, { id: { $in: suiteIds } }, { fields: ['name'] }) : [],
    environmentIds.length ? em.find(Environment, { id: { $in: environmentIds } }, { fields: ['name'] }) : [],
  ]);
  return { suites: new Map(suites.map((s) => [s.id, s.name])), environments: new Map(environments.map((e) => [e.id, e.name])) };
}
