import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { FakeClock } from '../core/clock.js';
import { CancelledError, TimeoutError } from '../core/errors.js';
import { Channel, type Receiver, type Sender } from './channel.js';
import { ChannelClosedError } from './channel-closed-error.js';
import { stateOf } from './fixtures/promise-state.js';
import type { Outcome, WorkerData, WorkerMode } from './fixtures/shared-channel-worker.js';
import { deserializeError, serializeError } from './remote/fixtures/errors.js';
import { linkedPeers } from './remote/fixtures/linked-peers.js';
import { Peer } from './remote/peer.js';
import { select, trySelect } from './select.js';
import { SharedChannel, SharedReceiver, SharedSender } from './shared-channel.js';
import './shared-channel-codec.js';

const WORKER = new URL('./fixtures/shared-channel-worker.ts', import.meta.url);
// On Node 20 a worker does not inherit the parent's tsx hooks, so the boot script registers tsx before importing the .ts file.
const BOOT = new URL(
  `data:text/javascript,${encodeURIComponent(
    `const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}); register(); await import(${JSON.stringify(WORKER.href)});`,
  )}`,
);

function start(channel: SharedChannel, mode: WorkerMode, from = 0, count = 0): Worker {
  return new Worker(BOOT, { workerData: { buffer: channel.buffer, mode, from, count } satisfies WorkerData });
}

