// SharedChannel: a bounded channel of numbers or bytes in a SharedArrayBuffer, used by the host and its worker threads alike.
import type { Clock } from '../core/clock.js';
import { cancellationError } from '../core/errors.js';
import { timeoutSignal } from '../core/timeout-signal.js';
import { checkWaitOptions, type WaitOptions } from '../core/wait-guard.js';
import { ChannelClosedError } from './channel-closed-error.js';
import { REMOTABLE } from './remote/pack.js';
import { PolledCase, type ReceiveCase, type SendCase } from './select-case.js';
import {
  checkRingBuffer,
  CLOSED_STATE,
  KINDS,
  MAX_CAPACITY,
  OK,
  RECEIVERS,
  SENDERS,
  SharedRing,
  TYPE_NAMES,
  WOULD_BLOCK,
  type SharedChannelType,
} from './shared-channel-engine.js';

export type { SharedChannelType } from './shared-channel-engine.js';

// The same unions as channel.ts's TrySendResult / TryReceiveResult (channel.ts imports this file for
// Channel.shared, so this file cannot import it back; the tests check the two stay assignable).
type TrySendResult = { readonly state: 'ok' } | { readonly state: 'full' } | { readonly state: 'closed' };
type TryReceiveResult<T> = { readonly state: 'ok'; readonly value: T } | { readonly state: 'empty' } | { readonly state: 'closed' };

const SENT: TrySendResult = Object.freeze({ state: 'ok' });
const FULL: TrySendResult = Object.freeze({ state: 'full' });
const CLOSED: TrySendResult & TryReceiveResult<never> = Object.freeze({ state: 'closed' });
const EMPTY: TryReceiveResult<never> = Object.freeze({ state: 'empty' });
const RESOLVED: Promise<void> = Promise.resolve();
const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });
const RESOLVED_DONE: Promise<IteratorReturnResult<undefined>> = Promise.resolve(DONE);

/** The codec name under which shared channels and their views cross a link (see shared-channel-codec.ts). */
export const SHARED_CHANNEL_CODEC = 'shared-channel';

/**
 * What `Channel.shared()` and `new SharedChannel()` take.
 *
 * @example
 * const options: SharedChannelOptions = { capacity: 4096, type: 'uint8' };
 */
export interface SharedChannelOptions {
  /** Values the channel buffers, from 1 to 2^30; `send()` waits while it holds this many. */
  capacity: number;
  /** What each value is stored as; a value it cannot hold exactly is refused with a RangeError. */
  type: SharedChannelType;
}

/**
 * Options of the blocking calls (`sendSync()`, `receiveSync()`, `receiveManySync()`).
 *
 * @example
 * const n = channel.receiveSync({ timeout: 1_000 });
 */
export interface SharedChannelSyncOptions {
  /** Milliseconds to block before throwing a `TimeoutError`; `undefined` or `Infinity` blocks until done. */
  timeout?: number | undefined;
}

// The ring `from()` hands to the constructor; set and cleared synchronously around one `new`.
let adopting: SharedRing | undefined;

