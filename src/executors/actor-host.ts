// The worker side of actors on threads and processes (and the loop): starts actors from module exports and serves their refs.
import { systemClock } from '../core/clock.js';
import { CancelledError } from '../core/errors.js';
import { actorFromSettings, relayAsk } from '../communication/actor.js';
import type { ActorRef } from '../communication/actor-ref.js';
import type { Behaviour } from '../communication/behaviour.js';
import { ACTOR_CREDIT, ACTOR_GONE } from '../communication/remote/kinds.js';
import type { Peer } from '../communication/remote/peer.js';
import { askSettled, type ActorExportEntry } from '../communication/remote/remote-actor-ref.js';
import type { SupervisedChild, SupervisorLink } from '../communication/supervisor.js';
import { bridgeStorage, type HostBridge } from './current-task.js';
import { ENDED, FAILED, HALT, HOST_ARITY, RESTART, START, START_FAILED, STARTED, type StartRequest } from './actor-host-protocol.js';

type ImportModule = (url: string) => Promise<Record<string, unknown>>;

/**
 * One actor this worker runs for the host. Its ref is exported with this entry rather than the
 * generic one so that the host's credits come back when the actor *takes* a message: the host's
 * window is the mailbox bound, so a host sender waits exactly when the mailbox is full.
 *
 * It is also the actor's supervisor link: a supervised actor's failure is reported to the host,
 * whose supervisor answers RESTART or HALT; meanwhile the actor handles nothing.
 */
class HostedActor implements ActorExportEntry, SupervisorLink {
  readonly decidesLater: boolean;
  ref!: ActorRef<unknown, unknown>;
  exportId = 0;
  #child: SupervisedChild | undefined;
  /** Messages from the host in the mailbox and not yet taken: each take of one returns its credit. */
  #fromHost = 0;
  readonly #asks = new Map<number, (error: unknown) => void>();

  constructor(
    readonly peer: Peer,
    readonly key: number,
    supervised: boolean,
  ) {
    this.decidesLater = supervised;
  }

  // ── SupervisorLink ──
  adopt(child: SupervisedChild): void {
    this.#child = child;
  }

  removed(): void {}

  failed(_child: SupervisedChild, error: unknown): void {
    if (this.decidesLater) this.peer.post(FAILED, this.key, this.peer.error(error));
  }

  restart(): void {
    this.#child?.restart();
  }

  halt(error: Error): void {
    this.#child?.halt(error);
  }

