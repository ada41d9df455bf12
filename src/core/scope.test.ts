import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { FakeClock } from './clock.js';
import { CancelledError, TimeoutError } from './errors.js';
import { scope, type Scope } from './scope.js';
import { sleep } from './sleep.js';
import { suppressedErrors } from './suppressed.js';
import type { Task } from './task.js';

/** Lets every queued promise continuation run. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A promise resolved from outside, for sequencing children without timers. */
function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

/** Collects unhandled rejections while `fn` runs and a few turns after. */
async function unhandledDuring(fn: () => Promise<unknown>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const onUnhandled = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await fn().catch(() => {});
    for (let i = 0; i < 5; i++) await turn();
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  return seen;
}

describe('scope', () => {
  it('scope() resolves with the body value only after every child settled', async () => {
    const order: string[] = [];
    const a = gate();
    const b = gate();
    const done = scope((s) => {
      s.spawn(async () => {
        await a.promise;
        order.push('a');
      });
      s.spawn(async () => {
        await b.promise;
        order.push('b');
      });
      order.push('body');
      return 'value';
    }).then((value) => {
      order.push('scope');
      return value;
    });
    await turn();
    assert.deepEqual(order, ['body']);
    b.open();
    await turn();
    assert.deepEqual(order, ['body', 'b']);
    a.open();
    assert.equal(await done, 'value');
    assert.deepEqual(order, ['body', 'b', 'a', 'scope']);
  });

  it('Scope.spawn() runs the child synchronously up to its first await and returns an awaitable Task', async () => {
    const order: string[] = [];
    const result = await scope(async (s) => {
      const task = s.spawn(async () => {
        order.push('child starts');
        await turn();
        return 21;
      });
      order.push('spawn returned');
      assert.equal(task.status, 'running');
      const value = (await task) * 2;
      assert.equal(task.status, 'succeeded');
      return value;
    });
    assert.equal(result, 42);
    assert.deepEqual(order, ['child starts', 'spawn returned']);
  });

  it('Scope.spawn() settles a synchronous child at once, value or throw', async () => {
    const boom = new Error('sync boom');
    const error = await scope((s) => {
      const ok = s.spawn(() => 5);
      assert.equal(ok.status, 'succeeded');
      const bad = s.spawn(() => {
        throw boom;
      });
      assert.equal(bad.status, 'failed');
    }).catch((e: unknown) => e);
    assert.equal(error, boom);
  });

  it('scope() rejects with the first child failure, cancels siblings, and attaches later failures as suppressed', async () => {
    const first = new Error('first');
    const second = new Error('second');
    const failFirst = gate();
    let siblingReason: unknown;
    let sibling!: Task<void>;
    let cleanupFailing!: Task<void>;
    const error = await scope((s) => {
      sibling = s.spawn(async (signal) => {
        await sleep(Infinity, { signal }).catch((e: unknown) => {
          siblingReason = e;
          throw e;
        });
      });
      cleanupFailing = s.spawn(async (signal) => {
        await sleep(Infinity, { signal }).catch(() => {});
        throw second; // a real error raised while cancelling: must not be lost
      });
      s.spawn(async () => {
        await failFirst.promise;
        throw first;
      });
      failFirst.open();
    }).catch((e: unknown) => e);
    assert.equal(error, first);
    assert.deepEqual(suppressedErrors(error), [second]);
    assert.equal(Object.keys(error as object).includes('suppressed'), false, 'suppressed is not enumerable');
    assert.ok(siblingReason instanceof CancelledError);
    assert.equal((siblingReason as CancelledError).cause, first);
    assert.equal(sibling.status, 'cancelled');
    assert.equal(cleanupFailing.status, 'failed');
  });

  it('suppressedErrors() returns [] for an error without suppressed failures and for primitives', () => {
    assert.deepEqual(suppressedErrors(new Error('x')), []);
    assert.deepEqual(suppressedErrors('x'), []);
    assert.deepEqual(suppressedErrors(undefined), []);
  });

  it('scope() rejects with the body error after cancelling and awaiting the children', async () => {
    const boom = new Error('body');
    let childEnded = false;
    const error = await scope(async (s) => {
      s.spawn(async (signal) => {
        await sleep(Infinity, { signal }).catch(() => {});
        await turn();
        childEnded = true;
      });
      await turn();
      throw boom;
    }).catch((e: unknown) => e);
    assert.equal(error, boom);
    assert.equal(childEnded, true, 'the scope waited for the cancelled child');
  });

  it('scope() does not count the body rethrowing an awaited child failure twice', async () => {
    const boom = new Error('child');
    const error = await scope(async (s) => {
      const task = s.spawn(async () => {
        await turn();
        throw boom;
      });
      await task;
    }).catch((e: unknown) => e);
    assert.equal(error, boom);
    assert.deepEqual(suppressedErrors(error), []);
  });

  it('Task.cancel() cancels one child without failing the scope or its siblings', async () => {
    const result = await scope(async (s) => {
      const victim = s.spawn((signal) => sleep(Infinity, { signal }));
      const other = s.spawn(async () => {
        await turn();
        await turn();
        return 'other';
      });
      victim.cancel();
      await assert.rejects(Promise.resolve(victim), CancelledError);
      assert.equal(victim.status, 'cancelled');
      return other;
    });
    assert.equal(result, 'other', 'a Task returned by the body is adopted like a promise');
  });

  it('Task.cancel() passes a TimeoutError reason through and ignores calls after settling', async () => {
    await scope(async (s) => {
      let seen: unknown;
      const task = s.spawn(async (signal) => {
        await sleep(Infinity, { signal }).catch((e: unknown) => {
          seen = e;
          throw e;
        });
      });
      const reason = new TimeoutError('too slow');
      task.cancel(reason);
      task.cancel(new CancelledError('again'));
      await Promise.resolve(task).catch(() => {});
      assert.equal(seen, reason);
      assert.equal(task.status, 'cancelled');
      const done = s.spawn(() => 1);
      done.cancel();
      assert.equal(done.status, 'succeeded');
    });
  });

  it('Scope.cancel() cancels every child and the scope still resolves with the body value', async () => {
    const reasons: unknown[] = [];
    const value = await scope((s) => {
      for (let i = 0; i < 3; i++) {
        s.spawn(async (signal) => {
          await sleep(Infinity, { signal }).catch((e: unknown) => {
            reasons.push(e);
            throw e;
          });
        });
      }
      s.cancel();
      assert.equal(s.signal.aborted, true);
      return 'done';
    });
    assert.equal(value, 'done');
    assert.equal(reasons.length, 3);
    for (const reason of reasons) assert.ok(reason instanceof CancelledError);
  });

  it('Scope.spawn() on a cancelled scope returns a cancelled task without running the function', async () => {
    let ran = false;
    await scope(async (s) => {
      s.cancel();
      const task = s.spawn(() => {
        ran = true;
      });
      assert.equal(task.status, 'cancelled');
      await assert.rejects(Promise.resolve(task), CancelledError);
    });
    assert.equal(ran, false);
  });

  it('Scope.cancel() called synchronously inside a child still reaches that child signal', async () => {
    let seen: unknown;
    await scope((s) => {
      s.spawn(async (signal) => {
        s.cancel();
        await sleep(Infinity, { signal }).catch((e: unknown) => {
          seen = e;
          throw e;
        });
      });
    });
    assert.ok(seen instanceof CancelledError);
  });

  it('Scope.signal takes many concurrent listeners from lean children without a MaxListeners warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const clock = new FakeClock();
      const done = scope((s) => {
        for (let i = 0; i < 50; i++) s.spawn(() => sleep(10, { signal: s.signal, clock }));
      });
      await clock.advance(10);
      await done;
      await turn();
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings.map((w) => w.name), []);
  });

  it('Scope.spawn() throws once the scope has closed', async () => {
    let escaped!: Scope;
    await scope((s) => {
      escaped = s;
    });
    assert.throws(() => escaped.spawn(() => 1), { name: 'Error', message: /closed/ });
  });

  it('Scope.spawn() lets a running child spawn siblings after the body returned', async () => {
    const order: string[] = [];
    await scope((s) => {
      s.spawn(async () => {
        await turn();
        s.spawn(async () => {
          await turn();
          order.push('late sibling');
        });
        order.push('first');
      });
    });
    assert.deepEqual(order, ['first', 'late sibling']);
  });

  it('scope() rejects with CancelledError when the outer signal aborts and leaves no listener behind', async () => {
    const outer = new AbortController();
    let childReason: unknown;
    const started = gate();
    const done = scope(
      (s) => {
        s.spawn(async (signal) => {
          started.open();
          await sleep(Infinity, { signal }).catch((e: unknown) => {
            childReason = e;
            throw e;
          });
        });
      },
      { signal: outer.signal },
    );
    await started.promise;
    assert.equal(getEventListeners(outer.signal, 'abort').length, 1);
    outer.abort();
    const error = await done.catch((e: unknown) => e);
    assert.ok(error instanceof CancelledError);
    assert.equal(childReason, error, 'children see the same reason the scope rejects with');
    assert.equal(getEventListeners(outer.signal, 'abort').length, 0);
  });

  it('scope() removes its outer-signal listener after a normal end', async () => {
    const outer = new AbortController();
    await scope((s) => s.spawn(async () => turn()), { signal: outer.signal });
    assert.equal(getEventListeners(outer.signal, 'abort').length, 0);
  });

  it('scope() rejects at once without running the body when the outer signal is already aborted', async () => {
    let ran = false;
    await assert.rejects(
      scope(
        () => {
          ran = true;
        },
        { signal: AbortSignal.abort() },
      ),
      CancelledError,
    );
    assert.equal(ran, false);
  });

  it('scope() rejects with TimeoutError when the timeout passes, and leaves no timer', async () => {
    const clock = new FakeClock();
    let childReason: unknown;
    const done = scope(
      (s) => {
        s.spawn(async (signal) => {
          await sleep(Infinity, { signal, clock }).catch((e: unknown) => {
            childReason = e;
            throw e;
          });
        });
      },
      { timeout: 100, clock },
    );
    const outcome = done.catch((e: unknown) => e);
    await clock.advance(99);
    assert.equal(childReason === undefined, true, 'not cancelled before the timeout');
    await clock.advance(1);
    const error = await outcome;
    assert.ok(error instanceof TimeoutError);
    assert.ok(childReason instanceof TimeoutError);
    assert.equal(clock.pendingTimers, 0);
  });

  it('scope() cancels its timer when it ends before the timeout', async () => {
    const clock = new FakeClock();
    const value = await scope((s) => s.spawn(() => 'ok'), { timeout: 1000, clock });
    assert.equal(value, 'ok');
    assert.equal(clock.pendingTimers, 0);
  });

  it('scope() with a child failure during outer cancellation rejects with the failure, not the cancellation', async () => {
    const outer = new AbortController();
    const cleanup = new Error('cleanup failed');
    const done = scope(
      (s) => {
        s.spawn(async (signal) => {
          await sleep(Infinity, { signal }).catch(() => {});
          throw cleanup;
        });
      },
      { signal: outer.signal },
    );
    outer.abort();
    assert.equal(await done.catch((e: unknown) => e), cleanup);
  });

  it('scope() cancels a nested scope and its grandchildren through the child signal', async () => {
    const seen: string[] = [];
    const started = gate();
    const error = await scope(async (s) => {
      s.spawn((signal) =>
        scope(
          (inner) => {
            inner.spawn(async (grandSignal) => {
              started.open();
              await sleep(Infinity, { signal: grandSignal }).catch((e: unknown) => {
                seen.push(`grandchild ${(e as Error).name}`);
                throw e;
              });
            });
          },
          { signal },
        ).catch((e: unknown) => {
          seen.push(`inner scope ${(e as Error).name}`);
          throw e;
        }),
      );
      await started.promise;
      s.spawn(() => {
        throw new Error('sibling fails');
      });
    }).catch((e: unknown) => e);
    assert.equal((error as Error).message, 'sibling fails');
    assert.deepEqual(seen, ['grandchild CancelledError', 'inner scope CancelledError']);
  });

  it('scope() observes a failing child nobody awaits: no unhandled rejection', async () => {
    const seen = await unhandledDuring(() =>
      scope((s) => {
        s.spawn(async () => {
          await turn();
          throw new Error('unobserved');
        });
        s.spawn(() => {
          throw new Error('unobserved sync');
        });
      }),
    );
    assert.deepEqual(seen, []);
  });

  it('Task rejections cause no unhandled rejection when a cancelled or failed task is never touched', async () => {
    const seen = await unhandledDuring(() =>
      scope(async (s) => {
        const t = s.spawn((signal) => sleep(Infinity, { signal }));
        t.cancel();
        s.spawn(async () => {
          throw new Error('late');
        });
        await turn();
      }),
    );
    assert.deepEqual(seen, []);
  });

  it('Task.then() works with Promise.all and repeated awaits', async () => {
    await scope(async (s) => {
      const tasks = [1, 2, 3].map((n) => s.spawn(async () => n * 10));
      assert.deepEqual(await Promise.all(tasks), [10, 20, 30]);
      assert.equal(await tasks[0]!, 10);
    });
  });

  it('Scope.spawn() gives a child declaring no parameter the scope signal', async () => {
    await scope((s) => {
      s.spawn((...args: unknown[]) => {
        assert.equal(args[0], s.signal);
      });
    });
  });

  it('scope() and Scope.spawn() reject a non-function with TypeError naming fn', async () => {
    await assert.rejects(scope(42 as never), { name: 'TypeError', message: /fn/ });
    await scope((s) => {
      assert.throws(() => s.spawn('x' as never), { name: 'TypeError', message: /fn/ });
    });
  });

  it('scope() rejects bad options with errors naming them', async () => {
    await assert.rejects(scope(() => 1, { timeout: -1 }), { name: 'RangeError', message: /timeout/ });
    await assert.rejects(scope(() => 1, { signal: {} as AbortSignal }), { name: 'TypeError', message: /signal/ });
    await assert.rejects(scope(() => 1, null as never), { name: 'TypeError', message: /options/ });
  });

  it('scope() after Scope.cancel() rejects with the body own cancellation error', async () => {
    const error = await scope(async (s) => {
      s.cancel('enough');
      await sleep(10, { signal: s.signal });
    }).catch((e: unknown) => e);
    assert.ok(error instanceof CancelledError);
    assert.equal((error as CancelledError).cause, 'enough');
  });
});
