// The public entry of the executors: runtime() validates options and runs tasks on the loop, threads or processes.
import type { TransferListItem } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';
import { systemClock, type Clock } from '../core/clock.js';
import { BusClosedError, Supervisor, SubscriptionClosedError, SupervisorGaveUpError } from '../communication/index.js';
import { allocateActorId } from '../communication/actor.js';
import { DEFAULT_ASK_TIMEOUT, DEFAULT_MAILBOX, type ActorRef } from '../communication/actor-ref.js';
import type { Behaviour } from '../communication/behaviour.js';
import { describeUnsendable } from '../communication/remote/sendable-path.js';
import { supervisorEngine } from '../communication/supervisor.js';
import { ActorWorker } from './actor-worker.js';
import { ActorWorkers } from './actor-workers.js';
import { HostedActor } from './hosted-actor.js';
import type { Placement } from './current-task.js';
import { registerErrorClass } from './error-serialization.js';
import { RuntimeClosedError } from './errors.js';
import { LoopWorkerHandle } from './loop-worker-handle.js';
import { moduleProxy, type ModuleProxy } from './module-proxy.js';
import { Pool, type SubmitOptions } from './pool.js';
import { ProcessWorkerHandle } from './process-worker-handle.js';
import { unsendableError } from './sendable-path.js';
import type { PoolStats } from './stats.js';
import { ThreadWorkerHandle } from './thread-worker-handle.js';

/** A pool size: a fixed number of workers, or bounds. */
export type PoolSize = number | { min: number; max: number };

/** Options of `runtime()`. Every pool starts lazily, on its first task. */
export interface RuntimeOptions {
  /** Worker threads: a fixed count or `{ min, max }`. Default `{ min: 1, max: os.availableParallelism() }`. */
  threads?: PoolSize;
  /** Child processes: a fixed count or `{ min, max }`. Default `{ min: 1, max: os.availableParallelism() }`. */
  processes?: PoolSize;
  /** Tasks one thread or process holds at once (async ones interleave on its loop; sync ones run in turn). Default 16. */
  concurrencyPerWorker?: number;
  /** Tasks the loop placement runs at once. Default `Infinity`. */
  loopConcurrency?: number;
  /** Tasks a pool queues before `run` waits (or rejects with `onQueueFull: 'reject'`). Default 10,000. */
  maxQueue?: number;
  /** Ms an idle worker above `min` lives. Default 30,000; `Infinity` keeps it. */
  idleTimeout?: number;
  /** Replace a worker after `maxTasks` tasks or once its heap passes `maxHeapMB`. */
  recycle?: { maxTasks?: number; maxHeapMB?: number };
  /** Ms a cancelled task may keep running before its worker is killed and replaced. Default 1,000. */
  cancelGrace?: number;
  /** Ms `callHostSync` waits for the host before throwing `TimeoutError`. Default 30,000. */
  hostCallTimeout?: number;
  /** Limits for each worker thread (heap sizes, stack); a thread over them crashes with `WorkerCrashedError`. */
  resourceLimits?: ResourceLimits;
  /** Extra Node flags for each child process, e.g. `['--max-old-space-size=256']`. */
  execArgv?: string[];
  /** Environment of each child process. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Time source for timeouts, deadlines, grace and idle timers. */
  clock?: Clock;
}

/** Options of one task run. */
export interface RunOptions {
  /** Where the task runs. */
  on: Placement;
  /** Cancels the task: a queued one is dropped, a running one sees its `currentTask().signal` abort. */
  signal?: AbortSignal;
  /** Ms the task may run, counted from when it starts on a worker. */
  timeout?: number;
  /** Ms the task may take, counted from submission (queueing included). */
  deadline?: number;
  /** ArrayBuffers (and MessagePorts, for threads) moved rather than copied; the sender's are detached. */
  transfer?: TransferListItem[];
  /** Receives `currentTask().progress(value, message)` calls, in order, before the result. */
  onProgress?: (value: unknown, message: string | undefined) => void;
  /** On the loop, clone arguments and result as a thread would (threads and processes always do). */
  isolate?: boolean;
  /** When the queue is full: wait for room (default) or reject with `QueueFullError`. */
  onQueueFull?: 'wait' | 'reject';
  /** Cloned like the arguments and available to the task as `currentTask().data`. */
  data?: unknown;
  /** Functions the task may call with `currentTask().callHook(name, ...args)` (arguments and result cloned). */
  hooks?: Readonly<Record<string, HostFunction>>;
}

