// The importing side of a subscription to a bus across a link: a subscription engine fed by the owning side, returning a credit per message its reader takes.
import type { WaitOptions } from '../../core/wait-guard.js';
import { SubscriptionEngine, type SubscribeOptions } from '../subscription.js';

/** What a forwarded subscription tells the proxy that made it. */
export interface ForwardedSubscriptionHooks {
  /** The reader took `n` more forwarded messages: the owning side may forward `n` more. */
  credit(sub: ForwardedSubscription<any>, n: number): void;
  /** The subscription has ended; `byOwner` when the owning side (or the link) ended it, so there is nobody to tell. */
  closed(sub: ForwardedSubscription<any>, byOwner: boolean): void;
  /** The owning side reported its bus closed. */
  busClosed(): void;
}

/**
 * A subscription whose messages are forwarded from a real subscription on the bus's own side. It is
 * a `SubscriptionEngine` like any other, so its `facade` is the very `Subscription` class a local
 * subscriber gets: async iteration (leaving the loop unsubscribes), `receive()` with signal and
 * timeout, `tryReceive()`, `unsubscribe()`, unsubscribing when `options.signal` aborts.
 *
 * Its own buffer holds only what was forwarded and not yet taken: the owning side forwards only
 * while it has credit, starting with `window`, and a credit comes back when the reader takes a
 * message. Since `window` never exceeds the buffer bound, this side's overflow policy never
 * applies; the owning side's does (its `buffer` and `overflow` are the ones reported here).
 * `dropped` is the owning side's count as of the last message or end that arrived.
 *
 * States: live (messages arrive, credits go back) → unsubscribed here (the owning side is told; its
 * subscription ends, releasing the publishers it blocked) | ended by the owning side or the link
 * (no more messages or credits; what is buffered is still yielded, then the end, as after
 * `Bus.close()`).
 *
 * Invariant: taken + buffered = delivered, and credits returned = taken, so the owning side's
 * credits plus what this side holds or is still to receive is always `window`.
 */
export class ForwardedSubscription<T> extends SubscriptionEngine<T> {
  readonly subId: number;
  readonly window: number;
  readonly #hooks: ForwardedSubscriptionHooks;
  #delivered = 0;
  #credited = 0;
  #ownerEnded = false;
  #creditQueued = false;
  readonly #flushCredit = () => {
    this.#creditQueued = false;
    const n = this.#owed();
    if (n <= 0) return;
    this.#credited += n;
    this.#hooks.credit(this, n);
  };

  constructor(subId: number, pattern: string, tokens: readonly string[], options: SubscribeOptions, window: number, hooks: ForwardedSubscriptionHooks) {
    // The engine calls its close hook with itself; `this` does not exist yet while super() runs.
    super(pattern, tokens, options, (engine) => (engine as ForwardedSubscription<T>).#onClosed());
    this.subId = subId;
    this.window = window;
    this.#hooks = hooks;
  }

  /** A message forwarded by the owning side, with its dropped count so far. */
  deliver(dropped: number, value: T): void {
    this.dropped = dropped;
    this.#delivered++;
    // Never refused: at most `window` ≤ capacity messages are ever here, so the buffer has room.
    this.offer(value);
    this.#taken();
  }

  /** The owning side's subscription ended (its bus closed and it drained): yield what is here, then end. */
  ownerEnded(dropped: number, busClosed: boolean): void {
    this.dropped = dropped;
    if (busClosed) this.#hooks.busClosed();
    this.#endByOwner();
  }

  /** The link is gone: no more messages can come; yield what is here, then end. */
  linkLost(): void {
    this.#endByOwner();
  }

  override receive(options: WaitOptions | undefined): Promise<T> {
    const result = super.receive(options);
    this.#taken();
    return result;
  }

  override next(): Promise<IteratorResult<T, undefined>> {
    const result = super.next();
    this.#taken();
    return result;
  }

  override tryReceive(): { state: 'ok'; value: T } | { state: 'empty' } | { state: 'closed' } {
    const result = super.tryReceive();
    if (result.state === 'ok') this.#taken();
    return result;
  }

  #endByOwner(): void {
    this.#ownerEnded = true;
    this.end();
  }

  /** Credits owed: messages taken (delivered and no longer buffered) that were not yet returned. */
  #owed(): number {
    if (this.#ownerEnded || this.closed) return 0;
    return this.#delivered - this.length - this.#credited;
  }

  // Takes in one synchronous run (a drain loop) coalesce into one credit message.
  #taken(): void {
    if (this.#creditQueued || this.#owed() <= 0) return;
    this.#creditQueued = true;
    queueMicrotask(this.#flushCredit);
  }

  #onClosed(): void {
    this.#hooks.closed(this, this.#ownerEnded);
  }
}
