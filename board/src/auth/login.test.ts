import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, me } from '../testing/fake-api';
import { mountBoard, settle } from '../testing/mount';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('signing in', () => {
  it('sends a visitor without a session to /login, then back where they were going', async () => {
    const api = fakeApi();
    api.answer('POST /api/v1/auth/login', { body: { access_token: 'fresh-token', token_type: 'bearer', expires_in: 1800 } });
    api.answer('GET /api/v1/auth/me', { body: me('admin') });
    api.answer('GET /api/v1/projects', { body: { items: [], total: 0, limit: 200, offset: 0 } });
    const { wrapper, router } = await mountBoard('/projects', null);
    expect(router.currentRoute.value.name).toBe('login');

    await wrapper.find('input[name=username]').setValue('admin');
    await wrapper.find('input[name=password]').setValue('admin');
    await wrapper.find('form').trigger('submit');
    await settle();

    expect(api.calls[0]).toMatchObject({ method: 'POST', url: '/api/v1/auth/login', body: 'username=admin&password=admin' });
    expect(router.currentRoute.value.fullPath).toBe('/projects');
    expect(sessionStorage.getItem('qatron.token')).toBe('fresh-token');
    expect(api.calls.at(-1)?.authorization).toBe('Bearer fresh-token');
    expect(wrapper.find('[data-state=empty]').text()).toBe('No projects yet: create the first one.');
  });

  it("shows the problem's detail when the API refuses", async () => {
    const api = fakeApi();
    api.answer('POST /api/v1/auth/login', { status: 401, body: 'Incorrect username or password' });
    const { wrapper, router } = await mountBoard('/login', null);
    await wrapper.find('input[name=username]').setValue('admin');
    await wrapper.find('input[name=password]').setValue('wrong');
    await wrapper.find('form').trigger('submit');
    await settle();
    expect(wrapper.find('[role=alert]').text()).toBe('Incorrect username or password');
    expect(router.currentRoute.value.name).toBe('login');
  });

  it('a 401 on any page ends the session and leads to /login', async () => {
    const api = fakeApi();
    api.answer('GET /api/v1/auth/me', { body: me('user') });
    api.answer('GET /api/v1/runs', { status: 401, body: 'Token expired' });
    api.answer('GET /api/v1/projects', { body: { items: [], total: 0, limit: 200, offset: 0 } });
    const { router } = await mountBoard('/runs');
    expect(router.currentRoute.value.name).toBe('login');
    expect(sessionStorage.getItem('qatron.token')).toBeNull();
  });
});
