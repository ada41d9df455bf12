import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../core/clock.js';
import { CancelledError, TimeoutError } from '../core/errors.js';
import { stateOf } from './fixtures/promise-state.js';
import { Channel, type Receiver, type Sender } from './channel.js';
import { ChannelClosedError } from './channel-closed-error.js';

describe('Channel', () => {
  it('new Channel() validates capacity and defaults to a rendezvous', () => {
    assert.equal(new Channel().capacity, 0);
    assert.equal(new Channel(Infinity).capacity, Infinity);
    for (const bad of [-1, 1.5, Number.NaN, -Infinity]) {
      assert.throws(() => new Channel(bad), { name: 'RangeError', message: /^capacity must be a non-negative integer or Infinity/ });
    }
    assert.throws(() => new Channel('4' as unknown as number), { name: 'TypeError', message: /^capacity must be a number/ });
  });

  it('Channel.send() on a rendezvous waits until a receiver takes the value', async () => {
    const channel = new Channel<string>();
    const sent = channel.send('a');
    assert.equal(await stateOf(sent), 'pending');
    assert.equal(channel.length, 0);
    assert.equal(await channel.receive(), 'a');
    assert.equal(await stateOf(sent), 'fulfilled');
  });

  it('Channel.receive() on a rendezvous waits for a sender, whose send then completes at once', async () => {
    const channel = new Channel<number>();
    const received = channel.receive();
    assert.equal(await stateOf(received), 'pending');
    assert.equal(await stateOf(channel.send(7)), 'fulfilled');
    assert.equal(await received, 7);
  });

  it('Channel.send() on a bounded channel completes until the buffer holds capacity values, then waits', async () => {
    const channel = new Channel<number>(2);
    assert.equal(await stateOf(channel.send(1)), 'fulfilled');
    assert.equal(await stateOf(channel.send(2)), 'fulfilled');
    const third = channel.send(3);
    assert.equal(await stateOf(third), 'pending');
    assert.equal(channel.length, 2);
    assert.equal(await channel.receive(), 1);
    // The waiting sender's value took the freed slot at once.
    assert.equal(await stateOf(third), 'fulfilled');
    assert.equal(channel.length, 2);
    assert.deepEqual([await channel.receive(), await channel.receive()], [2, 3]);
  });

  it('Channel.send() on an unbounded channel never waits and keeps order', async () => {
    const channel = new Channel<number>(Infinity);
    const sends = Array.from({ length: 10_000 }, (_, i) => channel.send(i));
    // Every value was buffered synchronously: no send is left waiting.
    assert.equal(channel.length, 10_000);
    await Promise.all(sends);
    for (let i = 0; i < 10_000; i++) assert.deepEqual(channel.tryReceive(), { state: 'ok', value: i });
    assert.equal(channel.length, 0);
  });

  it('Channel.receive() serves waiting receivers first come, first served', async () => {
    const channel = new Channel<string>(1);
    const receivers = [channel.receive(), channel.receive(), channel.receive()];
    for (const v of ['a', 'b', 'c']) await channel.send(v);
    assert.deepEqual(await Promise.all(receivers), ['a', 'b', 'c']);
  });

  it('Channel.send() delivers blocked senders values in the order they blocked', async () => {
    const channel = new Channel<string>(1);
    const sends = ['a', 'b', 'c', 'd'].map((v) => channel.send(v));
    const got: string[] = [];
    for (let i = 0; i < 4; i++) got.push(await channel.receive());
    assert.deepEqual(got, ['a', 'b', 'c', 'd']);
    await Promise.all(sends);
  });

  it('Channel.trySend() and tryReceive() report ok, full, empty and closed without waiting', async () => {
    const channel = new Channel<number>(1);
    assert.deepEqual(channel.tryReceive(), { state: 'empty' });
    assert.deepEqual(channel.trySend(1), { state: 'ok' });
    assert.deepEqual(channel.trySend(2), { state: 'full' });
    assert.deepEqual(channel.tryReceive(), { state: 'ok', value: 1 });
    channel.trySend(3);
    channel.close();
    assert.deepEqual(channel.trySend(4), { state: 'closed' });
    assert.deepEqual(channel.tryReceive(), { state: 'ok', value: 3 });
    assert.deepEqual(channel.tryReceive(), { state: 'closed' });

    const rendezvous = new Channel<number>();
    assert.deepEqual(rendezvous.trySend(1), { state: 'full' });
    const waiting = rendezvous.receive();
    assert.deepEqual(rendezvous.trySend(2), { state: 'ok' });
    assert.equal(await waiting, 2);
  });

  it('Channel.close() keeps buffered values receivable, then receive() rejects with ChannelClosedError', async () => {
    const channel = new Channel<number>(4);
    await channel.send(1);
    await channel.send(2);
    channel.close();
    channel.close(); // idempotent
    assert.equal(channel.closed, true);
    assert.equal(await channel.receive(), 1);
    assert.equal(await channel.receive(), 2);
    await assert.rejects(channel.receive(), (error) => error instanceof ChannelClosedError && error.value === undefined);
  });

  it('Channel.close() rejects blocked senders with ChannelClosedError carrying their own value', async () => {
    const channel = new Channel<string>(1);
    await channel.send('kept');
    const blocked = [channel.send('x'), channel.send('y')];
    channel.close();
    const errors = await Promise.allSettled(blocked);
    assert.deepEqual(
      errors.map((r) => r.status === 'rejected' && r.reason instanceof ChannelClosedError && r.reason.value),
      ['x', 'y'],
    );
    assert.equal(await channel.receive(), 'kept');
    await assert.rejects(channel.receive(), ChannelClosedError);
  });

  it('Channel.close() rejects blocked receivers, and send() after close() rejects with the value', async () => {
    const channel = new Channel<number>();
    const receivers = [channel.receive(), channel.receive()];
    channel.close();
    for (const r of receivers) await assert.rejects(r, { name: 'ChannelClosedError' });
    await assert.rejects(channel.send(9), (error) => error instanceof ChannelClosedError && error.value === 9);
  });

  it('Channel[Symbol.asyncIterator]() yields every value and ends after close() once drained', async () => {
    const channel = new Channel<number>(2);
    const producer = (async () => {
      for (let i = 0; i < 5; i++) await channel.send(i);
      channel.close();
    })();
    const got: number[] = [];
    for await (const v of channel) got.push(v);
    await producer;
    assert.deepEqual(got, [0, 1, 2, 3, 4]);
  });

  it('Channel[Symbol.asyncIterator]() leaves the channel open when the loop breaks', async () => {
    const channel = new Channel<number>(Infinity);
    for (const v of [1, 2, 3]) await channel.send(v);
    for await (const v of channel) if (v === 1) break;
    assert.equal(channel.closed, false);
    assert.deepEqual([...[0, 0]].map(() => channel.tryReceive()), [{ state: 'ok', value: 2 }, { state: 'ok', value: 3 }]);
  });

  it('Channel.receive() aborted by its signal rejects with CancelledError and never swallows a later value', async () => {
    const channel = new Channel<string>();
    const controller = new AbortController();
    const cancelled = channel.receive({ signal: controller.signal });
    const second = channel.receive();
    controller.abort();
    await assert.rejects(cancelled, CancelledError);
    await channel.send('value');
    assert.equal(await second, 'value');
    // No stale receiver is left: a rendezvous trySend finds nobody.
    assert.deepEqual(channel.trySend('more'), { state: 'full' });
  });

  it('Channel.send() that times out rejects with TimeoutError and its value is never delivered', async () => {
    const clock = new FakeClock();
    const channel = new Channel<string>(1);
    await channel.send('first');
    const late = channel.send('timed out', { timeout: 100, clock });
    await clock.advance(99);
    assert.equal(await stateOf(late), 'pending');
    await clock.advance(1);
    await assert.rejects(late, TimeoutError);
    assert.equal(await channel.receive(), 'first');
    assert.deepEqual(channel.tryReceive(), { state: 'empty' });
    assert.equal(clock.pendingTimers, 0);
  });

  it('Channel.receive() with a timeout that completes in time leaves no timer or listener behind', async () => {
    const clock = new FakeClock();
    const channel = new Channel<number>();
    const controller = new AbortController();
    const received = channel.receive({ timeout: 1000, clock, signal: controller.signal });
    assert.equal(clock.pendingTimers, 1);
    await channel.send(5);
    assert.equal(await received, 5);
    assert.equal(clock.pendingTimers, 0);
    controller.abort(); // a late abort has nothing left to cancel
    assert.deepEqual(channel.trySend(6), { state: 'full' });
  });

  it('Channel.send() and receive() with an already aborted signal reject at once, even when ready', async () => {
    const channel = new Channel<number>(1);
    const signal = AbortSignal.abort();
    await assert.rejects(channel.send(1, { signal }), CancelledError);
    assert.equal(channel.length, 0);
    await channel.send(2);
    await assert.rejects(channel.receive({ signal }), CancelledError);
    assert.equal(channel.length, 1);
  });

  it('Channel.send() and receive() reject invalid options with TypeError or RangeError naming them', async () => {
    const channel = new Channel<number>(1);
    await assert.rejects(channel.send(1, null as never), { name: 'TypeError', message: /^options must be an object/ });
    await assert.rejects(channel.send(1, { signal: {} as AbortSignal }), { name: 'TypeError', message: /^options\.signal must be an AbortSignal/ });
    await assert.rejects(channel.receive({ timeout: -1 }), { name: 'RangeError', message: /^options\.timeout/ });
    await assert.rejects(channel.receive({ timeout: Number.NaN }), { name: 'RangeError', message: /^options\.timeout/ });
    await assert.rejects(channel.receive({ clock: {} as never }), { name: 'TypeError', message: /^options\.clock/ });
    assert.equal(channel.length, 0);
  });

  it('Channel.sender and Channel.receiver expose one side each of the same channel', async () => {
    const channel = new Channel<number>(1);
    const tx: Sender<number> = channel.sender;
    const rx: Receiver<number> = channel.receiver;
    assert.equal('receive' in tx, false);
    assert.equal('send' in rx, false);
    await tx.send(1);
    assert.equal(rx.length, 1);
    assert.equal(await rx.receive(), 1);
    tx.close();
    assert.equal(rx.closed, true);
    const got: number[] = [];
    for await (const v of rx) got.push(v);
    assert.deepEqual(got, []);
  });

  it('Channel<T> refuses values of another type at compile time', () => {
    const channel = new Channel<number>(1);
    // @ts-expect-error a string is not a number
    assert.deepEqual(channel.trySend('one'), { state: 'ok' }); // runtime does not check types
    const tx: Sender<number> = channel.sender;
    // @ts-expect-error a Sender<number> has no receive()
    assert.equal(tx.receive, undefined);
    // @ts-expect-error a Receiver<number> cannot be used as a Receiver<string>
    const wrong: Receiver<string> = channel.receiver;
    assert.ok(wrong, "unreachable at runtime: the value is truthy");
  });
  it('Channel.receiveMany() takes every ready value up to max, oldest first, including waiting senders', async () => {
    const channel = new Channel<number>(2);
    const sends = [1, 2, 3, 4].map((v) => channel.send(v)); // 1, 2 buffered; 3, 4 waiting
    assert.deepEqual(await channel.receiveMany(3), [1, 2, 3]);
    assert.deepEqual(await channel.receiveMany(Infinity), [4]);
    await Promise.all(sends);
    assert.equal(channel.length, 0);
  });

  it('Channel.receiveMany() waits for the first value when empty and rejects once closed and drained', async () => {
    const channel = new Channel<string>();
    const batch = channel.receiveMany(10);
    assert.equal(await stateOf(batch), 'pending');
    assert.deepEqual(channel.trySend('a'), { state: 'ok' });
    assert.deepEqual(await batch, ['a']);
    const waiting = channel.receiveMany(10);
    channel.close();
    await assert.rejects(waiting, ChannelClosedError);
    await assert.rejects(channel.receiveMany(1), ChannelClosedError);
  });

  it('Channel.receiveMany() validates max and honours its signal without taking a value', async () => {
    const channel = new Channel<number>();
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await assert.rejects(channel.receiveMany(bad), { name: 'RangeError', message: /^max must be a positive integer or Infinity/ });
    }
    const controller = new AbortController();
    const batch = channel.receiveMany(5, { signal: controller.signal });
    controller.abort();
    await assert.rejects(batch, CancelledError);
    assert.deepEqual(channel.trySend(1), { state: 'full' });
  });
  it('Channel.send() into a buffer with room is fulfilled at once; close() afterwards keeps its value and refuses the next send', async () => {
    const channel = new Channel<number>(2);
    const sent = channel.send(1); // completed synchronously, not yet awaited
    channel.close();
    assert.equal(await stateOf(sent), 'fulfilled');
    // Room is left, but the channel is closed: the next send must not be buffered.
    await assert.rejects(channel.send(2), (error) => error instanceof ChannelClosedError && error.value === 2);
    assert.equal(channel.length, 1);
    assert.equal(await channel.receive(), 1);
    await assert.rejects(channel.receive(), ChannelClosedError);
  });

  it('Channel.send() to a waiting receiver hands the value over at once; close() afterwards cannot take it back', async () => {
    const channel = new Channel<string>();
    const received = channel.receive();
    const sent = channel.send('handed over');
    channel.close();
    assert.equal(await stateOf(sent), 'fulfilled');
    assert.equal(await received, 'handed over');
    assert.equal(channel.length, 0);
  });

  it('Channel.receive() from a full buffer with senders waiting takes the oldest value and admits the oldest sender', async () => {
    const channel = new Channel<number>(2);
    await channel.send(1);
    await channel.send(2);
    const blocked = [channel.send(3), channel.send(4)];
    assert.deepEqual([await channel.receive(), await channel.receive()], [1, 2]);
    assert.deepEqual(await Promise.all(blocked.map(stateOf)), ['fulfilled', 'fulfilled']);
    assert.deepEqual([await channel.receive(), await channel.receive()], [3, 4]);
    assert.equal(channel.length, 0);
  });

  it('Channel.send() and receive() with only a timeout complete at once when ready and arm no timer', async () => {
    const clock = new FakeClock();
    const channel = new Channel<number>(1);
    await channel.send(1, { timeout: 50, clock });
    assert.equal(await channel.receive({ timeout: 50, clock }), 1);
    assert.equal(clock.pendingTimers, 0);
  });

  it('Channel[Symbol.asyncIterator]().next() gives every outstanding call its own result, in order', async () => {
    const channel = new Channel<number>(4);
    await channel.send(1);
    await channel.send(2);
    const iterator = channel[Symbol.asyncIterator]();
    // Two results from the buffer and two waits, none awaited yet: no result object may be shared.
    const results = [iterator.next(), iterator.next(), iterator.next(), iterator.next()];
    await channel.send(3);
    channel.close();
    assert.deepEqual(await Promise.all(results), [
      { value: 1, done: false },
      { value: 2, done: false },
      { value: 3, done: false },
      { value: undefined, done: true },
    ]);
  });

  it('Channel.receive() waits reuse nothing a late abort could reach: each wait gets its own value', async () => {
    const channel = new Channel<number>();
    const controllers: AbortController[] = [];
    for (let i = 0; i < 100; i++) {
      const controller = new AbortController();
      controllers.push(controller);
      const guarded = channel.receive({ signal: controller.signal });
      const plain = channel.receive();
      channel.trySend(i);
      channel.trySend(-i);
      assert.deepEqual([await guarded, await plain], [i, -i]);
    }
    const next = channel.receive();
    for (const c of controllers) c.abort(); // long after their waits completed
    assert.deepEqual(channel.trySend(7), { state: 'ok' });
    assert.equal(await next, 7);
  });
});
