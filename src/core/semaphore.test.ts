import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { FakeClock } from './clock.js';
import { CancelledError, TimeoutError } from './errors.js';
import { Semaphore } from './semaphore.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('Semaphore.acquire() grants permits immediately up to n, then queues', async () => {
    const sem = new Semaphore(2);
    const r1 = await sem.acquire();
    await sem.acquire();
    assert.equal(sem.available, 0);
    let third = false;
    const pending = sem.acquire().then((release) => {
      third = true;
      return release;
    });
    await turn();
    assert.equal(third, false);
    assert.equal(sem.waiting, 1);
    r1();
    await pending;
    assert.equal(third, true);
    assert.equal(sem.available, 0, 'the released permit went straight to the waiter');
    assert.equal(sem.waiting, 0);
  });

  it('Semaphore.acquire() serves waiters first in, first out', async () => {
    const sem = new Semaphore(1);
    const release = await sem.acquire();
    const order: number[] = [];
    const waiters = [1, 2, 3].map((n) =>
      sem.acquire().then((r) => {
        order.push(n);
        r();
      }),
    );
    release();
    await Promise.all(waiters);
    assert.deepEqual(order, [1, 2, 3]);
    assert.equal(sem.available, 1);
  });

  it('Semaphore release functions are idempotent', async () => {
    const sem = new Semaphore(1);
    const release = await sem.acquire();
    release();
    release();
    assert.equal(sem.available, 1);
  });

  it('Semaphore.acquire() cancelled while waiting leaves the queue without leaking a permit', async () => {
    const sem = new Semaphore(1);
    const release = await sem.acquire();
    const controller = new AbortController();
    const cancelled = sem.acquire({ signal: controller.signal });
    const next = sem.acquire();
    assert.equal(sem.waiting, 2);
    controller.abort();
    await assert.rejects(cancelled, CancelledError);
    assert.equal(sem.waiting, 1);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    release();
    const releaseNext = await next;
    assert.equal(sem.available, 0);
    releaseNext();
    assert.equal(sem.available, 1, 'all permits back: the cancelled waiter took none');
  });

  it('Semaphore.acquire() rejects with TimeoutError after the timeout and leaves no timer', async () => {
    const clock = new FakeClock();
    const sem = new Semaphore(1);
    const release = await sem.acquire();
    const late = sem.acquire({ timeout: 50, clock });
    const outcome = late.catch((e: unknown) => e);
    await clock.advance(50);
    assert.ok((await outcome) instanceof TimeoutError);
    assert.equal(sem.waiting, 0);
    assert.equal(clock.pendingTimers, 0);
    release();
    assert.equal(sem.available, 1);
  });

  it('Semaphore.acquire() granted before its timeout cancels the timer and removes the listener', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const sem = new Semaphore(1);
    const release = await sem.acquire();
    const waiting = sem.acquire({ timeout: 50, clock, signal: controller.signal });
    release();
    (await waiting)();
    assert.equal(clock.pendingTimers, 0);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  it('Semaphore.acquire() with a free permit schedules no timer even with a timeout', async () => {
    const clock = new FakeClock();
    const sem = new Semaphore(1);
    const release = await sem.acquire({ timeout: 1_000, clock });
    assert.equal(clock.pendingTimers, 0);
    release();
  });

  it('Semaphore.acquire() rejects at once for an aborted signal even with a free permit', async () => {
    const sem = new Semaphore(1);
    await assert.rejects(sem.acquire({ signal: AbortSignal.abort() }), CancelledError);
    assert.equal(sem.available, 1);
  });

  it('Semaphore.tryAcquire() takes a free permit but never jumps the queue', async () => {
    const sem = new Semaphore(1);
    const release = sem.tryAcquire();
    assert.ok(release);
    assert.equal(sem.tryAcquire(), undefined);
    const waiter = sem.acquire();
    release();
    assert.equal(sem.tryAcquire(), undefined, 'the permit belongs to the waiter');
    (await waiter)();
    assert.equal(sem.available, 1);
  });

  it('Semaphore.use() releases after success and after failure', async () => {
    const sem = new Semaphore(1);
    assert.equal(await sem.use(() => 7), 7);
    await assert.rejects(
      sem.use(async () => {
        throw new Error('inside');
      }),
      /inside/,
    );
    assert.equal(sem.available, 1);
  });

  it('Semaphore.use() bounds concurrency', async () => {
    const sem = new Semaphore(2);
    let active = 0;
    let max = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        sem.use(async () => {
          active++;
          max = Math.max(max, active);
          await turn();
          active--;
        }),
      ),
    );
    assert.equal(max, 2);
  });

  it('new Semaphore() rejects 0, negatives, NaN and fractions with RangeError naming permits', () => {
    for (const bad of [0, -1, Number.NaN, 1.5, Infinity]) {
      assert.throws(() => new Semaphore(bad), { name: 'RangeError', message: /permits/ });
    }
  });

  it('Semaphore.use() and acquire() reject bad arguments with errors naming them', async () => {
    const sem = new Semaphore(1);
    await assert.rejects(sem.use('x' as never), { name: 'TypeError', message: /fn/ });
    await assert.rejects(sem.acquire({ timeout: -5 }), { name: 'RangeError', message: /timeout/ });
    assert.equal(sem.available, 1);
  });
});
