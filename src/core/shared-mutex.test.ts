import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { FakeClock } from './clock.js';
import { CancelledError, TimeoutError } from './errors.js';
import { SharedMutex } from './shared-mutex.js';

const WORKER = new URL('./fixtures/shared-mutex-worker.ts', import.meta.url);

type Mode = 'sync' | 'async' | 'none' | 'hold' | 'lock-once';

/** A buffer holding a mutex followed by one Int32 counter, as the fixture worker expects. */
function sharedState(): { mutex: SharedMutex; counter: Int32Array } {
  const buffer = new SharedArrayBuffer(SharedMutex.BYTES + 4);
  return { mutex: SharedMutex.from(buffer), counter: new Int32Array(buffer, SharedMutex.BYTES, 1) };
}

// On Node 20 a worker does not inherit the parent's tsx hooks, so the fixture registers tsx before importing the .ts file.
const BOOT = new URL(
  `data:text/javascript,${encodeURIComponent(
    `const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}); register(); await import(${JSON.stringify(WORKER.href)});`,
  )}`,
);

function startWorker(mutex: SharedMutex, mode: Mode, iterations = 0, delta = 0): Worker {
  return new Worker(BOOT, { workerData: { buffer: mutex.buffer, mode, iterations, delta } });
}

async function finished(worker: Worker): Promise<void> {
  const [code] = (await once(worker, 'exit')) as [number];
  assert.equal(code, 0);
}

/** Starts a worker that takes the lock and holds it until `release()`. */
async function holdInWorker(mutex: SharedMutex): Promise<{ release: () => Promise<void> }> {
  const worker = startWorker(mutex, 'hold');
  const [first] = (await once(worker, 'message')) as [string];
  assert.equal(first, 'held');
  return {
    release: async () => {
      const released = once(worker, 'message');
      worker.postMessage('release');
      assert.deepEqual(await released, ['released']);
      await finished(worker);
    },
  };
}

