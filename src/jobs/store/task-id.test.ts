import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newTaskId, taskIdTime } from './task-id.js';

describe('newTaskId', () => {
  it('newTaskId() makes strictly increasing 26-character ids within one millisecond', () => {
    const ids = Array.from({ length: 10_000 }, () => newTaskId(1_800_000_000_000));
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} < ${ids[i]}`);
    assert.equal(new Set(ids).size, ids.length);
    assert.match(ids[0]!, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('newTaskId() stays increasing when the clock steps back', () => {
    const a = newTaskId(1_900_000_000_000);
    const b = newTaskId(1_899_999_999_000);
    assert.ok(a < b);
  });

  it('taskIdTime() returns the millisecond the id was made at', () => {
    const now = 2_000_000_000_123;
    assert.equal(taskIdTime(newTaskId(now)), now);
  });

  it('newTaskId() rejects a negative time with RangeError', () => {
    assert.throws(() => newTaskId(-1), RangeError);
  });
});
