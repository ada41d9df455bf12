// Mutual exclusion for async code: one holder at a time, FIFO, with cancellable and time-limited waits.
import { Semaphore, type AcquireOptions } from './semaphore.js';

/**
 * An async lock: a `Semaphore` of one permit with lock-flavoured names.
 *
 * @example
 * const mutex = new Mutex();
 * await mutex.use(async () => {
 *   const balance = await read();
 *   await write(balance + 1);
 * });
 */
export class Mutex {
  #semaphore = new Semaphore(1);

  /** True while someone holds the lock. */
  get locked(): boolean {
    return this.#semaphore.available === 0;
  }

  /** Callers queued in `lock()`. */
  get waiting(): number {
    return this.#semaphore.waiting;
  }

  /** Waits for the lock; resolves with its (idempotent) unlock function. See `Semaphore.acquire()`. */
  lock(options: AcquireOptions = {}): Promise<() => void> {
    return this.#semaphore.acquire(options);
  }

  /** Takes the lock if it is free and nobody waits; returns the unlock function, or `undefined`. */
  tryLock(): (() => void) | undefined {
    return this.#semaphore.tryAcquire();
  }

  /** Runs `fn` holding the lock and unlocks however `fn` ends. */
  use<R>(fn: () => R | PromiseLike<R>, options: AcquireOptions = {}): Promise<R> {
    return this.#semaphore.use(fn, options);
  }
}
