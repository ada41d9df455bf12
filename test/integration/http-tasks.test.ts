// The task resource over real HTTP: a real TaskService on a temporary SQLite file, served on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { serve } from '../../src/jobs/http/server.js';
import { openHttp, waitFor } from './fixtures/http-harness.js';
import type { HttpHarness } from './fixtures/http-harness.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('HTTP task routes', () => {
  let h: HttpHarness;
  before(async () => {
    h = await openHttp();
  });
  after(async () => {
    await h.close();
    assert.deepEqual(h.errors, []);
  });

  it('POST /tasks answers 202 with the id and a Location at once, and the task runs to its result', async () => {
    const response = await h.request('/tasks', { method: 'POST', body: { type: 'echo', input: { hello: 'world' } } });
    assert.equal(response.status, 202);
    const body = (await response.json()) as { id: string; status: string; created: boolean };
    assert.match(body.id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.equal(body.created, true);
    assert.ok(['queued', 'running', 'succeeded'].includes(body.status));
    assert.equal(response.headers.get('location'), `/tasks/${body.id}`);

    const view = await waitFor(h, body.id, (v) => v.status === 'succeeded');
    assert.deepEqual(view.result, { hello: 'world' });
    assert.deepEqual(view.input, { hello: 'world' });
    assert.equal(view.type, 'echo');
    assert.equal(view.progress, 100);
    assert.equal(view.attempts, 1);
    assert.equal(view.error, null);
    assert.match(String(view.createdAt), ISO);
    assert.match(String(view.startedAt), ISO);
    assert.match(String(view.finishedAt), ISO);
    assert.ok(String(view.createdAt) <= String(view.startedAt) && String(view.startedAt) <= String(view.finishedAt));
  });

  it('GET /tasks/:id answers the full view with exactly the documented fields', async () => {
    const { id } = (await (await h.request('/tasks', { method: 'POST', body: { type: 'echo' } })).json()) as { id: string };
    const response = await h.request(`/tasks/${id}`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const view = (await response.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(view).sort(), [
      'attempts', 'createdAt', 'error', 'finishedAt', 'id', 'input', 'message', 'priority', 'progress', 'result', 'runAt', 'startedAt', 'status', 'type',
    ]);
    assert.equal(view.input, null);
  });

  it('POST /tasks with a used idempotency key answers 200 with the first task', async () => {
    const body = { type: 'echo', input: 1, idempotencyKey: 'once-only' };
    const first = await h.request('/tasks', { method: 'POST', body });
    const second = await h.request('/tasks', { method: 'POST', body: { ...body, input: 2 } });
    assert.equal(first.status, 202);
    assert.equal(second.status, 200);
    const a = (await first.json()) as { id: string };
    const b = (await second.json()) as { id: string; created: boolean };
    assert.equal(b.id, a.id);
    assert.equal(b.created, false);
    assert.equal(second.headers.get('location'), `/tasks/${a.id}`);
  });

  it('POST /tasks takes the key from an Idempotency-Key header too, and refuses a header that contradicts the body', async () => {
    const headers = { 'idempotency-key': 'header-key-1' };
    const first = await h.request('/tasks', { method: 'POST', body: { type: 'echo' }, headers });
    const again = await h.request('/tasks', { method: 'POST', body: { type: 'echo', idempotencyKey: 'header-key-1' } });
    assert.deepEqual([first.status, again.status], [202, 200]);
    assert.equal(((await again.json()) as { id: string }).id, ((await first.json()) as { id: string }).id);
    const clash = await h.request('/tasks', { method: 'POST', body: { type: 'echo', idempotencyKey: 'other' }, headers });
    assert.equal(clash.status, 400);
    assert.match(((await clash.json()) as { error: { message: string } }).error.message, /differ/);
  });

  it('POST /tasks with runAt in the future shows the task delayed with its runAt', async () => {
    const runAt = new Date(Date.now() + 3_600_000).toISOString();
    const { id, status } = (await (await h.request('/tasks', { method: 'POST', body: { type: 'echo', runAt, priority: 7 } })).json()) as { id: string; status: string };
    assert.equal(status, 'delayed');
    const view = (await (await h.request(`/tasks/${id}`)).json()) as Record<string, unknown>;
    assert.equal(view.status, 'delayed');
    assert.equal(view.runAt, runAt);
    assert.equal(view.priority, 7);
    // Epoch milliseconds work too.
    const later = await h.request('/tasks', { method: 'POST', body: { type: 'echo', runAt: Date.now() + 3_600_000 } });
    assert.equal(((await later.json()) as { status: string }).status, 'delayed');
    const listed = (await (await h.request('/tasks?status=delayed&limit=1000')).json()) as { tasks: { id: string; status: string }[] };
    assert.ok(listed.tasks.some((t) => t.id === id));
    assert.ok(listed.tasks.every((t) => t.status === 'delayed'));
  });

  it('POST /tasks validates input against the type’s inputSchema and runs a valid one', async () => {
    const ok = await h.request('/tasks', { method: 'POST', body: { type: 'resize', input: { url: 'a.png', width: 640 } } });
    assert.equal(ok.status, 202);
    const view = await waitFor(h, ((await ok.json()) as { id: string }).id, (v) => v.status === 'succeeded');
    assert.deepEqual(view.result, { url: 'a.png', width: 640 });
    for (const input of [{ width: 10 }, { url: 'a.png', width: 0 }, { url: 'a.png', extra: true }, 'a.png', null]) {
      const bad = await h.request('/tasks', { method: 'POST', body: { type: 'resize', input } });
      assert.equal(bad.status, 400, JSON.stringify(input));
      const error = ((await bad.json()) as { error: { code: string; message: string } }).error;
      assert.equal(error.code, 'VALIDATION_FAILED');
      assert.match(error.message, /^body\/input/);
    }
    const missing = await h.request('/tasks', { method: 'POST', body: { type: 'resize' } });
    assert.equal(missing.status, 400);
  });

  it('a failing task shows failed with its error’s name, message and code', async () => {
    const { id } = (await (await h.request('/tasks', { method: 'POST', body: { type: 'broken' } })).json()) as { id: string };
    const view = await waitFor(h, id, (v) => v.status === 'failed');
    const error = view.error as { name: string; message: string; code?: string };
    assert.equal(error.name, 'Error');
    assert.equal(error.message, 'broken on purpose');
    assert.equal(error.code, 'BROKEN');
    assert.equal(view.result, null);
  });

  it('PUT /tasks/:id cancels a running task, which ends cancelled with its start and end times', async () => {
    const { id } = (await (await h.request('/tasks', { method: 'POST', body: { type: 'stepper', input: { steps: 1000, stepMs: 20 } } })).json()) as { id: string };
    await waitFor(h, id, (v) => v.status === 'running');
    const response = await h.request(`/tasks/${id}`, { method: 'PUT', body: { status: 'cancelled' } });
    assert.equal(response.status, 200);
    const asked = (await response.json()) as { id: string; status: string };
    assert.equal(asked.id, id);
    assert.ok(['running', 'cancelled'].includes(asked.status));
    const view = await waitFor(h, id, (v) => v.status === 'cancelled');
    assert.ok(view.startedAt !== null && view.finishedAt !== null);
    assert.ok((view.progress as number) < 100);
  });

  it('PUT /tasks/:id pauses a queued task at once and resumes it to queued', async () => {
    const runAt = Date.now() + 3_600_000;
    const { id } = (await (await h.request('/tasks', { method: 'POST', body: { type: 'echo', input: 'p', runAt } })).json()) as { id: string };
    const paused = await h.request(`/tasks/${id}`, { method: 'PUT', body: { status: 'paused' } });
    assert.equal(((await paused.json()) as { status: string }).status, 'paused');
    const resumed = await h.request(`/tasks/${id}`, { method: 'PUT', body: { status: 'queued' } });
    assert.equal(resumed.status, 200);
    assert.ok(['queued', 'delayed'].includes(((await resumed.json()) as { status: string }).status));
  });

  it('PUT /tasks/:id answers 409 INVALID_TRANSITION for a finished task, and 404 for an unknown one', async () => {
    const { id } = (await (await h.request('/tasks', { method: 'POST', body: { type: 'echo' } })).json()) as { id: string };
    await waitFor(h, id, (v) => v.status === 'succeeded');
    for (const status of ['cancelled', 'paused', 'queued']) {
      const response = await h.request(`/tasks/${id}`, { method: 'PUT', body: { status } });
      assert.equal(response.status, 409, status);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'INVALID_TRANSITION');
    }
    const unknown = await h.request('/tasks/01ZZZZZZZZZZZZZZZZZZZZZZZZ', { method: 'PUT', body: { status: 'cancelled' } });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'TASK_NOT_FOUND');
  });

  it('GET /tasks pages newest first through every task exactly once, with status and type filters', async () => {
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      created.push(((await (await h.request('/tasks', { method: 'POST', body: { type: 'resize', input: { url: `p${i}.png` } } })).json()) as { id: string }).id);
    }
    for (const id of created) await waitFor(h, id, (v) => v.status === 'succeeded');
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/tasks?type=resize&status=succeeded&limit=3${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const page = (await (await h.request(query)).json()) as { tasks: { id: string; type: string; status: string }[]; nextCursor: string | null };
      assert.ok(page.tasks.length <= 3);
      for (const t of page.tasks) assert.deepEqual([t.type, t.status], ['resize', 'succeeded']);
      seen.push(...page.tasks.map((t) => t.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 20);
    const mine = seen.filter((id) => created.includes(id));
    assert.deepEqual(mine, [...created].reverse());
    assert.equal(new Set(seen).size, seen.length);

    const defaults = (await (await h.request('/tasks')).json()) as { tasks: unknown[]; nextCursor: string | null };
    assert.ok(defaults.tasks.length > 7 && defaults.tasks.length <= 50);
    const none = (await (await h.request('/tasks?type=stepper&status=succeeded')).json()) as { tasks: unknown[]; nextCursor: string | null };
    assert.deepEqual(none, { tasks: [], nextCursor: null });
  });

  it('GET /types lists every registered type with its placement and input schema', async () => {
    const body = (await (await h.request('/types')).json()) as { types: { name: string; on: string; inputSchema?: object }[] };
    assert.deepEqual(body.types.map((t) => t.name).sort(), ['broken', 'echo', 'resize', 'stepper']);
    const resize = body.types.find((t) => t.name === 'resize');
    assert.equal(resize?.on, 'loop');
    assert.deepEqual((resize?.inputSchema as { required: string[] }).required, ['url']);
    assert.equal(body.types.find((t) => t.name === 'echo')?.inputSchema, undefined);
  });

  it('GET /health answers ok', async () => {
    const response = await h.request('/health');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  it('GET /metrics reports task counts, run times and HTTP traffic in Prometheus text', async () => {
    const { id } = (await (await h.request('/tasks', { method: 'POST', body: { type: 'echo' } })).json()) as { id: string };
    await waitFor(h, id, (v) => v.status === 'succeeded');
    const response = await h.request('/metrics');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    const succeeded = /^braid_tasks\{type="echo",status="succeeded"\} (\d+)$/m.exec(text);
    assert.ok(succeeded !== null && Number(succeeded[1]) >= 1, text);
    assert.match(text, /^braid_task_duration_seconds_count\{type="echo"\} [1-9]\d*$/m);
    assert.match(text, /^braid_http_requests_total\{method="POST",route="\/tasks",status="202"\} [1-9]\d*$/m);
    assert.match(text, /^braid_http_requests_total\{method="GET",route="\/tasks\/:id",status="200"\} [1-9]\d*$/m);
    assert.match(text, /^braid_http_event_streams 0$/m);
  });

  it('GET / serves the dashboard with a strict Content-Security-Policy', async () => {
    const response = await h.request('/');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-eval/);
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.match(await response.text(), /^<!doctype html>/i);
  });
});

describe('HTTP task types with a broken input schema', () => {
  it('serve() rejects, naming the create route, when a type’s inputSchema is not a valid JSON schema', async () => {
    const h = await openHttp();
    try {
      const broken = {
        types: [{ name: 'echo', on: 'loop' as const, inputSchema: { type: 'no-such-type' } }],
        create: h.service.create.bind(h.service),
        get: h.service.get.bind(h.service),
        list: h.service.list.bind(h.service),
        setStatus: h.service.setStatus.bind(h.service),
        events: h.service.events.bind(h.service),
        counts: h.service.counts.bind(h.service),
        lastEventSeq: h.service.lastEventSeq.bind(h.service),
        durations: h.service.durations.bind(h.service),
      };
      await assert.rejects(serve(broken, { port: 0 }), /POST: \/tasks.*schema is invalid/s);
    } finally {
      await h.close();
    }
  });
});
