import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAllureReport } from '@qatron/activities/reporting/allure';
import { writeAllureResults } from '@qatron/activities/testing/allure-results';
import { contentTypeFor, Run, RunArtifact, runPrefix, type Project } from '@qatron/domain';
import { storeRunArtifact, storeRunDirectory } from '@qatron/domain/artifacts/run-artifacts';
import { buildEnvironment, buildOrganization, buildProject, buildRun, buildSuite, buildUser } from '@qatron/domain/testing';
import { RunOut } from '../runs/schema.js';
import { startTestApi, type TestApi } from '../testing/harness.js';
import { REPORT_CONTENT_SECURITY_POLICY } from './files.js';
import { REPORT_COOKIE } from './routes.js';

let api: TestApi;
let viewerToken: string;

beforeAll(async () => {
  api = await startTestApi();
  ({ token: viewerToken } = await api.userWithToken('viewer'));
});
afterAll(() => api.close());

const em = () => api.orm.em.fork();

/** What the report generator leaves in a run's `allure-report/`: the page and, for a multi-file report, its data. */
const REPORT_FILES = {
  'index.html': '<!DOCTYPE html><html><head><title> shop · smoke · staging </title></head><body><div id="app"></div></body></html>\n',
  'summary.json': '{"stats":{"total":2,"passed":2}}',
  'data/test-results/041b138e79c0194a1f508827fded1134.json': '{"name":"test_empty_cart_has_zero_total","status":"passed"}',
  'app-b3323b2606f19801ef1b.js': 'window.allure = window.allure || {};\n',
};

async function runInDefaultOrg(project?: Project): Promise<Run> {
  return buildRun(em(), { project: project ?? (await buildProject(em(), { organization: api.organization })), status: 'completed' });
}

/**
 * Stores a report the way the reporting activity does: its files under `{run prefix}allure-report/`
 * and one `allure_report` row for the whole directory, keyed by that prefix.
 */
async function withReport(run: Run, files: Record<string, string> = REPORT_FILES): Promise<string> {
  const prefix = `${runPrefix(run)}allure-report/`;
  let size = 0;
  for (const [path, body] of Object.entries(files)) size += (await api.store.put(prefix + path, body, 'application/octet-stream')).sizeBytes;
  const fork = em();
  fork.persist(new RunArtifact(run.organization, run.id, 'allure_report', prefix, 'allure-report', 'text/html', size));
  await fork.flush();
  return prefix;
}

/** `report_url` as GET /api/v1/runs/:id answers it to a viewer. */
async function reportUrlOf(runId: number): Promise<string> {
  const res = await api.request('GET', `/api/v1/runs/${runId}`, { token: viewerToken });
  expect(res.status).toBe(200);
  return res.body.report_url as string;
}