describe('SharedMutex', () => {
  it('SharedMutex.tryLock() takes a free lock once and fails while it is held', () => {
    const mutex = new SharedMutex();
    assert.equal(mutex.locked, false);
    assert.equal(mutex.tryLock(), true);
    assert.equal(mutex.locked, true);
    assert.equal(mutex.heldByCurrentThread, true);
    assert.equal(mutex.tryLock(), false);
    mutex.unlock();
    assert.equal(mutex.locked, false);
    assert.equal(mutex.heldByCurrentThread, false);
    assert.equal(mutex.tryLock(), true);
    mutex.unlock();
  });

  it('SharedMutex.from() views the same lock as the mutex that made the buffer', () => {
    const a = new SharedMutex();
    const b = SharedMutex.from(a.buffer, a.byteOffset);
    assert.equal(a.buffer.byteLength, SharedMutex.BYTES);
    assert.equal(a.tryLock(), true);
    assert.equal(b.locked, true);
    assert.equal(b.tryLock(), false);
    a.unlock();
    assert.equal(b.tryLock(), true);
    b.unlock();
  });

  it('SharedMutex.from() embeds a lock at an offset without touching neighbouring bytes', () => {
    const buffer = new SharedArrayBuffer(24);
    const all = new Int32Array(buffer);
    all.fill(7);
    all[4] = 0;
    all[5] = 0;
    const mutex = SharedMutex.from(buffer, 16);
    assert.equal(mutex.byteOffset, 16);
    assert.equal(mutex.tryLock(), true);
    mutex.unlock();
    assert.deepEqual([...all.subarray(0, 4)], [7, 7, 7, 7]);
  });

  it('SharedMutex.from() rejects a non-shared buffer and a bad offset', () => {
    assert.throws(() => SharedMutex.from(new ArrayBuffer(8) as unknown as SharedArrayBuffer), {
      name: 'TypeError',
      message: /^buffer must be a SharedArrayBuffer/,
    });
    assert.throws(() => SharedMutex.from(new SharedArrayBuffer(16), 2), { name: 'RangeError', message: /^byteOffset must be/ });
    assert.throws(() => SharedMutex.from(new SharedArrayBuffer(16), -4), { name: 'RangeError', message: /^byteOffset must be/ });
    assert.throws(() => SharedMutex.from(new SharedArrayBuffer(16), 12), { name: 'RangeError', message: /^byteOffset must leave 8 bytes/ });
  });

  it('SharedMutex.from() explains that a posted SharedMutex arrives without its buffer', () => {
    const cloned = structuredClone(new SharedMutex()) as unknown as SharedArrayBuffer;
    assert.throws(() => SharedMutex.from(cloned), { name: 'TypeError', message: /send mutex\.buffer to the other thread, not the mutex/ });
  });

  it('SharedMutex.unlock() throws when the lock is free', () => {
    assert.throws(() => new SharedMutex().unlock(), { message: 'SharedMutex is not locked' });
  });

  it('SharedMutex.lock() resolves at once when the lock is free', async () => {
    const mutex = new SharedMutex();
    await mutex.lock();
    assert.equal(mutex.heldByCurrentThread, true);
    mutex.unlock();
  });

  it('SharedMutex.lock() validates its options', async () => {
    const mutex = new SharedMutex();
    await assert.rejects(mutex.lock({ timeout: -1 }), { name: 'RangeError', message: /^timeout must be/ });
    await assert.rejects(mutex.lock({ signal: {} as AbortSignal }), { name: 'TypeError', message: /^signal must be an AbortSignal/ });
    assert.throws(() => mutex.lockSync({ timeout: Number.NaN }), { name: 'RangeError', message: /^timeout must be/ });
    assert.equal(mutex.locked, false);
  });

  it('SharedMutex.lock() rejects with CancelledError for an already aborted signal, even when the lock is free', async () => {
    const mutex = new SharedMutex();
    await assert.rejects(mutex.lock({ signal: AbortSignal.abort() }), CancelledError);
    assert.equal(mutex.locked, false);
  });

  it('SharedMutex.lock() waits for an unlock by another task on the same thread', async () => {
    const mutex = new SharedMutex();
    mutex.tryLock();
    const order: string[] = [];
    const waiting = mutex.lock().then(() => order.push('acquired'));
    await new Promise((resolve) => setImmediate(resolve));
    order.push('unlocking');
    mutex.unlock();
    await waiting;
    assert.deepEqual(order, ['unlocking', 'acquired']);
    mutex.unlock();
  });

  it('SharedMutex.lock() rejects with TimeoutError on its clock and a later waiter still gets the lock', async () => {
    const clock = new FakeClock();
    const mutex = new SharedMutex();
    mutex.tryLock();
    const timedOut = assert.rejects(mutex.lock({ timeout: 100, clock }), TimeoutError);
    const patient = mutex.lock();
    await clock.advance(100);
    await timedOut;
    assert.equal(clock.pendingTimers, 0);
    mutex.unlock();
    await patient;
    assert.equal(mutex.heldByCurrentThread, true);
    mutex.unlock();
    assert.equal(mutex.locked, false);
  });

  it('SharedMutex.lock() rejects with CancelledError when its signal aborts while waiting', async () => {
    const mutex = new SharedMutex();
    mutex.tryLock();
    const controller = new AbortController();
    const waiting = mutex.lock({ signal: controller.signal });
    controller.abort();
    await assert.rejects(waiting, CancelledError);
    mutex.unlock();
    assert.equal(mutex.locked, false);
  });

  it('SharedMutex.lockSync() throws instead of deadlocking when this thread holds the lock', () => {
    const mutex = new SharedMutex();
    mutex.lockSync();
    assert.throws(() => mutex.lockSync(), { message: /already held by this thread/ });
    mutex.unlock();
  });

  it('SharedMutex.use() returns the result and releases the lock when fn throws', async () => {
    const mutex = new SharedMutex();
    assert.equal(await mutex.use(() => 42), 42);
    await assert.rejects(
      mutex.use(() => Promise.reject(new Error('boom'))),
      { message: 'boom' },
    );
    assert.equal(mutex.locked, false);
    assert.throws(() => mutex.useSync(() => { throw new Error('bang'); }), { message: 'bang' });
    assert.equal(mutex.locked, false);
    await assert.rejects(mutex.use(undefined as unknown as () => void), { name: 'TypeError', message: /^fn must be a function/ });
  });

  it('SharedMutex.unlock() throws when another thread holds the lock', async () => {
    const { mutex } = sharedState();
    const holder = await holdInWorker(mutex);
    assert.equal(mutex.locked, true);
    assert.equal(mutex.heldByCurrentThread, false);
    assert.throws(() => mutex.unlock(), { message: /held by another thread/ });
    await holder.release();
    assert.equal(mutex.locked, false);
  });

  it('SharedMutex.lockSync() throws TimeoutError while another thread holds the lock', async () => {
    const { mutex } = sharedState();
    const holder = await holdInWorker(mutex);
    const started = performance.now();
    assert.throws(() => mutex.lockSync({ timeout: 30 }), TimeoutError);
    assert.ok(performance.now() - started >= 29);
    await holder.release();
  });

  it('SharedMutex.lock() acquires once another thread unlocks', async () => {
    const { mutex } = sharedState();
    const holder = await holdInWorker(mutex);
    let acquired = false;
    const waiting = mutex.lock().then(() => {
      acquired = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(acquired, false);
    await holder.release();
    await waiting;
    assert.equal(mutex.heldByCurrentThread, true);
    mutex.unlock();
  });

  it('SharedMutex.lock() keeps a worker alive while it waits, though nothing else does', async () => {
    const { mutex, counter } = sharedState();
    mutex.lockSync();
    const waiter = startWorker(mutex, 'lock-once', 0, 5);
    // Long enough for the worker to start and fall asleep in lock(); an un-ref'd wait exits it with code 13.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(counter[0], 0);
    mutex.unlock();
    await finished(waiter);
    assert.equal(counter[0], 5);
    assert.equal(mutex.locked, false);
  });

  it('SharedMutex.useSync() keeps a non-atomic counter exact across two threads doing 100k steps each', async () => {
    const { mutex, counter } = sharedState();
    const up = startWorker(mutex, 'sync', 100_000, +1);
    const down = startWorker(mutex, 'sync', 100_000, -1);
    await Promise.all([finished(up), finished(down)]);
    assert.equal(counter[0], 0);
    assert.equal(mutex.locked, false);
  });

  it('SharedMutex.use() in one thread and useSync() in another keep a shared counter exact', async () => {
    const { mutex, counter } = sharedState();
    const up = startWorker(mutex, 'async', 20_000, +1);
    const down = startWorker(mutex, 'sync', 20_000, -1);
    // The host joins in through the async path, so waitAsync wake-ups are exercised too.
    let hostSteps = 0;
    for (let i = 0; i < 2_000; i++) {
      await mutex.use(() => {
        counter[0] = counter[0]! + 1;
        hostSteps++;
      });
    }
    await Promise.all([finished(up), finished(down)]);
    assert.equal(counter[0], hostSteps);
    assert.equal(hostSteps, 2_000);
  });
});
