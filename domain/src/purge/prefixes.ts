/**
 * Which artifact-store prefixes a deleted project, suite or environment leaves behind (issue 17
 * item 4). Read inside the deleting transaction, before the rows go, and recorded in a `purges`
 * row: afterwards nothing else knows where those objects are.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { runPrefix } from '../artifacts/store.js';
import { Dataset } from '../entities/dataset.js';
import type { PurgedResourceType } from '../entities/purge.js';
import { Run } from '../entities/run.js';

/** What is being deleted: a project, or one suite or environment of a project. */
export interface PurgeScope {
  type: PurgedResourceType;
  id: number;
  organization: number;
  project: number;
}

/** Everything a project stores under its own key space: its runs (PRD 8.2), whatever their rows say. */
export function projectPrefix(organization: number, project: number): string {
  return `${organization}/projects/${project}/`;
}

/**
 * Where a dataset's versions live; the same key as api/src/datasets/service.ts writes them under
 * (`{org}/datasets/{dataset}/{version}/{file}`).
 */
export function datasetPrefix(organization: number, dataset: number): string {
  return `${organization}/datasets/${dataset}/`;
}

/**
 * The prefixes to purge, in the order the purge deletes them: each run's (by id, the same
 * `runPrefix` retention deletes), then for a project its datasets' and finally the project's own
 * prefix, which also catches objects whose row was never written (a crash between the store and
 * the flush). A suite's or environment's purge touches its runs' prefixes only: the project and its
 * other runs stay.
 */
export async function prefixesToPurge(em: EntityManager, scope: PurgeScope): Promise<string[]> {
  const byScope = { project: { project: scope.id }, suite: { suite: scope.id }, environment: { environment: scope.id } }[scope.type];
  // Plain rows, not entities: the caller deletes these rows next, and a loaded entity would outlive them in its unit of work.
  const runs = await em
    .createQueryBuilder(Run)
    .select(['id', 'organization', 'project'])
    .where({ organization: scope.organization, ...byScope })
    .orderBy({ id: 'asc' })
    .execute<{ id: number; organization: number; project: number }[]>('all');
  const prefixes = runs.map((run) => runPrefix({ id: Number(run.id), organization: Number(run.organization), project: Number(run.project) }));
  if (scope.type !== 'project') return prefixes;
  const datasets = await em
    .createQueryBuilder(Dataset)
    .select(['id'])
    .where({ organization: scope.organization, project: scope.id })
    .orderBy({ id: 'asc' })
    .execute<{ id: number }[]>('all');
  return [...prefixes, ...datasets.map((dataset) => datasetPrefix(scope.organization, Number(dataset.id))), projectPrefix(scope.organization, scope.project)];
}
