import type { EntityManager } from '@mikro-orm/postgresql';
import {
  Feature,
  featureCoverage,
  Run,
  Scenario,
  ScenarioResult,
  scenarioCoverage,
  Step,
  type CoverageCounts,
  type ScenarioCoverage,
} from '@qatron/domain';
import { notFound } from '../http/problems.js';
import type { Principal } from '../http/principal.js';
import { findVisibleProject, projectChildFilter } from '../http/scope.js';
import { escapeLike } from '../projects/service.js';
import type { FeatureListFilter } from './schema.js';

/** A feature with what its list item shows besides its columns. */
export interface FeatureView {
  feature: Feature;
  scenarioCount: number;
  coverage: CoverageCounts;
}

export interface ScenarioView {
  scenario: Scenario;
  coverage: ScenarioCoverage;
  steps: Step[];
}

async function featureViews(em: EntityManager, features: Feature[]): Promise<FeatureView[]> {
  const coverage = await featureCoverage(
    em,
    features.map((f) => f.id),
  );
  return features.map((feature) => featureView(feature, coverage.get(feature.id)!));
}

function featureView(feature: Feature, counts: CoverageCounts): FeatureView {
  return { feature, coverage: counts, scenarioCount: counts.never_run + counts.passed + counts.failed + counts.skipped };
}

/**
 * A page of feature files by path (PRD 14, FR-BDD-05), each with its active scenario count and
 * coverage. Tag and text filters look at the feature and at its active scenarios, so a feature
 * is found by a tag only one of its scenarios carries.
 */
export async function listFeatures(em: EntityManager, principal: Principal, filter: FeatureListFilter): Promise<{ items: FeatureView[]; total: number }> {
  const scope = projectChildFilter(principal);
  // A project filter outside a project-scoped token's project matches nothing, like an unknown id.
  if (scope.project !== undefined && filter.project_id !== undefined && filter.project_id !== scope.project) return { items: [], total: 0 };
  const conditions = ['f.organization_id = ?'];
  const params: unknown[] = [scope.organization];
  const project = scope.project ?? filter.project_id;
  if (project !== undefined) {
    conditions.push('f.project_id = ?');
    params.push(project);
  }
  if (!filter.include_inactive) conditions.push('f.is_active');
  if (filter.tag !== undefined) {
    const tag = JSON.stringify([filter.tag]);
    conditions.push('(f.tags @> ?::jsonb or exists (select 1 from scenarios s where s.feature_id = f.id and s.is_active and s.tags @> ?::jsonb))');
    params.push(tag, tag);
  }
  if (filter.search !== undefined) {
    const pattern = `%${escapeLike(filter.search)}%`;
    conditions.push('(f.name ilike ? or f.path ilike ? or exists (select 1 from scenarios s where s.feature_id = f.id and s.is_active and s.name ilike ?))');
    params.push(pattern, pattern, pattern);
  }
  const where = conditions.join(' and ');
  const [counted] = await em.execute<Array<{ total: string }>>(`select count(*) as total from features f where ${where}`, params);
  const page = await em.execute<Array<{ id: number }>>(`select f.id from features f where ${where} order by f.path, f.id limit ? offset ?`, [...params, filter.limit, filter.offset]);
  const ids = page.map((row) => row.id);
  const features = ids.length === 0 ? [] : await em.find(Feature, { id: { $in: ids } });
  const byId = new Map(features.map((f) => [f.id, f]));
  return { items: await featureViews(em, ids.map((id) => byId.get(id)!)), total: Number(counted!.total) };
}

async function findVisibleFeature(em: EntityManager, principal: Principal, id: number): Promise<Feature> {
  const feature = await em.findOne(Feature, { id, ...projectChildFilter(principal) });
  if (!feature) throw notFound('Feature', id);
  return feature;
}

/** One feature with all its scenarios (active first, in file order), their steps and status. */
export async function getFeature(em: EntityManager, principal: Principal, id: number): Promise<FeatureView & { scenarios: ScenarioView[] }> {
  const feature = await findVisibleFeature(em, principal, id);
  const scenarios = await em.find(Scenario, { feature: feature.id }, { orderBy: { isActive: 'desc', lineStart: 'asc', id: 'asc' } });
  const ids = scenarios.map((s) => s.id);
  const [coverage, steps] = await Promise.all([
    scenarioCoverage(em, ids),
    ids.length === 0 ? Promise.resolve([]) : em.find(Step, { scenario: { $in: ids } }, { orderBy: { scenario: 'asc', position: 'asc' } }),
  ]);
  const stepsOf = new Map<number, Step[]>(ids.map((sid) => [sid, []]));
  for (const step of steps) stepsOf.get(step.scenario)!.push(step);
  // The feature's counts come from the coverage just read, not from a second round of queries.
  const counts: CoverageCounts = { never_run: 0, passed: 0, failed: 0, skipped: 0 };
  for (const scenario of scenarios) if (scenario.isActive) counts[coverage.get(scenario.id)!.status]++;
  return { ...featureView(feature, counts), scenarios: scenarios.map((scenario) => ({ scenario, coverage: coverage.get(scenario.id)!, steps: stepsOf.get(scenario.id)! })) };
}

export interface ScenarioHistoryItem {
  result: ScenarioResult;
  run: Pick<Run, 'id' | 'branch' | 'commit' | 'status'>;
}

/** A scenario's results across runs, newest run first (outline rows in file order within a run). */
export async function scenarioHistory(em: EntityManager, principal: Principal, id: number, limit: number): Promise<ScenarioHistoryItem[]> {
  const scenario = await em.findOne(Scenario, { id, ...projectChildFilter(principal) });
  if (!scenario) throw notFound('Scenario', id);
  const results = await em.find(ScenarioResult, { scenario: scenario.id }, { orderBy: { run: 'desc', exampleLine: 'asc', id: 'asc' }, limit });
  const runIds = [...new Set(results.map((r) => r.run))];
  const runs = runIds.length === 0 ? [] : await em.find(Run, { id: { $in: runIds } }, { fields: ['id', 'branch', 'commit', 'status'] });
  const runOf = new Map(runs.map((run) => [run.id, run]));
  return results.map((result) => ({ result, run: runOf.get(result.run)! }));
}

/** A project's feature files that failed to parse at their last indexing (issue 6 point 4). */
export async function ingestionErrors(em: EntityManager, principal: Principal, projectId: number): Promise<Feature[]> {
  const project = await findVisibleProject(em, principal, projectId);
  return em.find(Feature, { project: project.id, isActive: true, parseError: { $ne: null } }, { orderBy: { path: 'asc' } });
}
