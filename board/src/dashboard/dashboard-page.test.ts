import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, me, runFixture } from '../testing/fake-api';
import { mountBoard, settle } from '../testing/mount';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

const dashboard = {
  days: 30,
  since: '2026-11-04T00:00:00.000Z',
  totals: { runs: 12, passed_tests: 95, total_tests: 100, pass_rate: 95, avg_duration_seconds: 42 },
  runs_by_status: [{ status: 'completed', count: 10 }, { status: 'failed', count: 2 }],
  trends: [{ project_id: 1, project_name: 'shop', suite_id: 2, suite_name: 'smoke', points: [{ day: '2026-12-01', runs: 12, pass_rate: 95, avg_duration_seconds: 42 }] }],
  coverage: [{ day: '2026-12-01', avg_coverage_percent: 81 }],
  slowest_tests: [{ project_name: 'shop', node_id: 'tests/test_a.py::test_slow', avg_duration_seconds: 3, runs: 12 }],
  failing_tests: [],
  recent_runs: [runFixture({ status: 'completed', progress: null })],
};

describe('the dashboard', () => {
  it('shows the totals, one chart per figure, and the latest runs; filters by project', async () => {
    const api = fakeApi();
    api.answer('GET /api/v1/auth/me', { body: me('viewer') });
    api.answer('GET /api/v1/projects', { body: { items: [{ id: 1, name: 'shop' }], total: 1, limit: 200, offset: 0 } });
    api.answer('GET /api/v1/dashboard', { body: dashboard });
    const { wrapper } = await mountBoard('/');
    expect(wrapper.find('[data-testid=summary]').text()).toContain('95.0 %');
    expect(wrapper.find('[data-testid=summary]').text()).toContain('42 s');
    expect(wrapper.findAll('.chart').map((c) => c.attributes('aria-label'))).toEqual(['Pass rate trend', 'Duration trend', 'Runs by status', 'Coverage trend', 'Slowest tests']);
    expect(wrapper.text()).toContain('No failures in the latest runs.');
    expect(wrapper.find('a[href="/runs/7"]').text()).toBe('#7');

    await wrapper.find('select[name=project_id]').setValue('1');
    await settle();
    expect(api.calls.at(-1)?.url).toBe('/api/v1/dashboard?days=30&project_id=1');
  });

  it('says what to do when there are no runs, and shows an error with a retry', async () => {
    const api = fakeApi();
    api.answer('GET /api/v1/auth/me', { body: me('viewer') });
    api.answer('GET /api/v1/dashboard', { body: { ...dashboard, totals: { ...dashboard.totals, runs: 0 } } });
    const empty = await mountBoard('/');
    expect(empty.wrapper.find('[data-state=empty]').text()).toContain('No runs in this window yet');
    empty.wrapper.unmount();

    api.answer('GET /api/v1/dashboard', { status: 503, body: 'The database is unreachable' });
    const failing = await mountBoard('/');
    expect(failing.wrapper.find('[data-state=error]').text()).toContain('The database is unreachable');
    api.answer('GET /api/v1/dashboard', { body: dashboard });
    await failing.wrapper.find('[data-state=error] button').trigger('click');
    await settle();
    expect(failing.wrapper.find('[data-testid=summary]').exists()).toBe(true);
  });
});
