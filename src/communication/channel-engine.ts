// The channel state machine behind Channel, select and WorkQueue: a value buffer plus FIFO queues of waiting senders and receivers.
import type { Clock } from '../core/clock.js';
import { cancellationError } from '../core/errors.js';
import { timeoutSignal, type DisposableSignal } from '../core/timeout-signal.js';
import { ChannelClosedError } from './channel-closed-error.js';
import { RingBuffer } from './ring-buffer.js';

/** How a waiter is completed: a plain promise, an iterator result, through its select, or as a batch. */
export const PLAIN = 0;
export const ITERATE = 1;
export const SELECT = 2;
/** A `receiveMany()` waiter: resolves with a one-value array, rejects once closed. */
export const MANY = 3;

/** A select that has registered one waiter per case; the engine hands it the first case that completes. */
export interface SelectParty {
  /** Called once, synchronously, when `waiter` completes; must withdraw the party's other waiters. */
  settle(waiter: Waiter<unknown>, closed: boolean, value: unknown): void;
}

/** A blocked send, receive (or join): a node of an intrusive doubly linked list, so withdrawal is O(1). */
export class Waiter<T> {
  prev: Waiter<T> | null = null;
  next: Waiter<T> | null = null;
  /** The list it waits in; `null` once it has been taken out, which is what makes completion exactly-once. */
  list: WaiterList<T> | null = null;
  /** Called before completion (not on abort) to drop the abort listener and timer. */
  onSettle: (() => void) | null = null;
  promise: Promise<any> | undefined = undefined;
  resolve: (value: any) => void = noop;
  reject: (error: unknown) => void = noop;

  constructor(
    readonly kind: number,
    /** The value a sender offers; unused by receivers. */
    readonly value: T | undefined,
    readonly party: SelectParty | null,
    /** The case's position in its select. */
    readonly index: number,
  ) {}
}

/** FIFO of waiters with O(1) removal from the middle (an aborted or withdrawn waiter leaves at once). */
export class WaiterList<T> {
  head: Waiter<T> | null = null;
  tail: Waiter<T> | null = null;
  size = 0;

  push(waiter: Waiter<T>): void {
    waiter.list = this;
    waiter.prev = this.tail;
    waiter.next = null;
    if (this.tail === null) this.head = waiter;
    else this.tail.next = waiter;
    this.tail = waiter;
    this.size++;
  }

  shift(): Waiter<T> | null {
    const waiter = this.head;
    if (waiter !== null) this.remove(waiter);
    return waiter;
  }

  /** Takes `waiter` out if it is still in this list; returns whether it was. */
  remove(waiter: Waiter<T>): boolean {
    if (waiter.list !== this) return false;
    if (waiter.prev === null) this.head = waiter.next;
    else waiter.prev.next = waiter.next;
    if (waiter.next === null) this.tail = waiter.prev;
    else waiter.next.prev = waiter.prev;
    waiter.prev = waiter.next = waiter.list = null;
    this.size--;
    return true;
  }
}

function noop(): void {}

/**
 * A waiter that owns a fresh promise. Both choices were measured (instructions per rendezvous round
 * trip, bench/channel.bench.ts's ping-pong): an inline executor closure, which TurboFan inlines into
 * `new Promise`, beats a shared static executor; and a fresh waiter beats a pooled one, because a
 * pooled waiter lives in the old generation and pays a write barrier for every young promise and
 * function stored into it. Together about 15% fewer instructions.
 */
export function promisedWaiter<T>(kind: number, value: T | undefined): Waiter<T> {
  const waiter = new Waiter<T>(kind, value, null, 0);
  waiter.promise = new Promise((resolve, reject) => {
    waiter.resolve = resolve;
    waiter.reject = reject;
  });
  return waiter;
}

/** True when the options ask for a wait that can end early, i.e. a guard is needed. */
export function needsGuard(signal: AbortSignal | undefined, timeout: number | undefined): boolean {
  return signal !== undefined || (timeout !== undefined && timeout !== Infinity);
}

