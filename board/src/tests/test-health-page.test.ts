import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, me } from '../testing/fake-api';
import { mountBoard, settle } from '../testing/mount';
import { page, project, quarantineFixture, testHealthFixture } from './fixtures';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

const flaky = testHealthFixture();
const broken = testHealthFixture({
  id: 12,
  node_id: 'tests/test_orders.py::test_total',
  classification: 'broken',
  rule: 'failing_since_clean_history',
  evidence: { rule: 'failing_since_clean_history', run_ids: [6], detail: 'failing since run 6 after 3 clean runs' },
  flip_rate: 0.33,
  failures: 1,
});

const projectGroup = {
  fingerprint: 'a1b2c3d4e5f60718',
  count: 3,
  exception_type: 'AssertionError',
  message: 'assert 107 == 100',
  normalized_message: 'assert <num> == <num>',
  frame: 'shop/orders.py::total',
  node_ids: ['tests/test_orders.py::test_total'],
  runs_affected: 3,
  tests: 1,
  first_seen_run_id: 4,
  last_seen_run_id: 6,
};

/** The health list answers by classification, as the API filters it (each row with its recent outcomes). */
function answerTests(api: ReturnType<typeof fakeApi>, role: 'viewer' | 'admin', quarantines: unknown[] = []) {
  api.answer('GET /api/v1/auth/me', { body: me(role) });
  api.answer('GET /api/v1/projects/1', { body: project });
  api.answer('GET /api/v1/projects/1/tests', (url) => {
    const classification = url.searchParams.get('classification');
    return { body: page([flaky, broken].filter((t) => classification === null || t.classification === classification)) };
  });
  api.answer('GET /api/v1/projects/1/quarantine', { body: page(quarantines) });
  api.answer('GET /api/v1/projects/1/failure-groups', { body: { project_id: 1, runs: 4, groups: [projectGroup] } });
}

function listCalls(api: ReturnType<typeof fakeApi>) {
  return api.calls.filter((c) => c.method === 'GET' && c.url.startsWith('/api/v1/projects/1/tests?')).map((c) => new URL(c.url, 'http://b').searchParams);
}

