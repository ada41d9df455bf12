// The task service's engine: claims tasks from the store, runs them on the executors, keeps their leases, settles them.
import type { Clock, Timer } from '../../core/clock.js';
import { CancelledError } from '../../core/errors.js';
import type { Runtime } from '../../executors/runtime.js';
import type { PurgeFinishedOptions, RequestedStatus, Task, TaskError, TaskStore } from '../store/task-store.js';
import { backoffDelay } from './backoff.js';
import { CHECKPOINT_HOOK, type JobData } from './job-context.js';
import type { RegisteredTask } from './task-registry.js';

/** Settings of the engine (the facade validated them). */
export interface TaskRunnerOptions {
  store: TaskStore;
  runtime: Runtime;
  moduleHref: string;
  types: ReadonlyMap<string, RegisteredTask>;
  owner: string;
  /** Most tasks this runner executes at once. */
  concurrency: number;
  /**
   * How far ahead to claim, in expected ms of waiting: while runs are short the runner also leases as
   * many tasks as its slots are expected to start within this long (at most 1,000 in all), so a freed
   * slot refills at once and one commit completes and claims hundreds. 0 claims only for free slots.
   */
  claimAheadMs: number;
  leaseMs: number;
  /** Lease renewal period; also how soon a cancel/pause asked through another process is obeyed. */
  renewMs: number;
  /** Period of the fallback poll (tasks created by other processes, due delayed tasks) and of `requeueExpired`. */
  pollMs: number;
  maxCrashes: number;
  /** Least ms between two progress writes of one task. */
  progressMs: number;
  retention: (PurgeFinishedOptions & { everyMs: number }) | false;
  /** Epoch ms, as the store counts. */
  now: () => number;
  clock: Clock;
  /** Called after each commit of this runner (event streams re-read the log). */
  onWrite: () => void;
  /** Called after a task of this runner finished its attempt (for durations). */
  onSettled: (task: Task, runMs: number) => void;
  /** Unexpected errors (the store closed under us, a bug): the runner keeps going. */
  onError: (error: unknown) => void;
}

/** `handback`: a claimed-ahead task that waited too long for a slot goes back to the queue. */
type StopReason = RequestedStatus | 'shutdown' | 'lease-lost' | 'handback';

/** One claimed task: waiting for a slot (claimed ahead), then one attempt in flight. */
interface Run {
  readonly task: Task;
  readonly lease: { id: string; leaseToken: number };
  /** Aborts the attempt; made when it starts and dropped when it ends (a waiting task holds none). */
  controller: AbortController | undefined;
  readonly claimedAt: number;
  /** When the attempt started executing; undefined while it waits in `#ready`. */
  started: number | undefined;
  /** The attempt returned or threw: only its final write is pending, so its lease needs no renewal. */
  ended: boolean;
  stop: StopReason | undefined;
  /** Progress not yet written (coalescing), and when the last write went out. */
  progress: number | undefined;
  message: string | undefined;
  lastProgressAt: number;
  progressTimer: Timer | undefined;
  settled: Promise<void>;
}

/** A finished run waiting for its completion to be written. */
interface PendingCompletion {
  readonly run: Run;
  readonly result: unknown;
  resolve(): void;
  reject(error: unknown): void;
}

/** The most completions one `completeTasks` call takes, and the most tasks one claim takes (the store's limits). */
const MAX_COMPLETIONS = 1000;
const MAX_CLAIM = 1000;
/** Weight of the newest attempt in the running estimate of attempt duration. */
const RUN_MS_WEIGHT = 0.2;

/**
 * Runs claimed tasks until closed.
 *
 * ```text
 *   idle ──wake (insert here, task done, poll, due timer)──► claiming ──► idle
 *                         (a wake while claiming sets `again`: one more claim right after)
 *   per task: claimed ──slot free──► started       (claimed ahead: waits in #ready, in claim order)
 *             claimed ──waited a renewal period / cancel / pause / close──► releaseTask (handed back)
 *   per run:  started ──result──► completeTasks (with the others that finished in the same burst)
 *                     ──error───► failTask (retryAt by backoff while attempts remain)
 *                     ──stop────► releaseTask (cancelled / paused / back to queued on shutdown)
 *                     ──lease-lost──► nothing: another runner owns the task now (fencing)
 * ```
 *
 * Claiming ahead: while attempts are short (a running estimate of their duration), a claim also takes
 * as many tasks as the slots are expected to start within `claimAheadMs`. They are leased (shown
 * `running`) while they wait; one still waiting at the first heartbeat a renewal period after its
 * claim is handed back, and the estimate is reset so the runner claims only for free slots until runs
 * are short again. A claim is made once at most one slot-full of tasks is waiting, so one commit takes
 * a batch.
 *
 * Invariant: a task is in `#running` from its claim until its final store write settled, so `close()`
 * waiting on `#running` never loses a task.
 */
