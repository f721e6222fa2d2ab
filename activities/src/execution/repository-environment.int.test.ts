import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAMEWORK_DIR, TEST_CACHE_DIR } from '../testing/fixture-environment.js';
import { createFixtureRepository, GREEN_TEST_IDS } from '../testing/fixture-repo.js';
import { rejectionOf } from '../testing/rejection.js';
import { collectTests } from './collect.js';
import { EnvironmentSetupError } from './errors.js';
import { findUv } from './installer.js';
import { DEFAULT_INTERPRETERS, discoverInterpreters, parseRelease } from './interpreters.js';
import { baseEnvironment } from './process.js';
import { ensureEnvironment, type EnsureEnvironmentOptions } from './python-env.js';
import { runShard, type RunShardOptions, type WorkSource } from './shard-runner.js';

// Issue 12 item 1: the repository's environment is the repository's. Real installs (uv, and pip
// where said), real pytest; every build is a fresh cache, so each case costs a venv build.
let base: string;
let cacheDir: string;
let counter = 0;

let uv: string | null;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'qatron-repo-env-'));
  cacheDir = join(base, 'cache');
  // The fresh cache is for the environments; uv itself comes from the tests' shared cache.
  uv = await findUv(TEST_CACHE_DIR, 'python3', baseEnvironment(), () => undefined);
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const options = (more: Partial<EnsureEnvironmentOptions> = {}): EnsureEnvironmentOptions => ({ frameworkDir: FRAMEWORK_DIR, uv, ...more });

const installed = (python: string): Record<string, string> =>
  Object.fromEntries((JSON.parse(execFileSync(python, ['-m', 'pip', 'list', '--format=json', '--disable-pip-version-check'], { encoding: 'utf8' })) as { name: string; version: string }[]).map((p) => [p.name.toLowerCase(), p.version]));

/** A checkout with only `files` (no fixture shop). */
async function repository(files: Record<string, string>): Promise<{ path: string }> {
  const path = join(base, `repo-${++counter}`);
  for (const [file, content] of Object.entries(files)) {
    await mkdir(dirname(join(path, file)), { recursive: true });
    await writeFile(join(path, file), content);
  }
  return { path };
}

function shardOptions(python: string, checkoutDir: string, testIds: string[]): RunShardOptions {
  const id = ++counter;
  return {
    python,
    checkoutDir,
    testIds,
    outDir: join(base, `out-${id}`),
    env: { QATRON_CHECKOUT_DIR: checkoutDir },
    retries: 0,
    workersPerShard: 0,
    coverage: false,
    signal: new AbortController().signal,
    onProgress: () => undefined,
  };
}

const all = { paths: [], markers: '', keywords: '' };

/** A run's work queue reduced to one shard: the files the first lane collected, one at a time. */
function singleQueue(): WorkSource {
  let pending: string[] | null = null;
  return {
    collected: async (files) => {
      pending ??= files.map((f) => f.file);
    },
    next: async () => pending?.splice(0, 1) ?? [],
  };
}

describe('a repository that pins pytest 7.4 and pytest-bdd 6', () => {
  it('keeps its pins, collects, runs a shard with xdist and labels the BDD scenarios', async () => {
    const repo = await createFixtureRepository(join(base, 'bdd6'), { extraFiles: { 'requirements.txt': 'pytest==7.4.4\npytest-bdd==6.1.1\n' } });
    const lines: string[] = [];
    const environment = await ensureEnvironment(repo.path, cacheDir, options({ onOutput: (line) => lines.push(line) }));
    const packages = installed(environment.python);
    expect(packages).toMatchObject({ pytest: '7.4.4', 'pytest-bdd': '6.1.1', qatron: '0.1.0' });
    // QAtron's plugins were added in versions that suit pytest 7.4, with the Gherkin parser pytest-bdd 6 lacks.
    for (const name of ['pytest-xdist', 'pytest-cov', 'coverage', 'allure-pytest', 'gherkin-official']) expect(packages[name], name).toBeDefined();

    expect(await collectTests(environment.python, repo.path, all)).toEqual(GREEN_TEST_IDS);
    const result = await runShard({ ...shardOptions(environment.python, repo.path, [...GREEN_TEST_IDS]), workersPerShard: 2 });
    expect(result.results.map((r) => r.nodeId).sort()).toEqual([...GREEN_TEST_IDS].sort());
    expect(result.outcome).toBe('passed');
    const outline = result.results.filter((r) => r.nodeId.includes('test_discounted_totals['));
    expect(outline.map((r) => r.properties.qatron_scenario_id)).toEqual(Array(3).fill(expect.stringMatching(/^features\/checkout\.feature:14:23:[0-9a-f]{8}$/)));
    expect(outline.map((r) => r.properties.qatron_example_line).sort()).toEqual(['21', '22', '23']);

    // The run's own path: two lanes pulling files from a queue (qatron.pull) on pytest 7.4.
    const { testIds: _fixed, ...pulling } = shardOptions(environment.python, repo.path, []);
    const pulled = await runShard({ ...pulling, work: { selection: all, source: singleQueue() }, workersPerShard: 2 });
    expect(pulled.results.map((r) => r.nodeId).sort()).toEqual([...GREEN_TEST_IDS].sort());
    expect(pulled.outcome).toBe('passed');
  }, 240_000);
});

