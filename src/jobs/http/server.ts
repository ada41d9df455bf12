// The task service over HTTP: createServer() builds the fastify app (routes, validation, errors, auth); serve() binds it safely.

import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaValidationError, HookHandlerDoneFunction } from 'fastify';
import { systemClock } from '../../core/clock.js';
import type { Clock } from '../../core/clock.js';
import { DURATION_BUCKETS } from '../service/task-durations.js';
import { ApiError, toApiError } from './api-error.js';
import { coerceIntegers } from './api-route.js';
import type { ApiRoute, RouteAccess } from './api-route.js';
import { namedSchemas } from './api-schemas.js';
import { bearerToken, tokenMatcher } from './bearer-auth.js';
import { eventRoutes } from './event-routes.js';
import { EventStreams } from './event-streams.js';
import { hostName, isLoopbackHost } from './loopback.js';
import { openApiDocument } from './openapi.js';
import type { ServedTaskService } from './served-service.js';
import { systemRoutes } from './system-routes.js';
import { taskRoutes } from './task-routes.js';

/**
 * Options of `createServer()`.
 *
 * @example
 * const options: ServerOptions = { token: process.env.BRAID_TOKEN ?? 'change-me', bodyLimit: 256 * 1024, dashboard: false };
 */
export interface ServerOptions {
  /**
   * When set, every route but `/health` requires `Authorization: Bearer <token>` (the event streams
   * and the page also take `?token=`, since `EventSource` cannot send headers). Visible ASCII, no spaces.
   */
  token?: string;
  /** Largest request body in bytes; default 1 MiB. Larger ones get `413 BODY_TOO_LARGE`. */
  bodyLimit?: number;
  /** Serve the dashboard page at `/`; default true. */
  dashboard?: boolean;
  /**
   * Host names (no port) the `Host` header may name; others get `403 FORBIDDEN_HOST`. This stops DNS
   * rebinding: a web page cannot reach a loopback server under its own name. Default: any host;
   * `serve()` on a loopback address defaults it to the loopback names.
   */
  allowedHosts?: readonly string[];
  /** Ms between heartbeat comments on idle event streams; default 15,000. */
  heartbeatMs?: number;
  /** Most event streams open at once; more get `503 UNAVAILABLE` with `Retry-After`. Default 1,000. */
  maxEventStreams?: number;
  /** Timers of the event streams (heartbeats); default the system clock. */
  clock?: Clock;
  /** Log requests with fastify's logger (pino); default false. */
  logger?: boolean;
  /** Unexpected failures (answered `500 INTERNAL`) and failed event sources; default `console.error`. */
  onError?: (error: unknown) => void;
}

/**
 * Options of `serve()`: the server's, plus where to listen.
 *
 * @example
 * const options: ServeOptions = { host: '0.0.0.0', port: 8080, token: 'a-long-random-token' };
 */
export interface ServeOptions extends ServerOptions {
  /** Default `127.0.0.1`. Any address other than loopback requires `token`. */
  host?: string;
  /** Default 7700; 0 picks a free port (read it from `url`). */
  port?: number;
}

/**
 * A listening server. Closing it ends the event streams; the task service stays open (its owner closes it).
 *
 * @example
 * const server: ServingServer = await serve(service, { port: 0 });
 * await fetch(`${server.url}/health`);
 * await server.close();
 */