/**
 * Calls `abort` with the cancellation error when `signal` aborts or `timeout` ms pass, whichever is
 * first. Returns the release function to call when the wait ends otherwise (drops listener and timer).
 */
export function armGuard(
  signal: AbortSignal | undefined,
  timeout: number | undefined,
  clock: Clock | undefined,
  abort: (error: unknown) => void,
): () => void {
  const disposable: DisposableSignal = timeoutSignal({ signal, timeout, clock });
  const guard = disposable.signal!;
  const onAbort = (): void => {
    disposable[Symbol.dispose]();
    abort(cancellationError(guard.reason));
  };
  if (guard.aborted) {
    onAbort();
    return noop;
  }
  guard.addEventListener('abort', onAbort, { once: true });
  return () => {
    guard.removeEventListener('abort', onAbort);
    disposable[Symbol.dispose]();
  };
}

/** Makes `waiter` leave its list and reject with the cancellation error on abort or timeout. */
export function guardWaiter(
  waiter: Waiter<any>,
  signal: AbortSignal | undefined,
  timeout: number | undefined,
  clock: Clock | undefined,
): void {
  waiter.onSettle = armGuard(signal, timeout, clock, (error) => {
    const list = waiter.list;
    if (list === null) return;
    list.remove(waiter);
    waiter.onSettle = null;
    waiter.reject(error);
  });
}

/** Completes a waiter that carries no value (a sender, a joiner) successfully. */
export function settleEmpty(waiter: Waiter<any>): void {
  if (waiter.party !== null) {
    waiter.party.settle(waiter, false, waiter.value);
    return;
  }
  if (waiter.onSettle !== null) waiter.onSettle();
  waiter.resolve(undefined);
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });
export const RESOLVED: Promise<void> = Promise.resolve();
export const RESOLVED_DONE: Promise<IteratorReturnResult<undefined>> = Promise.resolve(DONE);

/** Completes a receiver with `value`. */
function deliver<T>(receiver: Waiter<T>, value: T): void {
  if (receiver.party !== null) {
    receiver.party.settle(receiver, false, value);
    return;
  }
  if (receiver.onSettle !== null) receiver.onSettle();
  if (receiver.kind === PLAIN) receiver.resolve(value);
  else if (receiver.kind === ITERATE) receiver.resolve({ value, done: false });
  else receiver.resolve([value]);
}

/**
 * The state of one channel. It trusts its callers (the facades validate) and never runs user code
 * synchronously: completions only resolve promises, or settle a select, which withdraws its other
 * waiters in the same tick — so a value is handed to exactly one party.
 *
 * States and invariants (between calls):
 * ```
 *   receivers waiting  ⇒  buffer empty, no sender waiting   (except both sides of one select on this channel)
 *   senders waiting    ⇒  buffer full (length === capacity), no receiver waiting (same exception)
 *   open ──close()──▶ closed: waiters are completed with "closed"; the buffer stays receivable
 * ```
 *
 * The facades (Channel, select, WorkQueue) speak to it only through `canSend / hasValue / put / take /
 * send / receive / close` and the waiter lists, which is the seam a channel across threads or processes
 * would reimplement over a transport with the same semantics.
 */
export class ChannelEngine<T> {
  readonly buffer = new RingBuffer<T>();
  readonly senders = new WaiterList<T>();
  readonly receivers = new WaiterList<T>();
  closed = false;
  /** Values ever accepted (buffered or handed over); WorkQueue counts unfinished tasks from it. */
  accepted = 0;
  /**
   * Slots reserved for values on their way from a proxy across a link (remote/remote-channel.ts):
   * local senders see them as taken, and a closed channel is drained only once none is left.
   */
  reserved = 0;
  /** Exports of this channel over links, told when room frees and when it closes; null when none. */
  #watchers: EngineWatcher[] | null = null;

  constructor(readonly capacity: number) {}

