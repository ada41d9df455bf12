// The `{ signal, timeout, clock }` options every waiting call in this layer takes, and their validation.
import type { Clock } from '../core/clock.js';

/**
 * Options of a call that may wait: an `AbortSignal`, a timeout in milliseconds (rejects with
 * `TimeoutError`; `Infinity` or absent means none) and the clock that times it (tests pass a `FakeClock`).
 *
 * @example
 * await channel.receive({ signal: controller.signal, timeout: 500 });
 */
export interface WaitOptions {
  signal?: AbortSignal | undefined;
  timeout?: number | undefined;
  clock?: Clock | undefined;
}

/** Throws TypeError/RangeError naming the offending option; returns the options typed. */
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
