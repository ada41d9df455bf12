// The pools compared by bench/executors.bench.ts, each behind one small interface: Braid, piscina, tinypool, workerpool and bare baselines.
import { fork, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import Tinypool from 'tinypool';
import workerpool from 'workerpool';

export const TASKS = new URL('./fixtures/tasks.mjs', import.meta.url);
const WORKERPOOL_SCRIPT = new URL('./fixtures/workerpool-worker.mjs', import.meta.url);
const ECHO_WORKER = new URL('./fixtures/echo-worker.mjs', import.meta.url);
const ECHO_CHILD = new URL('./fixtures/echo-child.mjs', import.meta.url);
const COUNTDOWN_WORKER = new URL('./fixtures/countdown-worker.mjs', import.meta.url);

/** A started pool: runs the two bench tasks and shuts down. */
export interface Pool {
  add(a: number, b: number): Promise<number>;
  countdown(n: number): Promise<number>;
  close(): Promise<void>;
}

export interface Contender {
  name: string;
  /** Starts the pool with `workers` workers and resolves once they are ready to take tasks. */
  start(workers: number): Promise<Pool>;
}

/** Runs one task on every worker so that lazily started pools have all their workers up. */
async function warm(pool: Pool, workers: number): Promise<Pool> {
  await Promise.all(Array.from({ length: workers }, () => pool.countdown(5_000_000)));
  return pool;
}

export function piscina(label: string, options: { concurrentTasksPerWorker?: number; atomics?: 'sync' | 'async' | 'disabled' } = {}): Contender {
  return {
    name: label,
    start: (workers) => {
      const pool = new Piscina({ filename: TASKS.href, minThreads: workers, maxThreads: workers, ...options });
      return warm(
        {
          add: (a, b) => pool.run({ a, b }, { name: 'addTask' }) as Promise<number>,
          countdown: (n) => pool.run(n, { name: 'countdownTask' }) as Promise<number>,
          close: () => pool.destroy(),
        },
        workers,
      );
    },
  };
}

export function tinypool(label: string, options: { concurrentTasksPerWorker?: number } = {}): Contender {
  return {
    name: label,
    start: (workers) => {
      const pool = new Tinypool({ filename: TASKS.href, minThreads: workers, maxThreads: workers, ...options });
      return warm(
        {
          add: (a, b) => pool.run({ a, b }, { name: 'addTask' }) as Promise<number>,
          countdown: (n) => pool.run(n, { name: 'countdownTask' }) as Promise<number>,
          close: () => pool.destroy(),
        },
        workers,
      );
    },
  };
}

export function workerpoolPool(label: string, workerType: 'thread' | 'process'): Contender {
  return {
    name: label,
    start: (workers) => {
      // Children run plain node like Braid's, not the bench's `--import tsx`.
      const pool = workerpool.pool(WORKERPOOL_SCRIPT.pathname, {
        minWorkers: workers,
        maxWorkers: workers,
        workerType,
        forkOpts: { execArgv: [] },
      });
      return warm(
        {
          add: (a, b) => pool.exec('add', [a, b]) as unknown as Promise<number>,
          countdown: (n) => pool.exec('countdown', [n]) as unknown as Promise<number>,
          close: async () => {
            await pool.terminate();
          },
        },
        workers,
      );
    },
  };
}

/** One bare worker thread echoing messages: the floor for a round trip. One message in flight at a time. */
export async function echoWorker(): Promise<{ echo(value: number): Promise<unknown>; close(): Promise<void>; started: number }> {
  const t0 = performance.now();
  const worker = new Worker(ECHO_WORKER);
  let resolve: ((value: unknown) => void) | undefined;
  worker.on('message', (message) => resolve?.(message));
  const echo = (value: number) =>
    new Promise<unknown>((r) => {
      resolve = r;
      worker.postMessage(value);
    });
  await echo(0);
  const started = performance.now() - t0;
  return {
    echo,
    started,
    close: async () => {
      await worker.terminate();
    },
  };
}

/** One bare forked child echoing IPC messages (structured-clone serialization, as Braid's children use): the floor for a process round trip. */
export async function echoChild(): Promise<{ child: ChildProcess; echo(value: number): Promise<unknown>; started: number; close(): Promise<void> }> {
  const t0 = performance.now();
  const child = fork(ECHO_CHILD.pathname, [], { stdio: 'ignore', serialization: 'advanced', execArgv: [] });
  let resolve: ((value: unknown) => void) | undefined;
  child.on('message', (message) => resolve?.(message));
  const echo = (value: number) =>
    new Promise<unknown>((r) => {
      resolve = r;
      child.send(value);
    });
  await echo(0);
  const started = performance.now() - t0;
  return {
    child,
    echo,
    started,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

/** Two bare worker threads running countdown: what the machine allows, with no pool in between. */
export async function bareCountdownWorkers(): Promise<{ countdown(worker: 0 | 1, n: number): Promise<unknown>; close(): Promise<void> }> {
  const workers = [new Worker(COUNTDOWN_WORKER), new Worker(COUNTDOWN_WORKER)] as const;
  const countdown = (worker: 0 | 1, n: number) =>
    new Promise<unknown>((resolve) => {
      workers[worker].once('message', resolve);
      workers[worker].postMessage(n);
    });
  await Promise.all([countdown(0, 5_000_000), countdown(1, 5_000_000)]);
  return {
    countdown,
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
