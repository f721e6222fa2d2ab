import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureRepository, type FixtureRepository } from '@qatron/activities/testing/fixture-repo';
import { startEngineStack, type EngineStack } from './testing/stack.js';

/**
 * The local-repository rule at checkout (issue 13 item 2): a project registered while its path was
 * allowed, run by a worker whose QATRON_LOCAL_REPO_ROOTS no longer allows it, ends `infra_failed`
 * with the rule in its reason, and nothing of the repository is cloned.
 */
let stack: EngineStack;
let fixtures: string;
let repo: FixtureRepository;

beforeAll(async () => {
  fixtures = await mkdtemp(join(tmpdir(), 'qatron-local-repo-e2e-'));
  await mkdir(join(fixtures, 'other-root'));
  stack = await startEngineStack();
  // The API allows the temp directory (test default); this worker allows only another directory.
  await stack.startWorker({ name: 'worker-strict', env: { QATRON_LOCAL_REPO_ROOTS: join(fixtures, 'other-root') } });
  repo = await createFixtureRepository(join(fixtures, 'repo'), { variant: 'green' });
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await rm(fixtures, { recursive: true, force: true });
});

describe('local repositories at checkout', () => {
  it('ends a run infra_failed naming the rule when the worker no longer allows the path', async () => {
    const call = (method: string, path: string, json?: unknown) => stack.api.request(method, path, { token: stack.adminToken, ...(json !== undefined ? { json } : {}) });
    const project = await call('POST', '/api/v1/projects', { name: 'moved-roots', repo_url: repo.path });
    expect(project.status).toBe(201);
    await call('POST', `/api/v1/projects/${project.body.id}/environments`, { name: 'staging', kind: 'staging' });
    expect((await call('POST', `/api/v1/projects/${project.body.id}/suites`, { name: 'all' })).status).toBe(201);

    const run = await stack.runToEnd({ project_id: project.body.id, suite: 'all', environment: 'staging' });
    expect(run.status).toBe('infra_failed');
    expect(run.status_reason).toContain(`repository ${repo.path} resolves to ${await realpath(repo.path)}, outside the allowed directories (${join(fixtures, 'other-root')})`);
    expect(run.status_reason).toContain('allowed only under a directory listed in QATRON_LOCAL_REPO_ROOTS');
    expect(run.commit).toBeNull();
  }, 180_000);
});