  /** A send would complete now (or fail at once because the channel is closed). */
  canSend(): boolean {
    return this.closed || this.receivers.head !== null || this.buffer.length + this.reserved < this.capacity;
  }

  /** Closed, and nothing more can arrive: no value buffered, offered or reserved. */
  get drained(): boolean {
    return this.closed && this.reserved === 0 && !this.hasValue();
  }

  /** Tells `watcher` when room frees up and when the channel closes (an export of it over a link). */
  watch(watcher: EngineWatcher): void {
    (this.#watchers ??= []).push(watcher);
  }

  unwatch(watcher: EngineWatcher): void {
    const watchers = this.#watchers;
    if (watchers === null) return;
    const i = watchers.indexOf(watcher);
    if (i >= 0) watchers.splice(i, 1);
    if (watchers.length === 0) this.#watchers = null;
  }

  /** Slots a proxy could be granted now: free capacity, plus receivers waiting (a rendezvous grants one each). */
  grantable(): number {
    if (this.closed) return 0;
    const free = this.capacity - this.buffer.length - this.reserved + this.receivers.size;
    return free > 0 ? free : 0;
  }

  /** Reserves `n` slots (the caller checked `grantable()`). */
  reserve(n: number): void {
    this.reserved += n;
  }

  /** Releases `n` reserved slots that will not be used. */
  unreserve(n: number): void {
    this.reserved -= n;
    this.#room();
    if (this.reserved === 0 && this.closed) this.#finishClose();
  }

  /** A value arrives in a reserved slot: accepted even after close (it was in the channel before). */
  putReserved(value: T): void {
    this.reserved--;
    this.accepted++;
    const receiver = this.receivers.shift();
    if (receiver === null) this.buffer.push(value);
    else deliver(receiver, value);
    if (this.reserved === 0 && this.closed) this.#finishClose();
  }

  /** Values a proxy took and gave back: waiting receivers first, the rest to the front of the buffer, in order. */
  pushFront(values: readonly T[]): void {
    let i = 0;
    for (; i < values.length; i++) {
      const receiver = this.receivers.shift();
      if (receiver === null) break;
      deliver(receiver, values[i]!);
    }
    for (let j = values.length - 1; j >= i; j--) this.buffer.unshift(values[j]!);
  }

  #room(): void {
    const watchers = this.#watchers;
    // No copy: called on every take while a channel is exported; room() never (un)watches.
    if (watchers !== null) for (let i = 0; i < watchers.length; i++) watchers[i]!.room();
  }

