// The transport a pool drives: one worker (thread, child process, or the loop itself) behind one interface.
import type { TransferListItem } from 'node:worker_threads';
import type { Batch, LoneResult } from './protocol.js';

/** How a worker ended. `error` is what killed it, when known (uncaught error, start-up failure). */
export interface WorkerExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  error?: unknown;
}

/** What a handle reports to its pool. Called on the host's event loop, never re-entrantly from post(). */
export interface WorkerHandleEvents {
  message(batch: Batch | LoneResult): void;
  exit(exit: WorkerExit): void;
  /** A callHostSync arrived on the handle's side channel; the result is sent back by the handle. */
  callHost(name: string, args: unknown[]): Promise<unknown>;
}

/**
 * One worker as its pool sees it. `post` throws synchronously when a value cannot be cloned (the
 * pool then finds the culprit); `close` lets the worker leave once it is idle, `kill` ends it now.
 * After either, exactly one `exit` event follows.
 */
export interface WorkerHandle {
  /** Thread id or process id, for stats and tests. */
  readonly id: number;
  /** True when values pass by reference (the loop); errors then travel as they are. */
  readonly inProcess: boolean;
  /** False when posts must wait for the worker's READY (a child process drops earlier messages). */
  readonly acceptsEarly: boolean;
  post(batch: Batch, transfer: TransferListItem[] | undefined): void;
  /** Keeps the host alive only while the worker holds tasks. */
  setBusy(busy: boolean): void;
  close(): void;
  kill(): void;
}

/** Starts one worker. */
export type WorkerFactory = (events: WorkerHandleEvents) => WorkerHandle;
