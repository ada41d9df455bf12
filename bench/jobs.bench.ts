// Question: how fast does Braid's task service accept, start and complete durable tasks, against BullMQ (Redis) and pg-boss (PostgreSQL), and how soon does a SIGKILLed task run again?
// 1. Drain: a backlog of N trivial tasks is stored first, then one worker/service drains it (tasks/s).
// 2. End to end: 64 concurrent clients create N trivial tasks (each awaits its create, like HTTP handlers) while the
//    worker runs; time until all completed (created and completed per second). Braid also over HTTP (its `serve`).
// 3. Create→start latency with an idle worker, one task at a time (p50/p99).
// 4. SIGKILL of the process running a task → that task running again (Braid; peers' figures from their defaults).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { runtime } from '../src/executors/index.js';
import { serve, SqliteTaskStore, TaskService } from '../src/jobs/index.js';
import { probe } from './fixtures/jobs-tasks.ts';
import { fmt, quantile, report, table } from './report.ts';

const N = Number(process.env.BRAID_BENCH_N ?? 20_000);
const E2E_N = Number(process.env.BRAID_BENCH_E2E_N ?? 10_000);
const LATENCY_N = Number(process.env.BRAID_BENCH_LATENCY_N ?? 200);
const CLIENTS = 64;
const CONCURRENCY = 64;
// pg-boss paces each worker to one fetch per polling interval (0.5 s at least) unless notified, so its
// throughput is about workers × batchSize / 0.5 s: a large batch is its fast configuration.
const PGBOSS_WORKERS = 4;
const PGBOSS_BATCH = 500;
const TASKS = new URL('./fixtures/jobs-tasks.ts', import.meta.url);
const SERVER = fileURLToPath(new URL('../src/jobs/service/fixtures/service-process.ts', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'braid-jobs-bench-'));
let fileNo = 0;
const nextDb = () => join(dir, `bench-${++fileNo}.db`);

interface Row {
  name: string;
  drain?: number;
  e2e?: number;
  p50?: number;
  p99?: number;
  note?: string;
}
const rows: Row[] = [];
const notes: string[] = [];

/** Runs `fn` for each of `n` items with `clients` concurrent callers. */
async function clients(n: number, count: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: count }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

async function until(check: () => boolean | Promise<boolean>, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await delay(2);
  }
}

const now = () => performance.timeOrigin + performance.now();

function completed(service: TaskService, type: string): number {
  return service.durations().find((d) => d.type === type && d.phase === 'run')?.count ?? 0;
}

/** Stores a backlog of N trivial tasks, then times one service draining it (tasks/s). */
async function braidDrain(synchronous: 'full' | 'normal', claimAheadMs?: number): Promise<number> {
  const db = nextDb();
  const store = await SqliteTaskStore.open(db, { synchronous });
  await clients(N, CLIENTS, () => store.createTask({ type: 'noop' }));
  await store.close();
  const started = performance.now();
  const service = await TaskService.open({
    tasks: TASKS,
    db,
    synchronous,
    workerConcurrency: CONCURRENCY,
    retention: false,
    ...(claimAheadMs === undefined ? {} : { claimAheadMs }),
  });
  await until(() => completed(service, 'noop') >= N);
  const drain = N / ((performance.now() - started) / 1000);
  await service.close();
  return drain;
}

async function braid(synchronous: 'full' | 'normal'): Promise<Row> {
  const drain = await braidDrain(synchronous);

  // End to end: create while running.
  const e2eService = await TaskService.open({ tasks: TASKS, db: nextDb(), synchronous, workerConcurrency: CONCURRENCY, retention: false });
  const t0 = performance.now();
  await clients(E2E_N, CLIENTS, () => e2eService.create('noop', null));
  await until(() => completed(e2eService, 'noop') >= E2E_N);
  const e2e = E2E_N / ((performance.now() - t0) / 1000);

  // Create → start with an idle service (loop placement).
  const lat: number[] = [];
  for (let i = 0; i < LATENCY_N + 20; i++) {
    const startedAt = new Promise<number>((resolve) => (probe.onStart = resolve));
    const at = now();
    await e2eService.create('stamp', null);
    const ms = (await startedAt) - at;
    if (i >= 20) lat.push(ms);
    await until(() => completed(e2eService, 'stamp') >= i + 1);
  }
  await e2eService.close();
  return { name: `Braid TaskService, SQLite synchronous=${synchronous}`, drain, e2e, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99) };
}

async function braidThreadLatency(): Promise<Row> {
  const rt = runtime({ threads: 1 });
  let onStart: (at: number) => void = () => {};
  rt.expose('started', (at: number) => onStart(at));
  const service = await TaskService.open({ tasks: TASKS, db: nextDb(), runtime: rt, retention: false });
  const lat: number[] = [];
  for (let i = 0; i < LATENCY_N + 20; i++) {
    const startedAt = new Promise<number>((resolve) => (onStart = resolve));
    const at = now();
    const { task } = await service.create('stamp-thread', null);
    const ms = (await startedAt) - at;
    if (i >= 20) lat.push(ms);
    await until(async () => (await service.get(task.id))?.status === 'succeeded');
  }
  await service.close();
  await rt.close();
  return { name: 'Braid TaskService, task on a worker thread (latency only)', p50: quantile(lat, 0.5), p99: quantile(lat, 0.99) };
}

