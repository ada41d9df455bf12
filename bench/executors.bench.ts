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
const LATENCY_BLOCK = 250;
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

/** A contender in the latency section: one call is one round trip. */
interface RoundTrip {
  call(i: number): Promise<unknown>;
}

/** p50 and p99 (µs) of each contender, and the median over blocks of contender k's block p50 / contender 0's. */
interface RoundTripStats {
  p50: number[];
  p99: number[];
  blockRatio: number[];
}

/**
 * Sequential round trips, one in flight, for contenders compared with each other. They take turns
 * in blocks of LATENCY_BLOCK calls (who goes first alternates by round) rather than a whole round
 * each, so that all of them sample the machine in the same state. Each block starts with one
 * untimed call, which finds the worker idle for as long as the other blocks took. The warm-up is
 * long enough for V8 to have compiled the hot paths on both sides (its background compiles
 * otherwise compete for the two cores during the first round).
 */
async function roundTrips(contenders: readonly RoundTrip[]): Promise<RoundTripStats> {
  for (let i = 0; i < 3_000; i++) for (const c of contenders) await c.call(i);
  const p50s = contenders.map(() => [] as number[]);
  const p99s = contenders.map(() => [] as number[]);
  const ratios = contenders.map(() => [] as number[]);
  const order = contenders.map((_, k) => k);
  for (let round = 0; round < ROUNDS; round++) {
    const times = contenders.map(() => [] as number[]);
    for (let done = 0; done < LATENCY_SAMPLES; done += LATENCY_BLOCK) {
      const blockP50: number[] = [];
      for (const k of round % 2 === 0 ? order : [...order].reverse()) {
        const c = contenders[k]!;
        const block: number[] = [];
        await c.call(-1);
        for (let i = 0; i < LATENCY_BLOCK; i++) {
          const t0 = performance.now();
          await c.call(i);
          block.push((performance.now() - t0) * 1000);
        }
        times[k]!.push(...block);
        blockP50[k] = quantile(block, 0.5);
      }
      for (let k = 0; k < contenders.length; k++) ratios[k]!.push(blockP50[k]! / blockP50[0]!);
    }
    for (let k = 0; k < contenders.length; k++) {
      p50s[k]!.push(quantile(times[k]!, 0.5));
      p99s[k]!.push(quantile(times[k]!, 0.99));
    }
  }
  return { p50: p50s.map(median), p99: p99s.map(median), blockRatio: ratios.map(median) };
}

/**
 * On this 2-vCPU VM a round trip costs 15-20 µs when the worker thread last ran on the caller's
 * vCPU (the wake-up is a context switch) and 50-90 µs, at times 400, when it sits on the other
 * one (waking a halted vCPU goes through the hypervisor). The scheduler places each worker thread
 * on its own, and Braid's mostly landed on the other vCPU while a bare echo worker started next
 * to it shared the caller's: that echo was placement luck (the same code measured 1.4× and 5.1×
 * minutes apart, 3.7× even in alternating blocks). So the baseline is a bare MessagePort echo
 * served by Braid's own worker thread: the same two threads, wherever they are, so the ratio is
 * what Braid adds. The echo worker of its own stays as a row, to show the placement effect.
 * Processes have no such twin: the bare child is placed independently of Braid's.
 */
async function latency(): Promise<void> {
  const thread = await braid.thread.start(1);
  const sameThreads = await thread.portEcho();
  const echo = await echoWorker();
  const threads = await roundTrips([{ call: (i) => sameThreads.echo(i) }, { call: (i) => thread.add(i, 1) }, { call: (i) => echo.echo(i) }]);
  sameThreads.close();
  await thread.close();
  await echo.close();
  const proc = await braid.process.start(1);
  const child = await echoChild();
  const processes = await roundTrips([{ call: (i) => child.echo(i) }, { call: (i) => proc.add(i, 1) }]);
  await proc.close();
  await child.close();
  const us = (n: number) => fmt(n, 1);
  const ratio = (a: number, b: number) => `${fmt(a / b, 2)}×`;
  report(
    'executors: round-trip latency, one task in flight',
    table(
      ['path', 'p50 µs', 'p99 µs'],
      [
        ['Braid thread, add(a, b)', us(threads.p50[1]!), us(threads.p99[1]!)],
        ['bare postMessage echo, served by that same Braid worker thread', us(threads.p50[0]!), us(threads.p99[0]!)],
        ['ratio Braid / bare (threads)', ratio(threads.p50[1]!, threads.p50[0]!), ratio(threads.p99[1]!, threads.p99[0]!)],
        ['bare postMessage echo worker, a thread of its own (placed independently)', us(threads.p50[2]!), us(threads.p99[2]!)],
        ['Braid process, add(a, b)', us(processes.p50[1]!), us(processes.p99[1]!)],
        ['bare fork IPC echo child (advanced serialization)', us(processes.p50[0]!), us(processes.p99[0]!)],
        ['ratio Braid / bare (processes)', ratio(processes.p50[1]!, processes.p50[0]!), ratio(processes.p99[1]!, processes.p99[0]!)],
      ],
    ),
    [
      `${fmt(LATENCY_SAMPLES)} sequential calls per contender per round, contenders taking turns in blocks of ${LATENCY_BLOCK}; median of ${ROUNDS} rounds' p50/p99`,
      `median over blocks of Braid's block p50 / the bare block's beside it: threads ${fmt(threads.blockRatio[1]!, 2)}×, processes ${fmt(processes.blockRatio[1]!, 2)}×`,
      "the thread baseline runs on the same two threads as Braid (see latency() in the bench); the process baseline is a child of its own, placed independently of Braid's",
      'target: p50 ≤ 1.1× the bare echo',
      load(),
    ],
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
