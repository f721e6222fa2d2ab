import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, me } from '../testing/fake-api';
import { mountBoard, settle } from '../testing/mount';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

const project = { id: 1, organization_id: 1, name: 'shop', description: '', repo_url: '/repo', default_branch: 'main', auth_method: 'none', secret_ref: null, environment_count: 0, suite_count: 0, created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-01T00:00:00Z' };
const empty = { items: [], total: 0, limit: 200, offset: 0 };

function answerProject(api: ReturnType<typeof fakeApi>, role: 'viewer' | 'admin') {
  api.answer('GET /api/v1/auth/me', { body: me(role) });
  api.answer('GET /api/v1/projects/1', { body: project });
  api.answer('GET /api/v1/projects/1/environments', { body: empty });
  api.answer('GET /api/v1/projects/1/suites', { body: empty });
}

describe('the project page', () => {
  it('offers admins the environment and suite forms, and viewers none', async () => {
    const api = fakeApi();
    answerProject(api, 'viewer');
    const viewer = await mountBoard('/projects/1');
    expect(viewer.wrapper.find('h1').text()).toBe('shop');
    expect(viewer.wrapper.find('[data-testid=environment-form]').exists()).toBe(false);
    expect(viewer.wrapper.find('[data-testid=delete-project]').exists()).toBe(false);
    viewer.wrapper.unmount();

    answerProject(api, 'admin');
    const admin = await mountBoard('/projects/1');
    expect(admin.wrapper.find('[data-testid=environment-form]').exists()).toBe(true);
    expect(admin.wrapper.find('[data-testid=suite-form]').exists()).toBe(true);
  });

  it('shows the feature tree, a scenario with its steps and its run history', async () => {
    const api = fakeApi();
    answerProject(api, 'viewer');
    const feature = { id: 5, project_id: 1, path: 'features/cart/checkout.feature', name: 'Checkout', description: '', tags: ['@checkout'], language: 'en', is_active: true, parse_error: null, indexed_commit: 'abc', scenario_count: 1, coverage: { never_run: 0, passed: 1, failed: 0, skipped: 0 } };
    api.answer('GET /api/v1/features', { body: { items: [feature], total: 1, limit: 200, offset: 0 } });
    api.answer('GET /api/v1/features/5', {
      body: {
        ...feature,
        scenarios: [
          { id: 9, stable_id: 's9', name: 'Pay by card', type: 'scenario', rule: null, tags: ['@smoke'], line_start: 3, line_end: 8, examples: [], is_active: true, matched_by: 'name', status: 'passed', last_run_id: 7,
            steps: [{ position: 0, keyword: 'Given ', text: 'a cart with 2 items', data_table: null, doc_string: null }] },
        ],
      },
    });
    api.answer('GET /api/v1/scenarios/9/history', { body: { items: [{ run_id: 7, outcome: 'passed', example_line: null, duration_seconds: 0.5, created_at: '2026-12-01T10:00:00Z', branch: 'main', commit_sha: 'abc', run_status: 'completed' }] } });
    const { wrapper } = await mountBoard('/projects/1');
    await wrapper.find('[data-testid=features-tab]').trigger('click');
    await settle();
    expect(wrapper.find('[data-testid=feature-tree]').text()).toContain('features/cart/');
    await wrapper.find('[data-testid=feature-tree] button.link').trigger('click');
    await settle();
    expect(wrapper.find('[data-status=passed]').text()).toBe('passed');
    const scenario = wrapper.findAll('button.link').find((b) => b.text() === 'Pay by card')!;
    await scenario.trigger('click');
    await settle();
    expect(wrapper.text()).toContain('Given a cart with 2 items');
    expect(wrapper.find('a[href="/runs/7"]').text()).toBe('#7');
  });

  it('says so when the server has no feature index (404)', async () => {
    const api = fakeApi();
    answerProject(api, 'viewer');
    const { wrapper } = await mountBoard('/projects/1');
    await wrapper.find('[data-testid=features-tab]').trigger('click');
    await settle();
    expect(wrapper.find('[data-state=error]').text()).toContain('This server has no feature index yet');
  });
});
