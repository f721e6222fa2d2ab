import { execFileSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Run, RunArtifact, runPrefix, type Project } from '@qatron/domain';
import { storeRunArtifact, storeRunDirectory, type RunArtifactInput } from '@qatron/domain';
import { buildOrganization, buildProject, buildRun, buildServiceToken, buildUser } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '../testing/harness.js';
import { ArtifactPage } from './schema.js';

let api: TestApi;
let viewerToken: string;
let scratch: string;

beforeAll(async () => {
  api = await startTestApi();
  ({ token: viewerToken } = await api.userWithToken('viewer'));
  scratch = await mkdtemp(join(tmpdir(), 'qatron-artifacts-api-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
  await api.close();
});

const em = () => api.orm.em.fork();

/** Stores artifacts of `run` through the domain, as the worker does, into the test API's store. */
async function stored(run: Run, ...inputs: RunArtifactInput[]): Promise<RunArtifact[]> {
  const fork = em();
  const artifacts: RunArtifact[] = [];
  for (const input of inputs) artifacts.push(await storeRunArtifact(fork, api.store, run, input));
  await fork.flush();
  return artifacts;
}

async function runInDefaultOrg(project?: Project): Promise<Run> {
  return buildRun(em(), { project: project ?? (await buildProject(em(), { organization: api.organization })) });
}

/** GET over a raw socket: the bytes exactly as sent, and a path that no client normalises first. */
function rawGet(path: string, token?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const url = new URL(api.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: 'GET', headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const download = (runId: number, artifactId: number | string, token = viewerToken) => rawGet(`/api/v1/runs/${runId}/artifacts/${artifactId}/download`, token);

describe('GET /api/v1/runs/:id/artifacts', () => {
  it('lists every artifact of the run in storage order, with download URLs, and only that run', async () => {
    const run = await runInDefaultOrg();
    const other = await runInDefaultOrg();
    const [junit0, log1, report] = await stored(
      run,
      { kind: 'junit', relativePath: 'shards/0/junit.xml', body: '<testsuite/>', contentType: 'application/xml', shardIndex: 0 },
      { kind: 'log', relativePath: 'shards/1/pytest.log', body: 'collected 3 items\n', contentType: 'text/plain; charset=utf-8', shardIndex: 1 },
      { kind: 'allure_report', relativePath: 'allure-report.zip', body: randomBytes(300), contentType: 'application/zip' },
    );
    await stored(other, { kind: 'junit', relativePath: 'shards/0/junit.xml', body: '<other/>', contentType: 'application/xml', shardIndex: 0 });

    const res = await api.request('GET', `/api/v1/runs/${run.id}/artifacts`, { token: viewerToken });
    expect(res.status).toBe(200);
    expect(ArtifactPage.parse(res.body)).toEqual(res.body);
    const item = (a: RunArtifact, name: string, kind: string, contentType: string, size: number, shard: number | null) => ({
      id: a.id,
      kind,
      name,
      content_type: contentType,
      size_bytes: size,
      shard_index: shard,
      created_at: a.createdAt.toISOString(),
      download_url: `/api/v1/runs/${run.id}/artifacts/${a.id}/download`,
    });
    expect(res.body).toEqual({
      items: [
        item(junit0!, 'junit.xml', 'junit', 'application/xml', 12, 0),
        item(log1!, 'pytest.log', 'log', 'text/plain; charset=utf-8', 18, 1),
        item(report!, 'allure-report.zip', 'allure_report', 'application/zip', 300, null),
      ],
      total: 3,
      limit: 50,
      offset: 0,
      artifacts_deleted: false,
    });
    expect(junit0!.storageKey).toBe(`${runPrefix(run)}shards/0/junit.xml`);
  });

  it('filters by kind and by shard, and pages', async () => {
    const run = await runInDefaultOrg();
    const [j0, j1, l0] = await stored(
      run,
      { kind: 'junit', relativePath: 'shards/0/junit.xml', body: 'a', contentType: 'application/xml', shardIndex: 0 },
      { kind: 'junit', relativePath: 'shards/1/junit.xml', body: 'b', contentType: 'application/xml', shardIndex: 1 },
      { kind: 'log', relativePath: 'shards/0/pytest.log', body: 'c', contentType: 'text/plain', shardIndex: 0 },
      { kind: 'coverage_xml', relativePath: 'coverage.xml', body: 'd', contentType: 'application/xml' },
    );
    const ids = async (query: string) => {
      const res = await api.request('GET', `/api/v1/runs/${run.id}/artifacts${query}`, { token: viewerToken });
      expect(res.status).toBe(200);
      return { ids: res.body.items.map((i: { id: number }) => i.id), total: res.body.total };
    };
    expect(await ids('?kind=junit')).toEqual({ ids: [j0!.id, j1!.id], total: 2 });
    expect(await ids('?shard=0')).toEqual({ ids: [j0!.id, l0!.id], total: 2 });
    expect(await ids('?kind=junit&shard=1')).toEqual({ ids: [j1!.id], total: 1 });
    expect(await ids('?kind=screenshot')).toEqual({ ids: [], total: 0 });
    expect(await ids('?limit=2&offset=1')).toEqual({ ids: [j1!.id, l0!.id], total: 4 });
  });

  it('answers 422 naming the field for an unknown kind or a negative shard', async () => {
    const run = await runInDefaultOrg();
    const kind = await api.request('GET', `/api/v1/runs/${run.id}/artifacts?kind=passwords`, { token: viewerToken });
    expect(kind.status).toBe(422);
    expect(kind.body.errors.map((e: { field: string }) => e.field)).toEqual(['query.kind']);
    const shard = await api.request('GET', `/api/v1/runs/${run.id}/artifacts?shard=-1`, { token: viewerToken });
    expect(shard.status).toBe(422);
    expect(shard.body.errors.map((e: { field: string }) => e.field)).toEqual(['query.shard']);
  });

  it('says artifacts_deleted, with no items, after retention', async () => {
    const run = await runInDefaultOrg();
    await stored(run, { kind: 'log', relativePath: 'run.log', body: 'x', contentType: 'text/plain' });
    // Retention (PRD 13.2): the objects and rows go, the run stays with the flag set.
    await api.store.deletePrefix(runPrefix(run));
    await em().nativeDelete(RunArtifact, { run: run.id });
    await em().nativeUpdate(Run, { id: run.id }, { artifactsDeleted: true, artifactsDeletedAt: new Date('2026-01-02T03:04:05Z') });

    const res = await api.request('GET', `/api/v1/runs/${run.id}/artifacts`, { token: viewerToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], total: 0, limit: 50, offset: 0, artifacts_deleted: true });
  });

  it('answers 401 without a token', async () => {
    const run = await runInDefaultOrg();
    const res = await api.request('GET', `/api/v1/runs/${run.id}/artifacts`);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('unauthorized');
  });

  it("answers 404 for another organization's run and for a run outside a project-scoped token's project", async () => {
    const otherOrg = await buildOrganization(em());
    const foreignRun = await buildRun(em(), { project: await buildProject(em(), { organization: otherOrg }) });
    await stored(foreignRun, { kind: 'log', relativePath: 'run.log', body: 'secret', contentType: 'text/plain' });
    const res = await api.request('GET', `/api/v1/runs/${foreignRun.id}/artifacts`, { token: viewerToken });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('not_found');

    const projectA = await buildProject(em(), { organization: api.organization });
    const projectB = await buildProject(em(), { organization: api.organization });
    const runB = await runInDefaultOrg(projectB);
    const runA = await runInDefaultOrg(projectA);
    const { token } = await buildServiceToken(em(), { organization: api.organization, project: projectA, role: 'viewer' });
    expect((await api.request('GET', `/api/v1/runs/${runB.id}/artifacts`, { token })).status).toBe(404);
    expect((await api.request('GET', `/api/v1/runs/${runA.id}/artifacts`, { token })).status).toBe(200);
  });

  it('answers 404 for a run that does not exist', async () => {
    const res = await api.request('GET', '/api/v1/runs/999999999/artifacts', { token: viewerToken });
    expect(res.status).toBe(404);
  });
});

describe('GET /api/v1/runs/:id/artifacts/:artifactId/download', () => {
  it('streams the exact bytes with their content type, length and an attachment disposition', async () => {
    const run = await runInDefaultOrg();
    const bytes = randomBytes(3 * 1024 * 1024 + 5);
    const file = join(scratch, 'screenshot.png');
    await writeFile(file, bytes);
    const [shot] = await stored(run, { kind: 'screenshot', relativePath: 'shards/2/screenshots/login.png', filePath: file, contentType: 'image/png', shardIndex: 2 });

    const res = await download(run.id, shot!.id);
    expect(res.status).toBe(200);
    expect(res.body.equals(bytes)).toBe(true);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-length']).toBe(String(bytes.length));
    expect(res.headers['content-disposition']).toBe(`attachment; filename="login.png"; filename*=UTF-8''login.png`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
  });

  it('keeps a text content type exactly as stored (no charset added)', async () => {
    const run = await runInDefaultOrg();
    const [log] = await stored(run, { kind: 'log', relativePath: 'pytest.log', body: 'line 1\nline 2\n', contentType: 'text/plain' });
    const res = await download(run.id, log!.id);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.body.toString()).toBe('line 1\nline 2\n');
  });

  it('offers Unicode file names through filename* and an ASCII stand-in through filename', async () => {
    const run = await runInDefaultOrg();
    const [resume, cjk, quoted] = await stored(
      run,
      { kind: 'other', relativePath: 'files/resume.pdf', name: 'Résumé (final).pdf', body: '%PDF', contentType: 'application/pdf' },
      { kind: 'screenshot', relativePath: 'files/cjk.png', name: 'ログイン画面.png', body: 'png', contentType: 'image/png' },
      { kind: 'log', relativePath: 'files/quoted.log', name: 'say "hi"\\100%.log', body: 'hi', contentType: 'text/plain' },
    );
    expect((await download(run.id, resume!.id)).headers['content-disposition']).toBe(
      `attachment; filename="Resume (final).pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%28final%29.pdf`,
    );
    expect((await download(run.id, cjk!.id)).headers['content-disposition']).toBe(
      `attachment; filename="artifact.png"; filename*=UTF-8''%E3%83%AD%E3%82%B0%E3%82%A4%E3%83%B3%E7%94%BB%E9%9D%A2.png`,
    );
    expect((await download(run.id, quoted!.id)).headers['content-disposition']).toBe(
      `attachment; filename="say _hi__100_.log"; filename*=UTF-8''say%20%22hi%22%5C100%25.log`,
    );
  });

  it('answers 401 without a token', async () => {
    const run = await runInDefaultOrg();
    const [log] = await stored(run, { kind: 'log', relativePath: 'run.log', body: 'x', contentType: 'text/plain' });
    const res = await rawGet(`/api/v1/runs/${run.id}/artifacts/${log!.id}/download`);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body.toString()).code).toBe('unauthorized');
  });

  it("answers 404 for another organization's artifact and outside a project-scoped token's project", async () => {
    const otherOrg = await buildOrganization(em());
    const foreignRun = await buildRun(em(), { project: await buildProject(em(), { organization: otherOrg }) });
    const [secret] = await stored(foreignRun, { kind: 'log', relativePath: 'run.log', body: 'secret', contentType: 'text/plain' });
    const foreign = await download(foreignRun.id, secret!.id);
    expect(foreign.status).toBe(404);
    expect(foreign.body.toString()).not.toContain('secret');

    // A user of the other organization sees it; the default organization's viewer did not.
    const outsider = await buildUser(em(), { organization: otherOrg, role: 'viewer', password: 'password123' });
    const outsiderToken = await api.login(outsider.username, 'password123');
    expect((await download(foreignRun.id, secret!.id, outsiderToken)).body.toString()).toBe('secret');

    const projectA = await buildProject(em(), { organization: api.organization });
    const runB = await runInDefaultOrg();
    const [logB] = await stored(runB, { kind: 'log', relativePath: 'run.log', body: 'b', contentType: 'text/plain' });
    const { token } = await buildServiceToken(em(), { organization: api.organization, project: projectA, role: 'viewer' });
    expect((await download(runB.id, logB!.id, token)).status).toBe(404);
  });

  it("answers 404 for an artifact of another run, even of the caller's own organization", async () => {
    const run = await runInDefaultOrg();
    const other = await runInDefaultOrg();
    const [otherLog] = await stored(other, { kind: 'log', relativePath: 'run.log', body: 'other', contentType: 'text/plain' });
    const res = await download(run.id, otherLog!.id);
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body.toString())).toMatchObject({ status: 404, code: 'not_found' });
    expect((await download(run.id, 999999999)).status).toBe(404);
  });

  it('answers 410 artifacts_deleted once retention removed the run artifacts', async () => {
    const run = await runInDefaultOrg();
    const [log] = await stored(run, { kind: 'log', relativePath: 'run.log', body: 'x', contentType: 'text/plain' });
    await em().nativeUpdate(Run, { id: run.id }, { artifactsDeleted: true, artifactsDeletedAt: new Date('2026-01-02T03:04:05Z') });
    const res = await download(run.id, log!.id);
    expect(res.status).toBe(410);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(res.body.toString())).toEqual({
      type: 'https://qatron.dev/problems/artifacts_deleted',
      title: 'Gone',
      status: 410,
      detail: `The artifacts of run ${run.id} were deleted by the retention policy on 2026-01-02T03:04:05.000Z; the run's results are kept`,
      code: 'artifacts_deleted',
      instance: `/api/v1/runs/${run.id}/artifacts/${log!.id}/download`,
    });
  });

  it('answers 404 artifact_missing, not 500, when the row exists but the object does not', async () => {
    const run = await runInDefaultOrg();
    const [log] = await stored(run, { kind: 'log', relativePath: 'vanished.log', body: 'x', contentType: 'text/plain' });
    await api.store.deletePrefix(runPrefix(run));
    const res = await download(run.id, log!.id);
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body.toString())).toMatchObject({ status: 404, code: 'artifact_missing' });
  });

  it('cannot be steered to a path: encoded or literal traversal answers 422 or 404', async () => {
    const run = await runInDefaultOrg();
    const [log] = await stored(run, { kind: 'log', relativePath: 'run.log', body: 'x', contentType: 'text/plain' });
    const attempts: [string, number][] = [
      [`/api/v1/runs/${run.id}/artifacts/..%2F..%2Fetc%2Fpasswd/download`, 422],
      [`/api/v1/runs/${run.id}/artifacts/%2Fetc%2Fpasswd/download`, 422],
      [`/api/v1/runs/${run.id}/artifacts/${log!.id}%2F..%2F..%2Fetc%2Fpasswd/download`, 422],
      [`/api/v1/runs/${run.id}/artifacts/..%5C..%5Cwindows%5Cwin.ini/download`, 422],
      [`/api/v1/runs/${run.id}/artifacts/${encodeURIComponent(runPrefix(run) + 'run.log')}/download`, 422],
      [`/api/v1/runs/${run.id}/artifacts/1e3/download`, 404],
      [`/api/v1/runs/..%2F${run.id}/artifacts/${log!.id}/download`, 422],
      [`/api/v1/runs/${run.id}/artifacts/../../etc/passwd/download`, 404],
      [`/api/v1/runs/${run.id}/artifacts/${log!.id}/../../../../etc/passwd`, 404],
    ];
    for (const [path, status] of attempts) {
      const res = await rawGet(path, viewerToken);
      expect(res.status, path).toBe(status);
      expect(res.headers['content-type'], path).toBe('application/problem+json');
      expect(res.body.toString(), path).not.toContain('root:');
    }
  });
});

