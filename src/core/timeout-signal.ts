// Combines an optional caller signal and an optional timeout into one AbortSignal, on an injectable clock.
import { systemClock, type Clock } from './clock.js';
import { TimeoutError } from './errors.js';

export interface TimeoutSignalOptions {
  /** Aborts the result when it aborts (its reason is kept). */
  signal?: AbortSignal | undefined;
  /** Milliseconds until the result aborts with a `TimeoutError`; `undefined` or `Infinity` means never. */
  timeout?: number | undefined;
  clock?: Clock | undefined;
}

/** A signal that must be disposed once the wait it guards is over, so no timer or listener leaks. */
export interface DisposableSignal extends Disposable {
  /** `undefined` when neither a signal nor a finite timeout was given: the cheapest case, nothing to wait on. */
  readonly signal: AbortSignal | undefined;
}

const NOTHING: DisposableSignal = { signal: undefined, [Symbol.dispose]() {} };

/**
 * Returns one signal that aborts when `signal` aborts or `timeout` ms pass (with a `TimeoutError`),
 * whichever is first. Dispose it when the guarded wait ends.
 *
 * @example
 * using guard = timeoutSignal({ signal: callerSignal, timeout: 500 });
 * await channel.receive({ signal: guard.signal });
 */
export function timeoutSignal(options: TimeoutSignalOptions = {}): DisposableSignal {
  const { signal, timeout, clock = systemClock } = options;
  if (timeout !== undefined && !(timeout >= 0)) {
    throw new RangeError(`timeout must be a non-negative number of milliseconds, got ${String(timeout)}`);
  }
  const finite = timeout !== undefined && timeout !== Infinity;
  if (!finite) return signal ? { signal, [Symbol.dispose]() {} } : NOTHING;

  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  if (signal?.aborted) controller.abort(signal.reason);
  else signal?.addEventListener('abort', onAbort, { once: true });
  const timer = controller.signal.aborted
    ? undefined
    : clock.setTimer(timeout, () => controller.abort(new TimeoutError(`Timed out after ${timeout} ms`)));
  return {
    signal: controller.signal,
    [Symbol.dispose]() {
      timer?.cancel();
      signal?.removeEventListener('abort', onAbort);
    },
  };
}
