/**
 * The Python environment of a shard (DESIGN "A run, step by step", step 3; issue 12 item 1): a
 * virtual environment with what the repository declares, on an interpreter its requires-python
 * allows, plus only the pytest plugins QAtron needs and the repository lacks, and the `qatron`
 * framework package. It is cached on the worker under a key made of everything that goes into it,
 * so consecutive runs of an unchanged repository start in milliseconds instead of minutes.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EnvironmentSetupError, isAbortError } from './errors.js';
import { resolveInstaller, UV_SETTINGS, type Installer } from './installer.js';
import { chooseInterpreter, DEFAULT_INTERPRETERS, describeInterpreter, discoverInterpreters, parseSpecifier, type Interpreter } from './interpreters.js';
import { baseEnvironment, runCommand } from './process.js';
import { emptyManifest, importRoots, MANIFEST_FILES, readProjectManifest, repositoryInstall, type ProjectManifest } from './project-manifest.js';
import { redact } from './secrets.js';
import { cachedVenv } from './venv-cache.js';

export { EnvironmentSetupError } from './errors.js';
export { UV_SETTINGS, UV_VERSION } from './installer.js';
export { cachedVenv, pruneEnvironments } from './venv-cache.js';

/**
 * The newest release of each package QAtron adds to an environment when the repository lacks it
 * (the versions its result formats are tested with). They are upper bounds, not pins: next to a
 * repository's older pytest the resolver picks the newest release up to these that suits it.
 * allure-pytest-bdd must never join them: it registers `--alluredir` too and pytest refuses to
 * start with both. Selenium is not among them although the framework's `browser` fixture uses it:
 * repositories with browser tests bring their own.
 */
export const PLUGIN_VERSIONS = {
  pytest: '9.2.0',
  'pytest-xdist': '3.8.0',
  'pytest-cov': '7.1.0',
  'allure-pytest': '2.16.2',
  coverage: '7.17.3',
} as const;

/** Bumped when the way environments are built changes, so old cache entries are not reused. */
const LAYOUT_VERSION = 2;

/**
 * The worker's pip settings passed to pip (a private index, a wheelhouse for offline installs, a
 * persistent download cache) and to pip only: an index URL may carry credentials the tests must
 * not see.
 */
export const PIP_SETTINGS = ['PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'PIP_TRUSTED_HOST', 'PIP_CERT', 'PIP_CLIENT_CERT', 'PIP_FIND_LINKS', 'PIP_NO_INDEX', 'PIP_CACHE_DIR', 'PIP_NO_CACHE_DIR', 'PIP_CONFIG_FILE', 'PIP_DEFAULT_TIMEOUT', 'PIP_RETRIES', 'XDG_CACHE_HOME'];

/** Files whose content decides what gets installed; only root `requirements*.txt` are installed. */
const LOCK_FILES = ['poetry.lock', 'Pipfile.lock', 'uv.lock', 'pdm.lock'];
const ROOT_MANIFESTS = [...MANIFEST_FILES, ...LOCK_FILES];
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
  /** A suite's install command, if any. */
  installCommand?: string | null;
  /** A suite's Python version, if any. */
  pythonVersion?: string | null;
}

