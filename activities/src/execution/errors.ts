/**
 * The execution building blocks' errors. Messages never contain secret values: every message that
 * could carry command output has been passed through `redact` before it reaches these constructors.
 * The activity wrappers map them to Temporal failures: GitError, EnvironmentSetupError and
 * ShardExecutionError are infrastructure failures (the run ends `infra_failed`); CollectionError
 * is the repository's own fault and never worth retrying.
 */

/** A secret named by a project or environment is neither an environment variable nor a secret file (FR-SEC-03). */
export class SecretNotFoundError extends Error {
  override name = 'SecretNotFoundError';
  constructor(
    readonly secretName: string,
    lookedIn: string[],
  ) {
    super(`secret ${JSON.stringify(secretName)} not found (looked in ${lookedIn.join(', ')})`);
  }
}

/** A git command failed; `message` carries git's stderr, redacted. */
export class GitError extends Error {
  override name = 'GitError';
  constructor(
    message: string,
    readonly exitCode: number | null = null,
  ) {
    super(message);
  }
}

/** The Python environment could not be built; `message` ends with the tail of pip's output, redacted. */
export class EnvironmentSetupError extends Error {
  override name = 'EnvironmentSetupError';
}

/** pytest could not collect the selection (import errors, bad `-m`/`-k` expression, missing path). */
export class CollectionError extends Error {
  override name = 'CollectionError';
  constructor(
    message: string,
    readonly exitCode: number | null,
  ) {
    super(message);
  }
}

/** pytest itself failed (exit code 3: internal error, 4: usage error, or killed by a signal). */
export class ShardExecutionError extends Error {
  override name = 'ShardExecutionError';
  constructor(
    message: string,
    readonly exitCode: number | null,
  ) {
    super(message);
  }
}

/**
 * The error a cancelled operation rejects with: `name` is 'AbortError' like the platform's own
 * abort errors, so callers can tell cancellation from failure without knowing this module.
 */
export function abortError(signal: AbortSignal | undefined, what: string): Error {
  const error = new Error(`${what} was cancelled`, { cause: signal?.reason });
  error.name = 'AbortError';
  return error;
}

/** True for errors produced by `abortError` (or any other AbortError). */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