/** Options fixed for every call made through a module proxy. */
export type ModuleOptions = Omit<RunOptions, 'transfer' | 'onProgress'>;

/** Options of `rt.actor()`. */
export interface ActorPlacementOptions<Args extends readonly unknown[] = unknown[]> {
  /** Where the actor's behaviour runs: this event loop, a worker thread, or a child process. */
  on: Placement;
  /** Arguments for the factory export (cloned to a thread or process; channels and actor refs cross as proxies). */
  args?: Args;
  /** Mailbox bound: senders wait, across the boundary, while this many messages are queued. Default 1024; 0 is a rendezvous. */
  mailbox?: number;
  /** Restarts the actor when its `receive` throws or its worker dies, within the supervisor's intensity. */
  supervisor?: Supervisor;
  /** `'shared'` (default): actors of a placement share its actor workers; `'dedicated'`: a worker of its own. */
  worker?: 'shared' | 'dedicated';
  /** Shown in errors; default `actor-<id>`. */
  name?: string;
  /** `ask()` timeout when the call gives none, in ms (finite); default 5000. */
  askTimeout?: number;
}

/** A module export that makes an actor: called with `options.args`, it returns the behaviour. */
export type ActorFactoryExport = (...args: any[]) => Behaviour<any, any>;
/** The message type of the actor an `ActorFactoryExport` makes. */
export type MessageOf<F> = F extends (...args: any[]) => { receive(msg: infer M, ...rest: any[]): unknown } ? M : unknown;
/** The reply type of the actor an `ActorFactoryExport` makes. */
export type ReplyOf<F> = F extends (...args: any[]) => { receive(...args: any[]): infer R } ? Awaited<R> : unknown;

/** Stats of every pool, started or not. */
export interface RuntimeStats {
  loop: PoolStats;
  thread: PoolStats;
  process: PoolStats;
}

/** A host function exposed to tasks through callHost/callHostSync. */
export type HostFunction = (...args: any[]) => unknown;

const PLACEMENTS: readonly Placement[] = ['loop', 'thread', 'process'];
const EMPTY_STATS: PoolStats = Object.freeze({
  queued: 0,
  running: 0,
  completed: 0,
  failed: 0,
  cancelled: 0,
  waitTime: { p50: 0, p99: 0 },
  runTime: { p50: 0, p99: 0 },
  utilization: 0,
  workers: 0,
  crashes: 0,
  workerIds: [],
}) as PoolStats;
const HEAP_REPORT_MS = 250;

// Errors of the heavier communication modules are registered here, on the host that revives task
// errors, so that a worker's start-up does not have to load those modules (the light ones are
// registered with the registry itself).
registerErrorClass(BusClosedError);
registerErrorClass(SubscriptionClosedError);
registerErrorClass(SupervisorGaveUpError);