/** A plain browser-like GET: no Authorization header, cookies only when given, redirects not followed. */
function browserGet(path: string, cookie?: string): Promise<Response> {
  return fetch(api.url + path, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
}

const tokenOf = (url: string) => new URL(url, 'http://x').searchParams.get('token')!;
const cookieOf = (res: Response) => res.headers.get('set-cookie')!.split(';')[0]!;

describe('report_url', () => {
  it('is null until the run has a report, then a path with a report token; in the list only for runs with a report', async () => {
    const project = await buildProject(em(), { organization: api.organization });
    const targets = { project, suite: await buildSuite(em(), { project }), environment: await buildEnvironment(em(), { project }) };
    const without = await buildRun(em(), targets);
    const withIt = await buildRun(em(), targets);
    expect(await reportUrlOf(without.id)).toBeNull();
    await withReport(withIt);

    const res = await api.request('GET', `/api/v1/runs/${withIt.id}`, { token: viewerToken });
    expect(RunOut.parse(res.body)).toEqual(res.body);
    expect(res.body.report_url).toMatch(new RegExp(`^/api/v1/runs/${withIt.id}/report/\\?token=[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
    const claims = await api.server.deps.reportTokens.verify(tokenOf(res.body.report_url));
    expect(claims).toEqual({ runId: withIt.id, organizationId: api.organization.id, expiresAt: expect.any(Date) });
    expect(claims!.expiresAt.getTime() - Date.now()).toBeGreaterThan(3590_000);
    expect(claims!.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(3600_000);

    const list = await api.request('GET', `/api/v1/runs?project_id=${project.id}`, { token: viewerToken });
    expect(list.status).toBe(200);
    expect(list.body.items.map((r: { id: number; report_url: string | null }) => [r.id, r.report_url === null ? null : r.report_url.split('?')[0]])).toEqual([
      [withIt.id, `/api/v1/runs/${withIt.id}/report/`],
      [without.id, null],
    ]);
  });

  it('is null again once retention removed the artifacts', async () => {
    const run = await runInDefaultOrg();
    await withReport(run);
    expect(await reportUrlOf(run.id)).not.toBeNull();
    await em().nativeUpdate(Run, { id: run.id }, { artifactsDeleted: true, artifactsDeletedAt: new Date() });
    expect(await reportUrlOf(run.id)).toBeNull();
  });
});

describe('GET /api/v1/runs/:id/report/', () => {
  it('opens from report_url with a plain fetch: the stored index.html, a report CSP and the report cookie', async () => {
    const run = await runInDefaultOrg();
    await withReport(run);
    const res = await browserGet(await reportUrlOf(run.id));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(REPORT_FILES['index.html']);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(REPORT_FILES['index.html'])));
    expect(res.headers.get('content-security-policy')).toBe(REPORT_CONTENT_SECURITY_POLICY);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(new RegExp(`^${REPORT_COOKIE}=[\\w-]+\\.[\\w-]+\\.[\\w-]+; path=/api/v1/runs/${run.id}/report/; expires=[^;]+; samesite=lax; httponly$`));
  });

  it('serves the files of a multi-file report to the cookie alone, typed by extension', async () => {
    const run = await runInDefaultOrg();
    await withReport(run);
    const opened = await browserGet(await reportUrlOf(run.id));
    const cookie = cookieOf(opened);

    const data = await browserGet(`/api/v1/runs/${run.id}/report/data/test-results/041b138e79c0194a1f508827fded1134.json`, cookie);
    expect(data.status).toBe(200);
    expect(data.headers.get('content-type')).toBe('application/json');
    expect(data.headers.get('cache-control')).toBe('private, max-age=3600');
    expect(await data.json()).toEqual({ name: 'test_empty_cart_has_zero_total', status: 'passed' });
    const script = await browserGet(`/api/v1/runs/${run.id}/report/app-b3323b2606f19801ef1b.js?v=1`, cookie);
    expect([script.status, script.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    // The page itself also opens with the cookie, as when the browser reloads it without the token.
    expect((await browserGet(`/api/v1/runs/${run.id}/report/`, cookie)).status).toBe(200);

    expect((await browserGet(`/api/v1/runs/${run.id}/report/summary.json`)).status).toBe(401);
    const other = await runInDefaultOrg();
    await withReport(other);
    expect((await browserGet(`/api/v1/runs/${other.id}/report/summary.json`, cookie)).status).toBe(401);
  });

  it('serves a bearer-token viewer without setting a cookie', async () => {
    const run = await runInDefaultOrg();
    await withReport(run);
    const res = await api.request('GET', `/api/v1/runs/${run.id}/report/`, { token: viewerToken });
    expect(res.status).toBe(200);
    expect(res.body).toBe(REPORT_FILES['index.html']);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect((await api.request('GET', `/api/v1/runs/${run.id}/report/summary.json`, { token: viewerToken })).status).toBe(200);
  });

  it('reads a report stored as a row keyed by its index.html', async () => {
    const run = await runInDefaultOrg();
    const fork = em();
    await storeRunArtifact(fork, api.store, run, { kind: 'allure_report', relativePath: 'allure-report/index.html', body: '<html>one file</html>', contentType: 'text/html' });
    await fork.flush();
    const res = await browserGet(await reportUrlOf(run.id));
    expect([res.status, await res.text()]).toEqual([200, '<html>one file</html>']);
  });

  it('redirects the path without its trailing slash, keeping the token', async () => {
    const run = await runInDefaultOrg();
    const res = await browserGet(`/api/v1/runs/${run.id}/report?token=abc`);
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe(`/api/v1/runs/${run.id}/report/?token=abc`);
  });

  it('answers 401 to no credentials and to expired, forged, garbled, session and other-run tokens', async () => {
    const run = await runInDefaultOrg();
    await withReport(run);
    const other = await runInDefaultOrg();
    await withReport(other);
    const signer = api.server.deps.reportTokens;
    const { token: otherRunToken } = await signer.sign(other);
    const { token: expired } = await signer.sign(run, new Date(Date.now() - 2 * 3600_000));
    const valid = tokenOf(await reportUrlOf(run.id));
    const [header, , signature] = valid.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ org: api.organization.id, sub: `run:${other.id}`, iss: 'qatron', aud: 'qatron-report', exp: 4102444800 })).toString('base64url')}.${signature}`;

    const path = `/api/v1/runs/${run.id}/report/`;
    const noCredentials = await browserGet(path);
    expect(noCredentials.status).toBe(401);
    expect(await noCredentials.json()).toMatchObject({ code: 'unauthorized', detail: `Open the report through the run's report_url (GET /api/v1/runs/${run.id}), or send Authorization: Bearer <token>` });
    for (const [what, token] of Object.entries({ expired, forged, otherRunToken, garbled: 'abc', session: viewerToken })) {
      const res = await browserGet(`${path}?token=${encodeURIComponent(token)}`);
      expect(res.status, what).toBe(401);
      expect(res.headers.get('set-cookie'), what).toBeNull();
      expect(((await res.json()) as { code: string }).code, what).toBe('unauthorized');
    }
    // The forged token's signature is the valid token's: it is still refused on its own run.
    expect((await browserGet(`/api/v1/runs/${other.id}/report/?token=${forged}`)).status).toBe(401);
    expect((await browserGet(path, `${REPORT_COOKIE}=${expired}`)).status).toBe(401);
    expect((await api.request('GET', path, { token: 'qat_not_a_real_token' })).status).toBe(401);
  });

  it("answers 404 for another organization's run, to a bearer token or a report link", async () => {
    const org = await buildOrganization(em());
    const foreign = await buildRun(em(), { project: await buildProject(em(), { organization: org }) });
    await withReport(foreign);
    const res = await api.request('GET', `/api/v1/runs/${foreign.id}/report/`, { token: viewerToken });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('not_found');
    expect((await api.request('GET', `/api/v1/runs/${foreign.id}`, { token: viewerToken })).status).toBe(404);
    // A link its own organization's viewer got opens it; the same viewer's bearer does not reach ours.
    const owner = await buildUser(em(), { organization: org, role: 'viewer', password: 'password123' });
    const ownerToken = await api.login(owner.username, 'password123');
    const link = (await api.request('GET', `/api/v1/runs/${foreign.id}`, { token: ownerToken })).body.report_url as string;
    expect((await browserGet(link)).status).toBe(200);
    const ours = await runInDefaultOrg();
    await withReport(ours);
    expect((await api.request('GET', `/api/v1/runs/${ours.id}/report/`, { token: ownerToken })).status).toBe(404);
  });

  it('answers 404 report_not_found before the report exists, and 404 for a file it does not have', async () => {
    const run = await runInDefaultOrg();
    const res = await api.request('GET', `/api/v1/runs/${run.id}/report/`, { token: viewerToken });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'report_not_found', detail: `Run ${run.id} has no Allure report; it is generated when the run's shards have finished` });
    expect((await api.request('GET', `/api/v1/runs/999999999/report/`, { token: viewerToken })).body.code).toBe('not_found');

    await withReport(run);
    for (const path of ['data/missing.json', 'data/..%2F..%2Fshards/0/junit.xml', '..%2F..%2F..%2F1', 'data//x', 'caf%C3%A9.html']) {
      const missing = await api.request('GET', `/api/v1/runs/${run.id}/report/${path}`, { token: viewerToken });
      expect(missing.status, path).toBe(404);
      expect(missing.body.code, path).toBe('not_found');
    }
  });

  it("answers 410 artifacts_deleted once retention removed the run's artifacts, also to a link minted before", async () => {
    const run = await runInDefaultOrg();
    await withReport(run);
    const link = await reportUrlOf(run.id);
    await em().nativeUpdate(Run, { id: run.id }, { artifactsDeleted: true, artifactsDeletedAt: new Date('2026-06-01T02:00:00Z') });
    const res = await browserGet(link);
    expect(res.status).toBe(410);
    expect(await res.json()).toMatchObject({
      code: 'artifacts_deleted',
      detail: `The artifacts of run ${run.id}, its Allure report included, were deleted by the retention policy on 2026-06-01T02:00:00.000Z; the run's results are kept`,
    });
    expect((await api.request('GET', `/api/v1/runs/${run.id}/report/`, { token: viewerToken })).status).toBe(410);
  });
});

describe('a generated multi-file report', () => {
  it('is served file by file from the run prefix, each with its content type, to the report cookie', async () => {
    // A real report of files, stored the way the reporting activity stores it (one row for the directory).
    const work = await mkdtemp(join(tmpdir(), 'qatron-report-serving-'));
    try {
      const results = await writeAllureResults(
        join(work, 'results'),
        Array.from({ length: 30 }, (_, i) => ({ nodeId: `tests/test_cart_${i % 3}.py::test_total[${i}]`, status: i % 7 === 0 ? 'failed' : 'passed' }) as const),
      );
      const report = await generateAllureReport({ resultsDirs: [results], outDir: join(work, 'report'), history: null, reportName: 'shop · regression', singleFile: false });
      const run = await runInDefaultOrg();
      const fork = em();
      await storeRunDirectory(fork, api.store, run, { kind: 'allure_report', relativeDir: 'allure-report', localDir: report.reportDir });
      await fork.flush();

      const opened = await browserGet(await reportUrlOf(run.id));
      expect(opened.status).toBe(200);
      expect(await opened.text()).toBe(await readFile(join(report.reportDir, 'index.html'), 'utf8'));
      const cookie = cookieOf(opened);
      const files = (await readdir(report.reportDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(report.reportDir.length + 1));
      expect(files.length).toBeGreaterThan(60);
      for (const file of files) {
        const res = await browserGet(`/api/v1/runs/${run.id}/report/${file.split('/').map(encodeURIComponent).join('/')}?v=1`, cookie);
        expect([file, res.status, res.headers.get('content-type')]).toEqual([file, 200, contentTypeFor(file)]);
        expect(Buffer.from(await res.arrayBuffer()).equals(await readFile(join(report.reportDir, file))), file).toBe(true);
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});

describe('report tokens elsewhere', () => {
  it('are refused by every other endpoint, as a bearer token, a query token or a cookie', async () => {
    const run = await runInDefaultOrg();
    await withReport(run);
    const token = tokenOf(await reportUrlOf(run.id));
    for (const path of [`/api/v1/runs/${run.id}`, '/api/v1/auth/me', '/api/v1/runs', `/api/v1/runs/${run.id}/artifacts`, '/api/v1/openapi.json']) {
      expect((await api.request('GET', path, { token })).status, `bearer ${path}`).toBe(401);
      expect((await browserGet(`${path}?token=${token}`)).status, `query ${path}`).toBe(401);
      expect((await browserGet(path, `${REPORT_COOKIE}=${token}`)).status, `cookie ${path}`).toBe(401);
    }
    expect((await api.request('PUT', `/api/v1/runs/${run.id}`, { token, json: { status: 'cancelled' } })).status).toBe(401);
  });
});
