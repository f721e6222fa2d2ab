import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, me } from '../testing/fake-api';
import { mountBoard, settle } from '../testing/mount';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

const page = (items: unknown[]) => ({ items, total: items.length, limit: 200, offset: 0 });
const token = { id: 4, name: 'GitHub Actions', token_prefix: 'qat_abcd', project_id: null, role: 'user', created_by: 1, created_at: '2026-12-01T00:00:00Z', expires_at: null, last_used_at: null, revoked_at: null, is_active: true };

describe('the configuration page', () => {
  it('shows a new service token once, then lists it by prefix only, and revokes it', async () => {
    const api = fakeApi();
    api.answer('GET /api/v1/auth/me', { body: me('admin') });
    api.answer('GET /api/v1/users', { body: page([]) });
    api.answer('GET /api/v1/audit-logs', { body: page([]) });
    api.answer('GET /api/v1/projects', { body: page([]) });
    let tokens: unknown[] = [];
    api.answer('GET /api/v1/auth/service-tokens', () => ({ body: page(tokens) }));
    api.answer('POST /api/v1/auth/service-tokens', () => {
      tokens = [token];
      return { status: 201, body: { ...token, token: 'qat_abcd_the-whole-secret' } };
    });
    api.answer('DELETE /api/v1/auth/service-tokens/4', () => {
      tokens = [{ ...token, is_active: false, revoked_at: '2026-12-02T00:00:00Z' }];
      return { status: 204 };
    });
    vi.stubGlobal('confirm', () => true);
    const { wrapper } = await mountBoard('/configuration');
    await wrapper.findAll('.tabs button').find((b) => b.text() === 'Service tokens')!.trigger('click');
    await wrapper.find('input[name=token_name]').setValue('GitHub Actions');
    await wrapper.find('input[name=token_name]').element.closest('form')!.dispatchEvent(new Event('submit'));
    await settle();

    expect(api.calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'GitHub Actions', project_id: null, role: 'user', expires_at: null });
    expect(wrapper.find('[data-testid=created-token]').text()).toContain('qat_abcd_the-whole-secret');
    expect(wrapper.find('[data-testid=tokens]').text()).toContain('qat_abcd…');
    expect(wrapper.find('[data-testid=tokens]').text()).not.toContain('the-whole-secret');

    await wrapper.findAll('[data-testid=tokens] button').find((b) => b.text() === 'Revoke')!.trigger('click');
    await settle();
    expect(api.calls.some((c) => c.method === 'DELETE' && c.url === '/api/v1/auth/service-tokens/4')).toBe(true);
    expect(wrapper.find('[data-testid=tokens]').text()).toContain('revoked');

    await wrapper.find('[data-testid=created-token] button').trigger('click');
    expect(wrapper.find('[data-testid=created-token]').exists()).toBe(false);
  });

  it('filters the audit log by action and shows a refused filter as its problem detail', async () => {
    const api = fakeApi();
    api.answer('GET /api/v1/auth/me', { body: me('admin') });
    api.answer('GET /api/v1/users', { body: page([]) });
    api.answer('GET /api/v1/auth/service-tokens', { body: page([]) });
    api.answer('GET /api/v1/projects', { body: page([]) });
    api.answer('GET /api/v1/audit-logs', (url) =>
      url.searchParams.get('action') === 'bogus'
        ? { status: 422, body: "query.action: must be an audit action (project.created) or a prefix ending in '.'" }
        : { body: page([{ id: 1, created_at: '2026-12-01T00:00:00Z', action: 'run.triggered', user_id: 1, actor: 'admin', resource_type: 'run', resource_id: '7', details: {}, ip_address: '127.0.0.1', user_agent: null }]) },
    );
    const { wrapper } = await mountBoard('/configuration');
    await wrapper.findAll('.tabs button').find((b) => b.text() === 'Audit log')!.trigger('click');
    expect(wrapper.find('[data-testid=audit]').text()).toContain('run.triggered');
    await wrapper.find('input[name=action]').setValue('bogus');
    await wrapper.find('input[name=action]').element.closest('form')!.dispatchEvent(new Event('submit'));
    await settle();
    expect(api.calls.at(-1)?.url).toBe('/api/v1/audit-logs?action=bogus&limit=50&offset=0');
    expect(wrapper.find('[data-state=error]').text()).toContain('query.action: must be an audit action');
  });
});