describe('a pyproject.toml package with a src layout and a test extra', () => {
  const files = {
    'pyproject.toml': `[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "calc-lib"
version = "0.1.0"
requires-python = ">=3.8"
dependencies = []

[project.optional-dependencies]
test = ["pytest==8.3.5", "calc-lib[extra]"]
extra = ["iniconfig"]
docs = ["sphinx"]

[dependency-groups]
dev = ["pytest-timeout"]
`,
    'src/calc/__init__.py': 'def add(a, b):\n    return a + b\n',
    'tests/test_calc.py': 'import iniconfig\n\nfrom calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n',
  };

  it('installs its declared and test dependencies, not the project, and its tests import the checkout', async () => {
    const repo = await repository(files);
    const environment = await ensureEnvironment(repo.path, cacheDir, options());
    const packages = installed(environment.python);
    expect(packages).toMatchObject({ pytest: '8.3.5', iniconfig: expect.any(String), 'pytest-timeout': expect.any(String) });
    expect(packages.sphinx).toBeUndefined();
    expect(packages['calc-lib']).toBeUndefined();
    const ids = await collectTests(environment.python, repo.path, all);
    expect(ids).toEqual(['tests/test_calc.py::test_add']);
    const result = await runShard(shardOptions(environment.python, repo.path, ids));
    expect(result.results.map((r) => [r.nodeId, r.outcome])).toEqual([['tests/test_calc.py::test_add', 'passed']]);
    // The .pth that puts src on sys.path imports nothing pytest wants to rewrite: no warning in the run.
    expect(await readFile(result.outputs.log, 'utf8')).not.toMatch(/warning/i);
  }, 180_000);

  it("runs a suite's own install command (an editable install) and still tests each run's checkout", async () => {
    const repo = await repository(files);
    const command = 'pip install -e ".[test]"';
    const environment = await ensureEnvironment(repo.path, cacheDir, options({ installCommand: command }));
    // The editable install pointed at the checkout the environment was built from: removed again.
    expect(installed(environment.python)['calc-lib']).toBeUndefined();
    expect(installed(environment.python).pytest).toBe('8.3.5');
    const again = await ensureEnvironment(repo.path, cacheDir, options({ installCommand: command }));
    expect(again).toMatchObject({ reused: true, key: environment.key });

    // Another checkout of the same repository, with changed code, uses the same environment.
    const other = await repository({ ...files, 'src/calc/__init__.py': 'def add(a, b):\n    return a - b\n' });
    expect((await ensureEnvironment(other.path, cacheDir, options({ installCommand: command }))).key).toBe(environment.key);
    const result = await runShard(shardOptions(environment.python, other.path, ['tests/test_calc.py::test_add']));
    expect(result.results.map((r) => r.outcome)).toEqual(['failed']);
  }, 240_000);
});

describe('a setuptools project whose metadata only a build can tell (setup.py, setup.cfg)', () => {
  it('builds it with its test extra for the dependencies, removes it, and imports the checkout', async () => {
    const repo = await repository({
      'setup.py': 'from setuptools import setup\nsetup()\n',
      'setup.cfg': '[metadata]\nname = legacy-shop\nversion = 0.1\n\n[options]\npackage_dir =\n    = src\npackages = find:\n\n[options.packages.find]\nwhere = src\n\n[options.extras_require]\ntests =\n    pytest==7.4.4\ndocs =\n    sphinx\n',
      'src/legacy_shop/__init__.py': 'NAME = "legacy"\n',
      'tests/test_shop.py': 'from legacy_shop import NAME\n\n\ndef test_name():\n    assert NAME == "legacy"\n',
    });
    const environment = await ensureEnvironment(repo.path, cacheDir, options());
    const packages = installed(environment.python);
    expect(packages.pytest).toBe('7.4.4');
    expect(packages['legacy-shop']).toBeUndefined();
    expect(packages.sphinx).toBeUndefined();
    const result = await runShard(shardOptions(environment.python, repo.path, ['tests/test_shop.py::test_name']));
    expect(result.results.map((r) => r.outcome)).toEqual(['passed']);
  }, 180_000);
});

