// WorkQueue: Python's queue.Queue for tasks — bounded put/get, plus taskDone() and join() to wait until every item is processed.
import { cancellationError } from '../core/errors.js';
import {
  ChannelEngine,
  guardWaiter,
  ITERATE,
  needsGuard,
  PLAIN,
  promisedWaiter,
  RESOLVED,
  RESOLVED_DONE,
  settleEmpty,
  WaiterList,
} from './channel-engine.js';
import type { TryReceiveResult, TrySendResult } from './channel.js';
import { checkWaitOptions, type WaitOptions } from '../core/wait-guard.js';

/** The default bound: queues are bounded unless `maxSize: Infinity` is asked for explicitly. */
export const DEFAULT_MAX_SIZE = 1024;

/**
 * Options of `new WorkQueue()`.
 *
 * @example
 * const queue = new WorkQueue<string>({ maxSize: 64 });
 */
export interface WorkQueueOptions {
  /**
   * Items held before `put()` waits; a positive integer or `Infinity` (default 1024). Unlike Python's
   * `maxsize=0`, 0 never means unbounded: it is rejected.
   */
  maxSize?: number | undefined;
}

const PUT: TrySendResult = Object.freeze({ state: 'ok' });
const FULL: TrySendResult = Object.freeze({ state: 'full' });
const CLOSED: TrySendResult & TryReceiveResult<never> = Object.freeze({ state: 'closed' });
const EMPTY: TryReceiveResult<never> = Object.freeze({ state: 'empty' });

function checkMaxSize(maxSize: unknown): number {
  if (maxSize === undefined) return DEFAULT_MAX_SIZE;
  if (typeof maxSize !== 'number') throw new TypeError(`options.maxSize must be a number, got ${typeof maxSize}`);
  if (maxSize === 0) {
    throw new RangeError('options.maxSize must be a positive integer or Infinity, got 0 (0 does not mean unbounded; pass Infinity)');
  }
  if (maxSize !== Infinity && !(Number.isInteger(maxSize) && maxSize > 0)) {
    throw new RangeError(`options.maxSize must be a positive integer or Infinity, got ${String(maxSize)}`);
  }
  return maxSize;
}

/**
 * A FIFO work queue with Python's `queue.Queue` semantics: producers `put()` (waiting while
 * `maxSize` items are queued), consumers `get()` (waiting while empty) and call `taskDone()` when
 * they have finished an item; `join()` resolves once every item ever put has been marked done.
 * `unfinished` counts items accepted by `put()` and not yet marked done (including items in flight).
 *
 * It runs on the same engine as `Channel`, so waiters are FIFO and an aborted or timed-out `put()` /
 * `get()` never later enqueues or takes an item. `close()` (like Python 3.13's `shutdown()`) makes
 * further puts fail with `ChannelClosedError`, keeps queued items gettable, then fails gets too; a
 * `for await` over the queue ends there.
 *
 * @example
 * const queue = new WorkQueue<string>({ maxSize: 100 });
 * for (let i = 0; i < 3; i++) {
 *   void (async () => {
 *     for await (const url of queue) {
 *       try { await fetch(url); } finally { queue.taskDone(); }
 *     }
 *   })();
 * }
 * for (const url of ['https://a.example', 'https://b.example']) await queue.put(url);
 * await queue.join(); // both fetched
 * queue.close();
 */
export class WorkQueue<T> {
  readonly maxSize: number;
  readonly #engine: ChannelEngine<T>;
  readonly #joiners = new WaiterList<void>();
  #done = 0;

  constructor(options: WorkQueueOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    this.maxSize = checkMaxSize(options.maxSize);
    this.#engine = new ChannelEngine<T>(this.maxSize);
  }

  /** Items queued now. */
  get size(): number {
    return this.#engine.buffer.length;
  }

  /** Items accepted by `put()` whose `taskDone()` has not been called yet. */
  get unfinished(): number {
    return this.#engine.accepted - this.#done;
  }

  get closed(): boolean {
    return this.#engine.closed;
  }

  /** Queues `item`, waiting while the queue is full; rejects with `ChannelClosedError` once closed. */
  put(item: T, options?: WaitOptions): Promise<void> {
    let o: WaitOptions;
    try {
      o = checkWaitOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#engine.send(item, o.signal, o.timeout, o.clock);
  }

  /** Takes the oldest item, waiting while the queue is empty; rejects with `ChannelClosedError` once closed and empty. */
  get(options?: WaitOptions): Promise<T> {
    let o: WaitOptions;
    try {
      o = checkWaitOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#engine.receive(PLAIN, o.signal, o.timeout, o.clock) as Promise<T>;
  }

  /** Queues `item` if there is room now. */
  tryPut(item: T): TrySendResult {
    const engine = this.#engine;
    if (engine.closed) return CLOSED;
    if (!engine.canSend()) return FULL;
    engine.put(item);
    return PUT;
  }

  /** Takes the oldest item if there is one now. */
  tryGet(): TryReceiveResult<T> {
    const engine = this.#engine;
    if (engine.hasValue()) return { state: 'ok', value: engine.take() };
    return engine.closed ? CLOSED : EMPTY;
  }

  /**
   * Marks one item as processed. Throws `Error` if called more times than items were put — a
   * double-acknowledgement bug that would otherwise make `join()` resolve early.
   */
  taskDone(): void {
    if (this.unfinished === 0) throw new Error('taskDone() called more times than items were put');
    this.#done++;
    if (this.unfinished === 0) {
      for (let j = this.#joiners.shift(); j !== null; j = this.#joiners.shift()) settleEmpty(j);
    }
  }

  /** Resolves once every item put so far has been marked with `taskDone()` (at once if none is unfinished). */
  join(options?: WaitOptions): Promise<void> {
    let o: WaitOptions;
    try {
      o = checkWaitOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (o.signal?.aborted === true) return Promise.reject(cancellationError(o.signal.reason));
    if (this.unfinished === 0) return RESOLVED;
    const waiter = promisedWaiter<void>(PLAIN, undefined);
    this.#joiners.push(waiter);
    if (needsGuard(o.signal, o.timeout)) guardWaiter(waiter, o.signal, o.timeout, o.clock);
    return waiter.promise!;
  }

  /** Stops accepting items (idempotent); queued items stay gettable and `join()` keeps working. */
  close(): void {
    this.#engine.close();
  }

  /** Gets items until the queue is closed and empty; call `taskDone()` for each. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    const engine = this.#engine;
    return {
      next: () => engine.receive(ITERATE, undefined, undefined, undefined) as Promise<IteratorResult<T>>,
      return: () => RESOLVED_DONE,
    };
  }
}
