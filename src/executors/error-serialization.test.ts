// Unit tests of error crossing: serialize in a worker, clone, revive in the caller.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError, TimeoutError } from '../core/errors.js';
import { deserializeError, registerErrorClass, serializeError } from './error-serialization.js';
import { WorkerCrashedError } from './errors.js';

/** What crossing a thread does to a value: serialize, structured clone, deserialize. */
const cross = (thrown: unknown) => deserializeError(structuredClone(serializeError(thrown)));

describe('serializeError / deserializeError', () => {
  it('deserializeError() restores class, message, stack, cause chain and own properties', () => {
    const original = Object.assign(new RangeError('out', { cause: new TypeError('in', { cause: { why: 'root' } }) }), { code: 'E_OUT', n: 3 });
    const back = cross(original) as RangeError & { code: string; n: number; cause: TypeError };
    assert.ok(back instanceof RangeError);
    assert.equal(back.message, 'out');
    assert.equal(back.stack, original.stack);
    assert.equal(back.code, 'E_OUT');
    assert.equal(back.n, 3);
    assert.ok(back.cause instanceof TypeError);
    assert.deepEqual(back.cause.cause, { why: 'root' });
    assert.deepEqual(Object.keys(back), ['code', 'n']);
  });

  it("deserializeError() keeps Braid's classes and their data", () => {
    const crashed = new WorkerCrashedError('gone', { exitCode: 3, signal: null, task: { module: 'file:///w.js', exportName: 'run' } });
    const back = cross(crashed) as WorkerCrashedError;
    assert.ok(back instanceof WorkerCrashedError);
    assert.equal(back.name, 'WorkerCrashedError');
    assert.equal(back.exitCode, 3);
    assert.deepEqual(back.task, { module: 'file:///w.js', exportName: 'run' });
    assert.ok(cross(new CancelledError()) instanceof CancelledError);
    assert.ok(cross(new TimeoutError()) instanceof TimeoutError);
  });

  it("deserializeError() restores AggregateError's errors", () => {
    const back = cross(new AggregateError([new Error('a'), new RangeError('b')], 'both')) as AggregateError;
    assert.ok(back instanceof AggregateError);
    assert.deepEqual(back.errors.map((e: Error) => [e.name, e.message]), [['Error', 'a'], ['RangeError', 'b']]);
  });

  it('deserializeError() revives a registered class and names an unknown one', () => {
    class QuotaError extends Error {
      override name = 'QuotaError';
    }
    registerErrorClass(QuotaError);
    const known = cross(new QuotaError('over'));
    assert.ok(known instanceof QuotaError);
    class Unknown extends Error {
      override name = 'NeverRegisteredError';
    }
    const unknown = cross(new Unknown('who')) as Error;
    assert.equal(Object.getPrototypeOf(unknown), Error.prototype);
    assert.equal(unknown.name, 'NeverRegisteredError');
    assert.equal(unknown.message, 'who');
  });

  it('deserializeError() passes non-Error thrown values through', () => {
    assert.equal(cross('text'), 'text');
    assert.deepEqual(cross({ code: 1 }), { code: 1 });
    assert.equal(cross(undefined), undefined);
  });

  it('serializeError() drops function properties and survives a cyclic cause', () => {
    const error = Object.assign(new Error('cyclic'), { retry: () => 1 });
    (error as Error).cause = error;
    const back = cross(error) as Error & { retry?: unknown };
    assert.equal(back.retry, undefined);
    assert.equal(back.message, 'cyclic');
  });

  it('registerErrorClass() rejects what is not an Error class with TypeError', () => {
    assert.throws(() => registerErrorClass(class {} as never), { name: 'TypeError', message: /ctor must be a class extending Error/ });
    assert.throws(() => registerErrorClass(Error, ''), { name: 'TypeError', message: /name must be a non-empty string/ });
  });
});
