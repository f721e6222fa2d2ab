import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFeatureFiles, Purge, Quarantine, recordScenarioResults, RunArtifact, runPrefix, RunSchedule, storeRunArtifact, TestHealth, TestResult } from '@qatron/domain';
import { DEFAULT_TEST_HEALTH_POLICY } from '@qatron/domain/test-health/classify';
import { buildEnvironment, buildProject, buildRun, buildSuite, buildUser } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '../testing/harness.js';

/**
 * Tenancy (PRD 8.2, issue 13 item 3): a second organization's admin walks every operation of the
 * OpenAPI document against the first organization's resources. Operations with ids answer 404;
 * lists answer 200 holding nothing of the first organization. The list of operations comes from
 * the document, so a new route is walked the day it is added, and fails here until it is scoped
 * (or its ids are given a fixture below).
 */

/** Every fixture of the first organization is named with this, so that a leak shows in any body. */
const MARKER = 'tenanta';

interface Operation {
  parameters?: { name: string; in: 'path' | 'query'; required?: boolean }[];
  requestBody?: { content: Record<string, unknown> };
}

/**
 * Operations not walked, each for a reason: they name no resource of any organization, or they
 * act on the caller's own account (walking them would sign the walker out or change its password).
 */
const NOT_WALKED: Record<string, string> = {
  'get /healthz': 'public liveness, no tenant data',
  'get /readyz': 'public readiness, no tenant data',
  'get /metrics': 'Prometheus text guarded by its own scrape token, route patterns only',
  'post /api/v1/auth/login': 'public; answers a token for the credentials given, nothing else',
  'post /api/v1/auth/logout': "revokes the caller's own session",
  'post /api/v1/auth/password': "changes the caller's own password",
  'post /api/v1/auth/refresh': "exchanges the caller's own session for a new one (the old one is revoked)",
  'get /api/v1/auth/oidc/{organization_slug}/options': 'public; says only whether a slug signs in with SSO (unknown slugs answer like ones without)',
  'get /api/v1/auth/oidc/{organization_slug}/login': "public; redirects a browser to the organization's identity provider",
  'get /api/v1/auth/oidc/callback': "public; completes a sign-in started in the same browser (state cookie), nothing else",
  'post /api/v1/auth/oidc/session': 'public; exchanges a one-time sign-in code for its own session',
};

/**
 * Global operations answered 403 to an organization's admin: they belong to the platform
 * administrator, whatever the id. Each also scopes by organization (its own tests prove it).
 */
const PLATFORM_ONLY = new Set(['post /api/v1/organizations', 'post /api/v1/organizations/{id}/deactivate', 'post /api/v1/organizations/{id}/activate']);
const PLATFORM_BODIES: Record<string, unknown> = {
  'post /api/v1/organizations': { name: 'walker-org', admin: { username: 'walker-org-admin', email: 'walker-org@b.test', password: 'password123' } },
};

/**
 * Id-free operations that create in the caller's organization: each body names the first
 * organization's ids, refused with 404, or 422 saying the id does not exist (as for an unknown id).
 */
const CREATE_BODIES: Record<string, (a: Fixtures) => unknown> = {
  'post /api/v1/runs': (a) => ({ project_id: a.project, suite_id: a.suite, environment_id: a.environment, branch: 'main' }),
  'post /api/v1/auth/service-tokens': (a) => ({ name: 'walker', project_id: a.project }),
  'post /api/v1/datasets': (a) => ({ name: 'walker', project_id: a.project }),
};

/** Id-free operations that create in the caller's own organization and can name nothing foreign: they answer 2xx. */
const OWN_CREATES: Record<string, (walk: string) => unknown> = {
  'post /api/v1/projects': (walk) => ({ name: `walker-project-${walk}`, repo_url: 'https://example.test/walker.git' }),
  'post /api/v1/infrastructure': (walk) => ({ name: `walker-worker-${walk}`, kind: 'worker' }),
  'post /api/v1/auth/register': (walk) => ({ username: `walker-user-${walk}`, email: `walker-${walk}@b.test`, password: 'password123' }),
};

