// Bus across a link: a proxy whose subscriptions are real ones on the bus's own side, forwarded under credits, and whose publishes are requests.
import { cancellationError } from '../../core/errors.js';
import { timeoutSignal } from '../../core/timeout-signal.js';
import { checkWaitOptions, type WaitOptions } from '../../core/wait-guard.js';
import { BusClosedError, type Bus, type MessageFor, type TopicMap } from '../bus.js';
import { checkSubscribeOptions, DEFAULT_SUBSCRIPTION_BUFFER, type OverflowPolicy, type SubscribeOptions, type Subscription } from '../subscription.js';
import { patternTokens, topicTokens } from '../topic-pattern.js';
import { ARITY, BUS_CLOSE, BUS_CREDIT, BUS_DELIVER, BUS_END, BUS_PUBLISH, BUS_PUBLISH_CANCEL, BUS_SUBSCRIBE, BUS_UNSUBSCRIBE } from './kinds.js';
import { REMOTABLE } from './pack.js';
import { registerCodec, registerService, type ImportedProxy, type Peer } from './peer.js';
import { BusExport, type ExportedBus } from './remote-bus-export.js';
import { ForwardedSubscription, type ForwardedSubscriptionHooks } from './remote-bus-subscription.js';

/**
 * Most messages a subscription across a link holds forwarded and not yet taken (fewer when its
 * buffer is smaller): the credit window between the bus's side and the reader's. The bus's side
 * forwards a window's worth at once and then waits a round trip for credits, so the window must
 * cover what a reader takes in a round trip, or the link turns stop-and-wait; a round trip to a
 * busy worker is long (bench/bus-remote.bench.ts). Beyond the window, messages wait in the
 * subscription's buffer on the bus's side.
 */
export const SUBSCRIPTION_WINDOW = 256;

/**
 * A bus wherever it lives: the `Bus` itself on its own loop, or the proxy a task or actor on another
 * thread or process receives when it is handed one. Type parameters of task functions and actor
 * factories with it. `tryPublish()` and `subscriptionCount` are left out: only the bus's own side
 * can answer them without waiting.
 *
 * @example
 * export async function listen(bus: BusRef<{ 'orders.created': { id: number } }>): Promise<number> {
 *   const sub = bus.subscribe('orders.*');
 *   const order = await sub.receive({ timeout: 5_000 });
 *   return order.id;
 * }
 */
export type BusRef<Topics extends TopicMap = TopicMap> = Pick<Bus<Topics>, 'publish' | 'subscribe' | 'close' | 'closed'>;

/** Per peer, on the importing side: the subscriptions messages are forwarded to, by id. */
interface Imports {
  nextSub: number;
  readonly subs: Map<number, ForwardedSubscription<any>>;
}

const imports = new WeakMap<Peer, Imports>();

/**
 * The proxy of a bus that lives across a link (the host's bus seen from a worker, or a worker's seen
 * from the host). It has the `Bus` interface with the same rules, checked here, so a bad topic fails
 * before anything crosses:
 *
 * - `subscribe()` makes a real subscription on the bus's side with the same `buffer` and `overflow`,
 *   so they apply there: `'block'` makes publishers *on that side* wait for this reader, the drop
 *   policies drop there. Its messages are forwarded under a credit window (at most
 *   `min(buffer, SUBSCRIPTION_WINDOW)` forwarded and not yet taken), so this side never holds more
 *   than that, and a reader that stops holds publishers up exactly as a local one would, plus the
 *   window. The `Subscription` returned is the same class as a local one. Messages published after
 *   the subscription reaches the bus's side are delivered; anything this side sends later over the
 *   same link (a task's result, a publish) arrives after it.
 * - `publish()` is a request: it resolves when the bus's own `publish()` resolved, so a full
 *   `'block'` subscriber over there holds this publisher up. Aborting or timing out withdraws the
 *   message from the subscribers still blocking it (those that took it keep it, as on the loop).
 * - `close()` closes the bus itself; its subscriptions, here too, still yield what they hold, then end.
 * - `closed` is what this side knows: true after `close()` here, once the bus's side reported it
 *   closed (to a publish or a subscription), or once the link is lost.
 * - `tryPublish()` and `subscriptionCount` throw a TypeError saying why: both need an answer now, and
 *   only the bus's side has it.
 *
 * States: open → closed (closed here, or reported closed: publishes reject with `BusClosedError`,
 * new subscriptions are returned ended) | lost (the link died: waiting publishes reject with the
 * link's error, later ones with `BusClosedError` whose `cause` it is; subscriptions yield what they
 * hold, then end). The proxy stays alive while a subscription or a publish of it is live, so the
 * bus's side keeps serving them even if nothing else holds the proxy.
 *
 * @example
 * // tasks.ts, run on a thread or process with rt.run(url, 'audit', [bus], { on: 'thread' }):
 * export async function audit(bus: BusRef<{ 'orders.created': { id: number } }>): Promise<number[]> {
 *   const ids: number[] = [];
 *   for await (const order of bus.subscribe('orders.*', { buffer: 100, overflow: 'drop-oldest' })) {
 *     ids.push(order.id);
 *     if (ids.length === 10) break; // unsubscribes, here and on the host
 *   }
 *   await bus.publish('orders.created', { id: 0 }); // resolves once the host's bus took it
 *   return ids;
 * }
 */
