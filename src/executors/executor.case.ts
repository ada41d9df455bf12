// The conformance suite every placement runs: same calls, same outcomes on the loop, threads and processes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ChannelClosedError } from '../communication/channel-closed-error.js';
import { CancelledError, TimeoutError } from '../core/errors.js';
import type { Placement } from './current-task.js';
import { currentTask } from './current-task.js';
import { registerErrorClass } from './error-serialization.js';
import { QueueFullError, RuntimeClosedError, WorkerCrashedError } from './errors.js';
import type * as Work from './fixtures/work.js';
import { PaymentDeclinedError } from './fixtures/work.js';
import { runtime, type Runtime, type RuntimeOptions } from './runtime.js';

export const WORK = new URL('./fixtures/work.ts', import.meta.url);
export const PLAIN = new URL('./fixtures/plain.mjs', import.meta.url);
export const BROKEN = new URL('./fixtures/throws-at-import.mjs', import.meta.url);

registerErrorClass(PaymentDeclinedError);

/** Runs `fn` with a fresh runtime and closes it, whatever happens. */
export async function withRuntime(options: RuntimeOptions, fn: (rt: Runtime) => Promise<void>): Promise<void> {
  const rt = runtime({ cancelGrace: 100, ...options });
  try {
    await fn(rt);
  } finally {
    await rt.close();
  }
}

/** Waits until `check` holds, polling every 10 ms, failing after `ms`. */
export async function until(check: () => boolean, ms = 3_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await delay(10);
  }
}

/** Child pids of this process, from the process table. */
export function childPids(): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => pid > 0);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

const where = (on: Placement) => (on === 'thread' ? 'a thread' : on === 'process' ? 'a process' : 'an isolated task');

