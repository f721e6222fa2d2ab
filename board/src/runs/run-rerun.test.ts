import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, me, runFixture } from '../testing/fake-api';
import { mountBoard, settle } from '../testing/mount';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

const failedRun = runFixture({ status: 'failed', progress: null, report_status: 'ready', passed_tests: 2, failed_tests: 3, completed_at: '2026-12-01T10:01:00.000Z' });

const groups = {
  run_id: 7,
  failures: 3,
  ungrouped: 0,
  groups: [
    {
      fingerprint: 'a1b2c3d4e5f60718',
      count: 2,
      exception_type: 'AssertionError',
      message: 'assert 107 == 100',
      normalized_message: 'assert <num> == <num>',
      frame: 'shop/orders.py::total',
      node_ids: ['tests/test_orders.py::test_total', 'tests/test_orders.py::test_total_with_tax'],
      known: false,
      first_seen_run_id: 7,
    },
    {
      fingerprint: '0f1e2d3c4b5a6978',
      count: 1,
      exception_type: 'requests.exceptions.ConnectionError',
      message: 'connection refused',
      normalized_message: 'connection refused',
      frame: null,
      node_ids: ['tests/test_stock.py::test_sync'],
      known: true,
      first_seen_run_id: 3,
    },
  ],
};

function answerRun(api: ReturnType<typeof fakeApi>, role: 'viewer' | 'user' | 'admin', id: number, run: unknown) {
  api.answer('GET /api/v1/auth/me', { body: me(role) });
  api.answer(`GET /api/v1/runs/${id}`, { body: run });
  api.answer(`GET /api/v1/runs/${id}/artifacts`, { body: { items: [], total: 0, limit: 200, offset: 0, artifacts_deleted: false } });
  api.answer(`GET /api/v1/runs/${id}/tests`, { body: { items: [], total: 0, limit: 50, offset: 0 } });
  api.answer(`GET /api/v1/runs/${id}/failure-groups`, { body: { ...groups, run_id: id } });
}

describe('failure groups and re-runs on the run page', () => {
  it('groups the failures by cause: count, exception type, message, frame, the tests folded, new or known', async () => {
    const api = fakeApi();
    answerRun(api, 'viewer', 7, failedRun);
    const { wrapper } = await mountBoard('/runs/7');
    const rows = wrapper.findAll('[data-testid=failure-groups] tbody tr');
    expect(rows.map((r) => r.find('[data-testid=group-count]').text())).toEqual(['2', '1']);
    expect(rows[0]!.text()).toContain('AssertionError');
    expect(rows[0]!.find('[data-testid=group-message]').text()).toBe('assert 107 == 100');
    expect(rows[0]!.text()).toContain('shop/orders.py::total');
    expect(rows[0]!.find('details').attributes('open')).toBeUndefined();
    expect(rows[0]!.find('summary').text()).toBe('2 tests');
    expect(rows[0]!.findAll('[data-testid=group-tests] li').map((li) => li.text())).toEqual(groups.groups[0]!.node_ids);
    expect(rows[0]!.find('[data-testid=group-new]').exists()).toBe(true);
    expect(rows[1]!.find('[data-testid=group-known]').text()).toBe('known since #3');
    expect(rows[1]!.find('[data-testid=group-known] a').attributes('href')).toBe('/runs/3');
  });

  it('offers "Re-run failed" to users on a final run with failures, never to viewers, nor on a green or live run', async () => {
    const api = fakeApi();
    answerRun(api, 'viewer', 7, failedRun);
    const viewer = await mountBoard('/runs/7');
    expect(viewer.wrapper.find('[data-testid=run-status]').exists()).toBe(true);
    expect(viewer.wrapper.find('[data-testid=rerun-failed]').exists()).toBe(false);
    viewer.wrapper.unmount();

    answerRun(api, 'user', 7, failedRun);
    const user = await mountBoard('/runs/7');
    expect(user.wrapper.find('[data-testid=rerun-failed]').exists()).toBe(true);
    user.wrapper.unmount();

    answerRun(api, 'admin', 7, runFixture({ status: 'completed', progress: null, report_status: 'ready', failed_tests: 0 }));
    const green = await mountBoard('/runs/7');
    expect(green.wrapper.find('[data-testid=rerun-failed]').exists()).toBe(false);
    green.wrapper.unmount();

    answerRun(api, 'admin', 7, runFixture({ failed_tests: 1 }));
    const live = await mountBoard('/runs/7');
    expect(live.wrapper.find('[data-testid=rerun-failed]').exists()).toBe(false);
  });

  it('posts scope failed and opens the new run, which says what it re-runs', async () => {
    const api = fakeApi();
    answerRun(api, 'user', 7, failedRun);
    const rerun = runFixture({ id: 8, status: 'queued', progress: null, rerun_of: 7, rerun_scope: 'failed', total_tests: 0, passed_tests: 0 });
    answerRun(api, 'user', 8, rerun);
    api.answer('POST /api/v1/runs/7/rerun', { status: 201, body: rerun });
    const { wrapper, router } = await mountBoard('/runs/7');
    await wrapper.find('[data-testid=rerun-failed]').trigger('click');
    await settle();
    expect(api.calls.find((c) => c.method === 'POST')).toMatchObject({ url: '/api/v1/runs/7/rerun', body: { scope: 'failed' } });
    expect(router.currentRoute.value.fullPath).toBe('/runs/8');
    expect(wrapper.find('h1').text()).toBe('Run #8');
    expect(wrapper.find('[data-testid=rerun-of]').text()).toContain('Re-run of #7 (its failed tests)');
    expect(wrapper.find('[data-testid=rerun-of] a').attributes('href')).toBe('/runs/7');
  });

  it("shows the API's problem detail when the re-run is refused", async () => {
    const api = fakeApi();
    answerRun(api, 'user', 7, failedRun);
    api.answer('POST /api/v1/runs/7/rerun', { status: 409, body: 'run 7 has no failed or errored tests to re-run' });
    const { wrapper, router } = await mountBoard('/runs/7');
    await wrapper.find('[data-testid=rerun-failed]').trigger('click');
    await settle();
    expect(wrapper.find('[role=alert]').text()).toBe('run 7 has no failed or errored tests to re-run');
    expect(router.currentRoute.value.fullPath).toBe('/runs/7');
  });

  it("lists the run's re-runs and counts its quarantined failures", async () => {
    const api = fakeApi();
    const reruns = [{ id: 9, status: 'completed', scope: 'failed', total_tests: 3, passed_tests: 3, failed_tests: 0, error_tests: 0, created_at: '2026-12-01T10:05:00.000Z' }];
    answerRun(api, 'viewer', 7, { ...failedRun, quarantined_failures: 2, reruns });
    const { wrapper } = await mountBoard('/runs/7');
    expect(wrapper.find('[data-testid=quarantined-failures]').text()).toBe('2');
    const row = wrapper.find('[data-testid=reruns] tbody tr');
    expect(row.find('a').attributes('href')).toBe('/runs/9');
    expect(row.find('[data-status]').attributes('data-status')).toBe('completed');
    expect(row.text()).toContain('failed tests');
    expect(wrapper.find('[data-testid=rerun-of]').exists()).toBe(false);
  });

  it('shows no quarantined failures when there are none', async () => {
    const api = fakeApi();
    answerRun(api, 'viewer', 7, failedRun);
    const { wrapper } = await mountBoard('/runs/7');
    expect(wrapper.find('[data-testid=quarantined-failures]').exists()).toBe(false);
    expect(wrapper.find('[data-testid=reruns]').exists()).toBe(false);
  });
});
