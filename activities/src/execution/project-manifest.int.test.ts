import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejectionOf } from '../testing/rejection.js';
import { EnvironmentSetupError } from './errors.js';
import { DEFAULT_INTERPRETERS, discoverInterpreters } from './interpreters.js';
import { baseEnvironment } from './process.js';
import { readProjectManifest, repositoryInstall } from './project-manifest.js';

let base: string;
let python: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'qatron-manifest-'));
  const reader = (await discoverInterpreters(DEFAULT_INTERPRETERS, baseEnvironment())).find((i) => i.readsToml);
  if (!reader) throw new Error('these tests need a Python >= 3.11 on PATH');
  python = reader.executable;
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

async function checkout(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(base, name);
  for (const [file, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), content);
  }
  return dir;
}

describe('readProjectManifest', () => {
  it('reads [project], PEP 735 groups with includes, setuptools package roots and lock files', async () => {
    const dir = await checkout('pep621', {
      'pyproject.toml': `[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "Shop.Tools"
version = "1.0"
requires-python = ">=3.10"
dependencies = ["requests>=2"]

[project.optional-dependencies]
Test = ["pytest>=7"]

[dependency-groups]
lint = ["ruff"]
Testing = ["pytest-mock", { include-group = "lint" }]

[tool.setuptools.packages.find]
where = ["lib"]
`,
      'uv.lock': '',
    });
    const manifest = await readProjectManifest(python, dir, baseEnvironment());
    expect(manifest).toEqual({
      readsToml: true,
      pyproject: true,
      installable: true,
      name: 'Shop.Tools',
      requiresPython: '>=3.10',
      dependencies: ['requests>=2'],
      extras: { test: ['pytest>=7'] },
      groups: { lint: ['ruff'], testing: ['pytest-mock', 'ruff'] },
      packageRoots: ['lib'],
      lockFiles: ['uv.lock'],
    });
    expect(repositoryInstall(manifest, dir)).toEqual({ kind: 'requirements', requirements: ['requests>=2', 'pytest>=7', 'pytest-mock', 'ruff'], extras: ['test'], groups: ['testing'] });
  });

  it('reads setup.cfg metadata and extras when setup.py builds the project', async () => {
    const dir = await checkout('setuptools', {
      'setup.py': 'from setuptools import setup\nsetup()\n',
      'setup.cfg': '[metadata]\nname = legacy-shop\n\n[options]\npython_requires = >=3.8\npackages = find:\npackage_dir =\n    = src\n\n[options.packages.find]\nwhere = src\n\n[options.extras_require]\ntests =\n    pytest==7.4.4\n    # a comment\n    pytest-bdd==6.1.1\n',
    });
    const manifest = await readProjectManifest(python, dir, baseEnvironment());
    expect(manifest).toMatchObject({ pyproject: false, installable: true, name: 'legacy-shop', requiresPython: '>=3.8', dependencies: null, extras: { tests: ['pytest==7.4.4', 'pytest-bdd==6.1.1'] }, packageRoots: ['src'] });
    expect(repositoryInstall(manifest, dir)).toEqual({ kind: 'project', target: `${dir}[tests]`, requirements: [], extras: ['tests'], groups: [] });
  });

  it('says which file cannot be read', async () => {
    const dir = await checkout('broken', { 'pyproject.toml': '[project\nname = "x"\n' });
    const error = await rejectionOf(readProjectManifest(python, dir, baseEnvironment()));
    expect(error).toBeInstanceOf(EnvironmentSetupError);
    expect(error.message).toMatch(/^the repository's pyproject.toml or setup.cfg cannot be read:\n[\s\S]*TOMLDecodeError/);
  });
});
