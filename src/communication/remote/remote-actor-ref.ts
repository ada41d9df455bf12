// ActorRef across a link: a proxy that posts sends and asks within a credit window, and the exporting side that serves them.
import { systemClock, type Clock, type Timer } from '../../core/clock.js';
import { CancelledError, cancellationError, TimeoutError } from '../../core/errors.js';
import { relayAsk } from '../actor.js';
import { checkWaitOptions, type WaitOptions } from '../../core/wait-guard.js';
import { ActorStoppedError, DEFAULT_ASK_TIMEOUT, type ActorRef, type AskOptions } from '../actor-ref.js';
import { ACTOR_ASK, ACTOR_ASK_CANCEL, ACTOR_CREDIT, ACTOR_GONE, ACTOR_JOIN, ACTOR_SEND, ACTOR_STOP, ARITY } from './kinds.js';
import { encode, REMOTABLE, Unsendable } from './pack.js';
import { registerCodec, registerService, type ExportEntry, type ImportedProxy, type Peer } from './peer.js';
import { unsendableError } from './sendable-path.js';

/** Sends and asks a proxy of an exported ref may have in flight before the exporting side has accepted them. */
export const PROXY_WINDOW = 64;

/** What the exporting side of an actor ref does with the messages a proxy sends. */
export interface ActorExportEntry extends ExportEntry {
  send(msg: unknown): void;
  ask(reqId: number, msg: unknown, timeout: number): void;
  cancel(reqId: number): void;
  stop(reqId: number): void;
  join(reqId: number): void;
}

/**
 * What the importing side of an actor export answers to: the proxy itself, or a hosting facade
 * bound in its place (which passes credits on to its proxy and learns of the end its own way).
 */
export interface CreditedRef {
  credit(n: number): void;
  refused(error: unknown): void;
}

/** A call that holds, or waits for, a credit. */
interface Call {
  /** Posts the call on the bound link; false if it settled meanwhile (an ask that timed out). */
  post(peer: Peer, exportId: number): void;
  fail(error: unknown): void;
  /** An ask that was withdrawn while it waited: skip it. */
  readonly withdrawn: boolean;
}

/**
 * The proxy side of an actor ref whose actor lives across a link (another thread or process, or
 * the host seen from a worker). Every send and ask takes one credit; the exporting side gives it
 * back once the actor (or the exported ref) has accepted the message, so at most `window` messages
 * are ever in transit or buffered for this proxy: backpressure reaches the sender across the
 * boundary, and no postMessage queue grows without bound.
 *
 * States: unbound (credits are spent, calls kept in order until `bind()`) → bound(peer, id) →
 * gone (stopped, or the link was lost: calls reject with `ActorStoppedError`, its `cause` the
 * link's error). A hosting facade may `unbind()` a bound proxy when its worker dies and `bind()` it
 * to the actor's next incarnation: calls waiting for credit then go to the new one, in order.
 * With a rendezvous mailbox (0) the window is 1 and a send resolves only once the actor took it.
 */
export class RemoteActorRef<Msg = unknown, Reply = unknown> implements ActorRef<Msg, Reply>, ImportedProxy, CreditedRef {
  readonly name: string;
  readonly id: number;
  /** Set by a hosting facade: the link died, so restart rather than end. */
  onLinkLost: ((error: unknown) => void) | undefined;
  /** Told when `busy` flips, so a host keeps a worker referenced only while messages are in flight. */
  onBusyChange: ((busy: boolean) => void) | undefined;
  readonly #window: number;
  readonly #rendezvous: boolean;
  readonly #askTimeout: number;
  readonly #clock: Clock;
  #peer: Peer | undefined;
  #exportId = 0;
  #credits: number;
  /** Calls waiting for a credit, oldest first. */
  #blocked: (Call | undefined)[] = [];
  #blockedHead = 0;
  /** Calls holding a credit while unbound, posted in order by `bind()`. */
  #held: Call[] = [];
  /** Rendezvous sends posted and not yet taken, oldest first. */
  #untaken: (() => void)[] = [];
  #gone: { error: unknown } | undefined;
  #stopping: Promise<void> | undefined;
  /** Asks posted and not yet answered. */
  #asking = 0;
  #wasBusy = false;

  constructor(name: string, id: number, options: { window?: number; rendezvous?: boolean; askTimeout?: number; clock?: Clock } = {}) {
    this.name = name;
    this.id = id;
    this.#rendezvous = options.rendezvous === true;
    this.#window = this.#rendezvous ? 1 : Math.max(1, options.window ?? PROXY_WINDOW);
    this.#credits = this.#window;
    this.#askTimeout = options.askTimeout ?? DEFAULT_ASK_TIMEOUT;
    this.#clock = options.clock ?? systemClock;
  }

