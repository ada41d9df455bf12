// How fast is Braid's Channel against a minimal promise channel: unbuffered ping-pong latency and capacity-128 stream throughput.
import { Channel } from '../src/communication/channel.js';
import { availableParallelism, loadavg } from 'node:os';
import { fmt, median, report, table } from './report.js';

/** The baseline: the ~40-line promise channel of field-notes.md (arrays, closures, no cancellation, no close). */
class MiniChannel<T> {
  private readonly buffer: T[] = [];
  private readonly receivers: ((value: T) => void)[] = [];
  private readonly senders: { value: T; resolve: () => void }[] = [];
  constructor(private readonly capacity: number) {}

  send(value: T): Promise<void> {
    const receiver = this.receivers.shift();
    if (receiver) {
      receiver(value);
      return Promise.resolve();
    }
    if (this.buffer.length < this.capacity) {
      this.buffer.push(value);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.senders.push({ value, resolve }));
  }

  receive(): Promise<T> {
    if (this.buffer.length > 0) {
      const value = this.buffer.shift()!;
      const sender = this.senders.shift();
      if (sender) {
        this.buffer.push(sender.value);
        sender.resolve();
      }
      return Promise.resolve(value);
    }
    const sender = this.senders.shift();
    if (sender) {
      sender.resolve();
      return Promise.resolve(sender.value);
    }
    return new Promise((resolve) => this.receivers.push(resolve));
  }
}

interface Chan {
  send(value: number): Promise<void>;
  receive(): Promise<number>;
}
type Make = (capacity: number) => Chan;

const contenders: [string, Make][] = [
  ['baseline (40-line promise channel)', (c) => new MiniChannel<number>(c)],
  ['braid Channel', (c) => new Channel<number>(c)],
];

/** Nanoseconds per round trip: main sends on `ping`, an echo task answers on `pong`, both capacity 0. */
async function pingPong(make: Make, rounds: number): Promise<number> {
  const ping = make(0);
  const pong = make(0);
  const echo = (async () => {
    for (let i = 0; i < rounds; i++) await pong.send(await ping.receive());
  })();
  const start = performance.now();
  for (let i = 0; i < rounds; i++) {
    await ping.send(i);
    await pong.receive();
  }
  const elapsed = performance.now() - start;
  await echo;
  return (elapsed * 1e6) / rounds;
}

/** Messages per second from one producer to one consumer through a capacity-128 channel. */
async function stream(make: Make, messages: number): Promise<number> {
  const channel = make(128);
  const start = performance.now();
  const producer = (async () => {
    for (let i = 0; i < messages; i++) await channel.send(i);
  })();
  let sum = 0;
  for (let i = 0; i < messages; i++) sum += await channel.receive();
  await producer;
  const elapsed = performance.now() - start;
  if (sum !== (messages * (messages - 1)) / 2) throw new Error('stream lost or duplicated values');
  return messages / (elapsed / 1000);
}

/**
 * The same stream written to batch on both sides: the producer awaits only when `trySend()` finds the
 * buffer full, the consumer drains with `receiveMany(128)` — one await per batch instead of per message.
 */
async function streamBatched(messages: number): Promise<number> {
  const channel = new Channel<number>(128);
  const start = performance.now();
  const producer = (async () => {
    for (let i = 0; i < messages; i++) if (channel.trySend(i).state !== 'ok') await channel.send(i);
  })();
  let sum = 0;
  for (let got = 0; got < messages; ) {
    const batch = await channel.receiveMany(128);
    for (const v of batch) sum += v;
    got += batch.length;
  }
  await producer;
  const elapsed = performance.now() - start;
  if (sum !== (messages * (messages - 1)) / 2) throw new Error('batched stream lost or duplicated values');
  return messages / (elapsed / 1000);
}

/** The same stream consumed with `for await`, the producer closing the channel at the end. */
async function streamIterated(messages: number): Promise<number> {
  const channel = new Channel<number>(128);
  const start = performance.now();
  const producer = (async () => {
    for (let i = 0; i < messages; i++) await channel.send(i);
    channel.close();
  })();
  let sum = 0;
  for await (const v of channel) sum += v;
  await producer;
  const elapsed = performance.now() - start;
  if (sum !== (messages * (messages - 1)) / 2) throw new Error('iterated stream lost or duplicated values');
  return messages / (elapsed / 1000);
}