export class RemoteBus<Topics extends TopicMap = TopicMap> implements BusRef<Topics>, ImportedProxy {
  readonly #peer: Peer;
  readonly #exportId: number;
  readonly #imports: Imports;
  // Held strongly: a live subscription keeps its proxy (and so the export on the other side) alive.
  readonly #subs = new Set<ForwardedSubscription<any>>();
  #closedSeen: boolean;
  #lost: { error: unknown } | undefined;
  readonly #hooks: ForwardedSubscriptionHooks = {
    credit: (sub, n) => this.#peer.post(BUS_CREDIT, this.#exportId, sub.subId, n),
    closed: (sub, byOwner) => {
      this.#subs.delete(sub);
      if (this.#imports.subs.delete(sub.subId) && !byOwner) this.#peer.post(BUS_UNSUBSCRIBE, this.#exportId, sub.subId);
    },
    busClosed: () => {
      this.#closedSeen = true;
    },
  };

  /** @internal Made by the bus codec when a bus arrives over `peer` as export `exportId`. */
  constructor(peer: Peer, exportId: number, closed: boolean) {
    this.#peer = peer;
    this.#exportId = exportId;
    this.#imports = importsOf(peer);
    this.#closedSeen = closed;
  }

  /** Passed on over another link, the proxy crosses again (and comes home as the bus itself). */
  get [REMOTABLE](): string {
    return 'bus';
  }

  get closed(): boolean {
    return this.#closedSeen || this.#lost !== undefined;
  }

  /** Throws a TypeError: the count lives on the bus's side and would be stale by the time it arrived. */
  get subscriptionCount(): never {
    throw new TypeError(`subscriptionCount is not available on a bus across a link: only the bus's own side can count its subscriptions, and a count sent from there would be stale on arrival`);
  }

  /** Throws a TypeError: whether every matching subscriber has room is known only on the bus's side. Use `publish()`. */
  tryPublish(_topic: string, _message: unknown): never {
    throw new TypeError(
      `tryPublish() is not available on a bus across a link: whether every matching subscriber has room is known only on the bus's own side, so no answer can be given without waiting; use publish(), with a signal or timeout to bound the wait`,
    );
  }

  publish<K extends keyof Topics & string>(topic: K, message: Topics[K], options?: WaitOptions): Promise<void> {
    let packed: unknown;
    try {
      if (options !== undefined) checkWaitOptions(options);
      topicTokens(topic);
      if (this.#lost !== undefined) throw this.#lostError();
      if (this.#closedSeen) throw new BusClosedError();
      if (options?.signal?.aborted) throw cancellationError(options.signal.reason);
      packed = this.#peer.pack(message, 'message');
    } catch (error) {
      return Promise.reject(error);
    }
    const { id, promise } = this.#peer.call(BUS_PUBLISH, [this.#exportId, topic, packed]);
    // The handlers reference the proxy: a publish in flight keeps it (and the export) alive.
    const settled = promise.then(
      () => undefined,
      (error: unknown) => {
        if (error instanceof Error && error.name === 'BusClosedError') this.#closedSeen = true;
        throw error;
      },
    );
    const guard = options === undefined ? undefined : timeoutSignal(options);
    const signal = guard?.signal;
    if (guard === undefined || signal === undefined) return settled;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        guard[Symbol.dispose]();
        this.#peer.forget(id);
        this.#peer.post(BUS_PUBLISH_CANCEL, this.#exportId, id);
        reject(cancellationError(signal.reason));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      settled.then(
        () => {
          signal.removeEventListener('abort', onAbort);
          guard[Symbol.dispose]();
          resolve();
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          guard[Symbol.dispose]();
          reject(error);
        },
      );
    });
  }

