// The engine behind every placement: queue, dispatch in batches, cancellation, crashes, recycling, stats.
import type { TransferListItem } from 'node:worker_threads';
import { systemClock, type Clock, type Timer } from '../core/clock.js';
import { cancellationError, TimeoutError } from '../core/errors.js';
import type { Placement } from './current-task.js';
import { deserializeError, serializeError, type SerializedError } from './error-serialization.js';
import { QueueFullError, RuntimeClosedError, WorkerCrashedError } from './errors.js';
import { createPeer } from '../communication/remote/create-peer.js';
import type { Peer } from '../communication/remote/peer.js';
import { ARITY, CALL, CANCEL, FAIL, FLAG_ARMED, FLAG_ISOLATE, FLAG_PROGRESS, FLAG_TIMEOUT, HEAP, LOAD, OK, PEER, PROGRESS, READY, REPLY, RUN, splitBatch, STARTED, type Batch, type LoneResult } from './protocol.js';
import { unsendableError, type Destination } from './sendable-path.js';
import { Samples, type PoolStats } from './stats.js';
import type { WorkerExit, WorkerFactory, WorkerHandle } from './worker-handle.js';

/** Everything a pool is built with; the facade has validated it. */
export interface PoolOptions {
  placement: Placement;
  factory: WorkerFactory;
  min: number;
  max: number;
  /** Tasks one worker holds at once. */
  concurrency: number;
  maxQueue: number;
  idleTimeout: number;
  maxTasks: number;
  maxHeapBytes: number;
  cancelGrace: number;
  clock: Clock;
  hostCall(name: string, args: unknown[]): Promise<unknown>;
}

/** Per-task options; validated by the facade. */
export interface SubmitOptions {
  signal?: AbortSignal | undefined;
  timeout?: number | undefined;
  deadline?: number | undefined;
  transfer?: TransferListItem[] | undefined;
  onProgress?: ((value: unknown, message: string | undefined) => void) | undefined;
  isolate?: boolean | undefined;
  onQueueFull?: 'wait' | 'reject' | undefined;
  data?: unknown;
  hooks?: Readonly<Record<string, (...args: any[]) => unknown>> | undefined;
}

// Task states. QUEUED and WAITING (for room in a full queue) hold no worker; RUNNING is held by one.
//
//   WAITING ──room──▶ QUEUED ──dispatch──▶ RUNNING ──OK/FAIL──▶ DONE
//      └────────────────┴────── cancel/deadline ──┴── cancel/timeout/crash/close ─▶ DONE
//
// A task cancelled while RUNNING is DONE for its caller at once, but stays in its worker's `tasks`
// until the worker reports it settled, or until `cancelGrace` passes and the worker is killed.
const WAITING = 0;
const QUEUED = 1;
const RUNNING = 2;
const DONE = 3;

class Task {
  state = QUEUED;
  worker: PoolWorker | undefined = undefined;
  startedAt = 0;
  timer: Timer | undefined = undefined;
  deadlineTimer: Timer | undefined = undefined;
  graceTimer: Timer | undefined = undefined;
  /** Answered early (cancel, timeout) while a worker still runs it. */
  abandoned = false;
  onAbort: (() => void) | undefined = undefined;
  resolve!: (value: unknown) => void;
  reject!: (error: unknown) => void;
  constructor(
    readonly id: number,
    readonly modId: number,
    readonly module: string,
    readonly exportName: string,
    readonly args: unknown[],
    readonly flags: number,
    readonly options: SubmitOptions,
    readonly submittedAt: number,
  ) {}
}

// Worker states.
//
//   STARTING ──READY──▶ LIVE ──maxTasks / maxHeap──▶ RETIRING ──idle──▶ LEAVING ──exit──▶ EXITED
//      │                 └────────── idleTimeout ───────────────────────────▲
//      └──────────────── exit (crash, kill) at any point ─────────────────────────────────▲
//
// STARTING threads already take tasks (their port queues them); a STARTING child process takes
// nothing until READY. A RETIRING worker takes nothing new and finishes what it holds; its replacement is
// started when it retires, before it leaves.
const STARTING = 0;
const LIVE = 1;
const RETIRING = 2;
const LEAVING = 3;
const EXITED = 4;