/**
 * A bounded FIFO channel of numbers in a `SharedArrayBuffer`: the host and any number of worker
 * threads send and receive on the same memory, with no owner and no messages between them
 * (bench/channel-shared.bench.ts measures it against `postMessage`).
 * It has a `Channel`'s semantics: `Sender<number>` and `Receiver<number>`, `close()`, async
 * iteration, `select()` cases, `ChannelClosedError`, and a full channel makes senders wait — on
 * whichever thread they are — until a receiver somewhere takes a value.
 *
 * - `type` fixes the element kind (`'uint8'` for bytes, `'int32'`, `'float64'` for any number …);
 *   a value it cannot hold exactly is refused with a RangeError at the call.
 * - `capacity` is at least 1: a shared channel always has a buffer (a rendezvous is `new Channel()`).
 * - `receiveMany()` and `sendMany()` move a batch in one lock round: the fast path for throughput.
 *   A `sendMany()` batch is all or nothing and lands in one piece, next to no other producer's values.
 * - Values are FIFO across all threads. Waiting senders and receivers are not queued in order:
 *   whoever retries first after a wake-up wins (there is no owner thread to keep a queue).
 * - Waits never block an event loop: after polling for a few microseconds (cheaper than a wake-up
 *   while the other side is busy) they sleep in `Atomics.waitAsync`, re-checked at least every
 *   200 ms and keeping a worker alive while they wait. `sendSync()` / `receiveSync()` block the
 *   calling thread instead, for CPU-bound worker code.
 * - `close()` is idempotent and seen by every thread: buffered values stay receivable, senders
 *   reject with `ChannelClosedError` holding their value, receivers once the buffer is drained.
 *
 * Crossing: handed to a task or actor on a thread through the runtime, it arrives as a view of the
 * same memory; to a process it is refused with a TypeError (processes share no memory). With a raw
 * `Worker`, post `channel.buffer` and call `SharedChannel.from()` there.
 *
 * A thread terminated in the middle of an operation (a few instructions long) can leave the
 * channel locked; other threads then fail with an error after 5 s instead of hanging.
 *
 * @example
 * const numbers = Channel.shared({ capacity: 1024, type: 'int32' });
 * const total = rt.run(new URL('./sum.js', import.meta.url), 'sum', [numbers], { on: 'thread' });
 * for (let i = 0; i < 10_000; i++) await numbers.send(i);
 * numbers.close();
 * await total; // sum.js: for await (const n of numbers) sum += n;
 */
export class SharedChannel {
  readonly capacity: number;
  readonly type: SharedChannelType;
  /** The send side alone; it cannot receive (and crosses to a thread as a send side). */
  readonly sender: SharedSender;
  /** The receive side alone; it cannot send. */
  readonly receiver: SharedReceiver;
  readonly #ring: SharedRing;

  /** Allocates a new, empty channel; `Channel.shared(options)` is the same. */
  constructor(options: SharedChannelOptions) {
    if (adopting !== undefined) {
      this.#ring = adopting;
      adopting = undefined;
    } else {
      const { capacity, type } = checkOptions(options);
      this.#ring = new SharedRing(SharedRing.allocate(capacity, type));
    }
    this.capacity = this.#ring.capacity;
    this.type = this.#ring.type;
    this.sender = new SharedSender(this);
    this.receiver = new SharedReceiver(this);
  }

  /**
   * A view of the channel that lives in `buffer` (the `buffer` of a SharedChannel made in any
   * thread): every view of the same buffer is the same channel.
   *
   * @example
   * // host: new Worker(url, { workerData: { numbers: channel.buffer } })
   * const numbers = SharedChannel.from(workerData.numbers);
   * for await (const n of numbers) console.log(n);
   */
  static from(buffer: SharedArrayBuffer): SharedChannel {
    if (!(buffer instanceof SharedArrayBuffer)) {
      // The usual mistake: posting the SharedChannel itself, which arrives as a plain object.
      const hint = buffer !== null && typeof buffer === 'object' ? ' (send channel.buffer to the other thread, not the channel)' : '';
      throw new TypeError(`buffer must be a SharedArrayBuffer, got ${describe(buffer)}${hint}`);
    }
    const wrong = checkRingBuffer(buffer);
    if (wrong !== undefined) throw new TypeError(`buffer must hold a shared channel, but ${wrong}`);
    adopting = new SharedRing(buffer);
    return new SharedChannel(undefined as never);
  }

  /** The shared memory holding the channel: post it to a worker and call `SharedChannel.from()` there. */
  get buffer(): SharedArrayBuffer {
    return this.#ring.buffer;
  }

  /** Values buffered now, across all threads (a snapshot). */
  get length(): number {
    return this.#ring.length;
  }

  get closed(): boolean {
    return this.#ring.closed;
  }

  get [REMOTABLE](): string {
    return SHARED_CHANNEL_CODEC;
  }

  /**
   * Sends `value`, waiting while the channel is full. Rejects with `ChannelClosedError` (holding
   * `value`) if the channel is or becomes closed first, with `CancelledError` / `TimeoutError` on
   * abort or timeout, and with a TypeError / RangeError for a value `type` cannot hold.
   */
  send(value: number, options?: WaitOptions): Promise<void> {
    const ring = this.#ring;
    let outcome: number;
    try {
      if (!ring.fits(value)) throw valueError(value, ring);
      if (options !== undefined) return this.#sendWith(value, options);
      outcome = ring.put(value);
    } catch (error) {
      return Promise.reject(error);
    }
    if (outcome === OK) return RESOLVED;
    if (outcome === CLOSED_STATE) return Promise.reject(new ChannelClosedError(value));
    return this.#sendSlow(value, undefined, undefined, undefined);
  }

