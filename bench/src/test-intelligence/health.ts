/**
 * Reading the classifier's answer: every test of one suite and environment from
 * GET /api/v1/projects/{id}/tests, page by page, parsed with the API's own schema; and the lines
 * that explain each test labelled otherwise than its truth says (the rule and its evidence).
 */
import { TestHealthPage } from '@qatron/api/test-health/schema';
import { apiCall } from '../run-overhead/measure.js';
import type { BenchStack } from '../run-overhead/stack.js';
import type { PlannedTest } from './plan.js';
import { isLabel, type Label } from './score.js';

export type TestHealthRow = ReturnType<typeof TestHealthPage.parse>['items'][number];

const PAGE = 200;

/** Every health row of the project's `suite` in `environment`. */
export async function fetchTestHealth(stack: BenchStack, token: string, projectId: number, series: { suite: string; environment: string }): Promise<TestHealthRow[]> {
  const rows: TestHealthRow[] = [];
  const filter = `suite=${encodeURIComponent(series.suite)}&environment=${encodeURIComponent(series.environment)}`;
  for (let offset = 0; ; offset += PAGE) {
    const page = TestHealthPage.parse(await apiCall(stack, token, 'GET', `/api/v1/projects/${projectId}/tests?${filter}&limit=${PAGE}&offset=${offset}`, undefined, 200));
    rows.push(...page.items);
    if (page.items.length < PAGE || rows.length >= page.total) return rows;
  }
}

/** node id → label, from the rows. */
export function labelsOf(rows: readonly TestHealthRow[]): Map<string, Label> {
  return new Map(rows.flatMap((row) => (isLabel(row.classification) ? [[row.node_id, row.classification] as const] : [])));
}

/** The label a test of this kind should get. */
export function expectedLabel(test: Pick<PlannedTest, 'kind'>): 'stable' | 'flaky' | 'broken' {
  return test.kind === 'regression' ? 'broken' : test.kind;
}

function truthOf(test: PlannedTest): string {
  if (test.failureProbability !== null) return `flaky p=${test.failureProbability}`;
  if (test.regressesAtRun !== null) return `regression from run ${test.regressesAtRun}`;
  return 'stable';
}

/** One line per mislabelled test: its truth, its label, the rule that decided and its figures. */
export function mislabelledLines(tests: readonly PlannedTest[], rows: readonly TestHealthRow[], limit = 60): string[] {
  const byNode = new Map(rows.map((row) => [row.node_id, row]));
  const lines = tests.flatMap((test) => {
    const row = byNode.get(test.nodeId);
    const label = row?.classification ?? 'missing';
    if (label === expectedLabel(test)) return [];
    if (!row) return [`  ${test.nodeId}: ${truthOf(test)} -> missing (no health row)`];
    const figures = `${row.failures}/${row.runs} failed, ${row.flips} flips, ${row.same_commit_disagreements} same-commit disagreements`;
    return [`  ${test.nodeId}: ${truthOf(test)} -> ${label} by ${row.rule} (${figures}): ${row.evidence.detail}`];
  });
  return lines.length > limit ? [...lines.slice(0, limit), `  … and ${lines.length - limit} more`] : lines;
}

/** Flaky tests that never failed in their window: no classifier can tell them from stable ones. */
export function unseenFlaky(tests: readonly PlannedTest[], rows: readonly TestHealthRow[]): PlannedTest[] {
  const byNode = new Map(rows.map((row) => [row.node_id, row]));
  return tests.filter((t) => t.kind === 'flaky' && byNode.get(t.nodeId)?.failures === 0);
}
