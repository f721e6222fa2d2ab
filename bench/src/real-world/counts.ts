/**
 * The counts side of the real-world bench, pure: pytest's own summary line, the API's run and
 * per-test JSON read defensively (the run counters are growing: error, xfailed and xpassed may or
 * may not be there yet), and the side-by-side comparison against pytest.
 */
import { OUTCOMES, type Outcome, type OutcomeCounts } from './suite.js';

export interface PytestSummary {
  /** Per outcome as pytest names it, normalised (`errors` → `error`); absent outcomes are 0. */
  counts: OutcomeCounts;
  /** Other words of the line (`deselected`, `warnings`, `rerun`), as printed. */
  other: Record<string, number>;
  /** The session time pytest printed. */
  seconds: number;
  line: string;
}

const SUMMARY = /^(?:=+ )?(.*?) in ([\d.]+)s(?: \([^)]*\))?(?: =+)?$/;
const SYNONYMS: Record<string, Outcome> = { error: 'error', errors: 'error', passed: 'passed', failed: 'failed', skipped: 'skipped', xfailed: 'xfailed', xpassed: 'xpassed' };

const zeroCounts = (): OutcomeCounts => ({ passed: 0, failed: 0, error: 0, skipped: 0, xfailed: 0, xpassed: 0 });

/**
 * The last summary line of pytest's output ("= 3 failed, 10 passed, 2 xfailed, 1 error in 1.2s =",
 * or the same without the rule in `-q` mode; "no tests ran in 0.01s"); null if there is none.
 */
export function parsePytestSummary(output: string): PytestSummary | null {
  const lines = output.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = SUMMARY.exec(lines[i]!);
    if (!match) continue;
    const body = match[1]!;
    const parts = body.split(', ').map((p) => /^(\d+) (\w+)$/.exec(p));
    if (body !== 'no tests ran' && parts.some((p) => p === null)) continue;
    const counts = zeroCounts();
    const other: Record<string, number> = {};
    for (const part of parts) {
      if (!part) continue;
      const outcome = SYNONYMS[part[2]!];
      if (outcome) counts[outcome] += Number(part[1]);
      else other[part[2]!] = Number(part[1]);
    }
    return { counts, other, seconds: Number(match[2]), line: lines[i]! };
  }
  return null;
}

export const totalOf = (counts: Partial<OutcomeCounts>) => OUTCOMES.reduce((sum, o) => sum + (counts[o] ?? 0), 0);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const numberOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const stringOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const dateMs = (v: unknown): number | null => {
  const s = stringOrNull(v);
  const ms = s === null ? Number.NaN : Date.parse(s);
  return Number.isNaN(ms) ? null : ms;
};

/** What the bench reads of `GET /api/v1/runs/{id}`. */
export interface RunView {
  id: number;
  status: string;
  statusReason: string | null;
  /** `total_tests`. */
  total: number | null;
  /** Per outcome, the run's counter if the API has one (`passed_tests`, `error_tests`, …, or `counts.<outcome>`). */
  counts: Partial<OutcomeCounts>;
  /** Every numeric `*_tests` field, as sent (for the table's "other counters"). */
  counters: Record<string, number>;
  createdMs: number | null;
  startedMs: number | null;
  completedMs: number | null;
  durationSeconds: number | null;
  coveragePercent: number | null;
  runMetadata: Json;
}

/** The names a counter of `outcome` may have in the run's JSON, in order of preference. */
const COUNTER_NAMES: Record<Outcome, string[]> = {
  passed: ['passed_tests', 'passed'],
  failed: ['failed_tests', 'failed'],
  error: ['error_tests', 'errors_tests', 'errored_tests', 'error', 'errors'],
  skipped: ['skipped_tests', 'skipped'],
  xfailed: ['xfailed_tests', 'xfailed'],
  xpassed: ['xpassed_tests', 'xpassed'],
};

