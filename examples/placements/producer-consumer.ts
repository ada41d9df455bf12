// Seed 001's producer/consumer queue across threads: a bounded channel on the host, a producer on one thread, two consumers on others.
// Run: node --import tsx examples/placements/producer-consumer.ts
import { Channel, runtime } from 'braid';
import type * as Resize from './actors/resize.js';

const tasks = new URL('./actors/resize.ts', import.meta.url);
await using rt = runtime({ threads: 3 });
const work = rt.module<typeof Resize>(tasks, { on: 'thread' });

// The queue lives here; threads get proxies with the same semantics: a send waits while 4 jobs are queued.
const jobs = new Channel<Resize.Job>(4);
const results = new Channel<string>(16);

const consumers = [work.consume(jobs.receiver, results.sender, 'consumer A'), work.consume(jobs.receiver, results.sender, 'consumer B')];
const produced = work.produce(jobs.sender, 12);

const lines: string[] = [];
const collecting = (async () => {
  for (let i = 0; i < 12; i++) lines.push(await results.receive());
})();
const [count, doneA, doneB] = await Promise.all([produced, ...consumers]);
await collecting;
results.close();
for (const line of lines.sort((a, b) => Number(/#(\d+)/.exec(a)![1]) - Number(/#(\d+)/.exec(b)![1]))) console.log(line.replace(/ \(\d+\)$/, ''));
console.log(`produced ${count}, consumed ${doneA! + doneB!} (A ${doneA}, B ${doneB}) through a queue of ${jobs.capacity}`);
