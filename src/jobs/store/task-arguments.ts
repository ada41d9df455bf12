// Argument validation shared by every TaskStore implementation, so each facade rejects the same inputs the same way.

import type {
  ClaimTasksOptions,
  CreateTaskInput,
  EventsSinceOptions,
  FailTaskInput,
  ListTasksOptions,
  PurgeFinishedOptions,
  RequeueExpiredOptions,
  StatusRequest,
  TaskError,
  TaskStatus,
} from './task-store.js';

const MAX_NAME = 200;
const MAX_KEY = 500;
const MAX_MESSAGE = 10_000;
const DAY = 86_400_000;
const STATUSES: ReadonlySet<string> = new Set(['queued', 'delayed', 'running', 'paused', 'succeeded', 'failed', 'cancelled']);
const REQUESTS: ReadonlySet<string> = new Set(['cancel', 'pause', 'resume']);

/** A create request ready for an engine: JSON already serialised, defaults applied. */
export interface CreateTaskArgs {
  type: string;
  inputJson: string;
  priority: number;
  /** Absolute run time, or null to use `now + delayMs` at commit. */
  runAt: number | null;
  delayMs: number;
  idempotencyKey: string | null;
  maxAttempts: number;
}

export interface ClaimTasksArgs {
  owner: string;
  limit: number;
  leaseMs: number;
  types: readonly string[] | null;
  perTypeLimits: ReadonlyMap<string, number> | null;
}

export interface LeaseArgs {
  id: string;
  leaseToken: number;
}

export interface ListTasksArgs {
  statuses: readonly TaskStatus[] | null;
  type: string | null;
  limit: number;
  afterId: string | null;
  order: 'asc' | 'desc';
}

/** Validates `createTask()` input. */
export function createTaskArgs(input: CreateTaskInput): CreateTaskArgs {
  object(input, 'input');
  if (input.runAt !== undefined && input.delayMs !== undefined) throw new TypeError('runAt and delayMs cannot both be given');
  return {
    type: name(input.type, 'type'),
    inputJson: json(input.input, 'input.input'),
    priority: input.priority === undefined ? 0 : integer(input.priority, 'priority', -(2 ** 31), 2 ** 31 - 1),
    runAt: input.runAt === undefined ? null : time(input.runAt, 'runAt'),
    delayMs: input.delayMs === undefined ? 0 : duration(input.delayMs, 'delayMs', 0),
    idempotencyKey: input.idempotencyKey === undefined ? null : string(input.idempotencyKey, 'idempotencyKey', MAX_KEY),
    maxAttempts: input.maxAttempts === undefined ? 1 : integer(input.maxAttempts, 'maxAttempts', 1, 1000),
  };
}

/** Validates `claimTasks()` options. */
export function claimTasksArgs(options: ClaimTasksOptions): ClaimTasksArgs {
  object(options, 'options');
  let types: string[] | null = null;
  if (options.types !== undefined) {
    if (!Array.isArray(options.types)) throw new TypeError('types must be an array of strings');
    types = options.types.map((t: unknown, i) => name(t, `types[${i}]`));
  }
  let limits: Map<string, number> | null = null;
  if (options.perTypeLimits !== undefined) {
    object(options.perTypeLimits, 'perTypeLimits');
    limits = new Map();
    for (const [type, limit] of Object.entries(options.perTypeLimits)) {
      limits.set(name(type, 'perTypeLimits key'), integer(limit, `perTypeLimits.${type}`, 0, 1_000_000));
    }
  }
  return {
    owner: string(options.owner, 'owner', MAX_NAME),
    limit: integer(options.limit, 'limit', 1, 1000),
    leaseMs: duration(options.leaseMs, 'leaseMs', 1),
    types,
    perTypeLimits: limits,
  };
}

/** Validates the `{ id, leaseToken }` of a fenced operation. */
export function leaseArgs(input: { id: string; leaseToken: number }): LeaseArgs {
  object(input, 'input');
  return { id: string(input.id, 'id', MAX_NAME), leaseToken: integer(input.leaseToken, 'leaseToken', 1, Number.MAX_SAFE_INTEGER) };
}

