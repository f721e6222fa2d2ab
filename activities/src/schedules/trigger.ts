import type { EntityManager } from '@mikro-orm/postgresql';
import { ScheduleNotFoundError, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import {
  AuditLog,
  Environment,
  FINAL_RUN_STATUSES,
  Project,
  Run,
  RunSchedule,
  runScheduleTemporalId,
  runScheduleTrigger,
  Suite,
  type QatronConfig,
  type QatronWorkflows,
  type ScheduledRunActivities,
  type ScheduledRunOutcome,
} from '@qatron/domain';
import { DatasetUnhealthy, engineUnreachable, queueRun, runWorkflowStart } from '@qatron/domain/runs/trigger';
import type { ActivityDeps } from '../deps.js';

/** What firing a run schedule needs: the database, Temporal, and the shard settings a run's workflow is started with. */
export type ScheduleActivityDeps = Pick<ActivityDeps, 'orm' | 'temporal' | 'log'> & { shards: QatronConfig['shards'] };

/**
 * The scheduled run workflow's activity (issue 17 item 2): a fired run schedule queues a run
 * through the same domain code a manual trigger uses (`queueRun`, `runWorkflowStart` in
 * @qatron/domain/runs/trigger), named `schedule:<id>` as its trigger and audit actor.
 */
export function createScheduleActivities(deps: ScheduleActivityDeps): ScheduledRunActivities {
  return {
    async triggerScheduledRun({ scheduleId }) {
      const em = deps.orm.em.fork();
      const schedule = await em.findOne(RunSchedule, { id: scheduleId });
      if (!schedule) return removeOrphan(deps, scheduleId);
      const live = await liveRunOf(em, schedule);
      if (live) return { kind: 'skipped', liveRunId: live.id };
      return triggerRunOf(deps, em, schedule);
    },
  };
}

/**
 * Overlap policy SKIP, applied to the run rather than to this short workflow (which ends once the
 * run is started, so Temporal's own overlap policy cannot see the run): while the schedule's
 * previous run is queued or running, a firing queues nothing. A nightly regression still going
 * when the next one is due means the stack is saturated; stacking runs would only make it worse,
 * and the next firing tests newer code anyway. It also makes a retried activity idempotent.
 */
async function liveRunOf(em: EntityManager, schedule: RunSchedule): Promise<Run | null> {
  return em.findOne(
    Run,
    { suite: schedule.suite, triggeredByName: runScheduleTrigger(schedule.id), status: { $nin: [...FINAL_RUN_STATUSES] } },
    { orderBy: { id: 'desc' } },
  );
}

async function triggerRunOf(deps: ScheduleActivityDeps, em: EntityManager, schedule: RunSchedule): Promise<ScheduledRunOutcome> {
  const project = await em.findOneOrFail(Project, { id: schedule.project });
  const suite = await em.findOneOrFail(Suite, { id: schedule.suite });
  const environment = await em.findOneOrFail(Environment, { id: schedule.environment });
  const name = runScheduleTrigger(schedule.id);
  let run: Run;
  try {
    run = await queueRun(em, { project, suite, environment, branch: schedule.branch, commit: null, trigger: { userId: null, serviceTokenId: null, name } }, (tx, queued, details) => {
      const entry = new AuditLog(schedule.organization, 'run.triggered', name, 'run');
      entry.resourceId = String(queued.id);
      entry.details = { ...details, schedule_id: schedule.id };
      tx.persist(entry);
    });
  } catch (err) {
    if (err instanceof DatasetUnhealthy) return { kind: 'refused', reason: err.message };
    throw err;
  }
  try {
    await deps.temporal.workflow.start<QatronWorkflows['runWorkflow']>('runWorkflow', runWorkflowStart(run, suite, deps.shards));
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      // As for a manual trigger: the run is not left queued forever, it ends infra_failed saying why.
      engineUnreachable(run, err);
      await em.flush();
    }
  }
  deps.log(`schedule ${schedule.id} triggered run ${run.id} of suite ${suite.name} on ${environment.name}`);
  return { kind: 'triggered', runId: run.id };
}

/** The row went with its suite, environment or project: the Temporal Schedule that fired it goes too. */
async function removeOrphan(deps: ScheduleActivityDeps, scheduleId: number): Promise<ScheduledRunOutcome> {
  await deps.temporal.schedule
    .getHandle(runScheduleTemporalId(scheduleId))
    .delete()
    .catch((err: unknown) => {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    });
  deps.log(`schedule ${scheduleId} no longer exists; its Temporal Schedule was removed`);
  return { kind: 'orphaned' };
}
