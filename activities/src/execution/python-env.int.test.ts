import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAMEWORK_DIR } from '../testing/fixture-environment.js';
import { rejectionOf } from '../testing/rejection.js';
import { createFixtureRepository, FIXTURE_PYTEST_BDD_VERSION, type FixtureRepository } from '../testing/fixture-repo.js';
import { EnvironmentSetupError } from './errors.js';
import { ensureEnvironment, PLUGIN_VERSIONS } from './python-env.js';

// These tests build venvs from scratch (a fresh cache each run: what they test is the build),
// so pip's own download cache does the heavy lifting after the first machine run.
let base: string;
let cacheDir: string;
let repo: FixtureRepository;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'qatron-venv-'));
  cacheDir = join(base, 'cache');
  repo = await createFixtureRepository(join(base, 'repo'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const installed = (python: string): Record<string, string> =>
  Object.fromEntries((JSON.parse(execFileSync(python, ['-m', 'pip', 'list', '--format=json', '--disable-pip-version-check'], { encoding: 'utf8' })) as { name: string; version: string }[]).map((p) => [p.name.toLowerCase(), p.version]));

describe('ensureEnvironment', () => {
  it('builds an environment once, even when two workers ask at the same time, then reuses it', async () => {
    const lines: string[] = [];
    const options = { frameworkDir: FRAMEWORK_DIR, onOutput: (line: string) => lines.push(line) };
    const [a, b] = await Promise.all([ensureEnvironment(repo.path, cacheDir, options), ensureEnvironment(repo.path, cacheDir, options)]);
    expect([a.reused, b.reused].sort()).toEqual([false, true]);
    expect(b.python).toBe(a.python);
    expect(b.key).toBe(a.key);
    expect(a.python).toBe(join(cacheDir, 'venvs', a.key, 'bin', 'python'));
    expect(lines.some((line) => /Successfully installed|Installed \d+ packages?/.test(line))).toBe(true);
    // Only the finished environment is left: no partial build, no lock.
    expect(await readdir(join(cacheDir, 'venvs'))).toEqual([a.key]);

    const started = performance.now();
    const again = await ensureEnvironment(repo.path, cacheDir, { frameworkDir: FRAMEWORK_DIR });
    console.log(`reused environment in ${Math.round(performance.now() - started)} ms`);
    expect(again).toEqual({ python: a.python, key: a.key, reused: true, pythonVersion: a.pythonVersion });

    const packages = installed(a.python);
    expect(packages).toMatchObject({
      pytest: PLUGIN_VERSIONS.pytest,
      'pytest-xdist': PLUGIN_VERSIONS['pytest-xdist'],
      'pytest-cov': PLUGIN_VERSIONS['pytest-cov'],
      'allure-pytest': PLUGIN_VERSIONS['allure-pytest'],
      coverage: PLUGIN_VERSIONS.coverage,
      'pytest-bdd': FIXTURE_PYTEST_BDD_VERSION,
      qatron: '0.1.0',
    });
    expect(packages['allure-pytest-bdd']).toBeUndefined();
    // Entry-point scripts were pointed at the final location when the build was renamed into place.
    expect(execFileSync(join(cacheDir, 'venvs', a.key, 'bin', 'pytest'), ['--version'], { encoding: 'utf8' })).toContain(`pytest ${PLUGIN_VERSIONS.pytest}`);
  });

  it("fails with the installer's own message, redacted, when a requirement cannot be installed, leaving nothing behind", async () => {
    const secret = 'private-token-abcdef123';
    const broken = await createFixtureRepository(join(base, 'broken'), { extraFiles: { 'requirements.txt': `pytest-bdd==9.0.1\n./${secret}/does-not-exist\n` } });
    const error = await rejectionOf(ensureEnvironment(broken.path, cacheDir, { frameworkDir: FRAMEWORK_DIR, secrets: [secret] }));
    expect(error).toBeInstanceOf(EnvironmentSetupError);
    expect(error.message).toMatch(/^installing the requirements failed \(exit code 1\):\n/);
    // pip says "Invalid requirement: './***/does-not-exist'", uv "Distribution not found at: file:///…/***/does-not-exist".
    expect(error.message).toContain('/***/does-not-exist');
    expect(error.message).not.toContain(secret);
    expect((await readdir(join(cacheDir, 'venvs'))).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('installs the static dependencies of a pyproject.toml [project] without the project itself', async () => {
    const project = await createFixtureRepository(join(base, 'pyproject'), {
      extraFiles: {
        'requirements.txt': '',
        // A flat layout with several packages: setuptools would refuse to build this project.
        'pyproject.toml': `[project]\nname = "shop-tests"\nversion = "0.1.0"\ndependencies = ["pytest-bdd==${FIXTURE_PYTEST_BDD_VERSION}"]\n`,
        'pages/__init__.py': '',
        'helpers/__init__.py': '',
      },
    });
    execFileSync('git', ['rm', '--quiet', 'requirements.txt'], { cwd: project.path });
    const environment = await ensureEnvironment(project.path, cacheDir, { frameworkDir: FRAMEWORK_DIR });
    expect(environment.reused).toBe(false);
    const packages = installed(environment.python);
    expect(packages['pytest-bdd']).toBe(FIXTURE_PYTEST_BDD_VERSION);
    expect(packages['shop-tests']).toBeUndefined();
  });
});