export class TaskRunner {
  readonly #o: TaskRunnerOptions;
  readonly #running = new Map<string, Run>();
  readonly #types: string[];
  readonly #perTypeLimits: Record<string, number>;
  #claiming: Promise<void> | undefined;
  #again = false;
  #wakeQueued = false;
  /** Runs still executing (a run whose final write is pending no longer holds a slot). */
  #active = 0;
  /** Claimed ahead, waiting for a slot, in claim order. */
  readonly #ready: Run[] = [];
  /** Running estimate of an attempt's duration (ms); undefined until one settles, or after a handback. */
  #runMs: number | undefined;
  #closed = false;
  #unsubscribe: (() => void) | undefined;
  #heartbeat: Timer | undefined;
  #poll: Timer | undefined;
  #retention: Timer | undefined;
  #due: { at: number; timer: Timer } | undefined;
  /** Completions of the current burst, written together by `#completeBurst`. */
  #completions: PendingCompletion[] = [];

  constructor(options: TaskRunnerOptions) {
    this.#o = options;
    this.#types = [...options.types.keys()];
    this.#perTypeLimits = {};
    for (const t of options.types.values()) if (t.options.concurrency !== undefined) this.#perTypeLimits[t.name] = t.options.concurrency;
  }

  /** Tasks this runner holds now (executing, or claimed ahead and waiting for a slot). */
  get running(): number {
    return this.#running.size;
  }

  start(): void {
    this.#unsubscribe = this.#o.store.onTasksAvailable(() => this.wake());
    this.#scheduleHeartbeat();
    this.#tick();
    if (this.#o.retention !== false) this.#purge();
  }

  /** Claims now (or right after the claim in progress). */
  wake(): void {
    if (this.#closed) return;
    if (this.#claiming !== undefined) {
      this.#again = true;
      return;
    }
    this.#claiming = this.#claimLoop().finally(() => {
      this.#claiming = undefined;
    });
  }

  /**
   * Claims once the current burst of settlements is over (a microtask later): runs settled in one turn
   * free their slots together, and the claim joins their final writes in one group commit — one
   * transaction (one fsync) completes a batch and claims the next.
   */
  #wakeAfterBurst(): void {
    if (this.#wakeQueued) return;
    this.#wakeQueued = true;
    queueMicrotask(() => {
      this.#wakeQueued = false;
      this.wake();
    });
  }

  /** Claims at `epochMs` (a delayed task or a retry became due): no poll interval on the critical path. */
  wakeAt(epochMs: number): void {
    if (this.#closed) return;
    if (this.#due !== undefined && this.#due.at <= epochMs) return;
    this.#due?.timer.cancel();
    const timer = this.#o.clock.setTimer(Math.max(0, epochMs - this.#o.now()) + 1, () => {
      this.#due = undefined;
      this.wake();
    });
    this.#due = { at: epochMs, timer };
  }

  /** A cancel or pause was just requested through this process: obey at once if the task runs here. */
  requested(id: string, status: RequestedStatus | null): void {
    const run = this.#running.get(id);
    if (run !== undefined && status !== null) this.#stop(run, status);
  }

