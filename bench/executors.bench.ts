// How fast are Braid's thread and process pools next to piscina, tinypool, workerpool and bare postMessage/fork, on this machine?
// Braid is measured as built (`npm run build` first); every contender runs the same plain-JS task module, bench/fixtures/tasks.mjs.
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { braid } from './executors-braid.js';
import { bareCountdownWorkers, echoChild, echoWorker, piscina, tinypool, workerpoolPool, type Contender, type Pool } from './executors-contenders.js';
import { fmt, median, quantile, report, table } from './report.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TRIVIAL_TASKS = 40_000;
const IN_FLIGHT = 256;
const PROCESS_TASKS = 20_000;
const LATENCY_SAMPLES = 3_000;
// The seed's countdown(50_000_000) is only ~40 ms of work here, too short for a stable speed-up; count 20× more.
const COUNTDOWN = Number(process.env.BENCH_COUNTDOWN ?? 1_000_000_000);

/** The 1-minute load average: on a shared 2-core machine, anything near 2 or above skews every figure. */
const load = () => `load average ${loadavg()[0]!.toFixed(2)} when the section ended`;

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** Tasks per second for `total` trivial tasks with `inFlight` outstanding at any time. */
async function throughput(pool: Pool, total: number, inFlight: number): Promise<number> {
  let issued = 0;
  const lane = async () => {
    while (issued < total) {
      issued++;
      const sum = await pool.add(issued, 1);
      if (typeof sum !== 'number') throw new Error(`add returned ${String(sum)}`);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, lane));
  return total / ((performance.now() - started) / 1000);
}

/** Each round measures every contender once, in turn, so drift in the machine's load hits them alike. */
async function compareThroughput(contenders: readonly Contender[], total: number): Promise<Map<string, number>> {
  const pools = new Map<string, Pool>();
  for (const c of contenders) pools.set(c.name, await c.start(2));
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (const pool of pools.values()) await throughput(pool, Math.min(total, 5_000), IN_FLIGHT);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, pool] of pools) samples.get(name)!.push(await throughput(pool, total, IN_FLIGHT));
  }
  for (const pool of pools.values()) await pool.close();
  return new Map([...samples].map(([name, values]) => [name, median(values)]));
}

function throughputTable(results: Map<string, number>, reference: string): string {
  const ref = results.get(reference)!;
  return table(
    ['pool (2 workers, 256 in flight)', 'tasks/s (median)', `vs ${reference}`],
    [...results].map(([name, value]) => [name, fmt(value), `${fmt(value / ref, 2)}×`]),
  );
}

async function latency(): Promise<void> {
  const braidPool = await braid.thread.start(1);
  const echo = await echoWorker();
  const p50s = { braid: [] as number[], echo: [] as number[] };
  const p99s = { braid: [] as number[], echo: [] as number[] };
  for (let i = 0; i < 1_000; i++) {
    await braidPool.add(i, 1);
    await echo.echo(i);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const who of ['braid', 'echo'] as const) {
      const times: number[] = [];
      for (let i = 0; i < LATENCY_SAMPLES; i++) {
        const t0 = performance.now();
        if (who === 'braid') await braidPool.add(i, 1);
        else await echo.echo(i);
        times.push((performance.now() - t0) * 1000);
      }
      p50s[who].push(quantile(times, 0.5));
      p99s[who].push(quantile(times, 0.99));
    }
  }
  await braidPool.close();
  await echo.close();
  const b50 = median(p50s.braid);
  const e50 = median(p50s.echo);
  const b99 = median(p99s.braid);
  const e99 = median(p99s.echo);
  report(
    'executors: round-trip latency, one task in flight',
    table(
      ['path', 'p50 µs', 'p99 µs'],
      [
        ['Braid thread, add(a, b)', fmt(b50, 1), fmt(b99, 1)],
        ['bare postMessage echo worker', fmt(e50, 1), fmt(e99, 1)],
        ['ratio Braid / bare', `${fmt(b50 / e50, 2)}×`, `${fmt(b99 / e99, 2)}×`],
      ],
    ),
    [`${LATENCY_SAMPLES} sequential calls per round, median of ${ROUNDS} rounds' p50/p99`, 'target: p50 ≤ 1.1× the bare echo', load()],
  );
}

