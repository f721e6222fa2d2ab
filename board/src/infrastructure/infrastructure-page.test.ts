import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, me } from '../testing/fake-api';
import { mountBoard } from '../testing/mount';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

const resource = (id: number, kind: string, status: string, seconds: number | null) => ({
  id, name: `${kind}-${id}`, kind, url: null, capacity: 2, metadata: { version: '0.1.0' }, status,
  last_heartbeat_at: seconds === null ? null : '2026-12-01T00:00:00Z', seconds_since_heartbeat: seconds, stopped_at: null, created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-01T00:00:00Z',
});

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

  it('says when nothing has registered', async () => {
    const api = fakeApi();
    api.answer('GET /api/v1/auth/me', { body: me('viewer') });
    api.answer('GET /api/v1/infrastructure', { body: { items: [], total: 0, limit: 200, offset: 0 } });
    const { wrapper } = await mountBoard('/infrastructure');
    expect(wrapper.find('[data-state=empty]').text()).toBe('No workers or grids have registered yet.');
  });
});
