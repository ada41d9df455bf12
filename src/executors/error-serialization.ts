// Turns thrown values into cloneable records and back, so errors cross threads and processes intact.
import { ActorStoppedError } from '../communication/actor-ref.js';
import { ChannelClosedError } from '../communication/channel-closed-error.js';
import { CancelledError, TimeoutError } from '../core/errors.js';
import { QueueFullError, RuntimeClosedError, WorkerCrashedError } from './errors.js';

/** A thrown value in transit: an Error taken apart (`e: 1`) or any other thrown value as is (`e: 0`). */
export type SerializedError =
  | {
      e: 1;
      name: string;
      message: string;
      stack: string | undefined;
      cause?: SerializedError;
      errors?: SerializedError[];
      props?: Record<string, unknown>;
    }
  | { e: 0; value: unknown };

type ErrorClass = abstract new (...args: any[]) => Error;

// One registry per process, shared by every copy of this module (src under tsx and dist can both be
// loaded in one worker), so a class registered anywhere is revived everywhere.
const REGISTRY_KEY = Symbol.for('braid.errorRegistry');
const registry: Map<string, ErrorClass> = ((globalThis as Record<symbol, unknown>)[REGISTRY_KEY] as
  | Map<string, ErrorClass>
  | undefined) ?? new Map<string, ErrorClass>();
(globalThis as Record<symbol, unknown>)[REGISTRY_KEY] = registry;

for (const ctor of [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError, AggregateError]) {
  registry.set(ctor.name, ctor);
}
for (const [name, ctor] of [
  ['CancelledError', CancelledError],
  ['TimeoutError', TimeoutError],
  ['WorkerCrashedError', WorkerCrashedError],
  ['QueueFullError', QueueFullError],
  ['RuntimeClosedError', RuntimeClosedError],
  ['ChannelClosedError', ChannelClosedError],
  ['ActorStoppedError', ActorStoppedError],
] as const) {
  if (!registry.has(name)) registry.set(name, ctor);
}

/**
 * Registers an error class so that instances thrown in a worker come back to the caller as instances
 * of the same class (matched by `name`; no code is evaluated). Register it on both sides: in the
 * host and at the top of the task module.
 *
 * @example
 * class PaymentDeclinedError extends Error { override name = 'PaymentDeclinedError'; }
 * registerErrorClass(PaymentDeclinedError);
 */
export function registerErrorClass(ctor: ErrorClass, name: string = ctor.name): void {
  if (typeof ctor !== 'function' || !(ctor.prototype instanceof Error || (ctor as unknown) === Error)) {
    throw new TypeError('ctor must be a class extending Error');
  }
  if (typeof name !== 'string' || name === '') throw new TypeError('name must be a non-empty string');
  registry.set(name, ctor);
}

const OWN_SKIP = new Set(['name', 'message', 'stack', 'cause', 'errors']);

/** Takes a thrown value apart into plain data; never throws, depth-limited for cyclic causes. */
export function serializeError(thrown: unknown, depth = 0): SerializedError {
  // An Error from another realm (vm context) fails instanceof, so also accept the Error shape.
  const errorLike =
    thrown instanceof Error ||
    (thrown !== null && typeof thrown === 'object' && typeof (thrown as Error).message === 'string' && typeof (thrown as Error).stack === 'string');
  if (!errorLike) return { e: 0, value: thrown };
  const error = thrown as Error;
  const out: SerializedError & { e: 1 } = {
    e: 1,
    name: String(error.name),
    message: String(error.message),
    stack: typeof error.stack === 'string' ? error.stack : undefined,
  };
  if (depth < 8) {
    if ('cause' in error && error.cause !== undefined) out.cause = serializeError(error.cause, depth + 1);
    if (error instanceof AggregateError && Array.isArray(error.errors)) {
      out.errors = error.errors.map((inner: unknown) => serializeError(inner, depth + 1));
    }
  }
  let props: Record<string, unknown> | undefined;
  for (const key of Object.keys(error)) {
    if (OWN_SKIP.has(key)) continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    if (typeof value === 'function' || typeof value === 'symbol') continue;
    (props ??= {})[key] = value instanceof Error ? serializeError(value, depth + 1) : value;
  }
  if (props) out.props = props;
  return out;
}

/** Rebuilds a thrown value: a registered class by name, a built-in Error otherwise. */
export function deserializeError(data: SerializedError): unknown {
  if (data.e === 0) return data.value;
  const ctor = registry.get(data.name) ?? Error;
  const error = Object.create(ctor.prototype as object) as Error;
  const hidden = (key: string, value: unknown) =>
    Object.defineProperty(error, key, { value, writable: true, configurable: true, enumerable: false });
  hidden('message', data.message);
  if (data.stack !== undefined) hidden('stack', data.stack);
  if (data.cause !== undefined) hidden('cause', deserializeError(data.cause));
  if (data.errors !== undefined) hidden('errors', data.errors.map(deserializeError));
  if (data.props) {
    for (const [key, value] of Object.entries(data.props)) {
      (error as unknown as Record<string, unknown>)[key] = isSerializedError(value) ? deserializeError(value) : value;
    }
  }
  // Braid's classes declare `name` as an own field (the prototype says 'Error'); unknown classes
  // come back as Error carrying their original name.
  if (error.name !== data.name) {
    Object.defineProperty(error, 'name', { value: data.name, writable: true, configurable: true, enumerable: true });
  }
  return error;
}

function isSerializedError(value: unknown): value is SerializedError {
  return (
    value !== null &&
    typeof value === 'object' &&
    (value as { e?: unknown }).e === 1 &&
    typeof (value as { name?: unknown }).name === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}
