// Supervisors: restart failed actors with fresh state per a strategy, within a restart intensity, and fail upward past it.
import { systemClock, type Clock } from '../core/clock.js';

/**
 * Which actors restart when one fails: `'one-for-one'` only the failed one; `'one-for-all'` every
 * actor (and child supervisor) started under the supervisor, as Erlang/OTP and Akka define them.
 */
export type SupervisorStrategy = 'one-for-one' | 'one-for-all';

/** Options of `supervisor()`. */
export interface SupervisorOptions {
  /** Default `'one-for-one'`. */
  strategy?: SupervisorStrategy | undefined;
  /** Restarts allowed within `within` ms; one more and the supervisor gives up. A non-negative integer; default 3. */
  maxRestarts?: number | undefined;
  /** The intensity window in milliseconds: a positive number or `Infinity` (count every restart ever); default 5000. */
  within?: number | undefined;
  /** The supervisor this one reports to when it gives up; it then counts as a child of `parent`. */
  parent?: Supervisor | undefined;
  /** Times the intensity window; tests pass a `FakeClock`. */
  clock?: Clock | undefined;
  name?: string | undefined;
}

/**
 * A supervisor gave up: its children failed more than `maxRestarts` times within `within` ms.
 * `cause` is the last failure. Its `join()` rejects with this, and so do the `join()`s of the actors
 * it stopped; a parent supervisor receives it as a child failure.
 *
 * @example
 * await sup.join().catch((error) => {
 *   if (error instanceof SupervisorGaveUpError) console.error(error.message, error.cause);
 * });
 */
export class SupervisorGaveUpError extends Error {
  override name = 'SupervisorGaveUpError';
  readonly supervisor: string;

  constructor(supervisor: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.supervisor = supervisor;
  }
}

/**
 * What a supervisor needs of a child (an actor's engine, or another supervisor's). Every method may be
 * called from inside the child's own failure report, so they only record intent and wake the child.
 */
export interface SupervisedChild {
  readonly name: string;
  /** Replace the behaviour with a fresh one (after the message in progress, if any); the mailbox stays. */
  restart(): void;
  /** End now without draining: queued asks reject; `join()` rejects with `error`. */
  halt(error: Error): void;
  /** End gracefully, draining; resolves when ended. */
  stop(): Promise<void>;
  /** Resolves (never rejects) when the child has ended. */
  settled(): Promise<void>;
}

/**
 * What an actor engine reports to: a `SupervisorEngine` on this loop, or (for an actor hosted in a
 * worker) a stand-in that forwards failures to the supervisor on the host.
 */
export interface SupervisorLink {
  adopt(child: SupervisedChild): void;
  removed(child: SupervisedChild): void;
  failed(child: SupervisedChild, error: unknown): void;
  /**
   * True when `failed()` only reports and the decision comes later (across a link): the child then
   * waits, handling nothing, until `restart()` or `halt()` arrives, instead of ending at once.
   */
  readonly decidesLater?: boolean;
}

const STRATEGIES: readonly SupervisorStrategy[] = ['one-for-one', 'one-for-all'];
let nextId = 1;

/** The supervisor's machinery behind the `Supervisor` facade; actors reach it through `supervisorEngine()`. */
export class SupervisorEngine implements SupervisedChild, SupervisorLink {
  readonly name: string;
  readonly strategy: SupervisorStrategy;
  readonly maxRestarts: number;
  readonly within: number;
  #clock: Clock;
  #parent: SupervisorEngine | undefined;
  #children = new Set<SupervisedChild>();
  // Restart times inside the current window, oldest first.
  #restarts: number[] = [];
  #state: 'running' | 'stopping' | 'ended' = 'running';
  // Set when it halts: a graceful stop that is overtaken by a halt still ends in failure.
  #error: Error | undefined;
  #ended: Promise<void>;
  #settle!: (error: Error | undefined) => void;

