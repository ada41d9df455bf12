// The handle callers hold to talk to an actor, wherever it runs, and the error a stopped actor answers with.
import type { WaitOptions } from '../core/wait-guard.js';

/** Mailbox bound when `actor()` is given none: `send()` waits once this many messages are queued. */
export const DEFAULT_MAILBOX = 1024;

/** Milliseconds an `ask()` waits for its reply when given no `timeout`: no ask waits forever. */
export const DEFAULT_ASK_TIMEOUT = 5000;

/** Options of `ActorRef.ask()`. */
export interface AskOptions extends WaitOptions {
  /** Milliseconds from the call until the ask rejects with `TimeoutError`; default 5000. `Infinity` is refused. */
  timeout?: number | undefined;
}

/**
 * A handle on an actor: the only way to reach its state. The same interface is meant to front an
 * actor on the event loop, on a worker thread or in a child process, so callers cannot tell which.
 *
 * @example
 * const counter: ActorRef<'inc' | 'get', number> = actor(() => ({
 *   n: 0,
 *   receive(msg: 'inc' | 'get') {
 *     return msg === 'inc' ? ++this.n : this.n;
 *   },
 * }));
 * await counter.send('inc');
 * await counter.ask('get'); // 1
 * await counter.stop();
 */
export interface ActorRef<Msg, Reply> {
  /** The name given to `actor()`, or a generated `actor-<n>`. */
  readonly name: string;
  /** Unique among the actors of this process. */
  readonly id: number;
  /**
   * Queues `msg` without waiting for it to be handled. Waits while the mailbox is full (backpressure);
   * rejects with `ActorStoppedError` if the actor has stopped or stops first.
   */
  send(msg: Msg, options?: WaitOptions): Promise<void>;
  /**
   * Queues `msg` and resolves with what the actor's `receive` returned for it; rejects with the error
   * `receive` threw, with `TimeoutError` after `timeout` ms (default 5000), `CancelledError` on abort,
   * or `ActorStoppedError` if the actor ends before handling it.
   */
  ask(msg: Msg, options?: AskOptions): Promise<Reply>;
  /** Lets the mailbox drain, then ends the actor; resolves when it has ended (however it ended). */
  stop(): Promise<void>;
  /** Resolves when the actor has ended after `stop()`; rejects with the error that ended it otherwise. */
  join(): Promise<void>;
}

/**
 * The actor has stopped (or stopped before it handled this message). `cause` is the error that
 * ended it, if it failed.
 *
 * @example
 * await ref.stop();
 * await ref.send('hi').catch((error) => error instanceof ActorStoppedError); // true
 */
export class ActorStoppedError extends Error {
  override name = 'ActorStoppedError';
  /** The actor's name. */
  readonly actor: string;

  constructor(actor: string, options?: ErrorOptions) {
    super(`Actor ${actor} has stopped`, options);
    this.actor = actor;
  }
}
