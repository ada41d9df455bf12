// In-process publish/subscribe: NATS-style topics and wildcards, broadcast to bounded per-subscriber buffers.
import { cancellationError } from '../core/errors.js';
import { timeoutSignal } from '../core/timeout-signal.js';
import { patternTokens, topicTokens } from './topic-pattern.js';
import { TopicTrie } from './topic-trie.js';
import { checkSubscribeOptions, SubscriptionEngine, type PendingPublish, type SubscribeOptions, type Subscription } from './subscription.js';
import { checkWaitOptions, type WaitOptions } from '../core/wait-guard.js';
import { REMOTABLE } from './remote/pack.js';

/** Topic name → message type, for a typed bus. `Record<string, T>` types every topic alike. */
export type TopicMap = Record<string, unknown>;

/** Whether subscription pattern `P` matches topic `T`, computed on the types (NATS rules). */
export type TopicMatches<P extends string, T extends string> = P extends '>'
  ? true
  : P extends `${infer PHead}.${infer PRest}`
    ? T extends `${infer THead}.${infer TRest}`
      ? PHead extends '*' | THead
        ? TopicMatches<PRest, TRest>
        : false
      : false
    : P extends '*'
      ? T extends `${string}.${string}`
        ? false
        : true
      : T extends P
        ? true
        : false;

/**
 * The message type a subscription to `P` receives on a bus typed by `Topics`: the union over matching topics.
 *
 * @example
 * type T = MessageFor<{ 'a.x': number; 'a.y': string; 'b.x': boolean }, 'a.*'>; // number | string
 */
export type MessageFor<Topics extends TopicMap, P extends string> = string extends keyof Topics
  ? Topics[string]
  : { [K in keyof Topics & string]: TopicMatches<P, K> extends true ? Topics[K] : never }[keyof Topics & string];

/**
 * `publish()` rejects with this, and `tryPublish()` reports `'closed'`, after `Bus.close()`.
 *
 * @example
 * bus.close();
 * await bus.publish('a', 1).catch((error) => error instanceof BusClosedError); // true
 */
export class BusClosedError extends Error {
  override name = 'BusClosedError';
  constructor(message = 'The bus is closed') {
    super(message);
  }
}

const RESOLVED = Promise.resolve();

/**
 * A publish/subscribe bus. Every subscriber whose pattern matches a topic receives every message
 * published to it, in publish order, through its own bounded buffer (default 1024 messages) with a
 * named overflow policy, so one slow reader never grows memory without bound.
 *
 * Topics are dot-separated tokens (`orders.eu.created`); patterns may use `*` for exactly one token
 * and a final `>` for one or more trailing tokens. These are NATS's subject rules exactly (empty
 * tokens, whitespace and wildcards in a published topic are rejected) so a bus can be carried over
 * NATS unchanged. Matching uses a token trie with a per-topic cache: publish cost grows with the
 * number of matching subscribers, not with the number of subscriptions.
 *
 * Type the bus with a topic map to type messages: `subscribe('orders.*')` then receives the union
 * of the message types of the topics the pattern matches.
 *
 * @example
 * type Order = { id: number };
 * const bus = new Bus<{ 'orders.created': Order; 'orders.shipped': Order }>();
 * const all = bus.subscribe('orders.>');                      // Subscription<Order>
 * const slow = bus.subscribe('orders.created', { buffer: 10, overflow: 'drop-oldest' });
 * await bus.publish('orders.created', { id: 1 });             // in both buffers now
 * const order = await all.receive();                           // { id: 1 }
 * slow.unsubscribe();
 * bus.close();                                                 // `all` ends once drained
 */
export class Bus<Topics extends TopicMap = TopicMap> {
  #trie = new TopicTrie<SubscriptionEngine<any>>();
  // The same engines as the trie holds, for close(); the trie alone cannot enumerate cheaply.
  #engines = new Set<SubscriptionEngine<any>>();
  #closed = false;
  #release = (engine: SubscriptionEngine<any>) => {
    if (this.#engines.delete(engine)) this.#trie.remove(engine.tokens, engine);
  };

