import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('backoffDelay() grows by factor per attempt up to maxMs, scaled by the jitter draw', () => {
    const top = () => 0.999_999;
    const options = { initialMs: 100, maxMs: 1_000, factor: 3 };
    assert.deepEqual(
      [1, 2, 3, 4, 10].map((attempt) => backoffDelay(attempt, options, top)),
      [99, 299, 899, 999, 999],
    );
    assert.equal(backoffDelay(5, options, () => 0), 0);
    assert.equal(backoffDelay(2, options, () => 0.5), 150);
  });

  it('backoffDelay() defaults to 1 s doubling up to 60 s and spreads draws over the whole range', () => {
    assert.equal(backoffDelay(1, {}, () => 0.999_999), 999);
    assert.equal(backoffDelay(30, {}, () => 0.999_999), 59_999);
    const draws = Array.from({ length: 2_000 }, () => backoffDelay(3));
    assert.ok(Math.min(...draws) < 400 && Math.max(...draws) > 3_600 && Math.max(...draws) < 4_000);
  });

  it('backoffDelay() rejects an attempt that is not a positive integer', () => {
    assert.throws(() => backoffDelay(0), { name: 'RangeError', message: /^attempt must be/ });
    assert.throws(() => backoffDelay(1.5), RangeError);
  });
});
