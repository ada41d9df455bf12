// The task resource: create, read, list and change the status of tasks, and list the types that can be created.

import type { TaskStatus } from '../store/task-store.js';
import { ApiError } from './api-error.js';
import type { ApiRoute } from './api-route.js';
import {
  createdSchema,
  createTaskBodySchema,
  createTaskHeadersSchema,
  listQuerySchema,
  setStatusBodySchema,
  taskIdParamsSchema,
  taskPageSchema,
  taskViewSchema,
  typesSchema,
} from './api-schemas.js';
import type { ServedTaskService, SettableStatus } from './served-service.js';

/** Deepest nesting of arrays and objects accepted in a task's input. */
const MAX_DEPTH = 64;

const LOCATION = { Location: { description: 'The task’s URL, /tasks/{id}', schema: { type: 'string' } } };

interface CreateBody {
  type: string;
  input?: unknown;
  priority?: number;
  runAt?: string | number;
  idempotencyKey?: string;
}

interface ListQuery {
  status?: TaskStatus;
  type?: string;
  limit?: number;
  cursor?: string;
}

/**
 * The routes of `/tasks` and `/types` over `service`. The type list is read once: types are fixed
 * when the service opens, and each one's `inputSchema` is compiled into the create route's schema.
 *
 * @example
 * const routes = taskRoutes(service);
 * console.log(routes.map((r) => `${r.method} ${r.url}`));
 */
export function taskRoutes(service: ServedTaskService): ApiRoute[] {
  const types = service.types.map((t) => ({ ...t }));
  const typeNames = new Set(types.map((t) => t.name));
  const typed = types.flatMap((t) => (t.inputSchema === undefined ? [] : [{ name: t.name, inputSchema: t.inputSchema }]));
  const typesBody = { types: types.map((t) => (t.inputSchema === undefined ? { name: t.name, on: t.on } : { name: t.name, on: t.on, inputSchema: t.inputSchema })) };

  return [
    {
      method: 'POST',
      url: '/tasks',
      operationId: 'createTask',
      summary: 'Create a task',
      description:
        'Answers at once, after the task is durably stored: 202 with its id (and a Location header), or 200 with the earlier task when the idempotency key was used before.',
      access: 'token',
      schema: { body: createTaskBodySchema(typed), headers: createTaskHeadersSchema, response: { 200: createdSchema, 202: createdSchema } },
      responseHeaders: { 200: LOCATION, 202: LOCATION },
      errors: ['UNKNOWN_TASK_TYPE', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'],
      async handler(request, reply) {
        const body = request.body as CreateBody;
        // JSON.parse takes any depth, but storing and serialising recurse: refuse depth before it overflows a stack.
        if (body.input !== undefined && deeperThan(body.input, MAX_DEPTH)) {
          throw new ApiError('VALIDATION_FAILED', `body/input must not nest deeper than ${MAX_DEPTH} levels`);
        }
        if (!typeNames.has(body.type)) throw new ApiError('UNKNOWN_TASK_TYPE', `Task type ${JSON.stringify(body.type)} is not registered`);
        const options: { priority?: number; runAt?: number; idempotencyKey?: string } = {};
        if (body.priority !== undefined) options.priority = body.priority;
        const key = idempotencyKey(body.idempotencyKey, request.headers['idempotency-key']);
        if (key !== undefined) options.idempotencyKey = key;
        if (body.runAt !== undefined) options.runAt = runAtMs(body.runAt);
        const { task, created } = await service.create(body.type, body.input ?? null, options);
        void reply.code(created ? 202 : 200).header('location', `/tasks/${encodeURIComponent(task.id)}`);
        return { id: task.id, status: task.status, created };
      },
    },
    {
      method: 'GET',
      url: '/tasks',
      operationId: 'listTasks',
      summary: 'List tasks, newest first',
      description: 'Keyset pagination: pass nextCursor as cursor for the next page; tasks created meanwhile never shift a page.',
      access: 'token',
      schema: { querystring: listQuerySchema, response: { 200: taskPageSchema } },
      integerQuery: ['limit'],
      errors: [],
      async handler(request) {
        const query = request.query as ListQuery;
        const options: ListQuery = { limit: query.limit ?? 50 };
        if (query.status !== undefined) options.status = query.status;
        if (query.type !== undefined) options.type = query.type;
        if (query.cursor !== undefined) options.cursor = query.cursor;
        try {
          return await service.list(options);
        } catch (error) {
          // The cursor is opaque to this layer: only the store can tell a forged one, and it says so
          // with an argument error.
          if (query.cursor !== undefined && (error instanceof TypeError || error instanceof RangeError)) {
            throw new ApiError('VALIDATION_FAILED', 'querystring/cursor is not a cursor returned by this API');
          }
          throw error;
        }
      },
    },
    {
      method: 'GET',
      url: '/tasks/:id',
      operationId: 'getTask',
      summary: 'Get a task: status, progress, result or error, and its times',
      access: 'token',
      schema: { params: taskIdParamsSchema, response: { 200: taskViewSchema } },
      errors: ['TASK_NOT_FOUND'],
      async handler(request) {
        const { id } = request.params as { id: string };
        const task = await service.get(id);
        if (task === undefined) throw notFound(id);
        return task;
      },
    },
    {
      method: 'PUT',
      url: '/tasks/:id',
      operationId: 'setTaskStatus',
      summary: 'Cancel, pause or resume a task',
      description:
        'A queued or paused task changes at once; a running task is asked to stop and the answer shows it still running until its worker obeys (watch its events).',
      access: 'token',
      schema: { params: taskIdParamsSchema, body: setStatusBodySchema, response: { 200: taskViewSchema } },
      errors: ['TASK_NOT_FOUND', 'INVALID_TRANSITION', 'UNSUPPORTED_MEDIA_TYPE'],
      async handler(request) {
        const { id } = request.params as { id: string };
        const { status } = request.body as { status: SettableStatus };
        return service.setStatus(id, status);
      },
    },
    {
      method: 'GET',
      url: '/types',
      operationId: 'listTypes',
      summary: 'The task types this service runs, with their placement and input schema',
      access: 'token',
      schema: { response: { 200: typesSchema } },
      errors: [],
      handler: () => Promise.resolve(typesBody),
    },
  ];
}

function notFound(id: string): ApiError {
  return new ApiError('TASK_NOT_FOUND', `Task ${id} not found`);
}

/** The key from the body or the `Idempotency-Key` header; both may be given only if they agree. */
function idempotencyKey(fromBody: string | undefined, fromHeader: string | string[] | undefined): string | undefined {
  if (Array.isArray(fromHeader)) throw new ApiError('VALIDATION_FAILED', 'headers/idempotency-key must be given once');
  if (fromBody !== undefined && fromHeader !== undefined && fromBody !== fromHeader) {
    throw new ApiError('VALIDATION_FAILED', 'body/idempotencyKey and the Idempotency-Key header differ');
  }
  return fromBody ?? fromHeader;
}

/** Epoch ms of a validated `runAt`; a time before 1970 is refused here rather than by the store. */
function runAtMs(runAt: string | number): number {
  const ms = typeof runAt === 'number' ? runAt : Date.parse(runAt);
  if (!Number.isFinite(ms) || ms < 0) throw new ApiError('VALIDATION_FAILED', 'body/runAt must be a time from 1970 on');
  return ms;
}

/** True when `value` nests arrays/objects more than `max` levels deep; iterative, so any depth is safe to check. */
function deeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
