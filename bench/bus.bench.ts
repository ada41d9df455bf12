// Question: what does Bus fan-out cost — one publish to 100 subscribers — against a plain loop over 100 arrays and an EventEmitter?
import { EventEmitter } from 'node:events';
import { Bus } from '../src/communication/bus.js';
import { topicMatches } from '../src/communication/topic-pattern.js';
import { fmt, median, report, table } from './report.js';

const RUNS = Number(process.env.BRAID_BENCH_RUNS ?? 7);
const SUBSCRIBERS = 100;
const MESSAGES = 20_000; // × 100 subscribers = 2,000,000 deliveries per run
const BATCH = 500; // publish a batch, then every subscriber drains it (buffers stay well under the 1,024 default)

interface Contender {
  name: string;
  /** Deliveries per second: MESSAGES published to SUBSCRIBERS, each message seen by every subscriber. */
  run(): Promise<number>;
}

const payload = { id: 1, kind: 'created' };

const arrays: Contender = {
  name: 'baseline: loop over 100 arrays',
  async run() {
    const queues = Array.from({ length: SUBSCRIBERS }, () => [] as object[]);
    let seen = 0;
    const start = performance.now();
    for (let sent = 0; sent < MESSAGES; ) {
      for (let b = 0; b < BATCH; b++, sent++) for (const q of queues) q.push(payload);
      for (const q of queues) {
        seen += q.length;
        q.length = 0;
      }
      await Promise.resolve(); // yield once per batch, as a real producer would
    }
    return check(seen, start);
  },
};

const emitter: Contender = {
  name: 'baseline: EventEmitter, 100 listeners into arrays',
  async run() {
    const ee = new EventEmitter();
    ee.setMaxListeners(SUBSCRIBERS);
    const queues = Array.from({ length: SUBSCRIBERS }, () => [] as object[]);
    for (const q of queues) ee.on('orders.created', (m: object) => q.push(m));
    let seen = 0;
    const start = performance.now();
    for (let sent = 0; sent < MESSAGES; ) {
      for (let b = 0; b < BATCH; b++, sent++) ee.emit('orders.created', payload);
      for (const q of queues) {
        seen += q.length;
        q.length = 0;
      }
      await Promise.resolve(); // yield once per batch, as a real producer would
    }
    return check(seen, start);
  },
};

const busDrain: Contender = {
  name: 'braid Bus: await publish(), subscribers drain with tryReceive()',
  async run() {
    const bus = new Bus<Record<string, object>>();
    const subs = Array.from({ length: SUBSCRIBERS }, (_, i) => bus.subscribe(i % 2 ? 'orders.*' : 'orders.>'));
    let seen = 0;
    const start = performance.now();
    for (let sent = 0; sent < MESSAGES; ) {
      for (let b = 0; b < BATCH; b++, sent++) await bus.publish('orders.created', payload);
      for (const s of subs) for (let r = s.tryReceive(); r.state === 'ok'; r = s.tryReceive()) seen++;
    }
    bus.close();
    return check(seen, start);
  },
};

const busLoops: Contender = {
  name: 'braid Bus: await publish(), 100 `for await` consumer loops',
  async run() {
    const bus = new Bus<Record<string, object>>();
    let seen = 0;
    const loops = Array.from({ length: SUBSCRIBERS }, async () => {
      for await (const _ of bus.subscribe('orders.created')) seen++;
    });
    const start = performance.now();
    for (let i = 0; i < MESSAGES; i++) await bus.publish('orders.created', payload);
    bus.close();
    await Promise.all(loops);
    return check(seen, start);
  },
};

function check(seen: number, start: number): number {
  const elapsed = performance.now() - start;
  if (seen !== MESSAGES * SUBSCRIBERS) throw new Error(`expected ${MESSAGES * SUBSCRIBERS} deliveries, saw ${seen}`);
  return seen / (elapsed / 1000);
}

const contenders = [arrays, emitter, busDrain, busLoops];
const results = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
for (const c of contenders) await c.run();
for (let run = 0; run < RUNS; run++) {
  const order = run % 2 === 0 ? contenders : [...contenders].reverse();
  for (const c of order) results.get(c.name)!.push(await c.run());
}

/** A naive matcher: every pattern pre-split, compared token by token on each publish (what a trie avoids). */
function scanMatches(pattern: readonly string[], topic: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p === '>') return topic.length > i;
    if (i >= topic.length || (p !== '*' && p !== topic[i])) return false;
  }
  return pattern.length === topic.length;
}

/** Microseconds per publish to a topic nobody matches, with `n` subscriptions on other topics: trie+cache vs a scan. */
function crowd(n: number): { trie: number; scan: number } {
  const bus = new Bus();
  const patterns = Array.from({ length: n }, (_, i) => `tenant${i}.orders.*`);
  for (const p of patterns) bus.subscribe(p, { overflow: 'drop-newest' });
  const split = patterns.map((p) => p.split('.'));
  const topic = `tenant${n}.orders.created`;
  const rounds = 20_000;
  const scanRounds = Math.max(20, Math.floor(2_000_000 / n));
  let t = performance.now();
  for (let i = 0; i < rounds; i++) bus.tryPublish(topic, payload);
  const trie = ((performance.now() - t) * 1000) / rounds;
  t = performance.now();
  let hits = 0;
  for (let i = 0; i < scanRounds; i++) {
    const tokens = topic.split('.');
    for (const p of split) if (scanMatches(p, tokens)) hits++;
  }
  const scan = ((performance.now() - t) * 1000) / scanRounds;
  if (hits !== 0 || !topicMatches('tenant1.orders.*', 'tenant1.orders.x')) throw new Error('matcher disagrees');
  bus.close();
  return { trie, scan };
}
crowd(1_000); // warm-up
const crowds = [10, 1_000, 10_000].map((n) => ({ n, ...crowd(n) }));

const base = median(results.get(arrays.name)!);
const ee = median(results.get(emitter.name)!);
const rows = contenders.map((c) => {
  const m = median(results.get(c.name)!);
  return [c.name, fmt(m), `${fmt(m / base, 2)}×`, `${fmt(m / ee, 2)}×`];
});
report(
  'Bus: fan-out of one publish to 100 subscribers',
  [
    table(['path', 'deliveries/s (p50 of runs)', 'vs arrays', 'vs EventEmitter'], rows),
    '',
    table(
      ['subscriptions on other topics', 'Bus publish µs (trie + cache)', 'scan of every pattern µs'],
      crowds.map(({ n, trie, scan }) => [fmt(n), fmt(trie, 3), fmt(scan, 3)]),
    ),
  ].join('\n'),
  [
    `${RUNS} interleaved runs of ${fmt(MESSAGES)} messages × ${SUBSCRIBERS} subscribers, after a warm-up; default buffers (1,024, block).`,
    `Draining in batches of ${BATCH}, as the array and EventEmitter baselines do; the \`for await\` row pays a promise per delivery per consumer.`,
    'Second table: publish cost to an unmatched topic stays flat as subscriptions grow; a per-publish scan over pre-split patterns grows linearly.',
  ],
);
