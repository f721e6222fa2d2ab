import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { localRepositoryPath, localRepositoryPolicy, localRepositoryProblem, type LocalRepositoryPolicy } from './local-repositories.js';

let base: string;
let policy: LocalRepositoryPolicy;
const RULE = /allowed only under a directory listed in QATRON_LOCAL_REPO_ROOTS, and never inside QATRON_HOME or a worker directory$/;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'qatron-local-repos-'));
  for (const dir of ['allowed/shop', 'allowed/home/worker/git/7', 'allowed/worker-dir/git/3', 'elsewhere/secret']) mkdirSync(join(base, dir), { recursive: true });
  symlinkSync(join(base, 'elsewhere/secret'), join(base, 'allowed/escape'));
  symlinkSync(join(base, 'allowed/shop'), join(base, 'elsewhere/to-shop'));
  policy = localRepositoryPolicy(
    loadConfig({ QATRON_LOCAL_REPO_ROOTS: `${join(base, 'allowed')}:/nonexistent-root`, QATRON_HOME: join(base, 'allowed/home'), WORKER_DIR: join(base, 'allowed/worker-dir') }),
  );
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('QATRON_LOCAL_REPO_ROOTS', () => {
  it('is parsed as a colon-separated list of absolute directories, null when unset', () => {
    expect(loadConfig({ QATRON_LOCAL_REPO_ROOTS: '/srv/git: /home/me/work :' }).localRepoRoots).toEqual(['/srv/git', '/home/me/work']);
    expect(loadConfig({}).localRepoRoots).toBeNull();
    expect(() => loadConfig({ QATRON_LOCAL_REPO_ROOTS: 'relative/dir' })).toThrow('Invalid configuration: QATRON_LOCAL_REPO_ROOTS.0: must list absolute directories, separated by colons');
  });
});

describe('localRepositoryPath', () => {
  it.each([
    ['/srv/git/shop', '/srv/git/shop'],
    ['file:///srv/git/shop', '/srv/git/shop'],
    ['file://localhost/srv/git/shop', '/srv/git/shop'],
    ['file:///srv/git/a%20b', '/srv/git/a b'],
    ['https://github.com/acme/shop.git', null],
    ['git@github.com:acme/shop.git', null],
  ])('%s -> %s', (url, path) => expect(localRepositoryPath(url)).toBe(path));
});

describe('localRepositoryProblem', () => {
  it('accepts a path and a file:// URL under an allowed root, and remote URLs', () => {
    expect(localRepositoryProblem(join(base, 'allowed/shop'), policy)).toBeNull();
    expect(localRepositoryProblem(`file://${join(base, 'allowed/shop')}`, policy)).toBeNull();
    expect(localRepositoryProblem('https://github.com/acme/shop.git', policy)).toBeNull();
  });

  it('accepts a symlink from elsewhere that resolves under an allowed root', () => {
    expect(localRepositoryProblem(join(base, 'elsewhere/to-shop'), policy)).toBeNull();
  });

  it('refuses paths and file:// URLs outside the allowed roots, naming the rule', () => {
    expect(localRepositoryProblem(join(base, 'elsewhere/secret'), policy)).toMatch(RULE);
    expect(localRepositoryProblem('file:///etc', policy)).toBe(
      `resolves to /etc, outside the allowed directories (${join(base, 'allowed')}:/nonexistent-root): local repositories (file:// URLs and paths) are allowed only under a directory listed in QATRON_LOCAL_REPO_ROOTS, and never inside QATRON_HOME or a worker directory`,
    );
    expect(localRepositoryProblem(`${join(base, 'allowed')}/../elsewhere/secret`, policy)).toMatch(/^resolves to .*elsewhere\/secret, outside/);
  });

  it('refuses a symlink under an allowed root that escapes it', () => {
    expect(localRepositoryProblem(join(base, 'allowed/escape'), policy)).toMatch(/^resolves to .*elsewhere\/secret, outside the allowed directories/);
  });

  it('refuses QATRON_HOME and the worker directory even under an allowed root', () => {
    expect(localRepositoryProblem(join(base, 'allowed/home/worker/git/7'), policy)).toMatch(/^is inside QAtron's own data \(.*allowed\/home\)/);
    expect(localRepositoryProblem(`file://${join(base, 'allowed/worker-dir/git/3')}`, policy)).toMatch(/^is inside QAtron's own data \(.*allowed\/worker-dir\)/);
    expect(localRepositoryProblem(join(base, 'allowed/worker-dir'), policy)).toMatch(RULE);
  });

  it('refuses a path that does not exist, and every local path when no root is configured', () => {
    expect(localRepositoryProblem(join(base, 'allowed/missing'), policy)).toMatch(/^names a local path that does not exist/);
    expect(localRepositoryProblem(join(base, 'allowed/shop'), localRepositoryPolicy(loadConfig({})))).toMatch(/^is a local repository and none are allowed on this installation/);
  });
});
