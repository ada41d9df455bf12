import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { FakeClock } from './clock.js';
import { CancelledError, TimeoutError } from './errors.js';
import { openScope } from './open-scope.js';
import { sleep } from './sleep.js';
import { suppressedErrors } from './suppressed.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('openScope', () => {
  it('openScope() with await using cancels children still running when the block ends, and waits for them', async () => {
    const log: string[] = [];
    {
      await using s = openScope();
      s.spawn(async (signal) => {
        await sleep(Infinity, { signal }).catch(() => log.push('cancelled'));
        await turn();
        log.push('cleaned up');
      });
      log.push('block ends');
    }
    assert.deepEqual(log, ['block ends', 'cancelled', 'cleaned up']);
  });

  it('OpenScope.close() waits for the children without cancelling them', async () => {
    const s = openScope();
    const task = s.spawn(async () => {
      await turn();
      return 'finished';
    });
    await s.close();
    assert.equal(task.status, 'succeeded');
    await s[Symbol.asyncDispose]();
    assert.throws(() => s.spawn(() => 1), /closed/);
  });

  it('openScope() disposal rethrows the first child failure with later ones suppressed', async () => {
    const first = new Error('first');
    const second = new Error('second');
    const error = await (async () => {
      await using s = openScope();
      s.spawn(async (signal) => {
        await sleep(Infinity, { signal }).catch(() => {});
        throw second;
      });
      s.spawn(() => {
        throw first;
      });
    })().catch((e: unknown) => e);
    assert.equal(error, first);
    assert.deepEqual(suppressedErrors(error), [second]);
  });

  it('openScope() disposal after a throwing block cancels the children instead of hanging', async () => {
    const boom = new Error('block');
    const error = await (async () => {
      await using s = openScope();
      s.spawn((signal) => sleep(Infinity, { signal }));
      throw boom;
    })().catch((e: unknown) => e);
    assert.equal(error, boom);
  });

  it('openScope() times out with TimeoutError and releases its timer and listener', async () => {
    const clock = new FakeClock();
    const outer = new AbortController();
    const s = openScope({ timeout: 100, clock, signal: outer.signal });
    const task = s.spawn((signal) => sleep(Infinity, { signal }));
    assert.equal(getEventListeners(outer.signal, 'abort').length, 1);
    await clock.advance(100);
    assert.equal(task.status, 'cancelled');
    await assert.rejects(s.close(), TimeoutError);
    assert.equal(clock.pendingTimers, 0);
    assert.equal(getEventListeners(outer.signal, 'abort').length, 0);
  });

  it('openScope() with an aborted signal starts cancelled: nothing runs and closing rejects', async () => {
    const s = openScope({ signal: AbortSignal.abort() });
    let ran = false;
    const task = s.spawn(() => {
      ran = true;
    });
    assert.equal(ran, false);
    assert.equal(task.status, 'cancelled');
    await assert.rejects(s[Symbol.asyncDispose](), CancelledError);
  });

  it('OpenScope.close() rejects once with the failure and a later dispose does not throw it again', async () => {
    const boom = new Error('child');
    const s = openScope();
    s.spawn(() => {
      throw boom;
    });
    await assert.rejects(s.close(), (e) => e === boom);
    await s[Symbol.asyncDispose]();
    await assert.rejects(s.close(), (e) => e === boom, 'close() keeps answering with the same outcome');
  });

  it('openScope() rejects bad options with errors naming them', () => {
    assert.throws(() => openScope({ timeout: Number.NaN }), { name: 'RangeError', message: /timeout/ });
  });
});
