// The durable task store's contract: the task model, its state machine and every operation the task service needs.

/**
 * Where a task is in its life. `delayed` is never stored: it is how a `queued` task whose `runAt` is
 * still in the future is shown (so a delayed task becomes `queued` by the clock alone, with no write).
 */
export type TaskStatus = 'queued' | 'delayed' | 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled';

/** The statuses a task never leaves (until retention deletes it). */
export type FinishedStatus = 'succeeded' | 'failed' | 'cancelled';

/** A stop asked of a running task from outside; the worker that holds its lease sees it and obeys. */
export type RequestedStatus = 'cancelled' | 'paused';

/** What a client may ask of a task from outside (`TaskStore.requestStatus()`). */
export type StatusRequest = 'cancel' | 'pause' | 'resume';

/** A failure as stored: plain JSON, so it survives the process that threw it. */
export interface TaskError {
  name: string;
  message: string;
  stack?: string;
  /** A stable, machine-readable code when the thrower had one. */
  code?: string;
}

/**
 * One durable task. Times are epoch milliseconds from the store's `now()`. JSON fields (`input`,
 * `result`, `checkpoint`) hold whatever JSON value was stored; `null` means none.
 */
export interface Task {
  /** Time-ordered unique id (26 characters, ULID alphabet): sorting by id sorts by creation time. */
  readonly id: string;
  readonly type: string;
  readonly input: unknown;
  readonly status: TaskStatus;
  /** Higher runs first. */
  readonly priority: number;
  /** Not claimable before this time; a retry's backoff sets it. */
  readonly runAt: number;
  readonly idempotencyKey: string | null;
  /** How many times the task has been started (claimed), including the current run. */
  readonly attempts: number;
  /** Starts allowed before a failure is final (`failTask` with `retryAt` retries only while `attempts < maxAttempts`). */
  readonly maxAttempts: number;
  /** How many times a worker lost this task by letting its lease expire (crash, hang, kill). */
  readonly crashCount: number;
  /** 0..100. */
  readonly progress: number;
  readonly message: string | null;
  readonly result: unknown;
  /** The last failure, kept when a retry is scheduled. */
  readonly error: TaskError | null;
  /** What the task saved to resume from after a pause, retry or crash. */
  readonly checkpoint: unknown;
  readonly createdAt: number;
  /** When the latest attempt started. */
  readonly startedAt: number | null;
  /** Set exactly when the status is a `FinishedStatus`. */
  readonly finishedAt: number | null;
  readonly updatedAt: number;
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: number | null;
  /** Fencing token: bumped by every claim, so a worker whose lease moved on is refused. */
  readonly leaseToken: number;
  /** A cancel or pause asked of the running task and not yet obeyed by its worker. */
  readonly requestedStatus: RequestedStatus | null;
}

/** Arguments of `TaskStore.createTask()`. */
export interface CreateTaskInput {
  /** The task's kind, e.g. the exported function's name; per-type limits and filters use it. */
  type: string;
  /** JSON-serialisable; defaults to `null`. */
  input?: unknown;
  /** Safe integer, higher runs first; default 0. */
  priority?: number;
  /** Epoch ms before which the task is not claimable. Exclusive with `delayMs`. */
  runAt?: number;
  /** Milliseconds from now before the task is claimable. Exclusive with `runAt`. */
  delayMs?: number;
  /**
   * Unique per `type`: creating the same `(type, idempotencyKey)` again returns the first task
   * (whatever its status) with `created: false`, until retention purges it.
   */
  idempotencyKey?: string;
  /** Integer >= 1, default 1 (no retry). The runner's retry policy sets it. */
  maxAttempts?: number;
}

/** What `TaskStore.createTask()` resolves to: the task, and whether this call created it. */
export interface CreateTaskResult {
  task: Task;
  /** False when an earlier task with the same idempotency key was returned instead. */
  created: boolean;
}

