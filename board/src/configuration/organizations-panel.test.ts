import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, me } from '../testing/fake-api';
import { mountBoard, settle } from '../testing/mount';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

const organization = (id: number, name: string, overrides: Record<string, unknown> = {}) => ({
  id,
  name,
  slug: name.toLowerCase().replace(/\W+/g, '-'),
  is_active: true,
  deactivated_at: null,
  settings: {},
  created_at: '2026-12-01T00:00:00Z',
  updated_at: '2026-12-01T00:00:00Z',
  ...overrides,
});
const page = (items: unknown[], platformAdmin: boolean) => ({ items, total: items.length, limit: 200, offset: 0, platform_admin: platformAdmin });

function configurationApi() {
  const api = fakeApi();
  api.answer('GET /api/v1/auth/me', { body: me('admin') });
  api.answer('GET /api/v1/users', { body: { items: [], total: 0, limit: 200, offset: 0 } });
  api.answer('GET /api/v1/auth/service-tokens', { body: { items: [], total: 0, limit: 200, offset: 0 } });
  api.answer('GET /api/v1/audit-logs', { body: { items: [], total: 0, limit: 50, offset: 0 } });
  api.answer('GET /api/v1/projects', { body: { items: [], total: 0, limit: 200, offset: 0 } });
  return api;
}

async function openOrganizations() {
  const mounted = await mountBoard('/configuration');
  await mounted.wrapper.findAll('.tabs button').find((b) => b.text() === 'Organizations')!.trigger('click');
  await settle();
  return mounted.wrapper;
}

describe('the organizations section', () => {
  it('lets a platform administrator create an organization with its first admin, then deactivate it', async () => {
    const api = configurationApi();
    let organizations = [organization(1, 'Default Organization')];
    api.answer('GET /api/v1/organizations', () => ({ body: page(organizations, true) }));
    api.answer('POST /api/v1/organizations', () => {
      organizations = [...organizations, organization(2, 'Acme')];
      return { status: 201, body: { ...organization(2, 'Acme'), admin: { id: 9, username: 'acme-admin', email: 'a@acme.test' } } };
    });
    api.answer('POST /api/v1/organizations/2/deactivate', () => {
      organizations = [organizations[0]!, organization(2, 'Acme', { is_active: false, deactivated_at: '2026-12-02T00:00:00Z' })];
      return { body: organizations[1] };
    });
    vi.stubGlobal('confirm', () => true);
    const wrapper = await openOrganizations();

    await wrapper.find('input[name=org_name]').setValue('Acme');
    await wrapper.find('input[name=org_admin_username]').setValue('acme-admin');
    await wrapper.find('input[name=org_admin_email]').setValue('a@acme.test');
    await wrapper.find('input[name=org_admin_password]').setValue('initial-password');
    await wrapper.find('[data-testid=new-organization]').trigger('submit');
    await settle();

    expect(api.calls.find((c) => c.method === 'POST' && c.url === '/api/v1/organizations')?.body).toEqual({
      name: 'Acme',
      admin: { username: 'acme-admin', email: 'a@acme.test', password: 'initial-password' },
    });
    expect(wrapper.find('[data-testid=organization-created]').text()).toBe('Acme created; acme-admin signs in with the initial password you chose and must change it first.');
    expect(wrapper.find('[data-testid=organizations]').text()).toContain('acme');

    const acmeRow = wrapper.findAll('[data-testid=organizations] tbody tr')[1]!;
    await acmeRow.findAll('button').find((b) => b.text() === 'Deactivate')!.trigger('click');
    await settle();
    expect(api.calls.some((c) => c.method === 'POST' && c.url === '/api/v1/organizations/2/deactivate')).toBe(true);
    const row = wrapper.findAll('[data-testid=organizations] tbody tr')[1]!;
    expect(row.text()).toContain('deactivated');
    expect(row.findAll('button').map((b) => b.text())).toEqual(['Reactivate']);
  });

  it("shows an organization's admin their own organization without create or deactivate controls", async () => {
    const api = configurationApi();
    api.answer('GET /api/v1/organizations', { body: page([organization(3, 'Acme')], false) });
    const wrapper = await openOrganizations();
    expect(wrapper.find('[data-testid=organizations]').text()).toContain('Acme');
    expect(wrapper.find('[data-testid=new-organization]').exists()).toBe(false);
    expect(wrapper.findAll('[data-testid=organizations] button')).toHaveLength(0);
  });

  it('shows a refused creation as its problem detail', async () => {
    const api = configurationApi();
    api.answer('GET /api/v1/organizations', { body: page([organization(1, 'Default Organization')], true) });
    api.answer('POST /api/v1/organizations', { status: 409, body: 'A user with username acme-admin already exists' });
    const wrapper = await openOrganizations();
    await wrapper.find('input[name=org_name]').setValue('Acme');
    await wrapper.find('[data-testid=new-organization]').trigger('submit');
    await settle();
    expect(wrapper.find('[role=alert]').text()).toBe('A user with username acme-admin already exists');
  });
});
