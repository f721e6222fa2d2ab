/**
 * What the run page derives from a run: where it is on the status timeline, and its shards, live
 * (the workflow's progress) or final (run_metadata.shards, PRD 12.2). Pure, so it is unit-tested.
 */
import type { Run } from '../api/types';
import type { ShardBar } from '../charts/options';

/** The live path every run walks (PRD 9.2); the last step is the verdict. */
export const TIMELINE = ['queued', 'provisioning', 'running', 'reporting'] as const;

export interface TimelineStep {
  name: string;
  state: 'done' | 'current' | 'todo';
}

/**
 * The run's path so far. A finished run shows the steps it went through: provisioning once it
 * started, running and reporting once shards ran (a run that failed while provisioning never ran).
 */
export function timelineOf(run: Pick<Run, 'status' | 'started_at' | 'run_metadata'>): TimelineStep[] {
  const live = (TIMELINE as readonly string[]).indexOf(run.status);
  const final = live === -1;
  const shardsRan = (run.run_metadata.shards ?? []).length > 0;
  const reached = (name: string) => name === 'queued' || (name === 'provisioning' ? run.started_at !== null : run.started_at !== null && shardsRan);
  const steps: TimelineStep[] = TIMELINE.map((name, i) => ({
    name,
    state: final ? (reached(name) ? 'done' : 'todo') : i < live ? 'done' : i === live ? 'current' : 'todo',
  }));
  steps.push({ name: final ? run.status : 'verdict', state: final ? 'current' : 'todo' });
  return steps;
}

export interface ShardRow {
  index: number;
  status: string;
  tests: number;
  done: number;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number | null;
  attempt: number | null;
  worker: string | null;
  reason: string | null;
}

/** The run's shards: live progress while it runs, the stored summary once it ended. */
export function shardsOf(run: Pick<Run, 'progress' | 'run_metadata'>): ShardRow[] {
  if (run.progress && run.progress.shards.length > 0) {
    return run.progress.shards.map((s) => ({
      index: s.index,
      status: s.status,
      tests: s.total,
      done: s.done,
      passed: s.passed,
      failed: s.failed,
      skipped: s.skipped,
      seconds: s.elapsed_seconds,
      attempt: s.attempt,
      worker: s.worker,
      reason: s.reason,
    }));
  }
  return (run.run_metadata.shards ?? []).map((s) => ({
    index: s.shard_id,
    status: s.status,
    tests: s.tests,
    done: s.tests,
    passed: s.passed,
    failed: s.failed,
    skipped: s.skipped,
    seconds: s.duration,
    attempt: s.attempt,
    worker: s.worker,
    reason: s.reason,
  }));
}

export function shardBars(rows: readonly ShardRow[]): ShardBar[] {
  return rows.map((r) => ({ index: r.index, status: r.status, seconds: r.seconds ?? 0 }));
}

export type CoverageFile = NonNullable<Run['run_metadata']['coverage']>['files'][number];

/** The combined coverage's per-file figures, if the run measured coverage. */
export function coverageFilesOf(run: Pick<Run, 'run_metadata'>): CoverageFile[] {
  return run.run_metadata.coverage?.files ?? [];
}
