import type { Project } from '@qatron/domain';
import type { RepositoryAccess } from './git.js';
import { resolveSecret, type SecretSource } from './secrets.js';

/** The project's repository and its credential, resolved by name on this worker (FR-SEC-03). */
export function repositoryAccess(project: Project, secrets: SecretSource): { access: RepositoryAccess; secrets: string[] } {
  if (project.authMethod === 'none' || !project.secretRef) return { access: { repoUrl: project.repoUrl, authMethod: 'none' }, secrets: [] };
  const secret = resolveSecret(project.secretRef, secrets);
  return { access: { repoUrl: project.repoUrl, authMethod: project.authMethod, secret }, secrets: [secret] };
}
