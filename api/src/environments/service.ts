import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Dataset, Environment, InfrastructureResource, Run, type Purge, type StringMap } from '@qatron/domain';
import { actorOf, changes, recordAudit } from '../audit/record.js';
import { conflict, notFound, validationFailed, type FieldError } from '../http/problems.js';
import type { Principal, RequestOrigin } from '../http/principal.js';
import { findVisibleProject, projectChildFilter } from '../http/scope.js';
import { LIVE_RUN_FILTER } from '../projects/service.js';
import { recordPurge } from '../purges/service.js';
import type { PurgeStarter } from '../purges/starter.js';
import type { EnvironmentCreateInput, EnvironmentUpdateInput } from './schema.js';
import { sortedMap } from './serialize.js';

/** A project's environments, by name; 404 if the caller may not see the project. */
export async function listEnvironments(
  em: EntityManager,
  principal: Principal,
  projectId: number,
  page: { limit: number; offset: number },
): Promise<{ items: Environment[]; total: number }> {
  const project = await findVisibleProject(em, principal, projectId);
  const [items, total] = await em.findAndCount(
    Environment,
    { organization: project.organization, project: project.id },
    { orderBy: { name: 'asc', id: 'asc' }, limit: page.limit, offset: page.offset },
  );
  return { items, total };
}

/** One environment the caller may see; 404 otherwise (another organization, or outside a scoped token's project). */
export async function getEnvironment(em: EntityManager, principal: Principal, id: number): Promise<Environment> {
  const environment = await em.findOne(Environment, { ...projectChildFilter(principal), id });
  if (!environment) throw notFound('Environment', id);
  return environment;
}

/** Adds an environment to a project and audits it, with its secret references by name (FR-AUD-03, FR-AUD-04). */
export async function createEnvironment(
  em: EntityManager,
  principal: Principal,
  projectId: number,
  input: EnvironmentCreateInput,
  origin: RequestOrigin,
): Promise<Environment> {
  const project = await findVisibleProject(em, principal, projectId);
  const problems = [
    ...overlapProblems(input.variables, input.secret_refs),
    ...(await datasetProblems(em, principal, project.id, input.dataset_id)),
    ...(await gridProblems(em, principal, input.grid_id)),
  ];
  if (problems.length) throw validationFailed(problems);
  await assertNameFree(em, project.id, input.name);

  const environment = new Environment(project.organization, project.id, input.name, input.kind);
  environment.baseUrl = input.base_url;
  environment.variables = sortedMap(input.variables);
  environment.secretRefs = sortedMap(input.secret_refs);
  environment.retentionDays = input.retention_days;
  environment.dataset = input.dataset_id;
  environment.grid = input.grid_id;
  await em.transactional(async (tx) => {
    tx.persist(environment);
    await tx.flush();
    const actor = actorOf(principal);
    const resource = { type: 'environment', id: environment.id };
    recordAudit(tx, actor, 'environment.created', resource, { project_id: project.id, ...auditedFields(environment) }, origin);
    if (Object.keys(environment.secretRefs).length > 0) {
      recordAudit(tx, actor, 'environment.secret_ref_changed', resource, { secret_refs: { from: {}, to: environment.secretRefs } }, origin);
    }
  });
  return environment;
}

/** Updates the fields given; `variables` and `secret_refs` replace the stored maps whole. */
export async function updateEnvironment(
  em: EntityManager,
  principal: Principal,
  id: number,
  input: EnvironmentUpdateInput,
  origin: RequestOrigin,
): Promise<Environment> {
  const environment = await getEnvironment(em, principal, id);
  const before = auditedFields(environment);
  const next = {
    name: input.name ?? environment.name,
    kind: input.kind ?? environment.kind,
    base_url: input.base_url !== undefined ? input.base_url : environment.baseUrl,
    variables: sortedMap(input.variables ?? environment.variables),
    secret_refs: sortedMap(input.secret_refs ?? environment.secretRefs),
    retention_days: input.retention_days !== undefined ? input.retention_days : environment.retentionDays,
    dataset_id: input.dataset_id !== undefined ? input.dataset_id : environment.dataset,
    grid_id: input.grid_id !== undefined ? input.grid_id : environment.grid,
  };
  const diff = changes(before, next);
  if (Object.keys(diff).length === 0) return environment;

  const problems = overlapProblems(next.variables, next.secret_refs);
  if (diff.dataset_id) problems.push(...(await datasetProblems(em, principal, environment.project, next.dataset_id)));
  if (diff.grid_id) problems.push(...(await gridProblems(em, principal, next.grid_id)));
  if (problems.length) throw validationFailed(problems);
  if (diff.name) await assertNameFree(em, environment.project, next.name);

  environment.name = next.name;
  environment.kind = next.kind;
  environment.baseUrl = next.base_url;
  // The JSON columns are assigned only when they differ, so that an unchanged map is not rewritten.
  if (diff.variables) environment.variables = next.variables;
  if (diff.secret_refs) environment.secretRefs = next.secret_refs;
  environment.retentionDays = next.retention_days;
  environment.dataset = next.dataset_id;
  environment.grid = next.grid_id;
  const actor = actorOf(principal);
  recordAudit(em, actor, 'environment.updated', { type: 'environment', id }, diff, origin);
  if (diff.secret_refs) recordAudit(em, actor, 'environment.secret_ref_changed', { type: 'environment', id }, { secret_refs: diff.secret_refs }, origin);
  await em.flush();
  return environment;
}

