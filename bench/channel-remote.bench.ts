// Question: how fast do cloned values (small objects) stream through a Channel between the host and a worker thread, against bare postMessage of one object and of 1,000 per message?
// Braid is measured as built (`npm run build` first); the bare baseline is a worker posting the same objects.
import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Channel, runtime } from 'braid';
import { fmt, median, report, table } from './report.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const COUNT = 200_000;
const CAPACITY = 1_024;
const TASKS = new URL('./fixtures/channel-tasks.mjs', import.meta.url);

// The bare producer: a worker that posts `count` objects, one per message or in arrays of `batch`.
const BARE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ count, batch }) => {
  if (batch === 1) for (let i = 0; i < count; i++) parentPort.postMessage({ i, tag: 'tick' });
  else for (let i = 0; i < count; i += batch) {
    const values = [];
    for (let j = 0; j < batch && i + j < count; j++) values.push({ i: i + j, tag: 'tick' });
    parentPort.postMessage(values);
  }
});`;

async function bare(batch: number): Promise<number> {
  const worker = new Worker(BARE, { eval: true });
  const started = performance.now();
  await new Promise<void>((resolve) => {
    let got = 0;
    worker.on('message', (m: unknown) => {
      got += batch === 1 ? 1 : (m as unknown[]).length;
      if (got >= COUNT) resolve();
    });
    worker.postMessage({ count: COUNT, batch });
  });
  const rate = COUNT / ((performance.now() - started) / 1000);
  await worker.terminate();
  return rate;
}

const rt = runtime({ threads: 1 });
await rt.run(TASKS, 'consume', [new Channel(1).receiver, 0, 'receive'], { on: 'thread' }); // start the thread

/** Thread produces into a host channel; the host receives one at a time ('receive') or in batches ('many'). */
async function toHost(produceMode: 'send' | 'try', receiveMode: 'receive' | 'many'): Promise<number> {
  const channel = new Channel<{ i: number }>(CAPACITY);
  const started = performance.now();
  const producing = rt.run(TASKS, 'produce', [channel.sender, COUNT, produceMode], { on: 'thread' });
  let got = 0;
  if (receiveMode === 'many') while (got < COUNT) got += (await channel.receiveMany(1_024)).length;
  else for (; got < COUNT; got++) await channel.receive();
  await producing;
  return COUNT / ((performance.now() - started) / 1000);
}

/** The host produces; the thread consumes from the host channel. */
async function toThread(produceMode: 'send' | 'try', receiveMode: 'receive' | 'many'): Promise<number> {
  const channel = new Channel<{ i: number; tag: string }>(CAPACITY);
  const started = performance.now();
  const consuming = rt.run(TASKS, 'consume', [channel.receiver, COUNT, receiveMode], { on: 'thread' });
  for (let i = 0; i < COUNT; i++) {
    const value = { i, tag: 'tick' };
    if (produceMode === 'try' && channel.trySend(value).state === 'ok') continue;
    await channel.send(value);
  }
  await consuming;
  return COUNT / ((performance.now() - started) / 1000);
}

const variants: [string, () => Promise<number>][] = [
  ['bare postMessage, one object per message (thread → host)', () => bare(1)],
  ['bare postMessage, 1,000 objects per message (thread → host)', () => bare(1_000)],
  ['Channel thread → host: await send / await receive', () => toHost('send', 'receive')],
  ['Channel thread → host: trySend / receiveMany', () => toHost('try', 'many')],
  ['Channel host → thread: await send / await receive', () => toThread('send', 'receive')],
  ['Channel host → thread: trySend / receiveMany', () => toThread('try', 'many')],
];
for (const [, run] of variants) await run(); // warm-up
const samples = new Map<string, number[]>(variants.map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) for (const [name, run] of variants) samples.get(name)!.push(await run());
await rt.close();

const rates = new Map([...samples].map(([name, values]) => [name, median(values)]));
const one = rates.get(variants[0]![0])!;
report(
  'Channel across a thread boundary: cloned objects streamed through a host channel',
  table(
    ['path', 'msg/s (median)', 'vs bare, one per message'],
    [...rates].map(([name, rate]) => [name, fmt(rate), `${fmt(rate / one, 2)}×`]),
  ),
  [
    `${fmt(COUNT)} objects \`{ i, tag }\` per run, channel capacity ${fmt(CAPACITY)}, ${ROUNDS} interleaved rounds after a warm-up`,
    'Target (issue 5): ≥ 1.5M msg/s through the cloned path, above bare unbatched postMessage',
    `load average ${loadavg()[0]!.toFixed(2)} when the section ended`,
  ],
);
