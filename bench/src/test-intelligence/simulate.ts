/**
 * What the classifier would score on many plans like the bench's, pure and offline: the same plan
 * generator and commit mix, outcomes drawn in-process (a flaky test fails with its probability, a
 * regression from its run on), classified by domain's own rules. One real bench run is a single
 * draw; this says whether its figures are typical or bad luck, and which rule costs recall.
 */
import { classifyTestHealth, DEFAULT_TEST_HEALTH_POLICY, type TestHealthPolicy } from '@qatron/domain/test-health/classify';
import type { WindowEntry } from '@qatron/domain/test-health/window';
import { seededRandom } from '../shard-plan/suite.js';
import { groundTruth, planTestIntelligence, type PlannedTest, type TestIntelligenceOptions, type TestIntelligencePlan } from './plan.js';
import { scoreClassifications, TARGETS, type Label } from './score.js';

export interface SimulatedScores {
  plans: number;
  meanPrecision: number;
  meanRecall: number;
  worstRecall: number;
  /** Share of plans meeting all three targets. */
  meetingTargets: number;
  regressionsFlaky: number;
  /** "truth -> label by rule" → how many tests, over all plans. */
  mislabelled: Record<string, number>;
}

/** The commit each run tests, as a name: a new one wherever the plan commits. */
function commitsOf(plan: TestIntelligencePlan): string[] {
  let release = 0;
  return plan.runs.map((r) => `release-${r.newCommit ? ++release : release}`);
}

function windowOf(test: PlannedTest, commits: readonly string[], random: () => number, size: number): WindowEntry[] {
  const entries = commits.map((commit, i): WindowEntry => {
    const failed = test.failureProbability !== null ? random() < test.failureProbability : test.regressesAtRun !== null && i + 1 >= test.regressesAtRun;
    return { run_id: i + 1, outcome: failed ? 'failed' : 'passed', commit, retried: false, duration_seconds: 0, at: '2026-01-01T00:00:00.000Z' };
  });
  return entries.slice(Math.max(0, entries.length - size));
}

/** Scores `plans` plans (seeds 1..plans) of `options`' sizes. */
export function simulateScores(options: TestIntelligenceOptions, plans: number, policy: TestHealthPolicy = DEFAULT_TEST_HEALTH_POLICY): SimulatedScores {
  const out: SimulatedScores = { plans, meanPrecision: 0, meanRecall: 0, worstRecall: 1, meetingTargets: 0, regressionsFlaky: 0, mislabelled: {} };
  const precisions: number[] = [];
  for (let seed = 1; seed <= plans; seed++) {
    const plan = planTestIntelligence({ ...options, seed });
    const commits = commitsOf(plan);
    const random = seededRandom(seed ^ 0x5eed);
    // Every stable test has the same all-pass window: classify it once.
    const stableLabel = classifyTestHealth(windowOf({ ...plan.tests[0]!, failureProbability: null, regressesAtRun: null }, commits, random, policy.window), policy).classification;
    const labels = new Map<string, Label>();
    for (const test of plan.tests) {
      if (test.kind === 'stable') {
        labels.set(test.nodeId, stableLabel);
        continue;
      }
      const { classification, evidence } = classifyTestHealth(windowOf(test, commits, random, policy.window), policy);
      labels.set(test.nodeId, classification);
      const expected = test.kind === 'regression' ? 'broken' : test.kind;
      if (classification !== expected) {
        const key = `${test.kind} -> ${classification} by ${evidence.rule}`;
        out.mislabelled[key] = (out.mislabelled[key] ?? 0) + 1;
      }
    }
    const score = scoreClassifications(groundTruth(plan), labels);
    precisions.push(Number.isNaN(score.precision) ? 1 : score.precision);
    out.meanRecall += score.recall / plans;
    out.worstRecall = Math.min(out.worstRecall, score.recall);
    out.regressionsFlaky += score.regressionsFlaky;
    if (score.precision >= TARGETS.precision && score.recall >= TARGETS.recall && score.regressionsFlaky === 0) out.meetingTargets += 1 / plans;
  }
  out.meanPrecision = precisions.reduce((a, b) => a + b, 0) / plans;
  return out;
}

/** The simulation as printed lines. */
export function simulationLines(sim: SimulatedScores): string[] {
  const misses = Object.entries(sim.mislabelled).sort((a, b) => b[1] - a[1]);
  return [
    `offline, ${sim.plans} plans of these sizes (seeds 1..${sim.plans}, outcomes drawn in-process, domain's classifier): mean precision ${sim.meanPrecision.toFixed(3)}, mean recall ${sim.meanRecall.toFixed(3)}, worst recall ${sim.worstRecall.toFixed(3)}, all targets met in ${(sim.meetingTargets * 100).toFixed(0)}% of plans, regressions labelled flaky ${sim.regressionsFlaky}`,
    ...misses.map(([key, n]) => `  ${key}: ${n} test(s) over all plans (${(n / sim.plans).toFixed(2)} a plan)`),
  ];
}