class PoolWorker {
  state = STARTING;
  handle!: WorkerHandle;
  /** Threads and processes: carries the actors, channels and buses tasks were given (the loop passes them by reference). */
  peer: Peer | undefined = undefined;
  readonly tasks = new Map<number, Task>();
  readonly modules: boolean[] = [];
  outbox: Batch = [];
  transfer: TransferListItem[] | undefined = undefined;
  dispatched = 0;
  busySince = -1;
  idleTimer: Timer | undefined = undefined;
  killReason: string | undefined = undefined;
  /** Tasks cancelled by their caller that this worker has not yet reported settled. */
  abandoned = 0;
  exited!: Promise<void>;
  onExited!: () => void;
}

const MAX_START_FAILURES = 3;
/**
 * Dispatch is scheduled with `RESOLVED.then()`, not `queueMicrotask()`: both run the callback at
 * the end of the current job, but Node's queueMicrotask builds an AsyncResource per call (to give
 * the callback its caller's async context, which a promise reaction carries anyway). With one task
 * in flight that is one per task, on the round trip's critical path: about 1,000 of the 40,000
 * instructions a thread round trip took (cachegrind, both threads).
 */
const RESOLVED = Promise.resolve();
/** The longest delay setTimeout honours (longer ones fire at once). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * A pool of workers of one placement. Submissions are queued and dispatched in a microtask, so a
 * burst submitted in one tick goes out as one batch per worker, while a lone task leaves at once
 * (a microtask is not a delay). A worker holds up to `concurrency` tasks; idle workers are
 * preferred, then a new worker while below `max`, then the least loaded one.
 */
export class Pool {
  readonly #o: PoolOptions;
  readonly #destination: Destination;
  readonly #workers: PoolWorker[] = [];
  #queue: (Task | undefined)[] = [];
  #head = 0;
  #queued = 0;
  #waiters: (Task | undefined)[] = [];
  #waitHead = 0;
  #waiting = 0;
  #nextId = 1;
  #dispatchQueued = false;
  #closed: Promise<void> | undefined;
  #respawnTimer: Timer | undefined;
  #startFailures = 0;
  #consecutiveCrashes = 0;
  #lastStartError: unknown;
  readonly #startedAt: number;
  #busyTotal = 0;
  #completed = 0;
  #failed = 0;
  #cancelled = 0;
  #crashes = 0;
  readonly #waitTimes = new Samples();
  readonly #runTimes = new Samples();
  readonly #dispatchTask = () => this.#dispatch();

  constructor(options: PoolOptions) {
    this.#o = options;
    this.#destination = options.placement === 'thread' ? 'a thread' : options.placement === 'process' ? 'a process' : 'an isolated task';
    this.#startedAt = options.clock.now();
  }

