// Unit tests of RemoteActorRef over an in-memory cloning link: order, credits and backpressure, asks, stop, link loss.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actor } from '../actor.js';
import type { ActorRef } from '../actor-ref.js';
import { handOver, linkedPeers } from './fixtures/linked-peers.js';
import { PROXY_WINDOW, RemoteActorRef } from './remote-actor-ref.js';


function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe('RemoteActorRef', () => {
  it('RemoteActorRef.send() and ask() reach the actor in call order and ask() resolves with the reply', async () => {
    const { host, worker } = linkedPeers();
    const seen: unknown[] = [];
    const ref = actor(() => ({
      receive(msg: { n: number }) {
        seen.push(msg.n);
        return msg.n * 10;
      },
    }));
    const proxy = await handOver<ActorRef<{ n: number }, number>>(host, worker, ref);
    assert.ok(proxy instanceof RemoteActorRef);
    assert.equal(proxy.name, ref.name);
    const asks = [];
    for (let n = 1; n <= 10; n++) {
      if (n % 3 === 0) asks.push(proxy.ask({ n }));
      else await proxy.send({ n });
    }
    assert.deepEqual(await Promise.all(asks), [30, 60, 90]);
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await ref.stop();
  });

  it('RemoteActorRef.send() waits once its credit window and the mailbox are full, and continues in order as the actor drains', async () => {
    const { host, worker } = linkedPeers();
    const g = gate();
    const seen: number[] = [];
    const ref = actor(
      () => ({
        async receive(n: number) {
          await g.wait;
          seen.push(n);
        },
      }),
      { mailbox: 4 },
    );
    const proxy = await handOver<ActorRef<number, void>>(host, worker, ref);
    let resolved = 0;
    const total = PROXY_WINDOW + 50;
    const sends = Array.from({ length: total }, (_, i) => proxy.send(i).then(() => resolved++));
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    // One message in receive and four in the mailbox gave their credits back; the window bounds what waits beyond them.
    assert.equal(resolved, PROXY_WINDOW + 1 + 4, 'sends past the credit window wait');
    g.open();
    await Promise.all(sends);
    await proxy.stop();
    assert.deepEqual(seen, Array.from({ length: total }, (_, i) => i));
  });

  it('RemoteActorRef.ask() rejects with TimeoutError and withdraws the timed-out message from the mailbox', async () => {
    const { host, worker } = linkedPeers();
    const g = gate();
    const seen: string[] = [];
    const ref = actor(() => ({
      async receive(msg: string) {
        if (msg === 'block') await g.wait;
        seen.push(msg);
        return msg;
      },
    }));
    const proxy = await handOver<ActorRef<string, string>>(host, worker, ref);
    const blocking = proxy.ask('block', { timeout: 5_000 });
    await assert.rejects(proxy.ask('late', { timeout: 30 }), { name: 'TimeoutError' });
    // The withdrawal crosses the link like any message; the actor is still busy, so it arrives in time.
    for (let i = 0; i < 4; i++) await new Promise((resolve) => setImmediate(resolve));
    g.open();
    assert.equal(await blocking, 'block');
    assert.equal(await proxy.ask('after'), 'after');
    assert.deepEqual(seen, ['block', 'after']);
    await ref.stop();
  });

  it('RemoteActorRef.ask() rejects with CancelledError when its signal aborts', async () => {
    const { host, worker } = linkedPeers();
    const ref = actor(() => ({ receive: () => new Promise<never>(() => {}) }));
    const proxy = await handOver<ActorRef<string, string>>(host, worker, ref);
    const controller = new AbortController();
    const asked = proxy.ask('x', { signal: controller.signal });
    controller.abort();
    await assert.rejects(asked, { name: 'CancelledError' });
  });

  it('RemoteActorRef.ask() carries the error receive threw', async () => {
    const { host, worker } = linkedPeers();
    const ref = actor(() => ({
      receive(msg: string): string {
        throw new RangeError(`bad ${msg}`);
      },
    }));
    const proxy = await handOver<ActorRef<string, string>>(host, worker, ref);
    await assert.rejects(proxy.ask('input'), { name: 'RangeError', message: 'bad input' });
  });

  it('RemoteActorRef.send() rejects with a TypeError naming a function in the message', async () => {
    const { host, worker } = linkedPeers();
    const ref = actor(() => ({ receive() {} }));
    const proxy = await handOver<ActorRef<unknown, void>>(host, worker, ref);
    await assert.rejects(proxy.send({ onDone: () => {} }), { name: 'TypeError', message: 'msg.onDone is a function and cannot be sent to the host' });
    await ref.stop();
  });

  it('RemoteActorRef.stop() drains what was sent, ends the actor, and later calls reject with ActorStoppedError', async () => {
    const { host, worker } = linkedPeers();
    const seen: number[] = [];
    const ref = actor(() => ({ receive: (n: number) => void seen.push(n) }));
    const proxy = await handOver<ActorRef<number, void>>(host, worker, ref);
    for (let n = 0; n < 5; n++) await proxy.send(n);
    await proxy.stop();
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    await ref.join();
    await assert.rejects(proxy.send(9), { name: 'ActorStoppedError' });
    await assert.rejects(proxy.ask(9), { name: 'ActorStoppedError' });
  });

  it('RemoteActorRef rejects a pending ask with the link error when the link is lost, then rejects calls with ActorStoppedError', async () => {
    const { host, worker, sever } = linkedPeers();
    const ref = actor(() => ({ receive: () => new Promise<never>(() => {}) }));
    const proxy = await handOver<ActorRef<string, string>>(host, worker, ref);
    const asked = proxy.ask('x', { timeout: 5_000 });
    await new Promise((resolve) => setImmediate(resolve));
    const crash = new Error('worker crashed');
    sever(crash);
    await assert.rejects(asked, (error) => error === crash);
    await assert.rejects(proxy.send('y'), (error: Error) => error.name === 'ActorStoppedError' && error.cause === crash);
  });

  it('an ActorRef inside a message arrives as a usable proxy, and comes back over its own link as the original', async () => {
    const { host, worker } = linkedPeers();
    const greeter = actor(() => ({ receive: (name: string) => `hello ${name}` }));
    const router = actor(() => ({
      receive: (msg: { to: ActorRef<string, string>; name: string }) => msg.to === greeter,
    }));
    const arrived = await handOver<{ greeter: ActorRef<string, string>; router: ActorRef<{ to: ActorRef<string, string>; name: string }, boolean> }>(
      host,
      worker,
      { greeter, router },
    );
    assert.equal(await arrived.greeter.ask('worker'), 'hello worker');
    // The worker hands the greeter's proxy back inside a message: the host's router sees the very original.
    assert.equal(await arrived.router.ask({ to: arrived.greeter, name: 'x' }), true);
    await greeter.stop();
    await router.stop();
  });
});