/** Validates `completeTasks()` input: 1..1000 leases, each result serialised. */
export function completeTasksArgs(inputs: readonly (LeaseArgs & { result?: unknown })[]): { lease: LeaseArgs; resultJson: string }[] {
  if (!Array.isArray(inputs)) throw new TypeError('inputs must be an array of leases');
  if (inputs.length < 1 || inputs.length > 1000) throw new RangeError(`inputs must hold 1 to 1000 leases, got ${inputs.length}`);
  return inputs.map((input: LeaseArgs & { result?: unknown }, i) => {
    object(input, `inputs[${i}]`);
    return {
      lease: { id: string(input.id, `inputs[${i}].id`, MAX_NAME), leaseToken: integer(input.leaseToken, `inputs[${i}].leaseToken`, 1, Number.MAX_SAFE_INTEGER) },
      resultJson: json(input.result, `inputs[${i}].result`),
    };
  });
}

/** Validates a lease length. */
export function leaseMsArg(leaseMs: unknown): number {
  return duration(leaseMs, 'leaseMs', 1);
}

/** Validates `reportProgress()` values; at least one of the two must be given. */
export function progressArgs(input: { progress?: number; message?: string }): { progress: number | null; message: string | null } {
  if (input.progress === undefined && input.message === undefined) throw new TypeError('progress or message must be given');
  let progress: number | null = null;
  if (input.progress !== undefined) {
    if (typeof input.progress !== 'number' || !(input.progress >= 0 && input.progress <= 100)) {
      throw new RangeError(`progress must be a number from 0 to 100, got ${String(input.progress)}`);
    }
    progress = input.progress;
  }
  const message = input.message === undefined ? null : text(input.message, 'message');
  return { progress, message };
}

/** Validates `failTask()` input beyond its lease. */
export function failTaskArgs(input: FailTaskInput): { errorJson: string; retryAt: number | null } {
  return { errorJson: JSON.stringify(taskError(input.error)), retryAt: input.retryAt === undefined ? null : time(input.retryAt, 'retryAt') };
}

/** Validates a stored error: `{ name, message, stack?, code? }`, extra fields dropped. */
export function taskError(error: unknown): TaskError {
  if (typeof error !== 'object' || error === null) throw new TypeError('error must be an object with name and message');
  const e = error as Record<string, unknown>;
  if (typeof e.name !== 'string' || typeof e.message !== 'string') throw new TypeError('error must have string name and message');
  const out: TaskError = { name: e.name, message: e.message };
  if (typeof e.stack === 'string') out.stack = e.stack;
  if (typeof e.code === 'string') out.code = e.code;
  return out;
}

/** Validates a task id argument. */
export function idArg(id: unknown): string {
  return string(id, 'id', MAX_NAME);
}

/** Validates a status request. */
export function statusRequestArg(request: unknown): StatusRequest {
  if (typeof request !== 'string' || !REQUESTS.has(request)) throw new TypeError(`request must be 'cancel', 'pause' or 'resume', got ${String(request)}`);
  return request as StatusRequest;
}

/** Validates `listTasks()` options and decodes the cursor. */
export function listTasksArgs(options: ListTasksOptions = {}): ListTasksArgs {
  object(options, 'options');
  let statuses: TaskStatus[] | null = null;
  if (options.status !== undefined) {
    const list: unknown[] = Array.isArray(options.status) ? options.status : [options.status];
    statuses = list.map((s) => {
      if (typeof s !== 'string' || !STATUSES.has(s)) throw new TypeError(`status must be a task status, got ${String(s)}`);
      return s as TaskStatus;
    });
  }
  const order = options.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw new TypeError(`order must be 'asc' or 'desc', got ${String(order)}`);
  return {
    statuses,
    type: options.type === undefined ? null : name(options.type, 'type'),
    limit: options.limit === undefined ? 50 : integer(options.limit, 'limit', 1, 1000),
    afterId: options.cursor === undefined ? null : decodeCursor(options.cursor),
    order,
  };
}

