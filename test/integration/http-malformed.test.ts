// The malformed-request suite: every bad request gets a 4xx with a stable code and the `{ error: { code, message } }` shape, and the server keeps serving.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { openHttp } from './fixtures/http-harness.js';
import type { HttpHarness } from './fixtures/http-harness.js';

interface Case {
  name: string;
  method?: string;
  path: string;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  code: string;
  message?: RegExp;
}

const UNKNOWN_ID = '01ZZZZZZZZZZZZZZZZZZZZZZZZ';

/** `{ a: { a: … } }`, `levels` objects deep. */
function nest(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}
const JSON_TYPE = { 'content-type': 'application/json' };

const cases: Case[] = [
  { name: 'truncated JSON', method: 'POST', path: '/tasks', body: '{"type":', headers: JSON_TYPE, status: 400, code: 'VALIDATION_FAILED', message: /not valid JSON/ },
  { name: 'empty JSON body', method: 'POST', path: '/tasks', body: '', headers: JSON_TYPE, status: 400, code: 'VALIDATION_FAILED' },
  { name: '__proto__ key', method: 'POST', path: '/tasks', body: '{"type":"echo","__proto__":{"x":1}}', headers: JSON_TYPE, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'body is an array', method: 'POST', path: '/tasks', body: [{ type: 'echo' }], status: 400, code: 'VALIDATION_FAILED' },
  { name: 'body is a string', method: 'POST', path: '/tasks', body: '"echo"', headers: JSON_TYPE, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'type is a number', method: 'POST', path: '/tasks', body: { type: 5 }, status: 400, code: 'VALIDATION_FAILED', message: /body\/type must be string/ },
  { name: 'type is missing', method: 'POST', path: '/tasks', body: { input: 1 }, status: 400, code: 'VALIDATION_FAILED', message: /type/ },
  { name: 'type is empty', method: 'POST', path: '/tasks', body: { type: '' }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'priority is a numeric string', method: 'POST', path: '/tasks', body: { type: 'echo', priority: '5' }, status: 400, code: 'VALIDATION_FAILED', message: /priority/ },
  { name: 'priority is a fraction', method: 'POST', path: '/tasks', body: { type: 'echo', priority: 1.5 }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'priority is out of range', method: 'POST', path: '/tasks', body: { type: 'echo', priority: 2 ** 40 }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'runAt is not a date', method: 'POST', path: '/tasks', body: { type: 'echo', runAt: 'tomorrow' }, status: 400, code: 'VALIDATION_FAILED', message: /runAt/ },
  { name: 'runAt has no time zone', method: 'POST', path: '/tasks', body: { type: 'echo', runAt: '2030-01-01T00:00:00' }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'runAt is negative', method: 'POST', path: '/tasks', body: { type: 'echo', runAt: -1 }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'runAt is before 1970', method: 'POST', path: '/tasks', body: { type: 'echo', runAt: '1960-01-01T00:00:00Z' }, status: 400, code: 'VALIDATION_FAILED', message: /1970/ },
  { name: 'idempotencyKey is empty', method: 'POST', path: '/tasks', body: { type: 'echo', idempotencyKey: '' }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'idempotencyKey is too long', method: 'POST', path: '/tasks', body: { type: 'echo', idempotencyKey: 'k'.repeat(201) }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'input nested 65 levels deep', method: 'POST', path: '/tasks', body: { type: 'echo', input: nest(65) }, status: 400, code: 'VALIDATION_FAILED', message: /nest deeper than 64/ },
  { name: 'input nested 30,000 levels deep', method: 'POST', path: '/tasks', body: `{"type":"echo","input":${'['.repeat(30_000)}${']'.repeat(30_000)}}`, headers: JSON_TYPE, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'an unknown field', method: 'POST', path: '/tasks', body: { type: 'echo', retries: 3 }, status: 400, code: 'VALIDATION_FAILED', message: /"retries"/ },
  { name: 'an unknown type', method: 'POST', path: '/tasks', body: { type: 'rm -rf /' }, status: 422, code: 'UNKNOWN_TASK_TYPE' },
  { name: 'a prototype name as type', method: 'POST', path: '/tasks', body: { type: 'constructor' }, status: 422, code: 'UNKNOWN_TASK_TYPE' },
  { name: 'text/plain body', method: 'POST', path: '/tasks', body: '{"type":"echo"}', headers: { 'content-type': 'text/plain' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'form body', method: 'POST', path: '/tasks', body: 'type=echo', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'no body at all', method: 'POST', path: '/tasks', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'an unknown id', path: `/tasks/${UNKNOWN_ID}`, status: 404, code: 'TASK_NOT_FOUND' },
  { name: 'a malformed id', path: '/tasks/not-an-id', status: 404, code: 'TASK_NOT_FOUND' },
  { name: 'an overlong id', path: `/tasks/${'A'.repeat(300)}`, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'a status clients cannot set', method: 'PUT', path: `/tasks/${UNKNOWN_ID}`, body: { status: 'succeeded' }, status: 400, code: 'VALIDATION_FAILED', message: /"cancelled", "paused", "queued"/ },
  { name: 'a status change without status', method: 'PUT', path: `/tasks/${UNKNOWN_ID}`, body: {}, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'a status change with extra fields', method: 'PUT', path: `/tasks/${UNKNOWN_ID}`, body: { status: 'cancelled', force: true }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'a status change of an unknown id', method: 'PUT', path: `/tasks/${UNKNOWN_ID}`, body: { status: 'cancelled' }, status: 404, code: 'TASK_NOT_FOUND' },
  { name: 'limit 0', path: '/tasks?limit=0', status: 400, code: 'VALIDATION_FAILED', message: /limit/ },
  { name: 'limit 1001', path: '/tasks?limit=1001', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'limit not a number', path: '/tasks?limit=ten', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'limit a fraction', path: '/tasks?limit=2.5', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'limit given twice', path: '/tasks?limit=2&limit=3', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'an unknown status filter', path: '/tasks?status=done', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'a forged cursor', path: '/tasks?cursor=Zm9yZ2Vk', status: 400, code: 'VALIDATION_FAILED', message: /cursor/ },
  { name: 'an empty cursor', path: '/tasks?cursor=', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'an unknown query parameter', path: '/tasks?sort=asc', status: 400, code: 'VALIDATION_FAILED', message: /"sort"/ },
  { name: 'events after -1', path: '/events?after=-1', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'events after a word', path: '/events?after=latest', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'a bad Last-Event-ID', path: '/events', headers: { 'last-event-id': 'abc' }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'events of an unknown task', path: `/tasks/${UNKNOWN_ID}/events`, status: 404, code: 'TASK_NOT_FOUND' },
  { name: 'an unknown route', path: '/jobs', status: 404, code: 'NOT_FOUND', message: /GET \/jobs/ },
  { name: 'an unknown method', method: 'DELETE', path: `/tasks/${UNKNOWN_ID}`, status: 404, code: 'NOT_FOUND' },
];

describe('HTTP malformed requests', () => {
  let h: HttpHarness;
  before(async () => {
    h = await openHttp({ bodyLimit: 64 * 1024 });
  });
  after(async () => {
    await h.close();
  });

  for (const c of cases) {
    it(`${c.method ?? 'GET'} ${c.path.slice(0, 40)} with ${c.name} answers ${c.status} ${c.code}`, async () => {
      const init: { method?: string; body?: unknown; headers?: Record<string, string> } = { method: c.method ?? 'GET' };
      if (c.body !== undefined) init.body = c.body;
      if (c.headers !== undefined) init.headers = c.headers;
      const response = await h.request(c.path, init);
      assert.equal(response.status, c.status);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      const body = (await response.json()) as { error: { code: string; message: string } };
      assert.deepEqual(Object.keys(body), ['error']);
      assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message']);
      assert.equal(body.error.code, c.code);
      assert.ok(body.error.message.length > 0);
      if (c.message !== undefined) assert.match(body.error.message, c.message);
    });
  }

  it('POST /tasks with a body over the limit answers 413 BODY_TOO_LARGE', async () => {
    const response = await h.request('/tasks', { method: 'POST', body: { type: 'echo', input: 'x'.repeat(100 * 1024) } });
    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'BODY_TOO_LARGE');
  });

  it('POST /tasks accepts input nested exactly 64 levels deep', async () => {
    const response = await h.request('/tasks', { method: 'POST', body: { type: 'echo', input: nest(63) } });
    assert.equal(response.status, 202);
  });

  it('HEAD of an event stream answers 404 at once instead of holding the connection', async () => {
    const response = await h.request('/events', { method: 'HEAD' });
    assert.equal(response.status, 404);
  });

  it('a request with a broken percent-encoding answers 400 VALIDATION_FAILED', async () => {
    const { status, body } = await raw(h.url, 'GET', '/tasks/%E0%A4%A');
    assert.equal(status, 400);
    assert.equal((JSON.parse(body) as { error: { code: string } }).error.code, 'VALIDATION_FAILED');
  });

  it('the server keeps serving after every malformed request, and none of them was an internal error', async () => {
    assert.deepEqual((await (await h.request('/health')).json()) as unknown, { status: 'ok' });
    const created = await h.request('/tasks', { method: 'POST', body: { type: 'echo', input: 'still fine' } });
    assert.equal(created.status, 202);
    const metrics = await (await h.request('/metrics')).text();
    assert.doesNotMatch(metrics, /status="5\d\d"/);
    assert.deepEqual(h.errors, []);
  });
});