  /** Queues a task; resolves with its result. Never throws: every failure is a rejection. */
  submit(modId: number, module: string, exportName: string, args: unknown[], options: SubmitOptions): Promise<unknown> {
    if (this.#closed !== undefined) return Promise.reject(new RuntimeClosedError());
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(cancellationError(signal.reason));
    if (this.#o.placement === 'process') {
      // A child process gets a copy of a SharedArrayBuffer view, silently unshared: refuse it.
      for (let i = 0; i < args.length; i++) {
        const arg = args[i];
        if (ArrayBuffer.isView(arg) && arg.buffer instanceof SharedArrayBuffer) {
          return Promise.reject(new TypeError(`args[${i}] is a view of a SharedArrayBuffer and cannot be sent to a process`));
        }
      }
    }
    // Tasks queued in this tick that free workers will take at the next dispatch do not count.
    const full = this.#queued >= this.#o.maxQueue && this.#queued >= this.#o.maxQueue + this.#freeSlots();
    if (full && options.onQueueFull === 'reject') return Promise.reject(new QueueFullError(this.#o.maxQueue));
    const flags =
      (options.onProgress === undefined ? 0 : FLAG_PROGRESS) |
      // Threads and processes clone anyway: isolate only means something on the loop.
      (options.isolate === true && this.#o.placement === 'loop' ? FLAG_ISOLATE : 0) |
      (options.timeout === undefined || options.timeout === Infinity ? 0 : FLAG_TIMEOUT);
    const task = new Task(this.#nextId++, modId, module, exportName, args, flags, options, this.#o.clock.now());
    const promise = new Promise<unknown>((resolve, reject) => {
      task.resolve = resolve;
      task.reject = reject;
    });
    if (signal !== undefined) {
      task.onAbort = () => this.#abandon(task, cancellationError(signal.reason));
      signal.addEventListener('abort', task.onAbort, { once: true });
    }
    if (options.deadline !== undefined) {
      const ms = options.deadline;
      task.deadlineTimer = this.#setTimer(ms, () =>
        this.#abandon(task, new TimeoutError(`Task ${exportName} missed its deadline of ${ms} ms`)),
      );
    }
    if (full) {
      task.state = WAITING;
      this.#waiters.push(task);
      this.#waiting++;
      if (this.#o.maxQueue === 0) this.#scheduleDispatch();
    } else {
      this.#queue.push(task);
      this.#queued++;
      this.#scheduleDispatch();
    }
    return promise;
  }

  stats(): PoolStats {
    const now = this.#o.clock.now();
    let running = 0;
    let busy = this.#busyTotal;
    let workers = 0;
    for (const w of this.#workers) {
      for (const task of w.tasks.values()) if (task.state === RUNNING) running++;
      if (w.busySince >= 0) busy += now - w.busySince;
      if (w.state !== EXITED) workers++;
    }
    const elapsed = (now - this.#startedAt) * this.#o.max;
    return {
      queued: this.#queued + this.#waiting,
      running,
      completed: this.#completed,
      failed: this.#failed,
      cancelled: this.#cancelled,
      waitTime: this.#waitTimes.quantiles(),
      runTime: this.#runTimes.quantiles(),
      utilization: elapsed > 0 ? Math.min(1, busy / elapsed) : 0,
      workers,
      crashes: this.#crashes,
      workerIds: this.workerIds(),
    };
  }

  /** Ids of live workers (thread ids or pids), for tests and diagnostics. */
  workerIds(): number[] {
    return this.#workers.filter((w) => w.state !== EXITED).map((w) => w.handle.id);
  }

  /** Rejects everything pending with RuntimeClosedError and ends every worker; resolves once all have exited. */
  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    const error = new RuntimeClosedError();
    this.#respawnTimer?.cancel();
    for (const task of [...this.#waiters, ...this.#queue]) if (task !== undefined) this.#answer(task, false, error);
    this.#queue = [];
    this.#waiters = [];
    this.#head = this.#waitHead = this.#queued = this.#waiting = 0;
    const exits: Promise<void>[] = [];
    for (const w of this.#workers) {
      w.idleTimer?.cancel();
      for (const task of w.tasks.values()) {
        task.graceTimer?.cancel();
        if (task.state === RUNNING) {
          this.#answer(task, false, error);
          // The loop cannot be killed: tell its tasks, so they can stop.
          if (w.handle.inProcess) w.outbox.push(CANCEL, task.id, error);
        }
      }
      if (w.handle.inProcess) {
        this.#flush(w);
        continue;
      }
      exits.push(w.exited);
      w.state = LEAVING;
      w.handle.kill();
    }
    this.#closed = Promise.all(exits).then(() => undefined);
    return this.#closed;
  }

  // ─── dispatch ────────────────────────────────────────────────────────────────

  #scheduleDispatch(): void {
    if (this.#dispatchQueued) return;
    this.#dispatchQueued = true;
    void RESOLVED.then(this.#dispatchTask);
  }

  #dispatch(): void {
    this.#dispatchQueued = false;
    if (this.#closed !== undefined) return;
    const dirty: PoolWorker[] = [];
    // One clock read per pass: the tasks of a batch leave together.
    const now = this.#o.clock.now();
    while (this.#queued > 0 || this.#waiting > 0) {
      const w = this.#pickWorker();
      if (w === undefined) break;
      // With the queue empty (maxQueue 0 is a rendezvous) a waiting caller goes straight to a free worker.
      if (this.#queued === 0) this.#promoteWaiter();
      const task = this.#shift();
      if (task === undefined) break;
      if (w.outbox.length === 0) dirty.push(w);
      this.#assign(w, task, now);
    }
    for (const w of dirty) this.#flush(w);
    this.#ensureMin();
  }

  /** Task slots available now or by starting workers; only computed when the queue looks full. */
  #freeSlots(): number {
    const cap = this.#o.concurrency;
    let free = 0;
    let live = 0;
    for (const w of this.#workers) {
      if (w.state !== LIVE && w.state !== STARTING) continue;
      live++;
      if (w.abandoned === 0 && (w.state === LIVE || w.handle.acceptsEarly)) free += Math.max(0, cap - w.tasks.size);
    }
    const spare = this.#o.max - live;
    return spare > 0 ? free + spare * cap : free;
  }

  #pickWorker(): PoolWorker | undefined {
    const cap = this.#o.concurrency;
    let best: PoolWorker | undefined;
    let live = 0;
    for (const w of this.#workers) {
      if (w.state !== LIVE && w.state !== STARTING) continue;
      live++;
      if (w.state === STARTING && !w.handle.acceptsEarly) continue;
      // A worker holding a task that was told to stop may be killed when the grace period ends;
      // giving it new work would make that work collateral damage.
      if (w.abandoned > 0) continue;
      const n = w.tasks.size;
      if (n >= cap) continue;
      if (n === 0) return w;
      if (best === undefined || n < best.tasks.size) best = w;
    }
    // Spread over new workers before stacking tasks on busy ones: parallelism first.
    if (live < this.#o.max && this.#respawnTimer === undefined) {
      const fresh = this.#spawn();
      if (fresh?.handle.acceptsEarly === true) return fresh;
    }
    return best;
  }

  #shift(): Task | undefined {
    while (this.#head < this.#queue.length) {
      const task = this.#queue[this.#head];
      this.#queue[this.#head++] = undefined;
      if (task === undefined || task.state !== QUEUED) continue;
      this.#queued--;
      this.#promoteWaiter();
      if (this.#head === this.#queue.length) {
        this.#queue = [];
        this.#head = 0;
      }
      return task;
    }
    this.#queue = [];
    this.#head = 0;
    return undefined;
  }

  #promoteWaiter(): void {
    while (this.#waiting > 0 && this.#waitHead < this.#waiters.length) {
      const task = this.#waiters[this.#waitHead];
      this.#waiters[this.#waitHead++] = undefined;
      if (task === undefined || task.state !== WAITING) continue;
      this.#waiting--;
      task.state = QUEUED;
      this.#queue.push(task);
      this.#queued++;
      break;
    }
    if (this.#waitHead === this.#waiters.length) {
      this.#waiters = [];
      this.#waitHead = 0;
    }
  }

  #assign(w: PoolWorker, task: Task, now: number): void {
    let args: unknown;
    try {
      args = w.peer === undefined ? task.args : w.peer.pack(task.args, 'args');
    } catch (error) {
      // A function or symbol in the arguments: the task fails at once, before any worker holds it
      // (#shift() already took it off the queue's count, so it is answered as a running task).
      task.state = RUNNING;
      this.#answer(task, false, error);
      return;
    }
    task.state = RUNNING;
    task.worker = w;
    task.startedAt = now;
    this.#waitTimes.add(now - task.submittedAt);
    let flags = task.flags;
    if (w.tasks.size === 0) {
      this.#markBusy(w, now);
      // Alone on its worker, the task starts on arrival: time it from now. Any other timed task
      // reports STARTED, so time spent behind the worker's other tasks does not count.
      if ((flags & FLAG_TIMEOUT) !== 0) {
        flags |= FLAG_ARMED;
        this.#startTimeout(task);
      }
    }
    w.tasks.set(task.id, task);
    const { transfer, data } = task.options;
    if (w.modules[task.modId] !== true) {
      w.modules[task.modId] = true;
      w.outbox.push(LOAD, task.modId, task.module);
    }
    w.outbox.push(RUN, task.id, task.modId, task.exportName, args, flags, data);
    if (transfer !== undefined && transfer.length > 0) (w.transfer ??= []).push(...transfer);
    if (++w.dispatched >= this.#o.maxTasks && w.state !== RETIRING) this.#retire(w);
  }

  /** Starts a task's timeout: at dispatch when it is armed there, else when the worker reports STARTED. */
  #startTimeout(task: Task): void {
    const timeout = task.options.timeout ?? Infinity;
    task.timer?.cancel();
    task.timer = this.#setTimer(timeout, () =>
      this.#abandon(task, new TimeoutError(`Task ${task.exportName} timed out after ${timeout} ms`)),
    );
  }

  #flush(w: PoolWorker): void {
    // Peer messages first, so the worker sees them before the tasks that follow them (causal order).
    w.peer?.flush();
    if (w.outbox.length === 0 || w.state === EXITED) return;
    const batch = w.outbox;
    const transfer = w.transfer;
    w.outbox = [];
    w.transfer = undefined;
    try {
      w.handle.post(batch, transfer);
    } catch (error) {
      this.#postOneByOne(w, batch, error);
    }
  }

  /** A batch failed to clone: resend message by message and fail exactly the tasks that cannot go. */
  #postOneByOne(w: PoolWorker, batch: Batch, _batchError: unknown): void {
    for (const message of splitBatch(batch)) {
      const kind = message[0] as number;
      const task = kind === RUN ? w.tasks.get(message[1] as number) : undefined;
      try {
        w.handle.post(message, task?.options.transfer);
      } catch (error) {
        if (task !== undefined) {
          w.tasks.delete(task.id);
          this.#answer(task, false, unsendableError(task.args, 'args', this.#destination, error));
          if (w.tasks.size === 0) this.#onIdle(w);
        } else if (kind === REPLY) {
          const failure = unsendableError(message[3], 'result', this.#destination, error);
          try {
            w.handle.post([REPLY, message[1], false, w.handle.inProcess ? failure : serializeError(failure)], undefined);
          } catch {
            // The worker is gone; its exit settles everything.
          }
        }
      }
    }
  }

  // ─── messages from workers ───────────────────────────────────────────────────

  #onMessage(w: PoolWorker, batch: Batch | LoneResult): void {
    if (!Array.isArray(batch)) {
      // A lone result answers the oldest task this worker holds (see LoneResult in protocol.ts).
      const oldest = w.tasks.keys().next();
      if (oldest.done !== true) this.#settled(w, oldest.value, true, batch);
      if (this.#queued > 0 || this.#waiting > 0) this.#dispatch();
      return;
    }
    for (let i = 0; i < batch.length; ) {
      const kind = batch[i] as number;
      switch (kind) {
        case OK:
          this.#settled(w, batch[i + 1] as number, true, w.peer === undefined ? batch[i + 2] : w.peer.unpack(batch[i + 2]));
          break;
        case PEER:
          w.peer?.receive(batch[i + 1] as unknown[]);
          break;
        case FAIL:
          this.#settled(w, batch[i + 1] as number, false, deserializeError(batch[i + 2] as SerializedError));
          break;
        case PROGRESS:
          this.#progress(w.tasks.get(batch[i + 1] as number), batch[i + 2], batch[i + 3] as string | undefined);
          break;
        case CALL:
          this.#hostCall(w, batch[i + 1] as number, batch[i + 2] as string, batch[i + 3] as unknown[], batch[i + 4] as number);
          break;
        case READY:
          if (w.state === STARTING) w.state = LIVE;
          // Peer messages a starting child process could not take yet.
          if (w.outbox.length > 0) this.#flush(w);
          this.#startFailures = 0;
          // A worker that got no task while starting must still be able to idle out.
          if (w.tasks.size === 0) this.#onIdle(w);
          break;
        case STARTED: {
          const task = w.tasks.get(batch[i + 1] as number);
          if (task !== undefined && task.state === RUNNING) {
            task.startedAt = this.#o.clock.now();
            this.#startTimeout(task);
          }
          break;
        }
        case HEAP:
          if ((batch[i + 1] as number) > this.#o.maxHeapBytes && (w.state === LIVE || w.state === STARTING)) this.#retire(w);
          break;
      }
      i += (ARITY[kind] ?? 0) + 1;
    }
    if (this.#queued > 0 || this.#waiting > 0) this.#dispatch();
  }

  #settled(w: PoolWorker, id: number, ok: boolean, value: unknown): void {
    const task = w.tasks.get(id);
    if (task === undefined) return;
    w.tasks.delete(id);
    if (task.abandoned) {
      task.graceTimer?.cancel();
      if (!w.handle.inProcess) w.abandoned--;
    }
    if (ok) this.#consecutiveCrashes = 0;
    const now = this.#o.clock.now();
    if (task.state === RUNNING) {
      this.#runTimes.add(now - task.startedAt);
      this.#answer(task, ok, value);
    }
    if (w.tasks.size === 0) this.#onIdle(w, now);
  }

  #progress(task: Task | undefined, value: unknown, message: string | undefined): void {
    if (task === undefined || task.state !== RUNNING) return;
    try {
      task.options.onProgress?.(value, message);
    } catch (error) {
      // A throwing listener ends the task with its error rather than going unseen.
      this.#abandon(task, error);
    }
  }

  #hostCall(w: PoolWorker, callId: number, name: string, args: unknown[], taskId: number): void {
    const reply = (ok: boolean, value: unknown) => {
      if (w.state === EXITED) return;
      w.outbox.push(REPLY, callId, ok, value);
      this.#flush(w);
    };
    (taskId === 0 ? this.#o.hostCall(name, args) : this.#callHook(w.tasks.get(taskId), name, args)).then(
      (value) => reply(true, value),
      (error: unknown) => reply(false, w.handle.inProcess ? error : serializeError(error)),
    );
  }

  #callHook(task: Task | undefined, name: string, args: unknown[]): Promise<unknown> {
    if (task === undefined || task.state !== RUNNING) return Promise.reject(new Error(`The caller of this task is no longer listening (hook ${JSON.stringify(name)})`));
    const hook = task.options.hooks?.[name];
    if (hook === undefined) return Promise.reject(new Error(`The caller passed no hook named ${JSON.stringify(name)}`));
    try {
      return Promise.resolve(hook(...args));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // ─── answering callers, cancellation ─────────────────────────────────────────

  /** Settles the caller's promise once and releases the task's timers and listener. */
  #answer(task: Task, ok: boolean, value: unknown): void {
    if (task.state === DONE) return;
    if (task.state === QUEUED) this.#queued--;
    else if (task.state === WAITING) this.#waiting--;
    task.state = DONE;
    task.timer?.cancel();
    task.deadlineTimer?.cancel();
    if (task.onAbort !== undefined) task.options.signal?.removeEventListener('abort', task.onAbort);
    if (ok) {
      this.#completed++;
      task.resolve(value);
    } else {
      if (value instanceof RuntimeClosedError) this.#cancelled++;
      else this.#failed++;
      task.reject(value);
    }
  }

  /**
   * Answers the caller now with `error` (cancellation, timeout, deadline). A running task is told
   * to stop (its signal aborts); if it has not settled after `cancelGrace`, its worker is killed.
   */
  #abandon(task: Task, error: unknown): void {
    const state = task.state;
    if (state === DONE) return;
    this.#answer(task, false, error);
    this.#failed--;
    this.#cancelled++;
    if (state === QUEUED || state === WAITING) {
      if (state === QUEUED) this.#promoteWaiter();
      return;
    }
    const w = task.worker;
    if (w === undefined || w.state === EXITED) return;
    w.outbox.push(CANCEL, task.id, w.handle.inProcess ? error : serializeError(error));
    this.#flush(w);
    // The loop cannot be killed, so nothing there is at risk: keep using it.
    if (!w.handle.inProcess) w.abandoned++;
    task.abandoned = true;
    task.graceTimer = this.#setTimer(this.#o.cancelGrace, () => this.#graceKill(w, task));
  }

