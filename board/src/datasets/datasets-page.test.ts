import { afterEach, describe, expect, it, vi } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import { fakeApi, me } from '../testing/fake-api';
import { mountBoard, settle } from '../testing/mount';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

const page = (items: unknown[]) => ({ items, total: items.length, limit: 200, offset: 0 });

/** A report where the email column is complete and the age column holds two values out of range. */
const failedReport = {
  success: false, evaluated: 3, successful: 1, unsuccessful: 2, ge_version: '1.24.1',
  results: [
    { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'email' }, success: true, observed_value: null, unexpected_count: 0, partial_unexpected_list: [] },
    { type: 'expect_column_values_to_be_between', kwargs: { column: 'age', min_value: 0, max_value: 120 }, success: false, unexpected_count: 2, partial_unexpected_list: [-3, 999] },
    { type: 'expect_column_to_exist', kwargs: { column: 'phone' }, success: false, exception: 'column phone does not exist' },
  ],
};

const version = (label: string, id: number, overrides: Record<string, unknown> = {}) => ({
  id, dataset_id: 11, version: label, file_name: 'customers.csv', content_type: 'text/csv',
  checksum: `sha256:${String(id).repeat(64).slice(0, 64)}`, size_bytes: null, uploaded_by: null, validation_status: 'passed', validated_at: '2026-12-02T10:00:05.000Z',
  validation_report: { success: true, evaluated: 1, successful: 1, unsuccessful: 0, ge_version: '1.24.1', results: [failedReport.results[0]] },
  created_at: `2026-12-0${id}T10:00:00.000Z`, download_url: `/api/v1/datasets/11/versions/${label}/content`,
  ...overrides,
});