/** Valid bodies for operations on an id, so that a refusal is the 404 of the id, not a 422 of the body. */
const BODIES: Record<string, unknown> = {
  'put /api/v1/projects/{id}': { description: 'walked' },
  'post /api/v1/projects/{id}/environments': { name: 'walker-env', kind: 'staging' },
  'put /api/v1/environments/{id}': { base_url: 'https://walker.example.test' },
  'post /api/v1/projects/{id}/suites': { name: 'walker-suite' },
  'put /api/v1/suites/{id}': { description: 'walked' },
  'put /api/v1/runs/{id}': { status: 'cancelled' },
  'post /api/v1/datasets/{id}/versions/{version}/validate': {},
  'post /api/v1/infrastructure/{id}/heartbeat': { capacity: 2 },
  'put /api/v1/users/{id}': { role: 'viewer' },
  'post /api/v1/users/{id}/password': { new_password: 'walked-password-1' },
  'put /api/v1/organizations/{id}': { name: 'walked' },
  'put /api/v1/organizations/{id}/sso': { issuer: 'https://idp.example.test', client_id: 'walker', client_secret_name: 'WALKER_SECRET' },
  'post /api/v1/runs/{id}/rerun': { scope: 'failed' },
  'post /api/v1/projects/{id}/quarantine': { node_id: 'tests/test_walk.py::test_walk', reason: 'walked', owner: 'walker' },
  'post /api/v1/suites/{id}/schedules': { cron: '0 2 * * *', environment: 'walker-env' },
  'put /api/v1/schedules/{id}': { cron: '0 3 * * *' },
  'post /api/v1/projects/{id}/notification-channels': { name: 'walker-channel', kind: 'email', recipients: ['walker@b.test'] },
  'put /api/v1/notification-channels/{id}': { enabled: false },
};

interface Fixtures {
  organization: number;
  project: number;
  suite: number;
  environment: number;
  run: number;
  testResult: number;
  testHealth: number;
  quarantine: number;
  artifact: number;
  feature: number;
  scenario: number;
  dataset: number;
  datasetVersion: string;
  infrastructure: number;
  serviceToken: number;
  user: number;
  schedule: number;
  notificationChannel: number;
  purge: number;
}

/** Which fixture a path's `{id}` names, by the path's resource. */
const ID_OF_PATH: [RegExp, keyof Fixtures][] = [
  [/^\/api\/v1\/(projects|features\/projects)\/\{id\}/, 'project'],
  [/^\/api\/v1\/suites\/\{id\}/, 'suite'],
  [/^\/api\/v1\/environments\/\{id\}/, 'environment'],
  [/^\/api\/v1\/runs\/\{id\}/, 'run'],
  [/^\/api\/v1\/features\/\{id\}/, 'feature'],
  [/^\/api\/v1\/scenarios\/\{id\}/, 'scenario'],
  [/^\/api\/v1\/datasets\/\{id\}/, 'dataset'],
  [/^\/api\/v1\/infrastructure\/\{id\}/, 'infrastructure'],
  [/^\/api\/v1\/auth\/service-tokens\/\{id\}/, 'serviceToken'],
  [/^\/api\/v1\/users\/\{id\}/, 'user'],
  [/^\/api\/v1\/organizations\/\{id\}/, 'organization'],
  [/^\/api\/v1\/schedules\/\{id\}/, 'schedule'],
  [/^\/api\/v1\/notification-channels\/\{id\}/, 'notificationChannel'],
  [/^\/api\/v1\/purges\/\{id\}/, 'purge'],
];

/** Query filters that name a resource by id get the first organization's. */
const ID_OF_QUERY: Record<string, keyof Fixtures> = {
  project_id: 'project',
  suite_id: 'suite',
  environment_id: 'environment',
  run_id: 'run',
  feature_id: 'feature',
  dataset_id: 'dataset',
  user_id: 'user',
};

/** Text filters get the first organization's names: a search must not reach across either. */
const TEXT_OF_QUERY: Record<string, string> = { search: MARKER, branch: `${MARKER}-branch` };

let api: TestApi;
let a: Fixtures;
let walker: string;
/** The second organization's organization-wide admin service token: tokens take their own path through authentication. */
let walkerToken: string;
const em = () => api.orm.em.fork();

