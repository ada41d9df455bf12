// A cancellable delay on an injectable clock.
import { systemClock, type Clock } from './clock.js';
import { cancellationError } from './errors.js';

export interface SleepOptions {
  /** Aborting rejects the sleep with `cancellationError(signal.reason)`. */
  signal?: AbortSignal | undefined;
  clock?: Clock | undefined;
}

/**
 * Resolves after `ms` milliseconds, or rejects with a `CancelledError` (a `TimeoutError` if the
 * signal came from a timeout) as soon as `signal` aborts. Either way its timer and its listener on
 * `signal` are removed. `Infinity` sleeps until the signal aborts.
 *
 * @example
 * const controller = new AbortController();
 * await sleep(100, { signal: controller.signal });
 */
export function sleep(ms: number, options: SleepOptions = {}): Promise<void> {
  if (typeof ms !== 'number' || !(ms >= 0)) {
    return Promise.reject(new RangeError(`ms must be a non-negative number, got ${String(ms)}`));
  }
  if (options === null || typeof options !== 'object') {
    return Promise.reject(new TypeError('options must be an object'));
  }
  const { signal, clock = systemClock } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    return Promise.reject(new TypeError('options.signal must be an AbortSignal'));
  }
  if (signal?.aborted) return Promise.reject(cancellationError(signal.reason));
  return new Promise<void>((resolve, reject) => {
    const timer = ms === Infinity ? undefined : clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    function onAbort(this: AbortSignal): void {
      timer?.cancel();
      reject(cancellationError(this.reason));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