/** The cache key of an environment: a hash over everything that changes what it contains. */
export function environmentKey(inputs: EnvironmentKeyInputs): string {
  const canonical = JSON.stringify({
    layout: LAYOUT_VERSION,
    python: [inputs.python.version, inputs.python.executable, inputs.python.machine],
    files: [...inputs.files].sort((a, b) => (a.path < b.path ? -1 : 1)).map((f) => [f.path, f.sha256]),
    plugins: Object.entries(inputs.plugins).sort(([a], [b]) => (a < b ? -1 : 1)),
    framework: inputs.framework,
    installCommand: inputs.installCommand ?? null,
    pythonVersion: inputs.pythonVersion ?? null,
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

export interface EnsureEnvironmentOptions {
  /** The `framework/` directory of this repository (the `qatron` Python package). */
  frameworkDir: string;
  /**
   * The interpreters this worker may build environments with (config `WORKER_PYTHONS`), its
   * default first; empty or absent: `python3`, then `python3.14` … `python3.8` found on PATH.
   */
  pythons?: readonly string[];
  /** One interpreter to use instead of choosing among `pythons` (it must still satisfy requires-python). */
  python?: string;
  /**
   * A suite's Python version, `3.12` (that release series) or a specifier (`>=3.11,<3.13`): it
   * overrides the repository's `requires-python`. Part of the cache key.
   */
  pythonVersion?: string | null;
  /**
   * A suite's own install command (`pip install -e .[test]`, `pip install -r requirements/ci.txt`,
   * `uv sync --group test`), run instead of QAtron's reading of the repository's declarations:
   * through `sh -c` in the checkout, with the new environment's bin first on PATH, VIRTUAL_ENV and
   * UV_PROJECT_ENVIRONMENT pointing at it, and PIP_CONSTRAINT/UV_CONSTRAINT holding pytest below
   * the next major QAtron does not support. QAtron's plugins are added afterwards, as always, and
   * packages it installed from the checkout itself are removed again (their code comes from each
   * run's checkout). Part of the cache key; the command's output is in the build log.
   */
  installCommand?: string | null;
  /**
   * The `uv` binary that installs packages (many times faster than pip, same resolver semantics
   * for these installs): a path; `null` for pip only; absent: `uv` on PATH, else uv installed once
   * into `cacheDir/tools` from the package index, else pip. pip is also used when a pip
   * configuration file names an index (uv does not read pip's configuration files).
   */
  uv?: string | null;
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
  /** The interpreter's version (`3.12.1`), chosen by `requires-python` / `pythonVersion`. */
  pythonVersion: string;
}

/** pytest releases QAtron's plugins and result handling are tested with (issue 12: 7.0 to 9.x). */
export const SUPPORTED_PYTEST = { from: '7.0', below: '10', label: '7.0 to 9.x' } as const;

/**
 * A virtual environment for `checkoutDir`, from the cache in `cacheDir/venvs/<key>` when one
 * exists, else built in two steps (issue 12 item 1, "the repository's environment is the
 * repository's"):
 * 1. what the repository declares, with an interpreter that satisfies its `requires-python`: the
 *    suite's `installCommand` if any; else each root `requirements*.txt`; else pyproject.toml /
 *    setup.cfg (static dependencies, test extras and PEP 735 test groups installed as lists, or the
 *    checkout built with its test extras when its metadata is dynamic). Packages installed from
 *    the checkout itself are removed again and the checkout's `src` (and configured package roots)
 *    are put on sys.path at run time by a .pth file (`checkoutPathModule`), because the venv is shared
 *    by runs with other checkout directories;
 * 2. what QAtron needs and the repository lacks: pytest (≤ PLUGIN_VERSIONS), pytest-xdist,
 *    pytest-cov, coverage, allure-pytest (unless it has allure-pytest-bdd) and the `qatron`
 *    framework, with every package of step 1 pinned as a constraint, so the resolver picks plugin
 *    versions that suit the repository's pytest and never replaces one of its packages.
 * Lock files (uv.lock, poetry.lock, Pipfile.lock) are hashed into the key but honoured only by an
 * install command that reads them (`uv sync`, `poetry install`).
 * The build happens in a temporary directory renamed into place when complete, under a lock file
 * so that workers sharing the cache build each key once.
 * @throws EnvironmentSetupError naming the cause: no interpreter for requires-python, a pytest
 *   outside SUPPORTED_PYTEST, a plugin conflict, or the tail of the installer's output.
 */
export async function ensureEnvironment(checkoutDir: string, cacheDir: string, options: EnsureEnvironmentOptions): Promise<PythonEnvironment> {
  const checkout = resolve(checkoutDir);
  const venvs = join(resolve(cacheDir), 'venvs');
  const secrets = options.secrets ?? [];
  const emit = (line: string) => options.onOutput?.(redact(line, secrets));
  const baseEnv = { ...baseEnvironment(process.env, [...PIP_SETTINGS, ...UV_SETTINGS]), PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', PIP_PROGRESS_BAR: 'off', PYTHONUTF8: '1' };

  try {
    const files = await findRequirementFiles(checkout);
    const interpreters = options.python
      ? [await describeInterpreter(options.python, baseEnv, options.signal)].filter((i): i is Interpreter => i !== undefined)
      : await discoverInterpreters(options.pythons?.length ? options.pythons : DEFAULT_INTERPRETERS, baseEnv, options.signal);
    if (options.python && interpreters.length === 0) throw new EnvironmentSetupError(`cannot run the Python interpreter ${options.python}`);
    const reader = interpreters.find((i) => i.readsToml) ?? interpreters[0];
    if (!reader) throw new EnvironmentSetupError('this worker has no working Python interpreter (set WORKER_PYTHONS or put python3 on PATH)');
    const [manifest, framework, hashed] = await Promise.all([
      // Most test repositories have only requirements files: no interpreter to start then.
      files.some((f) => MANIFEST_FILES.includes(f.path))
        ? readProjectManifest(reader.executable, checkout, baseEnv, options.signal)
        : emptyManifest(files.filter((f) => LOCK_FILES.includes(f.path)).map((f) => f.path)),
      hashFramework(options.frameworkDir),
      Promise.all(files.map(async (f) => ({ path: f.path, sha256: sha256(await readFile(join(checkout, f.path))) }))),
    ]);
    const interpreter = chooseInterpreter(interpreters, { requiresPython: manifest.requiresPython, pythonVersion: options.pythonVersion });
    const python = { version: interpreter.fullVersion, executable: interpreter.executable, machine: interpreter.machine };
    const installCommand = options.installCommand?.trim() || null;
    const pythonVersion = options.pythonVersion?.trim() || null;
    const key = environmentKey({ python, files: hashed, plugins: PLUGIN_VERSIONS, framework, installCommand, pythonVersion });
    const venv = await cachedVenv(
      venvs,
      key,
      async (partial) => {
        const installer = await resolveInstaller(options.uv, cacheDir, interpreter.executable, baseEnv, emit, options.signal);
        const context: BuildContext = { checkout, files, manifest, interpreter, installer, installCommand, env: installer.env, secrets, emit, options };
        const installed = await build(partial, join(venvs, key), context);
        return { python, files: hashed, plugins: PLUGIN_VERSIONS, installCommand, pythonVersion, installer: installer.kind, installed };
      },
      options.signal,
    );
    return { python: join(venv.path, 'bin', 'python'), key, reused: venv.reused, pythonVersion: interpreter.version };
  } catch (error) {
    if (error instanceof EnvironmentSetupError || isAbortError(error)) throw error;
    throw new EnvironmentSetupError(redact(`preparing the Python environment failed: ${(error as Error).message}`, secrets));
  }
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
  manifest: ProjectManifest;
  interpreter: Interpreter;
  installer: Installer;
  installCommand: string | null;
  env: Record<string, string>;
  secrets: string[];
  emit: (line: string) => void;
  options: EnsureEnvironmentOptions;
}

type Step = (what: string, command: string, args: string[], env?: Record<string, string>) => Promise<void>;

/** The commands of one build, run in the checkout with the installer's environment. */
interface BuildCommands {
  step: Step;
  /** `pip install` / `uv pip install` into the environment being built. */
  install: (what: string, args: string[]) => Promise<void>;
  uninstall: (what: string, names: string[]) => Promise<void>;
}

function buildCommands(python: string, context: BuildContext): BuildCommands {
  const { checkout, env, secrets, emit, options, installer } = context;
  const step: Step = async (what, command, args, stepEnv = env) => {
    emit(`$ ${[command, ...args].join(' ')}`);
    const out = await runCommand(command, args, { cwd: checkout, env: stepEnv, signal: options.signal, onLine: emit, tailLines: 40 });
    if (out.exitCode !== 0) {
      const tail = redact(out.tail.join('\n').trim(), secrets);
      throw new EnvironmentSetupError(`${what} failed (exit code ${out.exitCode ?? out.signal}):\n${tail}`);
    }
  };
  const uv = installer.uv;
  return {
    step,
    install: (what, args) => (uv ? step(what, uv, ['pip', 'install', '--no-config', '--python', python, ...args]) : step(what, python, ['-m', 'pip', 'install', '--no-input', ...args])),
    uninstall: (what, names) => (uv ? step(what, uv, ['pip', 'uninstall', '--no-config', '--python', python, ...names]) : step(what, python, ['-m', 'pip', 'uninstall', '--yes', ...names])),
  };
}

/** Builds the environment in `partial` (to be renamed to `final`); returns the installed versions. */
async function build(partial: string, final: string, context: BuildContext): Promise<Record<string, string>> {
  const python = join(partial, 'bin', 'python');
  const commands = buildCommands(python, context);
  const { installer, interpreter } = context;
  if (installer.uv) await commands.step('creating the virtual environment', installer.uv, ['venv', '--no-config', '--seed', '--quiet', '--python', interpreter.executable, partial]);
  else await commands.step('creating the virtual environment', interpreter.executable, ['-m', 'venv', partial]);

  // Step 1: the repository's own packages. pytest is capped below the next major QAtron does not support yet.
  const constraints = join(partial, '.qatron-constraints.txt');
  await writeFile(constraints, `pytest<${SUPPORTED_PYTEST.below}\n`);
  await installRepository(partial, constraints, context, commands);
  const { state, roots } = await removeCheckoutInstalls(python, context, commands);

  // Step 2: what QAtron needs and the repository lacks.
  const after = await addQatronPackages(python, constraints, state, context, commands);
  await writeFile(join(after.purelib, `${CHECKOUT_MODULE}.py`), checkoutPathModule(roots));
  await writeFile(join(after.purelib, 'qatron-checkout.pth'), `import ${CHECKOUT_MODULE}\n`);
  await rm(constraints, { force: true });
  await relocateScripts(partial, final);
  return after.installed;
}

/**
 * The repository's own code comes from each run's checkout, never from the shared venv: what step 1
 * installed from the checkout (`-e .` in a requirements file or an install command, a built
 * project) is removed, and its directories join the import roots the .pth puts on sys.path.
 */
async function removeCheckoutInstalls(python: string, context: BuildContext, commands: BuildCommands): Promise<{ state: EnvironmentState; roots: string[] }> {
  const { checkout, env, options } = context;
  const state = await inspectEnvironment(python, checkout, env, options.signal);
  const roots = importRoots(context.manifest, state.fromCheckout.map((d) => d.dir));
  if (state.fromCheckout.length === 0) return { state, roots };
  await commands.uninstall(
    'removing the project from the environment',
    state.fromCheckout.map((d) => d.name),
  );
  return { state: await inspectEnvironment(python, checkout, env, options.signal), roots };
}

/**
 * Step 2: QAtron's plugins and framework, with every package of step 1 pinned as a constraint so
 * the resolver picks plugin versions that suit the repository and never replaces one of its own.
 * @throws EnvironmentSetupError naming an unsupported pytest or the conflict.
 */
async function addQatronPackages(python: string, constraints: string, state: EnvironmentState, context: BuildContext, commands: BuildCommands): Promise<EnvironmentState> {
  const { checkout, env, options } = context;
  const repositoryPytest = state.installed.pytest;
  if (repositoryPytest !== undefined && !pytestSupported(repositoryPytest)) {
    throw new EnvironmentSetupError(`the repository pins pytest ${repositoryPytest}; QAtron supports pytest ${SUPPORTED_PYTEST.label}`);
  }
  await writeFile(constraints, Object.entries(state.installed).map(([name, version]) => `${name}==${version}\n`).join(''));
  try {
    await commands.install("installing QAtron's pytest plugins", ['-c', constraints, ...pluginRequirements(state.installed, resolve(options.frameworkDir))]);
  } catch (error) {
    if (!(error instanceof EnvironmentSetupError)) throw error;
    const theirs = ['pytest', 'pytest-bdd', 'pluggy', 'coverage'].filter((n) => state.installed[n]).map((n) => `${n} ${state.installed[n]}`).join(', ');
    throw new EnvironmentSetupError(`QAtron's pytest plugins cannot be installed next to the repository's packages (${theirs || 'no pytest'}): ${error.message}`);
  }
  const after = await inspectEnvironment(python, checkout, env, options.signal);
  if (repositoryPytest !== undefined && after.installed.pytest !== repositoryPytest) {
    throw new EnvironmentSetupError(`installing QAtron's plugins replaced the repository's pytest ${repositoryPytest} with ${after.installed.pytest}`);
  }
  return after;
}

/** The module `qatron-checkout.pth` imports at interpreter start. */
const CHECKOUT_MODULE = '_qatron_checkout';

/**
 * The source of the module that puts the checkout's import roots (relative directories) on
 * sys.path at interpreter start: the checkout is `QATRON_CHECKOUT_DIR` (shards), else the working
 * directory (collection runs in the checkout); roots that do not exist there are left out, so a
 * Python started elsewhere gets nothing. Appended after site-packages, as an editable install
 * would be. It is its own module, not part of the `qatron` package: pytest warns about every
 * module of a plugin's distribution imported before it could rewrite its asserts.
 */
export function checkoutPathModule(roots: readonly string[]): string {
  return `"""Written by the QAtron worker: the run's checkout directories on sys.path (qatron-checkout.pth)."""
import os
import sys

ROOTS = ${JSON.stringify(roots)}


def _add():
    try:
        checkout = os.environ.get("QATRON_CHECKOUT_DIR") or os.getcwd()
    except OSError:
        return
    for root in ROOTS:
        path = os.path.normpath(os.path.join(checkout, root))
        if os.path.isdir(path) and path not in sys.path:
            sys.path.append(path)


_add()
`;
}

/** Step 1: the suite's install command, else root requirements*.txt, else pyproject.toml / setup.cfg. */
async function installRepository(partial: string, constraints: string, context: BuildContext, commands: BuildCommands): Promise<void> {
  const { installCommand, installer, emit, manifest, checkout } = context;
  const { step, install } = commands;
  if (installCommand) {
    const uvDir = installer.uv && installer.uv.includes('/') ? `${dirname(installer.uv)}:` : '';
    await step('running the install command', 'sh', ['-c', installCommand], {
      ...context.env,
      PATH: `${join(partial, 'bin')}:${uvDir}${context.env.PATH ?? ''}`,
      VIRTUAL_ENV: partial,
      UV_PROJECT_ENVIRONMENT: partial,
      PIP_CONSTRAINT: constraints,
      UV_CONSTRAINT: constraints,
    });
    return;
  }
  const requirements = context.files.filter((f) => f.install).flatMap((f) => ['-r', f.path]);
  if (requirements.length > 0) {
    await install('installing the requirements', ['-c', constraints, ...requirements]);
  } else {
    const plan = repositoryInstall(manifest, checkout);
    if (plan.kind !== 'nothing') {
      emit(`installing what the repository declares${plan.extras.length ? ` with extras ${plan.extras.join(', ')}` : ''}${plan.groups.length ? ` and dependency groups ${plan.groups.join(', ')}` : ''}`);
      const targets = plan.kind === 'project' ? [plan.target, ...plan.requirements] : plan.requirements;
      if (targets.length > 0) await install('installing the requirements', ['-c', constraints, ...targets]);
    } else if (manifest.pyproject && !manifest.readsToml) {
      emit('pyproject.toml not read: no interpreter on this worker has tomllib (Python 3.11+)');
    }
  }
  if (manifest.lockFiles.length > 0) {
    emit(`${manifest.lockFiles.join(', ')} not honoured: the declared ranges were resolved instead (a suite install command such as "uv sync --frozen" installs the locked versions)`);
  }
}

/** The package names QAtron adds when the repository lacks them, each at most at its PLUGIN_VERSIONS release. */
export function pluginRequirements(installed: Readonly<Record<string, string>>, frameworkDir: string): string[] {
  const wanted: string[] = [];
  if (!installed.pytest) wanted.push(`pytest>=${SUPPORTED_PYTEST.from},<=${PLUGIN_VERSIONS.pytest}`);
  for (const name of ['pytest-xdist', 'pytest-cov', 'coverage'] as const) if (!installed[name]) wanted.push(`${name}<=${PLUGIN_VERSIONS[name]}`);
  // allure-pytest-bdd registers --alluredir as well: a repository that has it keeps it alone.
  if (!installed['allure-pytest'] && !installed['allure-pytest-bdd']) wanted.push(`allure-pytest<=${PLUGIN_VERSIONS['allure-pytest']}`);
  const url = pathToFileURL(frameworkDir).href;
  wanted.push(installed['pytest-bdd'] ? `qatron[bdd] @ ${url}` : `qatron @ ${url}`);
  return wanted;
}

/** Whether QAtron supports a repository's pytest (SUPPORTED_PYTEST). */
export function pytestSupported(version: string): boolean {
  return parseSpecifier(`>=${SUPPORTED_PYTEST.from},<${SUPPORTED_PYTEST.below}`)(version);
}

const INSPECT = String.raw`
import json, os, re, sys, sysconfig
from urllib.parse import unquote, urlparse
from importlib import metadata
checkout = os.path.realpath(sys.argv[1])
installed, local = {}, []
for dist in metadata.distributions():
    name = dist.metadata["Name"]
    if not name:
        continue
    installed[re.sub(r"[-_.]+", "-", name).lower()] = dist.version
    text = dist.read_text("direct_url.json")
    if text:
        url = json.loads(text).get("url", "")
        if url.startswith("file:"):
            path = os.path.realpath(unquote(urlparse(url).path))
            if path == checkout or path.startswith(checkout + os.sep):
                local.append({"name": name, "dir": os.path.relpath(path, checkout)})
print(json.dumps({"installed": installed, "fromCheckout": local, "purelib": sysconfig.get_paths()["purelib"]}))
`;

interface EnvironmentState {
  /** Normalised name → version. */
  installed: Record<string, string>;
  /** Distributions installed from the checkout (editable or not), with their directory relative to it. */
  fromCheckout: { name: string; dir: string }[];
  purelib: string;
}

async function inspectEnvironment(python: string, checkout: string, env: Record<string, string>, signal?: AbortSignal): Promise<EnvironmentState> {
  const out = await runCommand(python, ['-c', INSPECT, checkout], { env, signal, capture: true, tailLines: 20 });
  if (out.exitCode !== 0) throw new EnvironmentSetupError(`reading the environment's packages failed:\n${out.tail.join('\n')}`);
  return JSON.parse(out.stdout) as EnvironmentState;
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