  #graceKill(w: PoolWorker, task: Task): void {
    if (!w.tasks.has(task.id) || w.state === EXITED) return;
    if (w.handle.inProcess) {
      // JavaScript on this thread cannot be stopped; stop counting the task against the loop.
      w.tasks.delete(task.id);
      if (w.tasks.size === 0) this.#onIdle(w);
      if (this.#queued > 0 || this.#waiting > 0) this.#scheduleDispatch();
      return;
    }
    w.killReason = `The worker was ended because task ${task.exportName} ignored cancellation for ${this.#o.cancelGrace} ms`;
    if (w.state !== LEAVING) w.state = LEAVING;
    w.handle.kill();
    this.#replenish();
  }

  // ─── worker life cycle ───────────────────────────────────────────────────────

  #spawn(): PoolWorker | undefined {
    const w = new PoolWorker();
    w.exited = new Promise((resolve) => (w.onExited = resolve));
    try {
      w.handle = this.#o.factory({
        message: (batch) => this.#onMessage(w, batch),
        exit: (exit) => this.#onExit(w, exit),
        callHost: (name, args) => this.#o.hostCall(name, args),
      });
    } catch (error) {
      this.#failQueue(new WorkerCrashedError(`The ${this.#o.placement} worker could not be started`, { cause: error }));
      return undefined;
    }
    if (!w.handle.inProcess) {
      w.peer = createPeer({
        destination: this.#destination === 'a process' ? 'a process' : 'a thread',
        serializeError,
        deserializeError,
        link: {
          post: (batch) => {
            // A starting child process drops what it is sent: keep it for the flush at READY.
            if (w.state === STARTING && !w.handle.acceptsEarly) w.outbox.push(PEER, batch);
            else if (w.state !== EXITED) w.handle.post([PEER, batch], undefined);
          },
        },
      });
    }
    this.#workers.push(w);
    return w;
  }

  #ensureMin(): void {
    if (this.#closed !== undefined || this.#respawnTimer !== undefined) return;
    let live = 0;
    for (const w of this.#workers) if (w.state === LIVE || w.state === STARTING) live++;
    for (; live < this.#o.min; live++) if (this.#spawn() === undefined) return;
  }

  #markBusy(w: PoolWorker, now: number): void {
    w.busySince = now;
    w.idleTimer?.cancel();
    w.idleTimer = undefined;
    w.handle.setBusy(true);
  }

  #onIdle(w: PoolWorker, now?: number): void {
    if (w.busySince >= 0) {
      this.#busyTotal += (now ?? this.#o.clock.now()) - w.busySince;
      w.busySince = -1;
    }
    if (w.state === EXITED || w.state === LEAVING) return;
    w.handle.setBusy(false);
    if (w.state === RETIRING) {
      this.#leave(w);
      return;
    }
    if (this.#o.idleTimeout === Infinity || w.handle.inProcess) return;
    let live = 0;
    for (const other of this.#workers) if (other.state === LIVE || other.state === STARTING) live++;
    if (live <= this.#o.min) return;
    w.idleTimer = this.#idleTimer(this.#o.idleTimeout, () => {
      w.idleTimer = undefined;
      let live = 0;
      for (const other of this.#workers) if (other.state === LIVE || other.state === STARTING) live++;
      if (w.tasks.size === 0 && live > this.#o.min && (w.state === LIVE || w.state === STARTING)) this.#leave(w);
    });
  }

  /** A timer on the pool's clock; none for Infinity, and never past what setTimeout can hold. */
  #setTimer(ms: number, fn: () => void): Timer | undefined {
    return ms === Infinity ? undefined : this.#o.clock.setTimer(Math.min(ms, MAX_TIMER_MS), fn);
  }

  /** An idle timer must not keep the host alive on its own: unref it when time is real. */
  #idleTimer(ms: number, fn: () => void): Timer {
    if (this.#o.clock !== systemClock) return this.#o.clock.setTimer(Math.min(ms, MAX_TIMER_MS), fn);
    const handle = setTimeout(fn, Math.min(ms, MAX_TIMER_MS));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  }

  #retire(w: PoolWorker): void {
    w.state = RETIRING;
    w.idleTimer?.cancel();
    if (w.tasks.size === 0) this.#leave(w);
    // The replacement starts now, while the old worker finishes what it holds.
    this.#replenish();
  }

  #leave(w: PoolWorker): void {
    w.state = LEAVING;
    w.handle.close();
  }

  #onExit(w: PoolWorker, exit: WorkerExit): void {
    const wasReady = w.state !== STARTING;
    const expected = w.state === LEAVING && w.killReason === undefined;
    w.state = EXITED;
    w.idleTimer?.cancel();
    w.peer?.close(new WorkerCrashedError(`The ${this.#o.placement} worker ${exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${String(exit.exitCode)}`}`, { exitCode: exit.exitCode, signal: exit.signal, cause: exit.error }));
    if (w.busySince >= 0) this.#busyTotal += this.#o.clock.now() - w.busySince;
    w.busySince = -1;
    this.#workers.splice(this.#workers.indexOf(w), 1);
    w.onExited();
    if (this.#closed !== undefined) return;
    if (!expected) {
      this.#crashes++;
      if (w.killReason === undefined) this.#consecutiveCrashes++;
      if (!wasReady) {
        this.#startFailures++;
        this.#lastStartError = exit.error;
      }
    }
    const kind = this.#o.placement === 'thread' ? 'worker thread' : 'child process';
    const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${String(exit.exitCode)}`;
    for (const task of w.tasks.values()) {
      task.graceTimer?.cancel();
      if (task.state !== RUNNING) continue;
      const message =
        w.killReason ??
        (wasReady ? `The ${kind} running task ${task.exportName} ${how}` : `The ${kind} for task ${task.exportName} failed to start (it ${how})`);
      this.#answer(
        task,
        false,
        new WorkerCrashedError(message, {
          exitCode: exit.exitCode,
          signal: exit.signal,
          task: { module: task.module, exportName: task.exportName },
          cause: exit.error,
        }),
      );
    }
    w.tasks.clear();
    if (this.#startFailures >= MAX_START_FAILURES) {
      // Respawning a worker that cannot start would loop forever: fail what waits, and try again
      // only when new work is submitted.
      this.#startFailures = 0;
      this.#failQueue(
        new WorkerCrashedError(`${this.#o.placement} workers fail to start (${MAX_START_FAILURES} attempts in a row)`, {
          exitCode: exit.exitCode,
          signal: exit.signal,
          cause: this.#lastStartError,
        }),
      );
      return;
    }
    this.#replenish();
  }

  /** Starts workers again after a loss, with backoff when crashes follow one another. */
  #replenish(): void {
    if (this.#closed !== undefined || this.#respawnTimer !== undefined) return;
    const n = this.#consecutiveCrashes;
    const delay = n <= 1 ? 0 : Math.min(2_000, 25 * 2 ** (n - 2));
    if (delay === 0) {
      this.#ensureMin();
      if (this.#queued > 0 || this.#waiting > 0) this.#scheduleDispatch();
      return;
    }
    this.#respawnTimer = this.#o.clock.setTimer(delay, () => {
      this.#respawnTimer = undefined;
      this.#ensureMin();
      this.#scheduleDispatch();
    });
  }

  #failQueue(error: Error): void {
    for (const task of [...this.#waiters, ...this.#queue]) if (task !== undefined && task.state !== DONE) this.#answer(task, false, error);
    this.#queue = [];
    this.#waiters = [];
    this.#head = this.#waitHead = 0;
  }
}
