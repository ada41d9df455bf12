// The loop placement as a pool worker: a WorkerRuntime in the host's own thread, so all placements share one engine.
import { importTaskModule } from './import-task-module.js';
import type { Batch } from './protocol.js';
import type { WorkerHandle, WorkerHandleEvents } from './worker-handle.js';
import { WorkerRuntime } from './worker-runtime.js';

const RESOLVED = Promise.resolve();

/**
 * Runs tasks on the host's event loop. Values pass by reference (unless a task asks for `isolate`,
 * which the pool clones before posting), errors travel as the very objects thrown. A batch is
 * handed over in a microtask, never inside the pool's own call, so the pool is never re-entered.
 * `kill()` cannot stop JavaScript on this thread: a task that ignores cancellation keeps running,
 * though its caller has already been answered.
 */
export class LoopWorkerHandle implements WorkerHandle {
  readonly id = 0;
  readonly inProcess = true;
  readonly acceptsEarly = true;
  readonly #runtime: WorkerRuntime;
  #inbox: Batch[] = [];
  readonly #drain = () => {
    const inbox = this.#inbox;
    this.#inbox = [];
    for (const batch of inbox) this.#runtime.receive(batch);
  };

  constructor(events: WorkerHandleEvents) {
    this.#runtime = new WorkerRuntime({
      placement: 'loop',
      post: (batch) => events.message(batch),
      importModule: importTaskModule,
    });
  }

  post(batch: Batch): void {
    // A promise reaction, not queueMicrotask(), which builds an AsyncResource per call (see pool.ts).
    if (this.#inbox.push(batch) === 1) void RESOLVED.then(this.#drain);
  }

  setBusy(): void {}

  close(): void {}

  kill(): void {}
}
