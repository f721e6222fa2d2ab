/** Status moves of a run and of its reports: small, idempotent control activities. */
import { canTransition, isFinalStatus, Run, type ReportStatus, type RunActivities, type RunStatus } from '@qatron/domain';
import { activityFailure } from '../failures.js';
import type { RunContext } from './context.js';

export function createStatusActivities({ em }: RunContext) {
  return {
    /** Moves a run along the status model; repeating a move is harmless, a final run stays final. */
    async markRunStatus(input: { runId: number; status: RunStatus }): Promise<RunStatus> {
      return em().transactional(async (tx) => {
        const run = await tx.findOne(Run, { id: input.runId }, { lockMode: 4 /* pessimistic write */ });
        if (!run) throw activityFailure('RunNotFound', `run ${input.runId} does not exist`);
        if (run.status === input.status || isFinalStatus(run.status)) return run.status;
        if (!canTransition(run.status, input.status)) {
          throw activityFailure('InvalidTransition', `run ${run.id} cannot move from ${run.status} to ${input.status}`);
        }
        run.status = input.status;
        if ((input.status === 'provisioning' || input.status === 'running') && !run.startedAt) run.startedAt = new Date();
        return run.status;
      });
    },

    /** Records how the run's reports ended when the workflow settles them itself (no results, or reporting lost). */
    async markReportStatus(input: { runId: number; status: ReportStatus; error: string | null }): Promise<void> {
      await setReportStatus(em(), input.runId, input.status, input.error);
    },
  } satisfies Pick<RunActivities, 'markRunStatus' | 'markReportStatus'>;
}

/** The run's report status, with an error appended to run_metadata.reporting when there is one. */
export async function setReportStatus(db: ReturnType<RunContext['em']>, runId: number, status: ReportStatus, error: string | null): Promise<void> {
  const run = await db.findOneOrFail(Run, { id: runId });
  run.reportStatus = status;
  if (error) recordReporting(run, { errors: [error] });
  await db.flush();
}

/**
 * Adds to run_metadata.reporting: `errors` appended to the earlier ones, and the Allure report's
 * test count when the report was (re)generated; the one place that writes that record.
 */
export function recordReporting(run: Run, update: { errors: string[]; reportTests?: number | null }): void {
  const earlier = run.runMetadata.reporting;
  const reportTests = update.reportTests !== undefined ? update.reportTests : (earlier?.report_tests ?? null);
  run.runMetadata = { ...run.runMetadata, reporting: { report_tests: reportTests, errors: [...(earlier?.errors ?? []), ...update.errors] } };
}