/**
 * Runs exported functions of task modules on the event loop, on a worker-thread pool or on a
 * child-process pool, chosen per call with `on`, with the same semantics everywhere: cloning,
 * cancellation that reaches the task, timeouts and deadlines, progress, errors that keep their class,
 * typed crash errors, backpressure.
 *
 * Semantics worth knowing:
 * - Arguments, results, progress values and errors are structured-cloned for threads and processes
 *   (and on the loop with `isolate: true`); otherwise the loop passes references. A value that
 *   cannot be sent rejects the call with a TypeError naming its path (`args[1].onDone …`).
 *   Processes cannot share memory: a SharedArrayBuffer view passed as an argument is refused; one
 *   nested deeper is copied.
 * - `timeout` starts when the task starts on its worker (a worker reports the start of a task that
 *   waited behind others it holds); `deadline` starts at submission.
 * - Cancelling, or a timeout or deadline passing, rejects the caller at once and aborts the task's
 *   `currentTask().signal`; a thread or process whose task is still running `cancelGrace` ms later is
 *   killed and replaced (its other tasks reject with `WorkerCrashedError`; it gets no new task in
 *   the meantime). The loop cannot be killed: such a task keeps running, unobserved.
 * - A worker holds up to `concurrencyPerWorker` tasks: async ones interleave, synchronous ones run in
 *   turn. Use 1 for long CPU-bound tasks of uneven length, so none waits behind another.
 * - When a worker dies every task it held rejects with `WorkerCrashedError`; it is replaced (with
 *   backoff after repeated crashes), and after 3 failed starts in a row the queue is failed instead.
 *
 * @example
 * import type * as Work from '#tasks/work.js'; // the task module's types
 * await using rt = runtime({ threads: 2 });
 * const work = rt.module<typeof Work>(new URL('./work.js', import.meta.url), { on: 'thread' });
 * const total = await work.sum([1, 2, 3]); // typed from work.ts
 * const raw = await rt.run(new URL('./work.js', import.meta.url), 'sum', [[4, 5]], { on: 'process', timeout: 1_000 });
 */
