import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, me, runFixture } from '../testing/fake-api';
import { mountBoard, settle } from '../testing/mount';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
  document.body.innerHTML = '';
});

function answerRun(api: ReturnType<typeof fakeApi>, role: 'viewer' | 'user' | 'admin', run: () => unknown) {
  api.answer('GET /api/v1/auth/me', { body: me(role) });
  api.answer('GET /api/v1/runs/7', () => ({ body: run() }));
  api.answer('GET /api/v1/runs/7/artifacts', { body: { items: [], total: 0, limit: 200, offset: 0, artifacts_deleted: false } });
  api.answer('GET /api/v1/runs/7/tests', { body: { items: [], total: 0, limit: 50, offset: 0 } });
  api.answer('GET /api/v1/runs/7/failure-groups', { body: { run_id: 7, failures: 0, ungrouped: 0, groups: [] } });
}

describe('the run page', () => {
  it('shows a live run with its shards, and the cancel button to a user', async () => {
    const api = fakeApi();
    answerRun(api, 'user', () => runFixture());
    const { wrapper } = await mountBoard('/runs/7');
    expect(wrapper.find('[data-testid=run-status]').attributes('data-status')).toBe('running');
    expect(wrapper.findAll('[data-testid=shards] tbody tr')).toHaveLength(1);
    expect(wrapper.find('[data-testid=shards]').text()).toContain('1 / 4');
    expect(wrapper.find('[data-testid=cancel-run]').exists()).toBe(true);
    expect(wrapper.find('[data-testid=report-link]').exists()).toBe(false);
  });

  it('hides cancel from a viewer', async () => {
    const api = fakeApi();
    answerRun(api, 'viewer', () => runFixture());
    const { wrapper } = await mountBoard('/runs/7');
    expect(wrapper.find('[data-testid=run-status]').exists()).toBe(true);
    expect(wrapper.find('[data-testid=cancel-run]').exists()).toBe(false);
  });

  it('follows the run live by polling until its verdict, then until its report is attached, then links the report', async () => {
    const api = fakeApi();
    let current = runFixture();
    answerRun(api, 'user', () => current);
    const { wrapper } = await mountBoard('/runs/7');
    expect(wrapper.find('[data-testid=run-status]').attributes('data-status')).toBe('running');
    const verdict = { status: 'completed', progress: null, passed_tests: 4, xfailed_tests: 2, error_tests: 0, completed_at: '2026-12-01T10:01:00.000Z' } as const;
    current = runFixture({ ...verdict, report_status: 'pending' });
    await new Promise((r) => setTimeout(r, 2100));
    await settle();
    expect(wrapper.find('[data-testid=run-status]').attributes('data-status')).toBe('completed');
    expect(wrapper.find('[data-testid=passed-tests]').text()).toBe('4');
    expect(wrapper.find('[data-testid=xfailed-tests]').text()).toBe('2');
    expect(wrapper.find('[data-testid=report-pending]').exists()).toBe(true);
    expect(wrapper.find('[data-testid=report-link]').exists()).toBe(false);
    current = runFixture({ ...verdict, report_status: 'ready', report_url: '/api/v1/runs/7/report/?token=t' });
    await new Promise((r) => setTimeout(r, 2100));
    await settle();
    expect(wrapper.find('[data-testid=report-pending]').exists()).toBe(false);
    expect(wrapper.find('[data-testid=report-link]').attributes('href')).toBe('/api/v1/runs/7/report/?token=t');
    expect(wrapper.find('[data-testid=cancel-run]').exists()).toBe(false);
    const polls = api.calls.filter((c) => c.url === '/api/v1/runs/7').length;
    await new Promise((r) => setTimeout(r, 2100));
    expect(api.calls.filter((c) => c.url === '/api/v1/runs/7').length).toBe(polls);
  }, 15_000);

  it('shows a missing run as an error with its detail', async () => {
    const api = fakeApi();
    api.answer('GET /api/v1/auth/me', { body: me('viewer') });
    api.answer('GET /api/v1/runs/7', { status: 404, body: 'Run 7 not found' });
    api.answer('GET /api/v1/runs/7/artifacts', { status: 404, body: 'Run 7 not found' });
    const { wrapper } = await mountBoard('/runs/7');
    expect(wrapper.find('[data-state=error]').text()).toContain('Run 7 not found');
  });
});
