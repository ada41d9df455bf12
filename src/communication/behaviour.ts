// What an actor is made of: the behaviour object a factory returns, and the context it runs in.
import type { ActorRef } from './actor-ref.js';

/**
 * The context an actor's behaviour runs in. One per incarnation: a restart gets a new one.
 *
 * Do not `await ctx.self.stop()` or `ctx.self.ask()` inside `receive`: the actor handles one message at
 * a time, so it would wait on itself (`stop()` never resolves; the ask times out). `void ctx.self.stop()`
 * is fine: the actor ends once the mailbox has drained.
 *
 * @example
 * const fetcher = actor(() => ({
 *   async receive(url: string, ctx: ActorContext<string, number>) {
 *     const response = await fetch(url, { signal: ctx.signal }); // cancelled if the actor stops or restarts
 *     return response.status;
 *   },
 * }));
 */
export interface ActorContext<Msg, Reply> {
  /** The actor's own reference, to hand to others so they can reply or subscribe it. */
  readonly self: ActorRef<Msg, Reply>;
  /**
   * Aborted when this incarnation ends: after a graceful stop has drained the mailbox, at once when the
   * supervisor halts or restarts the actor (a message in progress then finishes under an aborted
   * signal). Pass it to work the behaviour starts so that work does not outlive it: an actor cannot be
   * preempted, so a `receive` that ignores it and never settles keeps `stop()` and `join()` waiting
   * (its ask still times out).
   */
  readonly signal: AbortSignal;
  readonly name: string;
}

/**
 * An actor's behaviour: its private state lives in this object, which the actor's factory creates
 * (again, on each supervised restart). `receive` handles one message at a time, in mailbox order; what
 * it returns (or resolves to) is the reply to an `ask`. A throw fails the actor.
 *
 * @example
 * type CounterMsg = { type: 'add'; by: number } | { type: 'get' };
 * class Counter implements Behaviour<CounterMsg, number> {
 *   #total = 0;
 *   receive(msg: CounterMsg): number {
 *     if (msg.type === 'add') this.#total += msg.by;
 *     return this.#total;
 *   }
 * }
 * const counter = actor(() => new Counter()); // ActorRef<CounterMsg, number>
 */
export interface Behaviour<Msg, Reply> {
  receive(msg: Msg, ctx: ActorContext<Msg, Reply>): Reply | PromiseLike<Reply>;
  /** Runs before the first message of each incarnation; a throw fails the actor like `receive` would. */
  started?(ctx: ActorContext<Msg, Reply>): void | PromiseLike<void>;
  /** Runs when the incarnation ends (stop, halt, or before a restart). On a stop, a throw fails `join()`. */
  stopped?(): void | PromiseLike<void>;
}
