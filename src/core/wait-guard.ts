// Validates the `{ signal, timeout, clock }` options every waiting call takes and turns them into one signal.
import type { Clock } from './clock.js';
import { timeoutSignal, type DisposableSignal } from './timeout-signal.js';

/**
 * Options of a call that may wait: an `AbortSignal`, a timeout in milliseconds (rejects with
 * `TimeoutError`; `Infinity` or absent means none; it starts when the call is made) and the clock that
 * times it (tests pass a `FakeClock`).
 *
 * @example
 * await channel.receive({ signal: controller.signal, timeout: 500 });
 */
export interface WaitOptions {
  /** Aborting stops the wait; it rejects with `cancellationError(signal.reason)`. */
  signal?: AbortSignal | undefined;
  /** Milliseconds until the wait is abandoned with a `TimeoutError`; starts when the call is made. */
  timeout?: number | undefined;
  clock?: Clock | undefined;
}

/**
 * Throws a TypeError/RangeError naming the bad option (`name` is how the caller calls the object);
 * returns the options typed. Lets a call validate up front and build the (costly) combined signal only
 * if it really has to wait.
 * @internal
 */
export function checkWaitOptions(options: unknown, name = 'options'): WaitOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${name} must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const { signal, timeout, clock } = options as Record<string, unknown>;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${name}.signal must be an AbortSignal`);
  }
  if (timeout !== undefined) {
    if (typeof timeout !== 'number') throw new TypeError(`${name}.timeout must be a number, got ${typeof timeout}`);
    if (!(timeout >= 0)) {
      throw new RangeError(`${name}.timeout must be a non-negative number of milliseconds, got ${String(timeout)}`);
    }
  }
  if (clock !== undefined) {
    const c = clock as Partial<Clock> | null;
    if (typeof c !== 'object' || c === null || typeof c.setTimer !== 'function' || typeof c.now !== 'function') {
      throw new TypeError(`${name}.clock must be a Clock with now() and setTimer()`);
    }
  }
  return options as WaitOptions;
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
