// Bounded-concurrency map over a (possibly async, possibly infinite) iterable, results in input order.
import { scope } from './scope.js';

export interface MapOptions {
  /** How many calls of `fn` may run at once: an integer ≥ 1. */
  concurrency: number;
  /** Aborting cancels the calls in flight and rejects with `cancellationError(signal.reason)`. */
  signal?: AbortSignal | undefined;
}

/**
 * Calls `fn` on every item with at most `options.concurrency` calls in flight, and resolves with the
 * results in input order. Items are pulled lazily — one more only when a slot is free — so an
 * infinite or huge source is never buffered ahead (at most `concurrency` items are held). The first
 * failure cancels the calls in flight (through the `signal` passed to `fn`), stops pulling, closes
 * the source (`return()`), and rejects with that failure once the calls in flight have settled.
 *
 * @example
 * const sizes = await map(urls, async (url, _i, signal) => (await fetch(url, { signal })).headers.get('content-length'), {
 *   concurrency: 8,
 * });
 */
export async function map<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  fn: (item: T, index: number, signal: AbortSignal) => R | PromiseLike<R>,
  options: MapOptions,
): Promise<R[]> {
  const source = openSource(items);
  if (typeof fn !== 'function') throw new TypeError('fn must be a function');
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const { concurrency, signal } = options;
  if (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`options.concurrency must be an integer >= 1, got ${String(concurrency)}`);
  }
  const iterator = source();
  const results: R[] = [];
  let exhausted = false;
  let pending: Promise<unknown> | undefined;
  try {
    await scope(
      async (s) => {
        let index = 0;
        let inFlight = 0;
        let wake: (() => void) | undefined;
        let abandonPull: (() => void) | undefined;
        const stop = s.signal;
        // Set the moment a call fails, before its task reports to the scope, so no further item is pulled.
        let failed = false;
        const run = async (item: T, i: number) => {
          try {
            results[i] = await fn(item, i, stop);
          } catch (error) {
            failed = true;
            throw error;
          } finally {
            inFlight--;
            wake?.();
          }
        };
        // One listener for the whole map (not one per item): it wakes whichever wait is current.
        const onAbort = () => {
          wake?.();
          abandonPull?.();
        };
        stop.addEventListener('abort', onAbort);
        try {
          for (;;) {
            while (inFlight >= concurrency && !stop.aborted && !failed) await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
            if (stop.aborted || failed) return;
            let next = iterator.next();
            if (isPromiseLike(next)) {
              // An async source may never answer; a cancelled scope must not wait for it.
              const pull = Promise.resolve(next);
              pending = pull;
              next = await new Promise<IteratorResult<T>>((resolve, reject) => {
                abandonPull = () => resolve({ done: true, value: undefined });
                pull.then(resolve, reject);
              });
              abandonPull = undefined;
              if (stop.aborted || failed) return;
              pending = undefined;
            }
            const result = next as IteratorResult<T>;
            if (result.done) {
              exhausted = true;
              return;
            }
            inFlight++;
            const i = index++;
            s.spawn(() => run(result.value, i));
          }
        } finally {
          stop.removeEventListener('abort', onAbort);
        }
      },
      { signal },
    );
  } finally {
    if (!exhausted) await closeSource(iterator, pending);
  }
  return results;
}

type AnyIterator<T> = Iterator<T> | AsyncIterator<T>;

function openSource<T>(items: Iterable<T> | AsyncIterable<T>): () => AnyIterator<T> {
  if (items !== null && typeof items === 'object') {
    const asyncIterator = (items as AsyncIterable<T>)[Symbol.asyncIterator];
    if (typeof asyncIterator === 'function') return () => asyncIterator.call(items);
    const iterator = (items as Iterable<T>)[Symbol.iterator];
    if (typeof iterator === 'function') return () => iterator.call(items);
  } else if (typeof items === 'string') {
    return () => (items as Iterable<T>)[Symbol.iterator]();
  }
  throw new TypeError('items must be an iterable or an async iterable');
}

/**
 * Closes an unfinished source the way `for await … break` would. If a `next()` is still pending
 * (the scope was cancelled while waiting on it) an async generator would queue `return()` behind
 * it, so it is requested without waiting; its outcome is still observed.
 */
async function closeSource<T>(iterator: AnyIterator<T>, pending: Promise<unknown> | undefined): Promise<void> {
  if (typeof iterator.return !== 'function') return;
  if (pending) {
    pending.catch(() => {});
    Promise.resolve(iterator.return()).catch(() => {});
    return;
  }
  try {
    await iterator.return();
  } catch {
    // The map already has an outcome (a failure or a cancellation); a failing close must not replace it.
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown }).then === 'function';
}
