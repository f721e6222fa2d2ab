import { actorOf } from '../audit/record.js';
import type { ApiDeps } from '../http/deps.js';
import { pageOf } from '../http/pagination.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { IdParams } from '../http/params.js';
import { assertLocalRepositoryAllowed } from './repository.js';
import { ProjectCreate, ProjectListQuery, ProjectOut, ProjectUpdate } from './schema.js';
import { projectOut } from './serialize.js';
import { createProject, deleteProject, getProject, listProjects, updateProject } from './service.js';
import { PurgeOut } from '../purges/schema.js';
import { purgeOut } from '../purges/serialize.js';

/** PRD 16.2: projects (FR-PRJ-01..04); writes are for admins and audited (FR-AUD-03, FR-AUD-04). */
export function projectRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/projects',
      summary: "List the organization's projects by name (a project-scoped token sees its own only)",
      tag: 'projects',
      role: 'viewer',
      query: ProjectListQuery,
      response: { status: 200, schema: pageOf(ProjectOut) },
      handler: async ({ em, principal, query }) => {
        const { items, total } = await listProjects(em, principal, query);
        return { body: { items: items.map((v) => projectOut(v.project, v.counts)), total, limit: query.limit, offset: query.offset } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/projects',
      summary: 'Create a project: repository URL, default branch and how to authenticate to it (admin, organization-wide)',
      tag: 'projects',
      role: 'admin',
      body: ProjectCreate,
      response: { status: 201, schema: ProjectOut },
      errors: [409],
      handler: async ({ em, principal, body, origin }) => {
        assertLocalRepositoryAllowed(body.repo_url, deps.config);
        const { project, counts } = await createProject(em, principal, body, origin);
        // FR-BDD-01: index the new project's feature files in the background. A repository that
        // is not reachable yet must not fail the registration; the next run indexes it anyway.
        deps.featureIngestion.startInBackground(project.id, actorOf(principal), origin);
        return { status: 201, body: projectOut(project, counts) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/projects/:id',
      summary: 'Get a project',
      tag: 'projects',
      role: 'viewer',
      params: IdParams,
      response: { status: 200, schema: ProjectOut },
      errors: [404],
      handler: async ({ em, principal, params }) => {
        const { project, counts } = await getProject(em, principal, params.id);
        return { body: projectOut(project, counts) };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/projects/:id',
      summary: 'Update a project; fields left out keep their value (admin)',
      tag: 'projects',
      role: 'admin',
      params: IdParams,
      body: ProjectUpdate,
      response: { status: 200, schema: ProjectOut },
      errors: [404, 409],
      handler: async ({ em, principal, params, body, origin }) => {
        assertLocalRepositoryAllowed(body.repo_url, deps.config);
        const { project, counts } = await updateProject(em, principal, params.id, body, origin);
        return { body: projectOut(project, counts) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/projects/:id',
      summary:
        "Delete a project with its environments, suites and runs; refused while a run is in progress (admin). Answers its purge: the runs' artifacts and the datasets' files are deleted from the store in the background (GET /api/v1/purges/{id})",
      tag: 'projects',
      role: 'admin',
      params: IdParams,
      response: { status: 202, schema: PurgeOut },
      // 503 engine_unavailable: the purge could not be started, so nothing was deleted.
      errors: [404, 409, 503],
      handler: async ({ em, principal, params, origin }) => ({ status: 202, body: purgeOut(await deleteProject(em, deps.purges, principal, params.id, origin)) }),
    }),
  ];
}