async function countdownSpeedup(): Promise<void> {
  const thread = await braid.thread.start(2);
  const proc = await braid.process.start(2);
  const bare = await bareCountdownWorkers();
  const samples = { one: [] as number[], twoThreads: [] as number[], twoProcesses: [] as number[], bareOne: [] as number[], bareTwo: [] as number[] };
  const time = async (fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  };
  const half = COUNTDOWN / 2;
  for (let round = 0; round < ROUNDS; round++) {
    samples.one.push(await time(() => thread.countdown(COUNTDOWN)));
    samples.twoThreads.push(await time(() => Promise.all([thread.countdown(half), thread.countdown(half)])));
    samples.twoProcesses.push(await time(() => Promise.all([proc.countdown(half), proc.countdown(half)])));
    samples.bareOne.push(await time(() => bare.countdown(0, COUNTDOWN)));
    samples.bareTwo.push(await time(() => Promise.all([bare.countdown(0, half), bare.countdown(1, half)])));
  }
  await thread.close();
  await proc.close();
  await bare.close();
  const base = median(samples.one);
  const bareBase = median(samples.bareOne);
  const row = (how: string, ms: number, vs: number) => [how, fmt(ms), `${fmt(vs / ms, 2)}×`];
  report(
    `executors: countdown(${fmt(COUNTDOWN)}) split over 2 cores`,
    table(
      ['how', 'ms (median)', 'speed-up vs one thread'],
      [
        row('one Braid thread', base, base),
        row('two halves on 2 Braid threads', median(samples.twoThreads), base),
        row('two halves on 2 Braid processes', median(samples.twoProcesses), base),
        row('one bare worker thread (no pool)', bareBase, bareBase),
        row('two halves on 2 bare worker threads: the machine\'s ceiling', median(samples.bareTwo), bareBase),
      ],
    ),
    [`${availableParallelism()} cores; target ≥ 1.85× (Python threads: 1.1×); the bare rows show what the machine allowed in this run`, load()],
  );
}

/** RSS of the processes whose parent is us, from /proc (Linux only), in bytes. */
function childrenRss(): number {
  let total = 0;
  for (const task of readdirSync('/proc/self/task')) {
    const children = readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim();
    if (children === '') continue;
    for (const pid of children.split(/\s+/)) {
      try {
        const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        if (match) total += Number(match[1]) * 1024;
      } catch {
        // The child exited between the two reads.
      }
    }
  }
  return total;
}

async function settledRss(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  gc();
  await new Promise((resolve) => setTimeout(resolve, 100));
  return process.memoryUsage().rss;
}