  /**
   * Sends `value`, blocking the calling thread while the channel is full; throws `ChannelClosedError`
   * (holding `value`) if it is or becomes closed, `TimeoutError` after `timeout` ms. On Node's main
   * thread this freezes the whole event loop while it waits: it is meant for CPU-bound workers.
   *
   * @example
   * for (const sample of samples) channel.sendSync(sample);
   */
  sendSync(value: number, options?: SharedChannelSyncOptions): void {
    const ring = this.#ring;
    if (!ring.fits(value)) throw valueError(value, ring);
    const timeout = checkSyncOptions(options);
    let outcome = ring.put(value);
    if (outcome === WOULD_BLOCK) outcome = ring.waitForSync(SENDERS, () => ring.put(value), timeout);
    if (outcome === CLOSED_STATE) throw new ChannelClosedError(value);
  }

  /**
   * Sends without waiting: `ok` if `value` was buffered, else `full` or `closed`. Throws a TypeError /
   * RangeError for a value `type` cannot hold.
   */
  trySend(value: number): TrySendResult {
    const ring = this.#ring;
    if (!ring.fits(value)) throw valueError(value, ring);
    const outcome = ring.put(value);
    return outcome === OK ? SENT : outcome === WOULD_BLOCK ? FULL : CLOSED;
  }

  /**
   * Sends all of `values` as one block, in order and next to each other, waiting until there is room
   * for all of them: it is all or nothing, so an abort, a timeout or a close leaves none of them sent
   * (the `ChannelClosedError` holds `values`). At most `capacity` values per call. A typed array of
   * the channel's own type (an `Int32Array` for `'int32'`) is copied as a block, without a check per value.
   *
   * @example
   * const chunk = new Uint8Array(4096); // filled by the producer
   * await bytes.sendMany(chunk);
   */
  sendMany(values: ArrayLike<number>, options?: WaitOptions): Promise<void> {
    const ring = this.#ring;
    let outcome: number;
    let sameType: boolean;
    try {
      sameType = checkValues(values, ring);
      if (options !== undefined) return this.#sendManyWith(values, sameType, options);
      outcome = ring.putMany(values, sameType);
    } catch (error) {
      return Promise.reject(error);
    }
    if (outcome === OK) return RESOLVED;
    if (outcome === CLOSED_STATE) return Promise.reject(new ChannelClosedError(values));
    return this.#sendManySlow(values, sameType, undefined, undefined, undefined);
  }

  /**
   * `sendMany()` that blocks the calling thread until there is room for all of `values` (see `sendSync()`).
   *
   * @example
   * channel.sendManySync(Int32Array.of(1, 2, 3));
   */
  sendManySync(values: ArrayLike<number>, options?: SharedChannelSyncOptions): void {
    const ring = this.#ring;
    const sameType = checkValues(values, ring);
    const timeout = checkSyncOptions(options);
    let outcome = ring.putMany(values, sameType);
    if (outcome === WOULD_BLOCK) outcome = ring.waitForSync(SENDERS, () => ring.putMany(values, sameType), timeout, true);
    if (outcome === CLOSED_STATE) throw new ChannelClosedError(values);
  }

  /** `sendMany()` without waiting: `ok` if all of `values` were buffered, `full` if they do not all fit now, or `closed`. */
  trySendMany(values: ArrayLike<number>): TrySendResult {
    const ring = this.#ring;
    const outcome = ring.putMany(values, checkValues(values, ring));
    return outcome === OK ? SENT : outcome === WOULD_BLOCK ? FULL : CLOSED;
  }

  /**
   * Receives the next value, waiting until one is sent. Rejects with `ChannelClosedError` once the
   * channel is closed and drained, and with `CancelledError` / `TimeoutError` on abort or timeout.
   */
  receive(options?: WaitOptions): Promise<number> {
    const ring = this.#ring;
    let outcome: number;
    try {
      if (options !== undefined) return this.#receiveWith(options);
      outcome = ring.take();
    } catch (error) {
      return Promise.reject(error);
    }
    if (outcome === OK) return Promise.resolve(ring.value);
    if (outcome === CLOSED_STATE) return Promise.reject(new ChannelClosedError());
    return this.#receiveSlow(undefined, undefined, undefined);
  }

