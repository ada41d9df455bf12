// Question: how many messages/s does Bus fan-out from the host deliver to subscribers in 2 threads and 2 processes, against bare postMessage / fork IPC fan-out of the same messages?
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Bus } from '../src/communication/bus.js';
import { SUBSCRIPTION_WINDOW } from '../src/communication/remote/remote-bus.js';
import { runtime } from '../src/executors/runtime.js';
import type { Counted } from './bus-remote-tasks.js';
import { fmt, median, report, table } from './report.js';

const RUNS = Number(process.env.BRAID_BENCH_RUNS ?? 7);
const MESSAGES = Number(process.env.BRAID_BENCH_N ?? 20_000);
const BATCH = 512;
const TASKS = new URL('./bus-remote-tasks.ts', import.meta.url);
const EXPECTED_SUM = (MESSAGES * (MESSAGES - 1)) / 2;

type Placement = 'thread' | 'process';

interface Shape {
  readonly name: string;
  readonly workers: readonly Placement[];
}

const SHAPES: readonly Shape[] = [
  { name: '2 threads + 2 processes', workers: ['thread', 'thread', 'process', 'process'] },
  { name: '2 threads', workers: ['thread', 'thread'] },
  { name: '2 processes', workers: ['process', 'process'] },
];

interface Contender {
  readonly name: string;
  /** Deliveries per second: MESSAGES published once, each delivered to every worker of `shape`. */
  run(shape: Shape): Promise<number>;
  close(): Promise<void>;
}

const message = (seq: number) => ({ seq, kind: 'created' });

function rate(deliveries: number, start: number): number {
  return deliveries / ((performance.now() - start) / 1000);
}

function check(results: readonly { seen: number; sum: number }[], who: string): void {
  for (const r of results) {
    if (r.seen !== MESSAGES || r.sum !== EXPECTED_SUM) throw new Error(`${who}: a subscriber saw ${r.seen} messages (sum ${r.sum}), expected ${MESSAGES} (sum ${EXPECTED_SUM})`);
  }
}

// ─── Braid: a Bus on the host, one subscriber task per worker ────────────────────────────────────

function braidBus(): Contender {
  const rt = runtime({ threads: 2, processes: 2, idleTimeout: Infinity });
  let started = false;
  /** Both workers of each pool live and ready, so the subscriber tasks go one per worker (idle workers first). */
  const startWorkers = async () => {
    for (const on of ['thread', 'process'] as const) {
      for (let attempt = 0; ; attempt++) {
        const at = await Promise.all([0, 1].map(() => rt.run<string>(TASKS, 'where', [50, on], { on })));
        if (new Set(at).size === 2) break;
        if (attempt === 50) throw new Error(`the ${on} pool did not start 2 workers`);
      }
    }
    started = true;
  };
  return {
    name: 'braid Bus: await publish() on the host, `for await` in each worker',
    async run(shape) {
      if (!started) await startWorkers();
      const bus = new Bus<Record<string, { seq: number; kind: string }>>();
      const control = new Bus();
      const ready = control.subscribe('ready.*');
      const runs = shape.workers.map((on, i) => rt.run<Counted>(TASKS, 'count', [bus, control, `s${i}`, MESSAGES, on], { on }));
      for (let i = 0; i < runs.length; i++) await ready.receive({ timeout: 60_000 });
      const start = performance.now();
      for (let seq = 0; seq < MESSAGES; seq++) await bus.publish('ticks.eu', message(seq));
      const results = await Promise.all(runs);
      const r = rate(MESSAGES * runs.length, start);
      check(results, 'braid');
      if (new Set(results.map((x) => x.where)).size !== runs.length) throw new Error(`subscribers shared a worker: ${results.map((x) => x.where).join(', ')}`);
      bus.close();
      control.close();
      return r;
    },
    close: () => rt.close(),
  };
}

// ─── Baselines: bare worker threads and child processes counting what they are posted ───────────

// The same sink for both: `{ expect }` starts a round; it answers `{ seen, sum }` once it has them all.
const SINK = `
const { parentPort } = require('node:worker_threads');
const send = parentPort ? (v) => parentPort.postMessage(v) : (v) => process.send(v);
let expect = -1, seen = 0, sum = 0;
const take = (m) => { seen++; sum += m.seq; };
const on = (m) => {
  if (!Array.isArray(m) && m.expect !== undefined) { expect = m.expect; seen = 0; sum = 0; return; }
  if (Array.isArray(m)) for (const x of m) take(x); else take(m);
  if (seen === expect) send({ seen, sum });
};
if (parentPort) parentPort.on('message', on); else process.on('message', on);
`;

