/**
 * The QAtron side of the real-world bench: the suite's settings (coverage off when the platform
 * can turn it off), one measured run through the API on the bench stack, and the figures read
 * back from the API (run counters, per-test durations) and from the run's evidence (timeline.ts).
 */
import { makespanLowerBound } from '@qatron/domain';
import { analyzeFinishedRun, apiCall, finished, trigger, type RunTarget } from '../run-overhead/measure.js';
import type { BenchStack } from '../run-overhead/stack.js';
import type { RunOverhead } from '../run-overhead/timeline.js';
import { fileSeconds, outcomesOf, parseRun, parseTestPage, type RunView, type TestRow } from './counts.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** How a suite turns coverage off, as the API's OpenAPI document describes the suite body. */
export interface CoverageSetting {
  /** The body field (`coverage`, `coverage_enabled`, …). */
  field: string;
  off: unknown;
  on: unknown;
}

/** Every object schema in the document whose properties include all of `keys`. */
function schemasWith(node: unknown, keys: readonly string[], out: Json[] = []): Json[] {
  if (Array.isArray(node)) {
    for (const item of node) schemasWith(item, keys, out);
  } else if (isObject(node)) {
    if (isObject(node.properties) && keys.every((k) => k in (node.properties as Json))) out.push(node.properties);
    for (const value of Object.values(node)) schemasWith(value, keys, out);
  }
  return out;
}

/**
 * The suite field that switches coverage, if the API has one: a boolean (`false` is off) or an
 * enum holding `off`/`disabled`/`none`. Pure, from the OpenAPI document.
 */
export function coverageSettingOf(openapi: unknown): CoverageSetting | null {
  for (const properties of schemasWith(openapi, ['shards', 'retries'])) {
    for (const field of ['coverage', 'coverage_enabled', 'coverage_mode', 'collect_coverage']) {
      const schema = properties[field];
      if (!isObject(schema)) continue;
      const variants = [schema, ...(Array.isArray(schema.anyOf) ? schema.anyOf : []), ...(Array.isArray(schema.oneOf) ? schema.oneOf : [])].filter(isObject);
      if (variants.some((v) => v.type === 'boolean')) return { field, off: false, on: true };
      const values = variants.flatMap((v) => (Array.isArray(v.enum) ? v.enum : 'const' in v ? [v.const] : []));
      const off = values.find((v) => typeof v === 'string' && ['off', 'disabled', 'none'].includes(v));
      const on = values.find((v) => typeof v === 'string' && ['on', 'enabled', 'line'].includes(v));
      if (off !== undefined) return { field, off, on: on ?? values.find((v) => v !== off && v !== null) };
    }
  }
  return null;
}

/** Reads the suite field from the API's OpenAPI document. */
export async function detectCoverageSetting(stack: BenchStack, token: string): Promise<CoverageSetting | null> {
  const res = await fetch(`${stack.api.url}/api/v1/openapi.json`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) return null;
  return coverageSettingOf(await res.json());
}

/** Creates a suite; returns whether the answer echoes every setting sent (an ignored field is not echoed). */
export async function createSuite(stack: BenchStack, token: string, projectId: number, body: Json): Promise<{ id: number; echoed: boolean }> {
  const answer = await apiCall<Json>(stack, token, 'POST', `/api/v1/projects/${projectId}/suites`, body, 201);
  const echoed = Object.entries(body).every(([k, v]) => JSON.stringify(answer[k]) === JSON.stringify(v));
  return { id: Number(answer.id), echoed };
}

/** Every per-test result of a run, page by page (200 a page, the API's maximum). */
export async function fetchTestRows(stack: BenchStack, token: string, runId: number): Promise<{ rows: TestRow[]; dropped: number }> {
  const rows: TestRow[] = [];
  let dropped = 0;
  for (let offset = 0; ; offset += 200) {
    const page = parseTestPage(await apiCall(stack, token, 'GET', `/api/v1/runs/${runId}/tests?limit=200&offset=${offset}`, undefined, 200));
    rows.push(...page.rows);
    dropped += page.dropped;
    if (page.rows.length + page.dropped < 200 || rows.length + dropped >= page.total) break;
  }
  return { rows, dropped };
}

export interface MeasuredRun {
  label: string;
  run: RunView;
  /** POST sent → runs.completed_at (the verdict), seconds. */
  toVerdictSeconds: number;
  /** POST sent → the workflow's result seen by the bench (report attached), seconds. */
  toWorkflowDoneSeconds: number;
  /** First test started → last test done over all shards (Allure times); null without evidence. */
  makespanSeconds: number | null;
  /** max(total test time / N, longest file) from the recorded per-test durations. */
  lowerBoundSeconds: number;
  testTimeSeconds: number;
  longestFile: { file: string; seconds: number } | null;
  rowOutcomes: Record<string, number>;
  rowsDropped: number;
  overhead: RunOverhead | null;
  /** Why there is no timeline (the evidence could not be read). */
  overheadError: string | null;
  shardCount: number;
}

/** Triggers one run, waits for it, and reads its figures back; `auth` logs in (called before and after the wait). */
export async function measureQatronRun(
  stack: BenchStack,
  auth: () => Promise<string>,
  target: RunTarget,
  options: { label: string; shards: number; timeoutMs: number; signal: AbortSignal },
): Promise<MeasuredRun> {
  const triggered = await trigger(stack, await auth(), target);
  const entity = await finished(stack, triggered.runId, options.timeoutMs, options.signal);
  const doneMs = Date.now();
  // Access tokens live 30 minutes, less than a whole bench: a fresh one after each wait.
  const token = await auth();
  const run = parseRun(await apiCall(stack, token, 'GET', `/api/v1/runs/${triggered.runId}`, undefined, 200));
  const { rows, dropped } = await fetchTestRows(stack, token, triggered.runId);
  const perFile = fileSeconds(rows);
  const longest = [...perFile].reduce<[string, number] | null>((best, entry) => (best === null || entry[1] > best[1] ? entry : best), null);
  let overhead: RunOverhead | null = null;
  let overheadError: string | null = null;
  let makespanSeconds: number | null = null;
  const shardCount = Number(run.runMetadata.shard_count ?? options.shards);
  try {
    const evidence = await analyzeFinishedRun(stack, triggered, entity, options.shards);
    overhead = evidence.overhead;
    const first = Math.min(...evidence.shards.map((s) => s.allure.firstTestStartMs));
    const last = Math.max(...evidence.shards.map((s) => s.allure.lastTestDoneMs));
    makespanSeconds = (last - first) / 1000;
  } catch (err) {
    overheadError = (err as Error).message.split('\n')[0]!;
  }
  return {
    label: options.label,
    run,
    toVerdictSeconds: run.completedMs === null ? Number.NaN : (run.completedMs - triggered.submitMs) / 1000,
    toWorkflowDoneSeconds: (doneMs - triggered.submitMs) / 1000,
    makespanSeconds,
    lowerBoundSeconds: makespanLowerBound([...perFile.values()], options.shards),
    testTimeSeconds: [...perFile.values()].reduce((a, b) => a + b, 0),
    longestFile: longest ? { file: longest[0], seconds: longest[1] } : null,
    rowOutcomes: outcomesOf(rows),
    rowsDropped: dropped,
    overhead,
    overheadError,
    shardCount,
  };
}
