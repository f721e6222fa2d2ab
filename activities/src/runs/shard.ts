/**
 * One shard (DESIGN "A run, step by step", step 3): this worker's shared checkout of the run's
 * commit, the cached environment, pytest pulling its files from the run's work queue (the
 * workflow's `nextFiles` update) with progress heartbeats and signals, then the artifacts and
 * per-test results, replacing whatever an earlier attempt of this shard left.
 */
import { mkdir, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import {
  isFailingOutcome,
  nextFilesUpdate,
  progressBuckets,
  recordScenarioResults,
  runWorkflowId,
  shardCollectedUpdate,
  shardProgressSignal,
  TestResult,
  testFile,
  type Environment,
  type Run,
  type RunActivities,
  type ShardProgressSignal,
  type ShardSummary,
} from '@qatron/domain';
import { fingerprintFailure } from '@qatron/domain/failures/fingerprint';
import type { CollectedFile } from '@qatron/domain/runs/work-queue';
import type { EntityManager } from '@mikro-orm/postgresql';
import { untilDatabaseAnswers } from '../database-outage.js';
import { materializeDatasets } from '../execution/datasets.js';
import { readFailureTracebacks } from '../execution/junit-failures.js';
import { redact, resolveSecret } from '../execution/secrets.js';
import { runShard, SESSION_NODE_ID, type ShardProgress, type ShardRunResult, type WorkSource } from '../execution/shard-runner.js';
import { scenarioLabels } from '../features.js';
import { storeShardOutputs } from '../shard-outputs.js';
import { KEEPALIVE_HEARTBEAT_MS, type RunContext } from './context.js';
import { gridOutageDuringShard } from './grid.js';
import { runSelection } from './selection.js';

const PROGRESS_SIGNAL_INTERVAL_MS = 2000;

export function createShardActivities(context: RunContext) {
  const { deps, loadRun, sharedCheckout, runEnvironment, runDirectory, asFailure } = context;

  return {
    async executeShard(input: { runId: number; shardIndex: number; commit: string }): Promise<ShardSummary> {
      const ctx = Context.current();
      const attempt = ctx.info.attempt;
      const shardName = `shard ${input.shardIndex} of run ${input.runId}`;
      const { db, run, project, suite, environment } = await untilDatabaseAnswers(() => loadRun(input.runId), { what: `loading ${shardName}`, log: deps.log });
      const workRoot = join(runDirectory(run.id), `shard-${input.shardIndex}-attempt-${attempt}`);
      const progress = progressReporter(run.id, input.shardIndex, attempt);
      let secrets: string[] = [];
      try {
        progress.report(null);
        const envSecrets = Object.entries(environment.secretRefs).map(([variable, name]) => [variable, resolveSecret(name, deps.secrets)] as const);
        const checkout = await sharedCheckout(project, run.id, input.commit, ctx.cancellationSignal);
        secrets = [...checkout.secrets, ...envSecrets.map(([, value]) => value)];
        // The marker's age tells the cache pruning that this checkout is still in use.
        await utimes(`${checkout.dir}.ready`, new Date(), new Date()).catch(() => undefined);
        await rm(workRoot, { recursive: true, force: true });
        await mkdir(workRoot, { recursive: true });
        const python = await runEnvironment(checkout.dir, suite, ctx.cancellationSignal);
        const artifactsDir = join(workRoot, 'artifacts');
        const datasetEnv = await untilDatabaseAnswers(() => materializeDatasets(db, deps.store, run.datasetVersion, join(workRoot, 'datasets')), { what: `fetching ${shardName}'s datasets`, log: deps.log });
        const result: ShardRunResult = await runShard({
          python: python.python,
          checkoutDir: checkout.dir,
          work: { selection: runSelection(run, suite), source: workSource(run.id, input.shardIndex, attempt) },
          outDir: join(workRoot, 'out'),
          env: {
            ...testEnvironment(run, environment, input.shardIndex, checkout.dir, artifactsDir),
            ...seleniumUrl(run, deps.seleniumRemoteUrl),
            ...Object.fromEntries(envSecrets),
            ...datasetEnv,
          },
          retries: suite.retries,
          workersPerShard: suite.workersPerShard,
          coverage: suite.coverage,
          secrets,
          // The tests write evidence to the artifacts directory and read the datasets; nothing else of the worker's.
          sandbox: { mode: deps.sandbox ?? 'bwrap', writable: [artifactsDir], readable: [join(workRoot, 'datasets')] },
          signal: ctx.cancellationSignal,
          onProgress: progress.report,
        });
        const gridOutage = result.outcome === 'failed' ? await untilDatabaseAnswers(() => gridOutageDuringShard(db.fork(), run, true), { what: `checking ${shardName}'s Selenium Grid`, log: deps.log }) : null;
        const summary = summarize(input.shardIndex, result, attempt, deps.workerName, gridOutage);
        // Read before the shard's outputs are cleaned up: failure groups need pytest's full failure texts.
        const failingIds = result.results.filter((r) => isFailingOutcome(r.outcome)).map((r) => r.nodeId);
        const failures = { checkoutDir: checkout.dir, tracebacks: await readFailureTracebacks(result.outputs.junitXml, failingIds) };
        // The tests have run: an outage now is waited out (each try on a fresh unit of work), never a reason to run them again.
        await untilDatabaseAnswers(
          async () => {
            const fresh = await loadRun(input.runId);
            await storeShardOutputs(fresh.db, deps.store, fresh.run, input.shardIndex, attempt, result, secrets, artifactsDir);
            await recordResults(fresh.db, fresh.run, input.shardIndex, result, secrets, failures);
          },
          { what: `storing ${shardName}'s results`, log: deps.log },
        );
        progress.report({ total: summary.tests, done: summary.tests, ...progressBuckets(summary.counts), elapsedSeconds: summary.durationSeconds, phase: 'running' });
        return summary;
      } catch (err) {
        throw asFailure(err, secrets);
      } finally {
        progress.stop();
        await rm(workRoot, { recursive: true, force: true }).catch(() => undefined);
      }
    },
  } satisfies Pick<RunActivities, 'executeShard'>;

  /** The shard's work comes from the run workflow's queue, through its updates. */
  function workSource(runId: number, shardIndex: number, attempt: number): WorkSource {
    const handle = deps.temporal.workflow.getHandle(runWorkflowId(runId));
    return {
      collected: async (files: CollectedFile[]) => {
        await handle.executeUpdate(shardCollectedUpdate, { args: [{ shardIndex, attempt, files }] });
      },
      next: () => handle.executeUpdate(nextFilesUpdate, { args: [{ shardIndex, attempt }] }),
    };
  }

  /**
   * Heartbeats (every report, and on a timer: a test may run for minutes without a result line,
   * and cancellation and timeouts reach the activity through its heartbeat) and throttled
   * progress signals to the workflow for the Board's live view.
   */
  function progressReporter(runId: number, index: number, attempt: number) {
    const ctx = Context.current();
    const handle = deps.temporal.workflow.getHandle(runWorkflowId(runId));
    let lastSignal = 0;
    let latest: ShardProgressSignal | undefined;
    const report = (p: ShardProgress | null) => {
      latest = { index, total: p?.total ?? 0, done: p?.done ?? 0, passed: p?.passed ?? 0, failed: p?.failed ?? 0, skipped: p?.skipped ?? 0, elapsedSeconds: p?.elapsedSeconds ?? 0, attempt, worker: deps.workerName };
      ctx.heartbeat(latest);
      const now = Date.now();
      if (now - lastSignal >= PROGRESS_SIGNAL_INTERVAL_MS || (p && p.done === p.total)) {
        lastSignal = now;
        // Progress is best effort: a lost signal only delays the Board's view.
        handle.signal(shardProgressSignal, latest).catch(() => undefined);
      }
    };
    const keepalive = setInterval(() => ctx.heartbeat(latest), KEEPALIVE_HEARTBEAT_MS);
    return { report, stop: () => clearInterval(keepalive) };
  }
}

/** The variables a shard's tests see, besides the environment's secrets and datasets. */
function testEnvironment(run: Run, environment: Environment, shardIndex: number, checkoutDir: string, artifactsDir: string): Record<string, string> {
  return {
    ...environment.variables,
    QATRON_RUN_ID: String(run.id),
    // The checkout has no .git: the framework's scenario ids take feature paths relative to this.
    QATRON_CHECKOUT_DIR: checkoutDir,
    // Where the framework leaves evidence (browser screenshots of failed tests) for upload.
    QATRON_ARTIFACTS_DIR: artifactsDir,
    QATRON_SHARD_INDEX: String(shardIndex),
    QATRON_ENVIRONMENT: environment.name,
    QATRON_ENVIRONMENT_KIND: environment.kind,
    ...(environment.baseUrl ? { QATRON_BASE_URL: environment.baseUrl, BASE_URL: environment.baseUrl } : {}),
  };
}

/**
 * The shard's per-test results and their scenarios (FR-BDD-04). A retried shard replaces what an
 * earlier attempt of it recorded, and a file handed to another shard after a lost attempt keeps
 * one row per test: no duplicated results.
 */
async function recordResults(db: EntityManager, run: Run, shardIndex: number, result: ShardRunResult, secrets: string[], failures: FailureTexts): Promise<void> {
  await db.transactional(async (tx) => {
    await tx.nativeDelete(TestResult, { run: run.id, shardIndex });
    const nodeIds = result.results.map((t) => t.nodeId);
    for (let i = 0; i < nodeIds.length; i += 1000) await tx.nativeDelete(TestResult, { run: run.id, nodeId: { $in: nodeIds.slice(i, i + 1000) } });
    const rows = result.results.map((test) => {
      const row = new TestResult(run, shardIndex, test.nodeId, testFile(test.nodeId), test.outcome, test.durationSeconds);
      row.attempts = test.attempts;
      row.flaky = test.flaky;
      row.message = test.message ? redact(test.message, secrets).slice(0, 4000) : null;
      if (isFailingOutcome(test.outcome)) groupFailure(row, test.message, failures, secrets);
      tx.persist(row);
      return { row, test };
    });
    await tx.flush();
    await recordScenarioResults(
      tx,
      run,
      rows.map(({ row, test }) => ({ testResultId: row.id, nodeId: test.nodeId, outcome: test.outcome, durationSeconds: test.durationSeconds, ...scenarioLabels(test.properties) })),
    );
  });
}

/** pytest's failure texts of the shard's failing tests (JUnit), and the checkout their paths are in. */
interface FailureTexts {
  checkoutDir: string;
  tracebacks: ReadonlyMap<string, string>;
}

/** A failure's group (issue 15 item 4): its fingerprint and the parts it is made of, from the redacted texts. */
function groupFailure(row: TestResult, message: string | null, failures: FailureTexts, secrets: string[]): void {
  const traceback = failures.tracebacks.get(row.nodeId);
  const failure = fingerprintFailure({ message: message && redact(message, secrets), traceback: traceback ? redact(traceback, secrets) : null, checkoutDir: failures.checkoutDir });
  row.fingerprint = failure.fingerprint;
  row.exceptionType = failure.exceptionType?.slice(0, 500) ?? null;
  row.normalizedMessage = failure.normalizedMessage;
  row.failureFrame = failure.frame?.slice(0, 1000) ?? null;
}

/** The Grid the tests' `browser` fixture drives: the run's (its environment's), else the worker's SELENIUM_REMOTE_URL. */
function seleniumUrl(run: Run, workerDefault: string | undefined): Record<string, string> {
  const url = run.runMetadata.grid?.url ?? workerDefault;
  return url ? { SELENIUM_REMOTE_URL: url } : {};
}

/** The shard's summary; a Grid outage behind its failures makes it infra_failed with the Grid's reason. */
function summarize(index: number, result: ShardRunResult, attempt: number, worker: string, gridOutage: string | null): ShardSummary {
  return {
    index,
    outcome: gridOutage ? 'infra_failed' : result.outcome,
    tests: result.results.length,
    expected: result.expectedTests,
    files: [...new Set(result.results.filter((r) => r.nodeId !== SESSION_NODE_ID).map((r) => testFile(r.nodeId)))],
    reason: gridOutage ?? result.sessionError,
    counts: result.counts,
    flaky: result.results.filter((r) => r.flaky).length,
    durationSeconds: Math.round(result.durationSeconds * 1000) / 1000,
    attempt,
    worker,
  };
}
