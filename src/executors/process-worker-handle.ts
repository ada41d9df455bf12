// A pool worker in a child process: IPC with structured-clone serialization plus a socket for callHostSync.
import type { TransferListItem } from 'node:worker_threads';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serialize, deserialize } from 'node:v8';
import { TimeoutError } from '../core/errors.js';
import { deserializeError, serializeError, type SerializedError } from './error-serialization.js';
import { CONFIG_ENV, CRASH, SYNC_FD, type Batch, type LoneResult } from './protocol.js';
import { unsendableError } from './sendable-path.js';
import type { WorkerExit, WorkerHandle, WorkerHandleEvents } from './worker-handle.js';

/** Options every child process of a pool is started with. */
export interface ProcessWorkerOptions {
  heapReportMs: number;
  hostCallTimeout: number;
  /** Extra Node flags, e.g. `['--max-old-space-size=64']`. */
  execArgv?: readonly string[] | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

const fromSource = import.meta.url.endsWith('.ts');
const entryPath = fileURLToPath(new URL(`./process-entry${fromSource ? '.ts' : '.js'}`, import.meta.url));
// From src (tests) the entry is TypeScript: load tsx explicitly, children do not inherit the
// parent's loader the way threads inherit execArgv.
const loaderArgs = fromSource ? ['--import', import.meta.resolve('tsx')] : [];
/** How long a child gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 500;

/**
 * A child process started with `spawn(process.execPath)` (never a fork of a threaded parent). The
 * child exits when its IPC channel closes, so it cannot outlive its parent, even a SIGKILLed one.
 *
 *   starting ──READY──▶ ready ──close(): disconnect──▶ exiting ──'exit'──▶ exited
 *       │ (takes no posts)          └──kill(): SIGTERM, SIGKILL after 500 ms──▲
 *       └────────────────────────────── crash ───────────────────────────────┘
 */
export class ProcessWorkerHandle implements WorkerHandle {
  readonly id: number;
  readonly inProcess = false;
  // A message sent before the child listens would be lost: the pool waits for READY.
  readonly acceptsEarly = false;
  readonly #child: ChildProcess;
  readonly #events: WorkerHandleEvents;
  readonly #options: ProcessWorkerOptions;
  readonly #sync: Socket;
  #crash: unknown;
  #spawnError: unknown;
  #exited = false;
  #busy = true;
  #syncBuffer: Buffer = Buffer.alloc(0);
  #killTimer: NodeJS.Timeout | undefined;

  constructor(events: WorkerHandleEvents, options: ProcessWorkerOptions) {
    this.#events = events;
    this.#options = options;
    this.#child = spawn(process.execPath, [...loaderArgs, ...(options.execArgv ?? []), entryPath], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'],
      serialization: 'advanced',
      env: { ...(options.env ?? process.env), [CONFIG_ENV]: JSON.stringify({ heapReportMs: options.heapReportMs }) },
    });
    this.id = this.#child.pid ?? -1;
    this.#sync = this.#child.stdio[SYNC_FD] as Socket;
    this.#sync.on('data', (chunk: Buffer) => this.#onSyncData(chunk));
    this.#sync.on('error', () => {});
    this.#child.on('message', (batch: Batch | LoneResult) => this.#onMessage(batch));
    this.#child.on('error', (error) => {
      this.#spawnError = error;
    });
    this.#child.on('exit', (exitCode, signal) => {
      this.#exited = true;
      clearTimeout(this.#killTimer);
      this.#sync.destroy();
      const exit: WorkerExit = { exitCode, signal };
      const error = this.#crash ?? this.#spawnError;
      if (error !== undefined) exit.error = error;
      events.exit(exit);
    });
  }

  post(batch: Batch, transfer: TransferListItem[] | undefined): void {
    if (transfer !== undefined) checkTransferable(transfer);
    this.#child.send(batch);
    // Same contract as a thread: what was transferred is no longer the sender's.
    if (transfer !== undefined) for (const item of transfer) if (item instanceof ArrayBuffer) structuredClone(item, { transfer: [item] });
  }

  setBusy(busy: boolean): void {
    if (busy === this.#busy || this.#exited) return;
    this.#busy = busy;
    if (busy) {
      this.#child.ref();
      this.#child.channel?.ref();
      this.#sync.ref();
    } else {
      this.#child.unref();
      this.#child.channel?.unref();
      this.#sync.unref();
    }
  }

  close(): void {
    if (this.#exited) return;
    if (this.#child.connected) this.#child.disconnect();
    else this.kill();
  }

  kill(): void {
    if (this.#exited || this.#killTimer !== undefined) return;
    this.#child.kill('SIGTERM');
    this.#killTimer = setTimeout(() => this.#child.kill('SIGKILL'), KILL_GRACE_MS);
  }

  #onMessage(batch: Batch | LoneResult): void {
    if (Array.isArray(batch) && batch[0] === CRASH && batch.length === 2) {
      this.#crash = deserializeError(batch[1] as SerializedError);
      return;
    }
    this.#events.message(batch);
  }

  /** Frames on the sync socket: u32le length + v8-serialized `[seq, name, args]`. */
  #onSyncData(chunk: Buffer): void {
    this.#syncBuffer = this.#syncBuffer.length === 0 ? chunk : Buffer.concat([this.#syncBuffer, chunk]);
    while (this.#syncBuffer.length >= 4) {
      const length = this.#syncBuffer.readUInt32LE(0);
      if (this.#syncBuffer.length < 4 + length) return;
      const [seq, name, args] = deserialize(this.#syncBuffer.subarray(4, 4 + length)) as [number, string, unknown[]];
      this.#syncBuffer = this.#syncBuffer.subarray(4 + length);
      this.#answerSync(seq, name, args);
    }
  }

  #answerSync(seq: number, name: string, args: unknown[]): void {
    let answered = false;
    const reply = (ok: boolean, value: unknown) => {
      if (answered || this.#exited) return;
      answered = true;
      clearTimeout(timer);
      let payload: Buffer;
      try {
        payload = serialize([seq, ok, value]);
      } catch (error) {
        payload = serialize([seq, false, serializeError(unsendableError(value, 'result', 'a process', error))]);
      }
      const header = Buffer.allocUnsafe(4);
      header.writeUInt32LE(payload.length, 0);
      this.#sync.write(Buffer.concat([header, payload]));
    };
    // The child cannot time out a blocking read, so the host answers for it when time is up.
    const timeout = this.#options.hostCallTimeout;
    const timer =
      timeout === Infinity
        ? undefined
        : setTimeout(
            () => reply(false, serializeError(new TimeoutError(`callHostSync('${name}') got no reply within ${timeout} ms`))),
            Math.min(timeout, 2_147_483_647),
          );
    timer?.unref();
    this.#events.callHost(name, args).then(
      (value) => reply(true, value),
      (error: unknown) => reply(false, serializeError(error)),
    );
  }
}

function checkTransferable(transfer: TransferListItem[]): void {
  for (const [i, item] of transfer.entries()) {
    if (!(item instanceof ArrayBuffer)) {
      throw new TypeError(`transfer[${i}] cannot be transferred to a process: only ArrayBuffers can (their contents are copied and the sender's buffer is detached)`);
    }
  }
}