  /** The actor took a mailbox item: if it came from the host, the host may send one more. */
  taken(): void {
    if (this.#fromHost === 0) return;
    this.#fromHost--;
    this.peer.post(ACTOR_CREDIT, this.exportId, 1);
  }

  // ── ActorExportEntry ──
  send(msg: unknown): void {
    this.#fromHost++;
    this.ref.send(msg).catch((error: unknown) => {
      this.#fromHost = Math.max(0, this.#fromHost - 1);
      this.peer.post(ACTOR_CREDIT, this.exportId, 1);
      this.peer.post(ACTOR_GONE, this.exportId, this.peer.error(error));
    });
  }

  ask(reqId: number, msg: unknown, _timeout: number): void {
    this.#fromHost++;
    // The asker times the ask and sends ACTOR_ASK_CANCEL when it gives up: no timer or signal here.
    const relayed = relayAsk(this.ref, msg)!;
    this.#asks.set(reqId, relayed.withdraw);
    this.peer.replyWith(reqId, relayed.promise);
    const settled = () => {
      this.#asks.delete(reqId);
      askSettled(this.peer, reqId);
    };
    relayed.promise.then(settled, settled);
  }

  cancel(reqId: number): void {
    this.#asks.get(reqId)?.(new CancelledError('The asker gave up'));
  }

  stop(reqId: number): void {
    this.peer.replyWith(reqId, this.ref.stop());
  }

  join(reqId: number): void {
    this.peer.replyWith(reqId, this.ref.join());
  }

  dispose(): void {
    for (const withdraw of this.#asks.values()) withdraw(new CancelledError('The asker is gone'));
    this.#asks.clear();
  }
}

/**
 * Serves START, RESTART and HALT on `peer`: each START imports the module, calls its export with the
 * given arguments for the actor's behaviour, and answers STARTED (or START_FAILED). The actor then
 * reports ENDED when it ends, and FAILED when it failed under a supervisor.
 */
export function installActorHost(peer: Peer, importModule: ImportModule, bridge?: HostBridge): void {
  const actors = new Map<number, HostedActor>();
  // Keys whose START is still importing, and those of them the host halted meanwhile.
  const starting = new Map<number, boolean>();
  peer.register(START, HOST_ARITY[START], (b, at) => {
    const request: StartRequest = {
      key: b[at + 1] as number,
      url: b[at + 2] as string,
      exportName: b[at + 3] as string,
      args: peer.unpack(b[at + 4]) as unknown[],
      name: b[at + 5] as string,
      mailbox: b[at + 6] as number,
      askTimeout: b[at + 7] as number,
      supervised: b[at + 8] as boolean,
      self: b[at + 9],
    };
    // On the loop the actor's async context carries the host bridge, so its code can callHost().
    if (bridge === undefined) void start(peer, actors, starting, importModule, request);
    else void bridgeStorage.run(bridge, start, peer, actors, starting, importModule, request);
  });
  peer.register(RESTART, HOST_ARITY[RESTART], (b, at) => actors.get(b[at + 1] as number)?.restart());
  peer.register(HALT, HOST_ARITY[HALT], (b, at) => {
    const key = b[at + 1] as number;
    if (starting.has(key)) starting.set(key, true);
    else actors.get(key)?.halt(peer.revive(b[at + 2]) as Error);
  });
}

async function start(
  peer: Peer,
  actors: Map<number, HostedActor>,
  starting: Map<number, boolean>,
  importModule: ImportModule,
  request: StartRequest,
): Promise<void> {
  const { key, url, exportName, args } = request;
  const hosted = new HostedActor(peer, key, request.supervised);
  starting.set(key, false);
  let halted = false;
  try {
    let mod: Record<string, unknown>;
    try {
      mod = await importModule(url);
    } finally {
      halted = starting.get(key) === true;
      starting.delete(key);
    }
    // The host gave up on this actor while its module loaded: it must not start at all.
    if (halted) return;
    let exported = mod[exportName];
    if (exported === undefined && mod.default !== null && typeof mod.default === 'object') exported = (mod.default as Record<string, unknown>)[exportName];
    if (typeof exported !== 'function') {
      throw new TypeError(`${exportName} ${exported === undefined ? 'is not exported by' : 'is not a function in'} ${url}: an actor's export must be a factory returning its behaviour`);
    }
    const factory = exported as (...a: unknown[]) => Behaviour<unknown, unknown>;
    hosted.ref = actorFromSettings(
      () => {
        const behaviour = factory(...args);
        if (behaviour === null || typeof behaviour !== 'object' || typeof behaviour.receive !== 'function') {
          throw new TypeError(`${exportName}() must return an actor behaviour: an object with a receive(msg, ctx) method`);
        }
        return behaviour;
      },
      {
        name: request.name,
        // Host senders are bounded by their credits; this bound is for senders inside this worker.
        mailbox: request.mailbox,
        askTimeout: request.askTimeout,
        clock: systemClock,
        supervisor: hosted,
        onTake: () => hosted.taken(),
        self: request.self as ActorRef<unknown, unknown> | undefined,
      },
    );
  } catch (error) {
    peer.post(START_FAILED, key, peer.error(error));
    return;
  }
  hosted.exportId = peer.exportAs(hosted.ref, hosted);
  actors.set(key, hosted);
  peer.post(STARTED, key, hosted.exportId);
  hosted.ref.join().then(
    () => ended(peer, actors, hosted, true, undefined),
    (error: unknown) => ended(peer, actors, hosted, false, error),
  );
}

function ended(peer: Peer, actors: Map<number, HostedActor>, hosted: HostedActor, ok: boolean, error: unknown): void {
  actors.delete(hosted.key);
  peer.post(ENDED, hosted.key, ok, ok ? undefined : peer.error(error));
  peer.unexport(hosted.exportId);
}
