import { loadConfig, type ActivityErrorType, type Project } from '@qatron/domain';
import { localRepositoryPolicy, localRepositoryProblem } from '@qatron/domain/local-repositories';
import { activityFailure } from '../failures.js';
import type { RepositoryAccess } from './git.js';
import { resolveSecret, type SecretSource } from './secrets.js';

/** The failure type a run ends `infra_failed` with when its local repository is no longer allowed. */
export const LOCAL_REPOSITORY_REFUSED = 'LocalRepositoryRefused' satisfies ActivityErrorType;

/**
 * The project's repository and its credential, resolved by name on this worker (FR-SEC-03).
 * A local repository is checked again against this worker's QATRON_LOCAL_REPO_ROOTS (issue 13,
 * item 2): the path, its symlinks or the allowed roots may have changed since registration. The
 * worker's environment (`secrets.env`, what its configuration was parsed from) carries the roots.
 * @throws ApplicationFailure (non-retryable, LocalRepositoryRefused) naming the rule.
 */
export function repositoryAccess(project: Project, secrets: SecretSource): { access: RepositoryAccess; secrets: string[] } {
  const problem = localRepositoryProblem(project.repoUrl, localRepositoryPolicy(loadConfig(secrets.env)));
  if (problem) {
    throw activityFailure(LOCAL_REPOSITORY_REFUSED, `repository ${project.repoUrl} ${problem}`);
  }
  if (project.authMethod === 'none' || !project.secretRef) return { access: { repoUrl: project.repoUrl, authMethod: 'none' }, secrets: [] };
  const secret = resolveSecret(project.secretRef, secrets);
  return { access: { repoUrl: project.repoUrl, authMethod: project.authMethod, secret }, secrets: [secret] };
}
