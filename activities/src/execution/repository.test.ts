import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '@qatron/domain';
import { LOCAL_REPOSITORY_REFUSED, repositoryAccess } from './repository.js';

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'qatron-checkout-check-'));
  mkdirSync(join(base, 'team-a/shop'), { recursive: true });
  mkdirSync(join(base, 'team-b'), { recursive: true });
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('repositoryAccess: the local-repository rule at checkout (issue 13, item 2)', () => {
  it('hands a local repository under this worker’s allowed roots to git', () => {
    const project = new Project(1, 'shop', join(base, 'team-a/shop'));
    expect(repositoryAccess(project, { env: { QATRON_LOCAL_REPO_ROOTS: join(base, 'team-a') } })).toEqual({ access: { repoUrl: project.repoUrl, authMethod: 'none' }, secrets: [] });
  });

  it('refuses, not retryable, a repository allowed at registration once the roots changed', () => {
    const project = new Project(1, 'shop', `file://${join(base, 'team-a/shop')}`);
    const failure = (() => {
      try {
        repositoryAccess(project, { env: { QATRON_LOCAL_REPO_ROOTS: join(base, 'team-b') } });
      } catch (err) {
        return err;
      }
    })();
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: LOCAL_REPOSITORY_REFUSED, nonRetryable: true });
    expect((failure as Error).message).toBe(
      `repository file://${join(base, 'team-a/shop')} resolves to ${join(base, 'team-a/shop')}, outside the allowed directories (${join(base, 'team-b')}): local repositories (file:// URLs and paths) are allowed only under a directory listed in QATRON_LOCAL_REPO_ROOTS, and never inside QATRON_HOME or a worker directory`,
    );
  });

  it('refuses a checkout of the worker’s own directory even under an allowed root', () => {
    const project = new Project(1, 'mirror', join(base, 'team-a/shop'));
    expect(() => repositoryAccess(project, { env: { QATRON_LOCAL_REPO_ROOTS: base, WORKER_DIR: join(base, 'team-a') } })).toThrow(/^repository .* is inside QAtron's own data/);
  });

  it('leaves remote repositories alone', () => {
    const project = new Project(1, 'remote', 'https://github.com/acme/shop.git');
    expect(repositoryAccess(project, { env: {} }).access.repoUrl).toBe('https://github.com/acme/shop.git');
  });
});
