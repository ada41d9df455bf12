// Retry delays: exponential backoff with full jitter (AWS's "full jitter"), so retries of many failed tasks spread out.
import type { BackoffOptions } from '../define-task.js';

/**
 * The delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed: uniform in
 * `[0, min(maxMs, initialMs · factor^(attempt-1))]`. `random` is injectable for tests.
 *
 * @example
 * backoffDelay(3, { initialMs: 100, maxMs: 10_000, factor: 2 }); // somewhere in [0, 400]
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  if (!Number.isSafeInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be an integer ≥ 1, got ${String(attempt)}`);
  const initial = options.initialMs ?? 1_000;
  const max = options.maxMs ?? 60_000;
  const factor = options.factor ?? 2;
  const cap = Math.min(max, initial * factor ** (attempt - 1));
  return Math.floor(random() * cap);
}
