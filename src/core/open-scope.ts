// A scope held open across a block: `await using s = openScope()`, closed when the block is left.
import { cancellationError, CancelledError } from './errors.js';
import { ScopeEngine } from './scope-engine.js';
import { ScopeHandle, type Scope, type ScopeOptions } from './scope.js';
import { waitGuard } from './wait-guard.js';
import type { Task } from './task.js';

/** A `Scope` whose lifetime is a block or an object's, rather than a callback's. */
export interface OpenScope extends Scope, AsyncDisposable {
  /**
   * Waits for every child to settle, closes the scope, and throws its outcome: the first failure
   * (later ones in `suppressed`), else `CancelledError`/`TimeoutError` if the caller's signal or the
   * timeout cancelled it. Disposing afterwards does nothing.
   */
  close(): Promise<void>;
  /**
   * Cancels the children still running, waits for them to settle, closes the scope, and throws its
   * outcome like `close()`. Does nothing if already closed.
   */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Opens a scope for `await using`. Leaving the block **cancels** the children still running, waits
 * for them, and rethrows the scope's first failure; `await s.close()` before the end of the block
 * waits for the children instead.
 *
 * Why dispose cancels rather than waits: a disposer cannot see the exception that is leaving the
 * block, so a waiting disposer would hang forever when the block throws while children wait for a
 * cancellation that never comes. Cancelling on exit is right in both cases; waiting is one explicit
 * call away. The timeout runs from `openScope()`; the caller's signal listener and timer are released
 * on close/dispose, so always dispose an open scope (that is what `await using` is for).
 *
 * @example
 * {
 *   await using s = openScope({ timeout: 1_000 });
 *   const a = s.spawn((signal) => fetchA({ signal }));
 *   const b = s.spawn((signal) => fetchB({ signal }));
 *   console.log(await a, await b);
 * } // anything still running is cancelled and awaited here
 */
export function openScope(options: ScopeOptions = {}): OpenScope {
  return new OpenScopeHandle(options);
}

class OpenScopeHandle implements OpenScope {
  #engine = new ScopeEngine();
  #scope = new ScopeHandle(this.#engine);
  #release: () => void;
  #closing: Promise<void> | undefined;

  constructor(options: ScopeOptions) {
    const guard = waitGuard(options);
    const outer = guard.signal;
    const onAbort = () => this.#engine.cancel(cancellationError(outer?.reason), true);
    if (outer?.aborted) onAbort();
    else outer?.addEventListener('abort', onAbort, { once: true });
    this.#release = () => {
      outer?.removeEventListener('abort', onAbort);
      guard[Symbol.dispose]();
    };
  }

  spawn<R>(fn: (signal: AbortSignal) => R | PromiseLike<R>): Task<R> {
    return this.#scope.spawn(fn);
  }

  get signal(): AbortSignal {
    return this.#engine.signal;
  }

  cancel(reason?: unknown): void {
    this.#scope.cancel(reason);
  }

  close(): Promise<void> {
    return (this.#closing ??= this.#finish());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#closing) {
      // Already closed by close(): its outcome was (or will be) delivered there.
      await this.#closing.catch(() => {});
      return;
    }
    this.#engine.cancel(new CancelledError('The scope was left'), false);
    await this.close();
  }

  async #finish(): Promise<void> {
    try {
      await this.#engine.close();
    } finally {
      this.#release();
    }
    this.#engine.throwOutcome();
  }
}
