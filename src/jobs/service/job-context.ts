// The context a task run by the task service sees: the executors' task context plus checkpoint/resume and its identity.
import { taskStorage, type TaskContext } from '../../executors/current-task.js';

/**
 * What a task sees of its durable run, on any placement. It extends the executors' `TaskContext`
 * (`currentTask()` inside a service-run task returns this same object).
 */
export interface JobContext<S = unknown> extends TaskContext {
  /** The durable task's id. */
  readonly taskId: string;
  /** 1 for the first run, 2 for the first retry or the run after a crash or pause… */
  readonly attempt: number;
  /** The state the last `checkpoint()` of an earlier run of this task saved, or `undefined` on a fresh start. */
  readonly resumeFrom: S | undefined;
  /**
   * Reports progress as a percentage 0..100 with an optional message. Reports are coalesced (about
   * one write per 100 ms per task), the last one always lands.
   */
  progress(percent: number, message?: string): void;
  /**
   * Saves `state` (JSON) in order with progress; a later run of this task — after a pause, a retry or a
   * crash — gets it back as `resumeFrom`. Resolves once the state is durable; `await` it before work
   * that must not be repeated, or leave it (it never rejects: when the save cannot happen because the
   * task lost its lease or the service is closing, `signal` aborts instead).
   */
  checkpoint(state: S): Promise<void>;
}

/** What the service passes as the executors' `data` option to a task it runs. */
export interface JobData {
  taskId: string;
  attempt: number;
  /** `null` when nothing was saved. */
  checkpoint: unknown;
}

/** The executors hook (`RunOptions.hooks`) through which `checkpoint()` reaches the service. */
export const CHECKPOINT_HOOK = 'braid.checkpoint';

const BRIDGE = Symbol.for('braid.taskBridge');

/**
 * The context of the task-service run the calling code is in.
 *
 * @throws Error when called outside a task run by a `TaskService`.
 * @example
 * export const importRows = defineTask({
 *   name: 'import-rows',
 *   async run(input: { rows: string[] }) {
 *     const job = currentJob<number>();
 *     for (let i = job.resumeFrom ?? 0; i < input.rows.length; i++) {
 *       job.signal.throwIfAborted();
 *       await save(input.rows[i]);
 *       await job.checkpoint(i + 1);
 *       job.progress(((i + 1) / input.rows.length) * 100);
 *     }
 *   },
 * });
 */
export function currentJob<S = unknown>(): JobContext<S> {
  const ctx = taskStorage.getStore() as Partial<JobContext<S>> | undefined;
  if (ctx === undefined || typeof ctx.checkpoint !== 'function') throw new Error('currentJob() was called outside a task run by a TaskService');
  return ctx as JobContext<S>;
}

/**
 * Internal (used by `defineTask`): runs `fn` in a `JobContext` built over the executors' context when
 * the service's `data` is there; otherwise (a plain call, e.g. in a unit test) just runs it.
 */
export function runAsJob<R>(fn: () => R | Promise<R>): Promise<R> {
  const ctx = taskStorage.getStore();
  const data = ctx?.data as Partial<JobData> | undefined;
  if (ctx === undefined || data === null || typeof data !== 'object' || typeof data.taskId !== 'string') {
    return Promise.resolve().then(fn);
  }
  const job = jobContext(ctx, data as JobData);
  return taskStorage.run(job, () => Promise.resolve().then(fn));
}

function jobContext(ctx: TaskContext, data: JobData): JobContext {
  const bridge = (ctx as unknown as Record<symbol, unknown>)[BRIDGE];
  const job: JobContext = {
    // The executors create the signal lazily (most tasks never read it): keep that.
    get signal() {
      return ctx.signal;
    },
    placement: ctx.placement,
    data: ctx.data,
    taskId: data.taskId,
    attempt: data.attempt,
    resumeFrom: data.checkpoint ?? undefined,
    progress(percent: number, message?: string) {
      if (typeof percent !== 'number' || !(percent >= 0 && percent <= 100)) {
        throw new RangeError(`percent must be a number from 0 to 100, got ${String(percent)}`);
      }
      if (message !== undefined && typeof message !== 'string') throw new TypeError('message must be a string');
      ctx.progress(percent, message);
    },
    checkpoint(state: unknown) {
      // Serialised now: a later mutation cannot change what is saved, and a non-JSON state throws here, in the task.
      let json: string | undefined;
      try {
        json = JSON.stringify(state);
      } catch (error) {
        throw new TypeError('checkpoint state must be JSON-serialisable', { cause: error });
      }
      if (json === undefined) throw new TypeError('checkpoint state must be JSON-serialisable');
      return ctx.callHook(CHECKPOINT_HOOK, json).then(
        () => undefined,
        () => undefined,
      );
    },
    callHook: (name: string, ...args: unknown[]) => ctx.callHook(name, ...args),
  };
  // callHost() on the loop finds its bridge on the context.
  if (bridge !== undefined) (job as unknown as Record<symbol, unknown>)[BRIDGE] = bridge;
  return job;
}