/** A request with a path fetch would normalise, sent byte for byte. */
function raw(base: string, method: string, path: string): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP unexpected failures', () => {
  it('an unexpected error answers 500 INTERNAL without its message or stack, and is reported', async () => {
    const h = await openHttp({
      wrap: (service) => ({
        types: service.types,
        create: service.create.bind(service),
        get: () => Promise.reject(new Error('SQLITE_CORRUPT at /var/lib/secret/tasks.db')),
        list: service.list.bind(service),
        setStatus: service.setStatus.bind(service),
        events: service.events.bind(service),
        counts: service.counts.bind(service),
        lastEventSeq: service.lastEventSeq.bind(service),
        durations: service.durations.bind(service),
      }),
    });
    try {
      const response = await h.request('/tasks/01ZZZZZZZZZZZZZZZZZZZZZZZZ');
      assert.equal(response.status, 500);
      const text = await response.text();
      assert.deepEqual(JSON.parse(text), { error: { code: 'INTERNAL', message: 'Internal server error' } });
      assert.doesNotMatch(text, /secret|SQLITE|at /);
      assert.equal(h.errors.length, 1);
      assert.match(String(h.errors[0]), /SQLITE_CORRUPT/);
      assert.equal((await h.request('/health')).status, 200);
    } finally {
      await h.close();
    }
  });
});
