import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DOMWrapper, VueWrapper } from '@vue/test-utils';
import { fakeApi, me } from '../testing/fake-api';
import { mountBoard, settle } from '../testing/mount';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

const project = { id: 1, organization_id: 1, name: 'shop', description: '', repo_url: '/repo', default_branch: 'main', auth_method: 'none', secret_ref: null, environment_count: 1, suite_count: 1, created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-01T00:00:00Z' };
const environment = {
  id: 3,
  organization_id: 1,
  project_id: 1,
  name: 'staging',
  kind: 'staging',
  base_url: 'https://staging.shop.example.test',
  variables: { LOCALE: 'en-GB' },
  secret_refs: {},
  retention_days: null,
  effective_retention_days: 30,
  dataset_id: null,
  grid_id: null,
  grid_name: null,
  created_at: '2026-12-01T00:00:00Z',
  updated_at: '2026-12-01T00:00:00Z',
};
const suite = {
  id: 2,
  organization_id: 1,
  project_id: 1,
  name: 'smoke',
  description: '',
  layer: 'integration',
  markers: 'smoke',
  keywords: '',
  paths: ['tests/'],
  shards: 2,
  workers_per_shard: 0,
  retries: 0,
  timeout_seconds: 3600,
  coverage: true,
  coverage_threshold: null,
  allow_empty: false,
  install_command: null,
  python_version: null,
  require_dataset_health: false,
  created_at: '2026-12-01T00:00:00Z',
  updated_at: '2026-12-01T00:00:00Z',
};
const dataset = { id: 11, name: 'customers', description: '', project_id: null, created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-01T00:00:00Z', latest_version: null };
/** A registered Selenium Grid as the infrastructure list answers it. */
const grid = {
  id: 21, name: 'local', kind: 'grid', url: 'http://localhost:4444', capacity: 2, metadata: {}, status: 'online', last_heartbeat_at: null, seconds_since_heartbeat: null, stopped_at: null, check: null,
  created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-01T00:00:00Z',
};
const page = (items: unknown[]) => ({ items, total: items.length, limit: 200, offset: 0 });

function answerProject(api: ReturnType<typeof fakeApi>, role: 'viewer' | 'admin') {
  api.answer('GET /api/v1/auth/me', { body: me(role) });
  api.answer('GET /api/v1/projects/1', { body: project });
  api.answer('GET /api/v1/projects/1/environments', { body: page([environment]) });
  api.answer('GET /api/v1/projects/1/suites', { body: page([suite]) });
  api.answer('GET /api/v1/datasets', { body: page([dataset]) });
  api.answer('GET /api/v1/infrastructure', { body: page([grid, { ...grid, id: 22, name: 'ci-grid', status: 'unhealthy' }]) });
}

/** The PUT answers as the API does: the stored row with the sent fields applied. */
function answerUpdate(api: ReturnType<typeof fakeApi>, route: string, stored: object) {
  api.answer(route, () => ({ body: { ...stored, ...(api.calls.at(-1)!.body as object) } }));
}

const puts = (api: ReturnType<typeof fakeApi>) => api.calls.filter((c) => c.method === 'PUT');
const posts = (api: ReturnType<typeof fakeApi>) => api.calls.filter((c) => c.method === 'POST');
/** The text of an environment's cell under the given column heading. */
function environmentCell(wrapper: VueWrapper, name: string, heading: string): string {
  const column = wrapper.findAll('[data-testid=environments] th').findIndex((th) => th.text() === heading);
  return wrapper.findAll(`[data-testid=environments] tr[data-environment=${name}] td`)[column]!.text();
}
const optionLabels = (form: DOMWrapper<Element>, name: string) => form.findAll(`select[name=${name}] option`).map((o) => o.text());

/** Picks a select's option by its label, which also reaches the "none" option whose value is null. */
async function choose(form: DOMWrapper<Element>, name: string, label: string) {
  const option = form.findAll(`select[name=${name}] option`).find((o) => o.text() === label)!;
  (option.element as HTMLOptionElement).selected = true;
  await form.find(`select[name=${name}]`).trigger('change');
}
const input = (form: DOMWrapper<Element>, name: string) => form.find(`input[name=${name}]`).element as HTMLInputElement;

/** Fills the last row of a variables or secret references editor, after adding it. */
async function addRow(form: DOMWrapper<Element>, add: string, inputs: [string, string], values: [string, string]) {
  await form.find(`[data-testid=${add}]`).trigger('click');
  const [first, second] = inputs.map((name) => form.findAll(`input[name=${name}]`).at(-1)!);
  await first!.setValue(values[0]);
  await second!.setValue(values[1]);
}

describe('editing environments and suites on the project page', () => {
  it('sends only the changed environment fields, a variable and a secret reference included, and shows the updated row', async () => {
    const api = fakeApi();
    answerProject(api, 'admin');
    answerUpdate(api, 'PUT /api/v1/environments/3', environment);
    const { wrapper } = await mountBoard('/projects/1');
    expect(wrapper.find('[data-testid=environment-edit-form]').exists()).toBe(false);

    await wrapper.find('[data-testid=environments] [data-testid=edit-environment]').trigger('click');
    const form = wrapper.find('[data-testid=environment-edit-form]');
    expect((form.find('input[name=base_url]').element as HTMLInputElement).value).toBe('https://staging.shop.example.test');
    expect((form.find('input[name=variable_value]').element as HTMLInputElement).value).toBe('en-GB');
    await form.find('input[name=base_url]').setValue('https://staging2.shop.example.test');
    await addRow(form, 'add-variable', ['variable_name', 'variable_value'], ['CURRENCY', 'EUR']);
    await addRow(form, 'add-secret-ref', ['secret_ref_variable', 'secret_ref_name'], ['API_TOKEN', 'SHOP_STAGING_API_TOKEN']);
    await form.find('select[name=dataset_id]').setValue('11');
    await form.trigger('submit');
    await settle();

    expect(puts(api)).toHaveLength(1);
    expect(puts(api)[0]!.url).toBe('/api/v1/environments/3');
    expect(puts(api)[0]!.body).toEqual({
      base_url: 'https://staging2.shop.example.test',
      variables: { LOCALE: 'en-GB', CURRENCY: 'EUR' },
      secret_refs: { API_TOKEN: 'SHOP_STAGING_API_TOKEN' },
      dataset_id: 11,
    });
    expect(wrapper.find('[data-testid=environment-edit-form]').exists()).toBe(false);
    const row = wrapper.find('[data-testid=environments] tr[data-environment=staging]');
    expect(row.text()).toContain('https://staging2.shop.example.test');
    expect(row.text()).toContain('LOCALE, CURRENCY, API_TOKEN (secret)');
    expect(row.text()).toContain('customers');
  });

  it("shows a refused edit's problem detail next to the form, which stays open", async () => {
    const api = fakeApi();
    answerProject(api, 'admin');
    api.answer('PUT /api/v1/environments/3', { status: 422, body: 'base_url: must be an http:// or https:// URL' });
    const { wrapper } = await mountBoard('/projects/1');
    await wrapper.find('[data-testid=edit-environment]').trigger('click');
    const form = wrapper.find('[data-testid=environment-edit-form]');
    await form.find('input[name=base_url]').setValue('ftp://staging.shop.example.test');
    await form.trigger('submit');
    await settle();

    expect(puts(api).map((c) => c.body)).toEqual([{ base_url: 'ftp://staging.shop.example.test' }]);
    expect(wrapper.find('[data-testid=edit-error]').text()).toBe('base_url: must be an http:// or https:// URL');
    expect(wrapper.find('[data-testid=environment-edit-form]').exists()).toBe(true);
    expect(wrapper.find('[data-testid=environments] tr[data-environment=staging]').text()).toContain('https://staging.shop.example.test');
  });

  it('refuses a variable named twice without asking the API, and sends nothing when nothing changed', async () => {
    const api = fakeApi();
    answerProject(api, 'admin');
    const { wrapper } = await mountBoard('/projects/1');
    await wrapper.find('[data-testid=edit-environment]').trigger('click');
    const form = wrapper.find('[data-testid=environment-edit-form]');
    await addRow(form, 'add-variable', ['variable_name', 'variable_value'], ['LOCALE', 'de-DE']);
    await form.trigger('submit');
    await settle();
    expect(form.find('[data-testid=form-problem]').text()).toBe('variables: LOCALE is given twice');

    await form.findAll('[data-testid=variables] button').at(-2)!.trigger('click');
    await form.trigger('submit');
    await settle();
    expect(puts(api)).toHaveLength(0);
    expect(wrapper.find('[data-testid=environment-edit-form]').exists()).toBe(false);
  });

  it("edits a suite's selection and how it runs", async () => {
    const api = fakeApi();
    answerProject(api, 'admin');
    answerUpdate(api, 'PUT /api/v1/suites/2', suite);
    const { wrapper } = await mountBoard('/projects/1');
    await wrapper.find('[data-testid=suites] [data-testid=edit-suite]').trigger('click');
    const form = wrapper.find('[data-testid=suite-edit-form]');
    expect((form.find('input[name=markers]').element as HTMLInputElement).value).toBe('smoke');
    await form.find('input[name=markers]').setValue('smoke and not slow');
    await form.find('input[name=keywords]').setValue('checkout');
    await form.find('input[name=paths]').setValue('tests/, features/cart.feature');
    await form.find('input[name=workers_per_shard]').setValue('4');
    await form.find('input[name=retries]').setValue('2');
    await form.find('input[name=coverage_threshold]').setValue('80.5');
    await form.trigger('submit');
    await settle();

    expect(puts(api).map((c) => [c.url, c.body])).toEqual([
      ['/api/v1/suites/2', { markers: 'smoke and not slow', keywords: 'checkout', paths: ['tests/', 'features/cart.feature'], workers_per_shard: 4, retries: 2, coverage_threshold: 80.5 }],
    ]);
    const row = wrapper.find('[data-testid=suites] tr[data-suite=smoke]');
    expect(row.text()).toContain('smoke and not slow');
    expect(row.text()).toContain('features/cart.feature');
    expect(row.text()).toContain('80.5');
  });

  it('shows how a suite installs and runs in its edit form, and sends the settings an edit changed', async () => {
    const stored = { ...suite, coverage_threshold: 70, allow_empty: true, install_command: 'pip install -e .[test]', python_version: '3.11' };
    const api = fakeApi();
    answerProject(api, 'admin');
    api.answer('GET /api/v1/projects/1/suites', { body: page([stored]) });
    answerUpdate(api, 'PUT /api/v1/suites/2', stored);
    const { wrapper } = await mountBoard('/projects/1');
    expect(wrapper.find('[data-testid=suites] tr[data-suite=smoke]').text()).toContain('70');
    await wrapper.find('[data-testid=edit-suite]').trigger('click');
    const form = wrapper.find('[data-testid=suite-edit-form]');
    expect([input(form, 'coverage').checked, input(form, 'coverage_threshold').value, input(form, 'coverage_threshold').disabled]).toEqual([true, '70', false]);
    expect([input(form, 'allow_empty').checked, input(form, 'install_command').value, input(form, 'python_version').value]).toEqual([true, 'pip install -e .[test]', '3.11']);
    expect([input(form, 'install_command').placeholder, input(form, 'python_version').placeholder]).toEqual(['pip install -e .[test]', '3.12']);

    await form.find('input[name=coverage]').setValue(false);
    expect([input(form, 'coverage_threshold').value, input(form, 'coverage_threshold').disabled]).toEqual(['', true]);
    await form.find('input[name=allow_empty]').setValue(false);
    await form.find('input[name=install_command]').setValue('  pip install -e .[test,bdd]  ');
    await form.find('input[name=python_version]').setValue('3.12');
    await form.trigger('submit');
    await settle();

    expect(puts(api).map((c) => [c.url, c.body])).toEqual([
      ['/api/v1/suites/2', { coverage: false, coverage_threshold: null, allow_empty: false, install_command: 'pip install -e .[test,bdd]', python_version: '3.12' }],
    ]);
    expect(wrapper.find('[data-testid=suites] tr[data-suite=smoke]').text()).toContain('off');
  });

  it('clears an install command and a Python version back to null, and shows the API refusing a version', async () => {
    const stored = { ...suite, install_command: 'pip install .', python_version: '3.11' };
    const api = fakeApi();
    answerProject(api, 'admin');
    api.answer('GET /api/v1/projects/1/suites', { body: page([stored]) });
    api.answer('PUT /api/v1/suites/2', { status: 422, body: 'python_version: must be a Python 3 minor version such as 3.12' });
    const { wrapper } = await mountBoard('/projects/1');
    await wrapper.find('[data-testid=edit-suite]').trigger('click');
    const form = wrapper.find('[data-testid=suite-edit-form]');
    await form.find('input[name=install_command]').setValue('');
    await form.find('input[name=python_version]').setValue('2.7');
    await form.trigger('submit');
    await settle();

    expect(puts(api).map((c) => c.body)).toEqual([{ install_command: null, python_version: '2.7' }]);
    expect(wrapper.find('[data-testid=edit-error]').text()).toBe('python_version: must be a Python 3 minor version such as 3.12');
    expect(wrapper.find('[data-testid=suite-edit-form]').exists()).toBe(true);
  });

  it('creates a suite with every setting from the form, and shows a refused one on the page', async () => {
    const api = fakeApi();
    answerProject(api, 'admin');
    api.answer('POST /api/v1/projects/1/suites', { status: 422, body: 'coverage_threshold: needs coverage on: a suite that does not measure coverage cannot have a threshold' });
    const { wrapper } = await mountBoard('/projects/1');
    const form = wrapper.find('[data-testid=suite-form]');
    expect([input(form, 'coverage').checked, input(form, 'allow_empty').checked, input(form, 'install_command').value, input(form, 'python_version').value]).toEqual([true, false, '', '']);
    await form.find('input[name=suite_name]').setValue('regression');
    await form.find('input[name=shards]').setValue('4');
    await form.find('input[name=coverage_threshold]').setValue('80');
    await form.find('input[name=allow_empty]').setValue(true);
    await form.find('input[name=install_command]').setValue('pip install -e .[test]');
    await form.find('input[name=python_version]').setValue('3.12');
    await form.trigger('submit');
    await settle();

    expect(posts(api).map((c) => [c.url, c.body])).toEqual([
      [
        '/api/v1/projects/1/suites',
        {
          name: 'regression',
          description: '',
          layer: 'integration',
          markers: '',
          keywords: '',
          paths: [],
          shards: 4,
          workers_per_shard: 0,
          retries: 0,
          timeout_seconds: 3600,
          coverage: true,
          coverage_threshold: 80,
          allow_empty: true,
          install_command: 'pip install -e .[test]',
          python_version: '3.12',
          require_dataset_health: false,
        },
      ],
    ]);
    expect(wrapper.find('[data-testid=action-error]').text()).toBe('coverage_threshold: needs coverage on: a suite that does not measure coverage cannot have a threshold');
    expect(input(wrapper.find('[data-testid=suite-form]'), 'suite_name').value).toBe('regression');
  });

  it('creates a suite without coverage: no threshold is sent, and the form empties', async () => {
    const api = fakeApi();
    answerProject(api, 'admin');
    api.answer('POST /api/v1/projects/1/suites', { status: 201, body: { ...suite, id: 5, name: 'fast', coverage: false } });
    const { wrapper } = await mountBoard('/projects/1');
    const form = wrapper.find('[data-testid=suite-form]');
    await form.find('input[name=suite_name]').setValue('fast');
    await form.find('input[name=coverage_threshold]').setValue('90');
    await form.find('input[name=coverage]').setValue(false);
    await form.trigger('submit');
    await settle();

    expect(posts(api)[0]!.body).toMatchObject({ name: 'fast', coverage: false, coverage_threshold: null, allow_empty: false, install_command: null, python_version: null });
    expect(input(wrapper.find('[data-testid=suite-form]'), 'suite_name').value).toBe('');
    expect(input(wrapper.find('[data-testid=suite-form]'), 'coverage').checked).toBe(true);
  });

  it('creates an environment with a secret reference from the same form, then empties it', async () => {
    const api = fakeApi();
    answerProject(api, 'admin');
    api.answer('POST /api/v1/projects/1/environments', { status: 201, body: { ...environment, id: 4, name: 'production' } });
    const { wrapper } = await mountBoard('/projects/1');
    const form = wrapper.find('[data-testid=environment-form]');
    await form.find('input[name=environment_name]').setValue('production');
    await form.find('select[name=kind]').setValue('production');
    await form.find('input[name=retention_days]').setValue('90');
    await addRow(form, 'add-secret-ref', ['secret_ref_variable', 'secret_ref_name'], ['API_TOKEN', 'SHOP_PROD_API_TOKEN']);
    await form.trigger('submit');
    await settle();

    expect(api.calls.find((c) => c.method === 'POST')!.body).toEqual({
      name: 'production',
      kind: 'production',
      base_url: null,
      retention_days: 90,
      dataset_id: null,
      grid_id: null,
      variables: {},
      secret_refs: { API_TOKEN: 'SHOP_PROD_API_TOKEN' },
    });
    const fresh = wrapper.find('[data-testid=environment-form]');
    expect((fresh.find('input[name=environment_name]').element as HTMLInputElement).value).toBe('');
    expect(fresh.findAll('input[name=secret_ref_name]')).toHaveLength(0);
  });

  it("creates an environment on a Grid picked by name and status, and shows the Grid's name in the table", async () => {
    const api = fakeApi();
    answerProject(api, 'admin');
    const created = { ...environment, id: 4, name: 'browsers', grid_id: 21, grid_name: 'local' };
    let environments: unknown[] = [environment];
    api.answer('GET /api/v1/projects/1/environments', () => ({ body: page(environments) }));
    api.answer('POST /api/v1/projects/1/environments', () => {
      environments = [environment, created];
      return { status: 201, body: created };
    });
    const { wrapper } = await mountBoard('/projects/1');
    expect(api.calls.filter((c) => c.url.startsWith('/api/v1/infrastructure')).map((c) => c.url)).toEqual(['/api/v1/infrastructure?limit=200&kind=grid']);
    expect(environmentCell(wrapper, 'staging', 'Grid')).toBe('—');
    const form = wrapper.find('[data-testid=environment-form]');
    expect(optionLabels(form, 'grid_id')).toEqual(['none', 'local (online)', 'ci-grid (unhealthy)']);
    await form.find('input[name=environment_name]').setValue('browsers');
    await choose(form, 'grid_id', 'local (online)');
    await form.trigger('submit');
    await settle();

    expect(posts(api).map((c) => [c.url, c.body])).toEqual([
      ['/api/v1/projects/1/environments', { name: 'browsers', kind: 'staging', base_url: null, retention_days: null, dataset_id: null, grid_id: 21, variables: {}, secret_refs: {} }],
    ]);
    expect(environmentCell(wrapper, 'browsers', 'Grid')).toBe('local');
  });

  it('edits an environment off its Grid: grid_id null is sent and the Grid column empties', async () => {
    const stored = { ...environment, grid_id: 21, grid_name: 'local' };
    const api = fakeApi();
    answerProject(api, 'admin');
    api.answer('GET /api/v1/projects/1/environments', { body: page([stored]) });
    api.answer('PUT /api/v1/environments/3', () => ({ body: { ...stored, grid_id: null, grid_name: null } }));
    const { wrapper } = await mountBoard('/projects/1');
    expect(environmentCell(wrapper, 'staging', 'Grid')).toBe('local');
    await wrapper.find('[data-testid=edit-environment]').trigger('click');
    const form = wrapper.find('[data-testid=environment-edit-form]');
    expect((form.find('select[name=grid_id]').element as HTMLSelectElement).selectedOptions[0]!.text).toBe('local (online)');
    await choose(form, 'grid_id', 'none');
    await form.trigger('submit');
    await settle();

    expect(puts(api).map((c) => [c.url, c.body])).toEqual([['/api/v1/environments/3', { grid_id: null }]]);
    expect(environmentCell(wrapper, 'staging', 'Grid')).toBe('—');
  });

  it('keeps the page working when the Grids cannot be listed: the select offers none and the current Grid by id', async () => {
    const api = fakeApi();
    answerProject(api, 'admin');
    api.answer('GET /api/v1/projects/1/environments', { body: page([{ ...environment, grid_id: 21, grid_name: 'local' }]) });
    api.answer('GET /api/v1/infrastructure', { status: 500, body: 'infrastructure unavailable' });
    const { wrapper } = await mountBoard('/projects/1');
    expect(wrapper.find('[role=alert]').exists()).toBe(false);
    expect(environmentCell(wrapper, 'staging', 'Grid')).toBe('local');
    expect(optionLabels(wrapper.find('[data-testid=environment-form]'), 'grid_id')).toEqual(['none']);
    await wrapper.find('[data-testid=edit-environment]').trigger('click');
    const form = wrapper.find('[data-testid=environment-edit-form]');
    expect(optionLabels(form, 'grid_id')).toEqual(['none', '#21']);
    expect((form.find('select[name=grid_id]').element as HTMLSelectElement).selectedOptions[0]!.text).toBe('#21');
  });

  it('triggers a run of the first suite and environment once a new project has both', async () => {
    const api = fakeApi();
    answerProject(api, 'admin');
    let suites: unknown[] = [];
    api.answer('GET /api/v1/projects/1/suites', () => ({ body: page(suites) }));
    api.answer('POST /api/v1/projects/1/suites', () => {
      suites = [suite];
      return { status: 201, body: suite };
    });
    api.answer('POST /api/v1/runs', { status: 201, body: { id: 70 } });
    const { wrapper, router } = await mountBoard('/projects/1');
    expect(wrapper.find('[data-testid=trigger-form]').exists()).toBe(false);

    const form = wrapper.find('[data-testid=suite-form]');
    await form.find('input[name=suite_name]').setValue('smoke');
    await form.trigger('submit');
    await settle();
    await wrapper.find('[data-testid=trigger-form]').trigger('submit');
    await settle();

    expect(posts(api).at(-1)).toMatchObject({ url: '/api/v1/runs', body: { project_id: 1, suite_id: 2, environment_id: 3, branch: null } });
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/runs/70'), { timeout: 10_000 });
    // The run page is left before the test ends, so that it asks nothing of the real fetch.
    await settle();
    wrapper.unmount();
  });

  it('shows a viewer no edit buttons', async () => {
    const api = fakeApi();
    answerProject(api, 'viewer');
    const { wrapper } = await mountBoard('/projects/1');
    expect(wrapper.find('[data-testid=environments] tr[data-environment=staging]').exists()).toBe(true);
    expect(wrapper.find('[data-testid=suites] tr[data-suite=smoke]').exists()).toBe(true);
    expect(wrapper.find('[data-testid=edit-environment]').exists()).toBe(false);
    expect(wrapper.find('[data-testid=edit-suite]').exists()).toBe(false);
    expect(wrapper.find('[data-testid=environment-edit-form]').exists()).toBe(false);
  });
});
