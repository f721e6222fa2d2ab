import type { Environment, StringMap } from '@qatron/domain';
import type { z } from 'zod';
import { iso } from '../http/pagination.js';
import type { EnvironmentOut } from './schema.js';

/** An environment as the API answers it; `gridNames` holds its Grid's name (see `gridNamesOf`). */
export function environmentOut(environment: Environment, gridNames: ReadonlyMap<number, string>): z.output<typeof EnvironmentOut> {
  return {
    id: environment.id,
    organization_id: environment.organization,
    project_id: environment.project,
    name: environment.name,
    kind: environment.kind,
    base_url: environment.baseUrl,
    variables: sortedMap(environment.variables),
    secret_refs: sortedMap(environment.secretRefs),
    retention_days: environment.retentionDays,
    effective_retention_days: environment.effectiveRetentionDays(),
    dataset_id: environment.dataset,
    grid_id: environment.grid,
    grid_name: environment.grid === null ? null : (gridNames.get(environment.grid) ?? null),
    created_at: iso(environment.createdAt),
    updated_at: iso(environment.updatedAt),
  };
}

/**
 * The map with its keys in alphabetical order. PostgreSQL's jsonb reorders keys its own way, so
 * sorting keeps answers and audit diffs stable whatever order a client sent.
 */
export function sortedMap(map: StringMap): StringMap {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
