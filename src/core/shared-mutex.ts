// A mutual-exclusion lock in shared memory, held by one thread at a time across the host and its worker threads.
import { threadId } from 'node:worker_threads';
import { systemClock, type Clock } from './clock.js';
import { cancellationError, TimeoutError } from './errors.js';
import { timeoutSignal } from './timeout-signal.js';

// Cell layout (Int32, two cells): [STATE, OWNER].
const STATE = 0;
const OWNER = 1;
// STATE values, as in Drepper's "Futexes Are Tricky" (mutex #3).
const FREE = 0;
const LOCKED = 1;
const CONTENDED = 2;
// OWNER is 0 when free, else the holder's threadId + 1 (the main thread's threadId is 0).
const NOBODY = 0;
const ME = threadId + 1;

// ES2024's Atomics.waitAsync (in Node since 16); the project's lib is ES2023, so type it here.
type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (Atomics as unknown as { waitAsync(cells: Int32Array, index: number, value: number, timeout: number): WaitAsyncResult })
  .waitAsync;
// Bounds of one asynchronous wait before the cell is re-checked (see #lockSlow).
const FIRST_SLICE_MS = 2;
const LAST_SLICE_MS = 200;

// The view `from()` passes to the constructor; set and cleared synchronously around one `new`.
let adopting: Int32Array | undefined;

export interface SharedMutexLockOptions {
  /** Gives up waiting when it aborts, rejecting with `cancellationError(signal.reason)`. */
  signal?: AbortSignal | undefined;
  /** Milliseconds to wait before rejecting with a `TimeoutError`; `undefined` or `Infinity` waits forever. */
  timeout?: number | undefined;
  /** The clock the timeout runs on (tests inject a `FakeClock`). */
  clock?: Clock | undefined;
}

export interface SharedMutexLockSyncOptions {
  /** Milliseconds to block before throwing a `TimeoutError`; `undefined` or `Infinity` blocks forever. */
  timeout?: number | undefined;
}

/**
 * A lock in a `SharedArrayBuffer` that excludes across threads: the host and every worker that
 * received the buffer contend for the same two Int32 cells. A class instance does not survive
 * `postMessage`, so send `mutex.buffer` (and `mutex.byteOffset` if you placed it inside a larger
 * buffer) and rebuild the view with `SharedMutex.from()` on the other side.
 *
 * States of the STATE cell (futex-style, so an uncontended lock/unlock is one compare-and-swap
 * and an unlock only calls `Atomics.notify` when somebody may be sleeping):
 *
 * ```
 *   FREE(0) --lock, no wait--> LOCKED(1) --unlock--> FREE(0)
 *   LOCKED(1) --a second locker arrives--> CONTENDED(2) (it then sleeps on the cell)
 *   CONTENDED(2) --unlock--> FREE(0) + notify one sleeper, which re-takes it as CONTENDED(2)
 * ```
 *
 * Invariants: STATE is FREE iff OWNER is NOBODY once a lock or unlock call has returned; a
 * sleeper that gives up (timeout, abort) leaves at most a spurious CONTENDED, which only costs the
 * next unlock one unnecessary notify. Ownership is per thread: the thread that locked must unlock,
 * any async task on that thread may do it. Not re-entrant. Not fair: a thread that arrives as
 * the lock is released may take it before a sleeper wakes. A thread that dies holding the lock
 * leaves it locked — bound waits with `timeout` where that matters.
 *
 * `lock()` waits with `Atomics.waitAsync` and never blocks an event loop. `lockSync()` blocks the
 * calling thread with `Atomics.wait`: right for CPU-bound workers; on Node's main thread it is
 * allowed but freezes every timer, socket and promise of the process while it waits.
 *
 * @example
 * // host
 * const mutex = new SharedMutex();
 * const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { lock: mutex.buffer } });
 * await mutex.use(async () => { balance[0] += 1; });
 *
 * // worker.js
 * const mutex = SharedMutex.from(workerData.lock);
 * mutex.useSync(() => { balance[0] -= 1; });
 */
export class SharedMutex {
  /** Bytes one mutex occupies in a buffer; reserve this many (4-byte aligned) to embed one with `from()`. */
  static readonly BYTES = 8;

  readonly #cells: Int32Array;

  /** Creates a lock in a fresh, unlocked `SharedArrayBuffer` of `SharedMutex.BYTES` bytes. */
  constructor() {
    // `from()` hands its view over through `adopting`; a plain `new SharedMutex()` allocates.
    this.#cells = adopting ?? new Int32Array(new SharedArrayBuffer(SharedMutex.BYTES));
    adopting = undefined;
  }