  /**
   * Receives the next value, blocking the calling thread until one is sent; throws
   * `ChannelClosedError` once closed and drained, `TimeoutError` after `timeout` ms. Freezes the
   * event loop while it waits (see `sendSync()`).
   *
   * @example
   * const n = channel.receiveSync({ timeout: 1_000 });
   */
  receiveSync(options?: SharedChannelSyncOptions): number {
    const ring = this.#ring;
    const timeout = checkSyncOptions(options);
    let outcome = ring.take();
    if (outcome === WOULD_BLOCK) outcome = ring.waitForSync(RECEIVERS, () => ring.take(), timeout);
    if (outcome === CLOSED_STATE) throw new ChannelClosedError();
    return ring.value;
  }

  /**
   * Receives a batch: waits like `receive()` until a value is available, then returns it together
   * with up to `max - 1` more that are buffered now, oldest first — one lock round and one await per
   * batch instead of per value: the fast way to drain a busy channel.
   *
   * @example
   * const batch = await channel.receiveMany(1024); // 1..1024 numbers
   */
  receiveMany(max: number, options?: WaitOptions): Promise<number[]> {
    const ring = this.#ring;
    let outcome: number;
    try {
      checkMax(max);
      if (options !== undefined) return this.#receiveManyWith(max, options);
      outcome = ring.takeMany(max);
    } catch (error) {
      return Promise.reject(error);
    }
    if (outcome === OK) return Promise.resolve(ring.batch);
    if (outcome === CLOSED_STATE) return Promise.reject(new ChannelClosedError());
    return this.#receiveManySlow(max, undefined, undefined, undefined);
  }

  /**
   * `receiveMany()` that blocks the calling thread until a value is available (see `receiveSync()`).
   *
   * @example
   * for (;;) process(channel.receiveManySync(4096)); // ends with ChannelClosedError once closed and drained
   */
  receiveManySync(max: number, options?: SharedChannelSyncOptions): number[] {
    checkMax(max);
    const ring = this.#ring;
    const timeout = checkSyncOptions(options);
    let outcome = ring.takeMany(max);
    if (outcome === WOULD_BLOCK) outcome = ring.waitForSync(RECEIVERS, () => ring.takeMany(max), timeout);
    if (outcome === CLOSED_STATE) throw new ChannelClosedError();
    return ring.batch;
  }

  /** Receives without waiting: `ok` with a value, `empty`, or `closed` once closed and drained. */
  tryReceive(): TryReceiveResult<number> {
    const ring = this.#ring;
    const outcome = ring.take();
    return outcome === OK ? { state: 'ok', value: ring.value } : outcome === WOULD_BLOCK ? EMPTY : CLOSED;
  }

  /** A case for `select()` that receives from this channel; it may sit next to any other channel's cases. */
  receiveCase(): ReceiveCase<number> {
    return new SharedReceiveCase(this.#ring) as ReceiveCase<number>;
  }

  /** A case for `select()` that sends `value` to this channel; throws for a value `type` cannot hold. */
  sendCase(value: number): SendCase<number> {
    if (!this.#ring.fits(value)) throw valueError(value, this.#ring);
    return new SharedSendCase(this.#ring, value) as SendCase<number>;
  }

  /** Closes the channel for every thread (idempotent); see the class comment for what happens to waiters. */
  close(): void {
    this.#ring.close();
  }

  /** Iterates received values; ends once the channel is closed and drained. Breaking out leaves it open. */
  [Symbol.asyncIterator](): AsyncIterator<number> {
    const ring = this.#ring;
    return {
      next: (): Promise<IteratorResult<number>> => {
        const outcome = ring.take();
        if (outcome === OK) return Promise.resolve({ value: ring.value, done: false });
        if (outcome === CLOSED_STATE) return RESOLVED_DONE;
        return this.#receiveSlow(undefined, undefined, undefined).then(
          (value) => ({ value, done: false }),
          (error: unknown) => {
            if (error instanceof ChannelClosedError) return DONE;
            throw error;
          },
        );
      },
      return: () => RESOLVED_DONE,
    };
  }

  #sendWith(value: number, options: WaitOptions): Promise<void> {
    const { signal, timeout, clock } = checkWaitOptions(options);
    if (signal?.aborted === true) throw cancellationError(signal.reason);
    const outcome = this.#ring.put(value);
    if (outcome === OK) return RESOLVED;
    if (outcome === CLOSED_STATE) throw new ChannelClosedError(value);
    return this.#sendSlow(value, signal, timeout, clock);
  }

  async #sendSlow(value: number, signal: AbortSignal | undefined, timeout: number | undefined, clock: Clock | undefined): Promise<void> {
    const ring = this.#ring;
    using guard = timeoutSignal({ signal, timeout, clock });
    if ((await ring.waitFor(SENDERS, () => ring.put(value), guard.signal)) === CLOSED_STATE) throw new ChannelClosedError(value);
  }