/** Registers the shared cases for one placement (call inside a describe). */
export function executorCases(on: Placement): void {
  const size: RuntimeOptions = on === 'loop' ? {} : on === 'thread' ? { threads: 1 } : { processes: 1 };
  const single: RuntimeOptions = { ...size, concurrencyPerWorker: 1, loopConcurrency: 1 };
  // Starting a worker costs tens of ms (a process under tsx, far more), so cases that need no
  // special options share one warm runtime; each asserts on its own calls only.
  let shared: Runtime;
  const host = { started: false, seen: [] as unknown[] };
  const withShared = async (fn: (rt: Runtime) => Promise<void>) => fn(shared);
  before(async () => {
    // A generous grace: on a loaded machine a kill at 100 ms could beat the task's own report.
    shared = runtime({ ...size, cancelGrace: 2_000, hostCallTimeout: 150 });
    shared.expose('started', () => (host.started = true));
    shared.expose('sawAbort', (name: string, aborted: boolean) => host.seen.push(name, aborted));
    shared.expose('double', (n: number) => n * 2);
    shared.expose('boom', async () => {
      await delay(1);
      throw Object.assign(new RangeError('host says no'), { code: 'E_HOST' });
    });
    shared.expose('fail', () => {
      throw new TypeError('sync says no');
    });
    shared.expose('late', () => delay(300).then(() => 'stale'));
    shared.expose('fresh', () => 'fresh');
    await shared.run(WORK, 'add', [1, 1], { on });
  });
  after(() => shared.close());

  it(`Runtime.run() runs an export on ${on} and resolves with its result (TS, .mjs and .cjs modules)`, async () => {
    await withShared(async (rt) => {
      assert.equal(await rt.run(WORK, 'add', [2, 3], { on }), 5);
      assert.equal(await rt.run(WORK.href, 'addAsync', [2, 5], { on }), 7);
      assert.equal(await rt.run(PLAIN.pathname, 'add', [1, 1], { on }), 2);
      assert.equal(await rt.run(new URL('./fixtures/plain.cjs', import.meta.url), 'mul', [3, 4], { on }), 12);
      const who = await rt.run<{ placement: string }>(WORK, 'whoami', [], { on });
      assert.equal(who.placement, on);
    });
  });

  it(`Runtime.run() answers each caller with its own result when one worker's tasks overlap and settle out of order on ${on}`, async () => {
    await withShared(async (rt) => {
      // A result that is the last a worker holds crosses without its task id (LoneResult): mix
      // lone and overlapping tasks, primitive and other results, and check who gets what. A result
      // given to the wrong caller leaves another waiting: the deadline turns that into a failure.
      const value = (i: number) => [i, `s${i}`, i % 2 === 0, { i }, undefined][i % 5];
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < 80; i++) {
        const [name, args] = i % 4 === 0 ? ['echo', [value(i)]] : ['later', [value(i), (i * 7) % 4]];
        calls.push(rt.run(WORK, name, args, { on, deadline: 10_000 }));
        if (i % 3 === 0) await calls[i];
        else if (i % 5 === 0) await delay(1);
      }
      assert.deepEqual(await Promise.all(calls), Array.from({ length: 80 }, (_, i) => value(i)));
    });
  });

  it(`Runtime.module() returns a typed proxy that runs exports on ${on}`, async () => {
    await withShared(async (rt) => {
      const work = rt.module<typeof Work>(WORK, { on, data: { job: 7 } });
      const sum: number = await work.add(20, 22);
      assert.equal(sum, 42);
      assert.deepEqual(await work.context(), { data: { job: 7 }, placement: on });
      assert.equal(typeof (work as Record<string, unknown>).then, 'undefined');
      await assert.rejects(() => (work as unknown as Record<string, () => Promise<unknown>>).notAFunction!(), {
        name: 'TypeError',
        message: /notAFunction is not a function/,
      });
      await assert.rejects(rt.run(WORK, 'missing', [], { on }), { name: 'TypeError', message: /missing is not exported/ });
    });
  });

  it(`currentTask() throws outside a task and works inside one on ${on}`, async () => {
    assert.throws(() => currentTask(), { message: /outside a Braid task/ });
    await withShared(async (rt) => {
      assert.deepEqual(await rt.run(WORK, 'context', [], { on, data: [1, 'x'] }), { data: [1, 'x'], placement: on });
    });
  });

  it(`Runtime.run() rejects with the task's error intact on ${on}: class, message, cause, own properties`, async () => {
    await withShared(async (rt) => {
      const error = await rt.run(WORK, 'fail', ['code'], { on, isolate: true }).then(
        () => assert.fail('should reject'),
        (e: unknown) => e as RangeError & { code: string; detail: unknown; cause: Error & { cause: unknown } },
      );
      assert.ok(error instanceof RangeError);
      assert.equal(error.message, 'bad range');
      assert.equal(error.code, 'E_RANGE');
      assert.deepEqual(error.detail, { n: 1 });
      assert.ok(error.cause instanceof TypeError);
      assert.equal(error.cause.message, 'inner');
      assert.equal(error.cause.cause, 'root');
      assert.match(error.stack ?? '', /fail/);

      const many = (await rt.run(WORK, 'fail', ['aggregate'], { on, isolate: true }).catch((e: unknown) => e)) as AggregateError;
      assert.ok(many instanceof AggregateError);
      assert.deepEqual(many.errors.map((e: Error) => [e.constructor.name, e.message]), [['Error', 'one'], ['TypeError', 'two']]);

      const cancelled = await rt.run(WORK, 'fail', ['cancelled'], { on, isolate: true }).catch((e: unknown) => e);
      assert.ok(cancelled instanceof CancelledError);
      assert.equal(cancelled.message, 'stopped inside');

      const closed = await rt.run(WORK, 'fail', ['channel'], { on, isolate: true }).catch((e: unknown) => e);
      assert.ok(closed instanceof ChannelClosedError, String(closed));
      assert.deepEqual(closed.value, { order: 7 });

      const custom = await rt.run(WORK, 'fail', ['custom'], { on, isolate: true }).catch((e: unknown) => e);
      assert.ok(custom instanceof PaymentDeclinedError, `got ${String(custom)}`);
      assert.equal(custom.name, 'PaymentDeclinedError');

      assert.equal(await rt.run(WORK, 'fail', ['string'], { on, isolate: true }).catch((e: unknown) => e), 'just a string');
    });
  });

  it(`Runtime.run() cancellation reaches the running task on ${on} and the caller gets CancelledError at once`, async () => {
    await withShared(async (rt) => {
      const seen = host.seen;
      const controller = new AbortController();
      const pending = rt.run(WORK, 'observeCancel', [], { on, signal: controller.signal });
      await until(() => host.started, 5_000, 'the task to start');
      const t0 = Date.now();
      controller.abort();
      await assert.rejects(pending, CancelledError);
      assert.ok(Date.now() - t0 < 1_000, 'rejected without waiting for the task');
      await until(() => seen.length === 2, 2_000, 'the task to report its abort');
      assert.deepEqual(seen, ['CancelledError', true]);
      assert.equal(await rt.run(WORK, 'add', [1, 2], { on }), 3);
      assert.ok(rt.stats()[on].cancelled >= 1);
    });
  });

  it(`Runtime.run() rejects at once for an already aborted signal on ${on}`, async () => {
    await withShared(async (rt) => {
      await assert.rejects(rt.run(WORK, 'add', [1, 2], { on, signal: AbortSignal.abort() }), CancelledError);
    });
  });

  it(`Runtime.run() timeout counts from the start and deadline from submission on ${on}`, async () => {
    await withRuntime(single, async (rt) => {
      await rt.run(WORK, 'add', [0, 0], { on }); // start the worker first: queueing is what is measured
      let firstDone = false;
      const first = rt.run(WORK, 'sleep', [250], { on }).finally(() => (firstDone = true));
      // Both wait ~250 ms in the queue, then need 100 ms.
      const withTimeout = rt.run(WORK, 'sleep', [100], { on, timeout: 200 });
      const withDeadline = rt.run(WORK, 'sleep', [100], { on, deadline: 200 });
      const deadlineError = await withDeadline.catch((e: unknown) => e);
      assert.ok(deadlineError instanceof TimeoutError, String(deadlineError));
      assert.equal(firstDone, false, 'the deadline passed while the task was still queued');
      assert.equal(await first, 'slept');
      assert.equal(await withTimeout, 'slept');
      await assert.rejects(rt.run(WORK, 'sleep', [1_000], { on, timeout: 50 }), TimeoutError);
    });
  });

  it(`Runtime.run() with maxQueue full waits, or rejects with QueueFullError on request, on ${on}`, async () => {
    await withRuntime({ ...single, maxQueue: 1 }, async (rt) => {
      await rt.run(WORK, 'add', [0, 0], { on });
      const running = rt.run(WORK, 'sleep', [150], { on });
      await delay(30); // let it reach the worker
      const queued = rt.run(WORK, 'add', [1, 1], { on });
      await assert.rejects(rt.run(WORK, 'add', [2, 2], { on, onQueueFull: 'reject' }), QueueFullError);
      const controller = new AbortController();
      const abandoned = rt.run(WORK, 'add', [3, 3], { on, signal: controller.signal });
      const waiting = rt.run(WORK, 'add', [4, 4], { on });
      assert.equal(rt.stats()[on].queued, 3);
      controller.abort();
      await assert.rejects(abandoned, CancelledError);
      assert.deepEqual(await Promise.all([running, queued, waiting]), ['slept', 2, 8]);
    });
  });

  it(`Runtime.run() with maxQueue 0 hands tasks only to a free worker on ${on}`, async () => {
    await withRuntime({ ...single, maxQueue: 0 }, async (rt) => {
      await rt.run(WORK, 'add', [0, 0], { on });
      const first = rt.run(WORK, 'sleep', [50], { on });
      await assert.rejects(rt.run(WORK, 'add', [1, 1], { on, onQueueFull: 'reject' }), QueueFullError);
      const second = rt.run(WORK, 'add', [2, 2], { on });
      assert.deepEqual(await Promise.all([first, second]), ['slept', 4]);
    });
  });

  it(`Runtime.run() delivers progress in order before the result on ${on}`, async () => {
    await withShared(async (rt) => {
      const got: [unknown, string | undefined][] = [];
      const result = await rt.run(WORK, 'report', [6], { on, onProgress: (value, message) => got.push([value, message]) });
      assert.equal(result, 6);
      assert.deepEqual(got, [1, 2, 3, 4, 5, 6].map((i) => [i, `step ${i}`]));
    });
  });

  it(`Runtime.run() rejects an unsendable argument with a TypeError naming its path on ${on}`, async () => {
    await withShared(async (rt) => {
      const isolate = on === 'loop';
      await assert.rejects(rt.run(WORK, 'echo', [1, { onDone: () => 1 }], { on, isolate }), {
        name: 'TypeError',
        message: `args[1].onDone is a function and cannot be sent to ${where(on)}`,
      });
      await assert.rejects(rt.run(WORK, 'returnsFunction', [], { on, isolate }), {
        name: 'TypeError',
        message: 'result.fn is a function and cannot be sent to the caller',
      });
      // The batch the bad task travelled in still delivered the others.
      assert.deepEqual(await Promise.all([rt.run(WORK, 'add', [1, 2], { on }), rt.run(WORK, 'echo', [new Map([[1, 2]])], { on, isolate })]), [3, new Map([[1, 2]])]);
    });
  });

  it(`Runtime.run() transfer moves an ArrayBuffer and detaches the sender's on ${on}`, async () => {
    await withShared(async (rt) => {
      const buffer = new ArrayBuffer(16);
      assert.equal(await rt.run(WORK, 'byteLength', [buffer], { on, transfer: [buffer], isolate: true }), 16);
      assert.equal(buffer.byteLength, 0);
    });
  });

  it(`Runtime.run() shares a SharedArrayBuffer on ${on} (processes refuse it by path)`, async () => {
    await withShared(async (rt) => {
      const view = new Int32Array(new SharedArrayBuffer(4));
      if (on === 'process') {
        await assert.rejects(rt.run(WORK, 'sabWrite', [view, 7], { on }), {
          name: 'TypeError',
          message: 'args[0] is a view of a SharedArrayBuffer and cannot be sent to a process',
        });
        return;
      }
      await rt.run(WORK, 'sabWrite', [view, 7], { on, isolate: true });
      assert.equal(Atomics.load(view, 0), 7);
    });
  });

  it(`callHost() calls an exposed host function from ${on} and errors cross back`, async () => {
    await withShared(async (rt) => {
      assert.equal(await rt.run(WORK, 'askHost', ['double', 21], { on }), 42);
      await assert.rejects(rt.run(WORK, 'askHost', ['boom'], { on }), { name: 'RangeError', message: 'host says no', code: 'E_HOST' });
      await assert.rejects(rt.run(WORK, 'askHost', ['nobody'], { on }), { message: /No host function is exposed as "nobody"/ });
      assert.throws(() => rt.expose('double', () => 0), /already exposed/);
    });
  });

  it(`TaskContext.callHook() calls the run's own hooks from ${on}`, async () => {
    await withShared(async (rt) => {
      const saved: unknown[] = [];
      const checkpoint = (state: unknown) => {
        saved.push(state);
        return 'saved';
      };
      const result = await rt.run(WORK, 'hooked', [{ step: 3 }], { on, hooks: { checkpoint } });
      assert.deepEqual(result, ['saved', 'The caller passed no hook named "nope"']);
      assert.deepEqual(saved, [{ step: 3 }]);
    });
  });

  if (on === 'loop') {
    it('callHostSync() throws a clear error on the loop', async () => {
      await withShared(async (rt) => {
        await assert.rejects(rt.run(WORK, 'askHostSync', ['double', 2], { on }), { message: /cannot be used on the loop placement/ });
      });
    });
  } else {
    it(`callHostSync() blocks the ${on} until the host answers, times out, and a late reply never answers a later call`, async () => {
      await withShared(async (rt) => {
        assert.equal(await rt.run(WORK, 'askHostSync', ['double', 4], { on }), 8);
        await assert.rejects(rt.run(WORK, 'askHostSync', ['fail'], { on }), { name: 'TypeError', message: 'sync says no' });
        assert.deepEqual(await rt.run(WORK, 'askHostSyncTwice', ['late', 'fresh'], { on }), ['TimeoutError', 'fresh']);
        await delay(250); // the stale reply arrives now…
        assert.equal(await rt.run(WORK, 'askHostSync', ['double', 5], { on }), 10); // …and is discarded
      });
    });
  }

  it(`Runtime.run() fails tasks of a module that throws at import, without crashing workers, on ${on}`, async () => {
    await withShared(async (rt) => {
      await assert.rejects(rt.run(BROKEN, 'never', [], { on }), { message: 'broken module' });
      await assert.rejects(rt.run(BROKEN, 'never', [], { on }), { message: 'broken module' });
      await assert.rejects(rt.run(new URL('./fixtures/nope.mjs', import.meta.url), 'x', [], { on }), { code: 'ERR_MODULE_NOT_FOUND' });
      assert.equal(await rt.run(WORK, 'add', [1, 2], { on }), 3);
      assert.equal(rt.stats()[on].crashes, 0);
      assert.equal(rt.stats()[on].workers, 1);
    });
  });

  it(`Runtime.close() rejects queued and running tasks with RuntimeClosedError on ${on}`, async () => {
    const rt = runtime({ ...single, cancelGrace: 100 });
    const running = assert.rejects(rt.run(WORK, 'hang', [], { on }), RuntimeClosedError);
    const queued = assert.rejects(rt.run(WORK, 'add', [1, 2], { on }), RuntimeClosedError);
    await delay(20);
    await rt.close();
    await Promise.all([running, queued]);
    await assert.rejects(rt.run(WORK, 'add', [1, 2], { on }), RuntimeClosedError);
    assert.equal(rt.stats()[on].workers, on === 'loop' ? 1 : 0);
    assert.equal(rt.closed, true);
  });

  it(`Runtime.stats() counts completed and failed tasks and timings on ${on}`, async () => {
    await withShared(async (rt) => {
      const before = rt.stats()[on];
      await Promise.all([1, 2, 3].map((n) => rt.run(WORK, 'add', [n, n], { on })));
      await rt.run(WORK, 'fail', ['string'], { on }).catch(() => {});
      const stats = rt.stats()[on];
      assert.equal(stats.completed - before.completed, 3);
      assert.equal(stats.failed - before.failed, 1);
      assert.equal(stats.queued, 0);
      assert.equal(stats.running, 0);
      assert.ok(stats.workers >= 1);
      assert.ok(stats.runTime.p99 >= stats.runTime.p50);
      assert.ok(stats.utilization >= 0 && stats.utilization <= 1);
    });
  });

  if (on !== 'loop') workerCases(on);
}