  /**
   * A view of a lock that already lives in `buffer` at `byteOffset` (created by `new SharedMutex()`
   * in another thread, or zero-filled bytes you reserved for it). Every view of the same bytes is the same lock.
   *
   * @example
   * const mutex = SharedMutex.from(workerData.lock);
   * const embedded = SharedMutex.from(state, 16); // bytes 16..23 of a larger shared buffer
   */
  static from(buffer: SharedArrayBuffer, byteOffset = 0): SharedMutex {
    if (!(buffer instanceof SharedArrayBuffer)) {
      // The usual mistake: posting the SharedMutex itself, which arrives as a plain object.
      const hint = buffer !== null && typeof buffer === 'object' ? ' (send mutex.buffer to the other thread, not the mutex)' : '';
      throw new TypeError(`buffer must be a SharedArrayBuffer, got ${describe(buffer)}${hint}`);
    }
    if (!Number.isInteger(byteOffset) || byteOffset < 0 || byteOffset % 4 !== 0) {
      throw new RangeError(`byteOffset must be a non-negative multiple of 4, got ${String(byteOffset)}`);
    }
    if (byteOffset + SharedMutex.BYTES > buffer.byteLength) {
      throw new RangeError(
        `byteOffset must leave ${SharedMutex.BYTES} bytes in the buffer, got ${byteOffset} of ${buffer.byteLength}`,
      );
    }
    adopting = new Int32Array(buffer, byteOffset, 2);
    return new SharedMutex();
  }

  /** The shared memory holding the lock: send it to a worker and call `SharedMutex.from()` there. */
  get buffer(): SharedArrayBuffer {
    return this.#cells.buffer as SharedArrayBuffer;
  }

  /** Where the lock starts in `buffer` (0 unless it was embedded with `from(buffer, byteOffset)`). */
  get byteOffset(): number {
    return this.#cells.byteOffset;
  }

