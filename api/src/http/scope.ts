import type { EntityManager } from '@mikro-orm/postgresql';
import { Project, Run } from '@qatron/domain';
import { forbidden, notFound } from './problems.js';
import type { Principal } from './principal.js';

/**
 * Tenancy (PRD 8.2-8.3): every query is filtered by the caller's organization, and a
 * project-scoped service token sees its project only. Another organization's (or project's) ids
 * answer 404, never 403, so that callers learn nothing about what they may not see.
 */
export function projectFilter(principal: Principal): { organization: number; id?: number } {
  return principal.projectId === null
    ? { organization: principal.organizationId }
    : { organization: principal.organizationId, id: principal.projectId };
}

/** Filter for rows that carry `organization` and `project` columns (environments, suites, runs…). */
export function projectChildFilter(principal: Principal): { organization: number; project?: number } {
  return principal.projectId === null
    ? { organization: principal.organizationId }
    : { organization: principal.organizationId, project: principal.projectId };
}

/** The project `id` if the caller may see it; 404 otherwise. */
export async function findVisibleProject(em: EntityManager, principal: Principal, id: number): Promise<Project> {
  const project = await em.findOne(Project, { ...projectFilter(principal), id: principal.projectId ?? id });
  if (!project || project.id !== id) throw notFound('Project', id);
  return project;
}

/** Organization-wide operations (creating projects, users, tokens) are refused to project-scoped tokens. */
export function requireOrganizationWide(principal: Principal, action: string): void {
  if (principal.projectId !== null) throw forbidden(`A project-scoped token cannot ${action}`);
}

/** The run `id` if the caller may see it (organization, and a scoped token's project); 404 otherwise. */
export async function findVisibleRun(em: EntityManager, principal: Principal, id: number): Promise<Run> {
  const run = await em.findOne(Run, { id, ...projectChildFilter(principal) });
  if (!run) throw notFound('Run', id);
  return run;
}
