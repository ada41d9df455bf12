// A pool worker on a worker thread, with the SharedArrayBuffer side channel that callHostSync blocks on.
import type { TransferListItem } from 'node:worker_threads';
import { MessageChannel, Worker, type ResourceLimits } from 'node:worker_threads';
import { serializeError } from './error-serialization.js';
import type { ThreadWorkerData } from './thread-entry.js';
import type { Batch, LoneResult } from './protocol.js';
import { unsendableError } from './sendable-path.js';
import type { WorkerExit, WorkerHandle, WorkerHandleEvents } from './worker-handle.js';

/** Options every thread of a pool is started with. */
export interface ThreadWorkerOptions {
  heapReportMs: number;
  hostCallTimeout: number;
  resourceLimits?: ResourceLimits | undefined;
}

// From dist the entry is a .js file. From src (tests, under tsx) it is TypeScript, and on Node 20
// a thread does not get the parent's `--import tsx` hooks, so a tiny script registers tsx first.
const fromSource = import.meta.url.endsWith('.ts');
const entryUrl = new URL(`./thread-entry${fromSource ? '.ts' : '.js'}`, import.meta.url);
const bootstrap = fromSource
  ? `globalThis[Symbol.for('braid.tsxRegistered')] = true;
import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((api) => { api.register(); return import(${JSON.stringify(entryUrl.href)}); });`
  : undefined;

/**
 * A worker thread.
 *
 *   starting ──READY──▶ ready ──close()/kill()──▶ exiting ──'exit'──▶ exited
 *       └────────────────────── crash ('error' + 'exit') ─────────────────▲
 */
export class ThreadWorkerHandle implements WorkerHandle {
  readonly id: number;
  readonly inProcess = false;
  // A thread's port queues messages until the worker listens.
  readonly acceptsEarly = true;
  readonly #worker: Worker;
  readonly #events: WorkerHandleEvents;
  readonly #syncPort;
  readonly #syncState: Int32Array;
  #error: unknown;
  #busy = true;

  constructor(events: WorkerHandleEvents, options: ThreadWorkerOptions) {
    this.#events = events;
    const { port1, port2 } = new MessageChannel();
    this.#syncPort = port1;
    this.#syncState = new Int32Array(new SharedArrayBuffer(4));
    const workerData: ThreadWorkerData = {
      heapReportMs: options.heapReportMs,
      hostCallTimeout: options.hostCallTimeout,
      syncPort: port2,
      syncState: this.#syncState,
    };
    this.#worker = new Worker(bootstrap ?? entryUrl, {
      eval: bootstrap !== undefined,
      workerData,
      transferList: [port2],
      ...(options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits }),
    });
    this.id = this.#worker.threadId;
    this.#worker.on('message', (batch: Batch | LoneResult) => events.message(batch));
    this.#worker.on('error', (error) => {
      this.#error = error;
    });
    this.#worker.on('exit', (exitCode) => {
      this.#syncPort.close();
      const exit: WorkerExit = { exitCode, signal: null };
      if (this.#error !== undefined) exit.error = this.#error;
      events.exit(exit);
    });
    port1.on('message', (message: [number, string, unknown[]]) => this.#onSyncCall(message));
    port1.unref();
  }

  post(batch: Batch, transfer: TransferListItem[] | undefined): void {
    if (transfer === undefined) this.#worker.postMessage(batch);
    else this.#worker.postMessage(batch, transfer as never);
  }

  setBusy(busy: boolean): void {
    if (busy === this.#busy) return;
    this.#busy = busy;
    if (busy) this.#worker.ref();
    else this.#worker.unref();
  }

  close(): void {
    void this.#worker.terminate();
  }

  kill(): void {
    void this.#worker.terminate();
  }

  #onSyncCall([seq, name, args]: [number, string, unknown[]]): void {
    const reply = (ok: boolean, value: unknown) => {
      try {
        this.#syncPort.postMessage([seq, ok, value]);
      } catch (error) {
        this.#syncPort.postMessage([seq, false, serializeError(unsendableError(value, 'result', 'a thread', error))]);
      }
      // Post first, then bump and wake: the worker reads the counter before draining the port.
      Atomics.add(this.#syncState, 0, 1);
      Atomics.notify(this.#syncState, 0);
    };
    this.#events.callHost(name, args).then(
      (value) => reply(true, value),
      (error: unknown) => reply(false, serializeError(error)),
    );
  }
}
