/** Exit codes of `qatron` (issue 5; PRD 17.2). */
export const EXIT = Object.freeze({
  OK: 0,
  /** The run failed, partially failed or missed its coverage threshold. */
  FAILED: 1,
  /** The run timed out, failed on infrastructure or was cancelled; or `--timeout` gave up waiting. */
  INCOMPLETE: 2,
  /** Usage or authentication errors (and API answers 401, 403, 422). */
  USAGE: 3,
  /** Any other API or network error. */
  ERROR: 4,
});

/** An error shown as one line (`qatron: <message>`) that ends the command with `exitCode`. */
export class CliError extends Error {
  /**
   * @param {string} message
   * @param {number} [exitCode]
   */
  constructor(message, exitCode = EXIT.ERROR) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Wrong arguments or options: exit 3. */
export class UsageError extends CliError {
  /** @param {string} message */
  constructor(message) {
    super(message, EXIT.USAGE);
    this.name = 'UsageError';
  }
}
