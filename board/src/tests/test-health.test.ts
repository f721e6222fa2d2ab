import { describe, expect, it } from 'vitest';
import { activeQuarantinesByNode, DEFAULT_FILTERS, healthQueries, quarantineBody, TEST_HEALTH_PAGE_SIZE } from './test-health';

describe('the test health filters', () => {
  it('ask for flaky, then broken tests by default, worst flip rate first', () => {
    expect(healthQueries(DEFAULT_FILTERS)).toEqual([
      { limit: TEST_HEALTH_PAGE_SIZE, sort: 'flip_rate', classification: 'flaky' },
      { limit: TEST_HEALTH_PAGE_SIZE, sort: 'flip_rate', classification: 'broken' },
    ]);
  });

  it('send each filter that is set, trimmed, and no classification for all tests', () => {
    expect(healthQueries({ view: 'all', suite: ' smoke ', environment: 'staging', quarantined: 'true', text: 'cart ' })).toEqual([
      { limit: TEST_HEALTH_PAGE_SIZE, sort: 'flip_rate', suite: 'smoke', environment: 'staging', quarantined: 'true', text: 'cart' },
    ]);
    expect(healthQueries({ ...DEFAULT_FILTERS, view: 'new', quarantined: 'false' })).toEqual([{ limit: TEST_HEALTH_PAGE_SIZE, sort: 'flip_rate', quarantined: 'false', classification: 'new' }]);
  });
});

describe('the quarantine form', () => {
  it('sends the node id, the trimmed reason and owner, and the end of the expiry day in UTC', () => {
    expect(quarantineBody('tests/test_cart.py::test_add', { reason: ' flaky network ', owner: '@shop-team', expires: '2027-01-31' })).toEqual({
      node_id: 'tests/test_cart.py::test_add',
      reason: 'flaky network',
      owner: '@shop-team',
      expires_at: '2027-01-31T23:59:59Z',
    });
  });

  it('sends no expiry when no date is given: the quarantine holds until lifted', () => {
    expect(quarantineBody('t::x', { reason: 'r', owner: 'o', expires: '' }).expires_at).toBeNull();
  });
});

describe('active quarantines by node id', () => {
  it('keep only those in force', () => {
    const base = { organization_id: 1, project_id: 1, reason: 'r', owner: 'o', expires_at: null, created_by: 'admin', created_at: '2026-12-01T00:00:00Z', lifted_at: null, lifted_by: null, lift_reason: null };
    const byNode = activeQuarantinesByNode([
      { ...base, id: 1, node_id: 'a', active: false, lifted_at: '2026-12-02T00:00:00Z', lifted_by: 'admin', lift_reason: 'lifted' },
      { ...base, id: 2, node_id: 'a', active: true },
      { ...base, id: 3, node_id: 'b', active: false, lift_reason: 'expired' },
    ]);
    expect([...byNode.keys()]).toEqual(['a']);
    expect(byNode.get('a')?.id).toBe(2);
  });
});
