import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowType } from '@qatron/domain/contract';
import { committedHistories, type CommittedHistory } from './testing/histories.js';
import { workflowBundle } from './worker.js';

/**
 * Replay (issue 14 item 6): every history in workflows/histories/, recorded from real executions
 * in the e2e tests, is replayed against the workflow code a worker would load now. A change that
 * issues other commands than the recorded ones (another activity, timer or child, in another
 * order) fails here with Temporal's DeterminismViolationError instead of failing the runs in
 * flight in production. README "Replay tests" says how to re-record after an intended change.
 */
/** Every workflow type of the contract (a new one fails to compile here until it has a history). */
const EVERY_WORKFLOW = Object.keys({
  runWorkflow: true,
  retentionWorkflow: true,
  sweepWorkflow: true,
  featureIngestionWorkflow: true,
  datasetValidationWorkflow: true,
  scheduledRunWorkflow: true,
  notifyRunWorkflow: true,
  purgeWorkflow: true,
} satisfies Record<WorkflowType, true>);
/** The run workflow's endings that take different paths through it. */
const RUN_SCENARIOS = ['completed', 'failed', 'partial-failed', 'cancelled', 'timed-out', 'infra-failed', 'no-worker', 'nothing-selected', 'shard-retried'];

let histories: CommittedHistory[];

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  histories = await committedHistories();
});

describe('workflow replay', () => {
  it('has a recorded history of every workflow type and of each way a run ends', () => {
    expect([...new Set(histories.map((h) => h.type))].sort()).toEqual([...EVERY_WORKFLOW].sort());
    const runs = histories.filter((h) => h.type === 'runWorkflow').map((h) => h.name);
    for (const scenario of RUN_SCENARIOS) expect(runs).toContain(`runWorkflow-${scenario}`);
  });

  it('replays every recorded history against the current workflow code without a determinism violation', async () => {
    const failures: string[] = [];
    const results = Worker.runReplayHistories(
      { workflowBundle: await workflowBundle() },
      histories.map((h) => ({ workflowId: h.name, history: h.history })),
    );
    let replayed = 0;
    for await (const result of results) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(histories.length);
  }, 60_000);
});
