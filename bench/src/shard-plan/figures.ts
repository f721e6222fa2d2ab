/**
 * The arithmetic and the printing of the shard-plan bench: makespan against the lower bound, with
 * and without the fixed start-up cost, and plain-text tables. Pure, so the unit tier checks it.
 */
import type { ShardPlan } from '@qatron/domain';

/** makespan / lower bound: 1.00 is a perfect plan; the bench's target is <= 1.10 with history. */
export function makespanRatio(makespanSeconds: number, lowerBoundSeconds: number): number {
  if (!(lowerBoundSeconds > 0)) return Number.NaN;
  return makespanSeconds / lowerBoundSeconds;
}

/**
 * The makespan less a fixed start-up cost (never below zero). The lower bound counts only the
 * tests' own time, while every real strategy also pays interpreter start, plugin loading and
 * collection; subtracting what a zero-sleep run of the same strategy took compares the plans alone.
 */
export function startupAdjusted(makespanSeconds: number, startupSeconds: number): number {
  return Math.max(0, makespanSeconds - startupSeconds);
}

/**
 * What a plan's longest shard would take if each file took exactly its known duration: the
 * planning loss alone, before any process overhead. `fileSeconds` maps a file to its duration.
 */
export function planIdealMakespan(plan: ShardPlan, fileSeconds: ReadonlyMap<string, number>): number {
  return Math.max(0, ...plan.shards.map((s) => shardIdealSeconds(s.files, fileSeconds)));
}

/** The known duration of one shard: the sum of its files' durations, in seconds. */
export function shardIdealSeconds(files: readonly string[], fileSeconds: ReadonlyMap<string, number>): number {
  return files.reduce((sum, f) => sum + (fileSeconds.get(f) ?? 0), 0);
}

/** A plan's own estimate of its makespan: its largest shard weight (seconds, or tests without history). */
export function planEstimate(plan: ShardPlan): number {
  return Math.max(0, ...plan.shards.map((s) => s.estimatedWeight));
}

/** The verdict line's word: whether `ratio` meets `target` (a missing ratio never does). */
export function verdict(ratio: number, target: number): 'met' | 'missed' {
  return Number.isFinite(ratio) && ratio <= target ? 'met' : 'missed';
}

/** Seconds with two decimals, or an en dash where the figure does not apply. */
export function fmtSeconds(seconds: number | undefined): string {
  return seconds === undefined || !Number.isFinite(seconds) ? '–' : seconds.toFixed(2);
}

/** A ratio with three decimals, or an en dash. */
export function fmtRatio(ratio: number | undefined): string {
  return ratio === undefined || !Number.isFinite(ratio) ? '–' : ratio.toFixed(3);
}

/**
 * Aligns rows of cells into a plain-text table: the first row is the header, underlined; the
 * first column is left-aligned (names), the others right-aligned (figures).
 */
export function formatTable(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const columns = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(...rows.map((r) => [...(r[c] ?? '')].length)));
  const line = (row: readonly string[]) =>
    widths
      .map((w, c) => {
        const cell = row[c] ?? '';
        const pad = ' '.repeat(w - [...cell].length);
        return c === 0 ? cell + pad : pad + cell;
      })
      .join('  ')
      .trimEnd();
  const [header, ...body] = rows;
  return [line(header!), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