describe('the test health page', () => {
  it('lists flaky, then broken tests with their rule, flip rate, failures and window', async () => {
    const api = fakeApi();
    answerTests(api, 'viewer');
    const { wrapper } = await mountBoard('/projects/1/tests');
    expect(listCalls(api).map((q) => q.get('classification'))).toEqual(['flaky', 'broken']);
    const rows = wrapper.findAll('[data-testid=tests] tbody tr');
    expect(rows.map((r) => [r.attributes('data-node-id'), r.attributes('data-classification')])).toEqual([
      ['tests/test_cart.py::test_add', 'flaky'],
      ['tests/test_orders.py::test_total', 'broken'],
    ]);
    expect(rows[0]!.find('[data-testid=rule]').text()).toBe('passed and failed on one commit');
    expect(rows[0]!.find('[data-testid=rule]').attributes('title')).toBe('passed and failed on commit abc123 (runs 4, 5)');
    expect(rows[0]!.text()).toContain('100 %');
    expect(rows[1]!.text()).toContain('33 %');
    expect(rows[0]!.text()).toContain('2 / 4');
    expect(rows[0]!.text()).toContain('250 ms');
    expect(rows[0]!.find('.sparkline').attributes('data-runs')).toBe('4');
    // The sparkline draws from the list's own answer: no request per row.
    expect(api.calls.filter((c) => /\/tests\/\d+$/.test(c.url))).toEqual([]);
    expect(rows[0]!.find('a').attributes('href')).toBe('/projects/1/tests/11');
  });

  it("shows the project's top failure causes with the runs they affected", async () => {
    const api = fakeApi();
    answerTests(api, 'viewer');
    const { wrapper } = await mountBoard('/projects/1/tests');
    expect(api.calls.find((c) => c.url.startsWith('/api/v1/projects/1/failure-groups'))?.url).toBe('/api/v1/projects/1/failure-groups?limit=10');
    const row = wrapper.find('[data-testid=project-failure-groups] tbody tr');
    expect(row.findAll('td').slice(0, 2).map((td) => td.text())).toEqual(['3', '1']);
    expect(row.text()).toContain('AssertionError');
    expect(row.text()).toContain('assert 107 == 100');
    expect(row.findAll('a').map((a) => a.attributes('href'))).toEqual(['/runs/4', '/runs/6']);
  });

  it('opens from its project', async () => {
    const api = fakeApi();
    answerTests(api, 'viewer');
    api.answer('GET /api/v1/projects/1/environments', { body: page([]) });
    api.answer('GET /api/v1/projects/1/suites', { body: page([]) });
    api.answer('GET /api/v1/datasets', { body: page([]) });
    const { wrapper, router } = await mountBoard('/projects/1');
    await wrapper.find('[data-testid=test-health-link]').trigger('click');
    await settle();
    expect(router.currentRoute.value.fullPath).toBe('/projects/1/tests');
    expect(wrapper.find('h1').text()).toBe('Test health');
    expect(wrapper.find('[data-testid=test-count]').text()).toBe('2 tests');
  });

  it('sends the filters the user sets', async () => {
    const api = fakeApi();
    answerTests(api, 'viewer');
    const { wrapper } = await mountBoard('/projects/1/tests');
    await wrapper.find('select[name=view]').setValue('all');
    await wrapper.find('input[name=suite]').setValue('smoke');
    await wrapper.find('input[name=environment]').setValue('staging');
    await wrapper.find('select[name=quarantined]').setValue('true');
    await wrapper.find('input[name=text]').setValue('cart');
    await wrapper.find('[data-testid=test-filters]').trigger('submit');
    await settle();
    const last = listCalls(api).at(-1)!;
    expect(Object.fromEntries(last)).toEqual({ limit: '50', sort: 'flip_rate', suite: 'smoke', environment: 'staging', quarantined: 'true', text: 'cart' });
  });

  it('offers quarantine and lift to admins only', async () => {
    const api = fakeApi();
    answerTests(api, 'viewer', [quarantineFixture({ node_id: broken.node_id })]);
    const viewer = await mountBoard('/projects/1/tests');
    expect(viewer.wrapper.find('[data-testid=quarantine]').exists()).toBe(false);
    expect(viewer.wrapper.find('[data-testid=lift-quarantine]').exists()).toBe(false);
    expect(viewer.wrapper.find('[data-testid=quarantines]').text()).toContain('@shop-team');
    viewer.wrapper.unmount();

    answerTests(api, 'admin', [quarantineFixture({ node_id: broken.node_id })]);
    const admin = await mountBoard('/projects/1/tests');
    expect(admin.wrapper.findAll('[data-testid=quarantine]')).toHaveLength(2);
    expect(admin.wrapper.find('[data-testid=lift-quarantine]').exists()).toBe(true);
  });

  it('quarantines a test with reason, owner and expiry, then shows it quarantined with its owner and expiry', async () => {
    const api = fakeApi();
    answerTests(api, 'admin');
    const created = quarantineFixture();
    api.answer('POST /api/v1/projects/1/quarantine', () => {
      api.answer('GET /api/v1/projects/1/tests', { body: page([{ ...flaky, quarantined: true }]) });
      api.answer('GET /api/v1/projects/1/quarantine', { body: page([created]) });
      return { status: 201, body: created };
    });
    const { wrapper } = await mountBoard('/projects/1/tests');
    await wrapper.find('[data-node-id="tests/test_cart.py::test_add"] [data-testid=quarantine]').trigger('click');
    await wrapper.find('[data-testid=quarantine-form] input[name=reason]').setValue('flaky stock service');
    await wrapper.find('[data-testid=quarantine-form] input[name=owner]').setValue('@shop-team');
    await wrapper.find('[data-testid=quarantine-form] input[name=expires]').setValue('2027-01-31');
    await wrapper.find('[data-testid=quarantine-form]').trigger('submit');
    await settle();
    expect(api.calls.find((c) => c.method === 'POST')?.body).toEqual({
      node_id: 'tests/test_cart.py::test_add',
      reason: 'flaky stock service',
      owner: '@shop-team',
      expires_at: '2027-01-31T23:59:59Z',
    });
    expect(wrapper.find('[data-testid=quarantine-form]').exists()).toBe(false);
    const row = wrapper.find('[data-testid=tests] [data-node-id="tests/test_cart.py::test_add"]');
    expect(row.find('[data-testid=quarantined]').exists()).toBe(true);
    expect(row.find('[data-testid=quarantine-owner]').text()).toBe('@shop-team');
    expect(row.find('[data-testid=quarantine-expiry]').text()).toContain('until 2027-01-31');
  });

  it("shows the API's problem detail when a quarantine is refused, and keeps the form", async () => {
    const api = fakeApi();
    answerTests(api, 'admin');
    api.answer('POST /api/v1/projects/1/quarantine', { status: 409, body: 'tests/test_cart.py::test_add is already quarantined (quarantine 21)' });
    const { wrapper } = await mountBoard('/projects/1/tests');
    await wrapper.find('[data-testid=quarantine]').trigger('click');
    await wrapper.find('input[name=reason]').setValue('flaky');
    await wrapper.find('input[name=owner]').setValue('me');
    await wrapper.find('[data-testid=quarantine-form]').trigger('submit');
    await settle();
    expect(wrapper.find('[data-testid=action-error]').text()).toBe('tests/test_cart.py::test_add is already quarantined (quarantine 21)');
    expect(wrapper.find('[data-testid=quarantine-form]').exists()).toBe(true);
  });

  it('lifts a quarantine by its id', async () => {
    const api = fakeApi();
    answerTests(api, 'admin', [quarantineFixture()]);
    api.answer('GET /api/v1/projects/1/tests', { body: page([{ ...flaky, quarantined: true }]) });
    api.answer('DELETE /api/v1/projects/1/quarantine/21', () => {
      api.answer('GET /api/v1/projects/1/quarantine', { body: page([]) });
      api.answer('GET /api/v1/projects/1/tests', { body: page([flaky]) });
      return { body: quarantineFixture({ active: false, lifted_at: '2026-12-02T00:00:00.000Z', lifted_by: 'admin', lift_reason: 'lifted' }) };
    });
    const { wrapper } = await mountBoard('/projects/1/tests');
    await wrapper.find('[data-testid=tests] [data-testid=lift]').trigger('click');
    await settle();
    expect(api.calls.filter((c) => c.method === 'DELETE').map((c) => c.url)).toEqual(['/api/v1/projects/1/quarantine/21']);
    expect(wrapper.find('[data-testid=tests] [data-testid=quarantined]').exists()).toBe(false);
    expect(wrapper.find('[data-testid=quarantines]').exists()).toBe(false);
  });
});
