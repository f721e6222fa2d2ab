/**
 * Which channels hear of a run (issue 17 item 3): pure, so the rule is unit-tested and the
 * activity that plans the deliveries only loads rows and applies it.
 */
import type { NotificationRules } from '../entities/notification-channel.js';
import type { NotificationEvent } from '../entities/notification-delivery.js';
import type { FinalRunStatus } from '../runs/status.js';

/** The verdicts that count as a failure for notifications: every final status but completed and cancelled. */
export const FAILURE_STATUSES = ['failed', 'partial_failed', 'timed_out', 'infra_failed'] as const satisfies readonly FinalRunStatus[];

export function isFailure(status: FinalRunStatus): boolean {
  return (FAILURE_STATUSES as readonly FinalRunStatus[]).includes(status);
}

/** What the rules look at of a run that reached its verdict. */
export interface RunVerdict {
  suiteId: number;
  status: FinalRunStatus;
  /**
   * The status of the previous run of the same project, suite and environment that reached a
   * verdict (cancelled runs skipped: a cancel between a failure and a pass hides no recovery);
   * null when there is none.
   */
  previousStatus: FinalRunStatus | null;
}

/**
 * The event a channel with `rules` is sent about `run`, or null when none of its rules match.
 * A run that matches several rules is one message, named by the most telling: a recovery, then a
 * failure, then a plain finished run.
 */
export function notificationEventFor(rules: NotificationRules, run: RunVerdict): NotificationEvent | null {
  if (rules.suite_ids.length > 0 && !rules.suite_ids.includes(run.suiteId)) return null;
  const recovered = run.status === 'completed' && run.previousStatus !== null && isFailure(run.previousStatus);
  if (recovered && rules.on.includes('recovery')) return 'run.recovered';
  if (isFailure(run.status) && rules.on.includes('failure')) return 'run.failed';
  if (rules.on.includes('every_run')) return 'run.finished';
  return null;
}