  /** Stops claiming, stops every run (their tasks go back to `queued`, or to what was requested) and waits for them. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    this.#heartbeat?.cancel();
    this.#poll?.cancel();
    this.#retention?.cancel();
    this.#due?.timer.cancel();
    await this.#claiming;
    for (const run of this.#running.values()) this.#stop(run, 'shutdown');
    await Promise.all([...this.#running.values()].map((run) => run.settled));
  }

  async #claimLoop(): Promise<void> {
    do {
      this.#again = false;
      const waiting = this.#ready.length;
      // Claim once at most one slot-full is waiting, so the claim (and its commit) takes a batch.
      if (waiting > this.#o.concurrency) return;
      const limit = Math.min(this.#o.concurrency - this.#active + this.#claimAhead() - waiting, MAX_CLAIM);
      if (limit <= 0) return;
      let tasks: Task[];
      try {
        tasks = await this.#o.store.claimTasks({
          owner: this.#o.owner,
          limit,
          leaseMs: this.#o.leaseMs,
          types: this.#types,
          perTypeLimits: this.#perTypeLimits,
        });
      } catch (error) {
        if (!this.#closed) this.#o.onError(error);
        return;
      }
      if (tasks.length > 0) this.#o.onWrite();
      for (const task of tasks) this.#admit(task);
      if (tasks.length === limit) this.#again = true;
    } while (this.#again && !this.#closed);
  }

  /** How many tasks to claim beyond the free slots: as many as the slots should start within `claimAheadMs`. */
  #claimAhead(): number {
    if (this.#runMs === undefined || this.#o.claimAheadMs === 0) return 0;
    return Math.min(MAX_CLAIM, Math.floor((this.#o.concurrency * this.#o.claimAheadMs) / Math.max(this.#runMs, 0.01)));
  }

  /** A claimed task: starts now if a slot is free, else waits for one. */
  #admit(task: Task): void {
    const run: Run = {
      task,
      lease: { id: task.id, leaseToken: task.leaseToken },
      controller: undefined,
      claimedAt: this.#o.now(),
      started: undefined,
      ended: false,
      stop: undefined,
      progress: undefined,
      message: undefined,
      lastProgressAt: 0,
      progressTimer: undefined,
      settled: Promise.resolve(),
    };
    this.#running.set(task.id, run);
    if (this.#active < this.#o.concurrency && this.#ready.length === 0) this.#start(run);
    else this.#ready.push(run);
  }

  #start(run: Run): void {
    const task = run.task;
    const type = this.#o.types.get(task.type)!;
    run.started = this.#o.now();
    this.#active++;
    // Claimed while closing: hand it straight back.
    if (this.#closed) run.stop = 'shutdown';
    const data: JobData = { taskId: task.id, attempt: task.attempts, checkpoint: task.checkpoint };
    let attempt: Promise<unknown>;
    if (run.stop !== undefined) attempt = Promise.reject(new CancelledError('The task service is closing'));
    else {
      run.controller = new AbortController();
      try {
        attempt = this.#o.runtime.run(this.#o.moduleHref, type.exportName, [task.input], {
          on: type.on,
          signal: run.controller.signal,
          ...(type.options.timeout === undefined ? {} : { timeout: type.options.timeout }),
          onProgress: (value, message) => this.#onProgress(run, value, message),
          hooks: { [CHECKPOINT_HOOK]: (json: string) => this.#checkpoint(run, json) },
          data,
        });
      } catch (error) {
        attempt = Promise.reject(error as Error);
      }
    }
    run.settled = attempt.then(
      (result: unknown) => this.#settle(run, () => this.#succeed(run, result)),
      (error: unknown) => this.#settle(run, () => this.#fail(run, error)),
    );
  }

  /** The attempt ended: free its slot (refilled at once from `#ready`), write the outcome, and forget the run once that write settled. */
  #settle(run: Run, write: () => Promise<void>): Promise<void> {
    this.#active--;
    run.ended = true;
    run.controller = undefined;
    const started = run.started!;
    const ran = this.#o.now() - started;
    this.#runMs = this.#runMs === undefined ? ran : this.#runMs + RUN_MS_WEIGHT * (ran - this.#runMs);
    if (!this.#closed) {
      const next = this.#ready.shift();
      if (next !== undefined) this.#start(next);
    }
    let written: Promise<void>;
    try {
      written = write();
    } catch (error) {
      written = Promise.reject(error as Error);
    }
    this.#wakeAfterBurst();
    const forget = () => {
      run.progressTimer?.cancel();
      this.#forget(run);
      // Waiting for a slot after the claim is waiting too.
      const task = started === run.claimedAt ? run.task : { ...run.task, startedAt: started };
      this.#o.onSettled(task, ran);
    };
    return written.then(forget, (error: unknown) => {
      if (!this.#closed) this.#o.onError(error);
      forget();
    });
  }

  /**
   * Queues the run's completion; runs that finish in the same burst are completed by one
   * `completeTasks` call (one statement, one event insert) in the commit that also claims their successors.
   */
  #succeed(run: Run, result: unknown): Promise<void> {
    if (run.stop === 'lease-lost') return Promise.resolve();
    // Written before the completion, so the log keeps the task's order.
    this.#flushProgress(run);
    return new Promise<void>((resolve, reject) => {
      if (this.#completions.push({ run, result, resolve, reject }) === 1) queueMicrotask(() => this.#completeBurst());
    });
  }

  #completeBurst(): void {
    const burst = this.#completions;
    this.#completions = [];
    for (let i = 0; i < burst.length; i += MAX_COMPLETIONS) {
      const chunk = burst.slice(i, i + MAX_COMPLETIONS);
      this.#o.store.completeTasks(chunk.map(({ run, result }) => ({ ...run.lease, result }))).then(
        (outcomes) => {
          if (outcomes.some((outcome) => outcome.ok)) this.#o.onWrite();
          for (const pending of chunk) pending.resolve();
        },
        (error: unknown) => {
          // A result that is not JSON rejects the whole call before anything is written: complete one by
          // one, so that only that run fails.
          if (error instanceof TypeError) for (const { run, result, resolve, reject } of chunk) this.#completeOne(run, result).then(resolve, reject);
          else for (const pending of chunk) pending.reject(error);
        },
      );
    }
  }