export interface ServingServer {
  /** Base URL, e.g. `http://127.0.0.1:7700`. */
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

const MIB = 1024 * 1024;
const TOKEN = /^[\x21-\x7e]{1,1024}$/;
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

/**
 * The HTTP API of a task service as a fastify instance (not listening: call `listen()`, `inject()`,
 * or use `serve()`). Every request is checked against the route's JSON schema (unknown fields are
 * refused, nothing is coerced), every error answers `{ error: { code, message } }` with a stable code,
 * and nothing from a request is ever run as code: a task runs only if its type is a registered export.
 *
 * Routes: `POST /tasks`, `GET /tasks`, `GET /tasks/:id`, `PUT /tasks/:id`, `GET /tasks/:id/events`,
 * `GET /events`, `GET /types`, `GET /health`, `GET /metrics`, `GET /openapi.json`, `GET /`.
 * Listening is the caller's business here: `serve()` is the entry point that refuses a reachable
 * address without a token and turns on the Host check; with `createServer()` you decide both.
 *
 * @throws TypeError or RangeError for bad options; the app's `ready()` rejects if a type's `inputSchema` is not a valid JSON schema
 * @example
 * const service = await TaskService.open({ tasks: new URL('./tasks.js', import.meta.url) });
 * const app = createServer(service, { token: process.env.BRAID_TOKEN });
 * await app.listen({ host: '127.0.0.1', port: 7700 });
 */
export function createServer(service: ServedTaskService, options: ServerOptions = {}): FastifyInstance {
  if (service === null || typeof service !== 'object' || typeof service.create !== 'function' || typeof service.events !== 'function') {
    throw new TypeError('service must be a TaskService');
  }
  checkServerOptions(options);
  const token = options.token;
  const matches = token === undefined ? undefined : tokenMatcher(token);
  const clock = options.clock ?? systemClock;
  const report =
    options.onError ??
    ((error: unknown) => {
      console.error('braid http:', error);
    });
  const allowedHosts = options.allowedHosts === undefined ? undefined : new Set(options.allowedHosts.map(bareHost));

  const app = Fastify({
    // The event streams and the page take ?token=: never write it to a log.
    logger: options.logger === true ? { serializers: { req: (req) => ({ method: req.method, url: redactToken(req.url), remoteAddress: req.ip }) } } : false,
    bodyLimit: options.bodyLimit ?? MIB,
    // A client gets 60 s to send its whole request (slow-body DoS; fastify's default is no limit). This
    // bounds receiving the request only: an event stream's response may last for days.
    requestTimeout: 60_000,
    // Requests that arrive while closing get our own 503 (below), in the API's error shape.
    return503OnClosing: false,
    // HEAD of an event stream would hold a connection open with no body to send.
    exposeHeadRoutes: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    // Strict validation: a body's "5" is not the number 5 and unknown fields are refused, not dropped.
    // `strict: false` lets a type's inputSchema use annotations ajv does not know (e.g. `example`).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false, strict: false } },
    schemaErrorFormatter: schemaError,
    frameworkErrors(error, _request, reply) {
      const { statusCode, body } = toApiError(error);
      void (reply as FastifyReply).code(statusCode).send(body);
    },
  });
  // Only JSON bodies: a text/plain or form post (what a cross-site page can send without CORS) is 415.
  app.removeContentTypeParser('text/plain');

  const streams = new EventStreams({
    clock,
    onError: report,
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    ...(options.maxEventStreams === undefined ? {} : { max: options.maxEventStreams }),
  });
  const requests = new Map<string, { method: string; route: string; status: number; count: number }>();
  const typeNames = service.types.map((t) => t.name);

  let closing = false;
  let openApiJson: string | undefined;
  const routes: ApiRoute[] = [];
  routes.push(
    ...taskRoutes(service),
    ...eventRoutes(service, streams),
    ...systemRoutes({
      dashboard: options.dashboard ?? true,
      openApi: () =>
        (openApiJson ??= JSON.stringify(
          openApiDocument(routes, {
            title: 'Braid task service',
            version: '1.0.0',
            description: 'Create long-running tasks, follow their progress and events, cancel, pause and resume them.',
            tokenRequired: token !== undefined,
            components: namedSchemas,
          }),
        )),
      metrics: async () => ({
        types: typeNames,
        counts: await service.counts(),
        durations: service.durations(),
        bucketBounds: DURATION_BUCKETS,
        requests: requests.values(),
        eventStreams: streams.size,
        eventStreamsOpened: streams.opened,
      }),
    }),
  );

  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    void reply.header('x-content-type-options', 'nosniff').header('cache-control', 'no-store');
    if (closing) {
      void reply.header('connection', 'close');
      done(new ApiError('UNAVAILABLE', 'The server is shutting down'));
      return;
    }
    if (allowedHosts !== undefined && !allowedHosts.has(hostName(request.headers.host ?? ''))) {
      done(new ApiError('FORBIDDEN_HOST', 'The Host header names a host this server does not answer for'));
      return;
    }
    if (matches !== undefined) {
      const access = (request.routeOptions.config as { access?: RouteAccess }).access ?? 'token';
      if (access !== 'open' && !authorized(request, access, matches)) {
        done(new ApiError('UNAUTHORIZED', 'A valid token is required: send Authorization: Bearer <token>'));
        return;
      }
    }
    done();
  });

  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${route} ${reply.statusCode}`;
    const entry = requests.get(key);
    if (entry === undefined) requests.set(key, { method: request.method, route, status: reply.statusCode, count: 1 });
    else entry.count++;
    done();
  });

  // Event streams never end on their own: end them before the server waits for open connections.
  app.addHook('preClose', async () => {
    closing = true;
    await streams.closeAll();
  });

  app.setErrorHandler((error, _request, reply: FastifyReply) => {
    const { statusCode, body, internal } = toApiError(error);
    if (internal) report(error);
    if (statusCode === 401) void reply.header('www-authenticate', 'Bearer realm="braid"');
    return reply.code(statusCode).type('application/json; charset=utf-8').send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = (request.url.split('?')[0] ?? '').slice(0, 200);
    return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `No route ${request.method} ${path}` } });
  });

  for (const route of routes) {
    const names = route.integerQuery;
    app.route({
      method: route.method,
      url: route.url,
      schema: route.schema,
      config: { access: route.access },
      handler: route.handler,
      ...(names === undefined
        ? {}
        : {
            preValidation(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
              coerceIntegers(request.query, names);
              done();
            },
          }),
    });
  }
  return app;
}

/**
 * Serves a task service over HTTP, on `127.0.0.1:7700` unless told otherwise. Refuses (rejects,
 * before binding) to listen on an address other machines can reach without a `token`. On a loopback
 * address, requests whose `Host` is not a loopback name are refused (DNS rebinding).
 *
 * @throws RangeError when `host` is not loopback and no `token` is given; TypeError/RangeError for bad options
 * @example
 * const service = await TaskService.open({ tasks: new URL('./tasks.js', import.meta.url) });
 * const server = await serve(service, { port: 0 });
 * console.log(`listening on ${server.url}`);
 * process.once('SIGTERM', () => void server.close().then(() => service.close()));
 */
export async function serve(service: ServedTaskService, options: ServeOptions = {}): Promise<ServingServer> {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 7700;
  if (typeof host !== 'string' || host.trim() === '') throw new TypeError('host must be a non-empty string');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`port must be an integer from 0 to 65535, got ${String(port)}`);
  const loopback = isLoopbackHost(host);
  if (!loopback && options.token === undefined) {
    throw new RangeError(
      `host must be a loopback address unless a token is set: refusing to serve ${host} without one, since anyone who reaches it could run and cancel tasks`,
    );
  }
  const { host: _host, port: _port, ...serverOptions } = options;
  const allowedHosts = options.allowedHosts ?? (loopback ? [...LOOPBACK_NAMES, bareHost(host)] : undefined);
  const app = createServer(service, { ...serverOptions, ...(allowedHosts === undefined ? {} : { allowedHosts }) });
  try {
    await app.listen({ host, port });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return { url: `http://${shown}:${address.port}`, app, close: () => app.close() };
}

