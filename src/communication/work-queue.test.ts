import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../core/clock.js';
import { CancelledError, TimeoutError } from '../core/errors.js';
import { stateOf } from './fixtures/promise-state.js';
import { ChannelClosedError } from './channel-closed-error.js';
import { DEFAULT_MAX_SIZE, WorkQueue } from './work-queue.js';

describe('WorkQueue', () => {
  it('new WorkQueue() is bounded at 1024 by default and rejects 0, negatives and fractions', () => {
    assert.equal(new WorkQueue().maxSize, DEFAULT_MAX_SIZE);
    assert.equal(DEFAULT_MAX_SIZE, 1024);
    assert.equal(new WorkQueue({ maxSize: Infinity }).maxSize, Infinity);
    assert.throws(() => new WorkQueue({ maxSize: 0 }), { name: 'RangeError', message: /^options\.maxSize .*0 does not mean unbounded/ });
    for (const bad of [-1, 2.5, Number.NaN]) {
      assert.throws(() => new WorkQueue({ maxSize: bad }), { name: 'RangeError', message: /^options\.maxSize must be a positive integer or Infinity/ });
    }
    assert.throws(() => new WorkQueue({ maxSize: '8' as never }), { name: 'TypeError', message: /^options\.maxSize must be a number/ });
    assert.throws(() => new WorkQueue(null as never), { name: 'TypeError', message: /^options must be an object/ });
  });

  it('WorkQueue.put() waits while maxSize items are queued and get() returns them in order', async () => {
    const queue = new WorkQueue<number>({ maxSize: 2 });
    await queue.put(1);
    await queue.put(2);
    const third = queue.put(3);
    assert.equal(await stateOf(third), 'pending');
    assert.equal(queue.size, 2);
    assert.equal(await queue.get(), 1);
    assert.equal(await stateOf(third), 'fulfilled');
    assert.deepEqual([await queue.get(), await queue.get()], [2, 3]);
    assert.equal(queue.size, 0);
  });

  it('WorkQueue.get() waits while empty and waiting getters are served in order', async () => {
    const queue = new WorkQueue<string>();
    const getters = [queue.get(), queue.get()];
    assert.equal(await stateOf(getters[0]!), 'pending');
    await queue.put('a');
    await queue.put('b');
    assert.deepEqual(await Promise.all(getters), ['a', 'b']);
  });

  it('WorkQueue.tryPut() and tryGet() report ok, full, empty and closed', () => {
    const queue = new WorkQueue<number>({ maxSize: 1 });
    assert.deepEqual(queue.tryGet(), { state: 'empty' });
    assert.deepEqual(queue.tryPut(1), { state: 'ok' });
    assert.deepEqual(queue.tryPut(2), { state: 'full' });
    assert.deepEqual(queue.tryGet(), { state: 'ok', value: 1 });
    queue.close();
    assert.deepEqual(queue.tryPut(3), { state: 'closed' });
    assert.deepEqual(queue.tryGet(), { state: 'closed' });
  });

  it('WorkQueue.join() resolves only after taskDone() for every item put, and at once when none is unfinished', async () => {
    const queue = new WorkQueue<string>();
    assert.equal(await stateOf(queue.join()), 'fulfilled');
    await queue.put('a');
    await queue.put('b');
    assert.equal(queue.unfinished, 2);
    const joined = queue.join();
    await queue.get();
    await queue.get();
    assert.equal(queue.unfinished, 2); // taken is not done
    queue.taskDone();
    assert.equal(await stateOf(joined), 'pending');
    queue.taskDone();
    assert.equal(queue.unfinished, 0);
    assert.equal(await stateOf(joined), 'fulfilled');
  });

  it('WorkQueue.taskDone() throws when called more times than items were put', async () => {
    const queue = new WorkQueue<number>({ maxSize: 1 });
    assert.throws(() => queue.taskDone(), { name: 'Error', message: 'taskDone() called more times than items were put' });
    await queue.put(1);
    const blocked = queue.put(2); // not accepted yet, so not counted
    queue.taskDone();
    assert.throws(() => queue.taskDone(), /more times than items were put/);
    assert.equal(queue.unfinished, 0);
    assert.equal(await queue.get(), 1);
    await blocked;
    assert.equal(queue.unfinished, 1);
  });

  it('WorkQueue.join() rejects with TimeoutError or CancelledError and leaves no timer', async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue<number>();
    await queue.put(1);
    const timedOut = assert.rejects(queue.join({ timeout: 10, clock }), TimeoutError);
    await clock.advance(10);
    await timedOut;
    const controller = new AbortController();
    const cancelled = queue.join({ signal: controller.signal });
    controller.abort();
    await assert.rejects(cancelled, CancelledError);
    await assert.rejects(queue.join({ signal: AbortSignal.abort() }), CancelledError);
    const joined = queue.join({ timeout: 10, clock });
    await queue.get();
    queue.taskDone();
    await joined;
    assert.equal(clock.pendingTimers, 0);
  });

  it('WorkQueue.get() cancelled by its signal never takes an item; a timed-out put() never enqueues', async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue<string>({ maxSize: 1 });
    const controller = new AbortController();
    const cancelledGet = queue.get({ signal: controller.signal });
    controller.abort();
    await assert.rejects(cancelledGet, CancelledError);
    await queue.put('kept');
    const lostPut = assert.rejects(queue.put('dropped', { timeout: 5, clock }), TimeoutError);
    await clock.advance(5);
    await lostPut;
    assert.equal(queue.unfinished, 1);
    assert.deepEqual([queue.tryGet(), queue.tryGet()], [{ state: 'ok', value: 'kept' }, { state: 'empty' }]);
  });

  it('WorkQueue.close() fails blocked puts with their item, drains, then ends iteration', async () => {
    const queue = new WorkQueue<number>({ maxSize: 1 });
    await queue.put(1);
    const blocked = queue.put(2);
    queue.close();
    await assert.rejects(blocked, (error) => error instanceof ChannelClosedError && error.value === 2);
    const got: number[] = [];
    for await (const item of queue) {
      got.push(item);
      queue.taskDone();
    }
    assert.deepEqual(got, [1]);
    await assert.rejects(queue.get(), ChannelClosedError);
    await queue.join();
  });

  it('WorkQueue with several consumers processes every item exactly once and join() waits for all', async () => {
    const queue = new WorkQueue<number>({ maxSize: 4 });
    const seen: number[][] = [[], [], []];
    const consumers = seen.map(async (mine) => {
      for await (const item of queue) {
        mine.push(item);
        await new Promise((resolve) => setImmediate(resolve)); // work that yields
        queue.taskDone();
      }
    });
    for (let i = 0; i < 60; i++) await queue.put(i);
    await queue.join();
    assert.equal(queue.unfinished, 0);
    queue.close();
    await Promise.all(consumers);
    const all = seen.flat().sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: 60 }, (_, i) => i));
    assert.ok(seen.every((mine) => mine.length > 0), `work spread: ${seen.map((m) => m.length).join(', ')}`);
  });

  it('WorkQueue.put() and get() reject invalid options with TypeError or RangeError', async () => {
    const queue = new WorkQueue<number>();
    await assert.rejects(queue.put(1, { timeout: -1 }), { name: 'RangeError', message: /^options\.timeout/ });
    await assert.rejects(queue.get({ signal: 'x' as never }), { name: 'TypeError', message: /^options\.signal/ });
    await assert.rejects(queue.join(5 as never), { name: 'TypeError', message: /^options must be an object/ });
    assert.equal(queue.size, 0);
  });
});