/** Reads a run answer; throws only when it is not a run at all (no id or status). */
export function parseRun(json: unknown): RunView {
  if (!isObject(json) || typeof json.id !== 'number' || typeof json.status !== 'string') throw new Error(`not a run: ${JSON.stringify(json).slice(0, 300)}`);
  const nested = [json.counts, json.counters, json.outcomes].filter(isObject);
  const counts: Partial<OutcomeCounts> = {};
  for (const outcome of OUTCOMES) {
    for (const source of [json, ...nested]) {
      const found = COUNTER_NAMES[outcome].map((name) => numberOrNull(source[name])).find((v) => v !== null);
      if (found !== undefined && found !== null) {
        counts[outcome] = found;
        break;
      }
    }
  }
  const counters = Object.fromEntries(Object.entries(json).flatMap(([k, v]) => (k.endsWith('_tests') && numberOrNull(v) !== null ? [[k, v as number]] : [])));
  return {
    id: json.id,
    status: json.status,
    statusReason: stringOrNull(json.status_reason),
    total: numberOrNull(json.total_tests),
    counts,
    counters,
    createdMs: dateMs(json.created_at),
    startedMs: dateMs(json.started_at),
    completedMs: dateMs(json.completed_at),
    durationSeconds: numberOrNull(json.duration_seconds),
    coveragePercent: numberOrNull(json.coverage_percent),
    runMetadata: isObject(json.run_metadata) ? json.run_metadata : {},
  };
}

/** One row of `GET /api/v1/runs/{id}/tests`. */
export interface TestRow {
  nodeId: string;
  file: string;
  outcome: string;
  durationSeconds: number;
  shardIndex: number | null;
}

/** Reads one page of per-test results; rows without a node id or duration are dropped and counted. */
export function parseTestPage(json: unknown): { rows: TestRow[]; total: number; dropped: number } {
  if (!isObject(json) || !Array.isArray(json.items)) throw new Error(`not a page of test results: ${JSON.stringify(json).slice(0, 300)}`);
  const rows: TestRow[] = [];
  let dropped = 0;
  for (const item of json.items) {
    const nodeId = isObject(item) ? stringOrNull(item.node_id) : null;
    const duration = isObject(item) ? numberOrNull(item.duration_seconds) : null;
    if (!isObject(item) || nodeId === null || duration === null) {
      dropped += 1;
      continue;
    }
    rows.push({
      nodeId,
      file: stringOrNull(item.file) ?? nodeId.split('::')[0]!,
      outcome: stringOrNull(item.outcome) ?? 'unknown',
      durationSeconds: duration,
      shardIndex: numberOrNull(item.shard_index),
    });
  }
  return { rows, total: numberOrNull(json.total) ?? rows.length, dropped };
}

/** Per file, the sum of its tests' recorded durations (seconds). */
export function fileSeconds(rows: readonly TestRow[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of rows) out.set(row.file, (out.get(row.file) ?? 0) + row.durationSeconds);
  return out;
}

/** How many rows have each outcome. */
export function outcomesOf(rows: readonly TestRow[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const row of rows) out[row.outcome] = (out[row.outcome] ?? 0) + 1;
  return out;
}

export type Equality = 'EQUAL' | 'DIFFERENT' | 'NO COUNTER';

/** A run's counter against pytest's number for one outcome (or the total). */
export function compareCount(reference: number, run: number | null | undefined): Equality {
  if (run === null || run === undefined) return 'NO COUNTER';
  return run === reference ? 'EQUAL' : 'DIFFERENT';
}

/** EQUAL only when every outcome and the total are equal. */
export function overallEquality(reference: OutcomeCounts, run: RunView): Equality {
  const each = [...OUTCOMES.map((o) => compareCount(reference[o], run.counts[o])), compareCount(totalOf(reference), run.total)];
  if (each.every((e) => e === 'EQUAL')) return 'EQUAL';
  return each.includes('DIFFERENT') ? 'DIFFERENT' : 'NO COUNTER';
}
