/**
 * The real-world bench's tables, pure: the time figures of every run (QAtron and pytest-xdist
 * side by side, ratios against the xdist run of the same coverage mode) and the counts next to
 * pytest's own. Returns lines; prints nothing.
 */
import { fmt, table } from '../run-overhead/report.js';
import { compareCount, overallEquality, totalOf, type PytestSummary } from './counts.js';
import type { MeasuredRun } from './qatron.js';
import { OUTCOMES, type OutcomeCounts } from './suite.js';

/** The targets (issue 12, "Done when"). */
export const TARGETS = { ratio: 1.3, ratioAim: 1.1, makespan: 1.1, overheadSeconds: 3 } as const;

export interface XdistFigures {
  label: string;
  /** Which run of its coverage mode (one before each QAtron run). */
  repeat: number;
  wallSeconds: number;
  /** From the run's own JUnit XML: max(total / N, longest file). */
  lowerBoundSeconds: number;
  summary: PytestSummary | null;
  exitCode: number | null;
}

export interface TimedRow {
  qatron: MeasuredRun;
  /** The xdist run of the same coverage mode. */
  baseline: XdistFigures;
  /** The plain xdist run, when the baseline above measured coverage. */
  plain?: XdistFigures;
}

const ratio = (a: number | null, b: number) => (a === null || !Number.isFinite(a) || !(b > 0) ? Number.NaN : a / b);
const mark = (value: number, target: number) => (Number.isFinite(value) ? `${fmt(value, 2)}${value <= target ? '' : ' (>' + target + ')'}` : 'n/a');

/** One row per run: wall clock, ratio, makespan against its lower bound, the two overheads, verdict. */
export function timingTable(xdist: readonly XdistFigures[], rows: readonly TimedRow[]): string[] {
  const header = ['run', 'wall s', 'QAtron/xdist', 'vs plain xdist', 'makespan s', 'lower bound s', 'makespan/LB', 'trigger→all running s', 'last result→verdict s', 'status'];
  const body: string[][] = [];
  for (const x of xdist) {
    body.push([x.label, fmt(x.wallSeconds, 1), '', '', fmt(x.wallSeconds, 1), fmt(x.lowerBoundSeconds, 1), mark(ratio(x.wallSeconds, x.lowerBoundSeconds), TARGETS.makespan), '', '', `pytest exit ${x.exitCode ?? 'signal'}`]);
  }
  for (const { qatron: q, baseline, plain } of rows) {
    body.push([
      `${q.label} (run ${q.run.id})`,
      fmt(q.toVerdictSeconds, 1),
      mark(ratio(q.toVerdictSeconds, baseline.wallSeconds), TARGETS.ratio),
      plain ? fmt(ratio(q.toVerdictSeconds, plain.wallSeconds), 2) : '',
      q.makespanSeconds === null ? `n/a (longest shard ${fmt(q.run.durationSeconds ?? Number.NaN, 1)})` : fmt(q.makespanSeconds, 1),
      fmt(q.lowerBoundSeconds, 1),
      mark(ratio(q.makespanSeconds ?? q.run.durationSeconds, q.lowerBoundSeconds), TARGETS.makespan),
      q.overhead ? mark(q.overhead.submitToRunning.seconds, TARGETS.overheadSeconds) : 'n/a',
      q.overhead ? mark(q.overhead.lastTestToFinal.seconds, TARGETS.overheadSeconds) : 'n/a',
      q.run.status,
    ]);
  }
  return table(header, body, '  ');
}

/** Per outcome: what the generator planned, pytest in one process, pytest -n N, and each QAtron run with its verdict. */
export function countsTable(planned: OutcomeCounts, reference: PytestSummary, xdist: readonly XdistFigures[], runs: readonly MeasuredRun[]): string[] {
  const header = ['outcome', 'generated', 'pytest -rA (1 process)', ...xdist.map((x) => x.label), ...runs.map((r) => `${r.label} (run ${r.run.id})`)];
  const body = OUTCOMES.map((o) => [
    o,
    String(planned[o]),
    String(reference.counts[o]),
    ...xdist.map((x) => (x.summary ? String(x.summary.counts[o]) : 'n/a')),
    ...runs.map((r) => `${r.run.counts[o] ?? '-'} ${compareCount(reference.counts[o], r.run.counts[o])} (rows ${r.rowOutcomes[o] ?? 0})`),
  ]);
  body.push([
    'total',
    String(totalOf(planned)),
    String(totalOf(reference.counts)),
    ...xdist.map((x) => (x.summary ? String(totalOf(x.summary.counts)) : 'n/a')),
    ...runs.map((r) => `${r.run.total ?? '-'} ${compareCount(totalOf(reference.counts), r.run.total)} (rows ${Object.values(r.rowOutcomes).reduce((a, b) => a + b, 0)})`),
  ]);
  body.push(['all counts', '', '', ...xdist.map(() => ''), ...runs.map((r) => overallEquality(reference.counts, r.run))]);
  return table(header, body, '  ');
}