/** One readable message for a schema failure: where, what, and the offending name or the allowed values. */
function schemaError(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const e = errors[0];
  if (e === undefined) return new Error(`${dataVar} is not valid`);
  let message = `${dataVar}${e.instancePath} ${e.message ?? 'is not valid'}`;
  const params = e.params as { additionalProperty?: unknown; allowedValues?: unknown };
  if (typeof params.additionalProperty === 'string') message += `: ${JSON.stringify(params.additionalProperty).slice(0, 100)}`;
  if (Array.isArray(params.allowedValues)) message += `: ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return new Error(message);
}

function redactToken(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}

/** A configured host name as `hostName()` reads it from a Host header: lower case, no brackets. */
function bareHost(host: string): string {
  return host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
}

function authorized(request: FastifyRequest, access: RouteAccess, matches: (candidate: string) => boolean): boolean {
  const header = bearerToken(request.headers.authorization);
  if (header !== undefined) return matches(header);
  if (access !== 'token-or-query') return false;
  const query = (request.query as Record<string, unknown> | undefined)?.token;
  return typeof query === 'string' && matches(query);
}

function checkServerOptions(options: ServerOptions): void {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  if (options.token !== undefined && (typeof options.token !== 'string' || !TOKEN.test(options.token))) {
    throw new TypeError('token must be 1 to 1024 visible ASCII characters without spaces');
  }
  if (options.bodyLimit !== undefined && !(Number.isSafeInteger(options.bodyLimit) && options.bodyLimit > 0)) {
    throw new RangeError(`bodyLimit must be a positive integer, got ${String(options.bodyLimit)}`);
  }
  if (options.dashboard !== undefined && typeof options.dashboard !== 'boolean') throw new TypeError('dashboard must be a boolean');
  if (options.allowedHosts !== undefined && (!Array.isArray(options.allowedHosts) || !options.allowedHosts.every((h) => typeof h === 'string' && h !== ''))) {
    throw new TypeError('allowedHosts must be an array of non-empty strings');
  }
  if (options.heartbeatMs !== undefined && !(Number.isFinite(options.heartbeatMs) && options.heartbeatMs > 0)) {
    throw new RangeError(`heartbeatMs must be a positive number, got ${String(options.heartbeatMs)}`);
  }
  if (options.maxEventStreams !== undefined && !(Number.isSafeInteger(options.maxEventStreams) && options.maxEventStreams >= 1)) {
    throw new RangeError(`maxEventStreams must be a positive integer, got ${String(options.maxEventStreams)}`);
  }
  if (options.clock !== undefined && (typeof options.clock?.now !== 'function' || typeof options.clock.setTimer !== 'function')) {
    throw new TypeError('clock must implement now() and setTimer()');
  }
  if (options.logger !== undefined && typeof options.logger !== 'boolean') throw new TypeError('logger must be a boolean');
  if (options.onError !== undefined && typeof options.onError !== 'function') throw new TypeError('onError must be a function');
}
