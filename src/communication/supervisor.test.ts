import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../core/clock.js';
import { actor } from './actor.js';
import { ActorStoppedError } from './actor-ref.js';
import type { Behaviour } from './behaviour.js';
import { supervisor, SupervisorGaveUpError } from './supervisor.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

type Msg = { add: number } | 'get' | 'boom';
let incarnations = 0;
class Tally implements Behaviour<Msg, number> {
  total = 0;
  readonly incarnation = ++incarnations;
  receive(msg: Msg): number {
    if (msg === 'boom') throw new Error(`boom in ${this.incarnation}`);
    if (msg !== 'get') this.total += msg.add;
    return this.total;
  }
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('supervisor', () => {
  it("supervisor 'one-for-one' restarts only the failed actor, with fresh state and its queued messages in order", async () => {
    const sup = supervisor({ strategy: 'one-for-one', maxRestarts: 3, within: 1000, clock: new FakeClock() });
    const a = actor(() => new Tally(), { supervisor: sup });
    const b = actor(() => new Tally(), { supervisor: sup });
    await a.send({ add: 5 });
    await b.send({ add: 7 });
    const crash = a.ask('boom');
    const after = [a.ask({ add: 1 }), a.ask({ add: 2 }), a.ask('get')];
    await assert.rejects(crash, { message: /^boom in/ });
    assert.deepEqual(await Promise.all(after), [1, 3, 3]); // fresh total: the 5 is gone
    assert.equal(await b.ask('get'), 7); // the sibling kept its state
    assert.equal(sup.childCount, 2);
    await sup.stop();
    await sup.join();
    await Promise.all([a.join(), b.join()]);
  });

  it("supervisor 'one-for-all' restarts every actor under it with fresh state", async () => {
    const sup = supervisor({ strategy: 'one-for-all', maxRestarts: 3, within: 1000, clock: new FakeClock() });
    const a = actor(() => new Tally(), { supervisor: sup });
    const b = actor(() => new Tally(), { supervisor: sup });
    await a.send({ add: 5 });
    assert.equal(await b.ask({ add: 7 }), 7);
    await assert.rejects(a.ask('boom'));
    assert.equal(await a.ask('get'), 0);
    assert.equal(await b.ask('get'), 0);
    await sup.stop();
  });

  it("supervisor 'one-for-all' restarts a busy sibling after its message in progress and aborts that message's signal", async () => {
    const sup = supervisor({ strategy: 'one-for-all', maxRestarts: 3, within: 1000, clock: new FakeClock() });
    const release = gate();
    let signalAborted: boolean | undefined;
    let starts = 0;
    const busy = actor(
      () => {
        starts++;
        return {
          async receive(msg: string, ctx) {
            if (msg === 'wait') {
              await release.promise;
              signalAborted = ctx.signal.aborted;
            }
            return starts;
          },
        };
      },
      { supervisor: sup },
    );
    const fragile = actor(() => new Tally(), { supervisor: sup });
    const inFlight = busy.ask('wait');
    await tick();
    await assert.rejects(fragile.ask('boom'));
    release.open();
    assert.equal(await inFlight, 1); // the message in progress finished under the old incarnation
    assert.equal(signalAborted, true);
    assert.equal(await busy.ask('now'), 2);
    await sup.stop();
  });

  it('supervisor restarts an actor whose started() throws, and a send that crashes it is reported, not lost', async () => {
    const sup = supervisor({ maxRestarts: 5, within: 1000, clock: new FakeClock() });
    let attempts = 0;
    const ref = actor(
      () => ({
        started() {
          if (++attempts < 3) throw new Error('not yet');
        },
        receive(msg: string) {
          if (msg === 'boom') throw new Error('boom');
          return attempts;
        },
      }),
      { supervisor: sup },
    );
    assert.equal(await ref.ask('hi'), 3);
    await ref.send('boom'); // fire-and-forget: the failure goes to the supervisor
    assert.equal(await ref.ask('hi'), 4);
    await sup.stop();
  });

  it('supervisor gives up past maxRestarts within the window: stops its actors, rejects every pending ask and fails join()', async () => {
    const clock = new FakeClock();
    const sup = supervisor({ maxRestarts: 2, within: 1000, clock, name: 'tally-sup' });
    const a = actor(() => new Tally(), { supervisor: sup, name: 'a' });
    const b = actor(() => new Tally(), { supervisor: sup, name: 'b' });
    const asks = [a.ask('boom'), a.ask('boom'), a.ask('boom'), a.ask('get'), a.ask('get')];
    const outcomes = await Promise.allSettled(asks);
    assert.deepEqual(
      outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).name : 'fulfilled')),
      ['Error', 'Error', 'Error', 'ActorStoppedError', 'ActorStoppedError'],
    );
    const gaveUp = await sup.join().then(
      () => assert.fail('join() should reject'),
      (error: unknown) => error,
    );
    assert.ok(gaveUp instanceof SupervisorGaveUpError);
    assert.equal(gaveUp.message, 'Supervisor tally-sup gave up: more than 2 restarts within 1000 ms');
    assert.match((gaveUp.cause as Error).message, /^boom in/);
    const stopped = (outcomes[3] as PromiseRejectedResult).reason as ActorStoppedError;
    assert.equal(stopped.cause, gaveUp);
    await assert.rejects(a.join(), SupervisorGaveUpError);
    await assert.rejects(b.join(), SupervisorGaveUpError);
    await assert.rejects(b.ask('get'), ActorStoppedError);
    assert.equal(sup.childCount, 0);
    assert.throws(() => actor(() => new Tally(), { supervisor: sup }), { name: 'TypeError', message: /^options\.supervisor \(tally-sup\) has stopped/ });
    assert.equal(clock.pendingTimers, 0);
  });

  it('supervisor giving up aborts a busy sibling\'s signal, so its in-flight ask settles and join() does not hang', async () => {
    const clock = new FakeClock();
    const sup = supervisor({ maxRestarts: 0, within: 1000, clock });
    const busy = actor(
      () => ({
        receive: (_: string, ctx: { signal: AbortSignal }) =>
          new Promise<string>((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error))),
      }),
      { supervisor: sup, clock },
    );
    const inFlight = busy.ask('wait');
    const queued = busy.ask('queued');
    await tick();
    await assert.rejects(actor(() => new Tally(), { supervisor: sup }).ask('boom'));
    await assert.rejects(inFlight, { name: 'CancelledError', message: /was stopped by its supervisor/ });
    await assert.rejects(queued, ActorStoppedError);
    await assert.rejects(sup.join(), SupervisorGaveUpError);
    assert.equal(clock.pendingTimers, 0);
  });

  it('supervisor forgets restarts older than the window', async () => {
    const clock = new FakeClock();
    const sup = supervisor({ maxRestarts: 1, within: 100, clock });
    const ref = actor(() => new Tally(), { supervisor: sup, clock });
    for (let i = 0; i < 5; i++) {
      await assert.rejects(ref.ask('boom'));
      await clock.advance(100);
    }
    assert.equal(await ref.ask({ add: 1 }), 1);
    await sup.stop();
    await sup.join();
  });

  it('supervisor with a parent fails upward: the parent restarts the subtree, then gives up in turn', async () => {
    const clock = new FakeClock();
    const root = supervisor({ strategy: 'one-for-one', maxRestarts: 1, within: 1000, clock, name: 'root' });
    const child = supervisor({ maxRestarts: 0, within: 1000, clock, parent: root, name: 'child' });
    const sibling = actor(() => new Tally(), { supervisor: root });
    const a = actor(() => new Tally(), { supervisor: child });
    const b = actor(() => new Tally(), { supervisor: child });
    await a.send({ add: 5 });
    await b.send({ add: 6 });
    await sibling.send({ add: 9 });
    // First failure: the child gives up at once (maxRestarts 0); root restarts the child's subtree.
    await assert.rejects(a.ask('boom'));
    assert.equal(await a.ask('get'), 0);
    assert.equal(await b.ask('get'), 0); // the whole subtree got fresh state
    assert.equal(await sibling.ask('get'), 9); // one-for-one at the root: the sibling kept its state
    // Second failure: the child gives up again, root is past its intensity and gives up too.
    await assert.rejects(b.ask('boom'));
    const rootError = await root.join().then(
      () => assert.fail('root join() should reject'),
      (error: unknown) => error as SupervisorGaveUpError,
    );
    assert.equal(rootError.supervisor, 'root');
    const childError = rootError.cause as SupervisorGaveUpError;
    assert.ok(childError instanceof SupervisorGaveUpError);
    assert.equal(childError.supervisor, 'child');
    assert.match((childError.cause as Error).message, /^boom in/);
    await assert.rejects(child.join(), (error: unknown) => error === rootError);
    await assert.rejects(sibling.ask('get'), ActorStoppedError);
    await assert.rejects(a.join(), SupervisorGaveUpError);
  });

  it('Supervisor.stop() drains every actor under it and join() resolves', async () => {
    const sup = supervisor();
    const handled: number[] = [];
    const ref = actor(
      () => ({
        async receive(n: number) {
          await tick();
          handled.push(n);
        },
      }),
      { supervisor: sup },
    );
    for (let i = 0; i < 3; i++) await ref.send(i);
    await sup.stop();
    await sup.join();
    await ref.join();
    assert.deepEqual(handled, [0, 1, 2]);
    assert.equal(sup.childCount, 0);
  });

  it('supervisor() validates its options naming them', () => {
    assert.throws(() => supervisor({ strategy: 'rest-for-one' as 'one-for-one' }), { name: 'RangeError', message: /^options\.strategy/ });
    assert.throws(() => supervisor({ maxRestarts: -1 }), { name: 'RangeError', message: /^options\.maxRestarts/ });
    assert.throws(() => supervisor({ maxRestarts: 1.5 }), { name: 'RangeError', message: /^options\.maxRestarts/ });
    assert.throws(() => supervisor({ within: 0 }), { name: 'RangeError', message: /^options\.within must be a positive number/ });
    assert.throws(() => supervisor({ parent: {} as never }), { name: 'TypeError', message: 'options.parent must be a Supervisor' });
    assert.throws(() => supervisor(null as never), { name: 'TypeError', message: 'options must be an object, got null' });
  });
});