/** Arguments of `TaskStore.claimTasks()`. */
export interface ClaimTasksOptions {
  /** Who holds the leases (worker or process id); shown on the task. */
  owner: string;
  /** At most this many tasks (1..1000). */
  limit: number;
  /** Lease length in ms; the owner renews before it ends or loses the task to `requeueExpired()`. */
  leaseMs: number;
  /** Claim only these types. */
  types?: readonly string[];
  /** Per type, the most tasks that may be `running` at once across every owner. */
  perTypeLimits?: Readonly<Record<string, number>>;
}

/** Identifies one run of a task: the fencing token from the claim. */
export interface Lease {
  id: string;
  leaseToken: number;
}

/**
 * The outcome of an operation only the lease holder may do. `lease-lost` means the task is no longer
 * running under this token (its lease expired and it was requeued or re-claimed, or it finished):
 * the worker must stop working on it. This is a normal race, so it is a result, not an exception.
 * Fencing is by token, not by time: a lease past its expiry that nobody requeued yet still works.
 */
export type Fenced<T extends object> = ({ ok: true } & T) | { ok: false; reason: 'lease-lost' };

/** Arguments of `TaskStore.failTask()`. */
export interface FailTaskInput extends Lease {
  error: TaskError;
  /**
   * Retry at this epoch ms if attempts remain (`attempts < maxAttempts`); omit for a final failure.
   * The runner computes backoff and jitter; the store only records the time.
   */
  retryAt?: number;
}

/** Arguments of `TaskStore.listTasks()`. */
export interface ListTasksOptions {
  status?: TaskStatus | readonly TaskStatus[];
  type?: string;
  /** Page size 1..1000, default 50. */
  limit?: number;
  /** `nextCursor` from the previous page. */
  cursor?: string;
  /** By id: `desc` (newest first, the default) or `asc`. */
  order?: 'asc' | 'desc';
}

/** One page of `listTasks()`; `nextCursor` is null on the last page. */
export interface TaskPage {
  tasks: Task[];
  nextCursor: string | null;
}

/**
 * The kinds of event in the append-only log. Payloads:
 * `created` `{ status }`; `started` `{ attempt, owner }`; `progress` `{ progress, message }`;
 * `checkpoint` `{}`; `requested` `{ requestedStatus }` (null when a resume withdrew a pause);
 * `status` `{ status, from, error? }` for every other status change.
 */
export type TaskEventKind = 'created' | 'started' | 'progress' | 'checkpoint' | 'requested' | 'status';

/** One entry of the event log; `seq` grows strictly and is the Server-Sent Events id. */
export interface TaskEvent {
  seq: number;
  taskId: string;
  kind: TaskEventKind;
  payload: Record<string, unknown>;
  at: number;
}

/** Arguments of `TaskStore.eventsSince()`. */
export interface EventsSinceOptions {
  /** Return events with `seq > after` (a `Last-Event-ID`); default 0. */
  after?: number;
  /** Only this task's events. */
  taskId?: string;
  /** At most this many (1..10,000), default 1,000, in `seq` order. */
  limit?: number;
}

/** Arguments of `TaskStore.requeueExpired()`. */
export interface RequeueExpiredOptions {
  /** A task whose lease expired this many times is failed with `TaskCrashedError`; default 3. */
  maxCrashes?: number;
  /** At most this many tasks per call, default 1,000. */
  limit?: number;
}

/** Arguments of `TaskStore.purgeFinished()`; every bound has a default so retention is never off. */
export interface PurgeFinishedOptions {
  /** Delete finished tasks older than this (by `finishedAt`); default 7 days. */
  olderThanMs?: number;
  /** Keep at most this many finished tasks, newest first; default 10,000. */
  keep?: number;
  /** Keep at most this many events, newest first; default 1,000,000 (events older than `olderThanMs` go too). */
  maxEvents?: number;
  /** Delete at most this many tasks per call (so one call never holds the write lock long); default 10,000. */
  limit?: number;
}

/** What `purgeFinished()` deleted; call again while `more` is true. */
export interface PurgeResult {
  tasks: number;
  events: number;
  more: boolean;
}

/** One row of `counts()`. */
export interface TaskCount {
  type: string;
  status: TaskStatus;
  count: number;
}

