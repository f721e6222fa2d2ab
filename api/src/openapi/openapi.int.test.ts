import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../testing/harness.js';

/** Every path of PRD section 16, exactly as the contract spells it. */
const PRD_PATHS = [
  '/api/v1/auth/register',
  '/api/v1/auth/login',
  '/api/v1/auth/me',
  '/api/v1/auth/service-tokens',
  '/api/v1/auth/service-tokens/{id}',
  '/api/v1/projects',
  '/api/v1/projects/{id}',
  '/api/v1/runs',
  '/api/v1/runs/{id}',
  '/api/v1/audit-logs',
  '/healthz',
  '/readyz',
  '/metrics',
];

/** NFR-SEC-06: the only operations callable without a token (metrics checks its own scrape token). */
// The report routes authenticate in the handler: a bearer token, or the run's signed report link.
const PUBLIC_OPERATIONS = [
  'get /healthz',
  'get /readyz',
  'get /metrics',
  'post /api/v1/auth/login',
  'get /api/v1/runs/{id}/report',
  'get /api/v1/runs/{id}/report/{path}',
  // Single sign-on: a browser is not signed in yet on its way to its provider and back (issue 17 item 6).
  'get /api/v1/auth/oidc/{organization_slug}/options',
  'get /api/v1/auth/oidc/{organization_slug}/login',
  'get /api/v1/auth/oidc/callback',
  'post /api/v1/auth/oidc/session',
];

interface Operation {
  summary?: string;
  operationId?: string;
  security?: unknown[];
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
}

let api: TestApi;
let doc: { openapi: string; info: { version: string }; security: unknown; paths: Record<string, Record<string, Operation>>; components: Record<string, unknown> };
let operations: [string, string, Operation][];

beforeAll(async () => {
  api = await startTestApi();
  const { token } = await api.userWithToken('viewer');
  const res = await api.request('GET', '/api/v1/openapi.json', { token });
  expect(res.status).toBe(200);
  doc = res.body;
  operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => [method, path, op] as [string, string, Operation]));
});
afterAll(() => api.close());

describe('GET /api/v1/openapi.json', () => {
  it('answers 401 without a token', async () => {
    const res = await api.request('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('unauthorized');
  });

  it('answers an OpenAPI 3.1 JSON document to a viewer', async () => {
    const { token } = await api.userWithToken('viewer');
    const res = await api.request('GET', '/api/v1/openapi.json', { token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.info).toMatchObject({ title: 'QAtron API', version: expect.any(String) });
    expect(res.body.security).toEqual([{ bearer: [] }]);
    expect(res.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('holds every PRD section 16 path', () => {
    const missing = PRD_PATHS.filter((path) => !(path in doc.paths));
    expect(missing).toEqual([]);
  });

  it('describes this API itself and the infrastructure endpoints', () => {
    expect(Object.keys(doc.paths['/api/v1/openapi.json'] ?? {})).toEqual(['get']);
    expect(Object.keys(doc.paths['/api/v1/infrastructure'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/infrastructure/{id}'] ?? {}).sort()).toEqual(['delete', 'get']);
    expect(Object.keys(doc.paths['/api/v1/infrastructure/{id}/heartbeat'] ?? {})).toEqual(['post']);
  });

  it('marks only health, readiness, metrics and login as public', () => {
    const open = operations.filter(([, , op]) => Array.isArray(op.security) && op.security.length === 0).map(([m, p]) => `${m} ${p}`);
    expect(open.sort()).toEqual([...PUBLIC_OPERATIONS].sort());
    for (const [method, path, op] of operations) {
      if (PUBLIC_OPERATIONS.includes(`${method} ${path}`)) continue;
      expect({ method, path, security: op.security }).toEqual({ method, path, security: undefined });
      expect(op.responses, `${method} ${path}`).toHaveProperty('401');
    }
  });

  it('gives every operation a summary, a unique id and a 2xx response', () => {
    const ids = new Set<string>();
    for (const [method, path, op] of operations) {
      const where = `${method} ${path}`;
      expect(op.summary, where).toEqual(expect.any(String));
      expect(op.summary!.length, where).toBeGreaterThan(0);
      // A redirect is the success of a browser hop (single sign-on's login and callback answer 302).
      expect(Object.keys(op.responses).some((code) => /^[23]\d\d$/.test(code)), where).toBe(true);
      expect(op.operationId, where).toMatch(/^[a-z]+_[A-Za-z0-9_]+$/);
      expect(ids.has(op.operationId!), where).toBe(false);
      ids.add(op.operationId!);
    }
  });

  it('declares every templated path segment as a required path parameter, and no Koa-style paths', () => {
    for (const [method, path, op] of operations) {
      expect(path).not.toContain(':');
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      expect({ where: `${method} ${path}`, declared: declared.sort() }).toEqual({ where: `${method} ${path}`, declared: templated.sort() });
    }
  });

  it('points every problem response at the shared Problem schema', () => {
    expect(doc.components.schemas).toHaveProperty('Problem');
    const refs = JSON.stringify(doc.paths).match(/"\$ref":"([^"]+)"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) expect(ref).toBe('"$ref":"#/components/schemas/Problem"');
  });

  it('lists every status the request chain can answer on each operation (issue 13 item 6)', () => {
    for (const [method, path, op] of operations) {
      const where = `${method} ${path}`;
      const codes = Object.keys(op.responses);
      // Malformed encodings and oversized heads are refused before routing, on every operation.
      expect(codes, where).toEqual(expect.arrayContaining(['400', '431']));
      // Only liveness and readiness never meet database_unavailable (readiness reports it in its body).
      if (path !== '/healthz' && path !== '/readyz') expect(op.responses['503']?.description, where).toMatch(/database_unavailable/);
      if (op.requestBody?.content['application/json']) expect(codes, where).toEqual(expect.arrayContaining(['413', '415', '422']));
      if (path.includes('{')) expect(codes, where).toContain('404');
      expect(codes, where).not.toContain('405');
    }
    expect(Object.keys(doc.paths['/healthz']!.get!.responses)).toEqual(['200', '400', '431']);
    expect(doc.paths['/readyz']!.get!.responses['503']!.content).toEqual(doc.paths['/readyz']!.get!.responses['200']!.content);
    expect(doc.paths['/api/v1/auth/login']!.post!.responses).toHaveProperty('429');
    expect(doc.paths['/api/v1/datasets/{id}/versions/{version}/validate']!.post!.responses).toHaveProperty('202');
    expect(Object.keys(doc.paths['/api/v1/datasets/{id}/versions/{version}']!.put!.requestBody!.content)).toEqual(['*/*']);
  });
});
