import { LockMode, raw, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Environment, FINAL_RUN_STATUSES, Project, Run, Suite, type AuthMethod, type Purge } from '@qatron/domain';
import { actorOf, changes, recordAudit } from '../audit/record.js';
import { conflict, notFound, validationFailed, type FieldError } from '../http/problems.js';
import type { Principal, RequestOrigin } from '../http/principal.js';
import { findVisibleProject, projectFilter, requireOrganizationWide } from '../http/scope.js';
import { recordPurge } from '../purges/service.js';
import type { PurgeStarter } from '../purges/starter.js';
import type { ProjectCreateInput, ProjectUpdateInput } from './schema.js';
import type { ProjectCounts } from './serialize.js';

/** A project with the counts its representation shows. */
export interface ProjectView {
  project: Project;
  counts: ProjectCounts;
}

/** The statuses of runs that may still change: a project, environment or suite they use must stay. */
export const LIVE_RUN_FILTER = { status: { $nin: [...FINAL_RUN_STATUSES] } };

/** Lists the projects the caller may see (PRD 8.3: the organization's; a scoped token's one), by name. */
export async function listProjects(
  em: EntityManager,
  principal: Principal,
  page: { limit: number; offset: number; q?: string | undefined },
): Promise<{ items: ProjectView[]; total: number }> {
  const where: FilterQuery<Project> = { ...projectFilter(principal) };
  if (page.q) where.name = { $ilike: `%${escapeLike(page.q)}%` };
  const [projects, total] = await em.findAndCount(Project, where, { orderBy: { name: 'asc', id: 'asc' }, limit: page.limit, offset: page.offset });
  const counts = await countsByProject(em, projects.map((p) => p.id));
  return { items: projects.map((project) => ({ project, counts: counts.get(project.id) ?? { environments: 0, suites: 0 } })), total };
}

/** One project the caller may see; 404 otherwise. */
export async function getProject(em: EntityManager, principal: Principal, id: number): Promise<ProjectView> {
  const project = await findVisibleProject(em, principal, id);
  return { project, counts: (await countsByProject(em, [id])).get(id) ?? { environments: 0, suites: 0 } };
}

/** Creates a project in the caller's organization (FR-PRJ-01, FR-PRJ-04) and audits it (FR-AUD-03, FR-AUD-04). */
export async function createProject(em: EntityManager, principal: Principal, input: ProjectCreateInput, origin: RequestOrigin): Promise<ProjectView> {
  requireOrganizationWide(principal, 'create projects');
  const secretRef = input.secret_ref ?? null;
  const problems = authProblems(input.auth_method, secretRef);
  if (problems.length) throw validationFailed(problems);
  await assertNameFree(em, principal.organizationId, input.name);

  const project = new Project(principal.organizationId, input.name, input.repo_url);
  project.description = input.description;
  project.defaultBranch = input.default_branch;
  project.authMethod = input.auth_method;
  project.secretRef = secretRef;
  await em.transactional(async (tx) => {
    tx.persist(project);
    await tx.flush();
    const actor = actorOf(principal);
    const resource = { type: 'project', id: project.id };
    recordAudit(tx, actor, 'project.created', resource, auditedFields(project), origin);
    if (secretRef !== null) {
      recordAudit(tx, actor, 'project.secret_ref_changed', resource, secretChange({ authMethod: null, secretRef: null }, project), origin);
    }
  });
  return { project, counts: { environments: 0, suites: 0 } };
}

/**
 * Updates the fields given (FR-PRJ-03); the others keep their value. Switching `auth_method` to
 * none without naming `secret_ref` drops the reference, since it would no longer be used.
 */
export async function updateProject(
  em: EntityManager,
  principal: Principal,
  id: number,
  input: ProjectUpdateInput,
  origin: RequestOrigin,
): Promise<ProjectView> {
  const project = await findVisibleProject(em, principal, id);
  const authMethod = input.auth_method ?? project.authMethod;
  const secretRef = input.secret_ref !== undefined ? input.secret_ref : input.auth_method === 'none' ? null : project.secretRef;
  const problems = authProblems(authMethod, secretRef);
  if (problems.length) throw validationFailed(problems);
  if (input.name !== undefined && input.name !== project.name) await assertNameFree(em, principal.organizationId, input.name);

  const before = auditedFields(project);
  const previousSecret = { authMethod: project.authMethod, secretRef: project.secretRef };
  if (input.name !== undefined) project.name = input.name;
  if (input.description !== undefined) project.description = input.description;
  if (input.repo_url !== undefined) project.repoUrl = input.repo_url;
  if (input.default_branch !== undefined) project.defaultBranch = input.default_branch;
  project.authMethod = authMethod;
  project.secretRef = secretRef;

  const diff = changes(before, auditedFields(project));
  if (Object.keys(diff).length > 0) {
    const actor = actorOf(principal);
    recordAudit(em, actor, 'project.updated', { type: 'project', id }, diff, origin);
    if (diff.auth_method || diff.secret_ref) recordAudit(em, actor, 'project.secret_ref_changed', { type: 'project', id }, secretChange(previousSecret, project), origin);
    await em.flush();
  }
  return getProject(em, principal, id);
}

