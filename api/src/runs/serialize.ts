import type { Run, RunMetadata, RunProgressView } from '@qatron/domain';
import type { z } from 'zod';
import { iso, isoOrNull } from '../http/pagination.js';
import type { RunMetadataOut, RunOut, RunRerunOut } from './schema.js';

/** The display names a run shows beside its ids, and its re-runs; loaded once per page (`runNames` in service.ts). */
export interface RunNames {
  project: string;
  suite: string;
  environment: string;
  /** Runs that re-run this one, oldest first (issue 15 item 3). */
  reruns: readonly Run[];
}

/**
 * The metadata without the test ids of a pre-split plan and of a re-run's selection, which can run
 * into thousands and are the workers' business (a re-run's test results name them).
 */
function publicMetadata(metadata: RunMetadata): z.output<typeof RunMetadataOut> {
  const { plan, selection, ...rest } = metadata;
  return {
    ...rest,
    ...(selection && { selection: { scope: selection.scope, shards: selection.shards, tests: selection.node_ids.length } }),
    ...(plan && { plan: 'shards' in plan ? { ...plan, shards: plan.shards.map(({ test_ids: _ids, ...shard }) => shard) } : plan }),
  };
}

function rerunOut(rerun: Run): z.output<typeof RunRerunOut> {
  return {
    id: rerun.id,
    status: rerun.status,
    // A run lands in `reruns` only through rerun_of, which the API sets together with the selection.
    scope: rerun.runMetadata.selection?.scope ?? 'failed',
    total_tests: rerun.totalTests,
    passed_tests: rerun.passedTests,
    failed_tests: rerun.failedTests,
    error_tests: rerun.errorTests,
    created_at: iso(rerun.createdAt),
  };
}

function progressOut(progress: RunProgressView | null): z.output<typeof RunOut>['progress'] {
  if (!progress) return null;
  return {
    status: progress.status,
    shards: progress.shards.map((s) => ({
      index: s.index,
      status: s.status,
      total: s.total,
      done: s.done,
      passed: s.passed,
      failed: s.failed,
      skipped: s.skipped,
      elapsed_seconds: s.elapsedSeconds,
      attempt: s.attempt,
      worker: s.worker,
      reason: s.reason,
    })),
  };
}

/** A run as the API answers it (FR-RUN-03); `reportUrl` comes from `reportUrls` (reports/service.ts). */
export function runOut(run: Run, names: RunNames, progress: RunProgressView | null = null, reportUrl: string | null = null): z.output<typeof RunOut> {
  return {
    id: run.id,
    organization_id: run.organization,
    project_id: run.project,
    project_name: names.project,
    suite_id: run.suite,
    suite_name: names.suite,
    environment_id: run.environment,
    environment_name: names.environment,
    status: run.status,
    status_reason: run.statusReason,
    branch: run.branch,
    commit: run.commit,
    triggered_by: run.triggeredBy,
    triggered_by_name: run.triggeredByName,
    dataset_version_id: run.datasetVersion,
    created_at: iso(run.createdAt),
    started_at: isoOrNull(run.startedAt),
    completed_at: isoOrNull(run.completedAt),
    total_tests: run.totalTests,
    passed_tests: run.passedTests,
    failed_tests: run.failedTests,
    error_tests: run.errorTests,
    skipped_tests: run.skippedTests,
    xfailed_tests: run.xfailedTests,
    xpassed_tests: run.xpassedTests,
    flaky_tests: run.flakyTests,
    quarantined_failures: run.quarantinedFailures,
    duration_seconds: run.durationSeconds,
    coverage_percent: run.coveragePercent,
    report_status: run.reportStatus,
    artifacts_deleted: run.artifactsDeleted,
    run_metadata: publicMetadata(run.runMetadata),
    rerun_of: run.rerunOf,
    rerun_scope: run.runMetadata.selection?.scope ?? null,
    reruns: names.reruns.map(rerunOut),
    progress: progressOut(progress),
    report_url: reportUrl,
  };
}
