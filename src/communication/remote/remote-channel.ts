// Channel across a link: the owner keeps the channel; a proxy sends on credits the owner reserved and receives what it asked for.
import { systemClock, type Timer } from '../../core/clock.js';
import { cancellationError, CancelledError } from '../../core/errors.js';
import { checkWaitOptions, type WaitOptions } from '../../core/wait-guard.js';
import type { Receiver, Sender, TryReceiveResult, TrySendResult } from '../channel.js';
import { ChannelClosedError } from '../channel-closed-error.js';
import { ChannelEngine, ITERATE, PLAIN, RESOLVED, RESOLVED_DONE, type EngineWatcher } from '../channel-engine.js';
import { PolledCase, type ReceiveCase, type SendCase } from '../select-case.js';
import { CH_CLOSE, CH_CLOSED, CH_GRANT, CH_PUT, CH_RETURN, CH_TAKE, CH_TAKE_CANCEL, CH_UNTAKE, CH_VALUES, CH_WANT, ARITY } from './kinds.js';
import { encode, REMOTABLE, Unsendable } from './pack.js';
import { registerCodec, registerService, type ExportEntry, type ImportedProxy, type Peer } from './peer.js';
import { unsendableError } from './sendable-path.js';
import { CHANNEL_PARTS, type ChannelSide } from './remote-channel-parts.js';


interface Description {
  readonly capacity: number;
  readonly side: ChannelSide;
}

/** Most credits a proxy holds, and most values one take brings: what may be in transit per proxy. */
const WINDOW = 1_024;
/** A proxy holding credits or prefetched values it has not used for this long gives them back. */
const IDLE_MS = 20;

const SENT: TrySendResult = Object.freeze({ state: 'ok' });
const FULL: TrySendResult = Object.freeze({ state: 'full' });
const CLOSED: TrySendResult & TryReceiveResult<never> = Object.freeze({ state: 'closed' });
const EMPTY: TryReceiveResult<never> = Object.freeze({ state: 'empty' });

/**
 * The proxy of a channel that lives across a link (its owner created it; this side was handed it).
 * It is a full `Sender` and `Receiver` (or the one side of the view it came from), with the owner's
 * semantics:
 *
 * - A send completes once it holds a **credit**: a buffer slot the owner reserved for this proxy out
 *   of its free capacity (or, for a rendezvous channel, for a receiver waiting there), so a value sent
 *   is in the channel even while it is in transit, and backpressure reaches this side exactly. Without
 *   a credit, a send waits here (abort and timeout work as on the loop) while credits are asked for.
 * - A receive asks the owner for values only while a receive (or a select case, or an iterator) waits
 *   here, up to a window at once; values it brought that nobody here takes within a moment go back to
 *   the front of the owner's channel, so they are not kept from other receivers.
 * - `close()` closes the owner's channel. Once closed, sends fail with `ChannelClosedError` (holding the
 *   value); receives drain what the owner still holds, then fail (iteration ends).
 * - If the link dies (the other side crashed), the channel is gone for this side: it behaves as closed.
 *
 * Unused credits return to the owner after a short idle period, so a quiet proxy does not hold
 * capacity that local senders could use.
 */
export class RemoteChannel<T> implements Sender<T>, Receiver<T>, ImportedProxy {
  readonly capacity: number;
  readonly side: ChannelSide;
  readonly #peer: Peer;
  readonly #id: number;
  readonly #window: number;
  /** Blocked sends (and their guards) wait here: a rendezvous nobody receives from, drained as credits arrive. */
  readonly #outbox = new ChannelEngine<T>(0);
  /** Values the owner handed over, and receives waiting for them. */
  readonly #inbox = new ChannelEngine<T>(Infinity);
  #credits = 0;
  #wanted = 0;
  #taking = false;
  #closedKnown = false;
  #drained = false;
  #usedCredit = false;
  #usedInbox = false;
  #idle: Timer | undefined;
  /** Select cases on this proxy waiting for credits or values. */
  #readyWaiters: (() => void)[] = [];
  #closeListeners: (() => void)[] = [];
  /** The values array of the CH_PUT message not yet flushed, and the flush count it belongs to. */
  #puts: unknown[] | undefined;
  #putsFlush = -1;