/**
 * Durable storage for the task service. Every write is committed (durably, per the implementation's
 * sync setting) before its promise resolves; reads see every resolved write.
 *
 * State machine (stored statuses; `delayed` is a `queued` task whose `runAt` is in the future):
 *
 * ```text
 *            createTask
 *                │            ┌──────── pause (at once) ───────────┐
 *                ▼            │                                    ▼
 *   ┌────► queued/delayed ────┘◄─────────── resume ─────────── paused
 *   │            │                                                 ▲
 *   │            │ claimTasks (attempts+1, leaseToken+1)           │ releaseTask / failTask / expiry
 *   │            ▼                                                 │ while a pause is requested
 *   │         running ─────────────────────────────────────────────┘
 *   │         │  │  │
 *   │         │  │  └── completeTask ──────────────────────────────► succeeded
 *   │         │  └───── failTask, no retry or attempts spent ──────► failed
 *   │         │         expiry with crashCount reaching maxCrashes ► failed (TaskCrashedError)
 *   │         └──────── releaseTask / failTask / expiry
 *   │                   while a cancel is requested ───────────────► cancelled
 *   │
 *   └── failTask with retryAt (attempts remain), releaseTask, lease expiry (crashCount+1)
 *
 *   cancel: queued/delayed/paused → cancelled at once; running → requestedStatus 'cancelled'.
 *   pause:  queued/delayed → paused at once; running → requestedStatus 'paused'; paused → no change.
 *   resume: paused → queued; running with a pause requested → the request is withdrawn.
 *   A run that ends while a request is pending: cancel → cancelled (failTask, releaseTask, expiry);
 *   pause → paused (releaseTask, expiry, or failTask that would retry; a final failure is failed).
 *   Anything else (cancel a finished task, resume a running one…) throws TaskStoreError INVALID_TRANSITION.
 * ```
 *
 * The worker protocol: `claimTasks` → run, calling `renewLease` (and `reportProgress`/`saveCheckpoint`)
 * well within `leaseMs`; each returns `requestedStatus`, and when it is set the worker aborts the task
 * and calls `releaseTask`, which settles it as cancelled or paused. A worker that dies stops renewing;
 * `requeueExpired` (called periodically by the runner) requeues its tasks. Pausing a running task does
 * not use up an attempt. Retention is the runner's job too: call `purgeFinished` periodically (its
 * defaults keep 10,000 finished tasks for at most 7 days and 1,000,000 events).
 *
 * Errors: arguments are validated (TypeError/RangeError naming the argument); operations from outside
 * (`requestStatus`) throw `TaskStoreError` with code `TASK_NOT_FOUND` or `INVALID_TRANSITION`;
 * operations of the lease holder return `Fenced` results instead of throwing; `getTask` resolves
 * `undefined` for an unknown id.
 *
 * @example
 * const store: TaskStore = await SqliteTaskStore.open('tasks.db');
 * const { task } = await store.createTask({ type: 'resize', input: { url: 'a.png' } });
 * const [claimed] = await store.claimTasks({ owner: 'worker-1', limit: 1, leaseMs: 30_000 });
 * if (claimed) await store.completeTask({ id: claimed.id, leaseToken: claimed.leaseToken, result: { ok: true } });
 * console.log((await store.getTask(task.id))?.status); // 'succeeded'
 * await store.close();
 */
export interface TaskStore {
  /** Creates a task (or returns the existing one for its idempotency key). Resolves once durable. */
  createTask(input: CreateTaskInput): Promise<CreateTaskResult>;

  /**
   * Atomically leases up to `limit` claimable tasks (`queued` with `runAt <= now`), priority first, then
   * `runAt`, then id. No task is ever held by two live leases. Resolves `[]` when nothing is claimable.
   */
  claimTasks(options: ClaimTasksOptions): Promise<Task[]>;

  /** Extends the lease to `now + leaseMs`; also tells the worker whether a cancel or pause is requested. */
  renewLease(input: Lease & { leaseMs: number }): Promise<Fenced<{ leaseExpiresAt: number; requestedStatus: RequestedStatus | null }>>;

