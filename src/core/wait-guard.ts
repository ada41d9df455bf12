// Validates the `{ signal, timeout, clock }` options every waiting call takes and turns them into one signal.
import type { Clock } from './clock.js';
import { timeoutSignal, type DisposableSignal } from './timeout-signal.js';

/** The options of any call that can wait. */
export interface WaitOptions {
  /** Aborting stops the wait; it rejects with `cancellationError(signal.reason)`. */
  signal?: AbortSignal | undefined;
  /** Milliseconds until the wait is abandoned with a `TimeoutError`; starts when the call is made. */
  timeout?: number | undefined;
  clock?: Clock | undefined;
}

/**
 * Throws a TypeError/RangeError naming the bad option; returns the options. Lets a call validate
 * up front and build the (costly) combined signal only if it really has to wait.
 * @internal
 */
export function checkWaitOptions(options: WaitOptions): WaitOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const { signal, timeout, clock } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError('options.signal must be an AbortSignal');
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0))) {
    throw new RangeError(`options.timeout must be a non-negative number of milliseconds, got ${String(timeout)}`);
  }
  if (clock !== undefined && (typeof clock !== 'object' || clock === null || typeof clock.setTimer !== 'function')) {
    throw new TypeError('options.clock must be a Clock');
  }
  return options;
}

/**
 * `checkWaitOptions(options)`, then `timeoutSignal(options)`, which the caller must dispose when its
 * wait ends.
 * @internal
 */
export function waitGuard(options: WaitOptions): DisposableSignal {
  const { signal, timeout, clock } = checkWaitOptions(options);
  return timeoutSignal({ signal, timeout, clock });
}
