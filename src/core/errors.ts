// Braid's cancellation errors, and the mapping from an AbortSignal's reason to one of them.

/**
 * The work was cancelled: its scope ended, a caller called `cancel()`, or an outer signal aborted.
 *
 * @example
 * try {
 *   await sleep(1000, { signal: AbortSignal.abort() });
 * } catch (error) {
 *   if (error instanceof CancelledError) console.log('stopped');
 * }
 */
export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor(message = 'The operation was cancelled', options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * The work ran past its timeout or deadline and was cancelled for that reason.
 *
 * @example
 * await scope(async (s) => s.spawn((signal) => sleep(10_000, { signal })), { timeout: 100 })
 *   .catch((error) => error instanceof TimeoutError); // true
 */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
  constructor(message = 'The operation timed out', options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * The error a cancelled operation rejects with, given the signal's `reason`.
 * Our own errors pass through unchanged; a DOM `TimeoutError` (from `AbortSignal.timeout`) becomes a
 * `TimeoutError`; anything else becomes a `CancelledError` whose `cause` is the reason.
 */
export function cancellationError(reason: unknown): CancelledError | TimeoutError {
  if (reason instanceof CancelledError || reason instanceof TimeoutError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new TimeoutError(reason.message, { cause: reason });
  }
  return new CancelledError('The operation was cancelled', { cause: reason });
}
