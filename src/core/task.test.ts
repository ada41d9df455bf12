import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as nodeSleep } from 'node:timers/promises';
import { CancelledError } from './errors.js';
import { scope } from './scope.js';
import { sleep } from './sleep.js';
import { suppressedErrors } from './suppressed.js';
import { isCancellation } from './task.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Task', () => {
  it('Task.status goes from running to succeeded with the value', async () => {
    await scope(async (s) => {
      const task = s.spawn(async () => {
        await turn();
        return 'v';
      });
      assert.equal(task.status, 'running');
      assert.equal(await task, 'v');
      assert.equal(task.status, 'succeeded');
    });
  });

  it('Task.status is failed and awaiting rejects with the child error', async () => {
    const boom = new Error('boom');
    const error = await scope(async (s) => {
      const task = s.spawn(async () => {
        await turn();
        throw boom;
      });
      await assert.rejects(Promise.resolve(task), (e) => e === boom);
      assert.equal(task.status, 'failed');
    }).catch((e: unknown) => e);
    assert.equal(error, boom);
  });

  it('Task.cancel() counts an AbortError from a Node API as the child cancellation', async () => {
    await scope(async (s) => {
      const task = s.spawn((signal) => nodeSleep(60_000, undefined, { signal }));
      task.cancel();
      const error = await Promise.resolve(task).catch((e: unknown) => e);
      assert.ok(error instanceof CancelledError, 'normalized to CancelledError');
      assert.equal((error as Error).cause && (error.cause as Error).name, 'AbortError');
      assert.equal(task.status, 'cancelled');
    });
  });

  it('Task.cancel() does not hide a non-cancellation error thrown while stopping: the scope fails', async () => {
    const cleanup = new TypeError('cleanup bug');
    const error = await scope(async (s) => {
      const task = s.spawn(async (signal) => {
        await sleep(Infinity, { signal }).catch(() => {});
        throw cleanup;
      });
      task.cancel();
      await Promise.resolve(task).catch(() => {});
      assert.equal(task.status, 'failed');
    }).catch((e: unknown) => e);
    assert.equal(error, cleanup);
    assert.deepEqual(suppressedErrors(error), []);
  });

  it('Task.cancel() leaves a child that ignores it to succeed with its value', async () => {
    await scope(async (s) => {
      const task = s.spawn(async (_signal) => {
        await turn();
        return 'finished anyway';
      });
      task.cancel();
      assert.equal(await task, 'finished anyway');
      assert.equal(task.status, 'succeeded');
    });
  });

  it('Task.cancel() on a child without a signal parameter marks it; its cancellation error then counts as cancelled', async () => {
    await scope(async (s) => {
      let release!: (e: unknown) => void;
      const task = s.spawn(() => new Promise((_, reject) => (release = reject)));
      task.cancel();
      release(new CancelledError('saw it some other way'));
      await Promise.resolve(task).catch(() => {});
      assert.equal(task.status, 'cancelled');
    });
  });

  it('Scope.spawn() adopts a non-native thenable returned by the child', async () => {
    const value = await scope((s) => {
      const thenable: PromiseLike<number> = {
        then(onfulfilled) {
          queueMicrotask(() => void onfulfilled?.(7));
          return undefined as never;
        },
      };
      return s.spawn(() => thenable);
    });
    assert.equal(value, 7);
  });

  it('isCancellation() recognizes CancelledError, TimeoutError and AbortError only', () => {
    assert.equal(isCancellation(new CancelledError()), true);
    assert.equal(isCancellation(AbortSignal.abort().reason), true);
    assert.equal(isCancellation(new DOMException('t', 'TimeoutError')), true);
    assert.equal(isCancellation(new Error('x')), false);
    assert.equal(isCancellation('AbortError'), false);
  });
});