/**
 * The floor under any channel whose sends and receives are awaited one by one: the same two awaits
 * per message — the producer awaits a resolved promise, the consumer awaits `Promise.resolve(i)` —
 * with no channel at all. No such channel can stream faster than this on the machine at that moment.
 */
async function streamFloor(messages: number): Promise<number> {
  const ready = Promise.resolve();
  const start = performance.now();
  const producer = (async () => {
    for (let i = 0; i < messages; i++) await ready;
  })();
  let sum = 0;
  for (let i = 0; i < messages; i++) sum += await Promise.resolve(i);
  await producer;
  const elapsed = performance.now() - start;
  if (sum !== (messages * (messages - 1)) / 2) throw new Error('floor lost values');
  return messages / (elapsed / 1000);
}

const RUNS = Number(process.env.BRAID_BENCH_RUNS ?? 9);
const ROUNDS = 200_000;
const MESSAGES = 1_000_000;

const ping = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
const flow = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
const batched: number[] = [];
const iterated: number[] = [];
const floor: number[] = [];
// Warm all up, then interleave runs so machine noise hits all alike.
for (const [, make] of contenders) {
  await pingPong(make, ROUNDS);
  await stream(make, MESSAGES);
}
await streamBatched(MESSAGES);
await streamIterated(MESSAGES);
await streamFloor(MESSAGES);
for (let run = 0; run < RUNS; run++) {
  const order = run % 2 === 0 ? contenders : [...contenders].reverse();
  for (const [name, make] of order) {
    ping.get(name)!.push(await pingPong(make, ROUNDS));
    flow.get(name)!.push(await stream(make, MESSAGES));
  }
  batched.push(await streamBatched(MESSAGES));
  iterated.push(await streamIterated(MESSAGES));
  floor.push(await streamFloor(MESSAGES));
}

const base = contenders[0]![0];
const rows = contenders.map(([name]) => {
  const p = median(ping.get(name)!);
  const f = median(flow.get(name)!);
  return [
    name,
    fmt(p),
    `${fmt(p / median(ping.get(base)!), 2)}×`,
    fmt(f),
    `${fmt(f / median(flow.get(base)!), 2)}×`,
  ];
});
const streamOnly = (name: string, values: number[]) => [name, '—', '—', fmt(median(values)), `${fmt(median(values) / median(flow.get(base)!), 2)}×`];
rows.push(streamOnly('braid Channel, for-await consumer', iterated));
rows.push(streamOnly('braid Channel, batched (trySend() producer, receiveMany(128) consumer)', batched));
rows.push(streamOnly('floor: the same two awaits per message, no channel', floor));
const braidPing = median(ping.get('braid Channel')!) / median(ping.get(base)!);
const braidFlow = median(flow.get('braid Channel')!);
report(
  'Channel: unbuffered ping-pong and capacity-128 stream',
  table(['channel', 'ping-pong ns/round trip (p50)', 'vs baseline', 'stream msg/s (p50)', 'vs baseline'], rows),
  [
    `${RUNS} interleaved runs of ${fmt(ROUNDS)} round trips and ${fmt(MESSAGES)} streamed messages each, after a warm-up.`,
    `Target ping-pong ≤ 1.3× baseline: ${fmt(braidPing, 2)}× — ${braidPing <= 1.3 ? 'met' : 'missed'}.`,
    `Target stream ≥ 7M msg/s: ${fmt(braidFlow / 1e6, 2)}M — ${braidFlow >= 7e6 ? 'met' : 'missed'}; the floor row (no channel, the same two awaits per message) made ${fmt(median(floor) / 1e6, 2)}M in this run, so ${fmt((100 * braidFlow) / median(floor))}% of it (the baseline made 7.4M on an idle machine per field-notes.md; compare the ratios when the machine is busy).`,
    `Load average at the end of the run: ${fmt(loadavg()[0] ?? 0, 2)} on ${fmt(availableParallelism())} cores.`,
  ],
);
