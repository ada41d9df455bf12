// The task event stream: replays the store's log after a sequence number, then follows it live, in seq order, with no gaps.
import type { TaskEvent, TaskStore } from '../store/task-store.js';

/**
 * A change counter with waiters: the service bumps it after each of its own commits, so streams
 * re-read the log at once instead of polling. `version` closes the race between a read and a wait.
 */
export class Pulse {
  #version = 0;
  #waiters = new Set<() => void>();

  get version(): number {
    return this.#version;
  }

  bump(): void {
    this.#version++;
    if (this.#waiters.size === 0) return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Resolves at the next bump after `version`, after `maxMs` (to catch other processes' writes), or when `signal` aborts. */
  wait(version: number, maxMs: number, signal: AbortSignal | undefined): Promise<void> {
    if (version !== this.#version || signal?.aborted === true) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, maxMs);
      this.#waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

/** Options of `eventStream()`. */
export interface EventStreamOptions {
  after: number;
  taskId: string | undefined;
  signal: AbortSignal | undefined;
  /** How often to re-read when nothing in this process wrote (writes by other processes). */
  pollMs: number;
  /** True once the stream must end (the service closed). */
  closed: () => boolean;
}

const PAGE = 1_000;

/**
 * Events with `seq > after`, oldest first, then each new one as it commits; ends quietly when `signal`
 * aborts or the service closes. Tailing by `seq` cannot skip or repeat an event: the store assigns
 * `seq` inside its single-writer transaction, so commit order is seq order.
 */
export async function* eventStream(store: TaskStore, pulse: Pulse, options: EventStreamOptions): AsyncGenerator<TaskEvent, void, undefined> {
  let after = options.after;
  const { signal } = options;
  const stopped = () => signal?.aborted === true || options.closed();
  while (!stopped()) {
    const version = pulse.version;
    let page: TaskEvent[];
    try {
      page = await store.eventsSince(options.taskId === undefined ? { after, limit: PAGE } : { after, taskId: options.taskId, limit: PAGE });
    } catch (error) {
      if (options.closed()) return;
      throw error;
    }
    for (const event of page) {
      if (stopped()) return;
      yield event;
      after = event.seq;
    }
    if (page.length === PAGE) continue;
    await pulse.wait(version, options.pollMs, signal);
  }
}
