import type { EntityManager } from '@mikro-orm/postgresql';
import type { ScenarioExamples, ScenarioType } from '../entities/feature.js';
import type { TestOutcome } from '../runs/outcomes.js';
import { normalizeFeaturePath, pytestBddTestName } from './stable-id.js';

/**
 * Test results to scenarios (FR-BDD-04) and scenario coverage (FR-BDD-05). A result finds its
 * scenario by the framework's stable-id label, else by feature path and scenario line, else by
 * pytest-bdd's generated test name; each outline row's result keeps its Examples row's line.
 */

/** One executed test as the reporting phase knows it. */
export interface ScenarioTestResult {
  testResultId: number | null;
  /** pytest node id, e.g. `tests/test_checkout.py::test_totals_with_discounts[1-A-1-EU10-1.35]`. */
  nodeId: string;
  outcome: TestOutcome;
  durationSeconds: number;
  /** The stable-id label the framework attached (`qatron_scenario_id`). */
  scenarioId?: string;
  featurePath?: string;
  /** The Scenario keyword's line in the feature file. */
  scenarioLine?: number;
  /** For an outline row: its Examples body row's line. */
  exampleLine?: number;
}

export interface RecordedScenarioResults {
  recorded: number;
  /** Results that are not a scenario (plain tests) or whose scenario is not in the index. */
  unmapped: number;
  /** How the recorded ones were found. */
  byStableId: number;
  byLocation: number;
  byTestName: number;
}

interface ActiveScenario {
  id: number;
  stable_id: string;
  name: string;
  type: ScenarioType;
  line_start: number;
  examples: ScenarioExamples[];
  path: string;
}

/** The test function of a node id, without its class and parameters: `test_x` of `a.py::C::test_x[1-2]`. */
function functionName(nodeId: string): { name: string; params: string | null } {
  const last = nodeId.split('::').pop() ?? nodeId;
  const bracket = last.indexOf('[');
  return bracket === -1 ? { name: last, params: null } : { name: last.slice(0, bracket), params: last.slice(bracket + 1, last.lastIndexOf(']')) };
}

/**
 * The Examples row a result ran: the line the framework gave if it is a row of this outline, else
 * the row whose values, joined by `-`, are the pytest parameter id (how pytest-bdd names outline
 * rows), when exactly one row has them.
 */
function exampleLineOf(scenario: ActiveScenario, result: ScenarioTestResult, params: string | null): number | null {
  if (scenario.type !== 'scenario_outline') return null;
  const rows = scenario.examples.flatMap((e) => e.rows.map((values, i) => ({ id: values.join('-'), line: e.rowLines[i]! })));
  if (result.exampleLine !== undefined && rows.some((r) => r.line === result.exampleLine)) return result.exampleLine;
  if (params === null) return null;
  const found = rows.filter((r) => r.id === params);
  return found.length === 1 ? found[0]!.line : null;
}

/**
 * Records a run's results against the active scenarios of its project, each result to at most one
 * scenario; results that map to none are left out. Idempotent per (run, test result), so a retried
 * reporting phase does not count a result twice.
 */
