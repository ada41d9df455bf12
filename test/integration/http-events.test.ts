// Server-Sent Events over real HTTP: replay with Last-Event-ID then live, and no stream or iterator outlives its client or the server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TaskEvent } from '../../src/jobs/store/task-store.js';
import type { ServedTaskService } from '../../src/jobs/http/served-service.js';
import type { TaskService } from '../../src/jobs/service/task-service.js';
import { isFinished, openHttp, sseReader, waitFor } from './fixtures/http-harness.js';
import type { HttpHarness, SseFrame } from './fixtures/http-harness.js';

/** The real service, with a count of event iterations open right now. */
function counted(service: TaskService, open: { now: number; total: number }, closeDelayMs = 0): ServedTaskService {
  return {
    types: service.types,
    create: service.create.bind(service),
    get: service.get.bind(service),
    list: service.list.bind(service),
    setStatus: service.setStatus.bind(service),
    counts: service.counts.bind(service),
    lastEventSeq: service.lastEventSeq.bind(service),
    durations: service.durations.bind(service),
    events(options) {
      const inner = service.events(options);
      return {
        async *[Symbol.asyncIterator](): AsyncGenerator<TaskEvent> {
          open.now++;
          open.total++;
          try {
            yield* inner;
          } finally {
            if (closeDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, closeDelayMs));
            open.now--;
          }
        },
      };
    },
  };
}

const parsed = (frame: SseFrame): TaskEvent => JSON.parse(frame.data) as TaskEvent;

