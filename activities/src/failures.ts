import { ApplicationFailure } from '@temporalio/activity';
import { isAbortError } from './execution/errors.js';
import { redact } from './execution/secrets.js';

/**
 * How an activity's error leaves the worker: redacted (Temporal keeps messages in its history),
 * typed by its class so workflows and the API can tell failures apart, and non-retryable when its
 * type is in `nonRetryable` (a retry cannot fix it). Cancellations and failures already shaped
 * pass through unchanged. `plainType` names a bare `Error`.
 */
export function asActivityFailure(err: unknown, options: { secrets?: readonly string[]; nonRetryable: readonly string[]; plainType?: string }): unknown {
  if (!(err instanceof Error) || isAbortError(err) || err instanceof ApplicationFailure) return err;
  const named = err.constructor.name === 'Error' ? err.name : err.constructor.name;
  const type = named === 'Error' && options.plainType ? options.plainType : named;
  return ApplicationFailure.create({ type, message: redact(err.message, options.secrets ?? []), nonRetryable: options.nonRetryable.includes(type) });
}