  subscribe<P extends string>(pattern: P, options?: SubscribeOptions): Subscription<MessageFor<Topics, P>> {
    const tokens = patternTokens(pattern);
    const checked = checkSubscribeOptions(options);
    const buffer = checked.buffer ?? DEFAULT_SUBSCRIPTION_BUFFER;
    const overflow: OverflowPolicy = checked.overflow ?? 'block';
    const window = Math.min(buffer, SUBSCRIPTION_WINDOW);
    const subId = this.#imports.nextSub++;
    const sub = new ForwardedSubscription<MessageFor<Topics, P>>(subId, pattern, tokens, checked, window, this.#hooks);
    if (this.closed || checked.signal?.aborted) {
      // As on a closed bus: returned already ended, and nothing crosses.
      sub.unsubscribe();
      return sub.facade;
    }
    this.#imports.subs.set(subId, sub);
    this.#subs.add(sub);
    this.#peer.post(BUS_SUBSCRIBE, this.#exportId, subId, pattern, buffer, overflow, window);
    return sub.facade;
  }

  close(): void {
    if (this.closed) return;
    this.#closedSeen = true;
    this.#peer.post(BUS_CLOSE, this.#exportId);
  }

  linkLost(error: unknown): void {
    if (this.#lost !== undefined) return;
    this.#lost = { error };
    for (const sub of [...this.#subs]) sub.linkLost();
  }

  toString(): string {
    return 'Bus(remote)';
  }

  #lostError(): BusClosedError {
    const error = new BusClosedError('The bus is out of reach: the link to its thread or process was lost');
    error.cause = this.#lost?.error;
    return error;
  }
}

function importsOf(peer: Peer): Imports {
  let state = imports.get(peer);
  if (state === undefined) {
    state = { nextSub: 1, subs: new Map() };
    imports.set(peer, state);
  }
  return state;
}

registerCodec<ExportedBus>({
  name: 'bus',
  describe: (bus) => ({ closed: bus.closed }),
  exporter: (peer, bus) => new BusExport(peer, bus),
  importer: (peer, exportId, description) => new RemoteBus(peer, exportId, (description as { closed?: unknown }).closed === true),
});

registerService((peer) => {
  const entry = (id: number) => peer.exportEntry<BusExport>(id);
  // Owning side: what importers ask of the bus.
  peer.register(BUS_PUBLISH, ARITY[BUS_PUBLISH], (b, at) => {
    const reqId = b[at + 1] as number;
    // Unpacked even if the export is gone, so refs inside are counted as received (and released).
    const message = peer.unpack(b[at + 4]);
    const target = entry(b[at + 2] as number);
    if (target === undefined) peer.reply(reqId, false, new BusClosedError('The bus is no longer exported to this side'));
    else target.publish(reqId, b[at + 3] as string, message);
  });
  peer.register(BUS_PUBLISH_CANCEL, ARITY[BUS_PUBLISH_CANCEL], (b, at) => entry(b[at + 1] as number)?.cancel(b[at + 2] as number));
  peer.register(BUS_SUBSCRIBE, ARITY[BUS_SUBSCRIBE], (b, at) => {
    const subId = b[at + 2] as number;
    const target = entry(b[at + 1] as number);
    if (target === undefined) peer.post(BUS_END, subId, 0, true);
    else target.subscribe(subId, b[at + 3] as string, b[at + 4] as number, b[at + 5] as OverflowPolicy, b[at + 6] as number);
  });
  peer.register(BUS_UNSUBSCRIBE, ARITY[BUS_UNSUBSCRIBE], (b, at) => entry(b[at + 1] as number)?.unsubscribe(b[at + 2] as number));
  peer.register(BUS_CREDIT, ARITY[BUS_CREDIT], (b, at) => entry(b[at + 1] as number)?.credit(b[at + 2] as number, b[at + 3] as number));
  peer.register(BUS_CLOSE, ARITY[BUS_CLOSE], (b, at) => entry(b[at + 1] as number)?.close());
  // Importing side: what the bus's side forwards to subscriptions.
  const subs = importsOf(peer).subs;
  peer.register(BUS_DELIVER, ARITY[BUS_DELIVER], (b, at) => {
    const message = peer.unpack(b[at + 3]);
    subs.get(b[at + 1] as number)?.deliver(b[at + 2] as number, message);
  });
  peer.register(BUS_END, ARITY[BUS_END], (b, at) => subs.get(b[at + 1] as number)?.ownerEnded(b[at + 2] as number, b[at + 3] as boolean));
});
