// Braid's thread and process pools behind the bench's Pool interface (bench/executors-contenders.ts).
// The built package, as users get it (run `npm run build` first): no tsx in the workers' path.
import { MessageChannel } from 'node:worker_threads';
import { runtime } from 'braid';
import { TASKS, type Contender, type Pool } from './executors-contenders.js';

type Placement = 'thread' | 'process';

const PORT_ECHO = new URL('./executors-port-echo.mjs', import.meta.url);

/** A Braid pool, and for threads a bare echo served by its own worker thread. */
interface BraidPool extends Pool {
  live(): number;
  /**
   * Makes a worker of this thread pool also echo on a MessagePort: a bare postMessage round trip
   * between the very threads Braid's own round trip uses, wherever the scheduler put them.
   */
  portEcho(): Promise<{ echo(value: number): Promise<unknown>; close(): void }>;
}

function open(on: Placement, workers: number): BraidPool {
  // Pools start lazily, so sizing both costs nothing for the placement we do not use.
  const rt = runtime({ threads: workers, processes: workers });
  return {
    add: (a, b) => rt.run(TASKS, 'add', [a, b], { on }) as Promise<number>,
    countdown: (n) => rt.run(TASKS, 'countdown', [n], { on }) as Promise<number>,
    close: () => rt.close(),
    live: () => rt.stats()[on].workers,
    async portEcho() {
      const { port1, port2 } = new MessageChannel();
      await rt.run(PORT_ECHO, 'echoPort', [port2], { on: 'thread', transfer: [port2] });
      let resolve: ((value: unknown) => void) | undefined;
      port1.on('message', (message) => resolve?.(message));
      const echo = (value: number) =>
        new Promise<unknown>((r) => {
          resolve = r;
          port1.postMessage(value);
        });
      return { echo, close: () => port1.close() };
    },
  };
}

interface BraidContender extends Contender {
  start(workers: number): Promise<BraidPool>;
  /** One worker, timed from runtime() to the first result: worker start-up plus one task. */
  startCold(): Promise<Pool>;
}

function contender(on: Placement): BraidContender {
  return {
    name: on === 'thread' ? 'Braid (threads)' : 'Braid (processes)',
    async start(workers) {
      const pool = open(on, workers);
      // Occupy every worker at once so a lazily growing pool has started all of them.
      await Promise.all(Array.from({ length: workers }, () => pool.countdown(5_000_000)));
      // Memory per worker divides by this count, so make sure it is true.
      if (pool.live() !== workers) throw new Error(`expected ${workers} live ${on} workers, have ${pool.live()}`);
      return pool;
    },
    async startCold() {
      const pool = open(on, 1);
      await pool.add(1, 2);
      return pool;
    },
  };
}

export const braid = { thread: contender('thread'), process: contender('process') };
