// The in-loop actor: a loop over a Channel mailbox running one behaviour's receive at a time, restarted under supervision.
import type { Clock } from '../core/clock.js';
import { cancellationError, CancelledError } from '../core/errors.js';
import { ActorStoppedError, type ActorRef, type AskOptions } from './actor-ref.js';
import { Ask } from './ask.js';
import type { ActorContext, Behaviour } from './behaviour.js';
import { Channel } from './channel.js';
import { ChannelClosedError } from './channel-closed-error.js';
import type { SupervisedChild, SupervisorLink } from './supervisor.js';
import type { WaitOptions } from '../core/wait-guard.js';

/** Checked settings the facade hands the engine. */
export interface ActorSettings {
  readonly name: string;
  readonly id: number;
  readonly mailbox: number;
  readonly askTimeout: number;
  readonly clock: Clock;
  readonly supervisor: SupervisorLink | undefined;
  /** Called each time the loop takes an item from the mailbox (a host returns a credit with it). */
  readonly onTake?: (() => void) | undefined;
  /** What `ctx.self` is, when not the engine's own ref: a host's stable facade for an actor it runs on the loop. */
  readonly self?: ActorRef<any, any> | undefined;
}

const RESOLVED = Promise.resolve();

/** Posted into an idle actor's (necessarily empty) mailbox to make its loop re-check its flags. */
const WAKE: unique symbol = Symbol('wake');

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * The engine behind an in-loop `ActorRef`. One async loop takes mailbox items in order and runs the
 * current behaviour's `receive` on each, awaiting it only when it returns a promise, so messages
 * never overlap. A send travels as the bare message; an ask as an `Ask` envelope carrying its reply.
 *
 * States: `running` → (`stop()`: mailbox closed) → `stopping` → (drained) → `ended`;
 * `running`/`stopping` → (failure without supervisor, or `halt()`) → `ended` without draining, queued
 * asks rejected with `ActorStoppedError`. `restart()` (from the supervisor) swaps the behaviour after
 * the message in progress and keeps the mailbox. Invariant: `receive` is never called while a restart
 * is pending or after a halt, and never on a behaviour whose factory threw.
 */
export class ActorEngine<Msg, Reply> implements SupervisedChild {
  readonly name: string;
  readonly id: number;
  readonly #ref: ActorRef<Msg, Reply>;
  readonly #factory: () => Behaviour<Msg, Reply>;
  readonly #mailbox: Channel<Msg | Ask<Msg, Reply> | typeof WAKE>;
  readonly #askTimeout: number;
  readonly #clock: Clock;
  readonly #supervisor: SupervisorLink | undefined;
  readonly #onTake: (() => void) | undefined;
  // Set while a supervisor across a link decides about a failure; restart() or halt() resolves it.
  #decision: { wait: Promise<void>; done: () => void } | undefined;
  #state: 'running' | 'stopping' | 'ended' = 'running';
  #behaviour: Behaviour<Msg, Reply> | undefined;
  // True once the current behaviour's started() succeeded: only then does stopped() run.
  #live = false;
  #incarnation = new AbortController();
  #ctx: ActorContext<Msg, Reply>;
  #restartRequested = false;
  // Why the actor ends early (its own failure unsupervised, or its supervisor's halt).
  #halt: { error: unknown } | undefined;
  // True while the loop waits on an empty mailbox: a restart then posts WAKE so the loop notices at once.
  // (A sentinel, not an AbortSignal: creating an AbortController per idle wait cost more than the message.)
  #idle = false;
  #ended: Promise<void>;
  #settle!: (halt: { error: unknown } | undefined) => void;

