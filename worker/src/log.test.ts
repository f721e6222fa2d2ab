import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { sdkJsonLogger, withLogContext, workerLog } from './log.js';

/** The worker's log lines (issue 17 item 1): one JSON object each, naming the run, shard and workflow of the activity that wrote it. */
describe('workerLog', () => {
  it('writes one JSON line per entry with the run, shard and workflow of the activity', async () => {
    const lines: string[] = [];
    const log = workerLog('json', (line) => lines.push(line));
    const activities = withLogContext({
      async executeShard(input: { runId: number; shardIndex: number; commit: string }) {
        log(`shard ${input.shardIndex} failed:\nstack line`);
        return 'done';
      },
    });
    const environment = new MockActivityEnvironment({ workflowExecution: { workflowId: 'run-42', runId: 'temporal-run-id' }, activityType: 'executeShard' });
    expect(await environment.run(activities.executeShard, { runId: 42, shardIndex: 3, commit: 'abc' })).toBe('done');
    log('worker w-1 polling qatron-control');

    expect(lines).toHaveLength(2);
    expect(lines.every((line) => line.endsWith('}\n') && line.indexOf('\n') === line.length - 1)).toBe(true);
    const [inActivity, outside] = lines.map((line) => JSON.parse(line));
    expect(inActivity).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      level: 'info',
      process: 'worker',
      msg: 'shard 3 failed:\nstack line',
      run_id: 42,
      shard: 3,
      workflow_id: 'run-42',
      workflow_run_id: 'temporal-run-id',
      activity: 'executeShard',
    });
    expect(outside).toEqual({ time: expect.any(String), level: 'info', process: 'worker', msg: 'worker w-1 polling qatron-control' });
  });

  it('keeps the text format people read', () => {
    const lines: string[] = [];
    workerLog('text', (line) => lines.push(line))('worker w-1 polling qatron-control');
    expect(lines).toEqual([expect.stringMatching(/^\[worker\] \d{4}-\d\d-\d\dT[\d:.]+Z worker w-1 polling qatron-control\n$/)]);
  });

  it('writes the Temporal SDK\'s own entries as the same JSON lines, a failed activity\'s stack inside its line', () => {
    const lines: string[] = [];
    const logger = sdkJsonLogger((line) => lines.push(line));
    const error = new Error('shard 0 lost its worker');
    logger.warn('Activity failed', { sdkComponent: 'worker', taskQueue: 'qatron-shards', workflowId: 'run-7', workflowRunId: 'r-1', activityType: 'executeShard', attempt: 2, error });
    logger.debug('below the level', {});
    expect(lines).toHaveLength(1);
    expect(lines[0]?.indexOf('\n')).toBe(lines[0]!.length - 1);
    expect(JSON.parse(lines[0]!)).toEqual({
      time: expect.any(String),
      level: 'warn',
      process: 'worker',
      msg: 'Activity failed',
      task_queue: 'qatron-shards',
      workflow_id: 'run-7',
      workflow_run_id: 'r-1',
      activity: 'executeShard',
      attempt: 2,
      error: error.stack,
    });
  });
});