/** The names and contents of a zip, read by Python's zipfile (an independent reader). */
async function unzip(bytes: Buffer): Promise<Record<string, string>> {
  const file = join(scratch, `${randomBytes(4).toString('hex')}.zip`);
  await writeFile(file, bytes);
  const out = execFileSync('python3', ['-c', 'import json,sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print(json.dumps({n: z.read(n).decode() for n in z.namelist()}))', file], { encoding: 'utf8' });
  return JSON.parse(out) as Record<string, string>;
}

describe('GET /api/v1/runs/:id/artifacts/download?kind=', () => {
  async function runWithEverything() {
    const run = await runInDefaultOrg();
    const report = join(scratch, `report-${run.id}`);
    await mkdir(join(report, 'data'), { recursive: true });
    await writeFile(join(report, 'index.html'), '<html>report</html>');
    await writeFile(join(report, 'data', 'tests.json'), '{"tests": 2}');
    const fork = em();
    await storeRunDirectory(fork, api.store, run, { kind: 'allure_report', relativeDir: 'allure-report', localDir: report });
    await fork.flush();
    await stored(
      run,
      { kind: 'junit', relativePath: 'shards/0/attempt-1/junit.xml', body: '<testsuite name="0"/>', contentType: 'application/xml', shardIndex: 0 },
      { kind: 'junit', relativePath: 'shards/1/attempt-2/junit.xml', body: '<testsuite name="1"/>', contentType: 'application/xml', shardIndex: 1 },
      { kind: 'log', relativePath: 'shards/0/attempt-1/pytest.log', body: 'log 0', contentType: 'text/plain', shardIndex: 0 },
      { kind: 'coverage_xml', relativePath: 'coverage/coverage.xml', body: '<coverage line-rate="0.5"/>', contentType: 'application/xml' },
    );
    return run;
  }
  const archive = (runId: number, kind?: string, token = viewerToken) => rawGet(`/api/v1/runs/${runId}/artifacts/download${kind ? `?kind=${kind}` : ''}`, token);

  it('zips one group: JUnit of every shard in shard folders', async () => {
    const run = await runWithEverything();
    const res = await archive(run.id, 'junit');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toContain(`run-${run.id}-junit.zip`);
    expect(await unzip(res.body)).toEqual({ 'shard-0/junit.xml': '<testsuite name="0"/>', 'shard-1/junit.xml': '<testsuite name="1"/>' });
  });

  it('zips the Allure report directory, coverage, logs, and everything', async () => {
    const run = await runWithEverything();
    expect(await unzip((await archive(run.id, 'report')).body)).toEqual({ 'allure-report/index.html': '<html>report</html>', 'allure-report/data/tests.json': '{"tests": 2}' });
    expect(await unzip((await archive(run.id, 'coverage')).body)).toEqual({ 'coverage.xml': '<coverage line-rate="0.5"/>' });
    expect(Object.keys(await unzip((await archive(run.id, 'logs')).body))).toEqual(['shard-0/pytest.log']);
    expect(Object.keys(await unzip((await archive(run.id)).body)).sort()).toEqual([
      'allure-report/data/tests.json',
      'allure-report/index.html',
      'coverage.xml',
      'shard-0/junit.xml',
      'shard-0/pytest.log',
      'shard-1/junit.xml',
    ]);
  });

  it('downloads a report directory artifact on its own as a zip', async () => {
    const run = await runWithEverything();
    const [report] = await em().find(RunArtifact, { run: run.id, kind: 'allure_report' });
    expect(report!.storageKey).toBe(`${runPrefix(run)}allure-report/`);
    const res = await download(run.id, report!.id);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toContain('allure-report.zip');
    expect(await unzip(res.body)).toEqual({ 'index.html': '<html>report</html>', 'data/tests.json': '{"tests": 2}' });
  });

  it('answers 404 no_artifacts for an empty group, 410 after retention, 422 for an unknown kind, 401 without a token', async () => {
    const run = await runInDefaultOrg();
    const empty = await archive(run.id, 'report');
    expect(empty.status).toBe(404);
    expect(JSON.parse(empty.body.toString()).code).toBe('no_artifacts');
    expect((await archive(run.id, 'screenshots')).status).toBe(422);
    const other = await runWithEverything();
    await em().nativeUpdate(Run, { id: other.id }, { artifactsDeleted: true });
    const gone = await archive(other.id, 'junit');
    expect(gone.status).toBe(410);
    expect((await rawGet(`/api/v1/runs/${run.id}/artifacts/download`)).status).toBe(401);
  });

  it("answers 404 for another organization's run", async () => {
    const foreign = await buildRun(em(), { project: await buildProject(em(), { organization: await buildOrganization(em()) }) });
    expect((await archive(foreign.id, 'all')).status).toBe(404);
  });
});