/** Cases only workers have: crashes, kills, recycling, idling, start-up failure, process hygiene. */
function workerCases(on: 'thread' | 'process'): void {
  const size: RuntimeOptions = on === 'thread' ? { threads: 1 } : { processes: 1 };
  const kind = on === 'thread' ? 'worker thread' : 'child process';
  const idOf = async (rt: Runtime) => {
    const who = await rt.run<{ threadId: number; pid: number }>(WORK, 'whoami', [], { on });
    return on === 'thread' ? who.threadId : who.pid;
  };

  it(`WorkerCrashedError settles every task of a ${kind} that calls process.exit(), and queued tasks still run`, async () => {
    await withRuntime({ ...size, concurrencyPerWorker: 2 }, async (rt) => {
      const first = await idOf(rt);
      const bystander = rt.run(WORK, 'hang', [], { on }).catch((e: unknown) => e);
      const exiting = rt.run(WORK, 'exit', [3], { on }).catch((e: unknown) => e);
      const queued = rt.run(WORK, 'add', [2, 2], { on });
      const error = (await exiting) as WorkerCrashedError;
      assert.ok(error instanceof WorkerCrashedError, String(error));
      assert.equal(error.exitCode, 3);
      assert.equal(error.signal, null);
      assert.deepEqual(error.task, { module: WORK.href, exportName: 'exit' });
      const other = (await bystander) as WorkerCrashedError;
      assert.ok(other instanceof WorkerCrashedError);
      assert.equal(other.task?.exportName, 'hang');
      assert.equal(await queued, 4);
      assert.notEqual(await idOf(rt), first);
      assert.equal(rt.stats()[on].crashes, 1);
    });
  });

  it(`WorkerCrashedError carries the error a ${kind} threw outside any task`, async () => {
    await withRuntime(size, async (rt) => {
      const error = (await rt.run(WORK, 'throwLater', [], { on }).catch((e: unknown) => e)) as WorkerCrashedError;
      assert.ok(error instanceof WorkerCrashedError, String(error));
      assert.equal((error.cause as Error | undefined)?.message, 'thrown outside the task');
      assert.equal(await rt.run(WORK, 'add', [1, 2], { on }), 3);
    });
  });

  it(`WorkerCrashedError settles a task whose ${kind} runs out of memory`, async () => {
    const limits: RuntimeOptions =
      on === 'thread' ? { resourceLimits: { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 4 } } : { execArgv: ['--max-old-space-size=24'] };
    await withRuntime({ ...size, ...limits }, async (rt) => {
      const error = await rt.run(WORK, 'oom', [], { on }).catch((e: unknown) => e);
      assert.ok(error instanceof WorkerCrashedError, String(error));
      assert.equal(await rt.run(WORK, 'add', [1, 2], { on }), 3);
    });
  });

  it(`Runtime.run() kills a ${kind} whose task ignores cancellation past cancelGrace, answers at once, and replaces it`, async () => {
    await withRuntime(size, async (rt) => {
      const first = await idOf(rt);
      const controller = new AbortController();
      const pending = rt.run(WORK, 'spin', [10_000], { on, signal: controller.signal });
      await delay(50);
      const t0 = Date.now();
      controller.abort();
      await assert.rejects(pending, CancelledError);
      assert.ok(Date.now() - t0 < 90, 'the caller did not wait for the grace period');
      const t1 = Date.now();
      assert.equal(await rt.run(WORK, 'add', [1, 2], { on }), 3);
      assert.ok(Date.now() - t1 < 5_000, 'the replacement ran well before the spin would have ended');
      assert.notEqual(await idOf(rt), first);
    });
  });

  it(`Runtime.run() on a busy ${kind} starts a timeout when the task starts and returns results as they come`, async () => {
    await withRuntime({ ...size, concurrencyPerWorker: 4 }, async (rt) => {
      await rt.run(WORK, 'add', [0, 0], { on });
      const t0 = Date.now();
      const done: number[] = [];
      // One tick, one batch: the last task starts only after the three before it have spun.
      const runs = [150, 150, 150].map((ms) => rt.run<number>(WORK, 'spin', [ms], { on }).then((v) => (done.push(Date.now() - t0), v)));
      const late = rt.run<number>(WORK, 'spin', [100], { on, timeout: 250 });
      assert.deepEqual(await Promise.all([...runs, late]), [150, 150, 150, 100]);
      assert.ok(done[0]! < 400, `the first result came at ${done[0]} ms, not with the whole batch`);
    });
  });

  it(`Runtime recycle.maxTasks replaces a ${kind}, starting the replacement before the old one leaves`, async () => {
    await withRuntime({ ...size, recycle: { maxTasks: 2 } }, async (rt) => {
      const a = await idOf(rt);
      const slow = rt.run<string>(WORK, 'sleep', [400], { on }); // the old worker's 2nd and last task
      await until(() => rt.stats()[on].workers === 2, 3_000, 'the replacement to start');
      const b = await idOf(rt); // runs on the replacement
      assert.notEqual(b, a);
      assert.equal(await slow, 'slept'); // the old worker finished its in-flight task
      await until(() => rt.stats()[on].workers === 1, 3_000, 'the old worker to leave');
      assert.deepEqual(rt.stats()[on].workerIds, [b]);
      assert.equal(rt.stats()[on].crashes, 0);
    });
  });

  it(`Runtime recycle.maxHeapMB replaces a ${kind} whose heap grew past the limit`, async () => {
    await withRuntime({ ...size, recycle: { maxHeapMB: 1 } }, async (rt) => {
      const a = await idOf(rt);
      await until(() => !rt.stats()[on].workerIds.includes(a), 5_000, 'the heavy worker to be replaced');
      assert.notEqual(await idOf(rt), a);
      assert.equal(rt.stats()[on].crashes, 0);
    });
  });

  it(`Runtime idleTimeout ends idle workers above min (${kind})`, async () => {
    const sized: RuntimeOptions = on === 'thread' ? { threads: { min: 0, max: 2 } } : { processes: { min: 0, max: 2 } };
    await withRuntime({ ...sized, idleTimeout: 100 }, async (rt) => {
      const started = Promise.all([rt.run(WORK, 'sleep', [50], { on }), rt.run(WORK, 'sleep', [50], { on })]);
      assert.equal(rt.stats()[on].workers, 0, 'nothing starts before the dispatch');
      await started;
      assert.ok(rt.stats()[on].workers >= 1);
      await until(() => rt.stats()[on].workers === 0, 5_000, 'idle workers to end');
      assert.equal(await rt.run(WORK, 'add', [1, 2], { on }), 3); // and the pool starts again on demand
    });
  });

  it(`Runtime.close() ends every ${kind} it started`, async () => {
    const rt = runtime({ ...(on === 'thread' ? { threads: 2 } : { processes: 2 }) });
    await Promise.all([rt.run(WORK, 'sleep', [20], { on }), rt.run(WORK, 'sleep', [20], { on })]);
    const ids = rt.stats()[on].workerIds;
    assert.equal(ids.length, 2);
    if (on === 'process') for (const pid of ids) assert.ok(childPids().includes(pid));
    await rt.close();
    assert.equal(rt.stats()[on].workers, 0);
    if (on === 'process') for (const pid of ids) assert.ok(!childPids().includes(pid), `process ${pid} left behind`);
  });

  if (on === 'process') {
    it('WorkerCrashedError names the signal when a child process is killed from outside', async () => {
      await withRuntime(size, async (rt) => {
        const pid = await idOf(rt);
        const pending = rt.run(WORK, 'hang', [], { on }).catch((e: unknown) => e);
        await delay(20);
        process.kill(pid, 'SIGKILL');
        const error = (await pending) as WorkerCrashedError;
        assert.ok(error instanceof WorkerCrashedError);
        assert.equal(error.signal, 'SIGKILL');
        assert.equal(error.exitCode, null);
        assert.equal(await rt.run(WORK, 'add', [1, 2], { on }), 3);
      });
    });

    it('Runtime stops respawning child processes that fail to start and fails their tasks', async () => {
      await withRuntime({ ...size, execArgv: ['--require', '/nonexistent/braid-preload.cjs'] }, async (rt) => {
        const error = await rt.run(WORK, 'add', [1, 2], { on }).catch((e: unknown) => e);
        assert.ok(error instanceof WorkerCrashedError, String(error));
        assert.match(error.message, /fail to start/);
        await delay(200);
        assert.equal(rt.stats()[on].workers, 0, 'no respawn without new work');
      });
    });

    it('A child process exits when its parent is SIGKILLed', async () => {
      const { spawn } = await import('node:child_process');
      const parent = spawn(process.execPath, ['--import', 'tsx', new URL('./fixtures/parent.ts', import.meta.url).pathname], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise((resolve) => parent.once('exit', resolve));
      let out = '';
      parent.stdout.setEncoding('utf8');
      parent.stdout.on('data', (chunk: string) => (out += chunk));
      await until(() => out.includes('\n'), 20_000, 'the grandchild pid');
      const grandchild = Number(out.trim());
      assert.ok(alive(grandchild));
      parent.kill('SIGKILL');
      await exited;
      await until(() => !alive(grandchild), 5_000, 'the orphaned child to exit');
    });
  }
}

/** True while `pid` runs (a zombie awaiting its reaper counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
