import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, me } from '../testing/fake-api';
import { mountBoard, settle } from '../testing/mount';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

async function fill(wrapper: Awaited<ReturnType<typeof mountBoard>>['wrapper'], current: string, next: string, again: string) {
  await wrapper.find('input[name=current_password]').setValue(current);
  await wrapper.find('input[name=new_password]').setValue(next);
  await wrapper.find('input[name=new_password_again]').setValue(again);
}

describe('the account page', () => {
  it('is reached from the name in the top bar and changes the password', async () => {
    const api = fakeApi();
    api.answer('GET /api/v1/auth/me', { body: me('viewer') });
    api.answer('POST /api/v1/auth/password', { status: 204 });
    api.answer('GET /api/v1/projects', { body: { items: [], total: 0, limit: 200, offset: 0 } });
    const { wrapper, router } = await mountBoard('/projects');
    expect(wrapper.find('a[data-testid=who]').attributes('href')).toBe('/account');
    await router.push('/account');
    await settle();
    expect(router.currentRoute.value.name).toBe('account');

    await fill(wrapper, 'old-password', 'new-password-1', 'new-password-1');
    await wrapper.find('form').trigger('submit');
    await settle();
    const change = api.calls.find((c) => c.url === '/api/v1/auth/password');
    expect(change).toMatchObject({ method: 'POST', authorization: 'Bearer session-token' });
    expect(change!.body).toEqual({ current_password: 'old-password', new_password: 'new-password-1' });
    expect(wrapper.find('[data-testid=changed]').text()).toBe('Password changed.');
  });

  it('refuses to send two different new passwords, and shows the API’s refusal', async () => {
    const api = fakeApi();
    api.answer('GET /api/v1/auth/me', { body: me('user') });
    api.answer('POST /api/v1/auth/password', { status: 422, body: 'current_password: is not the current password' });
    const { wrapper } = await mountBoard('/account');
    await fill(wrapper, 'old-password', 'new-password-1', 'new-password-2');
    expect(wrapper.find('[role=alert]').text()).toBe('The two new passwords differ.');
    expect(wrapper.find('button[type=submit]').attributes('disabled')).toBeDefined();

    await fill(wrapper, 'wrong-password', 'new-password-1', 'new-password-1');
    await wrapper.find('form').trigger('submit');
    await settle();
    expect(wrapper.find('[role=alert]').text()).toBe('current_password: is not the current password');
  });

  it('after an admin reset, shows only the password change until it is done, then where the user was going', async () => {
    const api = fakeApi();
    api.answer('POST /api/v1/auth/login', { body: { access_token: 'reset-token', token_type: 'bearer', expires_in: 1800, password_change_required: true } });
    api.answer('POST /api/v1/auth/password', { status: 204 });
    api.answer('GET /api/v1/auth/me', { body: me('user') });
    api.answer('GET /api/v1/projects', { body: { items: [], total: 0, limit: 200, offset: 0 } });
    const { wrapper, router } = await mountBoard('/projects', null);
    await wrapper.find('input[name=username]').setValue('alice');
    await wrapper.find('input[name=password]').setValue('temporary-1234');
    await wrapper.find('form').trigger('submit');
    await settle();
    expect(router.currentRoute.value.name).toBe('account');
    expect(wrapper.find('[data-testid=forced]').exists()).toBe(true);
    expect(api.calls.some((c) => c.url === '/api/v1/auth/me')).toBe(false);
    await router.push('/runs');
    expect(router.currentRoute.value.name).toBe('account');

    await fill(wrapper, 'temporary-1234', 'my-own-choice-1', 'my-own-choice-1');
    await wrapper.find('form').trigger('submit');
    await settle();
    expect(router.currentRoute.value.fullPath).toBe('/projects');
  });
});