async function braidHttp(): Promise<Row> {
  const service = await TaskService.open({ tasks: TASKS, db: nextDb(), workerConcurrency: CONCURRENCY, retention: false });
  const server = await serve(service, { port: 0 });
  const n = Math.min(E2E_N, 5_000);
  const t0 = performance.now();
  await clients(n, CLIENTS, async () => {
    const response = await fetch(`${server.url}/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"noop","input":null}' });
    if (response.status !== 202) throw new Error(`POST /tasks answered ${response.status}`);
    await response.arrayBuffer();
  });
  const created = n / ((performance.now() - t0) / 1000);
  await until(() => completed(service, 'noop') >= n);
  const e2e = n / ((performance.now() - t0) / 1000);
  await server.close();
  await service.close();
  notes.push(`Braid over HTTP (POST /tasks with fetch, ${CLIENTS} clients, ${fmt(n)} tasks, synchronous=full): ${fmt(created)} created/s, ${fmt(e2e)} created+completed/s.`);
  return { name: 'Braid over HTTP (POST /tasks), synchronous=full', e2e };
}

async function loadable(specifier: string): Promise<boolean> {
  try {
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function bullmq(): Promise<Row> {
  const { Queue, Worker } = await import('bullmq');
  const connection = { host: '127.0.0.1', port: 6379 };
  const name = `braid-bench-${process.pid}`;
  const queue = new Queue(name, { connection });
  await queue.obliterate({ force: true });
  const options = { removeOnComplete: true, removeOnFail: true };
  // Drain a stored backlog.
  for (let i = 0; i < N; i += 1000) await queue.addBulk(Array.from({ length: Math.min(1000, N - i) }, () => ({ name: 'noop', data: {}, opts: options })));
  let done = 0;
  let onStart: (at: number) => void = () => {};
  const started = performance.now();
  const worker = new Worker(
    name,
    async (job) => {
      if (job.name === 'stamp') onStart(now());
      return null;
    },
    { connection, concurrency: CONCURRENCY, removeOnComplete: { count: 0 } },
  );
  worker.on('completed', () => done++);
  await until(() => done >= N);
  const drain = N / ((performance.now() - started) / 1000);
  // End to end.
  done = 0;
  const t0 = performance.now();
  await clients(E2E_N, CLIENTS, () => queue.add('noop', {}, options));
  await until(() => done >= E2E_N);
  const e2e = E2E_N / ((performance.now() - t0) / 1000);
  // Latency with an idle worker.
  const lat: number[] = [];
  for (let i = 0; i < LATENCY_N + 20; i++) {
    const startedAt = new Promise<number>((resolve) => (onStart = resolve));
    const at = now();
    const before = done;
    await queue.add('stamp', {}, options);
    const ms = (await startedAt) - at;
    if (i >= 20) lat.push(ms);
    await until(() => done > before);
  }
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return { name: `BullMQ on Redis (concurrency ${CONCURRENCY}, jobs removed on completion)`, drain, e2e, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99) };
}

async function pgBoss(): Promise<Row> {
  const { default: PgBoss } = await import('pg-boss');
  const boss = new PgBoss({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', schema: `braid_bench_${process.pid}`, supervise: false });
  boss.on('error', (error: unknown) => console.error('pg-boss', error));
  await boss.start();
  const name = 'noop';
  await boss.createQueue(name);
  await boss.createQueue('stamp');
  for (let i = 0; i < N; i += 1000) await boss.insert(Array.from({ length: Math.min(1000, N - i) }, () => ({ name, data: {} })));
  let done = 0;
  const started = performance.now();
  const workers: string[] = [];
  for (let w = 0; w < PGBOSS_WORKERS; w++) {
    workers.push(
      await boss.work(name, { batchSize: PGBOSS_BATCH, pollingIntervalSeconds: 0.5 }, async (jobs) => {
        done += jobs.length;
      }),
    );
  }
  await until(() => done >= N, 300_000);
  const drain = N / ((performance.now() - started) / 1000);
  done = 0;
  const t0 = performance.now();
  await clients(E2E_N, CLIENTS, () => boss.send(name, {}));
  await until(() => done >= E2E_N, 300_000);
  const e2e = E2E_N / ((performance.now() - t0) / 1000);
  let onStart: (at: number) => void = () => {};
  let stamped = 0;
  await boss.work('stamp', { batchSize: 1, pollingIntervalSeconds: 0.5 }, async () => {
    onStart(now());
    stamped++;
  });
  const lat: number[] = [];
  const latencyN = Math.min(LATENCY_N, 40);
  for (let i = 0; i < latencyN + 5; i++) {
    const startedAt = new Promise<number>((resolve) => (onStart = resolve));
    const at = now();
    await boss.send('stamp', {});
    const ms = (await startedAt) - at;
    if (i >= 5) lat.push(ms);
    await until(() => stamped > i);
  }
  await boss.stop({ graceful: false, wait: true });
  notes.push(`pg-boss: latency from ${latencyN} tasks (its fastest polling, 0.5 s, bounds it); throughput with batchSize ${PGBOSS_BATCH} × ${PGBOSS_WORKERS} workers, each fetching at most once per 0.5 s polling interval.`);
  return { name: `pg-boss 10 on PostgreSQL (batch ${PGBOSS_BATCH} × ${PGBOSS_WORKERS} workers)`, drain, e2e, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99) };
}

async function recovery(): Promise<number> {
  const db = nextDb();
  const leaseMs = 5_000;
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, db, String(leaseMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', () => reject(new Error('service process exited early')));
  });
  const store = await SqliteTaskStore.open(db);
  const { task } = await store.createTask({ type: 'counter', input: { to: 100, stepMs: 100 } });
  await until(async () => ((await store.getTask(task.id))?.progress ?? 0) > 0, 20_000);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  const killedAt = Date.now();
  const service = await TaskService.open({ tasks: new URL('../src/jobs/service/fixtures/tasks.ts', import.meta.url), db, leaseMs, pollMs: 100 });
  await until(async () => (await store.getTask(task.id))?.attempts === 2, 30_000);
  const ms = ((await store.getTask(task.id))?.startedAt ?? 0) - killedAt;
  await service.setStatus(task.id, 'cancelled');
  await service.close();
  await store.close();
  return ms;
}

try {
  rows.push(await braid('full'));
  rows.push(await braid('normal'));
  // Claiming only for free slots: one commit (one fsync) per slot-full of tasks.
  rows.push({ name: 'Braid TaskService, SQLite synchronous=full, claimAheadMs: 0 (drain only)', drain: await braidDrain('full', 0) });
  rows.push(await braidThreadLatency());
  rows.push(await braidHttp());
  if (!(await reachable(6379))) notes.push('BullMQ skipped: no Redis on 127.0.0.1:6379.');
  else if (!(await loadable('ioredis'))) notes.push('BullMQ skipped: its Redis client `ioredis` (an optional peer dependency of BullMQ 6) is not installed; `npm i -D ioredis` enables it.');
  else rows.push(await bullmq());
  if (await reachable(5432)) rows.push(await pgBoss());
  else notes.push('pg-boss skipped: no PostgreSQL on 127.0.0.1:5432.');
  const recoveryMs = await recovery();
  const braidFull = rows[0]!;
  const ratio = (row: Row | undefined, key: 'drain' | 'e2e') => (row?.[key] === undefined || braidFull[key] === undefined ? '' : `${fmt(braidFull[key] / row[key], 2)}×`);
  const bull = rows.find((r) => r.name.startsWith('BullMQ'));
  const boss = rows.find((r) => r.name.startsWith('pg-boss'));
  if (bull) notes.push(`Braid (synchronous=full) / BullMQ: drain ${ratio(bull, 'drain')}, end to end ${ratio(bull, 'e2e')}.`);
  if (boss) notes.push(`Braid (synchronous=full) / pg-boss: drain ${ratio(boss, 'drain')}, end to end ${ratio(boss, 'e2e')}.`);
  notes.push(
    `SIGKILL of the process running a task → the task running again on a new service: ${fmt(recoveryMs)} ms with the default leaseMs 5,000 (target ≤ 5 s). Peers at their defaults (field notes, not re-measured here): BullMQ ~60 s, pg-boss 10.7 s with its opt-in heartbeat (15 min without), graphile-worker 4 h.`,
    `Braid claims ahead while tasks are short (claimAheadMs, default 20): it also leases as many queued tasks as its ${CONCURRENCY} slots should start within 20 ms (at most 1,000), so one commit completes and claims a batch; the claimAheadMs: 0 row claims only for free slots.`,
    `Drain: ${fmt(N)} stored tasks; end to end: ${fmt(E2E_N)} tasks created by ${CLIENTS} concurrent clients while ${CONCURRENCY} run at once. Braid and BullMQ remove nothing they must keep (Braid keeps every finished task; BullMQ here deletes jobs on completion, its fastest setting). One run each: the machine is shared, expect ±20%.`,
  );
  report(
    'Durable jobs: Braid TaskService vs BullMQ and pg-boss (trivial tasks)',
    table(
      ['system', 'drain backlog (tasks/s)', 'create+complete (tasks/s)', 'create→start p50 (ms)', 'p99 (ms)'],
      rows.map((r) => [
        r.name,
        r.drain === undefined ? '—' : fmt(r.drain),
        r.e2e === undefined ? '—' : fmt(r.e2e),
        r.p50 === undefined ? '—' : fmt(r.p50, 2),
        r.p99 === undefined ? '—' : fmt(r.p99, 2),
      ]),
    ),
    notes,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
