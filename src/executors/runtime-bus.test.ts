// Integration tests of a Bus handed to tasks and actors on real worker threads and child processes: fan-out, order, wildcards, backpressure, drops, endings, crashes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Bus } from '../communication/bus.js';
import type { Subscription } from '../communication/subscription.js';
import type { Placement } from './current-task.js';
import { WorkerCrashedError } from './errors.js';
import { until } from './executor.case.js';
import type * as Tasks from './fixtures/bus-tasks.js';
import { runtime, type Runtime } from './runtime.js';

const TASKS = new URL('./fixtures/bus-tasks.ts', import.meta.url);
/** Starting a process under tsx takes a while on a loaded machine. */
const START = { timeout: 30_000 };

type Order = Tasks.Order;

/** Waits for `names` to say `ready.<name>` on `ready`, failing at once if a task fails first. */
async function readyAll(ready: Subscription<unknown>, names: readonly string[], runs: readonly Promise<unknown>[]): Promise<void> {
  const failed = Promise.race(runs).then(
    () => Promise.reject(new Error('a task ended before every subscriber was ready')),
    (error: unknown) => Promise.reject(error),
  );
  failed.catch(() => {});
  const waiting = new Set(names);
  while (waiting.size > 0) waiting.delete((await Promise.race([ready.receive(START), failed])) as string);
}

