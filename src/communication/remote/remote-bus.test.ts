// Unit tests of RemoteBus over an in-memory cloning link: delivery and wildcards, credits, overflow on the owning side, publish as a request, endings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { actor } from '../actor.js';
import type { ActorRef } from '../actor-ref.js';
import { Bus, BusClosedError } from '../bus.js';
import { Subscription, SubscriptionClosedError } from '../subscription.js';
import { linkedPeers } from './fixtures/linked-peers.js';
import type { Peer } from './peer.js';
import { RemoteActorRef } from './remote-actor-ref.js';
import { RemoteBus, SUBSCRIPTION_WINDOW, type BusRef } from './remote-bus.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const HAND = 92;

const arrivals = new WeakMap<Peer, ((value: unknown) => void)[]>();

/** Hands `value` from `from` to `to` over their link and returns what arrived there. */
async function handOver<T>(from: Peer, to: Peer, value: unknown): Promise<T> {
  let waiting = arrivals.get(to);
  if (waiting === undefined) {
    const queue: ((value: unknown) => void)[] = [];
    arrivals.set(to, (waiting = queue));
    to.register(HAND, 1, (b, at) => queue.shift()?.(to.unpack(b[at + 1])));
  }
  const arrived = new Promise<unknown>((resolve) => waiting.push(resolve));
  from.post(HAND, from.pack(value, 'msg'));
  return (await arrived) as T;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Lets the link carry messages back and forth: enough turns for a few round trips. */
async function settle(turns = 12): Promise<void> {
  for (let i = 0; i < turns; i++) await turn();
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await turn();
  }
  assert.fail(`timed out waiting for ${what}`);
}

const drain = <T>(sub: Subscription<T>): T[] => {
  const out: T[] = [];
  for (let r = sub.tryReceive(); r.state === 'ok'; r = sub.tryReceive()) out.push(r.value);
  return out;
};

/** A bus on the host and its proxy on the worker side of a fresh link. */
async function linkedBus<T extends Record<string, unknown> = Record<string, unknown>>() {
  const link = linkedPeers();
  const bus = new Bus<T>();
  const remote = await handOver<RemoteBus<T>>(link.host, link.worker, bus);
  return { ...link, bus, remote };
}

