import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  addCounts,
  canTransition,
  decideVerdict,
  effectiveShardOutcome,
  emptyCounts,
  progressBuckets,
  Environment,
  isFinalStatus,
  planShards,
  Project,
  Run,
  Suite,
  recordScenarioResults,
  TestResult,
  testFile,
  type FinalRunStatus,
  type ReportStatus,
  type RunEnding,
  type RunStatus,
} from '@qatron/domain';
import type { CoverageOutcome, IngestionRecord, PreparedRun, RunConclusion, ShardProgressSignal, ShardSummary } from '@qatron/workflows';
import { SHARD_PROGRESS_SIGNAL, runWorkflowId } from '@qatron/workflows/run-contract';
import type { ActivityDeps } from './deps.js';
import { collectTests } from './execution/collect.js';
import { materializeDatasets } from './execution/datasets.js';
import { materialize, resolveCommit, syncMirror } from './execution/git.js';
import { repositoryAccess } from './execution/repository.js';
import { ensureEnvironment } from './execution/python-env.js';
import { redact, resolveSecret } from './execution/secrets.js';
import { runShard, type ShardProgress, type ShardRunResult } from './execution/shard-runner.js';
import { asActivityFailure } from './failures.js';
import { ingestCheckout, ingestionRecord, scenarioLabels } from './features.js';
import { fileDurationHistory } from './history.js';
import { reportRun, type ReportPart } from './reporting/run-report.js';
import { storeShardOutputs } from './shard-outputs.js';

/** The plan as stored in run_metadata.plan (snake_case like the rest of the API's JSON). */
export interface StoredPlan {
  commit: string;
  basis: 'history' | 'test_count';
  total_tests: number;
  shards: Array<{ index: number; files: string[]; test_ids: string[]; estimated_weight: number }>;
}

const PROGRESS_SIGNAL_INTERVAL_MS = 2000;
/** Errors of a test repository or its configuration: the same input fails the same way on any worker. */
const NON_RETRYABLE_ERRORS = ['EnvironmentSetupError', 'CollectionError', 'SecretNotFoundError', 'ShardExecutionError'];
const KEEPALIVE_HEARTBEAT_MS = 2000;

/**
 * The run workflow's activities, built from the worker's dependencies. Each is idempotent, since
 * Temporal retries an activity whose worker died: status moves check the status model, shard
 * results replace the shard's previous attempt, the verdict is written once.
 */
