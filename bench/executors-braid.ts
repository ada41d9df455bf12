// Braid's thread and process pools behind the bench's Pool interface (bench/executors-contenders.ts).
// The built package, as users get it (run `npm run build` first): no tsx in the workers' path.
import { runtime } from 'braid';
import { TASKS, type Contender, type Pool } from './executors-contenders.js';

type Placement = 'thread' | 'process';

function open(on: Placement, workers: number): Pool & { live(): number } {
  // Pools start lazily, so sizing both costs nothing for the placement we do not use.
  const rt = runtime({ threads: workers, processes: workers });
  return {
    add: (a, b) => rt.run(TASKS, 'add', [a, b], { on }) as Promise<number>,
    countdown: (n) => rt.run(TASKS, 'countdown', [n], { on }) as Promise<number>,
    close: () => rt.close(),
    live: () => rt.stats()[on].workers,
  };
}

function contender(on: Placement): Contender & { startCold(): Promise<Pool> } {
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
    /** One worker, timed from runtime() to the first result: worker start-up plus one task. */
    async startCold() {
      const pool = open(on, 1);
      await pool.add(1, 2);
      return pool;
    },
  };
}

export const braid = { thread: contender('thread'), process: contender('process') };