async function firstOrganizationFixtures(): Promise<Fixtures> {
  const adminA = await api.login('admin', 'admin');
  const organization = api.organization;
  const project = await buildProject(em(), { organization, name: `${MARKER}-project` });
  const suite = await buildSuite(em(), { project, name: `${MARKER}-suite` });
  const environment = await buildEnvironment(em(), { project, name: `${MARKER}-env` });
  const run = await buildRun(em(), { project, suite, environment, status: 'completed', branch: `${MARKER}-branch` });
  const fork = em();
  const result = new TestResult(run, 0, `tests/test_${MARKER}.py::test_checkout`, `tests/test_${MARKER}.py`, 'passed', 0.5);
  await fork.persist(result).flush();
  const health = new TestHealth(run, result.nodeId, new Date());
  health.assess([{ run_id: run.id, outcome: 'passed', commit: null, retried: false, duration_seconds: 0.5, at: new Date().toISOString() }], DEFAULT_TEST_HEALTH_POLICY);
  await fork.persist(health).flush();
  const quarantine = new Quarantine(organization.id, project.id, result.nodeId, `${MARKER} flaky`, `${MARKER}-team`, { userId: null, name: 'admin' });
  await fork.persist(quarantine).flush();
  const artifact = await storeRunArtifact(fork, api.store, run, { kind: 'log', relativePath: 'shards/0/pytest.log', contentType: 'text/plain', body: `${MARKER} log` });
  await fork.flush();
  const reportPrefix = `${runPrefix(run)}allure-report/`;
  const stored = await api.store.put(`${reportPrefix}index.html`, `<html>${MARKER}</html>`, 'text/html');
  await em().persist(new RunArtifact(run.organization, run.id, 'allure_report', reportPrefix, 'allure-report', 'text/html', stored.sizeBytes)).flush();
  const feature = `Feature: ${MARKER} checkout\n  Scenario: ${MARKER} pays\n    Given a cart\n`;
  await ingestFeatureFiles(api.orm, { organizationId: organization.id, projectId: project.id, commit: 'aaaa111', files: [{ path: `features/${MARKER}.feature`, content: feature }], complete: true });
  await recordScenarioResults(em(), run, [{ testResultId: result.id, nodeId: result.nodeId, outcome: 'passed', durationSeconds: 0.5 }]);

  const dataset = await api.request('POST', '/api/v1/datasets', { token: adminA, json: { name: `${MARKER}-dataset`, project_id: project.id } });
  expect(dataset.status).toBe(201);
  const version = await api.request('PUT', `/api/v1/datasets/${dataset.body.id}/versions/v1?file_name=${MARKER}.csv`, {
    token: adminA,
    json: `id,name\n1,${MARKER}\n`,
    headers: { 'content-type': 'text/csv' },
  });
  expect(version.status).toBe(201);
  const infrastructure = await api.request('POST', '/api/v1/infrastructure', { token: adminA, json: { name: `${MARKER}-worker`, kind: 'worker' } });
  expect(infrastructure.status).toBe(201);
  const serviceToken = await api.request('POST', '/api/v1/auth/service-tokens', { token: adminA, json: { name: `${MARKER}-token` } });
  expect(serviceToken.status).toBe(201);
  const user = await buildUser(em(), { organization, username: `${MARKER}-user`, role: 'user' });
  // Written directly: this API has no Temporal to create its Temporal Schedule with, and the walk never reaches it.
  const schedule = new RunSchedule(suite, environment.id, { cron: '0 2 * * *', intervalSeconds: null }, `${MARKER}-branch`, { userId: null, name: 'admin' });
  await em().persist(schedule).flush();
  const channel = await api.request('POST', `/api/v1/projects/${project.id}/notification-channels`, { token: adminA, json: { name: `${MARKER}-channel`, kind: 'webhook', url: 'https://hooks.example.test/tenanta', secret_ref: 'TENANTA_HOOK_KEY' } });
  expect(channel.status).toBe(201);
  // Written directly as well: a purge row is what a DELETE leaves, and deleting would take the fixtures with it.
  const purge = new Purge(organization.id, { type: 'suite', id: suite.id, name: `${MARKER}-suite`, project: project.id }, [`${runPrefix(run)}`], 'admin');
  await em().persist(purge).flush();
  const features = await api.request('GET', `/api/v1/features?project_id=${project.id}`, { token: adminA });
  const detail = await api.request('GET', `/api/v1/features/${features.body.items[0].id}`, { token: adminA });
  return {
    organization: organization.id,
    project: project.id,
    suite: suite.id,
    environment: environment.id,
    run: run.id,
    testResult: result.id,
    testHealth: health.id,
    quarantine: quarantine.id,
    artifact: artifact.id,
    feature: features.body.items[0].id,
    scenario: detail.body.scenarios[0].id,
    dataset: dataset.body.id,
    datasetVersion: 'v1',
    infrastructure: infrastructure.body.id,
    serviceToken: serviceToken.body.id,
    user: user.id,
    schedule: schedule.id,
    notificationChannel: channel.body.id,
    purge: purge.id,
  };
}

