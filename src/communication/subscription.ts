// One subscriber's view of the bus: a bounded buffer with a named overflow policy, blocked publishers, and async iteration.
import { cancellationError } from '../core/errors.js';
import { timeoutSignal } from '../core/timeout-signal.js';
import { RingBuffer } from './ring-buffer.js';
import { checkWaitOptions, type WaitOptions } from '../core/wait-guard.js';

/**
 * What a subscription does with a message that arrives when its buffer is full:
 * - `'block'`: the publisher waits until the subscriber makes room (or unsubscribes);
 * - `'drop-oldest'`: the oldest buffered message is discarded to make room (a sliding window);
 * - `'drop-newest'`: the arriving message is discarded.
 * Dropped messages are counted in `Subscription.dropped`.
 *
 * @example
 * const latest = bus.subscribe('prices.>', { buffer: 1, overflow: 'drop-oldest' }); // always the newest price
 */
export type OverflowPolicy = 'block' | 'drop-oldest' | 'drop-newest';

const POLICIES: readonly OverflowPolicy[] = ['block', 'drop-oldest', 'drop-newest'];
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** Default buffer bound: one slow reader holds at most this many messages before its policy applies. */
export const DEFAULT_SUBSCRIPTION_BUFFER = 1024;

/** Options of `Bus.subscribe()`. */
export interface SubscribeOptions {
  /** Most messages buffered for this subscriber: a positive integer, or `Infinity` (explicitly unbounded). Default 1024. */
  buffer?: number | undefined;
  /** Policy when the buffer is full. Default `'block'`. */
  overflow?: OverflowPolicy | undefined;
  /** Unsubscribes when it aborts. */
  signal?: AbortSignal | undefined;
}

/**
 * `receive()` rejects with this once the subscription has ended: after `unsubscribe()`, or after the
 * bus was closed and the buffer drained. Async iteration ends instead of throwing it.
 *
 * @example
 * sub.unsubscribe();
 * await sub.receive().catch((error) => error instanceof SubscriptionClosedError); // true
 */
export class SubscriptionClosedError extends Error {
  override name = 'SubscriptionClosedError';
  constructor(message = 'The subscription is closed') {
    super(message);
  }
}

/**
 * A publish waiting for room in one or more `'block'` subscribers; `done()` runs when the last of them
 * has taken (or released) the message. Internal to the bus.
 */
export interface PendingPublish {
  outstanding: number;
  done(): void;
}

interface Put<T> {
  readonly value: T;
  readonly publish: PendingPublish;
}

