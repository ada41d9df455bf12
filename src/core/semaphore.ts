// A counting semaphore with FIFO fairness, cancellable and time-limited waits.
import { cancellationError } from './errors.js';
import { timeoutSignal } from './timeout-signal.js';
import { checkWaitOptions, type WaitOptions } from './wait-guard.js';

/** `signal` aborting leaves the queue without taking a permit; `timeout` rejects with `TimeoutError`. */
export type AcquireOptions = WaitOptions;

/** A queued `acquire()`: a node of the doubly linked wait queue, so a cancelled one leaves in O(1). */
interface Waiter {
  grant(): void;
  prev: Waiter | undefined;
  next: Waiter | undefined;
}

/**
 * Limits how many holders run at once. Waiters are served strictly first in, first out, and
 * `tryAcquire()` never jumps the queue. A release hands its permit straight to the first waiter, so
 * a permit is never observable as free while someone waits.
 *
 * Invariant: `available > 0` implies the queue is empty.
 *
 * @example
 * const db = new Semaphore(4);
 * await db.use(() => query('select 1'), { timeout: 1_000 });
 * const release = await db.acquire();
 * try { await query('select 2'); } finally { release(); }
 */
export class Semaphore {
  #available: number;
  #waiting = 0;
  #head: Waiter | undefined;
  #tail: Waiter | undefined;

  constructor(permits: number) {
    if (typeof permits !== 'number' || !Number.isInteger(permits) || permits < 1) {
      throw new RangeError(`permits must be an integer >= 1, got ${String(permits)}`);
    }
    this.#available = permits;
  }

  /** Permits free right now. */
  get available(): number {
    return this.#available;
  }

  /** Callers queued in `acquire()`. */
  get waiting(): number {
    return this.#waiting;
  }

  /**
   * Waits for a permit and resolves with its release function (idempotent: calling it twice
   * releases once). Rejects with `CancelledError`/`TimeoutError` if `signal` aborts or `timeout`
   * passes first, in which case no permit was taken.
   */
  acquire(options: AcquireOptions = {}): Promise<() => void> {
    try {
      checkWaitOptions(options);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (options.signal?.aborted) return Promise.reject(cancellationError(options.signal.reason));
    if (this.#available > 0) {
      // The uncontended path allocates no timer and no signal.
      this.#available--;
      return Promise.resolve(this.#releaser());
    }
    const guard = timeoutSignal(options);
    const signal = guard.signal;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#remove(waiter);
        guard[Symbol.dispose]();
        reject(cancellationError(signal?.reason));
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          guard[Symbol.dispose]();
          resolve(this.#releaser());
        },
        prev: this.#tail,
        next: undefined,
      };
      if (this.#tail) this.#tail.next = waiter;
      else this.#head = waiter;
      this.#tail = waiter;
      this.#waiting++;
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Takes a permit if one is free and nobody is waiting; returns its release function, or `undefined`. */
  tryAcquire(): (() => void) | undefined {
    if (this.#available === 0) return undefined;
    this.#available--;
    return this.#releaser();
  }

  /** Runs `fn` holding a permit and releases it however `fn` ends. */
  async use<R>(fn: () => R | PromiseLike<R>, options: AcquireOptions = {}): Promise<R> {
    if (typeof fn !== 'function') throw new TypeError('fn must be a function');
    const release = await this.acquire(options);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#release();
    };
  }

  #release(): void {
    const first = this.#head;
    if (!first) {
      this.#available++;
      return;
    }
    this.#remove(first);
    first.grant();
  }

  #remove(waiter: Waiter): void {
    if (waiter.prev) waiter.prev.next = waiter.next;
    else this.#head = waiter.next;
    if (waiter.next) waiter.next.prev = waiter.prev;
    else this.#tail = waiter.prev;
    waiter.prev = waiter.next = undefined;
    this.#waiting--;
  }
}
