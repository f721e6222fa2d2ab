/**
 * The run statuses as values (the type comes generated from the API's document, PRD 9.2): the
 * Board's own list, for filters and polling, because the Board talks to the server over HTTP only
 * and installs without domain. The compiler refuses a status the API does not have, or one left
 * out; `run-status.test.ts` compares the lists with domain's.
 */
import type { RunStatus } from './types';

export const RUN_STATUSES = ['queued', 'provisioning', 'running', 'reporting', 'completed', 'failed', 'partial_failed', 'timed_out', 'infra_failed', 'cancelled'] as const satisfies readonly RunStatus[];
const _everyStatusListed: Exclude<RunStatus, (typeof RUN_STATUSES)[number]> extends never ? true : never = true;

/** Statuses after which a run never changes. */
export const FINAL_RUN_STATUSES = ['completed', 'failed', 'partial_failed', 'timed_out', 'infra_failed', 'cancelled'] as const satisfies readonly RunStatus[];
export type FinalRunStatus = (typeof FINAL_RUN_STATUSES)[number];

const FINAL = new Set<RunStatus>(FINAL_RUN_STATUSES);

/** True once a run can no longer change status: the Board stops polling it. */
export function isFinalStatus(status: RunStatus): status is FinalRunStatus {
  return FINAL.has(status);
}