  constructor(options: SupervisorOptions) {
    this.name = options.name ?? `supervisor-${nextId++}`;
    this.strategy = options.strategy ?? 'one-for-one';
    this.maxRestarts = options.maxRestarts ?? 3;
    this.within = options.within ?? 5000;
    this.#clock = options.clock ?? systemClock;
    this.#parent = options.parent ? supervisorEngine(options.parent) : undefined;
    this.#ended = new Promise<void>((resolve, reject) => {
      this.#settle = (error) => (error ? reject(error) : resolve());
    });
    // join() hands this out; a supervisor nobody joins must not raise an unhandled rejection.
    this.#ended.catch(() => {});
    this.#parent?.adopt(this);
  }

  get running(): boolean {
    return this.#state === 'running';
  }

  get childCount(): number {
    return this.#children.size;
  }

  /** Registers a child; throws if this supervisor is stopping or has ended. */
  adopt(child: SupervisedChild): void {
    if (this.#state !== 'running') throw new TypeError(`options.supervisor (${this.name}) has stopped`);
    this.#children.add(child);
  }

  /** A child ended (stopped or halted); it is no longer restarted with the others. */
  removed(child: SupervisedChild): void {
    this.#children.delete(child);
  }

  /** A child failed with `error`: restart per the strategy, or give up past the intensity. */
  failed(child: SupervisedChild, error: unknown): void {
    if (this.#state === 'ended' || !this.#children.has(child)) return;
    const now = this.#clock.now();
    while (this.#restarts.length > 0 && now - this.#restarts[0]! >= this.within) this.#restarts.shift();
    this.#restarts.push(now);
    if (this.#restarts.length > this.maxRestarts) {
      this.#giveUp(error);
      return;
    }
    if (this.strategy === 'one-for-one') child.restart();
    else for (const c of [...this.#children]) c.restart();
  }

  // As a child of a parent supervisor: a restart restarts everything under it with a clean history.
  restart(): void {
    if (this.#state === 'ended') return;
    this.#restarts = [];
    for (const c of [...this.#children]) c.restart();
  }

  halt(error: Error): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    this.#error = error;
    const children = [...this.#children];
    for (const c of children) c.halt(error);
    void this.#finish(children);
  }

  stop(): Promise<void> {
    if (this.#state === 'running') {
      this.#state = 'stopping';
      const children = [...this.#children];
      for (const c of children) void c.stop();
      void this.#finish(children).then(() => {
        this.#state = 'ended';
      });
    }
    return this.settled();
  }

  settled(): Promise<void> {
    return this.#ended.then(
      () => {},
      () => {},
    );
  }

  join(): Promise<void> {
    return this.#ended;
  }

  #giveUp(error: unknown): void {
    const gaveUp = new SupervisorGaveUpError(
      this.name,
      `Supervisor ${this.name} gave up: more than ${this.maxRestarts} restarts within ${this.within} ms`,
      { cause: error },
    );
    // With a parent still running, the parent decides: restart this subtree, or give up in turn.
    if (this.#parent?.running) this.#parent.failed(this, gaveUp);
    else this.halt(gaveUp);
  }

  async #finish(children: SupervisedChild[]): Promise<void> {
    // Nothing outlives its supervisor: settle only once every child has ended.
    await Promise.all(children.map((c) => c.settled()));
    this.#parent?.removed(this);
    this.#settle(this.#error);
  }
}

const engines = new WeakMap<Supervisor, SupervisorEngine>();

/** The engine behind a supervisor. Internal to the communication layer. */
export function supervisorEngine(supervisor: Supervisor): SupervisorEngine {
  const engine = engines.get(supervisor);
  if (!engine) throw new TypeError('supervisor must be created by supervisor()');
  return engine;
}

/**
 * Watches actors started with `{ supervisor }` and restarts the ones whose `receive` throws; see
 * `supervisor()`. A supervisor created with `parent` is itself a child of that parent.
 *
 * @example
 * const root = supervisor({ strategy: 'one-for-all', maxRestarts: 1, within: 60_000 });
 * const workers = supervisor({ maxRestarts: 5, within: 1000, parent: root });
 * actor(() => new Worker(), { supervisor: workers });
 * root.join().catch((error) => console.error('gave up', error)); // SupervisorGaveUpError
 */
export class Supervisor {
  readonly #engine: SupervisorEngine;

  /** Same as `supervisor(options)`. */
  constructor(options: SupervisorOptions = {}) {
    this.#engine = new SupervisorEngine(checkSupervisorOptions(options));
    engines.set(this, this.#engine);
  }

  get name(): string {
    return this.#engine.name;
  }

  get strategy(): SupervisorStrategy {
    return this.#engine.strategy;
  }

  /** Live children: actors and supervisors started under this one and not yet ended. */
  get childCount(): number {
    return this.#engine.childCount;
  }

  /** Stops every child gracefully (each drains its mailbox); resolves once all have ended. */
  stop(): Promise<void> {
    return this.#engine.stop();
  }

  /**
   * Resolves when the supervisor has ended after `stop()`; rejects with `SupervisorGaveUpError` if it
   * gave up (or with the error of the ancestor that gave up and stopped it).
   */
  join(): Promise<void> {
    return this.#engine.join();
  }
}

/**
 * Creates a supervisor. When an actor started under it fails (its `receive` or `started` throws), it
 * calls the actor's factory again for fresh state (the mailbox and its queued messages survive, in
 * order), and with `'one-for-all'` does so for every actor under it. More than `maxRestarts` restarts
 * within `within` ms and it gives up: it stops its actors (queued asks reject with `ActorStoppedError`)
 * and fails upward — to `parent` as a child failure, or through its own `join()`.
 *
 * @example
 * const sup = supervisor({ strategy: 'one-for-one', maxRestarts: 3, within: 1000 });
 * const cache = actor(() => new Cache(), { supervisor: sup });
 * await cache.ask({ get: 'k' }).catch(() => undefined); // a crash rejects this ask; the next one sees a fresh Cache
 * await sup.stop();
 */
export function supervisor(options: SupervisorOptions = {}): Supervisor {
  return new Supervisor(options);
}

/** Throws TypeError/RangeError naming the offending option. */
function checkSupervisorOptions(options: unknown): SupervisorOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const { strategy, maxRestarts, within, parent, clock, name } = options as SupervisorOptions;
  if (strategy !== undefined && !STRATEGIES.includes(strategy)) {
    throw new RangeError(`options.strategy must be 'one-for-one' or 'one-for-all', got ${String(strategy)}`);
  }
  if (maxRestarts !== undefined && !(Number.isInteger(maxRestarts) && maxRestarts >= 0)) {
    throw new RangeError(`options.maxRestarts must be a non-negative integer, got ${String(maxRestarts)}`);
  }
  if (within !== undefined && !(typeof within === 'number' && within > 0)) {
    throw new RangeError(`options.within must be a positive number of milliseconds, got ${String(within)}`);
  }
  if (parent !== undefined) {
    if (!(parent instanceof Supervisor)) throw new TypeError('options.parent must be a Supervisor');
    if (!supervisorEngine(parent).running) throw new TypeError(`options.parent (${parent.name}) has stopped`);
  }
  if (clock !== undefined && (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function')) {
    throw new TypeError('options.clock must be a Clock with now() and setTimer()');
  }
  if (name !== undefined && typeof name !== 'string') throw new TypeError(`options.name must be a string, got ${typeof name}`);
  return options as SupervisorOptions;
}
