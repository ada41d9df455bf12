// actor(): start an actor on the event loop — a behaviour behind a bounded mailbox, optionally supervised.
import { systemClock, type Clock } from '../core/clock.js';
import { ActorEngine, type ActorSettings } from './actor-engine.js';
import { DEFAULT_ASK_TIMEOUT, DEFAULT_MAILBOX, type ActorRef, type AskOptions } from './actor-ref.js';
import type { Behaviour } from './behaviour.js';
import { Supervisor, supervisorEngine } from './supervisor.js';
import { checkWaitOptions, type WaitOptions } from '../core/wait-guard.js';
import { REMOTABLE } from './remote/pack.js';

/** Options of `actor()`. */
export interface ActorOptions {
  /** Mailbox bound: `send()`/`ask()` wait while this many messages are queued. Default 1024; 0 is a rendezvous; `Infinity` allowed. */
  mailbox?: number | undefined;
  /** Restarts the actor when it fails; without one, a failure ends the actor. */
  supervisor?: Supervisor | undefined;
  /** Shown in errors; default `actor-<id>`. */
  name?: string | undefined;
  /** `ask()` timeout when the call gives none, in ms; default 5000. Must be finite: no ask waits forever. */
  askTimeout?: number | undefined;
  /** Times `ask()` timeouts; tests pass a `FakeClock`. */
  clock?: Clock | undefined;
}

let nextId = 1;

/** Internal: the next actor id of this process, for actors the executors host elsewhere but name here. */
export function allocateActorId(): number {
  return nextId++;
}

function checkAskTimeout(value: unknown, name: string): void {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${typeof value}`);
  if (!(value >= 0 && value < Infinity)) {
    throw new RangeError(`${name} must be a finite non-negative number of milliseconds (an ask always times out), got ${String(value)}`);
  }
}

/** The in-loop `ActorRef`: validates calls and hands them to the engine. */
class LoopActorRef<Msg, Reply> implements ActorRef<Msg, Reply> {
  readonly #engine: ActorEngine<Msg, Reply>;

  constructor(factory: () => Behaviour<Msg, Reply>, settings: ActorSettings) {
    this.#engine = new ActorEngine(factory, settings, this);
  }

  get name(): string {
    return this.#engine.name;
  }

  get id(): number {
    return this.#engine.id;
  }

  /** Sent to another thread or process, the ref arrives as a proxy of this actor. */
  get [REMOTABLE](): string {
    return 'actor';
  }

  send(msg: Msg, options?: WaitOptions): Promise<void> {
    if (options !== undefined) {
      try {
        checkWaitOptions(options);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#engine.send(msg, options);
  }

  ask(msg: Msg, options?: AskOptions): Promise<Reply> {
    if (options !== undefined) {
      try {
        checkWaitOptions(options);
        if (options.timeout !== undefined) checkAskTimeout(options.timeout, 'options.timeout');
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#engine.ask(msg, options);
  }

  stop(): Promise<void> {
    return this.#engine.stop();
  }

  join(): Promise<void> {
    return this.#engine.join();
  }

  toString(): string {
    return `ActorRef(${this.name})`;
  }

  static engineOf<Msg, Reply>(ref: LoopActorRef<Msg, Reply>): ActorEngine<Msg, Reply> {
    return ref.#engine;
  }
}

/**
 * Starts an actor on the event loop: `factory()` creates its behaviour (its state and `receive`),
 * messages are handled one at a time in mailbox order, and callers reach it only through the returned
 * `ActorRef` (`send`, `ask`, `stop`, `join`). The message and reply types are inferred from `receive`.
 *
 * The mailbox is a bounded `Channel` (default 1024): `send()` waits when it is full. Every `ask()`
 * times out (default 5000 ms). Under a `supervisor`, a throwing `receive` rejects the ask that caused
 * it and the actor restarts with a fresh `factory()` result, keeping its mailbox; without one, the
 * throw ends the actor (`join()` rejects with it, later calls reject with `ActorStoppedError`).
 *
 * @example
 * class Account {
 *   #balance = 0;
 *   receive(msg: { deposit: number } | 'balance'): number {
 *     if (msg !== 'balance') this.#balance += msg.deposit;
 *     return this.#balance;
 *   }
 * }
 * const account = actor(() => new Account(), { name: 'account' }); // ActorRef<{ deposit: number } | 'balance', number>
 * await account.send({ deposit: 10 });
 * await account.ask('balance'); // 10
 * await account.stop();
 */
export function actor<Msg, Reply>(factory: () => Behaviour<Msg, Reply>, options: ActorOptions = {}): ActorRef<Msg, Reply> {
  if (typeof factory !== 'function') throw new TypeError(`factory must be a function, got ${typeof factory}`);
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const { mailbox, supervisor, name, askTimeout, clock } = options;
  if (mailbox !== undefined) {
    if (typeof mailbox !== 'number') throw new TypeError(`options.mailbox must be a number, got ${typeof mailbox}`);
    if (!(mailbox === Infinity || (Number.isInteger(mailbox) && mailbox >= 0))) {
      throw new RangeError(`options.mailbox must be a non-negative integer or Infinity, got ${String(mailbox)}`);
    }
  }
  if (supervisor !== undefined) {
    if (!(supervisor instanceof Supervisor)) throw new TypeError('options.supervisor must be a Supervisor');
    if (!supervisorEngine(supervisor).running) throw new TypeError(`options.supervisor (${supervisor.name}) has stopped`);
  }
  if (name !== undefined && typeof name !== 'string') throw new TypeError(`options.name must be a string, got ${typeof name}`);
  if (askTimeout !== undefined) checkAskTimeout(askTimeout, 'options.askTimeout');
  if (clock !== undefined) checkWaitOptions({ clock }, 'options');
  const id = nextId++;
  return new LoopActorRef(factory, {
    id,
    name: name ?? `actor-${id}`,
    mailbox: mailbox ?? DEFAULT_MAILBOX,
    askTimeout: askTimeout ?? DEFAULT_ASK_TIMEOUT,
    clock: clock ?? systemClock,
    supervisor: supervisor ? supervisorEngine(supervisor) : undefined,
  });
}

/**
 * Internal (relaying asks across a link): queues an ask on a local actor without a timer or a
 * signal and returns a handle to withdraw it; `undefined` when `ref` is not an actor of this loop.
 */
export function relayAsk<Msg, Reply>(ref: ActorRef<Msg, Reply>, msg: Msg): { promise: Promise<Reply>; withdraw(error: unknown): void } | undefined {
  if (!(ref instanceof LoopActorRef)) return undefined;
  const ask = LoopActorRef.engineOf(ref as LoopActorRef<Msg, Reply>).envelope(msg, Infinity, systemClock, undefined);
  return { promise: ask.promise, withdraw: (error) => ask.fail(error) };
}

/**
 * Internal (the executors, hosting an actor in a worker): an in-loop actor from checked settings,
 * with a supervisor link and a take hook; `id` 0 takes the next local id. Throws what the factory threw.
 */
export function actorFromSettings<Msg, Reply>(factory: () => Behaviour<Msg, Reply>, settings: Omit<ActorSettings, 'id'> & { id?: number }): ActorRef<Msg, Reply> {
  return new LoopActorRef(factory, { ...settings, id: settings.id || nextId++ });
}