  #sendManyWith(values: ArrayLike<number>, sameType: boolean, options: WaitOptions): Promise<void> {
    const { signal, timeout, clock } = checkWaitOptions(options);
    if (signal?.aborted === true) throw cancellationError(signal.reason);
    const outcome = this.#ring.putMany(values, sameType);
    if (outcome === OK) return RESOLVED;
    if (outcome === CLOSED_STATE) throw new ChannelClosedError(values);
    return this.#sendManySlow(values, sameType, signal, timeout, clock);
  }

  async #sendManySlow(
    values: ArrayLike<number>,
    sameType: boolean,
    signal: AbortSignal | undefined,
    timeout: number | undefined,
    clock: Clock | undefined,
  ): Promise<void> {
    const ring = this.#ring;
    using guard = timeoutSignal({ signal, timeout, clock });
    if ((await ring.waitFor(SENDERS, () => ring.putMany(values, sameType), guard.signal, true)) === CLOSED_STATE) {
      throw new ChannelClosedError(values);
    }
  }

  #receiveWith(options: WaitOptions): Promise<number> {
    const { signal, timeout, clock } = checkWaitOptions(options);
    if (signal?.aborted === true) throw cancellationError(signal.reason);
    const outcome = this.#ring.take();
    if (outcome === OK) return Promise.resolve(this.#ring.value);
    if (outcome === CLOSED_STATE) throw new ChannelClosedError();
    return this.#receiveSlow(signal, timeout, clock);
  }

  async #receiveSlow(signal: AbortSignal | undefined, timeout: number | undefined, clock: Clock | undefined): Promise<number> {
    const ring = this.#ring;
    using guard = timeoutSignal({ signal, timeout, clock });
    // `ring.value` is read inside the attempt: once this call awaits, another receive on this thread may take next.
    let value = 0;
    const attempt = () => {
      const outcome = ring.take();
      if (outcome === OK) value = ring.value;
      return outcome;
    };
    if ((await ring.waitFor(RECEIVERS, attempt, guard.signal)) === CLOSED_STATE) throw new ChannelClosedError();
    return value;
  }

  #receiveManyWith(max: number, options: WaitOptions): Promise<number[]> {
    const { signal, timeout, clock } = checkWaitOptions(options);
    if (signal?.aborted === true) throw cancellationError(signal.reason);
    const outcome = this.#ring.takeMany(max);
    if (outcome === OK) return Promise.resolve(this.#ring.batch);
    if (outcome === CLOSED_STATE) throw new ChannelClosedError();
    return this.#receiveManySlow(max, signal, timeout, clock);
  }

  async #receiveManySlow(max: number, signal: AbortSignal | undefined, timeout: number | undefined, clock: Clock | undefined): Promise<number[]> {
    const ring = this.#ring;
    using guard = timeoutSignal({ signal, timeout, clock });
    let batch: number[] = [];
    const attempt = () => {
      const outcome = ring.takeMany(max);
      if (outcome === OK) batch = ring.batch;
      return outcome;
    };
    if ((await ring.waitFor(RECEIVERS, attempt, guard.signal)) === CLOSED_STATE) throw new ChannelClosedError();
    return batch;
  }
}

// Set by the views' static blocks: how the codec reaches a view's channel without a public accessor.
let channelOfSender: (view: SharedSender) => SharedChannel;
let channelOfReceiver: (view: SharedReceiver) => SharedChannel;

