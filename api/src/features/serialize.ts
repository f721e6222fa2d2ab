import type { Feature, ScenarioExamples } from '@qatron/domain';
import type { z } from 'zod';
import { iso } from '../http/pagination.js';
import type { FeatureOut, ScenarioHistoryOut, ScenarioOut } from './schema.js';
import type { FeatureView, ScenarioHistoryItem, ScenarioView } from './service.js';

/** A feature file as the API answers it. */
export function featureOut({ feature, scenarioCount, coverage }: FeatureView): z.output<typeof FeatureOut> {
  return {
    id: feature.id,
    project_id: feature.project,
    path: feature.path,
    name: feature.name,
    description: feature.description,
    tags: feature.tags,
    language: feature.language,
    is_active: feature.isActive,
    parse_error: feature.parseError ? { line: feature.parseError.line, message: feature.parseError.message } : null,
    indexed_commit: feature.indexedCommit,
    scenario_count: scenarioCount,
    coverage,
    created_at: iso(feature.createdAt),
    updated_at: iso(feature.updatedAt),
  };
}

function examplesOut(examples: ScenarioExamples) {
  return { name: examples.name, tags: examples.tags, line: examples.line, header: examples.header, rows: examples.rows, row_lines: examples.rowLines };
}

export function scenarioOut({ scenario, coverage, steps }: ScenarioView): z.output<typeof ScenarioOut> {
  return {
    id: scenario.id,
    stable_id: scenario.stableId,
    name: scenario.name,
    type: scenario.type,
    rule: scenario.rule,
    tags: scenario.tags,
    line_start: scenario.lineStart,
    line_end: scenario.lineEnd,
    examples: scenario.examples.map(examplesOut),
    is_active: scenario.isActive,
    matched_by: scenario.matchedBy,
    status: coverage.status,
    last_run_id: coverage.lastRunId,
    steps: steps.map((step) => ({ position: step.position, keyword: step.keyword, text: step.text, data_table: step.dataTable, doc_string: step.docString })),
  };
}

export function historyItemOut({ result, run }: ScenarioHistoryItem): z.output<typeof ScenarioHistoryOut>['items'][number] {
  return {
    run_id: result.run,
    outcome: result.outcome,
    example_line: result.exampleLine,
    duration_seconds: result.durationSeconds,
    created_at: iso(result.createdAt),
    branch: run.branch,
    commit_sha: run.commit,
    run_status: run.status,
  };
}

export function ingestionErrorOut(feature: Feature) {
  return {
    feature_id: feature.id,
    path: feature.path,
    line: feature.parseError?.line ?? null,
    message: feature.parseError?.message ?? '',
    indexed_commit: feature.indexedCommit,
    updated_at: iso(feature.updatedAt),
  };
}
