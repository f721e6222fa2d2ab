import { describe, expect, it } from 'vitest';
import { expandExtras, importRoots, repositoryInstall, testSelections, type ProjectManifest } from './project-manifest.js';

const manifest = (overrides: Partial<ProjectManifest>): ProjectManifest => ({
  readsToml: true,
  pyproject: true,
  installable: false,
  name: null,
  requiresPython: null,
  dependencies: null,
  extras: null,
  groups: {},
  packageRoots: [],
  lockFiles: [],
  ...overrides,
});

describe('testSelections', () => {
  it('takes the test-like extras, else the development ones', () => {
    expect(testSelections(['docs', 'Test', 'testing', 'dev'])).toEqual(['test', 'testing']);
    expect(testSelections(['docs', 'dev', 'lint'])).toEqual(['dev']);
    expect(testSelections(['docs', 'plot'])).toEqual([]);
  });
});

describe('expandExtras', () => {
  it("replaces references to the project's own extras by their requirements", () => {
    const extras = { test: ['pytest>=7', 'Shop_Tools[plot, net]; python_version >= "3.9"'], plot: ['matplotlib'], net: ['requests', 'shop-tools[test]'] };
    expect(expandExtras('shop-tools', extras, ['test'])).toEqual(['pytest>=7', 'matplotlib', 'requests']);
    expect(expandExtras(null, { test: ['pytest'] }, ['test', 'missing'])).toEqual(['pytest']);
  });
});

describe('repositoryInstall', () => {
  it('installs static metadata as lists: dependencies, test extras and test groups', () => {
    const plan = repositoryInstall(
      manifest({ installable: true, name: 'shop', dependencies: ['requests'], extras: { test: ['pytest==7.4.4'], docs: ['sphinx'] }, groups: { test: ['pytest-mock'], lint: ['ruff'] } }),
      '/work/checkout',
    );
    expect(plan).toEqual({ kind: 'requirements', requirements: ['requests', 'pytest==7.4.4', 'pytest-mock'], extras: ['test'], groups: ['test'] });
  });

  it('builds the checkout with its test extras when the metadata is dynamic or only setup.py/setup.cfg has it', () => {
    expect(repositoryInstall(manifest({ installable: true, name: 'shop', dependencies: null, extras: { tests: ['pytest'] } }), '/w/c')).toEqual({
      kind: 'project',
      target: '/w/c[tests]',
      requirements: [],
      extras: ['tests'],
      groups: [],
    });
    expect(repositoryInstall(manifest({ pyproject: false, installable: true }), '/w/c')).toMatchObject({ kind: 'project', target: '/w/c' });
  });

  it('installs only the dependency groups of a pyproject.toml without [project], else nothing', () => {
    expect(repositoryInstall(manifest({ groups: { dev: ['pytest'] } }), '/w/c')).toEqual({ kind: 'requirements', requirements: ['pytest'], extras: [], groups: ['dev'] });
    expect(repositoryInstall(manifest({}), '/w/c')).toEqual({ kind: 'nothing' });
  });
});

describe('importRoots', () => {
  it('puts src, configured package roots and the directories of removed checkout installs on the path', () => {
    expect(importRoots(manifest({ packageRoots: ['lib/', '.'] }), ['.', 'libs/tools'])).toEqual(['lib', 'libs/tools', 'libs/tools/src', 'src']);
  });
});
