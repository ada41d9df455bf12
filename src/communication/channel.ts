// Channel: a typed FIFO between concurrent tasks — rendezvous, bounded or unbounded — with close, async iteration and select cases.
import { ChannelEngine, ITERATE, PLAIN, RESOLVED_DONE } from './channel-engine.js';
import { receiveCaseOf, sendCaseOf, type ReceiveCase, type SendCase } from './select-case.js';
import { SharedChannel, type SharedChannelOptions } from './shared-channel.js';
import { checkWaitOptions, type WaitOptions } from '../core/wait-guard.js';
import { REMOTABLE } from './remote/pack.js';
import { CHANNEL_PARTS, type ChannelSide } from './remote/remote-channel-parts.js';

/**
 * Outcome of `trySend()`: delivered or buffered, no room now, or the channel is closed.
 *
 * @example
 * const r = channel.trySend(job);
 * if (r.state === 'full') await channel.send(job); // wait for room after all
 */
export type TrySendResult = { readonly state: 'ok' } | { readonly state: 'full' } | { readonly state: 'closed' };

/**
 * Outcome of `tryReceive()`: a value, nothing now, or closed and drained.
 *
 * @example
 * const r = channel.tryReceive();
 * if (r.state === 'ok') console.log(r.value);
 */
export type TryReceiveResult<T> =
  | { readonly state: 'ok'; readonly value: T }
  | { readonly state: 'empty' }
  | { readonly state: 'closed' };

const SENT: TrySendResult = Object.freeze({ state: 'ok' });
const FULL: TrySendResult = Object.freeze({ state: 'full' });
const CLOSED: TrySendResult & TryReceiveResult<never> = Object.freeze({ state: 'closed' });
const EMPTY: TryReceiveResult<never> = Object.freeze({ state: 'empty' });

/**
 * The sending capability of a channel: hand it to producers that must not receive.
 *
 * @example
 * async function produce(out: Sender<number>) {
 *   for (let i = 0; i < 3; i++) await out.send(i);
 *   out.close();
 * }
 */
export interface Sender<T> {
  readonly capacity: number;
  readonly length: number;
  readonly closed: boolean;
  send(value: T, options?: WaitOptions): Promise<void>;
  trySend(value: T): TrySendResult;
  sendCase(value: T): SendCase<T>;
  close(): void;
}

/**
 * The receiving capability of a channel: hand it to consumers that must not send.
 *
 * @example
 * async function consume(input: Receiver<number>) {
 *   for await (const n of input) console.log(n);
 * }
 */
export interface Receiver<T> extends AsyncIterable<T> {
  readonly capacity: number;
  readonly length: number;
  readonly closed: boolean;
  receive(options?: WaitOptions): Promise<T>;
  receiveMany(max: number, options?: WaitOptions): Promise<T[]>;
  tryReceive(): TryReceiveResult<T>;
  receiveCase(): ReceiveCase<T>;
  close(): void;
  [Symbol.asyncIterator](): AsyncIterator<T>;
}

function checkCapacity(capacity: unknown): number {
  if (typeof capacity !== 'number') throw new TypeError(`capacity must be a number, got ${typeof capacity}`);
  if (capacity !== Infinity && !(Number.isInteger(capacity) && capacity >= 0)) {
    throw new RangeError(`capacity must be a non-negative integer or Infinity, got ${String(capacity)}`);
  }
  return capacity;
}

