// Question: how close does the task service's HTTP API come to a bare fastify hello-world, and how many tasks/s can clients create over HTTP?
// Each server runs in its own child process (the same file, role `server`); autocannon drives it from this
// process, 10 connections, ~5 s per run. Reads: GET /tasks/:id over 100 stored tasks (schema validation,
// one SQLite read, TaskView serialisation) against GET /hello answering a constant object. Writes: POST
// /tasks of a loop task that returns at once, so the service also runs every task it accepts; with the
// default fsync-per-group-commit (`synchronous: full`) and with `normal`.
import autocannon from 'autocannon';
import type { Result } from 'autocannon';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, median, report, table } from './report.ts';

const DURATION = Number(process.env.BRAID_BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BRAID_BENCH_RUNS ?? 3);
const CONNECTIONS = 10;
const TOKEN = 'bench-token-0123456789';

type Role = 'hello' | 'braid';
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
  const getToken: Sample[] = [];
  const post: Record<'full' | 'normal', Sample[]> = { full: [], normal: [] };

  const h = await start('hello');
  const b = await start('braid');
  const bt = await start('braid', 'full', true);
  try {
    const reads = (ready: Ready, headers: Record<string, string> = {}) => ready.ids.map((id) => ({ method: 'GET' as const, path: `/tasks/${id}`, headers }));
    // Warm-up: JIT, SQLite page cache.
    await load({ url: h.ready.url + '/hello', duration: 1 });
    await load({ url: b.ready.url, requests: reads(b.ready), duration: 1 });
    await load({ url: bt.ready.url, requests: reads(bt.ready, { authorization: `Bearer ${TOKEN}` }), duration: 1 });
    for (let round = 0; round < ROUNDS; round++) {
      hello.push(sample(check(await load({ url: h.ready.url + '/hello' }), 'hello')));
      get.push(sample(check(await load({ url: b.ready.url, requests: reads(b.ready) }), 'GET /tasks/:id')));
      getToken.push(sample(check(await load({ url: bt.ready.url, requests: reads(bt.ready, { authorization: `Bearer ${TOKEN}` }) }), 'GET /tasks/:id with token')));
    }
  } finally {
    await stop(h.child);
    await stop(b.child);
    await stop(bt.child);
  }

  for (const synchronous of ['full', 'normal'] as const) {
    for (let round = 0; round < ROUNDS; round++) {
      // A fresh database per run, so every run starts from the same table size.
      const s = await start('braid', synchronous);
      try {
        const body = JSON.stringify({ type: 'echo', input: { hello: 'world' } });
        const result = await load({ url: `${s.ready.url}/tasks`, method: 'POST', headers: { 'content-type': 'application/json' }, body });
        post[synchronous].push(sample(check(result, `POST /tasks (${synchronous})`)));
      } finally {
        await stop(s.child);
      }
    }
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
        row('braid GET /tasks/:id', get, ceiling),
        row('braid GET /tasks/:id, Bearer token', getToken, ceiling),
        row('braid POST /tasks → 202 (synchronous: full, default)', post.full),
        row('braid POST /tasks → 202 (synchronous: normal)', post.normal),
      ],
    ),
    [
      `autocannon, ${CONNECTIONS} connections, ${DURATION} s per run, ${ROUNDS} runs each, server in a child process; load average ${load0} at start, ${availableParallelism()} cores shared with the load generator`,
      `GET /tasks/:id reaches ${fmt(getRatio * 100, 0)}% of the hello-world ceiling (target ≥ 50%)`,
      'POST /tasks answers only after the task is durable (group commit); each accepted task also runs (an instant loop task) in the same process, so the rate includes running and completing it',
    ],
  );
}

// Last, so every constant above is initialised before either role runs.
if (process.argv[2] === 'server') await server(process.argv[3] as Role, process.argv[4] as 'full' | 'normal', process.argv[5] === 'token');
else await main();
