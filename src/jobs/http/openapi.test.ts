import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiRoute } from './api-route.js';
import { openApiDocument } from './openapi.js';

const thing = { type: 'object', properties: { id: { type: 'string' } } };
const routes: ApiRoute[] = [
  {
    method: 'GET',
    url: '/things/:id',
    operationId: 'getThing',
    summary: 'Get a thing',
    access: 'token',
    schema: {
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', description: 'The id' } } },
      querystring: { type: 'object', required: ['q'], properties: { q: { type: 'integer' }, r: thing } },
      response: { 200: thing },
    },
    errors: ['TASK_NOT_FOUND', 'NOT_FOUND'],
    handler: () => Promise.resolve(null),
  },
  {
    method: 'POST',
    url: '/things',
    operationId: 'createThing',
    summary: 'Create a thing',
    access: 'open',
    schema: { body: thing, response: { 202: { type: 'object', properties: { made: thing } } } },
    errors: [],
    handler: () => Promise.resolve(null),
  },
  {
    method: 'GET',
    url: '/stream',
    operationId: 'stream',
    summary: 'Events',
    access: 'token-or-query',
    schema: {},
    produces: { status: 200, contentType: 'text/event-stream', description: 'SSE' },
    errors: [],
    handler: () => Promise.resolve(null),
  },
];

describe('openApiDocument', () => {
  it('openApiDocument() writes one operation per route with parameters, body and responses', () => {
    const doc = openApiDocument(routes, { title: 'T', version: '1', tokenRequired: false, components: { Thing: thing } }) as any;
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(Object.keys(doc.paths).sort(), ['/stream', '/things', '/things/{id}']);
    const get = doc.paths['/things/{id}'].get;
    assert.equal(get.operationId, 'getThing');
    assert.deepEqual(get.parameters, [
      { name: 'id', in: 'path', required: true, description: 'The id', schema: { type: 'string' } },
      { name: 'q', in: 'query', required: true, schema: { type: 'integer' } },
      { name: 'r', in: 'query', required: false, schema: { $ref: '#/components/schemas/Thing' } },
    ]);
    assert.deepEqual(get.responses['200'].content['application/json'].schema, { $ref: '#/components/schemas/Thing' });
    // Both 404 codes share one answer whose description names them.
    assert.match(get.responses['404'].description, /TASK_NOT_FOUND or NOT_FOUND/);
    assert.ok(get.responses['400'] !== undefined && get.responses['500'] !== undefined);
    assert.equal(get.responses['401'], undefined);
    const post = doc.paths['/things'].post;
    assert.deepEqual(post.requestBody.content['application/json'].schema, { $ref: '#/components/schemas/Thing' });
    assert.deepEqual(post.responses['202'].content['application/json'].schema.properties.made, { $ref: '#/components/schemas/Thing' });
    assert.deepEqual(post.security, []);
    assert.deepEqual(Object.keys(doc.paths['/stream'].get.responses['200'].content), ['text/event-stream']);
    assert.deepEqual(doc.components.schemas.Thing, thing);
  });

  it('openApiDocument() declares bearer and query-token security and 401s when a token is required', () => {
    const doc = openApiDocument(routes, { title: 'T', version: '1', tokenRequired: true, components: {} }) as any;
    assert.deepEqual(doc.security, [{ bearer: [] }]);
    assert.equal(doc.components.securitySchemes.bearer.scheme, 'bearer');
    assert.deepEqual(doc.paths['/stream'].get.security, [{ bearer: [] }, { queryToken: [] }]);
    assert.ok(doc.paths['/things/{id}'].get.responses['401'] !== undefined);
    assert.equal(doc.paths['/things'].post.responses['401'], undefined);
    assert.deepEqual(doc.paths['/things'].post.security, []);
  });

  it('openApiDocument() leaves the route schemas untouched', () => {
    const before = JSON.stringify(routes.map((r) => r.schema));
    openApiDocument(routes, { title: 'T', version: '1', tokenRequired: true, components: { Thing: thing } });
    assert.equal(JSON.stringify(routes.map((r) => r.schema)), before);
  });
});
