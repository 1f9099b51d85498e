/**
 * A problem the user can fix (a bad flag, an unavailable store): printed as one line without a
 * stack trace, and the process exits with `exitCode` (default 2, the usage-error convention).
 */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}
