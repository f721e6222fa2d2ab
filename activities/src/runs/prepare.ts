/**
 * Provisioning (DESIGN "A run, step by step", step 2): the branch resolved to a commit on the
 * project's mirror, this worker's checkout of it (shared with the shards that come here next),
 * the feature files indexed, the Python environment ready (a repository whose environment cannot
 * be built fails here, once, with pip's reason), and the suite's per-file history for the work
 * queue. No test collection: each shard collects the selection itself, in parallel, as
 * pytest-xdist's workers do, and the first to finish seeds the run's queue. A re-run (issue 15
 * item 3) comes with the original run's commit, and starts no more shards than its tests' files.
 */
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { IngestionRecord, PreparedRun, Project, RunActivities, Suite } from '@qatron/domain';
import { resolveCommit, syncMirror } from '../execution/git.js';
import { repositoryAccess } from '../execution/repository.js';
import { ingestCheckout, ingestionRecord } from '../features.js';
import { fileDurationHistory } from '../history.js';
import type { RunContext } from './context.js';
import { reserveRunGrid } from './grid.js';
import { runShardCount } from './selection.js';

export function createPrepareActivities(context: RunContext) {
  const { deps, loadRun, withKeepalive, sharedCheckout, runEnvironment, asFailure } = context;

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

  return {
    /** Provisioning; a retry after the commit was resolved keeps that commit. */
    async prepareRun(input: { runId: number }): Promise<PreparedRun> {
      const { db, run, project, suite, environment } = await loadRun(input.runId);
      let secrets: string[] = [];
      try {
        const signal = Context.current().cancellationSignal;
        const prepared = await withKeepalive({ phase: 'provisioning' }, async () => {
          // A browser run whose Grid is down ends here, before any checkout (issue 16 item 4).
          const grid = await reserveRunGrid(db, run, environment, { shards: runShardCount(run, suite), sessionsPerShard: Math.max(1, suite.workersPerShard), waitSeconds: suite.timeoutSeconds }, signal);
          const repo = repositoryAccess(project, deps.secrets);
          secrets = repo.secrets;
          const mirror = await syncMirror(join(deps.workDir, 'git'), project.id, repo.access, signal);
          const commit = await resolveCommit(mirror, { branch: run.branch, commit: run.commit });
          const checkout = await sharedCheckout(project, run.id, commit, signal);
          const bdd = run.runMetadata.bdd ?? (await indexFeatures(db, project, commit, checkout.dir));
          await runEnvironment(checkout.dir, suite, signal);
          const history = await fileDurationHistory(db, run);
          return { commit, bdd, history, grid };
        });
        run.commit = prepared.commit;
        const shardCount = prepared.grid?.shards ?? runShardCount(run, suite);
        run.runMetadata = { ...run.runMetadata, bdd: prepared.bdd, shard_count: shardCount, ...(prepared.grid ? { grid: prepared.grid.grid } : {}) };
        await db.flush();
        return { commit: prepared.commit, shardCount, coverageGate: hasCoverageGate(suite), fileHistory: Object.fromEntries(prepared.history) };
      } catch (err) {
        throw asFailure(err, secrets);
      }
    },
  } satisfies Pick<RunActivities, 'prepareRun'>;
}

/** A suite whose threshold needs the combined coverage figure before its verdict. */
export function hasCoverageGate(suite: Suite): boolean {
  return suite.coverage && suite.coverageThreshold !== null;
}