async function eventually(check: () => Promise<boolean> | boolean, what: string, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('HTTP event streams', () => {
  let h: HttpHarness;
  const open = { now: 0, total: 0 };
  before(async () => {
    h = await openHttp({ wrap: (service) => counted(service, open) });
  });
  after(async () => {
    await h.close();
    assert.deepEqual(h.errors, []);
  });

  async function create(body: unknown): Promise<string> {
    return ((await (await h.request('/tasks', { method: 'POST', body })).json()) as { id: string }).id;
  }

  it('GET /tasks/:id/events replays the task from its creation, then follows it live to the end', async () => {
    const id = await create({ type: 'stepper', input: { steps: 3, stepMs: 40 } });
    const response = await h.request(`/tasks/${id}/events`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = sseReader(response);
    const frames = await reader.until(isFinished);
    await reader.cancel();

    const events = frames.map(parsed);
    assert.equal(events[0]?.kind, 'created');
    assert.ok(events.some((e) => e.kind === 'started'));
    assert.ok(events.filter((e) => e.kind === 'progress').length >= 1);
    assert.deepEqual(events.at(-1)?.payload.status, 'succeeded');
    for (const [i, frame] of frames.entries()) {
      const event = events[i]!;
      assert.equal(frame.id, String(event.seq));
      assert.equal(frame.event, event.kind);
      assert.equal(event.taskId, id);
      if (i > 0) assert.ok(event.seq > events[i - 1]!.seq, 'seq grows');
    }
  });

  it('GET /tasks/:id/events with Last-Event-ID (or ?after=) replays exactly the events after it', async () => {
    const id = await create({ type: 'stepper', input: { steps: 4, stepMs: 5 } });
    await waitFor(h, id, (v) => v.status === 'succeeded');
    const all = sseReader(await h.request(`/tasks/${id}/events`));
    const history = await all.until(isFinished);
    await all.cancel();
    assert.ok(history.length >= 4, `history: ${history.length} frames`);

    for (const k of [0, 2, history.length - 2]) {
      const lastId = history[k]!.id!;
      const rest = history.slice(k + 1);
      const byHeader = sseReader(await h.request(`/tasks/${id}/events`, { headers: { 'last-event-id': lastId } }));
      assert.deepEqual(await byHeader.take(rest.length), rest);
      await byHeader.cancel();
      const byQuery = sseReader(await h.request(`/tasks/${id}/events?after=${lastId}`));
      assert.deepEqual(await byQuery.take(rest.length), rest);
      await byQuery.cancel();
    }
    // The header wins over the URL's ?after=, as when an EventSource reconnects.
    const both = sseReader(await h.request(`/tasks/${id}/events?after=0`, { headers: { 'last-event-id': history.at(-2)!.id! } }));
    assert.deepEqual(await both.take(1), [history.at(-1)]);
    await both.cancel();
  });

  it('GET /events without Last-Event-ID or ?after= starts from now: no replay of earlier tasks', async () => {
    const old = await create({ type: 'echo', input: 'old' });
    await waitFor(h, old, (v) => v.status === 'succeeded');
    const live = sseReader(await h.request('/events'));
    const fresh = await create({ type: 'echo', input: 'fresh' });
    const frames = await live.until((f) => isFinished(f) && parsed(f).taskId === fresh);
    await live.cancel();
    assert.ok(frames.length > 0, 'the new task was streamed');
    assert.deepEqual(frames.filter((f) => parsed(f).taskId === old), [], 'nothing of the earlier task was replayed');
  });

  it('GET /events resumed with Last-Event-ID continues without a gap or a repeat', async () => {
    const first = sseReader(await h.request('/events?after=0'));
    const a = await create({ type: 'echo', input: 'a' });
    const before = await first.until((f) => isFinished(f) && parsed(f).taskId === a);
    await first.cancel();
    const lastId = before.at(-1)!.id!;

    const b = await create({ type: 'echo', input: 'b' });
    await waitFor(h, b, (v) => v.status === 'succeeded');
    const resumed = sseReader(await h.request('/events', { headers: { 'last-event-id': lastId } }));
    const after = await resumed.until((f) => isFinished(f) && parsed(f).taskId === b);
    await resumed.cancel();

    const whole = sseReader(await h.request('/events?after=0'));
    const reference = await whole.take(before.length + after.length);
    await whole.cancel();
    assert.deepEqual([...before, ...after], reference);
    assert.ok(Number(after[0]!.id) > Number(lastId));
  });

  it('a client that goes away closes its event iterator and leaves no stream open', async () => {
    await eventually(() => open.now === 0, 'earlier streams to close');
    const controller = new AbortController();
    const response = await fetch(`${h.url}/events`, { signal: controller.signal });
    const reader = sseReader(response);
    const id = await create({ type: 'echo' });
    await reader.until((f) => parsed(f).taskId === id);
    assert.equal(open.now, 1);
    const metrics = await (await h.request('/metrics')).text();
    assert.match(metrics, /^braid_http_event_streams 1$/m);
    assert.match(metrics, /^braid_http_event_streams_opened_total [1-9]\d*$/m);
    controller.abort();
    await eventually(() => open.now === 0, 'the iterator to close');
    await eventually(async () => /^braid_http_event_streams 0$/m.test(await (await h.request('/metrics')).text()), 'the stream gauge to drop');
  });
});

describe('HTTP event streams on server close', () => {
  it('closing the server ends every open stream and closes their iterators', async () => {
    const open = { now: 0, total: 0 };
    const h = await openHttp({ wrap: (service) => counted(service, open) });
    try {
      const id = ((await (await h.request('/tasks', { method: 'POST', body: { type: 'echo' } })).json()) as { id: string }).id;
      const readers = [sseReader(await h.request('/events?after=0')), sseReader(await h.request(`/tasks/${id}/events`))];
      for (const reader of readers) await reader.take(1);
      assert.equal(open.now, 2);
      const started = Date.now();
      await h.server.close();
      assert.ok(Date.now() - started < 2_000, 'close did not wait for the streams to time out');
      for (const reader of readers) {
        await reader.until(() => false).catch(() => undefined);
        assert.equal(reader.state.ended, true);
      }
      assert.equal(open.now, 0);
      assert.equal(open.total, 2);
    } finally {
      await h.close().catch(() => undefined);
    }
    assert.deepEqual(h.errors, []);
  });
});

describe('HTTP requests while the server closes', () => {
  it('a request that arrives while the server closes answers 503 UNAVAILABLE in the API’s error shape', async () => {
    const open = { now: 0, total: 0 };
    // The event iterator takes 300 ms to close, which holds the server in its closing phase.
    const h = await openHttp({ wrap: (service) => counted(service, open, 300) });
    try {
      assert.equal((await h.request('/health')).status, 200);
      const reader = sseReader(await h.request('/events?after=0'));
      await h.request('/tasks', { method: 'POST', body: { type: 'echo' } });
      await reader.take(1);
      const closed = h.server.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const response = await h.request('/health');
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('connection'), 'close');
      assert.deepEqual(await response.json(), { error: { code: 'UNAVAILABLE', message: 'The server is shutting down' } });
      await closed;
      assert.equal(open.now, 0);
    } finally {
      await h.close().catch(() => undefined);
    }
  });
});

describe('HTTP event stream limit', () => {
  it('GET /events beyond maxEventStreams answers 503 UNAVAILABLE with Retry-After, and opens again once one closes', async () => {
    const h = await openHttp({ maxEventStreams: 1 });
    try {
      const controller = new AbortController();
      const first = await fetch(`${h.url}/events`, { signal: controller.signal });
      assert.equal(first.status, 200);
      const second = await h.request('/events');
      assert.equal(second.status, 503);
      assert.equal(second.headers.get('retry-after'), '5');
      assert.equal(((await second.json()) as { error: { code: string } }).error.code, 'UNAVAILABLE');
      controller.abort();
      await eventually(async () => /^braid_http_event_streams 0$/m.test(await (await h.request('/metrics')).text()), 'the first stream to close');
      const third = await h.request('/events');
      assert.equal(third.status, 200);
      await third.body?.cancel();
    } finally {
      await h.close();
    }
    assert.deepEqual(h.errors, []);
  });
});

describe('HTTP event streams of a closed service', () => {
  it('GET /events after the service closed answers 503 UNAVAILABLE as JSON, not an empty stream', async () => {
    const h = await openHttp();
    try {
      await h.service.close();
      const response = await h.request('/events');
      assert.equal(response.status, 503);
      assert.deepEqual(await response.json(), { error: { code: 'UNAVAILABLE', message: 'The task service is closed' } });
    } finally {
      await h.close();
    }
    assert.deepEqual(h.errors, []);
  });
});
