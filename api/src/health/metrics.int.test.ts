import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunArtifact, type Run } from '@qatron/domain';
import { buildProject, buildRun, buildSuite, buildEnvironment } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '../testing/harness.js';

const SCRAPE_TOKEN = 'scrape-token-for-the-metrics-test-0123456789';

let api: TestApi;
let viewerToken: string;

beforeAll(async () => {
  api = await startTestApi({ METRICS_TOKEN: SCRAPE_TOKEN });
  viewerToken = (await api.userWithToken('viewer')).token;
});
afterAll(() => api.close());

const scrape = async (token = SCRAPE_TOKEN) => {
  const res = await api.request<string>('GET', '/metrics', { token });
  expect(res.status).toBe(200);
  return res.body;
};

/** The value of one sample line, e.g. `qatron_runs{status="queued"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('answers 401 without a token or with a wrong one', async () => {
    for (const token of [undefined, 'not-the-scrape-token', SCRAPE_TOKEN + 'x']) {
      const res = await api.request('GET', '/metrics', token ? { token } : {});
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('unauthorized');
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it('answers the Prometheus text format to the scrape token', async () => {
    const res = await api.request<string>('GET', '/metrics', { token: SCRAPE_TOKEN });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('# TYPE qatron_http_request_duration_seconds histogram');
    expect(res.body).toContain('qatron_api_process_cpu_user_seconds_total');
  });

  it('answers to any valid user token too', async () => {
    const res = await api.request<string>('GET', '/metrics', { token: viewerToken });
    expect(res.status).toBe(200);
    expect(res.body).toContain('# TYPE qatron_runs gauge');
  });

  it('labels request latency with the route pattern, never the raw path', async () => {
    expect((await api.request('GET', '/api/v1/auth/me', { token: viewerToken })).status).toBe(200);
    expect((await api.request('GET', '/api/v1/infrastructure/4242', { token: viewerToken })).status).toBe(404);
    expect((await api.request('GET', '/no/such/path/4242')).status).toBe(404);
    const text = await scrape();
    expect(text).toMatch(/^qatron_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/api\/v1\/auth\/me",status="200"\} \d+$/m);
    expect(sample(text, 'qatron_http_request_duration_seconds_count{method="GET",route="/api/v1/auth/me",status="200"}')).toBeGreaterThanOrEqual(1);
    expect(text).toContain('route="/api/v1/infrastructure/:id",status="404"');
    expect(text).toContain('route="unmatched",status="404"');
    expect(text).not.toMatch(/route="[^"]*4242/);
  });

  it('counts runs by status from the database at scrape time', async () => {
    const em = api.orm.em.fork();
    const project = await buildProject(em, { organization: api.organization });
    const suite = await buildSuite(em, { project });
    const environment = await buildEnvironment(em, { project });
    for (let i = 0; i < 3; i++) await buildRun(em, { project, suite, environment, status: 'queued' });
    for (let i = 0; i < 2; i++) await buildRun(em, { project, suite, environment, status: 'failed' });
    const text = await scrape();
    expect(sample(text, 'qatron_runs{status="queued"}')).toBe(3);
    expect(sample(text, 'qatron_runs{status="failed"}')).toBe(2);
    expect(sample(text, 'qatron_runs{status="completed"}')).toBe(0);

    await buildRun(em, { project, suite, environment, status: 'queued' });
    expect(sample(await scrape(), 'qatron_runs{status="queued"}')).toBe(4);
  });

  it('reads runs by project, suite and status, tests of the last 24 h by outcome and artifact bytes from the database', async () => {
    const em = api.orm.em.fork();
    const project = await buildProject(em, { organization: api.organization, name: 'metrics-shop' });
    const suite = await buildSuite(em, { project, name: 'checkout' });
    const environment = await buildEnvironment(em, { project });
    /** A finished run with its counts, `hoursAgo` before now. */
    const finished = async (status: 'completed' | 'failed', counts: Partial<Pick<Run, 'passedTests' | 'failedTests' | 'errorTests' | 'skippedTests'>>, hoursAgo: number) => {
      const run = await buildRun(em, { project, suite, environment, status });
      Object.assign(run, counts, { completedAt: new Date(Date.now() - hoursAgo * 3600_000) });
      await em.flush();
      return run;
    };
    const recent = await finished('completed', { passedTests: 9, skippedTests: 1 }, 1);
    await finished('failed', { passedTests: 7, failedTests: 2, errorTests: 1 }, 2);
    await finished('failed', { passedTests: 100, failedTests: 50 }, 30);
    await em.persist([
      new RunArtifact(api.organization.id, recent.id, 'junit', `${api.organization.id}/m/junit.xml`, 'junit.xml', 'application/xml', 1200),
      new RunArtifact(api.organization.id, recent.id, 'log', `${api.organization.id}/m/shard-0.log`, 'shard-0.log', 'text/plain', 34),
    ]).flush();

    const text = await scrape();
    const named = `organization="${api.organization.slug}",project="metrics-shop"`;
    expect(sample(text, `qatron_project_runs{${named},suite="checkout",status="completed"}`)).toBe(1);
    expect(sample(text, `qatron_project_runs{${named},suite="checkout",status="failed"}`)).toBe(2);
    // The run of 30 hours ago is outside the window.
    const outcomes = Object.fromEntries(['passed', 'failed', 'error', 'skipped', 'xfailed', 'xpassed'].map((o) => [o, sample(text, `qatron_tests_last_24h{${named},suite="checkout",outcome="${o}"}`)]));
    expect(outcomes).toEqual({ passed: 16, failed: 2, error: 1, skipped: 1, xfailed: 0, xpassed: 0 });
    expect(sample(text, `qatron_artifact_bytes_stored{${named}}`)).toBe(1234);
    expect(text).not.toMatch(/run_id=|run="\d/);
  });
});
