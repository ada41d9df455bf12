import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { ApiError, BraidClient } from './client.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function withServer(handler: Handler, fn: (url: string) => Promise<void>): Promise<void> {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const frame = (seq: number, kind = 'progress') => `id: ${seq}\nevent: ${kind}\ndata: ${JSON.stringify({ seq, taskId: 't1', kind, payload: { progress: seq }, at: 0 })}\n\n`;

describe('BraidClient', () => {
  it('BraidClient.create() posts JSON with the bearer token and resolves the answer', async () => {
    const seen: { method: string | undefined; url: string | undefined; auth: string | undefined; body: unknown }[] = [];
    await withServer(
      (req, res, body) => {
        seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body: JSON.parse(body) });
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"id":"t1","status":"queued"}');
      },
      async (url) => {
        const client = new BraidClient({ url, token: 's3cret' });
        assert.deepEqual(await client.create('resize', { w: 1 }, { priority: 3 }), { id: 't1', status: 'queued' });
      },
    );
    assert.deepEqual(seen, [{ method: 'POST', url: '/tasks', auth: 'Bearer s3cret', body: { type: 'resize', input: { w: 1 }, priority: 3 } }]);
  });

  it('BraidClient.get() rejects with ApiError carrying the API error code and status', async () => {
    await withServer(
      (_req, res) => res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"TASK_NOT_FOUND","message":"Task x not found"}}'),
      async (url) => {
        await assert.rejects(new BraidClient({ url }).get('x'), (error: unknown) => {
          assert.ok(error instanceof ApiError);
          assert.equal(error.code, 'TASK_NOT_FOUND');
          assert.equal(error.status, 404);
          assert.equal(error.message, 'Task x not found');
          return true;
        });
      },
    );
  });

  it('BraidClient.list() sends the filters as a query and a non-JSON error body becomes HTTP_<status>', async () => {
    const urls: string[] = [];
    await withServer(
      (req, res) => {
        urls.push(req.url ?? '');
        if (urls.length === 1) res.writeHead(200, { 'content-type': 'application/json' }).end('{"tasks":[],"nextCursor":null}');
        else res.writeHead(502).end('Bad gateway');
      },
      async (url) => {
        const client = new BraidClient({ url });
        assert.deepEqual(await client.list({ status: 'running', type: 'a b', limit: 5 }), { tasks: [], nextCursor: null });
        await assert.rejects(client.list(), { name: 'ApiError', code: 'HTTP_502', message: 'Bad gateway' });
      },
    );
    assert.deepEqual(urls, ['/tasks?status=running&type=a+b&limit=5', '/tasks']);
  });

  it('BraidClient methods reject with code UNREACHABLE when nothing listens', async () => {
    let port = 0;
    await withServer(
      (_req, res) => res.end(),
      async (url) => {
        port = Number(new URL(url).port);
      },
    );
    await assert.rejects(new BraidClient({ url: `http://127.0.0.1:${port}` }).get('x'), { name: 'ApiError', code: 'UNREACHABLE', status: 0, message: /connection refused/ });
  });

  it('BraidClient.events() reconnects after a drop with Last-Event-ID and delivers every event once', async () => {
    const lastIds: (string | undefined)[] = [];
    await withServer(
      (req, res) => {
        lastIds.push(req.headers['last-event-id'] as string | undefined);
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        // First connection: two events then a drop; second: resumes after the id it was given.
        if (lastIds.length === 1) res.end(`retry: 10\n\n${frame(1)}${frame(2)}`);
        else res.write(frame(Number(req.headers['last-event-id']) + 1, 'status'));
      },
      async (url) => {
        const events = await new BraidClient({ url }).events({ taskId: 't1', after: 0 });
        const seqs: number[] = [];
        for await (const event of events) {
          seqs.push(event.seq);
          if (seqs.length === 3) break;
        }
        assert.deepEqual(seqs, [1, 2, 3]);
      },
    );
    assert.deepEqual(lastIds, ['0', '2']);
  });

  it('TaskEventStream.close() ends the connection even when iteration never started', async () => {
    let closed = 0;
    await withServer(
      (req, res) => {
        req.socket.on('close', () => closed++);
        res.writeHead(200, { 'content-type': 'text/event-stream' }).write(frame(1));
      },
      async (url) => {
        const events = await new BraidClient({ url }).events();
        await events.close();
        for (let i = 0; i < 50 && closed === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
        assert.equal(closed, 1, 'the server saw the connection close');
        assert.deepEqual(await events.next(), { done: true, value: undefined });
      },
    );
  });

  it('TaskEventStream.close() during a pending next() resolves it done', async () => {
    await withServer(
      (_req, res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).write(': nothing yet\n\n'),
      async (url) => {
        const events = await new BraidClient({ url }).events();
        const pending = events.next();
        await new Promise((resolve) => setTimeout(resolve, 20));
        await events.close();
        assert.deepEqual(await pending, { done: true, value: undefined });
      },
    );
  });

  it('BraidClient.events() rejects at once when the stream is refused with an API error', async () => {
    await withServer(
      (_req, res) => res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"UNAUTHORIZED","message":"Missing bearer token"}}'),
      async (url) => {
        await assert.rejects(new BraidClient({ url }).events(), { name: 'ApiError', code: 'UNAUTHORIZED', status: 401 });
      },
    );
  });

  it('BraidClient.events() stops with the abort reason when its signal aborts', async () => {
    await withServer(
      (_req, res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).write(frame(1)),
      async (url) => {
        const controller = new AbortController();
        const events = await new BraidClient({ url }).events({ signal: controller.signal });
        const reason = new Error('stop');
        await assert.rejects(
          (async () => {
            for await (const _ of events) controller.abort(reason);
          })(),
          (error) => error === reason,
        );
      },
    );
  });

  it('new BraidClient() validates its options', () => {
    assert.throws(() => new BraidClient({ url: 'ftp://x' }), { name: 'TypeError', message: 'options.url must be an http or https URL' });
    assert.throws(() => new BraidClient({ url: 'nope' }), { name: 'TypeError', message: /^options\.url must be an absolute http\(s\) URL/ });
    assert.throws(() => new BraidClient({ token: '' }), { name: 'TypeError', message: 'options.token must be a non-empty string' });
    assert.throws(() => new BraidClient().setStatus('x', 'running' as never), TypeError);
  });
});