  get [REMOTABLE](): string {
    return 'actor';
  }

  /** True once the proxy can no longer reach an actor (stopped, or its link was lost with no facade to restart it). */
  get gone(): boolean {
    return this.#gone !== undefined;
  }

  /** True while messages are in flight or waiting: the host should stay alive for them. */
  get busy(): boolean {
    return this.#credits < this.#window || this.#asking > 0 || this.#blocked.length > this.#blockedHead || this.#held.length > 0;
  }

  /** Internal (asks): one more, or one fewer, ask waits for its reply. */
  asking(delta: 1 | -1): void {
    this.#asking += delta;
    this.#updateBusy();
  }

  #updateBusy(): void {
    const busy = this.busy;
    if (busy === this.#wasBusy) return;
    this.#wasBusy = busy;
    this.onBusyChange?.(busy);
  }

  /** Connects the proxy to export `exportId` of `peer` and posts the calls held meanwhile. */
  bind(peer: Peer, exportId: number): void {
    this.#peer = peer;
    this.#exportId = exportId;
    const held = this.#held;
    this.#held = [];
    for (const call of held) call.post(peer, exportId);
    this.#serveBlocked();
    this.#updateBusy();
  }

  /** Forgets the current link (its actor died): credits are refilled for the next incarnation. */
  unbind(): void {
    this.#peer = undefined;
    this.#exportId = 0;
    this.#credits = this.#window;
    for (const resolve of this.#untaken.splice(0)) resolve(); // taken, then lost with the worker
    this.#serveBlocked();
    this.#updateBusy();
  }

  /** The exporting side accepted `n` calls. */
  credit(n: number): void {
    for (let i = 0; i < n && this.#untaken.length > 0; i++) this.#untaken.shift()!();
    this.#credits = Math.min(this.#window, this.#credits + n);
    this.#serveBlocked();
    this.#updateBusy();
  }

  /** Ends the proxy: blocked and held calls reject, later calls reject at once. */
  end(error?: unknown): void {
    if (this.#gone) return;
    this.#gone = { error };
    const stopped = this.#stoppedError();
    for (const call of this.#held.splice(0)) call.fail(stopped);
    for (let i = this.#blockedHead; i < this.#blocked.length; i++) this.#blocked[i]?.fail(stopped);
    this.#blocked = [];
    this.#blockedHead = 0;
    for (const resolve of this.#untaken.splice(0)) resolve();
    this.#credits = this.#window;
    this.#updateBusy();
  }

  /** The exporting side refused a call: its actor has ended. */
  refused(error: unknown): void {
    this.end(error);
  }

  linkLost(error: unknown): void {
    if (this.onLinkLost !== undefined) this.onLinkLost(error);
    else this.end(error);
  }

  send(msg: Msg, options?: WaitOptions): Promise<void> {
    let signal: AbortSignal | undefined;
    let timeout: number | undefined;
    let clock: Clock | undefined;
    try {
      if (options !== undefined) ({ signal, timeout, clock } = checkWaitOptions(options));
      if (this.#gone || this.#stopping) throw this.#stoppedError();
      if (signal?.aborted) throw cancellationError(signal.reason);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<void>((resolve, reject) => {
      const call = new SendCall(this, msg, resolve, reject, this.#rendezvous);
      if (this.#canProceed()) {
        this.#spend(call, reject);
        return;
      }
      this.#block(call, signal, timeout, clock ?? this.#clock);
    });
  }

  ask(msg: Msg, options?: AskOptions): Promise<Reply> {
    let timeout: number;
    let signal: AbortSignal | undefined;
    let clock: Clock;
    try {
      if (options !== undefined) checkWaitOptions(options);
      timeout = options?.timeout ?? this.#askTimeout;
      if (typeof timeout !== 'number' || !(timeout >= 0 && timeout < Infinity)) {
        throw new RangeError(`options.timeout must be a finite non-negative number of milliseconds (an ask always times out), got ${String(timeout)}`);
      }
      signal = options?.signal;
      clock = options?.clock ?? this.#clock;
      if (this.#gone || this.#stopping) throw this.#stoppedError();
      if (signal?.aborted) throw cancellationError(signal.reason);
    } catch (error) {
      return Promise.reject(error);
    }
    const call = new AskCall<Reply>(this, msg, timeout, clock, signal);
    if (this.#canProceed()) this.#spend(call, (error) => call.fail(error));
    else {
      this.#blocked.push(call);
      this.#updateBusy();
    }
    return call.promise;
  }

  stop(): Promise<void> {
    if (this.#gone) return Promise.resolve();
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    // Calls still waiting for room would wait on a mailbox that is closing: they fail now, as a
    // local actor's do; what already holds a credit is in the mailbox and is drained.
    const stopped = new ActorStoppedError(this.name);
    for (let i = this.#blockedHead; i < this.#blocked.length; i++) this.#blocked[i]?.fail(stopped);
    this.#blocked = [];
    this.#blockedHead = 0;
    const peer = this.#peer;
    // A stop in progress keeps the host alive (an idle proxy does not), as the drain it waits for does.
    this.asking(1);
    try {
      if (peer !== undefined) await peer.request(ACTOR_STOP, this.#exportId);
      this.end();
    } catch (error) {
      this.end(error);
    } finally {
      this.asking(-1);
    }
  }

  join(): Promise<void> {
    if (this.#gone) return this.#gone.error === undefined ? Promise.resolve() : Promise.reject(this.#gone.error);
    const peer = this.#peer;
    if (peer === undefined) return Promise.reject(new Error(`Actor ${this.name} is not connected`));
    return peer.request(ACTOR_JOIN, this.#exportId) as Promise<void>;
  }

  toString(): string {
    return `ActorRef(${this.name})`;
  }

  /** Internal: checks `msg` can cross before the call takes a credit (packing itself happens at post). */
  checkSendable(msg: unknown): void {
    if (typeof msg !== 'object' && typeof msg !== 'function' && typeof msg !== 'symbol') return;
    try {
      encode(msg, () => ({}));
    } catch (error) {
      if (error instanceof Unsendable) throw unsendableError(msg, 'msg', this.#peer?.destination ?? 'a thread', error);
      throw error;
    }
  }

  /** Internal: a rendezvous send posted; it resolves when the actor takes it. */
  awaitTake(resolve: () => void): void {
    this.#untaken.push(resolve);
  }

  #canProceed(): boolean {
    return this.#credits > 0 && this.#blockedHead === this.#blocked.length;
  }

  /** Takes a credit and posts `call` now (or holds it until bound). */
  #spend(call: Call, reject: (error: unknown) => void): void {
    const peer = this.#peer;
    try {
      if (peer === undefined) {
        this.checkSendable((call as SendCall | AskCall<Reply>).msg);
        this.#credits--;
        this.#held.push(call);
        if (call instanceof SendCall) call.accepted();
        this.#updateBusy();
        return;
      }
      this.#credits--;
      call.post(peer, this.#exportId);
    } catch (error) {
      this.#credits++;
      reject(error);
    }
    this.#updateBusy();
  }

  #block(call: SendCall, signal: AbortSignal | undefined, timeout: number | undefined, clock: Clock): void {
    this.#blocked.push(call);
    this.#updateBusy();
    if (signal === undefined && (timeout === undefined || timeout === Infinity)) return;
    call.guard(signal, timeout, clock, () => this.#serveBlocked());
  }

  #serveBlocked(): void {
    while (this.#blockedHead < this.#blocked.length) {
      const call = this.#blocked[this.#blockedHead];
      if (call === undefined || call.withdrawn) {
        this.#blocked[this.#blockedHead++] = undefined;
        continue;
      }
      if (this.#credits === 0) break;
      this.#blocked[this.#blockedHead++] = undefined;
      this.#spend(call, (error) => call.fail(error));
    }
    if (this.#blockedHead === this.#blocked.length) {
      this.#blocked = [];
      this.#blockedHead = 0;
    }
  }

  #stoppedError(): ActorStoppedError {
    const error = this.#gone?.error;
    return error === undefined ? new ActorStoppedError(this.name) : new ActorStoppedError(this.name, { cause: error });
  }
}

/** A send: resolves once it holds a credit (or, for a rendezvous, once the actor took it). */
class SendCall implements Call {
  withdrawn = false;
  #release: (() => void) | undefined;

  constructor(
    readonly ref: RemoteActorRef<any, any>,
    readonly msg: unknown,
    readonly resolve: () => void,
    readonly reject: (error: unknown) => void,
    readonly rendezvous: boolean,
  ) {}

  post(peer: Peer, exportId: number): void {
    peer.post(ACTOR_SEND, exportId, peer.pack(this.msg, 'msg'));
    this.accepted();
  }

  /** The message is on its way (or held in order): the send completes, unless it must see the take. */
  accepted(): void {
    this.#release?.();
    if (this.rendezvous) this.ref.awaitTake(this.resolve);
    else this.resolve();
  }

  fail(error: unknown): void {
    this.#release?.();
    this.reject(error);
  }

  guard(signal: AbortSignal | undefined, timeout: number | undefined, clock: Clock, onWithdraw: () => void): void {
    let timer: Timer | undefined;
    const onAbort = () => {
      this.withdrawn = true;
      this.#release?.();
      this.reject(cancellationError(signal?.reason));
      onWithdraw();
    };
    if (timeout !== undefined && timeout !== Infinity) {
      timer = clock.setTimer(timeout, () => {
        this.withdrawn = true;
        this.#release?.();
        this.reject(new TimeoutError(`The send timed out after ${timeout} ms`));
        onWithdraw();
      });
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#release = () => {
      timer?.cancel();
      signal?.removeEventListener('abort', onAbort);
      this.#release = undefined;
    };
  }
}

/** An ask: its timeout runs from the call, through any wait for a credit, to the reply. */
class AskCall<Reply> implements Call {
  readonly promise: Promise<Reply>;
  #resolve!: (value: Reply) => void;
  #reject!: (error: unknown) => void;
  #done = false;
  #timer: Timer;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;
  #posted: { peer: Peer; reqId: number } | undefined;
  readonly #deadline: number;
  readonly #clock: Clock;

  constructor(
    readonly ref: RemoteActorRef<any, any>,
    readonly msg: unknown,
    timeout: number,
    clock: Clock,
    signal: AbortSignal | undefined,
  ) {
    this.promise = new Promise<Reply>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#clock = clock;
    this.#deadline = clock.now() + timeout;
    this.#timer = clock.setTimer(timeout, () => this.#giveUp(new TimeoutError(`The ask timed out after ${timeout} ms`)));
    if (signal !== undefined) {
      this.#signal = signal;
      this.#onAbort = () => this.#giveUp(cancellationError(signal.reason));
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  get withdrawn(): boolean {
    return this.#done;
  }

  post(peer: Peer, exportId: number): void {
    if (this.#done) return;
    const packed = peer.pack(this.msg, 'msg');
    // The other side times the ask too, a little later, so that it withdraws the message by itself
    // even if the cancel below is lost with a dying link; the caller's own timer decides first.
    const remaining = Math.max(0, this.#deadline - this.#clock.now());
    const { id, promise } = peer.call(ACTOR_ASK, [exportId, packed, remaining + 1_000]);
    this.#posted = { peer, reqId: id };
    this.ref.asking(1);
    promise.then(
      (value) => this.#settle(true, value as Reply),
      (error: unknown) => this.#settle(false, error),
    );
  }

  fail(error: unknown): void {
    this.#settle(false, error);
  }

  #giveUp(error: unknown): void {
    if (this.#done) return;
    const posted = this.#posted;
    if (posted !== undefined) {
      posted.peer.forget(posted.reqId);
      posted.peer.post(ACTOR_ASK_CANCEL, posted.reqId);
    }
    this.#settle(false, error);
  }

  #settle(ok: boolean, value: unknown): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#posted !== undefined) this.ref.asking(-1);
    this.#timer.cancel();
    if (this.#onAbort !== undefined) this.#signal?.removeEventListener('abort', this.#onAbort);
    if (ok) this.#resolve(value as Reply);
    else this.#reject(value);
  }
}

/**
 * The exporting side of a plain actor ref (an actor on this loop, or a proxy being forwarded):
 * each call is handed to the ref, and its credit goes back once the ref accepted it (a send) or
 * answered it (an ask).
 */
class RefExport implements ActorExportEntry {
  readonly #peer: Peer;
  readonly #ref: ActorRef<unknown, unknown>;
  readonly #id: number;
  readonly #asks = new Map<number, (error: unknown) => void>();

  constructor(peer: Peer, ref: ActorRef<unknown, unknown>, id: number) {
    this.#peer = peer;
    this.#ref = ref;
    this.#id = id;
  }

  send(msg: unknown): void {
    this.#ref.send(msg).then(
      () => this.#peer.post(ACTOR_CREDIT, this.#id, 1),
      (error: unknown) => {
        this.#peer.post(ACTOR_CREDIT, this.#id, 1);
        this.#peer.post(ACTOR_GONE, this.#id, this.#peer.error(error));
      },
    );
  }

  ask(reqId: number, msg: unknown, timeout: number): void {
    // A local actor takes the ask as a withdrawable envelope (no timer, no AbortController); a
    // forwarded proxy is asked normally, with the asker's remaining time.
    const relayed = relayAsk(this.#ref, msg);
    let withdraw: (error: unknown) => void;
    let answered: Promise<unknown>;
    if (relayed !== undefined) {
      withdraw = relayed.withdraw;
      answered = relayed.promise;
    } else {
      const controller = new AbortController();
      withdraw = (error) => controller.abort(error);
      answered = this.#ref.ask(msg, { timeout, signal: controller.signal });
    }
    this.#asks.set(reqId, withdraw);
    this.#peer.replyWith(reqId, answered);
    const done = () => {
      this.#asks.delete(reqId);
      askSettled(this.#peer, reqId);
      this.#peer.post(ACTOR_CREDIT, this.#id, 1);
    };
    answered.then(done, done);
  }

  cancel(reqId: number): void {
    this.#asks.get(reqId)?.(new CancelledError('The asker gave up'));
  }

  stop(reqId: number): void {
    this.#peer.replyWith(reqId, this.#ref.stop());
  }

  join(reqId: number): void {
    this.#peer.replyWith(reqId, this.#ref.join());
  }

  dispose(): void {
    for (const withdraw of this.#asks.values()) withdraw(new CancelledError('The asker is gone'));
    this.#asks.clear();
  }
}

registerCodec<ActorRef<unknown, unknown>>({
  name: 'actor',
  describe: (ref) => ({ name: ref.name, id: ref.id }),
  exporter: (peer, ref, id) => new RefExport(peer, ref, id),
  importer: (peer, exportId, description) => {
    const { name, id } = description as { name: string; id: number };
    const proxy = new RemoteActorRef(name, id);
    proxy.bind(peer, exportId);
    return proxy;
  },
});

/** Which ask an ACTOR_ASK_CANCEL withdraws: the request id is the exporting side's key, per peer. */
const askOwners = new WeakMap<Peer, Map<number, ActorExportEntry>>();

registerService((peer) => {
  const owners = new Map<number, ActorExportEntry>();
  askOwners.set(peer, owners);
  const entry = (id: number) => peer.exportEntry<ActorExportEntry>(id);
  peer.register(ACTOR_SEND, ARITY[ACTOR_SEND], (b, at) => entry(b[at + 1] as number)?.send(peer.unpack(b[at + 2])));
  peer.register(ACTOR_ASK, ARITY[ACTOR_ASK], (b, at) => {
    const reqId = b[at + 1] as number;
    const target = entry(b[at + 2] as number);
    if (target === undefined) {
      peer.reply(reqId, false, new ActorStoppedError('(released)'));
      return;
    }
    owners.set(reqId, target);
    target.ask(reqId, peer.unpack(b[at + 3]), b[at + 4] as number);
  });
  peer.register(ACTOR_ASK_CANCEL, ARITY[ACTOR_ASK_CANCEL], (b, at) => {
    const reqId = b[at + 1] as number;
    owners.get(reqId)?.cancel(reqId);
    owners.delete(reqId);
  });
  peer.register(ACTOR_STOP, ARITY[ACTOR_STOP], (b, at) => {
    const target = entry(b[at + 2] as number);
    if (target === undefined) peer.reply(b[at + 1] as number, true, undefined);
    else target.stop(b[at + 1] as number);
  });
  peer.register(ACTOR_JOIN, ARITY[ACTOR_JOIN], (b, at) => {
    const target = entry(b[at + 2] as number);
    if (target === undefined) peer.reply(b[at + 1] as number, true, undefined);
    else target.join(b[at + 1] as number);
  });
  peer.register(ACTOR_CREDIT, ARITY[ACTOR_CREDIT], (b, at) => peer.imported<CreditedRef>(b[at + 1] as number)?.credit(b[at + 2] as number));
  peer.register(ACTOR_GONE, ARITY[ACTOR_GONE], (b, at) => {
    const error = peer.revive(b[at + 2]);
    // The exporting side refused a send because its actor ended: end here with why it ended.
    peer.imported<CreditedRef>(b[at + 1] as number)?.refused(error instanceof ActorStoppedError ? error.cause : error);
  });
});

/** Internal: forgets the ask-cancel routing of `reqId` once its ask has settled (called by entries that track asks). */
export function askSettled(peer: Peer, reqId: number): void {
  askOwners.get(peer)?.delete(reqId);
}
