// Unit tests of RemoteChannel over an in-memory cloning link: credits and backpressure, receives, select, close, views, link loss.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Channel, type Receiver, type Sender } from '../channel.js';
import { ChannelClosedError } from '../channel-closed-error.js';
import { select } from '../select.js';
import { handOver, linkedPeers } from './fixtures/linked-peers.js';
import { RemoteChannel } from './remote-channel.js';


const turns = async (n = 6) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('RemoteChannel', () => {
  it('RemoteChannel carries values both ways in order: the owner receives what the proxy sends and vice versa', async () => {
    const { host, worker } = linkedPeers();
    const channel = new Channel<{ n: number }>(8);
    const proxy = await handOver<RemoteChannel<{ n: number }>>(host, worker, channel);
    assert.ok(proxy instanceof RemoteChannel);
    assert.equal(proxy.capacity, 8);
    const got: number[] = [];
    const draining = (async () => {
      for (let i = 0; i < 20; i++) got.push((await channel.receive()).n);
    })();
    for (let n = 0; n < 20; n++) await proxy.send({ n });
    await draining;
    assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => i));
    const back: number[] = [];
    const reading = (async () => {
      for (let i = 0; i < 20; i++) back.push((await proxy.receive()).n);
    })();
    for (let n = 100; n < 120; n++) await channel.send({ n });
    await reading;
    assert.deepEqual(back, Array.from({ length: 20 }, (_, i) => i + 100));
  });

  it('RemoteChannel.send() waits once the owner’s buffer (its reserved slots included) is full, and local senders see those slots taken', async () => {
    const { host, worker } = linkedPeers();
    const channel = new Channel<number>(4);
    const proxy = await handOver<RemoteChannel<number>>(host, worker, channel);
    let sent = 0;
    const sends = Array.from({ length: 10 }, (_, i) => proxy.send(i).then(() => sent++));
    await turns();
    assert.equal(sent, 4, 'four sends hold credits; the rest wait');
    assert.equal(channel.trySend(99).state, 'full', 'a local sender sees the reserved slots as taken');
    const got: number[] = [];
    for (let i = 0; i < 10; i++) got.push(await channel.receive());
    await Promise.all(sends);
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('RemoteChannel on a rendezvous channel sends once a receiver waits on the owner’s side', async () => {
    const { host, worker } = linkedPeers();
    const channel = new Channel<string>(0);
    const proxy = await handOver<RemoteChannel<string>>(host, worker, channel);
    let done = false;
    const send = proxy.send('hi').then(() => (done = true));
    await turns();
    assert.equal(done, false, 'no receiver yet: the send waits');
    assert.equal(await channel.receive(), 'hi');
    await send;
  });

  it('RemoteChannel.close() closes the owner’s channel: values already sent are still received, then it ends', async () => {
    const { host, worker } = linkedPeers();
    const channel = new Channel<number>(8);
    const proxy = await handOver<RemoteChannel<number>>(host, worker, channel);
    await proxy.send(1);
    await proxy.send(2);
    proxy.close();
    await assert.rejects(proxy.send(3), (error: unknown) => error instanceof ChannelClosedError && error.value === 3);
    const got: number[] = [];
    for await (const n of channel) got.push(n);
    assert.deepEqual(got, [1, 2], 'a value sent on a credit is in the channel, even if it was still in transit at close');
    assert.equal(channel.closed, true);
  });

  it('RemoteChannel receives drain what the owner still holds after close, then reject with ChannelClosedError; iteration ends', async () => {
    const { host, worker } = linkedPeers();
    const channel = new Channel<number>(8);
    for (let n = 0; n < 5; n++) await channel.send(n);
    channel.close();
    const proxy = await handOver<RemoteChannel<number>>(host, worker, channel);
    const got: number[] = [];
    for await (const n of proxy) got.push(n);
    assert.deepEqual(got, [0, 1, 2, 3, 4]);
    await assert.rejects(proxy.receive(), ChannelClosedError);
    assert.equal(proxy.closed, true);
  });

  it('RemoteChannel blocked sends reject with ChannelClosedError holding their values when the owner closes', async () => {
    const { host, worker } = linkedPeers();
    const channel = new Channel<number>(1);
    const proxy = await handOver<RemoteChannel<number>>(host, worker, channel);
    await proxy.send(1);
    const blocked = proxy.send(2);
    await turns();
    channel.close();
    await assert.rejects(blocked, (error: unknown) => error instanceof ChannelClosedError && error.value === 2);
    assert.equal(await channel.receive(), 1);
    await assert.rejects(channel.receive(), ChannelClosedError);
  });

  it('RemoteChannel.receive() takes no value from the owner while nobody waits for it, and gives back what an iterator left', async () => {
    const { host, worker } = linkedPeers();
    const channel = new Channel<number>(16);
    const proxy = await handOver<RemoteChannel<number>>(host, worker, channel);
    for (let n = 0; n < 6; n++) await channel.send(n);
    await turns();
    assert.equal(channel.length, 6, 'nothing pulled before a receive');
    for await (const n of proxy) {
      assert.equal(n, 0);
      break; // the take may have brought more: they go back to the front
    }
    await turns();
    assert.deepEqual([await channel.receive(), await channel.receive()], [1, 2]);
  });

  it('select() completes exactly one case when a remote receive case and a local case are both pending', async () => {
    const { host, worker } = linkedPeers();
    const owner = new Channel<number>(4);
    const proxy = await handOver<RemoteChannel<number>>(host, worker, owner);
    const local = new Channel<string>(4);
    const pending = select({ remote: proxy.receiveCase(), local: local.receiveCase() });
    await turns();
    await owner.send(7);
    const r = await pending;
    assert.deepEqual(r, { case: 'remote', state: 'ok', value: 7 });
    await local.send('x');
    const again = await select({ remote: proxy.receiveCase(), local: local.receiveCase() });
    assert.deepEqual(again, { case: 'local', state: 'ok', value: 'x' });
    await turns(20);
    assert.equal(owner.length + proxy.length, 0);
  });

  it('select() sends through a remote send case once the owner granted room', async () => {
    const { host, worker } = linkedPeers();
    const owner = new Channel<number>(1);
    const proxy = await handOver<RemoteChannel<number>>(host, worker, owner);
    const r = await select({ out: proxy.sendCase(5) }, { timeout: 1_000 });
    assert.deepEqual(r, { case: 'out', state: 'ok' });
    assert.equal(await owner.receive(), 5);
  });

  it('a Sender view crosses as a send-only end, a Receiver view as a receive-only end', async () => {
    const { host, worker } = linkedPeers();
    const channel = new Channel<number>(4);
    const { s, r } = await handOver<{ s: Sender<number>; r: Receiver<number> }>(host, worker, { s: channel.sender, r: channel.receiver });
    await s.send(1);
    assert.equal(await r.receive(), 1);
    assert.throws(() => (s as unknown as Receiver<number>).tryReceive(), { name: 'TypeError', message: /can only send/ });
    assert.throws(() => (r as unknown as Sender<number>).trySend(1), { name: 'TypeError', message: /can only receive/ });
  });

  it('RemoteChannel.send() rejects a function in the value with a TypeError naming it', async () => {
    const { host, worker } = linkedPeers();
    const proxy = await handOver<RemoteChannel<unknown>>(host, worker, new Channel<unknown>(4));
    await assert.rejects(proxy.send({ cb: () => 1 }), { name: 'TypeError', message: 'value.cb is a function and cannot be sent to the host' });
  });

  it('a channel that comes back over its own link is the original', async () => {
    const { host, worker } = linkedPeers();
    const channel = new Channel<number>(1);
    const proxy = await handOver<RemoteChannel<number>>(host, worker, channel);
    const back = await handOver<Channel<number>>(worker, host, proxy);
    assert.equal(back, channel);
  });

  it('RemoteChannel behaves as closed when the link is lost, and the owner gets its reserved slots back', async () => {
    const { host, worker, sever } = linkedPeers();
    const channel = new Channel<number>(2);
    const proxy = await handOver<RemoteChannel<number>>(host, worker, channel);
    await proxy.send(1); // takes the credits (window = capacity 2)
    await turns();
    const waiting = proxy.receive();
    sever(new Error('link died'));
    await assert.rejects(waiting, ChannelClosedError);
    await assert.rejects(proxy.send(2), ChannelClosedError);
    assert.equal(await channel.receive(), 1);
    assert.equal(channel.trySend(3).state, 'ok', 'the dead proxy’s unused credit was released');
  });
});