describe('RemoteBus', () => {
  it('RemoteBus.subscribe() receives what the owning side publishes, by the same wildcard rules, in a real Subscription', async () => {
    const { bus, remote } = await linkedBus<Record<string, string>>();
    assert.ok(remote instanceof RemoteBus);
    const patterns = ['a.b.c', 'a.*.c', 'a.>', '>', '*', 'a.b', 'x.>'];
    const subs = patterns.map((p) => remote.subscribe(p));
    await until(() => bus.subscriptionCount === patterns.length, 'the subscriptions to reach the bus');
    await bus.publish('a.b.c', 'm1');
    await bus.publish('a', 'm2');
    await bus.publish('a.b.c.d', 'm3');
    await settle();
    assert.deepEqual(
      subs.map((s) => [s.pattern, drain(s)]),
      [
        ['a.b.c', ['m1']],
        ['a.*.c', ['m1']],
        ['a.>', ['m1', 'm3']],
        ['>', ['m1', 'm2', 'm3']],
        ['*', ['m2']],
        ['a.b', []],
        ['x.>', []],
      ],
    );
    const sub = remote.subscribe('q', { buffer: 10, overflow: 'drop-oldest' });
    assert.ok(sub instanceof Subscription);
    assert.equal(sub.buffer, 10);
    assert.equal(sub.overflow, 'drop-oldest');
    assert.equal(sub.closed, false);
    for (const s of [...subs, sub]) s.unsubscribe();
    await until(() => bus.subscriptionCount === 0, 'the subscriptions to end on the bus');
  });

  it('RemoteBus.subscribe() delivers every message in publish order through `for await`', async () => {
    const { bus, remote } = await linkedBus<Record<string, number>>();
    const sub = remote.subscribe('t.>');
    await until(() => bus.subscriptionCount === 1, 'the subscription');
    const total = 1_000;
    const got: number[] = [];
    const reading = (async () => {
      for await (const n of sub) {
        got.push(n);
        if (got.length === total) break;
      }
    })();
    for (let i = 0; i < total; i++) await bus.publish(i % 2 ? 't.odd' : 't.even.x', i);
    await reading;
    assert.deepEqual(got, Array.from({ length: total }, (_, i) => i));
    assert.equal(sub.closed, true, 'leaving the loop unsubscribes');
    await until(() => bus.subscriptionCount === 0, 'the subscription to end on the bus');
  });

  it('RemoteBus.subscribe() holds at most its window forwarded; the owning side forwards more only as the reader takes', async () => {
    const { bus, remote } = await linkedBus<Record<string, number>>();
    const sub = remote.subscribe('t');
    const small = remote.subscribe('t', { buffer: 3, overflow: 'drop-newest' });
    await until(() => bus.subscriptionCount === 2, 'the subscriptions');
    const total = SUBSCRIPTION_WINDOW + 100;
    for (let i = 0; i < total; i++) await bus.publish('t', i);
    await settle();
    assert.equal(sub.length, SUBSCRIPTION_WINDOW, 'the window bounds what crossed');
    assert.equal(small.length, 3, 'a smaller buffer makes a smaller window');
    const first = [sub.tryReceive(), sub.tryReceive(), sub.tryReceive()].map((r) => (r.state === 'ok' ? r.value : -1));
    assert.deepEqual(first, [0, 1, 2]);
    assert.equal(sub.length, SUBSCRIPTION_WINDOW - 3);
    await until(() => sub.length === SUBSCRIPTION_WINDOW, 'credits to bring three more');
    await settle();
    assert.equal(sub.length, SUBSCRIPTION_WINDOW, 'no more than the credits returned');
    const rest: number[] = [];
    while (rest.length < total - 3) rest.push(await sub.receive({ timeout: 2_000 }));
    assert.deepEqual(rest, Array.from({ length: total - 3 }, (_, i) => i + 3));
    sub.unsubscribe();
    small.unsubscribe();
  });

  it("RemoteBus.subscribe() with 'block' holds the owning side's publishers up until the remote reader takes", async () => {
    const { bus, remote } = await linkedBus<Record<string, number>>();
    const sub = remote.subscribe('t', { buffer: 2 });
    await until(() => bus.subscriptionCount === 1, 'the subscription');
    let resolved = 0;
    const publishes = Array.from({ length: 10 }, (_, i) => bus.publish('t', i).then(() => resolved++));
    await settle();
    // Two in the bus's buffer and a window of two forwarded: the fifth publisher waits.
    assert.equal(resolved, 4);
    assert.equal(bus.tryPublish('t', 99).state, 'full', 'the owning side sees the subscriber as full');
    assert.equal(await sub.receive(), 0);
    await until(() => resolved === 5, 'one more publish to complete');
    await settle();
    assert.equal(resolved, 5, 'one take admits one publisher');
    const rest: number[] = [];
    while (rest.length < 9) rest.push(await sub.receive({ timeout: 2_000 }));
    assert.deepEqual(rest, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await Promise.all(publishes);
    sub.unsubscribe();
  });

  it('RemoteBus: unsubscribing on the remote side ends the subscription on the bus and releases its blocked publishers', async () => {
    const { bus, remote } = await linkedBus<Record<string, number>>();
    const sub = remote.subscribe('t', { buffer: 1 });
    await until(() => bus.subscriptionCount === 1, 'the subscription');
    const blocked = Array.from({ length: 5 }, (_, i) => bus.publish('t', i));
    await settle();
    sub.unsubscribe();
    assert.equal(sub.closed, true);
    assert.equal(sub.length, 0, 'what was buffered is discarded, as on the loop');
    await assert.rejects(sub.receive(), SubscriptionClosedError);
    assert.deepEqual(sub.tryReceive(), { state: 'closed' });
    await Promise.all(blocked);
    assert.equal(bus.subscriptionCount, 0);
  });

  it('RemoteBus.subscribe() unsubscribes when its signal aborts, and is returned ended for an aborted signal', async () => {
    const { bus, remote } = await linkedBus();
    const controller = new AbortController();
    const sub = remote.subscribe('t', { signal: controller.signal });
    await until(() => bus.subscriptionCount === 1, 'the subscription');
    const waiting = sub.receive();
    controller.abort();
    await assert.rejects(waiting, SubscriptionClosedError);
    await until(() => bus.subscriptionCount === 0, 'the subscription to end on the bus');
    const never = remote.subscribe('t', { signal: AbortSignal.abort() });
    assert.equal(never.closed, true);
    await settle();
    assert.equal(bus.subscriptionCount, 0, 'nothing crossed');
  });

  it("RemoteBus.subscribe() with 'drop-oldest' or 'drop-newest' drops on the owning side and reports the count", async () => {
    const { bus, remote } = await linkedBus<Record<string, number>>();
    const oldest = remote.subscribe('t', { buffer: 4, overflow: 'drop-oldest' });
    const newest = remote.subscribe('t', { buffer: 4, overflow: 'drop-newest' });
    await until(() => bus.subscriptionCount === 2, 'the subscriptions');
    // Awaited one by one, so the forwarders take the first four (their window) as they come.
    for (let i = 1; i <= 50; i++) await bus.publish('t', i);
    await settle();
    const take = async (sub: Subscription<number>) => {
      const got: number[] = [];
      while (got.length < 8) got.push(await sub.receive({ timeout: 2_000 }));
      await settle();
      assert.deepEqual(sub.tryReceive(), { state: 'empty' });
      return got;
    };
    // The window's four crossed before the buffer filled; the bus kept four more by each policy.
    assert.deepEqual(await take(oldest), [1, 2, 3, 4, 47, 48, 49, 50]);
    assert.deepEqual(await take(newest), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(oldest.dropped, 42);
    assert.equal(newest.dropped, 42);
    oldest.unsubscribe();
    newest.unsubscribe();
  });

  it('RemoteBus.publish() is delivered on the owning side and across to other subscribers; refs inside cross as proxies and come home as originals', async () => {
    const { bus, remote } = await linkedBus<Record<string, unknown>>();
    const local = bus.subscribe('orders.*');
    const across = remote.subscribe('orders.>');
    await until(() => bus.subscriptionCount === 2, 'the subscription');
    const reply = actor(() => ({ receive: (n: number) => n * 2 }));
    await remote.publish('orders.created', { id: 1, reply, bus: remote });
    const got = local.tryReceive();
    assert.equal(got.state, 'ok');
    const msg = (got as { value: { id: number; reply: ActorRef<number, number>; bus: unknown } }).value;
    assert.equal(msg.id, 1);
    assert.ok(msg.reply instanceof RemoteActorRef, 'an actor of the publishing side arrives as a proxy');
    assert.equal(await msg.reply.ask(21), 42);
    assert.equal(msg.bus, bus, 'the proxy of the bus comes home as the bus');
    const echoed = (await across.receive({ timeout: 2_000 })) as { reply: unknown; bus: unknown };
    assert.equal(echoed.reply, reply, 'forwarded back to its side, the actor is the original again');
    assert.equal(echoed.bus, remote, 'and the bus is the same proxy');
    await reply.stop();
    local.unsubscribe();
    across.unsubscribe();
  });

  it("RemoteBus.publish() waits while a 'block' subscriber on the owning side is full; abort and timeout withdraw the message", async () => {
    const { bus, remote } = await linkedBus<Record<string, string>>();
    const local = bus.subscribe('t', { buffer: 1 });
    await remote.publish('t', 'first');
    let resolved = false;
    const second = remote.publish('t', 'second').then(() => (resolved = true));
    await settle();
    assert.equal(resolved, false, 'the remote publisher waits for room');
    assert.equal(await local.receive(), 'first');
    await second;
    const controller = new AbortController();
    const aborted = remote.publish('t', 'aborted', { signal: controller.signal });
    await settle();
    controller.abort();
    await assert.rejects(aborted, { name: 'CancelledError' });
    await assert.rejects(remote.publish('t', 'late', { timeout: 20 }), { name: 'TimeoutError' });
    await settle();
    assert.equal(await local.receive(), 'second');
    assert.deepEqual(local.tryReceive(), { state: 'empty' }, 'the abandoned messages were withdrawn on the owning side');
    await remote.publish('t', 'after');
    assert.equal(local.tryReceive().state, 'ok');
    local.unsubscribe();
  });

  it('RemoteBus.publish() rejects bad topics, options and unsendable messages before anything crosses', async () => {
    const { remote, posted } = await linkedBus();
    const before = posted.toHost;
    await assert.rejects(remote.publish('a..b', 1), { name: 'RangeError', message: /^topic must be dot-separated/ });
    await assert.rejects(remote.publish('a.*', 1), { name: 'RangeError', message: /^topic must not contain wildcards/ });
    await assert.rejects(remote.publish(7 as never, 1), { name: 'TypeError', message: 'topic must be a string, got number' });
    await assert.rejects(remote.publish('a', 1, { timeout: -1 }), { name: 'RangeError', message: /^options\.timeout/ });
    await assert.rejects(remote.publish('a', { onDone: () => {} }), { name: 'TypeError', message: 'message.onDone is a function and cannot be sent to the host' });
    await assert.rejects(remote.publish('a', 1, { signal: AbortSignal.abort() }), { name: 'CancelledError' });
    assert.throws(() => remote.subscribe('a.>.b'), { name: 'RangeError', message: /^pattern may use > only as its last token/ });
    assert.throws(() => remote.subscribe('a', { buffer: 0 }), { name: 'RangeError', message: /^options\.buffer/ });
    assert.throws(() => remote.subscribe('a', { overflow: 'drop-all' as never }), { name: 'RangeError', message: /^options\.overflow/ });
    await settle();
    assert.equal(posted.toHost, before, 'nothing was posted');
  });

  it('RemoteBus.tryPublish() and subscriptionCount throw a TypeError saying why they cannot be answered across a link', async () => {
    const { remote } = await linkedBus();
    assert.throws(() => remote.tryPublish('a', 1), { name: 'TypeError', message: /^tryPublish\(\) is not available on a bus across a link: .*use publish\(\)/ });
    assert.throws(() => remote.subscriptionCount, { name: 'TypeError', message: /^subscriptionCount is not available on a bus across a link/ });
  });

  it('Bus.close() on the owning side: a remote subscription still yields what it held (blocked publishers included), then ends', async () => {
    const { bus, remote } = await linkedBus<Record<string, number>>();
    const sub = remote.subscribe('t', { buffer: 2 });
    await until(() => bus.subscriptionCount === 1, 'the subscription');
    const publishes = Array.from({ length: 6 }, (_, i) => bus.publish('t', i));
    await settle();
    bus.close();
    const got: number[] = [];
    for await (const n of sub) got.push(n);
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5]);
    await Promise.all(publishes);
    assert.equal(sub.closed, true);
    await assert.rejects(sub.receive(), SubscriptionClosedError);
    assert.equal(remote.closed, true, 'the proxy learned that the bus closed');
    await assert.rejects(remote.publish('t', 9), BusClosedError);
    const late = remote.subscribe('t');
    assert.equal(late.closed, true, 'a subscription to a closed bus is returned ended');
    assert.equal(bus.subscriptionCount, 0);
  });

  it('RemoteBus.close() closes the bus on its side; later publishes reject with BusClosedError on either side', async () => {
    const { bus, remote } = await linkedBus<Record<string, number>>();
    const sub = bus.subscribe('t');
    await remote.publish('t', 1);
    remote.close();
    assert.equal(remote.closed, true);
    await assert.rejects(remote.publish('t', 2), BusClosedError);
    await until(() => bus.closed, 'the bus to close');
    await assert.rejects(bus.publish('t', 3), BusClosedError);
    assert.deepEqual(drain(sub), [1]);
    assert.equal(sub.closed, true);
  });

  it('RemoteBus arriving for a closed bus is closed, and its publishes reject with BusClosedError from the owning side', async () => {
    const link = linkedPeers();
    const bus = new Bus();
    bus.close();
    const remote = await handOver<RemoteBus>(link.host, link.worker, bus);
    assert.equal(remote.closed, true);
    await assert.rejects(remote.publish('t', 1), BusClosedError);
    const open = new Bus();
    const second = await handOver<RemoteBus>(link.host, link.worker, open);
    open.close();
    await assert.rejects(second.publish('t', 1), { name: 'BusClosedError' });
    assert.equal(second.closed, true, 'the rejection taught the proxy');
  });

  it('RemoteBus when the link is lost: subscriptions yield what arrived, then end; waiting publishes reject with the link error; the bus side lets go', async () => {
    const { bus, remote, sever } = await linkedBus<Record<string, number>>();
    const sub = remote.subscribe('t', { buffer: 2 });
    const local = bus.subscribe('mine', { buffer: 1 });
    await until(() => bus.subscriptionCount === 2, 'the subscription');
    const blocked = Array.from({ length: 6 }, (_, i) => bus.publish('t', i));
    await bus.publish('mine', 0);
    const waiting = remote.publish('mine', 1);
    await settle();
    const crash = new Error('worker crashed');
    sever(crash);
    await assert.rejects(waiting, (error) => error === crash);
    const got: number[] = [];
    for await (const n of sub) got.push(n);
    assert.deepEqual(got, [0, 1], 'what had crossed is still yielded');
    assert.equal(remote.closed, true);
    await assert.rejects(remote.publish('t', 1), (error: Error) => error instanceof BusClosedError && error.cause === crash);
    await Promise.all(blocked);
    assert.equal(bus.subscriptionCount, 1, 'the remote subscription is gone from the bus; the local one stays');
    assert.deepEqual(drain(local), [0], 'the withdrawn publish left nothing behind');
    local.unsubscribe();
  });

  it('RemoteBus: a live subscription keeps working when nothing else holds the proxy', async () => {
    const link = linkedPeers();
    const bus = new Bus<Record<string, number>>();
    let sub: Subscription<number> | undefined;
    {
      const remote = await handOver<RemoteBus<Record<string, number>>>(link.host, link.worker, bus);
      sub = remote.subscribe('t');
    }
    await until(() => bus.subscriptionCount === 1, 'the subscription');
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await bus.publish('t', 7);
    assert.equal(await sub.receive({ timeout: 2_000 }), 7);
    sub.unsubscribe();
    await until(() => bus.subscriptionCount === 0, 'the subscription to end on the bus');
  });

  it('RemoteBus passed on over a further link works end to end, and a subscription there spans both links', async () => {
    const first = linkedPeers();
    const second = linkedPeers(); // its host side shares a loop with the first link's worker side
    const bus = new Bus<Record<string, number>>();
    const middle = await handOver<RemoteBus<Record<string, number>>>(first.host, first.worker, bus);
    const far = await handOver<BusRef<Record<string, number>>>(second.host, second.worker, middle);
    assert.ok(far instanceof RemoteBus);
    const sub = far.subscribe('t.*', { buffer: 2 });
    await until(() => bus.subscriptionCount === 1, 'the subscription to reach the bus through both links');
    let resolved = 0;
    const publishes = Array.from({ length: 12 }, (_, i) => bus.publish('t.x', i).then(() => resolved++));
    await settle(30);
    // Each hop holds its window (2) and the bus its buffer (2): the publisher feels the far reader.
    assert.equal(resolved, 6);
    const got: number[] = [];
    while (got.length < 12) got.push(await sub.receive({ timeout: 2_000 }));
    assert.deepEqual(got, Array.from({ length: 12 }, (_, i) => i));
    await Promise.all(publishes);
    await far.publish('t.y', 99);
    const seen = bus.subscribe('t.*');
    await far.publish('t.z', 100);
    assert.deepEqual(drain(seen), [100]);
    assert.equal(await sub.receive({ timeout: 2_000 }), 99);
    sub.unsubscribe();
    await until(() => bus.subscriptionCount === 1, 'the far subscription to end on the bus');
    seen.unsubscribe();
  });
});
