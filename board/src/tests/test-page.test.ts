import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, me } from '../testing/fake-api';
import { mountBoard } from '../testing/mount';
import { history, testHealthFixture } from './fixtures';

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('the test page', () => {
  it("shows the evidence with the runs that decided it, and the window's runs newest first", async () => {
    const api = fakeApi();
    api.answer('GET /api/v1/auth/me', { body: me('viewer') });
    api.answer('GET /api/v1/projects/1/tests/11', { body: { ...testHealthFixture({ quarantined: true }), history } });
    const { wrapper } = await mountBoard('/projects/1/tests/11');
    expect(wrapper.find('h1').text()).toBe('tests/test_cart.py::test_add');
    expect(wrapper.find('[data-testid=classification]').text()).toBe('flaky');
    expect(wrapper.find('[data-testid=quarantined]').exists()).toBe(true);
    const evidence = wrapper.find('[data-testid=evidence]');
    expect(evidence.find('h2').text()).toBe('Why flaky: passed and failed on one commit');
    expect(evidence.text()).toContain('passed and failed on commit abc123 (runs 4, 5)');
    expect(evidence.findAll('a').map((a) => a.attributes('href'))).toEqual(['/runs/4', '/runs/5']);
    expect(wrapper.find('[data-testid=flip-rate]').text()).toBe('100 %');
    const rows = wrapper.findAll('[data-testid=history] tbody tr');
    expect(rows.map((r) => r.attributes('data-run-id'))).toEqual(['6', '5', '4', '3']);
    expect(rows[0]!.find('[data-status]').attributes('data-status')).toBe('failed');
    expect(rows[0]!.text()).toContain('def456789012');
    expect(rows[0]!.find('a').attributes('href')).toBe('/runs/6');
    expect(rows.map((r) => r.classes('evidence'))).toEqual([false, true, true, false]);
  });

  it('shows a test of another project as an error with its detail', async () => {
    const api = fakeApi();
    api.answer('GET /api/v1/auth/me', { body: me('viewer') });
    api.answer('GET /api/v1/projects/1/tests/99', { status: 404, body: 'Test 99 not found' });
    const { wrapper } = await mountBoard('/projects/1/tests/99');
    expect(wrapper.find('[data-state=error]').text()).toContain('Test 99 not found');
  });
});
