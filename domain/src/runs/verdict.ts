/**
 * The one rule that turns how a run ended into its final status and reason (PRD 9.2, 12.4; issue 12
 * "No false greens"). Every route to a verdict goes through `decideVerdict`: the workflow only
 * reports what happened (cancelled, preparation failed, nothing selected, how each shard ended and
 * what it counted), never a status of its own. Pure: no imports but types.
 */
import { countedReports, describeCounts, failingCount, type OutcomeCounts } from './outcomes.js';
import type { FinalRunStatus, ShardOutcome } from './status.js';

/** How one shard ended: its outcome as the workflow saw it and, when it finished, what it counted. */
export interface ShardEnding {
  index: number;
  outcome: ShardOutcome;
  /** The shard's counts; null when it never finished (lost, cancelled, timed out). */
  counts: OutcomeCounts | null;
  /**
   * Tests the shard was given or handed from the run's queue. A shard that pulled no work (the
   * others had taken it all) is idle, not failed; one that was handed tests must report them.
   */
  expected: number;
  reason: string | null;
  /**
   * Of `counts`, the failed and error reports of tests that were quarantined when the run was
   * created (issue 15 item 2): still counted and reported, but the verdict does not count them.
   */
  quarantined?: QuarantinedReports;
}

/** Failing reports of quarantined tests, by pytest category. */
export interface QuarantinedReports {
  failed: number;
  error: number;
}

/** Why the run stopped before or after its shards. */
export type RunEnding =
  | { kind: 'cancelled'; shards: ShardEnding[] }
  /** Provisioning failed: `repository` for the project's own errors (collection, configuration), `infrastructure` for the platform's. */
  | { kind: 'preparation_failed'; cause: 'repository' | 'infrastructure'; reason: string }
  /** The suite's selection yielded no test and no collection error. */
  | { kind: 'nothing_selected' }
  | { kind: 'shards'; shards: ShardEnding[]; timeoutSeconds: number | null };

/** The coverage gate (FR-RPT-07, PRD 15.3) as it stood when the shards were done. */
export interface CoverageGate {
  /** The suite's minimum in percent; null: no gate. */
  threshold: number | null;
  /** The combined figure; null when no coverage data arrived. */
  percent: number | null;
  /** Why there is no figure (reporting's error), when known. */
  missing?: string | null;
}

/** Suite settings the verdict depends on. */
export interface VerdictPolicy {
  /** A suite that selects no test on purpose ends `completed` instead of `failed`. */
  allowEmpty: boolean;
}

export interface Verdict {
  status: FinalRunStatus;
  reason: string | null;
}

export const NO_TESTS_COLLECTED = 'no tests collected';

/**
 * The verdict: cancelled wins; a failed preparation is `failed` (the repository's fault) or
 * `infra_failed`; no tests is `failed` unless the suite allows it; then the shards by PRD 9.2
 * (timed_out, infra_failed, else completed / failed / partial_failed), where a shard that counted no
 * test or counted failures is failed whatever it said; last, the coverage threshold, which fails a
 * run whose figure is below it or missing.
 */
export function decideVerdict(ending: RunEnding, policy: VerdictPolicy, coverage: CoverageGate): Verdict {
  switch (ending.kind) {
    case 'cancelled':
      return { status: 'cancelled', reason: 'Cancelled' };
    case 'preparation_failed':
      return { status: ending.cause === 'repository' ? 'failed' : 'infra_failed', reason: ending.reason };
    case 'nothing_selected':
      return policy.allowEmpty
        ? { status: 'completed', reason: `${NO_TESTS_COLLECTED} (the suite allows an empty selection)` }
        : { status: 'failed', reason: `${NO_TESTS_COLLECTED}: the suite's paths, markers and keywords selected nothing` };
    case 'shards':
      return applyCoverageGate(shardVerdict(ending.shards, ending.timeoutSeconds), coverage);
  }
}

/**
 * A shard's outcome as the verdict counts it: `passed` only with a result for its work and no
 * failure but those of quarantined tests. A shard that failed only by quarantined tests passes;
 * one that failed for a reason of its own (a session error) stays failed.
 */
