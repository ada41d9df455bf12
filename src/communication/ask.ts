// One request/reply in flight to an actor: its reply promise, its timeout and abort, and whether the actor took it yet.
import type { Clock, Timer } from '../core/clock.js';
import { cancellationError, TimeoutError } from '../core/errors.js';

/**
 * An `ask()`'s envelope in the mailbox. It settles exactly once: with the reply, the error `receive`
 * threw, a timeout, an abort, or the actor stopping. States: `queued` → (`begin()`) → `running` →
 * `done`; `queued` → `done` on timeout/abort, and then the actor skips it (the ask is withdrawn).
 * Internal to the actor engine.
 */
export class Ask<Msg, Reply> {
  readonly msg: Msg;
  readonly promise: Promise<Reply>;
  #resolve!: (value: Reply) => void;
  #reject!: (error: unknown) => void;
  #state: 'queued' | 'running' | 'done' = 'queued';
  #timer: Timer | undefined;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;
  #withdraw: AbortController | undefined;

  constructor(msg: Msg, timeout: number, clock: Clock, signal: AbortSignal | undefined) {
    this.msg = msg;
    this.promise = new Promise<Reply>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Infinity only for asks relayed from another thread or process: the asker there times them and withdraws them.
    this.#timer = timeout === Infinity ? undefined : clock.setTimer(timeout, () => this.fail(new TimeoutError(`The ask timed out after ${timeout} ms`)));
    if (signal?.aborted) {
      this.fail(cancellationError(signal.reason));
    } else if (signal) {
      this.#signal = signal;
      // Made only when there is a signal: most asks have none, and a closure per ask is measurable.
      this.#onAbort = () => this.fail(cancellationError(signal.reason));
      signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  get done(): boolean {
    return this.#state === 'done';
  }

  /** The actor takes the message; false if the ask was already settled (withdrawn), so it must be skipped. */
  begin(): boolean {
    if (this.#state !== 'queued') return false;
    this.#state = 'running';
    return true;
  }

  /** Aborted when the ask settles: cancels a send still waiting for room in the mailbox. */
  withdrawSignal(): AbortSignal {
    this.#withdraw ??= new AbortController();
    if (this.#state === 'done') this.#withdraw.abort();
    return this.#withdraw.signal;
  }

  succeed(value: Reply): void {
    if (this.#settle()) this.#resolve(value);
  }

  fail(error: unknown): void {
    if (this.#settle()) this.#reject(error);
  }

  #settle(): boolean {
    if (this.#state === 'done') return false;
    this.#state = 'done';
    this.#timer?.cancel();
    if (this.#onAbort) this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#withdraw?.abort();
    return true;
  }
}
