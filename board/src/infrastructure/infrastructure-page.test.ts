import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, me } from '../testing/fake-api';
import { mountBoard, settle } from '../testing/mount';
import { timeAgo } from './grids';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

const resource = (id: number, kind: string, status: string, seconds: number | null, overrides: Record<string, unknown> = {}) => ({
  id, name: `${kind}-${id}`, kind, url: null, capacity: 2, metadata: { version: '0.1.0' }, status, check: null,
  last_heartbeat_at: seconds === null ? null : '2026-12-01T00:00:00Z', seconds_since_heartbeat: seconds, stopped_at: null, created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-01T00:00:00Z',
  ...overrides,
});

const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

/** A Grid whose last check reached it: one Chromium node with 1 of 2 slots free. */
const healthyGrid = () =>
  resource(4, 'grid', 'online', null, {
    name: 'local', url: 'http://localhost:4444',
    check: {
      checked_at: secondsAgo(4), error: null,
      health: { ready: true, message: 'Selenium Grid ready.', nodes: 1, nodes_up: 1, slots_total: 2, slots_free: 1, browsers: [{ name: 'chrome', version: '156.0', slots_total: 2, slots_free: 1 }], version: '4.48.0' },
    },
  });

/** A Grid that did not answer its last check. */
const downGrid = () =>
  resource(5, 'grid', 'unhealthy', null, { name: 'ci-grid', url: 'http://hub.test:4444', check: { checked_at: secondsAgo(150), error: 'connection refused', health: null } });

function answerGrids(api: ReturnType<typeof fakeApi>, role: 'viewer' | 'admin') {
  api.answer('GET /api/v1/auth/me', { body: me(role) });
  api.answer('GET /api/v1/infrastructure', { body: { items: [resource(1, 'worker', 'online', 4), healthyGrid(), downGrid()], total: 3, limit: 200, offset: 0 } });
}

describe('the infrastructure page', () => {
  it('lists workers and grids with their heartbeat status', async () => {
    const api = fakeApi();
    api.answer('GET /api/v1/auth/me', { body: me('viewer') });
    api.answer('GET /api/v1/infrastructure', { body: { items: [resource(1, 'worker', 'online', 4), resource(2, 'worker', 'stale', 95), resource(3, 'grid', 'offline', null)], total: 3, limit: 200, offset: 0 } });
    const { wrapper } = await mountBoard('/infrastructure');
    const workers = wrapper.findAll('[data-testid=workers] tbody tr');
    expect(workers.map((row) => row.find('[data-status]').attributes('data-status'))).toEqual(['online', 'stale']);
    expect(workers[0]!.text()).toContain('4 s ago');
    expect(wrapper.find('[data-testid=grids]').text()).toContain('never');
  });

  it("shows each Grid's status, readiness, free slots, browsers, last check and, when unhealthy, why; a viewer gets no admin controls", async () => {
    const api = fakeApi();
    answerGrids(api, 'viewer');
    const { wrapper } = await mountBoard('/infrastructure');
    const healthy = wrapper.find('[data-grid=local]');
    expect(healthy.find('[data-status]').attributes('data-status')).toBe('online');
    expect(healthy.find('[data-testid=ready]').text()).toBe('yes');
    expect(healthy.find('[data-testid=slots]').text()).toBe('1 / 2');
    expect(healthy.find('[data-testid=browsers]').text()).toBe('chrome 156.0 (1 / 2 free)');
    expect(healthy.find('[data-testid=last-check]').text()).toMatch(/^[4-6] s ago$/);
    expect(healthy.find('a').attributes('href')).toBe('/infrastructure/grids/4');
    const down = wrapper.find('[data-grid=ci-grid]');
    expect(down.find('[data-status]').classes()).toContain('bad');
    expect(down.find('[data-testid=check-error]').text()).toBe('connection refused');
    expect(down.find('[data-testid=slots]').text()).toBe('—');
    expect(down.find('[data-testid=last-check]').text()).toBe('2 min ago');
    expect(wrapper.find('[data-testid=grid-register-form]').exists()).toBe(false);
    expect(wrapper.find('[data-testid=check-grid]').exists()).toBe(false);
    expect(wrapper.find('[data-testid=remove-grid]').exists()).toBe(false);
  });

  it('lets an admin register a Grid by name and URL, check one now and remove one after confirming', async () => {
    const api = fakeApi();
    answerGrids(api, 'admin');
    api.answer('POST /api/v1/infrastructure', { status: 201, body: healthyGrid() });
    api.answer('POST /api/v1/infrastructure/5/check', { body: downGrid() });
    api.answer('DELETE /api/v1/infrastructure/5', { status: 204 });
    const { wrapper } = await mountBoard('/infrastructure');
    const form = wrapper.find('[data-testid=grid-register-form]');
    await form.find('input[name=name]').setValue(' local ');
    await form.find('input[name=url]').setValue('http://localhost:4444');
    await form.trigger('submit');
    await settle();
    await wrapper.find('[data-grid=ci-grid] [data-testid=check-grid]').trigger('click');
    await settle();
    const confirm = vi.fn(() => true);
    vi.stubGlobal('confirm', confirm);
    await wrapper.find('[data-grid=ci-grid] [data-testid=remove-grid]').trigger('click');
    await settle();
    expect(confirm).toHaveBeenCalledWith('Remove Selenium Grid ci-grid? Environments using it will need another Grid.');
    expect(api.calls.filter((c) => c.method !== 'GET').map((c) => [c.method, c.url, c.body])).toEqual([
      ['POST', '/api/v1/infrastructure', { name: 'local', kind: 'grid', url: 'http://localhost:4444' }],
      ['POST', '/api/v1/infrastructure/5/check', undefined],
      ['DELETE', '/api/v1/infrastructure/5', undefined],
    ]);
    expect(wrapper.find('[data-testid=action-error]').exists()).toBe(false);
  });

  it("shows the API's refusal of a registration", async () => {
    const api = fakeApi();
    answerGrids(api, 'admin');
    api.answer('POST /api/v1/infrastructure', { status: 422, body: 'url: must be an http:// or https:// URL' });
    const { wrapper } = await mountBoard('/infrastructure');
    const form = wrapper.find('[data-testid=grid-register-form]');
    await form.find('input[name=name]').setValue('bad');
    await form.find('input[name=url]').setValue('ftp://x');
    await form.trigger('submit');
    await settle();
    expect(wrapper.find('[data-testid=action-error]').text()).toBe('url: must be an http:// or https:// URL');
  });

  it('says when nothing has registered', async () => {
    const api = fakeApi();
    api.answer('GET /api/v1/auth/me', { body: me('viewer') });
    api.answer('GET /api/v1/infrastructure', { body: { items: [], total: 0, limit: 200, offset: 0 } });
    const { wrapper } = await mountBoard('/infrastructure');
    expect(wrapper.find('[data-state=empty]').text()).toBe('No workers or grids have registered yet.');
  });
});

