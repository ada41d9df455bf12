// The host's ActorRef of an actor started from a module export on the loop, a thread or a process: start, supervision, crash and restart.
import type { Clock } from '../core/clock.js';
import type { WaitOptions } from '../core/wait-guard.js';
import type { ActorRef, AskOptions } from '../communication/actor-ref.js';
import { REMOTABLE } from '../communication/remote/pack.js';
import { PROXY_OF, type Peer } from '../communication/remote/peer.js';
import { RemoteActorRef, type CreditedRef } from '../communication/remote/remote-actor-ref.js';
import type { SupervisedChild, SupervisorEngine } from '../communication/supervisor.js';
import { HALT, RESTART } from './actor-host-protocol.js';
import type { ActorWorker, HostedActorEvents, StartFields } from './actor-worker.js';

/** How long an ended facade waits for its halted incarnation to report ENDED before letting the worker go. */
const ENDED_GRACE_MS = 2_000;

/** Where an actor's incarnations run: the facade asks for a worker each time it (re)starts. */
export interface ActorPlacement {
  acquire(): ActorWorker;
  release(worker: ActorWorker): void;
}

/** Everything a hosted actor is made from; validated by `Runtime.actor()`. */
export interface HostedActorSpec {
  id: number;
  name: string;
  url: string;
  exportName: string;
  args: unknown[];
  mailbox: number;
  askTimeout: number;
  clock: Clock;
  supervisor: SupervisorEngine | undefined;
}

/**
 * The stable handle of an actor whose behaviour a worker runs. Calls go through a `RemoteActorRef`
 * whose credit window is the mailbox bound, so a sender waits exactly when the mailbox is full; the
 * facade outlives the incarnations behind it.
 *
 *   starting ──STARTED──▶ live ──stop()──▶ stopping ──ENDED──▶ ended
 *      │                   │ receive throws, supervised: the supervisor answers
 *      │                   │   restart → RESTART (same worker, same mailbox) · give up → HALT ──▶ ended
 *      │                   └─ worker dies: asks in flight reject with WorkerCrashedError; supervised:
 *      │                      restart → starting on a fresh worker (calls waiting for credit go there,
 *      │                      in order); unsupervised → ended, join() rejects with the crash
 *      └── START_FAILED: like a failure (a supervisor may retry within its intensity), else ended
 *
 * Messages in the dead worker's mailbox are lost with it (at-most-once, as in Erlang); asks among
 * them reject with `WorkerCrashedError`, so no ask hangs.
 */
export class HostedActor<Msg, Reply> implements ActorRef<Msg, Reply>, SupervisedChild, HostedActorEvents, CreditedRef {
  readonly name: string;
  readonly id: number;
  readonly #spec: HostedActorSpec;
  readonly #placement: ActorPlacement;
  readonly #proxy: RemoteActorRef<Msg, Reply>;
  #worker: ActorWorker | undefined;
  #exportId = 0;
  /**
   * On the loop, the actor's own ref: calls go straight to it whenever nothing sent through the
   * proxy is still on its way (so order holds), skipping two peers and their ticks.
   */
  #direct: ActorRef<Msg, Reply> | undefined;
  #state: 'starting' | 'live' | 'stopping' | 'ended' = 'starting';
  /** Set by restart()/halt() while a supervisor decides, so a failure report can tell it was handled. */
  #decided = false;
  #stopRequested = false;
  /** Between STARTED and ENDED: the worker still runs this incarnation, and may still answer its asks. */
  #running = false;
  #busy = false;
  #proxyBusy = false;
  readonly #ended: Promise<void>;
  #settle!: (error: { error: unknown } | undefined) => void;

