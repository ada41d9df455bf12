// The owning side of a bus sent over a link: serves the importer's publishes and forwards its subscriptions under credits.
import type { WaitOptions } from '../../core/wait-guard.js';
import type { OverflowPolicy, SubscribeOptions, Subscription } from '../subscription.js';
import { BUS_DELIVER, BUS_END } from './kinds.js';
import type { ExportEntry, Peer } from './peer.js';

/** What the export needs of the bus it serves: a `Bus`, or a `RemoteBus` being passed on to a further link. */
export interface ExportedBus {
  readonly closed: boolean;
  publish(topic: string, message: unknown, options?: WaitOptions): Promise<void>;
  subscribe(pattern: string, options?: SubscribeOptions): Subscription<unknown>;
  close(): void;
}

/**
 * One importer's use of a bus: its publishes (each cancellable while it waits for room) and its
 * subscriptions, each a real subscription on this bus (so its buffer bound and overflow policy
 * apply here) drained by a `Forwarder`. Disposed when the importer released its proxy or the link
 * died: every subscription is then unsubscribed (the bus's count goes down, publishers it blocked
 * go on) and every waiting publish is withdrawn.
 */
export class BusExport implements ExportEntry {
  readonly #peer: Peer;
  readonly #bus: ExportedBus;
  readonly #forwarders = new Map<number, Forwarder>();
  readonly #publishes = new Map<number, AbortController>();

  constructor(peer: Peer, bus: ExportedBus) {
    this.#peer = peer;
    this.#bus = bus;
  }

  publish(reqId: number, topic: string, message: unknown): void {
    const controller = new AbortController();
    this.#publishes.set(reqId, controller);
    const done = this.#bus.publish(topic, message, { signal: controller.signal });
    this.#peer.replyWith(reqId, done);
    const forget = () => this.#publishes.delete(reqId);
    done.then(forget, forget);
  }

  /** The publisher gave up: the bus withdraws the message from the subscribers still blocking it. */
  cancel(reqId: number): void {
    this.#publishes.get(reqId)?.abort();
  }

  subscribe(subId: number, pattern: string, buffer: number, overflow: OverflowPolicy, window: number): void {
    let sub: Subscription<unknown>;
    try {
      sub = this.#bus.subscribe(pattern, { buffer, overflow });
    } catch (error) {
      // The importer validated the same rules; only a peer that skipped them gets here.
      this.#peer.post(BUS_END, subId, 0, false);
      process.emitWarning(`Braid refused a subscription from ${this.#peer.destination}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const forwarder = new Forwarder(this.#peer, subId, sub, window, this.#bus, () => this.#forwarders.delete(subId));
    this.#forwarders.set(subId, forwarder);
    forwarder.pump();
  }

  credit(subId: number, n: number): void {
    this.#forwarders.get(subId)?.credit(n);
  }

  unsubscribe(subId: number): void {
    const forwarder = this.#forwarders.get(subId);
    this.#forwarders.delete(subId);
    forwarder?.stop();
  }

  close(): void {
    this.#bus.close();
  }

  dispose(): void {
    const forwarders = [...this.#forwarders.values()];
    this.#forwarders.clear();
    for (const forwarder of forwarders) forwarder.stop();
    const publishes = [...this.#publishes.values()];
    this.#publishes.clear();
    for (const controller of publishes) controller.abort();
  }
}

/**
 * Drains one subscription on this side into the link, one message per credit. It takes a message
 * only when it holds a credit for it, so everything it has not forwarded stays in the subscription's
 * buffer, where the overflow policy decides: `'block'` holds publishers up, the drop policies drop.
 *
 * States: waiting for a message (one pending `next()`) | waiting for credit | ended (the
 * subscription ended because the bus closed and it drained: the importer is told) | stopped (the
 * importer unsubscribed or is gone: nothing more is posted).
 */
class Forwarder {
  readonly #peer: Peer;
  readonly #subId: number;
  readonly #sub: Subscription<unknown>;
  readonly #iterator: AsyncIterator<unknown, undefined>;
  readonly #bus: ExportedBus;
  readonly #onEnd: () => void;
  #credits: number;
  #waiting = false;
  #done = false;
  /** Messages that could not be packed for the link (a function inside): skipped, and reported as dropped. */
  #unsendable = 0;
  readonly #onNext = (result: IteratorResult<unknown, undefined>) => {
    this.#waiting = false;
    if (this.#done) return;
    if (result.done === true) {
      this.#end();
      return;
    }
    this.#forward(result.value);
    this.pump();
  };

  constructor(peer: Peer, subId: number, sub: Subscription<unknown>, window: number, bus: ExportedBus, onEnd: () => void) {
    this.#peer = peer;
    this.#subId = subId;
    this.#sub = sub;
    this.#iterator = sub[Symbol.asyncIterator]();
    this.#bus = bus;
    this.#onEnd = onEnd;
    this.#credits = window;
  }

  credit(n: number): void {
    this.#credits += n;
    this.pump();
  }

  /** Forwards what is buffered while credit lasts, then waits for the next message if credit is left. */
  pump(): void {
    while (!this.#waiting && !this.#done && this.#credits > 0) {
      const result = this.#sub.tryReceive();
      if (result.state === 'ok') {
        this.#forward(result.value);
        continue;
      }
      if (result.state === 'closed') {
        this.#end();
        return;
      }
      this.#waiting = true;
      void this.#iterator.next().then(this.#onNext);
    }
  }

  stop(): void {
    if (this.#done) return;
    this.#done = true;
    this.#sub.unsubscribe();
  }

  #forward(value: unknown): void {
    let packed: unknown;
    try {
      packed = this.#peer.pack(value, 'message');
    } catch (error) {
      this.#unsendable++;
      process.emitWarning(`Braid could not forward a message on ${this.#sub.pattern} to ${this.#peer.destination}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.#credits--;
    this.#peer.post(BUS_DELIVER, this.#subId, this.#sub.dropped + this.#unsendable, packed);
  }

  #end(): void {
    this.#done = true;
    this.#onEnd();
    this.#peer.post(BUS_END, this.#subId, this.#sub.dropped + this.#unsendable, this.#bus.closed);
  }
}
