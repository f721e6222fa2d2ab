import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../testing/harness.js';

const RULE = 'local repositories (file:// URLs and paths) are allowed only under a directory listed in QATRON_LOCAL_REPO_ROOTS, and never inside QATRON_HOME or a worker directory';
let api: TestApi;
let token: string;
let base: string;
let created = 0;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'qatron-repo-roots-'));
  for (const dir of ['repos/shop', 'repos/home/worker/git/1', 'other/secret']) await mkdir(join(base, dir), { recursive: true });
  await symlink(join(base, 'other/secret'), join(base, 'repos/escape'));
  api = await startTestApi({ QATRON_LOCAL_REPO_ROOTS: join(base, 'repos'), QATRON_HOME: join(base, 'repos/home') });
  token = await api.login('admin', 'admin');
});
afterAll(async () => {
  await api?.close();
  await rm(base, { recursive: true, force: true });
});

const create = (repo_url: string) => api.request('POST', '/api/v1/projects', { token, json: { name: `local-${++created}`, repo_url } });

describe('local repositories on registration (issue 13, item 2)', () => {
  it('registers a path and a file:// URL under QATRON_LOCAL_REPO_ROOTS', async () => {
    expect((await create(join(base, 'repos/shop'))).status).toBe(201);
    expect((await create(`file://${join(base, 'repos/shop')}`)).status).toBe(201);
  });

  it.each([
    ['file:///etc', 'resolves to /etc, outside the allowed directories'],
    ['/etc', 'resolves to /etc, outside the allowed directories'],
    ['<base>/repos/escape', 'resolves to <base>/other/secret, outside the allowed directories'],
    ['<base>/repos/home/worker/git/1', "is inside QAtron's own data (<base>/repos/home)"],
    ['<base>/repos/missing', 'names a local path that does not exist'],
  ])('refuses %s with 422 naming the rule', async (url, why) => {
    const res = await create(url.replace('<base>', base));
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].field).toBe('repo_url');
    expect(res.body.errors[0].message.startsWith(why.replaceAll('<base>', base))).toBe(true);
    expect(res.body.errors[0].message.endsWith(RULE)).toBe(true);
  });

  it('applies the same rule when a project is updated to a local path', async () => {
    const project = await create('https://git.example.test/shop.git');
    expect(project.status).toBe(201);
    const res = await api.request('PUT', `/api/v1/projects/${project.body.id}`, { token, json: { repo_url: 'file:///etc' } });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].field).toBe('repo_url');
    const allowed = await api.request('PUT', `/api/v1/projects/${project.body.id}`, { token, json: { repo_url: join(base, 'repos/shop') } });
    expect(allowed.status).toBe(200);
    expect(allowed.body.repo_url).toBe(join(base, 'repos/shop'));
  });
});