export function createRunActivities(deps: ActivityDeps) {
  const em = () => deps.orm.em.fork();

  async function loadRun(runId: number) {
    const db = em();
    const run = await db.findOne(Run, { id: runId });
    if (!run) throw ApplicationFailure.create({ type: 'RunNotFound', message: `run ${runId} does not exist`, nonRetryable: true });
    const [project, suite, environment] = await Promise.all([
      db.findOneOrFail(Project, { id: run.project }),
      db.findOneOrFail(Suite, { id: run.suite }),
      db.findOneOrFail(Environment, { id: run.environment }),
    ]);
    return { db, run, project, suite, environment };
  }

  /** Heartbeats on a timer while slow work (clone, pip) runs, so cancellation and crashes are noticed. */
  async function withKeepalive<T>(details: unknown, work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => Context.current().heartbeat(details), KEEPALIVE_HEARTBEAT_MS);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  /**
   * Known execution errors keep their type: the ones a retry cannot fix end the run at once; git
   * errors (often a network hiccup) are retried.
   */
  const asFailure = (err: unknown, secrets: string[]) => asActivityFailure(err, { secrets, nonRetryable: NON_RETRYABLE_ERRORS });

  /**
   * FR-BDD-02: the feature files at the run's commit are indexed before any test runs, so that
   * every result can find its scenario. An index that cannot be written must not stop the tests:
   * the failure is recorded on the run instead.
   */
  async function indexFeatures(db: EntityManager, project: Project, commit: string, checkout: string): Promise<IngestionRecord | { commit: string; failed: string }> {
    try {
      return ingestionRecord(await ingestCheckout(db.fork(), project, commit, checkout), commit);
    } catch (err) {
      deps.log(`feature ingestion for project ${project.id} at ${commit} failed: ${err instanceof Error ? err.message : String(err)}`);
      return { commit, failed: err instanceof Error ? err.message : String(err) };
    }
  }

  /**
   * The reporting parts asked for (run-report.ts), with the run's checkout and environment prepared
   * only if the coverage HTML needs the sources; records coverage and errors in run_metadata.
   */
  async function reportPhase(runId: number, parts: ReportPart[]) {
    const ctx = Context.current();
    const { db, run, project, suite, environment } = await loadRun(runId);
    const workDir = join(deps.workDir, 'runs', String(run.id), `report-${parts.join('-')}-${ctx.info.attempt}`);
    let secrets: string[] = [];
    const prepare = async () => {
      const repo = repositoryAccess(project, deps.secrets);
      secrets = repo.secrets;
      const mirror = await syncMirror(join(deps.workDir, 'git'), project.id, repo.access, ctx.cancellationSignal, run.commit ?? undefined);
      const checkoutDir = join(workDir, 'checkout');
      await materialize(mirror, run.commit ?? '', checkoutDir);
      const env = await ensureEnvironment(checkoutDir, deps.workDir, { frameworkDir: deps.frameworkDir, signal: ctx.cancellationSignal });
      return { python: env.python, checkoutDir };
    };
    const report = await withKeepalive({ phase: 'reporting' }, () =>
      reportRun(db, deps.store, run, workDir, `${project.name} · ${suite.name} · ${environment.name}`, prepare, ctx.cancellationSignal, parts),
    );
    const errors = report.errors.map((e) => redact(e, secrets));
    // Re-read: the verdict may have been written since this run was loaded.
    await db.refresh(run);
    const reporting = (run.runMetadata.reporting ?? {}) as { report_tests?: number | null; errors?: string[] };
    if (parts.includes('coverage')) {
      run.coveragePercent = report.coverage?.percent ?? null;
      run.runMetadata = {
        ...run.runMetadata,
        coverage: report.coverage
          ? { percent: report.coverage.percent, covered_lines: report.coverage.coveredLines, total_lines: report.coverage.totalLines, threshold: suite.coverageThreshold, files: report.coverage.files }
          : null,
      };
    }
    run.runMetadata = {
      ...run.runMetadata,
      reporting: { report_tests: parts.includes('allure') ? report.reportTests : (reporting.report_tests ?? null), errors: [...(reporting.errors ?? []), ...errors] },
    };
    await db.flush();
    return { coverage: report.coverage, errors };
  }

  async function setReportStatus(runId: number, status: ReportStatus, error: string | null): Promise<void> {
    const db = em();
    const run = await db.findOneOrFail(Run, { id: runId });
    run.reportStatus = status;
    if (error) {
      const reporting = (run.runMetadata.reporting ?? {}) as { report_tests?: number | null; errors?: string[] };
      run.runMetadata = { ...run.runMetadata, reporting: { report_tests: reporting.report_tests ?? null, errors: [...(reporting.errors ?? []), error] } };
    }
    await db.flush();
  }

  return {
    /** Moves a run along the status model; repeating a move is harmless, a final run stays final. */
    async markRunStatus(input: { runId: number; status: RunStatus }): Promise<RunStatus> {
      const db = em();
      return db.transactional(async (tx) => {
        const run = await tx.findOne(Run, { id: input.runId }, { lockMode: 4 /* pessimistic write */ });
        if (!run) throw ApplicationFailure.create({ type: 'RunNotFound', message: `run ${input.runId} does not exist`, nonRetryable: true });
        if (run.status === input.status || isFinalStatus(run.status)) return run.status;
        if (!canTransition(run.status, input.status)) {
          throw ApplicationFailure.create({ type: 'InvalidTransition', message: `run ${run.id} cannot move from ${run.status} to ${input.status}`, nonRetryable: true });
        }
        run.status = input.status;
        if ((input.status === 'provisioning' || input.status === 'running') && !run.startedAt) run.startedAt = new Date();
        return run.status;
      });
    },

    /**
     * Provisioning (DESIGN step 2): branch → commit on the project's mirror, the Python
     * environment, the test ids the suite selects, and the shard plan from duration history.
     * The plan is stored in run_metadata so that every shard worker reads the same one.
     */
    async prepareRun(input: { runId: number }): Promise<PreparedRun> {
      const { db, run, project, suite } = await loadRun(input.runId);
      const existing = run.runMetadata.plan as StoredPlan | undefined;
      if (existing) return { commit: existing.commit, totalTests: existing.total_tests, shardCount: existing.shards.length, coverageGate: hasCoverageGate(suite) };
      let secrets: string[] = [];
      try {
        const repo = repositoryAccess(project, deps.secrets);
        secrets = repo.secrets;
        const signal = Context.current().cancellationSignal;
        const workTree = join(deps.workDir, 'runs', String(run.id), `prepare-${Context.current().info.attempt}`);
        const { plan, bdd } = await withKeepalive({ phase: 'provisioning' }, async () => {
          const mirror = await syncMirror(join(deps.workDir, 'git'), project.id, repo.access, signal);
          const commit = await resolveCommit(mirror, { branch: run.branch, commit: run.commit });
          await rm(workTree, { recursive: true, force: true });
          await mkdir(join(workTree, '..'), { recursive: true });
          await materialize(mirror, commit, workTree);
          try {
            const bdd = await indexFeatures(db, project, commit, workTree);
            const python = await ensureEnvironment(workTree, deps.workDir, { frameworkDir: deps.frameworkDir, signal });
            const ids = await collectTests(python.python, workTree, { paths: suite.paths, markers: suite.markers, keywords: suite.keywords }, { signal });
            const history = await fileDurationHistory(db, run);
            const planned = planShards(ids, suite.shards, history);
            const stored: StoredPlan = {
              commit,
              basis: planned.basis,
              total_tests: planned.totalTests,
              shards: planned.shards.map((s) => ({ index: s.index, files: s.files, test_ids: s.testIds, estimated_weight: s.estimatedWeight })),
            };
            return { plan: stored, bdd };
          } finally {
            await rm(workTree, { recursive: true, force: true });
          }
        });
        run.commit = plan.commit;
        run.totalTests = plan.total_tests;
        run.runMetadata = { ...run.runMetadata, plan, shard_count: plan.shards.length, bdd };
        await db.flush();
        return { commit: plan.commit, totalTests: plan.total_tests, shardCount: plan.shards.length, coverageGate: hasCoverageGate(suite) };
      } catch (err) {
        throw asFailure(err, secrets);
      }
    },

    /**
     * One shard (DESIGN step 3): the checkout at the run's commit, the cached environment, pytest
     * on the shard's test ids with progress heartbeats and signals, then the artifacts and
     * per-test results, replacing whatever an earlier attempt of this shard left.
     */
    async executeShard(input: { runId: number; shardIndex: number; commit: string }): Promise<ShardSummary> {
      const ctx = Context.current();
      const attempt = ctx.info.attempt;
      const { db, run, project, suite, environment } = await loadRun(input.runId);
      const plan = run.runMetadata.plan as StoredPlan | undefined;
      const shard = plan?.shards.find((s) => s.index === input.shardIndex);
      if (!plan || !shard) throw ApplicationFailure.create({ type: 'RunNotFound', message: `run ${run.id} has no planned shard ${input.shardIndex}`, nonRetryable: true });
      const workRoot = join(deps.workDir, 'runs', String(run.id), `shard-${input.shardIndex}-attempt-${attempt}`);
      let secrets: string[] = [];
      const handle = deps.temporal.workflow.getHandle(runWorkflowId(run.id));
      let lastSignal = 0;
      let latest: ShardProgressSignal | undefined;
      const report = (p: ShardProgress | null) => {
        latest = {
          index: input.shardIndex,
          total: p?.total ?? shard.test_ids.length,
          done: p?.done ?? 0,
          passed: p?.passed ?? 0,
          failed: p?.failed ?? 0,
          skipped: p?.skipped ?? 0,
          elapsedSeconds: p?.elapsedSeconds ?? 0,
          attempt,
          worker: deps.workerName,
        };
        ctx.heartbeat(latest);
        const now = Date.now();
        if (now - lastSignal >= PROGRESS_SIGNAL_INTERVAL_MS || (p && p.done === p.total)) {
          lastSignal = now;
          // Progress is best effort: a lost signal only delays the Board's view.
          handle.signal(SHARD_PROGRESS_SIGNAL, latest).catch(() => undefined);
        }
      };
      // A test may run for minutes without a result line: heartbeat anyway, so that cancellation
      // and timeouts reach this activity, and a live shard is never mistaken for a dead worker.
      const keepalive = setInterval(() => ctx.heartbeat(latest), KEEPALIVE_HEARTBEAT_MS);
      try {
        report(null);
        const repo = repositoryAccess(project, deps.secrets);
        const envSecrets = Object.entries(environment.secretRefs).map(([variable, name]) => [variable, resolveSecret(name, deps.secrets)] as const);
        secrets = [...repo.secrets, ...envSecrets.map(([, value]) => value)];
        await rm(workRoot, { recursive: true, force: true });
        await mkdir(workRoot, { recursive: true });
        const checkout = join(workRoot, 'checkout');
        const outDir = join(workRoot, 'out');
        const mirror = await syncMirror(join(deps.workDir, 'git'), project.id, repo.access, ctx.cancellationSignal, input.commit);
        await materialize(mirror, input.commit, checkout);
        const python = await ensureEnvironment(checkout, deps.workDir, { frameworkDir: deps.frameworkDir, signal: ctx.cancellationSignal });
        const artifactsDir = join(workRoot, 'artifacts');
        const datasetEnv = await materializeDatasets(db, deps.store, run.datasetVersion, join(workRoot, 'datasets'));
        const testEnv: Record<string, string> = {
          ...environment.variables,
          ...Object.fromEntries(envSecrets),
          QATRON_RUN_ID: String(run.id),
          // The checkout has no .git: the framework's scenario ids take feature paths relative to this.
          QATRON_CHECKOUT_DIR: checkout,
          // Where the framework leaves evidence (browser screenshots of failed tests) for upload.
          QATRON_ARTIFACTS_DIR: artifactsDir,
          QATRON_SHARD_INDEX: String(input.shardIndex),
          QATRON_ENVIRONMENT: environment.name,
          QATRON_ENVIRONMENT_KIND: environment.kind,
          ...(environment.baseUrl ? { QATRON_BASE_URL: environment.baseUrl, BASE_URL: environment.baseUrl } : {}),
          ...(deps.seleniumRemoteUrl ? { SELENIUM_REMOTE_URL: deps.seleniumRemoteUrl } : {}),
          ...datasetEnv,
        };
        const result: ShardRunResult = await runShard({
          python: python.python,
          checkoutDir: checkout,
          testIds: shard.test_ids,
          outDir,
          env: testEnv,
          retries: suite.retries,
          workersPerShard: suite.workersPerShard,
          coverage: suite.coverage,
          signal: ctx.cancellationSignal,
          onProgress: report,
        });
        const summary = summarize(input.shardIndex, result, attempt, deps.workerName);
        await storeShardOutputs(db, deps.store, run, input.shardIndex, attempt, result, secrets, artifactsDir);
        await db.transactional(async (tx) => {
          // A retried shard replaces what an earlier attempt of it recorded: no duplicated results.
          await tx.nativeDelete(TestResult, { run: run.id, shardIndex: input.shardIndex });
          const rows = result.results.map((test) => {
            const row = new TestResult(run, input.shardIndex, test.nodeId, testFile(test.nodeId), test.outcome, test.durationSeconds);
            row.attempts = test.attempts;
            row.flaky = test.flaky;
            row.message = test.message ? redact(test.message, secrets).slice(0, 4000) : null;
            tx.persist(row);
            return { row, test };
          });
          await tx.flush();
          // FR-BDD-04: each BDD result to its scenario (the old attempt's rows went with its test results).
          await recordScenarioResults(
            tx,
            run,
            rows.map(({ row, test }) => ({ testResultId: row.id, nodeId: test.nodeId, outcome: test.outcome, durationSeconds: test.durationSeconds, ...scenarioLabels(test.properties) })),
          );
        });
        report({ total: summary.tests, done: summary.tests, ...progressBuckets(summary.counts), elapsedSeconds: summary.durationSeconds, phase: 'running' });
        return summary;
      } catch (err) {
        throw asFailure(err, secrets);
      } finally {
        clearInterval(keepalive);
        await rm(workRoot, { recursive: true, force: true }).catch(() => undefined);
      }
    },

    /**
     * Coverage before the verdict (FR-RPT-07, PRD 15.3), for a suite with a threshold: the shards'
     * data combined into Cobertura XML and HTML. Failures are returned as the reason the figure is
     * missing (the verdict then fails the run), never thrown, unless the run is being cancelled.
     */
    async combineRunCoverage(input: { runId: number }): Promise<CoverageOutcome> {
      const report = await reportPhase(input.runId, ['coverage']);
      return { percent: report.coverage?.percent ?? null, error: report.errors[0] ?? (report.coverage ? null : 'no shard produced coverage data') };
    },

    /**
     * After the verdict (DESIGN step 4, PRD 13.3): one Allure report with history, and combined
     * coverage unless it was combined for the verdict. Optional (NFR-AVAIL-02): failures are recorded
     * in run_metadata.reporting and the run's `report_status`, never thrown, unless cancelled.
     */
    async attachRunReports(input: { runId: number; coverage: boolean }): Promise<ReportStatus> {
      const report = await reportPhase(input.runId, input.coverage ? ['coverage', 'allure'] : ['allure']);
      const status: ReportStatus = report.errors.length ? 'failed' : 'ready';
      await setReportStatus(input.runId, status, null);
      return status;
    },

    /** Records how the run's reports ended when the workflow settles them itself (no results, or reporting lost). */
    async markReportStatus(input: { runId: number; status: ReportStatus; error: string | null }): Promise<void> {
      await setReportStatus(input.runId, input.status, input.error);
    },

    /**
     * The verdict (DESIGN step 4, PRD 12.4): counts summed over shards (pytest's six categories),
     * duration = the longest shard, the status and reason by the one rule (`decideVerdict`), shard
     * metadata as PRD 12.2 describes it. A run already final (cancelled through the API) keeps its status.
     */
    async finalizeRun(conclusion: RunConclusion): Promise<FinalRunStatus> {
      const db = em();
      return db.transactional(async (tx) => {
        const run = await tx.findOneOrFail(Run, { id: conclusion.runId }, { lockMode: 4 });
        const suite = await tx.findOneOrFail(Suite, { id: run.suite });
        const verdict = decideVerdict(
          toRunEnding(conclusion),
          { allowEmpty: suite.allowEmpty },
          { threshold: suite.coverage ? suite.coverageThreshold : null, percent: conclusion.coverage?.percent ?? null, missing: conclusion.coverage?.error ?? null },
        );
        const status: FinalRunStatus = isFinalStatus(run.status) ? run.status : verdict.status;
        run.status = status;
        run.completedAt ??= new Date();
        run.statusReason = run.statusReason ?? verdict.reason;
        recordCounts(run, conclusion);
        return status;
      });
    },
  };
}

