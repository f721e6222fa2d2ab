/**
 * Printing of the run-overhead bench: one waterfall per measured run, a per-shard table, and the
 * median/max over the runs with the targets' verdicts. Pure: returns lines, prints nothing.
 */
import { percentile } from '../stats.js';
import type { RunOverhead, Segment, ShardTimeline } from './timeline.js';

/** The target for each overhead, on a warm stack. */
export const TARGET_SECONDS = 3;

export const fmt = (s: number, digits = 3) => (Number.isFinite(s) ? s.toFixed(digits) : 'n/a');

export interface Spread {
  median: number;
  max: number;
  min: number;
  count: number;
}

/** Nearest-rank median (an observed value, as in stats.ts), min and max. */
export function spread(values: readonly number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { median: Number.NaN, max: Number.NaN, min: Number.NaN, count: 0 };
  const sorted = [...finite].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), max: sorted[sorted.length - 1]!, min: sorted[0]!, count: sorted.length };
}

/** "meets" when the median is within the target; the max is reported beside it. */
export function verdict(s: Spread, target = TARGET_SECONDS): string {
  if (s.count === 0) return 'NO DATA';
  if (s.median > target) return `MISSES (median ${fmt(s.median, 2)} s > ${target} s)`;
  if (s.max > target) return `meets on the median, but the max ${fmt(s.max, 2)} s > ${target} s`;
  return `meets (every run <= ${target} s)`;
}

/** A waterfall: offset from the chain's start, the segment's own length, what happened. */
export function waterfall(startLabel: string, segments: readonly Segment[], indent = '    '): string[] {
  return [`${indent}+${fmt(0).padStart(7)}  ${''.padStart(7)}  ${startLabel}`, ...segments.map((s) => `${indent}+${fmt(s.offsetSeconds).padStart(7)}  ${fmt(s.seconds).padStart(7)}  ${s.label}`)];
}

const SHARD_COLUMNS: Array<[string, (s: ShardTimeline) => string]> = [
  ['shard', (s) => String(s.index)],
  ['worker', (s) => s.worker],
  ['att', (s) => String(s.attempt)],
  ['queue', (s) => fmt(s.queueSeconds)],
  ['setup', (s) => fmt(s.setupSeconds)],
  ['collect', (s) => fmt(s.collectSeconds)],
  ['tests', (s) => fmt(s.testsSeconds)],
  ['py-end', (s) => fmt(s.pytestEndSeconds)],
  ['upload', (s) => fmt(s.uploadSeconds)],
  ['results', (s) => fmt(s.resultsSeconds)],
  ['close', (s) => fmt(s.closeSeconds)],
  ['wrap-up', (s) => fmt(s.wrapUpSeconds)],
];

/** A plain-text table, first column left-aligned, the others right-aligned. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, indent = '    '): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => indent + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)];
}

export function shardTable(shards: readonly ShardTimeline[], indent = '    '): string[] {
  return table(
    SHARD_COLUMNS.map(([h]) => h),
    [...shards].sort((a, b) => a.index - b.index).map((s) => SHARD_COLUMNS.map(([, cell]) => cell(s))),
    indent,
  );
}

/** The full report of one measured run. */
export function runReport(label: string, overhead: RunOverhead): string[] {
  const start = overhead.submitToRunning;
  const end = overhead.lastTestToFinal;
  return [
    `${label}: submit → all shards running ${fmt(start.seconds)} s; last test done → run final ${fmt(end.seconds)} s`,
    `  submit → all shards running: ${fmt(start.seconds)} s (POST answered after ${fmt(start.answeredSeconds)} s; every shard's first test call began after ${fmt(start.firstTestsSeconds)} s)`,
    `    ${'offset s'.padStart(8)}  ${'step s'.padStart(7)}  milestone (what the step did)`,
    ...waterfall(start.startLabel, start.segments),
    `  last test done → run final: ${fmt(end.seconds)} s (→ workflow completed event ${fmt(end.toWorkflowCompletedSeconds)} s)`,
    `    ${'offset s'.padStart(8)}  ${'step s'.padStart(7)}  milestone (what the step did)`,
    ...waterfall(end.startLabel, end.segments),
    '  shards (seconds; setup = activity start → pytest session start; wrap-up = last test done → activity closed = py-end + upload + results + close):',
    ...shardTable(overhead.shards),
    ...(overhead.retried.length ? [`  WARNING: retried activities inflate this run: ${overhead.retried.join(', ')}`] : []),
  ];
}

/**
 * Per segment key, median/max over the runs. A key that only some runs have is placed right after
 * the key it follows in the first run that has it, so the table keeps the chains' order.
 */
export function componentSummary(chains: ReadonlyArray<readonly Segment[]>, indent = '    '): string[] {
  const order: string[] = [];
  const values = new Map<string, number[]>();
  for (const segments of chains) {
    segments.forEach((s, i) => {
      if (!values.has(s.key)) {
        const previous = i > 0 ? order.indexOf(segments[i - 1]!.key) : -1;
        order.splice(previous + 1, 0, s.key);
        values.set(s.key, []);
      }
      values.get(s.key)!.push(s.seconds);
    });
  }
  const rows = order.map((key) => {
    const s = spread(values.get(key)!);
    return [key, fmt(s.median), fmt(s.max), `${s.count}/${chains.length}`];
  });
  return table(['step ending at', 'median s', 'max s', 'runs'], rows, indent);
}

/** Median/max of the per-shard columns over every shard of every run. */
export function shardSummary(shards: readonly ShardTimeline[], indent = '    '): string[] {
  const columns: Array<[string, (s: ShardTimeline) => number]> = [
    ['queue (scheduled → started)', (s) => s.queueSeconds],
    ['setup (started → pytest session start)', (s) => s.setupSeconds],
    ['collect (session start → first test)', (s) => s.collectSeconds],
    ['pytest end (last test → session finish)', (s) => s.pytestEndSeconds],
    ['upload (session finish → last artifact row)', (s) => s.uploadSeconds],
    ['results (→ last test_results row)', (s) => s.resultsSeconds],
    ['close (→ activity closed)', (s) => s.closeSeconds],
    ['wrap-up (last test → activity closed)', (s) => s.wrapUpSeconds],
  ];
  return table(
    ['per shard', 'median s', 'max s', 'shards'],
    columns.map(([label, pick]) => {
      const s = spread(shards.map(pick));
      return [label, fmt(s.median), fmt(s.max), String(s.count)];
    }),
    indent,
  );
}