  /** After close, once the reserved values have arrived: the receivers still waiting see closed and drained. */
  #finishClose(): void {
    if (this.buffer.length > 0 || this.senders.head !== null) return;
    for (let r = this.receivers.shift(); r !== null; r = this.receivers.shift()) rejectClosed(r);
  }

  /** A receive would complete now with a value (`take()`), ignoring closure. */
  hasValue(): boolean {
    return this.buffer.length > 0 || this.senders.head !== null;
  }

  /** Accepts `value`: hands it to the first waiting receiver or buffers it. Requires open and `canSend()`. */
  put(value: T): void {
    this.accepted++;
    const receiver = this.receivers.shift();
    if (receiver === null) this.buffer.push(value);
    else deliver(receiver, value);
  }

  /** Removes the next value; a waiting sender's value takes the freed slot. Requires `hasValue()`. */
  take(): T {
    const sender = this.senders.shift();
    if (this.buffer.length === 0) {
      this.accepted++;
      settleEmpty(sender!);
      return sender!.value as T;
    }
    const value = this.buffer.shift();
    if (sender !== null) {
      this.accepted++;
      this.buffer.push(sender.value as T);
      settleEmpty(sender);
    } else if (this.#watchers !== null) {
      this.#room();
    }
    return value;
  }

  send(value: T, signal: AbortSignal | undefined, timeout: number | undefined, clock: Clock | undefined): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(cancellationError(signal.reason));
    if (this.closed) return Promise.reject(new ChannelClosedError(value));
    if (this.canSend()) {
      this.put(value);
      return RESOLVED;
    }
    const waiter = promisedWaiter(PLAIN, value);
    this.senders.push(waiter);
    if (needsGuard(signal, timeout)) guardWaiter(waiter, signal, timeout, clock);
    return waiter.promise!;
  }

  /** `kind` PLAIN resolves with the value and rejects once closed and drained; ITERATE resolves iterator results. */
  receive(kind: number, signal: AbortSignal | undefined, timeout: number | undefined, clock: Clock | undefined): Promise<any> {
    if (signal?.aborted === true) return Promise.reject(cancellationError(signal.reason));
    // A consumer keeping up with a buffered stream lands here: take() without its sender bookkeeping.
    if (this.senders.head === null && this.buffer.length > 0) {
      const value = this.buffer.shift();
      if (this.#watchers !== null) this.#room();
      return Promise.resolve(kind === PLAIN ? value : { value, done: false });
    }
    if (this.hasValue()) {
      const value = this.take();
      return Promise.resolve(kind === PLAIN ? value : { value, done: false });
    }
    if (this.closed && this.reserved === 0) return kind === PLAIN ? Promise.reject(new ChannelClosedError()) : RESOLVED_DONE;
    const waiter = promisedWaiter<T>(kind, undefined);
    this.receivers.push(waiter);
    if (needsGuard(signal, timeout)) guardWaiter(waiter, signal, timeout, clock);
    if (this.#watchers !== null) this.#room(); // a waiting receiver is room on a rendezvous
    return waiter.promise!;
  }

  /** A select registered `waiter`s on this engine: a waiting receiver may be room for a proxy's send. */
  waitersAdded(): void {
    if (this.#watchers !== null) this.#room();
  }

  /** Waits for one value like `receive()`, then also takes up to `max - 1` more that are ready now. */
  receiveMany(max: number, signal: AbortSignal | undefined, timeout: number | undefined, clock: Clock | undefined): Promise<T[]> {
    if (signal?.aborted === true) return Promise.reject(cancellationError(signal.reason));
    if (this.hasValue()) {
      const values: T[] = [];
      do values.push(this.take());
      while (values.length < max && this.hasValue());
      return Promise.resolve(values);
    }
    if (this.closed && this.reserved === 0) return Promise.reject(new ChannelClosedError());
    const waiter = promisedWaiter<T>(MANY, undefined);
    this.receivers.push(waiter);
    if (needsGuard(signal, timeout)) guardWaiter(waiter, signal, timeout, clock);
    if (this.#watchers !== null) this.#room();
    return waiter.promise!;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Receivers wait only on an empty buffer, so every one of them sees "closed and drained" —
    // unless values are still on their way into reserved slots: then they wait for those.
    if (this.reserved === 0) for (let r = this.receivers.shift(); r !== null; r = this.receivers.shift()) rejectClosed(r);
    for (let s = this.senders.shift(); s !== null; s = this.senders.shift()) {
      if (s.onSettle !== null) s.onSettle();
      if (s.party === null) s.reject(new ChannelClosedError(s.value));
      else s.party.settle(s, true, s.value);
    }
    const watchers = this.#watchers;
    if (watchers !== null) for (const w of [...watchers]) w.closed();
  }
}

/** Completes a waiting receiver with "closed and drained". */
function rejectClosed(r: Waiter<any>): void {
  if (r.onSettle !== null) r.onSettle();
  if (r.kind === PLAIN || r.kind === MANY) r.reject(new ChannelClosedError());
  else if (r.kind === ITERATE) r.resolve(DONE);
  else r.party!.settle(r, true, undefined);
}

/** An export of a channel over a link (remote/remote-channel.ts), watching it for room and close. */
export interface EngineWatcher {
  /** Room may have freed up: a proxy waiting for credits may be granted some. */
  room(): void;
  closed(): void;
}
