// One end of a link between two event loops: batched messages, requests and replies, and proxies of the other side's objects.
import { encode, MARK, unwrap, Unsendable, wrap, type Remotable } from './pack.js';
import { unsendableError, type Destination } from './sendable-path.js';

/** The transport under a peer: posts one batch to the other side (structured-cloned, in order). */
export interface Link {
  /** Throws synchronously when a value cannot be cloned; the peer then finds the message at fault. */
  post(batch: unknown[]): void;
}

/** What the transport lends a peer: how errors travel and how an unsendable value is explained. */
export interface PeerOptions {
  link: Link;
  /** The other side shares this process and thread (the loop placement): values and errors pass by reference. */
  byReference?: boolean | undefined;
  /** Names the other side in errors: `'a thread'`, `'a process'`, `'the host'`. */
  destination: Destination;
  serializeError(error: unknown): unknown;
  deserializeError(data: unknown): unknown;
}

/** Reads one message: its fields are `batch[at + 1]` … `batch[at + arity]`. */
export type Handler = (batch: unknown[], at: number) => void;

/**
 * This side's half of an exported object: it serves the importer's messages about the object and
 * is disposed when the importer releases its proxy or the link dies, so that nothing held for the
 * other side (a reserved slot, a pending receive, a subscription) outlives it.
 */
export interface ExportEntry {
  dispose(): void;
}

/** The importer's proxy of an object on the other side; told when the link is lost. */
export interface ImportedProxy {
  linkLost(error: unknown): void;
}

/**
 * How one kind of object crosses a link: the description its marker carries, the exporting side's
 * entry, the importing side's proxy. Registered once per process with `registerCodec`.
 */
export interface Codec<T extends object = object> {
  readonly name: string;
  describe(obj: T, peer: Peer): unknown;
  exporter(peer: Peer, obj: T, id: number): ExportEntry;
  importer(peer: Peer, id: number, description: unknown): object & ImportedProxy;
  /** Why `obj` cannot cross this peer's link, or `undefined` when it can (see `ValueCodec.refuse`). */
  refuse?(obj: T, peer: Peer): string | undefined;
}

/**
 * How an object that is its own value crosses a link — a view of shared memory: the marker carries
 * `describe()`'s result and the other side `rebuild()`s the object from it. Nothing is exported,
 * counted or released, and no message about the object ever crosses the link afterwards.
 */
export interface ValueCodec<T extends object = object> {
  readonly name: string;
  readonly byValue: true;
  describe(obj: T, peer: Peer): unknown;
  rebuild(description: unknown, peer: Peer): object;
  /**
   * Why `obj` cannot cross this peer's link (shared memory to a process), or `undefined` when it can.
   * `pack()` then throws a TypeError at the call: where the object sits, then this reason
   * (`args[0] is a shared channel and cannot be sent to a process: …`).
   */
  refuse?(obj: T, peer: Peer): string | undefined;
}

/** Internal slot of a proxy: which peer made it and under which id, so it can go home as the original. */
export const PROXY_OF: unique symbol = Symbol.for('braid.proxyOf') as never;

interface ProxyIdentity {
  readonly peer: Peer;
  readonly id: number;
}

const codecs = new Map<string, Codec<any> | ValueCodec<any>>();
const services: ((peer: Peer) => void)[] = [];

/** Runs `install(peer)` for every peer made from now on: a service registers its message kinds there. */
export function registerService(install: (peer: Peer) => void): void {
  services.push(install);
}

/** Makes objects branded `[REMOTABLE]: codec.name` sendable over every link. */
export function registerCodec<T extends object>(codec: Codec<T> | ValueCodec<T>): void {
  codecs.set(codec.name, codec);
}

/** Base message kinds; services take kinds from `kinds.ts`. */
const REPLY = 1;
const RELEASE = 2;
/** A batch this long is posted at once instead of waiting for the flush. */
const EAGER_POST = 8_192;

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface Exported {
  readonly obj: object;
  readonly entry: ExportEntry;
  /** Markers sent for it and not yet released by the importer. */
  sent: number;
}

interface Imported {
  readonly ref: WeakRef<object & ImportedProxy>;
  /** Markers received for it, reported back when the proxy is collected. */
  received: number;
}

const finalizer = new FinalizationRegistry<{ peer: Peer; id: number; ref: WeakRef<object> }>(({ peer, id, ref }) => peer.collected(id, ref));

