/**
 * What installs packages into a run environment: uv (PyPI `uv`, a resolver and installer many times
 * faster than pip: fixture builds of 2-3 s instead of 12-27 s on a 2-core worker) when the worker
 * has it or can install it, else pip. Both get the worker's index settings; uv gets pip's
 * translated into its own variables.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isAbortError } from './errors.js';
import { runCommand } from './process.js';
import { cachedVenv } from './venv-cache.js';

/** The environment variables uv reads for what PIP_SETTINGS say to pip (passed to the installer only, like those). */
export const UV_SETTINGS = ['UV_CACHE_DIR', 'UV_INDEX_URL', 'UV_DEFAULT_INDEX', 'UV_INDEX', 'UV_EXTRA_INDEX_URL', 'UV_FIND_LINKS', 'UV_NO_INDEX', 'UV_INSECURE_HOST', 'UV_HTTP_TIMEOUT', 'UV_NATIVE_TLS', 'UV_NO_CACHE', 'UV_OFFLINE'];

/** The uv release installed into `cacheDir/tools` when the worker has none on PATH. */
export const UV_VERSION = '0.13.9';

export interface Installer {
  kind: 'uv' | 'pip';
  /** The uv binary (kind 'uv'). */
  uv?: string;
  /** The installer's environment: the worker's minimal one with its index settings. */
  env: Record<string, string>;
}

const PIP_TO_UV: Record<string, string> = {
  PIP_INDEX_URL: 'UV_INDEX_URL',
  PIP_EXTRA_INDEX_URL: 'UV_EXTRA_INDEX_URL',
  PIP_FIND_LINKS: 'UV_FIND_LINKS',
  PIP_NO_INDEX: 'UV_NO_INDEX',
  PIP_TRUSTED_HOST: 'UV_INSECURE_HOST',
  PIP_DEFAULT_TIMEOUT: 'UV_HTTP_TIMEOUT',
  PIP_CERT: 'SSL_CERT_FILE',
};

/** The installer environment for uv: the worker's pip settings translated where uv has no setting of its own. */
function uvEnvironment(env: Record<string, string>): Record<string, string> {
  const uv: Record<string, string> = { ...env, UV_PYTHON_DOWNLOADS: 'never', UV_NO_PROGRESS: '1' };
  for (const [pip, name] of Object.entries(PIP_TO_UV)) {
    const value = env[pip];
    if (value === undefined || uv[name] !== undefined) continue;
    // pip separates find-links by spaces, uv by commas.
    uv[name] = name === 'UV_FIND_LINKS' ? value.trim().split(/\s+/).join(',') : value;
  }
  return uv;
}

/** Why uv must not replace pip on this worker: a pip configuration file that names an index (uv never reads them). */
async function pipConfigurationReason(env: Record<string, string>): Promise<string | null> {
  const home = env.HOME ?? '';
  const files = [env.PIP_CONFIG_FILE, '/etc/pip.conf', '/etc/xdg/pip/pip.conf', join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'pip', 'pip.conf'), join(home, '.pip', 'pip.conf')];
  for (const file of files) {
    if (!file || file === '/dev/null') continue;
    const text = await readFile(file, 'utf8').catch(() => '');
    if (/^\s*(index-url|extra-index-url|find-links|no-index)\s*=/m.test(text)) return `${file} sets the package index`;
  }
  return null;
}

const uvLookups = new Map<string, Promise<string | null>>();

/** uv on PATH, else uv installed once into `cacheDir/tools/uv-<version>` with pip; null when neither works. */
export function findUv(cacheDir: string, python: string, env: Record<string, string>, emit: (line: string) => void, signal?: AbortSignal): Promise<string | null> {
  const tools = join(resolve(cacheDir), 'tools');
  let lookup = uvLookups.get(tools);
  if (!lookup) {
    lookup = (async () => {
      const onPath = await runCommand('uv', ['--version'], { env, signal, capture: true }).catch(() => null);
      if (onPath?.exitCode === 0) return 'uv';
      try {
        const venv = await cachedVenv(
          tools,
          `uv-${UV_VERSION}`,
          async (partial) => {
            for (const args of [['-m', 'venv', partial], [join(partial, 'bin', 'python'), '-m', 'pip', 'install', '--no-input', `uv==${UV_VERSION}`]]) {
              const [command, rest] = args[0] === '-m' ? [python, args] : [args[0]!, args.slice(1)];
              const out = await runCommand(command, rest, { env, signal, tailLines: 10 });
              if (out.exitCode !== 0) throw new Error(out.tail.join('\n'));
            }
            return { uv: UV_VERSION };
          },
          signal,
        );
        return join(venv.path, 'bin', 'uv');
      } catch (error) {
        if (isAbortError(error)) throw error;
        emit(`uv ${UV_VERSION} could not be installed, using pip: ${(error as Error).message.split('\n').slice(-1)[0]}`);
        return null;
      }
    })();
    uvLookups.set(tools, lookup);
    lookup.catch(() => uvLookups.delete(tools));
  }
  return lookup;
}

/**
 * The installer for a build: pip when `option` is null or a pip configuration file names an index;
 * else uv at `option`, on PATH, or installed once into `cacheDir/tools` (pip when that fails).
 */
export async function resolveInstaller(option: string | null | undefined, cacheDir: string, python: string, env: Record<string, string>, emit: (line: string) => void, signal?: AbortSignal): Promise<Installer> {
  if (option === null) return { kind: 'pip', env };
  const reason = await pipConfigurationReason(env);
  if (reason) {
    emit(`installing with pip: ${reason} and uv does not read pip's configuration files`);
    return { kind: 'pip', env };
  }
  const uv = option ?? (await findUv(cacheDir, python, env, emit, signal));
  return uv ? { kind: 'uv', uv, env: uvEnvironment(env) } : { kind: 'pip', env };
}
