/**
 * Checks of a project's repository coordinates (FR-PRJ-01). The worker hands `repo_url` and
 * `default_branch` to git, so anything git would read as an option or a remote helper
 * (`--upload-pack=…`, `ext::sh -c …`, `ssh://-oProxyCommand=…`) is refused here, as are
 * credentials embedded in the URL: they belong in a secret named by `secret_ref` (FR-SEC-02).
 * Local repositories (file:// URLs, paths) pass only where the operator allows them:
 * `assertLocalRepositoryAllowed`, with the rule in @qatron/domain/local-repositories.
 */
import { localRepositoryPolicy, localRepositoryProblem } from '@qatron/domain/local-repositories';
import type { QatronConfig } from '@qatron/domain';
import { validationFailed } from '../http/problems.js';

const ACCEPTED_FORMS = 'must be an https://, http://, ssh://, git@host:path or file:// URL, or an absolute local path';
const NO_CREDENTIALS = 'must not contain credentials: store them in a secret and name it in secret_ref (FR-SEC-04)';
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
/** scp-like syntax (`git@github.com:org/repo.git`); the host must not start with `-` (ssh option injection). */
const SCP_LIKE = /^([A-Za-z0-9._~-]+)@([A-Za-z0-9][A-Za-z0-9.-]*):(\S+)$/;

/**
 * Why `value` is not an acceptable repository URL, or null when it is: https://, http://,
 * ssh://, file:// URLs, `user@host:path` and absolute local paths (for repositories mounted into
 * the workers, and for tests).
 */
export function repoUrlProblem(value: string): string | null {
  if (CONTROL_CHARACTERS.test(value)) return 'must not contain control characters';
  if (value.startsWith('/')) return null;
  const scp = SCP_LIKE.exec(value);
  if (scp) return scp[3]!.startsWith('-') ? ACCEPTED_FORMS : null;
  if (/\s/.test(value)) return 'must not contain spaces';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return ACCEPTED_FORMS;
  }
  switch (url.protocol) {
    case 'https:':
    case 'http:':
      // A bare username is how a token is smuggled in (`https://ghp_…@github.com`); token auth supplies it instead.
      if (url.username || url.password) return NO_CREDENTIALS;
      return url.hostname && !url.hostname.startsWith('-') ? null : ACCEPTED_FORMS;
    case 'ssh:':
      if (url.password) return NO_CREDENTIALS;
      return url.hostname && !url.hostname.startsWith('-') && url.pathname.length > 1 ? null : ACCEPTED_FORMS;
    case 'file:':
      return (url.hostname === '' || url.hostname === 'localhost') && url.pathname.length > 1 ? null : ACCEPTED_FORMS;
    default:
      return ACCEPTED_FORMS;
  }
}

/**
 * Why `value` is not a valid branch name, or null when it is. The rules of
 * `git check-ref-format --branch` (git-check-ref-format(1)), plus a length that fits the column.
 */
export function branchNameProblem(value: string): string | null {
  const invalid = 'must be a valid git branch name (see git check-ref-format)';
  if (value.length === 0) return 'is required';
  if (value.length > 255) return 'must be at most 255 characters';
  if (value === '@' || value === 'HEAD') return invalid;
  if (value.startsWith('-') || value.startsWith('/') || value.endsWith('/') || value.endsWith('.')) return invalid;
  if (value.includes('..') || value.includes('//') || value.includes('@{')) return invalid;
  if (CONTROL_CHARACTERS.test(value) || /[ ~^:?*[\\]/.test(value)) return invalid;
  if (value.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))) return invalid;
  return null;
}

/**
 * Refuses with 422 (field `repo_url`) a local repository outside QATRON_LOCAL_REPO_ROOTS or inside
 * QAtron's own data; remote URLs pass. The worker repeats the check at checkout.
 */
export function assertLocalRepositoryAllowed(repoUrl: string | undefined, config: QatronConfig): void {
  if (repoUrl === undefined) return;
  const problem = localRepositoryProblem(repoUrl, localRepositoryPolicy(config));
  if (problem) throw validationFailed([{ field: 'repo_url', message: problem }]);
}
