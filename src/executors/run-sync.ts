// runSync: calls an async export from synchronous code by running it on a helper thread and blocking until it settles.
import { receiveMessageOnPort, MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { TimeoutError } from '../core/errors.js';
import { deserializeError } from './error-serialization.js';
import { WorkerCrashedError } from './errors.js';
import type { RunSyncReply, RunSyncRequest, RunSyncWorkerData } from './run-sync-entry.js';
import { unsendableError } from './sendable-path.js';

type AnyFunction = (...args: any[]) => unknown;

/** Options of `runSync.withOptions()`. */
export interface RunSyncOptions {
  /** Milliseconds the calling thread may block before `TimeoutError`; `Infinity` never gives up. Default 30,000. */
  timeout?: number | undefined;
}

/** The exported functions of module `M`, as synchronous functions (see `runSync.module()`). */
export type SyncModule<M> = {
  readonly [K in keyof M as M[K] extends AnyFunction ? K : never]: M[K] extends (...args: infer A) => infer R
    ? (...args: A) => Awaited<R>
    : never;
};

/** The `runSync` function and its configured copies. */
export interface RunSync {
  /**
   * Runs export `exportName` of module `url` with `args` on a helper thread and blocks the calling
   * thread until it settles: returns its (awaited) result or throws its error. Type it with the
   * function's type: `runSync<typeof Config.load>(url, 'load', 'prod')`, where `Config` is the
   * module's namespace imported with `import type * as Config`.
   */
  <F extends AnyFunction = AnyFunction>(url: string | URL, exportName: string, ...args: Parameters<F>): Awaited<ReturnType<F>>;
  /** A proxy whose properties call the module's exports through `runSync`: `runSync.module<typeof Config>(url).load('prod')`. */
  module<M>(url: string | URL): SyncModule<M>;
  /** A `runSync` with other options (the helper thread is shared). */
  withOptions(options: RunSyncOptions): RunSync;
}

const DEFAULT_TIMEOUT = 30_000;

/**
 * One helper thread per calling thread, started on first use and reused. Its calls are strictly
 * sequential (the caller blocks), so at most one request is outstanding; replies carry the
 * request's sequence number and any other number is a leftover to discard.
 *
 * States: none → running (first call) → dead (its thread exited, or a call timed out and we
 * terminated it: a timed-out task may be stuck, and would stall every later call) → the next call
 * starts a fresh one.
 */
class Helper {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #state: Int32Array;
  #seq = 0;
  #dead = false;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#state = new Int32Array(new SharedArrayBuffer(4));
    const data: RunSyncWorkerData = { port: port2, state: this.#state };
    this.#worker = new Worker(ENTRY, { workerData: data, transferList: [port2] });
    // Never keep the process alive for the helper, nor crash the host on its errors: the entry
    // reports them in its exit reply, to the call in flight (or as a warning if there was none).
    this.#worker.unref();
    this.#worker.on('error', () => {});
    this.#worker.once('exit', () => this.#kill());
  }

  get dead(): boolean {
    return this.#dead;
  }

  /**
   * Sends the call and blocks for its reply. Returns `RETRY` when the thread turned out to have
   * died before it received the request (it crashed between calls): the caller sends it again to a
   * fresh helper, which is safe because the task never started.
   */
  call(url: string, exportName: string, args: unknown[], deadline: number, timeout: number): unknown {
    const seq = ++this.#seq;
    const request: RunSyncRequest = { seq, url, exportName, args };
    try {
      this.#port.postMessage(request);
    } catch (error) {
      throw unsendableError(args, 'args', 'a thread', error);
    }
    for (;;) {
      // Read the counter before draining: the helper posts first, then bumps it and notifies.
      const seen = Atomics.load(this.#state, 0);
      for (let got = receiveMessageOnPort(this.#port); got !== undefined; got = receiveMessageOnPort(this.#port)) {
        const reply = got.message as RunSyncReply;
        if (reply.kind === 'exit') {
          this.#kill();
          const cause = reply.error === undefined ? undefined : deserializeError(reply.error);
          if (reply.received < seq) {
            if (cause !== undefined) process.emitWarning(`runSync's helper thread crashed between calls: ${describe(cause)}`);
            return RETRY;
          }
          throw new WorkerCrashedError(`The runSync helper thread exited with code ${reply.code} while running ${exportName}()`, {
            exitCode: reply.code,
            task: { module: url, exportName },
            cause,
          });
        }
        if (reply.seq !== seq) continue;
        if (reply.kind === 'value') return reply.value;
        throw deserializeError(reply.error);
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        this.#kill();
        throw new TimeoutError(`runSync ${exportName}() of ${url} did not settle within ${timeout} ms`);
      }
      Atomics.wait(this.#state, 0, seen, left);
    }
  }

  #kill(): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#port.close();
    this.#worker.terminate().then(
      () => {},
      () => {},
    );
    if (helper === this) helper = undefined;
  }
}

// From dist the entry is plain JavaScript. From src (tests, under tsx) it is TypeScript whose
// imports say `.js`, which only tsx maps back to `.ts` (native type stripping does not), and a
// fresh thread does not inherit tsx's hooks on Node 20: so boot it through a line that registers tsx.
const ENTRY: URL = import.meta.url.endsWith('.ts')
  ? tsxBootstrap(new URL('./run-sync-entry.ts', import.meta.url))
  : new URL('./run-sync-entry.js', import.meta.url);

function tsxBootstrap(entry: URL): URL {
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const source = `const { register } = await import(${api}); register(); globalThis[Symbol.for('braid.tsxRegistered')] = true; await import(${JSON.stringify(entry.href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

let helper: Helper | undefined;
/** What `Helper.call` returns when the request never reached the thread. */
const RETRY: unique symbol = Symbol('retry');

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function checkTimeout(timeout: unknown): number {
  if (timeout === undefined) return DEFAULT_TIMEOUT;
  if (typeof timeout !== 'number' || !(timeout > 0)) {
    throw new RangeError(`timeout must be a positive number of milliseconds or Infinity, got ${String(timeout)}`);
  }
  return timeout;
}

function checkUrl(url: unknown): string {
  if (url instanceof URL) return url.href;
  if (typeof url === 'string') {
    if (URL.canParse(url)) return url;
    throw new TypeError(`url must be an absolute URL such as new URL('./work.js', import.meta.url), got ${JSON.stringify(url)}`);
  }
  throw new TypeError(`url must be a URL or a string, got ${url === null ? 'null' : typeof url}`);
}

function make(timeout: number): RunSync {
  const run = (url: string | URL, exportName: string, ...args: unknown[]): unknown => {
    const href = checkUrl(url);
    if (typeof exportName !== 'string' || exportName === '') {
      throw new TypeError(`exportName must be a non-empty string, got ${typeof exportName === 'string' ? '""' : typeof exportName}`);
    }
    const deadline = timeout === Infinity ? Infinity : performance.now() + timeout;
    // A helper that died between calls gets one replacement; two deaths in a row before a request
    // even arrives means something else is wrong, so say so rather than loop.
    for (let attempt = 0; ; attempt++) {
      helper ??= new Helper();
      const result = helper.call(href, exportName, args, deadline, timeout);
      if (result !== RETRY) return result;
      if (attempt === 1) {
        throw new WorkerCrashedError(`The runSync helper thread exited twice before it could run ${exportName}()`, {
          task: { module: href, exportName },
        });
      }
    }
  };
  const moduleProxy = <M>(url: string | URL): SyncModule<M> => {
    const href = checkUrl(url);
    return new Proxy(Object.create(null) as object, {
      get: (_target, name) =>
        typeof name === 'string' && name !== 'then' ? (...args: unknown[]) => run(href, name, ...args) : undefined,
    }) as SyncModule<M>;
  };
  return Object.assign(run, {
    module: moduleProxy,
    withOptions: (options: RunSyncOptions): RunSync => {
      if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
      return make(options.timeout === undefined ? timeout : checkTimeout(options.timeout));
    },
  }) as RunSync;
}

/**
 * Calls an async export from synchronous code: the export runs on a helper thread (started on first
 * use, reused, `unref`'d so it never keeps the process alive) while the calling thread blocks on
 * `Atomics.wait` — at most 30 s by default, then `TimeoutError` (and the helper is replaced, so a
 * stuck task cannot stall later calls and its late reply can never answer one). Errors cross with
 * their class (`registerErrorClass` for your own); a helper that dies mid-call throws
 * `WorkerCrashedError`. Arguments and results are structured-cloned. `.ts` modules work (through
 * tsx, so their `./x.js` imports resolve as TypeScript means them).
 *
 * Blocking is the point and the cost: on the main thread nothing else in the process runs until
 * the call returns (timers, I/O, even the helper's `console.log` output, which Node relays through
 * this thread). Use it where an API must be synchronous (a config loader, a sync plugin hook).
 *
 * @example
 * // config.ts: export async function load(env: string) { return (await fetch(`…/${env}`)).json(); }
 * // here: import type * as Config from <that module>;
 * const url = new URL('./config.ts', import.meta.url);
 * const config = runSync<typeof Config.load>(url, 'load', 'prod');
 * const quick = runSync.withOptions({ timeout: 2_000 });
 * quick.module<typeof Config>(url).load('dev');
 */
export const runSync: RunSync = make(DEFAULT_TIMEOUT);
