import { ApplicationFailure } from '@temporalio/activity';
import { isNonRetryable, type ActivityErrorType, type RetryableError } from '@qatron/domain/contract';
import { isAbortError } from './execution/errors.js';
import { redact } from './execution/secrets.js';

/**
 * A failure of one of the contract's error types (domain/runs/contract.ts): final exactly when the
 * contract's one list says a retry cannot fix it, so no throw site decides that on its own.
 */
export function activityFailure(type: ActivityErrorType, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: isNonRetryable(type) });
}

/**
 * How an activity's error leaves the worker: redacted (Temporal keeps messages in its history),
 * typed by its class so workflows and the API can tell failures apart, and non-retryable when its
 * type is in the contract's NON_RETRYABLE_ERRORS. Cancellations and failures already shaped pass
 * through unchanged. `plainType` names a bare `Error`; `as` gives every error one retryable type,
 * for an activity whose errors do not mean what they mean in a run (dataset validation builds
 * QAtron's own environment: its pip failing is the network's, not a repository's requirements).
 */
export function asActivityFailure(err: unknown, options: { secrets?: readonly string[]; plainType?: ActivityErrorType; as?: RetryableError } = {}): unknown {
  if (!(err instanceof Error) || isAbortError(err) || err instanceof ApplicationFailure) return err;
  const named = err.constructor.name === 'Error' ? err.name : err.constructor.name;
  const type = options.as ?? (named === 'Error' && options.plainType ? options.plainType : named);
  return ApplicationFailure.create({ type, message: redact(err.message, options.secrets ?? []), nonRetryable: isNonRetryable(type) });
}
