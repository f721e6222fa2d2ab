import { mkdir, mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FRAMEWORK_DIR } from '../testing/fixture-environment.js';
import { environmentKey, findRequirementFiles, hashFramework, pluginRequirements, PLUGIN_VERSIONS, pruneEnvironments, pytestSupported, type EnvironmentKeyInputs } from './python-env.js';

async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'qatron-reqs-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

describe('findRequirementFiles', () => {
  it('installs root requirements*.txt and hashes nested ones, manifests and lock files', async () => {
    const root = await tree({
      'requirements.txt': '-r requirements/base.txt\n',
      'requirements-dev.txt': 'pytest-mock\n',
      'requirements/base.txt': 'requests\n',
      'requirements/notes.md': 'not a requirement file\n',
      'e2e/requirements.txt': 'selenium\n',
      'e2e/constraints.txt': 'not matched\n',
      'pyproject.toml': '[tool.black]\n',
      'poetry.lock': '',
      'uv.lock': '',
      'node_modules/requirements.txt': 'ignored\n',
      'tests/test_a.py': '',
    });
    expect(await findRequirementFiles(root)).toEqual([
      { path: 'e2e/requirements.txt', install: false },
      { path: 'poetry.lock', install: false },
      { path: 'pyproject.toml', install: false },
      { path: 'requirements-dev.txt', install: true },
      { path: 'requirements.txt', install: true },
      { path: 'requirements/base.txt', install: false },
      { path: 'uv.lock', install: false },
    ]);
  });

  it('finds nothing in a repository without requirement files', async () => {
    expect(await findRequirementFiles(await tree({ 'tests/test_a.py': '' }))).toEqual([]);
  });
});

describe('environmentKey', () => {
  const inputs: EnvironmentKeyInputs = {
    python: { version: '3.11.7 (main)', executable: '/usr/bin/python3.11', machine: 'x86_64' },
    files: [
      { path: 'requirements.txt', sha256: 'aa' },
      { path: 'pyproject.toml', sha256: 'bb' },
    ],
    plugins: PLUGIN_VERSIONS,
    framework: 'ff',
  };

  it('is stable and independent of the order files were found in', () => {
    const key = environmentKey(inputs);
    expect(key).toMatch(/^[0-9a-f]{24}$/);
    expect(environmentKey({ ...inputs, files: [...inputs.files].reverse() })).toBe(key);
  });

  it('changes with requirement contents, plugin pins, the framework, the interpreter, the install command and the Python version', () => {
    const key = environmentKey(inputs);
    const variants: EnvironmentKeyInputs[] = [
      { ...inputs, files: [{ path: 'requirements.txt', sha256: 'ab' }, inputs.files[1]!] },
      { ...inputs, files: [inputs.files[0]!] },
      { ...inputs, plugins: { ...PLUGIN_VERSIONS, pytest: '8.4.2' } },
      { ...inputs, framework: 'fe' },
      { ...inputs, python: { ...inputs.python, version: '3.12.1' } },
      { ...inputs, python: { ...inputs.python, machine: 'aarch64' } },
      { ...inputs, installCommand: 'pip install -e .[test]' },
      { ...inputs, pythonVersion: '3.12' },
    ];
    const keys = new Set(variants.map(environmentKey));
    expect(keys.size).toBe(variants.length);
    expect(keys.has(key)).toBe(false);
  });
});

describe('what QAtron adds', () => {
  it('supports pytest 7.0 to 9.x', () => {
    expect(['7.0.0', '7.0.1', '7.4.4', '8.3.5', '9.2.0', '9.9.1'].map(pytestSupported)).toEqual([true, true, true, true, true, true]);
    expect(['6.2.5', '10.0.0', '5.4.3'].map(pytestSupported)).toEqual([false, false, false]);
  });

  it('adds only what the repository lacks, each at most at its tested release', () => {
    expect(pluginRequirements({}, '/opt/qatron/framework')).toEqual([
      `pytest>=7.0,<=${PLUGIN_VERSIONS.pytest}`,
      `pytest-xdist<=${PLUGIN_VERSIONS['pytest-xdist']}`,
      `pytest-cov<=${PLUGIN_VERSIONS['pytest-cov']}`,
      `coverage<=${PLUGIN_VERSIONS.coverage}`,
      `allure-pytest<=${PLUGIN_VERSIONS['allure-pytest']}`,
      'qatron @ file:///opt/qatron/framework',
    ]);
    expect(pluginRequirements({ pytest: '7.4.4', 'pytest-bdd': '6.1.1', 'allure-pytest-bdd': '2.13.5', coverage: '7.4.0', 'pytest-xdist': '3.5.0' }, '/opt/qatron/framework')).toEqual([
      `pytest-cov<=${PLUGIN_VERSIONS['pytest-cov']}`,
      'qatron[bdd] @ file:///opt/qatron/framework',
    ]);
  });
});

describe('hashFramework', () => {
  it('is a stable sha256 of the framework package', async () => {
    const hash = await hashFramework(FRAMEWORK_DIR);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashFramework(FRAMEWORK_DIR)).toBe(hash);
  });
});

describe('pruneEnvironments', () => {
  it('removes environments unused for longer than the limit and abandoned builds, keeping recent and locked ones', async () => {
    const day = 24 * 3600 * 1000;
    const now = new Date('2026-03-01T00:00:00Z');
    const old = new Date(now.getTime() - 10 * day);
    const cache = await tree({
      'venvs/aaaaaaaaaaaaaaaaaaaaaaaa/.qatron-environment.json': '{}',
      'venvs/bbbbbbbbbbbbbbbbbbbbbbbb/.qatron-environment.json': '{}',
      'venvs/cccccccccccccccccccccccc/.qatron-environment.json': '{}',
      'venvs/cccccccccccccccccccccccc.lock': '',
      'venvs/.partial-dddddddddddddddddddddddd-0a1b2c3d/pyvenv.cfg': '',
      'venvs/.partial-eeeeeeeeeeeeeeeeeeeeeeee-0a1b2c3d/pyvenv.cfg': '',
      'venvs/eeeeeeeeeeeeeeeeeeeeeeee.lock': '',
    });
    await utimes(join(cache, 'venvs/aaaaaaaaaaaaaaaaaaaaaaaa/.qatron-environment.json'), old, old);
    await utimes(join(cache, 'venvs/bbbbbbbbbbbbbbbbbbbbbbbb/.qatron-environment.json'), now, now);
    await utimes(join(cache, 'venvs/cccccccccccccccccccccccc/.qatron-environment.json'), old, old);
    await utimes(join(cache, 'venvs/.partial-dddddddddddddddddddddddd-0a1b2c3d'), old, old);
    await utimes(join(cache, 'venvs/.partial-eeeeeeeeeeeeeeeeeeeeeeee-0a1b2c3d'), old, old);

    expect(await pruneEnvironments(cache, 7 * day, now)).toEqual(['.partial-dddddddddddddddddddddddd-0a1b2c3d', 'aaaaaaaaaaaaaaaaaaaaaaaa']);
    expect((await readdir(join(cache, 'venvs'))).sort()).toEqual([
      '.partial-eeeeeeeeeeeeeeeeeeeeeeee-0a1b2c3d',
      'bbbbbbbbbbbbbbbbbbbbbbbb',
      'cccccccccccccccccccccccc',
      'cccccccccccccccccccccccc.lock',
      'eeeeeeeeeeeeeeeeeeeeeeee.lock',
    ]);
  });

  it('does nothing without a cache', async () => {
    expect(await pruneEnvironments(join(tmpdir(), 'qatron-no-such-cache'), 0)).toEqual([]);
  });
});
