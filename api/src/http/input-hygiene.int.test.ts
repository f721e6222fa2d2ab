import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProject } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '../testing/harness.js';

/** Input hygiene (issue 13 item 6) through real HTTP: encodings, NUL, methods and sizes. */

let api: TestApi;
let admin: string;
let projectId: number;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.login('admin', 'admin');
  projectId = (await buildProject(api.orm.em.fork(), { organization: api.organization })).id;
});
afterAll(() => api.close());

/** A request with exactly these bytes as its body (fetch would re-encode a string as UTF-8). */
async function send(method: string, path: string, body: Buffer | string | undefined, headers: Record<string, string> = {}) {
  const res = await fetch(api.url + path, { method, headers: { authorization: `Bearer ${admin}`, ...headers }, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}
const json = { 'content-type': 'application/json' };

/** Methods fetch refuses to send (TRACE), through node:http. */
function raw(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(api.url + path, { method, headers: { authorization: `Bearer ${admin}`, ...headers } });
    req.on('response', (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('NUL characters', () => {
  it('in a JSON body field: 422 validation_failed naming the field, and nothing stored', async () => {
    const res = await api.request('POST', '/api/v1/projects', { token: admin, json: { name: 'shop\u0000x', repo_url: 'https://git.example.test/shop.git' } });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'validation_failed', errors: [{ field: 'name', message: 'must not contain NUL (\\u0000) characters' }] });
    expect((await api.request('GET', '/api/v1/projects?q=shop', { token: admin })).body.total).toBe(0);
  });

  it('in a nested key or value at any depth, named by its path', async () => {
    const res = await api.request('POST', `/api/v1/projects/${projectId}/environments`, {
      token: admin,
      json: { name: 'qa', kind: 'staging', variables: { 'A\u0000B': 'x', OK: 'y\u0000' } },
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      { field: 'variables.A\\u0000B', message: 'names a field with NUL (\\u0000) characters' },
      { field: 'variables.OK', message: 'must not contain NUL (\\u0000) characters' },
    ]);
  });

  it('in a form body field: 422 naming it', async () => {
    const res = await api.request('POST', '/api/v1/auth/login', { form: { username: 'adm\u0000in', password: 'admin' } });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ field: 'username', message: 'must not contain NUL (\\u0000) characters' }]);
  });

  it('in a query parameter or a path parameter (%00): 422 naming it', async () => {
    const query = await api.request('GET', '/api/v1/projects?q=a%00b', { token: admin });
    expect(query.status).toBe(422);
    expect(query.body.errors).toEqual([{ field: 'query.q', message: 'must not contain NUL (\\u0000) characters' }]);
    const path = await api.request('GET', '/api/v1/datasets/1/versions/v%001/content', { token: admin });
    expect(path.status).toBe(422);
    expect(path.body.errors).toEqual([{ field: 'path.version', message: 'must not contain NUL (\\u0000) characters' }]);
  });

  it('refuses the key __proto__ and nesting deeper than 64 levels', async () => {
    const proto = await send('POST', '/api/v1/projects', '{"name": "p", "repo_url": "https://git.example.test/p.git", "__proto__": {"x": 1}}', json);
    expect(proto.status).toBe(422);
    expect(proto.body.errors).toEqual([{ field: '__proto__', message: 'is a reserved name' }]);
    const deep = await send('POST', '/api/v1/projects', `{"name": "p", "repo_url": "https://git.example.test/p.git", "x": ${'['.repeat(100)}${']'.repeat(100)}}`, json);
    expect(deep.status).toBe(422);
    expect(deep.body.errors[0].message).toBe('is nested more than 64 levels deep');
  });
});

describe('invalid UTF-8', () => {
  it('in a JSON body: 400 invalid_encoding naming the body, not U+FFFD stored', async () => {
    const body = Buffer.concat([Buffer.from('{"name": "caf'), Buffer.from([0xe9]), Buffer.from('", "repo_url": "https://git.example.test/c.git"}')]);
    const res = await send('POST', '/api/v1/projects', body, json);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'invalid_encoding', title: 'Bad request', errors: [{ field: 'body', message: 'is not valid UTF-8' }] });
  });

  it('percent-encoded in a form body, the path or the query: 400 naming where', async () => {
    const form = await send('POST', '/api/v1/auth/login', 'username=admin&password=%FF', { 'content-type': 'application/x-www-form-urlencoded' });
    expect([form.status, form.body.errors]).toEqual([400, [{ field: 'password', message: 'is not valid percent-encoded UTF-8' }]]);
    const path = await api.request('GET', '/api/v1/projects/%FF', { token: admin });
    expect([path.status, path.body.code, path.body.errors]).toEqual([400, 'invalid_encoding', [{ field: 'path', message: 'is not valid percent-encoded UTF-8' }]]);
    const query = await api.request('GET', '/api/v1/projects?q=%C3%28', { token: admin });
    expect([query.status, query.body.errors]).toEqual([400, [{ field: 'query.q', message: 'is not valid percent-encoded UTF-8' }]]);
    expect((await api.request('GET', '/healthz?x=%E0%A4')).status).toBe(400);
  });

  it('malformed JSON is 400 bad_request; a body that is JSON but not an object is 422', async () => {
    const malformed = await send('POST', '/api/v1/projects', '{"name": ', json);
    expect([malformed.status, malformed.body.code]).toEqual([400, 'bad_request']);
    const notObject = await send('POST', '/api/v1/projects', 'null', json);
    expect([notObject.status, notObject.body.code]).toEqual([422, 'validation_failed']);
  });
});

