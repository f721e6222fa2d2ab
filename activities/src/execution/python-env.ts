/**
 * The Python environment of a shard (DESIGN "A run, step by step", step 3): a virtual environment
 * with the repository's requirements, the pinned pytest plugins QAtron relies on and the `qatron`
 * framework package. It is cached on the worker under a key made of everything that goes into it,
 * so consecutive runs of an unchanged repository start in milliseconds instead of minutes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { EnvironmentSetupError, isAbortError } from './errors.js';
import { withFileLock } from './file-lock.js';
import { baseEnvironment, runCommand } from './process.js';
import { redact } from './secrets.js';

export { EnvironmentSetupError } from './errors.js';

/**
 * The plugins installed into every environment, pinned so that results, JUnit/Allure formats and
 * coverage data do not change under a run. allure-pytest-bdd must never join them: it registers
 * `--alluredir` too and pytest refuses to start with both. `coverage` is pinned as well because the
 * shards' data files are combined by one `coverage combine` after the run. Selenium is *not* among
 * them although the framework's `browser` fixture uses it: test repositories with browser tests
 * pin their own selenium, and a second pin here would make their environments fail to resolve.
 */
export const PLUGIN_VERSIONS = {
  pytest: '9.2.0',
  'pytest-xdist': '3.8.0',
  'pytest-cov': '7.1.0',
  'allure-pytest': '2.16.2',
  coverage: '7.17.3',
} as const;

/** Bumped when the way environments are built changes, so old cache entries are not reused. */
const LAYOUT_VERSION = 1;

const MARKER = '.qatron-environment.json';

/**
 * The worker's pip settings passed to pip (a private index, a wheelhouse for offline installs, a
 * persistent download cache) and to pip only: an index URL may carry credentials the tests must
 * not see.
 */
export const PIP_SETTINGS = ['PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'PIP_TRUSTED_HOST', 'PIP_CERT', 'PIP_CLIENT_CERT', 'PIP_FIND_LINKS', 'PIP_NO_INDEX', 'PIP_CACHE_DIR', 'PIP_NO_CACHE_DIR', 'PIP_CONFIG_FILE', 'PIP_DEFAULT_TIMEOUT', 'PIP_RETRIES', 'XDG_CACHE_HOME'];

/** Files whose content decides what gets installed; only root `requirements*.txt` are installed. */
const ROOT_MANIFESTS = ['pyproject.toml', 'poetry.lock', 'Pipfile.lock', 'uv.lock', 'setup.cfg', 'setup.py'];
const REQUIREMENTS = /^requirements.*\.txt$/i;
const SKIPPED_DIRS = new Set(['.git', 'node_modules', '.venv', 'venv', '__pycache__', '.tox', '.nox']);

export interface RequirementFile {
  /** Relative to the checkout, with forward slashes. */
  path: string;
  /** Whether it is passed to `pip install -r` (root requirements*.txt) or only hashed. */
  install: boolean;
}

/**
 * The requirement files of a checkout, sorted: `requirements*.txt` at the root (installed) and one
 * level down (hashed, since root files often `-r` them), every `.txt` in a `requirements/`
 * directory (the other common layout), and the root manifests and lock files.
 */
export async function findRequirementFiles(checkoutDir: string): Promise<RequirementFile[]> {
  const found: RequirementFile[] = [];
  for (const entry of await readdir(checkoutDir, { withFileTypes: true })) {
    if (entry.isFile() && (REQUIREMENTS.test(entry.name) || ROOT_MANIFESTS.includes(entry.name))) {
      found.push({ path: entry.name, install: REQUIREMENTS.test(entry.name) });
    } else if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) {
      const pattern = entry.name === 'requirements' ? /\.txt$/i : REQUIREMENTS;
      for (const child of await readdir(join(checkoutDir, entry.name), { withFileTypes: true })) {
        if (child.isFile() && pattern.test(child.name)) found.push({ path: `${entry.name}/${child.name}`, install: false });
      }
    }
  }
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export interface EnvironmentKeyInputs {
  python: { version: string; executable: string; machine: string };
  /** Requirement files with the sha256 of their content. */
  files: { path: string; sha256: string }[];
  plugins: Readonly<Record<string, string>>;
  /** Content hash of the framework package. */
  framework: string;
}

/** The cache key of an environment: a hash over everything that changes what it contains. */
export function environmentKey(inputs: EnvironmentKeyInputs): string {
  const canonical = JSON.stringify({
    layout: LAYOUT_VERSION,
    python: [inputs.python.version, inputs.python.executable, inputs.python.machine],
    files: [...inputs.files].sort((a, b) => (a.path < b.path ? -1 : 1)).map((f) => [f.path, f.sha256]),
    plugins: Object.entries(inputs.plugins).sort(([a], [b]) => (a < b ? -1 : 1)),
    framework: inputs.framework,
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 24);
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** Hash of what goes into the framework's wheel (its metadata and sources), ignoring bytecode. */
export async function hashFramework(frameworkDir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '__pycache__' && !entry.name.endsWith('.egg-info')) await walk(path);
      } else if (entry.isFile() && !entry.name.endsWith('.pyc')) {
        hash.update(relative(frameworkDir, path)).update('\0').update(await readFile(path)).update('\0');
      }
    }
  };
  hash.update(await readFile(join(frameworkDir, 'pyproject.toml')));
  await walk(join(frameworkDir, 'src'));
  return hash.digest('hex');
}

