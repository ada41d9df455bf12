import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from './clock.js';
import { CancelledError, TimeoutError } from './errors.js';
import { timeoutSignal } from './timeout-signal.js';

describe('timeoutSignal', () => {
  it('timeoutSignal() aborts with TimeoutError when the timeout passes', async () => {
    const clock = new FakeClock();
    using guard = timeoutSignal({ timeout: 100, clock });
    await clock.advance(99);
    assert.equal(guard.signal?.aborted, false);
    await clock.advance(1);
    assert.ok(guard.signal?.reason instanceof TimeoutError);
  });

  it('timeoutSignal() aborts with the caller signal reason first, and disposing cancels the timer', async () => {
    const clock = new FakeClock();
    const outer = new AbortController();
    const guard = timeoutSignal({ signal: outer.signal, timeout: 100, clock });
    const reason = new CancelledError('stop');
    outer.abort(reason);
    assert.equal(guard.signal?.reason, reason);
    guard[Symbol.dispose]();
    assert.equal(clock.pendingTimers, 0);
  });

  it('timeoutSignal() returns no signal and schedules nothing without a signal or finite timeout', () => {
    const clock = new FakeClock();
    assert.equal(timeoutSignal({ clock }).signal, undefined);
    assert.equal(timeoutSignal({ timeout: Infinity, clock }).signal, undefined);
    assert.equal(clock.pendingTimers, 0);
  });

  it('timeoutSignal() rejects a negative timeout with RangeError naming it', () => {
    assert.throws(() => timeoutSignal({ timeout: -1 }), { name: 'RangeError', message: /timeout/ });
  });
});
