// defineTask: declares a durable task type — its run function, placement, retry policy and limits — as a module export.
import type { Placement } from '../executors/current-task.js';
import { runAsJob } from './service/job-context.js';

/** Exponential backoff between attempts, with full jitter: each delay is uniform in [0, min(maxMs, initialMs·factor^n)]. */
export interface BackoffOptions {
  /** Ms before the second attempt at most; default 1,000. */
  initialMs?: number;
  /** Cap on any one delay; default 60,000. */
  maxMs?: number;
  /** Growth per attempt; default 2. */
  factor?: number;
}

/** What `defineTask()` takes. Only `name` and `run` are required. */
export interface TaskOptions<I, R> {
  /** The task type, e.g. `'resize'`: clients create tasks by this name; unique within a tasks module. */
  name: string;
  /**
   * Does the work. Inside it, `currentJob()` (or `currentTask()`) gives the signal to obey, `progress(percent, message?)`,
   * `checkpoint(state)` and the `resumeFrom` state a paused, retried or crashed run saved.
   */
  run: (input: I) => R | Promise<R>;
  /** Where it runs: the event loop (default), a worker thread or a child process. */
  on?: Placement;
  /** Extra attempts after the first failure; default 0. */
  retries?: number;
  backoff?: BackoffOptions;
  /** Ms one attempt may run before its signal aborts and it fails with `TimeoutError` (retried like any failure). */
  timeout?: number;
  /** Most tasks of this type running at once, across every service instance on the store. */
  concurrency?: number;
  /** Priority of created tasks unless the creator gives one; higher runs first; default 0. */
  priority?: number;
  /** JSON schema of `input`, checked by the HTTP layer (the service itself runs only registered code, never input). */
  inputSchema?: object;
}

/**
 * The run function itself, callable (as a plain async function, e.g. in a unit test), with its options
 * attached as `.task`, so a `TaskService` finds it among a module's exports and the executors can call
 * the export by name on a thread or process.
 */
export type TaskDefinition<I, R> = ((input: I) => Promise<R>) & { readonly task: Readonly<TaskOptions<I, R>> };

const PLACEMENTS: readonly Placement[] = ['loop', 'thread', 'process'];
const NAME = /^[A-Za-z][\w.:-]{0,99}$/;

/**
 * Declares a task type. Export the result from a tasks module and give that module to
 * `TaskService.open({ tasks })`.
 *
 * @example
 * import { currentJob, defineTask } from 'braid';
 *
 * export const resize = defineTask({
 *   name: 'resize',
 *   on: 'thread',
 *   retries: 3,
 *   timeout: 60_000,
 *   async run(input: { url: string; width: number }) {
 *     const job = currentJob<{ done: number }>();
 *     for (let step = job.resumeFrom?.done ?? 0; step < 10; step++) {
 *       job.signal.throwIfAborted();
 *       // … one tenth of the work …
 *       await job.checkpoint({ done: step + 1 });
 *       job.progress((step + 1) * 10, `step ${step + 1} of 10`);
 *     }
 *     return { url: input.url, width: input.width };
 *   },
 * });
 */
export function defineTask<I, R>(options: TaskOptions<I, R>): TaskDefinition<I, R> {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const { name, run } = options;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new TypeError(`name must be 1-100 characters, a letter then letters, digits or . _ : -, got ${JSON.stringify(name)}`);
  }
  if (typeof run !== 'function') throw new TypeError('run must be a function');
  if (options.on !== undefined && !PLACEMENTS.includes(options.on)) {
    throw new TypeError(`on must be 'loop', 'thread' or 'process', got ${String(options.on)}`);
  }
  count(options.retries, 'retries', 0);
  count(options.concurrency, 'concurrency', 1);
  if (options.priority !== undefined && !Number.isSafeInteger(options.priority)) {
    throw new RangeError(`priority must be a safe integer, got ${String(options.priority)}`);
  }
  if (options.timeout !== undefined && !(typeof options.timeout === 'number' && options.timeout > 0)) {
    throw new RangeError(`timeout must be a positive number of milliseconds, got ${String(options.timeout)}`);
  }
  if (options.backoff !== undefined) {
    const b = options.backoff;
    if (b === null || typeof b !== 'object') throw new TypeError('backoff must be an object');
    positive(b.initialMs, 'backoff.initialMs');
    positive(b.maxMs, 'backoff.maxMs');
    if (b.factor !== undefined && !(typeof b.factor === 'number' && b.factor >= 1 && Number.isFinite(b.factor))) {
      throw new RangeError(`backoff.factor must be a finite number ≥ 1, got ${String(b.factor)}`);
    }
  }
  if (options.inputSchema !== undefined && (options.inputSchema === null || typeof options.inputSchema !== 'object')) {
    throw new TypeError('inputSchema must be an object');
  }
  const frozen = Object.freeze(options.backoff === undefined ? { ...options } : { ...options, backoff: Object.freeze({ ...options.backoff }) });
  const definition = async (input: I): Promise<R> => runAsJob(() => run(input));
  Object.defineProperty(definition, 'name', { value: name });
  Object.defineProperty(definition, 'task', { value: frozen, enumerable: true });
  return definition as TaskDefinition<I, R>;
}

/** True for a value `defineTask()` made (by shape, so a definition from another copy of Braid counts too). */
export function isTaskDefinition(value: unknown): value is TaskDefinition<unknown, unknown> {
  if (typeof value !== 'function') return false;
  const task = (value as { task?: unknown }).task;
  return task !== null && typeof task === 'object' && typeof (task as { name?: unknown }).name === 'string' && typeof (task as { run?: unknown }).run === 'function';
}

function count(value: unknown, name: string, min: number): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= min)) {
    throw new RangeError(`${name} must be an integer ≥ ${min}, got ${String(value)}`);
  }
}

function positive(value: unknown, name: string): void {
  if (value !== undefined && !(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
    throw new RangeError(`${name} must be a positive number of milliseconds, got ${String(value)}`);
  }
}
