/**
 * The reporting phase (DESIGN "A run, step by step", step 4; PRD 13.3, 15): combined coverage and
 * one Allure report with history. The verdict does not wait for the report: coverage is combined
 * before it only when the suite's threshold needs the figure; everything else is attached after it.
 */
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import type { CoverageOutcome, ReportStatus, RunActivities } from '@qatron/domain';
import { redact } from '../execution/secrets.js';
import { reportRun, type ReportPart } from '../reporting/run-report.js';
import type { RunContext } from './context.js';
import { recordReporting, setReportStatus } from './status.js';

export function createReportActivities(context: RunContext) {
  const { em, loadRun, withKeepalive, sharedCheckout, runEnvironment, runDirectory } = context;

  /**
   * The reporting parts asked for (run-report.ts), with the run's checkout and environment prepared
   * only if the coverage HTML needs the sources; records coverage and errors in run_metadata.
   */
  async function reportPhase(runId: number, parts: ReportPart[]) {
    const ctx = Context.current();
    const { db, run, project, suite, environment } = await loadRun(runId);
    const workDir = join(runDirectory(run.id), `report-${parts.join('-')}-${ctx.info.attempt}`);
    let secrets: string[] = [];
    const prepare = async () => {
      const checkout = await sharedCheckout(project, run.id, run.commit ?? '', ctx.cancellationSignal);
      secrets = checkout.secrets;
      const env = await runEnvironment(checkout.dir, suite, ctx.cancellationSignal);
      return { python: env.python, checkoutDir: checkout.dir };
    };
    const report = await withKeepalive({ phase: 'reporting' }, () =>
      reportRun(db, context.deps.store, run, workDir, `${project.name} · ${suite.name} · ${environment.name}`, prepare, ctx.cancellationSignal, parts),
    );
    const errors = report.errors.map((e) => redact(e, secrets));
    // Re-read: the verdict may have been written since this run was loaded.
    await db.refresh(run);
    if (parts.includes('coverage')) {
      run.coveragePercent = report.coverage?.percent ?? null;
      run.runMetadata = {
        ...run.runMetadata,
        coverage: report.coverage
          ? { percent: report.coverage.percent, covered_lines: report.coverage.coveredLines, total_lines: report.coverage.totalLines, threshold: suite.coverageThreshold, files: report.coverage.files }
          : null,
      };
    }
    recordReporting(run, { errors, ...(parts.includes('allure') ? { reportTests: report.reportTests } : {}) });
    await db.flush();
    return { coverage: report.coverage, errors };
  }

  return {
    /**
     * Coverage before the verdict (FR-RPT-07, PRD 15.3), for a suite with a threshold: the shards'
     * data combined into Cobertura XML and HTML. Failures are returned as the reason the figure is
     * missing (the verdict then fails the run), never thrown, unless the run is being cancelled.
     */
    async combineRunCoverage(input: { runId: number }): Promise<CoverageOutcome> {
      const report = await reportPhase(input.runId, ['coverage']);
      return { percent: report.coverage?.percent ?? null, error: report.errors[0] ?? (report.coverage ? null : 'no shard produced coverage data') };
    },

    /**
     * After the verdict: one Allure report with history, and combined coverage unless it was
     * combined for the verdict. Optional (NFR-AVAIL-02): failures are recorded in
     * run_metadata.reporting and the run's `report_status`, never thrown, unless cancelled.
     */
    async attachRunReports(input: { runId: number; coverage: boolean }): Promise<ReportStatus> {
      const report = await reportPhase(input.runId, input.coverage ? ['coverage', 'allure'] : ['allure']);
      const status: ReportStatus = report.errors.length ? 'failed' : 'ready';
      await setReportStatus(em(), input.runId, status, null);
      return status;
    },
  } satisfies Pick<RunActivities, 'combineRunCoverage' | 'attachRunReports'>;
}
