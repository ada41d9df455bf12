// TaskService: durable background tasks — create, inspect, cancel, pause and follow them — run on Braid's executors.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { systemClock, type Clock } from '../../core/clock.js';
import type { Placement } from '../../executors/current-task.js';
import { runtime as createRuntime, type Runtime } from '../../executors/runtime.js';
import { SqliteTaskStore } from '../store/sqlite/sqlite-task-store.js';
import { TaskStoreError } from '../store/task-store-error.js';
import type { PurgeFinishedOptions, StatusRequest, TaskCount, TaskEvent, TaskStatus, TaskStore } from '../store/task-store.js';
import { eventStream, Pulse } from './event-stream.js';
import { DurationRecorder, type TaskDurations } from './task-durations.js';
import { loadTasks, tasksModuleHref, type RegisteredTask } from './task-registry.js';
import { TaskRunner } from './task-runner.js';
import { TaskServiceError } from './task-service-error.js';
import { toTaskView, type TaskView } from './task-view.js';

/** Options of `TaskService.open()`. */
export interface TaskServiceOptions {
  /** The tasks module (path or file: URL) whose exports include `defineTask` definitions; only those ever run. */
  tasks: string | URL;
  /** A SQLite file path (default `./braid.db`), or a `TaskStore` the caller owns (not closed by `close()`). */
  db?: string | TaskStore;
  /** The executors to run on; default one the service creates and closes. */
  runtime?: Runtime;
  /** Most tasks this service runs at once, all types together; default 64. Per type: `defineTask({ concurrency })`. */
  workerConcurrency?: number;
  /**
   * Ms a claimed task's lease lasts without renewal; default 5,000. After a crash of this process its
   * tasks run again (on any service on the same store) within about this long.
   */
  leaseMs?: number;
  /**
   * While tasks finish quickly, also lease as many queued tasks as this instance's slots are expected
   * to start within this many ms (default 20; at most 1,000 tasks): a freed slot refills at once and one
   * commit completes and claims a whole batch. Such a task shows `running` from its claim (and counts
   * against its type's `concurrency`), and one created later with a higher priority may start after it;
   * one still waiting after a renewal period goes back to the queue. 0 claims only for free slots.
   */
  claimAheadMs?: number;
  /** Ms between lease renewals, which is also how soon a cancel/pause asked through another process lands; default min(1,000, leaseMs / 3). */
  renewMs?: number;
  /** Ms between fallback polls (tasks created by other processes, expired leases of crashed ones); default 1,000. */
  pollMs?: number;
  /** A task whose runner crashed this many times (lease expired) fails with `TaskCrashedError`; default 3. */
  maxCrashes?: number;
  /** Finished-task retention, run at open and every `everyMs` (default 60,000); `false` keeps everything. Store defaults: 7 days, 10,000 tasks. */
  retention?: (PurgeFinishedOptions & { everyMs?: number }) | false;
  /** For the default SQLite store: `full` (default, survives power loss) or `normal`. */
  synchronous?: 'full' | 'normal';
  /** Identifies this instance on the leases it holds; default `host:pid:random`. */
  owner?: string;
  /** Timers (renewal, polling, progress coalescing, due retries); default the system clock. */
  clock?: Clock;
  /** Unexpected background errors (the runner keeps going); default `console.error`. */
  onError?: (error: unknown) => void;
}

/** A registered task type as clients see it (`GET /types`). */
export interface TaskTypeInfo {
  name: string;
  on: Placement;
  inputSchema?: object;
}

/** Options of `TaskService.create()`. */
export interface CreateOptions {
  /** Higher runs first; default the type's `priority`, else 0. */
  priority?: number;
  /** Not before this time: an ISO 8601 string or epoch ms. */
  runAt?: string | number;
  /** Creating the same `(type, idempotencyKey)` again returns the first task with `created: false`. */
  idempotencyKey?: string;
}