  async #completeOne(run: Run, result: unknown): Promise<void> {
    let outcome;
    try {
      outcome = await this.#o.store.completeTask({ ...run.lease, result });
    } catch (error) {
      // A result that is not JSON fails the task rather than leaving it running.
      if (error instanceof TypeError) return this.#fail(run, error);
      throw error;
    }
    if (outcome.ok) this.#o.onWrite();
  }

  async #fail(run: Run, error: unknown): Promise<void> {
    if (run.stop === 'lease-lost') return;
    this.#flushProgress(run);
    if (run.stop !== undefined) {
      // Stopped from outside or by close(): the store settles it as requested, or back to queued.
      const outcome = await this.#o.store.releaseTask(run.lease);
      if (outcome.ok) {
        this.#o.onWrite();
        if (outcome.task.status === 'queued') this.wake();
      }
      return;
    }
    const type = this.#o.types.get(run.task.type)!;
    const retryable = run.task.attempts < run.task.maxAttempts;
    const retryAt = retryable ? this.#o.now() + backoffDelay(run.task.attempts, type.options.backoff) : undefined;
    const outcome = await this.#o.store.failTask({ ...run.lease, error: toTaskError(error), ...(retryAt === undefined ? {} : { retryAt }) });
    if (!outcome.ok) return;
    this.#o.onWrite();
    if (outcome.task.status === 'queued') this.wakeAt(outcome.task.runAt);
  }

  #stop(run: Run, reason: StopReason): void {
    if (run.stop !== undefined) return;
    run.stop = reason;
    if (run.started === undefined) {
      this.#handBack(run);
      return;
    }
    const message =
      reason === 'cancelled'
        ? 'The task was cancelled'
        : reason === 'paused'
          ? 'The task was paused'
          : reason === 'shutdown'
            ? 'The task service is closing'
            : 'The task lease was lost';
    run.controller?.abort(new CancelledError(message));
  }

  /** Drops the run from `#running`, unless the task was claimed again since (a new run holds its id). */
  #forget(run: Run): void {
    if (this.#running.get(run.task.id) === run) this.#running.delete(run.task.id);
  }

  /**
   * A claimed task that never started is stopped: it goes back to the store (queued again, or as
   * requested) without using an attempt, unless its lease is already gone.
   */
  #handBack(run: Run): void {
    const at = this.#ready.indexOf(run);
    if (at >= 0) this.#ready.splice(at, 1);
    const release = async (): Promise<void> => {
      if (run.stop === 'lease-lost') return;
      const outcome = await this.#o.store.releaseTask(run.lease);
      if (outcome.ok) this.#o.onWrite();
    };
    run.settled = release().then(
      () => this.#forget(run),
      (error: unknown) => {
        if (!this.#closed) this.#o.onError(error);
        this.#forget(run);
      },
    );
  }

  #onProgress(run: Run, value: unknown, message: string | undefined): void {
    if (run.stop !== undefined) return;
    if (typeof value === 'number' && value >= 0 && value <= 100) {
      run.progress = value;
      if (message !== undefined) run.message = message;
      if (run.progressTimer !== undefined) return;
      const wait = run.lastProgressAt + this.#o.progressMs - this.#o.now();
      if (wait <= 0) this.#flushProgress(run);
      else
        run.progressTimer = this.#o.clock.setTimer(wait, () => {
          run.progressTimer = undefined;
          this.#flushProgress(run);
        });
    }
  }

  /** The checkpoint hook: resolves once saved (or once there is nothing to save: stopped, lease lost). */
  async #checkpoint(run: Run, json: unknown): Promise<void> {
    if (run.stop !== undefined || typeof json !== 'string') return;
    // Progress reported before the checkpoint is written first, so the log keeps the task's order.
    this.#flushProgress(run);
    const checkpoint = JSON.parse(json) as unknown;
    await this.#watch(run, this.#o.store.saveCheckpoint({ ...run.lease, checkpoint }));
  }

  #flushProgress(run: Run): void {
    run.progressTimer?.cancel();
    run.progressTimer = undefined;
    if (run.progress === undefined && run.message === undefined) return;
    const report = {
      ...run.lease,
      ...(run.progress === undefined ? {} : { progress: run.progress }),
      ...(run.message === undefined ? {} : { message: run.message }),
    };
    run.progress = undefined;
    run.message = undefined;
    run.lastProgressAt = this.#o.now();
    void this.#watch(run, this.#o.store.reportProgress(report));
  }

  /** Observes a lease-holder write: a lost lease or a requested stop aborts the run. */
  #watch(run: Run, write: Promise<{ ok: true; requestedStatus: RequestedStatus | null } | { ok: false; reason: 'lease-lost' }>): Promise<void> {
    return write.then(
      (outcome) => {
        this.#o.onWrite();
        if (!outcome.ok) this.#stop(run, 'lease-lost');
        else if (outcome.requestedStatus !== null) this.#stop(run, outcome.requestedStatus);
      },
      (error: unknown) => {
        if (!this.#closed) this.#o.onError(error);
      },
    );
  }

  #scheduleHeartbeat(): void {
    this.#heartbeat = this.#o.clock.setTimer(this.#o.renewMs, () => {
      if (this.#closed) return;
      // Claimed ahead and still waiting a whole renewal period later: the estimate was wrong (slots are
      // held by long runs). Hand those back so other runners can take them, and claim only for free
      // slots until runs are short again.
      const stale = this.#o.now() - this.#o.renewMs;
      const waited = this.#ready.filter((run) => run.claimedAt <= stale);
      if (waited.length > 0) this.#runMs = undefined;
      for (const run of waited) this.#stop(run, 'handback');
      // A task still waiting was claimed within this period, and by the next heartbeat it has started
      // or is handed back: renew it only if its lease would end before the heartbeat after that.
      const renewBefore = this.#o.now() + 2 * this.#o.renewMs - this.#o.leaseMs;
      for (const run of this.#running.values()) {
        if (run.stop !== undefined || run.ended || (run.started === undefined && run.claimedAt >= renewBefore)) continue;
        void this.#watch(run, this.#o.store.renewLease({ ...run.lease, leaseMs: this.#o.leaseMs }));
      }
      this.#scheduleHeartbeat();
    });
  }

  /** The fallback poll: requeue expired leases (crashed owners), then claim what other processes created. */
  #tick(): void {
    if (this.#closed) return;
    this.#o.store.requeueExpired({ maxCrashes: this.#o.maxCrashes }).then(
      (tasks) => {
        if (tasks.length > 0) this.#o.onWrite();
        this.wake();
      },
      (error: unknown) => {
        if (!this.#closed) this.#o.onError(error);
      },
    );
    this.#poll = this.#o.clock.setTimer(this.#o.pollMs, () => this.#tick());
  }

  #purge(): void {
    const retention = this.#o.retention;
    if (this.#closed || retention === false) return;
    const { everyMs, ...options } = retention;
    const again = async (): Promise<void> => {
      // One bounded delete per turn, so a large purge never holds the write lock long.
      for (;;) {
        if (this.#closed) return;
        const result = await this.#o.store.purgeFinished(options);
        if (result.tasks + result.events > 0) this.#o.onWrite();
        if (!result.more) return;
      }
    };
    again().catch((error: unknown) => {
      if (!this.#closed) this.#o.onError(error);
    });
    this.#retention = this.#o.clock.setTimer(everyMs, () => this.#purge());
  }
}

/** The stored form of whatever a task threw. */
export function toTaskError(error: unknown): TaskError {
  if (error instanceof Error) {
    const out: TaskError = { name: error.name, message: error.message };
    if (typeof error.stack === 'string') out.stack = error.stack;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') out.code = code;
    return out;
  }
  let message: string;
  try {
    message = typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
  } catch {
    message = String(error);
  }
  return { name: 'Error', message: `A non-Error value was thrown: ${message}` };
}
