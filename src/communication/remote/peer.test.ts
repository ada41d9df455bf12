// Unit tests of Peer: requests and replies, packing, proxies that come home, release of collected proxies, link loss.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { linkedPeers } from './fixtures/linked-peers.js';
import { REMOTABLE } from './pack.js';
import { registerCodec, type Peer } from './peer.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ECHO = 90;

/** A branded object for these tests: its proxy reports calls back to the exporting side's `seen`. */
class Box {
  constructor(readonly label: string) {}
  get [REMOTABLE](): string {
    return 'test-box';
  }
}
const disposed: string[] = [];
class BoxProxy {
  lost: unknown;
  constructor(readonly label: string) {}
  get [REMOTABLE](): string {
    return 'test-box';
  }
  linkLost(error: unknown): void {
    this.lost = error;
  }
}
registerCodec<Box>({
  name: 'test-box',
  describe: (box) => box.label,
  exporter: (_peer, box) => ({ dispose: () => disposed.push(box.label) }),
  importer: (_peer, _id, label) => new BoxProxy(label as string),
});

function echoing(peer: Peer): void {
  peer.register(ECHO, 2, (b, at) => peer.reply(b[at + 1] as number, true, peer.unpack(b[at + 2])));
}

describe('Peer', () => {
  it('Peer.request() resolves with the reply and batches requests made in one tick into one post', async () => {
    const { host, worker, posted } = linkedPeers();
    echoing(worker);
    const replies = await Promise.all([1, 2, 3].map((n) => host.request(ECHO, host.pack({ n }, 'msg'))));
    assert.deepEqual(replies, [{ n: 1 }, { n: 2 }, { n: 3 }]);
    assert.equal(posted.toWorker, 1);
    assert.equal(posted.toHost, 1);
  });

  it('Peer.pack() throws a TypeError naming the function that cannot be sent', () => {
    const { host } = linkedPeers();
    assert.throws(() => host.pack({ a: [1, { onDone: () => {} }] }, 'msg'), {
      name: 'TypeError',
      message: 'msg.a[1].onDone is a function and cannot be sent to a thread',
    });
    assert.throws(() => host.pack(Symbol('x'), 'msg'), { name: 'TypeError', message: /msg is a symbol/ });
  });

  it('Peer.pack() leaves data without branded objects untouched and copies only the path to one', () => {
    const { host } = linkedPeers();
    const plain = { a: [1, 2], b: { c: 'x' } };
    assert.equal(host.pack(plain, 'msg'), plain);
    const box = new Box('one');
    const shared = { untouched: true };
    const holder = { list: [shared, box], other: shared };
    const packed = host.pack(holder, 'msg') as Record<string, unknown>;
    assert.notEqual(packed, holder);
    assert.equal(holder.list[1], box, 'the original is not modified');
  });

  it('Peer.unpack() turns a branded object into a proxy, the same proxy for the same object, and the original when it comes home', async () => {
    const { host, worker } = linkedPeers();
    echoing(worker);
    let arrived: unknown;
    worker.register(ECHO + 1, 2, (b, at) => {
      arrived = worker.unpack(b[at + 2]);
      worker.reply(b[at + 1] as number, true, arrived);
    });
    const box = new Box('two');
    const back = (await host.request(ECHO + 1, host.pack({ first: box, again: box, map: new Map([['k', box]]) }, 'msg'))) as Record<string, unknown>;
    const proxied = arrived as { first: BoxProxy; again: BoxProxy; map: Map<string, BoxProxy> };
    assert.ok(proxied.first instanceof BoxProxy);
    assert.equal(proxied.first.label, 'two');
    assert.equal(proxied.again, proxied.first);
    assert.equal(proxied.map.get('k'), proxied.first);
    assert.equal(back.first, box, 'a proxy sent back over its own link is the original');
    assert.equal((back.map as Map<string, unknown>).get('k'), box);
  });

  it('Peer releases an export once the importer collected its proxy', async () => {
    const { host, worker } = linkedPeers();
    const kept: unknown[] = [];
    worker.register(ECHO + 2, 1, (b, at) => {
      kept.push(worker.unpack(b[at + 1]));
    });
    const box = new Box('three');
    host.post(ECHO + 2, host.pack(box, 'msg'));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(kept.length, 1);
    assert.ok(!disposed.includes('three'));
    kept.length = 0;
    for (let i = 0; i < 5 && !disposed.includes('three'); i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(disposed.includes('three'), 'the exporting side disposed its entry after the proxy was collected');
  });

  it('Peer.close() rejects pending requests with the link error and tells every proxy', async () => {
    const { host, worker, sever } = linkedPeers();
    let proxy: BoxProxy | undefined;
    worker.register(ECHO + 3, 2, (b, at) => {
      proxy = worker.unpack(b[at + 2]) as BoxProxy; // never replies
    });
    const pending = host.request(ECHO + 3, host.pack(new Box('four'), 'msg'));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const crash = new Error('the worker died');
    sever(crash);
    await assert.rejects(pending, (error) => error === crash);
    assert.equal(proxy?.lost, crash);
    assert.ok(disposed.includes('four'));
    await assert.rejects(host.request(ECHO, 1), (error) => error === crash);
  });

  it('Peer answers a request whose result cannot be cloned with a TypeError naming it', async () => {
    const { host, worker } = linkedPeers();
    worker.register(ECHO + 4, 1, (b, at) => worker.reply(b[at + 1] as number, true, { handle: new WeakMap() }));
    await assert.rejects(host.request(ECHO + 4), (error: Error) => error.name === 'TypeError' && /result\.handle is a WeakMap/.test(error.message));
  });

  it('Peer with byReference passes values and errors as they are', async () => {
    const { host, worker } = linkedPeers({ byReference: true });
    const fn = () => 1;
    worker.register(ECHO + 5, 2, (b, at) => worker.reply(b[at + 1] as number, true, worker.unpack(b[at + 2])));
    const value = { fn };
    assert.equal(await host.request(ECHO + 5, host.pack(value, 'msg')), value);
  });
});