/** Options of `TaskService.list()`. */
export interface ListOptions {
  status?: TaskStatus;
  type?: string;
  /** 1..1000, default 50. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/** Options of `TaskService.events()`. */
export interface EventsOptions {
  /** Only events with `seq > after` (a Server-Sent Events `Last-Event-ID`); default 0, the whole retained log. */
  after?: number;
  /** Only this task's events. */
  taskId?: string;
  /** Ends the iteration (quietly). */
  signal?: AbortSignal;
}

const REQUESTS: Readonly<Record<string, StatusRequest>> = { cancelled: 'cancel', paused: 'pause', queued: 'resume' };
const STATUSES = new Set<TaskStatus>(['queued', 'delayed', 'running', 'paused', 'succeeded', 'failed', 'cancelled']);

/**
 * Durable background tasks. A client creates a task by type and gets its id at once; the task runs on
 * its type's placement (loop, thread or process) under a lease renewed on a heartbeat; the client reads
 * its progress, result and times, cancels or pauses it (wherever it runs), and follows its events.
 * Every accepted task is in the store before `create()` resolves, so nothing accepted is lost: after a
 * crash, expired leases are requeued (a task that crashes its runner `maxCrashes` times fails).
 *
 * ```text
 *   open ──► serving (claims on insert, on poll, when a slot frees) ──close()──► closed
 *            close(): stop claiming → abort running tasks → release them (queued again, or as requested)
 *                     → close the store and runtime it created
 * ```
 *
 * @example
 * const service = await TaskService.open({ tasks: new URL('./tasks.js', import.meta.url), db: 'tasks.db' });
 * const { task } = await service.create('report', { month: '2026-10' });
 * for await (const event of service.events({ taskId: task.id })) {
 *   console.log(event.kind, event.payload);
 *   if (event.kind === 'status' && ['succeeded', 'failed', 'cancelled'].includes(String(event.payload.status))) break;
 * }
 * console.log((await service.get(task.id))?.result);
 * await service.close();
 */
export class TaskService implements AsyncDisposable {
  readonly #store: TaskStore;
  readonly #ownsStore: boolean;
  readonly #runtime: Runtime;
  readonly #ownsRuntime: boolean;
  readonly #registry: ReadonlyMap<string, RegisteredTask>;
  readonly #runner: TaskRunner;
  readonly #pulse = new Pulse();
  readonly #durations = new DurationRecorder();
  readonly #pollMs: number;
  readonly #now: () => number = Date.now;
  /** Registered task types, for clients (the dashboard's create form, `GET /types`). */
  readonly types: readonly TaskTypeInfo[];
  #closing: Promise<void> | undefined;

