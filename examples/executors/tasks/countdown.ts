// The CPU-bound task for countdown.ts: nothing but arithmetic, so it runs as fast as one core allows.

/** Counts `n` down to zero in a tight loop and returns 0. */
export function countdown(n: number): number {
  while (n > 0) n--;
  return n;
}
