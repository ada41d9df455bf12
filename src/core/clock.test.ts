import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, systemClock } from './clock.js';

describe('FakeClock', () => {
  it('FakeClock.advance() fires due timers in time order and leaves later ones pending', async () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    clock.setTimer(30, () => fired.push('c'));
    clock.setTimer(10, () => fired.push('a'));
    clock.setTimer(20, () => fired.push('b'));
    clock.setTimer(100, () => fired.push('late'));
    await clock.advance(50);
    assert.deepEqual(fired, ['a', 'b', 'c']);
    assert.equal(clock.now(), 50);
    assert.equal(clock.pendingTimers, 1);
  });

  it('FakeClock.advance() runs promise continuations between timers', async () => {
    const clock = new FakeClock();
    const order: string[] = [];
    const wait = (ms: number) => new Promise<void>((resolve) => clock.setTimer(ms, resolve));
    const chain = (async () => {
      await wait(10);
      order.push('after 10');
      await wait(10);
      order.push('after 20');
    })();
    await clock.advance(20);
    await chain;
    assert.deepEqual(order, ['after 10', 'after 20']);
  });

  it('Timer.cancel() prevents the callback', async () => {
    const clock = new FakeClock();
    let fired = false;
    clock.setTimer(5, () => (fired = true)).cancel();
    await clock.advance(10);
    assert.equal(fired, false);
    assert.equal(clock.pendingTimers, 0);
  });

  it('FakeClock.advance() rejects a negative step with RangeError', async () => {
    await assert.rejects(new FakeClock().advance(-1), RangeError);
  });

  it('systemClock.setTimer() fires after real time passes', async () => {
    const start = systemClock.now();
    await new Promise<void>((resolve) => systemClock.setTimer(5, resolve));
    assert.ok(systemClock.now() - start >= 4);
  });
});