/**
 * A typed FIFO channel between tasks, in the manner of Go's channels and Trio's memory channels.
 *
 * - `capacity` 0 (default) is a rendezvous: `send()` completes only when a receiver takes the value.
 * - `capacity` n buffers up to n values; `send()` waits while the buffer is full.
 * - `capacity` `Infinity` never makes a sender wait — say so explicitly; memory is then unbounded.
 *
 * Waiting senders and receivers are served first come, first served. `close()` is idempotent: values
 * already buffered stay receivable, blocked senders reject with `ChannelClosedError` carrying their
 * own value, and receivers reject with `ChannelClosedError` once the buffer is drained (an async
 * iteration ends instead). Every wait takes `{ signal, timeout, clock }`; an aborted or timed-out wait
 * leaves the queue at once, so it never later consumes or delivers a value.
 *
 * Send plain values, not promises: like any promise, the one `receive()` returns adopts a thenable value.
 *
 * @example
 * const channel = new Channel<number>(16);
 * const consumer = (async () => {
 *   let sum = 0;
 *   for await (const n of channel) sum += n;
 *   return sum;
 * })();
 * for (let i = 1; i <= 3; i++) await channel.send(i);
 * channel.close();
 * await consumer; // 6
 */
export class Channel<T> implements Sender<T>, Receiver<T> {
  readonly capacity: number;
  /** The send side alone; it cannot receive. */
  readonly sender: Sender<T>;
  /** The receive side alone; it cannot send. */
  readonly receiver: Receiver<T>;
  readonly #engine: ChannelEngine<T>;

  constructor(capacity = 0) {
    this.capacity = checkCapacity(capacity);
    this.#engine = new ChannelEngine<T>(this.capacity);
    this.sender = new SenderView(this);
    this.receiver = new ReceiverView(this);
  }

  /**
   * A channel of numbers or bytes in a `SharedArrayBuffer`, for the host and its worker threads:
   * the same semantics across threads, no messages between them (see `SharedChannel`).
   *
   * @example
   * const bytes = Channel.shared({ capacity: 64 * 1024, type: 'uint8' });
   */
  static shared(options: SharedChannelOptions): SharedChannel {
    return new SharedChannel(options);
  }

  /** Values buffered now (waiting senders' values are not counted). */
  get length(): number {
    return this.#engine.buffer.length;
  }

  /** Handed to a task or actor on another thread or process, the channel arrives as a proxy of this one. */
  get [REMOTABLE](): string {
    return 'channel';
  }