describe('Runtime: a Bus handed to tasks and actors on threads and processes', () => {
  let rt: Runtime;
  before(() => {
    rt = runtime({ threads: 2, processes: 2 });
  });
  after(() => rt.close());

  it('Bus: subscribers in 2 threads and 2 processes get every matching message from the host and from other workers, in publish order, by the loop’s wildcard rules', async () => {
    const bus = new Bus<Record<string, Order>>();
    const control = new Bus();
    const ready = control.subscribe('ready.*');
    const subscribers = [
      { name: 't1', on: 'thread', pattern: '>' },
      { name: 't2', on: 'thread', pattern: 'orders.>' },
      { name: 'p1', on: 'process', pattern: 'orders.*.created' },
      { name: 'p2', on: 'process', pattern: 'orders.eu.*' },
    ] as const;
    const runs = subscribers.map((s) => rt.run<Order[]>(TASKS, 'collect', [bus, control, s.name, s.pattern], { on: s.on }));
    await readyAll(ready, subscribers.map((s) => s.name), runs);
    assert.equal(bus.subscriptionCount, 4);

    const round = ['orders.eu.created', 'orders.eu.shipped', 'orders.us.created', 'orders.eu', 'orders.eu.created.late', 'billing.eu.created', 'orders'];
    const topics = [...round, ...round, ...round];
    const publishers = [
      rt.run<number>(TASKS, 'publishAll', [bus, 'thread', topics], { on: 'thread' }),
      rt.run<number>(TASKS, 'publishAll', [bus, 'process', topics], { on: 'process' }),
    ];
    for (let seq = 0; seq < topics.length; seq++) await bus.publish(topics[seq]!, { from: 'host', seq, topic: topics[seq]! });
    assert.deepEqual(await Promise.all(publishers), [topics.length, topics.length]);
    // Published after everything else reached the bus, so it is every subscriber's last message.
    await bus.publish('orders.eu.created', { end: true });
    const results = await Promise.all(runs);

    const expected: Record<string, string[]> = {
      '>': round,
      'orders.>': ['orders.eu.created', 'orders.eu.shipped', 'orders.us.created', 'orders.eu', 'orders.eu.created.late'],
      'orders.*.created': ['orders.eu.created', 'orders.us.created'],
      'orders.eu.*': ['orders.eu.created', 'orders.eu.shipped'],
    };
    subscribers.forEach((s, i) => {
      const got = results[i]! as { from: string; seq: number; topic: string }[];
      const want = [...expected[s.pattern]!, ...expected[s.pattern]!, ...expected[s.pattern]!];
      for (const from of ['host', 'thread', 'process']) {
        const mine = got.filter((m) => m.from === from);
        assert.deepEqual(mine.map((m) => m.topic), want, `${s.name} (${s.pattern}) got ${from}'s messages, every matching one, in publish order`);
        assert.deepEqual(mine.map((m) => m.seq), [...mine.map((m) => m.seq)].sort((a, b) => a - b));
      }
      assert.equal(got.length, want.length * 3, `${s.name} got nothing else`);
    });
    await until(() => bus.subscriptionCount === 0, 5_000, 'the subscriptions to end on the host');
  });

  for (const on of ['thread', 'process'] as const) {
    it(`Bus: a 'block' subscriber in a ${on} that does not read makes the host's publish wait, and reading lets it go on`, async () => {
      const bus = new Bus<Record<string, number>>();
      const control = new Bus();
      const ready = control.subscribe('ready.*');
      const run = rt.run<{ got: number[] }>(TASKS, 'holdThenRead', [bus, control, 'slow', 'work', { buffer: 2, overflow: 'block' }, 10], { on });
      await readyAll(ready, ['slow'], [run]);
      let resolved = 0;
      const publishes = Array.from({ length: 10 }, (_, i) => bus.publish('work', i).then(() => resolved++));
      await until(() => resolved === 4, 5_000, 'the first four publishes');
      await delay(150);
      // Two in the host's buffer for it and a credit window of two in the worker: the fifth waits.
      assert.equal(resolved, 4, 'the host publisher waits for the worker reader');
      await control.publish('go.slow', 'go');
      assert.deepEqual((await run).got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      await Promise.all(publishes);
      await until(() => bus.subscriptionCount === 0, 5_000, 'the subscription to end');
    });
  }

  it("Bus: a publish from a thread waits while a 'block' subscriber on the host is full", async () => {
    const bus = new Bus<Record<string, Order>>();
    const local = bus.subscribe('held', { buffer: 1 });
    let done = false;
    const run = rt.run<number>(TASKS, 'publishAll', [bus, 'thread', ['held', 'held', 'held']], { on: 'thread' }).then((n) => {
      done = true;
      return n;
    });
    const first = await local.receive(START);
    await delay(150);
    assert.equal(done, false, 'the worker is still waiting to publish its third message');
    const rest = [await local.receive({ timeout: 5_000 }), await local.receive({ timeout: 5_000 })];
    assert.equal(await run, 3);
    assert.deepEqual([first, ...rest].map((m) => (m as { seq: number }).seq), [0, 1, 2]);
    local.unsubscribe();
  });

  it("Bus: 'drop-oldest' for a subscriber in a thread drops on the host's side, and the worker sees the count", async () => {
    const bus = new Bus<Record<string, number>>();
    const control = new Bus();
    const ready = control.subscribe('ready.*');
    const run = rt.run<{ got: number[]; dropped: number }>(TASKS, 'holdThenRead', [bus, control, 'lossy', 'ticks', { buffer: 4, overflow: 'drop-oldest' }, 8], {
      on: 'thread',
    });
    await readyAll(ready, ['lossy'], [run]);
    for (let i = 1; i <= 50; i++) await bus.publish('ticks', i);
    await control.publish('go.lossy', 'go');
    // The credit window's four crossed before the worker read anything; the host kept the newest four.
    assert.deepEqual(await run, { got: [1, 2, 3, 4, 47, 48, 49, 50], dropped: 42 });
  });

  it('Bus: closing it on the host ends subscriptions in a thread and a process after what they hold; an unsubscribe there frees the host at once', async () => {
    const bus = new Bus<Record<string, number>>();
    const control = new Bus();
    const ready = control.subscribe('ready.*');
    const runs = (['thread', 'process'] as const).map((on) => rt.run<{ got: number[]; closed: boolean }>(TASKS, 'readUntilClosed', [bus, control, on], { on }));
    await readyAll(ready, ['thread', 'process'], runs);
    assert.equal(bus.subscriptionCount, 2, 'the subscriptions the workers left were ended on the host before they said ready');
    for (let i = 0; i < 3; i++) await bus.publish('closing.x', i);
    bus.close();
    for (const result of await Promise.all(runs)) assert.deepEqual(result, { got: [0, 1, 2], closed: true });
    assert.equal(bus.subscriptionCount, 0);

    const open = new Bus();
    for (const on of ['thread', 'process'] as const) assert.equal(await rt.run(TASKS, 'subscribeAndLeave', [open], { on }), true);
    assert.equal(open.subscriptionCount, 0, 'the unsubscribe reached the host before the result');
  });

  for (const on of ['thread', 'process'] as const) {
    it(`Bus: a crash of a ${on} ends its subscriptions on the host and releases the publishers they blocked`, async () => {
      const bus = new Bus();
      const control = new Bus();
      const ready = control.subscribe('ready.*');
      const run = rt.run(TASKS, 'subscribeThenCrash', [bus, control, 'doomed', 3], { on });
      await readyAll(ready, ['doomed'], [run]);
      assert.equal(bus.subscriptionCount, 3);
      let resolved = 0;
      const publishes = Array.from({ length: 4 }, (_, i) => bus.publish('crash.0', i).then(() => resolved++));
      await until(() => resolved === 2, 5_000, 'the first two publishes');
      await delay(50);
      assert.equal(resolved, 2, 'the third publish waits for the worker');
      await control.publish('go.doomed', 'go');
      await assert.rejects(run, WorkerCrashedError);
      await Promise.all(publishes);
      assert.equal(bus.subscriptionCount, 0, 'no subscription outlives its worker');
    });
  }

  it('Bus: an actor on a process given a bus in its args subscribes and publishes on it', async () => {
    const bus = new Bus<Record<string, { n: number }>>();
    const on: Placement = 'process';
    const ref = rt.actor<typeof Tasks.busListener>(TASKS, 'busListener', { on, args: [bus] });
    assert.equal(await ref.ask('ready', START), true);
    assert.equal(bus.subscriptionCount, 1);
    await bus.publish('actor.one', { n: 1 });
    await bus.publish('other', { n: 2 });
    await bus.publish('actor.two.deep', { n: 3 });
    assert.deepEqual(await ref.ask('next'), { n: 1 });
    assert.deepEqual(await ref.ask('next'), { n: 3 });
    const seen = bus.subscribe('from.actor');
    assert.equal(await ref.ask({ publish: 'from.actor', n: 4 }), 'published');
    assert.deepEqual(seen.tryReceive(), { state: 'ok', value: { n: 4 } });
    await ref.stop();
    seen.unsubscribe();
  });
});
