// Per-pool counters and timing samples behind rt.stats().

/** A snapshot of one pool. Times are milliseconds. */
export interface PoolStats {
  /** Tasks waiting for a worker (including callers waiting for room in a full queue). */
  queued: number;
  /** Tasks held by workers. */
  running: number;
  completed: number;
  failed: number;
  /** Tasks whose caller cancelled them or whose timeout/deadline passed. */
  cancelled: number;
  /** Time from submission to start, over the last samples. */
  waitTime: { p50: number; p99: number };
  /** Time from start to result, over the last samples. */
  runTime: { p50: number; p99: number };
  /** Share of worker capacity busy (≥ 1 task) since the pool started, 0…1. */
  utilization: number;
  /** Live workers (starting, ready or retiring). */
  workers: number;
  /** Workers that crashed or were killed since the pool started. */
  crashes: number;
  /** Thread ids or process ids of the live workers (0 for the loop). */
  workerIds: number[];
}

const SAMPLES = 1024;

/** A ring of the last 1,024 samples; quantiles are computed only when asked for. */
export class Samples {
  readonly #values = new Float64Array(SAMPLES);
  #count = 0;

  add(value: number): void {
    this.#values[this.#count++ % SAMPLES] = value;
  }

  quantiles(): { p50: number; p99: number } {
    const n = Math.min(this.#count, SAMPLES);
    if (n === 0) return { p50: 0, p99: 0 };
    const sorted = this.#values.slice(0, n).sort();
    const at = (q: number) => sorted[Math.min(n - 1, Math.floor(q * n))] ?? 0;
    return { p50: at(0.5), p99: at(0.99) };
  }
}
