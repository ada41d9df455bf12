// One worker (thread, process, or the loop itself) hosting actors for the host: its link, its peer, its exit.
import { createPeer } from '../communication/remote/create-peer.js';
import type { Peer } from '../communication/remote/peer.js';
import type { Destination } from '../communication/remote/sendable-path.js';
import { installActorHost } from './actor-host.js';
import { ENDED, FAILED, HOST_ARITY, START, START_FAILED, STARTED, type StartRequest } from './actor-host-protocol.js';
import type { Placement } from './current-task.js';
import { deserializeError, serializeError } from './error-serialization.js';
import { WorkerCrashedError } from './errors.js';
import { importTaskModule } from './import-task-module.js';
import { ARITY, CALL, PEER, READY, REPLY, type Batch } from './protocol.js';
import type { WorkerExit, WorkerFactory, WorkerHandle } from './worker-handle.js';

/** What a hosted actor's facade hears from the worker about it. */
export interface HostedActorEvents {
  started(exportId: number): void;
  startFailed(error: unknown): void;
  /** A supervised actor failed; the facade's supervisor must answer restart or halt. */
  failed(error: unknown): void;
  ended(ok: boolean, error: unknown): void;
  /** The worker died (crashed, or was killed): `error` is a WorkerCrashedError. */
  lost(error: unknown): void;
}

/** What START carries besides the key. */
export type StartFields = Omit<StartRequest, 'key'>;

/**
 * A worker that runs actors, not tasks: its pool worker entry is the same (thread-entry or
 * process-entry), but the host speaks to it only through its peer. The loop placement has no
 * worker: a second peer in this thread plays its part, and values pass by reference.
 *
 *   starting ──READY──▶ ready ──close()──▶ leaving ──exit──▶ exited
 *      └──────── crash: the peer closes with WorkerCrashedError, every actor on it is told ──▲
 */
export class ActorWorker {
  readonly placement: Placement;
  readonly peer: Peer;
  readonly #handle: WorkerHandle | undefined;
  /** The loop's in-thread side, where hosted actors' local refs live. */
  readonly #inner: Peer | undefined;
  readonly #actors = new Map<number, HostedActorEvents>();
  readonly #hostCall: (name: string, args: unknown[]) => Promise<unknown>;
  #ready: boolean;
  #early: Batch[] = [];
  #leaving = false;
  #exited = false;
  #busy = 0;
  readonly #gone: Promise<void>;
  #onGone!: () => void;