beforeAll(async () => {
  api = await startTestApi();
  a = await firstOrganizationFixtures();
  const platformAdmin = await api.login('admin', 'admin');
  const created = await api.request('POST', '/api/v1/organizations', {
    token: platformAdmin,
    json: { name: 'Second', admin: { username: 'second-admin', email: 'admin@second.test', password: 'second-password' } },
  });
  expect(created.status).toBe(201);
  walker = await api.login('second-admin', 'second-password');
  // A new organization's first admin replaces the initial password before anything else.
  const changed = await api.request('POST', '/api/v1/auth/password', { token: walker, json: { current_password: 'second-password', new_password: 'second-chosen' } });
  expect(changed.status).toBe(204);
  const token = await api.request('POST', '/api/v1/auth/service-tokens', { token: walker, json: { name: 'walker-ci', role: 'admin' } });
  expect(token.status).toBe(201);
  walkerToken = token.body.token;
}, 60_000);
afterAll(() => api.close());

/** The path with its parameters replaced by the first organization's ids, or the parameter that has none. */
function foreignPath(path: string): { url: string } | { missing: string } {
  let url = path;
  for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
    let value: string | number | undefined;
    if (name === 'id') value = a[ID_OF_PATH.find(([pattern]) => pattern.test(path))?.[1] ?? ('' as keyof Fixtures)];
    else if (name === 'artifactId') value = a.artifact;
    else if (name === 'test_id') value = a.testHealth;
    else if (name === 'quarantine_id') value = a.quarantine;
    else if (name === 'version') value = a.datasetVersion;
    else if (name === 'path') value = 'index.html';
    if (value === undefined) return { missing: name! };
    url = url.replace(`{${name}}`, encodeURIComponent(String(value)));
  }
  return { url };
}

/** Query parameters that filter by id or text, set to the first organization's ids and names. */
function foreignQuery(op: Operation): string {
  const pairs = (op.parameters ?? [])
    .filter((p) => p.in === 'query' && (ID_OF_QUERY[p.name] || TEXT_OF_QUERY[p.name]))
    .map((p) => `${p.name}=${ID_OF_QUERY[p.name] ? a[ID_OF_QUERY[p.name]!] : encodeURIComponent(TEXT_OF_QUERY[p.name]!)}`);
  return pairs.length ? `?${pairs.join('&')}` : '';
}

/** What of the first organization a body shows: its marker, or a field naming one of its ids. */
function foreignData(body: unknown): string[] {
  const found: string[] = [];
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  if (text.toLowerCase().includes(MARKER)) found.push(`contains ${MARKER}`);
  const idFields: Record<string, number> = { organization_id: a.organization, project_id: a.project, run_id: a.run, dataset_id: a.dataset, feature_id: a.feature };
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (idFields[key] !== undefined && child === idFields[key]) found.push(`${key}=${String(child)}`);
        visit(child);
      }
    }
  };
  if (typeof body === 'object') visit(body);
  return found;
}

const ORDER = ['get', 'post', 'put', 'patch', 'delete'];

