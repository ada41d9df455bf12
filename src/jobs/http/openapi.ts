// The OpenAPI 3.1 document of the HTTP API, generated from the same route table fastify serves, so the two cannot drift.

import { API_ERROR_STATUS } from './api-error.js';
import type { ApiErrorCode } from './api-error.js';
import type { ApiRoute } from './api-route.js';

/** Options of `openApiDocument()`. */
export interface OpenApiOptions {
  title: string;
  version: string;
  description?: string;
  /** Whether the server requires a token: adds the security schemes and 401 answers. */
  tokenRequired: boolean;
  /** Schemas to name under `components.schemas`; every occurrence of the same object becomes a `$ref`. */
  components: Readonly<Record<string, object>>;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  202: 'Accepted',
  400: 'The request is malformed',
  401: 'A valid token is required',
  403: 'The Host header is not allowed',
  404: 'Not found',
  409: 'The change is not allowed in the task’s status',
  413: 'The body is too large',
  415: 'The body must be application/json',
  422: 'The task type is not registered',
  500: 'Unexpected failure',
  503: 'The server is shutting down or at capacity; retry later',
};

/**
 * Builds the document: one operation per route, path and query parameters from the params and
 * querystring schemas, the body from the body schema, JSON answers from the response schemas, error
 * answers (with their codes) from `errors`, and `$ref`s for the named component schemas.
 *
 * @example
 * const doc = openApiDocument(routes, { title: 'Braid tasks', version: '0.1.0', tokenRequired: false, components: namedSchemas });
 * console.log(doc.openapi); // '3.1.0'
 */
export function openApiDocument(routes: readonly ApiRoute[], options: OpenApiOptions): { openapi: '3.1.0' } & Record<string, unknown> {
  const refs = new Map<object, string>();
  for (const [name, schema] of Object.entries(options.components)) refs.set(schema, `#/components/schemas/${name}`);
  const ref = (schema: object, top = true): unknown => substitute(schema, refs, top);

  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const operation: Record<string, unknown> = { operationId: route.operationId, summary: route.summary };
    if (route.description !== undefined) operation.description = route.description;

    const parameters = [
      ...objectParameters(route.schema.params, 'path', ref),
      ...objectParameters(route.schema.querystring, 'query', ref),
      ...objectParameters(route.schema.headers, 'header', ref),
    ];
    if (parameters.length > 0) operation.parameters = parameters;
    if (route.schema.body !== undefined) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: ref(route.schema.body) } } };
    }

    const responses: Record<string, unknown> = {};
    for (const [status, schema] of Object.entries(route.schema.response ?? {})) {
      const answer: Record<string, unknown> = { description: STATUS_TEXT[Number(status)] ?? 'Answer', content: { 'application/json': { schema: ref(schema) } } };
      const headers = route.responseHeaders?.[Number(status)];
      if (headers !== undefined) answer.headers = headers;
      responses[status] = answer;
    }
    if (route.produces !== undefined) {
      const media: Record<string, unknown> = route.produces.schema === undefined ? {} : { schema: ref(route.produces.schema) };
      responses[String(route.produces.status)] = { description: route.produces.description, content: { [route.produces.contentType]: media } };
    }
    const codes = new Set<ApiErrorCode>(route.errors);
    if (hasInput(route)) codes.add('VALIDATION_FAILED');
    if (options.tokenRequired && route.access !== 'open') codes.add('UNAUTHORIZED');
    codes.add('INTERNAL');
    codes.add('UNAVAILABLE');
    const byStatus = new Map<number, ApiErrorCode[]>();
    for (const code of codes) {
      const status = API_ERROR_STATUS[code];
      byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
    }
    for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
      responses[String(status)] = {
        description: `${STATUS_TEXT[status] ?? 'Error'} (error.code ${list.join(' or ')})`,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    operation.responses = responses;

    if (options.tokenRequired && route.access !== 'open') {
      operation.security = route.access === 'token-or-query' ? [{ bearer: [] }, { queryToken: [] }] : [{ bearer: [] }];
    } else if (route.access === 'open') {
      operation.security = [];
    }
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }

  const schemas: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(options.components)) schemas[name] = ref(schema, false);
  const components: Record<string, unknown> = { schemas };
  if (options.tokenRequired) {
    components.securitySchemes = {
      bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <token>' },
      queryToken: { type: 'apiKey', in: 'query', name: 'token', description: 'For EventSource and the dashboard page only' },
    };
  }
  const info: Record<string, unknown> = { title: options.title, version: options.version };
  if (options.description !== undefined) info.description = options.description;
  const doc: { openapi: '3.1.0' } & Record<string, unknown> = { openapi: '3.1.0', info, paths, components };
  if (options.tokenRequired) doc.security = [{ bearer: [] }];
  return doc;
}

function hasInput(route: ApiRoute): boolean {
  return route.schema.body !== undefined || route.schema.querystring !== undefined || route.schema.params !== undefined || route.schema.headers !== undefined;
}

function objectParameters(schema: object | undefined, where: 'path' | 'query' | 'header', ref: (s: object) => unknown): unknown[] {
  if (schema === undefined) return [];
  const s = schema as { properties?: Record<string, object>; required?: readonly string[] };
  const required = new Set(s.required ?? []);
  return Object.entries(s.properties ?? {}).map(([name, property]) => {
    const parameter: Record<string, unknown> = { name, in: where, required: where === 'path' || required.has(name) };
    // The description moves from the schema to the parameter, where OpenAPI tools show it.
    const { description, ...rest } = ref(property) as Record<string, unknown>;
    if (typeof description === 'string') parameter.description = description;
    parameter.schema = rest;
    return parameter;
  });
}

/** A deep copy of `schema` in which every named schema (but the root, when `top` is false) is a `$ref`. */
function substitute(schema: unknown, refs: ReadonlyMap<object, string>, top: boolean): unknown {
  if (typeof schema !== 'object' || schema === null) return schema;
  if (top) {
    const name = refs.get(schema);
    if (name !== undefined) return { $ref: name };
  }
  if (Array.isArray(schema)) return schema.map((item) => substitute(item, refs, true));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) out[key] = substitute(value, refs, true);
  return out;
}
