// Actors for the model-server example: a CPU-heavy model, a front end that asks it, and a flaky worker that crashes.

/** A toy "expensive model": building it costs real CPU (a table of primes), as loading weights would. */
export function model(size: number) {
  const sieve = new Uint8Array(size + 1).fill(1);
  sieve[0] = sieve[1] = 0;
  for (let i = 2; i * i <= size; i++) if (sieve[i]) for (let j = i * i; j <= size; j += i) sieve[j] = 0;
  return {
    receive(text: string): { text: string; score: number } {
      // CPU work per request: the model's verdict on each character code.
      let score = 0;
      for (let round = 0; round < 2_000; round++) for (let i = 0; i < text.length; i++) score += sieve[(text.charCodeAt(i) * 7_919 + round) % size]!;
      return { text, score: score / 2_000 / text.length };
    },
  };
}

/** What the front end is asked, as an HTTP handler would be. */
export interface Request {
  path: string;
  body: string;
}

/** The front end: answers requests, sending the CPU part to the model actor it was given. */
export function frontEnd(modelRef: { ask(text: string, options?: { timeout?: number }): Promise<{ text: string; score: number }> }) {
  let served = 0;
  return {
    async receive(request: Request): Promise<{ status: number; body: string }> {
      if (request.path !== '/score') return { status: 404, body: 'not found' };
      const verdict = await modelRef.ask(request.body, { timeout: 10_000 });
      served++;
      return { status: 200, body: `${verdict.text}: ${verdict.score.toFixed(3)} (request ${served})` };
    },
  };
}

/** A worker that may die: 'pid' answers its process id, 'slow' takes a while. */
export function flaky() {
  return {
    async receive(msg: 'pid' | 'slow'): Promise<number> {
      if (msg === 'slow') await new Promise((resolve) => setTimeout(resolve, 5_000));
      return process.pid;
    },
  };
}
