// A child of a scope: its state, its own cancellation, and the awaitable handle to its outcome.
import { CancelledError, cancellationError, type TimeoutError } from './errors.js';

/** Where a task is in its life; it leaves `running` exactly once. */
export type TaskStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

/** The reason a cancelled task or scope carries: always one of our two error types. */
export type CancelReason = CancelledError | TimeoutError;

/**
 * What a task needs from the scope that owns it. Internal: implemented by the scope engine.
 * @internal
 */
export interface TaskOwner {
  /** The owner's signal, given to children that do not declare their own signal parameter. */
  readonly signal: AbortSignal;
  /** Set once the owner is cancelling; a child that rejects after that is cancelled, not failed. */
  readonly cancelReason: CancelReason | undefined;
  /** Called exactly once per task that ran (even if it settled synchronously inside `spawn`). */
  taskSettled(task: Task<unknown>, status: SettledStatus, outcome: unknown): void;
}

type SettledStatus = Exclude<TaskStatus, 'running'>;

/**
 * The rarely needed parts of a running task, allocated only when one of them is: a child that
 * declared a signal parameter, a task someone awaits while it runs, or a cancelled one.
 */
class Running {
  deferred: { promise: Promise<unknown>; resolve(value: unknown): void; reject(error: unknown): void } | undefined;
  cancelReason: CancelReason | undefined;
  constructor(
    /** The child's promise, or `undefined` while its function is still being called. */
    public promise: PromiseLike<unknown> | undefined,
    public controller: AbortController | undefined,
  ) {}
}

