/**
 * What a log entry written during an activity is about (issue 17 item 1): its run and shard (from
 * the activity's input), its workflow and the activity's name, so that the worker's JSON log lines
 * can be followed by `run_id`. The worker wraps its activities once (`withLogContext`); its log
 * function reads `activityLogFields()`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Context } from '@temporalio/activity';
import type { LogFields } from '@qatron/domain/logging';

const activityScope = new AsyncLocalStorage<LogFields>();

/** The run and shard an activity input names (`{ runId, shardIndex, … }`); nothing for other inputs. */
function idsOf(input: unknown): LogFields {
  if (typeof input !== 'object' || input === null) return {};
  return {
    run_id: 'runId' in input && typeof input.runId === 'number' ? input.runId : undefined,
    shard: 'shardIndex' in input && typeof input.shardIndex === 'number' ? input.shardIndex : undefined,
  };
}

/** Runs every activity in a log scope naming its run, shard, workflow and activity. */
export function withLogContext<A extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: A): A {
  const scoped: Record<string, unknown> = {};
  for (const [name, activity] of Object.entries(activities)) {
    scoped[name] = (...args: never[]) => {
      const { workflowExecution } = Context.current().info;
      const fields: LogFields = { ...idsOf(args[0]), workflow_id: workflowExecution?.workflowId, workflow_run_id: workflowExecution?.runId, activity: name };
      return activityScope.run(fields, () => activity(...args));
    };
  }
  // Same keys, each wrapped with its own signature (as ridingDatabaseOutages does).
  return scoped as A;
}

/** The fields of the activity running here, or undefined outside any. */
export function activityLogFields(): LogFields | undefined {
  return activityScope.getStore();
}