  constructor(peer: Peer, id: number, description: Description) {
    this.#peer = peer;
    this.#id = id;
    this.capacity = description.capacity;
    this.side = description.side;
    this.#window = Math.max(1, Math.min(WINDOW, description.capacity === Infinity ? WINDOW : description.capacity || 1));
  }

  get [REMOTABLE](): string {
    return 'channel';
  }

  /** Values brought over and not yet received here (the owner's buffer is not counted). */
  get length(): number {
    return this.#inbox.buffer.length;
  }

  get closed(): boolean {
    return this.#closedKnown;
  }

  /** The send side alone. */
  get sender(): Sender<T> {
    return this;
  }

  /** The receive side alone. */
  get receiver(): Receiver<T> {
    return this;
  }

  // ── sending ──

  send(value: T, options?: WaitOptions): Promise<void> {
    let checked: WaitOptions = {};
    try {
      this.#can('send');
      if (options !== undefined) checked = checkWaitOptions(options);
      if (checked.signal?.aborted === true) throw cancellationError(checked.signal.reason);
      if (this.#closedKnown) throw new ChannelClosedError(value);
      if (this.#credits > 0 && !this.#outbox.hasValue()) {
        // Packing checks the value too (a function in it is a TypeError here, before any credit is spent).
        this.#putPacked(this.#peer.pack(value, 'value'));
        return RESOLVED;
      }
      this.#check(value);
    } catch (error) {
      return Promise.reject(error);
    }
    const waiting = this.#outbox.send(value, checked.signal, checked.timeout, checked.clock);
    this.#want();
    return waiting;
  }

  trySend(value: T): TrySendResult {
    this.#can('send');
    if (this.#closedKnown) {
      this.#check(value);
      return CLOSED;
    }
    if (this.#credits > 0 && !this.#outbox.hasValue()) {
      this.#putPacked(this.#peer.pack(value, 'value'));
      return SENT;
    }
    this.#check(value);
    // No credit now: ask for some, so that a producer that only tries can succeed later.
    this.#want();
    return FULL;
  }

  sendCase(value: T): SendCase<T> {
    this.#can('send');
    this.#check(value);
    return new RemoteSendCase(this, value) as unknown as SendCase<T>;
  }

  // ── receiving ──

  receive(options?: WaitOptions): Promise<T> {
    let checked: WaitOptions = {};
    try {
      this.#can('receive');
      if (options !== undefined) checked = checkWaitOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#usedInbox = true;
    if (!this.#inbox.hasValue() && !this.#inbox.closed) this.#demand();
    return this.#inbox.receive(PLAIN, checked.signal, checked.timeout, checked.clock) as Promise<T>;
  }

  receiveMany(max: number, options?: WaitOptions): Promise<T[]> {
    let checked: WaitOptions = {};
    try {
      this.#can('receive');
      if (typeof max !== 'number' || !(max === Infinity || (Number.isInteger(max) && max >= 1))) {
        throw new RangeError(`max must be a positive integer or Infinity, got ${String(max)}`);
      }
      if (options !== undefined) checked = checkWaitOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#usedInbox = true;
    if (!this.#inbox.hasValue() && !this.#inbox.closed) this.#demand();
    return this.#inbox.receiveMany(max, checked.signal, checked.timeout, checked.clock);
  }

  tryReceive(): TryReceiveResult<T> {
    this.#can('receive');
    this.#usedInbox = true;
    if (this.#inbox.hasValue()) return { state: 'ok', value: this.#inbox.take() };
    if (this.#inbox.closed) return CLOSED;
    // Nothing here now: fetch, so that a consumer that only tries gets values later.
    this.#demand();
    return EMPTY;
  }

  receiveCase(): ReceiveCase<T> {
    this.#can('receive');
    return new RemoteReceiveCase(this) as unknown as ReceiveCase<T>;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    this.#can('receive');
    return {
      next: () => {
        this.#usedInbox = true;
        if (!this.#inbox.hasValue() && !this.#inbox.closed) this.#demand();
        return this.#inbox.receive(ITERATE, undefined, undefined, undefined) as Promise<IteratorResult<T>>;
      },
      // Breaking out gives what was brought for this loop back to the channel, for its other receivers.
      return: () => {
        this.#giveBack();
        return RESOLVED_DONE;
      },
    };
  }

  close(): void {
    if (this.#closedKnown) return;
    this.#peer.post(CH_CLOSE, this.#id);
    this.#closed();
  }

  // ── from the owner ──

  /** Internal: the owner reserved `n` slots for this proxy. */
  granted(n: number): void {
    this.#wanted = Math.max(0, this.#wanted - n);
    this.#credits += n;
    if (this.#closedKnown) {
      this.#returnCredits();
      return;
    }
    while (this.#credits > 0 && this.#outbox.hasValue()) this.#put(this.#outbox.take());
    this.#wake();
    this.#armIdle();
  }

  /** Internal: what a take brought; `drained` once the owner's channel is closed and empty. */
  values(values: readonly unknown[], drained: boolean): void {
    this.#taking = false;
    for (const value of values) this.#inbox.put(this.#peer.unpack(value) as T);
    if (drained) {
      this.#drained = true;
      this.#closed();
      this.#inbox.close();
    } else if (this.#inbox.receivers.head !== null) {
      this.#demand(); // receives still wait: ask again
    }
    this.#wake();
    if (this.#inbox.buffer.length > 0) this.#armIdle();
  }

  /** Internal: the owner's channel closed. */
  ownerClosed(): void {
    this.#closed();
  }

  linkLost(): void {
    // The owner is unreachable: for this side the channel is closed and has nothing left.
    this.#idle?.cancel();
    this.#credits = 0;
    this.#taking = false;
    this.#closedKnown = true;
    this.#drained = true;
    this.#outbox.close();
    this.#inbox.close();
    this.#wake();
    for (const listener of this.#closeListeners.splice(0)) listener();
  }

  // ── internals (also used by the select cases) ──

  /** Internal: a select case may complete now. */
  canSendNow(): boolean {
    return this.#closedKnown || (this.#credits > 0 && !this.#outbox.hasValue());
  }

  canReceiveNow(): boolean {
    return this.#inbox.hasValue() || this.#inbox.closed;
  }

  /** Internal: sends `value` on a credit held now (the caller checked `canSendNow()`). */
  sendNow(value: T): boolean {
    if (this.#closedKnown) return false;
    this.#put(value);
    return true;
  }

  /** Internal: takes a value here; `undefined` result means closed and drained. */
  receiveNow(): { value: T } | undefined {
    this.#usedInbox = true;
    return this.#inbox.hasValue() ? { value: this.#inbox.take() } : undefined;
  }

  /** Internal: resolves when credits or values arrive (or the channel closes), or `signal` aborts. */
  whenReady(kind: 'send' | 'receive', signal: AbortSignal): Promise<void> {
    if (kind === 'send') this.#want();
    else this.#demand();
    return new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const wake = () => {
        signal.removeEventListener('abort', wake);
        resolve();
      };
      signal.addEventListener('abort', wake, { once: true });
      this.#readyWaiters.push(wake);
    });
  }

  #can(side: 'send' | 'receive'): void {
    if (this.side !== 'both' && this.side !== side) throw new TypeError(`This end of the channel can only ${this.side}`);
  }

  #check(value: unknown): void {
    if (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol') return;
    try {
      encode(value, () => ({}));
    } catch (error) {
      if (error instanceof Unsendable) throw unsendableError(value, 'value', this.#peer.destination, error);
      throw error;
    }
  }

  #put(value: T): void {
    this.#putPacked(this.#peer.pack(value, 'value'));
  }

  /**
   * Spends a credit on a packed value. Values sent between two flushes of the peer travel in one
   * CH_PUT message: the array posted with the first is appended to until the peer sends it.
   */
  #putPacked(packed: unknown): void {
    this.#credits--;
    this.#usedCredit = true;
    const peer = this.#peer;
    if (this.#puts === undefined || this.#putsFlush !== peer.flushes) {
      this.#puts = [packed];
      this.#putsFlush = peer.flushes;
      peer.post2(CH_PUT, this.#id, this.#puts);
    } else {
      this.#puts.push(packed);
    }
    // Keep credits coming while a producer streams, so it does not stall a round trip per window.
    if (this.#credits + this.#wanted < this.#window / 2) this.#want();
  }

  #want(): void {
    if (this.#closedKnown) return;
    const need = this.#window - this.#credits - this.#wanted;
    if (need <= 0) return;
    this.#wanted += need;
    this.#peer.post(CH_WANT, this.#id, need);
  }

  #demand(): void {
    if (this.#taking || this.#drained) return;
    this.#taking = true;
    this.#peer.post(CH_TAKE, this.#id, this.#window);
    this.#armIdle();
  }

  #wake(): void {
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const wake of waiters) wake();
  }

  #closed(): void {
    if (this.#closedKnown) return;
    this.#closedKnown = true;
    this.#outbox.close(); // blocked sends reject with ChannelClosedError holding their values
    this.#returnCredits();
    this.#wake();
    for (const listener of this.#closeListeners.splice(0)) listener();
  }

  /** Internal: calls `listener` once the channel is known to be closed (a relay forwards it). */
  onClose(listener: () => void): void {
    if (this.#closedKnown) listener();
    else this.#closeListeners.push(listener);
  }

  #returnCredits(): void {
    if (this.#credits === 0) return;
    this.#peer.post(CH_RETURN, this.#id, this.#credits);
    this.#credits = 0;
  }

  /** Gives prefetched values back to the front of the owner's channel. */
  #giveBack(): void {
    if (this.#inbox.buffer.length === 0 || this.#drained) return;
    const values = this.#inbox.buffer.drain();
    this.#peer.post(CH_UNTAKE, this.#id, this.#peer.pack(values, 'values'));
  }

  /** After an idle spell, give back unused credits and prefetched values (checked on real time, unref'd). */
  #armIdle(): void {
    if (this.#idle !== undefined) return;
    this.#usedCredit = false;
    this.#usedInbox = false;
    this.#idle = idleTimer(IDLE_MS, () => {
      this.#idle = undefined;
      const creditsIdle = !this.#usedCredit && this.#credits > 0 && !this.#outbox.hasValue();
      const inboxIdle = !this.#usedInbox && this.#inbox.receivers.head === null && this.#readyWaiters.length === 0;
      if (creditsIdle) this.#returnCredits();
      if (inboxIdle) this.#giveBack();
      if (inboxIdle && this.#taking) {
        // Nobody here waits for the take any more (a select chose another case, a receive gave up).
        this.#taking = false;
        this.#peer.post(CH_TAKE_CANCEL, this.#id);
      }
      if (this.#credits > 0 || this.#inbox.buffer.length > 0 || this.#taking) this.#armIdle();
    });
  }
}

function idleTimer(ms: number, fn: () => void): Timer {
  const handle = setTimeout(fn, ms);
  handle.unref();
  return { cancel: () => clearTimeout(handle) };
}

/** A receive case on a remote channel: select polls it and is woken when values arrive. */
class RemoteReceiveCase<T> extends PolledCase {
  readonly kind = 'receive' as const;
  constructor(readonly channel: RemoteChannel<T>) {
    super();
  }
  ready(): boolean {
    return this.channel.canReceiveNow();
  }
  commit(name: string): object | undefined {
    if (!this.channel.canReceiveNow()) return undefined;
    const got = this.channel.receiveNow();
    return got === undefined ? { case: name, state: 'closed' } : { case: name, state: 'ok', value: got.value };
  }
  whenReady(signal: AbortSignal): Promise<void> {
    return this.channel.whenReady('receive', signal);
  }
}

/** A send case on a remote channel: ready while the proxy holds a credit. */
class RemoteSendCase<T> extends PolledCase {
  readonly kind = 'send' as const;
  constructor(
    readonly channel: RemoteChannel<T>,
    readonly value: T,
  ) {
    super();
  }
  ready(): boolean {
    return this.channel.canSendNow();
  }
  commit(name: string): object | undefined {
    if (!this.channel.canSendNow()) return undefined;
    return this.channel.sendNow(this.value) ? { case: name, state: 'ok' } : { case: name, state: 'closed', value: this.value };
  }
  whenReady(signal: AbortSignal): Promise<void> {
    return this.channel.whenReady('send', signal);
  }
}

/**
 * The owner's side of one proxy: grants credits out of the channel's free capacity (reserving the
 * slots, so local senders see them taken), puts what the proxy sends, takes for the proxy's receives,
 * and forwards the channel's close. Disposed when the proxy is released or the link dies: its
 * reservations are released and its pending take withdrawn.
 */
class ChannelExport implements ExportEntry, EngineWatcher {
  readonly #peer: Peer;
  readonly #engine: ChannelEngine<unknown>;
  readonly #id: number;
  /** Credits asked for and not yet granted. */
  #wanted = 0;
  /** Credits granted and not yet used or returned: slots reserved for this proxy. */
  #granted = 0;
  #take: AbortController | undefined;
  #disposed = false;
  /** The smallest grant worth a message while more is wanted. */
  readonly #chunk: number;

  constructor(peer: Peer, engine: ChannelEngine<unknown>, id: number) {
    this.#peer = peer;
    this.#engine = engine;
    this.#id = id;
    this.#chunk = engine.capacity === Infinity ? 256 : Math.max(1, Math.min(256, Math.ceil(engine.capacity / 4)));
    engine.watch(this);
    if (engine.closed) peer.post(CH_CLOSED, id);
  }

  want(n: number): void {
    this.#wanted += n;
    this.#grant();
  }

  put(values: readonly unknown[]): void {
    for (const value of values) {
      if (this.#granted === 0) return; // a put without a credit cannot come from a proxy; ignore it
      this.#granted--;
      this.#engine.putReserved(this.#peer.unpack(value));
    }
  }

  returned(n: number): void {
    const k = Math.min(n, this.#granted);
    this.#granted -= k;
    this.#engine.unreserve(k);
  }

  take(max: number): void {
    if (this.#take !== undefined) return;
    const take = (this.#take = new AbortController());
    this.#engine.receiveMany(max, take.signal, undefined, systemClock).then(
      (values) => {
        if (this.#take === take) this.#take = undefined;
        if (this.#disposed) {
          this.#engine.pushFront(values); // nobody to give them to: back into the channel
          return;
        }
        this.#peer.post(CH_VALUES, this.#id, this.#peer.pack(values, 'values'), false);
      },
      (error: unknown) => {
        if (this.#take === take) this.#take = undefined;
        if (error instanceof ChannelClosedError && !this.#disposed) this.#peer.post(CH_VALUES, this.#id, [], true);
      },
    );
  }

  cancelTake(): void {
    this.#take?.abort(new CancelledError('The proxy no longer waits'));
  }

  untake(values: unknown): void {
    const list = this.#peer.unpack(values) as unknown[];
    if (list.length > 0) this.#engine.pushFront(list);
  }

  close(): void {
    this.#engine.close();
  }

  // ── EngineWatcher ──
  room(): void {
    if (this.#wanted > 0) this.#grant();
  }

  closed(): void {
    if (!this.#disposed) this.#peer.post(CH_CLOSED, this.#id);
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#engine.unwatch(this);
    this.#take?.abort(new CancelledError('The proxy is gone'));
    if (this.#granted > 0) this.#engine.unreserve(this.#granted);
    this.#granted = 0;
    this.#wanted = 0;
  }

  #grant(): void {
    if (this.#disposed || this.#engine.closed) return;
    const k = Math.min(this.#wanted, this.#engine.grantable());
    // Room frees a slot at a time as receivers take; granting each slot alone would turn a stream
    // into a ping-pong of one-value batches. Grant in chunks (a quarter of the channel, at most 256),
    // or whatever is wanted if that is less.
    if (k <= 0 || k < Math.min(this.#wanted, this.#chunk)) return;
    this.#engine.reserve(k);
    this.#wanted -= k;
    this.#granted += k;
    this.#peer.post(CH_GRANT, this.#id, k);
  }
}

/** Implemented by Channel and its views. */
export interface ChannelSource {
  readonly [REMOTABLE]: string;
  [CHANNEL_PARTS](): { engine: ChannelEngine<unknown>; side: ChannelSide };
}

registerCodec<ChannelSource | RemoteChannel<unknown>>({
  name: 'channel',
  describe: (obj) => {
    if (obj instanceof RemoteChannel) return { capacity: obj.capacity, side: obj.side } satisfies Description;
    const { engine, side } = obj[CHANNEL_PARTS]();
    return { capacity: engine.capacity, side } satisfies Description;
  },
  exporter: (peer, obj, id) => {
    if (obj instanceof RemoteChannel) return new ForwardedChannel(peer, obj, id);
    return new ChannelExport(peer, obj[CHANNEL_PARTS]().engine, id);
  },
  importer: (peer, id, description) => new RemoteChannel(peer, id, description as Description),
});

/**
 * A proxy handed on over another link (a worker's channel handed to another worker through the
 * host): the new link is served by relaying to the first proxy, which keeps the owner's semantics.
 * Credits downstream are bounded by the sends the relay has not completed upstream, so nothing piles
 * up in between; the relay's own guarantees are the upstream proxy's.
 */
class ForwardedChannel implements ExportEntry {
  readonly #peer: Peer;
  readonly #channel: RemoteChannel<unknown>;
  readonly #id: number;
  #wanted = 0;
  #granted = 0;
  /** Values put downstream and still being sent upstream. */
  #relaying = 0;
  #take: AbortController | undefined;
  #disposed = false;

  constructor(peer: Peer, channel: RemoteChannel<unknown>, id: number) {
    this.#peer = peer;
    this.#channel = channel;
    this.#id = id;
    channel.onClose(() => {
      if (!this.#disposed) peer.post(CH_CLOSED, id);
    });
  }

  want(n: number): void {
    this.#wanted += n;
    this.#grant();
  }

  put(values: readonly unknown[]): void {
    for (const value of values) {
      if (this.#granted === 0) return;
      this.#granted--;
      this.#relaying++;
      const done = () => {
        this.#relaying--;
        this.#grant();
      };
      this.#channel.send(this.#peer.unpack(value)).then(done, done);
    }
  }

  returned(n: number): void {
    this.#granted = Math.max(0, this.#granted - n);
    this.#grant();
  }

  take(max: number): void {
    if (this.#take !== undefined) return;
    const take = (this.#take = new AbortController());
    this.#channel.receiveMany(max, { signal: take.signal }).then(
      (values) => {
        if (this.#take === take) this.#take = undefined;
        this.#peer.post(CH_VALUES, this.#id, this.#peer.pack(values, 'values'), false);
      },
      (error: unknown) => {
        if (this.#take === take) this.#take = undefined;
        if (error instanceof ChannelClosedError) this.#peer.post(CH_VALUES, this.#id, [], true);
      },
    );
  }

  cancelTake(): void {
    this.#take?.abort(new CancelledError('The proxy no longer waits'));
  }

  untake(values: unknown): void {
    // Given back downstream: offer them upstream again, in order.
    for (const value of this.#peer.unpack(values) as unknown[]) this.#channel.send(value).catch(() => {});
  }

  close(): void {
    this.#channel.close();
  }

  dispose(): void {
    this.#disposed = true;
    this.#take?.abort(new CancelledError('The proxy is gone'));
  }

  #grant(): void {
    if (this.#disposed || this.#channel.closed) return;
    const k = Math.min(this.#wanted, WINDOW - this.#granted - this.#relaying);
    if (k <= 0) return;
    this.#wanted -= k;
    this.#granted += k;
    this.#peer.post(CH_GRANT, this.#id, k);
  }
}

type Serving = ChannelExport | ForwardedChannel;

registerService((peer) => {
  const entry = (id: number) => peer.exportEntry<Serving>(id);
  const proxy = (id: number) => peer.imported<RemoteChannel<unknown>>(id);
  peer.register(CH_WANT, ARITY[CH_WANT], (b, at) => entry(b[at + 1] as number)?.want(b[at + 2] as number));
  peer.register(CH_PUT, ARITY[CH_PUT], (b, at) => entry(b[at + 1] as number)?.put(b[at + 2] as unknown[]));
  peer.register(CH_RETURN, ARITY[CH_RETURN], (b, at) => entry(b[at + 1] as number)?.returned(b[at + 2] as number));
  peer.register(CH_TAKE, ARITY[CH_TAKE], (b, at) => entry(b[at + 1] as number)?.take(b[at + 2] as number));
  peer.register(CH_TAKE_CANCEL, ARITY[CH_TAKE_CANCEL], (b, at) => entry(b[at + 1] as number)?.cancelTake());
  peer.register(CH_UNTAKE, ARITY[CH_UNTAKE], (b, at) => entry(b[at + 1] as number)?.untake(b[at + 2]));
  peer.register(CH_CLOSE, ARITY[CH_CLOSE], (b, at) => entry(b[at + 1] as number)?.close());
  peer.register(CH_GRANT, ARITY[CH_GRANT], (b, at) => proxy(b[at + 1] as number)?.granted(b[at + 2] as number));
  peer.register(CH_VALUES, ARITY[CH_VALUES], (b, at) => proxy(b[at + 1] as number)?.values(peer.unpack(b[at + 2]) as unknown[], b[at + 3] as boolean));
  peer.register(CH_CLOSED, ARITY[CH_CLOSED], (b, at) => proxy(b[at + 1] as number)?.ownerClosed());
});