  /** Internal: what the link codec exports. */
  [CHANNEL_PARTS](side: ChannelSide = 'both'): { engine: ChannelEngine<unknown>; side: ChannelSide } {
    return { engine: this.#engine as ChannelEngine<unknown>, side };
  }

  get closed(): boolean {
    return this.#engine.closed;
  }

  /**
   * Sends `value`, waiting while the channel is full (for a rendezvous, until a receiver takes it).
   * Rejects with `ChannelClosedError` (holding `value`) if the channel is or becomes closed before the
   * value was taken, and with `CancelledError` / `TimeoutError` on abort or timeout.
   */
  send(value: T, options?: WaitOptions): Promise<void> {
    if (options === undefined) return this.#engine.send(value, undefined, undefined, undefined);
    let checked: WaitOptions;
    try {
      checked = checkWaitOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#engine.send(value, checked.signal, checked.timeout, checked.clock);
  }

  /**
   * Receives the next value, waiting until one is sent. Rejects with `ChannelClosedError` once the
   * channel is closed and drained, and with `CancelledError` / `TimeoutError` on abort or timeout.
   */
  receive(options?: WaitOptions): Promise<T> {
    if (options === undefined) return this.#engine.receive(PLAIN, undefined, undefined, undefined);
    let checked: WaitOptions;
    try {
      checked = checkWaitOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#engine.receive(PLAIN, checked.signal, checked.timeout, checked.clock);
  }

  /**
   * Receives a batch: waits like `receive()` until a value is available, then returns it together with
   * up to `max - 1` more that are ready now (buffered, or offered by waiting senders), oldest first.
   * One await per batch instead of per value: use it to drain a busy channel cheaply.
   *
   * @example
   * const batch = await channel.receiveMany(64); // 1..64 values
   */
  receiveMany(max: number, options?: WaitOptions): Promise<T[]> {
    let checked: WaitOptions;
    try {
      if (typeof max !== 'number' || !(max === Infinity || (Number.isInteger(max) && max >= 1))) {
        throw new RangeError(`max must be a positive integer or Infinity, got ${String(max)}`);
      }
      checked = options === undefined ? {} : checkWaitOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#engine.receiveMany(max, checked.signal, checked.timeout, checked.clock);
  }

  /** Sends without waiting: `ok` if a receiver took `value` or it was buffered, else `full` or `closed`. */
  trySend(value: T): TrySendResult {
    const engine = this.#engine;
    if (engine.closed) return CLOSED;
    if (!engine.canSend()) return FULL;
    engine.put(value);
    return SENT;
  }

  /** Receives without waiting: `ok` with a value, `empty`, or `closed` once closed and drained. */
  tryReceive(): TryReceiveResult<T> {
    const engine = this.#engine;
    if (engine.hasValue()) return { state: 'ok', value: engine.take() };
    return engine.drained ? CLOSED : EMPTY;
  }

  /** A case for `select()` that receives from this channel. */
  receiveCase(): ReceiveCase<T> {
    return receiveCaseOf(this.#engine);
  }

  /** A case for `select()` that sends `value` to this channel. */
  sendCase(value: T): SendCase<T> {
    return sendCaseOf(this.#engine, value);
  }

  /** Closes the channel (idempotent); see the class comment for what happens to waiters and buffered values. */
  close(): void {
    this.#engine.close();
  }

  /** Iterates received values; ends once the channel is closed and drained. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    const engine = this.#engine;
    return {
      next: () => engine.receive(ITERATE, undefined, undefined, undefined) as Promise<IteratorResult<T>>,
      // Breaking out of a for-await leaves the channel open: other consumers may still use it.
      return: () => RESOLVED_DONE,
    };
  }
}

/** Sender<T> as its own object, so holding it grants no way to receive (not even by a cast). */
class SenderView<T> implements Sender<T> {
  readonly #channel: Channel<T>;
  constructor(channel: Channel<T>) {
    this.#channel = channel;
  }
  get [REMOTABLE](): string {
    return 'channel';
  }
  [CHANNEL_PARTS](): { engine: ChannelEngine<unknown>; side: ChannelSide } {
    return this.#channel[CHANNEL_PARTS]('send');
  }
  get capacity(): number {
    return this.#channel.capacity;
  }
  get length(): number {
    return this.#channel.length;
  }
  get closed(): boolean {
    return this.#channel.closed;
  }
  send(value: T, options?: WaitOptions): Promise<void> {
    return this.#channel.send(value, options);
  }
  trySend(value: T): TrySendResult {
    return this.#channel.trySend(value);
  }
  sendCase(value: T): SendCase<T> {
    return this.#channel.sendCase(value);
  }
  close(): void {
    this.#channel.close();
  }
}

/** Receiver<T> as its own object, so holding it grants no way to send. */
class ReceiverView<T> implements Receiver<T> {
  readonly #channel: Channel<T>;
  constructor(channel: Channel<T>) {
    this.#channel = channel;
  }
  get [REMOTABLE](): string {
    return 'channel';
  }
  [CHANNEL_PARTS](): { engine: ChannelEngine<unknown>; side: ChannelSide } {
    return this.#channel[CHANNEL_PARTS]('receive');
  }
  get capacity(): number {
    return this.#channel.capacity;
  }
  get length(): number {
    return this.#channel.length;
  }
  get closed(): boolean {
    return this.#channel.closed;
  }
  receive(options?: WaitOptions): Promise<T> {
    return this.#channel.receive(options);
  }
  receiveMany(max: number, options?: WaitOptions): Promise<T[]> {
    return this.#channel.receiveMany(max, options);
  }
  tryReceive(): TryReceiveResult<T> {
    return this.#channel.tryReceive();
  }
  receiveCase(): ReceiveCase<T> {
    return this.#channel.receiveCase();
  }
  close(): void {
    this.#channel.close();
  }
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.#channel[Symbol.asyncIterator]();
  }
}
