/** Test health answers as the API gives them, with overrides, for the component tests of these pages. */

export const project = {
  id: 1,
  organization_id: 1,
  name: 'shop',
  description: '',
  repo_url: '/repo',
  default_branch: 'main',
  auth_method: 'none',
  secret_ref: null,
  environment_count: 1,
  suite_count: 1,
  created_at: '2026-12-01T00:00:00Z',
  updated_at: '2026-12-01T00:00:00Z',
};

export function testHealthFixture(overrides: Record<string, unknown> = {}) {
  return {
    id: 11,
    project_id: 1,
    suite_id: 2,
    suite: 'smoke',
    environment_id: 3,
    environment: 'staging',
    node_id: 'tests/test_cart.py::test_add',
    classification: 'flaky',
    rule: 'same_commit_disagreement',
    evidence: { rule: 'same_commit_disagreement', run_ids: [4, 5], detail: 'passed and failed on commit abc123 (runs 4, 5)' },
    quarantined: false,
    runs: 4,
    passes: 2,
    failures: 2,
    flips: 3,
    flip_rate: 1,
    pass_on_retry: 0,
    same_commit_disagreements: 1,
    median_duration_seconds: 0.25,
    first_seen_at: '2026-12-01T10:00:00.000Z',
    last_seen_at: '2026-12-01T13:00:00.000Z',
    last_failure_at: '2026-12-01T13:00:00.000Z',
    last_failure_run_id: 6,
    recent: history.map(({ run_id, outcome, retried }) => ({ run_id, outcome, retried })),
    ...overrides,
  };
}

export const history = [
  { run_id: 3, outcome: 'passed', commit: 'abc1234567890', retried: false, duration_seconds: 0.2, at: '2026-12-01T10:00:00.000Z' },
  { run_id: 4, outcome: 'failed', commit: 'abc1234567890', retried: false, duration_seconds: 0.3, at: '2026-12-01T11:00:00.000Z' },
  { run_id: 5, outcome: 'passed', commit: 'abc1234567890', retried: false, duration_seconds: 0.2, at: '2026-12-01T12:00:00.000Z' },
  { run_id: 6, outcome: 'failed', commit: 'def4567890123', retried: false, duration_seconds: 0.4, at: '2026-12-01T13:00:00.000Z' },
];

export function quarantineFixture(overrides: Record<string, unknown> = {}) {
  return {
    id: 21,
    organization_id: 1,
    project_id: 1,
    node_id: 'tests/test_cart.py::test_add',
    reason: 'flaky stock service',
    owner: '@shop-team',
    expires_at: '2027-01-31T23:59:59.000Z',
    active: true,
    created_by: 'admin',
    created_at: '2026-12-01T14:00:00.000Z',
    lifted_at: null,
    lifted_by: null,
    lift_reason: null,
    ...overrides,
  };
}

export const page = (items: unknown[]) => ({ items, total: items.length, limit: 50, offset: 0 });
