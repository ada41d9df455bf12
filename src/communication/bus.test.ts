import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../core/clock.js';
import { CancelledError, TimeoutError } from '../core/errors.js';
import { Bus, BusClosedError } from './bus.js';
import type { Subscription } from './subscription.js';

const drain = <T>(sub: Subscription<T>): T[] => {
  const out: T[] = [];
  for (let r = sub.tryReceive(); r.state === 'ok'; r = sub.tryReceive()) out.push(r.value);
  return out;
};

// Lets pending promise callbacks run.
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Bus', () => {
  it('Bus.publish() broadcasts to every matching subscriber and no other', async () => {
    const bus = new Bus<Record<string, string>>();
    const subs = ['a.b.c', 'a.*.c', 'a.>', '>', '*', 'a.b', 'x.>'].map((p) => bus.subscribe(p));
    await bus.publish('a.b.c', 'm1');
    await bus.publish('a', 'm2');
    assert.deepEqual(
      subs.map((s) => [s.pattern, drain(s)]),
      [
        ['a.b.c', ['m1']],
        ['a.*.c', ['m1']],
        ['a.>', ['m1']],
        ['>', ['m1', 'm2']],
        ['*', ['m2']],
        ['a.b', []],
        ['x.>', []],
      ],
    );
  });

  it('Bus.publish() delivers in publish order to each subscriber', async () => {
    const bus = new Bus<Record<string, number>>();
    const one = bus.subscribe('t.*');
    const two = bus.subscribe('t.>');
    for (let i = 0; i < 100; i++) await bus.publish(i % 2 ? 't.odd' : 't.even', i);
    const want = Array.from({ length: 100 }, (_, i) => i);
    assert.deepEqual(drain(one), want);
    assert.deepEqual(drain(two), want);
  });

  it('Bus.publish() hands a message straight to a waiting receiver', async () => {
    const bus = new Bus<Record<string, string>>();
    const sub = bus.subscribe('a');
    const got = sub.receive();
    await bus.publish('a', 'hello');
    assert.equal(await got, 'hello');
    assert.equal(sub.length, 0);
  });

  it('Bus.publish() with no subscriber resolves and does nothing', async () => {
    const bus = new Bus();
    await bus.publish('nobody.listens', 1);
    assert.equal(bus.subscriptionCount, 0);
  });

  it('Bus.publish() rejects invalid topics and options with errors naming the argument', async () => {
    const bus = new Bus();
    await assert.rejects(bus.publish('a.*', 1), { name: 'RangeError', message: /^topic must not contain wildcards/ });
    await assert.rejects(bus.publish('a..b', 1), { name: 'RangeError', message: /^topic must be dot-separated/ });
    await assert.rejects(bus.publish(7 as unknown as string, 1), { name: 'TypeError', message: /^topic must be a string/ });
    await assert.rejects(bus.publish('a', 1, { timeout: -1 }), { name: 'RangeError', message: /^options\.timeout/ });
    assert.throws(() => bus.tryPublish('a.>', 1), { name: 'RangeError', message: /^topic must not contain wildcards/ });
  });

  it('Bus.subscribe() rejects invalid patterns and options with errors naming the argument', () => {
    const bus = new Bus();
    assert.throws(() => bus.subscribe('a.>.b'), { name: 'RangeError', message: /^pattern may use > only as its last token/ });
    assert.throws(() => bus.subscribe(''), { name: 'RangeError', message: /^pattern must be dot-separated/ });
    assert.throws(() => bus.subscribe('a', { buffer: 0 }), { name: 'RangeError', message: /^options\.buffer must be a positive integer or Infinity/ });
    assert.throws(() => bus.subscribe('a', { buffer: 1.5 }), { name: 'RangeError', message: /^options\.buffer/ });
    assert.throws(() => bus.subscribe('a', { overflow: 'drop' as 'block' }), { name: 'RangeError', message: /^options\.overflow must be one of/ });
    assert.throws(() => bus.subscribe('a', { signal: {} as AbortSignal }), { name: 'TypeError', message: /^options\.signal/ });
    assert.equal(bus.subscriptionCount, 0);
  });

  it('Bus.publish() waits for a full block subscriber and resolves once it receives', async () => {
    const bus = new Bus<Record<string, number>>();
    const fast = bus.subscribe('a', { buffer: 10 });
    const slow = bus.subscribe('a', { buffer: 1, overflow: 'block' });
    await bus.publish('a', 1);
    let settled = false;
    const second = bus.publish('a', 2).then(() => (settled = true));
    const third = bus.publish('a', 3);
    await tick();
    assert.equal(settled, false);
    assert.deepEqual(drain(fast), [1, 2, 3]); // other subscribers are not held up
    assert.equal(await slow.receive(), 1);
    await second;
    assert.equal(settled, true);
    assert.equal(await slow.receive(), 2);
    await third;
    assert.equal(await slow.receive(), 3);
  });

  it('Bus.publish() blocked by a subscriber is released when it unsubscribes', async () => {
    const bus = new Bus<Record<string, number>>();
    const slow = bus.subscribe('a', { buffer: 1 });
    await bus.publish('a', 1);
    const blocked = bus.publish('a', 2);
    slow.unsubscribe();
    await blocked;
    assert.equal(bus.subscriptionCount, 0);
    assert.equal(slow.length, 0);
  });

  it('Bus.publish() times out on the injected clock and withdraws the message from the blocked subscriber', async () => {
    const clock = new FakeClock();
    const bus = new Bus<Record<string, number>>();
    const other = bus.subscribe('a', { buffer: 5 });
    const slow = bus.subscribe('a', { buffer: 1 });
    await bus.publish('a', 1);
    const late = bus.publish('a', 2, { timeout: 50, clock });
    const outcome = assert.rejects(late, TimeoutError);
    await clock.advance(50);
    await outcome;
    assert.deepEqual(drain(slow), [1]);
    assert.deepEqual(drain(other), [1, 2]);
    assert.equal(clock.pendingTimers, 0);
  });

  it('Bus.publish() rejects with CancelledError when its signal aborts while blocked', async () => {
    const bus = new Bus<Record<string, number>>();
    const slow = bus.subscribe('a', { buffer: 1 });
    await bus.publish('a', 1);
    const controller = new AbortController();
    const blocked = bus.publish('a', 2, { signal: controller.signal });
    controller.abort();
    await assert.rejects(blocked, CancelledError);
    await bus.publish('a', 3, { signal: AbortSignal.abort() }).then(
      () => assert.fail('should be full'),
      (error: unknown) => assert.ok(error instanceof CancelledError),
    );
    assert.deepEqual(drain(slow), [1]);
  });

  it('Bus.tryPublish() is all or nothing when a block subscriber is full', async () => {
    const bus = new Bus<Record<string, number>>();
    const free = bus.subscribe('a', { overflow: 'drop-newest', buffer: 5 });
    const full = bus.subscribe('a', { buffer: 1 });
    assert.deepEqual(bus.tryPublish('a', 1), { state: 'ok' });
    assert.deepEqual(bus.tryPublish('a', 2), { state: 'full' });
    assert.deepEqual(drain(free), [1]);
    assert.deepEqual(drain(full), [1]);
    bus.close();
    assert.deepEqual(bus.tryPublish('a', 3), { state: 'closed' });
  });

  it('Bus.close() rejects later publishes and ends subscriptions after their buffers drain', async () => {
    const bus = new Bus<Record<string, number>>();
    const sub = bus.subscribe('a', { buffer: 1 });
    await bus.publish('a', 1);
    const blocked = bus.publish('a', 2);
    bus.close();
    await assert.rejects(bus.publish('a', 3), BusClosedError);
    const seen: number[] = [];
    for await (const m of sub) seen.push(m);
    await blocked;
    assert.deepEqual(seen, [1, 2]);
    assert.equal(sub.closed, true);
    assert.equal(bus.subscriptionCount, 0);
    assert.equal(bus.subscribe('a').closed, true);
  });

  it('Bus.subscribe() ends the subscription when its signal aborts', async () => {
    const bus = new Bus();
    const controller = new AbortController();
    const sub = bus.subscribe('a', { signal: controller.signal });
    const seen: unknown[] = [];
    const loop = (async () => {
      for await (const m of sub) seen.push(m);
    })();
    await bus.publish('a', 1);
    await tick();
    controller.abort();
    await loop;
    assert.deepEqual(seen, [1]);
    assert.equal(bus.subscriptionCount, 0);
    assert.equal(bus.subscribe('a', { signal: AbortSignal.abort() }).closed, true);
  });

  it('Bus types messages by topic map, and a wildcard subscription by the union of matching topics', async () => {
    type Topics = { 'orders.created': { id: number }; 'orders.shipped': { id: number; carrier: string }; 'users.joined': string };
    const bus = new Bus<Topics>();
    const orders = bus.subscribe('orders.*');
    const users = bus.subscribe('users.>');
    await bus.publish('orders.shipped', { id: 1, carrier: 'ups' });
    await bus.publish('users.joined', 'ada');
    // @ts-expect-error: a string is not an order (type-level check only; never called)
    const _wrong = () => bus.publish('orders.created', 'nope');
    const order: { id: number } = await orders.receive(); // both order shapes have id
    const user: string = await users.receive();
    assert.deepEqual(order, { id: 1, carrier: 'ups' });
    assert.equal(user, 'ada');
  });
});
