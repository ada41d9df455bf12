import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../core/clock.js';
import { CancelledError, TimeoutError } from '../core/errors.js';
import { Bus } from './bus.js';
import { DEFAULT_SUBSCRIPTION_BUFFER, SubscriptionClosedError } from './subscription.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Subscription', () => {
  it("Subscription with 'drop-oldest' keeps the newest messages and counts the dropped", async () => {
    const bus = new Bus<Record<string, number>>();
    const sub = bus.subscribe('a', { buffer: 3, overflow: 'drop-oldest' });
    for (let i = 1; i <= 7; i++) await bus.publish('a', i);
    assert.equal(sub.dropped, 4);
    assert.deepEqual([await sub.receive(), await sub.receive(), await sub.receive()], [5, 6, 7]);
    assert.equal(sub.length, 0);
  });

  it("Subscription with 'drop-newest' keeps the oldest messages and counts the dropped", async () => {
    const bus = new Bus<Record<string, number>>();
    const sub = bus.subscribe('a', { buffer: 3, overflow: 'drop-newest' });
    for (let i = 1; i <= 7; i++) await bus.publish('a', i);
    assert.equal(sub.dropped, 4);
    assert.deepEqual([await sub.receive(), await sub.receive(), await sub.receive()], [1, 2, 3]);
  });

  it("Subscription with 'block' drops nothing and holds the publisher", async () => {
    const bus = new Bus<Record<string, number>>();
    const sub = bus.subscribe('a', { buffer: 2 });
    await bus.publish('a', 1);
    await bus.publish('a', 2);
    const third = bus.publish('a', 3);
    assert.equal(sub.length, 2);
    assert.equal(await sub.receive(), 1);
    await third;
    assert.deepEqual([await sub.receive(), await sub.receive()], [2, 3]);
    assert.equal(sub.dropped, 0);
  });

  it('Subscription defaults to a 1024-message block buffer', async () => {
    const bus = new Bus<Record<string, number>>();
    const sub = bus.subscribe('a');
    assert.equal(sub.buffer, DEFAULT_SUBSCRIPTION_BUFFER);
    assert.equal(sub.buffer, 1024);
    assert.equal(sub.overflow, 'block');
    for (let i = 0; i < 1024; i++) assert.deepEqual(bus.tryPublish('a', i), { state: 'ok' });
    assert.deepEqual(bus.tryPublish('a', 1024), { state: 'full' });
  });

  it('Subscription accepts an explicit Infinity buffer', async () => {
    const bus = new Bus<Record<string, number>>();
    const sub = bus.subscribe('a', { buffer: Infinity });
    for (let i = 0; i < 5000; i++) await bus.publish('a', i);
    assert.equal(sub.length, 5000);
  });

  it('Subscription.unsubscribe() ends iteration, discards the buffer and removes it from the bus', async () => {
    const bus = new Bus<Record<string, number>>();
    const sub = bus.subscribe('a');
    const seen: number[] = [];
    const loop = (async () => {
      for await (const m of sub) seen.push(m);
      return 'ended';
    })();
    await bus.publish('a', 1);
    await tick();
    // Synchronously: 2 goes to the waiting loop, 3 into the buffer, then the unsubscribe.
    bus.tryPublish('a', 2);
    bus.tryPublish('a', 3);
    assert.equal(sub.length, 1);
    sub.unsubscribe();
    sub.unsubscribe(); // idempotent
    assert.equal(sub.length, 0);
    assert.equal(await loop, 'ended');
    assert.deepEqual(seen, [1, 2]);
    assert.equal(sub.closed, true);
    assert.equal(bus.subscriptionCount, 0);
    await assert.rejects(sub.receive(), SubscriptionClosedError);
    assert.deepEqual(sub.tryReceive(), { state: 'closed' });
  });

  it('Subscription.unsubscribe() rejects a waiting receive with SubscriptionClosedError', async () => {
    const bus = new Bus();
    const sub = bus.subscribe('a');
    const waiting = sub.receive();
    sub.unsubscribe();
    await assert.rejects(waiting, SubscriptionClosedError);
  });

  it('Subscription iteration unsubscribes when the loop breaks', async () => {
    const bus = new Bus<Record<string, number>>();
    const sub = bus.subscribe('a', { buffer: 1 });
    await bus.publish('a', 1);
    const blocked = bus.publish('a', 2);
    for await (const m of sub) {
      assert.equal(m, 1);
      break;
    }
    await blocked; // released by the implicit unsubscribe
    assert.equal(sub.closed, true);
    assert.equal(bus.subscriptionCount, 0);
  });

  it('Subscription.receive() times out on the injected clock and leaves no timer behind', async () => {
    const clock = new FakeClock();
    const bus = new Bus<Record<string, number>>();
    const sub = bus.subscribe('a');
    const waiting = sub.receive({ timeout: 100, clock });
    const outcome = assert.rejects(waiting, TimeoutError);
    await clock.advance(100);
    await outcome;
    // The abandoned receive must not swallow the next message.
    await bus.publish('a', 1);
    assert.equal(await sub.receive({ timeout: 100, clock }), 1);
    assert.equal(clock.pendingTimers, 0);
  });

  it('Subscription.receive() rejects with CancelledError on abort and TypeError on bad options', async () => {
    const bus = new Bus();
    const sub = bus.subscribe('a');
    await assert.rejects(sub.receive({ signal: AbortSignal.abort() }), CancelledError);
    const controller = new AbortController();
    const waiting = sub.receive({ signal: controller.signal });
    controller.abort();
    await assert.rejects(waiting, CancelledError);
    await assert.rejects(sub.receive(null as unknown as undefined), { name: 'TypeError', message: /^options must be an object/ });
  });
});