/** Sender<number> of a shared channel as its own object: holding it grants no way to receive. */
export class SharedSender {
  readonly #channel: SharedChannel;
  constructor(channel: SharedChannel) {
    this.#channel = channel;
  }
  get capacity(): number {
    return this.#channel.capacity;
  }
  get type(): SharedChannelType {
    return this.#channel.type;
  }
  get length(): number {
    return this.#channel.length;
  }
  get closed(): boolean {
    return this.#channel.closed;
  }
  get [REMOTABLE](): string {
    return SHARED_CHANNEL_CODEC;
  }
  send(value: number, options?: WaitOptions): Promise<void> {
    return this.#channel.send(value, options);
  }
  sendSync(value: number, options?: SharedChannelSyncOptions): void {
    this.#channel.sendSync(value, options);
  }
  trySend(value: number): TrySendResult {
    return this.#channel.trySend(value);
  }
  sendMany(values: ArrayLike<number>, options?: WaitOptions): Promise<void> {
    return this.#channel.sendMany(values, options);
  }
  sendManySync(values: ArrayLike<number>, options?: SharedChannelSyncOptions): void {
    this.#channel.sendManySync(values, options);
  }
  trySendMany(values: ArrayLike<number>): TrySendResult {
    return this.#channel.trySendMany(values);
  }
  sendCase(value: number): SendCase<number> {
    return this.#channel.sendCase(value);
  }
  close(): void {
    this.#channel.close();
  }
  static {
    channelOfSender = (view) => view.#channel;
  }
}

/** Receiver<number> of a shared channel as its own object: holding it grants no way to send. */
export class SharedReceiver {
  readonly #channel: SharedChannel;
  constructor(channel: SharedChannel) {
    this.#channel = channel;
  }
  get capacity(): number {
    return this.#channel.capacity;
  }
  get type(): SharedChannelType {
    return this.#channel.type;
  }
  get length(): number {
    return this.#channel.length;
  }
  get closed(): boolean {
    return this.#channel.closed;
  }
  get [REMOTABLE](): string {
    return SHARED_CHANNEL_CODEC;
  }
  receive(options?: WaitOptions): Promise<number> {
    return this.#channel.receive(options);
  }
  receiveSync(options?: SharedChannelSyncOptions): number {
    return this.#channel.receiveSync(options);
  }
  receiveMany(max: number, options?: WaitOptions): Promise<number[]> {
    return this.#channel.receiveMany(max, options);
  }
  receiveManySync(max: number, options?: SharedChannelSyncOptions): number[] {
    return this.#channel.receiveManySync(max, options);
  }
  tryReceive(): TryReceiveResult<number> {
    return this.#channel.tryReceive();
  }
  receiveCase(): ReceiveCase<number> {
    return this.#channel.receiveCase();
  }
  close(): void {
    this.#channel.close();
  }
  [Symbol.asyncIterator](): AsyncIterator<number> {
    return this.#channel[Symbol.asyncIterator]();
  }
  static {
    channelOfReceiver = (view) => view.#channel;
  }
}

/** Which object crossed: the channel, or one of its one-sided views. */
export type SharedChannelSide = 'channel' | 'sender' | 'receiver';

/**
 * The buffer and side of a shared channel or view, for the codec's marker.
 * @internal
 */
export function sharedChannelParts(obj: SharedChannel | SharedSender | SharedReceiver): { buffer: SharedArrayBuffer; side: SharedChannelSide } {
  if (obj instanceof SharedSender) return { buffer: channelOfSender(obj).buffer, side: 'sender' };
  if (obj instanceof SharedReceiver) return { buffer: channelOfReceiver(obj).buffer, side: 'receiver' };
  return { buffer: obj.buffer, side: 'channel' };
}

/**
 * Rebuilds what `sharedChannelParts()` described, over the same memory.
 * @internal
 */
export function sharedChannelOf(buffer: SharedArrayBuffer, side: SharedChannelSide): SharedChannel | SharedSender | SharedReceiver {
  const channel = SharedChannel.from(buffer);
  return side === 'sender' ? channel.sender : side === 'receiver' ? channel.receiver : channel;
}

