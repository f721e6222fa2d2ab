/**
 * The run statuses as the API answers them (`status` of `GET /api/v1/runs`, PRD 9.2): the Board's
 * copy of the one status model in domain, kept here because the Board talks to the server over
 * HTTP only and installs without its packages. `run-status.test.ts` fails when the two differ.
 */
export const RUN_STATUSES = ['queued', 'provisioning', 'running', 'reporting', 'completed', 'failed', 'partial_failed', 'timed_out', 'infra_failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses after which a run never changes. */
export const FINAL_RUN_STATUSES = ['completed', 'failed', 'partial_failed', 'timed_out', 'infra_failed', 'cancelled'] as const satisfies readonly RunStatus[];
export type FinalRunStatus = (typeof FINAL_RUN_STATUSES)[number];

const FINAL = new Set<RunStatus>(FINAL_RUN_STATUSES);

/** True once a run can no longer change status: the Board stops polling it. */
export function isFinalStatus(status: RunStatus): status is FinalRunStatus {
  return FINAL.has(status);
}