interface Taker<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** Checks `subscribe()` options, throwing TypeError/RangeError naming the option. */
export function checkSubscribeOptions(options: unknown): SubscribeOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const { buffer, overflow, signal } = options as Record<string, unknown>;
  if (buffer !== undefined) {
    if (typeof buffer !== 'number') throw new TypeError(`options.buffer must be a number, got ${typeof buffer}`);
    if (!(buffer === Infinity || (Number.isInteger(buffer) && buffer >= 1))) {
      throw new RangeError(`options.buffer must be a positive integer or Infinity, got ${String(buffer)}`);
    }
  }
  if (overflow !== undefined && !POLICIES.includes(overflow as OverflowPolicy)) {
    throw new RangeError(`options.overflow must be one of ${POLICIES.map((p) => `'${p}'`).join(', ')}, got ${String(overflow)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError('options.signal must be an AbortSignal');
  return options as SubscribeOptions;
}

/**
 * The engine behind a `Subscription`; the bus talks to it directly and trusts its own input.
 *
 * States: `open` → (`unsubscribe()`) → `closed`; `open` → (bus closed) → `ending` → (buffer and blocked
 * publishers drained) → `closed`. Invariants: waiting receivers exist only while the buffer is empty;
 * blocked publishers exist only while the buffer is full, and only under `'block'`.
 */
export class SubscriptionEngine<T> {
  readonly pattern: string;
  readonly tokens: readonly string[];
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  readonly facade: Subscription<T>;
  dropped = 0;
  #state: 'open' | 'ending' | 'closed' = 'open';
  #buffer = new RingBuffer<T>();
  #puts = new RingBuffer<Put<T>>();
  // Usually zero or one reader waits; an array keeps removal on abort simple.
  #takers: Taker<T>[] = [];
  #onClose: (engine: SubscriptionEngine<T>) => void;
  #signal: AbortSignal | undefined;
  #onAbort = () => this.unsubscribe();

  constructor(pattern: string, tokens: readonly string[], options: SubscribeOptions, onClose: (engine: SubscriptionEngine<T>) => void) {
    this.pattern = pattern;
    this.tokens = tokens;
    this.capacity = options.buffer ?? DEFAULT_SUBSCRIPTION_BUFFER;
    this.overflow = options.overflow ?? 'block';
    this.#onClose = onClose;
    this.facade = new Subscription(this);
    this.#signal = options.signal;
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  get length(): number {
    return this.#buffer.length;
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** Whether `offer()` would settle at once: the bus's all-or-nothing check for `tryPublish()`. */
  canAccept(): boolean {
    return (
      this.#state !== 'open' ||
      this.overflow !== 'block' ||
      this.#takers.length > 0 ||
      (this.#buffer.length < this.capacity && this.#puts.length === 0)
    );
  }

  /** Delivers, buffers or drops `value` per the policy; false means the publisher must `wait()`. */
  offer(value: T): boolean {
    if (this.#state !== 'open') return true;
    if (this.#takers.length !== 0) {
      this.#takers.shift()!.resolve(value);
      return true;
    }
    if (this.#buffer.length < this.capacity && this.#puts.length === 0) {
      this.#buffer.push(value);
      return true;
    }
    switch (this.overflow) {
      case 'drop-newest':
        this.dropped++;
        return true;
      case 'drop-oldest':
        if (this.#buffer.length > 0) this.#buffer.shift();
        this.#buffer.push(value);
        this.dropped++;
        return true;
      case 'block':
        return false;
    }
  }

  /** Queues a blocked publisher's message behind earlier ones, so per-subscriber order is publish order. */
  wait(value: T, publish: PendingPublish): void {
    this.#puts.push({ value, publish });
  }

  /** Removes an abandoned publish's message; its other subscribers may already have it. */
  withdraw(publish: PendingPublish): void {
    for (const put of this.#puts.drain()) if (put.publish !== publish) this.#puts.push(put);
    this.#maybeFinish();
  }

  tryReceive(): { state: 'ok'; value: T } | { state: 'empty' } | { state: 'closed' } {
    if (this.#buffer.length > 0) return { state: 'ok', value: this.#take() };
    return this.#state === 'closed' ? { state: 'closed' } : { state: 'empty' };
  }

  receive(options: WaitOptions | undefined): Promise<T> {
    if (this.#buffer.length > 0) return Promise.resolve(this.#take());
    if (this.#state === 'closed') return Promise.reject(new SubscriptionClosedError());
    const guard = timeoutSignal(options);
    const signal = guard.signal;
    if (signal?.aborted) {
      guard[Symbol.dispose]();
      return Promise.reject(cancellationError(signal.reason));
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        const i = this.#takers.indexOf(taker);
        if (i !== -1) this.#takers.splice(i, 1);
        guard[Symbol.dispose]();
        reject(cancellationError(signal?.reason));
      };
      const taker: Taker<T> = {
        resolve: (value) => {
          signal?.removeEventListener('abort', onAbort);
          guard[Symbol.dispose]();
          resolve(value);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          guard[Symbol.dispose]();
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#takers.push(taker);
    });
  }

  /** The async iterator's `next()`: one promise per message (no `.then` wrapper), and the end instead of an error. */
  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#buffer.length > 0) return Promise.resolve({ done: false, value: this.#take() });
    if (this.#state === 'closed') return Promise.resolve(DONE);
    return new Promise((resolve) => this.#takers.push(new IterationTaker(resolve)));
  }

  /** Ends the subscription now: buffered messages are discarded, blocked publishers released, readers ended. */
  unsubscribe(): void {
    if (this.#state === 'closed') return;
    this.#buffer.drain();
    for (const put of this.#puts.drain()) settle(put.publish);
    this.#finish();
  }

  /** The bus closed: no more messages arrive; readers still get what is buffered, then the end. */
  end(): void {
    if (this.#state !== 'open') return;
    this.#state = 'ending';
    this.#maybeFinish();
  }

  #take(): T {
    const value = this.#buffer.shift();
    // Room was made: admit blocked publishers in their publish order.
    while (this.#puts.length > 0 && this.#buffer.length < this.capacity) {
      const put = this.#puts.shift();
      this.#buffer.push(put.value);
      settle(put.publish);
    }
    this.#maybeFinish();
    return value;
  }

  #maybeFinish(): void {
    if (this.#state === 'ending' && this.#buffer.length === 0 && this.#puts.length === 0) this.#finish();
  }

  #finish(): void {
    this.#state = 'closed';
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#signal = undefined;
    const takers = this.#takers;
    this.#takers = [];
    for (const taker of takers) taker.reject(new SubscriptionClosedError());
    this.#onClose(this);
  }
}

/** A waiting `for await`: gets the next message, or the end. A class, not a closure pair, on this hot path. */
class IterationTaker<T> implements Taker<T> {
  readonly #settle: (result: IteratorResult<T, undefined>) => void;
  constructor(settle: (result: IteratorResult<T, undefined>) => void) {
    this.#settle = settle;
  }
  resolve(value: T): void {
    this.#settle({ done: false, value });
  }
  reject(): void {
    this.#settle(DONE);
  }
}

function settle(publish: PendingPublish): void {
  if (--publish.outstanding === 0) publish.done();
}

/**
 * Messages published to topics matching `pattern`, in publish order, through a bounded buffer.
 * Created by `Bus.subscribe()`. Iterate it with `for await`; leaving the loop early (break, throw)
 * unsubscribes, so an abandoned `'block'` subscriber never holds publishers up.
 *
 * @example
 * const bus = new Bus<{ 'orders.created': { id: number } }>();
 * const sub = bus.subscribe('orders.*', { buffer: 100, overflow: 'drop-oldest' });
 * await bus.publish('orders.created', { id: 1 });
 * for await (const order of sub) {
 *   console.log(order.id, sub.dropped);
 *   break; // unsubscribes
 * }
 */
export class Subscription<T> implements AsyncIterable<T> {
  #engine: SubscriptionEngine<T>;

  /** @internal Use `Bus.subscribe()`. */
  constructor(engine: SubscriptionEngine<T>) {
    this.#engine = engine;
  }

  /** The pattern this subscription was made with. */
  get pattern(): string {
    return this.#engine.pattern;
  }

  /** Messages discarded by a `'drop-oldest'` or `'drop-newest'` policy so far. */
  get dropped(): number {
    return this.#engine.dropped;
  }

  /** Messages buffered and not yet received. */
  get length(): number {
    return this.#engine.length;
  }

  /** The buffer bound. */
  get buffer(): number {
    return this.#engine.capacity;
  }

  get overflow(): OverflowPolicy {
    return this.#engine.overflow;
  }

  /** True once no further message can be received (unsubscribed, or bus closed and drained). */
  get closed(): boolean {
    return this.#engine.closed;
  }

  /**
   * The next message, waiting for one if the buffer is empty. Rejects with `SubscriptionClosedError`
   * once the subscription has ended, or with `CancelledError`/`TimeoutError` per the options.
   */
  receive(options?: WaitOptions): Promise<T> {
    try {
      checkWaitOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#engine.receive(options);
  }

  /** The next message if one is buffered, without waiting. */
  tryReceive(): { state: 'ok'; value: T } | { state: 'empty' } | { state: 'closed' } {
    return this.#engine.tryReceive();
  }

  /** Stops receiving: discards the buffer, releases blocked publishers and ends iteration. Idempotent. */
  unsubscribe(): void {
    this.#engine.unsubscribe();
  }

  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    const engine = this.#engine;
    return {
      next: () => engine.next(),
      return: () => {
        engine.unsubscribe();
        return Promise.resolve(DONE);
      },
    };
  }
}
