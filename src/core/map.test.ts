import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError } from './errors.js';
import { map } from './map.js';
import { sleep } from './sleep.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('map', () => {
  it('map() returns results in input order whatever order the calls finish in', async () => {
    const delays = [3, 0, 2, 1];
    const result = await map(
      delays,
      async (turns, index) => {
        for (let i = 0; i < turns; i++) await turn();
        return `${index}:${turns}`;
      },
      { concurrency: 4 },
    );
    assert.deepEqual(result, ['0:3', '1:0', '2:2', '3:1']);
  });

  it('map() never runs more than concurrency calls at once and reaches that bound', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const result = await map(
      Array.from({ length: 20 }, (_, i) => i),
      async (n) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await turn();
        inFlight--;
        return n * n;
      },
      { concurrency: 3 },
    );
    assert.equal(maxInFlight, 3);
    assert.equal(result.length, 20);
    assert.equal(result[19], 361);
  });

  it('map() pulls lazily from an infinite source and closes it on failure', async () => {
    let pulled = 0;
    let completed = 0;
    let maxAhead = 0;
    let closed = false;
    function* naturals() {
      try {
        for (let n = 0; ; n++) {
          pulled++;
          maxAhead = Math.max(maxAhead, pulled - completed);
          yield n;
        }
      } finally {
        closed = true;
      }
    }
    const boom = new Error('at 5');
    const error = await map(
      naturals(),
      async (n) => {
        await turn();
        if (n === 5) throw boom;
        completed++;
        return n;
      },
      { concurrency: 2 },
    ).catch((e: unknown) => e);
    assert.equal(error, boom);
    assert.equal(maxAhead, 2, 'never more items pulled than concurrency ahead of the finished ones');
    assert.ok(pulled <= 5 + 2, `pulled ${pulled} items, at most the failing one plus concurrency`);
    assert.equal(closed, true);
  });

  it('map() accepts an async iterable and keeps order', async () => {
    async function* letters() {
      for (const letter of 'abcde') {
        await turn();
        yield letter;
      }
    }
    const result = await map(letters(), (letter, index) => `${index}${letter}`, { concurrency: 2 });
    assert.deepEqual(result, ['0a', '1b', '2c', '3d', '4e']);
  });

  it('map() cancels the calls in flight on the first failure through their signal', async () => {
    const boom = new Error('boom');
    const reasons: unknown[] = [];
    const error = await map(
      [0, 1, 2],
      async (n, _index, signal) => {
        if (n === 2) {
          await turn();
          throw boom;
        }
        await sleep(Infinity, { signal }).catch((e: unknown) => {
          reasons.push(e);
          throw e;
        });
      },
      { concurrency: 3 },
    ).catch((e: unknown) => e);
    assert.equal(error, boom);
    assert.equal(reasons.length, 2);
    for (const reason of reasons) assert.ok(reason instanceof CancelledError);
  });

  it('map() rejects with CancelledError when its signal aborts while waiting on a stuck async source', async () => {
    const controller = new AbortController();
    let returned = false;
    const stuck: AsyncIterable<number> = {
      [Symbol.asyncIterator]() {
        return {
          next: () => new Promise<IteratorResult<number>>(() => {}),
          return: () => {
            returned = true;
            return Promise.resolve({ done: true, value: undefined });
          },
        };
      },
    };
    const done = map(stuck, (n) => n, { concurrency: 1, signal: controller.signal });
    await turn();
    controller.abort();
    await assert.rejects(done, CancelledError);
    assert.equal(returned, true);
  });

  it('map() rejects with the error a source throws, after the calls in flight settle', async () => {
    const broken = new Error('source broke');
    let settled = 0;
    function* source() {
      yield 1;
      yield 2;
      throw broken;
    }
    const error = await map(
      source(),
      async () => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        settled++;
      },
      { concurrency: 5 },
    ).catch((e: unknown) => e);
    assert.equal(error, broken);
    assert.equal(settled, 2, 'the map waited for the calls already started');
  });

  it('map() rejects with a synchronous throw from fn', async () => {
    const boom = new Error('sync');
    const error = await map(
      [1, 2, 3],
      (n) => {
        if (n === 2) throw boom;
        return n;
      },
      { concurrency: 1 },
    ).catch((e: unknown) => e);
    assert.equal(error, boom);
  });

  it('map() resolves with [] for an empty source', async () => {
    assert.deepEqual(await map([], () => 1, { concurrency: 1 }), []);
  });

  it('map() rejects bad arguments with errors naming them', async () => {
    await assert.rejects(map([1], (n) => n, { concurrency: 0 }), { name: 'RangeError', message: /concurrency/ });
    await assert.rejects(map([1], (n) => n, { concurrency: 1.5 }), { name: 'RangeError', message: /concurrency/ });
    await assert.rejects(map([1], 'x' as never, { concurrency: 1 }), { name: 'TypeError', message: /fn/ });
    await assert.rejects(map(5 as never, (n) => n, { concurrency: 1 }), { name: 'TypeError', message: /items/ });
  });
});
