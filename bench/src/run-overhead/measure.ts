/**
 * Triggering and measuring one run on a bench stack (stack.ts), shared by the benches that drive
 * real runs (run-overhead.ts, real-world.ts): POST /api/v1/runs timed from the bench's clock, a long
 * poll on the run's workflow, and the evidence timeline.ts needs (workflow history, the shards'
 * stored JUnit XML and Allure results, the rows they wrote).
 */
import { buffer } from 'node:stream/consumers';
import { Run, RunArtifact, TestResult } from '@qatron/domain';
import { allureTimes, parseJunitSession, readTarGz } from './evidence.js';
import { simplifyHistory } from './history.js';
import type { BenchStack } from './stack.js';
import { analyzeRun, type RunOverhead, type ShardEvidence } from './timeline.js';

/** A wait cut short by Ctrl-C (the bench's interrupt signal). */
export class Interrupted extends Error {}

/** `promise`, or a rejection when `signal` aborts (Ctrl-C), on timeout, or when a worker process dies. */
export async function guarded<T>(promise: Promise<T>, what: string, timeoutMs: number, signal: AbortSignal, stack?: BenchStack): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const onAbort = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(new Interrupted('interrupted'));
    signal.addEventListener('abort', () => reject(new Interrupted('interrupted')), { once: true });
  });
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`)), timeoutMs);
  });
  const died = (stack?.workers ?? []).map((w) =>
    w.exited.then((code) => {
      throw new Error(`worker ${w.name} exited (code ${code}) while waiting for ${what}; its log: ${w.logFile}`);
    }),
  );
  // Whichever loses the race may still reject later (a worker stopped at the end, a late Ctrl-C,
  // a long poll cut off when the connection closes): none of that is an error any more.
  for (const p of [promise, onAbort, timeout, ...died]) p.catch(() => undefined);
  try {
    return await Promise.race([promise, onAbort, timeout, ...died]);
  } finally {
    clearTimeout(timer);
  }
}

/** An API call as admin; throws unless the status is `expect`. */
export async function apiCall<T = any>(stack: BenchStack, token: string, method: string, path: string, json: unknown, expect: number): Promise<T> {
  const res = await fetch(stack.api.url + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: json === undefined ? undefined : JSON.stringify(json) });
  const text = await res.text();
  if (res.status !== expect) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** What POST /api/v1/runs names: the project by id, suite and environment by name. */
export interface RunTarget {
  projectId: number;
  suite: string;
  environment: string;
}

export interface Triggered {
  runId: number;
  submitMs: number;
  answeredMs: number;
}

/** POST /api/v1/runs, timed from just before the request to the parsed answer. */
export async function trigger(stack: BenchStack, token: string, target: RunTarget): Promise<Triggered> {
  const body = JSON.stringify({ project_id: target.projectId, suite: target.suite, environment: target.environment });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const submitMs = Date.now();
  const res = await fetch(`${stack.api.url}/api/v1/runs`, { method: 'POST', headers, body });
  const text = await res.text();
  const answeredMs = Date.now();
  if (res.status !== 201) throw new Error(`POST /api/v1/runs answered ${res.status}: ${text.slice(0, 500)}`);
  return { runId: (JSON.parse(text) as { id: number }).id, submitMs, answeredMs };
}

/**
 * Waits for the run's workflow to complete (a long poll on Temporal, no load on the API). The poll
 * is aborted when the wait ends otherwise, so that no call is left to retry on a closed connection.
 */
export async function finished(stack: BenchStack, runId: number, timeoutMs: number, signal: AbortSignal): Promise<Run> {
  const poll = new AbortController();
  try {
    const handle = stack.temporal.workflow.getHandle(`run-${runId}`);
    await guarded(
      stack.temporal.withAbortSignal(poll.signal, () => handle.result()),
      `run ${runId} to finish`,
      timeoutMs,
      signal,
      stack,
    );
  } finally {
    poll.abort();
  }
  return stack.orm.em.fork().findOneOrFail(Run, { id: runId });
}

async function artifactBytes(stack: BenchStack, key: string): Promise<Buffer> {
  const { body } = await stack.api.deps.store.get(key);
  return buffer(body);
}

const latest = (dates: Date[]) => (dates.length ? Math.max(...dates.map((d) => d.getTime())) : Number.NaN);

/**
 * What pytest and the shard recorded, per shard, from the stored artifacts and rows. A shard that
 * ran no test (its Allure archive holds no result: it pulled no work) has no test times and is
 * left out; a run where no shard ran a test has no evidence at all.
 */
export async function shardEvidence(stack: BenchStack, run: Run, defaultShards: number): Promise<ShardEvidence[]> {
  const em = stack.orm.em.fork();
  const [artifacts, results] = await Promise.all([em.find(RunArtifact, { run: run.id }), em.find(TestResult, { run: run.id })]);
  const count = run.runMetadata.shard_count ?? defaultShards;
  const shards = await Promise.all(
    Array.from({ length: count }, async (_, index): Promise<ShardEvidence | null> => {
      const mine = artifacts.filter((a) => a.shardIndex === index);
      const junit = mine.find((a) => a.kind === 'junit' && a.name === 'junit.xml');
      const allure = mine.find((a) => a.kind === 'allure_results');
      if (!junit || !allure) throw new Error(`run ${run.id} shard ${index}: no junit.xml or allure results among its artifacts`);
      const files = readTarGz(await artifactBytes(stack, allure.storageKey)).map((f) => ({ name: f.name, text: f.data.toString('utf8') }));
      if (!files.some((f) => f.name.endsWith('-result.json'))) return null;
      return {
        index,
        session: parseJunitSession((await artifactBytes(stack, junit.storageKey)).toString('utf8')),
        allure: allureTimes(files),
        artifactsStoredMs: latest(mine.map((a) => a.createdAt)),
        resultsWrittenMs: latest(results.filter((r) => r.shardIndex === index).map((r) => r.createdAt)),
      };
    }),
  );
  const ran = shards.filter((s): s is ShardEvidence => s !== null);
  if (ran.length === 0) throw new Error(`run ${run.id}: no shard ran a test (no Allure results in any shard's archive)`);
  return ran;
}

export interface RunEvidenceSet {
  overhead: RunOverhead;
  shards: ShardEvidence[];
}

/** The timeline of a finished run (timeline.ts) from its workflow history, shard artifacts and rows. */
export async function analyzeFinishedRun(stack: BenchStack, triggered: Triggered, run: Run, defaultShards: number): Promise<RunEvidenceSet> {
  const history = simplifyHistory(await stack.temporal.workflow.getHandle(`run-${triggered.runId}`).fetchHistory());
  if (!run.completedAt) throw new Error(`run ${run.id} ended ${run.status} without completed_at`);
  const runArtifacts = (await stack.orm.em.fork().find(RunArtifact, { run: run.id, shardIndex: null })).map((a) => ({ kind: a.kind, createdMs: a.createdAt.getTime() }));
  const shards = await shardEvidence(stack, run, defaultShards);
  const overhead = analyzeRun({
    runArtifacts,
    runId: run.id,
    submitMs: triggered.submitMs,
    answeredMs: triggered.answeredMs,
    events: history,
    shards,
    completedAtMs: run.completedAt.getTime(),
  });
  return { overhead, shards };
}
