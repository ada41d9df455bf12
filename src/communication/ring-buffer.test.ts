import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RingBuffer } from './ring-buffer.js';

describe('RingBuffer', () => {
  it('RingBuffer.shift() returns values in push order across wrap-around and growth', () => {
    const ring = new RingBuffer<number>();
    const expected: number[] = [];
    let next = 0;
    // Interleave pushes and shifts so the head wraps many times while the array grows.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < round + 3; i++) ring.push(next++);
      for (let i = 0; i < 2; i++) expected.push(ring.shift());
    }
    expected.push(...ring.drain());
    assert.deepEqual(expected, Array.from({ length: next }, (_, i) => i));
    assert.equal(ring.length, 0);
  });

  it('RingBuffer.shift() shrinks the array after a burst drains, never below 16 slots', () => {
    const ring = new RingBuffer<number>();
    for (let i = 0; i < 1000; i++) ring.push(i);
    assert.equal(ring.slots, 1024);
    for (let i = 0; i < 1000; i++) assert.equal(ring.shift(), i);
    assert.equal(ring.slots, 16);
  });
});