export async function recordScenarioResults(
  em: EntityManager,
  run: { id: number; organization: number; project: number },
  results: readonly ScenarioTestResult[],
): Promise<RecordedScenarioResults> {
  const counts: RecordedScenarioResults = { recorded: 0, unmapped: 0, byStableId: 0, byLocation: 0, byTestName: 0 };
  if (results.length === 0) return counts;
  const scenarios: ActiveScenario[] = await em.execute(
    `select s.id, s.stable_id, s.name, s.type, s.line_start, s.examples, f.path
     from scenarios s join features f on f.id = s.feature_id
     where s.project_id = ? and s.is_active and f.is_active`,
    [run.project],
  );
  const byStableId = new Map(scenarios.map((s) => [s.stable_id, s]));
  const byLocation = new Map(scenarios.map((s) => [`${s.path}:${s.line_start}`, s]));
  const byTestName = new Map<string, ActiveScenario | null>();
  for (const s of scenarios) {
    const name = pytestBddTestName(s.name);
    // A name shared by two scenarios of the project cannot tell them apart.
    byTestName.set(name, byTestName.has(name) ? null : s);
  }

  const rows: Array<Record<string, unknown>> = [];
  // One row per test result: a result listed twice is recorded once (the later one).
  const rowOfTestResult = new Map<number, number>();
  for (const result of results) {
    const test = functionName(result.nodeId);
    const byLabel = result.scenarioId === undefined ? undefined : byStableId.get(result.scenarioId);
    const byPlace = byLabel ?? (result.featurePath === undefined || result.scenarioLine === undefined ? undefined : byLocation.get(`${normalizeFeaturePath(result.featurePath)}:${result.scenarioLine}`));
    // null in byTestName: the name is shared by several scenarios, so it tells nothing.
    const scenario = byLabel ?? byPlace ?? byTestName.get(test.name) ?? undefined;
    if (!scenario) {
      counts.unmapped++;
      continue;
    }
    if (byLabel) counts.byStableId++;
    else if (byPlace) counts.byLocation++;
    else counts.byTestName++;
    const row = {
      scenario_id: scenario.id,
      test_result_id: result.testResultId,
      example_line: exampleLineOf(scenario, result, test.params),
      outcome: result.outcome,
      duration_seconds: result.durationSeconds,
    };
    const previous = result.testResultId === null ? undefined : rowOfTestResult.get(result.testResultId);
    if (previous !== undefined) rows[previous] = row;
    else {
      if (result.testResultId !== null) rowOfTestResult.set(result.testResultId, rows.length);
      rows.push(row);
    }
  }
  if (rows.length > 0) {
    await em.execute(
      `insert into scenario_results (created_at, organization_id, project_id, run_id, scenario_id, test_result_id, example_line, outcome, duration_seconds)
       select now(), ?, ?, ?, x.scenario_id, x.test_result_id, x.example_line, x.outcome, x.duration_seconds
       from jsonb_to_recordset(?::jsonb) as x(scenario_id int, test_result_id int, example_line int, outcome text, duration_seconds double precision)
       on conflict (run_id, test_result_id) do update set scenario_id = excluded.scenario_id, example_line = excluded.example_line,
         outcome = excluded.outcome, duration_seconds = excluded.duration_seconds`,
      [run.organization, run.project, run.id, JSON.stringify(rows)],
    );
  }
  counts.recorded = rows.length;
  return counts;
}

export const SCENARIO_STATUSES = ['never_run', 'passed', 'failed', 'skipped'] as const;
/** A scenario's coverage status (FR-BDD-05), from its newest run. */
export type ScenarioStatus = (typeof SCENARIO_STATUSES)[number];

export interface ScenarioCoverage {
  status: ScenarioStatus;
  /** The newest run with a result for it; null when it never ran. */
  lastRunId: number | null;
}

/**
 * Each scenario's status from its newest run's results: failed if any result (any outline row)
 * failed or errored, else passed if any passed, else skipped. Scenarios without results are
 * `never_run`: coverage is visible before anything executes.
 */
export async function scenarioCoverage(em: EntityManager, scenarioIds: readonly number[]): Promise<Map<number, ScenarioCoverage>> {
  const coverage = new Map<number, ScenarioCoverage>(scenarioIds.map((id) => [id, { status: 'never_run', lastRunId: null }]));
  if (scenarioIds.length === 0) return coverage;
  const rows: Array<{ scenario_id: number; run_id: number; failed: boolean; passed: boolean }> = await em.execute(
    `with latest as (
       select scenario_id, max(run_id) as run_id from scenario_results where scenario_id = any(?::int[]) group by scenario_id
     )
     select l.scenario_id, l.run_id, bool_or(r.outcome in ('failed', 'error')) as failed, bool_or(r.outcome in ('passed', 'xpassed')) as passed
     from latest l join scenario_results r on r.scenario_id = l.scenario_id and r.run_id = l.run_id
     group by l.scenario_id, l.run_id`,
    [`{${scenarioIds.join(',')}}`],
  );
  for (const row of rows) {
    coverage.set(row.scenario_id, { status: row.failed ? 'failed' : row.passed ? 'passed' : 'skipped', lastRunId: row.run_id });
  }
  return coverage;
}

export type CoverageCounts = Record<ScenarioStatus, number>;

/** Per feature, how many of its active scenarios are in each coverage status. */
export async function featureCoverage(em: EntityManager, featureIds: readonly number[]): Promise<Map<number, CoverageCounts>> {
  const counts = new Map<number, CoverageCounts>(featureIds.map((id) => [id, { never_run: 0, passed: 0, failed: 0, skipped: 0 }]));
  if (featureIds.length === 0) return counts;
  const scenarios: Array<{ id: number; feature_id: number }> = await em.execute('select id, feature_id from scenarios where feature_id = any(?::int[]) and is_active', [
    `{${featureIds.join(',')}}`,
  ]);
  const coverage = await scenarioCoverage(
    em,
    scenarios.map((s) => s.id),
  );
  for (const s of scenarios) counts.get(s.feature_id)![coverage.get(s.id)!.status]++;
  return counts;
}
