/**
 * Repository access for runs (DESIGN "A run, step by step", steps 2-3): one bare mirror per
 * project on each worker, fetched before every run, from which each shard materialises the tree
 * of the run's commit. Credentials (FR-SEC) reach git only through environment variables and a
 * temporary key file: never on a command line (visible in `ps`) and never in the mirror's config.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GitError, isAbortError } from './errors.js';
import { withFileLock } from './file-lock.js';
import { baseEnvironment, runCommand } from './process.js';
import { redact } from './secrets.js';

export { GitError } from './errors.js';

/** How a worker reaches a project's repository; `secret` is the resolved token or private key. */
export interface RepositoryAccess {
  repoUrl: string;
  authMethod: 'none' | 'token' | 'ssh';
  secret?: string;
}

/** The mirror directory of a project: the URL hash keeps a changed URL from reusing a stale mirror. */
export function mirrorPath(cacheDir: string, projectId: number, repoUrl: string): string {
  const urlHash = createHash('sha256').update(repoUrl).digest('hex').slice(0, 12);
  return join(resolve(cacheDir), `${projectId}-${urlHash}.git`);
}

/** The Basic credential git sends for token auth: GitHub, GitLab and Gitea all accept a token as the password. */
export function tokenCredential(token: string): string {
  return Buffer.from(`x-access-token:${token}`).toString('base64');
}

/**
 * The environment git runs with for `access`. Token auth becomes an `http.extraHeader` passed in
 * `GIT_CONFIG_*` variables (git reads them like `-c` options, but they do not show in `ps` and are
 * not written into the repository's config). SSH uses the key in `keyFile` and nothing from the
 * worker's own agent or keys. Prompts are disabled: a worker has nobody to answer them.
 */