/** The run's counts, duration and shard metadata (PRD 12.2) from the shards that finished. */
function recordCounts(run: Run, conclusion: RunConclusion): void {
  const summaries = conclusion.shards.map((s) => s.summary).filter((s): s is ShardSummary => s !== null);
  const counts = addCounts(...summaries.map((s) => s.counts));
  run.passedTests = counts.passed;
  run.failedTests = counts.failed;
  run.errorTests = counts.error;
  run.skippedTests = counts.skipped;
  run.xfailedTests = counts.xfailed;
  run.xpassedTests = counts.xpassed;
  run.flakyTests = sum(summaries, (s) => s.flaky);
  const executed = sum(summaries, (s) => s.tests);
  if (executed > 0 || !run.totalTests) run.totalTests = Math.max(run.totalTests, executed);
  run.durationSeconds = summaries.length ? Math.max(...summaries.map((s) => s.durationSeconds)) : 0;
  run.runMetadata = {
    ...run.runMetadata,
    shard_count: conclusion.shards.length,
    shards: conclusion.shards.map((s) => {
      const effective = s.summary ? effectiveShardOutcome({ index: s.index, outcome: s.outcome, counts: s.summary.counts, reason: s.reason }) : { outcome: s.outcome, reason: s.reason };
      return {
        shard_id: s.index,
        status: effective.outcome,
        tests: s.summary?.tests ?? 0,
        ...(s.summary?.counts ?? emptyCounts()),
        flaky: s.summary?.flaky ?? 0,
        duration: s.summary?.durationSeconds ?? null,
        attempt: s.summary?.attempt ?? null,
        worker: s.summary?.worker ?? null,
        reason: effective.reason,
      };
    }),
  };
}