describe('a uv project with a lock file', () => {
  it('installs the locked versions with the install command "uv sync" into the environment', async () => {
    const repo = await repository({
      'pyproject.toml': '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n[project]\nname = "calc"\nversion = "0.1.0"\nrequires-python = ">=3.9"\ndependencies = ["iniconfig"]\n\n[dependency-groups]\ntest = ["pytest==8.4.2"]\n',
      'src/calc/__init__.py': 'X = 1\n',
      'tests/test_calc.py': 'from calc import X\n\n\ndef test_x():\n    assert X == 1\n',
    });
    // The test writes the lock; a real repository commits it.
    const environment = await ensureEnvironment(repo.path, cacheDir, options({ installCommand: 'uv lock --quiet && uv sync --frozen --group test' }));
    const packages = installed(environment.python);
    expect(packages).toMatchObject({ pytest: '8.4.2', iniconfig: expect.any(String), qatron: '0.1.0' });
    expect(packages.calc).toBeUndefined();
    const result = await runShard(shardOptions(environment.python, repo.path, ['tests/test_calc.py::test_x']));
    expect(result.results.map((r) => r.outcome)).toEqual(['passed']);
  }, 180_000);
});

describe('pytest versions', () => {
  it('runs a repository pinned to pytest 7.0 (built with pip)', async () => {
    const repo = await repository({ 'requirements.txt': 'pytest==7.0.1\n', 'tests/test_plain.py': 'def test_one():\n    pass\n\n\ndef test_two():\n    pass\n' });
    const lines: string[] = [];
    const environment = await ensureEnvironment(repo.path, cacheDir, options({ uv: null, onOutput: (line) => lines.push(line) }));
    expect(lines.some((line) => line.includes('Successfully installed'))).toBe(true);
    expect(installed(environment.python).pytest).toBe('7.0.1');
    const ids = await collectTests(environment.python, repo.path, all);
    expect(ids).toEqual(['tests/test_plain.py::test_one', 'tests/test_plain.py::test_two']);
    const result = await runShard(shardOptions(environment.python, repo.path, ['tests/test_plain.py::test_two']));
    expect(result.results.map((r) => [r.nodeId, r.outcome])).toEqual([['tests/test_plain.py::test_two', 'passed']]);
    const { testIds: _fixed, ...pulling } = shardOptions(environment.python, repo.path, []);
    const pulled = await runShard({ ...pulling, work: { selection: all, source: singleQueue() } });
    expect(pulled.results.map((r) => [r.nodeId, r.outcome])).toEqual([
      ['tests/test_plain.py::test_one', 'passed'],
      ['tests/test_plain.py::test_two', 'passed'],
    ]);
  }, 240_000);

  it('refuses a pytest QAtron does not support, naming it, and leaves nothing behind', async () => {
    const repo = await repository({ 'requirements.txt': 'pytest==6.2.5\n', 'tests/test_plain.py': 'def test_one():\n    pass\n' });
    const error = await rejectionOf(ensureEnvironment(repo.path, cacheDir, options()));
    expect(error).toBeInstanceOf(EnvironmentSetupError);
    expect(error.message).toBe('the repository pins pytest 6.2.5; QAtron supports pytest 7.0 to 9.x');
    expect((await readdir(join(cacheDir, 'venvs'))).filter((name) => name.startsWith('.'))).toEqual([]);
  }, 120_000);
});

describe('requires-python', () => {
  // This machine's python3 (3.11) is the default; pyenv's newer interpreters are named explicitly,
  // as WORKER_PYTHONS would.
  const newer = ['3.12', '3.13', '3.14'].flatMap((minor) => {
    const root = '/root/.pyenv/versions';
    if (!existsSync(root)) return [];
    return execFileSync('sh', ['-c', `ls -d ${root}/${minor}.*/bin/python${minor} 2>/dev/null || true`], { encoding: 'utf8' }).split('\n').filter(Boolean);
  });
  const pythons = ['python3', ...newer];

  it.skipIf(newer.length === 0)('builds with the newest interpreter that matches when the default does not', async () => {
    const available = await discoverInterpreters(pythons, baseEnvironment());
    const newest = available.map((i) => i.version).sort((a, b) => (parseRelease(b)[1]! - parseRelease(a)[1]!))[0]!;
    const repo = await repository({ 'pyproject.toml': '[project]\nname = "new-tests"\nversion = "1"\nrequires-python = ">=3.12"\n', 'tests/test_version.py': 'import sys\n\n\ndef test_version():\n    assert sys.version_info >= (3, 12)\n' });
    const environment = await ensureEnvironment(repo.path, cacheDir, options({ pythons }));
    expect(environment.pythonVersion).toBe(newest);
    expect(execFileSync(environment.python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' }).trim()).toBe(newest);
    const result = await runShard(shardOptions(environment.python, repo.path, ['tests/test_version.py::test_version']));
    expect(result.results.map((r) => r.outcome)).toEqual(['passed']);
  }, 180_000);

  it('names the requirement and the interpreters when none matches', async () => {
    const available = await discoverInterpreters(DEFAULT_INTERPRETERS, baseEnvironment());
    const repo = await repository({ 'pyproject.toml': '[project]\nname = "future-tests"\nversion = "1"\nrequires-python = ">=3.99"\n' });
    const error = await rejectionOf(ensureEnvironment(repo.path, cacheDir, options()));
    expect(error).toBeInstanceOf(EnvironmentSetupError);
    expect(error.message).toBe(`the repository requires Python >=3.99; this worker has ${available.map((i) => i.version).join(', ')}`);
  });
});