/**
 * One end of a link. Messages are flat: a kind tag, then a fixed number of fields, many messages per
 * posted batch (as in the executors' protocol, for the same reason: a wake-up of the other side costs
 * far more than a message). A flush is a `process.nextTick` queued by the first message: it runs when
 * the current microtask queue has drained, so a lone request leaves at once and a stream of messages
 * (a producer awaiting sends that have credit) travels in batches as large as its credits allow.
 *
 * Objects cross as proxies: `pack()` replaces each branded object (a channel, an actor ref, a bus)
 * with a marker and exports it under an id; the other side's `unpack()` makes (or reuses) the proxy.
 * A proxy that comes back over the link it arrived on is unpacked as the original. Exports are
 * counted (markers sent vs markers the importer had received when its proxy was collected), so an
 * export released while a new marker for it is in flight stays alive.
 *
 * States: open → closed (`close(error)`: pending requests reject with `error`, proxies are told the
 * link is lost, exports are disposed; nothing is posted afterwards).
 */
export class Peer {
  readonly byReference: boolean;
  readonly destination: Destination;
  readonly #o: PeerOptions;
  readonly #handlers: (Handler | undefined)[] = [];
  readonly #arity: number[] = [];
  readonly #pending = new Map<number, Pending>();
  readonly #exports = new Map<number, Exported>();
  readonly #exportIds = new Map<object, number>();
  readonly #imports = new Map<number, Imported>();
  readonly #bound = new Map<number, object & ImportedProxy>();
  #nextRequest = 1;
  #nextExport = 1;
  #out: unknown[] = [];
  #flushes = 0;
  #scheduled = false;
  #closed: { error: unknown } | undefined;
  readonly #flushTask = () => {
    this.#scheduled = false;
    this.flush();
  };
  readonly #marker = (obj: Remotable, codec: string) => this.#markerOf(obj, codec);
  readonly #revive = (marker: Record<string, unknown>) => this.#reviveMarker(marker);

  constructor(options: PeerOptions) {
    this.#o = options;
    this.byReference = options.byReference === true;
    this.destination = options.destination;
    this.register(REPLY, 3, (b, at) => this.#onReply(b[at + 1] as number, b[at + 2] as boolean, b[at + 3]));
    this.register(RELEASE, 2, (b, at) => this.#onRelease(b[at + 1] as number, b[at + 2] as number));
    for (const install of services) install(this);
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Why the link closed, once it has. */
  get closeReason(): unknown {
    return this.#closed?.error;
  }

  /** Routes messages of `kind` (with `arity` fields) to `handler`. */
  register(kind: number, arity: number, handler: Handler): void {
    if (this.#handlers[kind] !== undefined) throw new Error(`Message kind ${kind} is already registered`);
    this.#handlers[kind] = handler;
    this.#arity[kind] = arity;
  }

  /** Handles one batch from the other side. */
  receive(batch: unknown[]): void {
    if (this.#closed) return;
    for (let i = 0; i < batch.length; ) {
      const kind = batch[i] as number;
      const handler = this.#handlers[kind];
      if (handler === undefined) throw new Error(`Unknown peer message kind ${kind}`);
      handler(batch, i);
      i += this.#arity[kind]! + 1;
    }
  }

  /** Queues a message; it leaves with the next flush. No-op once closed. */
  post(kind: number, ...fields: unknown[]): void {
    if (this.#closed) return;
    const out = this.#out;
    out.push(kind);
    for (let i = 0; i < fields.length; i++) out.push(fields[i]);
    this.#schedule();
  }

  /** `post()` of a two-field message without the rest-argument array: for messages sent per value. */
  post2(kind: number, a: unknown, b: unknown): void {
    if (this.#closed) return;
    this.#out.push(kind, a, b);
    this.#schedule();
  }

  /**
   * Counts flushes: a service that appends values to an array it already posted (one message per
   * batch instead of one per value) starts a new array once this has changed, since the old one has
   * been cloned and sent.
   */
  get flushes(): number {
    return this.#flushes;
  }

  /** Sends a request and resolves with the other side's `reply()`; rejects with its error or the link's. */
  request(kind: number, ...fields: unknown[]): Promise<unknown> {
    return this.call(kind, fields).promise;
  }

  /** `request()` that also tells the request's id, so the caller can `forget()` it (a local timeout). */
  call(kind: number, fields: unknown[]): { id: number; promise: Promise<unknown> } {
    const id = this.#nextRequest++;
    if (this.#closed) return { id, promise: Promise.reject(this.#closed.error) };
    const promise = new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
    });
    this.post(kind, id, ...fields);
    return { id, promise };
  }

  /** Stops waiting for request `id`: its reply, if one comes, is dropped. */
  forget(id: number): void {
    this.#pending.delete(id);
  }

  /**
   * Exports `obj` under a new id with an entry the caller made (a service that needs more than its
   * codec's generic entry, such as an actor hosted in this worker). Counted like any export, and kept
   * at least until `unexport(id)`.
   */
  exportAs(obj: object, entry: ExportEntry): number {
    const id = this.#nextExport++;
    // One extra count stands for the service's own hold, so the importer's releases never drop it.
    this.#exports.set(id, { obj, entry, sent: 1 });
    this.#exportIds.set(obj, id);
    return id;
  }

  /** Drops the service's hold taken by `exportAs()`; the entry is disposed once the importer has released it too. */
  unexport(id: number): void {
    this.#onRelease(id, 1);
  }

  /**
   * Makes markers for export `id` of the other side revive as `obj` (a service's own stable facade)
   * instead of a fresh proxy. Held strongly until `unbindImport(id)` or the link closes.
   */
  bindImport(id: number, obj: object & ImportedProxy): void {
    this.#bound.set(id, obj);
  }

  unbindImport(id: number): void {
    this.#bound.delete(id);
  }

  /** Answers request `id`: `value` is sent packed; an error crosses serialized. */
  reply(id: number, ok: boolean, value: unknown): void {
    if (ok) {
      let packed: unknown;
      try {
        packed = this.pack(value, 'result');
      } catch (error) {
        this.post(REPLY, id, false, this.error(error));
        return;
      }
      this.post(REPLY, id, true, packed);
    } else {
      this.post(REPLY, id, false, this.error(value));
    }
  }

  /** Settles a request from its promise: the usual way a handler answers. */
  replyWith(id: number, promise: PromiseLike<unknown>): void {
    promise.then(
      (value) => this.reply(id, true, value),
      (error: unknown) => this.reply(id, false, error),
    );
  }

  /** An error in transit form: serialized, unless values pass by reference. */
  error(error: unknown): unknown {
    return this.byReference ? error : this.#o.serializeError(error);
  }

  /** Revives an error that `error()` sent. */
  revive(data: unknown): unknown {
    return this.byReference ? data : this.#o.deserializeError(data);
  }

  /**
   * Prepares `value` (named `root` in errors) to cross: branded objects become markers. Throws a
   * TypeError naming the part that cannot be sent (a function, a symbol).
   */
  pack(value: unknown, root: string): unknown {
    if (this.byReference) return value;
    if (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol') return value;
    try {
      return wrap(value, encode(value, this.#marker));
    } catch (error) {
      if (error instanceof Unsendable) throw unsendableError(value, root, this.destination, error);
      if (error instanceof Refused) throw new TypeError(`${pathTo(value, error.obj, root, new Set()) ?? root} ${error.message}`);
      throw error;
    }
  }

  /** The receiving side of `pack()`. */
  unpack(value: unknown): unknown {
    return this.byReference ? value : unwrap(value, this.#revive);
  }

  /** The object exported under `id`, or undefined once released or never exported. */
  exported<T extends object>(id: number): T | undefined {
    return this.#exports.get(id)?.obj as T | undefined;
  }

  /** The live proxy (or bound facade) this side imported as `id`. */
  imported<T extends object>(id: number): T | undefined {
    return (this.#bound.get(id) ?? this.#imports.get(id)?.ref.deref()) as T | undefined;
  }

  /** The entry serving exported `id`. */
  exportEntry<T extends ExportEntry>(id: number): T | undefined {
    return this.#exports.get(id)?.entry as T | undefined;
  }

  /** Sends everything queued. */
  flush(): void {
    if (this.#out.length === 0 || this.#closed) return;
    const batch = this.#out;
    this.#out = [];
    this.#flushes++;
    try {
      this.#o.link.post(batch);
    } catch (error) {
      this.#postOneByOne(batch, error);
    }
  }

  /**
   * The link is gone: every pending request rejects with `error`, proxies are told, exports are
   * disposed. Idempotent.
   */
  close(error: unknown): void {
    if (this.#closed) return;
    this.#closed = { error };
    this.#out = [];
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(error);
    for (const { ref } of this.#imports.values()) ref.deref()?.linkLost(error);
    this.#imports.clear();
    for (const obj of this.#bound.values()) obj.linkLost(error);
    this.#bound.clear();
    for (const { entry } of this.#exports.values()) entry.dispose();
    this.#exports.clear();
    this.#exportIds.clear();
  }

  /** Internal (FinalizationRegistry): an imported proxy was collected; tell the exporter. */
  collected(id: number, ref: WeakRef<object>): void {
    const imported = this.#imports.get(id);
    if (imported === undefined || imported.ref !== ref) return;
    this.#imports.delete(id);
    this.post(RELEASE, id, imported.received);
  }

  #schedule(): void {
    if (this.#out.length >= EAGER_POST) {
      this.flush();
      return;
    }
    if (this.#scheduled) return;
    this.#scheduled = true;
    // A tick queued from inside a promise job runs once the microtask queue has drained: everything
    // this turn produced (a reply and the credit before it, a burst of sends that had credit) leaves
    // in one batch, and nothing waits for the next turn of the event loop.
    process.nextTick(this.#flushTask);
  }

  #postOneByOne(batch: unknown[], _batchError: unknown): void {
    for (let i = 0; i < batch.length; ) {
      const kind = batch[i] as number;
      const n = (this.#arity[kind] ?? 0) + 1;
      const message = batch.slice(i, i + n);
      i += n;
      try {
        this.#o.link.post(message);
      } catch (error) {
        // A request whose fields cannot be cloned fails its caller; anything else is reported.
        const pending = kind !== REPLY ? this.#pending.get(message[1] as number) : undefined;
        if (pending !== undefined) {
          this.#pending.delete(message[1] as number);
          pending.reject(unsendableError(message.slice(2), 'message', this.destination, error));
        } else if (kind === REPLY) {
          this.#o.link.post([REPLY, message[1], false, this.error(unsendableError(message[3], 'result', this.destination, error))]);
        } else {
          process.emitWarning(`Braid could not send a message to ${this.destination}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
  }

  #onReply(id: number, ok: boolean, value: unknown): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    if (ok) pending.resolve(this.unpack(value));
    else pending.reject(this.revive(value));
  }

  #markerOf(obj: Remotable, name: string): object {
    const home = (obj as unknown as { [PROXY_OF]?: ProxyIdentity })[PROXY_OF];
    if (home !== undefined && home.peer === this) return { [MARK]: '', i: home.id };
    const codec = codecs.get(name);
    if (codec === undefined) throw new TypeError(`No codec is registered for ${name} objects`);
    const refusal = codec.refuse?.(obj, this);
    if (refusal !== undefined) throw new Refused(obj, refusal);
    if ('byValue' in codec) return { [MARK]: name, d: codec.describe(obj, this) };
    let id = this.#exportIds.get(obj);
    let exported = id === undefined ? undefined : this.#exports.get(id);
    if (exported === undefined) {
      id = this.#nextExport++;
      exported = { obj, entry: codec.exporter(this, obj, id), sent: 0 };
      this.#exports.set(id, exported);
      this.#exportIds.set(obj, id);
    }
    exported.sent++;
    return { [MARK]: name, i: id, d: codec.describe(obj, this) };
  }

  #reviveMarker(marker: Record<string, unknown>): unknown {
    const name = marker[MARK] as string;
    const codec = codecs.get(name);
    if (codec !== undefined && 'byValue' in codec) return codec.rebuild(marker.d, this);
    const id = marker.i as number;
    if (name === '') {
      const exported = this.#exports.get(id);
      if (exported === undefined) throw new Error(`A reference came back for export ${id}, which no longer exists`);
      return exported.obj;
    }
    const bound = this.#bound.get(id);
    if (bound !== undefined) return bound;
    const known = this.#imports.get(id);
    const alive = known?.ref.deref();
    if (known !== undefined && alive !== undefined) {
      known.received++;
      return alive;
    }
    if (codec === undefined) throw new TypeError(`No codec is registered for ${name} objects`);
    const proxy = codec.importer(this, id, marker.d);
    Object.defineProperty(proxy, PROXY_OF, { value: { peer: this, id } satisfies ProxyIdentity });
    const ref = new WeakRef(proxy);
    // A collected proxy whose id was already re-imported reports under the old entry's count.
    if (known !== undefined) this.post(RELEASE, id, known.received);
    this.#imports.set(id, { ref, received: 1 });
    finalizer.register(proxy, { peer: this, id, ref });
    return proxy;
  }

  #onRelease(id: number, count: number): void {
    const exported = this.#exports.get(id);
    if (exported === undefined) return;
    exported.sent -= count;
    if (exported.sent > 0) return;
    this.#exports.delete(id);
    this.#exportIds.delete(exported.obj);
    exported.entry.dispose();
  }
}

/** Thrown inside the walk when a codec refuses an object on this link; `pack()` says where it sits. */
class Refused extends Error {
  constructor(
    readonly obj: object,
    reason: string,
  ) {
    super(reason);
  }
}

/** Where `target` sits inside `value` (`args[1].out`); walked only to word a refusal. */
function pathTo(value: unknown, target: object, path: string, seen: Set<object>): string | undefined {
  if (value === target) return path;
  if (typeof value !== 'object' || value === null || seen.has(value)) return undefined;
  seen.add(value);
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [`${path}[${i}]`, v])
    : value instanceof Map
      ? [...value].map(([k, v]) => [`${path}.get(${typeof k === 'string' ? JSON.stringify(k) : String(k)})`, v])
      : value instanceof Set
        ? [...value].map((v, i) => [`${path}.values()[${i}]`, v])
        : Object.keys(value).map((k) => [/^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`, (value as Record<string, unknown>)[k]]);
  for (const [at, v] of entries) {
    const hit = pathTo(v, target, at, seen);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