const v1 = version('v1', 1, { size_bytes: 12, uploaded_by: 'token:ci' });
const v2 = version('v2', 2, { validation_status: 'failed', validation_report: failedReport, size_bytes: 2048, uploaded_by: 'ann' });
const customers = { id: 11, name: 'customers', description: 'Sign-up fixtures', project_id: 1, created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-02T00:00:00Z', latest_version: v2, versions: [v2, v1] };
const project = { id: 1, organization_id: 1, name: 'shop', description: '', repo_url: '/repo', default_branch: 'main', auth_method: 'none', secret_ref: null, environment_count: 2, suite_count: 3, created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-01T00:00:00Z' };
const environment = (id: number, name: string, datasetId: number | null) => ({
  id, organization_id: 1, project_id: 1, name, kind: 'staging', base_url: null, variables: {}, secret_refs: {}, retention_days: null, effective_retention_days: 30,
  dataset_id: datasetId, grid_id: null, grid_name: null, created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-01T00:00:00Z',
});
const suite = (id: number, name: string, requireDatasetHealth: boolean) => ({
  id, organization_id: 1, project_id: 1, name, description: '', layer: 'integration', markers: '', keywords: '', paths: ['tests/'], shards: 1, workers_per_shard: 0, retries: 0,
  timeout_seconds: 3600, coverage: true, coverage_threshold: null, allow_empty: false, install_command: null, python_version: null, require_dataset_health: requireDatasetHealth,
  created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-01T00:00:00Z',
});

function answerDataset(api: ReturnType<typeof fakeApi>, role: 'viewer' | 'user' | 'admin') {
  api.answer('GET /api/v1/auth/me', { body: me(role) });
  api.answer('GET /api/v1/datasets/11', { body: customers });
  api.answer('GET /api/v1/projects/1', { body: project });
  api.answer('GET /api/v1/projects/1/environments', { body: page([environment(3, 'staging', 11), environment(4, 'dev', null)]) });
  api.answer('GET /api/v1/projects/1/suites', { body: page([suite(5, 'smoke', true), suite(6, 'unit', false), suite(7, 'nightly', true)]) });
}

const cells = (wrapper: VueWrapper, selector: string) => wrapper.findAll(`${selector} tbody tr`).map((row) => row.findAll('td').map((td) => td.text()));

describe('the datasets page', () => {
  it("lists each dataset with its project or shared, its latest version, that version's validation status and when it was updated", async () => {
    const api = fakeApi();
    api.answer('GET /api/v1/auth/me', { body: me('viewer') });
    api.answer('GET /api/v1/projects', { body: page([project]) });
    api.answer('GET /api/v1/datasets', {
      body: page([
        { ...customers, versions: undefined },
        { id: 12, name: 'products', description: '', project_id: null, created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-01T00:00:00Z', latest_version: { ...v1, dataset_id: 12 } },
        { id: 13, name: 'orders', description: '', project_id: null, created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-03T00:00:00Z', latest_version: null },
      ]),
    });
    const { wrapper } = await mountBoard('/datasets');
    expect(wrapper.find('nav a.active').text()).toBe('Datasets');
    expect(cells(wrapper, '[data-testid=datasets]').map((row) => row.slice(0, 4))).toEqual([
      ['customers', 'shop', 'v2', 'failed'],
      ['products', 'shared', 'v1', 'passed'],
      ['orders', 'shared', '—', 'no version'],
    ]);
    expect(wrapper.find('[data-dataset=customers] [data-status]').classes()).toContain('bad');
    expect(wrapper.find('[data-dataset=customers] a').attributes('href')).toBe('/datasets/11');
    expect(wrapper.find('[data-dataset=customers] td:last-child').text()).toMatch(/^2026-12-02 /);
    expect(api.calls.find((c) => c.url.startsWith('/api/v1/datasets'))?.url).toBe('/api/v1/datasets?limit=200');
  });
});

describe("a dataset's page", () => {
  it("lists the versions newest first and shows the newest's report: each expectation's arguments, verdict, observed value, unexpected count and first unexpected values, or its exception", async () => {
    const api = fakeApi();
    answerDataset(api, 'viewer');
    const { wrapper } = await mountBoard('/datasets/11');
    expect(wrapper.find('h1').text()).toBe('Dataset customers');
    expect(cells(wrapper, '[data-testid=versions]').map((row) => [row[0], row[1], row[3], row[6]])).toEqual([
      ['v2', 'customers.csv', 'sha256:222222222222', 'failed'],
      ['v1', 'customers.csv', 'sha256:111111111111', 'passed'],
    ]);
    const report = wrapper.find('[data-testid=validation-report]');
    expect(report.find('[data-testid=report-summary]').text()).toMatch(/^1 of 3 expectations met · Great Expectations 1\.24\.1 · 2026-12-02 /);
    const between = report.find('[data-expectation=expect_column_values_to_be_between]');
    expect(between.find('[data-status]').attributes('data-status')).toBe('failed');
    expect(between.find('[data-testid=kwargs]').text()).toBe('column=age, min_value=0, max_value=120');
    expect(between.find('[data-testid=unexpected-count]').text()).toBe('2');
    expect(between.find('[data-testid=unexpected-values]').text()).toBe('-3, 999');
    const notNull = report.find('[data-expectation=expect_column_values_to_not_be_null]');
    expect(notNull.find('[data-status]').attributes('data-status')).toBe('passed');
    expect(notNull.find('[data-testid=observed]').text()).toBe('null');
    expect(report.find('[data-expectation=expect_column_to_exist] [data-testid=exception]').text()).toBe('column phone does not exist');
    await wrapper.find('[data-version=v1] [data-testid=select-version]').trigger('click');
    await settle();
    expect(wrapper.findAll('h2').map((h) => h.text())).toContain('Validation of v1');
    expect(wrapper.findAll('[data-testid=validation-report] [data-expectation]').map((row) => row.attributes('data-expectation'))).toEqual(['expect_column_values_to_not_be_null']);
    expect(wrapper.find('[data-testid=validation-report] [data-status]').attributes('data-status')).toBe('passed');
  });

  it('says an environment whose suites require a validated dataset blocks their runs while the newest version failed', async () => {
    const api = fakeApi();
    answerDataset(api, 'viewer');
    const { wrapper } = await mountBoard('/datasets/11');
    expect(cells(wrapper, '[data-testid=gates]')).toEqual([['shop', 'staging', 'failed', 'blocks runs of suites nightly, smoke (newest version failed)']]);
    expect(wrapper.find('[data-environment=staging] [data-testid=gate]').attributes('data-blocked')).toBe('true');
  });

  it('lets a user upload a new version, sending the file as the request body, and validate a version', async () => {
    const api = fakeApi();
    answerDataset(api, 'user');
    const v3 = version('v3', 3, { validation_status: 'pending', validated_at: null, validation_report: null });
    api.answer('PUT /api/v1/datasets/11/versions/v3', { status: 201, body: v3 });
    api.answer('POST /api/v1/datasets/11/versions/v2/validate', { body: v2 });
    const { wrapper } = await mountBoard('/datasets/11');
    const form = wrapper.find('[data-testid=upload-form]');
    expect(form.find<HTMLInputElement>('input[name=version]').element.value).toBe('v3');
    const file = new File(['id,email\n1,ann@example.test\n'], 'customers 2026.csv', { type: 'text/csv' });
    const input = form.find('input[name=file]');
    Object.defineProperty(input.element, 'files', { value: [file] });
    await input.trigger('change');
    await form.trigger('submit');
    await settle();
    await wrapper.find('[data-testid=validate]').trigger('click');
    await settle();
    expect(api.calls.filter((c) => c.method !== 'GET').map((c) => [c.method, c.url])).toEqual([
      ['PUT', '/api/v1/datasets/11/versions/v3?file_name=customers_2026.csv'],
      ['POST', '/api/v1/datasets/11/versions/v2/validate'],
    ]);
    const sent = api.calls.find((c) => c.method === 'PUT')!.body;
    expect(sent).toBeInstanceOf(Blob);
    expect(sent instanceof Blob ? await sent.text() : null).toBe('id,email\n1,ann@example.test\n');
    const [, init] = vi.mocked(fetch).mock.calls.find(([, i]) => i?.method === 'PUT')!;
    expect(new Headers(init?.headers).get('content-type')).toBe('text/csv');
    expect(wrapper.find('[data-testid=action-error]').exists()).toBe(false);
  });

  it('gives a viewer no upload or validate controls', async () => {
    const api = fakeApi();
    answerDataset(api, 'viewer');
    const { wrapper } = await mountBoard('/datasets/11');
    expect(wrapper.find('[data-testid=versions]').exists()).toBe(true);
    expect(wrapper.find('[data-testid=upload-form]').exists()).toBe(false);
    expect(wrapper.find('input[type=file]').exists()).toBe(false);
    expect(wrapper.find('[data-testid=validate]').exists()).toBe(false);
    expect(api.calls.some((c) => c.url.startsWith('/api/v1/audit-logs'))).toBe(false);
  });

  it("shows every role each version's size and uploader, as the API answers them", async () => {
    const api = fakeApi();
    answerDataset(api, 'viewer');
    const { wrapper } = await mountBoard('/datasets/11');
    expect(cells(wrapper, '[data-testid=versions]').map((row) => [row[0], row[2], row[4]])).toEqual([
      ['v2', '2.0 KiB', 'ann'],
      ['v1', '12 B', 'token:ci'],
    ]);
  });
});
