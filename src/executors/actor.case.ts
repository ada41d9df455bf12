// The actor conformance suite every placement runs: rt.actor() on the loop, a thread and a process behaves the same.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import { actor } from '../communication/actor.js';
import { ActorStoppedError, type ActorRef } from '../communication/actor-ref.js';
import { supervisor, SupervisorGaveUpError } from '../communication/supervisor.js';
import { TimeoutError } from '../core/errors.js';
import type { Placement } from './current-task.js';
import { WorkerCrashedError } from './errors.js';
import type * as Actors from './fixtures/actors.js';
import { childPids, until } from './executor.case.js';
import { runtime, type Runtime, type RuntimeOptions } from './runtime.js';

export const ACTORS = new URL('./fixtures/actors.ts', import.meta.url);

/** Registers the shared actor cases for one placement (call inside a describe). */
export function actorCases(on: Placement): void {
  const size: RuntimeOptions = on === 'loop' ? {} : on === 'thread' ? { threads: 2 } : { processes: 2 };
  const crashes = on !== 'loop';
  // Starting a process under tsx takes a while on a loaded machine: be generous with first asks.
  const first = { timeout: 20_000 };
  let rt: Runtime;
  const seen: [string, unknown][] = [];
  before(() => {
    rt = runtime(size);
    rt.expose('seen', (tag: string, msg: unknown) => void seen.push([tag, msg]));
  });
  after(() => rt.close());

  it(`Runtime.actor() on ${on} handles messages one at a time, in the order they were sent, and answers asks`, async () => {
    const ref = rt.actor(ACTORS, 'recorder', { on });
    for (let i = 0; i < 20; i++) {
      if (i % 5 === 4) assert.equal(await ref.ask(i, first), i);
      else await ref.send(i);
    }
    const { log, overlapped } = (await ref.ask('log')) as { log: number[]; overlapped: boolean };
    assert.deepEqual(log, Array.from({ length: 20 }, (_, i) => i));
    assert.equal(overlapped, false, 'receive never ran twice at once');
    await ref.stop();
  });

  it(`Runtime.actor() on ${on} runs the behaviour where on says, typed from the factory export`, async () => {
    const ref = rt.actor<typeof Actors.counter>(ACTORS, 'counter', { on, args: [40] });
    await ref.send('inc');
    const n: number = await ref.ask({ add: 1 }, first);
    assert.equal(n, 42);
    const where = rt.actor(ACTORS, 'recorder', { on });
    const at = (await where.ask('where', first)) as { threadId: number; pid: number };
    if (on === 'loop') assert.deepEqual(at, { threadId, pid: process.pid });
    if (on === 'thread') assert.ok(at.threadId !== threadId && at.pid === process.pid);
    if (on === 'process') assert.notEqual(at.pid, process.pid);
    await Promise.all([ref.stop(), where.stop()]);
  });

  it(`Runtime.actor() on ${on} makes a sender wait while the mailbox is full, across the boundary`, async () => {
    const ref = rt.actor<typeof Actors.slow>(ACTORS, 'slow', { on, args: [150], mailbox: 2 });
    assert.equal(await ref.ask('count', first), 0);
    let resolved = 0;
    const sends = Array.from({ length: 6 }, () => ref.send('work').then(() => resolved++));
    // One message in receive and two in the mailbox: the other sends wait.
    await until(() => resolved >= 3, 5_000, 'three sends to complete');
    await delay(60);
    assert.equal(resolved, 3);
    await Promise.all(sends);
    assert.equal(await ref.ask('count', { timeout: 5_000 }), 6);
    await ref.stop();
  });

  it(`Runtime.actor() on ${on}: an ask times out with TimeoutError`, async () => {
    const ref = rt.actor<typeof Actors.slow>(ACTORS, 'slow', { on, args: [400] });
    assert.equal(await ref.ask('count', first), 0);
    await assert.rejects(ref.ask('work', { timeout: 50 }), TimeoutError);
    await ref.stop();
  });

  it(`Runtime.actor() on ${on}: stop() drains the mailbox, then the actor ends and refuses calls`, async () => {
    const ref = rt.actor(ACTORS, 'reporter', { on, args: [`drain-${on}`] });
    for (let i = 0; i < 5; i++) await ref.send(i);
    await ref.stop();
    await ref.join();
    assert.deepEqual(
      seen.filter(([tag]) => tag === `drain-${on}`).map(([, msg]) => msg),
      [0, 1, 2, 3, 4],
    );
    await assert.rejects(ref.send(5), ActorStoppedError);
    await assert.rejects(ref.ask(5), ActorStoppedError);
  });

  it(`Runtime.actor() on ${on} without a supervisor: a throwing receive rejects its ask and ends the actor`, async () => {
    const ref = rt.actor<typeof Actors.fragile>(ACTORS, 'fragile', { on });
    assert.equal(await ref.ask('calls', first), 1);
    await assert.rejects(ref.ask('boom'), { name: 'RangeError', message: 'boom' });
    await assert.rejects(ref.join(), { name: 'RangeError', message: 'boom' });
    await assert.rejects(ref.send('calls'), ActorStoppedError);
  });

  it(`Runtime.actor() on ${on} under a supervisor restarts with fresh state and keeps the mailbox`, async () => {
    const sup = supervisor({ maxRestarts: 3, within: 60_000 });
    const ref = rt.actor<typeof Actors.fragile>(ACTORS, 'fragile', { on, supervisor: sup });
    assert.equal(await ref.ask('calls', first), 1);
    assert.equal(await ref.ask('calls'), 2);
    const boom = ref.ask('boom');
    const after = [ref.ask('calls'), ref.ask('calls')]; // queued behind the failure: kept, handled by the next incarnation
    await assert.rejects(boom, { name: 'RangeError' });
    assert.deepEqual(await Promise.all(after), [1, 2]);
    await sup.stop();
    await ref.join();
  });

  it(`Runtime.actor() on ${on}: past its intensity the supervisor gives up and the actor ends with SupervisorGaveUpError`, async () => {
    const sup = supervisor({ maxRestarts: 1, within: 60_000 });
    const ref = rt.actor<typeof Actors.fragile>(ACTORS, 'fragile', { on, supervisor: sup });
    await assert.rejects(ref.ask('boom', first), { name: 'RangeError' });
    await assert.rejects(ref.ask('boom'), { name: 'RangeError' });
    await assert.rejects(ref.join(), SupervisorGaveUpError);
    await assert.rejects(sup.join(), SupervisorGaveUpError);
    await assert.rejects(ref.ask('calls'), ActorStoppedError);
  });

  it(`Runtime.actor() on ${on}: a factory that fails fails the actor's calls and join() with its error`, async () => {
    for (const [exportName, pattern] of [
      ['throwsAtStart', /cannot start/],
      ['noBehaviour', /must return an actor behaviour/],
      ['notAFactory', /notAFactory is not a function/],
      ['missing', /missing is not exported/],
    ] as const) {
      const ref = rt.actor(ACTORS, exportName, { on });
      await assert.rejects(ref.join(), { name: 'TypeError', message: pattern });
      await assert.rejects(ref.ask('x'), ActorStoppedError);
    }
  });

  it(`Runtime.actor() on ${on}: refs cross inside messages and stay usable, and ctx.self comes back as this very ref`, async () => {
    const local = actor(() => ({ receive: (msg: string) => `local got ${msg}` }));
    const elsewhere = rt.actor<typeof Actors.counter>(ACTORS, 'counter', { on: on === 'thread' ? 'process' : 'thread', args: [7] });
    const relay = rt.actor<typeof Actors.relay>(ACTORS, 'relay', { on });
    assert.deepEqual(await relay.ask({ to: local as ActorRef<unknown, unknown>, msg: 'hi' }, first), { via: 'relay', reply: 'local got hi' });
    assert.deepEqual(await relay.ask({ to: elsewhere as ActorRef<unknown, unknown>, msg: 'inc' }, first), { via: 'relay', reply: 8 });
    const selfish = rt.actor<typeof Actors.selfish>(ACTORS, 'selfish', { on });
    const self = (await selfish.ask('self', first)) as ActorRef<'self' | 'ping', unknown>;
    assert.equal(self, selfish, 'the actor’s own ref arrives as the ref the host holds');
    assert.deepEqual(await relay.ask({ to: selfish as ActorRef<unknown, unknown>, msg: 'ping' }), { via: 'relay', reply: 'pong' });
    await Promise.all([local.stop(), elsewhere.stop(), relay.stop(), selfish.stop()]);
  });

  it(`Runtime.run() on ${on} hands a task an ActorRef argument it can ask, wherever the actor runs`, async () => {
    const local = actor(() => ({ receive: (msg: string) => msg.toUpperCase() }));
    const hosted = rt.actor<typeof Actors.counter>(ACTORS, 'counter', { on: on === 'process' ? 'thread' : 'process', args: [1] });
    assert.deepEqual(await rt.run(ACTORS, 'askActor', [local, 'hi'], { on }), { asked: 'hi', reply: 'HI' });
    assert.deepEqual(await rt.run(ACTORS, 'askActor', [hosted, 'inc'], { on, timeout: 20_000 }), { asked: 'inc', reply: 2 });
    await Promise.all([local.stop(), hosted.stop()]);
  });

  it(`Runtime.actor() on ${on} validates its arguments, naming the bad one`, () => {
    assert.throws(() => rt.actor(ACTORS, 'counter', { on: 'moon' as Placement }), { name: 'TypeError', message: /options\.on must be/ });
    assert.throws(() => rt.actor(ACTORS, '', { on }), { name: 'TypeError', message: /exportName/ });
    assert.throws(() => rt.actor('relative/path.js', 'counter', { on }), { name: 'TypeError', message: /^url must be/ });
    assert.throws(() => rt.actor(ACTORS, 'counter', { on, mailbox: -1 }), { name: 'RangeError', message: /options\.mailbox/ });
    assert.throws(() => rt.actor(ACTORS, 'counter', { on, askTimeout: Infinity }), { name: 'RangeError', message: /options\.askTimeout/ });
    assert.throws(() => rt.actor(ACTORS, 'counter', { on, worker: 'own' as 'shared' }), { name: 'TypeError', message: /options\.worker/ });
    assert.throws(() => rt.actor(ACTORS, 'counter', { on, supervisor: {} as never }), { name: 'TypeError', message: /options\.supervisor/ });
    assert.throws(() => rt.actor(ACTORS, 'counter', { on, args: 1 as never }), { name: 'TypeError', message: /options\.args must be an array/ });
    if (on !== 'loop') {
      assert.throws(() => rt.actor(ACTORS, 'counter', { on, args: [{ onDone: () => 1 }] as never }), {
        name: 'TypeError',
        message: `options.args[0].onDone is a function and cannot be sent to ${on === 'thread' ? 'a thread' : 'a process'}`,
      });
    }
  });

  if (!crashes) return;

  it(`Runtime.actor() on ${on}: a crash of its worker rejects pending asks with WorkerCrashedError and the supervisor restarts it on a fresh worker, keeping what was sent meanwhile`, async () => {
    const sup = supervisor({ maxRestarts: 3, within: 60_000 });
    const ref = rt.actor<typeof Actors.fragile>(ACTORS, 'fragile', { on, supervisor: sup, worker: 'dedicated' });
    const before = (await ref.ask('where', first)) as { threadId: number; pid: number };
    assert.equal(await ref.ask('calls'), 2);
    const long = { timeout: 30_000 };
    const crash = ref.ask('exit', long);
    const queued = [ref.ask('calls', long), ref.ask('calls', long)]; // in the mailbox the worker takes down with it
    await assert.rejects(crash, WorkerCrashedError);
    for (const r of await Promise.allSettled(queued)) assert.ok(r.status === 'rejected' && r.reason instanceof WorkerCrashedError, 'no ask hangs: queued asks reject with the crash');
    // The actor is restarting now: what is sent meanwhile is kept, in order, for the fresh incarnation.
    const kept = [ref.ask('calls', long), ref.ask('calls', long), ref.ask('calls', long)];
    assert.deepEqual(await Promise.all(kept), [1, 2, 3]);
    const now = (await ref.ask('where', first)) as { threadId: number; pid: number };
    if (on === 'thread') assert.notEqual(now.threadId, before.threadId);
    else assert.notEqual(now.pid, before.pid);
    await sup.stop();
  });

  it(`Runtime.actor() on ${on}: without a supervisor a crash ends the actor, join() rejects with WorkerCrashedError`, async () => {
    const ref = rt.actor<typeof Actors.fragile>(ACTORS, 'fragile', { on, worker: 'dedicated' });
    assert.equal(await ref.ask('calls', first), 1);
    await assert.rejects(ref.ask('exit'), WorkerCrashedError);
    await assert.rejects(ref.join(), WorkerCrashedError);
    await assert.rejects(ref.ask('calls'), ActorStoppedError);
  });

  it(`Runtime.actor() on ${on}: shared actors share a worker, a dedicated one gets its own`, async () => {
    const own = runtime(on === 'thread' ? { threads: 1 } : { processes: 1 });
    try {
      const a = own.actor(ACTORS, 'recorder', { on });
      const b = own.actor(ACTORS, 'recorder', { on });
      const c = own.actor(ACTORS, 'recorder', { on, worker: 'dedicated' });
      const [wa, wb, wc] = (await Promise.all([a.ask('where', first), b.ask('where', first), c.ask('where', first)])) as { threadId: number; pid: number }[];
      const key = (w: { threadId: number; pid: number }) => `${w.pid}/${w.threadId}`;
      assert.equal(key(wa!), key(wb!));
      assert.notEqual(key(wc!), key(wa!));
    } finally {
      await own.close();
    }
  });

  it(`Runtime.close() ends actors on ${on}: calls reject and no worker is left behind`, async () => {
    const own = runtime(size);
    const ref = own.actor(ACTORS, 'recorder', { on });
    await ref.ask('where', first);
    const before = childPids();
    await own.close();
    await assert.rejects(ref.ask('where'), ActorStoppedError);
    await assert.rejects(ref.join(), { name: 'RuntimeClosedError' });
    if (on === 'process') await until(() => childPids().length < before.length, 5_000, 'the actor process to exit');
  });
}