  /**
   * Records progress (0..100) and/or a message. Reports for the same task in one group commit are
   * coalesced: the last value is written, one event is appended.
   */
  reportProgress(input: Lease & { progress?: number; message?: string }): Promise<Fenced<{ requestedStatus: RequestedStatus | null }>>;

  /** Saves the JSON checkpoint a later run of this task resumes from. */
  saveCheckpoint(input: Lease & { checkpoint: unknown }): Promise<Fenced<{ requestedStatus: RequestedStatus | null }>>;

  /**
   * Marks the task succeeded with its JSON result (progress 100). Resolves only the finish time: this is
   * the hot path of every task, and reading the whole row back would cost as much as the update.
   */
  completeTask(input: Lease & { result?: unknown }): Promise<Fenced<{ finishedAt: number }>>;

  /**
   * `completeTask` for many runs at once (1..1000), in one write: the outcomes come back in input order,
   * each as `completeTask` would have answered it (a lease given twice completes once; the repeat is
   * `lease-lost`). Every result is validated first: one that is not JSON rejects the whole call with a
   * TypeError naming it, and nothing is written. How a runner finishes a burst of short tasks cheaply.
   */
  completeTasks(inputs: readonly (Lease & { result?: unknown })[]): Promise<Fenced<{ finishedAt: number }>[]>;

  /** Records a failure: retried at `retryAt` while attempts remain, else final; a requested cancel/pause wins. */
  failTask(input: FailTaskInput): Promise<Fenced<{ task: Task }>>;

  /**
   * The worker stops running the task without a result: to `cancelled` or `paused` if that was
   * requested, else back to `queued` (graceful shutdown). Does not use up an attempt unless cancelled.
   */
  releaseTask(input: Lease): Promise<Fenced<{ task: Task }>>;

  /** Cancel, pause or resume from outside (see the state machine); throws `TaskStoreError`. */
  requestStatus(id: string, request: StatusRequest): Promise<Task>;

  /**
   * Requeues running tasks whose lease expired (`crashCount` + 1); fails those that reached
   * `maxCrashes`; settles those with a requested cancel/pause. Resolves the affected tasks.
   */
  requeueExpired(options?: RequeueExpiredOptions): Promise<Task[]>;

  getTask(id: string): Promise<Task | undefined>;

  /** Keyset-paginated by id: a page never repeats or skips a task because others were inserted. */
  listTasks(options?: ListTasksOptions): Promise<TaskPage>;

  /** Events after a sequence number, for Server-Sent Events replay with `Last-Event-ID`. */
  eventsSince(options?: EventsSinceOptions): Promise<TaskEvent[]>;

  /** Retention: deletes old finished tasks (by age and count) and their events, and old events. */
  purgeFinished(options?: PurgeFinishedOptions): Promise<PurgeResult>;

  /** Task counts by type and status (for metrics); zero counts are omitted. */
  counts(): Promise<TaskCount[]>;

  /**
   * The `seq` of the newest event (0 when the log is empty): where a stream that wants only what
   * happens from now on starts, with `eventsSince({ after })`, so it misses nothing appended after.
   */
  lastEventSeq(): Promise<number>;

  /**
   * Calls `listener` after a commit that made tasks claimable now (create, retry, requeue, resume), so
   * a runner in this process wakes without polling. Returns the unsubscribe function. Other processes
   * are not notified: their runners poll (a PostgreSQL store can use LISTEN/NOTIFY). A listener must
   * not throw; if it does, the error is rethrown asynchronously as an uncaught exception.
   */
  onTasksAvailable(listener: () => void): () => void;

  /**
   * Calls `listener` with the highest new `seq` (a hint) after a commit that appended events, so a Server-Sent
   * Events endpoint in this process can read `eventsSince` at once instead of polling. Same scope and
   * rules as `onTasksAvailable`: in-process only; other processes' writes are seen by polling.
   */
  onEventsAppended(listener: (lastSeq: number) => void): () => void;

  /** Commits pending writes, then releases the store; later calls reject. Idempotent. */
  close(): Promise<void>;
}
