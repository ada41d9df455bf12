import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../core/clock.js';
import { CancelledError, TimeoutError } from '../core/errors.js';
import { actor } from './actor.js';
import { ActorStoppedError, DEFAULT_ASK_TIMEOUT, type ActorRef } from './actor-ref.js';
import type { ActorContext, Behaviour } from './behaviour.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

type CounterMsg = { type: 'add'; by: number } | { type: 'get' } | { type: 'boom' };
class Counter implements Behaviour<CounterMsg, number> {
  total = 0;
  receive(msg: CounterMsg): number {
    if (msg.type === 'boom') throw new Error('boom');
    if (msg.type === 'add') this.total += msg.by;
    return this.total;
  }
}

describe('actor', () => {
  it('actor() infers message and reply types from the factory', async () => {
    const counter = actor(() => new Counter());
    const typed: ActorRef<CounterMsg, number> = counter;
    const lengths = actor(() => ({ async receive(s: string) { return s.length; } }));
    const n: number = await lengths.ask('four');
    // @ts-expect-error: a number is not a CounterMsg (type-level check only; never called)
    const _wrong = () => typed.send(42);
    assert.equal(n, 4);
    await Promise.all([counter.stop(), lengths.stop()]);
  });

  it('ActorRef.ask() resolves with what receive returned, sync or async', async () => {
    const counter = actor(() => new Counter());
    await counter.send({ type: 'add', by: 2 });
    assert.equal(await counter.ask({ type: 'add', by: 3 }), 5);
    assert.equal(await counter.ask({ type: 'get' }), 5);
    await counter.stop();
    await counter.join();
  });

  it('ActorRef.send() messages are handled one at a time, in order, even when receive is async', async () => {
    let running = 0;
    let maxRunning = 0;
    const seen: number[] = [];
    const ref = actor(() => ({
      async receive(n: number) {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await tick();
        seen.push(n);
        running--;
        return seen.length;
      },
    }));
    const sends = Array.from({ length: 20 }, (_, i) => ref.send(i));
    await Promise.all(sends);
    assert.equal(await ref.ask(20), 21);
    assert.deepEqual(seen, Array.from({ length: 21 }, (_, i) => i));
    assert.equal(maxRunning, 1);
    await ref.stop();
  });

  it('ActorRef.send() waits while the mailbox is full and resolves once the actor drains it', async () => {
    const release = gate();
    const handled: number[] = [];
    const ref = actor(
      () => ({
        async receive(n: number) {
          if (n === 0) await release.promise;
          handled.push(n);
        },
      }),
      { mailbox: 2 },
    );
    await ref.send(0); // taken by the loop, which then waits on the gate
    await tick();
    await ref.send(1);
    await ref.send(2); // mailbox now full
    let fourthSent = false;
    const fourth = ref.send(3).then(() => (fourthSent = true));
    await tick();
    assert.equal(fourthSent, false);
    release.open();
    await fourth;
    await ref.stop();
    assert.deepEqual(handled, [0, 1, 2, 3]);
  });

  it('ActorRef.send() waiting for room rejects with TimeoutError on the injected clock', async () => {
    const clock = new FakeClock();
    const release = gate();
    const ref = actor(() => ({ receive: () => release.promise }), { mailbox: 1 });
    await ref.send(undefined);
    await tick();
    await ref.send(undefined);
    const late = assert.rejects(ref.send(undefined, { timeout: 10, clock }), TimeoutError);
    await clock.advance(10);
    await late;
    release.open();
    await ref.stop();
    assert.equal(clock.pendingTimers, 0);
  });

  it('ActorRef.ask() rejects with TimeoutError after its timeout and the actor never sees a withdrawn ask', async () => {
    const clock = new FakeClock();
    const release = gate();
    const seen: string[] = [];
    const ref = actor(
      () => ({
        async receive(msg: string) {
          seen.push(msg);
          if (msg === 'slow') await release.promise;
          return msg;
        },
      }),
      { clock },
    );
    const slow = ref.ask('slow', { timeout: 100 });
    const queued = ref.ask('queued'); // default timeout from the actor's clock
    const slowOutcome = assert.rejects(slow, { name: 'TimeoutError', message: 'The ask timed out after 100 ms' });
    await clock.advance(100);
    await slowOutcome;
    const queuedOutcome = assert.rejects(queued, TimeoutError);
    await clock.advance(DEFAULT_ASK_TIMEOUT - 100);
    await queuedOutcome;
    release.open();
    assert.equal(await ref.ask('after', { timeout: 1000 }), 'after');
    assert.deepEqual(seen, ['slow', 'after']);
    await ref.stop();
    assert.equal(clock.pendingTimers, 0);
  });

  it('ActorRef.ask() and send() reject with CancelledError when their signal aborts', async () => {
    const release = gate();
    const ref = actor(() => ({ receive: () => release.promise }));
    const controller = new AbortController();
    const asked = ref.ask(undefined, { signal: controller.signal });
    controller.abort();
    await assert.rejects(asked, CancelledError);
    await assert.rejects(ref.ask(undefined, { signal: AbortSignal.abort() }), CancelledError);
    await assert.rejects(ref.send(undefined, { signal: AbortSignal.abort() }), CancelledError);
    release.open();
    await ref.stop();
  });

  it('ActorRef.ask() rejects with the error receive threw, and the unsupervised actor ends with it', async () => {
    const counter = actor(() => new Counter(), { name: 'fragile' });
    const crash = counter.ask({ type: 'boom' });
    const queued = counter.ask({ type: 'get' });
    await assert.rejects(crash, { name: 'Error', message: 'boom' });
    await assert.rejects(queued, (error: unknown) => {
      assert.ok(error instanceof ActorStoppedError);
      assert.equal(error.actor, 'fragile');
      assert.equal((error.cause as Error).message, 'boom');
      return true;
    });
    await assert.rejects(counter.join(), { message: 'boom' });
    await assert.rejects(counter.send({ type: 'get' }), ActorStoppedError);
    await assert.rejects(counter.ask({ type: 'get' }), ActorStoppedError);
    await counter.stop(); // resolves: stop() reports the end, not how it ended
  });

  it('ActorRef.stop() lets the mailbox drain, then join() resolves and later calls reject', async () => {
    const handled: number[] = [];
    const ref = actor(() => ({
      async receive(n: number) {
        await tick();
        handled.push(n);
      },
    }));
    for (let i = 0; i < 5; i++) await ref.send(i);
    const stopped = ref.stop();
    await assert.rejects(ref.send(9), { name: 'ActorStoppedError', message: /has stopped/ });
    await assert.rejects(ref.ask(9), ActorStoppedError);
    await stopped;
    await ref.join();
    assert.deepEqual(handled, [0, 1, 2, 3, 4]);
  });

  it('ActorRef.stop() rejects a send blocked on a full mailbox with ActorStoppedError', async () => {
    const release = gate();
    const ref = actor(() => ({ receive: () => release.promise }), { mailbox: 1 });
    await ref.send(undefined);
    await tick();
    await ref.send(undefined);
    const blocked = ref.send(undefined);
    const stopped = ref.stop();
    await assert.rejects(blocked, ActorStoppedError);
    release.open();
    await stopped;
  });

  it('ActorContext gives self, name and a signal aborted when the actor stops, after started() and before stopped()', async () => {
    const events: string[] = [];
    let ctxSeen: ActorContext<string, string> | undefined;
    const ref = actor(
      () => ({
        started(ctx: ActorContext<string, string>) {
          events.push(`started ${ctx.name}`);
        },
        receive(msg: string, ctx: ActorContext<string, string>) {
          ctxSeen = ctx;
          events.push(`receive ${msg} aborted=${ctx.signal.aborted}`);
          return msg;
        },
        stopped() {
          events.push(`stopped aborted=${ctxSeen?.signal.aborted}`);
        },
      }),
      { name: 'hooks' },
    );
    assert.equal(await ref.ask('x'), 'x');
    assert.equal(ctxSeen?.self, ref);
    await ref.stop();
    assert.deepEqual(events, ['started hooks', 'receive x aborted=false', 'stopped aborted=true']);
  });

  it('ActorRef.join() rejects when stopped() throws on a graceful stop', async () => {
    const ref = actor(() => ({
      receive() {},
      stopped() {
        throw new Error('cleanup failed');
      },
    }));
    await ref.stop();
    await assert.rejects(ref.join(), { message: 'cleanup failed' });
  });

  it('actor() throws what the factory throws and validates its arguments naming them', () => {
    assert.throws(
      () =>
        actor(() => {
          throw new Error('no state');
        }),
      { message: 'no state' },
    );
    assert.throws(() => actor('x' as unknown as () => Counter), { name: 'TypeError', message: 'factory must be a function, got string' });
    assert.throws(() => actor(() => new Counter(), { mailbox: -1 }), { name: 'RangeError', message: /^options\.mailbox/ });
    assert.throws(() => actor(() => new Counter(), { askTimeout: Infinity }), { name: 'RangeError', message: /^options\.askTimeout must be a finite/ });
    assert.throws(() => actor(() => new Counter(), { supervisor: {} as never }), { name: 'TypeError', message: 'options.supervisor must be a Supervisor' });
    assert.throws(() => actor(() => new Counter(), { name: 3 as unknown as string }), { name: 'TypeError', message: /^options\.name/ });
  });

  it('ActorRef.ask() refuses an infinite or invalid timeout', async () => {
    const ref = actor(() => new Counter());
    await assert.rejects(ref.ask({ type: 'get' }, { timeout: Infinity }), { name: 'RangeError', message: /^options\.timeout must be a finite/ });
    await assert.rejects(ref.ask({ type: 'get' }, { timeout: -5 }), { name: 'RangeError', message: /^options\.timeout/ });
    await assert.rejects(ref.send({ type: 'get' }, { signal: 'no' as never }), { name: 'TypeError', message: /^options\.signal/ });
    await ref.stop();
  });
});