/** The `[project] name` of a pyproject.toml, if it has a [project] table (PEP 621). */
export function pyprojectName(pyproject: string): string | null | undefined {
  const table = /^\[project\][ \t]*(?:#.*)?$/m.exec(pyproject);
  if (!table) return undefined;
  const body = pyproject.slice(table.index + table[0].length).split(/^\[/m)[0] ?? '';
  return /^name\s*=\s*["']([^"']+)["']/m.exec(body)?.[1] ?? null;
}

export interface EnsureEnvironmentOptions {
  /** The `framework/` directory of this repository (the `qatron` Python package). */
  frameworkDir: string;
  /** The interpreter to build venvs from; `python3` on PATH by default. */
  python?: string;
  signal?: AbortSignal;
  /** Every line of venv/pip output, redacted (for logs and heartbeats). */
  onOutput?: (line: string) => void;
  /** Values to scrub from output and errors (e.g. a private index token). */
  secrets?: string[];
}

export interface PythonEnvironment {
  /** `<venv>/bin/python`: run tools as `python -m pip`, `python -m pytest`. */
  python: string;
  key: string;
  reused: boolean;
}

/**
 * A virtual environment for `checkoutDir`, from the cache in `cacheDir/venvs/<key>` when one
 * exists, else built: `pip install` of each root `requirements*.txt` (or, without any, of the
 * dependencies of the pyproject.toml's [project] table: the static list as is, dynamic ones by
 * installing the checkout and removing the project itself), the pinned `PLUGIN_VERSIONS` and
 * the framework package, in one resolver run so conflicts surface as an error instead of a silently
 * replaced pin. A build happens in a temporary directory renamed into place when complete, under a
 * lock file so that workers sharing the cache build each key once.
 * @throws EnvironmentSetupError with the tail of pip's output (the run ends `infra_failed`).
 */
export async function ensureEnvironment(checkoutDir: string, cacheDir: string, options: EnsureEnvironmentOptions): Promise<PythonEnvironment> {
  const checkout = resolve(checkoutDir);
  const venvs = join(resolve(cacheDir), 'venvs');
  const secrets = options.secrets ?? [];
  const emit = (line: string) => options.onOutput?.(redact(line, secrets));
  const baseEnv = { ...baseEnvironment(process.env, PIP_SETTINGS), PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', PIP_PROGRESS_BAR: 'off', PYTHONUTF8: '1' };

  const basePython = options.python ?? 'python3';
  const files = await findRequirementFiles(checkout);
  const [python, framework, hashed] = await Promise.all([
    describePython(basePython, baseEnv, options.signal),
    hashFramework(options.frameworkDir),
    Promise.all(files.map(async (f) => ({ path: f.path, sha256: sha256(await readFile(join(checkout, f.path))) }))),
  ]);
  const key = environmentKey({ python, files: hashed, plugins: PLUGIN_VERSIONS, framework });
  try {
    const venv = await cachedVenv(
      venvs,
      key,
      async (partial) => {
        await build(partial, join(venvs, key), { checkout, files, basePython, env: baseEnv, secrets, emit, options });
        return { python, files: hashed, plugins: PLUGIN_VERSIONS };
      },
      options.signal,
    );
    return { python: join(venv.path, 'bin', 'python'), key, reused: venv.reused };
  } catch (error) {
    if (error instanceof EnvironmentSetupError || isAbortError(error)) throw error;
    throw new EnvironmentSetupError(redact(`preparing the Python environment failed: ${(error as Error).message}`, secrets));
  }
}

/**
 * A virtual environment cached as `venvs/<key>`: reused (and marked as used) when its marker is
 * there, else built by `build` in a temporary directory that is renamed into place when complete,
 * under a lock file so that workers sharing the cache build each key once. `build` returns what
 * the marker records besides the key.
 */
export async function cachedVenv(
  venvs: string,
  key: string,
  build: (partial: string) => Promise<Record<string, unknown>>,
  signal?: AbortSignal,
): Promise<{ path: string; reused: boolean }> {
  const venv = join(venvs, key);
  const reuse = async () => {
    const now = new Date();
    await utimes(join(venv, MARKER), now, now).catch(() => undefined);
    return { path: venv, reused: true };
  };
  if (await isReady(venv)) return reuse();
  await mkdir(venvs, { recursive: true });
  return withFileLock(
    `${venv}.lock`,
    async () => {
      if (await isReady(venv)) return reuse();
      const partial = join(venvs, `.partial-${key}-${randomBytes(4).toString('hex')}`);
      try {
        const recorded = await build(partial);
        await writeFile(join(partial, MARKER), JSON.stringify({ key, createdAt: new Date().toISOString(), ...recorded }, null, 2));
        try {
          await rename(partial, venv);
        } catch (error) {
          // Someone outside the lock (a stale-lock takeover) finished the same key first: theirs is as good.
          if (!(await isReady(venv))) throw error;
        }
        return { path: venv, reused: false };
      } finally {
        await rm(partial, { recursive: true, force: true });
      }
    },
    { signal },
  );
}

/**
 * Removes cached environments not used for `maxAgeMs` (their marker is touched on every reuse) and
 * builds abandoned by a crashed worker, so the cache does not grow with every requirements change.
 * An environment in use is never that old: each run touches it before starting its shards.
 * Returns the names removed.
 */
export async function pruneEnvironments(cacheDir: string, maxAgeMs: number, now: Date = new Date()): Promise<string[]> {
  const venvs = join(resolve(cacheDir), 'venvs');
  const entries = await readdir(venvs, { withFileTypes: true }).catch(() => []);
  const removed: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const path = join(venvs, entry.name);
    const stamp = entry.name.startsWith('.partial-') ? path : join(path, MARKER);
    const lastUsed = await stat(stamp).then(
      (s) => s.mtimeMs,
      () => 0,
    );
    if (now.getTime() - lastUsed < maxAgeMs) continue;
    // A build in progress holds the key's lock: leave that key alone.
    const key = entry.name.startsWith('.partial-') ? entry.name.slice('.partial-'.length, -9) : entry.name;
    if (await stat(join(venvs, `${key}.lock`)).then(() => true, () => false)) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(entry.name);
  }
  return removed.sort();
}

async function isReady(venv: string): Promise<boolean> {
  return stat(join(venv, MARKER)).then(
    () => true,
    () => false,
  );
}

export async function describePython(python: string, env: Record<string, string>, signal?: AbortSignal): Promise<EnvironmentKeyInputs['python']> {
  const script = 'import json, os, platform, sys; print(json.dumps({"version": sys.version, "executable": os.path.realpath(getattr(sys, "_base_executable", sys.executable)), "machine": platform.machine()}))';
  try {
    const out = await runCommand(python, ['-c', script], { env, signal, capture: true });
    if (out.exitCode !== 0) throw new Error(out.tail.join('\n'));
    return JSON.parse(out.stdout) as EnvironmentKeyInputs['python'];
  } catch (error) {
    if (isAbortError(error)) throw error;
    throw new EnvironmentSetupError(`cannot run the Python interpreter ${python}: ${(error as Error).message}`);
  }
}

interface BuildContext {
  checkout: string;
  files: RequirementFile[];
  basePython: string;
  env: Record<string, string>;
  secrets: string[];
  emit: (line: string) => void;
  options: EnsureEnvironmentOptions;
}

async function build(partial: string, final: string, context: BuildContext): Promise<void> {
  const { checkout, env, secrets, emit, options } = context;
  const step = async (what: string, command: string, args: string[]) => {
    emit(`$ ${[command, ...args].join(' ')}`);
    const out = await runCommand(command, args, { cwd: checkout, env, signal: options.signal, onLine: emit, tailLines: 40 });
    if (out.exitCode !== 0) {
      const tail = redact(out.tail.join('\n').trim(), secrets);
      throw new EnvironmentSetupError(`${what} failed (exit code ${out.exitCode ?? out.signal}):\n${tail}`);
    }
  };

  await step('creating the virtual environment', context.basePython, ['-m', 'venv', partial]);
  const python = join(partial, 'bin', 'python');
  const requirements = context.files.filter((f) => f.install).flatMap((f) => ['-r', f.path]);
  const project = requirements.length === 0 ? await readProject(python, checkout, env, options.signal) : undefined;
  const projectArgs = project === undefined ? [] : project.dependencies ?? [checkout];
  const pins = Object.entries(PLUGIN_VERSIONS).map(([name, version]) => `${name}==${version}`);
  await step('installing the requirements', python, ['-m', 'pip', 'install', '--no-input', ...requirements, ...projectArgs, ...pins, resolve(options.frameworkDir)]);
  if (project && !project.dependencies && project.name) {
    // The project was installed for its (dynamic) dependencies only. Its own code must come from
    // each run's checkout: a copy frozen in a cached venv would silently test yesterday's code.
    await step('removing the project from the environment', python, ['-m', 'pip', 'uninstall', '--yes', project.name]);
  }
  await relocateScripts(partial, final);
}

const READ_PYPROJECT = `
import json, sys
try:
    import tomllib
except ImportError:
    print("null"); sys.exit(0)
with open(sys.argv[1], "rb") as f:
    project = tomllib.load(f).get("project")
if not isinstance(project, dict):
    print(json.dumps({"project": False})); sys.exit(0)
dynamic = "dependencies" in project.get("dynamic", [])
print(json.dumps({"project": True, "name": project.get("name"), "dependencies": None if dynamic else project.get("dependencies", [])}))
`;

/**
 * The [project] table of the checkout's pyproject.toml, if any: its name, and its dependencies
 * when they are static. Static dependencies are installed as such, not by building the project:
 * building needs a working package layout, which a test repository often lacks (setuptools refuses
 * a flat layout with several top-level packages such as pages/ and utils/), and the project's own
 * code belongs to the checkout, not to a cached venv. `dependencies: null` means dynamic.
 */
async function readProject(python: string, checkout: string, env: Record<string, string>, signal?: AbortSignal): Promise<{ name: string | null; dependencies: string[] | null } | undefined> {
  const pyproject = join(checkout, 'pyproject.toml');
  const text = await readFile(pyproject, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const out = await runCommand(python, ['-c', READ_PYPROJECT, pyproject], { env, signal, capture: true });
  if (out.exitCode !== 0) throw new EnvironmentSetupError(`pyproject.toml is not valid TOML:\n${out.tail.join('\n')}`);
  const parsed = JSON.parse(out.stdout) as { project: boolean; name?: string; dependencies: string[] | null } | null;
  if (parsed === null) {
    // Python < 3.11 has no TOML parser: treat the dependencies as dynamic.
    const name = pyprojectName(text);
    return name === undefined ? undefined : { name, dependencies: null };
  }
  if (!parsed.project) return undefined;
  return { name: parsed.name ?? null, dependencies: parsed.dependencies };
}

/**
 * Points the entry-point scripts (absolute shebangs) and activate scripts at the final location.
 * QAtron itself always runs `python -m`, but tests that call `pytest` or another console script
 * through a subprocess deserve a working one.
 */
async function relocateScripts(partial: string, final: string): Promise<void> {
  const bin = join(partial, 'bin');
  for (const entry of await readdir(bin, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(bin, entry.name);
    const { size, mode } = await stat(path);
    if (size > 1_000_000) continue;
    const content = await readFile(path);
    if (!content.includes(partial)) continue;
    await writeFile(path, content.toString('utf8').replaceAll(partial, final), { mode });
  }
}