/** The domain's view of how the run ended, from the workflow's report of it. */
function toRunEnding(conclusion: RunConclusion): RunEnding {
  const shards = conclusion.shards.map((s) => ({ index: s.index, outcome: s.outcome, counts: s.summary?.counts ?? null, reason: s.reason }));
  switch (conclusion.ending.kind) {
    case 'cancelled':
      return { kind: 'cancelled', shards };
    case 'shards':
      return { kind: 'shards', shards, timeoutSeconds: conclusion.ending.timedOutAfterSeconds };
    default:
      return conclusion.ending;
  }
}

function summarize(index: number, result: ShardRunResult, attempt: number, worker: string): ShardSummary {
  return {
    index,
    outcome: result.outcome,
    tests: result.results.length,
    counts: result.counts,
    flaky: result.results.filter((r) => r.flaky).length,
    durationSeconds: Math.round(result.durationSeconds * 1000) / 1000,
    attempt,
    worker,
  };
}

/** A suite whose threshold needs the combined coverage figure before its verdict. */
function hasCoverageGate(suite: Suite): boolean {
  return suite.coverage && suite.coverageThreshold !== null;
}

function sum<T>(items: readonly T[], pick: (item: T) => number): number {
  return items.reduce((total, item) => total + pick(item), 0);
}
