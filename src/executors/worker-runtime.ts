// The worker side of every placement: loads task modules, runs tasks in their context, batches results.
import { createPeer } from '../communication/remote/create-peer.js';
import type { Peer } from '../communication/remote/peer.js';
import { installActorHost } from './actor-host.js';
import { BRIDGE, taskStorage, WORKER_BRIDGE, type HostBridge, type Placement, type TaskContext } from './current-task.js';
import { deserializeError, serializeError, type SerializedError } from './error-serialization.js';
import { ARITY, CALL, CANCEL, FAIL, FLAG_ARMED, FLAG_ISOLATE, FLAG_PROGRESS, FLAG_TIMEOUT, HEAP, isLoneResult, LOAD, OK, PEER, PROGRESS, REPLY, RUN, SLOW_BATCH_MS, splitBatch, STARTED, type Batch, type LoneResult } from './protocol.js';
import { unsendableError } from './sendable-path.js';

/** How a WorkerRuntime talks to its host. */
export interface WorkerRuntimeOptions {
  placement: Placement;
  /** Sends one batch (or a lone result) to the host; throws when a value cannot be cloned. */
  post(batch: Batch | LoneResult): void;
  /** Blocks until the host answers an exposed call (threads/processes); absent on the loop. */
  callSync?: ((name: string, args: unknown[]) => unknown) | undefined;
  /** Imports a module by URL; threads and processes add TypeScript support around `import()`. */
  importModule(url: string): Promise<Record<string, unknown>>;
}

type Module = Record<string, unknown>;

const RESOLVED = Promise.resolve();

/**
 * A task the worker is running. Its signal is created on first use: most tasks never look at it,
 * and an AbortController per task would be most of the per-task cost for trivial tasks.
 *
 *   running ──CANCEL──▶ cancelled (signal aborts now or when first read) ──settle──▶ gone
 *      └────────────────────────────settle──────────────────────────────────────────▶ gone
 */
class RunningTask implements TaskContext {
  readonly placement: Placement;
  readonly data: unknown;
  readonly id: number;
  readonly flags: number;
  readonly #runtime: WorkerRuntime;
  #controller: AbortController | undefined;
  cancelled = false;
  reason: unknown;
  [BRIDGE]?: HostBridge;

  constructor(runtime: WorkerRuntime, id: number, flags: number, data: unknown, placement: Placement, bridge: HostBridge | undefined) {
    this.#runtime = runtime;
    this.id = id;
    this.flags = flags;
    this.data = data;
    this.placement = placement;
    if (bridge !== undefined) this[BRIDGE] = bridge;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.cancelled) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }

  callHook(name: string, ...args: unknown[]): Promise<unknown> {
    if (typeof name !== 'string' || name === '') return Promise.reject(new TypeError('name must be a non-empty string'));
    return this.#runtime.callHost(name, args, this.id);
  }

  progress(value: unknown, message?: string): void {
    if ((this.flags & FLAG_PROGRESS) === 0) return;
    if (message !== undefined && typeof message !== 'string') throw new TypeError('message must be a string');
    this.#runtime.emitProgress(this.id, this.flags, value, message);
  }

  cancel(reason: unknown): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.reason = reason;
    // Abort listeners run synchronously here; give them the task's context, as if the task ran them.
    if (this.#controller !== undefined) taskStorage.run(this, abort, this.#controller, reason);
  }
}

function abort(controller: AbortController, reason: unknown): void {
  controller.abort(reason);
}

/**
 * Runs the tasks a host sends. The host decides how many tasks a worker holds (its
 * `concurrencyPerWorker`), so every RUN starts at once. Results, errors and progress are queued in
 * one outgoing batch, flushed at the end of the incoming batch or in a microtask, so a burst of
 * small tasks costs one message each way.
 */