async function startupAndMemory(): Promise<void> {
  const rows: string[][] = [];
  const startups = { braidThread: [] as number[], bareThread: [] as number[], braidProcess: [] as number[], bareFork: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    let t0 = performance.now();
    const t = await braid.thread.startCold();
    startups.braidThread.push(performance.now() - t0);
    await t.close();
    const echo = await echoWorker();
    startups.bareThread.push(echo.started);
    await echo.close();
    t0 = performance.now();
    const p = await braid.process.startCold();
    startups.braidProcess.push(performance.now() - t0);
    await p.close();
    const child = await echoChild();
    startups.bareFork.push(child.started);
    await child.close();
  }
  rows.push(['Braid thread: runtime() → first task result', fmt(median(startups.braidThread), 1), '']);
  rows.push(['bare `new Worker` → first echo', fmt(median(startups.bareThread), 1), '']);
  rows.push(['Braid process: runtime() → first task result', fmt(median(startups.braidProcess), 1), '']);
  rows.push(['bare `fork` → first echo', fmt(median(startups.bareFork), 1), '']);

  const WORKERS = 4;
  let before = await settledRss();
  const threads = await braid.thread.start(WORKERS);
  const braidThreadRss = ((await settledRss()) - before) / WORKERS;
  await threads.close();
  before = await settledRss();
  const echoes = await Promise.all(Array.from({ length: WORKERS }, () => echoWorker()));
  const bareThreadRss = ((await settledRss()) - before) / WORKERS;
  await Promise.all(echoes.map((e) => e.close()));

  const procs = await braid.process.start(WORKERS);
  await settledRss();
  const braidProcessRss = childrenRss() / WORKERS;
  await procs.close();
  const children = await Promise.all(Array.from({ length: WORKERS }, () => echoChild()));
  await settledRss();
  const bareChildRss = childrenRss() / WORKERS;
  await Promise.all(children.map((c) => c.close()));

  const mb = (bytes: number) => fmt(bytes / 2 ** 20, 1);
  rows.push(['Braid idle thread: host RSS delta per thread', '', mb(braidThreadRss)]);
  rows.push(['bare idle `Worker`: host RSS delta per thread', '', mb(bareThreadRss)]);
  rows.push(['Braid idle process: child VmRSS', '', mb(braidProcessRss)]);
  rows.push(['bare forked child: child VmRSS', '', mb(bareChildRss)]);
  report('executors: worker start-up and idle memory', table(['what', 'start ms (median)', 'MB per worker'], rows), [
    `start-up: median of ${ROUNDS}; memory: ${WORKERS} workers after one task each, RSS after gc`,
    'Braid (built dist) and the bare baselines run plain JavaScript workers: no tsx in any worker or child',
    load(),
  ]);
}

const only = process.env.BENCH_ONLY?.split(',');
const want = (part: string) => only === undefined || only.includes(part);

if (want('threads')) {
  const results = await compareThroughput(
    [
      braid.thread,
      piscina('piscina (default)'),
      piscina('piscina (concurrentTasksPerWorker 16)', { concurrentTasksPerWorker: 16 }),
      piscina('piscina (concurrentTasksPerWorker 16, atomics disabled)', { concurrentTasksPerWorker: 16, atomics: 'disabled' }),
      tinypool('tinypool (default)'),
      tinypool('tinypool (concurrentTasksPerWorker 16)', { concurrentTasksPerWorker: 16 }),
      workerpoolPool('workerpool (threads)', 'thread'),
    ],
    TRIVIAL_TASKS,
  );
  const piscinaBest = Math.max(...[...results].filter(([n]) => n.startsWith('piscina')).map(([, v]) => v));
  const braidValue = results.get(braid.thread.name)!;
  report('executors: trivial task throughput on threads', throughputTable(results, braid.thread.name), [
    `${fmt(TRIVIAL_TASKS)} tasks \`(a, b) => a + b\` per round, median of ${ROUNDS} rounds, contenders interleaved`,
    `Braid / piscina's best: ${fmt(braidValue / piscinaBest, 2)}× (target ≥ 2×)`,
    load(),
  ]);
}
if (want('latency')) await latency();
if (want('processes')) {
  const results = await compareThroughput([braid.process, workerpoolPool('workerpool (workerType process)', 'process')], PROCESS_TASKS);
  const ratio = results.get(braid.process.name)! / results.get('workerpool (workerType process)')!;
  report('executors: trivial task throughput on processes', throughputTable(results, braid.process.name), [
    `${fmt(PROCESS_TASKS)} tasks per round, median of ${ROUNDS} rounds`,
    `Braid / workerpool: ${fmt(ratio, 2)}× (target ≥ 2×)`,
    load(),
  ]);
}
if (want('countdown')) await countdownSpeedup();
if (want('startup')) await startupAndMemory();