/**
 * Deletes an environment with its finished runs; refused while one of its runs is live. Their
 * artifacts are recorded for purging in the same transaction (issue 17 item 4); the purge is returned.
 */
export async function deleteEnvironment(em: EntityManager, purges: PurgeStarter, principal: Principal, id: number, origin: RequestOrigin): Promise<Purge> {
  return em.transactional(async (tx) => {
    // The row lock waits for a transaction inserting a run of this environment, so the count sees it.
    const environment = await tx.findOne(Environment, { ...projectChildFilter(principal), id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!environment) throw notFound('Environment', id);
    const live = await tx.count(Run, { environment: id, ...LIVE_RUN_FILTER });
    if (live > 0) throw conflict(`Environment ${id} is used by ${live} run(s) in progress; cancel them or let them finish first`, 'runs_in_progress');
    recordAudit(tx, actorOf(principal), 'environment.deleted', { type: 'environment', id }, { project_id: environment.project, name: environment.name, kind: environment.kind }, origin);
    const purge = await recordPurge(tx, purges, { type: 'environment', id, name: environment.name, organization: environment.organization, project: environment.project }, principal);
    tx.remove(environment);
    return purge;
  });
}

/** A name is either a plain variable or a secret reference: both would set the same variable. */
function overlapProblems(variables: StringMap, secretRefs: StringMap): FieldError[] {
  return Object.keys(secretRefs)
    .filter((key) => Object.hasOwn(variables, key))
    .map((key) => ({ field: `secret_refs.${key}`, message: 'is also in variables; a name is either a plain variable or a secret reference' }));
}

/**
 * The dataset must be the organization's and either shared (no project) or this project's: a
 * dataset of another project is deleted with that project, and a scoped token must not reach it.
 */
async function datasetProblems(em: EntityManager, principal: Principal, projectId: number, datasetId: number | null): Promise<FieldError[]> {
  if (datasetId === null) return [];
  const found = await em.count(Dataset, { id: datasetId, organization: principal.organizationId, $or: [{ project: null }, { project: projectId }] });
  return found > 0 ? [] : [{ field: 'dataset_id', message: `dataset ${datasetId} does not exist` }];
}

/**
 * The Grid must be a resource of kind grid in the caller's organization. Another organization's
 * resource is answered like an id that exists nowhere, so the refusal tells nothing of it.
 */
async function gridProblems(em: EntityManager, principal: Principal, gridId: number | null): Promise<FieldError[]> {
  if (gridId === null) return [];
  const resource = await em.findOne(InfrastructureResource, { id: gridId, organization: principal.organizationId });
  if (!resource) return [{ field: 'grid_id', message: `grid ${gridId} does not exist` }];
  if (resource.kind !== 'grid') return [{ field: 'grid_id', message: `infrastructure resource ${gridId} is a ${resource.kind}, not a Grid` }];
  return [];
}

/** The names of the environments' Grids, by id, in one query, for `environmentOut`. */
export async function gridNamesOf(em: EntityManager, environments: readonly Environment[]): Promise<Map<number, string>> {
  const ids = [...new Set(environments.map((e) => e.grid).filter((id) => id !== null))];
  if (ids.length === 0) return new Map();
  const grids = await em.find(InfrastructureResource, { id: { $in: ids } });
  return new Map(grids.map((g) => [g.id, g.name]));
}

async function assertNameFree(em: EntityManager, projectId: number, name: string): Promise<void> {
  const clash = await em.count(Environment, { project: projectId, name });
  if (clash > 0) throw conflict(`This project already has an environment named ${name}`, 'already_exists');
}

/** The audited fields in the API's snake_case; secret references by name only (FR-AUD-04). */
function auditedFields(environment: Environment): Record<string, unknown> {
  return {
    name: environment.name,
    kind: environment.kind,
    base_url: environment.baseUrl,
    variables: sortedMap(environment.variables),
    secret_refs: sortedMap(environment.secretRefs),
    retention_days: environment.retentionDays,
    dataset_id: environment.dataset,
    grid_id: environment.grid,
  };
}