export function gitEnvironment(access: RepositoryAccess, paths: { keyFile?: string; knownHostsFile?: string } = {}, from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {
    ...baseEnvironment(from),
    GIT_TERMINAL_PROMPT: '0',
    GCM_INTERACTIVE: 'never',
    LC_ALL: 'C',
  };
  if (access.authMethod === 'token') {
    if (!access.secret) throw new GitError(`repository ${displayUrl(access.repoUrl)} uses token authentication but no token was resolved`);
    Object.assign(env, {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${tokenCredential(access.secret)}`,
    });
  }
  if (access.authMethod === 'ssh') {
    if (!paths.keyFile) throw new GitError(`repository ${displayUrl(access.repoUrl)} uses SSH authentication but no key file was written`);
    const options = [
      '-i', shellQuote(paths.keyFile),
      '-o', 'IdentitiesOnly=yes',
      '-o', 'IdentityAgent=none',
      '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=accept-new',
      '-o', 'ConnectTimeout=20',
    ];
    if (paths.knownHostsFile) options.push('-o', shellQuote(`UserKnownHostsFile=${paths.knownHostsFile}`));
    env.GIT_SSH_COMMAND = `ssh ${options.join(' ')}`;
  }
  return env;
}

/** Every string that must not appear in output: the secret, its encodings, a password in the URL. */
function secretsOf(access: RepositoryAccess): string[] {
  const secrets: string[] = [];
  if (access.secret) secrets.push(access.secret, tokenCredential(access.secret));
  try {
    const url = new URL(access.repoUrl);
    if (url.password) secrets.push(url.password, decodeURIComponent(url.password));
    if (url.username && /^https?:$/.test(url.protocol)) secrets.push(url.username, decodeURIComponent(url.username));
  } catch {
    // Not a URL (a local path or scp-like `git@host:repo`): nothing embedded to hide.
  }
  return secrets;
}

/**
 * The URL without credentials, for messages: no password, and no user name over HTTP(S) either,
 * where a token is often passed as the user name (`https://<token>@host/...`). An SSH user name
 * (`git@`) is kept.
 */
function displayUrl(repoUrl: string): string {
  try {
    const url = new URL(repoUrl);
    if (url.password || (url.username && /^https?:$/.test(url.protocol))) {
      url.username = '';
      url.password = '';
    }
    return url.toString();
  } catch {
    return repoUrl;
  }
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A file:// URL, an absolute local path, http(s), ssh:// or scp-like `user@host:path`. */
function assertSupportedUrl(repoUrl: string): void {
  if (repoUrl.startsWith('-')) throw new GitError(`unsupported repository URL ${JSON.stringify(repoUrl)}`);
  if (repoUrl.startsWith('/')) return;
  if (/^(https?|ssh|git\+ssh|file):\/\//i.test(repoUrl)) return;
  if (/^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/]/.test(repoUrl)) return;
  throw new GitError(`unsupported repository URL ${JSON.stringify(displayUrl(repoUrl))}: use https://, ssh://, file:// or an absolute path`);
}

interface GitRun {
  env: Record<string, string>;
  secrets: string[];
  signal?: AbortSignal;
  cwd?: string;
}

/** Runs git; a non-zero exit becomes a GitError with git's (redacted) stderr. */
async function git(args: string[], run: GitRun, what: string): Promise<string> {
  const result = await runCommand('git', args, { env: run.env, signal: run.signal, cwd: run.cwd, capture: true });
  if (result.exitCode !== 0) {
    const detail = redact(result.stderr.trim() || result.stdout.trim() || `exit code ${result.exitCode ?? result.signal}`, run.secrets);
    throw new GitError(`${what} failed: ${detail}`, result.exitCode);
  }
  return result.stdout;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Brings the bare mirror of the project's repository up to date and returns its path:
 * `git clone --mirror` into `cacheDir/<projectId>-<sha256(repoUrl)[:12]>.git` the first time,
 * `git fetch --prune` afterwards. Concurrent syncs of one mirror on one machine take turns on a
 * lock file, and a first clone is made in a temporary directory and renamed into place, so a
 * half-cloned mirror is never visible.
 * @throws GitError with git's stderr, redacted of the credentials.
 */
export async function syncMirror(
  cacheDir: string,
  projectId: number,
  access: RepositoryAccess,
  signal?: AbortSignal,
  /** A commit the caller needs: when the mirror already has it, no fetch (and no lock) is needed. */
  needCommit?: string,
): Promise<string> {
  assertSupportedUrl(access.repoUrl);
  const mirror = mirrorPath(cacheDir, projectId, access.repoUrl);
  // Shards of one run start together right after provisioning fetched: most find the commit
  // already here and would otherwise queue on the mirror's lock for a fetch that brings nothing.
  if (needCommit && (await exists(join(mirror, 'HEAD')))) {
    const probe = await runCommand('git', ['-C', mirror, 'cat-file', '-e', `${needCommit}^{commit}`], { env: baseEnvironment(), signal }).catch(() => undefined);
    if (probe?.exitCode === 0) return mirror;
  }
  await mkdir(resolve(cacheDir), { recursive: true });
  const secrets = secretsOf(access);
  let keyDir: string | undefined;
  try {
    let keyFile: string | undefined;
    if (access.authMethod === 'ssh') {
      if (!access.secret) throw new GitError(`repository ${displayUrl(access.repoUrl)} uses SSH authentication but no key was resolved`);
      // mkdtemp makes a 0700 directory; the key inside is 0600 as ssh demands, and ends with the
      // newline that secret resolution trimmed (ssh rejects a key without it).
      keyDir = await mkdtemp(join(tmpdir(), 'qatron-ssh-'));
      keyFile = join(keyDir, 'id');
      await writeFile(keyFile, access.secret.endsWith('\n') ? access.secret : `${access.secret}\n`, { mode: 0o600 });
      await chmod(keyFile, 0o600);
    }
    const env = gitEnvironment(access, { keyFile, knownHostsFile: join(resolve(cacheDir), 'known_hosts') });
    const run: GitRun = { env, secrets, signal };
    await withFileLock(`${mirror}.lock`, async () => {
      if (await exists(join(mirror, 'HEAD'))) {
        await git(['-C', mirror, 'fetch', '--prune', '--quiet', 'origin'], run, `fetching ${displayUrl(access.repoUrl)}`);
        return;
      }
      const partial = `${mirror}.partial-${randomBytes(4).toString('hex')}`;
      try {
        await git(['clone', '--mirror', '--quiet', '--', access.repoUrl, partial], run, `cloning ${displayUrl(access.repoUrl)}`);
        await rm(mirror, { recursive: true, force: true });
        await rename(partial, mirror);
      } finally {
        await rm(partial, { recursive: true, force: true });
      }
    }, { signal });
    return mirror;
  } catch (error) {
    if (error instanceof GitError || isAbortError(error)) throw error;
    throw new GitError(redact(`syncing ${displayUrl(access.repoUrl)} failed: ${(error as Error).message}`, secrets));
  } finally {
    if (keyDir) await rm(keyDir, { recursive: true, force: true });
  }
}

const COMMIT_SHA = /^[0-9a-f]{4,64}$/i;

/**
 * The full commit id to run: `ref.commit` when given (it must exist in the mirror; abbreviations
 * are fine if unambiguous), else the head of `ref.branch`.
 * @throws GitError for an unknown branch or commit, or a commit that is not a hex sha.
 */
export async function resolveCommit(mirror: string, ref: { branch: string; commit?: string | null }): Promise<string> {
  const env = { ...baseEnvironment(), LC_ALL: 'C' };
  if (ref.commit) {
    if (!COMMIT_SHA.test(ref.commit)) throw new GitError(`commit ${JSON.stringify(ref.commit)} is not a commit id (4 to 64 hex digits)`);
    const result = await runCommand('git', ['--git-dir', mirror, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${ref.commit}^{commit}`], { env, capture: true });
    if (result.exitCode !== 0) throw new GitError(`commit ${ref.commit} not found in the repository (is it pushed, and unambiguous?)`, result.exitCode);
    return result.stdout.trim();
  }
  if (!ref.branch || ref.branch.startsWith('-') || /[\s~^:?*[\\]|\.\.|@\{/.test(ref.branch)) {
    throw new GitError(`branch ${JSON.stringify(ref.branch)} is not a valid branch name`);
  }
  const result = await runCommand('git', ['--git-dir', mirror, 'rev-parse', '--verify', '--quiet', '--end-of-options', `refs/heads/${ref.branch}^{commit}`], { env, capture: true });
  if (result.exitCode !== 0) throw new GitError(`branch ${ref.branch} not found in the repository`, result.exitCode);
  return result.stdout.trim();
}

/**
 * Writes the tree of `commit` into `dest` (created if missing; must be empty): a temporary index
 * read from the mirror and checked out into `dest`. Unlike `git archive`, this honours no
 * export-ignore attributes (the tests see exactly what is committed) and keeps symlinks and
 * executable bits; unlike a clone, `dest` gets no `.git` pointing back into the shared cache.
 * Submodules are not fetched.
 * @throws GitError when `dest` is not empty or the commit is not in the mirror.
 */
export async function materialize(mirror: string, commit: string, dest: string, signal?: AbortSignal): Promise<void> {
  const target = resolve(dest);
  await mkdir(target, { recursive: true });
  if ((await readdir(target)).length > 0) throw new GitError(`cannot check out into ${target}: the directory is not empty`);
  const indexDir = await mkdtemp(join(tmpdir(), 'qatron-index-'));
  const run: GitRun = { env: { ...baseEnvironment(), LC_ALL: 'C', GIT_INDEX_FILE: join(indexDir, 'index') }, secrets: [], signal };
  const gitArgs = ['--git-dir', mirror, '--work-tree', target];
  try {
    await git([...gitArgs, 'read-tree', '--end-of-options', `${commit}^{tree}`], run, `reading commit ${commit}`);
    await git([...gitArgs, 'checkout-index', '--all', '--force'], run, `checking out commit ${commit}`);
  } finally {
    await rm(indexDir, { recursive: true, force: true });
  }
}
