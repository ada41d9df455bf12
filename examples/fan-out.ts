// Seed: a request handler fans out to 12 sub-queries of 300 ms each: it takes ~300 ms, not 3.6 s, and one failure cancels the rest.
import { CancelledError, map, sleep } from 'braid';

/** A slow back end: 300 ms per query, honouring cancellation. */
async function subQuery(n: number, signal: AbortSignal, failing?: number): Promise<string> {
  if (n === failing) {
    await sleep(100, { signal });
    throw new Error(`sub-query ${n} failed`);
  }
  await sleep(300, { signal });
  return `result ${n}`;
}

export async function handleRequest(failing?: number): Promise<{ results?: string[]; error?: string; cancelled: number; ms: number }> {
  const started = performance.now();
  let cancelled = 0;
  const queries = Array.from({ length: 12 }, (_, i) => i + 1);
  try {
    const results = await map(
      queries,
      async (n, _index, signal) => {
        try {
          return await subQuery(n, signal, failing);
        } catch (error) {
          if (error instanceof CancelledError) cancelled++;
          throw error;
        }
      },
      { concurrency: 12 },
    );
    return { results, cancelled, ms: performance.now() - started };
  } catch (error) {
    return { error: (error as Error).message, cancelled, ms: performance.now() - started };
  }
}

export async function main(): Promise<string[]> {
  const ok = await handleRequest();
  const failed = await handleRequest(5);
  return [
    `12 sub-queries of 300 ms answered in ${Math.round(ok.ms)} ms: ${ok.results?.length} results`,
    `with sub-query 5 failing at 100 ms: "${failed.error}" after ${Math.round(failed.ms)} ms, ${failed.cancelled} others cancelled`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) for (const line of await main()) console.log(line);
