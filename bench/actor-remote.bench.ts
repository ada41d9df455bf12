// Question: what does an actor's ask round trip and send stream cost on the loop, a thread and a process, against bare postMessage / fork IPC echoes and comedy's actors?
// Braid is measured as built (`npm run build` first); its actors and comedy's are the same echo behaviour.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { runtime, type ActorRef } from 'braid';
import { fmt, median, quantile, report, table } from './report.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ASKS = 3_000;
const SENDS = 20_000;
const ACTORS = new URL('./fixtures/actors.mjs', import.meta.url);
const require = createRequire(import.meta.url);

/** One contender: a round trip, a stream of one-way messages (resolved when all were handled), and close. */
interface Contender {
  name: string;
  ask(value: number): Promise<unknown>;
  /** Sends `n` messages one way and resolves once the other side has handled them all. */
  stream(n: number): Promise<void>;
  close(): Promise<void>;
}

async function braidActor(on: 'loop' | 'thread' | 'process'): Promise<Contender> {
  const rt = runtime({ threads: 1, processes: 1 });
  const ref = rt.actor(ACTORS, 'echo', { on }) as ActorRef<number | 'count', unknown>;
  await ref.ask(0, { timeout: 30_000 });
  let sent = 0;
  return {
    name: `Braid actor on ${on}`,
    ask: (value) => ref.ask(value),
    async stream(n) {
      for (let i = 0; i < n; i++) await ref.send(i);
      sent += n;
      const handled = (await ref.ask('count', { timeout: 30_000 })) as number;
      if (handled < sent) throw new Error(`lost messages: ${handled} < ${sent}`);
    },
    close: async () => {
      await ref.stop();
      await rt.close();
    },
  };
}

/** A bare echo over one channel: `post` sends one message; every echo counts, so a stream knows when all came back. */
function bareContender(name: string, post: (value: number) => void, onMessage: (listener: () => void) => void, close: () => Promise<void>): Contender {
  let received = 0;
  let waiting: { until: number; resolve: () => void } | undefined;
  onMessage(() => {
    received++;
    if (waiting !== undefined && received >= waiting.until) {
      const { resolve } = waiting;
      waiting = undefined;
      resolve();
    }
  });
  const expect = (n: number) => new Promise<void>((resolve) => (waiting = { until: received + n, resolve }));
  return {
    name,
    ask(value) {
      const back = expect(1);
      post(value);
      return back;
    },
    // One message per post, as many as fit before the first echo returns: the unbatched floor.
    stream(n) {
      const back = expect(n);
      for (let i = 0; i < n; i++) post(i);
      return back;
    },
    close,
  };
}

async function bareThread(): Promise<Contender> {
  const worker = new Worker(new URL('./fixtures/echo-worker.mjs', import.meta.url));
  const c = bareContender('bare postMessage echo (thread)', (v) => worker.postMessage(v), (l) => worker.on('message', l), async () => void (await worker.terminate()));
  await c.ask(0);
  return c;
}

async function bareProcess(): Promise<Contender> {
  const child = fork(fileURLToPath(new URL('./fixtures/echo-child.mjs', import.meta.url)), [], { stdio: 'ignore', serialization: 'advanced', execArgv: [] });
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const c = bareContender('bare fork IPC echo (process, advanced serialization)', (v) => child.send(v), (l) => child.on('message', l), async () => {
    child.kill();
    await gone;
  });
  await c.ask(0);
  return c;
}

interface ComedyActor {
  sendAndReceive(topic: string, msg?: unknown): Promise<unknown>;
  send(topic: string, msg?: unknown): Promise<void>;
}

