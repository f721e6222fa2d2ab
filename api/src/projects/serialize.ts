import type { Project } from '@qatron/domain';
import type { z } from 'zod';
import { iso } from '../http/pagination.js';
import type { ProjectOut } from './schema.js';

/** How many environments and suites a project has, shown with it in lists and details. */
export interface ProjectCounts {
  environments: number;
  suites: number;
}

/** A project as the API answers it. */
export function projectOut(project: Project, counts: ProjectCounts): z.output<typeof ProjectOut> {
  return {
    id: project.id,
    organization_id: project.organization,
    name: project.name,
    description: project.description,
    repo_url: project.repoUrl,
    default_branch: project.defaultBranch,
    auth_method: project.authMethod,
    secret_ref: project.secretRef,
    environment_count: counts.environments,
    suite_count: counts.suites,
    created_at: iso(project.createdAt),
    updated_at: iso(project.updatedAt),
  };
}
