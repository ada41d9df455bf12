// Integration tests of Channels handed to tasks on real worker threads and child processes: both directions, backpressure, close, select, crashes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Channel } from '../communication/channel.js';
import type { Placement } from './current-task.js';
import { WorkerCrashedError } from './errors.js';
import { until } from './executor.case.js';
import { runtime, type Runtime } from './runtime.js';

const TASKS = new URL('./fixtures/channel-tasks.ts', import.meta.url);
const START = { timeout: 30_000 };

describe('Runtime: a Channel handed to tasks on threads and processes', () => {
  let rt: Runtime;
  before(() => {
    rt = runtime({ threads: 2, processes: 2, cancelGrace: 200 });
  });
  after(() => rt.close());

  for (const on of ['thread', 'process'] as const satisfies readonly Placement[]) {
    it(`Channel: a producer on a ${on} sends into a host channel, values arrive in order, and its sends wait while the channel is full`, async () => {
      const channel = new Channel<{ n: number; by: string }>(4);
      const producing = rt.run(TASKS, 'produce', [channel.sender, 200, on], { on, ...START });
      await until(() => channel.length === 4, 20_000, 'the channel to fill');
      await delay(50);
      assert.equal(channel.length, 4, 'a full channel holds the producer back across the boundary');
      const got: number[] = [];
      for (let i = 0; i < 200; i++) got.push((await channel.receive()).n);
      assert.equal(await producing, 200);
      assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => i));
    });

    it(`Channel: a consumer on a ${on} iterates a host channel until the host closes it`, async () => {
      const channel = new Channel<number>(16);
      const draining = rt.run<unknown[]>(TASKS, 'drain', [channel.receiver], { on, ...START });
      for (let i = 0; i < 100; i++) await channel.send(i);
      channel.close();
      assert.deepEqual(await draining, Array.from({ length: 100 }, (_, i) => i));
    });
  }

  it('Channel: a producer on a thread and a consumer in a process meet through a host channel; close ends the consumer', async () => {
    const channel = new Channel<number>(8);
    const draining = rt.run<unknown[]>(TASKS, 'drain', [channel.receiver], { on: 'process', ...START });
    await rt.run(TASKS, 'produceAndClose', [channel.sender, 500], { on: 'thread', ...START });
    assert.deepEqual(await draining, Array.from({ length: 500 }, (_, i) => i));
  });

  it('Channel: select in a worker over two remote channels takes every value exactly once', async () => {
    const a = new Channel<number>(4);
    const b = new Channel<number>(4);
    const selecting = rt.run<string[]>(TASKS, 'selectFrom', [a.receiver, b.receiver, 10], { on: 'thread', ...START });
    for (let i = 0; i < 5; i++) {
      await a.send(i);
      await b.send(i);
    }
    assert.deepEqual(await selecting, ['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2', 'b3', 'b4']);
    assert.equal(a.length + b.length, 0);
  });

  for (const on of ['thread', 'process'] as const satisfies readonly Placement[]) {
    it(`Channel: when a ${on} holding credits dies, the host channel gets the reserved slots back and values sent before are kept`, async () => {
      const channel = new Channel<number>(2);
      await assert.rejects(rt.run(TASKS, 'sendThenDie', [channel.sender], { on, ...START }), WorkerCrashedError);
      await until(() => channel.trySend(2).state === 'ok', 5_000, 'the reserved slot to come back');
      assert.deepEqual([await channel.receive(), await channel.receive()], [1, 2]);
    });

    it(`Channel: a receive waiting in a ${on} that dies takes no value from the host channel`, async () => {
      const channel = new Channel<number>(4);
      const crashes = rt.stats()[on].crashes;
      const running = rt.run(TASKS, 'receiveThenHang', [channel.receiver], { on, timeout: 1_000 });
      await channel.send(1);
      await assert.rejects(running); // its timeout passes; the worker is killed after the grace
      // Once the worker is gone its link is closed and its pending take withdrawn. (A value sent while
      // the take was still pending could have gone to the dying worker: as with any receiver, what it
      // received is its own.)
      await until(() => rt.stats()[on].crashes > crashes, 10_000, `the ${on} to be killed`);
      await channel.send(2);
      assert.equal(await channel.receive({ timeout: 2_000 }), 2, 'the dead worker’s pending take did not swallow the value');
    });
  }
});