/** The opaque cursor that resumes a listing after the task `id`. */
export function encodeCursor(id: string): string {
  return Buffer.from(`t:${id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: unknown): string {
  if (typeof cursor !== 'string') throw new TypeError('cursor must be a string returned by listTasks');
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!decoded.startsWith('t:') || decoded.length < 3) throw new TypeError('cursor must be a string returned by listTasks');
  return decoded.slice(2);
}

/** Validates `eventsSince()` options. */
export function eventsSinceArgs(options: EventsSinceOptions = {}): { after: number; taskId: string | null; limit: number } {
  object(options, 'options');
  return {
    after: options.after === undefined ? 0 : integer(options.after, 'after', 0, Number.MAX_SAFE_INTEGER),
    taskId: options.taskId === undefined ? null : idArg(options.taskId),
    limit: options.limit === undefined ? 1000 : integer(options.limit, 'limit', 1, 10_000),
  };
}

/** Validates `requeueExpired()` options. */
export function requeueExpiredArgs(options: RequeueExpiredOptions = {}): { maxCrashes: number; limit: number } {
  object(options, 'options');
  return {
    maxCrashes: options.maxCrashes === undefined ? 3 : integer(options.maxCrashes, 'maxCrashes', 1, 1000),
    limit: options.limit === undefined ? 1000 : integer(options.limit, 'limit', 1, 100_000),
  };
}

/** Validates `purgeFinished()` options; the defaults bound retention even when nothing is configured. */
export function purgeFinishedArgs(options: PurgeFinishedOptions = {}): Required<PurgeFinishedOptions> {
  object(options, 'options');
  return {
    olderThanMs: options.olderThanMs === undefined ? 7 * DAY : duration(options.olderThanMs, 'olderThanMs', 0),
    keep: options.keep === undefined ? 10_000 : integer(options.keep, 'keep', 0, Number.MAX_SAFE_INTEGER),
    maxEvents: options.maxEvents === undefined ? 1_000_000 : integer(options.maxEvents, 'maxEvents', 0, Number.MAX_SAFE_INTEGER),
    limit: options.limit === undefined ? 10_000 : integer(options.limit, 'limit', 1, 1_000_000),
  };
}

/** Serialises a JSON field; `undefined` is stored as `null`. */
export function json(value: unknown, label: string): string {
  let out: string | undefined;
  try {
    out = JSON.stringify(value === undefined ? null : value);
  } catch (error) {
    throw new TypeError(`${label} must be JSON-serialisable: ${(error as Error).message}`);
  }
  if (out === undefined) throw new TypeError(`${label} must be JSON-serialisable`);
  return out;
}

function object(value: unknown, label: string): void {
  if (typeof value !== 'object' || value === null) throw new TypeError(`${label} must be an object`);
}

function string(value: unknown, label: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${label} must be a non-empty string`);
  if (value.length > max) throw new RangeError(`${label} must be at most ${max} characters`);
  return value;
}

function name(value: unknown, label: string): string {
  return string(value, label, MAX_NAME);
}

function text(value: unknown, label: string): string {
  if (typeof value !== 'string') throw new TypeError(`${label} must be a string`);
  if (value.length > MAX_MESSAGE) throw new RangeError(`${label} must be at most ${MAX_MESSAGE} characters`);
  return value;
}

function integer(value: unknown, label: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${label} must be an integer, got ${String(value)}`);
  if (value < min || value > max) throw new RangeError(`${label} must be from ${min} to ${max}, got ${value}`);
  return value;
}

function duration(value: unknown, label: string, min: number): number {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${label} must be a number of milliseconds, got ${String(value)}`);
  if (!Number.isFinite(value) || value < min) throw new RangeError(`${label} must be a finite number >= ${min}, got ${value}`);
  return Math.ceil(value);
}

function time(value: unknown, label: string): number {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${label} must be epoch milliseconds, got ${String(value)}`);
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${label} must be finite epoch milliseconds, got ${value}`);
  return Math.round(value);
}
