// The conformance suite every TaskStore implementation runs (SQLite now, PostgreSQL later): the behaviour the task service relies on.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { TaskStoreError } from './task-store-error.js';
import type { Task, TaskStore } from './task-store.js';

/** What a factory hands the suite for one test: a store, a way to open a second one on the same data, and cleanup. */
export interface TaskStoreFixture {
  store: TaskStore;
  /** Another store instance (own connection) on the same data and the same `now`; the suite closes it. */
  openAnother(): Promise<TaskStore>;
  /** Closes what the factory opened and deletes the data. */
  cleanup(): Promise<void>;
}

/** The suite's fake wall clock; the factory must pass `now` to the store. */
export interface TaskStoreFactoryContext {
  now: () => number;
}

const START = Date.UTC(2030, 0, 1);

/**
 * Declares the conformance tests for a `TaskStore` implementation.
 *
 * @example
 * describeTaskStore('SqliteTaskStore', async ({ now }) => {
 *   const store = await SqliteTaskStore.open(file, { now });
 *   return { store, openAnother: () => SqliteTaskStore.open(file, { now }), cleanup: () => store.close() };
 * });
 */
export function describeTaskStore(name: string, makeStore: (context: TaskStoreFactoryContext) => Promise<TaskStoreFixture>): void {
  describe(`${name} (TaskStore conformance)`, () => {
    let time = START;
    let fixture: TaskStoreFixture;
    let store: TaskStore;
    const advance = (ms: number) => {
      time += ms;
    };

    beforeEach(async () => {
      time = START;
      fixture = await makeStore({ now: () => time });
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    const claimOne = async (options: { leaseMs?: number; owner?: string; types?: string[] } = {}): Promise<Task> => {
      const [task, ...rest] = await store.claimTasks({ owner: options.owner ?? 'w1', limit: 1, leaseMs: options.leaseMs ?? 10_000, ...(options.types ? { types: options.types } : {}) });
      assert.ok(task, 'expected a claimable task');
      assert.equal(rest.length, 0);
      return task;
    };

    const kinds = async (taskId: string) => (await store.eventsSince({ taskId })).map((e) => (e.kind === 'status' ? `status:${String(e.payload.status)}` : e.kind));

    describe('lifecycle', () => {
      it('TaskStore.createTask() stores a queued task with its input and defaults', async () => {
        const { task, created } = await store.createTask({ type: 'email', input: { to: 'a@example.com', n: [1, 2] } });
        assert.equal(created, true);
        assert.match(task.id, /^[0-9A-Z]{26}$/);
        assert.deepEqual(
          { ...task, id: '' },
          {
            id: '', type: 'email', input: { to: 'a@example.com', n: [1, 2] }, status: 'queued', priority: 0, runAt: START,
            idempotencyKey: null, attempts: 0, maxAttempts: 1, crashCount: 0, progress: 0, message: null, result: null,
            error: null, checkpoint: null, createdAt: START, startedAt: null, finishedAt: null, updatedAt: START,
            leaseOwner: null, leaseExpiresAt: null, leaseToken: 0, requestedStatus: null,
          },
        );
        assert.deepEqual(await store.getTask(task.id), task, 'the task createTask resolves is the stored row');
        const { task: delayed } = await store.createTask({ type: 'email', delayMs: 5, priority: 3, maxAttempts: 4, idempotencyKey: 'k' });
        assert.deepEqual(await store.getTask(delayed.id), delayed);
        assert.equal(await store.getTask('01ZZZZZZZZZZZZZZZZZZZZZZZZ'), undefined);
      });

      it('TaskStore.completeTask() records the result, start and end times, and clears the lease', async () => {
        const { task } = await store.createTask({ type: 'sum', input: [1, 2] });
        advance(5);
        const claimed = await claimOne({ leaseMs: 1000, owner: 'worker-a' });
        assert.equal(claimed.id, task.id);
        assert.equal(claimed.status, 'running');
        assert.deepEqual([claimed.attempts, claimed.leaseToken, claimed.leaseOwner, claimed.leaseExpiresAt, claimed.startedAt], [1, 1, 'worker-a', START + 1005, START + 5]);
        advance(20);
        assert.deepEqual(await store.completeTask({ id: claimed.id, leaseToken: claimed.leaseToken, result: { sum: 3 } }), { ok: true, finishedAt: START + 25 });
        const done = await store.getTask(task.id);
        assert.deepEqual(
          [done?.status, done?.result, done?.progress, done?.startedAt, done?.finishedAt, done?.leaseOwner, done?.leaseExpiresAt, done?.attempts],
          ['succeeded', { sum: 3 }, 100, START + 5, START + 25, null, null, 1],
        );
        assert.deepEqual(await kinds(task.id), ['created', 'started', 'status:succeeded']);
        assert.deepEqual(await store.claimTasks({ owner: 'w', limit: 10, leaseMs: 1000 }), []);
      });

      it('TaskStore.claimTasks() resolves [] when nothing is claimable', async () => {
        assert.deepEqual(await store.claimTasks({ owner: 'w', limit: 5, leaseMs: 1000 }), []);
      });

      it('TaskStore.claimTasks() takes higher priority first, then earlier runAt, then creation order', async () => {
        const low = (await store.createTask({ type: 't', input: 'low', priority: -1 })).task;
        const a = (await store.createTask({ type: 't', input: 'a' })).task;
        const b = (await store.createTask({ type: 't', input: 'b' })).task;
        const early = (await store.createTask({ type: 't', input: 'early', runAt: START - 10 })).task;
        const high = (await store.createTask({ type: 't', input: 'high', priority: 5 })).task;
        const claimed = await store.claimTasks({ owner: 'w', limit: 3, leaseMs: 1000 });
        assert.deepEqual(claimed.map((t) => t.id), [high.id, early.id, a.id]);
        const rest = await store.claimTasks({ owner: 'w', limit: 10, leaseMs: 1000 });
        assert.deepEqual(rest.map((t) => t.id), [b.id, low.id]);
      });

      it('TaskStore.claimTasks() takes only the given types and at most limit tasks', async () => {
        for (let i = 0; i < 3; i++) await store.createTask({ type: 'a' });
        for (let i = 0; i < 3; i++) await store.createTask({ type: 'b' });
        const claimed = await store.claimTasks({ owner: 'w', limit: 2, leaseMs: 1000, types: ['b'] });
        assert.deepEqual(claimed.map((t) => t.type), ['b', 'b']);
        const more = await store.claimTasks({ owner: 'w', limit: 10, leaseMs: 1000, types: ['b', 'c'] });
        assert.deepEqual(more.map((t) => t.type), ['b']);
      });

      it('TaskStore.createTask() with delayMs shows delayed and is claimable only once runAt has come', async () => {
        const { task } = await store.createTask({ type: 't', delayMs: 1000 });
        assert.deepEqual([task.status, task.runAt], ['delayed', START + 1000]);
        assert.deepEqual(await store.claimTasks({ owner: 'w', limit: 1, leaseMs: 1000 }), []);
        advance(999);
        assert.deepEqual(await store.claimTasks({ owner: 'w', limit: 1, leaseMs: 1000 }), []);
        advance(1);
        assert.equal((await store.getTask(task.id))?.status, 'queued');
        assert.equal((await claimOne()).id, task.id);
      });

      it('TaskStore.claimTasks() keeps the running count of a type within perTypeLimits across owners', async () => {
        for (let i = 0; i < 5; i++) await store.createTask({ type: 'gpu', priority: 1 });
        for (let i = 0; i < 3; i++) await store.createTask({ type: 'cpu' });
        const first = await store.claimTasks({ owner: 'w1', limit: 10, leaseMs: 10_000, perTypeLimits: { gpu: 2 } });
        assert.deepEqual(first.map((t) => t.type), ['gpu', 'gpu', 'cpu', 'cpu', 'cpu']);
        assert.deepEqual(await store.claimTasks({ owner: 'w2', limit: 10, leaseMs: 10_000, perTypeLimits: { gpu: 2 } }), []);
        const gpu = first[0]!;
        assert.ok((await store.completeTask({ id: gpu.id, leaseToken: gpu.leaseToken })).ok);
        const next = await store.claimTasks({ owner: 'w2', limit: 10, leaseMs: 10_000, perTypeLimits: { gpu: 2 } });
        assert.deepEqual(next.map((t) => t.type), ['gpu']);
        assert.deepEqual(await store.claimTasks({ owner: 'w2', limit: 10, leaseMs: 10_000, perTypeLimits: { gpu: 0, cpu: 5 } }), []);
      });
    });

    describe('atomic claims', () => {
      it('TaskStore.claimTasks() never hands one task to two store instances claiming at once', async () => {
        const other = await fixture.openAnother();
        try {
          const ids = new Set<string>();
          for (let i = 0; i < 20; i++) {
            const batch = await Promise.all(Array.from({ length: 10 }, () => store.createTask({ type: 't' })));
            for (const { task } of batch) ids.add(task.id);
          }
          const seen: string[] = [];
          const loop = async (s: TaskStore, owner: string) => {
            for (;;) {
              const claimed = await s.claimTasks({ owner, limit: 7, leaseMs: 60_000 });
              if (claimed.length === 0) return;
              for (const t of claimed) seen.push(t.id);
            }
          };
          await Promise.all([loop(store, 'a'), loop(other, 'b'), loop(store, 'c'), loop(other, 'd')]);
          assert.equal(seen.length, ids.size, 'every task claimed exactly once');
          assert.deepEqual(new Set(seen), ids);
        } finally {
          await other.close();
        }
      });
    });

    describe('fencing and leases', () => {
      it('TaskStore fenced operations return lease-lost for a stale lease token after the task was re-claimed', async () => {
        await store.createTask({ type: 't', maxAttempts: 3 });
        const stale = await claimOne({ leaseMs: 1000, owner: 'slow' });
        advance(1001);
        assert.equal((await store.requeueExpired()).length, 1);
        assert.deepEqual(await store.completeTask({ id: stale.id, leaseToken: stale.leaseToken }), { ok: false, reason: 'lease-lost' }, 'requeued, not yet re-claimed');
        const fresh = await claimOne({ leaseMs: 1000, owner: 'fast' });
        assert.equal(fresh.leaseToken, stale.leaseToken + 1);
        const old = { id: stale.id, leaseToken: stale.leaseToken };
        const lost = { ok: false, reason: 'lease-lost' };
        assert.deepEqual(await store.renewLease({ ...old, leaseMs: 1000 }), lost);
        assert.deepEqual(await store.reportProgress({ ...old, progress: 50 }), lost);
        assert.deepEqual(await store.saveCheckpoint({ ...old, checkpoint: { step: 1 } }), lost);
        assert.deepEqual(await store.completeTask({ ...old, result: 'stale' }), lost);
        assert.deepEqual(await store.failTask({ ...old, error: { name: 'Error', message: 'stale' } }), lost);
        assert.deepEqual(await store.releaseTask(old), lost);
        const current = await store.getTask(stale.id);
        assert.deepEqual([current?.status, current?.leaseOwner, current?.progress, current?.checkpoint], ['running', 'fast', 0, null]);
        assert.ok((await store.completeTask({ id: fresh.id, leaseToken: fresh.leaseToken, result: 'fresh' })).ok);
        assert.equal((await store.getTask(fresh.id))?.result, 'fresh');
        assert.deepEqual(await store.completeTask({ id: fresh.id, leaseToken: fresh.leaseToken }), lost, 'a finished task cannot be completed again');
      });

      it('TaskStore.completeTasks() completes many runs in one call, each as completeTask() would, logging in input order', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 4; i++) ids.push((await store.createTask({ type: 't', input: i, priority: i === 2 ? 1 : 0 })).task.id);
        const after = await store.lastEventSeq();
        advance(5);
        const claimed = await store.claimTasks({ owner: 'w', limit: 10, leaseMs: 1000 });
        assert.deepEqual(claimed.map((t) => t.id), [ids[2], ids[0], ids[1], ids[3]]);
        const [c2, c0, c1, c3] = claimed as [Task, Task, Task, Task];
        assert.ok((await store.completeTask({ id: c1.id, leaseToken: c1.leaseToken })).ok, 'finished before the batch');
        advance(10);
        const lost = { ok: false, reason: 'lease-lost' };
        const outcomes = await store.completeTasks([
          { id: c3.id, leaseToken: c3.leaseToken, result: { n: 3 } },
          { id: c0.id, leaseToken: c0.leaseToken + 1, result: 'wrong token' },
          { id: c1.id, leaseToken: c1.leaseToken, result: 'already done' },
          { id: c0.id, leaseToken: c0.leaseToken },
          { id: c3.id, leaseToken: c3.leaseToken, result: 'twice' },
        ]);
        assert.deepEqual(outcomes, [{ ok: true, finishedAt: START + 15 }, lost, lost, { ok: true, finishedAt: START + 15 }, lost]);
        const tasks = await Promise.all([c0, c1, c2, c3].map((t) => store.getTask(t.id)));
        assert.deepEqual(
          tasks.map((t) => [t?.status, t?.result, t?.progress, t?.finishedAt, t?.leaseOwner]),
          [
            ['succeeded', null, 100, START + 15, null],
            ['succeeded', null, 100, START + 5, null],
            ['running', null, 0, null, 'w'],
            ['succeeded', { n: 3 }, 100, START + 15, null],
          ],
        );
        const log = (await store.eventsSince({ after })).map((e) => [e.taskId, e.kind, e.payload]);
        assert.deepEqual(log, [
          ...claimed.map((t) => [t.id, 'started', { attempt: 1, owner: 'w' }]),
          [c1.id, 'status', { status: 'succeeded', from: 'running' }],
          [c3.id, 'status', { status: 'succeeded', from: 'running' }],
          [c0.id, 'status', { status: 'succeeded', from: 'running' }],
        ]);
        assert.ok((await store.completeTasks([{ id: c2.id, leaseToken: c2.leaseToken, result: 2 }]))[0]?.ok);
        assert.equal((await store.getTask(c2.id))?.result, 2);
      });

      it('TaskStore.completeTasks() validates every input first and writes nothing when one is invalid', async () => {
        await store.createTask({ type: 't' });
        const running = await claimOne();
        await assert.rejects(store.completeTasks([]), RangeError);
        await assert.rejects(store.completeTasks('no' as never), TypeError);
        await assert.rejects(store.completeTasks([{ id: running.id, leaseToken: 0 }]), /inputs\[0\]\.leaseToken/);
        await assert.rejects(
          store.completeTasks([
            { id: running.id, leaseToken: running.leaseToken, result: 'fine' },
            { id: running.id, leaseToken: running.leaseToken, result: 10n },
          ]),
          (error: unknown) => error instanceof TypeError && /inputs\[1\]\.result/.test(error.message),
        );
        assert.equal((await store.getTask(running.id))?.status, 'running', 'nothing was written');
      });

      it('TaskStore.renewLease() extends the lease so the task is not requeued', async () => {
        await store.createTask({ type: 't' });
        const task = await claimOne({ leaseMs: 1000 });
        advance(800);
        const renewed = await store.renewLease({ id: task.id, leaseToken: task.leaseToken, leaseMs: 1000 });
        assert.deepEqual(renewed, { ok: true, leaseExpiresAt: START + 1800, requestedStatus: null });
        advance(800);
        assert.deepEqual(await store.requeueExpired(), []);
        assert.equal((await store.getTask(task.id))?.status, 'running');
      });

      it('TaskStore.requeueExpired() requeues a task whose lease expired, counting the crash and the attempt', async () => {
        const { task } = await store.createTask({ type: 't', maxAttempts: 5 });
        await claimOne({ leaseMs: 1000 });
        advance(1000);
        assert.deepEqual(await store.requeueExpired(), [], 'a lease is live until its expiry time has passed');
        advance(1);
        const [requeued, ...none] = await store.requeueExpired();
        assert.equal(none.length, 0);
        assert.deepEqual([requeued?.id, requeued?.status, requeued?.crashCount, requeued?.attempts, requeued?.leaseOwner], [task.id, 'queued', 1, 1, null]);
        const again = await claimOne();
        assert.deepEqual([again.attempts, again.leaseToken], [2, 2]);
        const expired = (await store.eventsSince({ taskId: task.id })).find((e) => e.payload.reason === 'lease-expired');
        assert.deepEqual(expired?.payload, { status: 'queued', from: 'running', reason: 'lease-expired' });
      });

      it('TaskStore.requeueExpired() fails a task that lost its worker maxCrashes times with TaskCrashedError', async () => {
        const { task } = await store.createTask({ type: 'poison', maxAttempts: 10 });
        await claimOne({ leaseMs: 100 });
        advance(101);
        assert.equal((await store.requeueExpired({ maxCrashes: 2 }))[0]?.status, 'queued');
        await claimOne({ leaseMs: 100 });
        advance(101);
        const [failed] = await store.requeueExpired({ maxCrashes: 2 });
        assert.deepEqual([failed?.id, failed?.status, failed?.crashCount, failed?.finishedAt], [task.id, 'failed', 2, START + 202]);
        assert.equal(failed?.error?.name, 'TaskCrashedError');
        assert.equal(failed?.error?.code, 'TASK_CRASHED');
        assert.match(failed?.error?.message ?? '', /lease expired 2 times/);
        assert.deepEqual(await store.claimTasks({ owner: 'w', limit: 1, leaseMs: 100 }), []);
      });
    });

    describe('failures and retries', () => {
      it('TaskStore.failTask() with retryAt schedules a retry while attempts remain, then fails for good', async () => {
        const { task } = await store.createTask({ type: 't', maxAttempts: 2 });
        const first = await claimOne();
        const retried = await store.failTask({ id: task.id, leaseToken: first.leaseToken, error: { name: 'Error', message: 'boom 1', stack: 'at x' }, retryAt: START + 5000 });
        assert.ok(retried.ok);
        assert.deepEqual(
          [retried.task.status, retried.task.runAt, retried.task.error, retried.task.finishedAt, retried.task.attempts],
          ['delayed', START + 5000, { name: 'Error', message: 'boom 1', stack: 'at x' }, null, 1],
        );
        assert.deepEqual(await store.claimTasks({ owner: 'w', limit: 1, leaseMs: 1000 }), []);
        advance(5000);
        const second = await claimOne();
        assert.equal(second.attempts, 2);
        const failed = await store.failTask({ id: task.id, leaseToken: second.leaseToken, error: { name: 'TypeError', message: 'boom 2', code: 'E2' }, retryAt: START + 9000 });
        assert.ok(failed.ok);
        assert.deepEqual([failed.task.status, failed.task.error, failed.task.finishedAt], ['failed', { name: 'TypeError', message: 'boom 2', code: 'E2' }, START + 5000]);
        assert.deepEqual(await kinds(task.id), ['created', 'started', 'status:queued', 'started', 'status:failed']);
      });

      it('TaskStore.failTask() of a task with a requested pause parks the retry until resumed', async () => {
        const { task } = await store.createTask({ type: 't', maxAttempts: 3 });
        const running = await claimOne();
        await store.requestStatus(task.id, 'pause');
        const failed = await store.failTask({ id: task.id, leaseToken: running.leaseToken, error: { name: 'Error', message: 'x' }, retryAt: START + 50 });
        assert.ok(failed.ok);
        assert.deepEqual([failed.task.status, failed.task.runAt, failed.task.requestedStatus], ['paused', START + 50, null]);
        advance(100);
        assert.deepEqual(await store.claimTasks({ owner: 'w', limit: 1, leaseMs: 1000 }), []);
        await store.requestStatus(task.id, 'resume');
        assert.equal((await claimOne()).attempts, 2);
      });

      it('TaskStore.failTask() without retryAt fails at once even when attempts remain', async () => {
        await store.createTask({ type: 't', maxAttempts: 5 });
        const task = await claimOne();
        const failed = await store.failTask({ id: task.id, leaseToken: task.leaseToken, error: { name: 'Error', message: 'no' } });
        assert.ok(failed.ok);
        assert.equal(failed.task.status, 'failed');
      });
    });

    describe('idempotency', () => {
      it('TaskStore.createTask() with a known idempotency key returns the first task, per type', async () => {
        const first = await store.createTask({ type: 'charge', input: { amount: 1 }, idempotencyKey: 'order-7' });
        const [again, racing] = await Promise.all([
          store.createTask({ type: 'charge', input: { amount: 2 }, idempotencyKey: 'order-7' }),
          store.createTask({ type: 'charge', input: { amount: 3 }, idempotencyKey: 'order-7' }),
        ]);
        assert.equal(first.created, true);
        for (const r of [again, racing]) {
          assert.equal(r.created, false);
          assert.equal(r.task.id, first.task.id);
          assert.deepEqual(r.task.input, { amount: 1 });
        }
        const otherType = await store.createTask({ type: 'refund', idempotencyKey: 'order-7' });
        assert.equal(otherType.created, true);
        assert.notEqual(otherType.task.id, first.task.id);
        const claimed = await claimOne({ types: ['charge'] });
        await store.completeTask({ id: claimed.id, leaseToken: claimed.leaseToken });
        const afterDone = await store.createTask({ type: 'charge', idempotencyKey: 'order-7' });
        assert.deepEqual([afterDone.created, afterDone.task.id, afterDone.task.status], [false, first.task.id, 'succeeded']);
        assert.equal((await store.listTasks({ type: 'charge' })).tasks.length, 1);
      });
    });

    describe('cancel and pause', () => {
      it('TaskStore.requestStatus() cancels a queued task at once', async () => {
        const { task } = await store.createTask({ type: 't' });
        advance(3);
        const cancelled = await store.requestStatus(task.id, 'cancel');
        assert.deepEqual([cancelled.status, cancelled.finishedAt, cancelled.requestedStatus], ['cancelled', START + 3, null]);
        assert.deepEqual(await store.claimTasks({ owner: 'w', limit: 1, leaseMs: 1000 }), []);
      });

      it('TaskStore.requestStatus() asks a running task to cancel; the worker sees it and releaseTask() settles it', async () => {
        const { task } = await store.createTask({ type: 't' });
        const running = await claimOne();
        const requested = await store.requestStatus(task.id, 'cancel');
        assert.deepEqual([requested.status, requested.requestedStatus], ['running', 'cancelled']);
        const lease = { id: task.id, leaseToken: running.leaseToken };
        assert.deepEqual(await store.renewLease({ ...lease, leaseMs: 1000 }), { ok: true, leaseExpiresAt: START + 1000, requestedStatus: 'cancelled' });
        assert.deepEqual(await store.reportProgress({ ...lease, progress: 10 }), { ok: true, requestedStatus: 'cancelled' });
        const before = await store.getTask(task.id);
        assert.deepEqual(await store.requestStatus(task.id, 'cancel'), before, 'asking again changes nothing');
        const released = await store.releaseTask(lease);
        assert.ok(released.ok);
        assert.deepEqual([released.task.status, released.task.requestedStatus, released.task.finishedAt], ['cancelled', null, START]);
        assert.deepEqual(await kinds(task.id), ['created', 'started', 'requested', 'progress', 'status:cancelled']);
      });

      it('TaskStore.failTask() of a task with a requested cancel ends it cancelled, not retried', async () => {
        const { task } = await store.createTask({ type: 't', maxAttempts: 3 });
        const running = await claimOne();
        await store.requestStatus(task.id, 'cancel');
        const failed = await store.failTask({ id: task.id, leaseToken: running.leaseToken, error: { name: 'AbortError', message: 'aborted' }, retryAt: START });
        assert.ok(failed.ok);
        assert.equal(failed.task.status, 'cancelled');
      });

      it('TaskStore.requestStatus() pauses a running task, which resumes from its checkpoint without losing an attempt', async () => {
        const { task } = await store.createTask({ type: 't', input: { steps: 10 } });
        const running = await claimOne();
        const lease = { id: task.id, leaseToken: running.leaseToken };
        assert.deepEqual(await store.saveCheckpoint({ ...lease, checkpoint: { step: 3 } }), { ok: true, requestedStatus: null });
        assert.equal((await store.requestStatus(task.id, 'pause')).requestedStatus, 'paused');
        assert.equal((await store.requestStatus(task.id, 'pause')).requestedStatus, 'paused', 'pausing twice is harmless');
        const renewed = await store.renewLease({ ...lease, leaseMs: 1000 });
        assert.ok(renewed.ok);
        assert.equal(renewed.requestedStatus, 'paused');
        const released = await store.releaseTask(lease);
        assert.ok(released.ok);
        assert.deepEqual([released.task.status, released.task.attempts, released.task.finishedAt, released.task.checkpoint], ['paused', 0, null, { step: 3 }]);
        assert.deepEqual(await store.claimTasks({ owner: 'w', limit: 1, leaseMs: 1000 }), []);
        assert.equal((await store.requestStatus(task.id, 'resume')).status, 'queued');
        const resumed = await claimOne();
        assert.deepEqual([resumed.id, resumed.attempts, resumed.checkpoint, resumed.leaseToken], [task.id, 1, { step: 3 }, 2]);
      });

      it('TaskStore.requestStatus() pauses and resumes a queued task at once', async () => {
        const { task } = await store.createTask({ type: 't' });
        assert.equal((await store.requestStatus(task.id, 'pause')).status, 'paused');
        assert.deepEqual(await store.claimTasks({ owner: 'w', limit: 1, leaseMs: 1000 }), []);
        assert.equal((await store.requestStatus(task.id, 'resume')).status, 'queued');
        assert.equal((await claimOne()).id, task.id);
      });

      it('TaskStore.requestStatus() resume withdraws a pause the worker has not acted on yet', async () => {
        const { task } = await store.createTask({ type: 't' });
        const running = await claimOne();
        await store.requestStatus(task.id, 'pause');
        const resumed = await store.requestStatus(task.id, 'resume');
        assert.deepEqual([resumed.status, resumed.requestedStatus], ['running', null]);
        const renewed = await store.renewLease({ id: task.id, leaseToken: running.leaseToken, leaseMs: 1000 });
        assert.ok(renewed.ok);
        assert.equal(renewed.requestedStatus, null);
      });

      it('TaskStore.releaseTask() without a request puts the task back in the queue without using an attempt', async () => {
        const { task } = await store.createTask({ type: 't' });
        const running = await claimOne();
        const released = await store.releaseTask({ id: task.id, leaseToken: running.leaseToken });
        assert.ok(released.ok);
        assert.deepEqual([released.task.status, released.task.attempts, released.task.leaseOwner], ['queued', 0, null]);
        assert.equal((await claimOne()).attempts, 1);
      });

      it('TaskStore.requestStatus() rejects transitions that make no sense with INVALID_TRANSITION and unknown ids with TASK_NOT_FOUND', async () => {
        const { task: queued } = await store.createTask({ type: 't' });
        const { task: other } = await store.createTask({ type: 't', priority: 1 });
        const running = await claimOne();
        assert.equal(running.id, other.id);
        await store.completeTask({ id: running.id, leaseToken: running.leaseToken });
        const rejects = async (id: string, request: 'cancel' | 'pause' | 'resume', code: string, status?: string) => {
          await assert.rejects(store.requestStatus(id, request), (error: unknown) => {
            assert.ok(error instanceof TaskStoreError);
            assert.equal(error.code, code);
            assert.equal(error.status, status);
            return true;
          });
        };
        await rejects(other.id, 'cancel', 'INVALID_TRANSITION', 'succeeded');
        await rejects(other.id, 'pause', 'INVALID_TRANSITION', 'succeeded');
        await rejects(queued.id, 'resume', 'INVALID_TRANSITION', 'queued');
        await rejects('01ZZZZZZZZZZZZZZZZZZZZZZZZ', 'cancel', 'TASK_NOT_FOUND');
        const run2 = await claimOne();
        await rejects(run2.id, 'resume', 'INVALID_TRANSITION', 'running');
        await store.requestStatus(run2.id, 'cancel');
        await rejects(run2.id, 'pause', 'INVALID_TRANSITION', 'running');
        assert.equal((await store.getTask(run2.id))?.requestedStatus, 'cancelled', 'a refused request changes nothing');
      });

      it('TaskStore.requeueExpired() settles an expired task with a requested cancel as cancelled', async () => {
        const { task } = await store.createTask({ type: 't' });
        await claimOne({ leaseMs: 100 });
        await store.requestStatus(task.id, 'cancel');
        advance(101);
        const [settled] = await store.requeueExpired();
        assert.deepEqual([settled?.status, settled?.crashCount], ['cancelled', 1]);
      });
    });

    describe('progress and checkpoints', () => {
      it('TaskStore.reportProgress() coalesces reports within one commit into one write and one event', async () => {
        const { task } = await store.createTask({ type: 't' });
        const running = await claimOne();
        const lease = { id: task.id, leaseToken: running.leaseToken };
        const results = await Promise.all([
          store.reportProgress({ ...lease, progress: 10 }),
          store.reportProgress({ ...lease, progress: 20, message: 'halfway' }),
          store.reportProgress({ ...lease, progress: 30 }),
        ]);
        assert.deepEqual(results, [1, 2, 3].map(() => ({ ok: true, requestedStatus: null })));
        const stored = await store.getTask(task.id);
        assert.deepEqual([stored?.progress, stored?.message], [30, 'halfway']);
        const progress = (await store.eventsSince({ taskId: task.id })).filter((e) => e.kind === 'progress');
        assert.deepEqual(progress.map((e) => e.payload), [{ progress: 30, message: 'halfway' }]);
        await store.reportProgress({ ...lease, message: 'almost' });
        assert.deepEqual([(await store.getTask(task.id))?.progress, (await store.getTask(task.id))?.message], [30, 'almost']);
      });

      it('TaskStore.reportProgress() rejects progress outside 0..100 with RangeError', async () => {
        await assert.rejects(store.reportProgress({ id: 'x', leaseToken: 1, progress: 101 }), RangeError);
        await assert.rejects(store.reportProgress({ id: 'x', leaseToken: 1 }), TypeError);
      });

      it('TaskStore.saveCheckpoint() keeps the latest checkpoint on the task', async () => {
        const { task } = await store.createTask({ type: 't' });
        const running = await claimOne();
        await store.saveCheckpoint({ id: task.id, leaseToken: running.leaseToken, checkpoint: { page: 1 } });
        await store.saveCheckpoint({ id: task.id, leaseToken: running.leaseToken, checkpoint: { page: 2, seen: ['a'] } });
        assert.deepEqual((await store.getTask(task.id))?.checkpoint, { page: 2, seen: ['a'] });
      });
    });

    describe('retention', () => {
      const finish = async (count: number, step: number) => {
        const ids: string[] = [];
        for (let i = 0; i < count; i++) {
          await store.createTask({ type: 'r', idempotencyKey: `k${i}` });
          const t = await claimOne({ types: ['r'] });
          await store.completeTask({ id: t.id, leaseToken: t.leaseToken });
          ids.push(t.id);
          advance(step);
        }
        return ids;
      };

      it('TaskStore.purgeFinished() keeps only the newest finished tasks and deletes the others with their events', async () => {
        const { task: live } = await store.createTask({ type: 'live' });
        const ids = await finish(5, 10);
        const purged = await store.purgeFinished({ keep: 2 });
        assert.deepEqual([purged.tasks, purged.more], [3, false]);
        assert.equal(purged.events, 9, '3 tasks × 3 events each');
        for (const id of ids.slice(0, 3)) assert.equal(await store.getTask(id), undefined);
        for (const id of ids.slice(3)) assert.equal((await store.getTask(id))?.status, 'succeeded');
        assert.equal((await store.getTask(live.id))?.status, 'queued', 'unfinished tasks are never purged');
        assert.deepEqual(await store.eventsSince({ taskId: ids[0]! }), []);
        assert.equal((await store.eventsSince({ taskId: ids[4]! })).length, 3);
        assert.equal((await store.createTask({ type: 'r', idempotencyKey: 'k0' })).created, true, 'a purged key can be used again');
      });

      it('TaskStore.purgeFinished() deletes finished tasks older than olderThanMs, in bounded chunks', async () => {
        const ids = await finish(3, 0);
        advance(1000);
        assert.deepEqual((await store.purgeFinished({ olderThanMs: 1001 })).tasks, 0);
        const first = await store.purgeFinished({ olderThanMs: 999, limit: 2 });
        assert.deepEqual([first.tasks, first.more], [2, true]);
        const second = await store.purgeFinished({ olderThanMs: 999, limit: 2 });
        assert.deepEqual([second.tasks, second.more], [1, false]);
        for (const id of ids) assert.equal(await store.getTask(id), undefined);
      });

      it('TaskStore.purgeFinished() bounds the event log by count and age', async () => {
        const { task } = await store.createTask({ type: 't' });
        const running = await claimOne();
        for (let i = 1; i <= 10; i++) {
          await store.reportProgress({ id: task.id, leaseToken: running.leaseToken, progress: i });
          advance(100);
        }
        assert.equal((await store.eventsSince()).length, 12);
        assert.equal((await store.purgeFinished({ maxEvents: 5 })).events, 7);
        const left = await store.eventsSince();
        assert.deepEqual(left.map((e) => e.payload.progress), [6, 7, 8, 9, 10]);
        assert.equal((await store.purgeFinished({ olderThanMs: 250 })).events, 3);
        assert.deepEqual((await store.eventsSince()).map((e) => e.payload.progress), [9, 10]);
      });
    });

    describe('listing, events and counts', () => {
      it('TaskStore.lastEventSeq() is 0 on an empty log and then the seq of the newest event', async () => {
        assert.equal(await store.lastEventSeq(), 0);
        await store.createTask({ type: 't' });
        const { task } = await store.createTask({ type: 't' });
        const events = await store.eventsSince();
        assert.equal(await store.lastEventSeq(), events.at(-1)!.seq);
        await store.requestStatus(task.id, 'cancel');
        const last = await store.lastEventSeq();
        assert.ok(last > events.at(-1)!.seq, 'a new event moves it forward');
        assert.deepEqual(await store.eventsSince({ after: last }), []);
      });

      it('TaskStore.listTasks() pages by id without repeats or gaps while tasks are inserted', async () => {
        const created: string[] = [];
        for (let i = 0; i < 25; i++) created.push((await store.createTask({ type: 't', input: i })).task.id);
        const seen: string[] = [];
        let page = await store.listTasks({ limit: 10 });
        seen.push(...page.tasks.map((t) => t.id));
        for (let i = 0; i < 5; i++) await store.createTask({ type: 't', input: `late ${i}` });
        while (page.nextCursor) {
          page = await store.listTasks({ limit: 10, cursor: page.nextCursor });
          seen.push(...page.tasks.map((t) => t.id));
          await store.createTask({ type: 't', input: 'later' });
        }
        assert.deepEqual(seen, [...created].reverse());
        const asc: string[] = [];
        let cursor: string | undefined;
        do {
          const p = await store.listTasks({ limit: 7, order: 'asc', ...(cursor ? { cursor } : {}) });
          asc.push(...p.tasks.map((t) => t.id));
          cursor = p.nextCursor ?? undefined;
        } while (cursor);
        assert.deepEqual(asc.slice(0, 25), created);
        assert.equal(asc.length, 32);
      });

      it('TaskStore.listTasks() filters by status (queued and delayed apart) and type', async () => {
        const { task: now } = await store.createTask({ type: 'a' });
        const { task: later } = await store.createTask({ type: 'a', delayMs: 60_000 });
        const { task: b } = await store.createTask({ type: 'b', priority: 9 });
        await claimOne();
        const ids = async (options: Parameters<TaskStore['listTasks']>[0]) => (await store.listTasks(options)).tasks.map((t) => t.id);
        assert.deepEqual(await ids({ status: 'queued' }), [now.id]);
        assert.deepEqual(await ids({ status: 'delayed' }), [later.id]);
        assert.deepEqual(await ids({ status: ['queued', 'delayed'] }), [later.id, now.id]);
        assert.deepEqual(await ids({ status: 'running' }), [b.id]);
        assert.deepEqual(await ids({ type: 'a' }), [later.id, now.id]);
        assert.deepEqual(await ids({ type: 'b', status: 'queued' }), []);
        await assert.rejects(store.listTasks({ cursor: 'not a cursor' }), TypeError);
        await assert.rejects(store.listTasks({ status: 'done' as never }), TypeError);
      });

      it('TaskStore.eventsSince() replays the log after a sequence number, for all tasks or one', async () => {
        const { task: a } = await store.createTask({ type: 't' });
        const { task: b } = await store.createTask({ type: 't' });
        const running = await claimOne();
        await store.completeTask({ id: running.id, leaseToken: running.leaseToken });
        const all = await store.eventsSince();
        assert.deepEqual(all.map((e) => [e.taskId, e.kind]), [[a.id, 'created'], [b.id, 'created'], [a.id, 'started'], [a.id, 'status']]);
        for (let i = 1; i < all.length; i++) assert.ok(all[i]!.seq > all[i - 1]!.seq);
        const resumed = await store.eventsSince({ after: all[1]!.seq });
        assert.deepEqual(resumed, all.slice(2));
        assert.deepEqual(await store.eventsSince({ after: all[1]!.seq, taskId: b.id }), []);
        assert.deepEqual(await store.eventsSince({ after: all[0]!.seq, taskId: b.id }), [all[1]]);
        assert.deepEqual((await store.eventsSince({ taskId: a.id, limit: 2 })).map((e) => e.kind), ['created', 'started']);
        assert.deepEqual(all[0]!.payload, { status: 'queued' });
        assert.equal(all[0]!.at, START);
      });

      it('TaskStore.counts() counts tasks by type and shown status', async () => {
        await store.createTask({ type: 'a' });
        await store.createTask({ type: 'a' });
        await store.createTask({ type: 'a', delayMs: 10 });
        await store.createTask({ type: 'b', priority: 1 });
        await claimOne();
        const counts = await store.counts();
        const sorted = [...counts].sort((x, y) => `${x.type}${x.status}`.localeCompare(`${y.type}${y.status}`));
        assert.deepEqual(sorted, [
          { type: 'a', status: 'delayed', count: 1 },
          { type: 'a', status: 'queued', count: 2 },
          { type: 'b', status: 'running', count: 1 },
        ]);
      });
    });

    describe('wake-up and validation', () => {
      it('TaskStore.onTasksAvailable() calls listeners after a commit that made tasks claimable, until unsubscribed', async () => {
        let calls = 0;
        const off = store.onTasksAvailable(() => calls++);
        const created = store.createTask({ type: 't' });
        assert.equal(calls, 0);
        await created;
        assert.equal(calls, 1, 'called by the time create resolves');
        await store.createTask({ type: 't', delayMs: 1000 });
        assert.equal(calls, 1, 'not for a delayed task');
        const t = await claimOne({ leaseMs: 10 });
        advance(11);
        await store.requeueExpired();
        assert.equal(calls, 2, 'after a requeue');
        await store.requestStatus(t.id, 'pause');
        await store.requestStatus(t.id, 'resume');
        assert.equal(calls, 3, 'after a resume');
        off();
        await store.createTask({ type: 't' });
        assert.equal(calls, 3);
      });

      it('TaskStore.onEventsAppended() reports the highest new seq after each commit that appended events', async () => {
        const seen: number[] = [];
        const off = store.onEventsAppended((seq) => seen.push(seq));
        const { task } = await store.createTask({ type: 't' });
        const running = await claimOne();
        await Promise.all([store.reportProgress({ id: task.id, leaseToken: running.leaseToken, progress: 5 }), store.saveCheckpoint({ id: task.id, leaseToken: running.leaseToken, checkpoint: 1 })]);
        await store.renewLease({ id: task.id, leaseToken: running.leaseToken, leaseMs: 1000 });
        const events = await store.eventsSince();
        assert.deepEqual(seen, [events[0]!.seq, events[1]!.seq, events[3]!.seq], 'one call per commit that appended; none for a renewal');
        assert.equal(events.length, 4);
        off();
        await store.createTask({ type: 't' });
        assert.equal(seen.length, 3);
        assert.throws(() => store.onEventsAppended(null as never), TypeError);
      });

      it('TaskStore methods reject invalid arguments with TypeError or RangeError naming them', async () => {
        await assert.rejects(store.createTask({ type: '' }), /type must be a non-empty string/);
        await assert.rejects(store.createTask({ type: 't', input: 10n }), TypeError);
        await assert.rejects(store.createTask({ type: 't', runAt: 1, delayMs: 1 }), TypeError);
        await assert.rejects(store.createTask({ type: 't', maxAttempts: 0 }), RangeError);
        await assert.rejects(store.createTask({ type: 't', priority: 1.5 }), TypeError);
        await assert.rejects(store.claimTasks({ owner: 'w', limit: 0, leaseMs: 10 }), /limit must be from 1/);
        await assert.rejects(store.claimTasks({ owner: '', limit: 1, leaseMs: 10 }), /owner/);
        await assert.rejects(store.claimTasks({ owner: 'w', limit: 1, leaseMs: 0 }), RangeError);
        await assert.rejects(store.completeTask({ id: 'x', leaseToken: 0 }), RangeError);
        await assert.rejects(store.failTask({ id: 'x', leaseToken: 1, error: 'boom' as never }), TypeError);
        await assert.rejects(store.requestStatus('x', 'stop' as never), TypeError);
        await assert.rejects(store.getTask(42 as never), TypeError);
        assert.throws(() => store.onTasksAvailable('no' as never), TypeError);
        assert.deepEqual(await store.listTasks(), { tasks: [], nextCursor: null }, 'nothing was written');
      });

      it('TaskStore.close() commits pending writes and later calls reject', async () => {
        const other = await fixture.openAnother();
        const pending = other.createTask({ type: 't', input: 'last' });
        await other.close();
        const { task } = await pending;
        assert.equal((await store.getTask(task.id))?.input, 'last');
        await assert.rejects(other.createTask({ type: 't' }), /closed/);
        await assert.rejects(other.getTask(task.id), /closed/);
        await other.close();
      });
    });
  });
}