describe('cross-organization access', () => {
  it.each([
    ['admin user', () => walker],
    ['admin service token', () => walkerToken],
  ])("answers 404 (or nothing foreign) to a second organization's %s on every operation of the OpenAPI document", async (who, bearer) => {
    const walker = bearer();
    const doc = await api.request('GET', '/api/v1/openapi.json', { token: walker });
    expect(doc.status).toBe(200);
    const operations = Object.entries(doc.body.paths as Record<string, Record<string, Operation>>)
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, op, key: `${method} ${path}` })))
      // Reads first, deletions last: a leaking write must not hide a leaking read.
      .sort((x, y) => ORDER.indexOf(x.method) - ORDER.indexOf(y.method));

    const failures: string[] = [];
    let walked = 0;
    for (const { method, path, op, key } of operations) {
      if (key in NOT_WALKED) continue;
      const target = foreignPath(path);
      if ('missing' in target) {
        failures.push(`${key}: no first-organization fixture for {${target.missing}}; add one to the walk`);
        continue;
      }
      const hasIds = target.url !== path;
      const raw = op.requestBody && !('application/json' in op.requestBody.content);
      let json: unknown;
      if (raw) json = 'id\n1\n';
      else if (op.requestBody) json = hasIds ? BODIES[key] : (CREATE_BODIES[key]?.(a) ?? OWN_CREATES[key]?.(who.replace(/\W/g, '-')) ?? PLATFORM_BODIES[key]);
      if (op.requestBody && json === undefined) {
        failures.push(`${key}: no body to walk it with; add one`);
        continue;
      }
      const res = await api.request(method.toUpperCase(), target.url + (method === 'get' ? foreignQuery(op) : ''), {
        token: walker,
        json,
        ...(raw && { headers: { 'content-type': 'text/csv' } }),
      });
      walked++;
      const leaked = foreignData(res.body);
      if (PLATFORM_ONLY.has(key)) {
        if (res.status !== 403) failures.push(`${key}: ${res.status}, expected 403`);
      } else if (key in CREATE_BODIES) {
        const unknownId = res.status === 422 && / does not exist/.test(String(res.body.detail));
        if (res.status !== 404 && !unknownId) failures.push(`${key}: ${res.status}, expected 404 or 422 does not exist ${JSON.stringify(res.body).slice(0, 200)}`);
      } else if (hasIds) {
        if (res.status !== 404) failures.push(`${key}: ${res.status}, expected 404 ${JSON.stringify(res.body).slice(0, 200)}`);
      } else if (key in OWN_CREATES) {
        if (res.status >= 300) failures.push(`${key}: ${res.status}, expected 2xx in its own organization`);
      } else if (method !== 'get') {
        failures.push(`${key}: an id-free write the walk does not know; give it a body naming the first organization's ids`);
      } else if (res.status !== 200 && res.status !== 404) {
        failures.push(`${key}: ${res.status}, expected 200 or 404`);
      }
      if (leaked.length) failures.push(`${key}: answered the first organization's data (${leaked.join(', ')})`);
    }
    expect(failures).toEqual([]);
    console.log(`tenancy walk as ${who}: ${walked} of ${operations.length} operations walked`);
    expect(walked).toBe(operations.filter(({ key }) => !(key in NOT_WALKED)).length);
    // The first organization's resources are all still there after the walk.
    const adminA = await api.login('admin', 'admin');
    for (const path of [`/api/v1/projects/${a.project}`, `/api/v1/runs/${a.run}`, `/api/v1/datasets/${a.dataset}`, `/api/v1/users/${a.user}`]) {
      expect((await api.request('GET', path, { token: adminA })).status).toBe(200);
    }
  }, 120_000);
});

describe('cross-organization references in bodies', () => {
  // A 422 answers the same words for an id that exists nowhere (`suite 7 is not a suite of project x`): nothing is learnt.
  it("refuses the first organization's ids inside the second's own resources (404, or 422 saying they do not exist)", async () => {
    const project = await api.request('POST', '/api/v1/projects', { token: walker, json: { name: 'own-project', repo_url: 'https://example.test/own.git' } });
    expect(project.status).toBe(201);
    const attempts: [string, string, unknown][] = [
      ['POST', `/api/v1/projects/${project.body.id}/environments`, { name: 'own-env', kind: 'staging', dataset_id: a.dataset }],
      ['POST', '/api/v1/runs', { project_id: project.body.id, suite_id: a.suite, environment_id: a.environment, branch: 'main' }],
      ['POST', '/api/v1/auth/service-tokens', { name: 'own-token', project_id: a.project }],
      ['POST', '/api/v1/datasets', { name: 'own-dataset', project_id: a.project }],
    ];
    const accepted: string[] = [];
    for (const [method, path, json] of attempts) {
      const res = await api.request(method, path, { token: walker, json });
      const refused = res.status === 404 || (res.status === 422 && / does not exist| not found| is not an? /.test(String(res.body.detail)));
      if (!refused) accepted.push(`${method} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    }
    expect(accepted).toEqual([]);
  });
});

// Last in the file: after it, the second organization holds names with the marker itself.
describe('names unique within an organization', () => {
  it("lets the second organization use the first's names: a new resource, never the first's, never a 409 that tells it exists", async () => {
    const attempts: [string, unknown][] = [
      ['/api/v1/projects', { name: `${MARKER}-project`, repo_url: 'https://example.test/same.git' }],
      ['/api/v1/infrastructure', { name: `${MARKER}-worker`, kind: 'worker' }],
      ['/api/v1/datasets', { name: `${MARKER}-dataset` }],
      ['/api/v1/auth/service-tokens', { name: `${MARKER}-token` }],
    ];
    const refused: string[] = [];
    for (const [path, json] of attempts) {
      const res = await api.request('POST', path, { token: walker, json });
      if (res.status !== 201 || foreignData({ ...res.body, name: undefined, token: undefined }).length) refused.push(`${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    }
    expect(refused).toEqual([]);
  });
});
