import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../core/clock.js';
import { CancelledError, TimeoutError } from '../core/errors.js';
import { stateOf } from './fixtures/promise-state.js';
import { Channel } from './channel.js';
import { ChannelClosedError } from './channel-closed-error.js';
import { select, trySelect } from './select.js';

describe('select', () => {
  it('select() completes a ready receive case at once with its typed value', async () => {
    const numbers = new Channel<number>(1);
    const words = new Channel<string>(1);
    await words.send('hi');
    const r = await select({ n: numbers.receiveCase(), w: words.receiveCase() });
    assert.deepEqual(r, { case: 'w', state: 'ok', value: 'hi' });
    if (r.case === 'w' && r.state === 'ok') {
      const text: string = r.value;
      assert.equal(text.toUpperCase(), 'HI');
      // @ts-expect-error the value of case w is a string, not a number
      const wrong: number = r.value;
      assert.ok(wrong, "unreachable at runtime: the value is truthy");
    }
    assert.equal(numbers.length, 0);
  });

  it('select() chooses uniformly at random among ready cases', async () => {
    const a = new Channel<number>(Infinity);
    const b = new Channel<number>(Infinity);
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 1000; i++) {
      a.trySend(i);
      b.trySend(i);
      const r = await select({ a: a.receiveCase(), b: b.receiveCase() });
      counts[r.case]++;
      // Drain the other so each round starts with both ready.
      (r.case === 'a' ? b : a).tryReceive();
    }
    assert.equal(counts.a + counts.b, 1000);
    // Binomial(1000, 0.5) has a standard deviation of about 16; ±100 fails with odds below 1e-9.
    assert.ok(Math.abs(counts.a - 500) < 100, `a chosen ${counts.a} times of 1000`);
  });

  it('select() takes exactly one value and withdraws its other cases', async () => {
    const a = new Channel<string>();
    const b = new Channel<string>();
    const pending = select({ a: a.receiveCase(), b: b.receiveCase() });
    assert.equal(await stateOf(pending), 'pending');
    assert.deepEqual(a.trySend('for a'), { state: 'ok' });
    assert.deepEqual(await pending, { case: 'a', state: 'ok', value: 'for a' });
    // The b registration is gone: a rendezvous send finds no receiver and the value stays with its sender.
    assert.deepEqual(b.trySend('for b'), { state: 'full' });
  });

  it('select() matched with a waiting rendezvous sender completes both exactly once', async () => {
    const channel = new Channel<number>();
    const sent = channel.send(42);
    const r = await select({ x: channel.receiveCase() });
    assert.deepEqual(r, { case: 'x', state: 'ok', value: 42 });
    assert.equal(await stateOf(sent), 'fulfilled');
    assert.deepEqual(channel.tryReceive(), { state: 'empty' });
  });

  it('select() send case delivers its value once when a receiver arrives and withdraws the rest', async () => {
    const out = new Channel<number>();
    const other = new Channel<string>();
    const pending = select({ out: out.sendCase(5), other: other.receiveCase() });
    assert.equal(await stateOf(pending), 'pending');
    assert.equal(await out.receive(), 5);
    assert.deepEqual(await pending, { case: 'out', state: 'ok' });
    assert.deepEqual(other.trySend('late'), { state: 'full' });
    assert.deepEqual(out.tryReceive(), { state: 'empty' });
  });

  it('select() send case into a full buffer completes when a receive frees a slot', async () => {
    const channel = new Channel<number>(1);
    await channel.send(1);
    const pending = select({ s: channel.sendCase(2) });
    assert.equal(await stateOf(pending), 'pending');
    assert.equal(await channel.receive(), 1);
    assert.deepEqual(await pending, { case: 's', state: 'ok' });
    assert.deepEqual([channel.tryReceive(), channel.tryReceive()], [{ state: 'ok', value: 2 }, { state: 'empty' }]);
  });

  it('select() registered on both sides of one channel is completed once by an outside party', async () => {
    const channel = new Channel<number>();
    const pending = select({ r: channel.receiveCase(), s: channel.sendCase(1) });
    assert.equal(await stateOf(pending), 'pending');
    assert.equal(await channel.receive(), 1);
    assert.deepEqual(await pending, { case: 's', state: 'ok' });
    assert.deepEqual(channel.trySend(2), { state: 'full' }); // the receive case was withdrawn
  });

  it('select() registered on both sides of one channel is completed once by an outside send()', async () => {
    const channel = new Channel<number>();
    const pending = select({ r: channel.receiveCase(), s: channel.sendCase(1) });
    const sent = channel.send(2);
    assert.deepEqual(await pending, { case: 'r', state: 'ok', value: 2 });
    assert.equal(await stateOf(sent), 'fulfilled');
    assert.deepEqual(channel.tryReceive(), { state: 'empty' }); // the send case was withdrawn: 1 is not offered
  });

  it('select() racing another select on one channel: each value goes to one select, first come first served', async () => {
    const channel = new Channel<string>();
    const first = select({ x: channel.receiveCase() });
    const second = select({ y: channel.receiveCase() });
    channel.trySend('one');
    assert.deepEqual(await first, { case: 'x', state: 'ok', value: 'one' });
    assert.equal(await stateOf(second), 'pending');
    channel.trySend('two');
    assert.deepEqual(await second, { case: 'y', state: 'ok', value: 'two' });
  });

  it('select() treats a closed channel as ready: receive yields closed, send hands its value back', async () => {
    const input = new Channel<number>(1);
    input.close();
    assert.deepEqual(await select({ in: input.receiveCase() }), { case: 'in', state: 'closed' });
    const output = new Channel<string>(1);
    output.close();
    assert.deepEqual(await select({ out: output.sendCase('unsent') }), { case: 'out', state: 'closed', value: 'unsent' });
  });

  it('select() waiting on a channel that closes resolves with a closed result', async () => {
    const channel = new Channel<number>();
    const other = new Channel<number>();
    const pending = select({ c: channel.receiveCase(), o: other.sendCase(3) });
    channel.close();
    assert.deepEqual(await pending, { case: 'c', state: 'closed' });
    assert.deepEqual(other.tryReceive(), { state: 'empty' }); // the send case was withdrawn
  });

  it('select() aborted by its signal rejects with CancelledError and withdraws every case', async () => {
    const a = new Channel<number>();
    const b = new Channel<number>(1);
    await b.send(0);
    const controller = new AbortController();
    const pending = select({ a: a.receiveCase(), b: b.sendCase(1) }, { signal: controller.signal });
    controller.abort();
    await assert.rejects(pending, CancelledError);
    assert.deepEqual(a.trySend(1), { state: 'full' });
    assert.equal(await b.receive(), 0);
    assert.deepEqual(b.tryReceive(), { state: 'empty' }); // the send case never delivered
  });

  it('select() rejects with TimeoutError after its timeout and leaves no timer when it completes first', async () => {
    const clock = new FakeClock();
    const channel = new Channel<number>();
    const late = assert.rejects(select({ c: channel.receiveCase() }, { timeout: 50, clock }), TimeoutError);
    await clock.advance(49);
    assert.equal(clock.pendingTimers, 1);
    await clock.advance(1);
    await late;
    assert.deepEqual(channel.trySend(1), { state: 'full' });

    const early = select({ c: channel.receiveCase() }, { timeout: 50, clock });
    channel.trySend(2);
    assert.deepEqual(await early, { case: 'c', state: 'ok', value: 2 });
    assert.equal(clock.pendingTimers, 0);
  });

  it('select() with an already aborted signal rejects without completing a ready case', async () => {
    const channel = new Channel<number>(1);
    await channel.send(1);
    await assert.rejects(select({ c: channel.receiveCase() }, { signal: AbortSignal.abort() }), CancelledError);
    assert.equal(channel.length, 1);
  });

  it('trySelect() completes a ready case or returns none without waiting', () => {
    const channel = new Channel<number>(1);
    assert.deepEqual(trySelect({ c: channel.receiveCase() }), { case: null, state: 'none' });
    assert.deepEqual(trySelect({ s: channel.sendCase(1) }), { case: 's', state: 'ok' });
    const r = trySelect({ c: channel.receiveCase() });
    assert.deepEqual(r, { case: 'c', state: 'ok', value: 1 });
  });

  it('select() and trySelect() reject malformed cases with TypeError', async () => {
    await assert.rejects(select({}), { name: 'TypeError', message: /^cases must name at least one case/ });
    await assert.rejects(select([] as never), { name: 'TypeError', message: /^cases must be an object/ });
    await assert.rejects(select({ x: { kind: 'receive' } } as never), { name: 'TypeError', message: /^cases\.x must be made by/ });
    const channel = new Channel<number>(1);
    await assert.rejects(select({ c: channel.receiveCase() }, { timeout: -5 }), { name: 'RangeError', message: /timeout/ });
    assert.throws(() => trySelect(null as never), { name: 'TypeError' });
  });
  it('select() under random contention and cancellation delivers each value exactly once or returns it to its sender', async () => {
    let seed = 12345;
    const random = (): number => {
      // mulberry32: a small seeded generator so a failure can be replayed.
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    const a = new Channel<number>();
    const b = new Channel<number>(2);
    const received: number[] = [];
    const unsent: number[] = [];

    const producer = async (base: number): Promise<void> => {
      for (let i = 0; i < 100; i++) {
        const value = base + i;
        const controller = new AbortController();
        const roll = random();
        if (roll < 0.15) queueMicrotask(() => controller.abort());
        else if (roll < 0.3) setImmediate(() => controller.abort());
        try {
          if (random() < 0.5) await (random() < 0.5 ? a : b).send(value, { signal: controller.signal });
          else await select({ a: a.sendCase(value), b: b.sendCase(value) }, { signal: controller.signal });
        } catch (error) {
          if (!(error instanceof CancelledError)) throw error;
          unsent.push(value);
        }
      }
    };
    let producing = true;
    const consumer = async (): Promise<void> => {
      while (producing || a.length + b.length > 0) {
        const controller = new AbortController();
        // Every consumer wait ends (by a value or an abort), so a consumer stuck on one channel cannot deadlock the run.
        if (random() < 0.15) queueMicrotask(() => controller.abort());
        else setImmediate(() => controller.abort());
        try {
          if (random() < 0.5) {
            received.push(await (random() < 0.5 ? a : b).receive({ signal: controller.signal }));
          } else {
            const r = await select({ a: a.receiveCase(), b: b.receiveCase() }, { signal: controller.signal });
            if (r.state === 'ok') received.push(r.value);
          }
        } catch (error) {
          if (error instanceof ChannelClosedError) break; // production ended
          if (!(error instanceof CancelledError)) throw error;
        }
        if (random() < 0.6) await tick();
      }
    };
    const consumers = [consumer(), consumer(), consumer()];
    await Promise.all([producer(0), producer(1000), producer(2000)]);
    producing = false;
    // Wake consumers still blocked on an empty channel so they can see production ended.
    a.close();
    b.close();
    await Promise.all(consumers);
    for (const r of [b.tryReceive(), b.tryReceive()]) if (r.state === 'ok') received.push(r.value);

    const all = [...received, ...unsent].sort((x, y) => x - y);
    const expected = [0, 1000, 2000].flatMap((base) => Array.from({ length: 100 }, (_, i) => base + i));
    assert.deepEqual(all, expected, 'every value is received once or was reported unsent, never both or twice');
    assert.ok(received.length > 50 && unsent.length > 10, `received ${received.length}, unsent ${unsent.length}`);
  });
});
