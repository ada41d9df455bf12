// How a route of the HTTP API is declared: one table feeds fastify (validation, serialisation, access) and the OpenAPI document.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiErrorCode } from './api-error.js';

/**
 * Who may call a route when the server has a token: `open` needs nothing (`/health`), `token` needs
 * `Authorization: Bearer`, `token-or-query` also takes `?token=` (for `EventSource` and the page).
 */
export type RouteAccess = 'open' | 'token' | 'token-or-query';

/** The schemas fastify checks requests against; `response` holds the JSON success answers by status. */
export interface RouteSchema {
  body?: object;
  querystring?: object;
  params?: object;
  headers?: object;
  response?: Readonly<Record<number, object>>;
}

/**
 * One route. `schema` goes to fastify as is; `produces` describes a success answer that is not JSON
 * (events, metrics, the page); `errors` lists the codes the route can answer besides the ones every
 * route may (`VALIDATION_FAILED`, `UNAUTHORIZED`, `INTERNAL`, `UNAVAILABLE`).
 *
 * @example
 * const health: ApiRoute = {
 *   method: 'GET', url: '/health', operationId: 'health', summary: 'Liveness', access: 'open',
 *   schema: { response: { 200: healthSchema } }, errors: [], handler: async () => ({ status: 'ok' }),
 * };
 */
export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT';
  /** fastify's pattern, e.g. `/tasks/:id`. */
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  access: RouteAccess;
  schema: RouteSchema;
  produces?: { status: number; contentType: string; description: string; schema?: object };
  /** Headers of success answers, by status, for the OpenAPI document (e.g. `Location`). */
  responseHeaders?: Readonly<Record<number, Readonly<Record<string, { description: string; schema: object }>>>>;
  errors: readonly ApiErrorCode[];
  /** Query parameters declared as integers: turned from strings into numbers before validation. */
  integerQuery?: readonly string[];
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

/**
 * Turns the named query parameters that are decimal integers into numbers, so the schema can declare
 * them as integers while fastify's validator coerces nothing (a body's `"5"` stays a string and fails).
 *
 * @example
 * coerceIntegers({ limit: '20', cursor: 'x' }, ['limit']); // { limit: 20, cursor: 'x' }
 */
export function coerceIntegers(query: unknown, names: readonly string[]): unknown {
  if (typeof query !== 'object' || query === null) return query;
  const q = query as Record<string, unknown>;
  for (const name of names) {
    const value = q[name];
    if (typeof value === 'string' && /^-?\d{1,16}$/.test(value)) q[name] = Number(value);
  }
  return q;
}