/** True when `error` is how a cancelled operation reports it: our errors, or a DOM/Node `AbortError`. */
export function isCancellation(error: unknown): boolean {
  if (error instanceof CancelledError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const name = (error as { name?: unknown }).name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/**
 * A handle on one child of a scope. Await it for the child's value (or its error); `cancel()` aborts
 * only this child. A task that fails never causes an unhandled rejection by itself: its scope
 * observes the failure whether or not anybody awaits the task.
 *
 * States (each transition happens once, when the child's function settles):
 * ```
 * running ──value──────────────────────────────▶ succeeded
 *    │ ───error, no cancel requested───────────▶ failed      (fails the scope)
 *    └─── error after cancel()/scope cancel ───▶ cancelled   (awaiting rejects with CancelledError/TimeoutError)
 * ```
 * "Error after cancel" means: cancellation was requested (by `cancel()` or the scope) and the child
 * rejected with a `CancelledError`, `TimeoutError` or `AbortError`. Any other error is a failure
 * even during cancellation, so an error in cleanup code is never swallowed. A child that ignores
 * cancellation and returns a value has `succeeded`. `status` changes two microtask turns after the
 * child's promise settles.
 *
 * The signal rule: a child whose function declares a parameter (`(signal) => …`, i.e.
 * `fn.length > 0`) gets its own `AbortController`, which `cancel()` and the scope abort. A child that
 * declares none (`() => …`, including `(...args) => …`) is called with the scope's signal and costs
 * no controller — an `AbortSignal` is ~730 B and ~6 µs on Node 20, more than the whole task — so
 * `cancel()` marks it but cannot reach it (scope cancellation still does).
 *
 * @example
 * await scope(async (s) => {
 *   const slow = s.spawn((signal) => sleep(10_000, { signal }));
 *   const fast = s.spawn(async () => 42);
 *   console.log(await fast); // 42
 *   slow.cancel();           // slow ends 'cancelled'; the scope does not fail
 * });
 */
export class Task<R> implements PromiseLike<R> {
  // Two fields only: a million suspended children must cost little more than a million async calls.
  // Invariant: while running, #state is the owner and #slot is the child's promise or a Running
  // record; once settled, #state is the final status and #slot the value, error or cancellation.
  // The private helpers are static on purpose: a private *instance* method stamps a brand on every
  // instance, one more word per task (48 instead of 40 bytes on Node 20).
  #state: TaskOwner | SettledStatus;
  #slot: unknown;

  /** @internal Created by `Scope.spawn()`; calls `fn` synchronously, like calling an async function. */
  constructor(owner: TaskOwner, fn: (signal: AbortSignal) => R | PromiseLike<R>, cancelled?: CancelReason) {
    this.#state = owner;
    if (cancelled) {
      // Spawned into a cancelling scope: the function never runs.
      this.#state = 'cancelled';
      this.#slot = cancelled;
      return;
    }
    let result: R | PromiseLike<R>;
    try {
      if (fn.length > 0) {
        const running = new Running(undefined, new AbortController());
        this.#slot = running;
        result = fn(running.controller!.signal);
      } else {
        result = fn(owner.signal);
      }
    } catch (error) {
      Task.#finish(this, false, error);
      return;
    }
    if (!isThenable(result)) {
      Task.#finish(this, true, result);
      return;
    }
    const promise = Promise.resolve(result);
    if (this.#slot instanceof Running) this.#slot.promise = promise;
    else this.#slot = promise;
    // One bound function for both outcomes (cheaper than two closures); it learns which outcome by
    // re-reading the settled promise, which costs one more microtask but no memory while suspended.
    const onSettled = Task.#onSettled.bind(this);
    promise.then(onSettled, onSettled);
  }

  /** `running` until the child's function settles; see the class comment for the transitions. */
  get status(): TaskStatus {
    return typeof this.#state === 'string' ? this.#state : 'running';
  }

  /**
   * Requests cancellation of this child only: aborts its signal with `reason` (normalized to a
   * `CancelledError`/`TimeoutError` via `cancellationError`; a fresh `CancelledError` if omitted).
   * Idempotent; does nothing once the task has settled. Does not fail the scope.
   */
  cancel(reason?: unknown): void {
    Task.#requestCancel(this, reason === undefined ? new CancelledError('The task was cancelled') : cancellationError(reason));
  }

  /** @internal Used by the owning scope: aborts with the scope's reason unless already cancelled. */
  cancelFromOwner(reason: CancelReason): void {
    Task.#requestCancel(this, reason);
  }

  /** @internal Whether this task holds its own controller, which the scope must abort on cancel. */
  get hasOwnSignal(): boolean {
    return this.#slot instanceof Running && this.#slot.controller !== undefined;
  }

  then<T1 = R, T2 = never>(
    onfulfilled?: ((value: R) => T1 | PromiseLike<T1>) | null,
    onrejected?: ((reason: unknown) => T2 | PromiseLike<T2>) | null,
  ): Promise<T1 | T2> {
    let promise: Promise<unknown>;
    switch (this.#state) {
      case 'succeeded':
        promise = Promise.resolve(this.#slot);
        break;
      case 'failed':
      case 'cancelled':
        promise = Promise.reject(this.#slot);
        break;
      default: {
        const running = Task.#running(this);
        running.deferred ??= withResolvers();
        promise = running.deferred.promise;
      }
    }
    return (promise as Promise<R>).then(onfulfilled, onrejected);
  }

  /** The Running record of a running task, created on first need. */
  static #running(task: Task<unknown>): Running {
    if (task.#slot instanceof Running) return task.#slot;
    const running = new Running(task.#slot as PromiseLike<unknown> | undefined, undefined);
    task.#slot = running;
    return running;
  }

  static #requestCancel(task: Task<unknown>, reason: CancelReason): void {
    if (typeof task.#state === 'string') return;
    const running = Task.#running(task);
    if (running.cancelReason) return;
    running.cancelReason = reason;
    running.controller?.abort(reason);
  }

  /** Bound to the task (`this`) as the reaction to the child's promise. */
  static #onSettled(this: Task<unknown>): void {
    const running = this.#slot;
    const promise = running instanceof Running ? running.promise! : (this.#slot as PromiseLike<unknown>);
    promise.then(
      (value) => Task.#finish(this, true, value),
      (error: unknown) => Task.#finish(this, false, error),
    );
  }

  static #finish(task: Task<unknown>, ok: boolean, outcome: unknown): void {
    const owner = task.#state as TaskOwner;
    const running = task.#slot instanceof Running ? task.#slot : undefined;
    let status: SettledStatus;
    if (ok) status = 'succeeded';
    else if ((running?.cancelReason ?? owner.cancelReason) && isCancellation(outcome)) {
      status = 'cancelled';
      outcome = cancellationError(outcome);
    } else status = 'failed';
    task.#state = status;
    task.#slot = outcome;
    const deferred = running?.deferred;
    if (deferred) {
      if (ok) deferred.resolve(outcome);
      else deferred.reject(outcome);
    }
    owner.taskSettled(task, status, outcome);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function withResolvers(): NonNullable<Running['deferred']> {
  let resolve!: (value: unknown) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<unknown>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
