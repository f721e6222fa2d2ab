import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, me } from '../testing/fake-api';
import { mountBoard, settle } from '../testing/mount';
import { scheduleRequest, timingText, type ScheduleFormValues } from './schedules';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

const project = { id: 1, organization_id: 1, name: 'shop', description: '', repo_url: '/repo', default_branch: 'main', auth_method: 'none', secret_ref: null, environment_count: 1, suite_count: 1, created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-01T00:00:00Z' };
const environment = { id: 3, organization_id: 1, project_id: 1, name: 'staging', kind: 'staging', base_url: null, variables: {}, secret_refs: {}, retention_days: null, effective_retention_days: 30, dataset_id: null, grid_id: null, grid_name: null, created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-01T00:00:00Z' };
const suite = { id: 2, organization_id: 1, project_id: 1, name: 'nightly', description: '', layer: 'integration', markers: '', keywords: '', paths: [], shards: 1, workers_per_shard: 0, retries: 0, timeout_seconds: 3600, coverage: true, coverage_threshold: null, allow_empty: false, install_command: null, python_version: null, require_dataset_health: false, created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-01T00:00:00Z' };
const schedule = {
  id: 5, organization_id: 1, project_id: 1, suite_id: 2, suite_name: 'nightly', environment_id: 3, environment_name: 'staging', cron: '0 2 * * *', interval_seconds: null, timezone: 'Europe/Berlin', branch: 'main', paused: false, description: '',
  temporal_schedule_id: 'qatron-schedule-5', next_run_at: '2026-12-08T01:00:00.000Z', created_by_name: 'alice', created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-01T00:00:00Z',
};
const page = (items: unknown[]) => ({ items, total: items.length, limit: 200, offset: 0 });

function answerProject(api: ReturnType<typeof fakeApi>, role: 'viewer' | 'user') {
  api.answer('GET /api/v1/auth/me', { body: me(role) });
  api.answer('GET /api/v1/projects/1', { body: project });
  api.answer('GET /api/v1/projects/1/environments', { body: page([environment]) });
  api.answer('GET /api/v1/projects/1/suites', { body: page([suite]) });
  api.answer('GET /api/v1/datasets', { body: page([]) });
  api.answer('GET /api/v1/infrastructure', { body: page([]) });
}

const form = (overrides: Partial<ScheduleFormValues> = {}): ScheduleFormValues => ({
  suiteId: 2, environmentId: 3, mode: 'cron', cron: ' 0 2 * * * ', every: 1, unit: 'h', timezone: 'Europe/Berlin', branch: '', paused: false, ...overrides,
});

describe('schedule helpers', () => {
  it('says when a schedule fires: its cron expression, or its interval in the largest whole unit', () => {
    expect(timingText({ cron: '0 2 * * *', interval_seconds: null })).toBe('0 2 * * *');
    expect(timingText({ cron: null, interval_seconds: 3600 })).toBe('every 1h');
    expect(timingText({ cron: null, interval_seconds: 172_800 })).toBe('every 2d');
    expect(timingText({ cron: null, interval_seconds: 900 })).toBe('every 15m');
    expect(timingText({ cron: null, interval_seconds: 90 })).toBe('every 90s');
  });

  it('builds the create request: cron or interval seconds, the branch only when given', () => {
    expect(scheduleRequest(form())).toEqual({ suiteId: 2, body: { cron: '0 2 * * *', environment_id: 3, timezone: 'Europe/Berlin', paused: false } });
    expect(scheduleRequest(form({ mode: 'every', every: 6, unit: 'h', timezone: ' ', branch: 'develop', paused: true }))).toEqual({
      suiteId: 2,
      body: { interval_seconds: 21_600, environment_id: 3, timezone: 'UTC', branch: 'develop', paused: true },
    });
    expect(scheduleRequest(form({ environmentId: null }))).toBeNull();
  });
});

describe('the project page schedules section', () => {
  it('lists schedules with their next run for viewers, without the form or the buttons', async () => {
    const api = fakeApi();
    answerProject(api, 'viewer');
    api.answer('GET /api/v1/suites/2/schedules', { body: page([schedule, { ...schedule, id: 6, cron: null, interval_seconds: 3600, timezone: 'UTC', paused: true, next_run_at: null }]) });
    const { wrapper } = await mountBoard('/projects/1');
    const rows = wrapper.findAll('[data-testid=schedules] tbody tr');
    expect(rows.map((r) => r.findAll('td').slice(0, 6).map((td) => td.text()))).toEqual([
      ['nightly', 'staging', '0 2 * * *', 'Europe/Berlin', 'main', 'active'],
      ['nightly', 'staging', 'every 1h', 'UTC', 'main', 'paused'],
    ]);
    expect(rows[0]!.findAll('td')[6]!.text()).toBe(new Date(schedule.next_run_at).toLocaleString());
    expect(rows[1]!.findAll('td')[6]!.text()).toBe('—');
    expect(wrapper.find('[data-testid=schedule-form]').exists()).toBe(false);
    expect(wrapper.find('[data-testid=toggle-schedule]').exists()).toBe(false);
  });

  it('lets users create, pause and resume a schedule, reloading the list after each', async () => {
    const api = fakeApi();
    answerProject(api, 'user');
    let stored: (typeof schedule)[] = [];
    api.answer('GET /api/v1/suites/2/schedules', () => ({ body: page(stored) }));
    api.answer('POST /api/v1/suites/2/schedules', () => {
      stored = [{ ...schedule, cron: '30 4 * * 1-5' }];
      return { status: 201, body: stored[0] };
    });
    api.answer('POST /api/v1/schedules/5/pause', () => {
      stored = [{ ...stored[0]!, paused: true, next_run_at: null as unknown as string }];
      return { body: stored[0] };
    });
    const { wrapper } = await mountBoard('/projects/1');
    expect(wrapper.text()).toContain('No scheduled runs.');

    const scheduleForm = wrapper.find('[data-testid=schedule-form]');
    await scheduleForm.find('input[name=cron]').setValue('30 4 * * 1-5');
    await scheduleForm.find('input[name=timezone]').setValue('Europe/Berlin');
    await scheduleForm.trigger('submit');
    await settle();
    expect(api.calls.filter((c) => c.method === 'POST').map((c) => [c.url, c.body])).toEqual([
      ['/api/v1/suites/2/schedules', { cron: '30 4 * * 1-5', environment_id: 3, timezone: 'Europe/Berlin', paused: false }],
    ]);
    expect(wrapper.find('[data-testid=schedules] tr[data-schedule="5"]').text()).toContain('30 4 * * 1-5');

    await wrapper.find('[data-testid=toggle-schedule]').trigger('click');
    await settle();
    expect(api.calls.at(-2)).toMatchObject({ method: 'POST', url: '/api/v1/schedules/5/pause' });
    expect(wrapper.find('[data-testid=schedules] td[data-state]').text()).toBe('paused');
    expect(wrapper.find('[data-testid=toggle-schedule]').text()).toBe('Resume');
  });
});