/** A receive case on a shared channel: select tries it with `take()` and sleeps on the receivers' word. */
class SharedReceiveCase extends PolledCase {
  readonly kind = 'receive';
  readonly #ring: SharedRing;
  readonly #ready = () => this.ready();
  constructor(ring: SharedRing) {
    super();
    this.#ring = ring;
  }
  ready(): boolean {
    return this.#ring.length > 0 || this.#ring.closed;
  }
  commit(name: string): object | undefined {
    const outcome = this.#ring.take();
    if (outcome === OK) return { case: name, state: 'ok', value: this.#ring.value };
    return outcome === CLOSED_STATE ? { case: name, state: 'closed' } : undefined;
  }
  whenReady(signal: AbortSignal): Promise<void> {
    return this.#ring.whenReady(RECEIVERS, this.#ready, signal);
  }
}

/** A send case on a shared channel: select tries it with `put()` and sleeps on the senders' word. */
class SharedSendCase extends PolledCase {
  readonly kind = 'send';
  readonly value: number;
  readonly #ring: SharedRing;
  readonly #ready = () => this.ready();
  constructor(ring: SharedRing, value: number) {
    super();
    this.#ring = ring;
    this.value = value;
  }
  ready(): boolean {
    return this.#ring.closed || this.#ring.length < this.#ring.capacity;
  }
  commit(name: string): object | undefined {
    const outcome = this.#ring.put(this.value);
    if (outcome === OK) return { case: name, state: 'ok' };
    return outcome === CLOSED_STATE ? { case: name, state: 'closed', value: this.value } : undefined;
  }
  whenReady(signal: AbortSignal): Promise<void> {
    return this.#ring.whenReady(SENDERS, this.#ready, signal);
  }
}

function checkOptions(options: unknown): SharedChannelOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object with capacity and type, got ${describe(options)}`);
  }
  const { capacity, type } = options as Record<string, unknown>;
  if (typeof capacity !== 'number') throw new TypeError(`options.capacity must be a number, got ${describe(capacity)}`);
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) {
    const hint = capacity === 0 ? ' (a shared channel needs a buffer; use new Channel() for a rendezvous)' : '';
    throw new RangeError(`options.capacity must be an integer from 1 to ${MAX_CAPACITY}, got ${String(capacity)}${hint}`);
  }
  if (typeof type !== 'string' || !KINDS.has(type)) throw new TypeError(`options.type must be one of ${TYPE_NAMES}, got ${describe(type)}`);
  return { capacity, type: type as SharedChannelType };
}

function checkSyncOptions(options: unknown): number | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object, got ${describe(options)}`);
  const { timeout } = options as Record<string, unknown>;
  if (timeout === undefined) return undefined;
  if (typeof timeout !== 'number') throw new TypeError(`options.timeout must be a number, got ${describe(timeout)}`);
  if (!(timeout >= 0)) throw new RangeError(`options.timeout must be a non-negative number of milliseconds, got ${String(timeout)}`);
  return timeout;
}

function checkMax(max: unknown): void {
  if (typeof max !== 'number' || !(max === Infinity || (Number.isInteger(max) && max >= 1))) {
    throw new RangeError(`max must be a positive integer or Infinity, got ${describe(max)}`);
  }
}

/** Throws unless `values` is a batch the channel can take; returns whether it is a typed array of the channel's own type. */
function checkValues(values: unknown, ring: SharedRing): boolean {
  if (!Array.isArray(values) && !(ArrayBuffer.isView(values) && !(values instanceof DataView))) {
    throw new TypeError(`values must be an array or a typed array of numbers, got ${describe(values)}`);
  }
  const batch = values as ArrayLike<unknown>;
  if (batch.length > ring.capacity) {
    throw new RangeError(`values must fit in the channel: at most ${ring.capacity} values per batch, got ${batch.length}`);
  }
  if (ring.sameType(values)) return true;
  for (let i = 0; i < batch.length; i++) if (!ring.fits(batch[i])) throw valueError(batch[i], ring, `values[${i}]`);
  return false;
}

function valueError(value: unknown, ring: SharedRing, name = 'value'): Error {
  if (typeof value !== 'number') return new TypeError(`${name} must be a number, got ${describe(value)}`);
  return new RangeError(`${name} must be ${ring.range} for a '${ring.type}' channel, got ${String(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  if (typeof value === 'function') return 'function';
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
