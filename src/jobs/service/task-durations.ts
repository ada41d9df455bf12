// Run and wait time histograms per task type, kept in memory for /metrics (Prometheus histogram shape).
import type { Task } from '../store/task-store.js';

/** Upper bounds (seconds) of the histogram buckets; the last bucket, `+Inf`, is implicit in `count`. */
export const DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/**
 * One histogram: `phase` `wait` is creation (or due time) to start, `run` is start to end of an attempt
 * run by this service instance. `buckets[i]` counts observations ≤ `DURATION_BUCKETS[i]` (cumulative).
 */
export interface TaskDurations {
  type: string;
  phase: 'wait' | 'run';
  buckets: number[];
  count: number;
  /** Seconds. */
  sum: number;
}

/** Accumulates `TaskDurations` per type and phase. */
export class DurationRecorder {
  readonly #series = new Map<string, TaskDurations>();

  /** Records one attempt of `task` that ran `runMs`. */
  record(task: Task, runMs: number): void {
    const started = task.startedAt ?? task.createdAt;
    this.#observe(task.type, 'wait', Math.max(0, started - Math.max(task.createdAt, task.runAt)) / 1000);
    this.#observe(task.type, 'run', Math.max(0, runMs) / 1000);
  }

  snapshot(): TaskDurations[] {
    return [...this.#series.values()].map((s) => ({ ...s, buckets: [...s.buckets] }));
  }

  #observe(type: string, phase: 'wait' | 'run', seconds: number): void {
    const key = `${phase}\0${type}`;
    let series = this.#series.get(key);
    if (series === undefined) {
      series = { type, phase, buckets: DURATION_BUCKETS.map(() => 0), count: 0, sum: 0 };
      this.#series.set(key, series);
    }
    for (let i = 0; i < DURATION_BUCKETS.length; i++) if (seconds <= DURATION_BUCKETS[i]!) series.buckets[i]!++;
    series.count++;
    series.sum += seconds;
  }
}