export class WorkerRuntime {
  readonly #options: WorkerRuntimeOptions;
  readonly #inProcess: boolean;
  readonly #urls: string[] = [];
  readonly #loaded: (Module | undefined)[] = [];
  readonly #loading = new Map<number, Promise<Module>>();
  readonly #tasks = new Map<number, RunningTask>();
  readonly #calls = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
  readonly #bridge: HostBridge;
  /** Threads and processes: the link to the host for actors, channels and buses (the loop passes them by reference). */
  readonly #peer: Peer | undefined;
  #nextCall = 1;
  #out: Batch = [];
  #receiving = false;
  #lastFlush = 0;
  #flushQueued = false;
  readonly #flushTask = () => {
    this.#flushQueued = false;
    this.flush();
  };

  constructor(options: WorkerRuntimeOptions) {
    this.#options = options;
    this.#inProcess = options.placement === 'loop';
    this.#bridge = {
      call: (name, args) => this.#callHost(name, args, 0),
      callSync: (name, args) => {
        if (options.callSync === undefined) {
          throw new Error('callHostSync() cannot be used on the loop placement: it would block the event loop the host function runs on; use await callHost()');
        }
        return options.callSync(name, args);
      },
    };
    // Workers own their process or thread, so their bridge is the global one; the loop shares the
    // process with the host and puts its bridge in each task's context instead.
    if (!this.#inProcess) (globalThis as Record<symbol, unknown>)[WORKER_BRIDGE] = this.#bridge;
    if (this.#inProcess) {
      this.#peer = undefined;
    } else {
      this.#peer = createPeer({
        destination: 'the caller',
        serializeError,
        deserializeError,
        link: { post: (batch) => options.post([PEER, batch]) },
      });
      installActorHost(this.#peer, options.importModule);
    }
  }

  /** Handles one batch from the host. */
  receive(batch: Batch): void {
    this.#receiving = true;
    this.#lastFlush = performance.now();
    try {
      for (let i = 0; i < batch.length; ) {
        const kind = batch[i] as number;
        switch (kind) {
          case RUN:
            this.#run(batch[i + 1] as number, batch[i + 2] as number, batch[i + 3] as string, batch[i + 4] as unknown[], batch[i + 5] as number, batch[i + 6]);
            break;
          case LOAD:
            this.#urls[batch[i + 1] as number] = batch[i + 2] as string;
            break;
          case CANCEL:
            this.#tasks.get(batch[i + 1] as number)?.cancel(this.#inProcess ? batch[i + 2] : deserializeError(batch[i + 2] as SerializedError));
            break;
          case REPLY:
            this.#reply(batch[i + 1] as number, batch[i + 2] as boolean, batch[i + 3]);
            break;
          case PEER:
            this.#peer?.receive(batch[i + 1] as unknown[]);
            break;
          default:
            throw new Error(`Unknown message kind ${kind}`);
        }
        i += (ARITY[kind] ?? 0) + 1;
      }
    } finally {
      this.#receiving = false;
    }
    if (this.#out.length > 0) this.flush();
  }

  /** Internal: queued by RunningTask.progress(). */
  emitProgress(id: number, flags: number, value: unknown, message: string | undefined): void {
    if ((flags & FLAG_ISOLATE) !== 0) value = structuredClone(value);
    this.#push4(PROGRESS, id, value, message);
  }

  /** Tells the host how much heap this worker uses (for recycling by heap size). */
  reportHeap(bytes: number): void {
    this.#out.push(HEAP, bytes);
    this.#scheduleFlush();
  }

  /** Sends everything queued for the host. */
  flush(): void {
    // Peer messages first: what a task sent on a channel or to an actor reaches the host before its result.
    this.#peer?.flush();
    if (this.#out.length === 0) return;
    const batch = this.#out;
    this.#out = [];
    try {
      // The only result, of the last task held, goes as itself (see LoneResult). The loop passes
      // batches by reference, so only a cloning placement gains.
      if (batch.length === 3 && batch[0] === OK && this.#tasks.size === 0 && !this.#inProcess && isLoneResult(batch[2])) this.#options.post(batch[2]);
      else this.#options.post(batch);
    } catch {
      this.#postOneByOne(batch);
    }
  }

  #run(id: number, modId: number, exportName: string, packedArgs: unknown, flags: number, data: unknown): void {
    let args: unknown[];
    try {
      args = (this.#peer === undefined ? packedArgs : this.#peer.unpack(packedArgs)) as unknown[];
    } catch (error) {
      this.#settle(id, flags, FAIL, error);
      return;
    }
    // Registered before the module loads, so a CANCEL that arrives during the import is not lost.
    const task = new RunningTask(this, id, flags, data, this.#options.placement, this.#inProcess ? this.#bridge : undefined);
    this.#tasks.set(id, task);
    const mod = this.#loaded[modId];
    if (mod !== undefined) {
      this.#start(mod, modId, task, exportName, args);
      return;
    }
    this.#load(modId).then(
      (loaded) => {
        this.#start(loaded, modId, task, exportName, args);
      },
      (error: unknown) => {
        this.#settle(id, flags, FAIL, error);
      },
    );
  }

  #load(modId: number): Promise<Module> {
    let pending = this.#loading.get(modId);
    if (pending === undefined) {
      const url = this.#urls[modId];
      pending =
        url === undefined
          ? Promise.reject(new Error(`Module ${modId} was never announced to this worker`))
          : this.#options.importModule(url).then(
              (mod) => (this.#loaded[modId] = mod),
              (error: unknown) => {
                // Let a later task try again (the file may appear); Node itself caches what must stay failed.
                this.#loading.delete(modId);
                throw error;
              },
            );
      this.#loading.set(modId, pending);
    }
    return pending;
  }

  #start(mod: Module, modId: number, task: RunningTask, exportName: string, args: unknown[]): void {
    const { id, flags } = task;
    // The host starts this task's timeout when it hears it started: tell it now, before a
    // synchronous task could keep this thread from saying anything.
    if ((flags & (FLAG_TIMEOUT | FLAG_ARMED)) === FLAG_TIMEOUT) {
      this.#out.push(STARTED, id);
      this.flush();
    }
    if (task.cancelled) {
      this.#settle(id, flags, FAIL, task.reason);
      return;
    }
    let fn = mod[exportName];
    // A CommonJS module (or TypeScript compiled to it) may expose its exports only as `default`.
    if (fn === undefined && mod.default !== null && (typeof mod.default === 'object' || typeof mod.default === 'function')) {
      fn = (mod.default as Module)[exportName];
    }
    if (typeof fn !== 'function') {
      const what = fn === undefined ? 'is not exported by' : 'is not a function in';
      this.#settle(id, flags, FAIL, new TypeError(`${exportName} ${what} ${this.#urls[modId] ?? 'the module'}`));
      return;
    }
    let result: unknown;
    try {
      result = taskStorage.run(task, fn as (...a: unknown[]) => unknown, ...args);
    } catch (error) {
      this.#settle(id, flags, FAIL, error);
      return;
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      (result as PromiseLike<unknown>).then(
        (value) => this.#settle(id, flags, OK, value),
        (error: unknown) => this.#settle(id, flags, FAIL, error),
      );
    } else {
      this.#settle(id, flags, OK, result);
    }
  }

  #settle(id: number, flags: number, kind: typeof OK | typeof FAIL, value: unknown): void {
    this.#tasks.delete(id);
    if (kind === OK && this.#peer !== undefined) {
      try {
        value = this.#peer.pack(value, 'result');
      } catch (error) {
        kind = FAIL;
        value = error;
      }
    }
    if (kind === OK) {
      if ((flags & FLAG_ISOLATE) !== 0) {
        try {
          value = structuredClone(value);
        } catch (error) {
          kind = FAIL;
          value = unsendableError(value, 'result', 'the caller', error);
        }
      }
    }
    if (kind === FAIL) value = this.#inProcess && (flags & FLAG_ISOLATE) === 0 ? { e: 0, value } : serializeError(value);
    this.#push3(kind, id, value);
  }

  /** Internal: a call to the host; `taskId` 0 means an exposed function, else that task's hook. */
  callHost(name: string, args: unknown[], taskId: number): Promise<unknown> {
    return this.#callHost(name, args, taskId);
  }

  #callHost(name: string, args: unknown[], taskId: number): Promise<unknown> {
    const callId = this.#nextCall++;
    return new Promise((resolve, reject) => {
      this.#calls.set(callId, { resolve, reject });
      this.#out.push(CALL, callId, name, args, taskId);
      this.#scheduleFlush();
    });
  }

  #reply(callId: number, ok: boolean, value: unknown): void {
    const call = this.#calls.get(callId);
    if (call === undefined) return;
    this.#calls.delete(callId);
    if (ok) call.resolve(value);
    else call.reject(this.#inProcess ? value : deserializeError(value as SerializedError));
  }

  #push3(kind: number, a: unknown, b: unknown): void {
    this.#out.push(kind, a, b);
    this.#scheduleFlush();
  }

  #push4(kind: number, a: unknown, b: unknown, c: unknown): void {
    this.#out.push(kind, a, b, c);
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    // Inside receive() the flush happens when the batch is done, unless the batch is slow (CPU-bound
    // tasks): then results leave as they come, at most one message per SLOW_BATCH_MS, so a quick
    // task is not held back by slow siblings. Otherwise wait one microtask so results settling in
    // the same tick share a message.
    if (this.#receiving) {
      const now = performance.now();
      if (now - this.#lastFlush > SLOW_BATCH_MS) {
        this.#lastFlush = now;
        this.flush();
      }
      return;
    }
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    // A promise reaction, not queueMicrotask(), which builds an AsyncResource per call (see pool.ts).
    void RESOLVED.then(this.#flushTask);
  }

  /** A batch failed to clone: send its messages one by one and replace the ones that cannot go. */
  #postOneByOne(batch: Batch): void {
    for (const message of splitBatch(batch)) {
      try {
        this.#options.post(message);
        continue;
      } catch (error) {
        const kind = message[0] as number;
        const id = message[1] as number;
        if (kind === OK) {
          this.#tryPost([FAIL, id, serializeError(unsendableError(message[2], 'result', 'the caller', error))]);
        } else if (kind === FAIL) {
          const original = message[2] as SerializedError;
          const stripped: SerializedError =
            original.e === 1
              ? { e: 1, name: original.name, message: original.message, stack: original.stack }
              : serializeError(unsendableError(original.value, 'thrown value', 'the caller', error));
          this.#tryPost([FAIL, id, stripped]);
        } else if (kind === CALL) {
          this.#reply(id, false, this.#inProcess ? unsendableError(message[3], 'args', 'the host', error) : serializeError(unsendableError(message[3], 'args', 'the host', error)));
        } else if (kind === PROGRESS) {
          process.emitWarning(unsendableError(message[2], 'progress value', 'the caller', error).message);
        }
      }
    }
  }

  #tryPost(message: Batch): void {
    try {
      this.#options.post(message);
    } catch (error) {
      process.emitWarning(`Braid could not send a message to the host: ${String(error)}`);
    }
  }
}
