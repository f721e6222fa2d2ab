import type { Suite } from '@qatron/domain';
import type { z } from 'zod';
import { iso } from '../http/pagination.js';
import type { SuiteOut } from './schema.js';

type SuiteJson = z.output<typeof SuiteOut>;
/** The fields of a suite that PUT may change, in the API's snake_case. */
export type SuiteSettings = Omit<SuiteJson, 'id' | 'organization_id' | 'project_id' | 'created_at' | 'updated_at'>;

/** A suite's settings: the writable part of its representation, and what its audit entries record. */
export function suiteSettings(suite: Suite): SuiteSettings {
  return {
    name: suite.name,
    description: suite.description,
    layer: suite.layer,
    markers: suite.markers,
    keywords: suite.keywords,
    paths: [...suite.paths],
    shards: suite.shards,
    workers_per_shard: suite.workersPerShard,
    retries: suite.retries,
    timeout_seconds: suite.timeoutSeconds,
    coverage: suite.coverage,
    coverage_threshold: suite.coverageThreshold,
    allow_empty: suite.allowEmpty,
    install_command: suite.installCommand,
    python_version: suite.pythonVersion,
    require_dataset_health: suite.requireDatasetHealth,
  };
}

/** A suite as the API answers it. */
export function suiteOut(suite: Suite): SuiteJson {
  return {
    id: suite.id,
    organization_id: suite.organization,
    project_id: suite.project,
    ...suiteSettings(suite),
    created_at: iso(suite.createdAt),
    updated_at: iso(suite.updatedAt),
  };
}