interface Sink {
  post(value: unknown): void;
  /** The next answer. */
  next(): Promise<{ seen: number; sum: number }>;
  close(): Promise<void>;
}

function threadSink(): Sink {
  const worker = new Worker(SINK, { eval: true });
  let waiting: ((v: { seen: number; sum: number }) => void) | undefined;
  worker.on('message', (v: { seen: number; sum: number }) => waiting?.(v));
  return {
    post: (value) => worker.postMessage(value),
    next: () => new Promise((resolve) => (waiting = resolve)),
    close: async () => {
      await worker.terminate();
    },
  };
}

function processSink(): Sink {
  // Structured-clone IPC, as Braid's process pool uses.
  const child: ChildProcess = spawn(process.execPath, ['-e', SINK], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced' });
  let waiting: ((v: { seen: number; sum: number }) => void) | undefined;
  child.on('message', (v: { seen: number; sum: number }) => waiting?.(v));
  return {
    post: (value) => child.send(value as never),
    next: () => new Promise((resolve) => (waiting = resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

function bare(batched: boolean): Contender {
  const sinks = { thread: [threadSink(), threadSink()], process: [processSink(), processSink()] };
  return {
    name: batched ? `baseline: bare postMessage / process.send, batches of ${BATCH}` : 'baseline: bare postMessage / process.send, one message per post',
    async run(shape) {
      const used = { thread: 0, process: 0 };
      const targets = shape.workers.map((on) => sinks[on][used[on]++]!);
      const answers = targets.map((s) => s.next());
      const start = performance.now();
      for (const s of targets) s.post({ expect: MESSAGES });
      if (batched) {
        let batch: unknown[] = [];
        for (let seq = 0; seq < MESSAGES; seq++) {
          batch.push(message(seq));
          if (batch.length === BATCH || seq === MESSAGES - 1) {
            for (const s of targets) s.post(batch);
            batch = [];
          }
        }
      } else {
        for (let seq = 0; seq < MESSAGES; seq++) {
          const m = message(seq);
          for (const s of targets) s.post(m);
        }
      }
      const results = await Promise.all(answers);
      const r = rate(MESSAGES * targets.length, start);
      check(results, 'bare');
      return r;
    },
    async close() {
      await Promise.all([...sinks.thread, ...sinks.process].map((s) => s.close()));
    },
  };
}

// ─── Rounds ──────────────────────────────────────────────────────────────────────────────────────

const contenders = [braidBus(), bare(false), bare(true)];
const key = (c: Contender, s: Shape) => `${c.name}|${s.name}`;
const samples = new Map<string, number[]>();
for (const c of contenders) for (const s of SHAPES) samples.set(key(c, s), []);
// Warm-up: starts every worker, loads the task module, lets the JIT settle.
for (const c of contenders) for (const s of SHAPES) await c.run(s);
for (let run = 0; run < RUNS; run++) {
  const order = run % 2 === 0 ? contenders : [...contenders].reverse();
  for (const s of SHAPES) for (const c of order) samples.get(key(c, s))!.push(await c.run(s));
}
const load = loadavg()[0]!;
for (const c of contenders) await c.close();

const perMessage = contenders[1]!;
const rows = contenders.map((c) => [
  c.name,
  ...SHAPES.map((s) => fmt(median(samples.get(key(c, s))!))),
  `${fmt(median(samples.get(key(c, SHAPES[0]!))!) / median(samples.get(key(perMessage, SHAPES[0]!))!), 2)}×`,
]);
report(
  'Bus across workers: fan-out of host publishes to subscribers in 2 threads and 2 processes',
  table(['path', ...SHAPES.map((s) => `${s.name}: deliveries/s (p50)`), 'vs one message per post (2 + 2)'], rows),
  [
    `${RUNS} interleaved rounds of ${fmt(MESSAGES)} messages (\`{ seq, kind }\`), each delivered to every subscriber, after a warm-up round; deliveries/s = messages × subscribers / time from the first publish to the last subscriber's result.`,
    `Braid: one \`Bus\` on the host handed to one task per worker (\`rt.run(url, 'count', [bus, …], { on })\`); each task subscribes to \`ticks.>\` (default buffer 1,024, block) and reads with \`for await\`; the host awaits every publish. Messages cross as forwarded subscriptions under a credit window of ${SUBSCRIPTION_WINDOW}, batched by the link; timing starts once every subscription is ready.`,
    `Baselines: the same messages posted by hand to bare workers (an eval'd worker thread, a child spawned with structured-clone IPC) that only count them; no backpressure, no topics. The batched row packs ${BATCH} messages per post, as a hand-rolled protocol would.`,
    `1-minute load average ${load.toFixed(2)} when the rounds ended (2 shared cores: figures above ~2 are skewed).`,
  ],
);
