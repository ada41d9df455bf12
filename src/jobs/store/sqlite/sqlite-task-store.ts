// The SQLite task store: a validating facade that group-commits every write (durable on resolve) and reads straight through.

import type { Database as Db } from 'better-sqlite3';
import { openDatabase } from './open-database.js';
import { GroupCommit, type SubmitOptions } from '../group-commit.js';
import {
  claimTasksArgs,
  completeTasksArgs,
  createTaskArgs,
  eventsSinceArgs,
  failTaskArgs,
  idArg,
  json,
  leaseArgs,
  leaseMsArg,
  listTasksArgs,
  progressArgs,
  purgeFinishedArgs,
  requeueExpiredArgs,
  statusRequestArg,
} from '../task-arguments.js';
import type {
  ClaimTasksOptions,
  CreateTaskInput,
  CreateTaskResult,
  EventsSinceOptions,
  FailTaskInput,
  Fenced,
  Lease,
  ListTasksOptions,
  PurgeFinishedOptions,
  PurgeResult,
  RequestedStatus,
  RequeueExpiredOptions,
  StatusRequest,
  Task,
  TaskCount,
  TaskEvent,
  TaskPage,
  TaskStore,
} from '../task-store.js';
import { migrate } from './migrations.js';
import { SqliteTaskEngine } from './sqlite-task-engine.js';

/** Options of `SqliteTaskStore.open()`. */
export interface SqliteTaskStoreOptions {
  /**
   * `full` (default): a resolved write survives power loss (the WAL is fsynced at each commit).
   * `normal`: survives a crash of the process but not of the machine; several times more commits/s.
   */
  synchronous?: 'full' | 'normal';
  /** Epoch milliseconds (default `Date.now`); inject a fake to test leases without sleeping. Not `systemClock`, which is monotonic. */
  now?: () => number;
  /** Most operations per transaction (default 1,000); 1 disables group commit. */
  maxBatch?: number;
  /**
   * How long a write waits for another process's write lock before failing (default 5,000 ms). SQLite
   * waits synchronously, blocking this thread: share one file between a few processes, not dozens.
   */
  busyTimeoutMs?: number;
}

type ProgressResult = Fenced<{ requestedStatus: RequestedStatus | null }>;

interface PendingProgress {
  progress: number | null;
  message: string | null;
  promise: Promise<ProgressResult>;
}

/**
 * A `TaskStore` in one SQLite file (WAL mode), safe to share between processes on one machine: claims
 * take SQLite's write lock, so no task is claimed twice. Writes that arrive in the same turn of the
 * event loop share one transaction (group commit), and each promise resolves only after that
 * transaction committed. Progress reports for one task within one commit are coalesced.
 *
 * @example
 * const store = await SqliteTaskStore.open('tasks.db');
 * const off = store.onTasksAvailable(() => console.log('work to do'));
 * await store.createTask({ type: 'email', input: { to: 'a@example.com' }, idempotencyKey: 'welcome-42' });
 * off();
 * await store.close();
 */
export class SqliteTaskStore implements TaskStore {
  readonly #db: Db;
  readonly #engine: SqliteTaskEngine;
  readonly #commits: GroupCommit;
  readonly #listeners = new Set<() => void>();
  readonly #eventListeners = new Set<(lastSeq: number) => void>();
  readonly #progress = new Map<string, PendingProgress>();
  #closed = false;

