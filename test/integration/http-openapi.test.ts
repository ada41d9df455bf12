// The OpenAPI document served at /openapi.json: valid 3.1 JSON listing exactly the routes the server answers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { openHttp } from './fixtures/http-harness.js';
import type { HttpHarness } from './fixtures/http-harness.js';

// The reference validator of the OpenAPI Initiative's schemas, when this machine has it (pip openapi-spec-validator).
const VALIDATOR = 'import json, sys\nfrom openapi_spec_validator import validate\nvalidate(json.load(sys.stdin))\nprint("valid")';
const hasValidator = spawnSync('python3', ['-c', 'import openapi_spec_validator'], { stdio: 'ignore' }).status === 0;

const ROUTES = [
  'POST /tasks',
  'GET /tasks',
  'GET /tasks/{id}',
  'PUT /tasks/{id}',
  'GET /tasks/{id}/events',
  'GET /events',
  'GET /types',
  'GET /health',
  'GET /metrics',
  'GET /openapi.json',
  'GET /',
];

interface Doc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown>; parameters?: { name: string; in: string }[]; requestBody?: unknown }>>;
  components: { schemas: Record<string, unknown> };
}

describe('GET /openapi.json', () => {
  let h: HttpHarness;
  let doc: Doc;
  let text: string;
  before(async () => {
    h = await openHttp();
    const response = await h.request('/openapi.json');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    text = await response.text();
    doc = JSON.parse(text) as Doc;
  });
  after(async () => {
    await h.close();
  });

  it('GET /openapi.json is an OpenAPI 3.1.0 document listing every route exactly once', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(typeof doc.info.title, 'string');
    const listed = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    assert.deepEqual([...listed].sort(), [...ROUTES].sort());
  });

  it('every documented operation is a route the server has, with a unique operationId and a success answer', () => {
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        assert.ok(h.server.app.hasRoute({ method: method.toUpperCase() as 'GET', url: path.replace(/\{(\w+)\}/g, ':$1') }), `${method} ${path}`);
        assert.ok(!ids.has(op.operationId), op.operationId);
        ids.add(op.operationId);
        assert.ok(Object.keys(op.responses).some((s) => s.startsWith('2')), `${op.operationId} has no 2xx`);
        assert.ok(op.responses['500'] !== undefined, `${op.operationId} has no 500`);
        for (const name of path.match(/\{(\w+)\}/g) ?? []) {
          assert.ok(op.parameters?.some((p) => p.in === 'path' && `{${p.name}}` === name), `${op.operationId} lacks path parameter ${name}`);
        }
      }
    }
  });

  it('GET /openapi.json passes openapi-spec-validator', { skip: hasValidator ? false : 'python3 with openapi-spec-validator is not installed' }, () => {
    const result = spawnSync('python3', ['-c', VALIDATOR], { input: text, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'valid');
  });

  it('every $ref in the document resolves to a component schema', () => {
    const refs = [...text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(refs.length > 5);
    for (const ref of refs) {
      const name = /^#\/components\/schemas\/(\w+)$/.exec(ref)?.[1];
      assert.ok(name !== undefined && doc.components.schemas[name] !== undefined, ref);
    }
  });

  it('the create operation documents the body, the per-type input schema and its error codes', () => {
    const create = doc.paths['/tasks']!.post!;
    const body = JSON.stringify(create.requestBody);
    assert.match(body, /"idempotencyKey"/);
    assert.match(body, /"const":"resize"/);
    assert.deepEqual(Object.keys(create.responses).sort(), ['200', '202', '400', '413', '415', '422', '500', '503']);
    assert.match(JSON.stringify(create.responses['422']), /UNKNOWN_TASK_TYPE/);
    assert.ok((create.responses['202'] as { headers?: Record<string, unknown> }).headers?.Location !== undefined);
    const list = doc.paths['/tasks']!.get!;
    assert.deepEqual(list.parameters?.map((p) => `${p.in}:${p.name}`), ['query:status', 'query:type', 'query:limit', 'query:cursor']);
  });
});