  /** Sent to another thread or process, the bus arrives as a proxy of this one (its subscriptions and publishes are served here). */
  get [REMOTABLE](): string {
    return 'bus';
  }

  /** Number of live subscriptions (ended ones are removed). */
  get subscriptionCount(): number {
    return this.#engines.size;
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Puts `message` into the buffer of every subscriber whose pattern matches `topic`. Settles at once
   * unless a `'block'` subscriber is full: then it resolves when every such subscriber has taken the
   * message into its buffer or unsubscribed. If the wait is aborted or times out, the message is
   * withdrawn from the subscribers still blocked (those that already buffered it keep it) and the
   * promise rejects with `CancelledError`/`TimeoutError`. With no matching subscriber it is a no-op.
   */
  publish<K extends keyof Topics & string>(topic: K, message: Topics[K], options?: WaitOptions): Promise<void> {
    let matched: readonly SubscriptionEngine<Topics[K]>[];
    try {
      if (options !== undefined) checkWaitOptions(options);
      matched = this.#match(topic);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#closed) return Promise.reject(new BusClosedError());
    let blocked: SubscriptionEngine<Topics[K]>[] | undefined;
    for (const engine of matched) if (!engine.offer(message)) (blocked ??= []).push(engine);
    return blocked ? this.#wait(blocked, message, options) : RESOLVED;
  }

  /**
   * Publishes without waiting, all or nothing: `'full'` (and no subscriber gets the message) if any
   * matching `'block'` subscriber is full; `'closed'` after `close()`. Throws TypeError/RangeError for
   * an invalid topic.
   */
  tryPublish<K extends keyof Topics & string>(topic: K, message: Topics[K]): { state: 'ok' } | { state: 'full' } | { state: 'closed' } {
    const matched = this.#match(topic);
    if (this.#closed) return { state: 'closed' };
    for (const engine of matched) if (!engine.canAccept()) return { state: 'full' };
    for (const engine of matched) engine.offer(message);
    return { state: 'ok' };
  }

  /**
   * Subscribes to topics matching `pattern`. Options: `buffer` (default 1024, or `Infinity`),
   * `overflow` (`'block'` by default, `'drop-oldest'`, `'drop-newest'`), `signal` (unsubscribes on abort).
   * On a closed bus the subscription is returned already ended.
   */
  subscribe<P extends string>(pattern: P, options?: SubscribeOptions): Subscription<MessageFor<Topics, P>> {
    const tokens = patternTokens(pattern);
    const checked = checkSubscribeOptions(options);
    const engine = new SubscriptionEngine<MessageFor<Topics, P>>(pattern, tokens, checked, this.#release);
    if (this.#closed || checked.signal?.aborted) {
      engine.unsubscribe();
      return engine.facade;
    }
    this.#engines.add(engine);
    this.#trie.add(tokens, engine);
    return engine.facade;
  }

  /**
   * Stops the bus: further publishes reject with `BusClosedError`; each subscription still yields
   * what it has buffered (including messages of publishers blocked on it), then ends. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // end() may finish an engine at once, which removes it from #engines: iterate a copy.
    for (const engine of [...this.#engines]) engine.end();
  }

  #match(topic: string): readonly SubscriptionEngine<any>[] {
    return this.#trie.cached(topic) ?? this.#trie.match(topic, topicTokens(topic));
  }

  #wait<T>(blocked: SubscriptionEngine<T>[], message: T, options: WaitOptions | undefined): Promise<void> {
    const guard = timeoutSignal(options);
    const signal = guard.signal;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        for (const engine of blocked) engine.withdraw(pending);
        guard[Symbol.dispose]();
        reject(cancellationError(signal?.reason));
      };
      const pending: PendingPublish = {
        outstanding: blocked.length,
        done: () => {
          signal?.removeEventListener('abort', onAbort);
          guard[Symbol.dispose]();
          resolve();
        },
      };
      for (const engine of blocked) engine.wait(message, pending);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
