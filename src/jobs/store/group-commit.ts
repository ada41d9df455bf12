// Group commit: writes that arrive within one turn of the event loop share one transaction, and each resolves only after it committed.

/**
 * Runs a batch of operations in ONE transaction. Each op runs isolated (a savepoint) so that an op
 * that throws undoes only its own writes; `runBatch` throws only when the transaction as a whole
 * failed (then nothing in it was written).
 */
export interface BatchTransaction {
  runBatch(ops: readonly (() => void)[]): void;
}

/** Options of `GroupCommit`. */
export interface GroupCommitOptions {
  /** Most operations per transaction; 1 disables grouping (one transaction per operation). Default 1,000. */
  maxBatch?: number;
  /**
   * Called after each batch with whether it committed; the store uses it to wake runners only for
   * durable changes. Must not throw.
   */
  afterBatch?: (committed: boolean) => void;
}

/** Options of `GroupCommit.submit()`. */
export interface SubmitOptions {
  /**
   * Run after the batch's other operations rather than in submission order: a claim submitted late
   * sees the tasks its own transaction creates, so a task can be created and claimed in one commit.
   */
  late?: boolean;
}

interface Pending {
  late: boolean;
  run(): unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Queues synchronous write operations and commits them together on the next turn of the event loop
 * (or at once when `maxBatch` are waiting). A caller's promise settles after the commit: resolving
 * means durable. Operations run in submission order, except that `late` ones run after the others of
 * their batch (all of a batch's operations are concurrent: none has resolved, so either order is one
 * its callers could have seen).
 *
 * States: idle → (submit) scheduled → (flush) flushing → idle or scheduled; close() → closed, after
 * which submit rejects and nothing is scheduled.
 *
 * @example
 * const commits = new GroupCommit({ runBatch: (ops) => db.transaction(() => ops.forEach((op) => op()))() });
 * const [a, b] = await Promise.all([commits.submit(() => insert(1)), commits.submit(() => insert(2))]); // one transaction
 */
export class GroupCommit {
  readonly #tx: BatchTransaction;
  readonly #maxBatch: number;
  readonly #afterBatch: ((committed: boolean) => void) | undefined;
  #queue: Pending[] = [];
  #scheduled: NodeJS.Immediate | undefined;
  #flushing = false;
  #closed = false;
  #batches = 0;

  constructor(tx: BatchTransaction, options: GroupCommitOptions = {}) {
    const maxBatch = options.maxBatch ?? 1000;
    if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${String(maxBatch)}`);
    this.#tx = tx;
    this.#maxBatch = maxBatch;
    this.#afterBatch = options.afterBatch;
  }

  /** Transactions committed or attempted so far (for tests and metrics). */
  get batches(): number {
    return this.#batches;
  }

  /** Runs `op` in the next group transaction; resolves with its return value after the commit. */
  submit<T>(op: () => T, options?: SubmitOptions): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('The task store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ late: options?.late === true, run: op, resolve: resolve as (value: unknown) => void, reject });
      if (this.#queue.length >= this.#maxBatch && !this.#flushing) this.flush();
      else this.#schedule();
    });
  }

  /** Commits everything queued now, synchronously, in batches of at most `maxBatch`. */
  flush(): void {
    if (this.#flushing) return;
    if (this.#scheduled) {
      clearImmediate(this.#scheduled);
      this.#scheduled = undefined;
    }
    this.#flushing = true;
    try {
      while (this.#queue.length > 0) this.#flushBatch(this.#queue.splice(0, this.#maxBatch));
    } finally {
      this.#flushing = false;
    }
  }

  /** Commits what is queued, then refuses new operations. */
  close(): void {
    this.flush();
    this.#closed = true;
  }

  #schedule(): void {
    if (this.#scheduled || this.#flushing) return;
    this.#scheduled = setImmediate(() => {
      this.#scheduled = undefined;
      this.flush();
    });
  }

  #flushBatch(taken: Pending[]): void {
    const batch = taken.some((item) => item.late) ? [...taken.filter((item) => !item.late), ...taken.filter((item) => item.late)] : taken;
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    let failure: { error: unknown } | undefined;
    this.#batches++;
    try {
      this.#tx.runBatch(
        batch.map((item, i) => () => {
          try {
            outcomes[i] = { ok: true, value: item.run() };
          } catch (error) {
            outcomes[i] = { ok: false, error };
            throw error;
          }
        }),
      );
    } catch (error) {
      failure = { error };
    }
    // A failed transaction wrote nothing, so every op in it fails with the transaction's error.
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i]!;
      const outcome = outcomes[i];
      if (failure && outcome?.ok !== false) item.reject(failure.error);
      else if (!outcome) item.reject(new Error('The operation did not run'));
      else if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    }
    this.#afterBatch?.(failure === undefined);
  }
}
