// The private engine behind a scope: counts its running children, records failures, cancels and closes.
import { setMaxListeners } from 'node:events';
import { CancelledError } from './errors.js';
import { attachSuppressed } from './suppressed.js';
import { Task, type CancelReason, type TaskOwner } from './task.js';

/**
 * Trusts its input; the public `scope()`/`openScope()` facades validate.
 *
 * States:
 * ```
 * open ──close()──▶ closing ──last child settled──▶ closed   (spawn throws from here on)
 *   └── cancel(): orthogonal; sets cancelReason once, aborts the signal and every own-signal child
 * ```
 * Invariants: `#running` counts children whose function has been called and not yet settled; the
 * scope closes only when it is 0 after `close()`, so no child outlives its scope. Only children with
 * their own `AbortController` are kept in `#ownSignals` (the others read the scope's signal), which
 * keeps a lean child down to its `Task` object and one promise reaction.
 * @internal
 */
export class ScopeEngine implements TaskOwner {
  #controller = new AbortController();
  /** Read once and kept: every lean child is called with it, so spawn should not pay a getter chain. */
  #signal: AbortSignal | undefined;
  #cancelReason: CancelReason | undefined;
  /** The cancellation came from the caller's signal or timeout, not from inside the scope. */
  #external = false;
  #running = 0;
  #ownSignals: Set<Task<unknown>> | undefined;
  #failures: unknown[] = [];
  #closing = false;
  #closed = false;
  #idle: (() => void) | undefined;

  get signal(): AbortSignal {
    if (this.#signal) return this.#signal;
    const signal = this.#controller.signal;
    // Every lean child (and every map() call) shares this signal, so many concurrent listeners are
    // by design, not a leak: Node's MaxListenersExceededWarning at 11 would be a false alarm.
    setMaxListeners(0, signal);
    return (this.#signal = signal);
  }

  get cancelReason(): CancelReason | undefined {
    return this.#cancelReason;
  }

  get closed(): boolean {
    return this.#closed;
  }

  spawn<R>(fn: (signal: AbortSignal) => R | PromiseLike<R>): Task<R> {
    if (this.#closed) throw new Error('Cannot spawn on a scope that has closed');
    // A cancelling scope starts nothing new: the task is born cancelled and the function never runs.
    if (this.#cancelReason) return new Task(this, fn, this.#cancelReason);
    this.#running++;
    const task = new Task(this, fn);
    if (task.hasOwnSignal && task.status === 'running') {
      // The scope may have been cancelled while `fn` ran synchronously (it or a sibling failed or
      // called cancel()), before this task could be reached through #ownSignals.
      if (this.#cancelReason) task.cancelFromOwner(this.#cancelReason);
      else (this.#ownSignals ??= new Set()).add(task as Task<unknown>);
    }
    return task;
  }

  taskSettled(task: Task<unknown>, status: 'succeeded' | 'failed' | 'cancelled', error: unknown): void {
    this.#running--;
    this.#ownSignals?.delete(task);
    if (status === 'failed') this.fail(error);
    if (this.#running === 0 && this.#closing) this.#close();
  }

  /** Records a failure; the first one cancels everything else in the scope. */
  fail(error: unknown): void {
    if (this.#failures.includes(error)) return; // the same error re-thrown by whoever awaited the child
    this.#failures.push(error);
    if (this.#failures.length === 1) this.cancel(new CancelledError('A sibling task failed', { cause: error }), false);
  }

  cancel(reason: CancelReason, external: boolean): void {
    if (this.#cancelReason || this.#closed) return;
    this.#cancelReason = reason;
    this.#external = external;
    this.#controller.abort(reason);
    if (this.#ownSignals) for (const task of this.#ownSignals) task.cancelFromOwner(reason);
  }

  /** Resolves once no child is running; from then on the scope is closed. */
  close(): Promise<void> {
    this.#closing = true;
    if (this.#running === 0) {
      this.#close();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => (this.#idle = resolve));
  }

  /** Throws what the closed scope ends with: its first failure (later ones attached), else an outside cancellation. */
  throwOutcome(): void {
    const [first, ...later] = this.#failures;
    if (this.#failures.length > 0) {
      attachSuppressed(first, later);
      throw first;
    }
    if (this.#external && this.#cancelReason) throw this.#cancelReason;
  }

  #close(): void {
    this.#closed = true;
    const idle = this.#idle;
    this.#idle = undefined;
    idle?.();
  }
}
