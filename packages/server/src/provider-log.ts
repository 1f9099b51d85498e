import type { ProviderErrorReport } from 'confab';
import type { Logger } from 'pino';

/**
 * A Pool's `onProviderError` that logs every failed model call with pino: the session, the turn,
 * the model, the provider's status, the classified code, the attempt and whether it is retried
 * (`warn`), or the turn ends with an `error` event (`error`).
 */
export function logProviderErrors(logger: Logger): (report: ProviderErrorReport) => void {
  return (report) => {
    const { failure } = report;
    logger[report.willRetry ? 'warn' : 'error'](
      {
        sessionId: report.sessionId,
        turn: report.turn,
        model: report.model,
        status: failure.status,
        code: failure.code,
        attempt: report.attempt,
        willRetry: report.willRetry,
        retryAfterMs: failure.retryAfterMs,
        reason: failure.message,
      },
      report.willRetry ? 'model call failed; retrying' : 'model call failed',
    );
  };
}
