import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from './clock.js';
import { TimeoutError } from './errors.js';
import { Mutex } from './mutex.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Mutex', () => {
  it('Mutex.use() runs critical sections one at a time, in arrival order', async () => {
    const mutex = new Mutex();
    const log: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        mutex.use(async () => {
          log.push(`${name} in`);
          await turn();
          log.push(`${name} out`);
        }),
      ),
    );
    assert.deepEqual(log, ['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
    assert.equal(mutex.locked, false);
  });

  it('Mutex.lock() reports locked and waiting, and unlock hands over', async () => {
    const mutex = new Mutex();
    const unlock = await mutex.lock();
    assert.equal(mutex.locked, true);
    assert.equal(mutex.tryLock(), undefined);
    const next = mutex.lock();
    assert.equal(mutex.waiting, 1);
    unlock();
    unlock();
    const unlockNext = await next;
    assert.equal(mutex.locked, true);
    unlockNext();
    assert.equal(mutex.locked, false);
  });

  it('Mutex.lock() times out with TimeoutError on the injected clock', async () => {
    const clock = new FakeClock();
    const mutex = new Mutex();
    const unlock = mutex.tryLock();
    assert.ok(unlock);
    const waiting = mutex.lock({ timeout: 10, clock }).catch((e: unknown) => e);
    await clock.advance(10);
    assert.ok((await waiting) instanceof TimeoutError);
    assert.equal(mutex.waiting, 0);
    unlock();
    assert.equal(mutex.locked, false);
  });
});