/**
 * Deletes a project with its environments, suites, runs and datasets (FR-PRJ-03). Refused while a
 * run is live: its workers would report into rows that no longer exist. Its artifacts and dataset
 * files are recorded for purging in the same transaction and deleted from the store by the purge
 * workflow (issue 17 item 4); the purge is returned.
 */
export async function deleteProject(em: EntityManager, purges: PurgeStarter, principal: Principal, id: number, origin: RequestOrigin): Promise<Purge> {
  // A scoped token's filter pins its own project's id; any other id must not override it below.
  if (principal.projectId !== null && principal.projectId !== id) throw notFound('Project', id);
  return em.transactional(async (tx) => {
    // The row lock waits for any transaction that is inserting a run of this project (its foreign
    // key holds a share lock on the row), so the count below cannot miss a run created meanwhile.
    const project = await tx.findOne(Project, { ...projectFilter(principal), id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!project) throw notFound('Project', id);
    const live = await tx.count(Run, { project: id, ...LIVE_RUN_FILTER });
    if (live > 0) throw conflict(`Project ${id} has ${live} run(s) in progress; cancel them or let them finish first`, 'runs_in_progress');
    const counts = (await countsByProject(tx, [id])).get(id) ?? { environments: 0, suites: 0 };
    const runs = await tx.count(Run, { project: id });
    recordAudit(
      tx,
      actorOf(principal),
      'project.deleted',
      { type: 'project', id },
      { name: project.name, repo_url: project.repoUrl, environments: counts.environments, suites: counts.suites, runs },
      origin,
    );
    const purge = await recordPurge(tx, purges, { type: 'project', id, name: project.name, organization: project.organization, project: id }, principal);
    // Environments, suites, runs, datasets and scoped service tokens go with it (ON DELETE CASCADE).
    tx.remove(project);
    return purge;
  });
}

/** `auth_method` and `secret_ref` must agree: a reference for token and ssh, none for none. */
function authProblems(authMethod: AuthMethod, secretRef: string | null): FieldError[] {
  if (authMethod === 'none' && secretRef !== null) return [{ field: 'secret_ref', message: 'must be null when auth_method is none' }];
  if (authMethod !== 'none' && secretRef === null) return [{ field: 'secret_ref', message: `is required when auth_method is ${authMethod}` }];
  return [];
}

async function assertNameFree(em: EntityManager, organizationId: number, name: string): Promise<void> {
  const clash = await em.count(Project, { organization: organizationId, name });
  if (clash > 0) throw conflict(`A project named ${name} already exists`, 'already_exists');
}

/** The audited fields in the API's snake_case; secret references by name only (FR-AUD-04). */
function auditedFields(project: Project): Record<string, unknown> {
  return {
    name: project.name,
    description: project.description,
    repo_url: project.repoUrl,
    default_branch: project.defaultBranch,
    auth_method: project.authMethod,
    secret_ref: project.secretRef,
  };
}

function secretChange(before: { authMethod: AuthMethod | null; secretRef: string | null }, after: Project): Record<string, unknown> {
  return {
    auth_method: { from: before.authMethod, to: after.authMethod },
    secret_ref: { from: before.secretRef, to: after.secretRef },
  };
}

/** Environment and suite counts of the given projects, two grouped queries whatever the page size. */
async function countsByProject(em: EntityManager, ids: number[]): Promise<Map<number, ProjectCounts>> {
  const counts = new Map<number, ProjectCounts>(ids.map((id) => [id, { environments: 0, suites: 0 }]));
  if (ids.length === 0) return counts;
  const environments = await em
    .createQueryBuilder(Environment)
    .select(['project', raw('count(*) as count')])
    .where({ project: { $in: ids } })
    .groupBy('project')
    .execute<{ project: number; count: string | number }[]>('all');
  for (const row of environments) counts.get(Number(row.project))!.environments = Number(row.count);
  const suites = await em
    .createQueryBuilder(Suite)
    .select(['project', raw('count(*) as count')])
    .where({ project: { $in: ids } })
    .groupBy('project')
    .execute<{ project: number; count: string | number }[]>('all');
  for (const row of suites) counts.get(Number(row.project))!.suites = Number(row.count);
  return counts;
}

/** Escapes LIKE wildcards so that `q` matches literally. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