  private constructor(parts: {
    store: TaskStore;
    ownsStore: boolean;
    runtime: Runtime;
    ownsRuntime: boolean;
    registry: ReadonlyMap<string, RegisteredTask>;
    href: string;
    options: TaskServiceOptions;
  }) {
    const o = parts.options;
    this.#store = parts.store;
    this.#ownsStore = parts.ownsStore;
    this.#runtime = parts.runtime;
    this.#ownsRuntime = parts.ownsRuntime;
    this.#registry = parts.registry;
    this.types = Object.freeze(
      [...parts.registry.values()].map((t) =>
        Object.freeze(t.options.inputSchema === undefined ? { name: t.name, on: t.on } : { name: t.name, on: t.on, inputSchema: t.options.inputSchema }),
      ),
    );
    const leaseMs = o.leaseMs ?? 5_000;
    this.#pollMs = o.pollMs ?? 1_000;
    const retention = o.retention === false ? false : { everyMs: 60_000, ...o.retention };
    const onError =
      o.onError ??
      ((error: unknown) => {
        console.error('braid task service:', error);
      });
    this.#runner = new TaskRunner({
      store: this.#store,
      runtime: this.#runtime,
      moduleHref: parts.href,
      types: parts.registry,
      owner: o.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
      concurrency: o.workerConcurrency ?? 64,
      claimAheadMs: o.claimAheadMs ?? 20,
      leaseMs,
      renewMs: o.renewMs ?? Math.min(1_000, Math.floor(leaseMs / 3)),
      pollMs: this.#pollMs,
      maxCrashes: o.maxCrashes ?? 3,
      progressMs: 100,
      retention,
      now: this.#now,
      clock: o.clock ?? systemClock,
      onWrite: () => this.#pulse.bump(),
      onSettled: (task, runMs) => this.#durations.record(task, runMs),
      onError,
    });
  }

  /**
   * Loads the tasks module, opens (and migrates) the store, and starts running tasks.
   *
   * @example
   * const service = await TaskService.open({ tasks: './dist/tasks.js', db: '/var/lib/app/tasks.db', leaseMs: 10_000 });
   */
  static async open(options: TaskServiceOptions): Promise<TaskService> {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    const href = tasksModuleHref(options.tasks);
    checkInt(options.workerConcurrency, 'workerConcurrency', 1, 10_000);
    checkInt(options.leaseMs, 'leaseMs', 100, 3_600_000);
    checkInt(options.renewMs, 'renewMs', 10, 3_600_000);
    checkInt(options.pollMs, 'pollMs', 10, 3_600_000);
    checkInt(options.maxCrashes, 'maxCrashes', 1, 1_000);
    checkInt(options.claimAheadMs, 'claimAheadMs', 0, 60_000);
    if (options.renewMs !== undefined && options.renewMs >= (options.leaseMs ?? 5_000)) {
      throw new RangeError(`renewMs must be less than leaseMs, got ${options.renewMs} ≥ ${options.leaseMs ?? 5_000}`);
    }
    if (options.retention !== undefined && options.retention !== false) {
      if (options.retention === null || typeof options.retention !== 'object') throw new TypeError('retention must be an object or false');
      checkInt(options.retention.everyMs, 'retention.everyMs', 1_000, 2 ** 31 - 1);
    }
    if (options.synchronous !== undefined && options.synchronous !== 'full' && options.synchronous !== 'normal') {
      throw new TypeError(`synchronous must be 'full' or 'normal', got ${String(options.synchronous)}`);
    }
    if (options.owner !== undefined && (typeof options.owner !== 'string' || options.owner === '')) throw new TypeError('owner must be a non-empty string');
    if (options.onError !== undefined && typeof options.onError !== 'function') throw new TypeError('onError must be a function');
    if (options.clock !== undefined && (typeof options.clock?.now !== 'function' || typeof options.clock.setTimer !== 'function')) {
      throw new TypeError('clock must implement now() and setTimer()');
    }
    const db = options.db ?? './braid.db';
    if (typeof db !== 'string' && !isTaskStore(db)) throw new TypeError('db must be a SQLite file path or a TaskStore');
    if (db === '') throw new TypeError('db must be a non-empty path');
    if (options.runtime !== undefined && (options.runtime === null || typeof (options.runtime as Partial<Runtime>).run !== 'function')) {
      throw new TypeError('runtime must be a Runtime');
    }

    const registry = await loadTasks(href);
    const store = typeof db === 'string' ? await SqliteTaskStore.open(db, options.synchronous === undefined ? {} : { synchronous: options.synchronous }) : db;
    const ownsRuntime = options.runtime === undefined;
    const rt = options.runtime ?? createRuntime();
    const service = new TaskService({ store, ownsStore: typeof db === 'string', runtime: rt, ownsRuntime, registry, href, options });
    service.#runner.start();
    return service;
  }

  /** Tasks this instance holds now: running, or claimed ahead and about to start (see `claimAheadMs`). */
  get running(): number {
    return this.#runner.running;
  }

  /**
   * Accepts a task of a registered type; resolves once it is durable (it may already be running).
   * With an `idempotencyKey` already used for this type, resolves the first task and `created: false`.
   *
   * @throws TaskServiceError `UNKNOWN_TASK_TYPE`; TypeError/RangeError for bad arguments (input not JSON…)
   * @example
   * const { task, created } = await service.create('resize', { url: 'a.png' }, { priority: 5, idempotencyKey: 'a.png@800' });
   */
  async create(type: string, input: unknown, options: CreateOptions = {}): Promise<{ task: TaskView; created: boolean }> {
    this.#assertOpen();
    if (typeof type !== 'string' || type === '') throw new TypeError('type must be a non-empty string');
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    const registered = this.#registry.get(type);
    if (registered === undefined) {
      throw new TaskServiceError('UNKNOWN_TASK_TYPE', `No task type ${JSON.stringify(type)} is registered (known: ${[...this.#registry.keys()].join(', ')})`);
    }
    const priority = options.priority ?? registered.options.priority ?? 0;
    if (!Number.isSafeInteger(priority)) throw new RangeError(`priority must be a safe integer, got ${String(priority)}`);
    const runAt = options.runAt === undefined ? undefined : epochArg(options.runAt);
    const key = options.idempotencyKey;
    if (key !== undefined && (typeof key !== 'string' || key === '' || key.length > 200)) {
      throw new TypeError('idempotencyKey must be a string of 1 to 200 characters');
    }
    jsonArg(input, 'input');
    const creating = this.#store.createTask({
      type,
      input: input === undefined ? null : input,
      priority,
      maxAttempts: (registered.options.retries ?? 0) + 1,
      ...(runAt === undefined ? {} : { runAt }),
      ...(key === undefined ? {} : { idempotencyKey: key }),
    });
    // Claim now rather than after the commit: a store that group-commits (SQLite) then creates and
    // claims the task in one transaction, so it starts one commit (one fsync) sooner.
    if (runAt === undefined || runAt <= this.#now()) this.#runner.wake();
    const result = await creating;
    if (result.created) {
      this.#pulse.bump();
      if (runAt !== undefined && runAt > this.#now()) this.#runner.wakeAt(runAt);
    }
    return { task: toTaskView(result.task, this.#now()), created: result.created };
  }

  /**
   * The task's current view, or `undefined` for an unknown (or purged) id.
   *
   * @example
   * const view = await service.get(id);
   * if (view?.status === 'succeeded') console.log(view.result, view.startedAt, view.finishedAt);
   */
  async get(id: string): Promise<TaskView | undefined> {
    this.#assertOpen();
    if (typeof id !== 'string') throw new TypeError('id must be a string');
    if (id === '' || id.length > 200) return undefined;
    const task = await this.#store.getTask(id);
    return task === undefined ? undefined : toTaskView(task, this.#now());
  }

  /**
   * A page of tasks, newest first, optionally filtered; pass `nextCursor` back for the next page.
   *
   * @example
   * let page = await service.list({ status: 'failed', limit: 100 });
   * while (page.nextCursor !== null) page = await service.list({ status: 'failed', limit: 100, cursor: page.nextCursor });
   */
  async list(options: ListOptions = {}): Promise<{ tasks: TaskView[]; nextCursor: string | null }> {
    this.#assertOpen();
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    if (options.status !== undefined && !STATUSES.has(options.status)) throw new TypeError(`status must be a task status, got ${String(options.status)}`);
    if (options.type !== undefined && typeof options.type !== 'string') throw new TypeError('type must be a string');
    const page = await this.#store.listTasks({
      ...(options.status === undefined ? {} : { status: options.status }),
      ...(options.type === undefined ? {} : { type: options.type }),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
    });
    const now = this.#now();
    return { tasks: page.tasks.map((t) => toTaskView(t, now)), nextCursor: page.nextCursor };
  }

  /**
   * Cancels (`'cancelled'`), pauses (`'paused'`) or resumes (`'queued'`) a task. A queued or paused task
   * changes at once; a running one is asked to stop: its signal aborts (at once when it runs in this
   * process, else at its runner's next lease renewal) and it ends `cancelled` or `paused`. The view
   * returned is the state right after the request. A paused task resumes from its last checkpoint.
   *
   * @throws TaskServiceError `TASK_NOT_FOUND` or `INVALID_TRANSITION` (e.g. cancelling a finished task)
   * @example
   * await service.setStatus(id, 'paused');
   * await service.setStatus(id, 'queued'); // resume
   */
  async setStatus(id: string, status: 'cancelled' | 'paused' | 'queued'): Promise<TaskView> {
    this.#assertOpen();
    if (typeof id !== 'string' || id === '') throw new TypeError('id must be a non-empty string');
    const request = typeof status === 'string' ? REQUESTS[status] : undefined;
    if (request === undefined) throw new TypeError(`status must be 'cancelled', 'paused' or 'queued', got ${String(status)}`);
    let task;
    try {
      task = await this.#store.requestStatus(id, request);
    } catch (error) {
      if (error instanceof TaskStoreError) {
        throw new TaskServiceError(error.code, error.message, error.status === undefined ? { cause: error } : { cause: error, status: error.status });
      }
      throw error;
    }
    this.#pulse.bump();
    if (task.status === 'running') this.#runner.requested(task.id, task.requestedStatus);
    if (request === 'resume') this.#runner.wake();
    return toTaskView(task, this.#now());
  }

  /**
   * The event log after `after` (replay), then live events, in `seq` order with no gaps or repeats,
   * until `signal` aborts or the service closes. Events from other processes on the same store arrive
   * within `pollMs`; this process's at once.
   *
   * @example
   * const controller = new AbortController();
   * for await (const event of service.events({ after: lastEventId, signal: controller.signal })) send(event);
   */
  events(options: EventsOptions = {}): AsyncIterable<TaskEvent> {
    this.#assertOpen();
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    const after = options.after ?? 0;
    if (!Number.isSafeInteger(after) || after < 0) throw new RangeError(`after must be a non-negative integer, got ${String(after)}`);
    if (options.taskId !== undefined && (typeof options.taskId !== 'string' || options.taskId === '')) throw new TypeError('taskId must be a non-empty string');
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw new TypeError('signal must be an AbortSignal');
    return eventStream(this.#store, this.#pulse, {
      after,
      taskId: options.taskId,
      signal: options.signal,
      pollMs: this.#pollMs,
      closed: () => this.#closing !== undefined,
    });
  }

  /**
   * Task counts by type and status (zero counts omitted), for metrics.
   *
   * @example
   * for (const { type, status, count } of await service.counts()) console.log(`braid_tasks{type="${type}",status="${status}"} ${count}`);
   */
  async counts(): Promise<TaskCount[]> {
    this.#assertOpen();
    return this.#store.counts();
  }

  /**
   * The `seq` of the newest event: `events({ after: await service.lastEventSeq() })` follows only what
   * happens from now on, without replaying the retained log.
   *
   * @example
   * for await (const event of service.events({ after: await service.lastEventSeq() })) console.log(event.kind);
   */
  async lastEventSeq(): Promise<number> {
    this.#assertOpen();
    return this.#store.lastEventSeq();
  }

  /**
   * Histograms (Prometheus shape, seconds, cumulative buckets at `DURATION_BUCKETS`) of wait and run
   * times per type, for attempts this instance ran since it opened.
   *
   * @example
   * for (const h of service.durations()) console.log(h.type, h.phase, h.count, h.sum / h.count);
   */
  durations(): TaskDurations[] {
    return this.#durations.snapshot();
  }

  /**
   * Stops claiming, aborts running tasks and hands them back to the store (queued again, or cancelled /
   * paused if that was asked), then closes the store and runtime the service created. Idempotent.
   *
   * @example
   * process.once('SIGTERM', () => void service.close());
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#pulse.bump();
      try {
        await this.#runner.close();
      } finally {
        if (this.#ownsRuntime) await this.#runtime.close();
        if (this.#ownsStore) await this.#store.close();
      }
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) throw new TaskServiceError('SERVICE_CLOSED', 'The task service is closed');
  }
}

function isTaskStore(value: unknown): value is TaskStore {
  return value !== null && typeof value === 'object' && typeof (value as Partial<TaskStore>).claimTasks === 'function';
}

function checkInt(value: unknown, name: string, min: number, max: number): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max)) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
}

function jsonArg(value: unknown, name: string): void {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new TypeError(`${name} must be JSON-serialisable: ${(error as Error).message}`);
  }
  if (text === undefined && value !== undefined) throw new TypeError(`${name} must be JSON-serialisable`);
}

function epochArg(value: unknown): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`runAt must be epoch milliseconds, got ${value}`);
    return Math.floor(value);
  }
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new TypeError(`runAt must be an ISO 8601 date, got ${JSON.stringify(value)}`);
    return ms;
  }
  throw new TypeError('runAt must be an ISO 8601 string or epoch milliseconds');
}