/** The worker's one report, after which it must exit with code 0. */
async function report<T>(worker: Worker): Promise<T> {
  const exited = once(worker, 'exit');
  const [message] = (await once(worker, 'message')) as [T];
  const [code] = (await exited) as [number];
  assert.equal(code, 0);
  return message;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Compile-time: a shared channel and its views are a Channel's Sender/Receiver of numbers.
const _asSender: Sender<number> = Channel.shared({ capacity: 1, type: 'int32' }).sender;
const _asReceiver: Receiver<number> = Channel.shared({ capacity: 1, type: 'int32' }).receiver;
const _asBoth: Sender<number> & Receiver<number> = Channel.shared({ capacity: 1, type: 'int32' });

describe('SharedChannel', () => {
  it('Channel.shared() validates its options, naming the one at fault', () => {
    assert.throws(() => Channel.shared(undefined as never), { name: 'TypeError', message: /^options must be an object/ });
    assert.throws(() => Channel.shared({ capacity: '8', type: 'int32' } as never), { name: 'TypeError', message: /^options.capacity must be a number/ });
    for (const bad of [-1, 1.5, Number.NaN, Infinity, 2 ** 30 + 1]) {
      assert.throws(() => Channel.shared({ capacity: bad, type: 'int32' }), { name: 'RangeError', message: /^options.capacity must be an integer from 1 to 1073741824/ });
    }
    assert.throws(() => Channel.shared({ capacity: 0, type: 'int32' }), { message: /use new Channel\(\) for a rendezvous/ });
    assert.throws(() => Channel.shared({ capacity: 8, type: 'int64' as never }), {
      name: 'TypeError',
      message: `options.type must be one of 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64', got "int64"`,
    });
    const channel = Channel.shared({ capacity: 5, type: 'uint8' });
    assert.ok(channel instanceof SharedChannel);
    assert.deepEqual([channel.capacity, channel.type, channel.length, channel.closed], [5, 'uint8', 0, false]);
  });

  it('SharedChannel.send() and trySend() refuse a value the element type cannot hold', async () => {
    const ints = Channel.shared({ capacity: 4, type: 'int32' });
    await assert.rejects(ints.send(1.5), { name: 'RangeError', message: "value must be an integer from -2147483648 to 2147483647 for a 'int32' channel, got 1.5" });
    await assert.rejects(ints.send('1' as never), { name: 'TypeError', message: 'value must be a number, got "1"' });
    assert.throws(() => ints.trySend(2 ** 31), { name: 'RangeError' });
    assert.throws(() => ints.sendSync(Number.NaN), { name: 'RangeError' });
    assert.throws(() => ints.sendCase(-(2 ** 31) - 1), { name: 'RangeError' });
    const bytes = Channel.shared({ capacity: 4, type: 'uint8' });
    assert.throws(() => bytes.trySend(256), { message: /^value must be an integer from 0 to 255/ });
    assert.throws(() => bytes.trySend(-1), { name: 'RangeError' });
    assert.equal(ints.length + bytes.length, 0, 'nothing refused was stored');
    const floats = Channel.shared({ capacity: 4, type: 'float64' });
    for (const v of [0.1, -0, Number.NaN, -Infinity]) floats.trySend(v);
    assert.deepEqual(await floats.receiveMany(4), [0.1, -0, Number.NaN, -Infinity]);
  });

  it('SharedChannel.trySend() buffers up to capacity and tryReceive() returns values in order', () => {
    const channel = Channel.shared({ capacity: 3, type: 'int16' });
    // Several laps of the ring, so its wrap-around is exercised.
    for (let lap = 0; lap < 3; lap++) {
      for (let i = 0; i < 3; i++) assert.deepEqual(channel.trySend(lap * 10 + i), { state: 'ok' });
      assert.deepEqual(channel.trySend(99), { state: 'full' });
      assert.equal(channel.length, 3);
      for (let i = 0; i < 3; i++) assert.deepEqual(channel.tryReceive(), { state: 'ok', value: lap * 10 + i });
      assert.deepEqual(channel.tryReceive(), { state: 'empty' });
    }
  });

  it('SharedChannel.trySendMany() buffers a whole batch or nothing, and copies typed arrays across the wrap', async () => {
    const channel = Channel.shared({ capacity: 5, type: 'int32' });
    assert.deepEqual(channel.trySendMany([1, 2, 3]), { state: 'ok' });
    assert.deepEqual(channel.trySendMany([4, 5, 6]), { state: 'full' });
    assert.equal(channel.length, 3);
    assert.deepEqual(await channel.receiveMany(5), [1, 2, 3]);
    // The head now sits at slot 3, so a batch of 4 wraps around the end of the ring.
    assert.deepEqual(channel.trySendMany(Int32Array.of(10, 11, 12, 13)), { state: 'ok' });
    assert.deepEqual(channel.trySendMany([]), { state: 'ok' });
    assert.deepEqual(await channel.receiveMany(5), [10, 11, 12, 13]);
    assert.throws(() => channel.trySendMany(new Set([1]) as never), { name: 'TypeError', message: 'values must be an array or a typed array of numbers, got Set' });
    assert.throws(() => channel.trySendMany([1, 2, 3, 4, 5, 6]), { name: 'RangeError', message: 'values must fit in the channel: at most 5 values per batch, got 6' });
    assert.throws(() => channel.trySendMany([1, 1.5]), { name: 'RangeError', message: /^values\[1\] must be an integer/ });
    await assert.rejects(channel.sendMany([1, '2' as never]), { name: 'TypeError', message: 'values[1] must be a number, got "2"' });
    assert.throws(() => channel.sendManySync(Float64Array.of(0.5)), { message: /^values\[0\] must be an integer/ });
    assert.equal(channel.length, 0, 'nothing refused was stored');
    channel.close();
    assert.deepEqual(channel.trySendMany([1]), { state: 'closed' });
  });

  it('SharedChannel.sendMany() waits until the whole batch fits, woken by a take that frees less than a full channel', async () => {
    const channel = Channel.shared({ capacity: 4, type: 'int32' });
    channel.trySendMany([1, 2, 3]);
    let done = false;
    const batch = channel.sendMany([4, 5]).then(() => (done = true));
    // The waiting send re-checks after slices of 2, 4, … 200 ms (about 260, 460, 660 ms in): taking at
    // 560 ms, only a wake-up can finish it within 50 ms.
    await sleep(560);
    assert.equal(done, false);
    assert.equal(channel.length, 3);
    const taken = performance.now();
    assert.equal(await channel.receive(), 1);
    await batch;
    assert.ok(performance.now() - taken < 50, 'woken by the take, not by a re-check');
    assert.deepEqual(await channel.receiveMany(4), [2, 3, 4, 5]);
  });

  it('SharedChannel.sendMany() sends nothing when it times out, is aborted or the channel closes', async () => {
    const clock = new FakeClock();
    const channel = Channel.shared({ capacity: 2, type: 'int32' });
    channel.trySend(1);
    const timedOut = assert.rejects(channel.sendMany([2, 3], { timeout: 10, clock }), TimeoutError);
    await clock.advance(10);
    await timedOut;
    await assert.rejects(channel.sendMany([2], { signal: AbortSignal.abort() }), CancelledError);
    const closing = channel.sendMany([2, 3]);
    await tick();
    channel.close();
    await assert.rejects(closing, (error: unknown) => error instanceof ChannelClosedError && JSON.stringify(error.value) === '[2,3]');
    assert.throws(() => channel.sendManySync([2]), ChannelClosedError);
    assert.deepEqual(await channel.receiveMany(4), [1]);
  });

  it('SharedChannel.send() waits while the channel is full and completes once a value is taken', async () => {
    const channel = Channel.shared({ capacity: 2, type: 'int32' });
    await channel.send(1);
    await channel.send(2);
    const third = channel.send(3);
    assert.equal(await stateOf(third), 'pending');
    assert.equal(await channel.receive(), 1);
    await third;
    assert.deepEqual(await channel.receiveMany(10), [2, 3]);
  });

  it('SharedChannel.receive() and receiveMany() wait for a value; receiveMany() takes up to max of those ready', async () => {
    const channel = Channel.shared({ capacity: 8, type: 'uint32' });
    const one = channel.receive();
    assert.equal(await stateOf(one), 'pending');
    await channel.send(7);
    assert.equal(await one, 7);
    const batch = channel.receiveMany(3);
    assert.equal(await stateOf(batch), 'pending');
    for (let i = 1; i <= 5; i++) channel.trySend(i);
    // The waiting batch wakes for the first value and takes what is ready by then, at most 3.
    const got = await batch;
    assert.ok(got.length >= 1 && got.length <= 3);
    assert.deepEqual([...got, ...(await channel.receiveMany(Infinity))], [1, 2, 3, 4, 5]);
    await assert.rejects(channel.receiveMany(0), { name: 'RangeError', message: /^max must be a positive integer or Infinity/ });
  });

  it('SharedChannel.receive() calls waiting together on one thread each get their own value', async () => {
    const channel = Channel.shared({ capacity: 8, type: 'int32' });
    const waiting = [channel.receive(), channel.receive(), channel.receive({ timeout: 1_000 }), channel.receiveMany(1)];
    const iterator = channel[Symbol.asyncIterator]();
    const next = iterator.next();
    await tick();
    channel.trySendMany([1, 2, 3, 4, 5]);
    const got = [...(await Promise.all(waiting)).flat(), ((await next) as IteratorYieldResult<number>).value];
    assert.deepEqual(got.sort(), [1, 2, 3, 4, 5]);
  });

  it('SharedChannel.close() keeps buffered values receivable, then receivers see closed', async () => {
    const channel = Channel.shared({ capacity: 4, type: 'int32' });
    channel.trySend(1);
    channel.trySend(2);
    channel.close();
    channel.close();
    assert.equal(channel.closed, true);
    assert.deepEqual(channel.trySend(3), { state: 'closed' });
    await assert.rejects(channel.send(3), (error: unknown) => error instanceof ChannelClosedError && error.value === 3);
    assert.equal(await channel.receive(), 1);
    assert.deepEqual(channel.tryReceive(), { state: 'ok', value: 2 });
    assert.deepEqual(channel.tryReceive(), { state: 'closed' });
    await assert.rejects(channel.receive(), ChannelClosedError);
    await assert.rejects(channel.receiveMany(4), ChannelClosedError);
    assert.throws(() => channel.receiveSync(), ChannelClosedError);
    const seen: number[] = [];
    for await (const n of channel) seen.push(n);
    assert.deepEqual(seen, []);
  });

  it('SharedChannel.close() rejects waiting senders with their value and ends waiting receivers and iterations', async () => {
    const full = Channel.shared({ capacity: 1, type: 'int32' });
    full.trySend(1);
    const blocked = full.send(2);
    const empty = Channel.shared({ capacity: 1, type: 'int32' });
    const receiving = empty.receive();
    const iterating = (async () => {
      const seen: number[] = [];
      for await (const n of empty) seen.push(n);
      return seen;
    })();
    await tick();
    full.close();
    empty.close();
    await assert.rejects(blocked, (error: unknown) => error instanceof ChannelClosedError && error.value === 2);
    await assert.rejects(receiving, ChannelClosedError);
    assert.deepEqual(await iterating, []);
    assert.equal(await full.receive(), 1, 'the value buffered before close is still there');
  });

  it('SharedChannel.receive() rejects with TimeoutError on its clock and consumes nothing afterwards', async () => {
    const clock = new FakeClock();
    const channel = Channel.shared({ capacity: 1, type: 'int32' });
    const waiting = channel.receive({ timeout: 100, clock });
    await clock.advance(99);
    assert.equal(await stateOf(waiting), 'pending');
    await clock.advance(1);
    await assert.rejects(waiting, TimeoutError);
    assert.equal(clock.pendingTimers, 0);
    channel.trySend(5);
    await sleep(10); // a receive that gave up must not take the value later
    assert.deepEqual(channel.tryReceive(), { state: 'ok', value: 5 });
  });

  it('SharedChannel.send() on a full channel rejects with TimeoutError on its clock without sending', async () => {
    const clock = new FakeClock();
    const channel = Channel.shared({ capacity: 1, type: 'int32' });
    channel.trySend(1);
    const timedOut = assert.rejects(channel.send(2, { timeout: 50, clock }), TimeoutError);
    await clock.advance(49);
    assert.equal(channel.length, 1);
    await clock.advance(1);
    await timedOut;
    assert.equal(clock.pendingTimers, 0);
    assert.deepEqual(await channel.receiveMany(2, { timeout: 0, clock }), [1], 'a ready value is taken even with a zero timeout');
    await sleep(10); // a send that gave up must not fill the freed slot later
    assert.deepEqual(channel.tryReceive(), { state: 'empty' });
  });

  it('SharedChannel waits reject with CancelledError when their signal aborts, or is already aborted', async () => {
    const channel = Channel.shared({ capacity: 1, type: 'int32' });
    const controller = new AbortController();
    const waiting = channel.receive({ signal: controller.signal });
    await tick();
    controller.abort();
    await assert.rejects(waiting, CancelledError);
    channel.trySend(1);
    await assert.rejects(channel.receive({ signal: AbortSignal.abort() }), CancelledError);
    await assert.rejects(channel.send(2, { signal: AbortSignal.abort() }), CancelledError);
    await assert.rejects(channel.receive({ timeout: -1 }), { name: 'RangeError', message: /^options.timeout/ });
    assert.equal(channel.length, 1, 'no aborted call touched the buffer');
  });

  it('SharedChannel.receiveSync() throws TimeoutError after its timeout and validates it', () => {
    const channel = Channel.shared({ capacity: 1, type: 'int32' });
    const started = performance.now();
    assert.throws(() => channel.receiveSync({ timeout: 20 }), TimeoutError);
    assert.ok(performance.now() - started >= 19);
    assert.throws(() => channel.receiveSync({ timeout: -1 }), { name: 'RangeError', message: /^options.timeout/ });
    channel.sendSync(4);
    assert.throws(() => channel.sendSync(5, { timeout: 0 }), TimeoutError);
    assert.equal(channel.receiveSync(), 4);
  });

  it('SharedChannel.from() views the same channel and rejects what is not one', () => {
    const channel = Channel.shared({ capacity: 4, type: 'float32' });
    const view = SharedChannel.from(channel.buffer);
    assert.deepEqual([view.capacity, view.type], [4, 'float32']);
    channel.trySend(1.5);
    assert.equal(view.length, 1);
    assert.deepEqual(view.tryReceive(), { state: 'ok', value: 1.5 });
    view.close();
    assert.equal(channel.closed, true);
    assert.throws(() => SharedChannel.from(new ArrayBuffer(256) as never), { name: 'TypeError', message: /^buffer must be a SharedArrayBuffer, got ArrayBuffer/ });
    assert.throws(() => SharedChannel.from(structuredClone(channel) as never), { message: /send channel\.buffer to the other thread, not the channel/ });
    assert.throws(() => SharedChannel.from(new SharedArrayBuffer(256)), { name: 'TypeError', message: 'buffer must hold a shared channel, but it was not made by a SharedChannel' });
    assert.throws(() => SharedChannel.from(new SharedArrayBuffer(8)), { message: /fewer than a shared channel's header/ });
    const truncated = new SharedArrayBuffer(channel.buffer.byteLength - 4);
    new Uint8Array(truncated).set(new Uint8Array(channel.buffer, 0, truncated.byteLength));
    assert.throws(() => SharedChannel.from(truncated), { message: /its header is corrupt/ });
  });

  it('SharedChannel.sender and .receiver hold one side each', async () => {
    const channel = Channel.shared({ capacity: 2, type: 'int8' });
    assert.ok(channel.sender instanceof SharedSender);
    assert.ok(channel.receiver instanceof SharedReceiver);
    assert.equal('receive' in channel.sender, false);
    assert.equal('send' in channel.receiver, false);
    await channel.sender.send(-3);
    assert.equal(channel.receiver.length, 1);
    assert.equal(await channel.receiver.receive(), -3);
  });

  describe('select()', () => {
    it('select() completes an ordinary case that is ready and leaves the shared channel alone', async () => {
      const shared = Channel.shared({ capacity: 2, type: 'int32' });
      const local = new Channel<string>(1);
      local.trySend('a');
      assert.deepEqual(await select({ shared: shared.receiveCase(), local: local.receiveCase() }), { case: 'local', state: 'ok', value: 'a' });
      shared.trySend(1);
      await sleep(5);
      assert.equal(shared.length, 1);
    });

    it('select() waiting on a shared and an ordinary case completes the shared one when another thread sends', async () => {
      const shared = Channel.shared({ capacity: 2, type: 'int32' });
      const local = new Channel<string>(1);
      const pending = select({ shared: shared.receiveCase(), local: local.receiveCase() });
      assert.equal(await stateOf(pending), 'pending');
      assert.deepEqual(await report<Outcome>(start(shared, 'send-once', 42)), { ok: true });
      assert.deepEqual(await pending, { case: 'shared', state: 'ok', value: 42 });
      // The ordinary case was withdrawn: a value sent to it now is buffered, not handed to the finished select.
      assert.deepEqual(local.trySend('later'), { state: 'ok' });
      assert.equal(local.length, 1);
    });

    it('select() waiting on a shared and an ordinary case completes the ordinary one and stops polling the shared one', async () => {
      const shared = Channel.shared({ capacity: 2, type: 'int32' });
      const local = new Channel<string>();
      const pending = select({ shared: shared.receiveCase(), local: local.receiveCase() });
      await tick();
      await local.send('now');
      assert.deepEqual(await pending, { case: 'local', state: 'ok', value: 'now' });
      shared.trySend(1);
      await sleep(20);
      assert.equal(shared.length, 1);
    });

    it('select() sends on a full shared channel once a receiver in another thread makes room', async () => {
      const shared = Channel.shared({ capacity: 1, type: 'int32' });
      shared.trySend(1);
      const other = new Channel<number>(0);
      const pending = select({ put: shared.sendCase(2), other: other.sendCase(0) });
      assert.equal(await stateOf(pending), 'pending');
      assert.deepEqual(await report<Outcome>(start(shared, 'receive-once')), { ok: true, value: 1 });
      assert.deepEqual(await pending, { case: 'put', state: 'ok' });
      assert.deepEqual([shared.tryReceive(), shared.tryReceive()], [{ state: 'ok', value: 2 }, { state: 'empty' }]);
    });

    it('select() on a closed shared channel yields closed, with the unsent value for a send case', async () => {
      const shared = Channel.shared({ capacity: 1, type: 'int32' });
      const pending = select({ get: shared.receiveCase() });
      await tick();
      shared.close();
      assert.deepEqual(await pending, { case: 'get', state: 'closed' });
      assert.deepEqual(trySelect({ put: shared.sendCase(9) }), { case: 'put', state: 'closed', value: 9 });
    });

    it('select() with a shared case rejects with TimeoutError on its clock and withdraws every case', async () => {
      const clock = new FakeClock();
      const shared = Channel.shared({ capacity: 1, type: 'int32' });
      const local = new Channel<number>(1);
      const timedOut = assert.rejects(select({ shared: shared.receiveCase(), local: local.receiveCase() }, { timeout: 100, clock }), TimeoutError);
      await clock.advance(100);
      await timedOut;
      assert.equal(clock.pendingTimers, 0);
      shared.trySend(1);
      local.trySend(2);
      await sleep(10);
      assert.deepEqual([shared.length, local.length], [1, 1]);
    });

    it('trySelect() picks among ready shared and ordinary cases at random, completing exactly one each time', () => {
      const shared = Channel.shared({ capacity: 1, type: 'int32' });
      const local = new Channel<number>(1);
      const picks = { shared: 0, local: 0 };
      for (let i = 0; i < 400; i++) {
        if (shared.length === 0) shared.trySend(i);
        if (local.length === 0) local.trySend(i);
        const r = trySelect({ shared: shared.receiveCase(), local: local.receiveCase() });
        assert.equal(r.state, 'ok');
        picks[r.case as 'shared' | 'local']++;
        assert.equal(shared.length + local.length, 1, 'exactly one case completed');
      }
      assert.ok(picks.shared > 120 && picks.local > 120, `picks ${JSON.stringify(picks)}`);
      shared.tryReceive();
      assert.deepEqual(trySelect({ shared: shared.receiveCase() }), { case: null, state: 'none' });
    });
  });

  describe('across threads', () => {
    it('SharedChannel delivers every value exactly once, in each producer\'s order, with 2 producer and 2 consumer threads', async () => {
      const n = 20_000;
      const channel = Channel.shared({ capacity: 16, type: 'int32' });
      const consumers = [report<number[]>(start(channel, 'consume')), report<number[]>(start(channel, 'consume-many'))];
      const producers = [report<number>(start(channel, 'produce-try', 0, n)), report<number>(start(channel, 'produce-many', 1_000_000, n))];
      assert.deepEqual(await Promise.all(producers), [n, n]);
      channel.close();
      const lists = await Promise.all(consumers);
      const all = lists.flat();
      assert.equal(all.length, 2 * n);
      assert.equal(new Set(all).size, 2 * n, 'no value was received twice');
      for (const list of lists) {
        for (const base of [0, 1_000_000]) {
          const mine = list.filter((v) => v >= base && v < base + n);
          assert.ok(mine.every((v, i) => i === 0 || v > mine[i - 1]!), 'each producer\'s values arrive in the order sent');
        }
      }
      assert.ok(lists.every((list) => list.length > 0), 'both consumers took part');
    });

    it('SharedChannel.sendSync(), sendManySync() and receiveManySync() in worker threads stream exactly through a small buffer', async () => {
      const n = 20_000;
      const channel = Channel.shared({ capacity: 8, type: 'uint16' });
      const consumer = report<number[]>(start(channel, 'consume-sync'));
      const producers = [report<number>(start(channel, 'produce-sync', 0, n)), report<number>(start(channel, 'produce-many-sync', n, n))];
      assert.deepEqual(await Promise.all(producers), [n, n]);
      channel.close();
      const got = await consumer;
      assert.deepEqual([...got].sort((a, b) => a - b), Array.from({ length: 2 * n }, (_, i) => i));
      const ours = got.filter((v) => v >= n);
      assert.deepEqual(ours, Array.from({ length: n }, (_, i) => n + i), 'batches arrive whole and in order');
      assert.deepEqual(got.filter((v) => v < n), Array.from({ length: n }, (_, i) => i));
    });

    it('SharedChannel.send() in another thread waits while the channel is full until this thread takes a value', async () => {
      const channel = Channel.shared({ capacity: 4, type: 'int32' });
      for (let i = 0; i < 4; i++) channel.trySend(i);
      const worker = start(channel, 'send-once', 4);
      let reported = false;
      const outcome = report<Outcome>(worker).finally(() => (reported = true));
      await sleep(300); // long enough for the worker to start and block in send()
      assert.equal(reported, false);
      assert.equal(channel.length, 4);
      assert.equal(await channel.receive(), 0);
      assert.deepEqual(await outcome, { ok: true });
      assert.deepEqual(await channel.receiveMany(8), [1, 2, 3, 4]);
    });

    it('SharedChannel.close() in this thread rejects a send blocked in another thread with its value, and a receive there', async () => {
      const full = Channel.shared({ capacity: 1, type: 'int32' });
      full.trySend(1);
      const sender = report<Outcome>(start(full, 'send-once', 77));
      const empty = Channel.shared({ capacity: 1, type: 'int32' });
      const receiver = report<Outcome>(start(empty, 'receive-once'));
      await sleep(300);
      full.close();
      empty.close();
      assert.deepEqual(await sender, { ok: false, error: 'ChannelClosedError', value: 77 });
      assert.deepEqual(await receiver, { ok: false, error: 'ChannelClosedError', value: undefined });
      assert.equal(await full.receive(), 1);
    });

    it('SharedChannel.receive() keeps a worker alive while it waits, though nothing else does', async () => {
      const channel = Channel.shared({ capacity: 1, type: 'float64' });
      const worker = start(channel, 'receive-once');
      // An un-ref'd wait would let the worker exit with code 13 before the value arrives.
      await sleep(400);
      await channel.send(0.5);
      assert.deepEqual(await report<Outcome>(worker), { ok: true, value: 0.5 });
    });
  });

  describe('crossing a link', () => {
    const errors = { serializeError, deserializeError };

    it('Peer.pack() sends a shared channel and its views to a thread as views of the same memory', async () => {
      const { host, worker } = linkedPeers();
      const channel = Channel.shared({ capacity: 4, type: 'int32' });
      const packed = host.pack({ channel, out: channel.sender, in: channel.receiver }, 'msg');
      const arrived = worker.unpack(structuredClone(packed)) as { channel: SharedChannel; out: SharedSender; in: SharedReceiver };
      assert.ok(arrived.channel instanceof SharedChannel && arrived.channel !== channel);
      assert.ok(arrived.out instanceof SharedSender);
      assert.ok(arrived.in instanceof SharedReceiver);
      await arrived.out.send(5);
      assert.deepEqual(channel.tryReceive(), { state: 'ok', value: 5 });
      channel.trySend(6);
      assert.equal(await arrived.in.receive(), 6);
      arrived.channel.close();
      assert.equal(channel.closed, true);
    });

    it('Peer.pack() refuses a shared channel bound for a process with a TypeError naming where it sits', () => {
      const toProcess = new Peer({ ...errors, destination: 'a process', link: { post: () => assert.fail('nothing may be posted') } });
      const channel = Channel.shared({ capacity: 4, type: 'int32' });
      assert.throws(() => toProcess.pack([1, channel], 'args'), {
        name: 'TypeError',
        message: 'args[1] is a shared channel and cannot be sent to a process: processes share no memory; use a Channel',
      });
      assert.throws(() => toProcess.pack({ job: { out: channel.sender } }, 'msg'), { message: /^msg\.job\.out is a shared channel and cannot be sent to a process/ });
      assert.throws(() => toProcess.pack(channel.receiver, 'result'), { message: /^result is a shared channel/ });
    });
  });
});
