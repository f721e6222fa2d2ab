/**
 * Re-run what failed (issue 15 item 3; PRD 12.3, FR-TEST-06): a new run of the same suite and
 * environment on the original run's commit, linked to it (`rerun_of`), that runs only the original
 * run's failed and errored tests, or every test some of its shards ran. The node ids travel in the
 * new run's metadata (`selection`), which the activities read: the workflow and its input stay as
 * they are. A test that failed, then passed in its re-run on the same commit, is flaky evidence.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { isFinalStatus, Run, Suite, TestResult, type SelectionMetadata } from '@qatron/domain';
import { actorOf, recordAudit } from '../audit/record.js';
import type { ApiDeps } from '../http/deps.js';
import { IdParams } from '../http/params.js';
import { badRequest, conflict } from '../http/problems.js';
import type { Principal, RequestOrigin } from '../http/principal.js';
import { defineRoute, type AnyRoute } from '../http/route.js';
import { findVisibleRun } from '../http/scope.js';
import type { RunEngine } from './engine.js';
import { RerunCreate, RunOut, type RerunCreateInput } from './schema.js';
import { runOut } from './serialize.js';
import { handOverToEngine, runNames } from './service.js';

/**
 * The result the shard runner records for a pytest session that failed without a test to blame
 * (SESSION_NODE_ID in activities/src/execution/shard-runner.ts): not a node id pytest could select.
 */
const SESSION_RESULT = '<pytest session>';

export function rerunRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/runs/:id/rerun',
      summary:
        "Re-run a final run's failed and errored tests (scope failed) or the tests some of its shards ran (scope shards) as a new run " +
        'on the same commit, linked by rerun_of (issue 15 item 3). 409 when the run is not final (run_not_final), has nothing to re-run ' +
        '(nothing_to_rerun) or never resolved its commit (commit_unknown); 400 unknown_shard for a shard index the run did not have',
      tag: 'runs',
      role: 'user',
      params: IdParams,
      body: RerunCreate,
      response: { status: 201, schema: RunOut },
      errors: [400, 409, 503],
      handler: async ({ em, principal, params, body, origin }) => {
        const rerun = await rerunRun(em, principal, params.id, body, origin, deps.engine);
        deps.metrics.runTriggered();
        const names = await runNames(em, [rerun]);
        return { status: 201, body: runOut(rerun, names.get(rerun.id)!) };
      },
    }),
  ];
}

/** Checks the original run, chooses the node ids, writes the re-run and its `run.rerun` entry, and starts it. */
export async function rerunRun(em: EntityManager, principal: Principal, id: number, input: RerunCreateInput, origin: RequestOrigin, engine: RunEngine): Promise<Run> {
  const original = await findVisibleRun(em, principal, id);
  if (!isFinalStatus(original.status)) throw conflict(`run ${id} is ${original.status}; only a final run can be re-run`, 'run_not_final');
  const shards = input.scope === 'shards' ? checkedShards(original, input.shards ?? []) : null;
  if (original.commit === null) {
    throw conflict(`run ${id} never resolved its commit (it ended before provisioning), so it cannot be re-run on the same commit; trigger a new run`, 'commit_unknown');
  }
  const nodeIds = await selectedNodeIds(em, original, shards);
  if (nodeIds.length === 0) {
    const what = shards === null ? 'failed or errored tests' : `tests in shard(s) ${shards.join(', ')}`;
    throw conflict(`run ${id} has no ${what} to re-run`, 'nothing_to_rerun');
  }
  const selection: SelectionMetadata = { scope: input.scope, shards, node_ids: nodeIds };
  const rerun = new Run(original.organization, original.project, original.suite, original.environment, original.branch, {
    userId: principal.userId,
    serviceTokenId: principal.serviceTokenId,
    name: principal.name,
  });
  // The same commit and dataset version: only then does a different outcome say something about the test.
  rerun.commit = original.commit;
  rerun.datasetVersion = original.datasetVersion;
  rerun.rerunOf = original.id;
  rerun.runMetadata = { selection };
  await em.transactional(async (tx) => {
    tx.persist(rerun);
    await tx.flush();
    const details = { rerun_of: original.id, scope: input.scope, shards, tests: nodeIds.length, commit: rerun.commit };
    recordAudit(tx, actorOf(principal), 'run.rerun', { type: 'run', id: rerun.id }, details, origin);
  });
  await handOverToEngine(em, engine, rerun, await em.findOneOrFail(Suite, { id: rerun.suite }));
  return rerun;
}

/** The requested shard indexes, sorted; 400 for one the run did not have. */
function checkedShards(run: Run, requested: readonly number[]): number[] {
  const known = new Set(run.runMetadata.shards?.map((s) => s.shard_id) ?? Array.from({ length: run.runMetadata.shard_count ?? 0 }, (_, index) => index));
  const unknown = requested.filter((index) => !known.has(index));
  if (unknown.length > 0) {
    const had = known.size > 0 ? `its shards are ${[...known].sort((a, b) => a - b).join(', ')}` : 'it ran no shard';
    throw badRequest(`run ${run.id} has no shard ${unknown.join(', ')}; ${had}`, 'unknown_shard');
  }
  return [...new Set(requested)].sort((a, b) => a - b);
}

/** The node ids to run again, in the order the original run recorded them: its failing ones, or all of the given shards'. */
async function selectedNodeIds(em: EntityManager, run: Run, shards: readonly number[] | null): Promise<string[]> {
  const which = shards === null ? { outcome: { $in: ['failed', 'error'] as const } } : { shardIndex: { $in: [...shards] } };
  const results = await em.find(TestResult, { run: run.id, ...which, nodeId: { $ne: SESSION_RESULT } }, { fields: ['nodeId'], orderBy: { id: 'asc' } });
  return results.map((r) => r.nodeId);
}
