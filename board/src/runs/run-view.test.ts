import { describe, expect, it } from 'vitest';
import type { Run } from '../api/types';
import { coverageFilesOf, shardBars, shardsOf, timelineOf } from './run-view';

describe('timelineOf', () => {
  it('marks the steps behind a live run done and its status current', () => {
    expect(timelineOf({ status: 'running', started_at: '2026-12-01T00:00:00Z', run_metadata: {} })).toEqual([
      { name: 'queued', state: 'done' },
      { name: 'provisioning', state: 'done' },
      { name: 'running', state: 'current' },
      { name: 'reporting', state: 'todo' },
      { name: 'verdict', state: 'todo' },
    ]);
  });

  it('ends a finished run with its verdict, through the steps it reached', () => {
    const shards = [{ shard_id: 0, status: 'passed' as const, tests: 1, passed: 1, failed: 0, skipped: 0, flaky: 0, duration: 1, attempt: 1, worker: 'w1', reason: null }];
    expect(timelineOf({ status: 'completed', started_at: '2026-12-01T00:00:00Z', run_metadata: { shards } }).map((s) => `${s.name}:${s.state}`)).toEqual([
      'queued:done',
      'provisioning:done',
      'running:done',
      'reporting:done',
      'completed:current',
    ]);
    expect(timelineOf({ status: 'cancelled', started_at: null, run_metadata: {} }).map((s) => s.state)).toEqual(['done', 'todo', 'todo', 'todo', 'current']);
    // Failed while provisioning: it started, but no shard ran.
    expect(timelineOf({ status: 'infra_failed', started_at: '2026-12-01T00:00:00Z', run_metadata: {} }).map((s) => s.state)).toEqual(['done', 'done', 'todo', 'todo', 'current']);
  });
});

describe('shardsOf', () => {
  const shard = { index: 1, status: 'running' as const, total: 8, done: 3, passed: 2, failed: 1, skipped: 0, elapsed_seconds: 4.5, attempt: 1, worker: 'w1', reason: null };

  it('reads live progress while the workflow reports it', () => {
    const rows = shardsOf({ progress: { status: 'running', shards: [shard] }, run_metadata: {} });
    expect(rows).toEqual([{ index: 1, status: 'running', tests: 8, done: 3, passed: 2, failed: 1, skipped: 0, seconds: 4.5, attempt: 1, worker: 'w1', reason: null }]);
    expect(shardBars(rows)).toEqual([{ index: 1, status: 'running', seconds: 4.5 }]);
  });

  it('reads the stored shard summary (PRD 12.2) once the run ended', () => {
    const run_metadata: Run['run_metadata'] = {
      shards: [{ shard_id: 0, status: 'passed', tests: 5, passed: 5, failed: 0, skipped: 0, flaky: 0, duration: 7.5, attempt: 1, worker: 'w2', reason: null }],
    };
    expect(shardsOf({ progress: null, run_metadata })).toEqual([{ index: 0, status: 'passed', tests: 5, done: 5, passed: 5, failed: 0, skipped: 0, seconds: 7.5, attempt: 1, worker: 'w2', reason: null }]);
    expect(shardsOf({ progress: null, run_metadata: {} })).toEqual([]);
  });
});

describe('coverageFilesOf', () => {
  it('lists per-file coverage when the run measured it, else nothing', () => {
    const files = [{ path: 'src/shop/cart.py', percent: 100, statements: 15, missing: 0 }];
    expect(coverageFilesOf({ run_metadata: { coverage: { percent: 100, covered_lines: 15, total_lines: 15, threshold: null, files } } })).toEqual(files);
    expect(coverageFilesOf({ run_metadata: { coverage: null } })).toEqual([]);
  });
});
