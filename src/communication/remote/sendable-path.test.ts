// Unit tests of the unsendable-value path finder behind the TypeErrors at the call.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeUnsendable, unsendableError } from './sendable-path.js';

describe('describeUnsendable', () => {
  it('describeUnsendable() names the path of a nested function, symbol or promise', () => {
    assert.equal(describeUnsendable([1, { onDone: () => 1 }], 'args', 'a thread'), 'args[1].onDone is a function and cannot be sent to a thread');
    assert.equal(describeUnsendable({ a: [{ 'odd key': Symbol('s') }] }, 'args', 'a process'), 'args.a[0]["odd key"] is a symbol and cannot be sent to a process');
    assert.equal(describeUnsendable({ p: Promise.resolve() }, 'result', 'the caller'), 'result.p is a Promise and cannot be sent to the caller');
  });

  it('describeUnsendable() looks inside Maps and Sets', () => {
    assert.equal(describeUnsendable(new Map([['k', () => 1]]), 'args', 'a thread'), 'args.get("k") is a function and cannot be sent to a thread');
    assert.equal(describeUnsendable(new Set([1, () => 1]), 'args', 'a thread'), 'args.values()[1] is a function and cannot be sent to a thread');
  });

  it('describeUnsendable() refuses SharedArrayBuffers only for processes', () => {
    const view = new Int32Array(new SharedArrayBuffer(8));
    assert.equal(describeUnsendable([view], 'args', 'a thread'), undefined);
    assert.equal(describeUnsendable([view], 'args', 'a process'), 'args[0] is a view of a SharedArrayBuffer and cannot be sent to a process');
  });

  it('describeUnsendable() returns undefined for cloneable values, cycles included', () => {
    const cyclic: Record<string, unknown> = { date: new Date(0), bytes: new Uint8Array(2), error: new Error('x') };
    cyclic.self = cyclic;
    assert.equal(describeUnsendable(cyclic, 'args', 'a thread'), undefined);
  });

  it('unsendableError() falls back to the clone error when no path is found', () => {
    const error = unsendableError({}, 'args', 'a thread', new Error('odd'));
    assert.ok(error instanceof TypeError);
    assert.equal(error.message, 'args cannot be sent to a thread: odd');
  });
});
