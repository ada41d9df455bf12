// Question: what does an in-loop actor cost per message — send throughput and ask latency — against calling an async function directly?
import { actor } from '../src/communication/actor.js';
import { fmt, median, quantile, report, table } from './report.js';

const RUNS = Number(process.env.BRAID_BENCH_RUNS ?? 7);
const SENDS = Number(process.env.BRAID_BENCH_N ?? 500_000);
const ASKS = 100_000;

type Msg = { add: number } | 'get';

/** The baseline: the same state and handler behind a plain async function, called and awaited directly. */
function direct(): (msg: Msg) => Promise<number> {
  let total = 0;
  return async (msg) => {
    if (msg !== 'get') total += msg.add;
    return total;
  };
}

class Tally {
  total = 0;
  receive(msg: Msg): number {
    if (msg !== 'get') this.total += msg.add;
    return this.total;
  }
}

/** Messages per second: a producer awaits each send; the final ask proves every message was handled. */
async function sendThroughput(kind: 'direct' | 'actor'): Promise<number> {
  const msg = { add: 1 };
  if (kind === 'direct') {
    const fn = direct();
    const start = performance.now();
    for (let i = 0; i < SENDS; i++) await fn(msg);
    const total = await fn('get');
    const elapsed = performance.now() - start;
    if (total !== SENDS) throw new Error('lost calls');
    return SENDS / (elapsed / 1000);
  }
  const ref = actor(() => new Tally());
  const start = performance.now();
  for (let i = 0; i < SENDS; i++) await ref.send(msg);
  const total = await ref.ask('get');
  const elapsed = performance.now() - start;
  await ref.stop();
  if (total !== SENDS) throw new Error('lost messages');
  return SENDS / (elapsed / 1000);
}

/** Per-call latencies in microseconds for sequential request/reply. */
async function askLatency(kind: 'direct' | 'actor'): Promise<number[]> {
  const msg = { add: 1 };
  const out = new Array<number>(ASKS);
  if (kind === 'direct') {
    const fn = direct();
    for (let i = 0; i < ASKS; i++) {
      const t = performance.now();
      await fn(msg);
      out[i] = (performance.now() - t) * 1000;
    }
    return out;
  }
  const ref = actor(() => new Tally());
  for (let i = 0; i < ASKS; i++) {
    const t = performance.now();
    await ref.ask(msg);
    out[i] = (performance.now() - t) * 1000;
  }
  await ref.stop();
  return out;
}

const kinds = ['direct', 'actor'] as const;
const sends = new Map<string, number[]>(kinds.map((k) => [k, []]));
const p50 = new Map<string, number[]>(kinds.map((k) => [k, []]));
const p99 = new Map<string, number[]>(kinds.map((k) => [k, []]));
for (const k of kinds) {
  await sendThroughput(k);
  await askLatency(k);
}
for (let run = 0; run < RUNS; run++) {
  const order = run % 2 === 0 ? kinds : [...kinds].reverse();
  for (const k of order) {
    sends.get(k)!.push(await sendThroughput(k));
    const lat = await askLatency(k);
    p50.get(k)!.push(quantile(lat, 0.5));
    p99.get(k)!.push(quantile(lat, 0.99));
  }
}

const label = { direct: 'baseline: await asyncFn(msg)', actor: 'braid actor (send / ask)' };
const rows = kinds.map((k) => [
  label[k],
  fmt(median(sends.get(k)!)),
  `${fmt(median(sends.get(k)!) / median(sends.get('direct')!), 2)}×`,
  fmt(median(p50.get(k)!), 2),
  fmt(median(p99.get(k)!), 2),
]);
const sendRatio = median(sends.get('direct')!) / median(sends.get('actor')!);
const askRatio = median(p50.get('actor')!) / median(p50.get('direct')!);
report(
  'Actor: send throughput and ask latency against a direct async call',
  table(['path', 'send msg/s (p50 of runs)', 'vs baseline', 'ask p50 µs', 'ask p99 µs'], rows),
  [
    `${RUNS} interleaved runs of ${fmt(SENDS)} awaited sends and ${fmt(ASKS)} sequential asks each, after a warm-up; mailbox 1024, sync receive.`,
    `An actor send costs ${fmt(sendRatio, 2)}× a direct awaited call; an ask's p50 is ${fmt(askRatio, 2)}× (each ask arms and cancels its timeout timer).`,
    'Latencies are per call via performance.now(); the baseline is near the timer resolution, so its ratio is indicative only.',
  ],
);
