/**
 * What the test health pages derive from the API's answers (issue 15 items 1, 2 and 5): the list's
 * filters as a query, the quarantine form's body, which quarantine covers which test. Pure, so it
 * is unit-tested.
 */
import type { Quarantine, QuarantineInput, TestHealth, TestHealthClassification, TestHealthQuery } from '../api/types';

/**
 * Which tests the list shows: those that need attention (flaky and broken, the default), one
 * classification, or every test.
 */
export type ClassificationView = 'attention' | TestHealthClassification | 'all';

export const CLASSIFICATION_VIEWS: readonly { value: ClassificationView; label: string }[] = [
  { value: 'attention', label: 'Flaky and broken' },
  { value: 'flaky', label: 'Flaky' },
  { value: 'broken', label: 'Broken' },
  { value: 'new', label: 'New' },
  { value: 'stable', label: 'Stable' },
  { value: 'all', label: 'All tests' },
];

export interface TestHealthFilters {
  view: ClassificationView;
  suite: string;
  environment: string;
  /** '' any, 'true' only quarantined, 'false' only not quarantined. */
  quarantined: '' | 'true' | 'false';
  text: string;
}

export const DEFAULT_FILTERS: TestHealthFilters = { view: 'attention', suite: '', environment: '', quarantined: '', text: '' };

/** How many tests one list request asks for. */
export const TEST_HEALTH_PAGE_SIZE = 50;

/**
 * The queries the list sends: one per classification it shows, flaky before broken for the
 * attention view (the API filters one classification at a time), worst flip rate first.
 */
export function healthQueries(filters: TestHealthFilters): TestHealthQuery[] {
  const common: TestHealthQuery = {
    limit: TEST_HEALTH_PAGE_SIZE,
    sort: 'flip_rate',
    ...(filters.suite.trim() && { suite: filters.suite.trim() }),
    ...(filters.environment.trim() && { environment: filters.environment.trim() }),
    ...(filters.quarantined && { quarantined: filters.quarantined }),
    ...(filters.text.trim() && { text: filters.text.trim() }),
  };
  if (filters.view === 'all') return [common];
  const classifications: TestHealthClassification[] = filters.view === 'attention' ? ['flaky', 'broken'] : [filters.view];
  return classifications.map((classification) => ({ ...common, classification }));
}

/** The chip tone of a classification: flaky warns, broken is bad, stable good. */
export const CLASSIFICATION_TONE: Record<TestHealthClassification, string> = { flaky: 'warn', broken: 'bad', stable: 'good', new: 'neutral' };

/** The rules (domain/test-health/classify.ts) in a few words, for the list. */
export const RULE_LABEL: Record<TestHealth['rule'], string> = {
  failing_since_clean_history: 'failing since a clean history',
  failing_streak: 'failing streak',
  same_commit_disagreement: 'passed and failed on one commit',
  pass_on_retry: 'passed on retry',
  repeated_failures: 'repeated failure episodes',
  few_runs: 'too few runs yet',
  no_flakiness: 'no sign of flakiness',
};

/** The active quarantine of each node id (the health list says only whether there is one). */
export function activeQuarantinesByNode(quarantines: readonly Quarantine[]): Map<string, Quarantine> {
  return new Map(quarantines.filter((q) => q.active).map((q) => [q.node_id, q]));
}

/** What the quarantine form holds: an expiry date (yyyy-mm-dd) or none. */
export interface QuarantineDraft {
  reason: string;
  owner: string;
  expires: string;
}

/**
 * The body of POST /quarantine: the expiry date is read as the end of that day in UTC (a quarantine
 * "until the 31st" still holds on the 31st); no date: until lifted.
 */
export function quarantineBody(nodeId: string, draft: QuarantineDraft): QuarantineInput {
  return {
    node_id: nodeId,
    reason: draft.reason.trim(),
    owner: draft.owner.trim(),
    expires_at: draft.expires ? `${draft.expires}T23:59:59Z` : null,
  };
}