export function effectiveShardOutcome(shard: ShardEnding): { outcome: ShardOutcome; reason: string | null } {
  const failing = shard.counts ? failingCount(shard.counts) - quarantinedCount(shard) : 0;
  const onlyQuarantinedFailed = shard.outcome === 'failed' && shard.reason === null && quarantinedCount(shard) > 0 && failing === 0;
  if ((shard.outcome !== 'passed' && !onlyQuarantinedFailed) || !shard.counts) return { outcome: shard.outcome, reason: shard.reason };
  if (countedReports(shard.counts) === 0 && shard.expected > 0) return { outcome: 'failed', reason: shard.reason ?? `the shard produced no test results for its ${shard.expected} test(s)` };
  if (failing > 0) return { outcome: 'failed', reason: shard.reason ?? describeCounts(shard.counts) };
  return { outcome: 'passed', reason: shard.reason };
}

/** The shard's failing reports that the verdict leaves out: never more than it counted in each category. */
function quarantinedCount(shard: ShardEnding): number {
  if (!shard.quarantined || !shard.counts) return 0;
  return Math.min(shard.quarantined.failed, shard.counts.failed) + Math.min(shard.quarantined.error, shard.counts.error);
}

/** "2 failures in quarantined tests did not count", for the verdict's reason; null when there were none. */
export function quarantineNote(shards: readonly ShardEnding[]): string | null {
  const total = shards.reduce((n, shard) => n + quarantinedCount(shard), 0);
  if (total === 0) return null;
  return total === 1 ? '1 failure in a quarantined test did not count' : `${total} failures in quarantined tests did not count`;
}

/** A shard that finished without being handed any work: the others had taken it all. */
function isIdle(shard: ShardEnding): boolean {
  return shard.outcome === 'passed' && shard.expected === 0 && shard.counts !== null && countedReports(shard.counts) === 0;
}

function shardVerdict(shards: readonly ShardEnding[], timeoutSeconds: number | null): Verdict {
  // Idle shards neither pass nor fail a run: "failed if all failed" means all that ran tests.
  const working = shards.filter((shard) => !isIdle(shard));
  if (working.length === 0) return { status: 'infra_failed', reason: shards.length === 0 ? 'the run had no shards' : 'no shard ran a test' };
  const effective = working.map((shard) => ({ index: shard.index, ...effectiveShardOutcome(shard) }));
  const outcomes = effective.map((s) => s.outcome);
  const firstReason = (wanted: (o: ShardOutcome) => boolean) => {
    const shard = effective.find((s) => wanted(s.outcome) && s.reason);
    return shard ? `Shard ${shard.index}: ${shard.reason}` : null;
  };
  if (outcomes.includes('cancelled')) return { status: 'cancelled', reason: 'Cancelled' };
  if (outcomes.includes('timed_out')) return { status: 'timed_out', reason: timeoutSeconds !== null ? `Suite timeout of ${timeoutSeconds} s reached` : firstReason((o) => o === 'timed_out') };
  if (outcomes.includes('infra_failed')) return { status: 'infra_failed', reason: firstReason((o) => o === 'infra_failed') };
  const failed = outcomes.filter((o) => o === 'failed').length;
  const note = quarantineNote(working);
  if (failed === 0) return { status: 'completed', reason: note };
  const reason = [firstReason((o) => o === 'failed'), note].filter((part) => part !== null).join('; ');
  return { status: failed === outcomes.length ? 'failed' : 'partial_failed', reason: reason || null };
}

/** The threshold only judges runs whose tests all ran: a timed-out or lost run keeps that verdict. */
function applyCoverageGate(verdict: Verdict, coverage: CoverageGate): Verdict {
  if (coverage.threshold === null || !['completed', 'partial_failed', 'failed'].includes(verdict.status)) return verdict;
  const suffix = verdict.reason ? `; ${verdict.reason}` : '';
  if (coverage.percent === null) {
    const why = coverage.missing ? ` (${coverage.missing})` : '';
    return { status: 'failed', reason: `The suite's coverage threshold of ${coverage.threshold}% cannot be checked: no coverage data arrived${why}${suffix}` };
  }
  if (coverage.percent < coverage.threshold) {
    return { status: 'failed', reason: `Coverage ${coverage.percent}% is below the suite's threshold of ${coverage.threshold}%${suffix}` };
  }
  return verdict;
}