  /** Whether some thread holds the lock right now (a snapshot, stale as soon as it returns). */
  get locked(): boolean {
    return Atomics.load(this.#cells, STATE) !== FREE;
  }

  /** Whether the calling thread holds the lock. */
  get heldByCurrentThread(): boolean {
    return Atomics.load(this.#cells, OWNER) === ME;
  }

  /**
   * Takes the lock if it is free, without waiting.
   *
   * @example
   * if (mutex.tryLock()) {
   *   try { balance[0] += 1; } finally { mutex.unlock(); }
   * }
   */
  tryLock(): boolean {
    if (Atomics.compareExchange(this.#cells, STATE, FREE, LOCKED) !== FREE) return false;
    Atomics.store(this.#cells, OWNER, ME);
    return true;
  }

  /**
   * Waits for the lock without blocking the event loop. Rejects with `TimeoutError` after
   * `timeout` ms, or `CancelledError` (or the signal's own Braid error) when `signal` aborts.
   *
   * @example
   * await mutex.lock({ timeout: 1000 });
   * try { balance[0] += 1; } finally { mutex.unlock(); }
   */
  lock(options: SharedMutexLockOptions = {}): Promise<void> {
    try {
      validateLockOptions(options);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (options.signal?.aborted) return Promise.reject(cancellationError(options.signal.reason));
    if (this.tryLock()) return Promise.resolve();
    return this.#lockSlow(options);
  }

  async #lockSlow(options: SharedMutexLockOptions): Promise<void> {
    using guard = timeoutSignal({ signal: options.signal, timeout: options.timeout, clock: options.clock ?? systemClock });
    const signal = guard.signal;
    const cells = this.#cells;
    let aborted: (() => void) | undefined;
    const abortedPromise = new Promise<'aborted'>((resolve) => {
      aborted = () => {
        // Our waitAsync cannot be withdrawn, and it may be the one an unlock chose to wake; wake
        // every sleeper so none is left asleep on a free lock (they re-check and sleep again).
        resolve('aborted');
        Atomics.notify(cells, STATE);
      };
    });
    signal?.addEventListener('abort', aborted!, { once: true });
    try {
      let c = Atomics.exchange(cells, STATE, CONTENDED);
      let slice = FIRST_SLICE_MS;
      while (c !== FREE) {
        if (signal?.aborted) throw cancellationError(signal.reason);
        // A pending waitAsync holds no ref on the event loop (nodejs/node#61941: a worker whose only
        // work is this wait exits with code 13 before the unlock arrives), so every wait is bounded
        // and a ref'd timer of the same length keeps the loop alive and re-checks the cell even if
        // the wake-up is never delivered. Slices grow so a long wait costs a few timers a second.
        const wait = waitAsync(cells, STATE, CONTENDED, slice);
        if (wait.async) {
          let timer: NodeJS.Timeout | undefined;
          const sliceEnded = new Promise<'slice'>((resolve) => {
            timer = setTimeout(resolve, slice + 1, 'slice');
          });
          try {
            const outcome = await Promise.race([wait.value, sliceEnded, abortedPromise]);
            if (outcome === 'aborted') throw cancellationError(signal!.reason);
          } finally {
            clearTimeout(timer);
          }
        }
        slice = Math.min(slice * 2, LAST_SLICE_MS);
        c = Atomics.exchange(cells, STATE, CONTENDED);
      }
      Atomics.store(cells, OWNER, ME);
    } finally {
      signal?.removeEventListener('abort', aborted!);
    }
  }

  /**
   * Blocks the calling thread until it holds the lock; throws `TimeoutError` after `timeout` ms.
   * Throws at once if this thread already holds it, since waiting would deadlock the thread.
   * On the main thread this freezes the whole event loop while it waits.
   *
   * @example
   * mutex.lockSync({ timeout: 1000 });
   * try { balance[0] += 1; } finally { mutex.unlock(); }
   */
  lockSync(options: SharedMutexLockSyncOptions = {}): void {
    if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, got ${describe(options)}`);
    const timeout = validateTimeout(options.timeout);
    if (this.tryLock()) return;
    if (Atomics.load(this.#cells, OWNER) === ME) {
      throw new Error('SharedMutex is already held by this thread; lockSync() would deadlock it');
    }
    const cells = this.#cells;
    const deadline = timeout === undefined || timeout === Infinity ? Infinity : performance.now() + timeout;
    let c = Atomics.exchange(cells, STATE, CONTENDED);
    while (c !== FREE) {
      const left = deadline - performance.now();
      if (left <= 0) throw new TimeoutError(`SharedMutex was not acquired within ${timeout} ms`);
      Atomics.wait(cells, STATE, CONTENDED, left);
      c = Atomics.exchange(cells, STATE, CONTENDED);
    }
    Atomics.store(cells, OWNER, ME);
  }

  /**
   * Releases the lock and wakes one waiting thread if any may be asleep. Throws if the calling
   * thread does not hold it.
   *
   * @example
   * mutex.lockSync();
   * try { balance[0] += 1; } finally { mutex.unlock(); }
   */
  unlock(): void {
    const owner = Atomics.load(this.#cells, OWNER);
    if (owner !== ME) {
      // OWNER is written just after STATE, so a lock being taken elsewhere can show NOBODY for an instant.
      const free = owner === NOBODY && Atomics.load(this.#cells, STATE) === FREE;
      throw new Error(free ? 'SharedMutex is not locked' : 'SharedMutex is held by another thread; only its holder may unlock it');
    }
    Atomics.store(this.#cells, OWNER, NOBODY);
    // LOCKED -> FREE needs no wake-up; CONTENDED -> FREE wakes one sleeper, who re-marks it CONTENDED.
    if (Atomics.exchange(this.#cells, STATE, FREE) === CONTENDED) Atomics.notify(this.#cells, STATE, 1);
  }

  /**
   * Runs `fn` holding the lock (waiting for it as `lock()` does) and releases it however `fn` ends.
   *
   * @example
   * const total = await mutex.use(async () => (balance[0] += amount));
   */
  async use<T>(fn: () => T | PromiseLike<T>, options: SharedMutexLockOptions = {}): Promise<T> {
    if (typeof fn !== 'function') throw new TypeError(`fn must be a function, got ${describe(fn)}`);
    await this.lock(options);
    try {
      return await fn();
    } finally {
      this.unlock();
    }
  }

  /**
   * Runs synchronous `fn` holding the lock (blocking for it as `lockSync()` does) and releases it however `fn` ends.
   *
   * @example
   * mutex.useSync(() => { balance[0] -= 1; });
   */
  useSync<T>(fn: () => T, options: SharedMutexLockSyncOptions = {}): T {
    if (typeof fn !== 'function') throw new TypeError(`fn must be a function, got ${describe(fn)}`);
    this.lockSync(options);
    try {
      return fn();
    } finally {
      this.unlock();
    }
  }
}

function validateLockOptions(options: SharedMutexLockOptions): void {
  if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, got ${describe(options)}`);
  validateTimeout(options.timeout);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new TypeError(`signal must be an AbortSignal, got ${describe(options.signal)}`);
  }
}

function validateTimeout(timeout: unknown): number | undefined {
  if (timeout === undefined) return undefined;
  if (typeof timeout !== 'number' || !(timeout >= 0)) {
    throw new RangeError(`timeout must be a non-negative number of milliseconds, got ${describe(timeout)}`);
  }
  return timeout;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  if (typeof value === 'function') return 'function';
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
