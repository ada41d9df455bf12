// How fast do numbers stream from one thread to another through a SharedChannel, against bare postMessage of one number and of 1,000 per message?
import { availableParallelism, loadavg } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { SharedChannel } from '../src/communication/shared-channel.js';
import { fmt, median, report, table } from './report.js';

/** What the producer thread is told to do for one run. */
type Variant = 'shared-batched' | 'shared-blocks' | 'shared-plain' | 'shared-sync' | 'post-one' | 'post-batch';
interface Go {
  variant: Variant;
  count: number;
}

const BATCH = 1_000;
const CAPACITY = 65_536;

// ─── producer thread ─────────────────────────────────────────────────────────

async function produce({ variant, count }: Go, channel: SharedChannel, port: NonNullable<typeof parentPort>): Promise<void> {
  switch (variant) {
    case 'shared-batched':
      // Waits only when trySend() finds the ring full.
      for (let i = 0; i < count; i++) if (channel.trySend(i).state !== 'ok') await channel.send(i);
      break;
    case 'shared-blocks':
      // The same batches as 'post-batch', each sent whole with sendMany().
      for (let i = 0; i < count; i += BATCH) {
        const batch = new Int32Array(BATCH);
        for (let j = 0; j < BATCH; j++) batch[j] = i + j;
        await channel.sendMany(batch);
      }
      break;
    case 'shared-plain':
      for (let i = 0; i < count; i++) await channel.send(i);
      break;
    case 'shared-sync':
      for (let i = 0; i < count; i++) channel.sendSync(i);
      break;
    case 'post-one':
      for (let i = 0; i < count; i++) port.postMessage(i);
      break;
    case 'post-batch':
      for (let i = 0; i < count; i += BATCH) {
        const batch = new Int32Array(BATCH);
        for (let j = 0; j < BATCH; j++) batch[j] = i + j;
        port.postMessage(batch);
      }
      break;
  }
}

if (!isMainThread) {
  const port = parentPort!;
  const channel = SharedChannel.from((workerData as { buffer: SharedArrayBuffer }).buffer);
  port.on('message', (go: Go | 'exit') => {
    if (go === 'exit') port.close();
    else void produce(go, channel, port);
  });
  port.postMessage('ready');
}

// ─── consumer (the main thread) and the table ───────────────────────────────

/** Receives `count` values of `variant` on this thread; returns msg/s from the go message to the last value. */
async function run(worker: Worker, channel: SharedChannel, variant: Variant, count: number): Promise<number> {
  let sum = 0;
  let got = 0;
  const start = performance.now();
  if (variant === 'post-one' || variant === 'post-batch') {
    await new Promise<void>((resolve) => {
      const onMessage = (m: number | Int32Array) => {
        if (typeof m === 'number') {
          sum += m;
          got++;
        } else {
          for (let j = 0; j < m.length; j++) sum += m[j]!;
          got += m.length;
        }
        if (got >= count) {
          worker.off('message', onMessage);
          resolve();
        }
      };
      worker.on('message', onMessage);
      worker.postMessage({ variant, count } satisfies Go);
    });
  } else {
    worker.postMessage({ variant, count } satisfies Go);
    if (variant === 'shared-plain') {
      for (; got < count; got++) sum += await channel.receive();
    } else {
      while (got < count) {
        const batch = variant === 'shared-sync' ? channel.receiveManySync(CAPACITY) : await channel.receiveMany(CAPACITY);
        for (let j = 0; j < batch.length; j++) sum += batch[j]!;
        got += batch.length;
      }
    }
  }
  const elapsed = performance.now() - start;
  if (got !== count || sum !== (count * (count - 1)) / 2) throw new Error(`${variant} lost or duplicated values`);
  return count / (elapsed / 1000);
}

if (isMainThread) {
  const contenders: [Variant, string, number][] = [
    ['shared-batched', `SharedChannel: trySend() → receiveMany(${fmt(CAPACITY)})`, 20_000_000],
    ['shared-blocks', `SharedChannel: sendMany(Int32Array × ${fmt(BATCH)}) → receiveMany(${fmt(CAPACITY)})`, 20_000_000],
    ['shared-sync', `SharedChannel: sendSync() → receiveManySync(${fmt(CAPACITY)})`, 20_000_000],
    ['shared-plain', 'SharedChannel: await send() → await receive()', 2_000_000],
    ['post-batch', `postMessage, ${fmt(BATCH)} numbers per message (Int32Array)`, 10_000_000],
    ['post-one', 'postMessage, one number per message', 1_000_000],
  ];
  const RUNS = Number(process.env.BRAID_BENCH_RUNS ?? 7);
  const channel = new SharedChannel({ capacity: CAPACITY, type: 'int32' });
  // A worker does not inherit tsx's hooks on Node 20: register them before importing this file there.
  const boot = new URL(
    `data:text/javascript,${encodeURIComponent(
      `const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}); register(); await import(${JSON.stringify(import.meta.url)});`,
    )}`,
  );
  const worker = new Worker(boot, { workerData: { buffer: channel.buffer } });
  await new Promise((resolve) => worker.once('message', resolve));

  const results = new Map<Variant, number[]>(contenders.map(([v]) => [v, []]));
  for (const [variant, , count] of contenders) await run(worker, channel, variant, Math.ceil(count / 10)); // warm-up
  for (let r = 0; r < RUNS; r++) {
    const order = r % 2 === 0 ? contenders : [...contenders].reverse();
    for (const [variant, , count] of order) results.get(variant)!.push(await run(worker, channel, variant, count));
  }
  worker.postMessage('exit');

  const perMessage = median(results.get('post-one')!);
  const perBatch = median(results.get('post-batch')!);
  const rows = contenders.map(([variant, name]) => {
    const m = median(results.get(variant)!);
    return [name, fmt(m), `${fmt(m / perMessage, 1)}×`, `${fmt(m / perBatch, 2)}×`];
  });
  const best = median(results.get('shared-batched')!);
  report(
    'SharedChannel: int32 stream from a worker thread to the main thread',
    table(['path', 'msg/s (p50)', 'vs postMessage ×1', `vs postMessage ×${fmt(BATCH)}`], rows),
    [
      `${RUNS} interleaved runs after a warm-up; each run times from the go message to the last value received, and checks the sum (no value lost or duplicated).`,
      `SharedChannel capacity ${fmt(CAPACITY)} int32 (${fmt((CAPACITY * 4) / 1024)} KiB), so the producer waits whenever the consumer is ${fmt(CAPACITY)} values behind; postMessage queues without bound and never makes the producer wait. The producer is a worker thread, the consumer the main thread.`,
      `Target ≥ 10M msg/s through the SAB ring with batching: ${fmt(best / 1e6, 1)}M — ${best >= 10e6 ? 'met' : 'missed'}.`,
      `Load average at the end of the run: ${fmt(loadavg()[0] ?? 0, 2)} on ${fmt(availableParallelism())} cores.`,
    ],
  );
}
