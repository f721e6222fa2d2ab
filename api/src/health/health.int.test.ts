import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { freePort } from '@qatron/scripts/testing/ports';
import { startTestApi, type TestApi } from '../testing/harness.js';

/** NFR-AVAIL-01, NFR-SEC-06: liveness and readiness answer without authentication. */
describe('with a reachable Temporal', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ TEMPORAL_ADDRESS: inject('temporalAddress') });
  });
  afterAll(() => api.close());

  it('GET /healthz answers ok without a token', async () => {
    const res = await api.request('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers ready with both checks passing, without a token', async () => {
    const res = await api.request('GET', '/readyz');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ready');
    expect(res.body.checks.database).toEqual({ ok: true });
    expect(res.body.checks.temporal).toMatchObject({ ok: true, detail: `${inject('temporalAddress')} (namespace default)` });
    expect(Object.keys(res.body.checks).sort()).toEqual(['database', 'temporal']);
  });

  it('stays ready on repeated probes (the Temporal connection is reused)', async () => {
    for (let i = 0; i < 3; i++) expect((await api.request('GET', '/readyz')).status).toBe(200);
  });
});

describe('with Temporal unreachable', () => {
  let api: TestApi;
  let address: string;
  beforeAll(async () => {
    // A port that was free a moment ago: nothing listens there, so connecting is refused.
    address = `127.0.0.1:${await freePort()}`;
    api = await startTestApi({ TEMPORAL_ADDRESS: address });
  });
  afterAll(() => api.close());

  it('GET /readyz answers 503 naming the temporal check, with the database still ok', async () => {
    const res = await api.request('GET', '/readyz');
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('unready');
    expect(res.body.checks.database).toEqual({ ok: true });
    expect(res.body.checks.temporal.ok).toBe(false);
    expect(res.body.checks.temporal.detail).toEqual(expect.any(String));
    expect(res.body.checks.temporal.detail.length).toBeGreaterThan(0);
  });

  it('GET /healthz still answers 200: liveness does not depend on Temporal', async () => {
    expect((await api.request('GET', '/healthz')).status).toBe(200);
  });
});

describe('without TEMPORAL_ADDRESS', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('GET /readyz answers 503 and says Temporal is not configured', async () => {
    const res = await api.request('GET', '/readyz');
    expect(res.status).toBe(503);
    expect(res.body.checks).toEqual({ database: { ok: true }, temporal: { ok: false, detail: 'TEMPORAL_ADDRESS is not configured' } });
  });
});
