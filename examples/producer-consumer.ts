// Seed: a producer/consumer queue — three workers drain a bounded WorkQueue, and join() waits until every item is done.
import { WorkQueue, scope, sleep } from 'braid';

export async function main(): Promise<string[]> {
  const lines: string[] = [];
  const queue = new WorkQueue<number>({ maxSize: 4 }); // bounded: the producer waits when workers fall behind

  await scope(async (s) => {
    for (const worker of ['A', 'B', 'C']) {
      s.spawn(async (signal) => {
        for (;;) {
          const item = await queue.get({ signal }); // rejects with CancelledError when the scope is cancelled
          await sleep(10 + (item % 3) * 5, { signal }); // "process" the item
          lines.push(`worker ${worker} processed item ${item}`);
          queue.taskDone();
        }
      });
    }
    for (let item = 1; item <= 10; item++) await queue.put(item);
    await queue.join(); // every item put has had its taskDone()
    lines.push(`all ${10} items done, ${queue.unfinished} unfinished`);
    s.cancel(); // the workers loop forever: cancel them; the scope still resolves
  });
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) for (const line of await main()) console.log(line);
