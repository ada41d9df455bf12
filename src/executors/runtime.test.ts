// Unit tests of the runtime facade: validation, fake-clock timeouts, disposal, proxy types.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../core/clock.js';
import { TimeoutError } from '../core/errors.js';
import { RuntimeClosedError } from './errors.js';
import type * as Work from './fixtures/work.js';
import type { ModuleProxy } from './module-proxy.js';
import { runtime } from './runtime.js';

const WORK = new URL('./fixtures/work.ts', import.meta.url);

describe('runtime', () => {
  it('runtime() rejects bad options with errors naming them', () => {
    assert.throws(() => runtime({ threads: -1 }), { name: 'RangeError', message: /threads must be an integer/ });
    assert.throws(() => runtime({ processes: { min: 3, max: 2 } }), { name: 'RangeError', message: /processes.min must not exceed processes.max/ });
    assert.throws(() => runtime({ concurrencyPerWorker: 0 }), { name: 'RangeError', message: /concurrencyPerWorker/ });
    assert.throws(() => runtime({ cancelGrace: -5 }), { name: 'RangeError', message: /cancelGrace/ });
    assert.throws(() => runtime({ recycle: { maxHeapMB: 0 } }), { name: 'RangeError', message: /recycle.maxHeapMB/ });
    assert.throws(() => runtime({ execArgv: [1] as never }), { name: 'TypeError', message: /execArgv/ });
    assert.throws(() => runtime(null as never), { name: 'TypeError', message: /options must be an object/ });
  });

  it('Runtime.run() validates url, exportName, args and options synchronously', async () => {
    await using rt = runtime();
    assert.throws(() => rt.run('relative/work.js', 'add', [], { on: 'loop' }), { name: 'TypeError', message: /url must be an absolute path/ });
    assert.throws(() => rt.run(new URL('https://example.com/w.js'), 'add', [], { on: 'loop' }), { name: 'TypeError', message: /url must be a file: URL/ });
    assert.throws(() => rt.run(WORK, '', [], { on: 'loop' }), { name: 'TypeError', message: /exportName/ });
    assert.throws(() => rt.run(WORK, 'add', 'x' as never, { on: 'loop' }), { name: 'TypeError', message: /args must be an array/ });
    assert.throws(() => rt.run(WORK, 'add', [], { on: 'gpu' as never }), { name: 'TypeError', message: /options.on must be/ });
    assert.throws(() => rt.run(WORK, 'add', [], { on: 'loop', timeout: -1 }), { name: 'RangeError', message: /options.timeout/ });
    assert.throws(() => rt.run(WORK, 'add', [], { on: 'loop', signal: {} as never }), { name: 'TypeError', message: /options.signal/ });
    assert.throws(() => rt.run(WORK, 'add', [], { on: 'loop', onQueueFull: 'drop' as never }), { name: 'TypeError', message: /options.onQueueFull/ });
    assert.throws(() => rt.expose('', () => 1), { name: 'TypeError', message: /name/ });
  });

  it('Runtime.run() timeout and deadline run on the injected clock', async () => {
    const clock = new FakeClock();
    await using rt = runtime({ clock, loopConcurrency: 1, cancelGrace: 10 });
    const blocker = rt.run(WORK, 'hang', [], { on: 'loop', deadline: 300 });
    const queued = rt.run(WORK, 'hang', [], { on: 'loop', timeout: 100 });
    const outcome = { blocker: 'pending', queued: 'pending' };
    blocker.catch((e: unknown) => (outcome.blocker = (e as Error).name));
    queued.catch((e: unknown) => (outcome.queued = (e as Error).name));
    await clock.advance(250);
    assert.deepEqual(outcome, { blocker: 'pending', queued: 'pending' }, 'the timeout does not count queued time');
    await clock.advance(50); // deadline: the blocker gives up its slot, after the grace the queued one starts
    assert.equal(outcome.blocker, 'TimeoutError');
    await clock.advance(10);
    await clock.advance(99);
    assert.equal(outcome.queued, 'pending');
    await clock.advance(1);
    assert.equal(outcome.queued, 'TimeoutError');
    await assert.rejects(queued, TimeoutError);
  });

  it('Runtime.run() schedules no timer for an Infinity timeout, deadline or cancelGrace', async () => {
    const clock = new FakeClock();
    await using rt = runtime({ clock, cancelGrace: Infinity });
    const controller = new AbortController();
    const pending = rt.run(WORK, 'hang', [], { on: 'loop', timeout: Infinity, deadline: Infinity, signal: controller.signal });
    await clock.advance(1);
    assert.equal(clock.pendingTimers, 0);
    controller.abort();
    await assert.rejects(pending, { name: 'CancelledError' });
    assert.equal(clock.pendingTimers, 0);
  });

  it('Runtime.run() on a placement sized 0 rejects with RangeError', async () => {
    await using rt = runtime({ threads: 0 });
    await assert.rejects(rt.run(WORK, 'add', [1, 2], { on: 'thread' }), { name: 'RangeError', message: /threads: 0/ });
  });

  it('Runtime[Symbol.asyncDispose]() closes the runtime', async () => {
    let kept: ReturnType<typeof runtime> | undefined;
    {
      await using rt = runtime();
      kept = rt;
      assert.equal(await rt.run(WORK, 'add', [1, 2], { on: 'loop' }), 3);
    }
    assert.equal(kept.closed, true);
    await assert.rejects(kept.run(WORK, 'add', [1, 2], { on: 'loop' }), RuntimeClosedError);
  });

  it('ModuleProxy<M> keeps parameter types, wraps results in a promise and hides non-functions', () => {
    type Proxy = ModuleProxy<typeof Work>;
    const check = (work: Proxy) => {
      const sum: Promise<number> = work.add(1, 2);
      const viaAsync: Promise<number> = work.addAsync(1, 2);
      // @ts-expect-error wrong argument type
      void work.add('1', 2);
      // @ts-expect-error a non-function export is not callable
      void work.notAFunction;
      return [sum, viaAsync];
    };
    assert.equal(typeof check, 'function');
  });
});
