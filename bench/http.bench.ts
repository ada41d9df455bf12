// Question: how close does the task service's HTTP API come to a bare fastify hello-world, and how many tasks/s can clients create over HTTP?
// Each server runs in its own child process (the same file, role `server`); autocannon drives it from this
// process, 10 connections, ~5 s per run. Reads: GET /tasks/:id over 100 stored tasks (schema validation,
// one SQLite read, TaskView serialisation) against GET /hello answering a constant object. Writes: POST
// /tasks of a delayed task (the create path alone) against the same creates in process without HTTP, and
// of a loop task that returns at once, so the service also runs every task it accepts; with the default
// fsync-per-group-commit (`synchronous: full`) and with `normal`.
import autocannon from 'autocannon';
import type { Result } from 'autocannon';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, median, quantile, report, table } from './report.ts';

const DURATION = Number(process.env.BRAID_BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BRAID_BENCH_RUNS ?? 3);
const CONNECTIONS = 10;
const TOKEN = 'bench-token-0123456789';

type Role = 'hello' | 'braid' | 'layer';
interface Ready {
  url: string;
  ids: string[];
}

/** The child: serves hello-world or the task service until the parent disconnects. */
async function server(role: Role, synchronous: 'full' | 'normal', withToken: boolean): Promise<void> {
  let close: () => Promise<void>;
  let ready: Ready;
  if (role === 'hello') {
    const { default: Fastify } = await import('fastify');
    const app = Fastify({ logger: false });
    app.get('/hello', () => Promise.resolve({ hello: 'world' }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    ready = { url: `http://127.0.0.1:${port}`, ids: [] };
    close = () => app.close();
  } else if (role === 'layer') {
    // The HTTP layer alone: the same server over a service whose get() answers one view from memory.
    const { serve } = await import('../src/jobs/http/server.ts');
    const now = new Date().toISOString();
    const view = {
      id: '01M84F6NMR8DK8D6VV1B0XEH3T', type: 'echo', status: 'succeeded' as const, progress: 100, message: null, input: { i: 1 }, result: { i: 1 },
      error: null, attempts: 1, priority: 0, runAt: null, createdAt: now, startedAt: now, finishedAt: now,
    };
    const unused = () => Promise.reject(new Error('not in this bench'));
    const http = await serve(
      {
        types: [],
        get: (id: string) => Promise.resolve({ ...view, id }),
        create: unused,
        list: unused,
        setStatus: unused,
        counts: unused,
        lastEventSeq: () => Promise.resolve(0),
        durations: () => [],
        events: () => {
          throw new Error('not in this bench');
        },
      },
      { port: 0 },
    );
    ready = { url: http.url, ids: Array.from({ length: 100 }, (_, i) => `01M84F6NMR8DK8D6VV1B0XE${String(i).padStart(3, '0')}`) };
    close = () => http.close();
  } else {
    const { TaskService } = await import('../src/jobs/service/task-service.ts');
    const { serve } = await import('../src/jobs/http/server.ts');
    const dir = mkdtempSync(join(tmpdir(), 'braid-http-bench-'));
    const service = await TaskService.open({
      tasks: new URL('../test/integration/fixtures/http-tasks.ts', import.meta.url),
      db: join(dir, 'tasks.db'),
      synchronous,
      retention: false,
      onError: (error) => console.error(error),
    });
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push((await service.create('echo', { i })).task.id);
    const http = await serve(service, { port: 0, ...(withToken ? { token: TOKEN } : {}) });
    ready = { url: http.url, ids };
    // The in-process baseline: the same creates without HTTP, on request of the parent.
    process.on('message', (m: { direct?: number }) => {
      if (m.direct !== undefined) void directCreates(service, m.direct).then((result) => process.send?.(result));
    });
    close = async () => {
      await http.close();
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  process.send?.(ready);
  process.once('disconnect', () => {
    void close().then(() => process.exit(0));
  });
}

/** `CONNECTIONS` callers each awaiting `service.create()` of a delayed task in a loop for `seconds`. */
async function directCreates(service: { create: (type: string, input: unknown, options: { runAt: number }) => Promise<unknown> }, seconds: number): Promise<Sample> {
  const latencies: number[] = [];
  const runAt = Date.now() + 86_400_000;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await service.create('echo', { hello: 'world' }, { runAt });
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { rps: latencies.length / seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
}

async function start(role: Role, synchronous: 'full' | 'normal' = 'full', token = false): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = fork(fileURLToPath(import.meta.url), ['server', role, synchronous, token ? 'token' : ''], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Ready));
    child.once('exit', (code) => reject(new Error(`${role} server exited with ${String(code)}`)));
  });
  return { child, ready };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.disconnect();
  await exited;
}

function load(options: autocannon.Options): Promise<Result> {
  return autocannon({ connections: CONNECTIONS, duration: DURATION, ...options });
}

function check(result: Result, what: string): Result {
  if (result.errors > 0 || result.non2xx > 0 || result.timeouts > 0) {
    throw new Error(`${what}: ${result.errors} errors, ${result.non2xx} non-2xx, ${result.timeouts} timeouts`);
  }
  return result;
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
}
const sample = (r: Result): Sample => ({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 });

async function main(): Promise<void> {
  const load0 = loadavg()[0]!.toFixed(2);
  const hello: Sample[] = [];
  const get: Sample[] = [];
  const layer: Sample[] = [];
  const getToken: Sample[] = [];
  const post: Record<'full' | 'normal', Sample[]> = { full: [], normal: [] };
  const direct: Sample[] = [];
  const delayed: Sample[] = [];

  const h = await start('hello');
  const l = await start('layer');
  const b = await start('braid');
  const bt = await start('braid', 'full', true);
  try {
    const reads = (ready: Ready, headers: Record<string, string> = {}) => ready.ids.map((id) => ({ method: 'GET' as const, path: `/tasks/${id}`, headers }));
    // Warm-up: JIT, SQLite page cache.
    await load({ url: h.ready.url + '/hello', duration: 1 });
    await load({ url: l.ready.url, requests: reads(l.ready), duration: 1 });
    await load({ url: b.ready.url, requests: reads(b.ready), duration: 1 });
    await load({ url: bt.ready.url, requests: reads(bt.ready, { authorization: `Bearer ${TOKEN}` }), duration: 1 });
    for (let round = 0; round < ROUNDS; round++) {
      hello.push(sample(check(await load({ url: h.ready.url + '/hello' }), 'hello')));
      layer.push(sample(check(await load({ url: l.ready.url, requests: reads(l.ready) }), 'GET /tasks/:id, HTTP layer alone')));
      get.push(sample(check(await load({ url: b.ready.url, requests: reads(b.ready) }), 'GET /tasks/:id')));
      getToken.push(sample(check(await load({ url: bt.ready.url, requests: reads(bt.ready, { authorization: `Bearer ${TOKEN}` }) }), 'GET /tasks/:id with token')));
    }
  } finally {
    await stop(h.child);
    await stop(l.child);
    await stop(b.child);
    await stop(bt.child);
  }

  const body = (extra: object = {}) => JSON.stringify({ type: 'echo', input: { hello: 'world' }, ...extra });
  const postLoad = (url: string, payload: string) => load({ url: `${url}/tasks`, method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
  // Each write run gets a fresh server and database, so every run starts from the same table size.
  const fresh = async (synchronous: 'full' | 'normal', measure: (s: { child: ChildProcess; ready: Ready }) => Promise<Sample>): Promise<Sample> => {
    const s = await start('braid', synchronous);
    try {
      return await measure(s);
    } finally {
      await stop(s.child);
    }
  };
  for (let round = 0; round < ROUNDS; round++) {
    const runAt = Date.now() + 86_400_000;
    direct.push(
      await fresh('full', async (s) => {
        const answer = new Promise<Sample>((resolve) => s.child.once('message', (m) => resolve(m as Sample)));
        s.child.send({ direct: DURATION });
        return answer;
      }),
    );
    delayed.push(await fresh('full', async (s) => sample(check(await postLoad(s.ready.url, body({ runAt })), 'POST /tasks delayed'))));
    post.full.push(await fresh('full', async (s) => sample(check(await postLoad(s.ready.url, body()), 'POST /tasks (full)'))));
    post.normal.push(await fresh('normal', async (s) => sample(check(await postLoad(s.ready.url, body()), 'POST /tasks (normal)'))));
  }

  const row = (name: string, samples: Sample[], ceiling?: number): string[] => {
    const rps = median(samples.map((s) => s.rps));
    return [
      name,
      fmt(rps),
      ceiling === undefined ? '—' : `${fmt((rps / ceiling) * 100, 0)}%`,
      fmt(median(samples.map((s) => s.p50)), 2),
      fmt(median(samples.map((s) => s.p99)), 2),
      samples.map((s) => fmt(s.rps)).join(' / '),
    ];
  };
  const ceiling = median(hello.map((s) => s.rps));
  const getRatio = median(get.map((s) => s.rps)) / ceiling;
  report(
    'HTTP API: reads against a fastify hello-world, and task creation over HTTP',
    table(
      ['request', 'req/s (median)', 'of ceiling', 'p50 ms', 'p99 ms', 'runs req/s'],
      [
        row('fastify hello-world GET /hello (ceiling)', hello, ceiling),
        row('braid HTTP layer alone: GET /tasks/:id, view from memory (no store)', layer, ceiling),
        row('braid GET /tasks/:id', get, ceiling),
        row('braid GET /tasks/:id, Bearer token', getToken, ceiling),
        row('service.create() in process, delayed task, no HTTP (baseline for creates)', direct),
        row('braid POST /tasks → 202, delayed task (create only)', delayed, median(direct.map((s) => s.rps))),
        row('braid POST /tasks → 202, task runs at once (synchronous: full, default)', post.full),
        row('braid POST /tasks → 202, task runs at once (synchronous: normal)', post.normal),
      ],
    ),
    [
      `autocannon, ${CONNECTIONS} connections, ${DURATION} s per run, ${ROUNDS} runs each, server in a child process; load average ${load0} at start, ${availableParallelism()} cores shared with the load generator`,
      `GET /tasks/:id reaches ${fmt(getRatio * 100, 0)}% of the hello-world ceiling (target ≥ 50%)`,
      'creates: 10 concurrent callers; every create is durable before its answer (group commit, fsync with synchronous: full). The delayed rows create tasks due tomorrow, so they measure the create path alone; "of ceiling" there is the share of the in-process service.create() rate. In the last two rows each accepted task also runs (an instant loop task) in the same process: claim and complete are two more durable writes per task',
    ],
  );
}

// Last, so every constant above is initialised before either role runs.
if (process.argv[2] === 'server') await server(process.argv[3] as Role, process.argv[4] as 'full' | 'normal', process.argv[5] === 'token');
else await main();