export class Runtime implements AsyncDisposable {
  readonly #options: Required<Pick<RuntimeOptions, 'concurrencyPerWorker' | 'maxQueue' | 'idleTimeout' | 'cancelGrace' | 'hostCallTimeout'>> &
    RuntimeOptions & { clock: Clock };
  readonly #pools = new Map<Placement, Pool>();
  readonly #modules = new Map<string, number>();
  readonly #exposed = new Map<string, HostFunction>();
  readonly #hostCall = (name: string, args: unknown[]): Promise<unknown> => {
    const fn = this.#exposed.get(name);
    if (fn === undefined) return Promise.reject(new Error(`No host function is exposed as ${JSON.stringify(name)}; register it with rt.expose()`));
    try {
      return Promise.resolve(fn(...args));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  readonly #actorWorkers = new Map<Placement, ActorWorkers>();
  readonly #actors = new Set<HostedActor<unknown, unknown>>();
  #closing: Promise<void> | undefined;

  constructor(options: RuntimeOptions = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    checkSize(options.threads, 'threads');
    checkSize(options.processes, 'processes');
    checkCount(options.concurrencyPerWorker, 'concurrencyPerWorker', 1);
    checkCount(options.loopConcurrency, 'loopConcurrency', 1, true);
    checkCount(options.maxQueue, 'maxQueue', 0, true);
    checkMs(options.idleTimeout, 'idleTimeout', true);
    checkMs(options.cancelGrace, 'cancelGrace');
    checkMs(options.hostCallTimeout, 'hostCallTimeout');
    if (options.recycle !== undefined) {
      if (options.recycle === null || typeof options.recycle !== 'object') throw new TypeError('recycle must be an object');
      checkCount(options.recycle.maxTasks, 'recycle.maxTasks', 1, true);
      if (options.recycle.maxHeapMB !== undefined && !(options.recycle.maxHeapMB > 0)) {
        throw new RangeError(`recycle.maxHeapMB must be a positive number, got ${String(options.recycle.maxHeapMB)}`);
      }
    }
    if (options.execArgv !== undefined && (!Array.isArray(options.execArgv) || options.execArgv.some((a) => typeof a !== 'string'))) {
      throw new TypeError('execArgv must be an array of strings');
    }
    if (options.clock !== undefined && (typeof options.clock?.now !== 'function' || typeof options.clock.setTimer !== 'function')) {
      throw new TypeError('clock must implement now() and setTimer()');
    }
    this.#options = {
      concurrencyPerWorker: 16,
      maxQueue: 10_000,
      idleTimeout: 30_000,
      cancelGrace: 1_000,
      hostCallTimeout: 30_000,
      ...options,
      clock: options.clock ?? systemClock,
    };
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Runs `exportName` of the module at `url` with `args` where `options.on` says; resolves with its
   * result or rejects with its error (class intact), `CancelledError`, `TimeoutError`,
   * `WorkerCrashedError`, `QueueFullError`, `RuntimeClosedError`, or a TypeError naming a value that
   * cannot be sent.
   *
   * @example
   * const n = await rt.run<number>('/srv/app/work.js', 'countdown', [1e6], { on: 'thread', timeout: 5_000 });
   */
  run<T = unknown>(url: string | URL, exportName: string, args: readonly unknown[], options: RunOptions): Promise<T> {
    const href = toHref(url, 'url');
    if (typeof exportName !== 'string' || exportName === '') throw new TypeError('exportName must be a non-empty string');
    if (!Array.isArray(args)) throw new TypeError('args must be an array');
    checkRunOptions(options);
    return this.#submit(href, exportName, args as unknown[], options) as Promise<T>;
  }

  /**
   * A typed proxy of a task module: `proxy.fn(...args)` runs export `fn` with `options`.
   *
   * @example
   * // import type * as Work from '#tasks/work.js';
   * const work = rt.module<typeof Work>(new URL('./work.js', import.meta.url), { on: 'process' });
   * const digest: string = await work.hash(new Uint8Array([1, 2, 3]));
   */
  module<M>(url: string | URL, options: ModuleOptions): ModuleProxy<M> {
    const href = toHref(url, 'url');
    checkRunOptions(options);
    const fixed = { ...options } as RunOptions;
    return moduleProxy<M>((exportName, args) => this.#submit(href, exportName, args, fixed));
  }

  /**
   * Starts the actor that module export `exportName` of `url` makes, where `options.on` says, and
   * returns its `ActorRef`: the same interface, and the same semantics, as an `actor()` on this loop.
   * The export is a factory: called with `options.args` in the worker, it returns the behaviour (an
   * object with `receive(msg, ctx)`). Messages are handled one at a time in order per sender; the
   * mailbox bound reaches senders across the boundary (a send waits while it is full); every ask
   * times out. Under a `supervisor`, a throwing `receive` rejects its ask and the actor restarts in
   * place with its mailbox kept; a crash of its thread or process rejects every pending ask with
   * `WorkerCrashedError` and the actor restarts on a fresh worker, keeping the messages sent
   * meanwhile, in order, up to the mailbox bound. Refs travel inside messages and stay usable.
   * Type it with the factory's type to type messages and replies.
   *
   * @example
   * // counter.ts: export function counter(start: number) { let n = start; return { receive: (msg: 'inc' | 'get') => (msg === 'inc' ? ++n : n) }; }
   * const ref = rt.actor<typeof import('./counter.js').counter>(new URL('./counter.js', import.meta.url), 'counter', { on: 'thread', args: [10] });
   * await ref.send('inc');
   * await ref.ask('get'); // 11, typed number
   * await ref.stop();
   */
  actor<F extends ActorFactoryExport = ActorFactoryExport>(url: string | URL, exportName: string, options: ActorPlacementOptions<Parameters<F>>): ActorRef<MessageOf<F>, ReplyOf<F>> {
    const href = toHref(url, 'url');
    if (typeof exportName !== 'string' || exportName === '') throw new TypeError('exportName must be a non-empty string');
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object with an on property');
    const o = options as ActorPlacementOptions;
    if (!PLACEMENTS.includes(o.on)) throw new TypeError(`options.on must be 'loop', 'thread' or 'process', got ${String(o.on)}`);
    if (this.#closing !== undefined) throw new RuntimeClosedError();
    const args = o.args ?? [];
    if (!Array.isArray(args)) throw new TypeError('options.args must be an array');
    if (o.on !== 'loop') {
      const problem = describeUnsendable(args, 'options.args', o.on === 'thread' ? 'a thread' : 'a process');
      if (problem !== undefined) throw new TypeError(problem);
    }
    if (o.mailbox !== undefined && !(o.mailbox === Infinity || (Number.isInteger(o.mailbox) && o.mailbox >= 0))) {
      throw new RangeError(`options.mailbox must be a non-negative integer or Infinity, got ${String(o.mailbox)}`);
    }
    if (o.supervisor !== undefined) {
      if (!(o.supervisor instanceof Supervisor)) throw new TypeError('options.supervisor must be a Supervisor');
      if (!supervisorEngine(o.supervisor).running) throw new TypeError(`options.supervisor (${o.supervisor.name}) has stopped`);
    }
    if (o.worker !== undefined && o.worker !== 'shared' && o.worker !== 'dedicated') {
      throw new TypeError(`options.worker must be 'shared' or 'dedicated', got ${String(o.worker)}`);
    }
    if (o.name !== undefined && typeof o.name !== 'string') throw new TypeError('options.name must be a string');
    if (o.askTimeout !== undefined && !(typeof o.askTimeout === 'number' && o.askTimeout >= 0 && o.askTimeout < Infinity)) {
      throw new RangeError(`options.askTimeout must be a finite non-negative number of milliseconds, got ${String(o.askTimeout)}`);
    }
    const workers = this.#actorWorkers.get(o.on) ?? this.#createActorWorkers(o.on);
    if (workers === undefined) {
      throw new RangeError(`on: '${o.on}' cannot host actors: the runtime was created with ${o.on === 'thread' ? 'threads' : 'processes'}: 0`);
    }
    const id = allocateActorId();
    const hosted = new HostedActor<MessageOf<F>, ReplyOf<F>>(
      {
        id,
        name: o.name ?? `actor-${id}`,
        url: href,
        exportName,
        args: [...args],
        // A mailbox past what credits can count is unbounded in effect: cap the window, not the bound.
        mailbox: o.mailbox === Infinity ? Number.MAX_SAFE_INTEGER : (o.mailbox ?? DEFAULT_MAILBOX),
        askTimeout: o.askTimeout ?? DEFAULT_ASK_TIMEOUT,
        clock: this.#options.clock,
        supervisor: o.supervisor === undefined ? undefined : supervisorEngine(o.supervisor),
      },
      workers.placement(o.worker === 'dedicated'),
    );
    const entry = hosted as HostedActor<unknown, unknown>;
    this.#actors.add(entry);
    void hosted.settled().then(() => this.#actors.delete(entry));
    return hosted;
  }

  /**
   * Makes `fn` callable from tasks with `callHost(name, ...args)` / `callHostSync(name, ...args)`.
   *
   * @example
   * rt.expose('lookup', async (id: string) => db.get(id));
   */
  expose(name: string, fn: HostFunction): void {
    if (typeof name !== 'string' || name === '') throw new TypeError('name must be a non-empty string');
    if (typeof fn !== 'function') throw new TypeError('fn must be a function');
    if (this.#exposed.has(name)) throw new Error(`A host function is already exposed as ${JSON.stringify(name)}`);
    this.#exposed.set(name, fn);
  }

  /** Counters, queue sizes and timing quantiles per placement. */
  stats(): RuntimeStats {
    const get = (placement: Placement) => this.#pools.get(placement)?.stats() ?? { ...EMPTY_STATS, workerIds: [] };
    return { loop: get('loop'), thread: get('thread'), process: get('process') };
  }

  /**
   * Rejects every queued and running task with `RuntimeClosedError` and ends every worker thread and
   * child process; resolves once they are all gone. Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing === undefined) {
      // Actors end first (their asks reject), then every worker goes, task pools and actor workers alike.
      const error = new RuntimeClosedError();
      for (const hosted of [...this.#actors]) hosted.halt(error);
      this.#closing = Promise.all([
        ...[...this.#pools.values()].map((pool) => pool.close()),
        ...[...this.#actorWorkers.values()].map((workers) => workers.close()),
      ]).then(() => undefined);
    }
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #submit(href: string, exportName: string, args: unknown[], options: RunOptions): Promise<unknown> {
    if (this.#closing !== undefined) return Promise.reject(new RuntimeClosedError());
    let modId = this.#modules.get(href);
    if (modId === undefined) {
      modId = this.#modules.size;
      this.#modules.set(href, modId);
    }
    let submit = options as SubmitOptions;
    if (options.on === 'loop' && options.isolate === true) {
      try {
        args = structuredClone(args, options.transfer === undefined ? undefined : { transfer: options.transfer });
      } catch (error) {
        return Promise.reject(unsendableError(args, 'args', 'an isolated task', error));
      }
      if (options.data !== undefined) submit = { ...options, data: structuredClone(options.data) };
    }
    const pool = this.#pools.get(options.on) ?? this.#createPool(options.on);
    if (pool === undefined) {
      const option = options.on === 'thread' ? 'threads' : 'processes';
      return Promise.reject(new RangeError(`on: '${options.on}' cannot run: the runtime was created with ${option}: 0`));
    }
    return pool.submit(modId, href, exportName, args, submit);
  }

  #createActorWorkers(placement: Placement): ActorWorkers | undefined {
    const o = this.#options;
    let workers: ActorWorkers;
    if (placement === 'loop') {
      workers = new ActorWorkers(() => new ActorWorker('loop', undefined, this.#hostCall), 1);
    } else {
      const given = placement === 'thread' ? o.threads : o.processes;
      const max = given === undefined ? availableParallelism() : typeof given === 'number' ? given : given.max;
      if (max === 0) return undefined;
      // Actor workers report no heap (heapReportMs 0): they are never recycled, an actor's state lives there.
      const start =
        placement === 'thread'
          ? () => new ActorWorker('thread', (events) => new ThreadWorkerHandle(events, { heapReportMs: 0, hostCallTimeout: o.hostCallTimeout, resourceLimits: o.resourceLimits }), this.#hostCall)
          : () => new ActorWorker('process', (events) => new ProcessWorkerHandle(events, { heapReportMs: 0, hostCallTimeout: o.hostCallTimeout, execArgv: o.execArgv, env: o.env }), this.#hostCall);
      workers = new ActorWorkers(start, max);
    }
    this.#actorWorkers.set(placement, workers);
    return workers;
  }

  #createPool(placement: Placement): Pool | undefined {
    const o = this.#options;
    const recycle = o.recycle ?? {};
    const maxHeapBytes = recycle.maxHeapMB === undefined ? Infinity : recycle.maxHeapMB * 1024 * 1024;
    const heapReportMs = maxHeapBytes === Infinity ? 0 : HEAP_REPORT_MS;
    const cores = availableParallelism();
    const size = (given: PoolSize | undefined) =>
      given === undefined ? { min: 1, max: cores } : typeof given === 'number' ? { min: given, max: given } : given;
    const common = {
      placement,
      maxQueue: o.maxQueue,
      idleTimeout: o.idleTimeout,
      maxTasks: recycle.maxTasks ?? Infinity,
      maxHeapBytes,
      cancelGrace: o.cancelGrace,
      clock: o.clock,
      hostCall: this.#hostCall,
    };
    let pool: Pool;
    const sized = size(placement === 'thread' ? o.threads : o.processes);
    if (placement !== 'loop' && sized.max === 0) return undefined;
    if (placement === 'loop') {
      pool = new Pool({ ...common, min: 1, max: 1, concurrency: o.loopConcurrency ?? Infinity, maxTasks: Infinity, maxHeapBytes: Infinity, factory: (events) => new LoopWorkerHandle(events) });
    } else if (placement === 'thread') {
      const threadOptions = { heapReportMs, hostCallTimeout: o.hostCallTimeout, resourceLimits: o.resourceLimits };
      pool = new Pool({ ...common, ...sized, concurrency: o.concurrencyPerWorker, factory: (events) => new ThreadWorkerHandle(events, threadOptions) });
    } else {
      const processOptions = { heapReportMs, hostCallTimeout: o.hostCallTimeout, execArgv: o.execArgv, env: o.env };
      pool = new Pool({ ...common, ...sized, concurrency: o.concurrencyPerWorker, factory: (events) => new ProcessWorkerHandle(events, processOptions) });
    }
    this.#pools.set(placement, pool);
    return pool;
  }
}

/**
 * Creates a runtime. Nothing starts until a task needs it; `await using` or `close()` ends it all.
 *
 * @example
 * await using rt = runtime({ threads: { min: 1, max: 4 }, processes: 2, cancelGrace: 500 });
 * await rt.run(new URL('./work.js', import.meta.url), 'resize', [image], { on: 'thread', signal });
 */
export function runtime(options?: RuntimeOptions): Runtime {
  return new Runtime(options);
}

// Validated string URLs, so the per-call cost of a repeated path is one Map lookup, not a URL parse.
const hrefs = new Map<string, string>();

function toHref(url: unknown, name: string): string {
  if (typeof url === 'string') {
    const known = hrefs.get(url);
    if (known !== undefined) return known;
  }
  if (url instanceof URL) {
    if (url.protocol !== 'file:') throw new TypeError(`${name} must be a file: URL, got ${url.href}`);
    return url.href;
  }
  if (typeof url !== 'string') throw new TypeError(`${name} must be an absolute path, a file: URL string or a URL object`);
  let href: string | undefined;
  if (url.startsWith('file:')) href = new URL(url).href;
  else if (isAbsolute(url)) href = pathToFileURL(url).href;
  if (href !== undefined) {
    if (hrefs.size < 1_000) hrefs.set(url, href);
    return href;
  }
  throw new TypeError(`${name} must be an absolute path, a file: URL string or a URL object, got ${JSON.stringify(url)}`);
}

function checkRunOptions(options: unknown): asserts options is RunOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object with an on property');
  const o = options as Record<string, unknown>;
  if (!PLACEMENTS.includes(o.on as Placement)) throw new TypeError(`options.on must be 'loop', 'thread' or 'process', got ${String(o.on)}`);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new TypeError('options.signal must be an AbortSignal');
  checkMs(o.timeout, 'options.timeout');
  checkMs(o.deadline, 'options.deadline');
  if (o.transfer !== undefined && !Array.isArray(o.transfer)) throw new TypeError('options.transfer must be an array');
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new TypeError('options.onProgress must be a function');
  if (o.isolate !== undefined && typeof o.isolate !== 'boolean') throw new TypeError('options.isolate must be a boolean');
  if (o.hooks !== undefined) {
    if (o.hooks === null || typeof o.hooks !== 'object') throw new TypeError('options.hooks must be an object of functions');
    for (const [name, fn] of Object.entries(o.hooks)) if (typeof fn !== 'function') throw new TypeError(`options.hooks.${name} must be a function`);
  }
  if (o.onQueueFull !== undefined && o.onQueueFull !== 'wait' && o.onQueueFull !== 'reject') {
    throw new TypeError(`options.onQueueFull must be 'wait' or 'reject', got ${String(o.onQueueFull)}`);
  }
}

function checkMs(value: unknown, name: string, allowInfinity = true): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !(value >= 0) || (!allowInfinity && value === Infinity)) {
    throw new RangeError(`${name} must be a non-negative number of milliseconds, got ${String(value)}`);
  }
}

function checkCount(value: unknown, name: string, min: number, allowInfinity = false): void {
  if (value === undefined) return;
  const ok = typeof value === 'number' && value >= min && (Number.isInteger(value) || (allowInfinity && value === Infinity));
  if (!ok) throw new RangeError(`${name} must be an integer ≥ ${min}${allowInfinity ? ' or Infinity' : ''}, got ${String(value)}`);
}

function checkSize(value: PoolSize | undefined, name: string): void {
  if (value === undefined) return;
  if (typeof value === 'number') {
    checkCount(value, name, 0);
    return;
  }
  if (value === null || typeof value !== 'object') throw new TypeError(`${name} must be a number or { min, max }`);
  checkCount(value.min, `${name}.min`, 0);
  checkCount(value.max, `${name}.max`, 0);
  if (value.min > value.max) throw new RangeError(`${name}.min must not exceed ${name}.max, got ${value.min} > ${value.max}`);
}
