// Typed errors the executors raise: a worker died, the queue is full, the runtime is closed.

/** What a `WorkerCrashedError` says about the task that was running when its worker died. */
export interface CrashedTask {
  /** The task module's URL. */
  readonly module: string;
  /** The export that was called. */
  readonly exportName: string;
}

/** Options of `WorkerCrashedError`, besides the standard `cause`. */
export interface WorkerCrashedErrorOptions extends ErrorOptions {
  exitCode?: number | null | undefined;
  signal?: NodeJS.Signals | null | undefined;
  task?: CrashedTask | undefined;
}

/**
 * The worker thread or child process running a task died before the task settled (it called
 * `process.exit()`, threw outside any task, ran out of memory or was killed). Every task the worker
 * held rejects with one of these; the pool replaces the worker.
 *
 * @example
 * try {
 *   await rt.run(url, 'work', [], { on: 'process' });
 * } catch (error) {
 *   if (error instanceof WorkerCrashedError) console.log(error.exitCode, error.signal, error.task?.exportName);
 * }
 */
export class WorkerCrashedError extends Error {
  override name = 'WorkerCrashedError';
  /** The exit code, or `null` when the worker was ended by a signal or the code is unknown. */
  readonly exitCode: number | null;
  /** The signal that ended a child process (e.g. `'SIGKILL'`), or `null`. */
  readonly signal: NodeJS.Signals | null;
  /** The task this error settles. */
  readonly task: CrashedTask | undefined;

  constructor(message = 'The worker running the task crashed', options: WorkerCrashedErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? null;
    this.signal = options.signal ?? null;
    this.task = options.task;
  }
}

/**
 * A task was submitted with `onQueueFull: 'reject'` while the pool's queue held `maxQueue` tasks.
 *
 * @example
 * await rt.run(url, 'work', [], { on: 'thread', onQueueFull: 'reject' }).catch((error) => {
 *   if (error instanceof QueueFullError) console.log('shed load, queue holds', error.maxQueue);
 * });
 */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
  /** The queue bound that was reached. */
  readonly maxQueue: number;
  constructor(maxQueue: number, message = `The task queue is full (maxQueue ${maxQueue})`) {
    super(message);
    this.maxQueue = maxQueue;
  }
}

/**
 * The runtime was closed: tasks still queued or running when `close()` was called reject with this,
 * and so does any task submitted afterwards.
 *
 * @example
 * const rt = runtime();
 * const pending = rt.run(url, 'work', [], { on: 'thread' });
 * await rt.close();
 * await pending.catch((error) => error instanceof RuntimeClosedError); // true
 */
export class RuntimeClosedError extends Error {
  override name = 'RuntimeClosedError';
  constructor(message = 'The runtime is closed') {
    super(message);
  }
}
