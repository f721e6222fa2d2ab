import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { withLogContext, workerLog } from './log.js';

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
});