async function comedy(mode: 'in-memory' | 'threaded' | 'forked'): Promise<Contender> {
  const actors = require('comedy') as (options: object) => { rootActor(): Promise<{ createChild(path: string, options: object): Promise<ComedyActor> }>; destroy(): Promise<void> };
  const system = actors({ log: { level: 0 }, test: true });
  const root = await system.rootActor();
  // comedy resolves module paths from the application root (this package).
  const ref = await root.createChild('/bench/fixtures/comedy-echo.cjs', { mode });
  await ref.sendAndReceive('echo', 0);
  let sent = 0;
  return {
    name: `comedy actor, ${mode}`,
    ask: (value) => ref.sendAndReceive('echo', value),
    async stream(n) {
      for (let i = 0; i < n; i++) await ref.send('echo', i);
      sent += n;
      const handled = (await ref.sendAndReceive('count')) as number;
      if (handled < sent) throw new Error(`comedy lost messages: ${handled} < ${sent}`);
    },
    close: () => system.destroy(),
  };
}

async function latencies(c: Contender): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < ASKS; i++) {
    const t0 = performance.now();
    await c.ask(i);
    out.push((performance.now() - t0) * 1000);
  }
  return out;
}

async function throughput(c: Contender): Promise<number> {
  const t0 = performance.now();
  await c.stream(SENDS);
  return SENDS / ((performance.now() - t0) / 1000);
}

const makers: (() => Promise<Contender>)[] = [
  bareThread,
  bareProcess,
  () => braidActor('loop'),
  () => braidActor('thread'),
  () => braidActor('process'),
  () => comedy('in-memory'),
  () => comedy('threaded'),
  () => comedy('forked'),
];
const contenders: Contender[] = [];
for (const make of makers) contenders.push(await make());
// Warm-up: every path compiled and every worker settled before anything is timed.
for (const c of contenders) {
  await latencies(c);
  await c.stream(2_000);
}

const p50s = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
const p99s = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
const rates = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
// Rounds interleave the contenders, so drift in the machine's load hits them alike.
for (let round = 0; round < ROUNDS; round++) {
  for (const c of contenders) {
    const l = await latencies(c);
    p50s.get(c.name)!.push(quantile(l, 0.5));
    p99s.get(c.name)!.push(quantile(l, 0.99));
    rates.get(c.name)!.push(await throughput(c));
  }
}
for (const c of contenders) await c.close();

const row = (name: string) => [median(p50s.get(name)!), median(p99s.get(name)!), median(rates.get(name)!)] as const;
const bareThreadP50 = row(contenders[0]!.name)[0];
const bareProcessP50 = row(contenders[1]!.name)[0];
const rows = contenders.map((c) => {
  const [p50, p99, rate] = row(c.name);
  const base = c.name.includes('process') || c.name.includes('forked') ? bareProcessP50 : bareThreadP50;
  return [c.name, fmt(p50, 1), fmt(p99, 1), c.name.includes('loop') || c.name.includes('in-memory') ? '—' : `${fmt(p50 / base, 2)}×`, fmt(rate)];
});
const p50 = (name: string) => row(name)[0];
report(
  'Actors across placements: ask round trip and send stream, against bare echoes and comedy',
  table(['path', 'ask p50 µs', 'ask p99 µs', 'p50 vs bare echo', 'send stream msg/s'], rows),
  [
    `${ASKS} sequential asks and ${fmt(SENDS)} awaited sends per round, ${ROUNDS} interleaved rounds, medians of the rounds' p50/p99/rate; the bare rows stream one message per post`,
    `Braid thread / comedy threaded ask p50: ${fmt(p50('comedy actor, threaded') / p50('Braid actor on thread'), 2)}× faster; Braid process / comedy forked: ${fmt(p50('comedy actor, forked') / p50('Braid actor on process'), 2)}× faster; Braid loop / comedy in-memory: ${fmt(p50('comedy actor, in-memory') / p50('Braid actor on loop'), 2)}× faster`,
    `load average ${loadavg()[0]!.toFixed(2)} when the section ended`,
  ],
);
// comedy's threaded mode leaves a MessagePort referenced after destroy(), which would keep this process
// (and the bench lock it holds) alive forever.
process.exit(0);
