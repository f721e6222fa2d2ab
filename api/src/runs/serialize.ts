import type { Run } from '@qatron/domain';
import type { z } from 'zod';
import { iso, isoOrNull } from '../http/pagination.js';
import type { RunOut } from './schema.js';

/** The display names a run shows beside its ids; loaded once per page (`runNames` in service.ts). */
export interface RunNames {
  project: string;
  suite: string;
  environment: string;
}

/** A run as the API answers it (FR-RUN-03). */
export function runOut(run: Run, names: RunNames): z.output<typeof RunOut> {
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
    skipped_tests: run.skippedTests,
    flaky_tests: run.flakyTests,
    duration_seconds: run.durationSeconds,
    coverage_percent: run.coveragePercent,
    artifacts_deleted: run.artifactsDeleted,
    run_metadata: run.runMetadata,
  };
}
