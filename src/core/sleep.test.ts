import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { FakeClock } from './clock.js';
import { CancelledError, TimeoutError } from './errors.js';
import { sleep } from './sleep.js';

describe('sleep', () => {
  it('sleep() resolves after the given time on the clock and removes its listener', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    let done = false;
    const slept = sleep(100, { signal: controller.signal, clock }).then(() => (done = true));
    await clock.advance(99);
    assert.equal(done, false);
    await clock.advance(1);
    await slept;
    assert.equal(done, true);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    assert.equal(clock.pendingTimers, 0);
  });

  it('sleep() rejects with CancelledError on abort and cancels its timer', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const slept = sleep(100, { signal: controller.signal, clock });
    controller.abort();
    await assert.rejects(slept, CancelledError);
    assert.equal(clock.pendingTimers, 0);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  it('sleep() rejects with TimeoutError when the signal came from a timeout', async () => {
    const controller = new AbortController();
    const slept = sleep(100, { signal: controller.signal, clock: new FakeClock() });
    controller.abort(new DOMException('late', 'TimeoutError'));
    await assert.rejects(slept, TimeoutError);
  });

  it('sleep() rejects at once for an already aborted signal, keeping our own reason', async () => {
    const clock = new FakeClock();
    const reason = new CancelledError('stop');
    await assert.rejects(sleep(10, { signal: AbortSignal.abort(reason), clock }), (e) => e === reason);
    assert.equal(clock.pendingTimers, 0);
  });

  it('sleep(Infinity) sets no timer and ends only by abort', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const slept = sleep(Infinity, { signal: controller.signal, clock });
    assert.equal(clock.pendingTimers, 0);
    controller.abort();
    await assert.rejects(slept, CancelledError);
  });

  it('sleep() rejects a negative or NaN delay with RangeError naming ms', async () => {
    await assert.rejects(sleep(-1), { name: 'RangeError', message: /ms/ });
    await assert.rejects(sleep(Number.NaN), { name: 'RangeError', message: /ms/ });
    await assert.rejects(sleep(1, { signal: 'x' as never }), { name: 'TypeError', message: /signal/ });
  });

  it('sleep() waits in real time on the system clock', async () => {
    const start = performance.now();
    await sleep(5);
    assert.ok(performance.now() - start >= 4);
  });
});