describe("a Grid's page", () => {
  it('shows its last check and its outage history, the ongoing one last to end', async () => {
    const api = fakeApi();
    api.answer('GET /api/v1/auth/me', { body: me('viewer') });
    api.answer('GET /api/v1/infrastructure/5', { body: downGrid() });
    api.answer('GET /api/v1/infrastructure/5/outages', {
      body: {
        items: [
          { id: 9, started_at: secondsAgo(125), ended_at: null, reason: 'connection refused', duration_seconds: null },
          { id: 8, started_at: '2026-12-01T10:00:00.000Z', ended_at: '2026-12-01T10:03:20.000Z', reason: 'not ready: no node offers a slot', duration_seconds: 200 },
        ],
        total: 2, limit: 50, offset: 0,
      },
    });
    const { wrapper } = await mountBoard('/infrastructure/grids/5');
    expect(wrapper.find('h1').text()).toBe('Selenium Grid ci-grid');
    expect(wrapper.find('[data-testid=grid-details] [data-status]').attributes('data-status')).toBe('unhealthy');
    expect(wrapper.find('[data-testid=check-error]').text()).toBe('connection refused');
    const rows = wrapper.findAll('[data-testid=outages] tbody tr').map((row) => row.findAll('td').map((td) => td.text()));
    expect(rows.map((cells) => cells.slice(1))).toEqual([
      ['ongoing', expect.stringMatching(/^2 min [5-7] s so far$/), 'connection refused'],
      [expect.stringMatching(/^2026-12-01 /), '3 min 20 s', 'not ready: no node offers a slot'],
    ]);
  });

  it('says when the Grid never had an outage', async () => {
    const api = fakeApi();
    api.answer('GET /api/v1/auth/me', { body: me('viewer') });
    api.answer('GET /api/v1/infrastructure/4', { body: healthyGrid() });
    api.answer('GET /api/v1/infrastructure/4/outages', { body: { items: [], total: 0, limit: 50, offset: 0 } });
    const { wrapper } = await mountBoard('/infrastructure/grids/4');
    expect(wrapper.find('[data-testid=slots]').text()).toBe('1 / 2');
    expect(wrapper.find('[data-testid=no-outages]').text()).toBe('No outage recorded.');
  });
});

describe('timeAgo', () => {
  it('says how long ago in seconds, minutes, hours or days', () => {
    const now = new Date('2026-12-06T12:00:00Z');
    expect(timeAgo(null, now)).toBe('never');
    expect(timeAgo('2026-12-06T11:59:56Z', now)).toBe('4 s ago');
    expect(timeAgo('2026-12-06T11:57:00Z', now)).toBe('3 min ago');
    expect(timeAgo('2026-12-06T09:00:00Z', now)).toBe('3 h ago');
    expect(timeAgo('2026-12-01T12:00:00Z', now)).toBe('5 d ago');
  });
});