  constructor(placement: Placement, factory: WorkerFactory | undefined, hostCall: (name: string, args: unknown[]) => Promise<unknown>) {
    this.placement = placement;
    this.#hostCall = hostCall;
    this.#gone = new Promise((resolve) => (this.#onGone = resolve));
    const destination: Destination = placement === 'thread' ? 'a thread' : placement === 'process' ? 'a process' : 'an isolated task';
    if (factory === undefined) {
      // The loop: a peer pair in this thread, handing batches over in a microtask (never re-entrantly).
      const codec = { serializeError, deserializeError, byReference: true } as const;
      const sides: { inner?: Peer } = {};
      this.peer = createPeer({ ...codec, destination, link: { post: (batch) => queueMicrotask(() => sides.inner!.receive(batch)) } });
      const inner = createPeer({ ...codec, destination: 'the host', link: { post: (batch) => queueMicrotask(() => this.peer.receive(batch)) } });
      sides.inner = inner;
      this.#inner = inner;
      installActorHost(inner, importTaskModule, {
        call: hostCall,
        callSync: () => {
          throw new Error('callHostSync() cannot be used by an actor on the loop placement: it would block the event loop the host function runs on; use await callHost()');
        },
      });
      this.#handle = undefined;
      this.#ready = true;
    } else {
      this.peer = createPeer({ serializeError, deserializeError, destination, link: { post: (batch) => this.#post(batch) } });
      this.#inner = undefined;
      this.#handle = factory({
        // A dedicated actor worker runs no task, so it never sends a LoneResult.
        message: (batch) => {
          if (Array.isArray(batch)) this.#onMessage(batch);
        },
        exit: (exit) => this.#onExit(exit),
        callHost: hostCall,
      });
      this.#ready = this.#handle.acceptsEarly;
      this.#handle.setBusy(false);
    }
    this.peer.register(STARTED, HOST_ARITY[STARTED], (b, at) => this.#actors.get(b[at + 1] as number)?.started(b[at + 2] as number));
    this.peer.register(START_FAILED, HOST_ARITY[START_FAILED], (b, at) => this.#actors.get(b[at + 1] as number)?.startFailed(this.peer.revive(b[at + 2])));
    this.peer.register(FAILED, HOST_ARITY[FAILED], (b, at) => this.#actors.get(b[at + 1] as number)?.failed(this.peer.revive(b[at + 2])));
    this.peer.register(ENDED, HOST_ARITY[ENDED], (b, at) => {
      const key = b[at + 1] as number;
      const events = this.#actors.get(key);
      this.#actors.delete(key);
      events?.ended(b[at + 2] as boolean, b[at + 2] === true ? undefined : this.peer.revive(b[at + 3]));
    });
  }

  /** Actors started here and not yet ended or forgotten. */
  get load(): number {
    return this.#actors.size;
  }

  get alive(): boolean {
    return !this.#exited && !this.#leaving && !this.peer.closed;
  }

  /** Thread id or pid (0 on the loop). */
  get id(): number {
    return this.#handle?.id ?? 0;
  }

  /** Resolves once the worker has exited (on the loop, once it was closed). */
  get gone(): Promise<void> {
    return this.#gone;
  }

  /** On the loop: the local ref of the actor exported as `exportId`, which callers may use directly. */
  local<T extends object>(exportId: number): T | undefined {
    return this.#inner?.exported<T>(exportId);
  }

  /** Starts an actor here; `events` hears about it under `key` until it ends or is forgotten. */
  start(key: number, fields: StartFields, events: HostedActorEvents): void {
    this.#actors.set(key, events);
    const { url, exportName, args, name, mailbox, askTimeout, supervised, self } = fields;
    // Only the loop passes the facade itself (by reference), so that the actor's ctx.self is the ref the host holds.
    this.peer.post(START, key, url, exportName, this.peer.pack(args, 'args'), name, mailbox, askTimeout, supervised, this.peer.byReference ? self : undefined);
  }

  /** Stops hearing about `key` (its facade moved on, e.g. after a halt). */
  forget(key: number): void {
    this.#actors.delete(key);
  }

  /** Counts a facade that has work in flight here: a worker with none does not keep the host alive. */
  busy(delta: 1 | -1): void {
    this.#busy += delta;
    if (this.#busy === 0 || (this.#busy === 1 && delta === 1)) this.#handle?.setBusy(this.#busy > 0);
  }

  /** Lets the worker leave (its actors have ended); resolves when it has. */
  close(): Promise<void> {
    if (!this.#leaving && !this.#exited) {
      this.#leaving = true;
      if (this.#handle === undefined) this.#onGone();
      else this.#handle.close();
    }
    return this.gone;
  }

  /** Ends the worker now (runtime close). */
  kill(): Promise<void> {
    if (!this.#exited) {
      this.#leaving = true;
      if (this.#handle === undefined) this.#onGone();
      else this.#handle.kill();
    }
    return this.gone;
  }

  #post(batch: unknown[]): void {
    const message: Batch = [PEER, batch];
    if (!this.#ready) {
      this.#early.push(message);
      return;
    }
    this.#handle!.post(message, undefined);
  }

  #onMessage(batch: Batch): void {
    for (let i = 0; i < batch.length; ) {
      const kind = batch[i] as number;
      if (kind === PEER) this.peer.receive(batch[i + 1] as unknown[]);
      else if (kind === READY) this.#becomeReady();
      else if (kind === CALL) this.#call(batch[i + 1] as number, batch[i + 2] as string, batch[i + 3] as unknown[]);
      i += (ARITY[kind] ?? 0) + 1;
    }
  }

  #becomeReady(): void {
    if (this.#ready) return;
    this.#ready = true;
    for (const message of this.#early.splice(0)) this.#handle!.post(message, undefined);
  }

  /** `callHost()` from an actor's code: the runtime's exposed functions serve actors as they serve tasks. */
  #call(callId: number, name: string, args: unknown[]): void {
    const reply = (ok: boolean, value: unknown) => {
      if (this.#exited) return;
      try {
        this.#handle!.post([REPLY, callId, ok, value], undefined);
      } catch (error) {
        this.#handle!.post([REPLY, callId, false, serializeError(error)], undefined);
      }
    };
    this.#hostCall(name, args).then(
      (value) => reply(true, value),
      (error: unknown) => reply(false, serializeError(error)),
    );
  }

  #onExit(exit: WorkerExit): void {
    this.#exited = true;
    const kind = this.placement === 'thread' ? 'worker thread' : 'child process';
    const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${String(exit.exitCode)}`;
    const error = new WorkerCrashedError(`The ${kind} hosting actors ${how}`, { exitCode: exit.exitCode, signal: exit.signal, cause: exit.error });
    // Pending asks reject with the crash first (closing the peer), then each actor's facade decides.
    this.peer.close(error);
    const actors = [...this.#actors.values()];
    this.#actors.clear();
    for (const events of actors) events.lost(error);
    this.#onGone();
  }
}
