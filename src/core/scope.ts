// Structured concurrency: a scope runs children, waits for all of them, and fails or cancels them together.
import { CancelledError, cancellationError } from './errors.js';
import { ScopeEngine } from './scope-engine.js';
import type { Task } from './task.js';
import { isCancellation } from './task.js';
import { waitGuard, type WaitOptions } from './wait-guard.js';

/**
 * The handle a scope's body receives. Children spawned on it are owned by the scope: it waits for
 * every one of them before it settles.
 *
 * @example
 * await scope(async (s) => {
 *   s.spawn((signal) => sleep(100, { signal }));
 *   if (s.signal.aborted) return;
 * });
 */
export interface Scope {
  /**
   * Starts `fn` as a child now (synchronously, like calling an async function, until its first
   * `await`) and returns its `Task`. `fn` receives an `AbortSignal` that aborts when this child or
   * the scope is cancelled — see `Task` for the rule on when a child gets its own signal.
   * On a cancelling scope the child is not run and its task is already `cancelled`.
   * Throws an `Error` once the scope has closed.
   */
  spawn<R>(fn: (signal: AbortSignal) => R | PromiseLike<R>): Task<R>;
  /** Aborts when the scope is cancelled: by `cancel()`, a failing child, the caller's signal or the timeout. */
  readonly signal: AbortSignal;
  /**
   * Cancels every child (and the body, through `signal`). Not a failure: the scope still resolves
   * with the body's value if the body returns one. `reason` is normalized by `cancellationError`
   * (a fresh `CancelledError` if omitted) and becomes `signal.reason`.
   */
  cancel(reason?: unknown): void;
}

/** `signal` aborting cancels the scope; `timeout` ms after the start it is cancelled with a `TimeoutError`. */
export type ScopeOptions = WaitOptions;

/** The `Scope` facade: validates, then delegates to the engine. */
export class ScopeHandle implements Scope {
  #engine: ScopeEngine;

  /** @internal */
  constructor(engine: ScopeEngine) {
    this.#engine = engine;
  }

  spawn<R>(fn: (signal: AbortSignal) => R | PromiseLike<R>): Task<R> {
    if (typeof fn !== 'function') throw new TypeError('fn must be a function');
    return this.#engine.spawn(fn);
  }

  get signal(): AbortSignal {
    return this.#engine.signal;
  }

  cancel(reason?: unknown): void {
    this.#engine.cancel(reason === undefined ? new CancelledError('The scope was cancelled') : cancellationError(reason), false);
  }
}

/**
 * Runs `fn` with a fresh `Scope` and settles only after every child spawned on it has settled.
 *
 * - Resolves with `fn`'s result when `fn` and all children succeed (or children were cancelled).
 * - A child that fails (throws anything but its own cancellation, see `Task`) cancels its siblings and
 *   the body's signal; the scope rejects with that first failure. Later failures are kept on it as a
 *   non-enumerable `suppressed` array (read it with `suppressedErrors(error)`).
 * - If `fn` throws, the children are cancelled and awaited, and the scope rejects with `fn`'s error.
 * - If `options.signal` aborts or `options.timeout` passes, everything is cancelled and the scope
 *   rejects with `cancellationError(reason)`: a `CancelledError`, or a `TimeoutError`. A real failure
 *   raised meanwhile wins over the cancellation, so errors in cleanup code are never lost.
 * - `s.cancel()` from inside is not a failure: the scope resolves with `fn`'s value, or rejects with
 *   `fn`'s own cancellation error if `fn` threw one.
 *
 * Cancellation is cooperative: the scope aborts its children's signals and then waits for them to
 * settle, so a child that ignores its signal delays the scope — but never outlives it.
 *
 * @example
 * const [user, posts] = await scope(async (s) => {
 *   const user = s.spawn((signal) => fetchUser(id, { signal }));
 *   const posts = s.spawn((signal) => fetchPosts(id, { signal }));
 *   return [await user, await posts];
 * }, { timeout: 5_000 });
 */
export async function scope<T>(fn: (s: Scope) => T | PromiseLike<T>, options: ScopeOptions = {}): Promise<T> {
  if (typeof fn !== 'function') throw new TypeError('fn must be a function');
  const guard = waitGuard(options);
  try {
    const outer = guard.signal;
    if (outer?.aborted) throw cancellationError(outer.reason);
    const engine = new ScopeEngine();
    const onAbort = () => engine.cancel(cancellationError(outer?.reason), true);
    outer?.addEventListener('abort', onAbort, { once: true });
    try {
      return await runBody(engine, fn);
    } finally {
      outer?.removeEventListener('abort', onAbort);
    }
  } finally {
    guard[Symbol.dispose]();
  }
}

async function runBody<T>(engine: ScopeEngine, fn: (s: Scope) => T | PromiseLike<T>): Promise<T> {
  let value: T | undefined;
  let threw = false;
  let bodyError: unknown;
  try {
    value = await fn(new ScopeHandle(engine));
  } catch (error) {
    threw = true;
    bodyError = error;
    // The body reporting the scope's own cancellation is not a failure of its own.
    if (!(engine.cancelReason && isCancellation(error))) engine.fail(error);
  }
  await engine.close();
  engine.throwOutcome();
  if (threw) throw bodyError;
  return value as T;
}
