import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { SqliteTaskStore } from '../store/sqlite/sqlite-task-store.js';
import type { TaskEvent } from '../store/task-store.js';
import { harness, status, TASKS, until, type Harness } from './fixtures/harness.js';
import { probe } from './fixtures/tasks.js';
import { TaskService } from './task-service.js';
import { TaskServiceError } from './task-service-error.js';

let h: Harness;
beforeEach(() => {
  h = harness();
});
afterEach(async () => {
  await h.cleanup();
  assert.deepEqual(h.errors, [], 'no background errors');
});

async function eventsOf(service: TaskService, id: string): Promise<TaskEvent[]> {
  const out: TaskEvent[] = [];
  const controller = new AbortController();
  for await (const event of service.events({ taskId: id, signal: controller.signal })) {
    out.push(event);
    if (event.kind === 'status' && ['succeeded', 'failed', 'cancelled'].includes(String(event.payload.status))) controller.abort();
  }
  return out;
}

describe('TaskService', () => {
  it('TaskService.open() validates its options, naming the bad one', async () => {
    await assert.rejects(TaskService.open(null as never), { name: 'TypeError', message: 'options must be an object' });
    await assert.rejects(TaskService.open({ tasks: 42 as never }), { name: 'TypeError', message: /^tasks must be/ });
    await assert.rejects(TaskService.open({ tasks: TASKS, db: h.db, leaseMs: 5 }), { name: 'RangeError', message: /^leaseMs must be/ });
    await assert.rejects(TaskService.open({ tasks: TASKS, db: h.db, workerConcurrency: 0 }), { name: 'RangeError', message: /^workerConcurrency/ });
    await assert.rejects(TaskService.open({ tasks: TASKS, db: h.db, claimAheadMs: -1 }), { name: 'RangeError', message: /^claimAheadMs/ });
    await assert.rejects(TaskService.open({ tasks: TASKS, db: h.db, leaseMs: 1000, renewMs: 1000 }), { name: 'RangeError', message: /^renewMs must be less/ });
    await assert.rejects(TaskService.open({ tasks: TASKS, db: 7 as never }), { name: 'TypeError', message: /^db must be/ });
    await assert.rejects(TaskService.open({ tasks: new URL('./task-view.ts', import.meta.url), db: h.db }), /exports no task definitions/);
  });

  it('TaskService.types lists every registered task with its placement', async () => {
    const service = await h.open();
    const byName = new Map(service.types.map((t) => [t.name, t.on]));
    assert.equal(byName.get('echo'), 'loop');
    assert.equal(byName.get('crunch'), 'thread');
    assert.equal(byName.get('poison'), 'process');
    assert.equal(service.types.length, 13);
  });

  it('TaskService.create() runs a task to succeeded with its progress events in order and its times', async () => {
    const service = await h.open();
    const before = Date.now();
    const { task, created } = await service.create('steps', { gapMs: 150 });
    assert.equal(created, true);
    assert.ok(task.status === 'queued' || task.status === 'running');
    const events = await eventsOf(service, task.id);
    assert.deepEqual(
      events.map((e) => e.kind),
      ['created', 'started', 'progress', 'progress', 'progress', 'status'],
    );
    assert.deepEqual(
      events.filter((e) => e.kind === 'progress').map((e) => e.payload.progress),
      [30, 60, 90],
    );
    for (let i = 1; i < events.length; i++) assert.ok(events[i]!.seq > events[i - 1]!.seq);
    const view = await service.get(task.id);
    assert.equal(view?.status, 'succeeded');
    assert.deepEqual(view?.result, { done: true, attempt: 1 });
    assert.equal(view?.progress, 100);
    assert.equal(view?.attempts, 1);
    assert.ok(Date.parse(view!.startedAt!) >= before);
    assert.ok(Date.parse(view!.finishedAt!) - Date.parse(view!.startedAt!) >= 400);
  });

  it('TaskService.create() rejects an unregistered type with UNKNOWN_TASK_TYPE and bad options with TypeError/RangeError', async () => {
    const service = await h.open();
    await assert.rejects(service.create('rm -rf', {}), (error: unknown) => error instanceof TaskServiceError && error.code === 'UNKNOWN_TASK_TYPE');
    await assert.rejects(service.create('echo', 1n), { name: 'TypeError', message: /^input must be JSON/ });
    await assert.rejects(service.create('echo', {}, { priority: 1.5 }), { name: 'RangeError', message: /^priority/ });
    await assert.rejects(service.create('echo', {}, { runAt: 'soon' }), { name: 'TypeError', message: /^runAt/ });
    await assert.rejects(service.create('echo', {}, { idempotencyKey: '' }), { name: 'TypeError', message: /^idempotencyKey/ });
    assert.equal((await service.list()).tasks.length, 0);
  });

  it('TaskService retries a failing task with backoff and succeeds on a later attempt', async () => {
    const service = await h.open();
    const { task } = await service.create('flaky', { succeedOn: 3 });
    const events = await eventsOf(service, task.id);
    const view = await service.get(task.id);
    assert.equal(view?.status, 'succeeded');
    assert.equal(view?.result, 3);
    assert.equal(view?.attempts, 3);
    assert.equal(events.filter((e) => e.kind === 'started').length, 3);
    const retries = events.filter((e) => e.kind === 'status' && e.payload.status === 'queued');
    assert.equal(retries.length, 2);
    assert.equal((retries[0]!.payload.error as { code?: string }).code, 'FLAKY');
  });

  it('TaskService fails a task with its last error once its attempts are spent', async () => {
    const service = await h.open();
    const { task } = await service.create('flaky', { succeedOn: 99 });
    const view = await status(service, task.id, 'failed');
    assert.equal(view.attempts, 3);
    assert.equal(view.error?.message, 'attempt 3 failed');
    assert.equal(view.error?.code, 'FLAKY');
    const { task: other } = await service.create('failing', {});
    const failed = await status(service, other.id, 'failed');
    assert.deepEqual([failed.attempts, failed.error?.name, failed.error?.code], [1, 'RangeError', 'BAD_INPUT']);
  });

  it('TaskService fails only the task whose result is not JSON among tasks finishing in the same burst', async () => {
    const store = await SqliteTaskStore.open(h.db);
    const ids: string[] = [];
    for (const input of [1, 2, -1, 3]) ids.push((await store.createTask({ type: 'unstorable', input })).task.id);
    await store.close();
    const service = await h.open({ workerConcurrency: 8 });
    const views = await Promise.all(ids.map((id, i) => status(service, id, i === 2 ? 'failed' : 'succeeded')));
    assert.deepEqual(
      views.map((v) => [v.result, v.error?.name]),
      [[1, undefined], [2, undefined], [null, 'TypeError'], [3, undefined]],
    );
    assert.match(views[2]!.error!.message, /result must be JSON-serialisable/);
  });

  it('TaskService.setStatus() cancels a delayed task before it runs', async () => {
    const service = await h.open();
    const { task } = await service.create('echo', 1, { runAt: Date.now() + 60_000 });
    assert.equal(task.status, 'delayed');
    assert.ok(task.runAt !== null);
    const view = await service.setStatus(task.id, 'cancelled');
    assert.equal(view.status, 'cancelled');
    assert.equal(view.attempts, 0);
    assert.ok(view.finishedAt !== null);
  });

  it('TaskService.setStatus() cancels a running loop task: its signal aborts and it ends cancelled', async () => {
    const service = await h.open();
    const { task } = await service.create('counter', { to: 100, stepMs: 50 });
    await status(service, task.id, 'running');
    const asked = Date.now();
    const requested = await service.setStatus(task.id, 'cancelled');
    assert.ok(requested.status === 'running' || requested.status === 'cancelled');
    const view = await status(service, task.id, 'cancelled');
    assert.ok(Date.now() - asked < 1_000, 'obeyed at once when asked through the same service');
    assert.equal(view.result, null);
    assert.equal(service.running, 0);
  });

  it('TaskService.setStatus() cancels a CPU task on a thread; the pool runs the next task', async () => {
    const service = await h.open();
    const { task } = await service.create('crunch', { chunks: 100_000 });
    await until(service, task.id, (v) => v.progress > 0);
    await service.setStatus(task.id, 'cancelled');
    assert.equal((await status(service, task.id, 'cancelled')).status, 'cancelled');
    // A thread stuck in a loop that never yields: the runtime's grace period ends it.
    const { task: hog } = await service.create('hog', { ms: 30_000 });
    await status(service, hog.id, 'running');
    const asked = Date.now();
    await service.setStatus(hog.id, 'cancelled');
    await status(service, hog.id, 'cancelled');
    assert.ok(Date.now() - asked < 5_000);
    const { task: next } = await service.create('crunch', { chunks: 2 });
    assert.equal((await status(service, next.id, 'succeeded')).status, 'succeeded');
  });

  it('TaskService.setStatus() through another instance reaches the task at its runner\'s next renewal', async () => {
    const runner = await h.open({ owner: 'runner', renewMs: 200 });
    const { task } = await runner.create('counter', { to: 1_000, stepMs: 20 });
    await status(runner, task.id, 'running');
    const other = await h.open({ owner: 'other' });
    const asked = Date.now();
    const view = await other.setStatus(task.id, 'cancelled');
    assert.equal(view.status, 'running', 'the request is recorded; the owner obeys');
    await status(other, task.id, 'cancelled');
    const ms = Date.now() - asked;
    assert.ok(ms < 1_500, `cancelled ${ms} ms after the request`);
  });

  it('TaskService fails an attempt that runs past its type\'s timeout with TimeoutError', async () => {
    const service = await h.open();
    const { task } = await service.create('slow', null);
    const view = await status(service, task.id, 'failed');
    assert.equal(view.error?.name, 'TimeoutError');
    assert.ok(Date.parse(view.finishedAt!) - Date.parse(view.startedAt!) < 2_000);
  });

  it('TaskService applies retention: finished tasks past the bounds are purged at open', async () => {
    const first = await h.open({ retention: false });
    const { task } = await first.create('echo', 1);
    await status(first, task.id, 'succeeded');
    const { task: waiting } = await first.create('echo', 2, { runAt: Date.now() + 60_000 });
    await first.close();
    const second = await h.open({ retention: { olderThanMs: 0, keep: 0 } });
    await until(second, waiting.id, () => true);
    for (let i = 0; i < 50 && (await second.get(task.id)) !== undefined; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(await second.get(task.id), undefined, 'the finished task is gone');
    assert.equal((await second.get(waiting.id))?.status, 'delayed', 'unfinished tasks are kept');
  });

  it('TaskService.setStatus() pauses a running task at a checkpoint and resumes it from there', async () => {
    const service = await h.open();
    const { task } = await service.create('counter', { to: 8, stepMs: 40 });
    await until(service, task.id, (v) => v.progress >= 40);
    await service.setStatus(task.id, 'paused');
    const paused = await status(service, task.id, 'paused');
    assert.ok(paused.progress >= 40 && paused.progress < 100);
    assert.equal(paused.finishedAt, null);
    await service.setStatus(task.id, 'queued');
    const done = await status(service, task.id, 'succeeded');
    const result = done.result as { from: number; to: number };
    assert.equal(result.to, 8);
    assert.ok(result.from >= 3, `resumed from checkpoint ${result.from}`);
    assert.equal(done.attempts, 1, 'a pause does not use up an attempt');
  });

  it('TaskService.setStatus() pauses a task on a thread after a checkpoint; it resumes there on the next run', async () => {
    const service = await h.open();
    const { task } = await service.create('chunked', { chunks: 40, msPerChunk: 20 });
    await until(service, task.id, (v) => v.progress >= 10);
    await service.setStatus(task.id, 'paused');
    const paused = await status(service, task.id, 'paused');
    assert.ok(paused.progress < 100);
    await service.setStatus(task.id, 'queued');
    const done = await status(service, task.id, 'succeeded');
    const result = done.result as { from: number; placement: string };
    assert.equal(result.placement, 'thread');
    assert.ok(result.from >= 4, `resumed from chunk ${result.from}`);
  });

  it('TaskService.setStatus() rejects nonsense with INVALID_TRANSITION and unknown ids with TASK_NOT_FOUND', async () => {
    const service = await h.open();
    const { task } = await service.create('echo', 'x');
    await status(service, task.id, 'succeeded');
    await assert.rejects(service.setStatus(task.id, 'cancelled'), (e: unknown) => e instanceof TaskServiceError && e.code === 'INVALID_TRANSITION' && e.status === 'succeeded');
    await assert.rejects(service.setStatus('01ZZZZZZZZZZZZZZZZZZZZZZZZ', 'paused'), (e: unknown) => e instanceof TaskServiceError && e.code === 'TASK_NOT_FOUND');
    await assert.rejects(service.setStatus(task.id, 'running' as never), { name: 'TypeError', message: /^status must be/ });
    assert.equal(await service.get('nope'), undefined);
  });

  it('TaskService.create() with an idempotency key returns the first task', async () => {
    const service = await h.open();
    const a = await service.create('echo', 1, { idempotencyKey: 'k1' });
    const b = await service.create('echo', 2, { idempotencyKey: 'k1' });
    assert.deepEqual([a.created, b.created, b.task.id, b.task.input], [true, false, a.task.id, 1]);
    const c = await service.create('tally', { ms: 1 }, { idempotencyKey: 'k1' });
    assert.equal(c.created, true, 'keys are per type');
  });

  it('TaskService runs higher priorities first', async () => {
    const store = await SqliteTaskStore.open(h.db);
    const ids: string[] = [];
    for (const priority of [0, 10, 5, -1]) ids.push((await store.createTask({ type: 'echo', input: priority, priority })).task.id);
    await store.close();
    const service = await h.open({ workerConcurrency: 1 });
    for (const id of ids) await status(service, id, 'succeeded');
    const started: unknown[] = [];
    for await (const event of service.events({ signal: AbortSignal.timeout(500) })) {
      if (event.kind === 'started') started.push((await service.get(event.taskId))?.input);
      if (started.length === 4) break;
    }
    assert.deepEqual(started, [10, 5, 0, -1]);
  });

  it('TaskService honours a type\'s concurrency limit', async () => {
    probe.maxInFlight = 0;
    const service = await h.open({ workerConcurrency: 10 });
    const ids = await Promise.all(Array.from({ length: 6 }, async () => (await service.create('limited', { ms: 60 })).task.id));
    for (const id of ids) await status(service, id, 'succeeded');
    assert.equal(probe.maxInFlight, 2);
  });

  it('TaskService instances sharing one database never run the same task twice', async () => {
    const a = await h.open({ owner: 'a' });
    const b = await h.open({ owner: 'b' });
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push((await (i % 2 === 0 ? a : b).create('tally', { ms: 5 })).task.id);
    for (const id of ids) await status(a, id, 'succeeded');
    assert.deepEqual(
      ids.map((id) => probe.runs.get(id)),
      ids.map(() => 1),
    );
    const owners = new Set<unknown>();
    for await (const event of a.events({ signal: AbortSignal.timeout(300) })) if (event.kind === 'started') owners.add(event.payload.owner);
    assert.deepEqual([...owners].sort(), ['a', 'b'], 'both instances took work');
  });

  it('TaskService claims ahead while tasks are short: a backlog drains in a few commits, each task run once', async () => {
    const drain = async (claimAheadMs: number) => {
      const store = await SqliteTaskStore.open(h.db, { synchronous: 'normal' });
      const created = await Promise.all(Array.from({ length: 2000 }, (_, i) => store.createTask({ type: 'echo', input: i })));
      const before = store.transactions;
      const service = await h.open({ db: store, workerConcurrency: 8, claimAheadMs });
      const done = async () => (await store.counts()).find((c) => c.status === 'succeeded')?.count ?? 0;
      while ((await done()) < 2000 * (claimAheadMs === 0 ? 2 : 1)) await new Promise((resolve) => setTimeout(resolve, 5));
      const transactions = store.transactions - before;
      await service.close();
      const tasks = await Promise.all(created.map(({ task }) => store.getTask(task.id)));
      assert.deepEqual(
        tasks.map((t) => [t?.status, t?.attempts, t?.result]),
        created.map((_, i) => ['succeeded', 1, i]),
      );
      await store.close();
      return transactions;
    };
    const ahead = await drain(200);
    assert.ok(ahead < 60, `${ahead} transactions with claiming ahead`);
    const slotsOnly = await drain(0);
    assert.ok(slotsOnly >= 2000 / 8, `${slotsOnly} transactions claiming only for free slots`);
  });

  it('TaskService hands a claimed-ahead task back when a long run holds the slot past a renewal period', async () => {
    const service = await h.open({ workerConcurrency: 1, renewMs: 100, claimAheadMs: 1000 });
    for (let i = 0; i < 5; i++) await status(service, (await service.create('tally', { ms: 1 })).task.id, 'succeeded');
    const long = (await service.create('tally', { ms: 700 })).task.id;
    await status(service, long, 'running');
    // Created in one commit, so one claim takes them all ahead of the busy slot.
    const short = await Promise.all([0, 1, 2].map(async () => (await service.create('tally', { ms: 1 })).task.id));
    for (const id of [long, ...short]) await status(service, id, 'succeeded');
    assert.deepEqual(
      [long, ...short].map((id) => probe.runs.get(id)),
      [1, 1, 1, 1],
    );
    const log = async (id: string) => {
      const events: string[] = [];
      const seqs: number[] = [];
      for await (const e of service.events({ taskId: id, signal: AbortSignal.timeout(100) })) {
        events.push(e.kind === 'status' ? `status:${String(e.payload.status)}` : e.kind);
        seqs.push(e.seq);
      }
      return { events, seqs };
    };
    const longDone = (await log(long)).seqs.at(-1)!;
    for (const id of short) {
      assert.equal((await service.get(id))?.attempts, 1, 'a handback does not use an attempt');
      const { events, seqs } = await log(id);
      // Claimed ahead while the long run held the only slot, handed back after a renewal period, run after it.
      assert.deepEqual(events, ['created', 'started', 'status:queued', 'started', 'status:succeeded']);
      assert.ok(seqs[2]! < longDone && seqs[3]! > longDone);
    }
  });

  it('TaskService.setStatus() cancels a task claimed ahead before it starts, and close() hands the others back', async () => {
    const service = await h.open({ workerConcurrency: 1, claimAheadMs: 1000 });
    for (let i = 0; i < 5; i++) await status(service, (await service.create('tally', { ms: 1 })).task.id, 'succeeded');
    const long = (await service.create('tally', { ms: 10_000 })).task.id;
    await status(service, long, 'running');
    const [cancelled, ...waiting] = await Promise.all([0, 1, 2].map(async () => (await service.create('tally', { ms: 1 })).task.id)) as [string, ...string[]];
    for (const id of [cancelled, ...waiting]) await status(service, id, 'running');
    await service.setStatus(cancelled, 'cancelled');
    assert.equal((await status(service, cancelled, 'cancelled')).attempts, 1);
    await service.close();
    const store = await SqliteTaskStore.open(h.db);
    const stored = await Promise.all([long, ...waiting].map((id) => store.getTask(id)));
    await store.close();
    assert.deepEqual(
      stored.map((t) => [t?.status, t?.attempts, t?.leaseOwner]),
      [['queued', 0, null], ['queued', 0, null], ['queued', 0, null]],
    );
    assert.deepEqual(
      [cancelled, ...waiting].map((id) => probe.runs.get(id)),
      [undefined, undefined, undefined],
      'none of them ran',
    );
  });

  it('TaskService fails a poison task that kills its worker process with WorkerCrashedError', async () => {
    const service = await h.open();
    const { task } = await service.create('poison', null);
    const view = await status(service, task.id, 'failed');
    const log: unknown[] = [];
    for await (const e of service.events({ taskId: task.id, signal: AbortSignal.timeout(100) })) log.push([e.at, e.kind, e.payload]);
    assert.equal(view.attempts, 2, JSON.stringify(log));
    assert.equal(view.error?.name, 'WorkerCrashedError');
    assert.match(view.error?.message ?? '', /crash|exit/i);
  });

  it('TaskService.close() hands running tasks back; the next service resumes them from their checkpoint', async () => {
    const first = await h.open();
    const { task } = await first.create('counter', { to: 6, stepMs: 40 });
    await until(first, task.id, (v) => v.progress >= 50);
    await first.close();
    const store = await SqliteTaskStore.open(h.db);
    const stored = await store.getTask(task.id);
    await store.close();
    assert.equal(stored?.status, 'queued');
    assert.equal(stored?.leaseOwner, null);
    const second = await h.open();
    const done = await status(second, task.id, 'succeeded');
    assert.ok((done.result as { from: number }).from >= 3);
    await assert.rejects(first.create('echo', 1), (e: unknown) => e instanceof TaskServiceError && e.code === 'SERVICE_CLOSED');
  });

  it('TaskService.events() replays after a sequence number, then follows live without gaps', async () => {
    const service = await h.open();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await service.create('echo', i)).task.id);
    for (const id of ids) await status(service, id, 'succeeded');
    const all: TaskEvent[] = [];
    const controller = new AbortController();
    const follow = (async () => {
      for await (const event of service.events({ signal: AbortSignal.any([controller.signal, AbortSignal.timeout(5_000)]) })) {
        all.push(event);
        // Five replayed tasks and the late one each end with one status event.
        if (all.filter((e) => e.kind === 'status').length === 6) controller.abort();
      }
    })();
    const late = (await service.create('echo', 'late')).task.id;
    await follow;
    assert.equal(controller.signal.aborted, true, 'saw the late task finish');
    assert.equal(all.at(-1)?.taskId, late);
    assert.equal(all.length, 18);
    for (let i = 1; i < all.length; i++) assert.equal(all[i]!.seq, all[i - 1]!.seq + 1, 'no gaps, no repeats');
    const after = all[4]!.seq;
    const replay: TaskEvent[] = [];
    for await (const event of service.events({ after, signal: AbortSignal.timeout(200) })) replay.push(event);
    assert.deepEqual(
      replay.map((e) => e.seq),
      all.filter((e) => e.seq > after).map((e) => e.seq),
    );
  });

  it('TaskService.list() pages and filters; counts() and durations() describe what ran', async () => {
    const service = await h.open();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await service.create('echo', i)).task.id);
    for (const id of ids) await status(service, id, 'succeeded');
    const first = await service.list({ type: 'echo', limit: 3 });
    assert.equal(first.tasks.length, 3);
    const second = await service.list({ type: 'echo', limit: 3, cursor: first.nextCursor! });
    assert.deepEqual([...first.tasks, ...second.tasks].map((t) => t.id), [...ids].reverse());
    assert.equal(second.nextCursor, null);
    assert.equal((await service.list({ status: 'failed' })).tasks.length, 0);
    assert.deepEqual(await service.counts(), [{ type: 'echo', status: 'succeeded', count: 5 }]);
    const run = service.durations().find((d) => d.type === 'echo' && d.phase === 'run');
    assert.equal(run?.count, 5);
    assert.equal(run?.buckets.at(-1), 5);
  });
});