  private constructor(db: Db, options: SqliteTaskStoreOptions) {
    this.#db = db;
    this.#engine = new SqliteTaskEngine(db, options.now ?? Date.now);
    const tx = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT op'),
      release: db.prepare('RELEASE op'),
      undo: db.prepare('ROLLBACK TO op'),
    };
    this.#commits = new GroupCommit(
      {
        runBatch(ops) {
          // Optimistic pass without savepoints (they cost about as much as a small write): ops rarely throw.
          tx.begin.run();
          try {
            let clean = true;
            for (const op of ops) {
              try {
                op();
              } catch {
                clean = false;
                break;
              }
            }
            if (clean) {
              tx.commit.run();
              return;
            }
            // An op threw: undo the whole pass and redo it with a savepoint per op, so only that op's
            // writes are dropped. Ops are functions of the database state, so the redo is equivalent.
            tx.rollback.run();
            tx.begin.run();
            for (const op of ops) {
              tx.savepoint.run();
              try {
                op();
              } catch {
                // The op's promise rejects with its own error; only its writes are undone.
                tx.undo.run();
              }
              tx.release.run();
            }
            tx.commit.run();
          } catch (error) {
            if (db.inTransaction) tx.rollback.run();
            throw error;
          }
        },
      },
      {
        maxBatch: options.maxBatch ?? 1000,
        afterBatch: (committed) => {
          const available = this.#engine.takeAvailable();
          const lastSeq = this.#engine.takeLastSeq();
          if (!committed) return;
          if (available) this.#notify(this.#listeners, undefined);
          if (lastSeq > 0) this.#notify(this.#eventListeners, lastSeq);
        },
      },
    );
  }

  /**
   * Opens (creating if needed) and migrates the database at `filename`.
   *
   * @example
   * const store = await SqliteTaskStore.open('/var/lib/app/tasks.db', { synchronous: 'full' });
   */
  static async open(filename: string, options: SqliteTaskStoreOptions = {}): Promise<SqliteTaskStore> {
    if (typeof filename !== 'string' || filename.length === 0) throw new TypeError('filename must be a non-empty string');
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    const synchronous = options.synchronous ?? 'full';
    if (synchronous !== 'full' && synchronous !== 'normal') throw new TypeError(`synchronous must be 'full' or 'normal', got ${String(synchronous)}`);
    if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('now must be a function');
    const busy = options.busyTimeoutMs ?? 5000;
    if (!Number.isSafeInteger(busy) || busy < 0) throw new RangeError(`busyTimeoutMs must be a non-negative integer, got ${String(busy)}`);
    const maxBatch = options.maxBatch ?? 1000;
    if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${String(maxBatch)}`);
    const db = openDatabase(filename, { timeout: busy });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      migrate(db);
      return new SqliteTaskStore(db, options);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Transactions run so far (group commit makes this far lower than the number of writes). */
  get transactions(): number {
    return this.#commits.batches;
  }

  async createTask(input: CreateTaskInput): Promise<CreateTaskResult> {
    const args = createTaskArgs(input);
    return this.#write(() => this.#engine.createTask(args));
  }

  async claimTasks(options: ClaimTasksOptions): Promise<Task[]> {
    const args = claimTasksArgs(options);
    // Late in its transaction: it also sees the tasks created in the same commit.
    return this.#write(() => this.#engine.claimTasks(args), { late: true });
  }

  async renewLease(input: Lease & { leaseMs: number }): Promise<Fenced<{ leaseExpiresAt: number; requestedStatus: RequestedStatus | null }>> {
    const lease = leaseArgs(input);
    const leaseMs = leaseMsArg(input.leaseMs);
    return this.#write(() => this.#engine.renewLease(lease, leaseMs));
  }

  async reportProgress(input: Lease & { progress?: number; message?: string }): Promise<ProgressResult> {
    const lease = leaseArgs(input);
    const values = progressArgs(input);
    const key = `${lease.id}\0${lease.leaseToken}`;
    const pending = this.#progress.get(key);
    if (pending) {
      // Coalesce: the queued write will use the latest values; every caller gets its outcome.
      if (values.progress !== null) pending.progress = values.progress;
      if (values.message !== null) pending.message = values.message;
      return pending.promise;
    }
    const entry: PendingProgress = { ...values, promise: Promise.resolve({ ok: false, reason: 'lease-lost' }) };
    entry.promise = this.#write(() => {
      this.#progress.delete(key);
      return this.#engine.reportProgress(lease, entry.progress, entry.message);
    });
    this.#progress.set(key, entry);
    // If the batch never ran the op (closed, failed), later reports must not join a settled promise.
    entry.promise.catch(() => this.#progress.delete(key));
    return entry.promise;
  }

  async saveCheckpoint(input: Lease & { checkpoint: unknown }): Promise<Fenced<{ requestedStatus: RequestedStatus | null }>> {
    const lease = leaseArgs(input);
    const checkpoint = json(input.checkpoint, 'checkpoint');
    return this.#write(() => this.#engine.saveCheckpoint(lease, checkpoint));
  }

  async completeTask(input: Lease & { result?: unknown }): Promise<Fenced<{ finishedAt: number }>> {
    const lease = leaseArgs(input);
    const result = json(input.result, 'result');
    return this.#write(() => this.#engine.completeTask(lease, result));
  }

  async completeTasks(inputs: readonly (Lease & { result?: unknown })[]): Promise<Fenced<{ finishedAt: number }>[]> {
    const items = completeTasksArgs(inputs);
    return this.#write(() => this.#engine.completeTasks(items));
  }

  async failTask(input: FailTaskInput): Promise<Fenced<{ task: Task }>> {
    const lease = leaseArgs(input);
    const { errorJson, retryAt } = failTaskArgs(input);
    return this.#write(() => this.#engine.failTask(lease, errorJson, retryAt));
  }

  async releaseTask(input: Lease): Promise<Fenced<{ task: Task }>> {
    const lease = leaseArgs(input);
    return this.#write(() => this.#engine.releaseTask(lease));
  }

  async requestStatus(id: string, request: StatusRequest): Promise<Task> {
    const taskId = idArg(id);
    const what = statusRequestArg(request);
    return this.#write(() => this.#engine.requestStatus(taskId, what));
  }

  async requeueExpired(options?: RequeueExpiredOptions): Promise<Task[]> {
    const { maxCrashes, limit } = requeueExpiredArgs(options);
    return this.#write(() => this.#engine.requeueExpired(maxCrashes, limit));
  }

  async getTask(id: string): Promise<Task | undefined> {
    const taskId = idArg(id);
    this.#assertOpen();
    return this.#engine.getTask(taskId);
  }

  async listTasks(options?: ListTasksOptions): Promise<TaskPage> {
    const args = listTasksArgs(options);
    this.#assertOpen();
    return this.#engine.listTasks(args);
  }

  async eventsSince(options?: EventsSinceOptions): Promise<TaskEvent[]> {
    const args = eventsSinceArgs(options);
    this.#assertOpen();
    return this.#engine.eventsSince(args.after, args.taskId, args.limit);
  }

  async purgeFinished(options?: PurgeFinishedOptions): Promise<PurgeResult> {
    const args = purgeFinishedArgs(options);
    return this.#write(() => this.#engine.purgeFinished(args));
  }

  async counts(): Promise<TaskCount[]> {
    this.#assertOpen();
    return this.#engine.counts();
  }

  async lastEventSeq(): Promise<number> {
    this.#assertOpen();
    return this.#engine.lastEventSeq();
  }

  onTasksAvailable(listener: () => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    // Wrap so that subscribing the same function twice gives two independent subscriptions.
    const entry = () => listener();
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  onEventsAppended(listener: (lastSeq: number) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const entry = (lastSeq: number) => listener(lastSeq);
    this.#eventListeners.add(entry);
    return () => {
      this.#eventListeners.delete(entry);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#commits.close();
    this.#closed = true;
    this.#listeners.clear();
    this.#eventListeners.clear();
    this.#db.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #write<T>(op: () => T, options?: SubmitOptions): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('The task store is closed'));
    return this.#commits.submit(op, options);
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('The task store is closed');
  }

  #notify<T>(listeners: ReadonlySet<(value: T) => void>, value: T): void {
    for (const listener of [...listeners]) {
      try {
        listener(value);
      } catch (error) {
        // A listener's bug must not break the commit loop; surface it as an uncaught exception.
        process.nextTick(() => {
          throw error;
        });
      }
    }
  }
}