describe('methods a path does not have', () => {
  it('TRACE /api/v1/projects: 405 with Allow and a problem document', async () => {
    const res = await raw('TRACE', '/api/v1/projects');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('HEAD, GET, POST, OPTIONS');
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(res.text)).toMatchObject({ code: 'method_not_allowed', title: 'Method not allowed', status: 405 });
  });

  it('PUT where only GET exists is 405, OPTIONS is 204 with Allow, an unknown path stays 404', async () => {
    const put = await api.request('PUT', '/api/v1/auth/me', { token: admin, json: {} });
    expect([put.status, put.headers.get('allow')]).toEqual([405, 'HEAD, GET, OPTIONS']);
    const options = await api.request('OPTIONS', `/api/v1/projects/${projectId}`);
    expect([options.status, options.headers.get('allow')]).toEqual([204, 'HEAD, GET, PUT, DELETE, OPTIONS']);
    const unknown = await raw('TRACE', '/api/v1/nothing-here');
    expect([unknown.status, JSON.parse(unknown.text).code]).toEqual([404, 'not_found']);
  });
});

describe('sizes and media types', () => {
  const twoMegabytes = JSON.stringify({ name: 'big', repo_url: 'https://git.example.test/big.git', description: 'x'.repeat(2 * 1024 * 1024) });

  it('a 2 MB JSON body: 413 "Payload too large"', async () => {
    const res = await send('POST', '/api/v1/projects', twoMegabytes, json);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'payload_too_large', title: 'Payload too large', detail: 'The body may hold at most 1048576 bytes' });
  });

  it('the same body sent chunked, without a Content-Length: 413 once the limit is passed', async () => {
    // node:http sends a body written without a Content-Length in chunks.
    const res = await raw('POST', '/api/v1/projects', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, twoMegabytes);
    expect([res.status, JSON.parse(res.text).title]).toEqual([413, 'Payload too large']);
  });

  it('a dataset upload still streams past the JSON limit', async () => {
    const dataset = await api.request('POST', '/api/v1/datasets', { token: admin, json: { name: 'big-customers', project_id: projectId } });
    expect(dataset.status).toBe(201);
    const csv = 'email\n' + 'ann@example.test\n'.repeat(150_000);
    const res = await send('PUT', `/api/v1/datasets/${dataset.body.id}/versions/v1`, csv, { 'content-type': 'text/csv' });
    expect([res.status, res.body.version]).toEqual([201, 'v1']);
    const content = await fetch(`${api.url}/api/v1/datasets/${dataset.body.id}/versions/v1/content`, { headers: { authorization: `Bearer ${admin}` } });
    expect((await content.text()).length).toBe(csv.length);
  });

  it('another media type, charset or content coding: 415', async () => {
    const body = JSON.stringify({ name: 'p', repo_url: 'https://git.example.test/p.git' });
    const variants: Record<string, string>[] = [{ 'content-type': 'text/plain' }, { 'content-type': 'application/json; charset=iso-8859-1' }, { 'content-type': 'application/json', 'content-encoding': 'gzip' }];
    for (const headers of variants) {
      const res = await send('POST', '/api/v1/projects', body, headers);
      expect([res.status, res.body.code], JSON.stringify(headers)).toEqual([415, 'unsupported_media_type']);
    }
  });

  it('charset names in any case, as browsers send them (charset=UTF-8)', async () => {
    const res = await send('POST', '/api/v1/auth/login', JSON.stringify({ username: 'nobody', password: 'wrong' }), { 'content-type': 'application/json; charset=UTF-8' });
    expect([res.status, res.body.code]).toEqual([401, 'unauthorized']);
  });

  it('a request head larger than Node reads: 431 as a problem document', async () => {
    const res = await fetch(`${api.url}/healthz?pad=${'a'.repeat(20_000)}`);
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ code: 'request_header_fields_too_large', status: 431 });
  });
});
