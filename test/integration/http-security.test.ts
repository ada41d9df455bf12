// Security of the HTTP API over real HTTP: token auth, loopback-only without a token, Host check against DNS rebinding, option validation.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createServer, serve } from '../../src/jobs/http/server.js';
import { openHttp, sseReader } from './fixtures/http-harness.js';
import type { HttpHarness } from './fixtures/http-harness.js';

const TOKEN = 'tok_3f9a1c7e5b2d4086';

async function code(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

/** GET with an explicit Host header (fetch does not let a caller set it). */
function getWithHost(base: string, path: string, host: string): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('HTTP token auth', () => {
  let h: HttpHarness;
  const auth = { authorization: `Bearer ${TOKEN}` };
  before(async () => {
    h = await openHttp({ token: TOKEN });
  });
  after(async () => {
    await h.close();
    assert.deepEqual(h.errors, []);
  });

  it('every route but /health answers 401 UNAUTHORIZED without the token, with a Bearer challenge', async () => {
    for (const [method, path] of [
      ['GET', '/tasks'],
      ['POST', '/tasks'],
      ['GET', '/tasks/01ZZZZZZZZZZZZZZZZZZZZZZZZ'],
      ['PUT', '/tasks/01ZZZZZZZZZZZZZZZZZZZZZZZZ'],
      ['GET', '/types'],
      ['GET', '/metrics'],
      ['GET', '/openapi.json'],
      ['GET', '/events'],
      ['GET', '/'],
      ['GET', '/no-such-route'],
    ] as const) {
      const response = await h.request(path, { method, ...(method === 'GET' ? {} : { body: { type: 'echo' } }) });
      assert.equal(response.status, 401, `${method} ${path}`);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="braid"');
      assert.equal(await code(response), 'UNAUTHORIZED');
    }
    const health = await h.request('/health');
    assert.equal(health.status, 200);
  });

  it('a wrong token, another scheme or a token of another length is refused', async () => {
    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`, 'Bearer', TOKEN]) {
      const response = await h.request('/tasks', { headers: { authorization } });
      assert.equal(response.status, 401, authorization);
    }
  });

  it('the right Bearer token opens every route', async () => {
    const created = await h.request('/tasks', { method: 'POST', body: { type: 'echo', input: 1 }, headers: auth });
    assert.equal(created.status, 202);
    const { id } = (await created.json()) as { id: string };
    for (const path of ['/tasks', `/tasks/${id}`, '/types', '/metrics', '/openapi.json', '/']) {
      assert.equal((await h.request(path, { headers: auth })).status, 200, path);
    }
  });

  it('?token= opens the event streams and the page, and nothing else', async () => {
    const { id } = (await (await h.request('/tasks', { method: 'POST', body: { type: 'echo' }, headers: auth })).json()) as { id: string };
    const stream = await h.request(`/tasks/${id}/events?token=${TOKEN}`);
    assert.equal(stream.status, 200);
    const reader = sseReader(stream);
    assert.equal(JSON.parse((await reader.take(1))[0]!.data).kind, 'created');
    await reader.cancel();
    const all = await h.request(`/events?token=${TOKEN}&after=0`);
    assert.equal(all.status, 200);
    await all.body?.cancel();
    assert.equal((await h.request(`/?token=${TOKEN}`)).status, 200);

    assert.equal((await h.request(`/events?token=wrong`)).status, 401);
    const list = await h.request(`/tasks?token=${TOKEN}`);
    assert.equal(list.status, 401);
    assert.equal(await code(list), 'UNAUTHORIZED');
  });

  it('the OpenAPI document declares the bearer scheme when a token is set', async () => {
    const doc = (await (await h.request('/openapi.json', { headers: auth })).json()) as { security: unknown; components: { securitySchemes: Record<string, unknown> } };
    assert.deepEqual(doc.security, [{ bearer: [] }]);
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['bearer', 'queryToken']);
  });
});

describe('HTTP binding and Host check', () => {
  let h: HttpHarness;
  before(async () => {
    h = await openHttp();
  });
  after(async () => {
    await h.close();
  });

  it('serve() listens on 127.0.0.1 by default', () => {
    assert.match(h.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((h.server.app.server.address() as AddressInfo).address, '127.0.0.1');
  });

  it('serve() on localhost or ::1 answers at a URL with that host (IPv6 in brackets)', async (t) => {
    for (const host of ['localhost', '::1']) {
      let server;
      try {
        server = await serve(h.service, { host, port: 0 });
      } catch (error) {
        if ((error as { code?: string }).code === 'EADDRNOTAVAIL') {
          t.diagnostic(`${host} is not available here`);
          continue;
        }
        throw error;
      }
      try {
        assert.match(server.url, host === '::1' ? /^http:\/\/\[::1\]:\d+$/ : /^http:\/\/localhost:\d+$/);
        assert.equal((await fetch(`${server.url}/health`)).status, 200);
        assert.equal((await fetch(`${server.url}/tasks`)).status, 200);
      } finally {
        await server.close();
      }
    }
  });

  it('serve() refuses to listen on every interface without a token, before binding anything', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
      const port = await freePort();
      await assert.rejects(serve(h.service, { host, port }), (error: unknown) => {
        assert.ok(error instanceof RangeError);
        assert.match(error.message, /^host must be a loopback address unless a token is set/);
        return true;
      });
      const refused = await fetch(`http://127.0.0.1:${port}/health`).then(
        () => false,
        () => true,
      );
      assert.equal(refused, true, `${host}: something is listening on ${port}`);
    }
  });

  it('serve() on every interface with a token serves, and still requires the token', async () => {
    const server = await serve(h.service, { host: '0.0.0.0', port: 0, token: TOKEN });
    try {
      const port = (server.app.server.address() as AddressInfo).port;
      assert.equal((await fetch(`http://127.0.0.1:${port}/tasks`)).status, 401);
      assert.equal((await fetch(`http://127.0.0.1:${port}/tasks`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
    } finally {
      await server.close();
    }
  });

  it('a loopback server answers 403 FORBIDDEN_HOST to a request for another host name (DNS rebinding)', async () => {
    const port = new URL(h.url).port;
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.nip.io:${port}`]) {
      const { status, body } = await getWithHost(h.url, '/tasks', host);
      assert.equal(status, 403, host);
      assert.equal((JSON.parse(body) as { error: { code: string } }).error.code, 'FORBIDDEN_HOST');
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      assert.equal((await getWithHost(h.url, '/health', host)).status, 200, host);
    }
  });

  it('JSON answers carry nosniff and no-store', async () => {
    const response = await h.request('/tasks');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('cache-control'), 'no-store');
  });

  it('createServer() and serve() validate their arguments', async () => {
    assert.throws(() => createServer(null as never), /^TypeError: service must be a TaskService$/);
    assert.throws(() => createServer(h.service, { token: '' }), TypeError);
    assert.throws(() => createServer(h.service, { token: 'has space' }), /^TypeError: token must be/);
    assert.throws(() => createServer(h.service, { bodyLimit: 0 }), /^RangeError: bodyLimit must be a positive integer/);
    assert.throws(() => createServer(h.service, { heartbeatMs: -5 }), RangeError);
    assert.throws(() => createServer(h.service, { allowedHosts: 'localhost' as never }), /^TypeError: allowedHosts/);
    assert.throws(() => createServer(h.service, { dashboard: 'yes' as never }), /^TypeError: dashboard must be a boolean$/);
    await assert.rejects(serve(h.service, { port: 70_000 }), /^RangeError: port must be an integer from 0 to 65535, got 70000$/);
    await assert.rejects(serve(h.service, { host: '' }), /^TypeError: host must be a non-empty string$/);
  });
});
