import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, Dataset, DatasetVersion, Environment } from '@qatron/domain';
import { buildOrganization, buildProject, buildServiceToken } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '../testing/harness.js';

let api: TestApi;
let admin: string;
let user: string;
let userName: string;
let viewer: string;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.login('admin', 'admin');
  const created = await api.userWithToken('user');
  user = created.token;
  userName = created.user.username;
  viewer = (await api.userWithToken('viewer')).token;
});
afterAll(() => api.close());

const em = () => api.orm.em.fork();
let counter = 0;
const uniqueName = () => `customers-${++counter}-${Math.random().toString(36).slice(2, 6)}`;

/** PUT of a raw body: what `curl --data-binary @file` sends. */
async function upload(id: number, version: string, body: string | Buffer, contentType: string, token = user, query = '') {
  const res = await fetch(`${api.url}/api/v1/datasets/${id}/versions/${encodeURIComponent(version)}${query}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType },
    body,
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function createDataset(json: Record<string, unknown> = {}, token = user) {
  return api.request('POST', '/api/v1/datasets', { token, json: { name: uniqueName(), ...json } });
}

describe('datasets', () => {
  it('registers a dataset, stores immutable versions with checksums, lists the newest and downloads the content', async () => {
    const project = await buildProject(em(), { organization: api.organization });
    const created = await createDataset({ project_id: project.id, description: 'checkout customers' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ project_id: project.id, description: 'checkout customers', latest_version: null });
    const id = created.body.id as number;

    const csv = 'email,tier\nann@example.com,gold\nbob@example.com,silver\n';
    const v1 = await upload(id, 'v1', csv, 'text/csv');
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({
      version: 'v1',
      file_name: 'data.csv',
      content_type: 'text/csv; charset=utf-8',
      checksum: 'sha256:' + (await sha256(csv)),
      size_bytes: Buffer.byteLength(csv),
      uploaded_by: userName,
      validation_status: 'pending',
      download_url: `/api/v1/datasets/${id}/versions/v1/content`,
    });
    const json = JSON.stringify([{ email: 'cy@example.com' }]);
    const v2 = await upload(id, 'v2', json, 'application/json', user, '?file_name=customers.json');
    expect(v2.status).toBe(201);
    expect(v2.body.file_name).toBe('customers.json');

    // Immutable: the same label again is a conflict and the stored content is untouched.
    const again = await upload(id, 'v1', 'other', 'text/csv');
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('version_exists');

    const detail = await api.request('GET', `/api/v1/datasets/${id}`, { token: viewer });
    expect(detail.body.versions.map((v: { version: string }) => v.version)).toEqual(['v2', 'v1']);
    expect(detail.body.latest_version.version).toBe('v2');
    const list = await api.request('GET', `/api/v1/datasets?project_id=${project.id}`, { token: viewer });
    expect(list.body.items.find((d: { id: number }) => d.id === id).latest_version.version).toBe('v2');

    const content = await fetch(`${api.url}${v1.body.download_url}`, { headers: { Authorization: `Bearer ${viewer}` } });
    expect(content.status).toBe(200);
    expect(await content.text()).toBe(csv);
    expect(content.headers.get('content-disposition')).toContain('data.csv');

    const audit = await em().find(AuditLog, { resourceType: 'dataset', resourceId: String(id) }, { orderBy: { id: 'asc' } });
    expect(audit.map((a) => a.action)).toEqual(['dataset.created', 'dataset.version_uploaded', 'dataset.version_uploaded']);
  });

  it('refuses bad input with problems that name it, storing nothing', async () => {
    const { body } = await createDataset();
    const id = body.id as number;
    const badLabel = await upload(id, '../x', 'a', 'text/csv');
    expect(badLabel.status).toBe(422);
    expect(badLabel.body.errors[0].field).toBe('path.version');
    const spaces = await upload(id, 'v 1', 'a', 'text/csv');
    expect(spaces.status).toBe(422);
    expect(spaces.body.errors[0].field).toBe('path.version');
    const empty = await upload(id, 'v1', '', 'text/csv');
    expect(empty.status).toBe(422);
    expect(empty.body.detail ?? JSON.stringify(empty.body)).toMatch(/empty|body/);
    const badName = await upload(id, 'v1', 'a', 'text/csv', user, '?file_name=../../etc/passwd');
    expect(badName.status).toBe(422);
    expect(await em().count(DatasetVersion, { dataset: id })).toBe(0);
    const duplicate = await api.request('POST', '/api/v1/datasets', { token: user, json: { name: body.name } });
    expect(duplicate.status).toBe(409);
    const noName = await api.request('POST', '/api/v1/datasets', { token: user, json: {} });
    expect(noName.status).toBe(422);
  });

  it('enforces roles and tenancy', async () => {
    expect((await api.request('POST', '/api/v1/datasets', { json: { name: uniqueName() } })).status).toBe(401);
    expect((await createDataset({}, viewer)).status).toBe(403);
    const { body } = await createDataset();
    expect((await upload(body.id, 'v1', 'x', 'text/plain', viewer)).status).toBe(403);
    expect((await api.request('DELETE', `/api/v1/datasets/${body.id}`, { token: user })).status).toBe(403);

    // Another organization's dataset is invisible.
    const other = await buildOrganization(em());
    const foreign = new Dataset(other.id, 'foreign');
    await em().persist(foreign).flush();
    expect((await api.request('GET', `/api/v1/datasets/${foreign.id}`, { token: admin })).status).toBe(404);
    expect((await upload(foreign.id, 'v1', 'x', 'text/plain', admin)).status).toBe(404);

    // A project-scoped token sees its project's and the shared datasets, and cannot create shared ones.
    const project = await buildProject(em(), { organization: api.organization });
    const elsewhere = await buildProject(em(), { organization: api.organization });
    const { token } = await buildServiceToken(em(), { organization: api.organization, project, role: 'user' });
    const own = await createDataset({ project_id: project.id }, token);
    expect(own.status).toBe(201);
    expect((await createDataset({}, token)).status).toBe(403);
    const hidden = await createDataset({ project_id: elsewhere.id });
    expect((await api.request('GET', `/api/v1/datasets/${hidden.body.id}`, { token })).status).toBe(404);
    const ids = (await api.request('GET', '/api/v1/datasets?limit=200', { token })).body.items.map((d: { id: number }) => d.id);
    expect(ids).toContain(own.body.id);
    expect(ids).toContain(body.id);
    expect(ids).not.toContain(hidden.body.id);
  });

  it('deletes a dataset with its content unless an environment uses it', async () => {
    const project = await buildProject(em(), { organization: api.organization });
    const { body } = await createDataset({ project_id: project.id });
    await upload(body.id, 'v1', 'a,b\n1,2\n', 'text/csv');
    const environment = new Environment(api.organization.id, project.id, 'staging', 'staging');
    environment.dataset = body.id;
    await em().persist(environment).flush();
    const refused = await api.request('DELETE', `/api/v1/datasets/${body.id}`, { token: admin });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('staging');
    await em().nativeUpdate(Environment, { id: environment.id }, { dataset: null });
    expect((await api.request('DELETE', `/api/v1/datasets/${body.id}`, { token: admin })).status).toBe(204);
    expect(await em().count(DatasetVersion, { dataset: body.id })).toBe(0);
    const left = [];
    for await (const object of api.store.list(`${api.organization.id}/datasets/${body.id}/`)) left.push(object);
    expect(left).toEqual([]);
  });
});

describe('dataset validation requests', () => {
  const SUITE = { expectations: [{ type: 'expect_column_values_to_not_be_null', kwargs: { column: 'email' } }] };
  const validate = (id: number, version: string, json?: unknown, token = user) =>
    api.request('POST', `/api/v1/datasets/${id}/versions/${version}/validate`, { token, ...(json === undefined ? {} : { json }) });

  it('refuses a malformed suite with problems that name the field', async () => {
    const { body } = await createDataset();
    await upload(body.id, 'v1', 'email\nann@example.com\n', 'text/csv');
    const cases: Array<[unknown, string, RegExp]> = [
      [{ expectations: [] }, 'expectations', /must be an expectation suite/],
      [{ expectations: { expectations: [5] } }, 'expectations.expectations.0', /must be an expectation: /],
      [{ expectations: { expectations: [] } }, 'expectations.expectations', /at least one/],
      [{ expectations: { expectations: 'all' } }, 'expectations.expectations', /list of expectations/],
      [{ expectations: { expectations: [{ type: 'column_not_null', kwargs: {} }] } }, 'expectations.expectations.0.type', /expect_/],
      [{ expectations: { expectations: [{ kwargs: { column: 'email' } }] } }, 'expectations.expectations.0.type', /string naming an expectation/],
      [{ expectations: { expectations: [{ type: 'expect_column_values_to_not_be_null', kwargs: ['email'] }] } }, 'expectations.expectations.0.kwargs', /object/],
      [{ expectations: { expectations: Array.from({ length: 501 }, () => SUITE.expectations[0]) } }, 'expectations.expectations', /at most 500/],
    ];
    for (const [json, field, message] of cases) {
      const res = await validate(body.id, 'v1', json);
      expect(res.status, JSON.stringify(json).slice(0, 200)).toBe(422);
      expect(res.body.errors[0].field).toBe(field);
      expect(res.body.errors[0].message).toMatch(message);
    }
  });

  it('asks for a suite when neither the version nor an earlier one has any, and answers 503 without the run engine', async () => {
    const { body } = await createDataset();
    await upload(body.id, 'v1', 'email\nann@example.com\n', 'text/csv');
    const none = await validate(body.id, 'v1');
    expect(none.status).toBe(422);
    expect(none.body.errors).toEqual([{ field: 'expectations', message: expect.stringContaining('send one') }]);

    // The legacy key is accepted; without an engine (this API has no Temporal) nothing is stored.
    const legacy = { expectations: [{ expectation_type: 'expect_column_values_to_not_be_null', kwargs: { column: 'email' } }] };
    const unavailable = await validate(body.id, 'v1', { expectations: legacy });
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.code).toBe('engine_unavailable');
    const version = await em().findOneOrFail(DatasetVersion, { dataset: body.id, version: 'v1' });
    expect(version.expectations).toBeNull();
    expect(await em().count(AuditLog, { action: 'dataset.validated', resourceId: String(body.id) })).toBe(0);
  });

  it('gives a new version the suite of the newest earlier version that has one', async () => {
    const { body } = await createDataset();
    await upload(body.id, 'v1', 'email\nann@example.com\n', 'text/csv');
    await em().nativeUpdate(DatasetVersion, { dataset: body.id, version: 'v1' }, { expectations: SUITE, validationStatus: 'passed' });
    const v2 = await upload(body.id, 'v2', 'email\n\n', 'text/csv');
    expect(v2.status).toBe(201);
    expect(v2.body).toMatchObject({ validation_status: 'pending', validated_at: null, validation_report: null });
    expect((await em().findOneOrFail(DatasetVersion, { id: v2.body.id })).expectations).toEqual(SUITE);
  });

  it('enforces roles and tenancy', async () => {
    const { body } = await createDataset();
    await upload(body.id, 'v1', 'email\nann@example.com\n', 'text/csv');
    expect((await api.request('POST', `/api/v1/datasets/${body.id}/versions/v1/validate`, { json: { expectations: SUITE } })).status).toBe(401);
    expect((await validate(body.id, 'v1', { expectations: SUITE }, viewer)).status).toBe(403);
    expect((await validate(body.id, 'v9', { expectations: SUITE })).status).toBe(404);
    const other = await buildOrganization(em());
    const foreign = new Dataset(other.id, 'foreign-validated');
    await em().persist(foreign).flush();
    await em().persist(new DatasetVersion(foreign.id, 'v1', `${other.id}/datasets/${foreign.id}/v1/data.csv`)).flush();
    expect((await validate(foreign.id, 'v1', { expectations: SUITE }, admin)).status).toBe(404);
  });
});

async function sha256(text: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(text).digest('hex');
}
