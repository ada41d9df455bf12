// The workers of one placement that host actors: shared ones spread actors over up to `max` workers, dedicated ones host one.
import type { ActorWorker } from './actor-worker.js';
import type { ActorPlacement } from './hosted-actor.js';

/**
 * Actor workers are kept apart from the task pools: a task that ignores cancellation gets its worker
 * killed, and actors living there would die with it. A shared actor goes to the least loaded shared
 * worker once `max` of them run, else to a new one; a dedicated actor gets a worker of its own
 * (the CPU-heavy actor that must not share its thread). A worker leaves when its last actor ends.
 * The loop has a single in-thread "worker", shared and dedicated alike.
 */
export class ActorWorkers {
  readonly #start: () => ActorWorker;
  readonly #max: number;
  readonly #shared = new Set<ActorWorker>();
  readonly #all = new Set<ActorWorker>();
  readonly #refs = new Map<ActorWorker, number>();

  constructor(start: () => ActorWorker, max: number) {
    this.#start = start;
    this.#max = Math.max(1, max);
  }

  /** A placement for one actor: where each of its incarnations runs. */
  placement(dedicated: boolean): ActorPlacement {
    return {
      acquire: () => this.#acquire(dedicated),
      release: (worker) => this.#release(worker),
    };
  }

  /** Ends every worker now; resolves once they have all gone. */
  async close(): Promise<void> {
    await Promise.all([...this.#all].map((worker) => worker.kill()));
  }

  #acquire(dedicated: boolean): ActorWorker {
    let chosen: ActorWorker | undefined;
    if (!dedicated) {
      let live = 0;
      for (const worker of this.#shared) {
        if (!worker.alive) continue;
        live++;
        if (chosen === undefined || this.#refs.get(worker)! < this.#refs.get(chosen)!) chosen = worker;
      }
      if (live < this.#max) chosen = undefined;
    }
    if (chosen === undefined) {
      chosen = this.#start();
      this.#all.add(chosen);
      if (!dedicated) this.#shared.add(chosen);
      const started = chosen;
      void started.gone.then(() => {
        this.#all.delete(started);
        this.#shared.delete(started);
        this.#refs.delete(started);
      });
    }
    this.#refs.set(chosen, (this.#refs.get(chosen) ?? 0) + 1);
    return chosen;
  }

  #release(worker: ActorWorker): void {
    const left = (this.#refs.get(worker) ?? 1) - 1;
    if (left > 0) {
      this.#refs.set(worker, left);
      return;
    }
    this.#refs.delete(worker);
    this.#shared.delete(worker);
    void worker.close();
  }
}
