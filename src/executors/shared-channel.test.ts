// A SharedChannel handed to tasks through rt.run(): a view of the same memory on a thread, a TypeError for a process.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Channel } from '../communication/channel.js';
import type * as Tasks from '../communication/fixtures/shared-channel-tasks.js';
import { runtime } from './runtime.js';

const TASKS = new URL('../communication/fixtures/shared-channel-tasks.ts', import.meta.url);
const REFUSED = /is a shared channel and cannot be sent to a process: processes share no memory; use a Channel$/;

describe('SharedChannel across rt.run()', () => {
  it("Runtime.run() on: 'thread' hands a task a view of the same shared channel, with backpressure both ways", async () => {
    await using rt = runtime({ threads: 2, processes: 0 });
    const numbers = Channel.shared({ capacity: 8, type: 'int32' });
    const total = rt.run<Awaited<ReturnType<typeof Tasks.sumUntilClosed>>>(TASKS, 'sumUntilClosed', [numbers.receiver], { on: 'thread' });
    // A producer on another thread too: 2 × 1,000 values through 8 slots.
    const produced = rt.run<number>(TASKS, 'produce', [numbers, 1, 1_000], { on: 'thread' });
    for (let i = 1_001; i <= 2_000; i++) await numbers.send(i);
    assert.equal(await produced, 1_000);
    numbers.close();
    assert.deepEqual(await total, { sum: (2_000 * 2_001) / 2, count: 2_000, receiveOnly: true });
  });

  it("Runtime.run() on: 'process' rejects a shared channel argument, or result, with a TypeError", async () => {
    await using rt = runtime({ threads: 0, processes: 1 });
    const numbers = Channel.shared({ capacity: 8, type: 'int32' });
    await assert.rejects(rt.run(TASKS, 'sumUntilClosed', [numbers], { on: 'process' }), { name: 'TypeError', message: /^args\[0\] / });
    await assert.rejects(rt.run(TASKS, 'produce', [{ to: numbers.sender }], { on: 'process' }), { name: 'TypeError', message: REFUSED });
    await assert.rejects(rt.run(TASKS, 'makeShared', [], { on: 'process' }), { name: 'TypeError', message: /^result is a shared channel and cannot be sent to a process/ });
    assert.equal(numbers.closed, false);
  });
});