  constructor(spec: HostedActorSpec, placement: ActorPlacement) {
    this.#spec = spec;
    this.name = spec.name;
    this.id = spec.id;
    this.#placement = placement;
    this.#proxy = new RemoteActorRef<Msg, Reply>(spec.name, spec.id, {
      window: spec.mailbox,
      rendezvous: spec.mailbox === 0,
      askTimeout: spec.askTimeout,
      clock: spec.clock,
    });
    // The worker's exit reaches this facade through lost(); the proxy must not end itself.
    this.#proxy.onLinkLost = () => {};
    this.#proxy.onBusyChange = (busy) => {
      this.#proxyBusy = busy;
      this.#updateBusy();
    };
    this.#ended = new Promise((resolve, reject) => {
      this.#settle = (failure) => (failure ? reject(failure.error) : resolve());
    });
    this.#ended.catch(() => {});
    spec.supervisor?.adopt(this);
    this.#launch();
  }

  get [REMOTABLE](): string {
    return 'actor';
  }

  /** Over the link of its own worker the facade goes home as the actor's local ref. */
  get [PROXY_OF](): { peer: Peer; id: number } | undefined {
    return this.#state === 'live' && this.#worker !== undefined ? { peer: this.#worker.peer, id: this.#exportId } : undefined;
  }

  /** The worker running the current incarnation (thread id or pid; 0 on the loop), for tests and stats. */
  get workerId(): number | undefined {
    return this.#worker?.id;
  }

  send(msg: Msg, options?: WaitOptions): Promise<void> {
    const direct = this.#direct;
    if (direct !== undefined && this.#state === 'live' && !this.#proxy.busy) return direct.send(msg, options);
    return this.#proxy.send(msg, options);
  }

  ask(msg: Msg, options?: AskOptions): Promise<Reply> {
    const direct = this.#direct;
    if (direct !== undefined && this.#state === 'live' && !this.#proxy.busy) return direct.ask(msg, options);
    return this.#proxy.ask(msg, options);
  }

  stop(): Promise<void> {
    if (this.#state === 'ended') return this.settled();
    if (!this.#stopRequested) {
      this.#stopRequested = true;
      if (this.#state === 'live') this.#stopLive();
      // Starting: the stop follows the start (the held messages drain first).
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

  toString(): string {
    return `ActorRef(${this.name})`;
  }

  // ── SupervisedChild: what the host's supervisor tells this actor ──

  restart(): void {
    if (this.#state === 'ended') return;
    this.#decided = true;
    if (this.#state === 'live' && this.#worker?.alive === true) {
      this.#worker.peer.post(RESTART, this.id);
      return;
    }
    if (this.#worker === undefined) this.#launch(); // the last incarnation died with its worker
  }

  halt(error: Error): void {
    if (this.#state === 'ended') return;
    this.#decided = true;
    if (this.#worker?.alive === true && this.#state !== 'starting') this.#worker.peer.post(HALT, this.id, this.#worker.peer.error(error));
    this.#end({ error });
  }

  // ── HostedActorEvents: what the worker says ──

  started(exportId: number): void {
    if (this.#state === 'ended' || this.#worker === undefined) return;
    this.#exportId = exportId;
    this.#state = 'live';
    this.#running = true;
    // Markers of this actor's own ref (ctx.self sent out by the actor) revive as this facade.
    this.#worker.peer.bindImport(exportId, this);
    this.#proxy.bind(this.#worker.peer, exportId);
    this.#direct = this.#worker.local<ActorRef<Msg, Reply>>(exportId);
    if (this.#stopRequested) this.#stopLive();
    this.#updateBusy();
  }

  startFailed(error: unknown): void {
    this.#running = false;
    this.#failure(error);
  }

  failed(error: unknown): void {
    this.#failure(error);
  }

  ended(ok: boolean, error: unknown): void {
    this.#running = false;
    if (this.#state === 'ended') this.#detach();
    else this.#end(ok ? undefined : { error });
  }

  lost(error: unknown): void {
    this.#running = false;
    if (this.#state === 'ended') {
      this.#detach();
      return;
    }
    this.#detach();
    this.#proxy.unbind();
    if (this.#stopRequested) {
      // Stopping, and the worker went with the messages it held: ended, the way it was going.
      this.#end(undefined);
      return;
    }
    this.#failure(error);
  }

  linkLost(): void {
    // bindImport's notice; lost() already handled the worker's exit.
  }

  /** Credits for the current incarnation (the peer routes them here, bound in the proxy's place). */
  credit(n: number): void {
    this.#proxy.credit(n);
  }

  refused(): void {
    // A send refused because the actor ended: ENDED follows and ends this facade.
  }

  // ── internals ──

  #launch(): void {
    this.#state = 'starting';
    const worker = this.#placement.acquire();
    this.#worker = worker;
    if (this.#busy) worker.busy(1);
    this.#updateBusy();
    const { url, exportName, args, name, mailbox, askTimeout } = this.#spec;
    const fields: StartFields = { url, exportName, args, name, mailbox, askTimeout, supervised: this.#spec.supervisor !== undefined, self: this };
    try {
      worker.start(this.id, fields, this);
    } catch (error) {
      // The arguments cannot cross (checked at rt.actor(), so only a value changed since can fail here).
      this.#detach();
      this.#end({ error });
    }
  }

  /** A failure of the incarnation (its receive threw, it could not start, its worker died). */
  #failure(error: unknown): void {
    if (this.#state === 'ended') return;
    const supervisor = this.#spec.supervisor;
    if (this.#state === 'starting' && this.#worker !== undefined) {
      // Nothing runs there: a retry gets a fresh worker choice.
      this.#detach();
    }
    if (supervisor === undefined || this.#stopRequested) {
      this.#end({ error });
      return;
    }
    this.#decided = false;
    supervisor.failed(this, error);
    // A supervisor that is ending decides nothing: the failure ends the actor, as it would on the loop.
    if (!this.#decided) this.#end({ error });
  }

  #stopLive(): void {
    this.#state = 'stopping';
    this.#updateBusy();
    this.#proxy.stop().then(
      () => this.#end(undefined),
      (error: unknown) => this.#end({ error }),
    );
  }

  #detach(): void {
    const worker = this.#worker;
    if (worker === undefined) return;
    this.#worker = undefined;
    if (this.#busy) worker.busy(-1);
    worker.forget(this.id);
    if (this.#exportId !== 0) worker.peer.unbindImport(this.#exportId);
    this.#exportId = 0;
    this.#direct = undefined;
    if (this.#state !== 'ended') this.#state = 'starting';
    this.#placement.release(worker);
  }

  #end(failure: { error: unknown } | undefined): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    this.#proxy.end(failure?.error);
    this.#updateBusy();
    // A halted incarnation still answers the asks it held (and its ENDED follows them): keep the
    // worker until then, so those replies are not lost with a worker closed too early.
    if (!this.#running) this.#detach();
    // A receive that never settles must not hold the worker forever (housekeeping: real time, unref'd).
    else setTimeout(() => this.#detach(), ENDED_GRACE_MS).unref();
    this.#spec.supervisor?.removed(this);
    this.#settle(failure);
  }

  /** Busy while starting, stopping or with messages in flight: only then does the worker keep the host alive. */
  #updateBusy(): void {
    const busy = this.#state !== 'ended' && (this.#proxyBusy || this.#state === 'starting' || this.#state === 'stopping');
    if (busy === this.#busy) return;
    this.#busy = busy;
    this.#worker?.busy(busy ? 1 : -1);
  }
}
