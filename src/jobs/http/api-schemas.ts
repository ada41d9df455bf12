// JSON schemas of the HTTP API's bodies, parameters and answers: fastify validates and serialises with them, the OpenAPI document shows them.

/** Longest task type name and idempotency key the service accepts. */
const MAX_NAME = 200;
const MAX_KEY = 200;
/** The latest time a JavaScript Date can hold, in epoch ms. */
const MAX_TIME = 8_640_000_000_000_000;

export const taskStatusSchema = {
  type: 'string',
  enum: ['queued', 'delayed', 'running', 'paused', 'succeeded', 'failed', 'cancelled'],
  description: '`delayed` is a queued task whose runAt is still in the future.',
} as const;

const isoTime = { type: 'string', format: 'date-time' } as const;
const isoTimeOrNull = { type: ['string', 'null'], format: 'date-time' } as const;

export const taskErrorSchema = {
  type: ['object', 'null'],
  required: ['name', 'message'],
  properties: {
    name: { type: 'string' },
    message: { type: 'string' },
    stack: { type: 'string' },
    code: { type: 'string' },
  },
} as const;

/** A task as clients see it. */
export const taskViewSchema = {
  type: 'object',
  required: ['id', 'type', 'status', 'progress', 'message', 'input', 'result', 'error', 'attempts', 'priority', 'runAt', 'createdAt', 'startedAt', 'finishedAt'],
  properties: {
    id: { type: 'string', description: 'Time-ordered id (26 characters, ULID alphabet).' },
    type: { type: 'string' },
    status: taskStatusSchema,
    progress: { type: 'number', minimum: 0, maximum: 100 },
    message: { type: ['string', 'null'] },
    input: { description: 'Any JSON value.' },
    result: { description: 'Any JSON value; null until the task succeeded.' },
    error: taskErrorSchema,
    attempts: { type: 'integer' },
    priority: { type: 'integer' },
    runAt: isoTimeOrNull,
    createdAt: isoTime,
    startedAt: isoTimeOrNull,
    finishedAt: isoTimeOrNull,
  },
} as const;

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

export const taskIdParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: MAX_NAME } },
} as const;

/** A task type that declares an input schema: the body's `input` must match it when `type` names it. */
export interface TypedInput {
  name: string;
  inputSchema: object;
}

/**
 * The body of `POST /tasks`. Each type's `inputSchema` joins as an `if type is X then input matches`
 * clause, so fastify's compiled validator checks inputs with no per-request compile.
 */
export function createTaskBodySchema(typed: readonly TypedInput[]): object {
  const schema: Record<string, unknown> = {
    type: 'object',
    additionalProperties: false,
    required: ['type'],
    properties: {
      type: { type: 'string', minLength: 1, maxLength: MAX_NAME, description: 'A registered task type (see GET /types).' },
      input: { description: 'Any JSON value; validated against the type’s inputSchema when it has one. Default null.' },
      priority: { type: 'integer', minimum: -(2 ** 31), maximum: 2 ** 31 - 1, description: 'Higher runs first.' },
      runAt: {
        description: 'Not started before this time: ISO 8601 with a time zone, or epoch milliseconds.',
        oneOf: [isoTime, { type: 'integer', minimum: 0, maximum: MAX_TIME }],
      },
      idempotencyKey: {
        type: 'string',
        minLength: 1,
        maxLength: MAX_KEY,
        description: 'Creating the same type and key again returns the first task (200) instead of a new one (202).',
      },
    },
  };
  if (typed.length > 0) {
    schema.allOf = typed.map(({ name, inputSchema }) => ({
      if: { type: 'object', required: ['type'], properties: { type: { const: name } } },
      then: { type: 'object', required: ['input'], properties: { input: inputSchema } },
    }));
  }
  return schema;
}

/** The headers of `POST /tasks`: the IETF draft `Idempotency-Key` header, an alternative to the body field. */
export const createTaskHeadersSchema = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string',
      minLength: 1,
      maxLength: MAX_KEY,
      description: 'Same as the body’s idempotencyKey (give one or the other, or the same value in both).',
    },
  },
} as const;

export const createdSchema = {
  type: 'object',
  required: ['id', 'status', 'created'],
  properties: {
    id: { type: 'string' },
    status: taskStatusSchema,
    created: { type: 'boolean', description: 'False when an earlier task with the same idempotency key was returned.' },
  },
} as const;

export const setStatusBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['status'],
  properties: {
    status: {
      type: 'string',
      enum: ['cancelled', 'paused', 'queued'],
      description: '`cancelled` cancels, `paused` pauses, `queued` resumes a paused task. A running task stops at its next check.',
    },
  },
} as const;

export const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: taskStatusSchema,
    type: { type: 'string', minLength: 1, maxLength: MAX_NAME },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
    cursor: { type: 'string', minLength: 1, maxLength: 1000, description: 'nextCursor of the previous page.' },
  },
} as const;

export const taskPageSchema = {
  type: 'object',
  required: ['tasks', 'nextCursor'],
  properties: {
    tasks: { type: 'array', items: taskViewSchema },
    nextCursor: { type: ['string', 'null'], description: 'Null on the last page.' },
  },
} as const;

export const typesSchema = {
  type: 'object',
  required: ['types'],
  properties: {
    types: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'on'],
        properties: {
          name: { type: 'string' },
          on: { type: 'string', enum: ['loop', 'thread', 'process'] },
          inputSchema: { description: 'JSON schema of the input, when the type declares one.' },
        },
      },
    },
  },
} as const;

export const eventsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    after: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Replay events with a larger seq; the Last-Event-ID header wins.' },
    token: { type: 'string', description: 'The API token, for EventSource, which cannot send headers.' },
  },
} as const;

export const eventsHeadersSchema = {
  type: 'object',
  properties: {
    'last-event-id': { type: 'string', pattern: '^\\s*\\d{1,16}\\s*$', description: 'Sent by a reconnecting EventSource: replay events after this seq.' },
  },
} as const;

export const healthSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', const: 'ok' } },
} as const;

export const tokenQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { token: { type: 'string', description: 'The API token; the page keeps it in sessionStorage.' } },
} as const;

/** Schemas the OpenAPI document names under `components.schemas` (matched by identity). */
export const namedSchemas: Readonly<Record<string, object>> = {
  TaskView: taskViewSchema,
  TaskStatus: taskStatusSchema,
  TaskPage: taskPageSchema,
  Error: errorSchema,
  Created: createdSchema,
  SetStatus: setStatusBodySchema,
  TaskTypes: typesSchema,
};
