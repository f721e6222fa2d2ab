/**
 * The run status model (PRD 9.2, 12.4): the one status type used by the entity, the API schemas,
 * the workflow, the CLI and the Board. Pure: no imports, so the deterministic workflow code may use it.
 */
export const RUN_STATUSES = [
  'queued',
  'provisioning',
  'running',
  'reporting',
  'completed',
  'failed',
  'partial_failed',
  'timed_out',
  'infra_failed',
  'cancelled',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const FINAL_RUN_STATUSES = [
  'completed',
  'failed',
  'partial_failed',
  'timed_out',
  'infra_failed',
  'cancelled',
] as const satisfies readonly RunStatus[];
export type FinalRunStatus = (typeof FINAL_RUN_STATUSES)[number];

const FINAL = new Set<RunStatus>(FINAL_RUN_STATUSES);

/** True once a run can no longer change status. */
export function isFinalStatus(status: RunStatus): status is FinalRunStatus {
  return FINAL.has(status);
}

/**
 * Allowed moves: queued → provisioning → running → reporting → verdict, any live state → cancelled,
 * and the failure verdicts (infra_failed, timed_out) from the states where they can arise.
 */
const TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  queued: ['provisioning', 'infra_failed', 'cancelled'],
  // A run that selects nothing, or whose repository cannot be collected, ends at provisioning.
  provisioning: ['running', 'completed', 'failed', 'infra_failed', 'timed_out', 'cancelled'],
  // The verdict does not wait for the report: a run may end straight from running.
  running: ['reporting', 'completed', 'failed', 'partial_failed', 'timed_out', 'infra_failed', 'cancelled'],
  reporting: ['completed', 'failed', 'partial_failed', 'timed_out', 'infra_failed', 'cancelled'],
  completed: [],
  failed: [],
  partial_failed: [],
  timed_out: [],
  infra_failed: [],
  cancelled: [],
};

/** Whether the status model allows a run to move from `from` to `to`. */
export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The statuses a run in `from` may move to next. */
export function nextStatuses(from: RunStatus): readonly RunStatus[] {
  return TRANSITIONS[from];
}

/** How one shard ended. */
export type ShardOutcome = 'passed' | 'failed' | 'timed_out' | 'infra_failed' | 'cancelled';
