// The example tasks `npm start` / `braid serve --tasks examples/tasks/tasks.ts` serves: a slow report, CPU work on a thread, a fan-out on the loop.
// (Inside this repository the imports point at src; an application imports the same names from 'braid'.)
import { map, sleep } from '../../src/core/index.js';
import { currentJob, defineTask } from '../../src/jobs/index.js';

/** Demo speed: `{ fast: true }` in the input or `BRAID_DEMO_FAST=1` runs every wait at a tenth of its length. */
function scale(input: { fast?: boolean } | null | undefined): number {
  return input?.fast === true || process.env.BRAID_DEMO_FAST === '1' ? 0.1 : 1;
}

/**
 * Seed 004's long-running task: 30 % after 3 s, 60 % after 6 s, done at 16 s. Each milestone is
 * checkpointed, so a paused (or crashed) report resumes from the last one instead of starting over.
 */
export const report = defineTask({
  name: 'report',
  on: 'loop',
  retries: 2,
  inputSchema: {
    type: 'object',
    properties: {
      title: { type: 'string', default: 'Monthly report' },
      fast: { type: 'boolean', default: false, description: 'run 10× faster (demo)' },
    },
    additionalProperties: false,
  },
  async run(input: { title?: string; fast?: boolean } | null) {
    const job = currentJob<{ at: number }>();
    const k = scale(input);
    const milestones = [
      { at: 3_000, percent: 30, message: 'collected the data' },
      { at: 6_000, percent: 60, message: 'computed the totals' },
      { at: 16_000, percent: 100, message: 'rendered the report' },
    ];
    let now = job.resumeFrom?.at ?? 0;
    for (const step of milestones) {
      if (step.at <= now) continue;
      await sleep((step.at - now) * k, { signal: job.signal });
      now = step.at;
      await job.checkpoint({ at: now });
      job.progress(step.percent, step.message);
    }
    return { title: input?.title ?? 'Monthly report', pages: 12, resumedFrom: job.resumeFrom?.at ?? 0 };
  },
});

/**
 * CPU-bound work on a worker thread: counts `n` down in chunks, reporting progress and checking its
 * signal between chunks, so a cancel stops it within one chunk.
 */
export const countdown = defineTask({
  name: 'countdown',
  on: 'thread',
  concurrency: 2,
  inputSchema: {
    type: 'object',
    properties: { n: { type: 'integer', minimum: 1, maximum: 1e11, default: 3e9 } },
    required: ['n'],
    additionalProperties: false,
  },
  async run(input: { n: number }) {
    const job = currentJob();
    const chunk = 5e7;
    let left = input.n;
    const started = performance.now();
    while (left > 0) {
      let i = Math.min(chunk, left);
      while (i > 0) i--;
      left -= Math.min(chunk, left);
      job.progress(Math.round(((input.n - left) / input.n) * 100), `${(input.n - left).toLocaleString('en')} counted`);
      // Yield so a cancel message from the host can abort the signal.
      await new Promise((resolve) => setImmediate(resolve));
      job.signal.throwIfAborted();
    }
    return { counted: input.n, ms: Math.round(performance.now() - started) };
  },
});

/**
 * A request that fans out to sub-queries on the event loop with Braid's `map` (bounded concurrency,
 * one failure or a cancel stops the rest).
 */
export const fanout = defineTask({
  name: 'fanout',
  on: 'loop',
  inputSchema: {
    type: 'object',
    properties: {
      queries: { type: 'integer', minimum: 1, maximum: 1000, default: 12 },
      concurrency: { type: 'integer', minimum: 1, maximum: 100, default: 4 },
      fast: { type: 'boolean', default: false },
    },
    additionalProperties: false,
  },
  async run(input: { queries?: number; concurrency?: number; fast?: boolean } | null) {
    const job = currentJob();
    const total = input?.queries ?? 12;
    const k = scale(input);
    let done = 0;
    const rows = await map(
      Array.from({ length: total }, (_, i) => i + 1),
      async (n, _index, signal) => {
        await sleep((300 + ((n * 37) % 200)) * k, { signal });
        done++;
        job.progress(Math.round((done / total) * 100), `${done} of ${total} sub-queries`);
        return { query: n, rows: (n * 7) % 23 };
      },
      { concurrency: input?.concurrency ?? 4, signal: job.signal },
    );
    return { queries: total, rows: rows.reduce((sum, r) => sum + r.rows, 0) };
  },
});