  constructor(factory: () => Behaviour<Msg, Reply>, settings: ActorSettings, ref: ActorRef<Msg, Reply>) {
    this.name = settings.name;
    this.id = settings.id;
    this.#ref = settings.self ?? ref;
    this.#factory = factory;
    this.#mailbox = new Channel(settings.mailbox);
    this.#askTimeout = settings.askTimeout;
    this.#clock = settings.clock;
    this.#supervisor = settings.supervisor;
    this.#onTake = settings.onTake;
    // The first factory call is synchronous so that a throwing factory fails actor() itself.
    this.#behaviour = factory();
    this.#ctx = this.#newContext();
    this.#ended = new Promise<void>((resolve, reject) => {
      this.#settle = (halt) => (halt ? reject(halt.error) : resolve());
    });
    // join() hands this out; an actor nobody joins must not raise an unhandled rejection.
    this.#ended.catch(() => {});
    this.#supervisor?.adopt(this);
    void this.#run();
  }

  send(msg: Msg, options: WaitOptions | undefined): Promise<void> {
    if (this.#state !== 'running') return Promise.reject(this.#stoppedError());
    if (options?.signal?.aborted) return Promise.reject(cancellationError(options.signal.reason));
    const r = this.#mailbox.trySend(msg);
    if (r.state === 'ok') return RESOLVED;
    if (r.state === 'closed') return Promise.reject(this.#stoppedError());
    return this.#mailbox.send(msg, options).catch((error: unknown) => {
      throw error instanceof ChannelClosedError ? this.#stoppedError() : error;
    });
  }

  ask(msg: Msg, options: AskOptions | undefined): Promise<Reply> {
    return this.envelope(msg, options?.timeout ?? this.#askTimeout, options?.clock ?? this.#clock, options?.signal).promise;
  }

  /**
   * Queues an ask and returns its envelope, which the caller may `fail()` to withdraw it (a host
   * relaying an ask from another thread, without an AbortController per ask). `timeout` may be Infinity.
   */
  envelope(msg: Msg, timeout: number, clock: Clock, signal: AbortSignal | undefined): Ask<Msg, Reply> {
    const ask = new Ask<Msg, Reply>(msg, timeout, clock, signal);
    if (this.#state !== 'running') {
      ask.fail(this.#stoppedError());
      return ask;
    }
    if (ask.done) return ask; // its signal was already aborted
    const r = this.#mailbox.trySend(ask);
    if (r.state === 'closed') ask.fail(this.#stoppedError());
    else if (r.state === 'full') {
      // The ask's own timeout and signal bound the wait for room: settling it withdraws the send.
      this.#mailbox.send(ask, { signal: ask.withdrawSignal() }).catch((error: unknown) => {
        if (error instanceof ChannelClosedError) ask.fail(this.#stoppedError());
      });
    }
    return ask;
  }

  stop(): Promise<void> {
    if (this.#state === 'running') {
      this.#state = 'stopping';
      // A closed channel still yields what it buffered: the loop drains it, then sees 'closed'.
      this.#mailbox.close();
    }
    return this.settled();
  }

  join(): Promise<void> {
    return this.#ended;
  }

  settled(): Promise<void> {
    return this.#ended.then(
      () => {},
      () => {},
    );
  }

  restart(): void {
    if (this.#state === 'ended' || this.#halt || this.#restartRequested) return;
    this.#restartRequested = true;
    this.#decided();
    this.#incarnation.abort(new CancelledError(`Actor ${this.name} is restarting`));
    if (this.#idle) this.#mailbox.trySend(WAKE);
  }

  halt(error: Error): void {
    if (this.#state === 'ended' || this.#halt) return;
    this.#halt = { error };
    this.#state = 'stopping';
    this.#mailbox.close();
    this.#decided();
    // An idle loop's wait rejects with ChannelClosedError now that the mailbox is closed and empty.
    this.#incarnation.abort(new CancelledError(`Actor ${this.name} was stopped by its supervisor`, { cause: error }));
  }

  async #run(): Promise<void> {
    try {
      await this.#start();
      for (;;) {
        if (this.#decision) await this.#decision.wait;
        if (this.#halt) break;
        if (this.#restartRequested) {
          await this.#restart();
          continue;
        }
        let item: Msg | Ask<Msg, Reply> | typeof WAKE;
        const r = this.#mailbox.tryReceive();
        if (r.state === 'ok') item = r.value;
        else if (r.state === 'closed') break;
        else {
          this.#idle = true;
          try {
            item = await this.#mailbox.receive();
          } catch (error) {
            if (error instanceof ChannelClosedError) break;
            throw error;
          } finally {
            this.#idle = false;
          }
        }
        if (item === WAKE) continue; // a restart was requested while idle: re-check the flags
        this.#onTake?.();
        const pending = this.#handle(item);
        if (pending) await pending;
      }
    } catch (error) {
      // Only a bug in this engine lands here; end the actor with it rather than leave it hanging.
      this.#halt ??= { error };
    }
    await this.#end();
  }

  /** Runs `receive` for one item; returns a promise only when `receive` did. */
  #handle(item: Msg | Ask<Msg, Reply>): Promise<void> | undefined {
    let ask: Ask<Msg, Reply> | undefined;
    let msg: Msg;
    if (item instanceof Ask) {
      if (!item.begin()) return undefined; // timed out or aborted while queued: withdrawn
      ask = item as Ask<Msg, Reply>;
      msg = ask.msg;
    } else {
      msg = item;
    }
    let result: Reply | PromiseLike<Reply>;
    try {
      result = this.#behaviour!.receive(msg, this.#ctx);
    } catch (error) {
      ask?.fail(error);
      this.#failed(error);
      return undefined;
    }
    if (!isThenable(result)) {
      ask?.succeed(result);
      return undefined;
    }
    return Promise.resolve(result).then(
      (value) => ask?.succeed(value),
      (error: unknown) => {
        ask?.fail(error);
        this.#failed(error);
      },
    );
  }

  #failed(error: unknown): void {
    if (this.#restartRequested || this.#halt) return; // already being replaced or ended
    if (this.#supervisor) this.#supervisor.failed(this, error);
    if (!this.#restartRequested && !this.#halt && this.#supervisor?.decidesLater === true) {
      // Handle nothing until the supervisor across the link answers with restart() or halt().
      let done!: () => void;
      const wait = new Promise<void>((resolve) => (done = resolve));
      this.#decision = { wait, done };
      return;
    }
    // No supervisor, or one that declined (it is ending): the failure ends the actor.
    if (!this.#restartRequested && !this.#halt) {
      this.#halt = { error };
      this.#state = 'stopping';
      this.#mailbox.close();
    }
  }

  async #start(): Promise<void> {
    this.#live = false;
    try {
      const r = this.#behaviour!.started?.(this.#ctx);
      if (isThenable(r)) await r;
      this.#live = true;
    } catch (error) {
      this.#failed(error);
    }
  }

  async #restart(): Promise<void> {
    this.#restartRequested = false;
    await this.#callStopped(); // the old incarnation's cleanup; its errors cannot stop the restart
    this.#incarnation = new AbortController();
    this.#ctx = this.#newContext();
    this.#behaviour = undefined;
    try {
      this.#behaviour = this.#factory();
    } catch (error) {
      this.#failed(error);
      return;
    }
    await this.#start();
  }

  /** Runs the live behaviour's `stopped()` once; returns what it threw, if anything. */
  async #callStopped(): Promise<{ error: unknown } | undefined> {
    if (!this.#live) return undefined;
    this.#live = false;
    try {
      const r = this.#behaviour?.stopped?.();
      if (isThenable(r)) await r;
      return undefined;
    } catch (error) {
      return { error };
    }
  }

  async #end(): Promise<void> {
    this.#state = 'stopping';
    this.#mailbox.close();
    this.#incarnation.abort(new CancelledError(`Actor ${this.name} has stopped`));
    const thrown = await this.#callStopped();
    this.#halt ??= thrown;
    // Left in the mailbox only after a failure or halt: nobody will answer them now.
    for (let r = this.#mailbox.tryReceive(); r.state === 'ok'; r = this.#mailbox.tryReceive()) {
      if (r.value instanceof Ask) r.value.fail(this.#stoppedError());
    }
    this.#state = 'ended';
    this.#supervisor?.removed(this);
    this.#settle(this.#halt);
  }

  #decided(): void {
    const decision = this.#decision;
    this.#decision = undefined;
    decision?.done();
  }

  #newContext(): ActorContext<Msg, Reply> {
    return { self: this.#ref, signal: this.#incarnation.signal, name: this.name };
  }

  #stoppedError(): ActorStoppedError {
    return this.#halt ? new ActorStoppedError(this.name, { cause: this.#halt.error }) : new ActorStoppedError(this.name);
  }
}
