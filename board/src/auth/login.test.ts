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

describe('signing in with SSO', () => {
  it("offers \"Sign in with SSO\" for an organization that has it (?organization=), and not for one without", async () => {
    const api = fakeApi();
    api.answer('GET /api/v1/auth/oidc/acme/options', { body: { sso_enabled: true, password_login_enabled: false, login_url: '/api/v1/auth/oidc/acme/login' } });
    api.answer('GET /api/v1/auth/oidc/plain/options', { body: { sso_enabled: false, password_login_enabled: true, login_url: null } });
    const { wrapper } = await mountBoard('/login?organization=acme', null);
    const link = wrapper.find('a[data-sso]');
    expect(link.text()).toBe('Sign in with SSO');
    expect(link.attributes('href')).toBe('/api/v1/auth/oidc/acme/login');
    expect(wrapper.find('[data-password-disabled]').exists()).toBe(true);

    await wrapper.find('input[name=organization]').setValue('plain');
    await settle();
    expect(wrapper.find('a[data-sso]').exists()).toBe(false);
    expect(api.calls.map((c) => c.url)).toEqual(['/api/v1/auth/oidc/acme/options', '/api/v1/auth/oidc/plain/options']);
  });

  it('exchanges the one-time code the callback left in the fragment for a session, then opens the Board', async () => {
    const api = fakeApi();
    api.answer('POST /api/v1/auth/oidc/session', { body: { access_token: 'sso-token', token_type: 'bearer', expires_in: 1800, password_change_required: false } });
    api.answer('GET /api/v1/auth/me', { body: me('user') });
    const { router } = await mountBoard('/login#sso_code=one-time', null);
    // The dashboard's code is loaded only now (nothing prefetched it): wait for the navigation.
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('dashboard'), { timeout: 5000 });
    expect(api.calls[0]).toMatchObject({ method: 'POST', url: '/api/v1/auth/oidc/session', body: { code: 'one-time' }, authorization: null });
    expect(sessionStorage.getItem('qatron.token')).toBe('sso-token');
  });
});
