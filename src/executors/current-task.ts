// The running task's context (signal, progress), found through one process-wide AsyncLocalStorage.
import { AsyncLocalStorage } from 'node:async_hooks';

/** Where a task runs. */
export type Placement = 'loop' | 'thread' | 'process';

/**
 * What a task sees of its own run. Extensible: a higher layer (jobs) passes `data` in and may add
 * optional hooks; code that does not know a hook ignores it.
 */
export interface TaskContext {
  /** Aborts when the caller cancels, or the task's timeout or deadline passes. */
  readonly signal: AbortSignal;
  /** Where this task runs. */
  readonly placement: Placement;
  /** The caller's `data` option, cloned like the arguments (`undefined` when not given). */
  readonly data: unknown;
  /**
   * Reports progress to the caller's `onProgress(value, message)`, in order, before the result.
   * A no-op when the caller did not ask for progress.
   */
  progress(value: unknown, message?: string): void;
  /**
   * Calls one of the `hooks` the caller passed with this run and resolves with its result: a
   * per-task line back to the caller (the jobs layer builds `checkpoint(state)` on it). Rejects
   * when the caller gave no hook of that name.
   */
  callHook(name: string, ...args: unknown[]): Promise<unknown>;
}

/** Internal: how a context reaches the host bridge on its placement. */
export interface HostBridge {
  call(name: string, args: unknown[]): Promise<unknown>;
  callSync(name: string, args: unknown[]): unknown;
}

/** Internal key under which a context carries its bridge (the loop's; workers use WORKER_BRIDGE). */
export const BRIDGE: unique symbol = Symbol.for('braid.taskBridge') as never;
/** Internal global slot for the bridge of the worker this code runs in. */
export const WORKER_BRIDGE = Symbol.for('braid.workerBridge');

// Actors the loop hosts run outside any task: their async context carries the bridge instead.
const BRIDGE_KEY = Symbol.for('braid.actorBridge');
const bridgeSlot = globalThis as unknown as Record<symbol, AsyncLocalStorage<HostBridge> | undefined>;
/** Internal: the bridge of code running in an actor the loop hosts (see `installActorHost`). */
export const bridgeStorage: AsyncLocalStorage<HostBridge> = (bridgeSlot[BRIDGE_KEY] ??= new AsyncLocalStorage<HostBridge>());

// Task modules import `currentTask` from the published `braid` while the worker runtime may be a
// different copy of this module (src under tsx in tests, dist for users), so the store lives in one
// global slot that every copy shares.
const STORE_KEY = Symbol.for('braid.taskContext');
const slot = globalThis as unknown as Record<symbol, AsyncLocalStorage<TaskContext> | undefined>;
/** Internal: the store every copy of Braid in this process shares. */
export const taskStorage: AsyncLocalStorage<TaskContext> = (slot[STORE_KEY] ??= new AsyncLocalStorage<TaskContext>());

/**
 * The context of the task the calling code runs in, on any placement.
 *
 * @throws Error when called outside a Braid task.
 * @example
 * export async function crunch(items: number[]) {
 *   const task = currentTask();
 *   for (const [i, item] of items.entries()) {
 *     task.signal.throwIfAborted();
 *     await handle(item);
 *     task.progress((i + 1) / items.length, `item ${item}`);
 *   }
 * }
 */
export function currentTask(): TaskContext {
  const ctx = taskStorage.getStore();
  if (ctx === undefined) throw new Error('currentTask() was called outside a Braid task');
  return ctx;
}
