import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../core/clock.js';
import type { TaskEvent } from '../store/task-store.js';
import { EventStreams, replayPoint, sseFrame } from './event-streams.js';

const event = (seq: number, kind: TaskEvent['kind'] = 'progress'): TaskEvent => ({ seq, taskId: 'T1', kind, payload: { progress: seq }, at: 1_000 + seq });

/** A hand-fed event source that records how many of its iterations were closed. */
function feed() {
  const pending: TaskEvent[] = [];
  let wake: (() => void) | undefined;
  let fail: Error | undefined;
  const state = { opened: 0, closed: 0 };
  async function* iterate(signal: AbortSignal): AsyncGenerator<TaskEvent> {
    state.opened++;
    try {
      while (!signal.aborted) {
        if (fail !== undefined) throw fail;
        const next = pending.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
      }
    } finally {
      state.closed++;
    }
  }
  return {
    state,
    get pending() {
      return pending.length;
    },
    open: (signal: AbortSignal) => iterate(signal),
    push(...events: TaskEvent[]) {
      pending.push(...events);
      wake?.();
    },
    fail(error: Error) {
      fail = error;
      wake?.();
    },
  };
}

/** Reads an SSE response chunk by chunk; `until` waits for text matching a pattern. */
function reader(response: Response) {
  const body = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  return {
    get text() {
      return text;
    },
    async until(pattern: RegExp): Promise<string> {
      while (!pattern.test(text)) {
        const { value, done } = await body.read();
        if (done) throw new Error(`stream ended before ${String(pattern)}; got ${JSON.stringify(text)}`);
        text += decoder.decode(value, { stream: true });
      }
      return text;
    },
    async end(): Promise<string> {
      for (;;) {
        const { value, done } = await body.read();
        if (done) return text;
        text += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => body.cancel(),
  };
}

describe('EventStreams', () => {
  let server: Server;
  let url: string;
  let clock: FakeClock;
  let streams: EventStreams;
  let source: ReturnType<typeof feed>;
  const served: Promise<void>[] = [];
  const errors: unknown[] = [];

  before(async () => {
    server = createServer((_req, res) => {
      served.push(streams.serve({ raw: res, hijack: () => undefined }, (signal) => source.open(signal)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function fresh(): void {
    clock = new FakeClock();
    streams = new EventStreams({ clock, heartbeatMs: 15_000, retryMs: 500, onError: (e) => errors.push(e) });
    source = feed();
    served.length = 0;
    errors.length = 0;
  }

  it('EventStreams.serve() answers text/event-stream with a retry hint and one frame per event', async () => {
    fresh();
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(response.headers.get('cache-control'), 'no-cache, no-transform');
    const r = reader(response);
    source.push(event(1, 'created'), event(2));
    const text = await r.until(/id: 2\n/);
    assert.ok(text.startsWith('retry: 500\n: connected\n\n'));
    assert.ok(text.includes(sseFrame(event(1, 'created')) + sseFrame(event(2))));
    await r.cancel();
    await Promise.all(served);
    assert.deepEqual(source.state, { opened: 1, closed: 1 });
  });

  it('EventStreams.serve() sends a comment every heartbeatMs while idle and stops the timer at the end', async () => {
    fresh();
    const r = reader(await fetch(url));
    await r.until(/: connected\n\n/);
    await clock.advance(14_999);
    assert.equal((r.text.match(/: ping/g) ?? []).length, 0);
    await clock.advance(1);
    await r.until(/: ping\n\n/);
    await clock.advance(15_000);
    await r.until(/: ping\n\n[^]*: ping\n\n/);
    await r.cancel();
    await Promise.all(served);
    assert.equal(clock.pendingTimers, 0);
  });

  it('EventStreams.serve() closes the source and forgets the stream when the client goes away', async () => {
    fresh();
    const controller = new AbortController();
    const r = reader(await fetch(url, { signal: controller.signal }));
    source.push(event(1));
    await r.until(/id: 1\n/);
    assert.equal(streams.size, 1);
    controller.abort();
    await Promise.all(served);
    assert.deepEqual(source.state, { opened: 1, closed: 1 });
    assert.equal(streams.size, 0);
    assert.equal(clock.pendingTimers, 0);
    assert.deepEqual(errors, []);
  });

  it('EventStreams.closeAll() ends every open stream, closes every source, and ends later ones at once', async () => {
    fresh();
    const a = reader(await fetch(url));
    const b = reader(await fetch(url));
    await a.until(/connected/);
    await b.until(/connected/);
    assert.equal(streams.size, 2);
    await streams.closeAll();
    assert.deepEqual(source.state, { opened: 2, closed: 2 });
    await a.end();
    await b.end();
    const c = reader(await fetch(url));
    assert.match(await c.end(), /^retry: 500\n: connected\n\n$/);
    await Promise.all(served);
    assert.equal(streams.size, 0);
  });

  it('EventStreams.serve() reports a failing source and ends the response so the client reconnects', async () => {
    fresh();
    const r = reader(await fetch(url));
    source.push(event(1));
    await r.until(/id: 1\n/);
    const boom = new Error('store is gone');
    source.fail(boom);
    await r.end();
    await Promise.all(served);
    assert.deepEqual(errors, [boom]);
    assert.equal(streams.size, 0);
  });

  it('EventStreams.serve() waits for a slow client to drain before pulling more events', async () => {
    fresh();
    const controller = new AbortController();
    const response = await fetch(url, { signal: controller.signal });
    // Never read: the socket buffers fill and writes report backpressure.
    const big: TaskEvent[] = [];
    for (let seq = 1; seq <= 2_000; seq++) big.push({ ...event(seq), payload: { blob: 'x'.repeat(4_096) } });
    source.push(...big);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const pulled = 2_000 - source.pending;
    assert.ok(pulled < 2_000, `pulled all ${pulled} events into an unread socket`);
    controller.abort();
    await response.body?.cancel().catch(() => undefined);
    await Promise.all(served);
    assert.deepEqual(source.state, { opened: 1, closed: 1 });
  });

  it('EventStreams.full turns true at max open streams and false again when one ends', async () => {
    fresh();
    streams = new EventStreams({ clock, max: 2 });
    const controller = new AbortController();
    const a = reader(await fetch(url, { signal: controller.signal }));
    await a.until(/connected/);
    assert.equal(streams.full, false);
    const b = reader(await fetch(url));
    await b.until(/connected/);
    assert.equal(streams.full, true);
    controller.abort();
    await served[0];
    assert.equal(streams.full, false);
    await b.cancel();
    await Promise.all(served);
  });

  it('EventStreams.serve() lets an error opening the source propagate before hijacking or writing anything', () => {
    fresh();
    let hijacked = false;
    const written: unknown[] = [];
    const res = { writeHead: (...args: unknown[]) => written.push(args), write: (chunk: unknown) => written.push(chunk) } as unknown as ServerResponse;
    const closed = new Error('The task service is closed');
    assert.throws(
      () =>
        streams.serve({ raw: res, hijack: () => (hijacked = true) }, () => {
          throw closed;
        }),
      (error) => error === closed,
    );
    assert.equal(hijacked, false);
    assert.deepEqual(written, []);
    assert.equal(streams.size, 0);
  });

  it('new EventStreams() refuses a non-positive heartbeat or max', () => {
    assert.throws(() => new EventStreams({ clock: new FakeClock(), heartbeatMs: 0 }), RangeError);
    assert.throws(() => new EventStreams({ clock: new FakeClock(), retryMs: -1 }), RangeError);
    assert.throws(() => new EventStreams({ clock: new FakeClock(), max: 0 }), /^RangeError: max must be a positive integer, got 0$/);
  });
});

describe('sseFrame and replayPoint', () => {
  it('sseFrame() writes id, event and one data line of JSON', () => {
    const frame = sseFrame({ seq: 7, taskId: 'T', kind: 'status', payload: { status: 'failed', error: { message: 'a\nb' } }, at: 5 });
    assert.equal(frame, 'id: 7\nevent: status\ndata: {"seq":7,"taskId":"T","kind":"status","payload":{"status":"failed","error":{"message":"a\\nb"}},"at":5}\n\n');
  });

  it('replayPoint() prefers Last-Event-ID over ?after= and flags a bad header', () => {
    assert.equal(replayPoint(undefined, undefined), undefined);
    assert.equal(replayPoint(undefined, 4), 4);
    assert.equal(replayPoint('9', 4), 9);
    assert.equal(replayPoint(' 9 ', undefined), 9);
    assert.equal(replayPoint('-1', undefined), 'invalid');
    assert.equal(replayPoint('abc', undefined), 'invalid');
    assert.equal(replayPoint('99999999999999999', undefined), 'invalid');
  });
});
